"""The incident classifier: labels, the scikit-learn pipeline, training, evaluation, persistence."""

from classifier.labels import LABELS

__all__ = ["LABELS"]

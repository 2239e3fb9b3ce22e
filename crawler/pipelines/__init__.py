"""Item pipelines, each with one job: validate, normalise, store (with dedupe)."""

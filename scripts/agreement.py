"""Agreement between the first and second readings of the training corpus.

Usage: python scripts/agreement.py  — prints per-batch and per-label agreement (exact label-set
agreement and Cohen's kappa) and lists the disagreements, for the datasheet.
"""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("brand_removal", "apology", "policy_tightening")


def main() -> None:
    review_dir = ROOT / "data" / "training" / "review"
    first_all, second_all = [], []
    for review in sorted(review_dir.glob("*.second.jsonl")):
        batch = review.name.split(".")[0]
        first = {}
        for path in (
            ROOT / "data" / "training" / f"{batch}.jsonl",
            ROOT / "data" / "training" / "reserved" / "reserved-events.jsonl",
        ):
            for line in path.read_text(encoding="utf-8").splitlines():
                doc = json.loads(line)
                first.setdefault(doc["id"], doc.get("first_reading", doc["labels"]))
        rows = [json.loads(line) for line in review.read_text(encoding="utf-8").splitlines()]
        same = sum(set(r["labels"]) == set(first[r["id"]]) for r in rows)
        print(f"{batch}: {len(rows)} documents, label sets agree on {same} ({same / len(rows):.1%})")
        for row in rows:
            first_all.append(set(first[row["id"]]))
            second_all.append(set(row["labels"]))
            if set(row["labels"]) != set(first[row["id"]]):
                print(
                    f"   {row['id']}: first {sorted(first[row['id']])} second {sorted(row['labels'])}"
                    f"  {row.get('note', '')[:120]}"
                )
    print(f"all: {len(first_all)} documents")
    for label in LABELS:
        kappa = cohen_kappa_score([label in f for f in first_all], [label in s for s in second_all])
        print(f"   {label:18} Cohen's kappa {kappa:.3f}")


if __name__ == "__main__":
    main()

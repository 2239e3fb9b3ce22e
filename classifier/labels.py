"""The three labels; their definitions are in GUIDELINES.md beside this file."""

LABELS: tuple[str, ...] = ("brand_removal", "apology", "policy_tightening")

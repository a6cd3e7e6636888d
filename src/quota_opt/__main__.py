"""`python -m quota_opt …` runs the `quota-opt` command (for a machine where the script is not on PATH)."""

from quota_opt.cli import main

main()

"""`python -m quota_opt …` runs the `quota-opt` command (for a machine where the script is not on PATH)."""

from quota_opt.cli import main

if __name__ == "__main__":  # not when a worker process (multiprocessing) imports this module as its main
    main()

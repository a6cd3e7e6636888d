"""The quota-opt command line. `main` is the command's entry point: it sets up signals and the console's
streams, then loads the command (`cli.app`), which takes the first half second."""

from __future__ import annotations

import sys

from quota_opt.cli.console import tolerant_streams
from quota_opt.cli.signals import (
    INTERRUPTED,
    TERMINATED,
    Terminated,
    handle_sigterm,
    is_termination,
    quiet_zip_clean_up,
)


def main() -> None:
    """Entry point of the `quota-opt` command.

    The signal handlers come first and the command is imported here, inside them (the one import in a function
    here, and why this package imports nothing at the top but its signal handling, `cli.signals`): a Ctrl-C or
    SIGTERM while Python loads the command ends it quietly with 130 or 143, not a traceback."""
    handle_sigterm()
    quiet_zip_clean_up()
    try:
        tolerant_streams()
        from quota_opt.cli.app import main as command

        command()
    except KeyboardInterrupt as exc:
        sys.exit(TERMINATED if is_termination(exc) else INTERRUPTED)


__all__ = ["INTERRUPTED", "TERMINATED", "Terminated", "main"]

"""The quota-opt command line. `main` is the command's entry point: it sets up signals and the console's
streams, then loads the command (`cli.app`), which takes the first half second."""

from __future__ import annotations

import contextlib
import sys

from quota_opt.cli.signals import INTERRUPTED, TERMINATED, Terminated, handle_sigterm


def tolerant_streams() -> None:
    """Have stdout and stderr write what their encoding cannot hold as backslash escapes, never fail: a Chinese
    message on a console set to ASCII, a mark rich or typer print under GBK. (The product's own console
    first swaps its marks for plain ones: `app.plain_console`.)"""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def main() -> None:
    """Entry point of the `quota-opt` command.

    The signal handlers come first and the command is imported here, inside them (the one import in a function
    here, and why this package imports nothing at the top but its signal handling, `cli.signals`): a Ctrl-C or
    SIGTERM while Python loads the command ends it quietly with 130 or 143, not a traceback."""
    handle_sigterm()
    try:
        tolerant_streams()
        from quota_opt.cli.app import main as command

        command()
    except KeyboardInterrupt as exc:
        sys.exit(TERMINATED if isinstance(exc, Terminated) else INTERRUPTED)


__all__ = ["INTERRUPTED", "TERMINATED", "Terminated", "main"]

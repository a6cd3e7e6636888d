"""The quota-opt command line. `main` is the command's entry point: it sets up signals and the console's
streams, then loads the command (`cli.app`), which takes the first half second."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

INTERRUPTED = 130  # Ctrl-C outside the solve (128 + SIGINT)
TERMINATED = 143  # SIGTERM outside the solve (128 + SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, which the command handles as it handles Ctrl-C: during the solve the best allocation found is
    written, elsewhere the command stops (exit 143), its temporary files removed."""


def terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def handle_sigterm() -> None:
    """Have SIGTERM raise `Terminated` in the main thread, unless it is ignored (started under nohup & co)."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN:
        signal.signal(signal.SIGTERM, terminate)


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
    here, and why this package imports nothing at the top): a Ctrl-C or SIGTERM while Python loads the command
    ends it quietly with 130 or 143, not a traceback."""
    handle_sigterm()
    try:
        tolerant_streams()
        from quota_opt.cli.app import main as command

        command()
    except KeyboardInterrupt as exc:
        sys.exit(TERMINATED if isinstance(exc, Terminated) else INTERRUPTED)


__all__ = ["INTERRUPTED", "TERMINATED", "Terminated", "main"]

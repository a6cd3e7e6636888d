"""How the command ends on a signal: its exit codes for Ctrl-C and SIGTERM, and SIGTERM raised as `Terminated`.

Apart from `cli/__init__.py` (the entry point, which loads the command only once these are in place) so that the
command (`cli.app`) imports them without importing its entry point back (an import cycle).
"""

from __future__ import annotations

import signal
import sys
from typing import Any

INTERRUPTED = 130  # Ctrl-C outside the solve (128 + SIGINT)
TERMINATED = 143  # SIGTERM outside the solve (128 + SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, which the command handles as it handles Ctrl-C: during the solve the best allocation found is
    written, elsewhere the command stops (exit 143), its temporary files removed."""


_received: list[int] = []  # the SIGTERMs received, for `is_termination`


def terminate(signum: int, frame: Any) -> None:
    _received.append(signum)
    raise Terminated()


def is_termination(exc: KeyboardInterrupt) -> bool:
    """Whether this interrupt comes from SIGTERM: a `Terminated`, or any KeyboardInterrupt once SIGTERM has come
    (code that catches an interrupt and raises a plain KeyboardInterrupt again, as some imports do, would
    otherwise turn a SIGTERM into exit 130)."""
    return isinstance(exc, Terminated) or bool(_received)


def handle_sigterm() -> None:
    """Have SIGTERM raise `Terminated` in the main thread, unless it is ignored (started under nohup & co)."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN:
        signal.signal(signal.SIGTERM, terminate)


# ZipFile's own, and that of the workbooks' writer (`output.excel`), which calls it
_ZIP_DELS = ("ZipFile.__del__", "_FixedTimeZip.__del__")


def quiet_zip_clean_up() -> None:
    """Leave unsaid what Python can only ignore when an interrupted write's zip file is collected: a Ctrl-C or
    SIGTERM landing while openpyxl writes a sheet leaves the zip file with a member open for writing, and when it
    is collected, at exit or later, its `__del__` fails to close it ("Can't close the ZIP file while there is an
    open writing handle on it"), which Python prints as "Exception ignored in" with a traceback. The write's
    temporary file is already removed (`core.files.atomic_path`) and the command ends with 130 or 143, so that is
    all the user needs; every other ignored exception goes to Python's own hook."""
    default = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not (isinstance(unraisable.exc_value, ValueError)
                and getattr(unraisable.object, "__qualname__", "") in _ZIP_DELS):
            default(unraisable)

    sys.unraisablehook = hook

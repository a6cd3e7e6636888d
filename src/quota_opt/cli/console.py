"""What the commands print goes through `ConsoleStream`, which never fails to encode: a console set to GBK (a
Chinese Windows console, or a pipe with PYTHONIOENCODING=gbk), cp936 or ASCII gets plain marks for the ones it
has not ("✓" → "OK", box drawing → ASCII), and backslash escapes for anything else it cannot show (Chinese on
an ASCII console), instead of a UnicodeEncodeError that ended the command with exit 70."""

from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import Callable
from typing import Any, TextIO

# the product's marks and typography, and their plain spelling for a console that cannot show them
PLAIN_MARKS = {
    "✓": "OK", "✔": "OK", "✗": "x", "✘": "x", "▸": ">", "►": ">", "•": "*", "·": "-", "…": "...", "—": "-",
    "–": "-", "−": "-", "→": "->", "←": "<-", "≥": ">=", "≤": "<=", "≈": "~", "×": "x", "÷": "/", "±": "+/-",
    "“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "°": " deg", "µ": "u", "\u00a0": " ",
    "█": "#", "▏": "|", "▕": "|", "░": ".", "▒": ":", "▓": "#",
}


def _box(ch: str) -> str | None:
    """A box-drawing character (U+2500–U+257F) in ASCII: - for a horizontal, | for a vertical, + for the rest."""
    code = ord(ch)
    if not 0x2500 <= code <= 0x257F:
        return None
    if code in (0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550, 0x2574, 0x2576, 0x2578,
                0x257A, 0x257C, 0x257E):
        return "-"
    if code in (0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551, 0x2575, 0x2577, 0x2579,
                0x257B, 0x257D, 0x257F):
        return "|"
    return "+"


def encodable(text: str, encoding: str) -> str:
    """`text` as a console in `encoding` can show it: unchanged when it can, else each character it cannot
    show in its plain spelling (PLAIN_MARKS, box drawing in ASCII) or, failing that, as a backslash escape."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: write UTF-8's view of it
        return text
    out = []
    for ch in text:
        try:
            ch.encode(encoding)
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        plain = PLAIN_MARKS.get(ch) or _box(ch)
        if plain is not None:
            try:
                plain.encode(encoding)
                out.append(plain)
                continue
            except UnicodeEncodeError:
                pass
        out.append(ch.encode(encoding, "backslashreplace").decode(encoding))
    return "".join(out)


class ConsoleStream:
    """A text stream for rich's Console that writes to the current `sys.stdout` or `sys.stderr` (or a given
    file), whatever that is at the time (a test runner swaps them), and never fails to encode (`encodable`)."""

    def __init__(self, target: Callable[[], TextIO | Any]):
        self._target = target

    @property
    def encoding(self) -> str:
        return getattr(self._target(), "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        stream = self._target()
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            name = "utf-8"
        if not name.startswith("utf"):
            text = encodable(text, encoding)
        return int(stream.write(text) or 0)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, ...: the stream's own
        return getattr(self._target(), name)


def console_file(file: Any = None, *, stderr: bool = False) -> ConsoleStream:
    """The stream a console prints to: `file`, else the current stderr or stdout."""
    if file is not None:
        return ConsoleStream(lambda: file)
    return ConsoleStream((lambda: sys.stderr) if stderr else (lambda: sys.stdout))


def tolerant_streams() -> None:
    """Have stdout and stderr write what their encoding cannot hold as backslash escapes, never fail: a Chinese
    message on a console set to ASCII, a mark rich or click print under GBK. (The product's own console
    first swaps its marks for plain ones: `ConsoleStream`.)"""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")

"""Shared Excel helpers: styles, safe saving (temporary file, then rename), deterministic properties."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
MUTED_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Document properties are fixed so that the same inputs give byte-for-byte comparable workbooks;
# the one run-time field lives in the summary sheet (`run_at`), documented in the README.
FIXED_TIME = dt.datetime(2019, 6, 6)


def fix_properties(wb: Workbook, title: str) -> None:
    props = wb.properties
    props.creator = "quota-opt"
    props.lastModifiedBy = "quota-opt"
    props.title = title
    props.created = FIXED_TIME
    props.modified = FIXED_TIME


def style_header(cell: Any) -> None:
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = CENTER
    cell.border = BORDER


def display_width(text: Any) -> int:
    """Approximate column width in Excel units: CJK characters count double."""
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def save_atomic(wb: Workbook, path: str | Path, *, protect: Path | None = None) -> Path:
    """Save to a temporary file beside `path`, then rename it into place.

    Never writes to `protect` (the input workbook). Raises OSError if the folder is not writable.
    """
    path = Path(path)
    if protect is not None and path.resolve() == Path(protect).resolve():
        raise OSError(f"refusing to overwrite the input workbook {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise
    return path


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True

"""Shared Excel helpers: styles, safe saving (temporary file, then rename), deterministic properties."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

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


def keep_text(cell: Any) -> Any:
    """Store text that starts with "=" as text. openpyxl takes it for a formula, which a spreadsheet then
    calculates (a project named "=1+1" would show 2) and our own reader rejects."""
    if cell.data_type == "f" and isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def append_row(ws: Worksheet, values: Sequence[Any]) -> None:
    """`ws.append(values)`, with text that starts with "=" kept as text (see `keep_text`)."""
    ws.append(list(values))
    if any(isinstance(v, str) and v.startswith("=") for v in values):
        row = ws.max_row
        for i, v in enumerate(values, start=1):
            if isinstance(v, str) and v.startswith("="):
                keep_text(ws.cell(row=row, column=i))


def style_header(cell: Any) -> None:
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = CENTER
    cell.border = BORDER


def display_width(text: Any) -> int:
    """Approximate column width in Excel units: CJK characters count double."""
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


class InputProtected(OSError):
    """The output path is the input workbook, which is never overwritten."""


def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name the same file: the same path once resolved, or the same file by another
    name (a hard link, or another spelling on a case-insensitive file system)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def save_atomic(wb: Workbook, path: str | Path, *, protect: Path | None = None) -> Path:
    """Save to a temporary file beside `path`, then rename it into place.

    Never writes to `protect` (the input workbook). Raises OSError if the folder is not writable.
    """
    path = Path(path)
    if protect is not None and same_file(path, Path(protect)):
        raise InputProtected(f"refusing to overwrite the input workbook {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        _write(wb, tmp)
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise
    return path


def _write(wb: Workbook, filename: str) -> None:
    """`wb.save(filename)` without the time of saving: openpyxl's save stamps `modified` with the current
    time and every zip member with the current time; here both come from the workbook's properties
    (see `fix_properties`) and FIXED_TIME, so the same workbook saved twice gives the same bytes."""
    with _FixedTimeZip(filename, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()


_FIXED_TIMESTAMP = time.mktime(FIXED_TIME.timetuple())  # local time, as zip members record it


class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose members are dated FIXED_TIME instead of the time they were written."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(str(zinfo_or_arcname), date_time=FIXED_TIME.timetuple()[:6])
            info.external_attr = 0o600 << 16  # as ZipFile.writestr does for a name
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data,
                         self.compression if compress_type is None else compress_type,
                         self.compresslevel if compresslevel is None else compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        os.utime(filename, (_FIXED_TIMESTAMP, _FIXED_TIMESTAMP))  # openpyxl's own temporary sheet file
        super().write(filename, arcname, compress_type, compresslevel)


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True

"""Read an .xlsx workbook into plain Python values, with the facts the validator needs.

This is the only place that opens input workbooks. It never writes to the file. It reads cached
values (what Excel shows), and also reports what a value-only read would hide: merged ranges,
formulas that have no computed value, hidden sheets. Files that are not .xlsx workbooks (.xls,
.csv, .ods, password-protected, damaged, missing, a directory) become one clear `Problem`.
"""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quota_opt.errors import InputError, Location, Problem, Severity

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_FORMATS = {".xls": "Excel 97-2003 (.xls)", ".csv": "CSV", ".ods": "OpenDocument (.ods)",
            ".xlsb": "Excel binary (.xlsb)", ".numbers": "Numbers", ".txt": "text", ".json": "JSON"}

_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
# a cell whose formula has no cached value: <c r="D10"><f>..</f></c> or <c r="D10"><f/><v/></c>
_FORMULA_NO_VALUE = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def column_letter(index: int) -> str:
    """1 → "A", 27 → "AA"."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """"A" → 1, "AA" → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


@dataclass
class RawSheet:
    """One worksheet as read: its name, whether it is hidden, and its non-blank rows.

    `rows` holds (Excel row number, cell values) for every row with at least one non-blank cell.
    `merged` lists merged ranges as (min_row, min_col, max_row, max_col) and `formula_no_value`
    the (row, col) of formulas without a cached value.
    """

    name: str
    hidden: bool = False
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formula_no_value: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class RawWorkbook:
    path: Path
    sha256: str
    sheets: list[RawSheet]


def _file_problem(code: str, path: Path, **params: Any) -> InputError:
    return InputError([Problem(Severity.ERROR, code, Location(), {"path": str(path), **params})])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_file(path: Path) -> bytes:
    """Return the file's bytes after checking it exists and looks like an .xlsx; raise InputError otherwise."""
    if not path.exists():
        raise _file_problem("file_not_found", path)
    if path.is_dir():
        raise _file_problem("not_a_file", path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _file_problem("unreadable_file", path, detail=exc.strerror or str(exc)) from exc
    suffix = path.suffix.lower()
    if data[:8] == _OLE_MAGIC:
        if suffix == ".xls":
            raise _file_problem("unsupported_format", path, fmt=_FORMATS[".xls"])
        raise _file_problem("encrypted_file", path)
    if data[:4] != _ZIP_MAGIC:
        if suffix in _FORMATS:
            raise _file_problem("unsupported_format", path, fmt=_FORMATS[suffix])
        raise _file_problem("corrupt_file", path, detail="not a zip container")
    if suffix in (".ods", ".numbers"):
        raise _file_problem("unsupported_format", path, fmt=_FORMATS[suffix])
    return data


def read_workbook(path: str | Path, progress: Callable[[int], None] | None = None) -> RawWorkbook:
    """Read every sheet of an .xlsx file (values as Excel shows them) without modifying it.

    `progress`, when given, is called with the number of rows read so far (every 1,000 rows).
    Raises `InputError` with one problem when the file cannot be read as a workbook.
    """
    import openpyxl  # imported here so that `quota-opt --help` stays fast

    path = Path(path)
    data = check_file(path)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation / unknown extensions
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise _file_problem("corrupt_file", path, detail=str(exc)) from exc
    except KeyError as exc:
        raise _file_problem("corrupt_file", path, detail=f"missing part {exc}") from exc
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise _file_problem("corrupt_file", path, detail=f"{type(exc).__name__}: {exc}") from exc
    sheets: list[RawSheet] = []
    count = 0
    try:
        for ws in wb.worksheets:
            raw = RawSheet(name=str(ws.title), hidden=getattr(ws, "sheet_state", "visible") != "visible")
            xml = _sheet_xml(wb, ws)
            if xml:
                raw.merged = [
                    (int(r1), column_index(c1.decode()), int(r2), column_index(c2.decode()))
                    for c1, r1, c2, r2 in _MERGE.findall(xml)
                ]
                if b"<f" in xml:
                    raw.formula_no_value = {
                        (int(r), column_index(c.decode())) for c, r in _FORMULA_NO_VALUE.findall(xml)
                    }
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # the stored dimension is often wrong in files from other tools
            for row_number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                if values and not all(_blank(v) for v in values):
                    raw.rows.append((row_number, tuple(values)))
                    count += 1
                    if progress is not None and count % 1000 == 0:
                        progress(count)
            sheets.append(raw)
    except Exception as exc:
        raise _file_problem("corrupt_file", path, detail=f"{type(exc).__name__}: {exc}") from exc
    finally:
        wb.close()
    if progress is not None:
        progress(count)
    return RawWorkbook(path=path, sha256=digest, sheets=sheets)


def _sheet_xml(wb: Any, ws: Any) -> bytes:
    """The worksheet's XML part, for the facts a value-only read hides (merges, formulas)."""
    part = getattr(ws, "_worksheet_path", None)
    archive = getattr(wb, "_archive", None)
    if part is None or archive is None:
        return b""
    try:
        return bytes(archive.read(part))
    except (KeyError, OSError):
        return b""

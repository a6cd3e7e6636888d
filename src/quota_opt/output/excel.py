"""Shared Excel helpers: styles, writing a workbook (through the write guard, `core.files`), deterministic
properties."""

from __future__ import annotations

import io
import math
import os
import time
import weakref
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from quota_opt.core.files import FIXED_TIME, Kind, Reads, write_file, write_with_fallback

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

# Document properties are fixed so that the same inputs give byte-for-byte comparable workbooks (and the write
# guard can tell a workbook saved since by anything else); the one run-time field lives in the summary sheet
# (`run_at`), documented in the README.


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


def print_setup(ws: Worksheet, *, landscape: bool, fit_height: bool = False, header_rows: int | None = 1) -> None:
    """A sheet as it prints: A4, landscape or portrait, fit to the page's width (and its height when
    `fit_height`: one page), the header row repeated on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if fit_height else 0
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.3)
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    ws.oddFooter.center.text = "&P / &N"


def style_header(cell: Any) -> None:
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = CENTER
    cell.border = BORDER


def cell_style(ws: Worksheet, *, number_format: str | None = None, fill: PatternFill | None = None,
               alignment: Alignment | None = None) -> int:
    """The workbook's style id for cells with this format, fill and alignment (0: no style), for `append_rows`."""
    cell = Cell(ws)  # a scratch cell, never placed in the sheet: it only registers the style with the workbook
    if number_format is not None:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell.style_id if cell.has_style else 0


@dataclass
class _Rows:
    """Rows below a sheet's header, kept as plain values until the workbook is saved (see `append_rows`)."""

    columns: list[list[Any]]  # values per column: None, bool, int, float or str
    styles: list[int | list[int]]  # per column: one style id for every row, or one per row


# worksheet → its rows written at save time (weak, so that a dropped workbook takes its rows with it)
_BULK_ROWS: weakref.WeakKeyDictionary[Worksheet, _Rows] = weakref.WeakKeyDictionary()


def append_rows(ws: Worksheet, columns: list[list[Any]], styles: list[int | list[int]]) -> None:
    """Rows 2, 3, … of a table below its header row, one list of values per column; `styles[i]` is column
    i's style id (`cell_style`), or a list of one per row.

    The rows are not openpyxl cells: they are written straight into the sheet's XML when the workbook
    is saved with `save_atomic`, as openpyxl would write them (same values, types and styles). openpyxl
    makes, styles and writes an object per cell, some 25 µs each: 4 s for the allocation of 5,000
    projects. The worksheet in memory therefore shows only its header; values are None, bool, int,
    float or str (text starting with "=" stays text, as with `append_row`).
    """
    if len({len(c) for c in columns}) > 1:
        raise ValueError("every column needs the same number of rows")
    _BULK_ROWS[ws] = _Rows(columns=columns, styles=styles)


def _escape(text: str) -> str:
    """Text as lxml writes it in element content (& < > and carriage returns escaped)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _cell_body(style: int, value: Any) -> str:
    """A <c> element after its r="…" attribute, as openpyxl's cell writer makes it for a cell holding
    `value` ("" for a cell it leaves out: blank and unstyled)."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'{s} t="n"></c>' if style else ""
    if isinstance(value, str):
        value = value[:32767]  # openpyxl truncates text to Excel's limit
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        if value in ERROR_CODES:
            return f'{s} t="e"><v>{value}</v></c>'
        if not value:
            return f'{s} t="inlineStr"></c>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'{s} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        number = "" if isinstance(value, float) and not math.isfinite(value) else f"{value:.16g}"
        return f'{s} t="n"><v>{number}</v></c>'
    raise TypeError(f"cannot write a {type(value).__name__} in a bulk row: {value!r}")


def _column_bodies(values: list[Any], styles: int | list[int]) -> list[str]:
    """`_cell_body` of every cell in a column; repeated values (yes/no, zeros, codes) are rendered once."""
    per_row = styles if isinstance(styles, list) else [styles] * len(values)
    memo: dict[tuple[int, type, Any], str] = {}
    out = []
    for style, value in zip(per_row, values, strict=True):
        key = (style, type(value), value)
        body = memo.get(key)
        if body is None:
            body = memo[key] = _cell_body(style, value)
        out.append(body)
    return out


def _rows_xml(rows: _Rows, first_row: int) -> bytes:
    letters = [get_column_letter(i) for i in range(1, len(rows.columns) + 1)]
    columns = [_column_bodies(values, styles) for values, styles in zip(rows.columns, rows.styles, strict=True)]
    parts: list[str] = []
    for i, cells in enumerate(zip(*columns, strict=True)):
        row = str(first_row + i)
        parts.append('<row r="' + row + '">')
        parts.extend('<c r="' + letter + row + '"' + body for letter, body in zip(letters, cells, strict=True) if body)
        parts.append("</row>")
    return "".join(parts).encode("utf-8")


class _BulkSheetWriter(WorksheetWriter):
    """openpyxl's sheet writer, with the dimension and rows of `append_rows` added."""

    def __init__(self, ws: Worksheet, rows: _Rows):
        super().__init__(ws, out=io.BytesIO())
        self.bulk = rows

    def write_dimensions(self) -> None:
        n_rows = len(self.bulk.columns[0]) if self.bulk.columns else 0
        n_cols = max(self.ws.max_column, len(self.bulk.columns))
        self.xf.send(SheetDimension(f"A1:{get_column_letter(n_cols)}{self.ws.max_row + n_rows}").to_tree())

    def xml(self) -> bytes:
        """The sheet's XML: openpyxl's, with the rows spliced in at the end of sheetData (cell text is
        escaped, so the first "</sheetData>" is the element's end)."""
        self.write()
        xml = self.read()
        rows = _rows_xml(self.bulk, self.ws.max_row + 1)
        if b"</sheetData>" in xml:
            return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)
        return xml.replace(b"<sheetData/>", b"<sheetData>" + rows + b"</sheetData>", 1)


class _Writer(ExcelWriter):
    """openpyxl's workbook writer; sheets with `append_rows` get their rows from `_BulkSheetWriter`, sheets of
    `write_last` are written after everything else."""

    def save(self) -> None:
        self._last: list[Any] = []
        self.write_data()
        for ws in self._last:
            _LAST[ws]()
            super().write_worksheet(ws)
        self._archive.close()

    def write_worksheet(self, ws: Any) -> None:
        if ws in _LAST:
            # serialised once, unsaved, in its turn, so that the styles and relations it needs are registered
            # before the workbook's style sheet and relations are written; written for good in `save`
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            self.manifest.append(ws)
            self._last.append(ws)
            return
        rows = _BULK_ROWS.get(ws)
        if rows is None:
            super().write_worksheet(ws)
            return
        # as ExcelWriter.write_worksheet, with the sheet's XML from memory
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _BulkSheetWriter(ws, rows)
        xml = writer.xml()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], xml)
        self.manifest.append(ws)


# worksheet → what to do just before its XML is written, which is after every other part of the workbook's
# (see `write_last`)
_LAST: weakref.WeakKeyDictionary[Worksheet, Callable[[], None]] = weakref.WeakKeyDictionary()


def write_last(ws: Worksheet, before: Callable[[], None]) -> None:
    """Have `ws`'s XML written after every other part of the workbook, when it is saved with `save_atomic`, and
    call `before()` just before: a cell that says how long the writing took gets its value there (the summary's
    write time). The sheet keeps its place in the workbook. Only for a sheet of plain cells: no charts, images,
    comments, tables or rows of `append_rows`."""
    if ws._charts or ws._images or ws._tables or ws in _BULK_ROWS or any(c.comment for row in ws.iter_rows()
                                                                         for c in row):
        raise ValueError(f"sheet {ws.title} cannot be written last")
    _LAST[ws] = before


def display_width(text: Any) -> int:
    """Approximate column width in Excel units: CJK characters count double."""
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def save_atomic(wb: Workbook, path: str | Path, kind: Kind | None = None, reads: Reads = None, *,
                force: bool = False) -> Path:
    """Save `wb` through the write guard (`files.write_file`): a temporary file beside `path`, renamed into
    place; never over one of `reads`, nor over an existing file that is not a `kind` the product wrote (unless
    `force`; kind None: a new file only). Raises OSError (`files.WriteRefused` for a refusal)."""
    return write_file(path, lambda tmp: _write(wb, tmp), kind, reads, force=force, suffix=".xlsx.tmp")


def save_results(wb: Workbook, path: str | Path, kind: Kind | None, reads: Reads = None, *, force: bool = False,
                 what: tuple[str, str] = ("结果已另存为", "the results were saved to")) -> Path:
    """`save_atomic`; on failure save under a fallback name (never over an existing file) and raise
    `files.NotWritten` naming it. Every command that writes a workbook saves it this way, so a locked or
    read-only target never loses the work (exit 4, the message says where it went)."""
    return write_with_fallback(path, lambda tmp: _write(wb, tmp), kind, reads, force=force, what=what)


def _write(wb: Workbook, filename: str) -> None:
    """`wb.save(filename)` without the time of saving: openpyxl's save stamps `modified` with the current
    time and every zip member with the current time; here both come from the workbook's properties
    (see `fix_properties`) and FIXED_TIME, so the same workbook saved twice gives the same bytes."""
    with _FixedTimeZip(filename, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _Writer(wb, archive).save()


_FIXED_TIMESTAMP = time.mktime(FIXED_TIME.timetuple())  # local time, as zip members record it


class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose members are dated FIXED_TIME instead of the time they were written."""

    def __del__(self) -> None:
        """ZipFile.__del__ closes the archive. A signal landing inside ZipFile.__init__, after the file is open
        and before `_writing` is set, leaves an archive that close() cannot handle: Python then printed
        "Exception ignored in ... AttributeError: '_writing'" with a traceback after "Interrupted." (seen once
        in CI). Half-built, only the open file is closed; the write guard removes it."""
        if "_writing" in self.__dict__:
            super().__del__()
        elif self.fp is not None:
            self.fp.close()

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

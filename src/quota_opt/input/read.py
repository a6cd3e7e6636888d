"""Read an .xlsx workbook into plain Python values, with the facts the validator needs.

This is the only place that opens input workbooks. It never writes to the file. It reads cached
values (what Excel shows), and also reports what a value-only read would hide: merged ranges,
formulas (with or without a computed value), hidden sheets, rows and columns. Files that are not .xlsx workbooks
(.xls, .csv, .ods, HTML saved as .xls, password-protected, damaged, empty, missing, a directory)
become one clear `Problem`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from quota_opt.core.errors import InputError, Location, Problem, Severity

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc and password-protected .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE2 container with these streams (names stored in UTF-16LE).
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
# Format names for the unsupported_format message: one string where both languages say it the same way,
# else {zh, en}
_FORMATS: dict[str, str | dict[str, str]] = {
    ".xls": "Excel 97-2003 (.xls)", ".csv": "CSV", ".ods": "OpenDocument (.ods)",
    ".xlsb": {"zh": "Excel 二进制（.xlsb）", "en": "Excel binary (.xlsb)"}, ".numbers": "Numbers",
    ".txt": {"zh": "文本", "en": "text"}, ".json": "JSON", ".et": "WPS (.et)", ".tsv": "TSV"}
_FORMAT_NAMES: dict[str, str | dict[str, str]] = {
    "xls": "Excel 97-2003 (.xls)",
    "html": {"zh": "网页（HTML，以 Excel 文件名保存）", "en": "HTML (a web page saved with an Excel name)"},
    "text": {"zh": "文本/CSV", "en": "text/CSV"},
    "ods": "OpenDocument (.ods)",
    "xlsb": _FORMATS[".xlsb"],
    "xml2003": {"zh": "XML 电子表格 2003（Excel 2003 的 XML 格式）", "en": "XML Spreadsheet 2003 (Excel 2003's XML format)"},
}
_XML_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"  # SpreadsheetML 2003's namespace
_STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"  # Strict Open XML's, in place of the usual one
NOT_ZIP = {"zh": "不是 zip 压缩包（.xlsx 文件实为 zip 压缩包）", "en": "not a zip container"}  # a detail in both languages

# Element names may carry a namespace prefix (<x:c>) in files written by some tools.
_P = rb"(?:\w+:)?"
_MERGE = re.compile(rb"<" + _P + rb'mergeCell\b[^>]*?\bref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')
# every formula cell: <c r="D10" ...><f ...>text</f><v>cached</v></c>; shared-formula children are <f .../>
_FORMULA = re.compile(
    rb"<" + _P + rb'c\b([^>]*?\br="([A-Z]+)(\d+)"[^>]*)>\s*<' + _P + rb"f\b[^>]*?(?:/>|>([^<]*)</" + _P + rb"f>)"
    rb"\s*(?:<" + _P + rb"v\s*/>|<" + _P + rb"v>([^<]*)</" + _P + rb"v>)?"
)
_FORMULA_TAG = re.compile(rb"<" + _P + rb"f\b")  # <f> or <x:f>, not <formula1> (data validation lists)
_STRING_RESULT = re.compile(rb'\bt="str"')  # a formula whose cached result is text (possibly "")
# hidden rows (hidden by hand, by a filter or by a collapsed outline) and hidden column ranges: <col min max hidden>
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_ROW_TAG = re.compile(rb"<" + _P + rb"row\b([^>]*)>")
_COL_TAG = re.compile(rb"<" + _P + rb"col\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_COL_SPAN = (re.compile(rb'\bmin="(\d+)"'), re.compile(rb'\bmax="(\d+)"'))

# The cells of a sheet as Excel, LibreOffice, WPS and openpyxl write them: unprefixed elements, attributes in
# their usual order, no space between elements, plain (not rich) inline text. Groups: row number, "/" of an
# empty row; a cell's column letters, style, type, cached value, "<is>" when it has inline text, that text;
# a character outside these. `_fast_rows` reads sheets
# written so; anything else (rich text, pretty-printed XML, prefixes, ...) goes through openpyxl.
_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_TOKEN = re.compile(
    rb'<row r="(\d+)"[^<>]*?(/?)>'
    rb"|</row>"
    rb'|<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")? ?'
    rb"(?:/>|>(?:<f\b[^<>]*?(?:/>|>[^<]*</f>))?"
    rb'(?:<v>([^<]*)</v>|<v ?/>|(<is>)(?:<t(?: xml:space="preserve")?>([^<]*)</t>|<t ?/>)</is>)?</c>)'
    rb"|(\S)"  # anything else: the sheet is not written the usual way
)
_UNKNOWN_ENTITY = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters an XML parser rejects

DEFAULT_EPOCH = dt.datetime(1899, 12, 30)
# Cells are read up to this column (IV, the last column of Excel 97-2003 sheets; no scenario sheet has a
# twentieth of it). A row is never padded beyond it, so that formatting in far columns (a style on XFD, the
# sheet's last) costs nothing; a value beyond it is noted (`RawSheet.beyond`) and reported, not read.
MAX_COLUMNS = 256
# a cell holding something (a value, inline text or a formula) in a column of two or three letters
_FAR_CELL = re.compile(rb"<" + _P + rb'c\b[^>]*?\br="([A-Z]{2,3})(\d+)"[^>]*?(?<!/)>\s*<' + _P + rb"(?:v|is|f)\b")


def column_index(letters: str) -> int:
    """"A" → 1, "AA" → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


@dataclass
class RawSheet:
    """One worksheet as read: its name, whether it is hidden, and its non-blank rows.

    `rows` holds (Excel row number, cell values) for every row with at least one non-blank cell
    (or a formula without a value). `merged` lists merged ranges as (min_row, min_col, max_row,
    max_col); `formulas` maps the (row, col) of every formula cell to its text ("" for the
    followers of a shared formula); `formula_no_value` holds those without a cached value.
    `hidden_rows` and `hidden_columns` hold the Excel row numbers and column indexes (1 = A) that are
    hidden: their cells are read like any other, but the person who filled the sheet may not see them.
    """

    name: str
    hidden: bool = False
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formula_no_value: set[tuple[int, int]] = field(default_factory=set)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    beyond: dict[int, int] = field(default_factory=dict)  # column past MAX_COLUMNS holding something → first row
    skipped: bool = False  # not one of the sheets asked for (`read_workbook(wanted=...)`): only its name was read


@dataclass
class RawWorkbook:
    path: Path
    sha256: str
    sheets: list[RawSheet]
    epoch: dt.datetime = DEFAULT_EPOCH  # the workbook's date system (1900, or 1904 for old Mac files)


# The problems that stop a file from being read as a workbook at all (`check_file`, `read_workbook`)
FILE_PROBLEMS = frozenset({"file_not_found", "not_a_file", "not_regular_file", "unreadable_file", "empty_file",
                           "encrypted_file", "unsupported_format", "ole_file", "lock_file", "corrupt_file",
                           "strict_open_xml"})


def _file_problem(code: str, path: Path, **params: Any) -> InputError:
    assert code in FILE_PROBLEMS, code
    return InputError([Problem(Severity.ERROR, code, Location(), {"path": str(path), **params})])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sniff_text(data: bytes) -> str | None:
    """"xml2003", "html" or "text" when the bytes look like an XML Spreadsheet 2003, a web page or a text file,
    else None."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00")
    if head[:1] == b"<":
        lowered = head[:512].lower().replace(b"\x00", b"")
        if _XML_2003 in data[:8192].replace(b"\x00", b""):
            return "xml2003"
        if b"<html" in lowered or b"<!doctype" in lowered or b"<table" in lowered or b"<?xml" in lowered:
            return "html"
    sample = data[:4096]
    if not sample:
        return None
    for encoding in ("utf-8", "utf-16", "gb18030"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if printable >= 0.95 * len(text):
            return "text"
    return None


def check_file(path: Path) -> bytes:
    """Return the file's bytes after checking it exists and looks like an .xlsx; raise InputError otherwise."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _file_problem("file_not_found", path) from None
    except OSError as exc:
        raise _file_problem("unreadable_file", path, detail=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise _file_problem("not_a_file", path)
    if not stat.S_ISREG(st.st_mode):
        raise _file_problem("not_regular_file", path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _file_problem("unreadable_file", path, detail=exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    if not data:
        raise _file_problem("empty_file", path)
    if data[:8] == _OLE_MAGIC:
        if all(name in data for name in _ENCRYPTION_STREAMS):
            raise _file_problem("encrypted_file", path)
        if suffix == ".xls":
            raise _file_problem("unsupported_format", path, fmt=_FORMAT_NAMES["xls"])
        raise _file_problem("ole_file", path)  # an .xls renamed, or an encrypted file we cannot tell apart
    if data[:4] != _ZIP_MAGIC:
        if path.name.startswith("~$"):  # Excel's owner file beside an open workbook: its name, its user's name
            raise _file_problem("lock_file", path, workbook=str(path.with_name(path.name[2:])))
        sniffed = _sniff_text(data)
        if sniffed is not None:
            raise _file_problem("unsupported_format", path, fmt=_FORMAT_NAMES[sniffed])
        if suffix in _FORMATS:
            raise _file_problem("unsupported_format", path, fmt=_FORMATS[suffix])
        raise _file_problem("corrupt_file", path, detail=NOT_ZIP)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            book = next((n for n in ("xl/workbook.xml", "xl/workbook2.xml") if n in names), None)
            with archive.open(book) if book else io.BytesIO() as part:
                book_head = part.read(4096)
    except zipfile.BadZipFile:
        raise _file_problem("corrupt_file", path, detail=NOT_ZIP) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _file_problem("corrupt_file", path, detail=str(exc) or type(exc).__name__) from None
    if b"opendocument" in mimetype or suffix in (".ods", ".numbers"):
        raise _file_problem("unsupported_format", path, fmt=_FORMATS.get(suffix, _FORMAT_NAMES["ods"]))
    if "xl/workbook.bin" in names:
        raise _file_problem("unsupported_format", path, fmt=_FORMAT_NAMES["xlsb"])
    if _STRICT in book_head:  # openpyxl finds no sheet in it ("none of the scenario sheets, found: —")
        raise _file_problem("strict_open_xml", path)
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _file_problem("corrupt_file", path, detail={"zh": "压缩包中没有 Excel 工作簿",
                                                          "en": "the zip archive holds no Excel workbook"})
    return data


def read_workbook(path: str | Path, progress: Callable[[int], None] | None = None,
                  wanted: Callable[[str], bool] | None = None) -> RawWorkbook:
    """Read the sheets of an .xlsx file (values as Excel shows them) without modifying it.

    `wanted`, when given, says which sheets (by name) to read; the others are listed by name and state only
    (`RawSheet.skipped`), their XML never parsed, so that an ignored sheet costs nothing whatever its size.
    `progress`, when given, is called with the number of rows read so far (every 1,000 rows, and
    once at the end). Raises `InputError` with one problem when the file cannot be read as a workbook.
    """

    path = Path(path)
    data = check_file(path)
    digest = hashlib.sha256(data).hexdigest()
    sheets: list[RawSheet] = []
    count = 0
    with warnings.catch_warnings():
        # openpyxl warns about data validation, unknown extensions and dates out of range (read as #VALUE!)
        warnings.simplefilter("ignore")
        listed: list[tuple[str, str, Any]] = []
        wb = open_workbook(path, data, wanted, listed)
        try:
            epoch = getattr(wb, "epoch", DEFAULT_EPOCH)
            for name, state, ws in listed:
                raw = RawSheet(name=name, hidden=state != "visible")
                if ws is None:
                    raw.skipped = True
                    sheets.append(raw)
                    continue
                xml = _sheet_xml(wb, ws)
                _scan_xml(raw, xml)
                keep = {r for r, _ in raw.formula_no_value}
                rows = _fast_rows(xml, wb, ws)
                if rows is None:
                    if hasattr(ws, "reset_dimensions"):
                        ws.reset_dimensions()  # the stored dimension is often wrong in files from other tools
                    rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
                for row_number, values in enumerate(rows, start=1):
                    values = _trimmed(values)
                    if row_number in keep or (values and not all(_blank(v) for v in values)):
                        raw.rows.append((row_number, values))
                        count += 1
                        if progress is not None and count % 1000 == 0:
                            progress(count)
                sheets.append(raw)
        except Exception as exc:
            raise _file_problem("corrupt_file", path, detail=_detail(exc)) from None
        finally:
            wb.close()
    if progress is not None:
        progress(count)
    return RawWorkbook(path=path, sha256=digest, sheets=sheets,
                       epoch=epoch if isinstance(epoch, dt.datetime) else DEFAULT_EPOCH)


def _trimmed(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row without its trailing blank cells (formatted empty cells, openpyxl's padding)."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return values if end == len(values) else tuple(values[:end])


def open_workbook(path: Path, data: bytes, wanted: Callable[[str], bool] | None = None,
                  listed: list[tuple[str, str, Any]] | None = None) -> Any:
    """`data`, the bytes of `path` (from `check_file`), opened as a read-only workbook of values, or the file
    problem that stops it. Both readers, of scenarios and of results, open a workbook this way, from its bytes,
    so that the name's extension does not matter once the contents are an .xlsx.

    With `wanted`, only the worksheets whose name it accepts are opened: openpyxl otherwise reads every sheet
    through to its end at load time when the sheet does not state its dimension (a 17 MB ignored sheet took
    2 minutes). `listed`, when given, receives every worksheet in order as (name, state, the opened sheet or
    None when not wanted)."""
    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = None
                if wanted is None or wanted(str(sheet.name)):
                    ws = ReadOnlyWorksheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    ws.sheet_state = sheet.state
                    self.wb._sheets.append(ws)
                if listed is not None:
                    listed.append((str(sheet.name), str(sheet.state or "visible"), ws))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
            reader.read()
            return reader.wb
        except Exception as exc:  # openpyxl raises many kinds on damaged files
            raise _file_problem("corrupt_file", path, detail=_detail(exc)) from None


def _detail(exc: BaseException) -> str:
    text = str(exc)
    if len(text) > 200:
        text = text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _scan_xml(raw: RawSheet, xml: bytes) -> None:
    """Merged ranges, formula cells and hidden rows and columns, from the worksheet XML (a value-only read
    hides them all)."""
    if not xml:
        return
    if _HIDDEN.search(xml):
        for attrs in _ROW_TAG.findall(xml):
            number = _ROW_NUMBER.search(attrs)
            if number and _HIDDEN.search(attrs):
                raw.hidden_rows.add(int(number.group(1)))
        for attrs in _COL_TAG.findall(xml):
            first, last = (pattern.search(attrs) for pattern in _COL_SPAN)
            if first and last and _HIDDEN.search(attrs):
                raw.hidden_columns.update(range(int(first.group(1)), min(int(last.group(1)), 16384) + 1))
    if b"mergeCell" in xml:
        for c1, r1, c2, r2 in _MERGE.findall(xml):
            first_row, first_col = int(r1), column_index(c1.decode())
            last_row = int(r2) if r2 else first_row
            last_col = column_index(c2.decode()) if c2 else first_col
            if (first_row, first_col) != (last_row, last_col):
                raw.merged.append((min(first_row, last_row), min(first_col, last_col),
                                   max(first_row, last_row), max(first_col, last_col)))
    for far_letters, far_row in _FAR_CELL.findall(xml):
        column = column_index(far_letters.decode())
        if column > MAX_COLUMNS:
            seen = raw.beyond.get(column)
            if seen is None or int(far_row) < seen:
                raw.beyond[column] = int(far_row)
    if _FORMULA_TAG.search(xml):
        for attrs, letters, row, text, cached in _FORMULA.findall(xml):
            at = (int(row), column_index(letters.decode()))
            raw.formulas[at] = text.decode("utf-8", "replace")
            if not cached.strip() and not _STRING_RESULT.search(attrs):
                raw.formula_no_value.add(at)


def _fast_rows(xml: bytes, wb: Any, ws: Any) -> list[tuple[Any, ...]] | None:
    """The sheet's rows as openpyxl's `iter_rows(values_only=True)` gives them (from row 1, a blank row as
    ()), but each row only as wide as its last cell holding a value (at most MAX_COLUMNS), read straight from the XML when it is written the usual way
    (see `_TOKEN`); None when it is not, or when the workbook lacks what openpyxl would use.

    openpyxl reads some 10 µs per cell (1 s for 5,000 projects); this reads the same values ten times faster.
    """
    strings = getattr(ws, "_shared_strings", None)
    date_formats = getattr(wb, "_date_formats", None)
    timedelta_formats = getattr(wb, "_timedelta_formats", None)
    epoch = getattr(wb, "epoch", None)
    if strings is None or date_formats is None or timedelta_formats is None or epoch is None:
        return None
    head = xml[:1000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml"):
        declaration = head[:head.find(b"?>")].lower()
        if b"encoding" in declaration and not re.search(rb"encoding\s*=\s*[\"']utf-?8[\"']", declaration):
            return None
    start, end = xml.find(b"<sheetData>"), xml.find(b"</sheetData>")
    root = xml[:max(xml.find(b"<sheetData"), 0)]
    if _MAIN_NS not in root or xml.count(b"<sheetData") != 1:
        return None
    if start < 0 or end < start:
        return [] if b"<sheetData/>" in xml else None
    data = xml[start + len(b"<sheetData>"):end]
    if b"<!" in data or b"<?" in data or b"xmlns" in data or _UNKNOWN_ENTITY.search(data) or _NOT_XML.search(data):
        return None
    return _assemble_rows(_TOKEN.findall(data), strings, date_formats, timedelta_formats, epoch)


def _assemble_rows(tokens: list[tuple[bytes, ...]], strings: Any, date_formats: Any, timedelta_formats: Any,
                   epoch: dt.datetime) -> list[tuple[Any, ...]] | None:
    """Rows from `_TOKEN` matches, as openpyxl's read-only worksheet assembles them."""
    rows: list[tuple[Any, ...]] = []
    cells: list[tuple[int, Any]] | None = None  # (column, value) of the row being read
    row_number = 0
    columns: dict[bytes, int] = {}
    for number, empty, letters, style, kind, cached, has_inline, inline, other in tokens:
        if other:
            return None
        if number:  # <row>
            if cells is not None:
                return None
            row_number = int(number)
            if row_number < len(rows) + 1:
                return None  # rows out of order: openpyxl drops them, leave that to it
            rows.extend(() for _ in range(row_number - len(rows) - 1))
            if empty:
                rows.append(())
            else:
                cells = []
            continue
        if not letters:  # </row>
            if cells is None:
                return None
            rows.append(_row_values(cells))
            cells = None
            continue
        if cells is None:
            return None
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = column_index(letters.decode())
        t = kind.decode() if kind else "n"
        value: Any = None
        if t == "inlineStr":
            value = _xml_text(inline) if has_inline else None
        elif cached:
            text = _xml_text(cached)
            if t == "n":
                value = float(text) if "." in text or "E" in text or "e" in text else int(text)
                style_id = int(style) if style else 0
                if style_id in date_formats:
                    try:
                        value = from_excel(value, epoch, timedelta=style_id in timedelta_formats)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"  # as openpyxl reads a date out of range
            elif t == "s":
                value = strings[int(text)]
            elif t == "b":
                value = bool(int(text))
            elif t == "d":
                value = from_ISO8601(text)
            else:  # "str" (text a formula gave), "e" (an error such as #N/A)
                value = text
        cells.append((column, value))
    if cells is not None:
        return None
    return rows


def _row_values(cells: list[tuple[int, Any]]) -> tuple[Any, ...]:
    """A row's values by column, as wide as its last cell holding a value, and never wider than MAX_COLUMNS."""
    width = 0
    for column, value in cells:
        if value is not None and width < column <= MAX_COLUMNS:
            width = column
    if not width:
        return ()
    values: list[Any] = [None] * width
    for column, value in cells:
        if column <= width:
            values[column - 1] = value
    return tuple(values)


def _xml_text(raw: bytes) -> str:
    """Element text as an XML parser gives it: UTF-8, entities replaced, line ends as "\\n"."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED_ENTITIES[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return chr(code)
    raise ValueError(f"&{name}; is not a character XML allows")  # as an XML parser rejects it


def _sheet_xml(wb: Any, ws: Any) -> bytes:
    """The worksheet's XML part, for the facts a value-only read hides (merges, formulas)."""
    part = getattr(ws, "_worksheet_path", None)
    archive = getattr(wb, "_archive", None)
    if part is None or archive is None:
        return b""
    try:
        return bytes(archive.read(part))
    except (KeyError, OSError, zipfile.BadZipFile):
        return b""

"""The sheet reader: rows read straight from the XML (`_fast_rows`) are the rows openpyxl reads, and sheets
written another way are left to openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from corpus.workbooks import patch_sheet_xml
from quota_opt.input import read
from quota_opt.input.read import read_workbook
from quota_opt.output.template import write_scenario
from quota_opt.studies.generate import generate_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _both(path: Path) -> list[tuple[str, Any, list[tuple[Any, ...]]]]:
    """Per sheet: its name, the fast rows (None when it left the sheet to openpyxl) and openpyxl's rows."""
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        fast = read._fast_rows(read._sheet_xml(wb, ws), wb, ws)
        ws.reset_dimensions()
        slow = [read._trimmed(tuple(r)) for r in ws.iter_rows(min_row=1, values_only=True)]  # as read_workbook does
        out.append((ws.title, fast, slow))
    wb.close()
    return out


def _typed(rows: list[tuple[Any, ...]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in rows]


def _awkward_workbook(path: Path) -> Path:
    """Text, numbers, dates, booleans, errors, gaps between rows and columns, a date system of 1904."""
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.append(["id", "name", "when", "flag", "n"])
    ws.append(["a&b", "<tag> \"q\" 'a'", dt.datetime(2027, 3, 1), True, 1.5])
    ws.append([" lead", "trail ", dt.date(2026, 1, 1), False, -2])
    ws.append(["#N/A", "二期\n扩建", dt.time(12, 30), None, 1e20])
    ws.cell(row=7, column=8, value="far")
    ws.cell(row=9, column=2, value=0.1 + 0.2)
    ws.cell(row=10, column=3).number_format = "0.0"  # styled, blank
    ws.cell(row=11, column=1, value="=1+1").data_type = "s"
    ws.cell(row=12, column=2, value="=SUM(E2:E4)")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return patch_sheet_xml(path, ws.title, lambda xml: re.sub(
        r"<f>SUM\(E2:E4\)</f>(?:<v></v>|<v ?/>)?", "<f>SUM(E2:E4)</f><v>1e+20</v>", xml).replace(
        '<t xml:space="preserve"> lead</t>', '<t xml:space="preserve">&#32;lead&#x4e8c;&#13;</t>'))


@pytest.mark.slow
def test_the_examples_read_fast_and_the_same(tmp_path: Path) -> None:
    books = [*sorted(SCENARIOS.glob("*.xlsx"))]
    sc = generate_scenario(projects=60, districts=4, years=2, seed=3)
    for lang in ("zh", "en"):
        books.append(write_scenario(sc, tmp_path / f"generated_{lang}.xlsx", lang=lang))
    books.append(_awkward_workbook(tmp_path / "awkward.xlsx"))
    indented = _awkward_workbook(tmp_path / "indented" / "awkward.xlsx")  # whitespace between elements
    books.append(patch_sheet_xml(indented, "Sheet", lambda xml: xml.replace("<c ", "\n  <c ").replace("<row", "\n<row")))
    for book in books:
        for title, fast, slow in _both(book):
            assert fast is not None, (book.name, title)
            assert _typed([tuple(r) for r in fast]) == _typed(slow), (book.name, title)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")
def test_a_workbook_saved_by_libreoffice_reads_fast_and_the_same(tmp_path: Path) -> None:
    source = _awkward_workbook(tmp_path / "in" / "awkward.xlsx")
    shutil.copy(SCENARIOS / "small_en.xlsx", tmp_path / "in" / "small.xlsx")
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                    str(tmp_path / "out"), str(source), str(tmp_path / "in" / "small.xlsx")],
                   check=True, capture_output=True, timeout=300)
    for book in sorted((tmp_path / "out").glob("*.xlsx")):
        for title, fast, slow in _both(book):
            assert fast is not None, (book.name, title)
            assert _typed([tuple(r) for r in fast]) == _typed(slow), (book.name, title)


def _rich(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "name"])
    ws.append(["P1", CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"))])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


UNUSUAL: dict[str, Callable[[str], str]] = {
    "pretty-printed cells": lambda xml: xml.replace("<v>", "\n    <v>").replace("</c>", "\n  </c>"),
    "attributes in another order": lambda xml: xml.replace('<c r="A2" t="inlineStr">', '<c t="inlineStr" r="A2">'),
    "a prefixed namespace": lambda xml: xml.replace(
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"').replace(
        "<", "<x:").replace("<x:/", "</x:"),
    "a comment": lambda xml: xml.replace("</row>", "<!-- note --></row>", 1),
    "rows out of order": lambda xml: xml.replace('<row r="1">', '<row r="9">', 1),
}


@pytest.mark.parametrize("how", sorted(UNUSUAL))
def test_sheets_written_another_way_are_left_to_openpyxl(tmp_path: Path, how: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = _awkward_workbook(tmp_path / "book.xlsx")
    patch_sheet_xml(path, "Sheet", UNUSUAL[how])
    ((_, fast, _),) = _both(path)
    assert fast is None
    assert read_workbook(path).sheets == _read_by_openpyxl(path, monkeypatch).sheets


def _read_by_openpyxl(path: Path, monkeypatch: pytest.MonkeyPatch) -> read.RawWorkbook:
    with monkeypatch.context() as patched:
        patched.setattr(read, "_fast_rows", lambda *_: None)
        return read_workbook(path)


def test_read_workbook_gives_what_openpyxl_alone_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in (_awkward_workbook(tmp_path / "awkward.xlsx"), SCENARIOS / "hangzhou_example.xlsx"):
        assert read_workbook(path).sheets == _read_by_openpyxl(path, monkeypatch).sheets


def test_rich_text_is_left_to_openpyxl(tmp_path: Path) -> None:
    ((_, fast, slow),) = _both(_rich(tmp_path / "rich.xlsx"))
    assert fast is None
    assert slow[1] == ("P1", "plain bold")
    assert read_workbook(tmp_path / "rich.xlsx").sheets[0].rows[1] == (2, ("P1", "plain bold"))


def test_a_character_xml_forbids_makes_the_file_unreadable(tmp_path: Path) -> None:
    path = _awkward_workbook(tmp_path / "book.xlsx")
    patch_sheet_xml(path, "Sheet", lambda xml: xml.replace("a&amp;b", "a&#1;b"))
    with pytest.raises(read.InputError) as caught:
        read_workbook(path)
    assert caught.value.problems[0].code == "corrupt_file"


def test_hidden_rows_and_columns_are_noted(tmp_path: Path) -> None:
    """A value-only read does not say which rows and columns are hidden; the reader takes them from the XML."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for r in range(1, 8):
        ws.append([f"a{r}", r, r * 2, r * 3])
    for r in (2, 3, 6):
        ws.row_dimensions[r].hidden = True
    ws.column_dimensions["B"].hidden = True
    ws.column_dimensions.group("C", "D", hidden=True)
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    (sheet,) = read_workbook(path).sheets
    assert sheet.hidden_rows == {2, 3, 6} and sheet.hidden_columns == {2, 3, 4}
    assert [r for r, _ in sheet.rows] == list(range(1, 8))  # still read


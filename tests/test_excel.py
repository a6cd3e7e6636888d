"""Rows written straight into the sheet XML (`append_rows`) read back as openpyxl's own cells would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook import Workbook

from quota_opt.output.excel import (
    GOOD_FILL,
    MUTED_FILL,
    WRAP,
    append_row,
    append_rows,
    cell_style,
    save_atomic,
)

# No carriage returns: openpyxl writes them raw without lxml (read back as "\n"); append_rows keeps them (below).
AWKWARD = [" lead", "trail ", "a\nb", "x & <y> \"z\" 'w'", "=1+1", "=", "#N/A", "#DIV/0!", "", "  ", "\t tab",
           "é\u2028\x85\x7f", "1e5", "\u3000全角", "二期\n扩建", "]]>", "x" * 40000]
NUMBERS = [0, -3, 2027, 10**17, 0.1 + 0.2, 1e-300, -1e20, 53.7, 2.5e15, True, False, None]


def _cells(path: Path) -> list[list[tuple[Any, ...]]]:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return [[(c.value, c.data_type, c.number_format, c.fill.fgColor.rgb, c.alignment.wrap_text) for c in row]
            for row in ws.iter_rows()]


def _both_ways(tmp_path: Path, columns: list[list[Any]], formats: list[str | None]) -> tuple[Any, Any]:
    """The same table written cell by cell with openpyxl and with `append_rows`, as read back."""
    n = len(columns[0])
    fills = [GOOD_FILL if i % 2 else MUTED_FILL for i in range(n)]
    expected = Workbook()
    ws = expected.active
    assert ws is not None
    ws.append(["h"] * len(columns))
    for r in range(n):
        append_row(ws, [col[r] for col in columns])
    for c, fmt in enumerate(formats, start=1):
        for r in range(n):
            cell = ws.cell(row=r + 2, column=c)
            if fmt is not None:
                cell.number_format = fmt
            if c == 1:
                cell.fill = fills[r]
                cell.alignment = WRAP
    actual = Workbook()
    ws = actual.active
    assert ws is not None
    ws.append(["h"] * len(columns))
    styles: list[int | list[int]] = [cell_style(ws, number_format=fmt) for fmt in formats]
    styles[0] = [cell_style(ws, number_format=formats[0], fill=fill, alignment=WRAP) for fill in fills]
    append_rows(ws, columns, styles)
    save_atomic(expected, tmp_path / "expected.xlsx", force=True)
    save_atomic(actual, tmp_path / "actual.xlsx", force=True)
    return _cells(tmp_path / "expected.xlsx"), _cells(tmp_path / "actual.xlsx")


def test_awkward_text_and_numbers_read_back_as_openpyxl_writes_them(tmp_path: Path) -> None:
    n = max(len(AWKWARD), len(NUMBERS))
    text = (AWKWARD * 2)[:n]
    numbers = (NUMBERS * 2)[:n]
    expected, actual = _both_ways(tmp_path, [text, numbers, numbers, [None] * n], ["@", "#,##0.0", None, "0"])
    assert actual == expected
    assert actual[5][0][:2] == ("=1+1", "s")  # text, not a formula


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # examples: the profile (conftest.py)
@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                          st.floats(allow_nan=False, allow_infinity=False),
                          st.text().filter(lambda s: not ILLEGAL_CHARACTERS_RE.search(s) and "\r" not in s)),
                min_size=1, max_size=12))
def test_any_values_read_back_as_openpyxl_writes_them(tmp_path: Path, values: list[Any]) -> None:
    expected, actual = _both_ways(tmp_path, [values, list(reversed(values))], [None, "0.00"])
    assert actual == expected


def test_control_characters_are_refused_as_openpyxl_refuses_them(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    append_rows(ws, [["bell\x07"]], [0])
    with pytest.raises(IllegalCharacterError):
        save_atomic(wb, tmp_path / "x.xlsx")


def test_carriage_returns_are_kept(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    append_rows(ws, [["a\r\nb", "\r"]], [0])
    save_atomic(wb, tmp_path / "cr.xlsx")
    assert [c.value for c in _cell_column(tmp_path / "cr.xlsx")] == ["a\r\nb", "\r"]


def _cell_column(path: Path) -> list[Any]:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return [row[0] for row in ws.iter_rows(min_row=2)]

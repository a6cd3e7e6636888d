"""No input ever produces a traceback: random cells of a valid workbook filled with random content.

Each example builds the small base workbook (fast, no file read), applies a few random edits (cell
contents of every kind — text, unicode, huge strings, numbers, NaN/inf, bools, dates, formulas,
Excel errors — and merges, renamed, hidden, deleted sheets, inserted and deleted rows), saves it,
and checks that `validate_workbook` returns a report whose every message renders in both languages,
and that `quota-opt validate` exits 0 or 1 without a traceback (with --annotate now and then).
The `ci` profile runs 500 examples.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from corpus.workbooks import build
from quota_opt.cli.app import app
from quota_opt.input.validate import ValidationReport
from quota_opt.prepare import validate_workbook

# Strings chosen to reach the validator's special paths, and text that rich would take for markup or an emoji
# (the CLI prints it as typed: tests/test_cli_as_typed.py).
SPECIAL = (
    "[bold]", "[/]", "[red]甲区", ":fire:",
    "合计", "小计（A区）", "Total", "#DIV/0!", "#N/A", "=1+1", "=SUM(F2:F5)", "=A1", "１２０", "1,200", "1,2,3", "120亩",
    "15 亿元", "90%", "−5", "是", "否", "Y", "n", "TRUE", "", "   ", "NaN", "inf", "-0", "1e309", "C1, C9", "C1、C2",
    "A", "B", "Z", "J1", "PA", "PB", "2026", "2027年", "2026-03-01", "project_id", "land_demand", "用地需求（亩）",
    "base_year", "基准年度", "settings", "district_only", "exclude", "yes", "\t", "a\nb", "𝟙𝟚𝟛", "\u200b", "ⅩⅡ",
)
SHEET_NAMES = ("settings", "districts", "platforms", "chains", "district_quotas", "city_quotas", "projects", "actuals",
               "variants", "项目", "区县", "参数设置", "说明", "Sheet1", "validation")

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
cell_values = st.one_of(
    st.none(),
    texts,
    st.sampled_from(SPECIAL),
    st.integers(min_value=1000, max_value=40_000).map(lambda n: "长" * n),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)),
    st.times(),
)
rows = st.integers(min_value=1, max_value=9)
cols = st.integers(min_value=1, max_value=22)
sheets = st.integers(min_value=0, max_value=8)
edits = st.one_of(
    st.tuples(st.just("set"), sheets, rows, cols, cell_values),
    st.tuples(st.just("set"), sheets, rows, cols, cell_values),
    st.tuples(st.just("set"), sheets, rows, cols, cell_values),
    st.tuples(st.just("merge"), sheets, rows, cols, st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("rename"), sheets, st.one_of(st.sampled_from(SHEET_NAMES), texts)),
    st.tuples(st.just("hide"), sheets),
    st.tuples(st.just("delete_sheet"), sheets),
    st.tuples(st.just("delete_row"), sheets, rows),
    st.tuples(st.just("insert_row"), sheets, rows),
)


def _apply(wb: Workbook, edit: tuple[Any, ...]) -> None:
    """One edit; edits openpyxl refuses (an invalid sheet title, an illegal character) are skipped."""
    if not wb.worksheets:
        return
    ws = wb.worksheets[edit[1] % len(wb.worksheets)]
    kind = edit[0]
    try:
        if kind == "set":
            _, _, row, col, value = edit
            ws.cell(row=row, column=col, value=value)
        elif kind == "merge":
            _, _, row, col, down, right = edit
            if down or right:
                ws.merge_cells(start_row=row, start_column=col, end_row=row + down, end_column=col + right)
        elif kind == "rename":
            ws.title = edit[2]
        elif kind == "hide":
            if sum(s.sheet_state == "visible" for s in wb.worksheets) > 1:
                ws.sheet_state = "hidden"
        elif kind == "delete_sheet":
            if len(wb.worksheets) > 1:
                wb.remove(ws)
        elif kind == "delete_row":
            ws.delete_rows(edit[2])
        elif kind == "insert_row":
            ws.insert_rows(edit[2])
    except (ValueError, TypeError, KeyError, AttributeError):  # AttributeError: a value into a merged cell
        pass  # openpyxl refused to write it: not an input an official could make


_WORKDIR = Path(tempfile.mkdtemp(prefix="quota-opt-fuzz-"))
_counter = itertools.count()


def _save(wb: Workbook) -> Path | None:
    buffer = io.BytesIO()
    try:
        wb.save(buffer)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None  # openpyxl cannot write this content: not an input anyone could make
    path = _WORKDIR / f"fuzz_{next(_counter) % 4}.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lang=st.sampled_from(["en", "zh"]), changes=st.lists(edits, min_size=1, max_size=6),
       annotate=st.integers(0, 9))
def test_random_content_never_raises(runner: CliRunner, lang: str, changes: list[tuple[Any, ...]], annotate: int) -> None:
    wb = build(lang=lang)
    for edit in changes:
        _apply(wb, edit)
    path = _save(wb)
    if path is None:
        return
    report = validate_workbook(path)
    assert isinstance(report, ValidationReport)
    for problem in report.problems:
        assert problem.message("zh") and problem.message("en")
    assert report.ok == (report.scenario is not None)
    event("valid" if report.ok else "errors found")
    args = ["validate", str(path), "--lang", lang]
    if annotate == 0:
        args += ["--annotate", str(_WORKDIR / "annotated.xlsx")]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    assert result.exit_code == (0 if report.ok else 1)
    assert "Traceback" not in result.output and "Internal error" not in result.output

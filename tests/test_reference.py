"""The example's results workbook, cell by cell, against a stored reference: refactors prove behaviour unchanged.

scenarios/hangzhou_example.xlsx is run as `make demo` runs it (the settings sheet's gap of 0.1%, the results
workbook `quota-opt run` writes, in Chinese) but so that the result cannot depend on the machine: on one solver
thread (no district-bound job beside the solve) and with a time limit of an hour instead of the sheet's 60 s, so
the run ends when HiGHS reaches the gap, never at the clock. That is the run conftest.example_run shares with the
modules of the xdist group "example", so the example is solved once for all of them — on a busy machine the demo's 60 s stop short (5.5% gap) at
an incumbent that depends on the machine's speed. Every sheet of the results workbook, every cell, is compared with
tests/reference/hangzhou_example_results.json — except the run-time rows of the summary sheet, left out by name
(RUN_TIME_KEYS: when, how long, which versions, which path).

When behaviour changes on purpose, regenerate the reference and commit it with the change that explains it:

    .venv/bin/python -m pytest tests/test_reference.py --update-reference

and read the diff of the JSON file: it shows exactly which cells moved.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from quota_opt.core.results_schema import SUMMARY, SUMMARY_ROWS
from quota_opt.output.results_workbook import write_results
from quota_opt.pipeline import RunResult

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "reference" / "hangzhou_example_results.json"
LANG = "zh"  # `make demo`'s language: the default
# Rows of the summary sheet that differ from run to run or from machine to machine, not with the inputs.
RUN_TIME_KEYS = ("run_at", "time_read_s", "time_build_s", "time_solve_s", "time_explain_s", "time_write_s",
                 "solver", "quota_opt_version", "pyomo_version", "python_version", "input_file")
RTOL = 1e-11  # a refactor may reorder a sum (last bits); a change in behaviour moves a figure by far more


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def workbook_cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values, row by row, the summary's run-time rows left out."""
    skip = {SUMMARY_ROWS[k][0] if LANG == "zh" else k for k in RUN_TIME_KEYS}
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = [[_plain(v) for v in row] for row in ws.iter_rows(values_only=True)]
        if ws.title == SUMMARY.name(LANG):
            rows = [r for r in rows if r[0] not in skip]
        out[ws.title] = rows
    return out


def same(a: Any, b: Any) -> bool:
    numbers = (float, int)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=RTOL)
    return bool(a == b and type(a) is type(b))


def differences(got: dict[str, list[list[Any]]], want: dict[str, list[list[Any]]], limit: int = 30) -> list[str]:
    out = []
    if list(got) != list(want):
        out.append(f"sheets: {list(got)} != reference {list(want)}")
    for sheet in (s for s in want if s in got):
        g, w = got[sheet], want[sheet]
        if len(g) != len(w):
            out.append(f"{sheet}: {len(g)} rows != reference {len(w)}")
        for r, (grow, wrow) in enumerate(zip(g, w, strict=False), start=1):
            if len(grow) != len(wrow):
                out.append(f"{sheet} row {r}: {len(grow)} columns != reference {len(wrow)}")
            for c, (gv, wv) in enumerate(zip(grow, wrow, strict=False), start=1):
                if not same(gv, wv):
                    out.append(f"{sheet}!{openpyxl.utils.get_column_letter(c)}{r}: {gv!r} != reference {wv!r}")
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


@pytest.mark.slow
@pytest.mark.xdist_group("example")
def test_example_results_workbook_matches_the_reference(example_run: RunResult, tmp_path: Path,
                                                        request: pytest.FixtureRequest) -> None:
    out = write_results(example_run, tmp_path / "results.xlsx", LANG)  # what `quota-opt run` writes
    got = workbook_cells(out)
    assert all(got.values()), "every sheet has rows"
    if request.config.getoption("--update-reference"):
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(json.dumps(got, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        pytest.skip(f"reference rewritten: {REFERENCE.relative_to(ROOT)} (review its diff before committing)")
    assert REFERENCE.is_file(), "no reference yet: run pytest tests/test_reference.py --update-reference"
    want = json.loads(REFERENCE.read_text(encoding="utf-8"))
    diff = differences(got, want)
    assert not diff, "the example's results differ from tests/reference (--update-reference if on purpose):\n" + (
        "\n".join(diff))

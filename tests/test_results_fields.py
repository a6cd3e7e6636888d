"""Every field read back from a results workbook is input: an edited one gets a located message (sheet, row,
column, expected, found), never exit 70 nor a silent misreading; and explain, like rollover, warns when the
scenario is no longer the one the results were computed from (the summary's input SHA-256)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.core.errors import InputError
from quota_opt.core.results_schema import ALLOCATION, SUMMARY, SUMMARY_ROWS
from quota_opt.input.results_read import read_results
from quota_opt.output.template import write_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A scenario (A and B fit the 100 mu, C does not) and its results, in zh and en."""
    d = tmp_path_factory.mktemp("solved")
    sc = tiny([project("A", 60, investment=10), project("B", 30, investment=8), project("C", 50, investment=1)],
              quotas={("A", 2026): {"new_land_quota": 100}})
    files = {}
    for lang in ("zh", "en"):
        plan = write_scenario(sc, d / f"plan_{lang}.xlsx", lang)
        res = runner.invoke(app, ["run", str(plan), "--lang", lang])
        assert res.exit_code == 0, res.output
        files[lang] = plan
    return files


def copy_of(solved: dict[str, Path], lang: str, tmp_path: Path) -> tuple[Path, Path]:
    plan = Path(shutil.copy(solved[lang], tmp_path / solved[lang].name))
    results = Path(shutil.copy(solved[lang].with_name(f"{solved[lang].stem}_results.xlsx"),
                               tmp_path / f"{plan.stem}_results.xlsx"))
    return plan, results


def set_summary(path: Path, lang: str, key: str, value: object) -> int:
    """Type `value` over the summary's `key` field; returns its Excel row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SUMMARY.name(lang)]
    label = SUMMARY_ROWS[key][0] if lang == "zh" else key
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == label)
    ws.cell(row=row, column=2, value=value)
    wb.save(path)
    return row


def set_allocation(path: Path, lang: str, project_id: str, column: str, value: object) -> int:
    wb = openpyxl.load_workbook(path)
    ws = wb[ALLOCATION.name(lang)]
    header = [c.value for c in ws[1]]
    col = header.index(ALLOCATION.column(column).header(lang)) + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == project_id)
    ws.cell(row=row, column=col, value=value)
    wb.save(path)
    return row


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("command", ["explain", "rollover"])
def test_an_input_file_cell_with_a_folder_is_placed_not_exit_70(tmp_path: Path, solved: dict[str, Path],
                                                                 command: str, lang: str) -> None:
    plan, results = copy_of(solved, lang, tmp_path)
    row = set_summary(results, lang, "input_file", "方案/x.xlsx")
    args = (["explain", str(results), "A"] if command == "explain"
            else ["rollover", str(results), "--year", "2026", "-o", str(tmp_path / "next.xlsx")])
    res = runner.invoke(app, [*args, "--lang", lang])
    assert res.exit_code == 1, res.output
    out = one_line(res.output)
    assert f"B{row}" in out and '"方案/x.xlsx"' in out and "--scenario" in out, out
    assert ("内部错误" if lang == "zh" else "Internal error") not in out
    assert not (tmp_path / "next.xlsx").exists()
    # the cell is not needed when the scenario is named
    args = (["explain", str(results), "A", "--scenario", str(plan)] if command == "explain"
            else ["rollover", str(results), "--scenario", str(plan), "--year", "2026", "-o", str(tmp_path / "n.xlsx")])
    assert runner.invoke(app, [*args, "--lang", lang]).exit_code == 0


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("input_sha256", "abc123", "SHA-256"),
    ("status", "very good", "optimal"),
    ("objective", "lots", "a number for Objective"),
])
def test_summary_fields_are_checked_where_they_are(tmp_path: Path, solved: dict[str, Path], key: str, value: str,
                                                    expected: str) -> None:
    _plan, results = copy_of(solved, "en", tmp_path)
    row = set_summary(results, "en", key, value)
    with pytest.raises(InputError) as caught:
        read_results(results)
    message = caught.value.problems[0].message("en")
    assert f"row {row}" in message and f"B{row}" in message and expected in message and f'"{value}"' in message


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sources_that_no_longer_add_up_are_refused_by_row(tmp_path: Path, solved: dict[str, Path],
                                                          lang: str) -> None:
    """A's 60 mu come from the district quota; typed as 40, the plan supplies 20 mu less than A needs, and a
    rollover would record a supply that never was (the next scenario then fails validation)."""
    _plan, results = copy_of(solved, lang, tmp_path)
    row = set_allocation(results, lang, "A", "land_district_quota", 40)
    res = runner.invoke(app, ["rollover", str(results), "--year", "2026", "-o", str(tmp_path / "next.xlsx"),
                              "--lang", lang])
    assert res.exit_code == 1, res.output
    out = one_line(res.output)
    assert f"row {row}" in out or f"第{row}行" in out, out
    if lang == "en":
        assert "the land sources on this row add up to 40 (40 + 0 + 0 + 0), not the land demand 60" in out
    else:
        assert "该行用地各来源之和为 40（40 + 0 + 0 + 0），与用地需求 60 不符" in out
    assert not (tmp_path / "next.xlsx").exists()


def test_a_project_not_selected_with_sources_is_refused(tmp_path: Path, solved: dict[str, Path]) -> None:
    _plan, results = copy_of(solved, "en", tmp_path)
    row = set_allocation(results, "en", "C", "land_stock", 5)
    with pytest.raises(InputError) as caught:
        read_results(results)
    message = caught.value.problems[0].message("en")
    assert f"row {row}" in message and "not selected, yet its land sources add up to 5" in message


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_warns_when_the_scenario_was_edited_since(tmp_path: Path, solved: dict[str, Path],
                                                          lang: str) -> None:
    """The results say A has 60 mu; the scenario now says 80: explain says its figures are the scenario's as it
    is now, as rollover does (the recorded SHA-256 differs)."""
    plan, results = copy_of(solved, lang, tmp_path)
    res = runner.invoke(app, ["explain", str(results), "A", "--lang", lang])
    assert res.exit_code == 0, res.output
    assert "SHA-256" not in res.output  # its own scenario: no warning
    wb = openpyxl.load_workbook(plan)
    ws = wb["项目" if lang == "zh" else "projects"]
    header = [c.value for c in ws[1]]
    column = next(i for i, h in enumerate(header, start=1) if str(h).startswith("用地需求" if lang == "zh"
                                                                                   else "land_demand"))
    ws.cell(row=2, column=column, value=80)
    wb.save(plan)
    res = runner.invoke(app, ["explain", str(results), "A", "--lang", lang])
    out = one_line(res.output)
    if lang == "zh":
        assert f"提示：{plan.name} 与计算 {results.name} 时所用的方案工作簿内容不同" in out, out
    else:
        assert f"Warning: {plan.name} is not the workbook {results.name} was computed from" in out, out

"""The library API (quota_opt.api): each function on scenarios/small_en.xlsx, from a path and from bytes, with
real solves. The figures themselves are checked elsewhere (test_golden, test_example); here: that the API gives
what the stages give, names an upload as its user named it, and writes the workbook the CLI writes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import quota_opt
from builders import golden
from quota_opt import api
from quota_opt.core.scenario import Scenario, normalize_table

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "scenarios" / "small_en.xlsx"


@pytest.fixture(scope="module")
def done() -> api.Run:
    """small_en solved once (10 s limit; it proves its optimum in well under a second)."""
    return quota_opt.run(SMALL, time_limit_s=10)


def sheet_values(data: bytes, sheet: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_validate_from_a_path_and_from_bytes_says_the_same() -> None:
    from_path = quota_opt.validate(SMALL)
    from_bytes = quota_opt.validate(SMALL.read_bytes(), name="my plan.xlsx")
    assert from_path.ok and from_bytes.ok
    assert from_path.messages("en") == from_bytes.messages("en")
    assert from_bytes.scenario is not None and from_bytes.scenario.source_path == Path("my plan.xlsx")
    assert len(from_bytes.scenario.projects) == 12


def test_an_upload_that_is_no_workbook_is_named_as_its_user_named_it() -> None:
    checked = quota_opt.validate(b"project_id,land\nP01,10\n", name="plan.xlsx")
    assert not checked.ok and not checked.readable
    [message] = checked.messages("en")
    assert "plan.xlsx" in message and "quota-opt-" not in message  # not the private temporary file
    assert checked.rows("zh")[0]["severity"] == "error"


@pytest.mark.slow
def test_validation_marks_problems_on_an_annotated_copy() -> None:
    wb = openpyxl.load_workbook(SMALL)
    ws = wb["projects"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "P03")
    ws.cell(row, header.index("land_demand") + 1).value = "abc"
    buffer = io.BytesIO()
    wb.save(buffer)
    checked = quota_opt.validate(buffer.getvalue(), name="broken.xlsx")
    assert not checked.ok
    assert any("land_demand" in m and "abc" in m for m in checked.messages("en"))
    marked = openpyxl.load_workbook(io.BytesIO(checked.annotated_bytes("en")))
    cell = marked["projects"].cell(row, header.index("land_demand") + 1)
    assert cell.comment is not None and "abc" in cell.comment.text


def test_load_raises_the_input_error_the_cli_prints() -> None:
    with pytest.raises(quota_opt.InputError) as caught:
        quota_opt.load(b"not a workbook", name="x.xlsx")
    assert "x.xlsx" in caught.value.report("en")


@pytest.mark.slow
def test_run_reports_stages_and_progress_and_writes_the_results_workbook(tmp_path: Path) -> None:
    stages: list[str] = []
    seen: list[object] = []
    result = quota_opt.run(SMALL.read_bytes(), name="small_en.xlsx", time_limit_s=10, on_stage=stages.append,
                           progress=seen.append)
    assert result.ok and result.status == "optimal"
    assert stages[:3] == ["prepare", "build", "solve"] and "explain" in stages
    for p in seen:  # what the page draws: elapsed, best objective, bound, gap
        assert {"elapsed_s", "objective", "best_bound", "gap"} <= set(vars(p))
    summary = result.summary("en")
    assert summary["input_file"] == "small_en.xlsx"  # the upload's name, not the temporary file's
    assert summary["input_sha256"] == __import__("hashlib").sha256(SMALL.read_bytes()).hexdigest()
    data = result.to_bytes("en")
    assert data[:4] == b"PK\x03\x04"
    written = result.write(tmp_path / "out.xlsx", lang="en")
    same = sheet_values(written.read_bytes(), "allocation")
    assert sheet_values(data, "allocation") == same
    assert same[0][0] == "project_id" and len(same) == 13


@pytest.mark.slow
def test_the_tables_are_the_workbooks_sheets(done: api.Run) -> None:
    tables = done.tables("en")
    assert list(tables) == ["allocation", "districts", "ledger", "city", "shadow_prices", "validation"]
    sheet = sheet_values(done.to_bytes("en"), "allocation")
    assert list(tables["allocation"].columns) == list(sheet[0])
    assert list(tables["allocation"]["project_id"]) == [row[0] for row in sheet[1:]]
    assert set(tables["allocation"]["selected"]) <= {"yes", "no"}
    assert set(done.tables("zh")["allocation"]["selected"]) <= {"是", "否"}


def test_run_refuses_options_out_of_bounds_before_reading() -> None:
    with pytest.raises(quota_opt.InputError) as caught:
        quota_opt.run(b"never read", time_limit_s=-1)
    assert "--time-limit" in caught.value.report("en")


@pytest.mark.slow
def test_explain_a_results_workbook_given_as_bytes(done: api.Run) -> None:
    ex = quota_opt.explain(done.to_bytes("en"), "P04", name="small_en_results.xlsx", scenario=SMALL.read_bytes(),
                           scenario_name="small_en.xlsx", time_limit_s=5)
    allocation = done.tables("en")["allocation"].set_index("project_id")
    assert ex.project_id == "P04" and ex.selected == (allocation.loc["P04", "selected"] == "yes")
    assert ex.source["en"].startswith("Explaining the adopted plan")
    assert ex.reason["en"]


@pytest.mark.slow
def test_explain_a_results_workbook_beside_its_scenario(done: api.Run, tmp_path: Path) -> None:
    (tmp_path / "small_en.xlsx").write_bytes(SMALL.read_bytes())
    results = done.write(tmp_path / "small_en_results.xlsx", "en")
    seen: list[tuple[int, int]] = []
    ex = quota_opt.explain(results, "P07", time_limit_s=5, workers=1, progress=lambda d, t, s: seen.append((d, t)))
    assert ex.project_id == "P07" and ex.thresholds
    assert seen and seen[-1][0] == ex.solves and all(done <= total for done, total in seen)


@pytest.mark.slow
def test_compare_a_scenario_with_a_results_workbook(done: api.Run) -> None:
    seen: list[int] = []
    cmp = quota_opt.compare([SMALL, done.to_bytes("en")], names=[None, "adopted.xlsx"], workers=1, time_limit_s=10,
                            progress=lambda d, t, r: seen.append(d))
    assert [r.name for r in cmp.results] == ["small_en", "adopted"]
    assert all(r.ok for r in cmp.results) and seen == [1]  # one case solved, one read
    kpis = cmp.kpis()
    assert kpis.loc["projects_selected", ("adopted", "delta")] == 0
    assert cmp.to_bytes("en")[:2] == b"PK"


def golden_with_more_quota() -> Scenario:
    """builders.golden at 100 mu (optimum A + C = 60 + 24 = 84) with a variant "more" of 10% more quota: at 110 mu
    A + B fits exactly and is worth 60 + 40 = 100, so B comes in and C goes out."""
    sc = golden(100)
    sc.variants = normalize_table("variants", pd.DataFrame([
        {"variant": "more", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "1.1"}]))
    return sc


def test_compare_takes_a_run_in_hand_as_the_base_of_its_variants() -> None:
    done = quota_opt.run(golden_with_more_quota(), time_limit_s=10)
    assert done.summary("en")["objective"] == pytest.approx(84, abs=1e-3)
    solved: list[str] = []
    compared = quota_opt.compare([done], variants="more", workers=1, progress=lambda d, t, r: solved.append(r.name))
    assert solved == ["more"]  # the base is the run given, not solved again
    assert [r.name for r in compared.results] == ["基准方案", "more"]
    kpis = compared.kpis()
    assert kpis.loc["objective", ("基准方案", "value")] == pytest.approx(84, abs=1e-3)
    assert kpis.loc["objective", ("more", "value")] == pytest.approx(100, abs=1e-3)
    changed = compared.decisions("en")
    assert set(changed.loc[changed[("", "change")] != "", ("", "project_id")]) == {"B", "C"}
    districts = compared.districts()
    assert list(districts[("", "district_id")]) == ["A"] and list(districts[("", "year")]) == [2026]
    assert districts[("基准方案", "land")].tolist() == pytest.approx([100])  # A 60 + C 40
    assert districts[("more", "land")].tolist() == pytest.approx([110])  # A 60 + B 50


def test_compare_takes_runs_in_hand_as_cases_and_refuses_a_varied_run_as_a_base() -> None:
    sc = golden_with_more_quota()
    base, more = quota_opt.run(sc, time_limit_s=10), quota_opt.run(sc, variant="more", time_limit_s=10)
    solved: list[int] = []
    compared = quota_opt.compare([base, more], names=["base", None], progress=lambda d, t, r: solved.append(d))
    varied = f"{sc.settings.scenario_name} · more"  # a run with no workbook is named as its (varied) scenario
    assert solved == [] and [r.name for r in compared.results] == ["base", varied]
    assert compared.kpis().loc["objective", (varied, "delta")] == pytest.approx(16, abs=1e-3)
    with pytest.raises(quota_opt.InputError) as caught:
        quota_opt.compare([more], variants="all")
    assert [p.code for p in caught.value.problems] == ["variants_run_has_variant"]
    assert '"more"' in caught.value.report("en")


@pytest.mark.slow
def test_sweep_solves_each_point_on_the_cli_executor() -> None:
    swept = quota_opt.sweep(SMALL, ["reward_ratio=0,1"], workers=1, time_limit_s=10, lang="en")
    assert [r.params for r in swept.results] == [{"reward_ratio": 0}, {"reward_ratio": 1}]
    assert swept.tradeoff is not None and "non_dominated" in swept.cases("en").columns


@pytest.mark.slow
def test_rollover_from_bytes_lands_as_a_valid_scenario_a_year_on(done: api.Run) -> None:
    nxt = quota_opt.rollover(done.to_bytes("en"), 2026, name="r.xlsx", scenario=SMALL.read_bytes(),
                             scenario_name="small_en.xlsx")
    assert nxt.made_from is True and nxt.note.new_base_year == 2027
    checked = quota_opt.validate(nxt.to_bytes("en"), name="2027.xlsx")
    assert checked.ok and checked.scenario is not None and checked.scenario.settings.base_year == 2027


@pytest.mark.slow
def test_template_and_generate_write_workbooks_that_validate(tmp_path: Path) -> None:
    blank = quota_opt.template("en").to_bytes()
    assert quota_opt.validate(blank).errors  # a blank template has no projects yet
    generated = quota_opt.generate(projects=20, districts=3, years=2, seed=4, lang="en")
    checked = quota_opt.validate(generated.to_bytes(), name="g.xlsx")
    assert checked.ok and checked.scenario is not None and len(checked.scenario.projects) == 20
    assert generated.write(tmp_path / "g.xlsx").read_bytes() == generated.to_bytes()


@pytest.mark.slow
def test_the_readmes_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's "The library API" example, as written, in a copy of its folder (it writes beside the scenario)."""
    text = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    section = text[text.index("## The library API"):]
    block = section[section.index("```python\n") + len("```python\n"):]
    block = block[:block.index("```")]
    (tmp_path / "scenarios").mkdir()
    shutil.copy(SMALL, tmp_path / "scenarios" / SMALL.name)
    monkeypatch.chdir(tmp_path)
    names: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), names)  # the README's own code
    done, why, both, nxt = (names[k] for k in ("done", "why", "both", "nxt"))
    assert isinstance(done, api.Run) and done.ok
    assert isinstance(why, api.Explanation) and why.project_id == "P03"
    assert isinstance(both, api.Comparison) and [r.ok for r in both.results] == [True, True]
    assert isinstance(nxt, api.Rollover) and nxt.note.new_base_year == 2027

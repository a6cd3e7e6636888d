"""Comparing alternatives: variants change exactly what they name, a case against itself shows nothing,
a known flip is found, results workbooks can be compared, and the comparison workbook has what it promises.

The flip is the golden example of test_golden.test_binding_district_quota (investment-only weights):
A 60 mu / 10 亿元, B 50 mu / 8 亿元, C 40 mu / 6 亿元 → values 60, 40, 24. With 100 mu of quota the optimum
is {A, C} = 84 (B out-competed); with 110 mu, {A, B} fits exactly and is worth 100 > 84, so B is
selected and C drops out: 16 more (+19.05%) and two projects change.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from builders import INVESTMENT_ONLY, golden, project, tiny
from quota_opt import pipeline
from quota_opt.cli.app import app
from quota_opt.core.scenario import Scenario, normalize_table
from quota_opt.input.variants import apply_variant
from quota_opt.output.compare_workbook import CASES, CHARTS, DECISIONS, DISTRICTS, KPIS
from quota_opt.output.excel import WARNING_FILL
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.studies import compare as cmp


def with_variants(sc: Scenario, rows: list[dict]) -> Scenario:
    sc.variants = normalize_table("variants", pd.DataFrame(rows))
    return sc


def two_districts() -> Scenario:
    """Two districts, two years, some quota everywhere, and variants of every kind."""
    quotas = {(d, y): {"new_land_quota": 50.0, "energy_budget": 500.0} for d in ("A", "B") for y in (2026, 2027)}
    sc = tiny([project("P1", 40, district="A", energy=200), project("P2", 30, district="B", energy=300)],
              districts=[{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}],
              quotas=quotas, city={2026: {"city_energy_pool": 100.0}, 2027: {"city_energy_pool": 200.0}},
              horizon_years=2)
    return with_variants(sc, [
        {"variant": "reward", "target": "reward_ratio", "operation": "set", "value": "1"},
        {"variant": "b2027", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "1.5",
         "district_id": "B", "year": "2027"},
        {"variant": "mixed", "target": "w_output_per_mu", "operation": "set", "value": "0.5"},
        {"variant": "mixed", "target": "city_quotas.city_energy_pool", "operation": "scale", "value": "0.8"},
    ])


def differences(a: Scenario, b: Scenario) -> set[str]:
    """Every settings field and every (table, column) whose values differ between two scenarios."""
    out = {f.name for f in fields(a.settings) if getattr(a.settings, f.name) != getattr(b.settings, f.name)}
    for key in Scenario.TABLES:
        if key == "variants":
            continue
        ta, tb = a.table(key), b.table(key)
        assert list(ta.columns) == list(tb.columns) and len(ta) == len(tb), key
        for col in ta.columns:
            if not ta[col].astype(object).equals(tb[col].astype(object)):
                out.add(f"{key}.{col}")
    return out


# --------------------------------------------------------------------------------------------
# variants
# --------------------------------------------------------------------------------------------


def test_variants_override_exactly_what_they_name() -> None:
    sc = two_districts()
    reward = apply_variant(sc, "reward")
    assert differences(sc, reward) == {"scenario_name", "reward_ratio"}
    assert reward.settings.reward_ratio == 1.0

    b2027 = apply_variant(sc, "b2027")
    assert differences(sc, b2027) == {"scenario_name", "district_quotas.new_land_quota"}
    q0, q1 = sc.district_quotas, b2027.district_quotas
    changed = q0["new_land_quota"] != q1["new_land_quota"]
    assert list(zip(q0.loc[changed, "district_id"], q0.loc[changed, "year"], strict=True)) == [("B", 2027)]
    assert q1.loc[changed, "new_land_quota"].tolist() == [75.0]

    mixed = apply_variant(sc, "mixed")
    assert differences(sc, mixed) == {"scenario_name", "w_output_per_mu", "city_quotas.city_energy_pool"}
    assert mixed.city_quotas["city_energy_pool"].tolist() == pytest.approx([80.0, 160.0])
    # the base scenario is left as it was
    assert sc.settings.reward_ratio == 0.5 and sc.city_quotas["city_energy_pool"].tolist() == [100.0, 200.0]


def test_variant_cases_put_the_base_first_and_keep_the_order() -> None:
    sc = two_districts()
    cases = cmp.variant_cases(sc, "all", lang="en")
    assert [c.name for c in cases] == ["base", "reward", "b2027", "mixed"]
    assert cases[0].scenario is sc and cases[0].variant is None
    assert [c.name for c in cmp.variant_cases(sc, "mixed,reward", lang="zh")] == ["基准方案", "mixed", "reward"]
    with pytest.raises(cmp.InputError):
        cmp.variant_cases(sc, "nope")


# --------------------------------------------------------------------------------------------
# comparisons
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flip() -> list[cmp.CaseResult]:
    return cmp.run_cases([cmp.Case("q100", golden(100)), cmp.Case("q110", golden(110))], workers=1)


def test_a_case_compared_with_itself_shows_no_differences(tmp_path: Path) -> None:
    sc = golden(100)
    results = cmp.run_cases([cmp.Case("same", sc), cmp.Case("same", sc)], workers=1)
    assert [r.name for r in results] == ["same", "same (2)"]
    kpis = cmp.kpi_frame(results)
    deltas = kpis[("same (2)", "delta")].dropna()
    assert len(deltas) > 10 and (deltas == 0).all()
    assert (kpis[("same (2)", "delta_pct")].dropna() == 0).all()
    decisions = cmp.decision_frame(results, "en")
    assert (decisions[("", "change")] == "").all()
    assert cmp.changed_projects(results) == [0, 0]
    path = cmp.write_comparison(results, tmp_path / "same.xlsx", "en")
    ws = openpyxl.load_workbook(path)[KPIS.name("en")]
    assert not any(c.fill.fgColor.rgb == WARNING_FILL.fgColor.rgb for row in ws.iter_rows(min_row=3) for c in row)


def test_compare_detects_the_known_flip(flip: list[cmp.CaseResult]) -> None:
    base, more = flip
    assert base.kpi("objective") == pytest.approx(84, abs=1e-3)
    assert more.kpi("objective") == pytest.approx(100, abs=1e-3)
    kpis = cmp.kpi_frame(flip)
    assert kpis.at["objective", ("q110", "delta")] == pytest.approx(16, abs=1e-3)
    assert kpis.at["objective", ("q110", "delta_pct")] == pytest.approx(16 / 84, abs=1e-4)
    assert kpis.at["projects_selected", ("q110", "delta")] == 0
    assert kpis.at["land_selected", ("q110", "delta")] == pytest.approx(10)
    d = cmp.decision_frame(flip, "en")
    assert d[("", "project_id")].tolist()[:2] == ["B", "C"]  # the changes first, in input order
    assert d[("", "change")].tolist() == ["selection", "selection", ""]
    b = d.iloc[0]
    assert (bool(b[("q100", "selected")]), bool(b[("q110", "selected")])) == (False, True)
    assert b[("q110", "year")] == 2026 and b[("q110", "sources")] == "district quota 50.0 mu"
    assert cmp.changed_projects(flip) == [0, 2]
    dist = cmp.district_frame(flip)
    assert dist[("q100", "land")].tolist() == [100.0] and dist[("q110", "land")].tolist() == [110.0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_workbook_sheets_and_highlights(flip: list[cmp.CaseResult], tmp_path: Path, lang: str) -> None:
    path = cmp.write_comparison(flip, tmp_path / f"c_{lang}.xlsx", lang)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.name(lang) for s in (CASES, KPIS, DECISIONS, DISTRICTS, CHARTS)]
    kp = wb[KPIS.name(lang)]
    assert [kp.cell(row=1, column=c).value for c in (2, 3)] == ["q100", "q110"]
    assert [kp.cell(row=2, column=c).value for c in (1, 2, 3, 4, 5)] == (
        ["指标", "取值", "取值", "差值", "差值%"] if lang == "zh" else ["kpi", "value", "value", "delta", "delta_pct"])
    rows = {kp.cell(row=r, column=1).value: r for r in range(3, kp.max_row + 1)}
    objective = rows["目标值" if lang == "zh" else "objective"]
    assert kp.cell(row=objective, column=4).value == pytest.approx(16, abs=1e-3)
    assert kp.cell(row=objective, column=4).fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    dec = wb[DECISIONS.name(lang)]
    assert dec.cell(row=2, column=1).value == ("项目编号" if lang == "zh" else "project_id")
    assert dec.cell(row=3, column=1).value == "B" and dec.cell(row=3, column=1).fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    assert dec.cell(row=3, column=4).value == "甲区"  # the district's name beside its code
    assert dec.cell(row=3, column=5).value == ("是否安排改变" if lang == "zh" else "selection")
    assert dec.cell(row=5, column=1).value == "A" and dec.cell(row=5, column=5).value in (None, "")
    assert len(wb[CHARTS.name(lang)]._charts) >= 2


@pytest.mark.slow
def test_compare_reads_results_workbooks_in_either_language(flip: list[cmp.CaseResult], tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        result = run_scenario(golden(100), RunOptions(threads=1, shadow_prices=False))
        path = write_results(result, tmp_path / f"r_{lang}.xlsx", lang)
        read = cmp.case_from_results(path)
        assert read.kind == "results" and read.status == "optimal"
        assert read.kpi("objective") == pytest.approx(flip[0].kpi("objective"))
        results = cmp.run_cases([read, cmp.Case("q110", golden(110))], workers=1)
        d = cmp.decision_frame(results, "en")
        assert d[("", "change")].tolist() == ["selection", "selection", ""]
        dist = cmp.district_frame(results)
        assert dist[(read.name, "land")].tolist() == [100.0]
        assert cmp.kpi_frame(results).at["objective", ("q110", "delta")] == pytest.approx(16, abs=1e-3)


def test_failed_case_is_reported_beside_the_others(tmp_path: Path) -> None:
    broken = cmp.Case("broken", golden(100))
    broken.scenario = None  # type: ignore[assignment]
    results = cmp.run_cases([cmp.Case("q100", golden(100)), broken, cmp.Case("q110", golden(110))], workers=1)
    assert [r.status for r in results] == ["optimal", "error", "optimal"]
    assert "no scenario" in results[1].describe("en")
    assert cmp.changed_projects(results) == [0, None, 2]
    path = cmp.write_comparison(results, tmp_path / "f.xlsx", "en")
    cases = openpyxl.load_workbook(path)[CASES.name("en")]
    head = [c.value for c in cases[1]]
    row = [c.value for c in cases[3]]
    assert row[head.index("status")] == "error" and "no scenario" in row[head.index("message")]


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_compare_variants_all(runner: CliRunner, tmp_path: Path) -> None:
    path = write_scenario(two_districts(), tmp_path / "two.xlsx", "en")
    res = runner.invoke(app, ["compare", "--variants", "all", str(path), "--lang", "en", "--workers", "1"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "two_comparison.xlsx"
    assert out.is_file() and "Comparison written" in res.output
    wb = openpyxl.load_workbook(out)
    kp = wb[KPIS.name("en")]
    assert [kp.cell(row=1, column=c).value for c in (2, 3, 6, 9)] == ["base", "reward", "b2027", "mixed"]
    assert len(wb[CHARTS.name("en")]._charts) >= 2


@pytest.mark.slow
def test_cli_compare_files_and_results(runner: CliRunner, tmp_path: Path) -> None:
    a = write_scenario(golden(100), tmp_path / "a.xlsx", "zh")
    b = write_scenario(golden(110), tmp_path / "b.xlsx", "zh")
    assert runner.invoke(app, ["run", str(a), "-o", str(tmp_path / "a_res.xlsx")]).exit_code == 0
    out = tmp_path / "cmp.xlsx"
    res = runner.invoke(app, ["compare", str(tmp_path / "a_res.xlsx"), str(b), "-o", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    dec = openpyxl.load_workbook(out)[DECISIONS.name("zh")]
    assert [dec.cell(row=r, column=1).value for r in (3, 4, 5)] == ["B", "C", "A"]


@pytest.mark.slow
def test_cli_compare_input_errors(runner: CliRunner, tmp_path: Path) -> None:
    path = write_scenario(two_districts(), tmp_path / "two.xlsx", "en")
    res = runner.invoke(app, ["compare", "--variants", "nope", str(path), "--lang", "en"])
    assert res.exit_code == 1
    assert "nope" in res.output
    res = runner.invoke(app, ["compare", "--variants", "all", str(path), str(path), "--lang", "en"])
    assert res.exit_code == 1 and "exactly one" in res.output
    plain = write_scenario(golden(100), tmp_path / "plain.xlsx", "zh")  # no variants: nothing to compare
    res = runner.invoke(app, ["compare", "--variants", "all", str(plain)])
    assert res.exit_code == 1 and "没有方案变体" in res.output and not (tmp_path / "plain_comparison.xlsx").exists()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_compare_of_one_workbook_is_refused(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """One workbook without --variants was solved and written as a "comparison" of one case (exit 0): the
    second file, or --variants, was forgotten. Now the input error says so, before anything is solved."""
    path = write_scenario(two_districts(), tmp_path / "two.xlsx", "en")
    res = runner.invoke(app, ["compare", str(path), "--lang", lang])
    assert res.exit_code == 1, res.output
    words = {"zh": "只给出了一个工作簿", "en": "only one workbook was given"}[lang]
    assert words in res.output and "--variants all" in res.output
    assert not (tmp_path / "two_comparison.xlsx").exists()


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", "✗ --variants 只能用于一个方案工作簿，实际给出了 2 个。请只给出一个方案工作簿，或去掉 --variants 比较多个工作簿。"),
    ("en", "✗ --variants takes exactly one scenario workbook; 2 were given. Give one scenario workbook, or leave out "
           "--variants to compare several workbooks."),
], ids=["zh", "en"])
def test_variants_with_several_workbooks_is_a_message_of_the_catalogue(runner: CliRunner, tmp_path: Path, lang: str, words: str) -> None:
    """--variants with two workbooks was refused by a sentence written in cli.py, outside messages.py (and so
    outside docs/workbook.md), that did not say how many were given or what to do instead."""
    path = write_scenario(two_districts(), tmp_path / "two.xlsx", "en")
    res = runner.invoke(app, ["compare", str(path), str(path), "--variants", "all", "--lang", lang])
    assert res.exit_code == 1, res.output
    assert words in " ".join(res.output.split()), res.output


def test_case_from_run_matches_a_case_solved_by_run_cases(flip: list[cmp.CaseResult]) -> None:
    mine = cmp.case_from_run(run_scenario(golden(100), RunOptions(threads=1, shadow_prices=False)), "mine")
    assert mine.status == "optimal" and mine.name == "mine"
    assert [mine.kpi(k) for k in cmp.COMPARED_KPIS] == [flip[0].kpi(k) for k in cmp.COMPARED_KPIS]
    pd.testing.assert_frame_equal(mine.allocation, flip[0].allocation)


def test_a_compared_case_is_solved_once_when_its_plan_requests_land(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run whose plan requests land from the province solves once more with the request at 0 (pipeline's
    without_request, for its summary's "if the province grants nothing" and its reasons); a comparison shows
    neither, so a compared case does not pay for it. test_golden_policy's M/N scenario: quota 100 mu, request cap
    50 mu at 0.1 a mu; M (130 mu, 10 亿元) needs 30 mu by request: 130 - 0.1 x 30 = 127; N (100 mu) is left out."""
    sc = tiny([project("M", 130, investment=10, city_led=True), project("N", 100, investment=5)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 50}},
              major_investment_threshold=20, province_request_penalty=0.1, **INVESTMENT_ONLY)
    solves: list[object] = []
    real = pipeline.solve
    monkeypatch.setattr(pipeline, "solve", lambda *a, **k: solves.append(a) or real(*a, **k))
    assert run_scenario(sc, RunOptions()).no_request is not None and len(solves) == 2  # a run: 2 solves
    solves.clear()
    [case] = cmp.run_cases([cmp.Case("m", sc)], workers=1)
    assert len(solves) == 1
    assert case.kpi("objective") == pytest.approx(127, abs=1e-3) and case.kpi("mu_to_request") == pytest.approx(30)
    assert case.allocation.set_index("project_id")["selected"].to_dict() == {"M": True, "N": False}


def test_text_starting_with_equals_stays_text(tmp_path: Path) -> None:
    sc = tiny([project("=1+1", 10, investment=3)], quotas={("A", 2026): {"new_land_quota": 100}})
    results = cmp.run_cases([cmp.Case("=2*3", sc)], workers=1)
    wb = openpyxl.load_workbook(cmp.write_comparison(results, tmp_path / "eq.xlsx", "en"))
    assert (wb[CASES.name("en")]["A2"].value, wb[CASES.name("en")]["A2"].data_type) == ("=2*3", "s")
    assert (wb[DECISIONS.name("en")]["A3"].value, wb[DECISIONS.name("en")]["A3"].data_type) == ("=1+1", "s")


@pytest.mark.slow
@pytest.mark.parametrize("time_limit", [0.05, 0.3])
def test_a_variant_that_changes_nothing_gives_no_significant_difference(time_limit: float | None) -> None:
    """The example against a copy of itself, at a tiny time limit and a short one, counted in work (2 and 12
    branch-and-bound nodes, `STRATEGY.nodes`; its own, 60 s, passes too): the
    copy starts from the base's allocation and keeps it unless it finds one better by more than the
    gap target, so whatever the search did, no decision and no KPI differs beyond the two cases' gaps; the
    terminal's caption and the workbook's cases sheet say 0 significant."""
    from quota_opt.input.validate import read_scenario
    from quota_opt.studies.compare import (
        Case,
        SolveSettings,
        cases_frame,
        run_cases,
        significance_sentence,
        significant_changes,
    )

    sc = read_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "hangzhou_example.xlsx")
    results = run_cases([Case("base", sc), Case("same", sc.copy())], workers=1,
                        solve=SolveSettings(time_limit_s=time_limit))
    assert all(r.ok for r in results)
    assert significant_changes(results)[1] == (set(), set())
    assert "其中超出求解间隙（显著）0 处" in significance_sentence(results, "zh")
    assert "0 of them beyond the solver's gaps" in significance_sentence(results, "en")
    frame = cases_frame(results, "en")
    assert pd.isna(frame["significant_changes"][0]) and frame["significant_changes"][1] == 0
    assert frame["significant_kpis"][1] == 0


def test_a_change_beyond_the_gaps_is_marked_significant(tmp_path: Path) -> None:
    """Quota 100 mu; A (60 mu, score 1.0), B (50 mu, 0.8), C (40 mu, 0.6): A + C (84). With 50 mu only B fits
    (40): both cases proved optimal (gaps about 0), objectives 84 and 40, so the three changes of selection are
    beyond the gaps (each project's own term moved by 24 to 60 points), and so are the KPIs that moved; the
    decisions sheet says so in its column, the cases sheet counts 3."""
    from quota_opt.studies.compare import Case, SolveSettings, run_cases, significant_changes

    weights = {"w_investment": 1.0, "w_output_per_mu": 0.0, "w_tax_per_mu": 0.0, "w_energy_efficiency": 0.0,
               "w_platform_score": 0.0}
    base = tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
                quotas={("A", 2026): {"new_land_quota": 100}}, **weights)
    less = base.copy()
    less.district_quotas["new_land_quota"] = 50.0
    results = run_cases([Case("base", base), Case("less", less)], workers=1, solve=SolveSettings(mip_gap=1e-9))
    projects, kpis = significant_changes(results)[1]  # type: ignore[misc]
    assert projects == {"A", "B", "C"} and {"objective", "projects_selected"} <= kpis
    assert "projects_eligible" not in kpis and "gap" not in kpis  # 3 eligible in both; the gap is the solver's
    path = cmp.write_comparison(results, tmp_path / "c.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    rows = list(wb[DECISIONS.name("en")].iter_rows(min_row=3, values_only=True))
    assert {r[0]: r[5] for r in rows} == {"A": "yes", "B": "yes", "C": "yes"}
    cases = list(wb[CASES.name("en")].iter_rows(values_only=True))
    col = cases[0].index(CASES.column("significant_changes").header("en"))
    assert cases[2][col] == 3


def test_a_share_has_no_relative_difference(flip: list[cmp.CaseResult]) -> None:
    """A KPI that is itself a share (the gap, a utilisation) differs in percentage points; its change relative to
    itself ("差值% 130%" for a gap) said nothing an official could use, so it is left blank."""
    frame = cmp.kpi_frame(flip)
    other = flip[1].name
    assert frame.loc["gap", (other, "delta_pct")] is None
    assert frame.loc["district_quota_utilisation", (other, "delta_pct")] is None
    assert frame.loc["objective", (other, "delta_pct")] is not None

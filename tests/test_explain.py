"""Explanations: a reason for every project, shadow prices, infeasibility in policy words, actuals, rollover, explain."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from builders import INVESTMENT_ONLY as SCORE_ONLY
from builders import golden, project, random_small, tiny
from prices import check_finite_differences
from quota_opt.cli.app import app
from quota_opt.core.scenario import Scenario
from quota_opt.input.results_read import read_results
from quota_opt.interpret.whatif import explain_project
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, RunResult, run_scenario
from quota_opt.prepare import check_and_prepare, read_scenario, validate_workbook
from quota_opt.solve.highs import Status
from quota_opt.studies.rollover import rollover

# major_priority = none: these cases' arithmetic is by score alone (a 10-亿元 project is major, and the strict
# major-project priority, tested in test_golden_policy.py, would hold the others back)
INVESTMENT_ONLY = {**SCORE_ONLY, "major_priority": "none"}

def abc() -> Scenario:
    """builders.golden (optimum A + C = 84 at 100 mu) with major_priority = none, as INVESTMENT_ONLY above: the
    thresholds' arithmetic is by score alone (under the strict priority, A, a 10-亿元 major, left out would keep B
    and C off the district quota, so B could never enter without A)."""
    sc = golden()
    sc.settings = sc.settings.replace(major_priority="none")
    return sc


def run(sc: Scenario) -> RunResult:
    assert not [p for p in check_and_prepare(sc)[0] if p.is_error]
    return run_scenario(sc, RunOptions(backend="highs", mip_gap=1e-9))


def reason_of(result: RunResult, pid: str) -> tuple[str, str, str]:
    assert result.plan is not None
    a = result.plan.allocation.set_index("project_id")
    return a.at[pid, "reason_code"], a.at[pid, "reason_zh"], a.at[pid, "reason_en"]


# --- one tiny workbook per reason code ------------------------------------------------------

PLENTY = {("A", 2026): {"new_land_quota": 1000}}


@pytest.mark.parametrize(("flags", "code", "zh_words", "en_words"), [
    ({"compliant": False}, "not_compliant", "不合规", "not compliant"),
    ({"approvable": False}, "not_approvable", "不可批", "cannot be approved"),
    ({"tax": 50.0 * 2}, "below_tax_standard", "亩均税收 2.00", "below the chain's entry standard of 5.00"),
    ({"energy": 50.0 * 100 * 0.5}, "above_energy_intensity", "能耗强度 0.50", "exceeds the chain's limit of 0.20"),
    ({"earliest_year": 2030, "latest_year": 2031}, "outside_window", "2030", "outside the planning horizon"),
])
def test_pre_model_reasons(flags: dict, code: str, zh_words: str, en_words: str) -> None:
    """Chain C1 asks ≥ 5 万元/亩 of tax and ≤ 0.2 tce per 万元 of output; the builder's default project
    makes 100 万元/亩 of output and 10 of tax and uses no energy."""
    chains = [{"chain_id": "C1", "name": "链一", "min_tax_per_mu": 5, "max_energy_intensity": 0.2}]
    sc = tiny([project("X", 50, **flags), project("OK", 50)], chains=chains, quotas=PLENTY)
    r = run(sc)
    got, zh, en = reason_of(r, "X")
    assert got == code
    assert zh_words in zh and en_words in en
    assert reason_of(r, "OK")[0] == "selected"


def test_misfit_excluded_under_exclude_policy() -> None:
    sc = tiny([project("M", 50, chain="C2"), project("V", 50, first_report_ok=False), project("OK", 50)],
              chains=[{"chain_id": "C1", "name": "链一"}, {"chain_id": "C2", "name": "链二"}],
              quotas=PLENTY, misfit_policy="exclude")
    r = run(sc)
    assert reason_of(r, "M")[0] == "excluded_misfit" and "布局导引" in reason_of(r, "M")[1]
    assert reason_of(r, "V")[0] == "excluded_misfit" and "first-report rule" in reason_of(r, "V")[2]


def test_platform_full() -> None:
    """Platform capacity 80 mu: A (60 mu, higher score) fits, B (50 mu) would exceed it."""
    platforms = [{"platform_id": "PA", "name": "平台", "district_id": "A", "key_chains": "C1", "evaluation_score": 80,
                  "land_capacity": 80}]
    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=5)], platforms=platforms, quotas=PLENTY,
              **INVESTMENT_ONLY)
    r = run(sc)
    code, zh, en = reason_of(r, "B")
    assert code == "platform_full" and "20.0 mu" in en and "平台 PA" in zh


def test_request_not_worth_its_penalty() -> None:
    """B (major, 0.5 score) could be supplied only by requesting 50 mu at 0.9 per mu > its 0.5 per mu."""
    sc = tiny([project("A", 100, investment=20), project("B", 50, investment=10)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 100}},
              province_request_penalty=0.9, major_investment_threshold=5, **INVESTMENT_ONLY)
    r = run(sc)
    code, _zh, en = reason_of(r, "B")
    assert code == "request_not_worth" and "requesting 50.0 mu" in en


def test_selected_project_says_what_funded_it() -> None:
    sc = tiny([project("P", 120, investment=12, provincial_major=True)], quotas={("A", 2026): {"new_land_quota": 50}},
              city={2026: {"provincial_reward_quota": 100}}, **INVESTMENT_ONLY)
    code, zh, en = reason_of(run(sc), "P")
    assert code == "selected"
    assert "区县指标 50.0 亩、省重大产业项目奖励指标 70.0 亩" in zh
    assert "district quota 50.0 mu, provincial pool 70.0 mu" in en


# --- shadow prices against finite differences -----------------------------------------------

def test_marginal_value_matches_finite_difference() -> None:
    """Quota 100 mu, A+C chosen (see the golden test); B (score 0.8 per mu) is the best project left out, so one
    more mu of quota is worth 0.8 — B's score — and the finite difference agrees."""
    sc = golden()
    r = run(sc)
    assert r.shadow is not None
    quota = r.shadow[r.shadow["constraint"] == "district_land_quota"].iloc[0]
    assert quota["marginal_value"] == pytest.approx(0.8, rel=1e-5)  # less the 1e-6 tie-break
    assert quota["marginal_project"] == "B"
    assert "B" in quota["reading_en"] and "0.8000" in quota["reading_zh"]
    # the district as the reasons name it: 甲区 (its name) in zh, A (its id) in en
    assert quota["reading_zh"].startswith("甲区2026年") and "(A in 2026)" in quota["reading_en"]
    assert "甲区" not in quota["reading_en"]
    assert check_finite_differences(r, "marginal", "marginal_value") >= 1


def test_fixed_selection_price_is_the_request_penalty_saved() -> None:
    """Mandatory M takes 100 mu of quota and requests 50 at 0.5 per mu: with the selection fixed, one more mu of
    district quota replaces one requested mu and is worth exactly the penalty, 0.5."""
    sc = tiny([project("M", 150, investment=2, city_led=True, mandatory=True)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 100}},
              major_investment_threshold=20, province_request_penalty=0.5, **INVESTMENT_ONLY)
    r = run(sc)
    assert r.shadow is not None
    quota = r.shadow[r.shadow["constraint"] == "district_land_quota"].iloc[0]
    assert quota["shadow_price"] == pytest.approx(0.5, rel=1e-5)
    assert check_finite_differences(r, "fixed", "shadow_price") >= 1


@pytest.mark.parametrize("seed", range(5))
def test_shadow_prices_match_finite_differences_on_random_scenarios(seed: int) -> None:
    r = run(random_small(seed))
    check_finite_differences(r, "marginal", "marginal_value")
    check_finite_differences(r, "fixed", "shadow_price")


# --- infeasibility --------------------------------------------------------------------------

def infeasible_scenario() -> Scenario:
    """Mandatory M needs 300 mu in 2026; district A has 120 mu and nothing else may supply it."""
    return tiny([project("M", 300, investment=20, mandatory=True), project("N", 40)],
                quotas={("A", 2026): {"new_land_quota": 120}})


def test_infeasible_report_names_project_district_and_shortfall(tmp_path: Path) -> None:
    r = run(infeasible_scenario())
    assert r.solution.status is Status.INFEASIBLE and r.plan is None
    items = r.infeasibility.items
    assert len(items) == 1
    it = items[0]
    assert (it.requirement, it.district_id, it.year, it.projects) == ("district_land_quota", "A", 2026, ["M"])
    assert it.shortfall == pytest.approx(180)
    assert "必保项目 M（用地 300.0 亩）需使用甲区2026年新增建设用地计划指标，" in it.messages["zh"]
    assert not re.search(r"[（）。，：；、“”] ", it.messages["zh"]), "no space after zh punctuation"
    assert "仅 120.0 亩，缺口 180.0 亩" in it.messages["zh"]
    assert "short by 180.0 mu" in it.messages["en"]
    # the district as a reason names it: 甲区 (its name) in zh, A (its id) in en
    assert "need the A 2026 district new-land quota," in it.messages["en"] and "甲区" not in it.messages["en"]


@pytest.mark.slow
def test_infeasible_cli_exits_3_and_writes_the_report(runner: CliRunner, tmp_path: Path) -> None:
    path = write_scenario(infeasible_scenario(), tmp_path / "inf.xlsx", "en")
    res = runner.invoke(app, ["run", str(path), "--lang", "en"])
    assert res.exit_code == 3, res.output
    assert "short by 180.0 mu" in res.output
    book = tmp_path / "inf_results.xlsx"
    import openpyxl

    wb = openpyxl.load_workbook(book)
    assert "infeasibility" in wb.sheetnames
    ws = wb["infeasibility"]
    assert [c.value for c in ws[1]][:5] == ["requirement", "district_id", "platform_id", "year", "shortfall"]
    assert ws["A2"].value == "district new-land quota"  # the requirement in words, not its key
    assert (ws["B2"].value, ws["C2"].value, ws["D2"].value) == ("A", None, 2026)
    assert ws["E2"].value == pytest.approx(180)


ACTUAL_Z = {"project_id": "Z", "year": 2026, "land_district_quota": 50, "land_provincial_pool": 0, "land_stock": 0,
            "land_province_request": 0, "energy_district": 0, "energy_city_pool": 0}


@pytest.mark.parametrize(("sc", "zh", "en"), [
    # 80 mu, of which the request supplies its cap of 20: 60 remain for A's 40 mu, so 20 short (80 − 20 − 40)
    (tiny([project("M", 80, investment=20, mandatory=True)], quotas={("A", 2026): {"new_land_quota": 40}},
          city={2026: {"province_request_cap": 20}}, major_investment_threshold=1),
     "必保项目 M（用地 80.0 亩）除向省争取 20.0 亩外，其余 60.0 亩需使用甲区2026年新增建设用地计划指标，"
     "但可用仅 40.0 亩，缺口 20.0 亩。",
     "Mandatory project(s) M (80.0 mu): besides province request 20.0 mu, the remaining 60.0 mu need the A 2026 "
     "district new-land quota, but only 40.0 mu is available: short by 20.0 mu."),
    # 250 tce, of which A's budget supplies 60: 190 remain for the city pool's 100, so 90 short
    (tiny([project("M", 50, investment=20, energy=250, mandatory=True)],
          quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 60}}, city={2026: {"city_energy_pool": 100}},
          major_investment_threshold=1),
     "必保项目 M（能耗 250 吨标准煤）除区县能耗 60 吨标准煤外，其余 190 吨标准煤需使用2026年市级统筹能耗指标，"
     "但可用仅 100 吨标准煤，缺口 90 吨标准煤。",
     "Mandatory project(s) M (250 tce): besides district budget 60 tce, the remaining 190 tce need the 2026 city "
     "energy pool, but only 100 tce is available: short by 90 tce."),
    # 100 mu in 2027 against 50 of 2027's own and 30 carried over from 2026: 20 short
    (tiny([project("M", 100, investment=20, mandatory=True, earliest_year=2027, latest_year=2027)],
          quotas={("A", 2026): {"new_land_quota": 30}, ("A", 2027): {"new_land_quota": 50}}, horizon_years=2,
          carryover_allowed=True),
     "必保项目 M（用地 100.0 亩）需使用甲区2027年新增建设用地计划指标，但可用仅 80.0 亩"
     "（本年余量 50.0 亩 + 以前年度结转 30.0 亩），缺口 20.0 亩。",
     "Mandatory project(s) M (100.0 mu) need the A 2027 district new-land quota, but only 80.0 mu is available "
     "(50.0 mu left this year + 30.0 mu carried over from earlier years): short by 20.0 mu."),
    # 30 mu, where Z's actuals already took 50 of A's 40: 30 + 10 short
    (tiny([project("M", 30, investment=20, mandatory=True), project("Z", 50)],
          quotas={("A", 2026): {"new_land_quota": 40}}, actuals=[ACTUAL_Z]),
     "必保项目 M（用地 30.0 亩）需使用甲区2026年新增建设用地计划指标，但该指标已被执行数据超用 10.0 亩，缺口 40.0 亩。",
     "Mandatory project(s) M (30.0 mu) need the A 2026 district new-land quota, but the actuals already overdraw it "
     "by 10.0 mu: short by 40.0 mu."),
    # M (200 mu, 2027 only) draws 2026's 100 mu forward: 2026 gives way, 190 carried on 100 of its own, 90 short
    (tiny([project("M", 200, investment=20, mandatory=True, earliest_year=2027, latest_year=2027)],
          quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 10}}, horizon_years=2,
          carryover_allowed=True),
     "甲区2026年新增建设用地计划指标已超用 90.0 亩（本年余量 100.0 亩 − 结转以后年度 190.0 亩）。",
     "The A 2026 district new-land quota is overdrawn by 90.0 mu (100.0 mu left this year − 190.0 mu carried into "
     "later years)."),
], ids=["request", "city_energy", "carry_in", "actuals", "carry_out"])
@pytest.mark.slow
def test_the_infeasibility_report_s_numbers_add_up(runner: CliRunner, tmp_path: Path, sc: Scenario, zh: str, en: str) -> None:
    """The report's figures add up for the reader: the mandatory projects' demand, less what other sources already
    give them in the elastic solution, is the need left for the quota that gives way; less what that quota has
    (with carry-over, less an overdraft by the actuals), the shortfall. It read "M (80.0 mu) need the A 2026
    district new-land quota, but only 40.0 mu is available: short by 20.0 mu", the request's 20 mu unsaid; the
    carry-over and the actuals' overdraft went unsaid too, and a quota drawn on by a later year's carry-over was
    "overdrawn by the actuals" with no actuals. Each case is a workbook run by the CLI, in zh and in en."""
    for lang, words in (("zh", zh), ("en", en)):
        path = write_scenario(sc, tmp_path / f"inf_{lang}.xlsx", lang)
        res = runner.invoke(app, ["run", str(path), "--lang", lang])
        assert res.exit_code == 3, res.output
        import openpyxl

        from quota_opt.core.results_schema import INFEASIBILITY

        ws = openpyxl.load_workbook(tmp_path / f"inf_{lang}_results.xlsx")[INFEASIBILITY.name(lang)]
        messages = [row[7].value for row in ws.iter_rows(min_row=2)]
        assert re.sub(r"\s", "", words) in re.sub(r"\s", "", res.output), res.output  # the terminal says it too
        assert len(messages) == 1 and words in messages[0], messages


def test_the_infeasibility_report_names_a_quota_as_the_reasons_and_explain_do() -> None:
    """A quota with its district and year reads as the reasons (reasons.quota_words) and explain's thresholds give
    it, "A 2026 district new-land quota", "2026 city energy pool": the infeasibility report's English put the
    district or year after the name ("the district new-land quota of A 2026", "the city energy pool of 2026")."""
    district = run(infeasible_scenario()).infeasibility.items[0]
    city = run(tiny([project("M", 50, investment=20, energy=250, mandatory=True)],
                    quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 0}},
                    city={2026: {"city_energy_pool": 100}}, major_investment_threshold=1)).infeasibility.items[0]
    assert city.requirement == "city_energy_pool"
    assert "need the A 2026 district new-land quota, but only 120.0 mu" in district.messages["en"]
    assert "需使用甲区2026年新增建设用地计划指标，但可用仅 120.0 亩" in district.messages["zh"]
    assert "need the 2026 city energy pool, but only 100 tce" in city.messages["en"]
    assert "需使用2026年市级统筹能耗指标，但可用仅 100 吨标准煤" in city.messages["zh"]


def test_infeasible_platform_capacity_is_named_as_a_platform(runner: CliRunner, tmp_path: Path) -> None:
    """Mandatory M needs 300 mu on platform PA, which holds 200: the report names the platform in its own
    column (not as a district) and the requirement in words, in either language."""
    sc = tiny([project("M", 300, investment=20, mandatory=True)], quotas={("A", 2026): {"new_land_quota": 500}},
              platforms=[{"platform_id": "PA", "name": "平台A", "district_id": "A", "key_chains": "C1",
                          "evaluation_score": 80, "land_capacity": 200}])
    it = run(sc).infeasibility.items[0]
    assert (it.requirement, it.district_id, it.platform_id, it.shortfall) == (
        "platform_land_capacity", None, "PA", pytest.approx(100))
    assert it.label("zh") == "平台用地容量" and "平台 PA 用地容量" in it.messages["zh"]
    path = write_scenario(sc, tmp_path / "cap.xlsx", "zh")
    assert runner.invoke(app, ["run", str(path)]).exit_code == 3
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "cap_results.xlsx")["不可行原因"]
    assert [ws.cell(row=2, column=c).value for c in (1, 2, 3)] == ["平台用地容量", None, "PA"]


# --- actuals and rollover -------------------------------------------------------------------

def test_actuals_fix_the_past_and_earn_rewards() -> None:
    """X was supplied in 2025 from 40 mu of stock (major, city-eligible) → 0.5 × 40 = 20 mu of reward quota in 2026.
    Z is fixed in 2026 using 30 of the district's 50 mu. Left: 50 − 30 + 20 = 40 mu for Y (40 mu): it fits exactly."""
    sc = tiny([project("X", 40, investment=20, stock_land_eligible=True), project("Z", 30, investment=5),
               project("Y", 40, investment=5)],
              quotas={("A", 2026): {"new_land_quota": 50}}, reward_ratio=0.5,
              actuals=[{"project_id": "X", "year": 2025, "land_stock": 40},
                       {"project_id": "Z", "year": 2026, "land_district_quota": 30}])
    r = run(sc)
    assert r.plan is not None
    a = r.plan.allocation.set_index("project_id")
    assert a.at["X", "status"] == "actual" and a.at["Z", "status"] == "actual"
    assert a.at["Y", "selected"] and a.at["Y", "land_district_quota"] == pytest.approx(40)
    led = r.plan.ledger.iloc[0]
    assert (led["issued"], led["reward_received"], led["used"]) == pytest.approx((50, 20, 70))
    assert "actuals" in a.at["Z", "reason_en"]


@pytest.mark.slow
def test_rollover_of_a_plan_validates_and_runs(tmp_path: Path) -> None:
    sc = random_small(3)
    r = run(sc)
    assert r.plan is not None
    nxt, note = rollover(sc, r.plan.allocation, r.plan.ledger, sc.settings.base_year)
    assert nxt.settings.base_year == sc.settings.base_year + 1
    assert set(note.recorded) == set(r.plan.allocation.query("status == 'selected' and year == @sc.settings.base_year")
                                     ["project_id"])
    path = write_scenario(nxt, tmp_path / "next.xlsx", "zh")
    again = read_scenario(path)  # validates
    r2 = run(again)
    assert r2.solution.status is Status.OPTIMAL and r2.plan is not None
    recorded = r2.plan.allocation.set_index("project_id").loc[note.recorded]
    assert (recorded["status"] == "actual").all()


@pytest.mark.slow
def test_rollover_of_projects_supplied_in_the_last_window_year_validates(tmp_path: Path) -> None:
    """X (latest supply year 2026, earliest blank) and Y (2026–2026) are supplied in 2026; rolled over to 2027 they
    stay as projects with an actuals row, their windows as typed. The rolled-over workbook failed to validate:
    X's window read as 2027 (blank: the new base year) to 2026, an error, and Y was told it misses the horizon and
    cannot be scheduled. A supplied project's window is history (prepare gives it ALREADY_SUPPLIED first): it is
    not checked, and the workbook the rollover writes validates and runs."""
    sc = tiny([project("X", 30, latest_year=2026), project("Y", 20, earliest_year=2026, latest_year=2026),
               project("Z", 40)], quotas={("A", 2026): {"new_land_quota": 50}, ("A", 2027): {"new_land_quota": 40}},
              horizon_years=2)
    r = run(sc)
    assert r.plan is not None
    nxt, note = rollover(sc, r.plan.allocation, r.plan.ledger, 2026)
    assert set(note.recorded) == {"X", "Y"}
    path = write_scenario(nxt, tmp_path / "next.xlsx", "zh")
    report = validate_workbook(path)
    assert report.ok and not [p for p in report.warnings if p.code.startswith("window")], report.messages("zh")
    r2 = run(report.scenario)
    assert r2.plan is not None
    a = r2.plan.allocation.set_index("project_id")
    assert list(a.loc[["X", "Y"], "status"]) == ["actual", "actual"] and a.at["Z", "selected"]


@pytest.mark.slow
def test_rollover_cli_reads_the_adopted_results(runner: CliRunner, tmp_path: Path) -> None:
    sc = random_small(5)
    path = write_scenario(sc, tmp_path / "plan.xlsx", "zh")
    assert runner.invoke(app, ["run", str(path)]).exit_code == 0
    book = read_results(tmp_path / "plan_results.xlsx")
    assert book.lang == "zh" and book.summary["input_file"] == "plan.xlsx"
    res = runner.invoke(app, ["rollover", str(tmp_path / "plan_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", str(sc.settings.base_year)])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["validate", str(tmp_path / "next.xlsx")]).exit_code == 0
    res = runner.invoke(app, ["rollover", str(tmp_path / "plan_results.xlsx"), "-o", str(tmp_path / "late.xlsx"),
                              "--year", "2099"])  # the option is wrong, not a row: the message says so
    assert res.exit_code == 1 and "--year 2099 不在该方案的规划期" in res.output and "该行已忽略" not in res.output


# --- explain: thresholds found by re-solving ------------------------------------------------

@pytest.mark.slow
def test_explain_thresholds_by_hand() -> None:
    """Quota 100 mu; A (60 mu, score 1.0), B (50 mu, 0.8), C (40 mu, 0.6); optimum A + C = 84, B left out.
    - score: B + C (90 mu) beats A + C when 50·s + 24 > 84, i.e. s > 1.2 (A + B needs 110 mu);
    - land demand: with L ≤ 40, A + B fits: 60 + 0.8·L > 84 when L > 30, so the largest demand that flips is 40;
    - quota: with 110 mu, A + B = 100 > 84: the quota would need to be 110.
    """
    sc = abc()
    ex = explain_project(sc, "B", RunOptions(backend="highs", mip_gap=1e-9))
    th = {t.what: t for t in ex.thresholds}
    assert not ex.selected
    assert th["score"].flip_at == pytest.approx(1.2, rel=0.01)
    assert th["land_demand"].flip_at == pytest.approx(40, rel=0.01)
    assert th["quota"].flip_at == pytest.approx(110, rel=0.01)
    # the quota is named with its district as B's reason names it: by name in zh, by id in en
    assert th["quota"].label == {"zh": "甲区2026年新增建设用地计划指标", "en": "A 2026 district new-land quota"}
    assert "甲区新增建设用地计划指标" in ex.reason["zh"] and "A district new-land quota" in ex.reason["en"]


def _funded(sc: Scenario, pid: str, *, quota: float | None = None, land: float | None = None) -> bool:
    """Whether `pid` is funded by a solve of `sc` with A's 2026 quota or pid's land demand set."""
    sc = sc.copy()
    if quota is not None:
        sc.district_quotas["new_land_quota"] = quota
    if land is not None:
        sc.projects.loc[sc.projects["project_id"] == pid, "land_demand"] = land
    return bool(reason_of(run(sc), pid)[0] == "selected")


@pytest.mark.slow
def test_explain_thresholds_are_exact_on_the_side_their_note_states() -> None:
    """Quota 100 mu; X (50 mu, score 1.0, value 50) and Y (score 0.5, value 0.5 per mu); one district, one year.
    Funded Y (33 mu): X + Y fit while the quota is at least 50 + 33 = 83 and Y's demand at most 100 − 50 = 50; below
    that only one fits, and X (50) beats Y (16.5): the drop points are 83.0 and 50.0 mu, at which Y is still funded
    ("funded as long as…"). The search had stopped on the dropped side: 82.9 mu (82.91), a quota at which Y is
    dropped, as XM002's 47.9 for 48.0 (generate --projects 40 --districts 4 --years 3 --seed 5).
    Y left out (60 mu): X + Y fit from a quota of 50 + 60 = 110 and at a demand of 50; Y alone beats X when
    0.5·m·60 > 50, a score of 0.8333… (and the tie-breaks' millionths), so from 0.8334: the entry points are 110.0 mu,
    50.0 mu and 0.8334, at which Y is selected. The search had said 110.1 (110.08) and 0.8359 for the score."""
    funded = tiny([project("X", 50, investment=10), project("Y", 33, investment=5)],
                  quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    ex = explain_project(funded, "Y", RunOptions(backend="highs", mip_gap=1e-9))
    th = {t.what: t for t in ex.thresholds}
    assert ex.selected
    assert th["quota"].flip_at == 83.0 and th["land_demand"].flip_at == 50.0
    assert "at least" in th["quota"].note["en"] and "at most" in th["land_demand"].note["en"]
    assert _funded(funded, "Y", quota=83.0) and not _funded(funded, "Y", quota=82.9)
    assert _funded(funded, "Y", land=50.0) and not _funded(funded, "Y", land=50.1)

    left_out = tiny([project("X", 50, investment=10), project("Y", 60, investment=5)],
                    quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    ex = explain_project(left_out, "Y", RunOptions(backend="highs", mip_gap=1e-9))
    th = {t.what: t for t in ex.thresholds}
    assert not ex.selected
    assert (th["quota"].flip_at, th["land_demand"].flip_at, th["score"].flip_at) == (110.0, 50.0, 0.8334)
    assert _funded(left_out, "Y", quota=110.0) and not _funded(left_out, "Y", quota=109.9)
    assert _funded(left_out, "Y", land=50.0) and not _funded(left_out, "Y", land=50.1)


@pytest.mark.slow
@pytest.mark.parametrize("short", ["land", "energy"])
def test_explain_finds_the_quota_a_project_is_too_big_for(short: str) -> None:
    """X (50 mu, 200 tce) is alone in A, with 30 mu of quota (or 120 tce of budget): it is left out, the quota too
    small. Raising that quota to X's demand lets it in, and explain must say so: it said no change in the searched
    range flips it, because the model it re-solved had no variable for X in a year X did not fit (model._pairs
    leaves those out), so raising the quota's row could never select X."""
    quota = {"new_land_quota": 30, "energy_budget": 1000} if short == "land" else \
        {"new_land_quota": 100, "energy_budget": 120}
    sc = tiny([project("X", 50, energy=200)], quotas={("A", 2026): quota}, **INVESTMENT_ONLY)
    ex = explain_project(sc, "X", RunOptions(backend="highs", mip_gap=1e-9))
    assert not ex.selected and reason_of(run(sc), "X")[0] == "quota_short"
    th = next(t for t in ex.thresholds if t.what == "quota")
    assert th.current == pytest.approx(30 if short == "land" else 120)
    assert th.flip_at == pytest.approx(50 if short == "land" else 200, rel=0.01)


@pytest.mark.slow
def test_a_quota_has_one_name_in_every_report() -> None:
    """The district new-land quota reads the same in explain's threshold, the left-out reason, the shadow prices
    sheet and the infeasibility report, in zh and en: explain called it 区县新增建设用地指标 / "district land
    quota", the reasons 区县新增建设用地计划指标, the other two 区县新增建设用地指标. The name is the policy's
    (五(一) 新增建设用地计划指标) and the district quotas sheet's label, qualified as the district's."""
    sc = abc()
    ex = explain_project(sc, "B", RunOptions(backend="highs", mip_gap=1e-9))
    threshold = next(t.label for t in ex.thresholds if t.what == "quota")
    r = run(sc)
    assert r.shadow is not None
    shadow = r.shadow[r.shadow["constraint"] == "district_land_quota"].iloc[0]
    conflict = run(infeasible_scenario()).infeasibility.items[0]
    # in zh a district's quota after the district's name drops the 区县 its name says (甲区新增建设用地计划指标)
    for lang, name, alone, where in (("zh", "新增建设用地计划指标", "区县新增建设用地计划指标", "甲区2026年"),
                                     ("en", "district new-land quota", "district new-land quota", "A 2026 ")):
        assert threshold[lang] == where + name
        assert name in ex.reason[lang] and name in reason_of(r, "B")[1 if lang == "zh" else 2]
        assert shadow[f"quota_{lang}"] == alone
        assert conflict.label(lang) == alone and threshold[lang] in conflict.messages[lang]


@pytest.mark.slow
def test_the_platform_capacity_has_one_name_in_every_report() -> None:
    """Platform PA holds 100 mu: A (60 mu, scored higher) takes it, leaving 40 for B (50 mu), so B is left out
    with PA full; mandatory M (300 mu) on a 200-mu PA is infeasible. Explain's threshold, B's reason and M's
    infeasibility message name the capacity alike, from QUOTA_NAMES' 平台用地容量 / "platform land capacity"
    (reasons.quota_words). They read 平台 PA 用地容量, 平台 PA 的用地容量 and 平台 PA 的平台用地容量 (en: "platform
    PA land capacity", "Platform PA had only … mu of capacity", "the platform land capacity of platform PA's")."""
    pa = {"platform_id": "PA", "name": "平台A", "district_id": "A", "key_chains": "C1", "evaluation_score": 80}
    sc = tiny([project("A", 60, investment=10, platform="PA"), project("B", 50, investment=8, platform="PA")],
              quotas=PLENTY, platforms=[{**pa, "land_capacity": 100}], **INVESTMENT_ONLY)
    ex = explain_project(sc, "B", RunOptions(backend="highs", mip_gap=1e-9))
    threshold = next(t.label for t in ex.thresholds if t.what == "quota")
    r = run(sc)
    assert reason_of(r, "B")[0] == "platform_full"
    conflict = run(tiny([project("M", 300, investment=20, mandatory=True, platform="PA")], quotas=PLENTY,
                        platforms=[{**pa, "land_capacity": 200}])).infeasibility.items[0]
    for lang, name in (("zh", "平台 PA 用地容量"), ("en", "platform PA land capacity")):
        assert threshold[lang] == name
        assert name in ex.reason[lang] and name in reason_of(r, "B")[1 if lang == "zh" else 2]
        assert name in conflict.messages[lang]


def test_quota_names_are_the_quota_sheets_labels() -> None:
    """Each report's name for a quota is the label of the column it is entered in: verbatim for the city's
    (the city quotas sheet; the request cap read 向省争取指标上限 where the sheet says 可向省争取指标上限), and the
    district quotas or districts sheet's label marked as the district's for a district's."""
    from quota_opt.core.schema import SHEETS_BY_KEY
    from quota_opt.interpret.reasons import QUOTA_NAMES

    def label(sheet: str, column: str) -> tuple[str, str]:
        col = SHEETS_BY_KEY[sheet].column(column)
        return col.label_zh, col.label_en.lower()

    assert QUOTA_NAMES["provincial_reward_pool"] == label("city_quotas", "provincial_reward_quota")
    assert QUOTA_NAMES["province_request_cap"] == label("city_quotas", "province_request_cap")
    assert QUOTA_NAMES["city_energy_pool"] == label("city_quotas", "city_energy_pool")
    assert QUOTA_NAMES["stock_inventory"] == label("districts", "stock_land_initial")
    assert QUOTA_NAMES["district_energy_budget"][0] == label("district_quotas", "energy_budget")[0]
    assert QUOTA_NAMES["district_land_quota"][0] == "区县" + label("district_quotas", "new_land_quota")[0]


def misfit_and_pool() -> Scenario:
    """District A's energy budget is 100 tce and the city energy pool 200 tce: F (50 mu, 150 tce) draws on the pool;
    M, a layout misfit (chain C2 on a C1 platform) needing 150 tce, may not, and is left out (test_golden)."""
    return tiny([project("M", 50, investment=20, energy=150, chain="C2"), project("F", 50, investment=10, energy=150)],
                chains=[{"chain_id": "C1", "name": "链一"}, {"chain_id": "C2", "name": "链二"}],
                quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 100}},
                city={2026: {"city_energy_pool": 200}}, **INVESTMENT_ONLY)


def _texts(path: Path) -> dict[str, list[str]]:
    """Every text cell of a workbook, by sheet name."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {ws.title: [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
            for ws in wb.worksheets}


@pytest.mark.slow
def test_the_city_energy_pool_has_one_name_in_every_report(tmp_path: Path) -> None:
    """The city energy pool (五(二) 市级统筹能耗) is 市级统筹能耗 wherever a zh reader meets it, as the city quotas
    sheet (市级统筹能耗指标) and the reasons name it: the allocation sheet's column read 市级能耗(吨标准煤), the
    districts sheet's 使用市级能耗(吨标准煤), the charts' data 使用市级能耗, the misfit reason 市级能耗, the
    actuals sheet's column 使用市级能耗 and compare's sources 市级能耗300吨标准煤."""
    from quota_opt.studies.compare import sources_text

    sc = misfit_and_pool()
    r = run(sc)
    assert reason_of(r, "M")[0] == "misfit_district_short"
    texts = _texts(write_results(r, tmp_path / "r.xlsx", "zh"))
    texts["上年执行"] = _texts(write_scenario(sc, tmp_path / "s.xlsx", "zh"))["上年执行"]
    assert [(sheet, t) for sheet, ts in texts.items() for t in ts if "市级能耗" in t] == []
    assert "市级统筹能耗(吨标准煤)" in texts["项目分配"] and "使用市级统筹能耗(吨标准煤)" in texts["区县汇总"]
    assert "使用市级统筹能耗" in texts["图表"] and "使用市级统筹能耗" in texts["上年执行"]
    assert "省重大产业项目奖励指标、向省争取、市级统筹能耗" in reason_of(r, "M")[1]
    assert sources_text({"energy_city_pool": 300.0}, "zh") == "市级统筹能耗300吨标准煤"


def test_the_province_request_cap_is_named_as_the_city_quotas_sheet_names_it() -> None:
    """A year's request cap is 向省争取上限 (the city quotas sheet, the reasons; it was 可向省争取指标上限, which read
    as quota the city may draw on): the results' city sheet said 可向省争取上限(亩). The settings sheet's figure is
    no second cap but the default for each year the city quotas sheet leaves blank (prepare), and its label says
    so after the same name, as each help names the other; it read 向省争取指标年上限 / "Province request cap", which named it as the per-year figure."""
    from quota_opt.core.results_schema import CITY
    from quota_opt.core.schema import SHEETS_BY_KEY
    from quota_opt.interpret.reasons import QUOTA_NAMES

    per_year = SHEETS_BY_KEY["city_quotas"].column("province_request_cap")
    default = SHEETS_BY_KEY["settings"].column("province_request_cap")
    assert QUOTA_NAMES["province_request_cap"] == (per_year.label_zh, per_year.label_en.lower())
    assert CITY.column("province_request_cap").label_zh == per_year.label_zh + "(亩)"
    assert (default.label_zh, default.label_en) == (per_year.label_zh + "默认值", "Default " + per_year.label_en.lower())
    assert default.label_zh in per_year.help_zh and per_year.label_zh in default.help_zh
    assert "可" not in per_year.label_zh + default.label_zh  # a cap on asking, not quota one has


def abc_explained(runner: CliRunner, tmp_path: Path) -> tuple[Path, Any]:
    """The A/B/C scenario above (optimum A + C) written to s.xlsx and run; then `explain` of B from its results
    workbook. Returns the scenario's path and the explain command's result."""
    sc = abc()
    path = write_scenario(sc, tmp_path / "s.xlsx", "en")
    assert runner.invoke(app, ["run", str(path), "--lang", "en"]).exit_code == 0
    res = runner.invoke(app, ["explain", str(tmp_path / "s_results.xlsx"), "B", "--lang", "en"])
    assert res.exit_code == 0, res.output
    return path, res


@pytest.mark.slow
def test_explain_cli_on_results_workbook(runner: CliRunner, tmp_path: Path) -> None:
    _, res = abc_explained(runner, tmp_path)
    assert "Out-competed" in res.output and "1.2" in res.output


@pytest.mark.slow
def test_every_unselected_project_has_a_reason_on_random_scenarios(tmp_path: Path) -> None:
    for seed in range(10):
        r = run(random_small(seed))
        assert r.plan is not None
        a = r.plan.allocation
        assert a["reason_zh"].str.len().min() > 5 and a["reason_en"].str.len().min() > 5
        assert not a.loc[~a["selected"], "reason_code"].isin(["selected", "actual"]).any()
        led = r.plan.ledger
        balance = led["opening"] + led["issued"] + led["reward_received"] - led["used"] - led["lapsed"] - led["closing"]
        assert np.abs(balance).max() < 1e-6
        write_results(r, tmp_path / f"r{seed}.xlsx", "zh")


def test_outcompeted_reason_names_its_unit_in_words() -> None:
    """Quota 100 mu; A (60 mu) and C (40 mu) use all of it, so B (50 mu) is out-competed with 0 mu left. The
    unit is a word in each language, never the {zh, en} pair it is kept in."""
    sc = golden()
    code, zh, en = reason_of(run(sc), "B")
    assert code == "outcompeted"
    assert "仅剩 0.0 亩" in zh and "所需 50.0 亩" in zh
    assert "0.0 mu left" in en and "the 50.0 mu needed" in en
    assert "{" not in zh + en


def test_a_small_remainder_in_a_reason_never_reads_as_0() -> None:
    """Quota 100.04 mu; A (60 mu) and C (40 mu) use 100 of it, so B (50 mu) is out-competed with 0.04 mu left. The
    reason gives the remainder as outputs.amount_text does (0.04), not as 0.0, which would say nothing was left."""
    sc = golden(100.04)
    code, zh, en = reason_of(run(sc), "B")
    assert code == "outcompeted"
    assert "仅剩 0.04 亩" in zh and "所需 50.0 亩" in zh
    assert "only 0.04 mu left" in en and "the 50.0 mu needed" in en
    assert "甲区新增建设用地计划指标 0.04" in zh and "仅剩 0.0 " not in zh and " 0.0 mu left" not in en


def energy_rivals() -> Scenario:
    """The city energy pool (300 tce) goes to H (district A, 250 tce, score 1.0); X (district B, 200 tce, score
    0.5) may use B's own budget (50 tce, which nobody uses) and what H left of the pool (50 tce): 100 < 200."""
    districts = [{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}]
    return tiny([project("H", 10, investment=10, energy=250), project("X", 10, district="B", investment=5, energy=200)],
                districts=districts, quotas={("A", 2026): {"new_land_quota": 100, "energy_budget": 0},
                                             ("B", 2026): {"new_land_quota": 100, "energy_budget": 50}},
                city={2026: {"city_energy_pool": 300}}, major_investment_threshold=1, **INVESTMENT_ONLY)


def test_outcompeted_reason_names_each_source_with_what_it_had_left() -> None:
    """X lost the city pool to H: the reason gives each source's own amount left (B's budget 50, the pool 50,
    together 100), names the pool as the quota it lost and H as the score to beat; never 'nan'."""
    code, zh, en = reason_of(run(energy_rivals()), "X")
    assert code == "outcompeted"
    assert "仅剩 100 吨标准煤（乙区能耗指标 50、市级统筹能耗指标 50），不足项目所需 200 吨标准煤" in zh
    assert "only 100 tce left (B district energy budget 50, city energy pool 50), short of the 200 tce needed" in en
    assert "the city energy pool went to higher-scored projects (lowest funded score 1.0000, project H" in en
    assert "nan" not in zh + en


def test_a_quota_nobody_else_used_is_too_small_not_lost() -> None:
    """Alone in B with 50 tce of its own budget and no pool, X (200 tce) is short, but of nothing another project
    took: the reason says the quota is too small, not that X was out-competed."""
    sc = energy_rivals()
    sc.city_quotas["city_energy_pool"] = 0.0
    sc.projects = sc.projects[sc.projects["project_id"] == "X"].reset_index(drop=True)
    code, zh, en = reason_of(run(sc), "X")
    assert code == "quota_short"
    assert "仅剩 50 吨标准煤（乙区能耗指标 50" in zh and "no other project drew on these quotas" in en
    assert "nan" not in zh + en and "Out-competed" not in en


EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.mark.slow
def test_explain_platform_full_names_the_platform_capacity(runner: CliRunner) -> None:
    """small_en's P07 (40 mu) is left out because platform E-BP (120 mu) had 30 mu left: explain names that
    capacity as the quota to change (10 mu more, 130, would let it in) instead of failing."""
    res = runner.invoke(app, ["explain", str(EXAMPLES / "small_en.xlsx"), "P07", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "The platform E-BP land capacity had only 30.0 mu left" in res.output
    quota = explain_project(read_scenario(EXAMPLES / "small_en.xlsx"), "P07").thresholds[-1]
    assert quota.label["en"] == "platform E-BP land capacity"
    assert (quota.current, quota.flip_at) == pytest.approx((120, 130), rel=0.01)


@pytest.mark.slow
def test_explain_on_results_explains_the_adopted_plan(runner: CliRunner, tmp_path: Path) -> None:
    """The bureau adopted B + C (90 of the 100 mu) rather than the optimum A + C. Explaining A from that results
    workbook speaks of the adopted plan: A is left out, with the 10 mu B and C left, not the re-solved optimum in
    which A is funded."""
    path, res = abc_explained(runner, tmp_path)
    assert "adopted plan in the results workbook" in res.output
    adopted = read_results(tmp_path / "s_results.xlsx").allocation.set_index("project_id")
    adopted.loc["A", ["selected", "status", "year", "land_district_quota"]] = [False, "not_selected", None, 0.0]
    adopted.loc["B", ["selected", "status", "year", "land_district_quota"]] = [True, "selected", 2026, 50.0]
    ex = explain_project(read_scenario(path), "A", RunOptions(backend="highs", mip_gap=1e-9),
                         adopted=adopted.reset_index())
    assert not ex.selected
    assert "only 10.0 mu left" in ex.reason["en"] and "仅剩 10.0 亩" in ex.reason["zh"]
    assert ex.source["en"] == "Explaining the adopted plan in the results workbook."


@pytest.mark.slow
def test_explain_on_results_with_actuals_explains_the_adopted_plan(runner: CliRunner, tmp_path: Path) -> None:
    """A scenario with actuals (X supplied in 2025, before the horizon; Z in 2026, fixed), run and explained from its
    results workbook, nothing edited: explain said the results workbook's plan no longer fits its scenario (one of
    them was edited) and explained a new solve, for every project of every rolled-over scenario. The allocation's
    actual rows are the scenario's actuals, not decisions to rebuild (X's year is not even in the horizon)."""
    sc = tiny([project("X", 40, investment=20, stock_land_eligible=True), project("Z", 30, investment=5),
               project("Y", 40, investment=5)],
              quotas={("A", 2026): {"new_land_quota": 50}}, reward_ratio=0.5,
              actuals=[{"project_id": "X", "year": 2025, "land_stock": 40},
                       {"project_id": "Z", "year": 2026, "land_district_quota": 30}])
    path = write_scenario(sc, tmp_path / "s.xlsx", "en")
    assert runner.invoke(app, ["run", str(path), "--lang", "en"]).exit_code == 0
    for pid in ("Y", "Z"):
        res = runner.invoke(app, ["explain", str(tmp_path / "s_results.xlsx"), pid, "--lang", "en"])
        assert res.exit_code == 0, res.output
        assert "Explaining the adopted plan in the results workbook." in res.output, res.output
    adopted = read_results(tmp_path / "s_results.xlsx").allocation
    ex = explain_project(read_scenario(path), "Y", RunOptions(backend="highs"), adopted=adopted)
    assert ex.selected and ex.source["en"] == "Explaining the adopted plan in the results workbook."
    # an actual row the scenario no longer has (its actuals row deleted since) is an edit: a new solve, said so
    edited = read_scenario(path)
    edited.actuals = edited.actuals[edited.actuals["project_id"] != "Z"].reset_index(drop=True)
    assert "no longer fits" in explain_project(edited, "Y", RunOptions(backend="highs"), adopted=adopted).source["en"]


def test_explain_unknown_project_lists_known_ids(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["explain", str(EXAMPLES / "small_en.xlsx"), "P99", "--lang", "en"])
    assert res.exit_code == 1
    assert "known: P01, P02" in res.output and "?" not in res.output


@pytest.mark.slow
@pytest.mark.parametrize(("workbook", "lang", "where"), [
    ("hangzhou_example.xlsx", "en", "sheet 项目 (projects), project_id (Project id): "),
    ("hangzhou_example.xlsx", "zh", "工作表 项目(projects)，项目编号(project_id)："),
    ("small_en.xlsx", "zh", "工作表 projects(项目)，项目编号(project_id)："),
    ("small_en.xlsx", "en", "sheet projects, project_id (Project id): "),
])
def test_explain_unknown_project_names_the_sheet_as_the_workbook_does(runner: CliRunner, workbook: str, lang: str, where: str) -> None:
    """An unknown project id is placed as validate places a bad reference: on the projects sheet under the name the
    scenario workbook gives it (项目 in the zh example, projects in the en one), with its key; not by key alone."""
    res = runner.invoke(app, ["explain", str(EXAMPLES / workbook), "P99", "--lang", lang])
    assert res.exit_code == 1
    assert where in res.output


@pytest.mark.slow
def test_explain_table_reads_well() -> None:
    """X (energy_rivals) is explained with its binding quota, the 300-tce city pool: amounts in whole tce with
    thousands separators, never 1e+04 notation; a threshold with no flip is a sentence, not 'no flip in range mu'."""
    from quota_opt.interpret.whatif import Threshold, amount_text, flip_text

    ex = explain_project(energy_rivals(), "X", RunOptions(backend="highs", mip_gap=1e-9))
    quota = ex.thresholds[-1]
    assert amount_text(quota.current, quota.unit, "en") == "300 tce"
    assert amount_text(27850.0, quota.unit, "zh") == "27,850 吨标准煤"
    none = Threshold("land_demand", {"zh": "用地需求", "en": "land demand"}, 40.0, None, {"zh": "亩", "en": "mu"})
    assert flip_text(none, "en") == "no change in the searched range flips it"
    assert flip_text(none, "zh") == "在搜索范围内不会改变决定"


@pytest.mark.slow
def test_explain_counts_its_re_solves_and_says_when_a_threshold_is_approximate() -> None:
    """explain reports its progress as (done, total, elapsed): done climbs by one per re-solve up to the count it
    reports (and again when the expected total changes), total never below done, and the last call has done = total. A score threshold rests on the plan
    without the project (here worth 100, bound 100) and with it in a year less its own term (80, bound 80): with a
    term of 40 per unit of multiplier, the project wins above (100 − 80) / 40 = 0.5 of its score 1.0, so 0.5001;
    when the bound with it is 80.01 instead, the multiplier lies in [0.49975, 0.5] and the threshold in [0.4998,
    0.5001]: approximate, as it is when a re-solve behind it was not proved."""
    from quota_opt.interpret.resolve import Answer, Task
    from quota_opt.interpret.whatif import _score_threshold

    calls: list[tuple[int, int, float]] = []
    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
              quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    ex = explain_project(sc, "B", RunOptions(backend="highs", mip_gap=1e-9), progress=lambda *c: calls.append(c))
    done = [c[0] for c in calls]
    assert done == sorted(done) and set(done) == set(range(ex.solves + 1)) and ex.solves > 0
    assert all(total >= done for done, total, _ in calls) and calls[-1][0] == calls[-1][1] == ex.solves
    assert all(th.exact for th in ex.thresholds)

    out = Answer(Task("score", None), False, 100.0, 100.0, True)
    within = Answer(Task("score", 2026), True, 80.0, 80.0, True)
    exact = _score_threshold(1.0, False, [out, within], [40.0])
    assert (exact.flip_at, exact.exact) == (0.5001, True)
    loose = _score_threshold(1.0, False, [out, Answer(Task("score", 2026), True, 80.0, 80.01, True)], [40.0])
    assert (loose.flip_at, loose.exact) == (0.5001, False)
    unproved = _score_threshold(1.0, False, [out, Answer(Task("score", 2026), True, 80.0, 80.0, False)], [40.0])
    assert not unproved.exact


@pytest.mark.slow
def test_explain_on_worker_processes_finds_the_same_thresholds() -> None:
    """The re-solves on two worker processes give the thresholds the in-process run gives (small_en's P07)."""
    sc = read_scenario(EXAMPLES / "small_en.xlsx")
    one = explain_project(sc, "P07", workers=1)
    two = explain_project(sc, "P07", workers=2)
    assert [(t.what, t.flip_at, t.exact) for t in one.thresholds] == [(t.what, t.flip_at, t.exact) for t in two.thresholds]


def test_a_threshold_not_found_states_no_meaning_and_the_bound_count_only_when_it_counts() -> None:
    """Where no change in the searched range flips the decision, the 含义 column said what the threshold would
    mean ("用地需求降至此值即可入选") beside "在搜索范围内不会改变决定"; and the count of re-solves said
    "(其中 0 次由线性松弛上界直接判定)", jargon about nothing."""
    from quota_opt.core.messages import solves_text
    from quota_opt.interpret.whatif import Threshold, meaning_text

    note = {"zh": "用地需求降至此值即可入选", "en": "selected once its land demand is this or less"}
    unit = {"zh": "亩", "en": "mu"}
    found = Threshold("land_demand", {"zh": "用地需求", "en": "land demand"}, 30.0, 12.5, unit, note)
    missing = Threshold("land_demand", {"zh": "用地需求", "en": "land demand"}, 30.0, None, unit, note)
    assert meaning_text(found, "zh") == note["zh"] and meaning_text(missing, "zh") == ""
    assert solves_text(29, 0, 34.6, "zh") == "共重新求解 29 次，用时 34.6 秒。"
    assert solves_text(29, 3, 34.6, "zh").startswith("共重新求解 29 次，用时 34.6 秒。其中 3 次无需完整求解")
    assert solves_text(29, 3, 34.6, "en").startswith("29 re-solves, 34.6 s. 3 of them needed no full re-solve")

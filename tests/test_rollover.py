"""`rollover` of a plan computed under a variant: next year starts from the quotas and settings the adopted plan
saw (the variant applied), not from the base scenario's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.core.scenario import normalize_table
from quota_opt.input.validate import read_scenario
from quota_opt.output.template import write_scenario

VARIANTS = [
    {"variant": "more", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "1.5"},
    {"variant": "more", "target": "reward_ratio", "operation": "set", "value": "0.2"},
    {"variant": "less", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "0.5"},
]


@pytest.fixture(scope="module")
def plan(make_plan: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """plan.xlsx (zh, 2026-2027, carry-over): district A's quota is 100 mu in 2026 and 40 in 2027; variant
    "more" scales it by 1.5 (150 and 60) and sets the reward ratio to 0.2, "less" halves it.
    plan_more_results.xlsx is the plan adopted under "more": A (60), B (30) and C (50) supplied in 2026 from
    its 150 mu, 10 mu left and carried over."""
    folder = tmp_path_factory.mktemp("plan")
    sc = tiny([project("A", 60, investment=10), project("B", 30, investment=8), project("C", 50, investment=6)],
              quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 40}},
              horizon_years=2, carryover_allowed=True, scenario_name="plan")
    sc.variants = normalize_table("variants", pd.DataFrame(VARIANTS))
    make_plan(sc, folder / "plan.xlsx", "zh", "--variant", "more", "-o", str(folder / "plan_more_results.xlsx"))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_applies_the_variant_the_plan_was_adopted_under(runner: CliRunner, plan: Path, tmp_path: Path, lang: str) -> None:
    """The rollover read the base scenario: 2027's quota was the base's 40 mu (plus the 10 mu the variant's plan
    left over, 50), the reward ratio the base's 0.5, and "more" stayed on the variants sheet, so running it next
    year would scale the quota a second time. Now 2027 has "more"'s 60 + 10 carried = 70 mu, 2028 (copied from
    the last year, 2027, as the variant had it) 60, the reward ratio is 0.2, "more" has left the variants sheet
    and "less" is kept; the console says so."""
    res = runner.invoke(app, ["rollover", str(plan / "plan_more_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026", "--lang", lang])
    assert res.exit_code == 0, res.output
    nxt = read_scenario(tmp_path / "next.xlsx")  # validates
    quota = nxt.district_quotas.set_index("year")["new_land_quota"]
    assert (quota[2027], quota[2028]) == pytest.approx((70, 60))
    assert nxt.settings.reward_ratio == pytest.approx(0.2)
    assert nxt.settings.base_year == 2027 and nxt.settings.scenario_name == "plan · more"
    assert list(nxt.variants["variant"]) == ["less"]
    assert sorted(nxt.actuals["project_id"]) == ["A", "B", "C"]
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("已按结果记录的方案变体“more”结转：该变体的调整已并入新方案的参数和指标，并已从“方案变体”表(variants)中"
                "移除；其余变体（less）保留原样，今后将叠加在这些参数和指标之上，请核对。") in shown, shown
    else:
        assert ('Rolled over under variant "more", as the results record: its overrides are now part of the new '
                "scenario's settings and quotas, and it has been removed from the variants sheet; the other variants "
                "(less) are kept as they were and now apply on top of them: check them.") in shown, shown


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_of_a_variant_no_longer_in_the_scenario_is_an_input_error(runner: CliRunner, plan: Path, tmp_path: Path,
                                                                          lang: str) -> None:
    """The variant the plan was computed under was renamed on the scenario's variants sheet since: the rollover
    went ahead from the base scenario without a word; now it is one input error naming the variant, the
    results and the scenario, and nothing is written."""
    wb = openpyxl.load_workbook(plan / "plan.xlsx")
    sheet = wb["方案变体"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "more":
            row[0].value = "more2"
    wb.save(tmp_path / "plan.xlsx")
    (tmp_path / "plan_more_results.xlsx").write_bytes((plan / "plan_more_results.xlsx").read_bytes())
    res = runner.invoke(app, ["rollover", str(tmp_path / "plan_more_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026", "--lang", lang])
    assert res.exit_code == 1, res.output
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("工作表 方案变体(variants)：结果 plan_more_results.xlsx 是在方案变体“more”下计算的，但方案工作簿 "
                "plan.xlsx 中已没有该变体（现有：more2, less）") in shown, shown
    else:
        assert ('sheet 方案变体 (variants): plan_more_results.xlsx was computed under variant "more", which the '
                "scenario workbook plan.xlsx no longer has (known: more2, less)") in shown, shown
    assert not (tmp_path / "next.xlsx").exists()


@pytest.mark.slow
def test_rollover_writes_the_planned_figures_without_float_noise(runner: CliRunner, tmp_path: Path) -> None:
    """generate --projects 40 --districts 4 --years 3 --seed 5 (carry-over allowed), run, rollover --year 2026:
    the actuals sheet read 4.799999999999997 mu of district quota and 49.40000000000001 mu of stock land for
    XM017, the solver's sums written as they came. Now every mu and tce the rollover computes is written to
    4 decimals (rollover.DECIMALS), the planned figures (4.8 and 49.4), and the new scenario still balances: it
    validates, and its run's allocation and ledger pass the invariants (each actuals row adds up to its project's
    demand, opening + issued + reward - used - lapsed = closing)."""
    from invariants import check_results

    assert runner.invoke(app, ["generate", "--projects", "40", "--districts", "4", "--years", "3", "--seed", "5",
                               "-o", str(tmp_path / "s.xlsx")]).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    settings = wb["参数设置"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "指标可结转":
            row[1].value = "是"
    wb.save(tmp_path / "s.xlsx")
    res = runner.invoke(app, ["run", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["rollover", str(tmp_path / "s_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026"])
    assert res.exit_code == 0, res.output
    written = openpyxl.load_workbook(tmp_path / "next.xlsx")
    noisy = [f"{ws.title}!{cell.coordinate} = {cell.value!r}" for ws in written for row in ws.iter_rows()
             for cell in row if isinstance(cell.value, float) and cell.value != round(cell.value, 4)]
    assert not noisy, noisy
    # (XM017, whose 4.8 and 49.4 mu the docstring quotes, is supplied in 2028 since round 2's policy rules; the
    # check above covers every actuals cell, and check_results below that each row adds up to its demand)
    actuals = [row for row in written["上年执行"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert actuals, "the 2026 plan supplies projects, so the rollover writes actuals"
    res = runner.invoke(app, ["run", str(tmp_path / "next.xlsx"), "--lang", "en"])  # validates first
    assert res.exit_code == 0, res.output
    assert check_results(tmp_path / "next.xlsx", tmp_path / "next_results.xlsx") == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_of_a_variant_no_longer_in_the_scenario_names_the_recorded_variant(runner: CliRunner, plan: Path, tmp_path: Path,
                                                                                   lang: str) -> None:
    """explain on plan_more_results.xlsx (run --variant more) after "more" was renamed on the variants sheet: it
    took the variant from the results' summary and applied it as if typed, so the user, who typed no --variant,
    read the generic 'there is no variant named "more"'. Now, as rollover (rollover.recorded_variant), the error
    says the results were computed under "more", which the scenario no longer has, exit 1; a --variant typed
    still wins over the recorded one."""
    wb = openpyxl.load_workbook(plan / "plan.xlsx")
    for row in wb["方案变体"].iter_rows(min_row=2):
        if row[0].value == "more":
            row[0].value = "more2"
    wb.save(tmp_path / "plan.xlsx")
    (tmp_path / "plan_more_results.xlsx").write_bytes((plan / "plan_more_results.xlsx").read_bytes())
    res = runner.invoke(app, ["explain", str(tmp_path / "plan_more_results.xlsx"), "B", "--lang", lang])
    assert res.exit_code == 1, res.output
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("工作表 方案变体(variants)：结果 plan_more_results.xlsx 是在方案变体“more”下计算的，但方案工作簿 "
                "plan.xlsx 中已没有该变体（现有：more2, less）") in shown, shown
        assert "没有名为" not in shown
    else:
        assert ('sheet 方案变体 (variants): plan_more_results.xlsx was computed under variant "more", which the '
                "scenario workbook plan.xlsx no longer has (known: more2, less)") in shown, shown
        assert "there is no variant named" not in shown
    res = runner.invoke(app, ["explain", str(tmp_path / "plan_more_results.xlsx"), "B", "--variant", "more2",
                              "--lang", lang])
    assert res.exit_code == 0, res.output


PLATFORMS = [{"platform_id": "PA", "name": "平台A", "district_id": "A", "key_chains": "C1", "evaluation_score": 80,
              "land_capacity": 150},
             {"platform_id": "PB", "name": "平台B", "district_id": "A", "key_chains": "C1", "evaluation_score": 80}]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_carries_a_platforms_capacity_forward_as_a_stock(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """Platform PA can host 150 mu; PB has no capacity (blank). Base year 2026, horizon 2026-2027, quota 130 mu in
    2026 and 200 in 2027. A (100 mu, on PA) and B (30 mu, on PB) are supplied in 2026 (100 + 30 = 130); D (60 mu)
    and E (50 mu), both on PA, may come from 2027 on: PA has 150 - 100 = 50 mu left, so the plan supplies E in
    2027 and not D. rollover --year 2026 made A an actuals row of 2026, now before the horizon (2027-2028), where
    it no longer counts against PA, and copied PA's 150 as it was: the next scenario's plan put both D and E on
    PA (60 + 50 = 110 mu on top of A's 100, 210 mu on a 150-mu platform). Now PA's capacity is a stock, as stock
    land is: 150 - 100 (A, supplied in 2026) = 50 mu from 2027 on, the console says so, PB stays blank; the next
    plan supplies E (50 mu, fits) and not D (60 mu > 50). Both plans pass the invariants, which count against a
    capacity what the model does: the projects supplied inside the horizon."""
    from invariants import check_results

    sc = tiny([project("A", 100, investment=20, platform="PA"), project("B", 30, investment=15, platform="PB"),
               project("D", 60, investment=10, platform="PA", earliest_year=2027),
               project("E", 50, investment=5, platform="PA", earliest_year=2027)],
              quotas={("A", 2026): {"new_land_quota": 130}, ("A", 2027): {"new_land_quota": 200}},
              platforms=PLATFORMS, horizon_years=2, scenario_name="plat", major_priority="none")
    # (major_priority = none: D is a major project; under strict priority its own supply column holds E back
    # though PA cannot take D's 60 mu: the priority's "could be supplied" does not see a platform's capacity,
    # which models/formulation.md states. This test is about the capacity's rollover, not the priority.)
    write_scenario(sc, tmp_path / "plat.xlsx", "en")
    res = runner.invoke(app, ["run", str(tmp_path / "plat.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert check_results(tmp_path / "plat.xlsx", tmp_path / "plat_results.xlsx") == []
    plan = pd.read_excel(tmp_path / "plat_results.xlsx", sheet_name="allocation").set_index("project_id")
    assert dict(plan["year"].dropna().astype(int)) == {"A": 2026, "B": 2026, "E": 2027}

    res = runner.invoke(app, ["rollover", str(tmp_path / "plat_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026", "--lang", lang])
    assert res.exit_code == 0, res.output
    nxt = read_scenario(tmp_path / "next.xlsx")
    capacity = nxt.platforms.set_index("platform_id")["land_capacity"]
    assert capacity["PA"] == 50 and pd.isna(capacity["PB"])
    assert sorted(nxt.actuals["project_id"]) == ["A", "B"]
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("“产业平台”表(platforms)的可用地容量(land_capacity)已减去 2026 年在各平台供地的项目用地（这些项目已移出"
                "规划期），现为自 2027 年起还可承接的用地：PA 150 − 100 = 50 亩。") in shown, shown
    else:
        assert ("On the platforms sheet, land_capacity is now the land each platform can still host from 2027 on: "
                "the old capacity less the land of the projects supplied on it in 2026, which have left the horizon: "
                "PA 150 − 100 = 50 mu.") in shown, shown
    assert "PB" not in shown

    res = runner.invoke(app, ["run", str(tmp_path / "next.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert check_results(tmp_path / "next.xlsx", tmp_path / "next_results.xlsx") == []
    plan = pd.read_excel(tmp_path / "next_results.xlsx", sheet_name="allocation").set_index("project_id")
    assert plan.at["E", "selected"] == "yes" and plan.at["D", "selected"] == "no"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_of_a_platform_already_over_its_capacity_says_so(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """PA's capacity is typed as 150 mu, but the actuals sheet already records A (100 mu) and B (80 mu) supplied
    on it in 2026, the base year: 180 mu on a 150-mu platform, figures that disagree. The rollover cannot leave
    PA -30 mu (the column is at least 0): it writes 0, and says what the platform held, to check."""
    actuals = [{"project_id": pid, "year": 2026, "land_district_quota": land, "land_provincial_pool": 0,
                "land_stock": 0, "land_province_request": 0, "energy_district": 0, "energy_city_pool": 0}
               for pid, land in (("A", 100), ("B", 80))]
    sc = tiny([project("A", 100, platform="PA"), project("B", 80, platform="PA")], actuals=actuals,
              quotas={("A", 2026): {"new_land_quota": 200}}, platforms=PLATFORMS, horizon_years=1)
    write_scenario(sc, tmp_path / "over.xlsx", "en")
    res = runner.invoke(app, ["run", str(tmp_path / "over.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["rollover", str(tmp_path / "over_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026", "--lang", lang])
    assert res.exit_code == 0, res.output
    assert read_scenario(tmp_path / "next.xlsx").platforms.set_index("platform_id").at["PA", "land_capacity"] == 0
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("注意：以下平台 2026 年供地的项目用地超过了其可用地容量(land_capacity)，方案工作簿中的数字互相矛盾（容量可能"
                "填小了，或项目的平台填错了）：PA 容量 150 亩，已供 180 亩；新方案中其容量记为 0，请核对。") in shown, shown
    else:
        assert ("Note: on these platforms the land supplied in 2026 exceeded land_capacity, so the scenario's figures "
                "disagree (a capacity typed too low, or a project on the wrong platform?): PA, capacity 150 mu, "
                "supplied 180 mu; the new scenario gives them a capacity of 0: check them.") in shown, shown
    assert "150 − 180" not in shown  # not reduced below 0 in the other notice


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_warns_of_variant_rows_for_a_year_now_before_the_horizon(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """Variant "early" scales district A's quota in 2026 and in 2027, "late" in 2027 only, "all" every year. Rolled
    over at 2026, the new scenario starts in 2027: "early"'s 2026 row now matches no row, which said nothing. The
    rows stay on the variants sheet as the bureau typed them (its to edit), and the console names "early" and 2026,
    and neither "late" nor "all"."""
    sc = tiny([project("A", 60, investment=10)],
              quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 40}}, horizon_years=2)
    sc.variants = normalize_table("variants", pd.DataFrame([
        {"variant": "early", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "0.5",
         "year": 2026},
        {"variant": "early", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "0.5",
         "year": 2027},
        {"variant": "late", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "2",
         "year": 2027},
        {"variant": "all", "target": "district_quotas.new_land_quota", "operation": "scale", "value": "2"},
    ]))
    write_scenario(sc, tmp_path / "v.xlsx", "en")
    res = runner.invoke(app, ["run", str(tmp_path / "v.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["rollover", str(tmp_path / "v_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026", "--lang", lang])
    assert res.exit_code == 0, res.output
    nxt = read_scenario(tmp_path / "next.xlsx")
    assert list(nxt.variants["variant"]) == ["early", "early", "late", "all"]
    shown = " ".join(res.output.split())
    if lang == "zh":
        assert ("注意：“方案变体”表(variants)中以下变体有按年度筛选的行早于新方案的基准年 2027 年，已不匹配任何指标行（这些行的"
                "调整不再起作用），请修改或删除：early（2026 年）。") in shown, shown
    else:
        assert ("Note: on the variants sheet, these variants have rows whose year is before the new base year 2027, so "
                "they now match nothing (their overrides no longer apply): change or remove them: early (2026).") in shown, shown
    assert "late" not in shown and "all (" not in shown


@pytest.mark.slow
def test_rollover_carries_the_city_reward_reserve_forward(runner: CliRunner, make_plan: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    """The city's reward reserve (city_quotas.reward_reserve, 五(一)) is a city quota like the others: rollover
    --year 2026 keeps the later years' figures (2027: 30, 2028: blank, no limit), the new last year 2029 copies
    the old last year's (blank), and 2026's leaves. MA was supplied from stock in 2026 (actuals now): its 20-mu
    reward falls in 2027 and draws on 2027's reserve. The results workbook's ledger holds the city's row (市级,
    closing 0), which carry-over reads past; the new scenario validates and its run passes the invariants."""
    from invariants import check_results

    projects = [project("MA", 40, investment=10, city_led=True, stock_land_eligible=True, latest_year=2026),
                project("X", 30, investment=5, earliest_year=2027)]
    sc = tiny(projects, districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 40}],
              quotas={("A", 2026): {"new_land_quota": 5}}, city={2026: {"reward_reserve": 10},
                                                                  2027: {"reward_reserve": 30}},
              horizon_years=3, reward_ratio=0.5, carryover_allowed=True)
    make_plan(sc, tmp_path / "s.xlsx", "zh")
    res = runner.invoke(app, ["rollover", str(tmp_path / "s_results.xlsx"), "-o", str(tmp_path / "next.xlsx"),
                              "--year", "2026"])
    assert res.exit_code == 0, res.output
    nxt = read_scenario(tmp_path / "next.xlsx")
    reserve = nxt.city_quotas.set_index("year")["reward_reserve"]
    assert reserve[2027] == pytest.approx(30) and pd.isna(reserve[2028]) and pd.isna(reserve[2029])
    assert list(nxt.actuals["project_id"]) == ["MA"]
    quota = nxt.district_quotas.set_index("year")["new_land_quota"]
    assert quota[2027] == pytest.approx(5)  # 2026's 5 mu unused, carried (the city row carries nothing)
    res = runner.invoke(app, ["run", str(tmp_path / "next.xlsx"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert check_results(tmp_path / "next.xlsx", tmp_path / "next_results.xlsx") == []

"""Golden scenarios for the policy rules of issue 21, each worked by hand in its docstring.

As in test_golden.py, most use investment as the only criterion (w_investment = 1), so a project's score is
its investment over the largest eligible investment (times its chain's policy weight where it gets one) and its
value is score × land (mu). Objectives carry tie-break costs of a few 1e-6 per mu (prepare.TIE_BREAK).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import project, tiny
from quota_opt.core.scenario import Scenario
from test_golden import BACKENDS, INVESTMENT_ONLY, TOL, row, solve_via_workbook


@pytest.mark.parametrize("penalty", [0.0, 1e-6])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_free_request_still_comes_after_the_districts_own_quota(tmp_path: Path, backend: str,
                                                                   penalty: float) -> None:
    """District quota 100 mu, province request cap 50 mu at a penalty of 0 (or 1e-6, below the tie-breaks).

    M: city-led (major, may request), 10 亿元, 60 mu → score 1.0, value 60.
    60 ≤ 100: M fits on the district's quota alone. 五(一) asks the province only for what is "仍有不足的",
    so nothing is requested and 40 mu of the district's quota lapses. Objective 60 − 60 × 1e-6 (the district
    quota's tie-break), 60 to 3 decimals. Before the request had a tie-break of its own, a penalty of 0 made the
    request cheaper than the district quota (tie-break 1e-6 per mu) and M took 50 mu by request.
    """
    sc = tiny([project("M", 60, investment=10, city_led=True)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 50}},
              province_request_penalty=penalty, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(60, abs=TOL)
    m = row(r, "M")
    assert m["selected"]
    assert (m["land_district_quota"], m["land_province_request"]) == pytest.approx((60, 0))
    assert r.kpis["mu_to_request"] == pytest.approx(0)


CHAINS_WEIGHTED = [{"chain_id": "C1", "name": "链一"}, {"chain_id": "C2", "name": "链二", "policy_weight": 1.5}]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_misfit_gets_no_city_weight(tmp_path: Path, backend: str) -> None:
    """Clause 3(1): a project outside the layout guide gets no city-level policy support, its chain's weight included.

    Platform PA's key chain is C1; chain C2 has policy weight 1.5. District quota 100 mu.
    M: chain C2 (a misfit), 10 亿元, 50 mu → score 1.0 (its weight counted as 1, not 1.5), value 50.
    F: chain C1, 10 亿元, 60 mu → score 1.0, value 60. 50 + 60 = 110 > 100: only one fits.
    Optimum F, 60. Had M kept ×1.5 it would be worth 1.5 × 50 = 75 and would win.
    With 200 mu both fit: 50 + 60 = 110 (not 75 + 60 = 135), and M's reason says which city support it did not get.
    """
    projects = [project("M", 50, investment=10, chain="C2"), project("F", 60, investment=10)]
    r = solve_via_workbook(tiny(projects, chains=CHAINS_WEIGHTED, quotas={("A", 2026): {"new_land_quota": 100}},
                                **INVESTMENT_ONLY), tmp_path, backend)
    assert r.solution.objective == pytest.approx(60, abs=TOL)
    assert not row(r, "M")["selected"] and row(r, "F")["selected"]
    assert row(r, "M")["score"] == pytest.approx(1.0)
    r = solve_via_workbook(tiny(projects, chains=CHAINS_WEIGHTED, quotas={("A", 2026): {"new_land_quota": 200}},
                                **INVESTMENT_ONLY), tmp_path, backend)
    assert r.solution.objective == pytest.approx(110, abs=TOL)
    m, f = row(r, "M"), row(r, "F")
    assert m["selected"] and f["selected"]
    assert "未享受市级支持" in m["reason_zh"] and "×1.5" in m["reason_zh"] and "三(一)" in m["reason_zh"]
    assert "No city-level support" in m["reason_en"] and "3(1)" in m["reason_en"]
    assert "市级支持" not in f["reason_zh"]


def test_a_first_report_violator_gets_no_city_weight(tmp_path: Path) -> None:
    """Clause 4(1): a first-report violator "不得享受市级层面政策支持". V: chain C2 (weight 1.5, a key chain of its
    platform here), first_report_ok = no, 10 亿元, 40 mu → score 1.0 (not 1.5), value 40; quota 100 mu.
    Objective 40. Its reason cites 4(1) and not 3(1) (it fits the layout)."""
    platforms = [{"platform_id": "PA", "name": "平台A", "district_id": "A", "key_chains": "C1, C2",
                  "evaluation_score": 80}]
    sc = tiny([project("V", 40, investment=10, chain="C2", first_report_ok=False)], chains=CHAINS_WEIGHTED,
              platforms=platforms, quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(40, abs=TOL)
    v = row(r, "V")
    assert v["selected"] and "四(一)" in v["reason_zh"] and "三(一)" not in v["reason_zh"]


def _priority_case(**settings: object) -> object:
    return tiny([project("J", 80, investment=2, city_led=True), project("N1", 60, investment=10),
                 project("N2", 40, investment=5)],
                quotas={("A", 2026): {"new_land_quota": 100}}, major_investment_threshold=20,
                **{**INVESTMENT_ONLY, **settings})


@pytest.mark.parametrize("backend", BACKENDS)
def test_major_projects_first_strict(tmp_path: Path, backend: str) -> None:
    """Clause 5(1) 优先保障重大产业项目: one district, one year, quota 100 mu; major threshold 20 亿元.

    J: city-led (so major, and city-eligible), 2 亿元, 80 mu → score 2/10 = 0.2, value 16.
    N1: 10 亿元 (< 20, not major), 60 mu → score 1.0, value 60. N2: 5 亿元, 40 mu → score 0.5, value 20.
    By score alone (major_priority = none): N1 + N2 = 100 mu → 80, J left out.
    Strict: while J (which fits: 80 ≤ 100) is left out, N1 and N2 may not use the quota → 0; with J supplied,
    20 mu remain and neither N1 (60) nor N2 (40) fits → 16. Optimum 16: J alone; the others' reasons say
    重大产业项目优先, and J's says it was served first.
    """
    r = solve_via_workbook(_priority_case(), tmp_path, backend)
    assert r.solution.objective == pytest.approx(16, abs=TOL)
    assert [row(r, p)["selected"] for p in ("J", "N1", "N2")] == [True, False, False]
    assert "重大产业项目优先" in row(r, "J")["reason_zh"]
    r = solve_via_workbook(_priority_case(major_priority="none"), tmp_path, backend)
    assert r.solution.objective == pytest.approx(80, abs=TOL)
    assert [row(r, p)["selected"] for p in ("J", "N1", "N2")] == [False, True, True]
    assert "重大产业项目优先" not in row(r, "J")["reason_zh"]


def test_the_reason_of_a_project_held_back_for_a_major_one(tmp_path: Path) -> None:
    """One year, quota 100 mu, district energy budget 50 tce, no city pool; major threshold 20 亿元.

    K: city-led, 10 亿元, 50 mu, 50 tce → score 1.0, value 50. J: city-led, 2 亿元, 80 mu, 50 tce → 0.2 × 80 = 16.
    N1: 5 亿元 (not major), 40 mu, no energy → 0.5 × 40 = 20. Only one of K and J gets the budget's 50 tce.
    J could be supplied in 2026 (80 ≤ 100 mu, and its district's budget alone carries its 50 tce), so while J is
    left out N1 may not use the quota.
    Plans: K (J out, N1 held back) → 50; J alone (J + N1 = 120 > 100) → 16. Optimum 50; N1 is told
    重大产业项目优先, naming J and 2026 (by score alone K + N1 would give 70).
    """
    sc = tiny([project("K", 50, investment=10, city_led=True, energy=50),
               project("J", 80, investment=2, city_led=True, energy=50), project("N1", 40, investment=5)],
              quotas={("A", 2026): {"new_land_quota": 100, "energy_budget": 50}},
              major_investment_threshold=20, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(50, abs=TOL)
    assert [row(r, p)["selected"] for p in ("K", "J", "N1")] == [True, False, False]
    n1 = row(r, "N1")
    assert n1["reason_code"] == "major_first"
    assert "重大产业项目优先" in n1["reason_zh"] and "J" in n1["reason_zh"] and "2026" in n1["reason_zh"]
    assert "Major projects first" in n1["reason_en"]
    # with the 50 tce in the city pool instead (district budget 0), J depends on the pool, which majors of every
    # district compete for (五(二)): it holds nothing back, and N1 takes its 40 mu beside K: 50 + 20 = 70
    sc.district_quotas["energy_budget"] = 0.0
    sc.city_quotas["city_energy_pool"] = 50.0
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(70, abs=TOL)
    assert [row(r, p)["selected"] for p in ("K", "J", "N1")] == [True, False, True]


def test_major_projects_first_weighted(tmp_path: Path) -> None:
    """major_priority = weighted: J's value × major_weight. At 1.5: 16 × 1.5 = 24 < 80, N1 + N2 still win (80).
    At 6: J's score 0.2 × 6 = 1.2, value 96 > 80 → J alone, 96."""
    r = solve_via_workbook(_priority_case(major_priority="weighted"), tmp_path, "highs")
    assert r.solution.objective == pytest.approx(80, abs=TOL)
    r = solve_via_workbook(_priority_case(major_priority="weighted", major_weight=6), tmp_path, "highs")
    assert r.solution.objective == pytest.approx(96, abs=TOL)
    assert row(r, "J")["selected"] and row(r, "J")["score"] == pytest.approx(1.2)


def test_a_major_project_that_fits_no_year_holds_nothing_back(tmp_path: Path) -> None:
    """"That could be supplied then": the strict case above with J at 120 mu > the 100 mu of quota, and no other
    source, has no year it could be supplied in, so N1 + N2 take the quota as by score alone: 60 + 20 = 80."""
    sc = _priority_case()
    sc.projects.loc[sc.projects["project_id"] == "J", "land_demand"] = 120.0
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(80, abs=TOL)
    assert [row(r, p)["selected"] for p in ("J", "N1", "N2")] == [False, True, True]


def test_every_energy_reason_cites_clause_5_2(tmp_path: Path) -> None:
    """Clause 5(2) governs energy quota. District energy budget 100 tce, land plentiful (1,000 mu), no city pool.
    A: 10 亿元, 50 mu, 80 tce → value 50; B: 5 亿元, 50 mu, 80 tce → value 25; 80 + 80 > 100: A alone, 50.
    B is out-competed for energy, and its reason cites 五(二), not the land clause 五(一); A's names 五(二) beside its
    energy. M, a misfit short of energy (the misfit golden case), cites 五(二) too."""
    sc = tiny([project("A", 50, investment=10, energy=80), project("B", 50, investment=5, energy=80)],
              quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 100}}, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(50, abs=TOL)
    b = row(r, "B")
    assert b["reason_code"] == "outcompeted" and b["reason_params"]["binding"] == "district_energy"
    assert "五(二)" in b["reason_zh"] and "五(一)" not in b["reason_zh"] and "5(2)" in b["reason_en"]
    assert "五(二)" in row(r, "A")["reason_zh"]
    sc = tiny([project("M", 50, investment=20, energy=150, chain="C2")],
              chains=[{"chain_id": "C1", "name": "链一"}, {"chain_id": "C2", "name": "链二"}],
              quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 100}},
              city={2026: {"city_energy_pool": 200}}, **INVESTMENT_ONLY)
    m = row(solve_via_workbook(sc, tmp_path, "highs"), "M")
    assert m["reason_code"] == "misfit_district_short" and "五(二)" in m["reason_zh"] and "5(2)" in m["reason_en"]


def test_a_reward_lag_of_0_needs_the_documented_override(tmp_path: Path) -> None:
    """Clause 5(1) gives the stock reward "在项目完成供地后下一年度": reward_lag_years = 0 is refused at its cell
    unless same_year_reward = yes (an approved exception), which the settings sheet documents."""
    from quota_opt.core.errors import InputError
    from quota_opt.input.validate import read_scenario
    from quota_opt.output.template import write_scenario

    path = write_scenario(tiny([project("A", 10)], reward_lag_years=0), tmp_path / "lag0.xlsx", "en")
    with pytest.raises(InputError) as caught:
        read_scenario(path)
    problems = [p for p in caught.value.problems if p.code == "reward_lag_zero"]
    assert problems and problems[0].where.row is not None
    path = write_scenario(tiny([project("A", 10)], reward_lag_years=0, same_year_reward=True), tmp_path / "ok.xlsx",
                          "en")
    assert read_scenario(path).settings.reward_lag_years == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_plan_that_requests_land_says_what_happens_without_it(tmp_path: Path, backend: str) -> None:
    """Clause 5(1) 积极向省里争取: land requested is not yet granted. Quota 100 mu, request cap 50 mu at 0.1 a mu;
    major threshold 20 亿元.

    M: city-led (major), 10 亿元, 130 mu → score 1.0, value 130; it needs 30 mu by request: 130 − 0.1 × 30 = 127.
    N: 5 亿元 (not major), 100 mu → 0.5 × 100 = 50. M + N = 230 > 150: one of them; M wins, 127.
    M is conditional (待争取), 30 mu pending. With the request at 0, M (130 > 100 mu) fits no year, and N takes
    the quota: 50. So if the province grants nothing, M drops and N is supplied instead.
    """
    sc = tiny([project("M", 130, investment=10, city_led=True), project("N", 100, investment=5)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 50}},
              major_investment_threshold=20, province_request_penalty=0.1, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(127, abs=TOL)
    m = row(r, "M")
    assert m["selected"] and m["land_province_request"] == pytest.approx(30) and m["conditional"]
    assert not row(r, "N")["conditional"]
    assert "待争取" in m["reason_zh"] and "不能安排" in m["reason_zh"] and "Conditional" in m["reason_en"]
    assert r.kpis["projects_conditional"] == 1
    assert r.no_request is not None and (r.no_request.dropped, r.no_request.added) == (["M"], ["N"])
    assert r.summary("zh")["if_no_request"] == "若省里不予支持（向省争取 0 亩）：M 不能安排；N 改为安排。"
    assert r.summary("en")["if_no_request"] == ("If the province grants nothing (0 mu requested): M cannot be "
                                                 "supplied; N would be supplied instead.")


def test_a_later_phase_is_never_supplied_without_the_one_before(tmp_path: Path) -> None:
    """分期供地: quota 100 mu, one year. A2 is the second phase of A1 (phase_of = A1).
    A2: 10 亿元, 60 mu → score 1.0, value 60. B: 8 亿元, 50 mu → 40. A1: 2 亿元, 50 mu → 0.2 × 50 = 10.
    Without phases A2 alone (60) is best (A2 + B = 110, A2 + A1 = 110 > 100). A2 needs A1, and both need 110 mu:
    A2 cannot be supplied. B + A1 = 100 mu → 50. Optimum 50. With A1 not compliant (never supplied), A2 cannot be
    either: B alone, 40, and A2's reason says it waits for A1. (Major threshold
    20 亿元: no project is major, so the major-project priority plays no part.)"""
    sc = tiny([project("A1", 50, investment=2), project("A2", 60, investment=10, phase_of="A1"),
               project("B", 50, investment=8)],
              quotas={("A", 2026): {"new_land_quota": 100}}, major_investment_threshold=20, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(50, abs=TOL)
    assert [row(r, p)["selected"] for p in ("A1", "A2", "B")] == [True, False, True]
    assert row(r, "A2")["reason_code"] == "outcompeted"  # A1 was supplied; A2 did not fit beside it
    sc.projects.loc[sc.projects["project_id"] == "A1", "compliant"] = False  # A1 can never be supplied: nor A2
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(40, abs=TOL)  # B alone
    a2 = row(r, "A2")
    assert a2["reason_code"] == "phase_waits" and "A1" in a2["reason_zh"] and "分期供地" in a2["reason_zh"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_later_phase_is_never_supplied_before_the_one_before(tmp_path: Path, backend: str) -> None:
    """Two years, 60 mu of quota each. A1: 5 亿元, 60 mu, window 2027 only → 0.5 × 60 = 30. A2 (phase_of A1):
    10 亿元, 60 mu, window 2026–2027 → 60 in 2026, 54 in 2027. Without phases: A2 in 2026 and A1 in 2027, 90.
    A2 may not come before A1 (2027), and in 2027 both need 120 > 60 mu: A1 alone, 30 (its first year, no
    discount)."""
    sc = tiny([project("A1", 60, investment=5, earliest_year=2027), project("A2", 60, investment=10, phase_of="A1")],
              quotas={("A", 2026): {"new_land_quota": 60}, ("A", 2027): {"new_land_quota": 60}}, horizon_years=2,
              major_investment_threshold=20, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(30, abs=TOL)
    assert row(r, "A1")["selected"] and row(r, "A1")["year"] == 2027 and not row(r, "A2")["selected"]


def test_phases_that_come_back_to_themselves_are_refused(tmp_path: Path) -> None:
    """A1 phase_of A2 and A2 phase_of A1: neither could ever be supplied; each row's phase_of cell is an error."""
    from quota_opt.core.errors import InputError
    from quota_opt.input.validate import read_scenario
    from quota_opt.output.template import write_scenario

    sc = tiny([project("A1", 10, phase_of="A2"), project("A2", 10, phase_of="A1"), project("B", 10)])
    with pytest.raises(InputError) as caught:
        read_scenario(write_scenario(sc, tmp_path / "cycle.xlsx", "en"))
    cycles = [p for p in caught.value.problems if p.code == "phase_cycle"]
    assert len(cycles) == 2 and {p.where.column for p in cycles} == {"phase_of"}


def reserve_case(reserve: float | None) -> Scenario:
    """Districts A and B, 2026–2027, no new-land quota, 40 mu of stock land each; reward_ratio 0.5, lag 1.

    MA (A) and MB (B): city-led (major, city-eligible), 10 亿元, 40 mu, stock-eligible, 2026 only → score 1.0,
    value 40 each; each is supplied in 2026 from its district's 40 mu of stock and earns 0.5 × 40 = 20 mu of
    stock-land reward for 2027. XA (A) and XB (B): 5 亿元 → score 0.5, 20 mu → value 10 each, 2027 only, not
    stock-eligible: the reward is their district's only quota in 2027. `reserve`: the city's reward reserve for
    2027 (None: blank, no limit)."""
    projects = [project("MA", 40, district="A", investment=10, city_led=True, stock_land_eligible=True,
                        earliest_year=2026, latest_year=2026),
                project("MB", 40, district="B", investment=10, city_led=True, stock_land_eligible=True,
                        earliest_year=2026, latest_year=2026),
                project("XA", 20, district="A", investment=5, earliest_year=2027),
                project("XB", 20, district="B", investment=5, earliest_year=2027)]
    districts = [{"district_id": "A", "name": "甲区", "stock_land_initial": 40},
                 {"district_id": "B", "name": "乙区", "stock_land_initial": 40}]
    city = {2027: {"reward_reserve": reserve}} if reserve is not None else None
    return tiny(projects, districts=districts, city=city, horizon_years=2, reward_ratio=0.5, **INVESTMENT_ONLY)


@pytest.mark.parametrize("backend", ["highs", pytest.param("pyomo", marks=pytest.mark.slow)])
def test_the_city_reward_reserve_caps_the_rewards_paid_in_a_year(tmp_path: Path, backend: str) -> None:
    """五(一) "由市规划和自然资源局给予新增建设用地指标奖励", through the workbook (`reserve_case`).

    Blank reserve (no limit, as before): A and B are each paid 20 mu in 2027, XA and XB both fit:
    40 + 40 + 10 + 10 = 100, less the district quota's tie-break 1e-6 × 40 mu = 99.99996.
    Reserve 30 mu: the rewards due, 20 + 20 = 40 > 30, so only 30 is paid: one district gets 20 (its X fits), the
    other 10 (short of 20): one X only, 40 + 40 + 10 = 90, − 1e-6 × 20 (quota) + 1e-6 × 30 (reward paid,
    formulation.REWARD_PAID) = 90.00001. Which X it is is a tie (both worth 10). The ledger shows 30 drawn, 0
    left; the other district 10 mu unpaid; the reserve binds: one more mu would fund 1/20 of the X left out,
    worth 10 / 20 = 0.5 (its marginal value), and the X left out says its district was paid short.
    Reserve 40 mu: all 40 is paid: 100 − 40e-6 + 40e-6 = 100, 0 left."""
    r = solve_via_workbook(reserve_case(None), tmp_path, backend)
    assert r.solution.objective == pytest.approx(100 - 40e-6, abs=1e-7)
    assert "reward_reserve" not in r.plan.city.columns and "reward_due" not in r.plan.ledger.columns
    r = solve_via_workbook(reserve_case(30), tmp_path, backend)
    assert r.solution.objective == pytest.approx(90 + 10e-6, abs=1e-7)
    assert r.greedy.objective == pytest.approx(90 + 10e-6, abs=1e-7)  # the ranking rule pays the reserve too
    a = r.plan.allocation.set_index("project_id")
    assert a.at["MA", "selected"] and a.at["MB", "selected"]
    assert int(a.at["XA", "selected"]) + int(a.at["XB", "selected"]) == 1
    out = "XB" if a.at["XA", "selected"] else "XA"
    led = r.plan.ledger.set_index(["district_id", "year"])
    short = "B" if out == "XB" else "A"
    assert led["reward_due"].xs(2027, level="year").tolist() == pytest.approx([20, 20])
    assert led["reward_received"].xs(2027, level="year").sum() == pytest.approx(30)
    assert led.at[(short, 2027), "reward_received"] == pytest.approx(10)
    assert led.at[(short, 2027), "reward_unpaid"] == pytest.approx(10)
    city = r.plan.city.set_index("year")
    assert (city.at[2027, "reward_reserve"], city.at[2027, "reward_reserve_drawn"],
            city.at[2027, "reward_reserve_left"]) == pytest.approx((30, 30, 0))
    sp = r.shadow[r.shadow["constraint"] == "city_reward_reserve"].iloc[0]
    assert (sp["limit"], sp["used"]) == pytest.approx((30, 30))
    assert sp["marginal_value"] == pytest.approx(0.5, abs=1e-4)
    assert "市级存量盘活奖励指标储备" in sp["reading_zh"]
    assert "市级存量盘活奖励指标储备" in a.at[out, "reason_zh"] and "只兑现 10.0 亩" in a.at[out, "reason_zh"]
    assert "reward reserve" in a.at[out, "reason_en"]
    r = solve_via_workbook(reserve_case(40), tmp_path, backend)
    assert r.solution.objective == pytest.approx(100, abs=1e-7)
    assert r.plan.city.set_index("year").at[2027, "reward_reserve_left"] == pytest.approx(0)


@pytest.mark.slow
def test_the_reward_reserve_in_the_results_workbook(tmp_path: Path) -> None:
    """The 30-mu case of `reserve_case` written as a results workbook: the ledger's city row (市级 / city, 2027:
    reserve 30, drawn 30, left 0, closing 0) below the districts' rows, the city sheet's three columns (2026 blank:
    no limit, 0 drawn), and the shadow prices' row in the bureau's words."""
    from openpyxl import load_workbook

    from quota_opt.output.results_workbook import write_results

    r = solve_via_workbook(reserve_case(30), tmp_path, "highs")
    for lang, code, sheet, constraint in (("zh", "市级", "指标台账", "市级存量盘活奖励指标储备约束"),
                                          ("en", "city", "ledger", "city_reward_reserve")):
        path = write_results(r, tmp_path / f"results_{lang}.xlsx", lang)
        wb = load_workbook(path, read_only=True)
        rows = list(wb[sheet].iter_rows(values_only=True))
        head = list(rows[0])
        city_rows = [dict(zip(head, row, strict=True)) for row in rows[1:] if row[0] == code]
        assert len(city_rows) == 1 and len(rows) == 1 + 4 + 1
        reserve_col, drawn_col, left_col = (("市级存量盘活奖励指标储备(亩)", "已兑现存量盘活奖励指标(亩)", "储备剩余（不结转）(亩)")
                                            if lang == "zh" else ("reward_reserve", "reward_reserve_drawn",
                                                                  "reward_reserve_left"))
        c = city_rows[0]
        assert (c[reserve_col], c[drawn_col], c[left_col]) == pytest.approx((30, 30, 0))
        city = list(wb["市级指标" if lang == "zh" else "city"].iter_rows(values_only=True))
        at = {h: i for i, h in enumerate(city[0])}
        assert [row[at[reserve_col]] for row in city[1:]] == [None, 30]
        assert [row[at[drawn_col]] for row in city[1:]] == pytest.approx([0, 30])
        shadow = list(wb["影子价格" if lang == "zh" else "shadow_prices"].iter_rows(values_only=True))
        assert any(row[0] == constraint for row in shadow[1:])
        wb.close()


def test_a_reward_from_the_actuals_draws_on_the_reserve_too() -> None:
    """Model level. District A, 2026 only, no new-land quota. MA (city-led, A) was supplied in 2025 from 40 mu of
    stock (actuals): it earns 0.5 × 40 = 20 mu for 2026. X: 5 亿元 (the only candidate, score 1.0), 15 mu → value 15.
    Blank reserve: 20 ≥ 15, X fits: 15 − 1e-6 × 15 = 14.999985. Reserve 10 mu in 2026: only 10 of the 20 is paid,
    short of 15: X is left out; objective 0 + 1e-6 × 10 (reward paid) = 1e-5, and so does the ranking rule."""
    from quota_opt.pipeline import RunOptions, run_scenario

    def case(reserve: float | None) -> Scenario:
        return tiny([project("MA", 40, investment=10, city_led=True, stock_land_eligible=True, earliest_year=2025),
                     project("X", 15, investment=5)],
                    districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 0}],
                    city={2026: {"reward_reserve": reserve}} if reserve is not None else None,
                    actuals=[{"project_id": "MA", "year": 2025, "land_district_quota": 0.0, "land_provincial_pool": 0.0,
                              "land_stock": 40.0, "land_province_request": 0.0, "energy_district": 0.0,
                              "energy_city_pool": 0.0}],
                    reward_ratio=0.5, **INVESTMENT_ONLY)

    r = run_scenario(case(None), RunOptions(backend="highs", mip_gap=1e-9))
    assert r.solution.objective == pytest.approx(15 - 15e-6, abs=1e-8)
    r = run_scenario(case(10), RunOptions(backend="highs", mip_gap=1e-9))
    assert r.solution.objective == pytest.approx(1e-5, abs=1e-8)
    assert r.greedy.objective == pytest.approx(1e-5, abs=1e-8)
    led = r.plan.ledger.set_index(["district_id", "year"])
    assert (led.at[("A", 2026), "reward_due"], led.at[("A", 2026), "reward_received"],
            led.at[("A", 2026), "reward_unpaid"]) == pytest.approx((20, 10, 10))


def test_a_negative_reward_reserve_is_refused_at_its_cell(tmp_path: Path) -> None:
    """city_quotas.reward_reserve is a quota column like the others: 0 or more (0: no reward paid that year), blank
    allowed (no limit). −5 is refused, naming the sheet, the Excel row (2027's, the third) and the column."""
    from quota_opt.core.errors import InputError
    from quota_opt.input.validate import read_scenario
    from quota_opt.output.template import write_scenario

    path = write_scenario(reserve_case(-5), tmp_path / "neg.xlsx", "zh")
    with pytest.raises(InputError) as caught:
        read_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.where.sheet, problem.where.row, problem.where.column) == ("city_quotas", 3, "reward_reserve")
    assert "市级存量盘活奖励指标储备" in problem.message("zh") and "-5" in problem.message("zh")
    assert read_scenario(write_scenario(reserve_case(0), tmp_path / "zero.xlsx", "zh")).city_quotas[
        "reward_reserve"].tolist()[1] == 0


def test_a_mandatory_project_the_reserve_cannot_pay_for_is_explained() -> None:
    """`test_a_reward_from_the_actuals_draws_on_the_reserve_too` with X mandatory: X needs 15 mu, the district has
    no quota of its own and the reserve pays 10 of the 20 mu due: infeasible. The elastic model gives way on the
    reserve (5 mu over): the report names the 2026 reserve, its 10 mu, X and the 5 mu short, citing 5(1)."""
    from quota_opt.pipeline import RunOptions, run_scenario
    from quota_opt.solve.highs import Status

    sc = tiny([project("MA", 40, investment=10, city_led=True, stock_land_eligible=True, earliest_year=2025),
               project("X", 15, investment=5, mandatory=True)],
              districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 0}],
              city={2026: {"reward_reserve": 10}},
              actuals=[{"project_id": "MA", "year": 2025, "land_district_quota": 0.0, "land_provincial_pool": 0.0,
                        "land_stock": 40.0, "land_province_request": 0.0, "energy_district": 0.0,
                        "energy_city_pool": 0.0}],
              reward_ratio=0.5, **INVESTMENT_ONLY)
    r = run_scenario(sc, RunOptions(backend="highs"))
    assert r.solution.status is Status.INFEASIBLE and r.infeasibility is not None
    (item,) = r.infeasibility.items
    assert (item.requirement, item.year, item.projects) == ("city_reward_reserve", 2026, ["X"])
    assert item.shortfall == pytest.approx(5)
    assert "2026年市级存量盘活奖励指标储备仅 10.0 亩" in item.messages["zh"] and "五(一)" in item.messages["zh"]
    assert item.label("zh") == "市级存量盘活奖励指标储备"


@pytest.mark.parametrize("reserve", [None, 0.0, 10.0, 30.0, 40.0])
def test_the_ranking_rule_pays_rewards_within_the_reserve(reserve: float | None) -> None:
    """The ranking rule (the solver's warm start) on `reserve_case`: its allocation is a feasible point of the
    model at every reserve, and pays min(40, reserve) mu in 2027, in the order earned (A's 20 first): 0 → none,
    10 → A 10, 30 → A 20 and B 10, 40 → both 20; blank → both 20 with no w at all."""
    from quota_opt.prepare import prepare
    from quota_opt.solve.formulation import build_formulation
    from quota_opt.solve.ranking import ranking_rule

    form = build_formulation(prepare(reserve_case(reserve)))
    result = ranking_rule(form)
    assert result.feasible and form.violation(result.x) < 1e-9
    if reserve is None:
        assert "reward_paid" not in form.variables
        return
    w = form.var("reward_paid")
    paid = dict(zip(w.keys, result.x[w.start:w.start + w.size], strict=True))
    expected = {0.0: (0, 0), 10.0: (10, 0), 30.0: (20, 10), 40.0: (20, 20)}[reserve]
    assert (paid[("A", 2027)], paid[("B", 2027)]) == pytest.approx(expected)

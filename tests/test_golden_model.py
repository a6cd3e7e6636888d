"""Golden scenarios at the model level: built in Python, no workbook, optimum worked out by hand.

Each case runs the pipeline's stages itself — prepare → build_formulation → solve (HiGHS) → interpret —
so a failure here points at the quota arithmetic or the formulation, not at reading or writing Excel.
The end-to-end goldens (tests/test_golden.py) write and read real workbooks; these are their quick twins
with their own figures.

As there, one criterion only (builders.INVESTMENT_ONLY): a project's score is its investment divided by
the largest eligible investment, its value score × land demand (mu). A project is major when its
investment reaches 10 亿元 (the default threshold). Objectives carry tie-break costs of at most 2e-6 per
mu (prepare.TIE_BREAK), hence the tolerance.
"""

from __future__ import annotations

import pandas as pd
import pytest

from builders import INVESTMENT_ONLY, project, tiny
from quota_opt.core.scenario import Scenario
from quota_opt.interpret.plan import Plan, interpret, kpis
from quota_opt.prepare import prepare
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import Solution, SolveOptions, Status, solve

TOL = 1e-3


def solve_model(sc: Scenario) -> tuple[Solution, Plan]:
    form = build_formulation(prepare(sc))
    sol = solve(form, SolveOptions(mip_gap=1e-9, threads=1, backend="highs"))
    assert sol.status is Status.OPTIMAL, sol.termination
    assert sol.x is not None
    return sol, interpret(form, sol.x)


def allocation(plan: Plan) -> pd.DataFrame:
    return plan.allocation.set_index("project_id")


def selected(plan: Plan) -> set[str]:
    a = plan.allocation
    return set(a.loc[a["selected"].astype(bool), "project_id"])


def test_district_quota_is_the_district_s_own() -> None:
    """Districts A (quota 80 mu) and B (quota 50 mu). Investments 10, 8, 6, 5 → scores 1.0, 0.8, 0.6, 0.5.

    A1 (A, 60 mu) value 60; A2 (A, 40 mu) 0.8 × 40 = 32; B1 (B, 50 mu) 0.6 × 50 = 30; B2 (B, 30 mu) 0.5 × 30 = 15.
    A: within 80 mu, A1 (60) beats A2 (32) and both (100 mu) do not fit. B: within 50 mu, B1 (30) beats B2 (15);
    both (80 mu) do not fit. Optimum 60 + 30 = 90, leaving 20 mu of A's quota unused.
    Were the 130 mu one pool, A1 + A2 + B2 (130 mu) would give 60 + 32 + 15 = 107: A's 20 spare mu cannot
    go to B. The second solve checks exactly that counterfactual.
    """
    projects = [project("A1", 60, district="A", investment=10), project("A2", 40, district="A", investment=8),
                project("B1", 50, district="B", investment=6), project("B2", 30, district="B", investment=5)]
    districts = [{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}]
    sc = tiny(projects, districts=districts,
              quotas={("A", 2026): {"new_land_quota": 80}, ("B", 2026): {"new_land_quota": 50}}, **INVESTMENT_ONLY)
    sol, plan = solve_model(sc)
    assert sol.objective == pytest.approx(90, abs=TOL)
    assert selected(plan) == {"A1", "B1"}
    a = allocation(plan)
    assert a.loc["A1", "land_district_quota"] == pytest.approx(60)
    assert a.loc["B1", "land_district_quota"] == pytest.approx(50)

    pooled = tiny([{**p, "district_id": "A", "platform_id": "PA"} for p in projects],
                  quotas={("A", 2026): {"new_land_quota": 130}}, **INVESTMENT_ONLY)
    sol, plan = solve_model(pooled)
    assert sol.objective == pytest.approx(107, abs=TOL)
    assert selected(plan) == {"A1", "A2", "B2"}


def test_stock_used_this_year_is_rewarded_with_quota_next_year() -> None:
    """Two years, no district quota; 80 mu of stock land; reward ratio 0.5, received one year later.

    S: major (20 亿元), stock-eligible, 80 mu, 2026 only → score 1.0, value 80; it uses all 80 mu of stock.
    That earns 0.5 × 80 = 40 mu of quota, received in 2027.
    T: 40 mu, 10 亿元 → score 0.5, value 20; U: 40 mu, 15 亿元 → score 0.75, value 30; both 2027 only (their
    first year: no deferral discount). The 40 mu reward funds one of them: U. Optimum 80 + 30 = 110.
    """
    sc = tiny([project("S", 80, investment=20, stock_land_eligible=True, latest_year=2026),
               project("T", 40, investment=10, earliest_year=2027),
               project("U", 40, investment=15, earliest_year=2027)],
              districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 80}],
              horizon_years=2, reward_ratio=0.5, **INVESTMENT_ONLY)
    sol, plan = solve_model(sc)
    assert sol.objective == pytest.approx(110, abs=TOL)
    assert selected(plan) == {"S", "U"}
    a = allocation(plan)
    assert (a.loc["S", "year"], a.loc["S", "land_stock"]) == (2026, pytest.approx(80))
    assert (a.loc["U", "year"], a.loc["U", "land_district_quota"]) == (2027, pytest.approx(40))
    led = plan.ledger.set_index("year")
    assert led.loc[2026, "reward_earned"] == pytest.approx(40)
    assert led.loc[2027, "reward_received"] == pytest.approx(40)


def test_provincial_pool_is_for_provincial_majors_only() -> None:
    """District quota 40 mu, provincial reward quota 60 mu.

    P1: provincial major, 50 mu, 10 亿元 → score 1.0, value 50. Q: not provincial major, 40 mu, 9 亿元 → 0.9 × 40
    = 36. P2: provincial major, 20 mu, 5 亿元 → 0.5 × 20 = 10.
    Q may use only the district's 40 mu; P1 and P2 the district's quota and the pool.
    P1 (all 50 mu from the pool) + Q (the district's 40) = 86; P2 would need 20 more mu, and only 10 are left
    in the pool. P1 + P2 (70 mu: 60 pool + 10 district) leave Q 30 < 40 mu: 60. Optimum 86, with
    major_priority = none; under the default (strict, 五(一)) Q may not take the district's quota while P2, a
    major project that could be supplied, is left out: P1 + P2 = 60 (test_golden_policy's priority cases).
    """
    sc = tiny([project("P1", 50, investment=10, provincial_major=True), project("Q", 40, investment=9),
               project("P2", 20, investment=5, provincial_major=True)],
              quotas={("A", 2026): {"new_land_quota": 40}}, city={2026: {"provincial_reward_quota": 60}},
              major_priority="none", **INVESTMENT_ONLY)
    sol, plan = solve_model(sc)
    assert sol.objective == pytest.approx(86, abs=TOL)
    assert selected(plan) == {"P1", "Q"}
    a = allocation(plan)
    assert a.loc["P1", "land_provincial_pool"] == pytest.approx(50)
    assert (a.loc["Q", "land_district_quota"], a.loc["Q", "land_provincial_pool"]) == (pytest.approx(40), 0)


def test_province_request_within_its_cap_at_its_penalty() -> None:
    """District quota 50 mu; the province may be asked for up to 40 mu, at a penalty of 0.3 per mu.

    R: major (20 亿元), 80 mu → score 1.0, value 80; 50 from the district + 30 requested: 80 − 0.3 × 30 = 71.
    T: major (20 亿元), 95 mu → value 95, would need 45 mu from the province > the cap of 40 (uncapped it
    would give 95 − 0.3 × 45 = 81.5, the better plan).
    S: not major (8 亿元 < 10): no request; 50 mu → 0.4 × 50 = 20.
    R with S or T needs 130 or 175 mu > 90. Optimum 71: R, with 30 mu to request from the province.
    """
    sc = tiny([project("R", 80, investment=20), project("T", 95, investment=20), project("S", 50, investment=8)],
              quotas={("A", 2026): {"new_land_quota": 50}}, city={2026: {"province_request_cap": 40}},
              province_request_penalty=0.3, **INVESTMENT_ONLY)
    sol, plan = solve_model(sc)
    assert sol.objective == pytest.approx(71, abs=TOL)
    assert selected(plan) == {"R"}
    a = allocation(plan)
    assert (a.loc["R", "land_district_quota"], a.loc["R", "land_province_request"]) == pytest.approx((50, 30))
    assert kpis(plan)["mu_to_request"] == pytest.approx(30)


def test_city_energy_pool_tops_up_the_district_budgets() -> None:
    """Land plentiful; energy budgets 100 tce in district A and in B; city energy pool 150 tce.

    All major (≥ 10 亿元): E1 (A, 50 mu, 20 亿元, 180 tce) → score 1.0, value 50; E2 (B, 40 mu, 16 亿元,
    170 tce) → 0.8 × 40 = 32; E3 (B, 30 mu, 12 亿元, 60 tce) → 0.6 × 30 = 18.
    E1 needs 80 tce from the pool, E2 70: 150, all of it; E3 then has no energy left. 50 + 32 = 82.
    E1 + E3 = 68, E2 + E3 = 50, all three need 410 > 350 tce. Optimum 82, the split forced:
    E1 100 district + 80 pool, E2 100 district + 70 pool. Without the pool only E3 would fit (18).
    """
    districts = [{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}]
    quotas = {(d, 2026): {"new_land_quota": 1000, "energy_budget": 100} for d in ("A", "B")}
    projects = [project("E1", 50, district="A", investment=20, energy=180),
                project("E2", 40, district="B", investment=16, energy=170),
                project("E3", 30, district="B", investment=12, energy=60)]
    sol, plan = solve_model(tiny(projects, districts=districts, quotas=quotas,
                                 city={2026: {"city_energy_pool": 150}}, **INVESTMENT_ONLY))
    assert sol.objective == pytest.approx(82, abs=TOL)
    assert selected(plan) == {"E1", "E2"}
    a = allocation(plan)
    assert (a.loc["E1", "energy_district"], a.loc["E1", "energy_city_pool"]) == pytest.approx((100, 80))
    assert (a.loc["E2", "energy_district"], a.loc["E2", "energy_city_pool"]) == pytest.approx((100, 70))

    sol, plan = solve_model(tiny(projects, districts=districts, quotas=quotas, **INVESTMENT_ONLY))
    assert sol.objective == pytest.approx(18, abs=TOL)
    assert selected(plan) == {"E3"}

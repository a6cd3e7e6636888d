"""Golden scenarios: tiny workbooks whose optimum is worked out by hand in each docstring.

To keep the arithmetic checkable, most use one criterion only (w_investment = 1, the others 0), so a
project's score is its investment divided by the largest eligible investment (times the chain's
policy weight), and its value is score × land demand (mu), × deferral_discount per year deferred.
Objectives carry tie-break costs of at most 2e-6 per mu (prepare.TIE_BREAK), hence the tolerance.
Every scenario is written to a real workbook, read back and solved with the real solver, through
both solve paths (Pyomo's HiGHS interface and the bulk highspy path).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import INVESTMENT_ONLY, golden, project, tiny
from quota_opt.core.scenario import Scenario
from quota_opt.input.validate import read_scenario
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, RunResult, run_scenario
from quota_opt.solve.highs import Status

TOL = 1e-3

BACKENDS = ["pyomo", "highs"]


def solve_via_workbook(sc: Scenario, tmp_path: Path, backend: str) -> RunResult:
    path = write_scenario(sc, tmp_path / "golden.xlsx", "zh")
    result = run_scenario(read_scenario(path), RunOptions(backend=backend, mip_gap=1e-9))
    assert result.solution.status is Status.OPTIMAL
    return result


def row(result: RunResult, pid: str) -> dict:
    assert result.plan is not None
    a = result.plan.allocation.set_index("project_id")
    return a.loc[pid].to_dict()


@pytest.mark.parametrize("backend", BACKENDS)
def test_binding_district_quota(tmp_path: Path, backend: str) -> None:
    """One district, one year, quota 100 mu. Investments 10, 8, 6 亿元 → scores 1.0, 0.8, 0.6.

    Values (score × land): A 1.0×60 = 60, B 0.8×50 = 40, C 0.6×40 = 24.
    Feasible sets within 100 mu: {A,C} 100 mu → 84; {B,C} 90 mu → 64; {A} → 60; {A,B} = 110 mu > 100.
    Optimum 84 with A and C; B is out-competed for the binding district quota.
    """
    sc = golden()
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(84, abs=TOL)
    assert [row(r, p)["selected"] for p in "ABC"] == [True, False, True]
    b = row(r, "B")
    assert b["reason_code"] == "outcompeted"
    assert b["reason_params"]["binding"] == "district_land_quota"
    assert b["reason_params"]["needed"] == pytest.approx(0.6)  # C, the lowest-scored project funded


@pytest.mark.parametrize("backend", BACKENDS)
def test_stock_reward_funds_next_year(tmp_path: Path, backend: str) -> None:
    """Two years, no district quota at all; 100 mu of revitalisable stock; reward ratio 0.5, lag 1.

    A: major (20 亿元 ≥ 10), stock-eligible, 100 mu, window 2026 only → score 1.0, value 100.
    B: 50 mu, not stock-eligible, window 2027 only → score 10/20 = 0.5, value 25 (its first year: no discount).
    A uses the 100 mu of stock in 2026, earning 0.5 × 100 = 50 mu of quota for 2027, exactly B's demand.
    Without A's stock, B could not be supplied. Optimum 100 + 25 = 125.
    """
    sc = tiny([project("A", 100, investment=20, stock_land_eligible=True, latest_year=2026),
               project("B", 50, investment=10, earliest_year=2027)],
              districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 100}],
              horizon_years=2, reward_ratio=0.5, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(125, abs=TOL)
    assert row(r, "A")["land_stock"] == pytest.approx(100)
    b = row(r, "B")
    assert b["selected"] and b["year"] == 2027 and b["land_district_quota"] == pytest.approx(50)
    assert r.plan is not None
    led = r.plan.ledger.set_index("year")
    assert led.loc[2026, "reward_earned"] == pytest.approx(50)
    assert led.loc[2027, "reward_received"] == pytest.approx(50)


@pytest.mark.parametrize("backend", BACKENDS)
def test_misfit_barred_from_city_energy_pool(tmp_path: Path, backend: str) -> None:
    """District energy budget 100 tce, city pool 200 tce, land plentiful (1,000 mu).

    M: chain C2, not a key chain of its platform (a layout misfit), 20 亿元, 50 mu, 150 tce → score 1.0, value 50.
    F: fits the layout, 10 亿元, 50 mu, 150 tce → score 0.5, value 25.
    Both are major. Were M allowed the city pool, both fit (100 + 200 = 300 tce = 150 + 150) for 75.
    Clause 3(1): M may use only its district's 100 tce < 150, so it cannot be supplied; F takes 150 tce
    (100 district + 50 pool, or any split). Optimum 25.
    """
    sc = tiny([project("M", 50, investment=20, energy=150, chain="C2"), project("F", 50, investment=10, energy=150)],
              chains=[{"chain_id": "C1", "name": "链一"}, {"chain_id": "C2", "name": "链二"}],
              quotas={("A", 2026): {"new_land_quota": 1000, "energy_budget": 100}},
              city={2026: {"city_energy_pool": 200}}, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(25, abs=TOL)
    m, f = row(r, "M"), row(r, "F")
    assert not m["selected"] and m["reason_code"] == "misfit_district_short"
    assert f["selected"] and f["energy_district"] + f["energy_city_pool"] == pytest.approx(150)
    assert m["energy_city_pool"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_provincial_major_uses_provincial_pool(tmp_path: Path, backend: str) -> None:
    """District quota 50 mu, provincial reward quota 100 mu, no request to the province.

    P: provincial major, 120 mu, 12 亿元 → score 1.0, value 120; may use district quota + pool = 150 mu.
    Q: not provincial major, 60 mu, 12 亿元 → score 1.0, value 60; may use only the district's 50 mu < 60.
    Optimum 120: P supplied, at least 120 − 50 = 70 mu of it from the provincial pool; Q left out.
    """
    sc = tiny([project("P", 120, investment=12, provincial_major=True), project("Q", 60, investment=12)],
              quotas={("A", 2026): {"new_land_quota": 50}}, city={2026: {"provincial_reward_quota": 100}},
              **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(120, abs=TOL)
    p = row(r, "P")
    assert p["selected"] and p["land_provincial_pool"] >= 70 - 1e-6
    assert p["land_provincial_pool"] + p["land_district_quota"] == pytest.approx(120)
    assert not row(r, "Q")["selected"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_mandatory_forces_request_to_province(tmp_path: Path, backend: str) -> None:
    """District quota 100 mu, province request cap 100 mu at a penalty of 0.5 per mu; major threshold 20 亿元.

    M: mandatory, city-led (so major), 2 亿元, 150 mu → score 2/10 = 0.2, value 30.
    N: 10 亿元 (< 20, not major: no request), 100 mu → score 1.0, value 100.
    Without the mandatory rule the optimum would be N alone (100).
    M must be supplied: it takes all 100 mu of quota plus 50 mu requested (N then cannot fit: it needs
    100 mu of quota). Objective 30 − 0.5 × 50 = 5, with 50 mu to request from the province.
    """
    sc = tiny([project("M", 150, investment=2, city_led=True, mandatory=True), project("N", 100, investment=10)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 100}},
              major_investment_threshold=20, province_request_penalty=0.5, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(5, abs=TOL)
    m = row(r, "M")
    assert m["selected"] and m["land_province_request"] == pytest.approx(50)
    assert not row(r, "N")["selected"]
    assert r.kpis["mu_to_request"] == pytest.approx(50)


@pytest.mark.parametrize("backend", BACKENDS)
def test_deferral_discount_chooses_second_year(tmp_path: Path, backend: str) -> None:
    """Two years, 100 mu of quota each; deferral discount 0.9.

    A: 100 mu, 10 亿元, window 2026–2027 → score 1.0, value 100 in 2026, 90 in 2027.
    B: 100 mu, 5 亿元, window 2026 only → score 0.5, value 50.
    A in 2026 leaves no room for B: 100. A deferred to 2027 and B in 2026: 90 + 50 = 140. Optimum 140.
    The ranking rule (A first, earliest year) gets 100, so the optimum beats it by 40%.
    """
    sc = tiny([project("A", 100, investment=10), project("B", 100, investment=5, latest_year=2026)],
              quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 100}},
              horizon_years=2, deferral_discount=0.9, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(140, abs=TOL)
    assert row(r, "A")["year"] == 2027 and row(r, "B")["year"] == 2026
    assert r.greedy.objective == pytest.approx(100, abs=TOL)
    assert r.summary("en")["value_vs_ranking_rule"] == pytest.approx(0.4, abs=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_carry_over_lets_quota_wait(tmp_path: Path, backend: str) -> None:
    """Two years, quota 60 mu in 2026 and 60 in 2027; one project of 100 mu (10 亿元), window 2027 only.

    Without carry-over 60 < 100 in 2027: nothing can be supplied (objective 0).
    With carry-over, 2026's unused 60 mu carries into 2027: 120 ≥ 100, value 100 (no discount: 2027 is
    the first year of its window). Ledger 2027: opening 60 + issued 60 − used 100 = closing 20.
    """
    projects = [project("A", 100, investment=10, earliest_year=2027)]
    quotas = {("A", 2026): {"new_land_quota": 60}, ("A", 2027): {"new_land_quota": 60}}
    r0 = solve_via_workbook(tiny(projects, quotas=quotas, horizon_years=2, **INVESTMENT_ONLY), tmp_path, backend)
    assert r0.solution.objective == pytest.approx(0, abs=TOL)
    r1 = solve_via_workbook(tiny(projects, quotas=quotas, horizon_years=2, carryover_allowed=True, **INVESTMENT_ONLY),
                            tmp_path, backend)
    assert r1.solution.objective == pytest.approx(100, abs=TOL)
    assert r1.plan is not None
    led = r1.plan.ledger.set_index("year")
    assert (led.loc[2027, "opening"], led.loc[2027, "used"], led.loc[2027, "closing"]) == pytest.approx((60, 100, 20))


def test_entry_standard_excludes_before_the_model(tmp_path: Path) -> None:
    """Chain C1 requires 200 万元/亩 of output. A makes 100 万元/亩 (the builder default) and is excluded with
    the standard named; B makes 300 万元/亩 and is supplied. Quota is plentiful, so the objective is B's value:
    B is the only eligible project, score 1.0 × 50 mu = 50."""
    sc = tiny([project("A", 50, investment=10), project("B", 50, investment=10, output=300 * 50)],
              chains=[{"chain_id": "C1", "name": "链一", "min_output_per_mu": 200}],
              quotas={("A", 2026): {"new_land_quota": 500}}, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, "highs")
    assert r.solution.objective == pytest.approx(50, abs=TOL)
    a = row(r, "A")
    assert a["reason_code"] == "below_output_standard"
    assert "200.00" in a["reason_en"] and "100.00" in a["reason_en"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_ranking_rule_s_own_plan_reads_zero_against_itself(tmp_path: Path, backend: str) -> None:
    """Quota for both projects (A 30 mu, B 70 mu, 100 mu of quota): the ranking rule supplies both, as the optimum
    does, so the optimum is worth exactly the rule's plan: value versus the ranking rule 0, not −0.0 (issue 19), and
    the objective is the value of the allocation reported (30 × 0.5 + 70 × 1.0 = 85, less 1e-6 per mu of tie-break)."""
    sc = tiny([project("A", 30, investment=5), project("B", 70, investment=10)],
              quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    summary = r.summary("en")
    assert summary["objective"] == pytest.approx(85 - 100e-6, abs=1e-9)
    assert summary["objective"] == float(r.form.objective @ r.solution.x)
    vs = summary["value_vs_ranking_rule"]
    assert vs == 0.0 and str(vs) == "0.0", vs

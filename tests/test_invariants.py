"""Invariants on random scenarios, checked from the written workbooks alone (tests/invariants.py).

For every random scenario: no source over its limit in any district-year, every selected project fully
supplied exactly once, no ineligible project selected, rewards equal to reward_ratio × stock land used
by major projects the year before (no more than that, and within the city's reward reserve where one is set,
short only when the reserve is spent), the ledger balances, no project that is not a city-eligible major uses a
district's quota in a year while a major project of that district that could be supplied then is left out
(major_priority = strict), and the optimum is never below the ranking rule. Both solve paths must reach the same
objective (within the MIP gap).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import INVESTMENT_ONLY, project, random_small, tiny
from invariants import check_major_priority, check_results, could_be_supplied
from quota_opt.core.scenario import Scenario
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import check_and_prepare, read_scenario
from quota_opt.solve.highs import Status


def run_and_check(seed: int, folder: Path, reserve: bool = False) -> None:
    sc = random_small(seed, reserve=reserve)
    errors = [p for p in check_and_prepare(sc)[0] if p.is_error]
    assert not errors, [p.message("en") for p in errors]
    path = write_scenario(sc, folder / f"s{seed}.xlsx", "en")
    scenario = read_scenario(path)
    as_read = scenario.copy()  # what the sheets say, for the checks, whatever the run does with `scenario`
    result = run_scenario(scenario, RunOptions(backend="highs", mip_gap=1e-7))
    assert result.solution.status is Status.OPTIMAL, result.solution.termination
    out = write_results(result, folder / f"s{seed}_results.xlsx", "en")
    violations = check_results(path, out, scenario=as_read)
    assert not violations, violations
    other = run_scenario(scenario, RunOptions(backend="pyomo", mip_gap=1e-7, shadow_prices=False))
    assert other.solution.objective == pytest.approx(result.solution.objective, rel=1e-6, abs=1e-4)
    # never worse than the ranking rule (it is the warm start), up to the solver's feasibility
    # tolerance (1e-6 per variable, seen on the tie-break terms: 1.2e-6 on an objective of 154)
    assert result.solution.objective >= result.greedy.objective - max(1e-5, 1e-7 * abs(result.greedy.objective))


# Each example solves twice and writes two workbooks (about 2 s): the profile sets how many (conftest.py);
# test_invariants_fixed_seeds keeps eight of them in the fast loop.
@pytest.mark.slow
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), reserve=st.booleans())
def test_invariants_hold_on_random_scenarios(seed: int, reserve: bool, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_and_check(seed, tmp_path_factory.mktemp("inv"), reserve)


@pytest.mark.parametrize("seed", [0, *(pytest.param(s, marks=pytest.mark.slow) for s in range(1, 8))])
def test_invariants_fixed_seeds(seed: int, tmp_path: Path) -> None:
    run_and_check(seed, tmp_path)


@pytest.mark.parametrize("seed", [0, *(pytest.param(s, marks=pytest.mark.slow) for s in (3, 6, 11))])
def test_invariants_with_a_city_reward_reserve(seed: int, tmp_path: Path) -> None:
    """The same scenarios with the city's reward reserve set in some years (blank, 0, 10 or 40 mu)."""
    run_and_check(seed, tmp_path, reserve=True)


@pytest.mark.parametrize("seed", [0, *(pytest.param(s, marks=pytest.mark.slow) for s in range(1, 30))])
def test_the_years_a_major_could_be_supplied_match_the_models(seed: int) -> None:
    """The invariant's own reading of "could be supplied" (formulation.md, recomputed from the sheets) gives the
    model's pairs (formulation.priority_pairs) on random scenarios, so the check tests the model's rule."""
    from quota_opt.solve.formulation import build_formulation, priority_pairs

    sc = random_small(seed)
    _, prep = check_and_prepare(sc)
    assert prep is not None
    model = {(str(pid), int(y)) for pid, y in priority_pairs(build_formulation(prep))}
    assert could_be_supplied(sc) == model


def priority_case() -> Scenario:
    """District A, 2026, quota 60 mu. M: city-led (a city-eligible major), 1 亿元, 60 mu, energy 0 → score 0.25,
    value 15; O: not major (4 亿元 < 10), 40 mu → score 1.0, value 40. 60 ≤ 60: M could be supplied in 2026. By
    value alone O would win (40 > 15)."""
    return tiny([project("M", 60, investment=1, city_led=True), project("O", 40, investment=4)],
                quotas={("A", 2026): {"new_land_quota": 60}}, **INVESTMENT_ONLY)


@pytest.mark.slow
def test_the_solvers_plan_keeps_the_major_priority(tmp_path: Path) -> None:
    """`priority_case` solved (strict): M is supplied, O left out, and the invariants (this check among them) hold."""
    path = write_scenario(priority_case(), tmp_path / "s.xlsx", "en")
    out = write_results(run_scenario(read_scenario(path), RunOptions(backend="highs")), tmp_path / "r.xlsx", "en")
    assert check_results(path, out) == []


def test_the_major_priority_check_catches_a_plan_that_breaks_it() -> None:
    """`priority_case`: a plan made by hand that supplies O from 40 mu of A's 2026 quota and leaves M out (the plan
    major_priority = none gives) breaks the rule: the check names O, the quota and M. Supplying both passes (not
    feasible, but not this rule's business); under major_priority = none the same plan passes."""
    sc = priority_case()
    assert could_be_supplied(sc) == {("M", 2026)}
    cols = ["land_district_quota", "land_provincial_pool", "land_stock", "land_province_request", "energy_district",
            "energy_city_pool"]
    plan = pd.DataFrame({"project_id": ["M", "O"], "selected": ["no", "yes"], "year": [None, 2026],
                         **{c: [0.0, 40.0 if c == "land_district_quota" else 0.0] for c in cols}}).set_index("project_id")
    bad = check_major_priority(sc, plan)
    assert len(bad) == 1 and bad[0].startswith("O:") and "M" in bad[0] and "2026" in bad[0]
    assert check_major_priority(sc, plan.assign(selected=["yes", "yes"])) == []
    sc.settings = sc.settings.replace(major_priority="none")
    assert check_major_priority(sc, plan) == []

"""Where the tie-breaks act (models/formulation.md, "Where the tie-breaks act"): on small models HiGHS maximises the
objective without the tie-breaks on the source columns (`Formulation.selection_objective`,
strategy.direct_source_tie_breaks) and the polish after the solve applies them, so the source split still follows
their order: stock land, the district's quota, the provincial pool, a request to the province last."""

from __future__ import annotations

import numpy as np
import pytest

from builders import INVESTMENT_ONLY, project, random_small, tiny
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import TIE_BREAK, prepare
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import SolveOptions, Status, relative_gap, selection_gap, solve

SOURCES = ("land_stock", "land_district_quota", "land_provincial_pool", "land_province_request")


@pytest.mark.parametrize("seed", range(6))
def test_the_selection_objective_is_the_objective_less_the_source_tie_breaks(seed: int) -> None:
    """The selection objective leaves out the tie-breaks on n, p, s, e_d, e_c only: each is a cost (≤ 0) on a column
    ≥ 0, so it is never below the objective, and a bound on it bounds the objective. The supply values (with a
    quota-only project's tie-break on y), the request's penalty and tie-break, and the reward paid's gain stay."""
    form = build_formulation(prepare(random_small(seed, reserve=seed % 2 == 1)))
    tie, selection = form.source_tie_break, form.selection_objective()
    assert len(tie) == form.n_cols and (tie <= 0).all() and (form.bounds()[0] >= 0).all()
    assert np.allclose(form.objective - selection, tie, rtol=0, atol=1e-15)
    sources = ("land_district_quota", "land_provincial_pool", "land_stock", "energy_district", "energy_city_pool")
    for name in sources:
        cols = form.var(name).cols
        assert (selection[cols] == 0).all() and (tie[cols] == -TIE_BREAK[name]).all()
    kept = np.ones(form.n_cols, dtype=bool)
    for name in sources:
        kept[form.var(name).cols] = False
    assert (selection[kept] == form.objective[kept]).all()  # y, r, w, carry-over, z: as in the objective


def one_project(stock: float, own: float, pool: float, request: float):  # type: ignore[no-untyped-def]
    """District A, 2026. M: city-led and provincial major (city-eligible), stock-eligible, 10 亿元, 60 mu → score
    1.0, value 60; it may draw on every land source. Request penalty 0, so only the tie-breaks order the sources."""
    m = project("M", 60, investment=10, city_led=True, provincial_major=True, stock_land_eligible=True)
    return tiny([m], districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": stock}],
                quotas={("A", 2026): {"new_land_quota": own}},
                city={2026: {"provincial_reward_quota": pool, "province_request_cap": request}},
                province_request_penalty=0.0, **INVESTMENT_ONLY)


@pytest.mark.parametrize(("limits", "split", "objective", "bound"), [
    # every source could carry all 60 mu: stock land alone (tie-break 0) → 60
    ((100, 100, 100, 100), (60, 0, 0, 0), 60.0, 60.0),
    # 20 mu of stock, then the district's quota: 60 − 40 × 1e-6
    ((20, 100, 100, 100), (20, 40, 0, 0), 60 - 40e-6, 60.0),
    # 20 of stock, 30 of quota, then the provincial pool: 60 − 30 × 1e-6 − 10 × 2e-6
    ((20, 30, 100, 100), (20, 30, 10, 0), 60 - 30e-6 - 10 * 2e-6, 60.0),
    # no stock, no quota, 10 mu of pool, the rest requested: 60 − 10 × 2e-6 − 50 × 3e-6; the request's tie-break
    # is in the selection objective, so its optimum (the bound) is 60 − 50 × 3e-6
    ((0, 0, 10, 100), (0, 0, 10, 50), 60 - 10 * 2e-6 - 50 * 3e-6, 60 - 50 * 3e-6),
])
def test_a_small_model_solved_without_the_source_tie_breaks_keeps_their_order(
        monkeypatch: pytest.MonkeyPatch, limits: tuple[float, ...], split: tuple[float, ...],
        objective: float, bound: float) -> None:
    """The MIP of a small model is given no source tie-breaks (any split of M's 60 mu among stock, quota and pool
    is as good to it); the polish gives the split they prefer, the objective reported is the allocation's with
    every tie-break, and HiGHS's bound (on the selection objective) stays at or above it."""
    import quota_opt.pipeline as pipeline

    given: list[bool] = []

    def spy(form, options):  # type: ignore[no-untyped-def]
        given.append(options.source_tie_breaks)
        return solve(form, options)

    monkeypatch.setattr(pipeline, "solve", spy)
    result = run_scenario(one_project(*limits), RunOptions(mip_gap=0.0, shadow_prices=False, province_fallback=False))
    assert given == [False]
    sol = result.solution
    assert sol.status == Status.OPTIMAL and sol.backend == "highspy (bulk)"
    row = result.plan.allocation.set_index("project_id").loc["M"]
    assert row["selected"]
    assert tuple(float(row[s]) for s in SOURCES) == pytest.approx(split, abs=1e-6)
    assert sol.objective == pytest.approx(objective, abs=1e-9)
    assert sol.best_bound == pytest.approx(bound, abs=1e-9) and sol.best_bound >= sol.objective


def test_the_mip_without_source_tie_breaks_reports_its_allocations_value_with_them() -> None:
    """`SolveOptions(source_tie_breaks=False)`: HiGHS maximises `Formulation.selection_objective`; the objective the
    Solution reports is the allocation's own, every tie-break included, and the bound is at or above it."""
    form = build_formulation(prepare(one_project(20, 30, 100, 100)))
    sol = solve(form, SolveOptions(mip_gap=0.0, backend="highs", source_tie_breaks=False))
    assert sol.status == Status.OPTIMAL and sol.x is not None and sol.objective is not None
    assert sol.objective == pytest.approx(float(form.objective @ sol.x), abs=1e-12)
    assert sol.best_bound is not None and sol.best_bound >= sol.objective - 1e-12
    assert float(form.selection_objective() @ sol.x) == pytest.approx(60, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_the_gap_given_to_highs_keeps_the_reported_gap_within_the_target(seed: int) -> None:
    """HiGHS, on the selection objective, stops once its bound B is within g' of its incumbent's value S; the
    allocation reported is worth F = S − m with every tie-break, m ≤ M the most the source tie-breaks can cost.
    With g' = `selection_gap`, (B − F) / F stays within the target for any S at or above the floor, in the worst
    case (B = S(1 + g'), m = M) too. By hand, the one-project case: M = 60 mu × (1e-6 + 2e-6) (each source column
    with a tie-break at its bound: the district quota's and the pool's), so g' = 0.001 − 1.001 × 1.8e-4 / (50 −
    1.8e-4) with a floor of 50."""
    form = build_formulation(prepare(random_small(seed)))
    floor = max(float(form.objective.max()), 1.0)
    for target in (1e-3, 1e-2):
        g = selection_gap(form, target, floor)
        assert 0 <= g < target
        most = (target - g) * floor / (1 + target + target - g)  # M, from g' = target − (1 + target)M/(floor − M)
        for s in (floor, 2 * floor, 10 * floor):
            gap = relative_gap(s - most, s * (1 + g))
            assert gap is not None and gap <= target * (1 + 1e-9)
    assert selection_gap(form, 0.0, floor) == 0.0 and selection_gap(form, 1e-3, None) == 1e-3
    one = build_formulation(prepare(one_project(20, 30, 100, 100)))
    assert selection_gap(one, 1e-3, 50.0) == pytest.approx(1e-3 - 1.001 * 60 * 3e-6 / (50 - 60 * 3e-6), rel=1e-12)

"""The model district by district (decompose.py): the district bound is a valid upper bound, worked by hand on a
two-district city and checked against the proven optimum of random ones; a run reports the tighter bound."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from builders import project, random_small, tiny
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import prepare
from quota_opt.solve.decompose import BoundJob, Combination, district_bound
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import SolveOptions, Status, fixed_lp, solve
from quota_opt.solve.start import lp_relaxation


def supply_value(form: object, pid: str) -> float:
    y = form.var("supply")  # type: ignore[attr-defined]
    return float(form.objective[y.start + [k[0] for k in y.keys].index(pid)])  # type: ignore[attr-defined]


def two_districts() -> object:
    """District A has 100 mu of its own quota and two 60-mu projects X1, X2 that may not use the provincial
    pool; district B has no quota and two 40-mu provincial majors Y1, Y2, which may; the pool holds 50 mu."""
    return tiny([project("X1", 60), project("X2", 60),
                 project("Y1", 40, district="B", investment=3.0, provincial_major=True),
                 project("Y2", 40, district="B", investment=3.0, provincial_major=True)],
                districts=[{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}],
                quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"provincial_reward_quota": 50}})


def test_the_district_bound_worked_by_hand() -> None:
    """With v_X, v_Y the values of supplying one X and one Y:
    - best allocation: one X (100 mu of quota fits one 60-mu project) and one Y (50 mu of pool fits one
      40-mu project) = v_X + v_Y;
    - LP relaxation: 100/60 of an X and 50/40 of a Y = (5/3)·v_X + (5/4)·v_Y; the pool's price is
      λ = v_Y/40 per mu (one more mu of pool buys 1/40 more of a Y);
    - district bound: λ·50 (the pool, paid back) + district A alone (one X: v_X; A does not touch the pool)
      + district B alone with each pool mu charged λ (a Y is then worth v_Y − 40λ = 0) = (5/4)·v_Y + v_X:
      below the LP by (2/3)·v_X, the integrality loss inside district A that the LP cannot see."""
    form = build_formulation(prepare(two_districts()))  # type: ignore[arg-type]
    v_x, v_y = supply_value(form, "X1"), supply_value(form, "Y1")
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    assert relaxed.objective == pytest.approx(5 / 3 * v_x + 5 / 4 * v_y, rel=1e-6)
    bound = district_bound(form, relaxed.row_gain, 10)
    assert bound == pytest.approx(5 / 4 * v_y + v_x, rel=1e-6)
    optimum = solve(form, SolveOptions(mip_gap=0, backend="highs"))
    assert optimum.objective == pytest.approx(v_x + v_y, rel=1e-6)


@pytest.mark.parametrize("seed", range(12))
def test_the_district_bound_is_never_below_the_optimum_nor_above_the_lp(seed: int) -> None:
    form = build_formulation(prepare(random_small(seed)))
    relaxed = lp_relaxation(form, 10)
    optimum = solve(form, SolveOptions(mip_gap=0, backend="highs"))
    if relaxed is None or optimum.status != Status.OPTIMAL:
        return
    scale = max(1.0, abs(optimum.objective or 0.0))
    # as the district search proves it (presolve on) and as the job beside the MIP does (BOUND_PRESOLVE)
    for bound in (district_bound(form, relaxed.row_gain, 10), BoundJob(form, relaxed.row_gain, 10).result()):
        assert bound is not None
        assert optimum.objective is not None and bound >= optimum.objective - 1e-6 * scale
        assert bound <= relaxed.objective + 1e-6 * scale


def test_a_run_reports_the_tighter_bound() -> None:
    """The summary's best bound is the smaller of HiGHS's and the district bound, never below the objective."""
    result = run_scenario(two_districts(), RunOptions(mip_gap=0, threads=2, shadow_prices=False))  # type: ignore[arg-type]
    sol = result.solution
    assert sol.status == Status.OPTIMAL and sol.objective is not None and sol.best_bound is not None
    assert sol.best_bound >= sol.objective - 1e-9
    if result.district_bound is not None:
        assert sol.best_bound <= result.district_bound + 1e-9
    assert result.summary("en")["district_bound"] == result.district_bound


def test_a_bound_job_cancelled_ends_at_once() -> None:
    import time

    form = build_formulation(prepare(random_small(3)))
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    job = BoundJob(form, relaxed.row_gain, 60)
    t0 = time.perf_counter()
    job.result(cancel=True)
    assert time.perf_counter() - t0 < 30


def test_a_bound_job_solves_the_smallest_districts_first() -> None:
    """Time the small districts leave unused must reach the large ones, which need it (decompose.BoundJob)."""
    form = build_formulation(prepare(random_small(4)))  # districts of 49, 21 and 13 columns, in that order
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    job = BoundJob(form, relaxed.row_gain, 60)
    assert job.result() is not None
    sizes = [part.form.n_cols for part in job.parts]
    assert len(set(sizes)) > 1 and sizes == sorted(sizes)


def test_a_bound_job_that_fails_says_so_on_the_log_and_leaves_the_bound_out(
        bound_fault: Callable[[str], str], caplog: pytest.LogCaptureFixture) -> None:
    """The district bound is extra: a fault in its thread (here HiGHS made to raise) must not end the run,
    and must not pass unseen either."""
    warning = bound_fault("solve_parts")
    form = build_formulation(prepare(random_small(3)))
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    assert BoundJob(form, relaxed.row_gain, 60).result() is None
    assert warning in caplog.text


def four_plus_two() -> object:
    """Districts A and B, 40 mu of quota each, a provincial pool of 40 mu; six 40-mu projects: A1, A2 in A and
    B1, B2 in B (investment 6 and 4), and the provincial majors PA in A (investment 9) and PB in B (8). Without the
    major-project priority (major_priority = none), so that the plans worked by hand are all allowed."""
    return tiny([project("A1", 40, investment=6.0), project("A2", 40, investment=4.0),
                 project("B1", 40, district="B", investment=6.0), project("B2", 40, district="B", investment=4.0),
                 project("PA", 40, investment=9.0, provincial_major=True),
                 project("PB", 40, district="B", investment=8.0, provincial_major=True)],
                districts=[{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}],
                quotas={("A", 2026): {"new_land_quota": 40}, ("B", 2026): {"new_land_quota": 40}},
                city={2026: {"provincial_reward_quota": 40}}, major_priority="none")


def test_the_district_combination_worked_by_hand() -> None:
    """Three whole allocations, each feasible, cut into plans at the district border:
    - W1 = {A1, B2, PA}: A's plan {A1, PA} needs 40 mu of the pool (80 mu against A's 40), B's plan {B2};
    - W2 = {A2, B1, PB}: A's plan {A2}; B's plan {B1, PB} needs 40 mu of the pool;
    - W3 = {A1, B1}: A's plan {A1}; B's plan {B1}; no pool.
    One plan per district: {A1, PA} with {B1, PB} is the best of each district but needs 80 mu of a 40-mu
    pool; the best that fits is {A1, PA} + {B1} = v_A1 + v_PA + v_B1 (against {A1} + {B1, PB}, v_PB < v_PA),
    better than every whole: W1 has B2 for B1, W2 has A2 for A1 and PB for PA, W3 lacks PA.
    The combination is only as good as its plans: the optimum, PA (pool) + A1 (A's quota) + PB (B's quota)
    = v_A1 + v_PA + v_PB, needs the plan {PB} for B, which no whole allocation had."""
    form = build_formulation(prepare(four_plus_two()))  # type: ignore[arg-type]
    v = {pid: supply_value(form, pid) for pid in ("A1", "A2", "B1", "B2", "PA", "PB")}
    assert v["A1"] > v["A2"] and v["B1"] > v["B2"] and v["PA"] > v["PB"] > v["A1"]

    def whole(*pids: str) -> np.ndarray:
        y = form.var("supply")  # type: ignore[attr-defined]
        x = np.zeros(form.n_cols)  # type: ignore[attr-defined]
        x[[y.start + i for i, key in enumerate(y.keys) if key[0] in pids]] = 1.0
        completed = fixed_lp(form, x)  # type: ignore[arg-type]
        assert completed is not None
        return completed.x

    wholes = [whole("A1", "B2", "PA"), whole("A2", "B1", "PB"), whole("A1", "B1")]
    combination = Combination(form)  # type: ignore[arg-type]
    starts = [combination.add_whole(x) for x in wholes]
    # the rows linking A and B: the provincial pool, the request cap and the city energy pool (both 0 here)
    assert len(combination.plans) == 6 and list(combination.row_upper) == [40.0, 0.0, 0.0]
    x = combination.solve(10, start=starts[0])
    assert x is not None
    tie_breaks = 1e-3  # the source tie-breaks: at most 2e-6 per mu on 120 mu
    assert float(form.objective @ x) == pytest.approx(v["A1"] + v["PA"] + v["B1"], abs=tie_breaks)  # type: ignore[attr-defined]
    assert form.violation(x) <= 1e-9  # type: ignore[attr-defined]
    assert max(float(form.objective @ w) for w in wholes) < float(form.objective @ x) - 0.01  # type: ignore[attr-defined]
    optimum = solve(form, SolveOptions(mip_gap=0, backend="highs"))  # type: ignore[arg-type]
    assert optimum.objective == pytest.approx(v["A1"] + v["PA"] + v["PB"], abs=tie_breaks)


def test_a_solve_stopped_short_is_recombined_with_the_district_allocations() -> None:
    """A MIP that stopped at W1 = {A1, B2, PA} (a time limit, say) is recombined with the district bound's
    district allocations. The LP fills the three 40-mu slots (A's quota, B's quota, the pool) with PA, PB and
    A1 or B1, so the pool's price is λ = v_A1 / 40 = 0.9 per mu. District B alone, charged λ for the pool:
    PB on B's quota (a plan no whole allocation had), B1 on the pool at no net gain. With A's {A1, PA} from W1
    the combination reaches the optimum v_A1 + v_PA + v_PB; a second recombination finds nothing better."""
    from quota_opt.pipeline import recombine
    from quota_opt.solve.decompose import priced_parts, solve_parts
    from quota_opt.solve.highs import Solution, ensure_scheduler

    form = build_formulation(prepare(four_plus_two()))  # type: ignore[arg-type]
    v = {pid: supply_value(form, pid) for pid in ("A1", "B1", "B2", "PA", "PB")}
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    pool = form.constraints["provincial_reward_pool"].start
    assert relaxed.row_gain[pool] == pytest.approx(v["A1"] / 40, abs=1e-5)  # less the tie-breaks
    y = form.var("supply")
    x = np.zeros(form.n_cols)
    x[[y.start + i for i, key in enumerate(y.keys) if key[0] in ("A1", "B2", "PA")]] = 1.0
    completed = fixed_lp(form, x)
    assert completed is not None
    stopped = Solution(Status.FEASIBLE, "time limit", float(form.objective @ completed.x), relaxed.objective, None,
                       completed.x, "highspy (bulk)", "HiGHS", 1.0)
    parts, _ = priced_parts(form, relaxed.row_gain)
    ensure_scheduler(1)
    solve_parts(parts, 10, keep=True)
    assert recombine(stopped, form, [], parts) == "district combination"
    assert stopped.objective == pytest.approx(v["A1"] + v["PA"] + v["PB"], abs=1e-3)
    assert stopped.x is not None and form.violation(stopped.x) <= 1e-9
    assert recombine(stopped, form, [], parts) is None  # nothing better left


def test_a_step_after_the_mip_is_named_only_for_a_real_gain() -> None:
    """`run.replace_if_better`, shared by the recombination and the pairs: on an objective of 1,000, a gain of
    1e-4 (relative 1e-7, below GAIN = 1e-6: the tie-breaks' dust) leaves the allocation and names no step; a
    gain of 0.01 (1e-5) replaces it and recomputes the gap against the same bound (1,100 / 1,000.01 - 1)."""
    from quota_opt.pipeline import replace_if_better
    from quota_opt.solve.decompose import GAIN
    from quota_opt.solve.highs import Solution, relative_gap
    from quota_opt.solve.ranking import GreedyResult

    assert GAIN == 1e-6
    mine = np.zeros(3)
    stopped = Solution(Status.FEASIBLE, "time limit", 1000.0, 1100.0, relative_gap(1000.0, 1100.0), mine,
                       "highspy (bulk)", "HiGHS", 1.0)
    dust = GreedyResult(x=np.ones(3), objective=1000.0001, feasible=True, unplaced_mandatory=[])
    assert not replace_if_better(stopped, dust)
    assert stopped.x is mine and stopped.objective == 1000.0
    assert not replace_if_better(stopped, None)
    real = GreedyResult(x=np.full(3, 2.0), objective=1000.01, feasible=True, unplaced_mandatory=[])
    assert replace_if_better(stopped, real)
    assert stopped.x is real.x and stopped.objective == 1000.01
    assert stopped.gap == pytest.approx((1100.0 - 1000.01) / 1000.01)


def test_the_combination_keeps_a_platform_spanning_districts_within_its_capacity() -> None:
    """Platform PA (capacity 40 mu) has a 40-mu project in district A and one in district B, each district
    with 40 mu of quota: each district alone may supply its project, not both. The platform's row is a
    linking row; from the wholes {A1} and {B1} the combination picks one (the better, B1, investment 6)."""
    platforms = [{"platform_id": "PA", "name": "平台A", "district_id": "A", "key_chains": "C1",
                  "evaluation_score": 80, "land_capacity": 40}]
    form = build_formulation(prepare(tiny(  # type: ignore[arg-type]
        [project("A1", 40, platform="PA", investment=4.0), project("B1", 40, district="B", platform="PA",
                                                                    investment=6.0)],
        districts=[{"district_id": "A", "name": "甲区"}, {"district_id": "B", "name": "乙区"}],
        quotas={("A", 2026): {"new_land_quota": 40}, ("B", 2026): {"new_land_quota": 40}},
        platforms=platforms)))
    y = form.var("supply")
    combination = Combination(form)
    for pid in ("A1", "B1"):
        x = np.zeros(form.n_cols)
        x[y.start + [key[0] for key in y.keys].index(pid)] = 1.0
        combination.add_whole(x)
    assert list(combination.row_upper) == [40.0]
    x = combination.solve(10)
    assert x is not None and form.violation(x) <= 1e-9
    assert float(form.objective @ x) == pytest.approx(supply_value(form, "B1"))


def test_the_district_pairs_worked_by_hand() -> None:
    """Two districts make one pair, the whole model: from W1 = {A1, B2, PA} the pair's MIP reaches the
    optimum v_A1 + v_PA + v_PB (PA on the pool, A1 on A's quota, PB on B's), proves it, and the search ends
    there, long before its time limit, since its only pair cannot improve any more."""
    import time

    from quota_opt.solve.decompose import district_pairs

    form = build_formulation(prepare(four_plus_two()))  # type: ignore[arg-type]
    v = {pid: supply_value(form, pid) for pid in ("A1", "B2", "PA", "PB")}
    y = form.var("supply")
    x = np.zeros(form.n_cols)
    x[[y.start + i for i, key in enumerate(y.keys) if key[0] in ("A1", "B2", "PA")]] = 1.0
    completed = fixed_lp(form, x)
    assert completed is not None
    t0 = time.perf_counter()
    found, interrupted = district_pairs(form, completed.x, 60)
    assert time.perf_counter() - t0 < 30 and not interrupted
    assert found is not None and form.violation(found) <= 1e-9
    assert float(form.objective @ found) == pytest.approx(v["A1"] + v["PA"] + v["PB"], abs=1e-3)
    assert district_pairs(form, found, 60) == (None, False)  # nothing better left


def four_districts_one_pool() -> object:
    """Districts A–D, 40 mu of quota each, a provincial pool of 40 mu; in each district a 40-mu project (A1 to D1,
    investment 5, 4, 3, 2) and a 40-mu provincial major (PA to PD, investment 9, 8, 7, 6); major_priority = none,
    so that the starting allocation A1–D1 (the majors left out) is allowed."""
    names = "ABCD"
    projects = []
    for i, d in enumerate(names):
        projects += [project(f"{d}1", 40, district=d, investment=5.0 - i),
                     project(f"P{d}", 40, district=d, investment=9.0 - i, provincial_major=True)]
    return tiny(projects, districts=[{"district_id": d, "name": f"{d}区"} for d in names],
                quotas={(d, 2026): {"new_land_quota": 40} for d in names},
                city={2026: {"provincial_reward_quota": 40}}, major_priority="none")


@pytest.mark.parametrize("threads", [1, 2])
def test_district_pairs_side_by_side_share_the_pool(threads: int) -> None:
    """From A1–D1 (each district's quota on its project, the pool unused): five 40-mu slots (four quotas, the
    pool), and only the majors may use the pool, so the optimum is the four majors and the best of the others,
    A1, with PA on the pool and A1 on A's quota: v_PA + v_PB + v_PC + v_PD + v_A1. Reaching it takes a pair with
    A that may use the pool's whole slack; two pairs solved at once must not both spend it (in turn, one may)."""
    from quota_opt.solve.decompose import district_pairs

    form = build_formulation(prepare(four_districts_one_pool()))  # type: ignore[arg-type]
    v = {pid: supply_value(form, pid) for pid in ("A1", "PA", "PB", "PC", "PD")}
    y = form.var("supply")
    x = np.zeros(form.n_cols)
    x[[y.start + i for i, key in enumerate(y.keys) if key[0].endswith("1")]] = 1.0
    completed = fixed_lp(form, x)
    assert completed is not None
    found, _ = district_pairs(form, completed.x, 60, threads=threads)
    assert found is not None and form.violation(found) <= 1e-9
    assert float(form.objective @ found) == pytest.approx(sum(v.values()), abs=1e-3)


def test_district_pairs_counted_in_steps_take_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted in work (`steps`, `nodes`: `STRATEGY.district_work`), the district pairs stop after their steps,
    whatever time is left; unbounded, the same search from A1–D1 takes more than one step (six pairs of four
    districts, most of which cannot improve the allocation)."""
    import quota_opt.solve.decompose as decompose

    form = build_formulation(prepare(four_districts_one_pool()))  # type: ignore[arg-type]
    y = form.var("supply")
    x = np.zeros(form.n_cols)
    x[[y.start + i for i, key in enumerate(y.keys) if key[0].endswith("1")]] = 1.0
    completed = fixed_lp(form, x)
    assert completed is not None
    drawn: list[object] = []
    draw = decompose._draw_pairs
    monkeypatch.setattr(decompose, "_draw_pairs", lambda *a: drawn.append(a) or draw(*a))
    decompose.district_pairs(form, completed.x, 60, threads=1)
    assert len(drawn) > 2
    for steps in (0, 1, 2):
        drawn.clear()
        decompose.district_pairs(form, completed.x, 60, threads=1, steps=steps, nodes=10)
        assert len(drawn) == steps


@pytest.mark.slow
def test_a_run_stopped_short_is_improved_by_district_pairs_and_says_so() -> None:
    """A generated city of 300 projects (2,057 columns, more than STRATEGY.districts_from_columns) with 4 s: the MIP
    stops short, the district pairs run after it, and whatever improved the MIP's allocation is named in the
    summary, in both languages. The allocation is feasible and no worse than the ranking rule."""
    from quota_opt.core.vocabulary import START_WORDS
    from quota_opt.solve.strategy import STRATEGY
    from quota_opt.studies.generate import generate_scenario

    result = run_scenario(generate_scenario(300, 13, 3, 1), RunOptions(time_limit_s=4, threads=2, shadow_prices=False))
    assert result.form.n_cols > STRATEGY.districts_from_columns
    sol = result.solution
    assert sol.x is not None and sol.objective is not None and result.form.violation(sol.x) <= 1e-6
    assert sol.objective >= result.greedy.objective - 1e-6
    ways = result.improved_by.split(" + ") if result.improved_by else []
    assert set(ways) <= {"district combination", "district pairs"}
    for lang, i in (("zh", 0), ("en", 1)):
        shown = result.summary(lang)["improved_by"]
        assert all(START_WORDS[way][i] in shown for way in ways)
    result.improved_by = "district combination + district pairs"
    assert result.summary("zh")["improved_by"] == "；".join(START_WORDS[w][0] for w in ("district combination",
                                                                                        "district pairs"))
    assert result.summary("en")["improved_by"] == ("one plan per district, picked from those the district solves "
                                                   "found; two districts at a time re-solved, the others fixed")


def test_district_losses_against_the_district_bound() -> None:
    """four_plus_two at the LP's pool price λ = 0.9 per mu (v_A1 / 40): district A's priced best is A1 on its
    quota and PA on the pool, v_A1 + v_PA − 40λ = v_PA; B's is PB on its quota (B1 on the pool gains nothing).
    W1 = {A1, B2, PA} leaves A at its best (loss 0) and B short by v_PB − v_B2. A district whose MIP gave no
    bound counts as the average of the others."""
    from quota_opt.solve.decompose import district_losses, priced_parts, solve_parts
    from quota_opt.solve.highs import ensure_scheduler

    form = build_formulation(prepare(four_plus_two()))  # type: ignore[arg-type]
    v = {pid: supply_value(form, pid) for pid in ("A1", "B2", "PA", "PB")}
    relaxed = lp_relaxation(form, 10)
    assert relaxed is not None
    parts, _ = priced_parts(form, relaxed.row_gain)
    ensure_scheduler(1)
    solve_parts(parts, 10)
    y = form.var("supply")
    x = np.zeros(form.n_cols)
    x[[y.start + i for i, key in enumerate(y.keys) if key[0] in ("A1", "B2", "PA")]] = 1.0
    completed = fixed_lp(form, x)
    assert completed is not None
    losses = district_losses(form, parts)(completed.x)
    assert losses == pytest.approx([0.0, v["PB"] - v["B2"]], abs=1e-3)  # districts in order A, B
    b = next(p for p in parts if p.district == 1)
    b.bound = None
    assert district_losses(form, parts)(completed.x) == pytest.approx([0.0, 0.0], abs=1e-3)

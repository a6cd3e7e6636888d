"""The solve's strategy by size (solve/strategy.py): small models are HiGHS alone on the bulk path (the model
`--write-model` writes), with no side job; optionally raced against a second HiGHS (`highs.race`), which proves the
same optimum and keeps the best allocation at a time limit and on Ctrl-C."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from builders import EXAMPLE, random_small
from quota_opt.input.validate import read_scenario
from quota_opt.interpret.plan import supplied_years
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import prepare
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import SolveOptions, Status, race, solve
from quota_opt.solve.strategy import STRATEGY

RACED = "highspy (bulk, raced)"
BULK = "highspy (bulk)"
RACING = dataclasses.replace(STRATEGY, race_options={"random_seed": 1})


@pytest.fixture
def racing(monkeypatch: pytest.MonkeyPatch) -> None:
    import quota_opt.pipeline as pipeline

    monkeypatch.setattr(pipeline, "STRATEGY", RACING)


def test_a_small_model_is_solved_by_highs_alone_on_the_written_model() -> None:
    """Up to `direct_up_to_columns` the run is HiGHS on the bulk path (what `--write-model` writes, what HiGHS alone
    is given), not Pyomo's interface, and no district bound runs beside it (the example: 813 columns)."""
    sc = read_scenario(EXAMPLE)
    result = run_scenario(sc, RunOptions(time_limit_s=1, threads=2, shadow_prices=False, province_fallback=False))
    assert result.form.n_cols <= STRATEGY.direct_up_to_columns
    assert result.solution.backend == BULK and result.district_bound is None
    pyomo = run_scenario(sc, RunOptions(time_limit_s=1, threads=2, backend="pyomo", shadow_prices=False,
                                        province_fallback=False))
    assert pyomo.solution.backend.startswith("pyomo")  # an explicit --backend still holds


def test_a_small_model_gives_highs_no_start_yet_never_ends_below_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the start, HiGHS searched no fewer nodes and took longer (strategy.direct_mip_start): a small model's
    MIP gets none, counted in work too (the example, a budget of 609 nodes: 2,025.7 without it, 1,984.4 with), unless
    the run starts from another case's allocation; the starting allocation still stands when HiGHS ends below it
    (here a node limit of 1 on the example)."""
    import quota_opt.pipeline as pipeline

    given: list[bool] = []

    def spy(form, options):  # type: ignore[no-untyped-def]
        given.append(options.warm_start is not None)
        return solve(form, options)

    monkeypatch.setattr(pipeline, "solve", spy)
    sc = read_scenario(EXAMPLE)
    quick = RunOptions(time_limit_s=30, shadow_prices=False, province_fallback=False,
                       highs_options={"mip_max_nodes": 1, "mip_heuristic_effort": 0.0})
    result = run_scenario(sc, quick)
    assert given == [False]
    sol = result.solution
    assert sol.x is not None and sol.objective is not None and sol.objective >= result.greedy.objective - 1e-9
    counted = run_scenario(sc, dataclasses.replace(quick, deterministic=True, time_limit_s=1))  # 41 nodes
    assert given == [False, False]
    assert counted.solution.objective is not None and counted.solution.objective >= counted.greedy.objective - 1e-9
    plan = supplied_years(result.plan.allocation) if result.plan is not None else {}
    run_scenario(sc, dataclasses.replace(quick, start_plan=plan))
    assert given == [False, False, True]  # another case's allocation: the MIP starts there


def test_a_work_budget_gives_fewer_nodes_to_larger_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """A time limit counted in work (`RunOptions.deterministic`) becomes a node limit of
    `node_work_per_second` · limit / columns: a node's LP grows with the model, so that the run takes about its
    limit at any size. The example's 60 s are 2,435 nodes (33,000 · 60 / 813), a 300-project model's (2,093
    columns) 946, and never fewer than one."""
    assert STRATEGY.nodes(60.0, 813) == round(STRATEGY.node_work_per_second * 60.0 / 813)
    assert STRATEGY.nodes(60.0, 813) > STRATEGY.nodes(60.0, 2_093) > STRATEGY.nodes(60.0, 11_154) >= 1
    assert STRATEGY.nodes(30.0, 2_093) < STRATEGY.nodes(60.0, 2_093)
    assert STRATEGY.nodes(0.001, 10**7) == 1
    import quota_opt.pipeline as pipeline

    given: list[tuple[int, SolveOptions]] = []

    def spy(form, options):  # type: ignore[no-untyped-def]
        given.append((form.n_cols, dataclasses.replace(options)))
        return solve(form, options)

    monkeypatch.setattr(pipeline, "solve", spy)
    run_scenario(random_small(3), RunOptions(time_limit_s=2.0, deterministic=True, shadow_prices=False,
                                             province_fallback=False))
    (n_cols, options), = given
    assert options.highs_options["mip_max_nodes"] == STRATEGY.nodes(2.0, n_cols)
    # the clock is only a safety net: the backstop, less what the starting allocation took
    assert options.threads == 1 and STRATEGY.backstop_min_s - 5 < options.time_limit_s <= STRATEGY.backstop_min_s


def test_counted_in_work_the_district_steps_take_the_shares_the_clock_gives_them() -> None:
    """Between `districts_from_columns` and `search_from_columns`, a run counted in work gives the MIP, the district
    bound beside it and the district pairs after it the shares of the limit a wall-clock run gives them, as nodes:
    300 projects (2,093 columns, 13 districts) with 60 s: the MIP 60 · 0.6 s (568 nodes), each district MIP
    0.9 · 36 / 13 s on its own columns, the pairs ⌊24 / 2.3⌋ = 10 steps."""
    work = STRATEGY.district_work(60.0, 2_093, 13)
    assert work.mip_nodes == STRATEGY.nodes(60.0 * (1 - STRATEGY.pairs_share), 2_093) == 568
    part = type("Part", (), {"form": type("Form", (), {"n_cols": 160})()})()
    assert work.part_nodes(part) == STRATEGY.nodes(STRATEGY.job_share * 36.0 / 13, 160)
    assert work.pair_steps == int(60.0 * STRATEGY.pairs_share // STRATEGY.pair_step_s) == 10
    assert work.pair_nodes == STRATEGY.nodes(STRATEGY.pair_node_s, 2_093 // 2)
    assert STRATEGY.district_work(2.0, 2_093, 13).pair_steps == 0  # too little for one step: no pairs
    assert STRATEGY.district_work(30.0, 2_093, 13).mip_nodes < work.mip_nodes


def test_the_strategy_races_small_models_only_with_two_cores_and_not_counted_in_work() -> None:
    small = RACING.direct_up_to_columns
    assert not STRATEGY.races(small, 2)  # off by default (strategy.race_options)
    assert RACING.races(small, 2) and RACING.races(1, 2)
    assert not RACING.races(small + 1, 2)  # larger models get the district bound and pairs
    assert not RACING.races(small, 1)  # one core: nothing to race on
    assert not RACING.races(small, 2, deterministic=True)  # a work budget needs one thread, one path
    assert not RACING.races(0, 2)


@pytest.mark.parametrize("seed", [3, 17, 2265])
def test_the_race_proves_the_optimum_a_single_highs_proves(seed: int) -> None:
    form = build_formulation(prepare(random_small(seed)))
    alone = solve(form, SolveOptions(mip_gap=0.0, backend="highs", threads=1))
    raced = race(form, SolveOptions(mip_gap=0.0, race={"random_seed": 1}))
    assert raced.backend == RACED
    assert raced.status == alone.status
    if alone.status == Status.OPTIMAL:
        assert raced.objective == pytest.approx(alone.objective, rel=1e-9, abs=1e-9)
        assert raced.x is not None and form.violation(raced.x) <= 1e-6


@pytest.mark.usefixtures("racing")
def test_a_small_model_is_raced_and_a_work_budget_is_not() -> None:
    sc = random_small(3)
    raced = run_scenario(sc, RunOptions(shadow_prices=False, province_fallback=False, threads=2))
    assert raced.solution.backend == RACED
    counted = run_scenario(sc, RunOptions(shadow_prices=False, province_fallback=False, deterministic=True))
    assert counted.solution.backend != RACED
    assert counted.solution.objective == pytest.approx(raced.solution.objective, rel=1e-6)


@pytest.mark.usefixtures("racing")
def test_the_race_at_its_time_limit_keeps_the_better_allocation_and_a_valid_bound() -> None:
    """The example with a gap target of 0 and 2 s: neither run proves it; the answer is an allocation that fits,
    never below the start, with the smaller bound of the two (at or above it)."""
    result = run_scenario(read_scenario(EXAMPLE), RunOptions(time_limit_s=2, mip_gap=0.0, threads=2,
                                                             shadow_prices=False, province_fallback=False))
    sol = result.solution
    assert sol.backend == RACED and sol.status == Status.FEASIBLE and sol.termination == "time limit"
    assert sol.x is not None and sol.objective is not None and result.form.violation(sol.x) <= 1e-6
    assert sol.objective >= result.greedy.objective - 1e-9
    assert sol.best_bound is not None and sol.best_bound >= sol.objective
    assert sol.best_bound <= (result.lp_bound or np.inf) + 1e-6


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    import signal

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _interrupted_example() -> tuple[Any, float]:
    """The example solved with a gap target of 0 and Ctrl-C 3 s into the solve stage; the result and its time."""
    import os
    import signal
    import threading

    def on_stage(name: str) -> None:
        if name == "solve":
            threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()

    t0 = time.perf_counter()
    result = run_scenario(read_scenario(EXAMPLE), RunOptions(time_limit_s=120, mip_gap=0.0, threads=2,
                                                             shadow_prices=False, province_fallback=False,
                                                             on_stage=on_stage))
    return result, time.perf_counter() - t0


def _stopped_at_once_with_the_best_allocation(backend: str) -> None:
    """The example's --gap 0 solve, Ctrl-C 3 s in: it stops at once, through `backend`, with a feasible answer no
    worse than the ranking rule's, marked interrupted."""
    result, seconds = _interrupted_example()
    assert seconds < 30
    sol = result.solution
    assert sol.backend == backend and sol.termination == "interrupted" and sol.status == Status.FEASIBLE
    assert sol.x is not None and sol.objective is not None and result.form.violation(sol.x) <= 1e-6
    assert sol.objective >= result.greedy.objective - 1e-9


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_during_a_small_models_solve_keeps_the_best_allocation() -> None:
    """HiGHS alone, with no MIP start, stops at once on Ctrl-C; the answer is its incumbent or the start, whichever
    is better, marked interrupted."""
    _stopped_at_once_with_the_best_allocation(BULK)


@pytest.mark.usefixtures("ctrl_c_raises", "racing")
def test_ctrl_c_during_the_race_stops_both_and_keeps_the_best_allocation() -> None:
    _stopped_at_once_with_the_best_allocation(RACED)


def test_a_changed_threshold_takes_the_model_back_to_the_default_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import quota_opt.pipeline as pipeline

    monkeypatch.setattr(pipeline, "STRATEGY", dataclasses.replace(RACING, direct_up_to_columns=0))
    result = run_scenario(random_small(3), RunOptions(shadow_prices=False, province_fallback=False, threads=2))
    assert result.solution.backend.startswith("pyomo")  # `auto` below 20,000 columns

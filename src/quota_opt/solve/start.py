"""A starting allocation better than the ranking rule, guided by the LP relaxation.

Large scenarios leave HiGHS little time beyond its root node, so the incumbent it starts from is the
allocation it reports. The ranking rule ranks projects by value per mu alone; the LP relaxation also
sees which quotas are scarce and which years and sources fit together. The heuristic:

1. solves the LP relaxation (every `supply` variable in [0, 1]); its optimum is also a valid upper
   bound on the best allocation;
2. runs the ranking rule in the LP's order: projects the LP funds fully first, then by the share the
   LP funds, each trying first the year in which the LP funds most of it;
3. on large models (where HiGHS gets little beyond its root node), the district search: each district
   as its own MIP with the city-level pools shared out as the LP shares them (`district_split`), then
   the whole model near that allocation (`district_search`), which also proves the district bound, and
   last one district allocation per district picked from all those found (`decompose.Combination`);
4. keeps the best of these and the plain ranking rule.

Every candidate is a feasible point of the formulation (the ranking rule only places what fits; the
others are checked row by row), so the result is never worse than the ranking rule.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from quota_opt.solve.decompose import (
    COUPLING,
    Combination,
    Part,
    Stop,
    as_allocation,
    district_of_candidates,
    district_parts,
    price_rounds_or_warn,
    scatter,
    solve_parts,
    workers,
)
from quota_opt.solve.formulation import Formulation
from quota_opt.solve.highs import ensure_scheduler, interruptible, limit_nodes, load_highs, set_start
from quota_opt.solve.ranking import GreedyResult, ranking_rule
from quota_opt.solve.strategy import STRATEGY, SearchWork


@dataclass
class Relaxation:
    """The LP relaxation's optimum: column values, objective (an upper bound on any allocation) and, per row,
    the value of one more unit of its limit (|dual|, ≥ 0 for the ≤ rows of this maximisation)."""

    x: np.ndarray
    objective: float
    row_gain: np.ndarray


@dataclass
class StartResult:
    best: GreedyResult  # the best starting allocation found (ranking rule or LP-guided)
    ranking: GreedyResult  # the plain ranking rule (the baseline reported in `summary`)
    lp_bound: float | None  # objective of the LP relaxation, an upper bound on any allocation
    lp_seconds: float
    source: str  # "ranking rule", "LP-guided", "district split", "district neighbourhood" or "district combination"
    relaxation: Relaxation | None = None
    district_bound: float | None = None  # proved by the district search (large models), else None
    interrupted: bool = False  # Ctrl-C came before the search ended: `best` is the best found until then
    searched: bool = False  # the district search ran (to its end unless `interrupted`)


def lp_relaxation(form: Formulation, time_limit_s: float, threads: int = 0) -> Relaxation | None:
    """The LP relaxation's optimum, or None when it was not solved in time."""
    ensure_scheduler(int(threads or 0))  # HiGHS fails a run whose thread count differs from its scheduler's
    h = load_highs(form, integer=False)
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.1)))
    if threads:
        h.setOptionValue("threads", int(threads))
    if form.n_cols > STRATEGY.lp_ipm_from_columns:
        h.setOptionValue("solver", "ipm")
    h.run()
    if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
        return None
    sol = h.getSolution()
    return Relaxation(np.asarray(sol.col_value, dtype=float), float(h.getInfo().objective_function_value),
                      np.abs(np.asarray(sol.row_dual, dtype=float)))


def lp_guided(form: Formulation, x_lp: np.ndarray) -> GreedyResult:
    """The ranking rule steered by an LP solution: LP-funded share first, then value per mu; LP's year first."""
    prep = form.prep
    c = prep.candidates
    supply = form.variables["supply"]
    n = len(c)
    y = np.asarray(x_lp[supply.start:supply.start + supply.size], dtype=float)
    share = np.zeros(n)
    np.add.at(share, supply.project, y)
    # the year position in which the LP supplies most of each project
    best_y = np.full(n, -1.0)
    first_year = np.full(n, -1, dtype=np.int64)
    for k in range(supply.size):
        j = supply.project[k]
        if y[k] > best_y[j] + 1e-9:
            best_y[j] = y[k]
            first_year[j] = supply.year[k]
    per_mu = c["total_value"].to_numpy(float) / c["land_demand"].to_numpy(float)
    # fully funded first (rounded, so LP noise does not reorder them), then by share, then value per mu
    order = np.lexsort((np.arange(n), -per_mu, -np.round(share, 6)))
    return ranking_rule(form, order=[int(j) for j in order], first_year=[int(t) for t in first_year])


def starting_allocation(form: Formulation, *, lp_time_limit_s: float, search_time_limit_s: float = 0.0,
                        threads: int = 0, search_work: SearchWork | None = None) -> StartResult:
    """The ranking rule and, when the LP relaxation solves within `lp_time_limit_s`, the LP-guided rule and
    (given `search_time_limit_s`, for large models) the district search, which ends that long after this
    began (the rules and the LP included), counted in `search_work` when given; the best of them. Ctrl-C ends it
    with the best found so far (`interrupted`)."""
    began = time.perf_counter()
    ranking = ranking_rule(form)
    t0 = time.perf_counter()
    try:
        relaxed = lp_relaxation(form, lp_time_limit_s, threads) if lp_time_limit_s > 0 else None
    except KeyboardInterrupt:  # the LP cannot be stopped midway: Python raises it once HiGHS returns
        return StartResult(ranking, ranking, None, time.perf_counter() - t0, "ranking rule", interrupted=True)
    if relaxed is None:
        return StartResult(ranking, ranking, None, time.perf_counter() - t0, "ranking rule")
    guided = lp_guided(form, relaxed.x)
    candidates = [(ranking, "ranking rule"), (guided, "LP-guided")]
    district_bound, interrupted = None, False
    searched = search_time_limit_s > 0
    if searched:
        fallback = max((g for g in (ranking, guided) if g.feasible), key=lambda g: g.objective, default=None)
        left = max(search_time_limit_s - (time.perf_counter() - began), 0.1)
        found, district_bound, interrupted = district_search(form, relaxed, left, threads, fallback, search_work)
        candidates += found
    feasible = [(g, name) for g, name in candidates if g.feasible]
    best, source = max(feasible, key=lambda gn: gn[0].objective) if feasible else (ranking, "ranking rule")
    return StartResult(best, ranking, relaxed.objective, time.perf_counter() - t0, source, relaxed, district_bound,
                       interrupted, searched)


SPLIT_SHARE = 0.35  # of the district search's time: the district split; the rest, the neighbourhood and the bound
# (measured at 5,000 projects, 100 s: 0.25 → 47,418; 0.35 → 47,206 and 47,659; 0.5 → 47,567 and 46,105, when the
# neighbourhood's root took longer than its time and it kept the split)


def district_search(form: Formulation, relaxed: Relaxation, time_limit_s: float, threads: int = 0,
                    fallback: GreedyResult | None = None, work: SearchWork | None = None,
                    ) -> tuple[list[tuple[GreedyResult, str]], float | None, bool]:
    """For models too large for HiGHS to get beyond its root node: allocations found district by district, and
    the district bound (decompose.py).

    1. The district split (`SPLIT_SHARE` of the time, every worker): each district alone with the LP's share
       of the pools; put together, feasible.
    2. Then side by side: the *neighbourhood*, the whole model with each project-year fixed where the LP and
       the split agree (in or out; the others free), started from the split (or from `fallback`, when the
       split found nothing), on one HiGHS thread, so it can only improve on its start; and the district
       bound's MIPs on the other workers, round after round while a round fits (`decompose.price_rounds`;
       after the neighbourhood when there is one worker). Over `STRATEGY.neighbourhood_up_to_columns`, the
       rounds alone, on every worker.
    3. The last `COMBINE_SHARE` of the time: the *district combination* (`decompose.Combination`), one plan
       per district from every district allocation met above, within the rows linking districts; never
       worse than the best whole allocation found, its start.

    Counted in `work` (`Strategy.search_work`; `pipeline.work_budget`), each step stops at its node limit, the
    rounds at their number, and `time_limit_s` is only the backstop: the outcome is then the same whatever the
    timing and the number of workers.

    Returns what it found, the district bound (None when not proved) and whether Ctrl-C ended it early (then
    with what was found so far).
    """
    w = work
    rounds, round_nodes = (w.rounds, w.round_nodes) if w else (None, None)
    deadline = time.perf_counter() + time_limit_s
    n = workers(threads)
    split = _split_parts(form, relaxed.x)  # loaded here: see decompose.Part.load
    ensure_scheduler(1)  # one HiGHS thread per MIP; the next solve re-sizes the scheduler as it needs
    stop = Stop()
    with contextlib.suppress(KeyboardInterrupt):  # the districts solved so far, the others left empty, are still
        solve_parts(split, (1.0 if w else SPLIT_SHARE) * time_limit_s, threads, stop=stop, keep=True,
                    nodes=w.split_nodes if w else None)  # a feasible allocation
    joined = _join_split(form, split)
    found = [(joined, "district split")] if joined is not None else []
    if stop.event.is_set():
        return found, None, True
    combination = Combination(form)
    for part in split:
        combination.add_part(part)
    for whole in (fallback, joined):
        if whole is not None:
            combination.add_whole(whole.x)
    start = joined if joined is not None else fallback
    guides = [relaxed.x] + ([start.x] if start is not None else [])  # of the neighbourhood, where there is one
    rounds_end = deadline - (0.0 if w else COMBINE_SHARE) * time_limit_s
    x: np.ndarray | None = None
    passed: list[np.ndarray] = []
    if form.n_cols > STRATEGY.neighbourhood_up_to_columns:  # the price rounds on every worker, no neighbourhood
        try:
            bound = price_rounds_or_warn(form, combination, relaxed.row_gain, rounds_end, n, stop, rounds, round_nodes)
        except KeyboardInterrupt:  # the district MIPs running are cancelled; what was found stands
            stop()
            bound = None
    elif n > 1:
        near = _neighbourhood(form, guides, start)
        with ThreadPoolExecutor(max_workers=2) as pool:
            job = pool.submit(price_rounds_or_warn, form, combination, relaxed.row_gain, rounds_end, n - 1, stop,
                              rounds, round_nodes)
            x, passed = _run_neighbourhood(near, max(rounds_end - time.perf_counter(), 0.1), stop,
                                           w.neighbourhood_nodes if w else None)
            try:
                bound = job.result()
            except KeyboardInterrupt:
                stop()
                bound = None
    else:
        near = _neighbourhood(form, guides, start)
        x, passed = _run_neighbourhood(near, (1.0 if w else 0.6) * max(rounds_end - time.perf_counter(), 0.1), stop,
                                       w.neighbourhood_nodes if w else None)
        bound = price_rounds_or_warn(form, combination, relaxed.row_gain, rounds_end, 1, stop, rounds, round_nodes)
    if (allocation := as_allocation(form, x)) is not None:
        found.append((allocation, "district neighbourhood"))
    if stop.event.is_set():
        return found, None, True
    for y in passed:  # the neighbourhood's improving allocations on the way to its best
        combination.add_whole(y)
    wholes = [g.x for g in [fallback] + [g for g, _ in found] if g is not None]
    if (allocation := combination.improve(wholes, max(deadline - time.perf_counter(), 0.1),
                                          w.combination_nodes if w else None)) is not None:
        found.append((allocation, "district combination"))
    return found, bound, False


COMBINE_SHARE = 0.03  # of the district search's time: the district combination (decompose.Combination), at the end
# (measured at 5,000 projects, 775 plans: 48,297 after 1 s, 48,298 after 30 s)


def search_work(form: Formulation, time_limit_s: float) -> SearchWork:
    """The district search on `form` counted in work for `time_limit_s` (`Strategy.search_work`, with the shares
    above)."""
    return STRATEGY.search_work(time_limit_s, form.n_cols, len(form.prep.districts), SPLIT_SHARE, COMBINE_SHARE)


AGREE = 1e-6  # a value this close to 0 or 1 counts as out or in


def _neighbourhood(form: Formulation, guides: list[np.ndarray], start: GreedyResult | None) -> Any:
    """The whole model, loaded, with each project-year fixed out where every guide leaves it out, and in where
    every guide supplies it fully; `start` (which must agree) as HiGHS's starting incumbent."""
    y = form.variables["supply"]
    values = np.array([g[y.cols] for g in guides])
    h = load_highs(form)
    for fixed, value in (((values < AGREE).all(axis=0), 0.0), ((values > 1 - AGREE).all(axis=0), 1.0)):
        cols = y.cols[fixed].astype(np.int32)
        if len(cols):
            h.changeColsBounds(len(cols), cols, np.full(len(cols), value), np.full(len(cols), value))
    if start is not None:
        set_start(h, start.x)
    return h


def _run_neighbourhood(h: Any, time_limit_s: float, stop: Stop, nodes: int | None = None,
                       ) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """Solve a loaded neighbourhood (one HiGHS thread, at most `nodes` nodes when given): its column values (None
    without a solution) and the improving allocations it passed on the way. Ctrl-C ends it with its best
    allocation so far and sets `stop` (which ends the district MIPs beside it)."""
    h.setOptionValue("time_limit", float(time_limit_s))
    limit_nodes(h, nodes)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_improving_solution_save", True)
    h.HandleUserInterrupt = True
    if interruptible(h.run, h.cancelSolve)[1]:
        stop()
    passed = [np.asarray(sol.col_value, dtype=float) for sol in h.getSavedMipSolutions()]
    if h.getInfo().primal_solution_status != 2:
        return None, passed
    return np.asarray(h.getSolution().col_value, dtype=float), passed




def district_split(form: Formulation, x_lp: np.ndarray, time_limit_s: float, threads: int = 0) -> GreedyResult | None:
    """Each district's allocation as its own small MIP (decompose.py), the city-level resources shared out as
    the LP relaxation shares them: each district gets, for each year, exactly what the LP gives its projects.
    The shares add up to the LP's use, so the union is feasible for the whole model (checked: a platform
    spanning districts could be overspent). None when a district's MIP finds no allocation in time (a
    mandatory project that its share cannot carry) or the union is not feasible.
    """
    parts = _split_parts(form, x_lp)
    ensure_scheduler(1)  # one HiGHS thread per district MIP; the next solve re-sizes the scheduler as it needs
    solve_parts(parts, time_limit_s, threads)
    return _join_split(form, parts)


def _split_parts(form: Formulation, x_lp: np.ndarray) -> list[Part]:
    """The district split's MIPs, loaded."""
    prep = form.prep
    d_of = district_of_candidates(prep)
    shares: dict[str, np.ndarray] = {}
    for field_name, block_name in COUPLING.values():
        b = form.variables[block_name]
        amounts = np.zeros((len(prep.districts), len(prep.years)))
        np.add.at(amounts, (d_of[b.project], b.year), np.maximum(x_lp[b.cols], 0.0))
        shares[field_name] = amounts
    parts = district_parts(form, lambda di: {name: amounts[di] for name, amounts in shares.items()})
    for part in parts:
        part.load()
    return parts


def _join_split(form: Formulation, parts: list[Part]) -> GreedyResult | None:
    d_of = district_of_candidates(form.prep)
    mandatory = form.prep.candidates["mandatory"].to_numpy(bool)
    if any(part.x is None and mandatory[d_of == part.district].any() for part in parts):
        return None
    return as_allocation(form, scatter(form, parts))


def from_plan(form: Formulation, plan: dict[str, int]) -> GreedyResult:
    """The allocation nearest `plan` (project id → the year it is supplied in, another case's allocation): those
    projects in those years, the sources re-solved for them (`as_allocation`); where that does not fit the model
    (a variant took quota away, or a project left the candidates), repaired by the ranking rule placing the plan's
    projects first, each in its plan's year when it fits there, then the others by value per mu."""
    y = form.variables["supply"]
    ids = [str(p) for p in form.prep.candidates.index]
    years = [int(t) for t in form.prep.years]
    x = np.zeros(form.n_cols)
    for k in range(y.size):
        if plan.get(ids[y.project[k]]) == years[y.year[k]]:
            x[y.start + k] = 1.0
    exact = as_allocation(form, x) if x.any() or not plan else None
    if exact is not None:
        return exact
    c = form.prep.candidates
    per_mu = c["total_value"].to_numpy(float) / c["land_demand"].to_numpy(float)
    in_plan = np.array([pid in plan for pid in ids])
    order = np.lexsort((np.arange(len(ids)), -per_mu, ~in_plan))
    year_pos = {t: i for i, t in enumerate(years)}
    first = [year_pos.get(plan.get(pid, -1), -1) for pid in ids]
    return ranking_rule(form, order=[int(j) for j in order], first_year=first)

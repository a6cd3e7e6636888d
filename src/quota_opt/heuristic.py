"""A starting allocation better than the ranking rule, guided by the LP relaxation.

Large scenarios leave HiGHS little time beyond its root node, so the incumbent it starts from is the
allocation it reports. The ranking rule ranks projects by value per mu alone; the LP relaxation also
sees which quotas are scarce and which years and sources fit together. The heuristic:

1. solves the LP relaxation (every `supply` variable in [0, 1]); its optimum is also a valid upper
   bound on the best allocation;
2. runs the ranking rule in the LP's order: projects the LP funds fully first, then by the share the
   LP funds, each trying first the year in which the LP funds most of it;
3. on large models (where HiGHS gets little beyond its root node), solves each district as its own MIP
   with the city-level pools shared out as the LP shares them (`district_split`);
4. keeps the best of these and the plain ranking rule.

Every candidate is a feasible point of the formulation (the ranking rule only places what fits),
so the result is never worse than the ranking rule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from quota_opt.greedy import GreedyResult, ranking_rule
from quota_opt.model import Formulation


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
    source: str  # "ranking rule" or "LP-guided"
    relaxation: Relaxation | None = None


def lp_relaxation(form: Formulation, time_limit_s: float, threads: int = 0) -> Relaxation | None:
    """The LP relaxation's optimum, or None when it was not solved in time."""
    from quota_opt.solve import ensure_scheduler, load_highs

    ensure_scheduler(int(threads or 0))  # HiGHS fails a run whose thread count differs from its scheduler's
    h = load_highs(form, integer=False)
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.1)))
    if threads:
        h.setOptionValue("threads", int(threads))
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


def starting_allocation(form: Formulation, *, lp_time_limit_s: float, split_time_limit_s: float = 0.0,
                        threads: int = 0) -> StartResult:
    """The ranking rule and, when the LP relaxation solves within `lp_time_limit_s`, the LP-guided rule and
    (given `split_time_limit_s`) the district split; the best of them."""
    ranking = ranking_rule(form)
    t0 = time.perf_counter()
    relaxed = lp_relaxation(form, lp_time_limit_s, threads) if lp_time_limit_s > 0 else None
    if relaxed is None:
        return StartResult(ranking, ranking, None, time.perf_counter() - t0, "ranking rule")
    x_lp, bound = relaxed.x, relaxed.objective
    candidates = [(ranking, "ranking rule"), (lp_guided(form, x_lp), "LP-guided")]
    if split_time_limit_s > 0:
        split = district_split(form, x_lp, split_time_limit_s, threads)
        if split is not None:
            candidates.append((split, "district split"))
    feasible = [(g, name) for g, name in candidates if g.feasible]
    best, source = max(feasible, key=lambda gn: gn[0].objective) if feasible else (ranking, "ranking rule")
    return StartResult(best, ranking, bound, time.perf_counter() - t0, source, relaxed)


def district_split(form: Formulation, x_lp: np.ndarray, time_limit_s: float, threads: int = 0) -> GreedyResult | None:
    """Each district's allocation as its own small MIP (decompose.py), the city-level resources shared out as
    the LP relaxation shares them: each district gets, for each year, exactly what the LP gives its projects.
    The shares add up to the LP's use, so the union is feasible for the whole model (checked: a platform
    spanning districts could be overspent). None when a district's MIP finds no allocation in time (a
    mandatory project that its share cannot carry) or the union is not feasible.
    """
    from quota_opt.decompose import COUPLING, district_of_candidates, district_parts, scatter, solve_parts
    from quota_opt.solve import ensure_scheduler

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
    ensure_scheduler(1)  # one HiGHS thread per district MIP; the next solve re-sizes the scheduler as it needs
    solve_parts(parts, time_limit_s, threads)
    mandatory = prep.candidates["mandatory"].to_numpy(bool)
    if any(part.x is None and mandatory[d_of == part.district].any() for part in parts):
        return None
    x = scatter(form, parts)
    supply = form.variables["supply"].cols
    x[supply] = np.round(x[supply])
    if form.violation(x) > 1e-6:
        return None
    return GreedyResult(x=x, objective=float(form.objective @ x), feasible=True, unplaced_mandatory=[])

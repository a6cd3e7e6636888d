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
class StartResult:
    best: GreedyResult  # the best starting allocation found (ranking rule or LP-guided)
    ranking: GreedyResult  # the plain ranking rule (the baseline reported in `summary`)
    lp_bound: float | None  # objective of the LP relaxation, an upper bound on any allocation
    lp_seconds: float
    source: str  # "ranking rule" or "LP-guided"


def lp_relaxation(form: Formulation, time_limit_s: float, threads: int = 0) -> tuple[np.ndarray, float] | None:
    """The LP relaxation's optimal column values and objective, or None when it was not solved in time."""
    from quota_opt.solve import ensure_scheduler, load_highs

    ensure_scheduler(int(threads or 0))  # HiGHS fails a run whose thread count differs from its scheduler's
    h = load_highs(form, integer=False)
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.1)))
    if threads:
        h.setOptionValue("threads", int(threads))
    h.run()
    if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
        return None
    return np.asarray(h.getSolution().col_value, dtype=float), float(h.getInfo().objective_function_value)


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
    x_lp, bound = relaxed
    candidates = [(ranking, "ranking rule"), (lp_guided(form, x_lp), "LP-guided")]
    if split_time_limit_s > 0:
        split = district_split(form, x_lp, split_time_limit_s, threads)
        if split is not None:
            candidates.append((split, "district split"))
    feasible = [(g, name) for g, name in candidates if g.feasible]
    best, source = max(feasible, key=lambda gn: gn[0].objective) if feasible else (ranking, "ranking rule")
    return StartResult(best, ranking, bound, time.perf_counter() - t0, source)


def district_split(form: Formulation, x_lp: np.ndarray, time_limit_s: float, threads: int = 0) -> GreedyResult | None:
    """Each district's allocation as its own small MIP, the city-level resources shared out as the LP
    relaxation shares them.

    Only three families of rows tie districts together: the provincial reward pool, the request cap and
    the city energy pool. Give each district, for each year, exactly what the LP gives its projects of
    each, and the rest of the model falls apart into one independent MIP per district (tens of projects
    each), which HiGHS solves far better than the whole. The shares add up to the LP's use, so the
    union is feasible for the whole model. None when a district's MIP finds no allocation in time (a
    mandatory project that its share cannot carry).
    """
    import dataclasses

    from quota_opt.model import build_formulation
    from quota_opt.solve import load_highs

    prep = form.prep
    c = prep.candidates
    T, D = len(prep.years), len(prep.districts)
    d_index = {d: i for i, d in enumerate(prep.districts)}
    d_of = np.array([d_index[d] for d in c["district_id"]], dtype=np.int64)
    shares: dict[str, np.ndarray] = {}
    for block, field_name in (("land_provincial_pool", "provincial_pool"), ("land_province_request", "request_cap"),
                              ("energy_city_pool", "city_energy_pool")):
        b = form.variables[block]
        amounts = np.zeros((D, T))
        np.add.at(amounts, (d_of[b.project], b.year), np.maximum(x_lp[b.cols], 0.0))
        shares[field_name] = amounts
    cols = {name: {k: b.start + i for i, k in enumerate(b.keys)} for name, b in form.variables.items()}
    x = np.zeros(form.n_cols)
    deadline = time.perf_counter() + time_limit_s
    order = np.argsort(-np.bincount(d_of, minlength=D), kind="stable")  # the largest districts first
    for k, di in enumerate(order):
        mask = d_of == di
        if not mask.any():
            continue
        rows = slice(int(di), int(di) + 1)
        platforms = set(c.loc[mask, "platform_id"])
        sub = dataclasses.replace(
            prep, districts=[prep.districts[di]], candidates=c[mask],
            land_quota=prep.land_quota[rows], energy_budget=prep.energy_budget[rows],
            stock_added=prep.stock_added[rows], stock_initial=prep.stock_initial[rows],
            stock_committed=prep.stock_committed[rows], reward_credit=prep.reward_credit[rows],
            provincial_pool=shares["provincial_pool"][di], request_cap=shares["request_cap"][di],
            city_energy_pool=shares["city_energy_pool"][di],
            platform_capacity={p: v for p, v in prep.platform_capacity.items() if p in platforms})
        f = build_formulation(sub)
        h = load_highs(f)
        left = max(deadline - time.perf_counter(), 0.0)
        h.setOptionValue("time_limit", max(left / (len(order) - k), 0.05))
        h.setOptionValue("mip_rel_gap", 1e-4)
        if threads:  # the scheduler was sized for it by lp_relaxation
            h.setOptionValue("threads", int(threads))
        h.run()
        if h.getInfo().primal_solution_status != 2:
            if c.loc[mask, "mandatory"].any():
                return None
            continue
        xs = np.asarray(h.getSolution().col_value, dtype=float)
        for name, b in f.variables.items():
            target = cols[name]
            for i, key in enumerate(b.keys):
                x[target[key]] = xs[b.start + i]
    x[form.variables["supply"].cols] = np.round(x[form.variables["supply"].cols])
    return GreedyResult(x=x, objective=float(form.objective @ x), feasible=True, unplaced_mandatory=[])

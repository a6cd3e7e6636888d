"""Branch-and-price over district plans: the best allocation and best bound of one suite instance, for
`run.REFERENCE` (`python benchmarks/prove.py "300x13x3" [--hours H] [--cutoff VALUE]`).

Not part of `make bench` and not product code: it runs for minutes to hours, to say how close to optimal the
product's answers are where no time-limited run can.

- **Master** (`Combination`'s plans): one plan per district (z in [0, 1], Σ z = 1 per district), within the rows
  linking districts (the city-level pools, a platform spanning districts). A district without a plan fitting the
  node takes an artificial plan worth −1e5.
- **Pricing**: each district's MIP, with the whole city amounts, charged the master's duals μ on its linking
  columns, solved to 1e-7 (one HiGHS thread each, two districts at once). Every allocation HiGHS meets becomes
  a plan. Σ μ·b + Σ_d (district d's MIP dual bound) is a valid Lagrangian bound of the node, whatever μ.
- **Node**: column generation until the master LP reaches the node's smallest Lagrangian bound or no plan is
  new. Pruned when that bound is no more than the best allocation (or `--cutoff`, a value known from elsewhere)
  by 1e-6 relative. A node whose master LP supplies every project wholly is an allocation (plans mixed with the
  same selection differ only in sources, and a mix of them is feasible); otherwise it branches on the supply
  column y_jt with the most value at stake (min(y, 1 − y) · its objective), y = 0 first and y = 1, fixing the
  column in its district's MIP and leaving out the plans that disagree.
- **Search**: best bound first; the master as a MIP over every plan so far (`Combination.solve`) after the
  root and every tenth node gives the allocations.

At the end it prints the best allocation (checked against every row, `heuristic.as_allocation`) and the best
bound: the largest bound of an open node, or the best allocation (or cutoff) when none is open.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import SUITE

from quota_opt.prepare import prepare
from quota_opt.solve.decompose import (
    COUPLING,
    Combination,
    Part,
    column_positions,
    district_parts,
    whole_columns,
)
from quota_opt.solve.formulation import Formulation, build_formulation
from quota_opt.solve.highs import ensure_scheduler, load_highs, new_highs
from quota_opt.solve.start import as_allocation, lp_relaxation
from quota_opt.studies.generate import generate_scenario

ARTIFICIAL = -1e5  # the value of a district's artificial plan: a node that needs it has no allocation
PRICING_GAP = 1e-7  # each district MIP is solved to this relative gap; its dual bound is what the bound counts
PRUNE = 1e-6  # a node whose bound exceeds the best allocation by no more than this (relative) is pruned
MASTER_MIP_EVERY = 10  # nodes between two master MIPs over every plan


class Pricer:
    """The district MIPs, loaded once; each pricing sets their costs (charged μ) and the node's fixed columns."""

    def __init__(self, form: Formulation, combination: Combination):
        self.form = form
        self.combination = combination
        full = {field: getattr(form.prep, field).astype(float) for field, _ in COUPLING.values()}
        self.parts = district_parts(form, lambda _d: full)
        positions = column_positions(form)
        self.where = []  # each part's columns as whole-model columns
        self.owner = np.full(form.n_cols, -1)  # each whole-model column's part
        self.local = np.full(form.n_cols, -1)  # and its position there
        for i, part in enumerate(self.parts):
            where = whole_columns(positions, part.form)
            assert (where >= 0).all()  # the district's formulation is the whole one's, cut at its border
            self.where.append(where)
            self.owner[where] = i
            self.local[where] = np.arange(len(where))
        starts, cols, vals = form.matrix()
        self.link = [(cols[starts[r]:starts[r + 1]], vals[starts[r]:starts[r + 1]]) for r in combination.rows]
        ensure_scheduler(1)
        self.highs = []
        for part in self.parts:
            h = load_highs(part.form)
            for option, value in (("threads", 1), ("mip_rel_gap", PRICING_GAP), ("mip_abs_gap", PRICING_GAP),
                                  ("mip_improving_solution_save", True)):
                h.setOptionValue(option, value)
            self.highs.append(h)
        self.bounds = [part.form.bounds() for part in self.parts]
        self.cache: dict[Any, tuple[float, list[np.ndarray]]] = {}
        self.pool = ThreadPoolExecutor(2)

    def charged(self, mu: np.ndarray) -> np.ndarray:
        """The whole model's objective less μ on the linking rows' columns."""
        cost = self.form.objective.astype(float).copy()
        for (cols, vals), m in zip(self.link, mu, strict=True):
            if m:
                np.subtract.at(cost, cols, m * vals)
        return cost

    def _solve(self, i: int, cost: np.ndarray, fixes: tuple[tuple[int, float], ...]) -> tuple[float, list[np.ndarray]]:
        import highspy

        key = (i, fixes, np.round(cost[self.where[i]], 9).tobytes())
        if key in self.cache:
            return self.cache[key]
        h = self.highs[i]
        n = len(self.where[i])
        every = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, every, cost[self.where[i]])
        lo, hi = self.bounds[i][0].copy(), self.bounds[i][1].copy()
        for col, value in fixes:
            lo[self.local[col]] = hi[self.local[col]] = value
        h.changeColsBounds(n, every, lo, np.where(np.isinf(hi), highspy.kHighsInf, hi))
        h.clearSolver()
        h.run()
        status = str(h.getModelStatus()).split(".")[-1]
        if status == "kInfeasible":
            found: tuple[float, list[np.ndarray]] = (-np.inf, [])
        elif status == "kOptimal":
            found = (float(h.getInfo().mip_dual_bound),
                     [np.asarray(h.getSolution().col_value)] + [np.asarray(s.col_value) for s in h.getSavedMipSolutions()])
        else:
            raise RuntimeError(f"district MIP {i} ended {status}")
        self.cache[key] = found
        return found

    def price(self, mu: np.ndarray, fixes: dict[int, float]) -> tuple[float, int]:
        """The node's Lagrangian bound at μ, and how many new plans the district MIPs gave the master."""
        cost = self.charged(mu)
        mine = [tuple(sorted((c, v) for c, v in fixes.items() if self.owner[c] == i)) for i in range(len(self.parts))]
        solved = list(self.pool.map(lambda i: self._solve(i, cost, mine[i]), range(len(self.parts))))
        before = len(self.combination.plans)
        for part, (_, sols) in zip(self.parts, solved, strict=True):
            if sols:
                self.combination.add_part(Part(part.district, part.form, x=sols[0], saved=sols[1:]))
        bound = float(mu @ self.combination.row_upper) + sum(b for b, _ in solved)
        return bound, len(self.combination.plans) - before


def agrees(plan: tuple[int, np.ndarray, np.ndarray], fixes: dict[int, float], owner: np.ndarray,
           districts: list[int]) -> bool:
    """Whether a plan takes the node's value of every fixed column of its district."""
    district, cols, vals = plan
    for col, value in fixes.items():
        if districts[owner[col]] != district:
            continue
        hit = np.flatnonzero(cols == col)
        if abs((vals[hit[0]] if len(hit) else 0.0) - value) > 1e-6:
            return False
    return True


def master_lp(combination: Combination, fixes: dict[int, float], owner: np.ndarray, districts: list[int],
              ) -> tuple[float, np.ndarray, list[int], np.ndarray]:
    """The node's master LP over the plans that agree with it: value, z (artificial plans last), those plans,
    and the linking rows' duals (≥ 0)."""
    import highspy

    plans = [k for k, plan in enumerate(combination.plans) if agrees(plan, fixes, owner, districts)]
    m, n_d = len(plans), len(districts)
    h = new_highs()
    h.setOptionValue("threads", 1)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addVars(m + n_d, np.zeros(m + n_d), np.ones(m + n_d))
    h.changeColsCost(m + n_d, np.arange(m + n_d, dtype=np.int32),
                     np.array([combination.value[k] for k in plans] + [ARTIFICIAL] * n_d))
    district_of = np.array([combination.plans[k][0] for k in plans])
    for j, d in enumerate(districts):
        cols = np.append(np.flatnonzero(district_of == d), m + j).astype(np.int32)
        h.addRow(1.0, 1.0, len(cols), cols, np.ones(len(cols)))
    use = np.array([combination.use[k] for k in plans]).T if m else np.zeros((len(combination.row_upper), 0))
    for r, upper in enumerate(combination.row_upper):
        cols = np.flatnonzero(np.abs(use[r]) > 1e-12).astype(np.int32)
        h.addRow(-highspy.kHighsInf, float(upper), len(cols), cols, use[r, cols])
    h.run()
    duals = np.abs(np.asarray(h.getSolution().row_dual)[n_d:])
    return float(h.getInfo().objective_function_value), np.asarray(h.getSolution().col_value), plans, duals


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", help="a size of the suite, as named in benchmarks/run.py (e.g. '300x13x3 seed 3')")
    ap.add_argument("--hours", type=float, default=2.0, help="stop after this long (the open bound is still valid)")
    ap.add_argument("--cutoff", type=float, default=-np.inf, help="a known allocation's value, to prune by")
    args = ap.parse_args()
    case = next(c for c in SUITE if c.name == args.case)
    t0 = time.perf_counter()
    form = build_formulation(prepare(generate_scenario(case.projects, case.districts, case.years, seed=case.seed)))
    relaxed = lp_relaxation(form, 600)
    assert relaxed is not None
    combination = Combination(form)
    pricer = Pricer(form, combination)
    owner = pricer.owner
    districts = [part.district for part in pricer.parts]
    ints = form.integrality()
    print(f"{case.name}: {form.n_cols} columns, LP bound {relaxed.objective:.4f}", flush=True)

    best: list[Any] = [None]  # the best allocation found (heuristic.GreedyResult)

    def offer(x: np.ndarray | None, how: str) -> None:
        found = as_allocation(form, x)
        if found is not None and (best[0] is None or found.objective > best[0].objective):
            best[0] = found
            print(f"  allocation {found.objective:.4f} ({how}) at {time.perf_counter() - t0:.0f} s", flush=True)

    def level() -> float:
        known = max(args.cutoff, best[0].objective if best[0] is not None else -np.inf)
        return known + PRUNE * max(abs(known), 1.0) if np.isfinite(known) else -np.inf

    def solve_node(fixes: dict[int, float], mu: np.ndarray, bound: float) -> tuple[str, float, Any, np.ndarray]:
        while True:
            lagrangian, new = pricer.price(mu, fixes)
            bound = min(bound, lagrangian)
            value, z, plans, duals = master_lp(combination, fixes, owner, districts)
            if bound <= level():
                return "pruned", bound, None, mu
            if value >= bound - 1e-6 * abs(bound) or new == 0:
                break
            mu = duals
        if z[len(plans):].sum() > 1e-6:
            return "infeasible", bound, None, mu
        x = np.zeros(form.n_cols)
        for j, k in enumerate(plans):
            if z[j] > 1e-12:
                _, cols, vals = combination.plans[k]
                x[cols] += z[j] * vals
        return "lp", bound, x, duals

    mu0 = np.abs(relaxed.row_gain[combination.rows])
    order = itertools.count()
    open_nodes: list[tuple[float, int, dict[int, float], np.ndarray]] = [(-np.inf, next(order), {}, mu0)]
    nodes = 0
    while open_nodes and time.perf_counter() - t0 < args.hours * 3600:
        negative, _, fixes, mu = heapq.heappop(open_nodes)
        if nodes and -negative <= level():
            continue
        status, bound, x, mu = solve_node(fixes, mu, -negative if nodes else np.inf)
        nodes += 1
        if status == "lp":
            fractional = np.where(ints, np.abs(x - np.round(x)), 0.0)
            if fractional.max() < 1e-6:
                offer(x, f"node {nodes}")
            else:
                stake = np.where(fractional >= 1e-6, np.minimum(x, 1 - x) * np.abs(form.objective), -1.0)
                col = int(np.argmax(stake))
                for value in (0.0, 1.0):
                    heapq.heappush(open_nodes, (-bound, next(order), {**fixes, col: value}, mu))
        if nodes == 1 or nodes % MASTER_MIP_EVERY == 0:
            offer(combination.solve(30.0 if nodes == 1 else 10.0), f"master MIP over {len(combination.plans)} plans")
        top = max((-n[0] for n in open_nodes), default=-np.inf)
        print(f"node {nodes} depth {len(fixes)} {status} bound {bound:.4f} open {len(open_nodes)} "
              f"(best {top:.4f}) allocation {best[0].objective if best[0] else float('nan'):.4f} "
              f"plans {len(combination.plans)} at {time.perf_counter() - t0:.0f} s", flush=True)
    known = max(args.cutoff, best[0].objective if best[0] is not None else -np.inf)
    top = max([-n[0] for n in open_nodes] + [known])
    print(f"END {case.name}: best allocation {best[0].objective if best[0] else float('nan'):.4f}, best bound "
          f"{top:.4f} (cutoff {args.cutoff}), {nodes} nodes, {len(open_nodes)} open, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

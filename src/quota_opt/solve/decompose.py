"""The model district by district: one small MIP per district, solved side by side.

Only three families of rows tie districts together: the provincial reward pool, the province request
cap and the city energy pool (per year). Give each district its own amount of each and the model falls
apart into one independent MIP per district (tens of projects each), which HiGHS solves far better
than the whole. Three uses:

- the **district split** (`start.district_split`, a starting allocation): each district gets what the
  LP relaxation gives its projects, so the union of the districts' allocations is feasible for the whole;
- the **district bound** (`district_bound`, a Lagrangian bound): every district may use the whole city
  amounts, but each unit it uses is charged at the LP's shadow price of that row, and the charges are
  paid back once. For any prices λ ≥ 0,

      best allocation ≤ Σ_t λ_t·b_t + Σ_d max { (c − λA)·x_d : x_d feasible for district d },

  because an allocation feasible for the whole is feasible for each district and uses at most b_t.
  Each district's maximum is itself bounded by its MIP's dual bound, so the sum is a valid upper bound
  at any time limit. With λ from the LP it is at least as tight as the LP bound, and often tighter than
  the bound HiGHS proves on the whole model (measured in benchmarks/RESULTS.md);
- the **district combination** (`Combination`): one district allocation per district, picked by a small MIP
  from all those the other two (and the whole-model searches) found, within the rows linking districts.

A platform whose projects lie in several districts also ties them together; each district keeps that
platform's whole remaining capacity, which is a relaxation (fine for the bound) and may overspend it in
the split, whose union is therefore checked (`Formulation.violation`) before it is used.

The district MIPs run on a pool of threads (highspy releases the interpreter while HiGHS runs), one
HiGHS thread each.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from quota_opt.prepare import Prepared
from quota_opt.solve.formulation import Formulation, build_formulation, priority_pairs
from quota_opt.solve.highs import ensure_scheduler, fixed_lp, limit_nodes, load_highs, new_highs, set_start
from quota_opt.solve.ranking import GreedyResult

LOG = logging.getLogger(__name__)

# coupling row family → (Prepared field with its per-year amounts, the variable block that draws on it)
COUPLING = {
    "provincial_reward_pool": ("provincial_pool", "land_provincial_pool"),
    "province_request_cap": ("request_cap", "land_province_request"),
    "city_energy_pool": ("city_energy_pool", "energy_city_pool"),
}


def district_of_candidates(prep: Prepared) -> np.ndarray:
    """Each candidate's district position."""
    index = {d: i for i, d in enumerate(prep.districts)}
    return np.array([index[d] for d in prep.candidates["district_id"]], dtype=np.int64)


def district_prep(prep: Prepared, di: int, mask: np.ndarray, city: dict[str, np.ndarray],
                  priority_pairs: frozenset[tuple[Any, int]] | None = None) -> Prepared:
    """District `di` alone: its candidates (`mask`), its own quotas, and `city` (Prepared field → per-year
    amounts) in place of the city-level amounts; `priority_pairs`, the whole model's (project, year)s in which a
    major project could be supplied (Prepared.priority_pairs)."""
    c = prep.candidates
    rows = slice(di, di + 1)
    platforms = set(c.loc[mask, "platform_id"])
    return dataclasses.replace(
        prep, districts=[prep.districts[di]], candidates=c[mask], priority_pairs=priority_pairs,
        land_quota=prep.land_quota[rows], energy_budget=prep.energy_budget[rows],
        stock_added=prep.stock_added[rows], stock_initial=prep.stock_initial[rows],
        stock_committed=prep.stock_committed[rows], reward_credit=prep.reward_credit[rows],
        platform_capacity={p: v for p, v in prep.platform_capacity.items() if p in platforms},
        provincial_pool=city["provincial_pool"], request_cap=city["request_cap"],
        city_energy_pool=city["city_energy_pool"])


@dataclass
class Part:
    """One district's MIP and, once solved, its best allocation (its own columns) and dual bound."""

    district: int
    form: Formulation
    x: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    highs: Any = None  # the loaded model (`load`)
    saved: list[np.ndarray] = dataclasses.field(default_factory=list)  # allocations found on the way (`keep`)

    def load(self) -> None:
        """Load the MIP into HiGHS. In the caller's thread: creating a HiGHS silences its banner by swapping the
        process's standard output, which is not safe while other threads write to it."""
        self.highs = load_highs(self.form)


def district_parts(form: Formulation, city: Callable[[int], dict[str, np.ndarray]]) -> list[Part]:
    """One Part per district with candidates, largest first; `city(di)` gives district `di`'s city-level amounts."""
    prep = form.prep
    d_of = district_of_candidates(prep)
    counts = np.bincount(d_of, minlength=len(prep.districts))
    parts = []
    pairs = priority_pairs(form)
    for di in np.argsort(-counts, kind="stable"):
        if counts[di] == 0:
            continue
        parts.append(Part(int(di), build_formulation(district_prep(prep, int(di), d_of == di, city(int(di)),
                                                                   pairs))))
    return parts


def workers(threads: int) -> int:
    """How many district MIPs run at once: the solve's thread count, or every core when it is 0 (automatic)."""
    return max(1, threads or os.cpu_count() or 1)


class Stop:
    """Ends `solve_parts` early from another thread: parts not yet started are skipped, running ones cancelled."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._lock = threading.Lock()
        self._running: set[Any] = set()

    def __call__(self) -> None:
        with self._lock:
            self.event.set()
            for h in self._running:
                h.cancelSolve()

    def enter(self, h: Any) -> bool:
        """Register a HiGHS about to run; False when the stop already came."""
        with self._lock:
            if self.event.is_set():
                return False
            h.HandleUserInterrupt = True
            self._running.add(h)
            return True

    def leave(self, h: Any) -> None:
        with self._lock:
            self._running.discard(h)


def solve_parts(parts: list[Part], time_limit_s: float, threads: int = 0, mip_gap: float = 1e-4,
                stop: Stop | None = None, keep: bool = False, nodes: Callable[[Part], int] | None = None) -> None:
    """Solve every part (in place), `workers(threads)` at a time, within `time_limit_s` in all: each part, when it
    starts, gets an equal share of the time its worker has left. The caller sizes HiGHS's scheduler for one
    thread (`solve.ensure_scheduler(1)`) and loads the parts (`Part.load`) before: each district MIP runs on one
    HiGHS thread. With `keep`, each part also keeps every improving allocation HiGHS found (`Part.saved`), as
    plans for the `Combination`. With `nodes` (a run counted in work: `pipeline.work_budget`), each part's MIP
    also stops at `nodes(part)` branch-and-bound nodes; its outcome is then the same whatever the timing, as long
    as the time limit does not bind first."""
    n = workers(threads)
    deadline = time.perf_counter() + time_limit_s
    lock = threading.Lock()
    waiting = [len(parts)]
    stop = stop or Stop()

    def run(part: Part) -> None:
        with lock:
            share = n * max(deadline - time.perf_counter(), 0.0) / max(waiting[0], 1)
            waiting[0] -= 1
        h = part.highs
        h.setOptionValue("time_limit", max(share, 0.05))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_improving_solution_save", keep)
        limit_nodes(h, nodes(part) if nodes is not None else None)
        if not stop.enter(h):
            return
        try:
            h.run()
        finally:
            stop.leave(h)
        info = h.getInfo()
        if info.primal_solution_status == 2:
            part.x = np.asarray(h.getSolution().col_value, dtype=float)
            part.objective = float(info.objective_function_value)
        if keep:
            part.saved = [np.asarray(sol.col_value, dtype=float) for sol in h.getSavedMipSolutions()]
        bound = float(info.mip_dual_bound)
        part.bound = bound if math.isfinite(bound) and abs(bound) < 1e30 else None
        part.highs = None  # free it

    with ThreadPoolExecutor(max_workers=n) as pool:
        try:
            list(pool.map(run, parts))
        except KeyboardInterrupt:  # end the running district MIPs, skip the others, and let the caller know
            stop()
            raise


def scatter(form: Formulation, parts: list[Part]) -> np.ndarray:
    """The whole model's column vector from the parts' allocations (columns matched by block and key)."""
    x = np.zeros(form.n_cols)
    positions = column_positions(form)
    for part in parts:
        if part.x is None:
            continue
        where = whole_columns(positions, part.form)
        if (where < 0).any():
            raise KeyError(f"a column of district {part.district} is not in the whole model")
        x[where] = part.x
    return x


def column_positions(form: Formulation) -> dict[str, dict[Any, int]]:
    """Each variable block's key → column position."""
    return {name: {key: block.start + i for i, key in enumerate(block.keys)} for name, block in form.variables.items()}


def whole_columns(positions: dict[str, dict[Any, int]], part_form: Formulation) -> np.ndarray:
    """Each column of a district's formulation as a column of the whole model (`positions`, from
    `column_positions`); −1 where the whole model has none."""
    out = np.full(part_form.n_cols, -1, dtype=np.int64)
    for name, block in part_form.variables.items():
        position = positions.get(name, {})
        out[block.start:block.start + block.size] = [position.get(key, -1) for key in block.keys]
    return out


def priced_parts(form: Formulation, row_gain: np.ndarray) -> tuple[list[Part], float]:
    """The district MIPs of the bound (whole city amounts, coupling columns charged λ = `row_gain`, the LP
    relaxation's value of one more unit of each row, ≥ 0), loaded, and Σ λ·b, the charges paid back."""
    prep = form.prep
    full = {field: getattr(prep, field).astype(float) for field, _ in COUPLING.values()}
    parts = district_parts(form, lambda _di: full)
    price: dict[str, np.ndarray] = {}
    paid_back = 0.0
    for row_name, (field, _) in COUPLING.items():
        con = form.constraints[row_name]
        price[row_name] = np.maximum(row_gain[con.start:con.start + con.size], 0.0)
        paid_back += float(price[row_name] @ full[field])
    for part in parts:
        for row_name, (_, block_name) in COUPLING.items():
            block = part.form.variables[block_name]
            part.form.objective[block.cols] -= price[row_name][block.year]
        part.load()
    return parts, paid_back


def total_bound(parts: list[Part], paid_back: float) -> float | None:
    """The district bound from solved priced parts; None when a district's MIP stopped without a finite bound."""
    if any(p.bound is None for p in parts):
        return None
    return paid_back + sum(float(p.bound) for p in parts if p.bound is not None)


def district_bound(form: Formulation, row_gain: np.ndarray, time_limit_s: float, threads: int = 0) -> float | None:
    """The Lagrangian bound described above, with λ = `row_gain` on the coupling rows."""
    parts, paid_back = priced_parts(form, row_gain)
    ensure_scheduler(1)
    solve_parts(parts, time_limit_s, threads)
    return total_bound(parts, paid_back)


BOUND_PRESOLVE = "off"  # HiGHS presolve in the district MIPs beside the MIP (`BoundJob`, models of 1,000 to
# 5,000 columns, districts of about 70 to 360 columns). Measured, one thread, all 13 districts solved out at 1e-4:
# 300 projects, seeds 1-3: 5.6 → 2.9 s, 8.1 → 4.7 s, 6.1 → 4.6 s; 200 × 5 years 8.9 → 6.1 s; 400 projects 6.3 →
# 4.0 s; 20 districts 6.1 → 4.3 s; same bounds within 0.05. In a 7-s run of 300 projects (the benchmark's limit
# then), where the job gets about 3.7 s, its bound fell from 4,317 to 4,313. Not on the district search's MIPs (5,000 projects,
# about 600 columns each): 12 of them took 106 s with presolve and 108 s without at 1e-4, 38 s and 44 s at 2e-3


class BoundJob:
    """`district_bound` on one worker thread beside the main solve (which then runs on one HiGHS thread too)."""

    def __init__(self, form: Formulation, row_gain: np.ndarray, time_limit_s: float,
                 nodes: Callable[[Part], int] | None = None):
        started = time.perf_counter()
        parts, paid_back = priced_parts(form, row_gain)
        # Smallest district first. Each gets an equal share of the time left when it starts, so what the small
        # ones leave unused goes to the large ones, which need it (300 projects: 0.07 to 1.35 s each at 1e-4, 2.8
        # to 4.2 s in all, against about 3.7 s for the job in a 7-s run, 4.5 s in 8.5 s); largest first, the large
        # ones were cut short at their share and the small ones at the end left time unused. Measured in 7-s runs
        # of 300 projects: seed 1, bound 4,313 → 4,303 to 4,311 (seven runs; 4,303.2 with every district solved
        # out); seed 3, 3,321 → 3,302 to 3,309 (four runs; 3,298.6)
        parts.sort(key=lambda part: part.form.n_cols)
        for part in parts:
            part.highs.setOptionValue("presolve", BOUND_PRESOLVE)
        ensure_scheduler(1)  # before either solve starts: re-sizing it under a running HiGHS is not safe
        self.stop = Stop()
        self.parts = parts  # once solved, with every improving allocation found (plans for a Combination)
        self.value: float | None = None
        self.error: Exception | None = None  # the bound is extra: a failure leaves it out (`result` warns)
        limit = max(time_limit_s - (time.perf_counter() - started), 0.1)

        def work() -> None:
            try:
                solve_parts(parts, limit, threads=1, stop=self.stop, keep=True, nodes=nodes)
                self.value = total_bound(parts, paid_back)
            except Exception as e:  # kept on the job, not raised in a background thread
                self.error = e

        self._thread = threading.Thread(target=work, name="district-bound", daemon=True)
        self._thread.start()

    def result(self, *, cancel: bool = False) -> float | None:
        """The bound, once the job ends; `cancel` ends it now (its bound is then None)."""
        if cancel:
            self.stop()
        self._thread.join()
        if self.error is not None:
            bound_left_out(self.error)
        return self.value


def bound_left_out(fault: Exception) -> None:
    """A fault while proving the district bound, which is extra: not a scenario's doing, so it is said on the log
    (standard error) and the run goes on without the bound."""
    LOG.warning("district bound left out: %s: %s", type(fault).__name__, fault)


class Combination:
    """The *district combination*: one plan per district, picked by a small MIP (a restricted master problem).

    A plan is one district's allocation, from wherever it was found: a district MIP of the split or of the bound
    (with every improving allocation HiGHS met on the way), or a whole allocation cut at district borders. The
    plans of different runs use different amounts of the city-level resources, so putting together the best
    plan of each district seldom fits; this MIP picks one plan per district (a binary z per plan) to

        maximise Σ value·z   subject to   Σ_{plans of d} z = 1 for each district d,
                                          Σ use_r·z within the limits of every row r linking districts,

    where the linking rows are the ones whose columns lie in more than one district: the three city-level
    families (COUPLING) and a platform spanning districts. Its few hundred binaries solve in seconds, and a
    whole allocation's plans (`add_whole`) are a feasible choice, given as the start, so the result is never
    worse than the best whole allocation added. The result is then completed and checked like every other
    candidate (`as_allocation`, below).
    """

    def __init__(self, form: Formulation):
        self.form = form
        self.district = _column_districts(form)
        self._positions = column_positions(form)
        rows, cols, vals, lo, hi, self.rows = _linking_rows(form, self.district)
        self._link = (rows, cols, vals)
        self.row_lower, self.row_upper = lo, hi  # and `rows`: their positions among the whole model's rows
        self.plans: list[tuple[int, np.ndarray, np.ndarray]] = []  # (district, whole-model columns, values)
        self.value: list[float] = []
        self.use: list[np.ndarray] = []
        self._seen: dict[bytes, int] = {}

    def add_part(self, part: Part) -> None:
        """A district MIP's allocations (its best and those saved on the way) as plans."""
        where = whole_columns(self._positions, part.form)
        for x in [part.x, *part.saved] if part.x is not None else part.saved:
            nonzero = np.abs(x) > 1e-9
            if (where[nonzero] < 0).any():  # a column the whole model does not have (cannot happen when pruned alike)
                continue
            self._add(part.district, where[nonzero], x[nonzero])

    def add_whole(self, x: np.ndarray) -> list[int]:
        """A whole allocation, one plan per district; the plans' positions."""
        nonzero = np.flatnonzero(np.abs(x) > 1e-9)
        district = self.district[nonzero]
        return [self._add(int(d), nonzero[district == d], x[nonzero[district == d]])
                for d in range(len(self.form.prep.districts))]

    def _add(self, district: int, cols: np.ndarray, vals: np.ndarray) -> int:
        key = np.int64(district).tobytes() + cols.astype(np.int64).tobytes() + np.round(vals, 6).tobytes()
        if key in self._seen:
            return self._seen[key]
        rows, link_cols, link_vals = self._link
        order = np.argsort(cols)
        at = np.minimum(np.searchsorted(cols[order], link_cols), max(len(cols) - 1, 0))
        hit = (cols[order][at] == link_cols) if len(cols) else np.zeros(len(link_cols), dtype=bool)
        use = np.zeros(len(self.row_upper))
        np.add.at(use, rows[hit], link_vals[hit] * vals[order][at[hit]])
        self._seen[key] = len(self.plans)
        self.plans.append((district, cols, vals))
        self.value.append(float(self.form.objective[cols] @ vals))
        self.use.append(use)
        return len(self.plans) - 1

    def _master(self, integer: bool) -> Any:
        """The master problem, loaded: one plan per district, within the linking rows (z binary or in [0, 1])."""
        m = len(self.plans)
        district = np.array([p[0] for p in self.plans])
        inf = highspy.kHighsInf
        h = new_highs()
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.addVars(m, np.zeros(m), np.ones(m))
        h.changeColsCost(m, np.arange(m, dtype=np.int32), np.array(self.value))
        if integer:
            h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.full(m, highspy.HighsVarType.kInteger))
        for d in np.unique(district):
            cols = np.flatnonzero(district == d).astype(np.int32)
            h.addRow(1.0, 1.0, len(cols), cols, np.ones(len(cols)))
        use = np.array(self.use).T
        for r in range(use.shape[0]):
            cols = np.flatnonzero(np.abs(use[r]) > 1e-12).astype(np.int32)
            lo = -inf if np.isinf(self.row_lower[r]) else float(self.row_lower[r])
            hi = inf if np.isinf(self.row_upper[r]) else float(self.row_upper[r])
            h.addRow(lo, hi, len(cols), cols, use[r, cols])
        return h

    def solve(self, time_limit_s: float, start: list[int] | None = None, nodes: int | None = None) -> np.ndarray | None:
        """The best choice of one plan per district found within `time_limit_s` (and `nodes` branch-and-bound
        nodes, when given), as whole-model column values (None when no choice fits)."""
        if not self.plans:
            return None
        h = self._master(integer=True)
        h.setOptionValue("time_limit", max(float(time_limit_s), 0.1))
        limit_nodes(h, nodes)
        h.setOptionValue("mip_rel_gap", 1e-6)  # threads: as many as HiGHS's scheduler has (solve.new_highs)
        if start is not None:
            z = np.zeros(len(self.plans))
            z[start] = 1.0
            set_start(h, z)
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        z = np.asarray(h.getSolution().col_value)
        x = np.zeros(self.form.n_cols)
        for k in np.flatnonzero(z > 0.5):
            _, cols, vals = self.plans[k]
            x[cols] = vals
        return x

    def improve(self, wholes: list[np.ndarray], time_limit_s: float, nodes: int | None = None) -> GreedyResult | None:
        """Add `wholes` (whole allocations) as plans and solve, started from the best of them; the choice
        completed and checked (`as_allocation`), or None."""
        plans = [self.add_whole(x) for x in wholes]
        start = plans[int(np.argmax([self.form.objective @ x for x in wholes]))] if wholes else None
        return as_allocation(self.form, self.solve(time_limit_s, start=start, nodes=nodes))

    def prices(self) -> np.ndarray | None:
        """The master's LP relaxation's value of one more unit of each linking row (≥ 0), in a whole-model row
        vector (0 on the other rows): the prices of the next round of district MIPs (`price_rounds`). None when
        the LP has no optimum (a district without a plan that fits)."""
        if not self.plans:
            return None
        h = self._master(integer=False)
        h.run()
        if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
            return None
        gain = np.zeros(self.form.n_rows)
        n_districts = len({p[0] for p in self.plans})
        gain[self.rows] = np.abs(np.asarray(h.getSolution().row_dual)[n_districts:])
        return gain


def price_rounds(form: Formulation, combination: Combination, row_gain: np.ndarray, deadline: float,
                 threads: int = 0, stop: Stop | None = None, rounds: int | None = None,
                 nodes: Callable[[Part], int] | None = None) -> float | None:
    """The district bound's MIPs, round after round until `deadline` (column generation): the first round
    priced at `row_gain` (the LP relaxation's), each next at prices between those of the combination's LP
    relaxation, which now holds every allocation the rounds found, and those of the best bound so far
    (`SMOOTHING`; the combination's alone swing widely in the first rounds). Each round is a valid district
    bound (any prices ≥ 0 give one); the smallest is returned. A round starts only when the last one's time
    still fits; the rounds end when one adds no new plan. Counted in work, at most `rounds` rounds, each district
    MIP stopped at `nodes(part)` nodes, and no round is skipped for want of time before `deadline`.

    Measured on 1,000 projects × 90 districts, one worker beside the neighbourhood: with a 60-s search, five
    rounds; bound 9,721 after the first, 9,714.5 at best; combination 9,670 (gap 0.46%). With the benchmark's
    22.5 s, two rounds and no gain in the bound; the second round's allocations still go to the combination.
    Rounds on two workers with prices from the combination alone (an experiment, not this code) took the bound
    from 9,720 to 9,687 in five rounds: better prices are the open question here.

    Not beside the MIP (`BoundJob`, one round): on 300 projects, rounds after the first, one worker, 30 s, each
    next round's bound was worse than the first's (seed 1: 4,303 then 4,458, 4,392, 4,322; seed 3: 3,299 then
    3,657, 3,386, 3,310, 3,303) while the Dantzig–Wolfe bound is 4,299: the prices do not settle in a few rounds.

    At 5,000 projects × 90 districts no round ends within the benchmark's time: one round at the LP's prices took
    652 s of one core with each district MIP to 1e-4 (or 20 s), 258 s at a 0.5% gap, and gave 48,976 and 49,050
    against 49,198 from the round stopped short. Tried in 110-s runs, not adopted: a 0.5% or 0.2% gap per
    district and smallest district first, gaps 1.72–2.09% in four runs against 1.89% (run-to-run spread)."""
    bound, last, best_gain = None, 0.0, row_gain
    stop = stop or Stop()
    done = 0
    while not stop.event.is_set() and (rounds is None or done < rounds):
        left = deadline - time.perf_counter()
        if left <= (max(last, 0.1) if rounds is None else 0.1):
            break
        done += 1
        started = time.perf_counter()
        parts, paid_back = priced_parts(form, row_gain)
        solve_parts(parts, left - (time.perf_counter() - started), threads, stop=stop, keep=True, nodes=nodes)
        last = time.perf_counter() - started
        value = total_bound(parts, paid_back)
        if value is not None and not stop.event.is_set() and (bound is None or value < bound):
            bound, best_gain = value, row_gain
        before = len(combination.plans)
        for part in parts:
            combination.add_part(part)
        if len(combination.plans) == before or (prices := combination.prices()) is None:
            break
        row_gain = SMOOTHING * prices + (1 - SMOOTHING) * best_gain
    return bound


def price_rounds_or_warn(form: Formulation, combination: Combination, row_gain: np.ndarray, deadline: float,
                         threads: int = 0, stop: Stop | None = None, rounds: int | None = None,
                         nodes: Callable[[Part], int] | None = None) -> float | None:
    """`price_rounds`, whose bound is extra: a fault in it (not Ctrl-C) is said on the log, as `BoundJob` does,
    and leaves the bound out (None); the plans the rounds found before it stay in the combination."""
    try:
        return price_rounds(form, combination, row_gain, deadline, threads, stop, rounds, nodes)
    except Exception as e:
        bound_left_out(e)
        return None


SMOOTHING = 0.5  # the next prices: this share of the combination's, the rest those of the best bound so far


def _column_districts(form: Formulation) -> np.ndarray:
    """Each column's district position."""
    d_of = district_of_candidates(form.prep)
    out = np.zeros(form.n_cols, dtype=np.int64)
    for block in form.variables.values():
        out[block.cols] = d_of[block.project] if len(block.project) == block.size else block.district
    return out


def _linking_rows(form: Formulation, district: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows whose columns lie in more than one district: their coefficients (row among them, column, value),
    limits, and positions among the whole model's rows."""
    rows, cols, vals, lo, hi, where = [], [], [], [], [], []
    count = 0
    for con in form.constraints.values():
        if not len(con.val):
            continue
        first = np.full(con.size, np.iinfo(np.int64).max)
        last = np.full(con.size, -1)
        np.minimum.at(first, con.row, district[con.col])
        np.maximum.at(last, con.row, district[con.col])
        linking = np.flatnonzero((last >= 0) & (first != last))
        if not len(linking):
            continue
        new_index = np.full(con.size, -1)
        new_index[linking] = count + np.arange(len(linking))
        keep = new_index[con.row] >= 0
        rows.append(new_index[con.row[keep]])
        cols.append(con.col[keep])
        vals.append(con.val[keep])
        lo.append(con.lb[linking])
        hi.append(con.ub[linking])
        where.append(con.start + linking)
        count += len(linking)
    if not rows:
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0),
                np.zeros(0, dtype=np.int64))
    return (np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), np.concatenate(lo),
            np.concatenate(hi), np.concatenate(where))


PAIR_LIMIT_S = 1.0  # each district pair's MIP (at 300 projects most prove their optimum well within it).
# Measured on 300x13x3, 8.5-s runs, seeds 1/2/3, two runs each (stop 29): 0.5 s → 4,091.3 / 3,267.0 / 2,984.9 on
# average; 1.0 s → 4,099.7 / 3,252.4 / 2,987.0; 2.0 s → 4,088.4 / 3,265.2 / 2,978.1: within run-to-run spread
GAIN = 1e-6  # a relative gain smaller than this is the tie-breaks' dust (prepare.TIE_BREAK), not a better allocation


def gains(new: float, old: float) -> bool:
    """Whether objective `new` is better than `old` by more than `GAIN` (relative): a real improvement."""
    return new - old > GAIN * max(1.0, abs(old))


def district_losses(form: Formulation, parts: list[Part]) -> Callable[[np.ndarray], np.ndarray]:
    """For the district bound's solved parts: a function giving, for an allocation, how far each district's share
    of it is from the most its priced MIP could be worth (its bound less the priced value of its columns). A
    district far from its best is the likeliest to gain from a new allocation (`district_pairs`)."""
    positions = column_positions(form)
    known = [(p.district, whole_columns(positions, p.form), p.form.objective, float(p.bound))
             for p in parts if p.bound is not None]
    n_districts = len(form.prep.districts)

    def losses(x: np.ndarray) -> np.ndarray:
        out = np.full(n_districts, np.nan)
        for district, where, cost, bound in known:
            inside = where >= 0
            out[district] = max(bound - float(cost[inside] @ x[where[inside]]), 0.0)
        unknown = np.isnan(out)  # a district whose MIP ended without a bound: as likely as the average one
        out[unknown] = float(out[~unknown].mean()) if (~unknown).any() else 1.0
        return out

    return losses


def district_pairs(form: Formulation, x: np.ndarray, time_limit_s: float, threads: int = 0,
                   losses: Callable[[np.ndarray], np.ndarray] | None = None, seed: int = 0,
                   steps: int | None = None, nodes: int | None = None) -> tuple[np.ndarray | None, bool]:
    """The *district pairs* neighbourhood: improve the allocation `x` two districts at a time.

    Each step frees every column of two districts, fixes all the others at the allocation, and solves that
    (a MIP of two districts, the rows linking districts included) from the allocation, on one HiGHS thread,
    for at most `PAIR_LIMIT_S`; a better answer becomes the allocation. Two districts are the fewest that can
    trade the city-level quotas between them. Pairs are drawn at random (`seed`), each district with weight
    its loss (`losses`, from the district bound) when given; a pair whose MIP proved, with the whole slack of
    the linking rows, that it cannot improve is not drawn again until the allocation changes. With several
    workers (`workers(threads)`), as many pairs of distinct districts are solved at once, sharing the linking rows'
    slack: in turn, one pair may use all of it and the others none (they may still trade between their two
    districts), so that the changes, on disjoint columns, add up to a feasible allocation.

    Counted in work (`pipeline.work_budget`): at most `steps` steps, each MIP stopped at `nodes` branch-and-bound
    nodes and not at `PAIR_LIMIT_S`; the outcome is then the same whatever the timing, as long as `time_limit_s`
    does not bind first.

    Returns the improved allocation (None when no step improved it) and whether Ctrl-C ended it.
    """
    district = _column_districts(form)
    present = np.unique(district)
    n = min(workers(threads), len(present) // 2)
    if n < 1 or time_limit_s <= 0.05 or steps == 0:  # no step to take: no solver to load
        return None, False
    deadline = time.perf_counter() + time_limit_s
    ensure_scheduler(1)
    solvers = [load_highs(form) for _ in range(n)]  # here, not in the workers: see Part.load
    for h in solvers:
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 1e-4)
        limit_nodes(h, nodes)
    lo, hi = form.bounds()
    all_cols = np.arange(form.n_cols, dtype=np.int32)
    link_rows, link_cols, link_vals, link_lo, link_hi, link_where = _linking_rows(form, district)
    rng = np.random.default_rng(seed)
    best = np.asarray(x, dtype=float).copy()
    improved, interrupted = False, False
    proven: set[tuple[int, int]] = set()
    stop = Stop()
    done = 0

    def step(h: Any, pair: tuple[int, int], share: float, left: float) -> np.ndarray | None:
        free = np.isin(district, pair)
        h.changeColsBounds(form.n_cols, all_cols, np.where(free, lo, best), np.where(free, hi, best))
        if n > 1 and len(link_where):
            use = np.zeros(len(link_lo))
            np.add.at(use, link_rows, link_vals * best[link_cols])
            with np.errstate(invalid="ignore"):  # 0 · ∞ on an open side, which np.where then leaves open
                up = np.where(np.isinf(link_hi), np.inf, use + share * np.maximum(link_hi - use, 0.0))
                down = np.where(np.isinf(link_lo), -np.inf, use - share * np.maximum(use - link_lo, 0.0))
            h.changeRowsBounds(len(link_where), link_where.astype(np.int32), down, up)
        set_start(h, best)
        h.setOptionValue("time_limit", max(min(PAIR_LIMIT_S, left) if steps is None else left, 0.05))
        if not stop.enter(h):
            return None
        try:
            h.run()
        finally:
            stop.leave(h)
        if share == 1.0 and str(h.getModelStatus()).split(".")[-1] == "kOptimal":
            proven.add(pair)
        if h.getInfo().primal_solution_status != 2:
            return None
        value = np.asarray(h.getSolution().col_value, dtype=float)
        return value if gains(float(form.objective @ value), float(form.objective @ best)) else None

    with ThreadPoolExecutor(max_workers=n) as pool:
        try:
            while (left := deadline - time.perf_counter()) > 0.05 and (steps is None or done < steps):
                weight = np.maximum(losses(best)[present] if losses is not None else np.ones(len(present)), 1e-6)
                pairs = _draw_pairs(rng, present, weight, n, proven)
                if not pairs:
                    break  # every pair proved it cannot improve this allocation
                lead = done % len(pairs)  # the pair that may use the linking rows' slack this step
                done += 1
                jobs = [pool.submit(step, solvers[i], pair, float(i == lead), left) for i, pair in enumerate(pairs)]
                changed = [(pair, value) for pair, value in zip(pairs, [job.result() for job in jobs], strict=True)
                           if value is not None]
                for pair, value in changed:  # disjoint columns: each change is feasible with the others
                    free = np.isin(district, pair)
                    best[free] = value[free]
                if changed:
                    improved = True
                    proven.clear()
        except KeyboardInterrupt:  # the step under way is cancelled and dropped; the allocation so far stands
            stop()
            interrupted = True
    return (best if improved else None), interrupted


def _draw_pairs(rng: np.random.Generator, present: np.ndarray, weight: np.ndarray, n: int,
                proven: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Up to `n` pairs of distinct districts from `present`, none in `proven`: the first district of each drawn
    with probability ∝ `weight`, the second likewise among those it is not yet proven with."""
    pairs: list[tuple[int, int]] = []
    open_ = np.ones(len(present), dtype=bool)
    while len(pairs) < n and open_.sum() >= 2:
        p = weight * open_
        i = int(rng.choice(len(present), p=p / p.sum()))
        a = int(present[i])
        partner = open_.copy()
        partner[i] = False
        partner &= np.array([(min(a, int(b)), max(a, int(b))) not in proven for b in present])
        open_[i] = False  # drawn: paired now, or with no pair left to try
        if not partner.any():
            continue
        q = weight * partner
        j = int(rng.choice(len(present), p=q / q.sum()))
        open_[j] = False
        pairs.append((min(a, int(present[j])), max(a, int(present[j]))))
    return pairs


FEASIBLE_TOL = 1e-6  # the largest violation accepted, relative to the row's size (Formulation.violation)


def as_allocation(form: Formulation, x: np.ndarray | None) -> GreedyResult | None:
    """An allocation from a solver's column values: the integer columns rounded, the sources and carry-over
    re-solved for that selection (`highs.fixed_lp`, so that rounding leaves no row off by a hair), checked
    against every row; None if the selection has no feasible completion."""
    if x is None:
        return None
    completed = fixed_lp(form, x)
    if completed is None:
        return None
    x = form.tidy(completed.x)
    if form.violation(x) > FEASIBLE_TOL:
        return None
    return GreedyResult(x=x, objective=float(form.objective @ x), feasible=True, unplaced_mandatory=[])

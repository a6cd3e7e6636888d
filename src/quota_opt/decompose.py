"""The model district by district: one small MIP per district, solved side by side.

Only three families of rows tie districts together: the provincial reward pool, the province request
cap and the city energy pool (per year). Give each district its own amount of each and the model falls
apart into one independent MIP per district (tens of projects each), which HiGHS solves far better
than the whole. Two uses:

- the **district split** (`heuristic.district_split`, a starting allocation): each district gets what the
  LP relaxation gives its projects, so the union of the districts' allocations is feasible for the whole;
- the **district bound** (`district_bound`, a Lagrangian bound): every district may use the whole city
  amounts, but each unit it uses is charged at the LP's shadow price of that row, and the charges are
  paid back once. For any prices λ ≥ 0,

      best allocation ≤ Σ_t λ_t·b_t + Σ_d max { (c − λA)·x_d : x_d feasible for district d },

  because an allocation feasible for the whole is feasible for each district and uses at most b_t.
  Each district's maximum is itself bounded by its MIP's dual bound, so the sum is a valid upper bound
  at any time limit. With λ from the LP it is at least as tight as the LP bound, and often tighter than
  the bound HiGHS proves on the whole model (measured in benchmarks/RESULTS.md).

A platform whose projects lie in several districts also ties them together; each district keeps that
platform's whole remaining capacity, which is a relaxation (fine for the bound) and may overspend it in
the split, whose union is therefore checked (`Formulation.violation`) before it is used.

The district MIPs run on a pool of threads (highspy releases the interpreter while HiGHS runs), one
HiGHS thread each.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from quota_opt.model import Formulation, build_formulation
from quota_opt.prepare import Prepared

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


def district_prep(prep: Prepared, di: int, mask: np.ndarray, city: dict[str, np.ndarray]) -> Prepared:
    """District `di` alone: its candidates (`mask`), its own quotas, and `city` (Prepared field → per-year
    amounts) in place of the city-level amounts."""
    c = prep.candidates
    rows = slice(di, di + 1)
    platforms = set(c.loc[mask, "platform_id"])
    return dataclasses.replace(
        prep, districts=[prep.districts[di]], candidates=c[mask],
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

    def load(self) -> None:
        """Load the MIP into HiGHS. In the caller's thread: creating a HiGHS silences its banner by swapping the
        process's standard output, which is not safe while other threads write to it."""
        from quota_opt.solve import load_highs

        self.highs = load_highs(self.form)


def district_parts(form: Formulation, city: Callable[[int], dict[str, np.ndarray]]) -> list[Part]:
    """One Part per district with candidates, largest first; `city(di)` gives district `di`'s city-level amounts."""
    prep = form.prep
    d_of = district_of_candidates(prep)
    counts = np.bincount(d_of, minlength=len(prep.districts))
    parts = []
    for di in np.argsort(-counts, kind="stable"):
        if counts[di] == 0:
            continue
        parts.append(Part(int(di), build_formulation(district_prep(prep, int(di), d_of == di, city(int(di))))))
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
                stop: Stop | None = None) -> None:
    """Solve every part (in place), `workers(threads)` at a time, within `time_limit_s` in all: each part, when it
    starts, gets an equal share of the time its worker has left. The caller sizes HiGHS's scheduler for one
    thread (`solve.ensure_scheduler(1)`) and loads the parts (`Part.load`) before: each district MIP runs on one
    HiGHS thread."""
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
    for name, block in form.variables.items():
        position = {k: block.start + i for i, k in enumerate(block.keys)}
        for part in parts:
            sub = part.form.variables.get(name)
            if part.x is None or sub is None:
                continue
            for i, key in enumerate(sub.keys):
                x[position[key]] = part.x[sub.start + i]
    return x


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
    from quota_opt.solve import ensure_scheduler

    parts, paid_back = priced_parts(form, row_gain)
    ensure_scheduler(1)
    solve_parts(parts, time_limit_s, threads)
    return total_bound(parts, paid_back)


class BoundJob:
    """`district_bound` on one worker thread beside the main solve (which then runs on one HiGHS thread too)."""

    def __init__(self, form: Formulation, row_gain: np.ndarray, time_limit_s: float):
        from quota_opt.solve import ensure_scheduler

        started = time.perf_counter()
        parts, paid_back = priced_parts(form, row_gain)
        ensure_scheduler(1)  # before either solve starts: re-sizing it under a running HiGHS is not safe
        self.stop = Stop()
        self.value: float | None = None
        self.error: Exception | None = None  # the bound is extra: a failure leaves it out of the report
        limit = max(time_limit_s - (time.perf_counter() - started), 0.1)

        def work() -> None:
            try:
                solve_parts(parts, limit, threads=1, stop=self.stop)
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
        return self.value

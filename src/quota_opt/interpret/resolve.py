"""explain's re-solves: the adopted plan re-optimised near one project, side by side in worker processes.

A what-if changes one thing about one project P (its score, its land demand, its binding quota). The change can
matter only where P competes: its district's quotas and the city-level quotas it may draw on. So each re-solve is
the adopted plan with every other project's decision fixed where the plan has it, and free in the *neighbourhood*:
the candidates of P's district and those the plan draws a city-level quota for that P may draw on too (the
provincial reward pool, the province request cap, the city energy pool). Every source split (continuous) stays
free, so a fixed project may still give up a city pool for its own district's quota. The adopted plan is the
starting incumbent. These MIPs have tens of projects, not hundreds: a fraction of a second each.

Before a MIP, its LP relaxation with P forced to the other side of its decision: when even that relaxation is
worth less than the adopted plan completed on the changed model, the decision cannot flip at that value and the
MIP is skipped (`Answer.by_bound`).

`Pool` runs the re-solves on worker processes (`workers` > 1; each re-solve on one HiGHS thread) or in this
process. A re-solve is *proved* when HiGHS closed it to the gap target (`EXPLAIN_GAP`); a threshold is exact only
when every re-solve behind it was.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from quota_opt.core.scenario import Scenario
from quota_opt.prepare import Prepared, prepare
from quota_opt.solve.decompose import COUPLING
from quota_opt.solve.formulation import Formulation, build_formulation
from quota_opt.solve.highs import ensure_scheduler, load_highs, set_start

EXPLAIN_GAP = 1e-6  # relative gap target of a re-solve: a step of the thresholds' precision (0.1 mu, 1 tce,
# 0.0001 of score) moves the objective by far more than this times the objective
EXPLAIN_ABS_GAP = 1e-7  # and absolute (HiGHS's default, 1e-6, is the size of the tie-breaks)
PROBE_TIME_LIMIT_S = 10.0  # a re-solve's time limit unless a smaller one is given (`--time-limit`)
CITY_FLAGS = {"provincial_reward_pool": "may_pool", "province_request_cap": "may_request",
              "city_energy_pool": "may_city_energy"}  # the city-level quotas and who may draw on them


@dataclass(frozen=True)
class Task:
    """One re-solve. kind "score": P forced into year `value` (None: forced out), at its current score;
    "land": P's land demand set to `value`; "quota": the binding quota's limit changed by `value`."""

    kind: str
    value: float | int | None


@dataclass
class Answer:
    task: Task
    selected: bool | None  # P funded in the best allocation found; None: no allocation (infeasible or none found)
    objective: float | None  # best allocation's value; for "score" tasks without P's own term
    bound: float | None  # the proved bound on it (same terms)
    proved: bool  # closed to the gap target (or answered by the bound)
    by_bound: bool = False
    seconds: float = 0.0


@dataclass
class Context:
    """What every re-solve needs, picklable (sent to the workers)."""

    scenario: Scenario
    project_id: str
    start: dict[str, float]  # the adopted plan: column name → value
    free: frozenset[str]  # the neighbourhood: candidates whose decisions are re-optimised
    selected: bool  # P's decision in the adopted plan
    quota: tuple[str, Any] | None  # the binding quota's row family and key
    time_limit_s: float
    gap: float
    base: tuple[Prepared, Formulation] | None = field(default=None, repr=False)  # cached, not sent


def neighbourhood(form: Formulation, x: np.ndarray, project_id: str) -> frozenset[str]:
    """The candidates re-optimised around `project_id`: its district's, and, for each city-level quota it may draw
    on, those the plan `x` draws it for (they may give it up). The others keep their decisions: re-optimising
    every candidate that may draw on the city energy pool too made the example's re-solves six times slower
    (XM012: 34 candidates free, 0.9 s a re-solve, against 19 and 0.15 s)."""
    c = form.prep.candidates
    mask = np.array(c["district_id"] == c.at[project_id, "district_id"], dtype=bool)
    for family, (_, block_name) in COUPLING.items():
        flag = CITY_FLAGS.get(family)
        block = form.variables.get(block_name)
        if block is None or flag is None or flag not in c.columns or not bool(c.at[project_id, flag]):
            continue
        mask[block.project[x[block.cols] > 1e-9]] = True
    return frozenset(str(p) for p in c.index[mask])


def context(form: Formulation, x: np.ndarray, project_id: str, selected: bool, quota: tuple[str, Any] | None,
            time_limit_s: float, gap: float) -> Context:
    return Context(form.prep.scenario, project_id, dict(zip(form.col_names(), map(float, x), strict=True)),
                   neighbourhood(form, x, project_id), selected, quota, time_limit_s, gap, (form.prep, form))


def _base(ctx: Context) -> tuple[Prepared, Formulation]:
    if ctx.base is None:
        prep = prepare(ctx.scenario)
        ctx.base = (prep, build_formulation(prep))
    return ctx.base


def answer(ctx: Context, task: Task) -> Answer:
    """Re-solve the neighbourhood for `task`."""
    began = time.perf_counter()
    prep, form = _base(ctx)
    force: Any = "free"
    if task.kind == "score":
        force = task.value if task.value is not None else "out"
    elif task.kind == "land":
        sc = ctx.scenario.copy()
        sc.projects.loc[sc.projects["project_id"] == ctx.project_id, "land_demand"] = float(task.value or 0.0)
        form = build_formulation(prepare(sc))
    elif task.kind == "quota":
        assert ctx.quota is not None and task.value is not None
        delta = float(task.value)
        # more quota can let a project into a year it did not fit in, which the model leaves without a variable
        # (formulation._pairs): every year of every window when the quota grows
        form = build_formulation(prep, prune=delta <= 0)
        con = form.constraints[ctx.quota[0]]
        con.ub = con.ub.copy()
        con.ub[con.keys.index(ctx.quota[1])] += delta
    out = _solve_near(ctx, form, force)
    out.task = task
    out.seconds = time.perf_counter() - began
    return out


def columns(form: Formulation, project_id: str) -> tuple[np.ndarray, list[int]]:
    """P's supply columns and their years."""
    y = form.var("supply")
    c = form.prep.candidates
    if project_id not in c.index:
        return np.zeros(0, dtype=np.int64), []
    pos = list(c.index).index(project_id)
    mine = np.flatnonzero(y.project == pos)
    return y.start + mine, [int(form.prep.years[t]) for t in y.year[mine]]


def _solve_near(ctx: Context, form: Formulation, force: Any) -> Answer:
    """The neighbourhood MIP of `form`: integer columns outside `ctx.free` fixed at the adopted plan, P forced
    ("out", a year) or free; LP bound check first when free."""
    names = form.col_names()
    start = np.array([ctx.start.get(n, 0.0) for n in names])
    lo, hi = (b.astype(float).copy() for b in form.bounds())
    ints = form.integrality()
    ids = np.array([str(p) for p in form.prep.candidates.index], dtype=object)
    for block in form.variables.values():
        if block.integer and len(block.project) == block.size:
            fixed = block.cols[~np.isin(ids[block.project], list(ctx.free))]
            lo[fixed] = hi[fixed] = np.round(start[fixed])
    mine, years = columns(form, ctx.project_id)
    objective_shift = 0.0
    if force == "out":
        hi[mine] = 0.0
    elif force != "free":
        if force not in years:
            return Answer(Task("", None), None, None, None, True)
        col = mine[years.index(force)]
        lo[mine] = hi[mine] = 0.0
        lo[col] = hi[col] = 1.0
        objective_shift = float(form.objective[col])
    ensure_scheduler(1)
    if force == "free":
        skip = _cannot_flip(ctx, form, start, lo, hi, mine, ints)
        if skip:
            return Answer(Task("", None), ctx.selected, None, None, True, by_bound=True)
    h = load_highs(form)
    cols = np.arange(form.n_cols, dtype=np.int32)
    h.changeColsBounds(len(cols), cols, lo, np.where(np.isinf(hi), highspy.kHighsInf, hi))
    x0 = np.clip(start, lo, hi)
    set_start(h, x0)
    h.setOptionValue("time_limit", float(ctx.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(ctx.gap))
    h.setOptionValue("mip_abs_gap", EXPLAIN_ABS_GAP)
    h.setOptionValue("threads", 1)
    h.run()
    status = str(h.getModelStatus()).split(".")[-1]
    info = h.getInfo()
    if status in ("kInfeasible", "kUnboundedOrInfeasible"):
        return Answer(Task("", None), None, None, None, True)
    if info.primal_solution_status != 2:
        return Answer(Task("", None), None, None, None, False)
    x = np.asarray(h.getSolution().col_value, dtype=float)
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound) or abs(bound) >= 1e30:
        bound = obj if status == "kOptimal" else float("inf")
    return Answer(Task("", None), bool((x[mine] > 0.5).any()), obj - objective_shift, bound - objective_shift,
                  status == "kOptimal")


LP_MARGIN = 1e-7  # relative: the LP bound must fall this far below the adopted plan's value to skip the MIP


def _cannot_flip(ctx: Context, form: Formulation, start: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 mine: np.ndarray, ints: np.ndarray) -> bool:
    """Whether the LP relaxation, with P forced to the other side of its adopted decision, is worth less than the
    adopted plan completed on `form` (its selection kept, the sources re-solved): then no allocation flips P."""
    if not len(mine):
        return not ctx.selected  # no variable: P cannot be funded
    # the adopted plan on this model: its selection, sources re-solved as an LP
    keep_lo, keep_hi = lo.copy(), hi.copy()
    keep_lo[ints] = keep_hi[ints] = np.round(np.clip(start[ints], lo[ints], hi[ints]))
    kept = _lp(form, keep_lo, keep_hi)
    if kept is None:
        return False
    flip_lo, flip_hi = lo.copy(), hi.copy()
    if ctx.selected:
        flip_hi[mine] = 0.0
    h = load_highs(form, integer=False)
    cols = np.arange(form.n_cols, dtype=np.int32)
    h.changeColsBounds(len(cols), cols, flip_lo, np.where(np.isinf(flip_hi), highspy.kHighsInf, flip_hi))
    if not ctx.selected:  # P in: Σ of its supply columns ≥ 1 (its choice row keeps it ≤ 1)
        h.addRow(1.0, highspy.kHighsInf, len(mine), mine.astype(np.int32), np.ones(len(mine)))
    h.run()
    status = str(h.getModelStatus()).split(".")[-1]
    if status in ("kInfeasible", "kUnboundedOrInfeasible"):
        return True
    if status != "kOptimal":
        return False
    relaxed = float(h.getInfo().objective_function_value)
    return relaxed < kept - LP_MARGIN * max(1.0, abs(kept))


def _lp(form: Formulation, lo: np.ndarray, hi: np.ndarray) -> float | None:
    h = load_highs(form, integer=False)
    cols = np.arange(form.n_cols, dtype=np.int32)
    h.changeColsBounds(len(cols), cols, lo, np.where(np.isinf(hi), highspy.kHighsInf, hi))
    h.run()
    if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
        return None
    return float(h.getInfo().objective_function_value)


# --------------------------------------------------------------------------------------------
# Running them: in this process or on worker processes
# --------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}  # in a worker: the last context received (key → Context)


def _work(key: str, blob: bytes, task: Task) -> Answer:
    if _WORKER.get("key") != key:
        _WORKER["key"], _WORKER["ctx"] = key, pickle.loads(blob)
    return answer(_WORKER["ctx"], task)


def _ready() -> int:
    return os.getpid()


def default_workers() -> int:
    """Worker processes when none is asked for: every core, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


class Pool:
    """Runs re-solves for one context and counts them (`done`, `total`: expected, raised as searches go on);
    `progress(done, total, elapsed_s)` after each. Workers > 1: a pool of spawned processes, started at once (so
    their start-up overlaps the caller's work until `start`)."""

    def __init__(self, workers: int, progress: Callable[[int, int, float], None] | None = None):
        self.workers = max(1, workers)
        self.progress = progress
        self.done = 0
        self.total = 0
        self.began = time.perf_counter()
        self.answers: list[Answer] = []
        self._executor: ProcessPoolExecutor | None = None
        self._ctx: Context | None = None
        self._key = ""
        self._blob = b""
        self._lock = threading.Lock()
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(self.workers):
                self._executor.submit(_ready)

    def start(self, ctx: Context) -> None:
        self._ctx = ctx
        if self._executor is not None:
            sent = Context(**{**ctx.__dict__, "base": None})
            self._blob = pickle.dumps(sent)
            self._key = hashlib.sha1(self._blob).hexdigest()

    def expect(self, n: int) -> None:
        self.total += n
        self._report()

    def run(self, tasks: list[Task]) -> list[Answer]:
        """Answers to `tasks`, in order (side by side on the workers)."""
        assert self._ctx is not None
        if self._executor is None:
            out = []
            for task in tasks:
                out.append(answer(self._ctx, task))
                self._count(out[-1])
            return out
        futures: list[Future[Answer]] = [self._executor.submit(_work, self._key, self._blob, t) for t in tasks]
        for f in futures:
            f.add_done_callback(lambda f: self._count(f.result()) if not f.exception() else None)
        return [f.result() for f in futures]

    def _count(self, a: Answer) -> None:
        with self._lock:
            self.answers.append(a)
            self.done += 1
            self.total = max(self.total, self.done)
            self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, time.perf_counter() - self.began)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

"""Run HiGHS on a formulation and map every outcome onto the product's own small status enum.

Two ways in, one answer out:
- `pyomo`: the formulation as a Pyomo model, solved through Pyomo's current HiGHS interface
  (`pyomo.contrib.solver`, `SolverFactory("highs")`);
- `highs`: the same matrix passed to highspy in bulk, with a warm start from the ranking rule,
  progress callbacks, and Ctrl-C/time-limit that keep the best allocation found.
`auto` (the default) uses Pyomo up to `PYOMO_MAX_COLUMNS` columns and the bulk path above it,
where Pyomo's per-constraint construction would dominate the run (see benchmarks/RESULTS.md); given
`SolveOptions.race`, two bulk runs side by side (`race`, the small models' strategy: solve/strategy.py).

`fixed_lp(...)` fixes the supply decisions at a solution and re-solves the LP, for shadow prices.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import highspy
import numpy as np
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from quota_opt.core.errors import Location, Problem, Severity, SolveError
from quota_opt.core.files import Kind, Reads, model_header, write_file
from quota_opt.solve.formulation import INF, Formulation, to_pyomo

PYOMO_MAX_COLUMNS = 20_000


class Status(StrEnum):
    """What the solve achieved."""

    OPTIMAL = "optimal"  # proven optimal within the requested gap
    FEASIBLE = "feasible"  # stopped early (time limit, interrupt) with a solution; see gap
    INFEASIBLE = "infeasible"  # the hard requirements cannot all hold
    NO_SOLUTION = "no_solution"  # stopped before any solution was found
    ERROR = "error"  # the solver failed


@dataclass
class Progress:
    """One progress report during the MIP: seconds since start, incumbent, bound and relative gap."""

    elapsed_s: float
    objective: float | None
    best_bound: float | None
    gap: float | None


@dataclass
class SolveOptions:
    time_limit_s: float = 60.0
    mip_gap: float = 1e-3
    threads: int = 0  # 0 = let HiGHS choose
    backend: str = "auto"  # auto | pyomo | highs
    warm_start: np.ndarray | None = None  # a feasible column vector (e.g. the ranking rule's)
    progress: Callable[[Progress], None] | None = None
    highs_options: dict[str, Any] = field(default_factory=dict)
    race: dict[str, Any] | None = None  # HiGHS options of a second run raced beside the first (`race`)
    # False: HiGHS maximises the objective without the tie-breaks on the source columns
    # (`Formulation.selection_objective`), which the polish after the solve applies (`pipeline`, `fixed_lp`); the
    # bulk path only (strategy.Strategy.direct_source_tie_breaks)
    source_tie_breaks: bool = True


@dataclass
class Solution:
    status: Status
    termination: str  # the solver's own words, e.g. "time limit", "interrupted"
    objective: float | None
    best_bound: float | None
    gap: float | None
    x: np.ndarray | None
    backend: str
    solver_version: str
    solve_seconds: float
    log: str = ""

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def solver_version() -> str:
    try:
        return f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
    except AttributeError:  # older highspy
        return "HiGHS"


def selection_gap(form: Formulation, gap: float, floor: float | None) -> float:
    """The gap target to give HiGHS on the selection objective (`SolveOptions.source_tie_breaks` False) so that the
    gap reported on the objective, every tie-break included, stays within `gap`, given `floor` ≤ the optimum (a
    feasible allocation's value). HiGHS stops when B − S ≤ g'·S (S its incumbent's selection value, B its bound);
    the allocation's objective is F = S − m, m ≤ M the source tie-breaks' most (per project, supplied once, its
    costliest year's, every source column with a tie-break at its bound), so (B − F)/F ≤ gap once
    g' = gap − (1 + gap)·M / (floor − M). On the example, 0.1% becomes 0.0991%."""
    if gap <= 0 or floor is None:
        return gap
    tie = form.source_tie_break
    costly = tie < 0
    cost = np.zeros(form.n_cols)
    cost[costly] = -tie[costly] * form.bounds()[1][costly]  # source columns have finite bounds (L_j, E_j)
    per_year = np.zeros((len(form.prep.candidates), len(form.prep.years)))
    for block in form.variables.values():
        if len(block.project) and cost[block.cols].any():
            np.add.at(per_year, (block.project, block.year), cost[block.cols])
    mass = float(per_year.max(axis=1, initial=0.0).sum())
    if floor - mass <= 0:
        return gap
    return max(gap - (1 + gap) * mass / (floor - mass), 0.0)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective) / |objective| for a maximisation, 0 when both agree; None when unknown."""
    if objective is None or bound is None or not math.isfinite(objective) or not math.isfinite(bound):
        return None
    diff = max(bound - objective, 0.0)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the banner highspy prints on construction (it writes to the C-level stdout)."""
    try:
        fd = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


def new_highs() -> Any:
    sys.stdout.flush()
    with _creating, _quiet_stdout():  # one at a time: two threads swapping standard output could lose it for good
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if _scheduler["threads"]:  # a run left at the default would size the scheduler otherwise (ensure_scheduler)
        h.setOptionValue("threads", int(_scheduler["threads"]))
    return h


_scheduler: dict[str, int | None] = {"threads": None}  # None: not yet sized through ensure_scheduler
_creating = threading.Lock()


def ensure_scheduler(threads: int) -> None:
    """HiGHS keeps one thread scheduler per process, sized by the first run after it is (re)made, whatever that
    run is (an LP too) and from whichever thread; a later run asking for a different thread count fails
    ("kNotset"). Reset the scheduler when the requested count changes; every HiGHS made by `new_highs` after
    this asks for the same count."""
    if _scheduler["threads"] != threads:  # from None too: a HiGHS made before any call here may have sized it
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler["threads"] = threads


def choose_backend(form: Formulation, backend: str) -> str:
    if backend not in ("auto", "pyomo", "highs"):
        raise SolveError(f"unknown backend {backend!r}; use auto, pyomo or highs")
    if backend == "auto":
        return "pyomo" if form.n_cols <= PYOMO_MAX_COLUMNS else "highs"
    return backend


def solve(form: Formulation, options: SolveOptions | None = None) -> Solution:
    """Solve the MIP (maximisation). Returns a Solution for every outcome; raises SolveError only on misuse."""
    options = options or SolveOptions()
    backend = choose_backend(form, options.backend)
    if form.n_cols == 0:
        return Solution(Status.OPTIMAL, "empty model", 0.0, 0.0, 0.0, np.zeros(0), backend, solver_version(), 0.0)
    if options.race is not None and options.backend in ("auto", "highs"):  # `race` loads HiGHS in bulk
        return race(form, options)
    ensure_scheduler(int(options.threads or 0))
    if backend == "pyomo":
        return _solve_pyomo(form, options)
    return _solve_highs(form, options)


# --------------------------------------------------------------------------------------------
# highspy, in bulk
# --------------------------------------------------------------------------------------------


T = TypeVar("T")


def interruptible(run: Callable[[], T], cancel: Callable[[], None]) -> tuple[T, bool]:
    """`run()` on a worker thread while this one waits, so that Ctrl-C calls `cancel()` (HiGHS then stops at once
    and keeps its best allocation) instead of taking effect only when the solver returns at its time limit
    (Python handles signals between bytecodes, never inside a long C++ call). Returns run's value and whether
    Ctrl-C came. Off the main thread, which never sees Ctrl-C, it runs in place."""
    if threading.current_thread() is not threading.main_thread():
        return run(), False
    box: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can report a running thread ended

    def work() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="highs", daemon=True).start()
    interrupted = False
    while not done.is_set():
        try:
            done.wait(0.1)
        except KeyboardInterrupt:
            interrupted = True
            cancel()
    if "error" in box:
        raise box["error"]
    return box["value"], interrupted


def load_highs(form: Formulation, *, integer: bool = True, names: bool = False,
               objective: np.ndarray | None = None) -> Any:
    """A highspy `Highs` holding the formulation (maximise), optionally with column and row names; `objective` in
    place of the formulation's (`Formulation.selection_objective`)."""
    h = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_ = form.n_cols
    lp.num_row_ = form.n_rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = (form.objective if objective is None else objective).astype(float)
    lo, hi = form.bounds()
    lp.col_lower_ = lo
    lp.col_upper_ = np.where(np.isinf(hi), highspy.kHighsInf, hi)
    rlo, rhi = form.row_bounds()
    lp.row_lower_ = np.where(np.isinf(rlo), -highspy.kHighsInf, rlo)
    lp.row_upper_ = np.where(np.isinf(rhi), highspy.kHighsInf, rhi)
    starts, idx, vals = form.matrix()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = form.n_cols
    lp.a_matrix_.num_row_ = form.n_rows
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = idx
    lp.a_matrix_.value_ = vals
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                           for v in form.integrality()]
    status = h.passModel(lp)
    if status != highspy.HighsStatus.kOk:
        # e.g. kWarning when a coefficient is at or below HiGHS's small_matrix_value (1e-9), which validation keeps
        # out of a workbook (schema.MIN_COEFFICIENT)
        raise SolveError(problem=Problem(Severity.ERROR, "solver_rejected_model", Location(), {"status": str(status)}))
    if names:  # names do not travel with passModel; LP/MPS allow only plain ASCII names
        for i, name in enumerate(_file_names(form.col_names())):
            h.passColName(i, name)
        for i, name in enumerate(_file_names(form.row_names())):
            h.passRowName(i, name)
    return h


def _file_names(names: list[str]) -> list[str]:
    """Names safe for LP and MPS files: "supply[P1,2026]" → "supply(P1,2026)", other characters → "_", unique."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        safe = re.sub(r"[^A-Za-z0-9_().,]", "_", name.replace("[", "(").replace("]", ")"))
        if safe in seen:
            safe = f"{safe}_{i}"
        seen.add(safe)
        out.append(safe)
    return out


def _apply_options(h: Any, options: SolveOptions) -> None:
    # HiGHS's own MIP settings are its defaults. Tried on 300 projects (seeds 1 to 3, 8.5 s, the whole run):
    # mip_heuristic_effort 0.3 and 0.8 in place of 0.05 gave 4,261 / 3,365 / 3,222 and 4,262 / 3,361 / 3,212
    # against 4,262 / 3,365 / 3,196, within the run-to-run spread
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    for key, value in options.highs_options.items():
        h.setOptionValue(key, value)


def limit_nodes(h: Any, nodes: int | None) -> None:
    """Stop the loaded HiGHS `h` at `nodes` branch-and-bound nodes (a step of a run counted in work,
    `pipeline.work_budget`; its root node always completes); None leaves it unlimited."""
    if nodes is not None:
        h.setOptionValue("mip_max_nodes", int(nodes))


def set_start(h: Any, x: np.ndarray) -> None:
    """Give a loaded HiGHS `x` (a full column vector) as its starting incumbent."""
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, x))
    sol.value_valid = True
    h.setSolution(sol)


def _loaded(form: Formulation, options: SolveOptions, start: float, report: Callable[[Progress], None] | None) -> Any:
    """A HiGHS holding the formulation with `options` applied and the warm start set, reporting progress to
    `report` (time counted from `start`), cancellable (`cancelSolve` stops it and keeps the incumbent)."""
    h = load_highs(form, objective=None if options.source_tie_breaks else form.selection_objective())
    _apply_options(h, options)
    if options.warm_start is not None and len(options.warm_start) == form.n_cols:
        set_start(h, options.warm_start)
    if report is not None:
        last = [0.0]

        def on_event(e: Any) -> None:
            now = time.perf_counter() - start
            if now - last[0] < 0.5 and e.callback_type != highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution:
                return
            last[0] = now
            out = e.data_out
            obj, bound = out.mip_primal_bound, out.mip_dual_bound
            obj = obj if math.isfinite(obj) and abs(obj) < 1e30 else None
            bound = bound if math.isfinite(bound) and abs(bound) < 1e30 else None
            report(Progress(now, obj, bound, relative_gap(obj, bound)))

        h.cbMipImprovingSolution.subscribe(on_event)
        h.cbMipInterrupt.subscribe(on_event)
    h.HandleUserInterrupt = True  # cancelSolve stops it; the incumbent is kept
    return h


@dataclass
class _Outcome:
    """What one HiGHS run ended with."""

    status: str  # HiGHS's model status, e.g. "kOptimal"
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    start_misread: bool  # the reported objective is not its solution's, with a warm start (`_solve_highs`)


def _outcome(h: Any, form: Formulation, options: SolveOptions) -> _Outcome:
    status = str(h.getModelStatus()).split(".")[-1]
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
    obj = float(info.objective_function_value) if has_sol else None
    objective = form.objective if options.source_tie_breaks else form.selection_objective()
    misread = (x is not None and obj is not None and options.warm_start is not None
               and abs(float(objective @ x) - obj) > 1e-6 * max(1.0, abs(obj)))
    bound = float(info.mip_dual_bound) if info.mip_node_count >= 0 else obj
    if x is not None and not options.source_tie_breaks:  # the allocation's value with every tie-break; HiGHS's bound,
        obj = float(form.objective @ x)  # on the objective without some, is a bound of this one (selection_objective)
    if bound is not None and (not math.isfinite(bound) or abs(bound) >= 1e30):
        bound = None
    return _Outcome(status, x, obj, bound, misread)


def _solve_highs(form: Formulation, options: SolveOptions) -> Solution:
    start = time.perf_counter()
    h = _loaded(form, options, start, options.progress)
    interruptible(h.run, h.cancelSolve)
    elapsed = time.perf_counter() - start
    out = _outcome(h, form, options)
    if out.start_misread:
        # Given a starting incumbent, HiGHS has been seen to report an objective its solution does not have
        # (random_small(2265): 248.93 reported, the start's 197.26 returned, the optimum 236.93): solve again
        # without the start
        left = max(float(options.time_limit_s) - elapsed, 1.0)
        return _solve_highs(form, dataclasses.replace(options, warm_start=None, time_limit_s=left))
    return _classify(form, out.status, out.x is not None, out.x, out.objective, out.bound, "highspy (bulk)", elapsed,
                     "")


PROVED = ("kOptimal", "kInfeasible", "kUnboundedOrInfeasible")  # a run that ends so needs no other


def race(form: Formulation, options: SolveOptions) -> Solution:
    """Two HiGHS on the same model side by side, one thread each (`strategy.Strategy.race_up_to_columns`): the run
    `options` asks for, and the same with `options.race`'s HiGHS options on top (another random seed, say). HiGHS's
    time to prove an optimum on a small model is mostly its search tree, whose size depends on the path the search
    happens to take; the first of the two to prove its answer cancels the other, so the race is never slower than
    the first run alone, given a second core. At the time limit, or on Ctrl-C (which cancels both), the answer is
    the better incumbent with the smaller of the two bounds (both are bounds of the same model)."""
    start = time.perf_counter()
    ensure_scheduler(1)
    one = dataclasses.replace(options, threads=1, race=None)
    lock = threading.Lock()
    best: dict[str, float | None] = {"obj": None, "bound": None}

    def combined(p: Progress) -> None:  # both runs report; the user sees the best of the two
        assert options.progress is not None
        with lock:
            if p.objective is not None and (best["obj"] is None or p.objective > best["obj"]):
                best["obj"] = p.objective
            if p.best_bound is not None and (best["bound"] is None or p.best_bound < best["bound"]):
                best["bound"] = p.best_bound
            obj, bound = best["obj"], best["bound"]
        options.progress(Progress(p.elapsed_s, obj, bound, relative_gap(obj, bound)))

    report = combined if options.progress is not None else None
    runs = [_loaded(form, one, start, report),
            _loaded(form, dataclasses.replace(one, highs_options={**one.highs_options, **(options.race or {})}),
                    start, report)]

    def cancel() -> None:
        for h in runs:
            h.cancelSolve()

    def both() -> None:
        def run(i: int) -> None:
            runs[i].run()
            if str(runs[i].getModelStatus()).split(".")[-1] in PROVED:
                runs[1 - i].cancelSolve()

        workers = [threading.Thread(target=run, args=(i,), name=f"highs-race-{i}", daemon=True) for i in (0, 1)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    interruptible(both, cancel)
    elapsed = time.perf_counter() - start
    outs = [_outcome(h, form, one) for h in runs]
    if any(o.start_misread for o in outs):  # as in _solve_highs: again, without the start
        left = max(float(options.time_limit_s) - elapsed, 1.0)
        return race(form, dataclasses.replace(options, warm_start=None, time_limit_s=left))
    proved = [o for o in outs if o.status in PROVED]
    if proved:
        o = proved[0]
        return _classify(form, o.status, o.x is not None, o.x, o.objective, o.bound, "highspy (bulk, raced)",
                         elapsed, "")
    with_sol = [o for o in outs if o.x is not None]
    o = max(with_sol, key=lambda o: o.objective or -math.inf) if with_sol else outs[0]
    bounds = [b.bound for b in outs if b.bound is not None]
    bound = min(bounds) if bounds else None
    if bound is not None and o.objective is not None:
        bound = max(bound, o.objective)
    return _classify(form, o.status, o.x is not None, o.x, o.objective, bound, "highspy (bulk, raced)", elapsed, "")


def _classify(form: Formulation, status_name: str, has_sol: bool, x: np.ndarray | None, obj: float | None,
              bound: float | None, backend: str, elapsed: float, log: str) -> Solution:
    # kSolutionLimit is HiGHS's status for its node, leaf and improving-solution limits; of these quota-opt sets
    # only the node limit, the budget of a run counted in work (pipeline.work_budget), so it is named as that
    words = {
        "kOptimal": "optimal", "kInfeasible": "infeasible", "kTimeLimit": "time limit",
        "kInterrupt": "interrupted", "kHighsInterrupt": "interrupted", "kUnboundedOrInfeasible": "infeasible",
        "kIterationLimit": "iteration limit", "kSolutionLimit": "work limit", "kMemoryLimit": "memory limit",
        "kObjectiveBound": "objective bound", "kObjectiveTarget": "objective target", "kModelEmpty": "empty model",
    }
    termination = words.get(status_name, status_name)
    if status_name == "kOptimal" and has_sol:
        st = Status.OPTIMAL
        if bound is None:
            bound = obj
    elif status_name in ("kInfeasible", "kUnboundedOrInfeasible"):
        st, x, obj = Status.INFEASIBLE, None, None
    elif has_sol:
        st = Status.FEASIBLE
    elif status_name in ("kTimeLimit", "kInterrupt", "kHighsInterrupt", "kIterationLimit", "kSolutionLimit",
                         "kMemoryLimit"):
        st = Status.NO_SOLUTION
    else:
        st = Status.ERROR
    if x is not None:
        x = form.tidy(x)
    return Solution(st, termination, obj, bound, relative_gap(obj, bound) if st in (Status.OPTIMAL, Status.FEASIBLE)
                    else None, x, backend, solver_version(), elapsed, log)


# --------------------------------------------------------------------------------------------
# Pyomo's HiGHS interface
# --------------------------------------------------------------------------------------------

_LOG_LINE = re.compile(r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+(\S+)%?")


class _LogStream(io.TextIOBase):
    """A text stream fed with the HiGHS log: keeps it and turns MIP progress lines into Progress reports."""

    def __init__(self, start: float, report: Callable[[Progress], None] | None):
        self.start = start
        self.report = report
        self.parts: list[str] = []
        self._buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.parts.append(text)
        if self.report is not None:
            self._buffer += text
            *lines, self._buffer = self._buffer.split("\n")
            for line in lines:
                self._parse(line)
        return len(text)

    def _parse(self, line: str) -> None:
        m = _LOG_LINE.match(line)
        if not m or self.report is None:
            return
        try:
            bound, obj = float(m.group(1)), float(m.group(2))
        except ValueError:
            return
        obj_v = obj if math.isfinite(obj) else None
        bound_v = bound if math.isfinite(bound) else None
        self.report(Progress(time.perf_counter() - self.start, obj_v, bound_v, relative_gap(obj_v, bound_v)))

    def getvalue(self) -> str:
        return "".join(self.parts)


def _solve_pyomo(form: Formulation, options: SolveOptions) -> Solution:
    model = to_pyomo(form)
    opt = SolverFactory("highs")
    start = time.perf_counter()
    stream = _LogStream(start, options.progress)
    solver_options = {k: v for k, v in options.highs_options.items()}

    def run() -> Any:
        return opt.solve(
            model,
            tee=[stream],
            time_limit=float(options.time_limit_s),
            rel_gap=float(options.mip_gap),
            threads=int(options.threads) if options.threads else None,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            solver_options=solver_options,
        )

    def cancel() -> None:  # Pyomo's HiGHS handles user interrupts (HandleKeyboardInterrupt) on its own object
        highs = getattr(opt, "_solver_model", None)
        if highs is not None:
            highs.cancelSolve()

    with _quiet_stdout():
        results, interrupted = interruptible(run, cancel)
    elapsed = time.perf_counter() - start
    tc = results.termination_condition
    has_sol = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    x = None
    if has_sol:
        primals = results.solution_loader.get_vars(model._columns)
        x = np.array([primals.get(v, v.value or 0.0) for v in model._columns], dtype=float)
    obj = float(results.incumbent_objective) if has_sol and results.incumbent_objective is not None else None
    bound = results.objective_bound
    bound = float(bound) if bound is not None and math.isfinite(bound) else None
    status_name = {
        TerminationCondition.convergenceCriteriaSatisfied: "kOptimal",
        TerminationCondition.provenInfeasible: "kInfeasible",
        TerminationCondition.infeasibleOrUnbounded: "kUnboundedOrInfeasible",
        TerminationCondition.maxTimeLimit: "kTimeLimit",
        TerminationCondition.iterationLimit: "kIterationLimit",
        TerminationCondition.interrupted: "kInterrupt",
    }.get(tc, str(tc))
    if interrupted and status_name != "kOptimal":  # Pyomo reports a cancelled HiGHS as "unknown"
        status_name = "kInterrupt"
    return _classify(form, status_name, has_sol, x, obj, bound, "pyomo.contrib.solver (highs)", elapsed,
                     stream.getvalue())


# --------------------------------------------------------------------------------------------
# The LP at a fixed selection, for shadow prices
# --------------------------------------------------------------------------------------------


@dataclass
class FixedLP:
    """The LP with every supply decision fixed at a solution: its objective, primal vector and row duals."""

    objective: float
    x: np.ndarray
    row_dual: np.ndarray


def fixed_lp(form: Formulation, x: np.ndarray, *, rhs_change: dict[int, float] | None = None) -> FixedLP | None:
    """Fix the integer columns at `x`, relax integrality, re-solve the LP; None if it is infeasible.

    `rhs_change` adds amounts to row upper bounds (row index → delta), for finite-difference checks.
    Row duals are in objective points per unit of the row (per mu or per tce).
    """
    h = load_highs(form, integer=False)
    ints = np.flatnonzero(form.integrality())
    if len(ints):
        vals = np.round(x[ints]).astype(float)
        h.changeColsBounds(len(ints), ints.astype(np.int32), vals, vals)
    if rhs_change:
        rlo, rhi = form.row_bounds()
        for i, delta in rhs_change.items():
            h.changeRowBounds(int(i), float(rlo[i]) if math.isfinite(rlo[i]) else -INF, float(rhi[i] + delta))
    h.run()
    status = str(h.getModelStatus()).split(".")[-1]
    if status != "kOptimal":
        return None
    sol = h.getSolution()
    return FixedLP(float(h.getInfo().objective_function_value), np.asarray(sol.col_value, dtype=float),
                   np.asarray(sol.row_dual, dtype=float))


MODEL_FORMATS = (".mps", ".lp")  # what `write_model` writes (HiGHS picks the format by the suffix)


def write_model(form: Formulation, path: str | Path, reads: Reads = None, *, force: bool = False,
                scenario: str = "") -> Path:
    """Export the model as MPS or LP (by the file's suffix), with readable column and row names, its first line
    a comment that marks it as the product's (`files.model_header`, naming the `scenario`).

    Written through the write guard (`core.files`), as the workbooks are: never over one of `reads` (the
    command's inputs), over an existing file only when it is a model this product exported (or `force`), to a
    temporary file beside `path` renamed into place, so a failed export leaves no half file. Raises OSError
    when the file could not be written (`files.WriteRefused` for a refusal): HiGHS itself only returns an
    error status (a missing folder once went unnoticed and the export was reported done)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MODEL_FORMATS:
        raise SolveError(f"--write-model takes a .mps or .lp file, got {path.name}")

    def write(tmp: str) -> None:
        written = load_highs(form, names=True).writeModel(tmp)  # HiGHS picks the format by the suffix
        if str(written).split(".")[-1] == "kError" or not os.path.getsize(tmp):
            raise OSError(errno.EIO, f"HiGHS could not write the model to {path}")
        with open(tmp, "rb") as f:
            body = f.read()
        with open(tmp, "wb") as f:
            f.write(model_header(suffix, scenario).encode("utf-8") + body)

    return write_file(path, write, Kind.MODEL, reads, force=force, suffix=suffix)

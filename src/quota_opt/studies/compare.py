"""Compare allocation alternatives: run several cases (in parallel), line their results up against the first.

A *case* is one scenario to solve (a workbook, one of its variants, or a point of a settings sweep);
a case can also be a results workbook already written, read back instead of solved. The first case
is the base: the comparison shows every other case's KPIs with their differences against it, the
projects whose decision changes, and land and energy per district and year side by side.

    cases = variant_cases(read_scenario("scenarios/hangzhou_example.xlsx"), "all")
    results = run_cases(cases, workers=2)          # or dask="local" / dask="tcp://host:8786"
    write_comparison(results, "comparison.xlsx", "zh")

Parallel runs: each case is solved in its own worker process (`concurrent.futures` with the
"forkserver" start method where the platform has it, else "spawn": HiGHS's threads do not survive
a plain fork), or as a task on a Dask distributed cluster. Every solve uses HiGHS with one thread
(`SolveSettings.threads`), in-process runs included, so a case gives the same numbers whether it
runs alone, beside others or on Dask (HiGHS is deterministic for the same model and options; a
time limit that cuts a solve short is the exception). A worker returns a small `CaseResult`
(summary numbers, allocation and district-year tables), never the Pyomo model. A case that fails
(an exception, an infeasible scenario, no solution within the time limit) comes back as a
`CaseResult` with that status and its message; the other cases are not affected.

No file is opened here except through `quota_opt.input`; the workbook itself is `output/compare_workbook.py`.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)
from rich.table import Table
from rich.text import Text

from quota_opt.core.errors import InputError, Location, Problem, QuotaOptError, Severity
from quota_opt.core.files import Kind, Reads
from quota_opt.core.messages import COMPARE_WORDS, os_error_text
from quota_opt.core.results_schema import SUMMARY_ROWS, amount_text, status_word, termination_word
from quota_opt.core.scenario import Scenario
from quota_opt.core.schema import header_candidates, normalize_name
from quota_opt.core.vocabulary import SOURCE_WORDS, UNITS
from quota_opt.input.results_read import read_results
from quota_opt.input.variants import apply_variant, variant_names
from quota_opt.interpret.plan import supplied_years
from quota_opt.output import compare_workbook
from quota_opt.output.excel import save_results
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import ENERGY_SOURCES, LAND_SOURCES, check_and_prepare
from quota_opt.studies.sweep import (
    Param,
    SweepError,
    pareto,
    point_label,
    setting_name,
    shown_value,
    sweep_grid,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "COMPARED_KPIS",
    "Case",
    "CaseResult",
    "SolveSettings",
    "Tradeoff",
    "case_from_results",
    "case_from_run",
    "cases_frame",
    "comparison_workbook",
    "decision_frame",
    "default_workers",
    "district_frame",
    "kpi_frame",
    "pareto",
    "run_case",
    "run_cases",
    "sweep_cases",
    "sweep_grid",
    "variant_cases",
    "write_comparison",
]

OK_STATUSES = ("optimal", "feasible")

# The KPIs lined up in the comparison, in order (keys of the summary sheet, outputs.SUMMARY_ROWS).
COMPARED_KPIS: tuple[str, ...] = (
    "objective", "gap", "value_vs_ranking_rule", "projects_eligible", "projects_selected", "selected_share",
    "mandatory_selected", "investment_selected", "output_selected", "tax_selected", "land_selected",
    "energy_selected", "average_output_per_mu", "average_tax_per_mu", "land_district_quota_total",
    "land_provincial_pool_total", "land_stock_total", "mu_to_request", "energy_district_total",
    "energy_city_pool_total", "district_quota_utilisation", "district_energy_utilisation", "reward_next_plan",
)
# The few shown in the cases overview and charted.
HEADLINE_KPIS: tuple[str, ...] = (
    "objective", "projects_selected", "investment_selected", "average_output_per_mu", "land_selected",
    "energy_selected", "mu_to_request",
)

# the solver's own figures among the KPIs: how far the search got, not what the plan does, so never a difference
# to weigh against the gaps (significant_changes, kpi_differences)
SOLVER_FIGURES = ("gap", "best_bound")

ALLOCATION_COLUMNS = ("project_id", "name", "district_id", "selected", "year", *LAND_SOURCES, *ENERGY_SOURCES,
                      "land_demand", "energy_demand", "investment", "score", "reason_code")
DISTRICT_YEAR_COLUMNS = ("district_id", "district_name", "year", "land_quota_issued", "reward_received",
                         "land_quota_used", "land_stock", "land_provincial_pool", "land_province_request",
                         "land_supplied", "energy_budget", "energy_district", "energy_city_pool")


# --------------------------------------------------------------------------------------------
# Cases and their results
# --------------------------------------------------------------------------------------------


@dataclass
class SolveSettings:
    """How every case is solved. None takes the scenario's settings. One HiGHS thread per case by default,
    so that results do not depend on how many cases run at once."""

    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int = 1
    backend: str = "auto"
    from_base: bool = True  # every other case starts from the base case's allocation (`run_cases`)
    deterministic: bool = True  # the time limit counted in solver work (pipeline.work_budget): same input, same plan


@dataclass
class Case:
    """One alternative to solve: a validated scenario and how to label it.

    `params` holds the settings a sweep changed (key → value); `check` re-runs the cross-sheet checks
    before solving (a sweep point may, say, lengthen the horizon past the quota tables).
    """

    name: str
    scenario: Scenario
    source: str = ""
    variant: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    start_plan: dict[str, int] | None = None  # project id → year: the allocation to start from (the base case's)


@dataclass
class CaseResult:
    """What a case came to, small enough to send between processes.

    status: "optimal", "feasible" (stopped early, with a gap), "infeasible", "no_solution" or "error".
    summary: the summary sheet's rows (keys of outputs.SUMMARY_ROWS; status as its key). Empty when
      the case failed before solving.
    allocation: one row per project (ALLOCATION_COLUMNS): selected, year, land by source (mu), energy by
      source (tce). district_year: one row per district and year (DISTRICT_YEAR_COLUMNS), mu and tce.
    message: why a case failed or stopped early, {"zh": ..., "en": ...}; empty when optimal.
    kind: "run" (solved here) or "results" (read from a results workbook).
    """

    name: str
    status: str
    summary: dict[str, Any] = field(default_factory=dict)
    allocation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ALLOCATION_COLUMNS)))
    district_year: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DISTRICT_YEAR_COLUMNS)))
    message: dict[str, str] = field(default_factory=dict)
    source: str = ""
    variant: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    kind: str = "run"
    values: dict[str, float] = field(default_factory=dict)  # project id → its term of the objective (solved cases)

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def kpi(self, key: str) -> float | None:
        """A numeric summary value, or None when the case has none (failed, or not a number)."""
        v = self.summary.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
            return None
        return float(v)

    def describe(self, lang: str = "zh") -> str:
        return self.message.get(lang) or self.message.get("en", "")


_SOLVE_LOCK = threading.Lock()  # one solve at a time per process (a Dask worker may run several threads)


def run_case(case: Case, solve: SolveSettings | None = None) -> CaseResult:
    """Solve one case and boil its result down to a CaseResult. Never raises for a failing case
    (except KeyboardInterrupt): the failure becomes the result's status and message."""
    solve = solve or SolveSettings()
    t0 = time.perf_counter()
    try:
        if not isinstance(case.scenario, Scenario):
            raise InputError([Problem(Severity.ERROR, "case_without_scenario", Location(), {"case": case.name})])
        prepared = None
        if case.check:
            problems, prepared = check_and_prepare(case.scenario)
            errors = [p for p in problems if p.is_error]
            if errors:
                raise InputError(errors)
        # no shadow prices and no re-solve without the province's land (pipeline.without_request): a comparison
        # shows neither, and the re-solve would double the case's time whenever its plan requests land
        options = RunOptions(time_limit_s=solve.time_limit_s, mip_gap=solve.mip_gap, threads=solve.threads,
                             backend=solve.backend, shadow_prices=False, province_fallback=False,
                             start_plan=case.start_plan, deterministic=solve.deterministic)
        with _SOLVE_LOCK:
            result = run_scenario(case.scenario, options, variant=case.variant, prepared=prepared)
        return case_from_run(result, case.name, source=case.source, params=case.params,
                             elapsed_s=time.perf_counter() - t0)
    except Exception as exc:
        return failed(case, exc, time.perf_counter() - t0)


def failed(case: Case, exc: BaseException, elapsed_s: float = 0.0) -> CaseResult:
    """A CaseResult for a case that raised `exc`: status "error", the error as its message."""
    if isinstance(exc, QuotaOptError):
        message = {lang: exc.report(lang) or type(exc).__name__ for lang in ("zh", "en")}
    else:
        text = f"{type(exc).__name__}: {exc}"
        message = {"zh": text, "en": text}
    return CaseResult(name=case.name, status="error", message=message, source=case.source, variant=case.variant,
                      params=dict(case.params), elapsed_s=elapsed_s)


def case_from_run(result: Any, name: str, *, source: str | None = None, params: dict[str, Any] | None = None,
                  elapsed_s: float | None = None) -> CaseResult:
    """A CaseResult from a RunResult already in hand (say, a notebook's base run), so that it need not be
    solved again. `elapsed_s` defaults to the run's own prepare-to-explain time."""
    sol = result.solution
    if source is None:
        source = result.scenario.source_path.name if result.scenario.source_path else ""
    if elapsed_s is None:
        elapsed_s = float(sum(v for k, v in result.timings.items() if k not in ("read", "write")))
    status = sol.status.value
    summary = result.summary("en")
    summary["status"] = status
    summary.pop("objective_sentence", None)
    message: dict[str, str] = {}
    if status == "feasible":
        gap = "—" if sol.gap is None else f"{sol.gap:.3%}"
        message = {"zh": f"求解提前停止（{termination_word(sol.termination, 'zh')}），保留当前最好方案，间隙 {gap}",
                   "en": f"the solve stopped early ({sol.termination}); best allocation found kept, gap {gap}"}
    elif status == "infeasible" and result.infeasibility is not None:
        message = {lang: result.infeasibility.render(lang) for lang in ("zh", "en")}
    elif status != "optimal":
        message = {"zh": f"未得到可行方案：{termination_word(sol.termination, 'zh')}",
                   "en": f"no allocation found: {sol.termination}"}
    out = CaseResult(name=name, status=status, summary=summary, message=message, source=source,
                     variant=result.variant, params=dict(params or {}), elapsed_s=elapsed_s)
    if result.plan is not None:
        plan = result.plan
        out.allocation = plan.allocation[list(ALLOCATION_COLUMNS)].reset_index(drop=True)
        dy = plan.district_year.copy()
        names = dict(zip(result.scenario.districts["district_id"], result.scenario.districts["name"], strict=True))
        dy["district_name"] = dy["district_id"].map(names)
        out.district_year = dy[list(DISTRICT_YEAR_COLUMNS)].reset_index(drop=True)
    if result.solution.x is not None:
        out.values = project_values(result.form, result.solution.x)
    return out


def project_values(form: Any, x: Any) -> dict[str, float]:
    """Each candidate's term of the objective in allocation `x` (its supply column's value; 0 when left out)."""
    y = form.var("supply")
    terms = np.zeros(len(form.prep.candidates))
    np.add.at(terms, y.project, form.objective[y.cols] * x[y.cols])
    return {str(p): float(v) for p, v in zip(form.prep.candidates.index, terms, strict=True)}


def case_from_results(path: str | Path, name: str | None = None) -> CaseResult:
    """A case read from a results workbook (written by `quota-opt run`, in zh or en) instead of solved."""
    book = read_results(path)
    summary = dict(book.summary)
    words = {status_word(k, lang): k for k in ("optimal", "feasible", "infeasible", "no_solution", "error")
             for lang in ("zh", "en")}
    status = words.get(str(summary.get("status", "")), str(summary.get("status") or "optimal"))
    summary["status"] = status
    for key, value in list(summary.items()):
        if isinstance(value, str) and key not in ("status",):
            with suppress(ValueError):
                summary[key] = float(value.replace(",", "")) if value.strip() else value
    alloc = book.allocation.copy()
    for col in ALLOCATION_COLUMNS:
        if col not in alloc.columns:
            alloc[col] = None if col in ("name", "district_id", "reason_code") else 0.0
    dy = book.districts.copy()
    for col in DISTRICT_YEAR_COLUMNS:
        if col not in dy.columns:
            dy[col] = None
        elif col not in ("district_id", "district_name"):
            dy[col] = pd.to_numeric(dy[col], errors="coerce")
    if len(dy):
        dy["district_id"] = dy["district_id"].astype(str)
        dy["year"] = dy["year"].astype("Int64")
    variant = summary.get("variant") or None
    return CaseResult(name=name or book.path.stem, status=status, summary=summary,
                      allocation=alloc[list(ALLOCATION_COLUMNS)].reset_index(drop=True),
                      district_year=dy[list(DISTRICT_YEAR_COLUMNS)].reset_index(drop=True),
                      source=book.path.name, variant=str(variant) if variant else None, kind="results")


def variant_cases(scenario: Scenario, which: str | Sequence[str] = "all", *, base_name: str | None = None,
                  lang: str = "zh") -> list[Case]:
    """The base case first, then each variant of the scenario's variants sheet (`"all"`, a comma list or names).

    Raises InputError for an unknown variant name or a bad override (naming the variants sheet's row).
    """
    names = variant_names(scenario) if which == "all" else (
        [n.strip() for n in which.split(",") if n.strip()] if isinstance(which, str) else list(which))
    if not names:  # the base case alone would be a comparison of nothing
        raise InputError([Problem(Severity.ERROR, "variants_none", scenario.loc("variants"), {})])
    source = scenario.source_path.name if scenario.source_path else ""
    base = Case(base_name or ("基准方案" if lang == "zh" else "base"), scenario, source=source)
    return [base, *(Case(n, apply_variant(scenario, n), source=source, variant=n) for n in names)]


def sweep_cases(scenario: Scenario, params: Sequence[Param] | dict[str, Sequence[Any]], *,
                lang: str = "zh") -> list[Case]:
    """One case per point of the settings grid (the full cross product, first parameter slowest).

    Each case is a copy of `scenario` with its settings replaced; values given as Params were checked
    against the schema already. The cross-sheet checks run again in the worker before solving. Cases are named
    by their values in `lang` and each setting as the workbook heads its column ("指标可结转=是" / "carryover_allowed=yes").
    """
    grid = sweep_grid(params)
    if not grid:
        raise SweepError([Problem(Severity.ERROR, "sweep_no_params", Location(), {})])
    cases = []
    for point in grid:
        sc = scenario.copy()
        label = point_label(point, lang)
        sc.settings = sc.settings.replace(**point, scenario_name=f"{scenario.settings.scenario_name} · {label}")
        cases.append(Case(label, sc, source=scenario.source_path.name if scenario.source_path else "",
                          params=dict(point), check=True))
    return cases


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made unique by numbering repeats: a, a (2), a (3)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


# --------------------------------------------------------------------------------------------
# Running cases: in-process, in worker processes, or on Dask
# --------------------------------------------------------------------------------------------

Progress = Callable[[int, int, CaseResult], None]  # (done, total, the result just finished)


def default_workers() -> int:
    """The cores this process may use (os.process_cpu_count on 3.13+, the affinity mask, or cpu_count)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        n = count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:
        n = os.cpu_count()
    return max(1, int(n or 1))


def run_cases(cases: Sequence[Case | CaseResult], *, workers: int | None = None, dask: str | None = None,
              solve: SolveSettings | None = None, progress: Progress | None = None) -> list[CaseResult]:
    """Solve every Case (CaseResults, e.g. read from results workbooks, pass through) and return the
    results in the order given.

    workers: worker processes (default: the cores available); 1 solves in this process, one case after
      the other. dask: "local" for a LocalCluster of `workers` single-threaded processes, or a scheduler
      address ("tcp://host:8786"; quota-opt must be installed on its workers). progress(done, total,
      result) is called as each case finishes. Case names are made unique.
    """
    if workers is not None and workers < 1:
        raise InputError([Problem(Severity.ERROR, "bad_argument", Location(), {
            "option": "workers", "found": str(workers), "expected": {"zh": "不小于1的整数", "en": "a whole number ≥ 1"}})])
    solve = solve or SolveSettings()
    names = unique_names([c.name for c in cases])
    out: list[CaseResult | None] = []
    todo: list[tuple[int, Case]] = []
    for i, (c, name) in enumerate(zip(cases, names, strict=True)):
        c = replace(c, name=name)  # a renamed copy: the caller's objects are left as they were
        if isinstance(c, CaseResult):
            out.append(c)
        else:
            out.append(None)
            todo.append((i, c))
    total = len(todo)
    done = 0

    def finish(i: int, result: CaseResult) -> None:
        nonlocal done
        out[i] = result
        done += 1
        if progress is not None:
            progress(done, total, result)

    if solve.from_base and todo and len(out) > 1:
        # the base first: every other case starts from its allocation, so a small change of the inputs gives a small
        # change of the plan unless a better one is found (pipeline.keep_near)
        if todo[0][0] == 0:
            i, c = todo.pop(0)
            finish(i, run_case(c, solve))
        first = out[0]
        plan = plan_of(first) if first is not None else None
        if plan is not None:
            todo = [(i, replace(c, start_plan=plan)) for i, c in todo]
    n = max(1, min(workers or default_workers(), len(todo) or 1))
    if todo and dask:
        _run_dask(todo, dask, workers or default_workers(), solve, finish)
    elif todo and n == 1:
        for i, c in todo:
            finish(i, run_case(c, solve))
    elif todo:
        _run_pool(todo, n, solve, finish)
    return [r for r in out if r is not None]


def plan_of(result: CaseResult) -> dict[str, int] | None:
    """A case's allocation as project id → year supplied (None for a failed case)."""
    return supplied_years(result.allocation) if result.ok else None


def _context() -> Any:
    """forkserver where the platform has it (workers fork from a clean server process that has imported
    quota-opt, Pyomo and highspy once, but never started a HiGHS thread), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["quota_opt.studies.compare", "quota_opt.pipeline"])  # no effect once the server runs
    return ctx


def _run_pool(todo: list[tuple[int, Case]], n: int, solve: SolveSettings,
              finish: Callable[[int, CaseResult], None]) -> None:
    pool = ProcessPoolExecutor(max_workers=n, mp_context=_context())
    try:
        futures = {pool.submit(run_case, c, solve): (i, c) for i, c in todo}
        for fut in as_completed(futures):
            i, c = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # the worker died or the result could not be sent back
                result = failed(c, exc)
            finish(i, result)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_DASK_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?[^\s:/]+:\d{1,5}$")
_NO_DASK = Problem(Severity.ERROR, "dask_not_installed", Location(), {})


def dask_option_problems(address: str | None) -> list[Problem]:
    """The --dask option checked before anything is read or solved: "local", or a scheduler address such as
    tcp://host:8786 (a bare word ended in distributed's "missing port number" ValueError, exit 70); and Dask
    distributed installed to use it."""
    if address is None:
        return []
    if address != "local" and not _DASK_ADDRESS.match(address):
        return [Problem(Severity.ERROR, "bad_option", Location(), {
            "option": "--dask", "found": f'"{address}"',
            "expected": {"zh": "“local”或 Dask 调度器地址（如 tcp://host:8786）",
                         "en": "local, or a Dask scheduler address (e.g. tcp://host:8786)"}})]
    return [_NO_DASK] if find_spec("distributed") is None else []


def _run_dask(todo: list[tuple[int, Case]], address: str, n: int, solve: SolveSettings,
              finish: Callable[[int, CaseResult], None]) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError([_NO_DASK]) from None
    with _dask_client(address, n, Client, LocalCluster) as client:
        futures = []
        cases_by_key = {}
        for i, c in todo:
            fut = client.submit(run_case, c, solve, pure=False)
            futures.append(fut)
            cases_by_key[fut.key] = (i, c)
        for fut in as_completed(futures):
            i, c = cases_by_key[fut.key]
            try:
                result = fut.result()
            except Exception as exc:  # the worker died, or the task could not be run there
                result = failed(c, exc)
            finish(i, result)


@contextmanager
def _dask_client(address: str, n: int, client_cls: Any, cluster_cls: Any) -> Iterator[Any]:
    if address == "local":
        cluster = cluster_cls(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR)
        try:
            with client_cls(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        try:
            client = client_cls(address, timeout="20s")
        except (OSError, ValueError, TypeError) as exc:  # no scheduler there (OSError), or no address (ValueError)

            raise InputError([Problem(Severity.ERROR, "dask_unreachable", Location(),
                                      {"address": address,
                                       "detail": {lang: os_error_text(exc, lang) for lang in ("zh", "en")}})]) from None
        with client:
            yield client


# --------------------------------------------------------------------------------------------
# The comparison tables (pure pandas; `output.compare_workbook` turns them into a workbook)
# --------------------------------------------------------------------------------------------


def _delta(value: float | None, base: float | None) -> tuple[float | None, float | None]:
    if value is None or base is None:
        return None, None
    d = value - base
    if abs(d) <= 1e-9 * max(1.0, abs(base), abs(value)):
        d = 0.0
    return d, (d / abs(base) if abs(base) > 1e-12 else (0.0 if d == 0 else None))


def _is_share(key: str) -> bool:
    fmt = SUMMARY_ROWS.get(key, (key, key, None))[2]
    return bool(fmt and fmt.endswith("%"))


def kpi_frame(results: Sequence[CaseResult]) -> pd.DataFrame:
    """KPIs side by side: index the KPI keys (COMPARED_KPIS), columns (case, part) with part "value" for
    every case and "delta" (value − base) and "delta_pct" (delta / |base|, a fraction) for the others. A KPI
    that is itself a share (the gap, a utilisation) has no delta_pct: its delta is already in percentage points,
    and a change of a share relative to itself (a gap 130% larger) misleads."""
    cols: dict[tuple[str, str], list[Any]] = {}
    base = results[0] if results else None
    for k, r in enumerate(results):
        values = [r.kpi(key) for key in COMPARED_KPIS]
        cols[(r.name, "value")] = values
        if k == 0 or base is None:
            continue
        deltas = [_delta(v, base.kpi(key)) for v, key in zip(values, COMPARED_KPIS, strict=True)]
        cols[(r.name, "delta")] = [d for d, _ in deltas]
        cols[(r.name, "delta_pct")] = [None if _is_share(key) else p for (_, p), key in zip(deltas, COMPARED_KPIS,
                                                                                               strict=True)]
    df = pd.DataFrame(cols, index=pd.Index(COMPARED_KPIS, name="kpi"), dtype=object)
    df.columns = pd.MultiIndex.from_tuples(list(cols), names=["case", "part"])
    return df


CHANGE_ORDER = {"selection": 0, "year": 1, "sources": 2, "": 3}
_DECISION_DTYPES = {"selected": "boolean", "year": "Int64"}


def sources_text(row: dict[str, Any], lang: str) -> str:
    """"district quota 40.0 + stock land 20.5 mu; city energy pool 300 tce" / "区县指标40.0+存量建设用地20.5亩；市级统筹能耗300吨标准煤"
    (the sources' words: vocabulary.SOURCE_WORDS):
    mu with one decimal and tce whole, as the results workbook's number formats give them (outputs.MU, TCE); an
    amount those would show as 0 with the decimals it needs (市级统筹能耗0.3吨标准煤, not 0); a zero is left out."""
    zh = lang == "zh"
    parts = []
    for group, (unit_zh, unit_en), digits in ((LAND_SOURCES, UNITS["land"], 1), (ENERGY_SOURCES, UNITS["energy"], 0)):
        unit = (unit_zh, " " + unit_en)
        amounts = [(SOURCE_WORDS[s][0 if zh else 1], float(row.get(s) or 0.0)) for s in group]
        items = [(w, amount_text(v, digits)) for w, v in amounts if v > 1e-6]
        if items:
            joined = ("+" if zh else " + ").join(f"{w}{v}" if zh else f"{w} {v}" for w, v in items)
            parts.append(joined + unit[0 if zh else 1])
    return ("；" if zh else "; ").join(parts)


def _decision(row: dict[str, Any] | None) -> tuple[Any, Any, tuple[float, ...]]:
    if row is None:
        return (None, None, ())
    sel = bool(row.get("selected"))
    year = row.get("year")
    year = int(year) if sel and year is not None and not pd.isna(year) else None
    sources = tuple(round(float(row.get(s) or 0.0), 4) for s in (*LAND_SOURCES, *ENERGY_SOURCES)) if sel else ()
    return (sel, year, sources)


def decision_frame(results: Sequence[CaseResult], lang: str = "zh") -> pd.DataFrame:
    """The project decision matrix: one row per project, columns ("", project_id / name / district_id /
    district_name / change / significant) and (case, selected / year / sources); `significant`: its selection
    or year changed beyond the gaps in some case (`significant_changes`). `change` is "selection" (selected in
    one case, not in another), "year", "sources" or "" (same everywhere); changed projects come first, then
    input order.
    Failed cases show blanks and do not count as changes."""
    rows: dict[str, dict[str, Any]] = {}
    per_case: list[dict[str, dict[str, Any]]] = []
    for r in results:
        records = cast(list[dict[str, Any]], r.allocation.to_dict("records")) if r.ok else []
        recs = {str(rec["project_id"]): rec for rec in records}
        per_case.append(recs)
        for pid, first in recs.items():
            rows.setdefault(pid, {"name": first.get("name"), "district_id": first.get("district_id")})
    data: dict[tuple[str, str], list[Any]] = {("", k): [] for k in ("project_id", "name", "district_id",
                                                                    "district_name", "change", "significant")}
    district_names: dict[str, Any] = {}  # from the cases' district tables (a results workbook's too)
    for r in results:
        dy = r.district_year
        district_names.update(zip(dy["district_id"].astype(str), dy["district_name"], strict=True))
    significant = set().union(*(s[0] for s in significant_changes(results) if s is not None))
    for r in results:
        for part in ("selected", "year", "sources"):
            data[(r.name, part)] = []
    order = []
    for pos, (pid, info) in enumerate(rows.items()):
        decisions = [_decision(recs.get(pid)) for r, recs in zip(results, per_case, strict=True) if r.ok]
        change = ""
        if len({d[0] for d in decisions}) > 1:
            change = "selection"
        elif len({d[1] for d in decisions}) > 1:
            change = "year"
        elif len({d[2] for d in decisions}) > 1:
            change = "sources"
        order.append((CHANGE_ORDER[change], pos))
        data[("", "project_id")].append(pid)
        data[("", "name")].append(info["name"])
        data[("", "district_id")].append(info["district_id"])
        data[("", "district_name")].append(district_names.get(str(info["district_id"])))
        data[("", "change")].append(change)
        data[("", "significant")].append(pid in significant)
        for r, recs in zip(results, per_case, strict=True):
            rec = recs.get(pid)
            sel, year, _ = _decision(rec)
            data[(r.name, "selected")].append(sel)
            data[(r.name, "year")].append(year)
            data[(r.name, "sources")].append(sources_text(rec, lang) if rec is not None and sel else "")
    df = pd.DataFrame({k: pd.Series(v, dtype=_DECISION_DTYPES.get(k[1], object)) for k, v in data.items()})
    df.columns = pd.MultiIndex.from_tuples(list(data), names=["case", "part"])
    ranked = sorted(range(len(order)), key=lambda k: order[k])
    return df.iloc[ranked].reset_index(drop=True)


def changed_projects(results: Sequence[CaseResult]) -> list[int | None]:
    """Per case: how many projects' selection or year differ from the base case (None for a failed case)."""
    if not results or not results[0].ok:
        return [None] * len(results)
    base_records = cast(list[dict[str, Any]], results[0].allocation.to_dict("records"))
    base = {str(r["project_id"]): _decision(r)[:2] for r in base_records}
    out: list[int | None] = []
    for r in results:
        if not r.ok:
            out.append(None)
            continue
        records = cast(list[dict[str, Any]], r.allocation.to_dict("records"))
        mine = {str(x["project_id"]): _decision(x)[:2] for x in records}
        keys = set(base) | set(mine)
        out.append(sum(base.get(k, (None, None)) != mine.get(k, (None, None)) for k in keys))
    return out


def allowance(base: CaseResult, case: CaseResult) -> float:
    """How far apart two cases' objectives may be from the search alone: each case's best bound less its objective
    (its gap, in objective points), added; infinite when a gap is unknown. Two plans of the same scenario stopped
    within those gaps can differ by that much, so a difference within it is not shown to come from the input."""
    total = 0.0
    for r in (base, case):
        obj, bound = r.kpi("objective"), r.kpi("best_bound")
        if obj is None or bound is None:
            return math.inf
        total += max(bound - obj, 0.0)
    return total


def beyond_gaps(base: CaseResult, case: CaseResult) -> bool:
    """Whether the case's objective differs from the base's by more than their gaps allow (`allowance`)."""
    b, c = base.kpi("objective"), case.kpi("objective")
    if b is None or c is None:
        return False
    return abs(c - b) > allowance(base, case) + 1e-9 * max(1.0, abs(b), abs(c))


def significant_changes(results: Sequence[CaseResult]) -> list[tuple[set[str], set[str]] | None]:
    """Per case against the base (None for the base and failed cases): the projects whose selection or year differ
    and the KPIs that differ, each kept only when significant, i.e. beyond what the two cases' gaps allow. A case
    whose objective is within the gaps of the base's has none: its other differences may be the search's. Beyond
    them, a project's change is significant when its term of the objective moved by more than the gaps (any change,
    for a case read from a results workbook, whose terms are not known), and a KPI's when it differs."""
    if not results or not results[0].ok:
        return [None] * len(results)
    base = results[0]
    base_records = cast(list[dict[str, Any]], base.allocation.to_dict("records"))
    before = {str(r["project_id"]): _decision(r)[:2] for r in base_records}
    out: list[tuple[set[str], set[str]] | None] = [None]
    for r in results[1:]:
        if not r.ok:
            out.append(None)
            continue
        if not beyond_gaps(base, r):
            out.append((set(), set()))
            continue
        room = allowance(base, r)
        records = cast(list[dict[str, Any]], r.allocation.to_dict("records"))
        after = {str(x["project_id"]): _decision(x)[:2] for x in records}
        projects = {k for k in set(before) | set(after) if before.get(k, (None, None)) != after.get(k, (None, None))
                    and (not base.values or not r.values
                         or abs(r.values.get(k, 0.0) - base.values.get(k, 0.0)) > room)}
        kpis = {key for key in COMPARED_KPIS if key not in SOLVER_FIGURES
                and (d := _delta(r.kpi(key), base.kpi(key))[0]) is not None and d != 0.0}
        out.append((projects, kpis))
    return out


def district_frame(results: Sequence[CaseResult]) -> pd.DataFrame:
    """Land supplied (mu, all sources) and energy granted (tce, district budget + city energy pool) per district and
    year, side by side: columns ("", district_id / district_name / year) and (case, land / energy)."""
    keys: dict[tuple[str, int], str] = {}
    per_case = []
    for r in results:
        table: dict[tuple[str, int], tuple[float, float]] = {}
        if r.ok and len(r.district_year):
            for rec in r.district_year.to_dict("records"):
                key = (str(rec["district_id"]), int(rec["year"]))
                keys.setdefault(key, str(rec.get("district_name") or rec["district_id"]))
                land = float(rec.get("land_supplied") or 0.0)
                energy = float(rec.get("energy_district") or 0.0) + float(rec.get("energy_city_pool") or 0.0)
                table[key] = (land, energy)
        per_case.append(table)
    data: dict[tuple[str, str], list[Any]] = {("", "district_id"): [], ("", "district_name"): [], ("", "year"): []}
    for r in results:
        data[(r.name, "land")] = []
        data[(r.name, "energy")] = []
    for (d, y), name in keys.items():
        data[("", "district_id")].append(d)
        data[("", "district_name")].append(name)
        data[("", "year")].append(y)
        for r, table in zip(results, per_case, strict=True):
            pair = table.get((d, y)) if r.ok else None
            data[(r.name, "land")].append(None if pair is None else pair[0])
            data[(r.name, "energy")].append(None if pair is None else pair[1])
    df = pd.DataFrame(data)
    df.columns = pd.MultiIndex.from_tuples(list(data), names=["case", "part"])
    return df


def kpi_key(name: str) -> str | None:
    """The compared KPI a name gives: its key, or its summary-sheet label (outputs.SUMMARY_ROWS), zh or en, with or
    without the unit ("平均亩均产值", "平均亩均产值(万元/亩)", "Average output per mu"), matched as a header is."""
    wanted = set(header_candidates(name))
    for key in COMPARED_KPIS:
        zh, en, _ = SUMMARY_ROWS[key]
        if wanted & {normalize_name(key), *header_candidates(zh), *header_candidates(en)}:
            return key
    return None


def kpi_name_zh(key: str) -> str:
    """A KPI's Chinese name as one types it: its summary-sheet label without the unit (平均亩均产值)."""
    label = SUMMARY_ROWS[key][0]
    return re.sub(r"\([^()]*\)$", "", label) or label


@dataclass(frozen=True)
class Tradeoff:
    """Two KPIs to trade off in a sweep (keys of COMPARED_KPIS), each maximised unless said otherwise."""

    x: str = "investment_selected"
    y: str = "average_output_per_mu"
    maximize_x: bool = True
    maximize_y: bool = True

    @classmethod
    def parse(cls, x: str, y: str) -> Tradeoff:
        """From the command line's --x and --y: a KPI's key or its summary-sheet label, zh or en, with or without
        its unit (kpi_key); a leading "-" minimises (e.g. "-mu_to_request", "-需向省争取指标"). Raises SweepError
        for a KPI not known, listing the KPIs as the language names them (zh: 平均亩均产值(average_output_per_mu))."""
        problems = []
        keys = []
        for option, text in (("--x", x), ("--y", y)):
            name = text.strip().lstrip("-").strip()
            key = kpi_key(name)
            if key is None:
                zh = "、".join(f"{kpi_name_zh(k)}({k})" for k in COMPARED_KPIS)
                problems.append(Problem(Severity.ERROR, "unknown_kpi", Location(), {
                    "option": option, "found": name, "allowed": {"zh": zh, "en": ", ".join(COMPARED_KPIS)}}))
            keys.append((key or name, not text.strip().startswith("-")))
        if problems:
            raise SweepError(problems)
        return cls(keys[0][0], keys[1][0], keys[0][1], keys[1][1])

    def front(self, results: Sequence[CaseResult]) -> list[bool]:
        """Which cases are non-dominated on (x, y); failed cases never are."""
        points: list[tuple[float, float] | None] = []
        for r in results:
            x, y = r.kpi(self.x), r.kpi(self.y)
            points.append((x, y) if r.ok and x is not None and y is not None else None)
        return pareto(points, (self.maximize_x, self.maximize_y))


def cases_frame(results: Sequence[CaseResult], lang: str = "zh", tradeoff: Tradeoff | None = None) -> pd.DataFrame:
    """One row per case: name, kind, source, variant, swept settings, status, message, projects whose decision
    changed against the base, headline KPIs, non-dominated (with a trade-off) and solve time (s)."""
    params = list(dict.fromkeys(k for r in results for k in r.params))
    changed = changed_projects(results)
    significant = significant_changes(results)
    front = tradeoff.front(results) if tradeoff else None
    kpis = list(dict.fromkeys([*HEADLINE_KPIS, *((tradeoff.x, tradeoff.y) if tradeoff else ())]))
    rows = []
    for k, r in enumerate(results):
        row: dict[str, Any] = {"case": r.name, "kind": r.kind, "source": r.source, "variant": r.variant or ""}
        row.update({p: r.params.get(p) for p in params})
        row.update({"status": r.status, "message": r.describe(lang), "projects_changed": changed[k]})
        sig = significant[k]
        row.update({"significant_changes": None if sig is None else len(sig[0]),
                    "significant_kpis": None if sig is None else len(sig[1])})
        row.update({key: r.kpi(key) for key in kpis})
        if front is not None:
            row["non_dominated"] = front[k]
        row["elapsed_s"] = r.elapsed_s if r.kind == "run" else None
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_workbook(results: Sequence[CaseResult], lang: str = "zh", tradeoff: Tradeoff | None = None) -> Workbook:
    """The comparison workbook in memory: cases, KPIs with differences, decisions, districts, trade-off, charts."""
    if not results:
        raise InputError([Problem(Severity.ERROR, "compare_no_cases", Location(), {})])
    solved = [r for r in results if r.ok]
    tables = compare_workbook.Tables(
        cases=cases_frame(results, lang, tradeoff), kpis=kpi_frame(results), decisions=decision_frame(results, lang),
        districts=district_frame(results), solved_districts=district_frame(solved) if solved else None)
    return compare_workbook.comparison_workbook(results, tables, lang, tradeoff)


def write_comparison(results: Sequence[CaseResult], path: str | Path, lang: str = "zh", *,
                     tradeoff: Tradeoff | None = None, reads: Reads = None, force: bool = False) -> Path:
    """Write the comparison workbook through the write guard (`core.files`): never over one of `reads` (the
    workbooks compared, or swept), and over an existing file only when it is a comparison workbook the product
    wrote (or `force`); on failure it is saved under a fallback name and OutputError says where."""
    return save_results(comparison_workbook(results, lang, tradeoff), path, Kind.COMPARISON, reads, force=force)


# --------------------------------------------------------------------------------------------
# Progress for the command line and notebooks
# --------------------------------------------------------------------------------------------


class ProgressBar:
    """A rich progress bar for `run_cases(progress=...)`: cases done of total, elapsed and time left.

    On a console that is not a terminal (a log, CI) it prints one line per finished case instead. A case's
    name (a file's stem, a variant's name) is printed as it reads, never as rich markup or an emoji code.
    """

    def __init__(self, total: int, lang: str = "zh", console: Any = None):
        self.total = total
        self.lang = lang
        self.console = console or Console(stderr=True, highlight=False, markup=False, emoji=False)
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if self.console.is_terminal and self.total:
            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("·"), TimeRemainingColumn(), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task("求解方案" if self.lang == "zh" else "Solving cases", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, done: int, total: int, result: CaseResult) -> None:
        word = status_word(result.status, self.lang)
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            if not result.ok:
                self._bar.console.print(f"! {result.name}: {word}", style="yellow", markup=False, emoji=False)
            return
        self.console.print(f"[{done}/{total}] {result.name}: {word} ({result.elapsed_s:.1f} s)", markup=False,
                           emoji=False)


def summary_table(results: Sequence[CaseResult], lang: str = "zh", tradeoff: Tradeoff | None = None) -> Any:
    """A rich Table of the cases: status, decisions changed against the base, headline KPIs (and the
    non-dominated mark in a sweep), for the terminal. A case's name is a `Text`, so that it shows as it reads on
    any console (a file b[red].xlsx is the case "b[red]", not a red "b")."""
    zh = lang == "zh"
    keys = ["objective", "projects_selected", "investment_selected", "average_output_per_mu", "mu_to_request"]
    if tradeoff is not None:
        keys += [k for k in (tradeoff.x, tradeoff.y) if k not in keys]
    table = Table(title="方案比较" if zh else "Comparison", title_justify="left")

    def head(key: str) -> str:  # as the workbook's cases sheet heads the column (in en, its readable label)
        return compare_workbook.CASES.column(key).label_zh if zh else compare_workbook.CASES.column(key).label_en

    swept = list(dict.fromkeys(k for r in results for k in r.params))
    if swept:  # a sweep: the values only, under the settings' names as the workbook gives them
        first = " · ".join(setting_name(k, lang) for k in swept)
        names = [" · ".join(shown_value(r.params.get(k), lang) for k in swept) for r in results]
    else:
        first = head("case")
        names = [r.name for r in results]
    changed = changed_projects(results)
    significant = significant_changes(results)
    front = tradeoff.front(results) if tradeoff is not None else None
    rows: list[list[str | Text]] = []
    for k, r in enumerate(results):
        word = status_word(r.status, lang) if r.status != "feasible" else ("可行" if zh else "feasible")
        sig = significant[k]
        cells: list[str | Text] = [Text(names[k]), word if r.ok else Text(word, style="red"),
                                   "" if changed[k] is None else str(changed[k]),
                                   "" if sig is None else str(len(sig[0]))]
        for key in keys:
            v = r.kpi(key)
            cells.append("" if v is None else (f"{v:,.0f}" if key == "projects_selected" else f"{v:,.1f}"))
        if front is not None:
            cells.append("★" if front[k] else "")
        rows.append(cells)

    def widest(i: int) -> int:  # a figure (or a status word) is never broken across lines
        return max((cell_len(str(row[i])) for row in rows), default=1)

    # every column folds: a Chinese head or name has no space to wrap at, and would be cut to "亩均 …"
    table.add_column(first, overflow="fold", min_width=min(max(len(n) for n in [first, *names]), 24))
    table.add_column(head("status"), overflow="fold", min_width=widest(1))
    table.add_column(head("projects_changed"), justify="right", overflow="fold", min_width=widest(2))
    table.add_column(head("significant_changes"), justify="right", overflow="fold", min_width=widest(3))
    for i, key in enumerate(keys, start=4):  # the workbook's name of the KPI, with its unit (zh: its header)
        table.add_column(compare_workbook.kpi_title(key, lang), justify="right", overflow="fold", min_width=widest(i))
    if tradeoff is not None:
        table.add_column(head("non_dominated"), justify="center", overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    table.caption = significance_sentence(results, lang)
    table.caption_justify = "left"
    return table


def significance_sentence(results: Sequence[CaseResult], lang: str = "zh") -> str:
    """How many of the differences against the base are significant (`significant_changes`), in words."""
    changed = [c for c in changed_projects(results)[1:] if c is not None]
    kpis = kpi_differences(results)
    significant = [s for s in significant_changes(results)[1:] if s is not None]
    args = {"base": results[0].name if results else "", "decisions": sum(changed),
            "sig_decisions": sum(len(s[0]) for s in significant),
            "kpis": sum(kpis), "sig_kpis": sum(len(s[1]) for s in significant)}

    return COMPARE_WORDS["significant"][0 if lang == "zh" else 1].format(**args)


def kpi_differences(results: Sequence[CaseResult]) -> list[int]:
    """Per case other than the base: how many KPIs differ from the base's (the gap, a solver figure, aside)."""
    if not results or not results[0].ok:
        return []
    base = results[0]
    return [sum(1 for key in COMPARED_KPIS if key not in SOLVER_FIGURES
                and (d := _delta(r.kpi(key), base.kpi(key))[0]) is not None and d != 0.0)
            for r in results[1:] if r.ok]

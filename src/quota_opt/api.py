"""The library API that the command line, the workbench (`quota-opt serve`) and notebooks share.

Each function takes a workbook (a path, or the bytes of an upload with the `name` to show for it) and options,
calls the pipeline's stages (`input.validate`, `pipeline.run_scenario`, `interpret.whatif`, `studies.*`,
`output.*`) and returns a result object that can write its workbook to a path (`write`) or give its bytes
(`to_bytes`). Nothing here decides, checks or words anything the stages do not: a wrong workbook raises the same
`InputError` (every problem with its sheet, row and column) that the CLI prints.

    import quota_opt
    checked = quota_opt.validate("scenarios/small_en.xlsx")           # checked.ok, checked.messages("en")
    done = quota_opt.run("scenarios/small_en.xlsx", time_limit_s=10,  # progress: elapsed, objective, bound, gap
                         progress=lambda p: print(p.elapsed_s, p.objective, p.best_bound, p.gap))
    done.write("results.xlsx", lang="en")                              # or done.to_bytes("en")
    quota_opt.explain("results.xlsx", "P03", scenario="scenarios/small_en.xlsx").reason["en"]

The workbook half, which needs no solver (`validate`, `load`, `template`, `generate`, `Book`, `Validation`),
lives in `quota_opt.workbooks` and is re-exported here.

Bytes are never read from a path built from `name`: they are written to a private temporary folder under a name
made of their hash, read from there, and `name` takes that file's place in what is shown (messages, the summary's
input_file), so that a message about an upload names the file its user chose.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.files import Read
from quota_opt.core.scenario import Scenario
from quota_opt.input.results_read import ResultsBook, adoptable, find_scenario_for, read_results
from quota_opt.input.variants import apply_variant
from quota_opt.interpret.whatif import (
    ProjectExplanation,
    amount_text,
    explain_project,
    flip_text,
    meaning_text,
)
from quota_opt.output.results_workbook import sheet_frames, write_results
from quota_opt.output.template import scenario_workbook
from quota_opt.pipeline import RunOptions, RunResult, option_problems, run_scenario
from quota_opt.solve.highs import Progress
from quota_opt.solve.highs import write_model as export_model
from quota_opt.studies import compare as cmp
from quota_opt.studies.compare import Case, CaseResult, ProgressBar, Tradeoff
from quota_opt.studies.rollover import RolloverNote, recorded_variant
from quota_opt.studies.rollover import rollover as roll
from quota_opt.studies.sweep import parse_params
from quota_opt.workbooks import (
    Book,
    Source,
    Validation,
    Warn,
    _bytes_of,
    _load,
    _on_disk,
    generate,
    is_results_workbook,
    load,
    template,
    validate,
)

__all__ = [
    "Book",
    "Comparison",
    "Explanation",
    "InputErrors",
    "ProgressBar",
    "Rollover",
    "Run",
    "Source",
    "Validation",
    "amount_text",
    "check_options",
    "compare",
    "explain",
    "flip_text",
    "generate",
    "is_results_workbook",
    "load",
    "meaning_text",
    "rollover",
    "run",
    "sweep",
    "template",
    "validate",
]

# --------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------


def check_options(*, dask: str | None = None, **options: Any) -> None:
    """Raise `InputError` naming every solve option out of the bounds the settings sheet allows (time_limit_s,
    mip_gap, threads, backend, write_model: `pipeline.option_problems`) and a `dask` address that is none; the
    functions below check theirs, a caller that has work to do first (the CLI) can check them before it."""
    problems = option_problems(**options) + cmp.dask_option_problems(dask)
    if problems:
        raise InputError(problems)




@dataclass
class Run:
    """One scenario allocated: the pipeline's `RunResult`, with its results workbook and tables."""
    result: RunResult

    @property
    def ok(self) -> bool:
        """True when there is an allocation (optimal, or the best found within the time limit or before a cancel)."""
        return self.result.ok

    @property
    def status(self) -> str:
        """optimal, feasible, infeasible, no_solution or error (`solve.highs.Status`)."""
        return self.result.solution.status.value

    @property
    def termination(self) -> str:
        return self.result.solution.termination

    @property
    def gap(self) -> float | None:
        """The relative gap of the allocation found (None when the solver gives none)."""
        return self.result.solution.gap

    def summary(self, lang: str = "zh") -> dict[str, Any]:
        """The summary sheet's rows (key → value; keys of `results_schema.SUMMARY_ROWS`)."""
        return self.result.summary(lang)

    def tables(self, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """The results workbook's tables by sheet key (allocation, districts, ledger, city, shadow_prices,
        infeasibility, validation), each with the columns its sheet writes, in that order."""
        return {sheet.key: frame[[c.key for c in sheet.columns if c.key in frame.columns]]
                for sheet, frame in sheet_frames(self.result, lang)}

    def infeasibility(self, lang: str = "zh") -> str | None:
        """Which requirement must give way, and by how much, when the scenario is infeasible."""
        report = self.result.infeasibility
        return None if report is None else str(report.render(lang))

    def write(self, path: str | Path, lang: str = "zh", *, force: bool = False) -> Path:
        """Write the results workbook as `quota-opt run` does (never over the input; over an existing file only
        when it is a results workbook the product wrote, or `force`; a fallback name and `files.NotWritten` when
        `path` cannot be written). Returns the path written."""
        return write_results(self.result, path, lang, force=force)

    def to_bytes(self, lang: str = "zh") -> bytes:
        """The results workbook's bytes, written by `write`."""
        return _bytes_of(lambda path: self.write(path, lang))

    def write_model(self, path: str | Path, *, force: bool = False) -> Path:
        """Export the model as MPS or LP (by `path`'s suffix), as `quota-opt run --write-model` does (never over
        the scenario; over an existing file only when it is a model the product exported, or `force`). Raises
        OSError when it cannot be written."""
        scenario = self.result.scenario
        reads = [Read(scenario.source_path, "scenario")] if scenario.source_path is not None else []
        return export_model(self.result.form, path, reads, force=force, scenario=scenario.settings.scenario_name)


def run(source: Source | Scenario, *, name: str | None = None, variant: str | None = None,
        time_limit_s: float | None = None, mip_gap: float | None = None, threads: int | None = None,
        backend: str = "auto", shadow_prices: bool = True,
        progress: Callable[[Progress], None] | None = None, on_stage: Callable[[str], None] | None = None,
        warn: Warn | None = None, reading: Callable[[int], None] | None = None) -> Run:
    """Read, validate and allocate a scenario (a workbook, or a `Scenario` already read), as `quota-opt run`.

    Options left None come from the scenario's settings; they are checked first against the bounds the settings
    sheet allows (`InputError`). `progress` receives the solver's `Progress` (elapsed_s, objective, best_bound,
    gap) as it improves; `on_stage` each stage's name (prepare, build, solve, polish, explain). A
    KeyboardInterrupt (Ctrl-C, SIGINT) during the solve ends it with the best allocation found so far, marked
    "interrupted". `warn` and `reading` as in `load`. Raises `InputError` for a workbook with errors; any solver
    outcome is returned (`Run.status`)."""
    check_options(time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads, backend=backend)
    t0 = time.perf_counter()
    scenario, prepared = _load(source, name=name, variant=variant, warn=warn, reading=reading)
    read_s = time.perf_counter() - t0
    options = RunOptions(time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads, backend=backend,
                         shadow_prices=shadow_prices, progress=progress, on_stage=on_stage)
    result = run_scenario(scenario, options, variant=variant, prepared=prepared)
    result.timings["read"] = read_s
    return Run(result)


# --------------------------------------------------------------------------------------------
# Explain
# --------------------------------------------------------------------------------------------


Explanation = ProjectExplanation


def explain(source: Source, project_id: str, *, name: str | None = None, scenario: Source | None = None,
            scenario_name: str | None = None, variant: str | None = None,
            time_limit_s: float | None = None, workers: int | None = None,
            progress: Callable[[int, int, float], None] | None = None, warn: Warn | None = None,
            reading: Callable[[int], None] | None = None,
            on_stage: Callable[[str], None] | None = None) -> ProjectExplanation:
    """Why one project got what it got, and the smallest changes that flip the decision (found by re-solving).

    `source` is a scenario workbook (its plan is solved anew) or a results workbook (its adopted plan is
    explained, under the variant it records); for a results workbook given as bytes, or not beside its scenario,
    give `scenario`. The thresholds re-optimise that plan near the project, on `workers` processes (None: every
    core up to 4 for larger scenarios); `progress(done, total, elapsed_s)` is called after each re-solve
    (`total` an estimate that can change), `on_stage("explain")` before the first. A threshold with `exact`
    False rests on a re-solve not proved in `time_limit_s`. `warn` is also told when the scenario is not the one
    the results were computed from; `reading` as in `load`. Raises `InputError` for an unknown project, a
    workbook with errors, or a scenario not found."""
    check_options(time_limit_s=time_limit_s)
    adopted = None
    scenario_source: Source = source
    recorded: dict[str, Any] | None = None
    results_name = ""
    if is_results_workbook(source):
        with _on_disk(source, name) as file:
            book = read_results(file.path)
            beside = find_scenario_for(book) if scenario is None else None
        adopted, recorded, results_name = book.allocation, book.summary, file.shown.name
        if scenario is None and beside is None:
            raise InputError([Problem(Severity.ERROR, "results_scenario_not_found", Location(), {
                "results": results_name, "scenario": str(book.summary.get("input_file") or "?")})])
        if scenario is not None:
            scenario_source = scenario
        elif beside is not None:
            scenario_source = beside
        name = scenario_name
        changed = _changed(book, results_name, scenario_source, name, "explain_scenario_changed")
        if warn is not None and changed:
            warn(changed)
    sc = load(scenario_source, name=name, variant=variant, warn=warn, reading=reading)
    if recorded is not None and not variant:  # the variant the results were computed under, as rollover takes it
        under = recorded_variant(sc, recorded, results_name)
        if under:
            sc = apply_variant(sc, under)
    if on_stage is not None:
        on_stage("explain")
    return explain_project(sc, project_id, RunOptions(time_limit_s=time_limit_s, shadow_prices=False),
                           adopted=adopted, workers=workers, progress=progress)


def _changed(book: ResultsBook, results_name: str, scenario: Source, name: str | None, code: str) -> list[Problem]:
    """The warning `code` when `scenario` is not, byte for byte, the workbook the results were computed from (the
    summary's input SHA-256): another scenario with the same ids, or one edited since. Results from a version
    that recorded no hash are taken as they are."""
    recorded = str(book.summary.get("input_sha256") or "").strip().lower()
    if not recorded:
        return []
    try:
        data = bytes(scenario) if isinstance(scenario, bytes | bytearray) else Path(scenario).read_bytes()
    except OSError:  # not there: the reader says so
        return []
    if hashlib.sha256(data).hexdigest() == recorded:
        return []
    shown = Path(name).name if name else Path(scenario).name if not isinstance(scenario, bytes | bytearray) else "?"
    return [Problem(Severity.WARNING, code, Location(), {"scenario": shown, "results": results_name})]


# --------------------------------------------------------------------------------------------
# Compare and sweep
# --------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Cases lined up against the first (the base): `results` in order, with the trade-off of a sweep."""
    results: list[CaseResult]
    tradeoff: Tradeoff | None = None
    protect: tuple[Path | Read, ...] = field(default_factory=tuple)

    def kpis(self) -> pd.DataFrame:
        """KPIs side by side, with differences against the base (`studies.compare.kpi_frame`)."""
        return cmp.kpi_frame(self.results)

    def districts(self) -> pd.DataFrame:
        """Land supplied (mu) and energy granted (tce) per district and year, case beside case: columns
        ("", district_id / district_name / year) and (case, land / energy) (`studies.compare.district_frame`)."""
        return cmp.district_frame(self.results)

    def decisions(self, lang: str = "zh") -> pd.DataFrame:
        """One row per project, the projects whose decision changed first (`studies.compare.decision_frame`)."""
        return cmp.decision_frame(self.results, lang)

    def cases(self, lang: str = "zh") -> pd.DataFrame:
        """One row per case: status, message, projects changed, headline KPIs (`studies.compare.cases_frame`)."""
        return cmp.cases_frame(self.results, lang, self.tradeoff)

    def write(self, path: str | Path, lang: str = "zh", *, force: bool = False) -> Path:
        """Write the comparison workbook, as `quota-opt compare` and `sweep` do (never over a compared input)."""
        return cmp.write_comparison(self.results, path, lang, tradeoff=self.tradeoff, reads=list(self.protect),
                                    force=force)

    def to_bytes(self, lang: str = "zh") -> bytes:
        return _bytes_of(lambda path: self.write(path, lang))

    def table(self, lang: str = "zh") -> Any:
        """The cases as a rich Table for a terminal: status, decisions changed, headline KPIs
        (`studies.compare.summary_table`)."""
        return cmp.summary_table(self.results, lang, self.tradeoff)


class InputErrors(InputError):
    """Input errors in several workbooks of a comparison, each workbook's own: `by_source` lists (the name it
    was given under, its problems); `problems` holds them all."""

    def __init__(self, by_source: list[tuple[str, list[Problem]]]):
        self.by_source = by_source
        super().__init__([p for _, problems in by_source for p in problems])


CaseSource = Source | Scenario | Run | CaseResult


def _run_case(done: Run, name: str | None, source: str | None = None) -> CaseResult:
    """A `Run` in hand as a case of a comparison (not solved again), named `name` or as its workbook is."""
    sc = done.result.scenario
    shown = sc.source_path.name if sc.source_path else ""
    return cmp.case_from_run(done.result, name or Path(shown).stem or sc.settings.scenario_name, source=source)


def _run_cases(done: Run, name: str | None, variants: str | Sequence[str] | None,
               lang: str) -> list[Case | CaseResult]:
    """A `Run` as a case of `compare`; with `variants`, the base case of its scenario's variants, as solved."""
    if variants is None:
        return [_run_case(done, name)]
    if done.result.variant:
        raise InputError([Problem(Severity.ERROR, "variants_run_has_variant", Location(),
                                  {"variant": done.result.variant})])
    base, *others = cmp.variant_cases(done.result.scenario, variants, lang=lang)
    return [_run_case(done, base.name, base.source), *others]


def compare(sources: Sequence[CaseSource], *, names: Sequence[str | None] | None = None,
            variants: str | Sequence[str] | None = None, workers: int | None = None, dask: str | None = None,
            time_limit_s: float | None = None, mip_gap: float | None = None, deterministic: bool = True,
            lang: str = "zh", progress: Callable[[int, int, CaseResult], None] | None = None,
            on_cases: Callable[[int], None] | None = None, warn: Warn | None = None,
            reading: Callable[[int], None] | None = None) -> Comparison:
    """Compare alternatives, as `quota-opt compare`: each source a scenario (solved), a results workbook (read),
    a `Run` or a `CaseResult` already in hand (taken as it is, not solved again); with `variants` ("all", "a,b"
    or names), one scenario's base case and its variants, the base being the `Run` when one is given (so a
    notebook that has run the scenario solves only the variants; a run under a variant cannot be that base).
    Cases are solved on the same executor as the CLI's (worker processes, or Dask at `dask`), one HiGHS thread
    each, every one starting from the base case's allocation, their time limit counted in solver work unless
    `deterministic` is False; `time_limit_s` and `mip_gap` apply to the cases solved here, not to a `Run` given.
    `on_cases(count)` once the cases to solve are known, `progress(done, total, result)` as each finishes. A
    case that fails is reported in the comparison. Raises `InputErrors` (every workbook's problems, each
    under its name) when workbooks have errors; `warn` and `reading` as in `load`."""
    check_options(time_limit_s=time_limit_s, mip_gap=mip_gap, dask=dask)
    names = list(names) if names is not None else [None] * len(sources)
    shown = [str(n) if n else str(s) if isinstance(s, str | Path) else "" for s, n in zip(sources, names, strict=True)]
    if variants is not None and len(sources) != 1:
        raise InputError([Problem(Severity.ERROR, "variants_one_workbook", Location(), {"count": len(sources)})])
    if variants is None and len(sources) == 1:
        raise InputError([Problem(Severity.ERROR, "compare_one_case", Location(), {"file": shown[0]})])
    cases: list[Case | CaseResult] = []
    protect: list[Read] = []
    failed: list[tuple[str, list[Problem]]] = []
    for source, name, label in zip(sources, names, shown, strict=True):
        if isinstance(source, CaseResult):
            cases.append(source)
            continue
        if isinstance(source, str | Path):
            protect.append(Read(Path(source), "compared"))
        try:
            cases.extend(_cases_of(source, name, variants, lang, warn, reading))
        except InputError as exc:  # every workbook's problems, not only the first's
            failed.append((label, exc.problems))
    if failed:
        raise InputErrors(failed)
    if on_cases is not None:
        on_cases(sum(isinstance(c, Case) for c in cases))
    solve = cmp.SolveSettings(time_limit_s=time_limit_s, mip_gap=mip_gap, deterministic=deterministic)
    results = cmp.run_cases(cases, workers=workers, dask=dask, solve=solve, progress=progress)
    return Comparison(results, protect=tuple(protect))


def _cases_of(source: Source | Scenario | Run, name: str | None, variants: str | Sequence[str] | None, lang: str,
              warn: Warn | None, reading: Callable[[int], None] | None) -> list[Case | CaseResult]:
    """The cases one source of `compare` gives: its base case and variants, its results, or its scenario; a `Run`
    is its own case, or the base case of its scenario's variants."""
    if isinstance(source, Run):
        return _run_cases(source, name, variants, lang)
    if variants is not None:
        return list(cmp.variant_cases(load(source, name=name, warn=warn, reading=reading), variants, lang=lang))
    if not isinstance(source, Scenario) and is_results_workbook(source):
        with _on_disk(source, name) as file:
            case = cmp.case_from_results(file.path, file.shown.stem)
        return [replace(case, source=file.shown.name)]
    sc = load(source, name=name, warn=warn, reading=reading)
    shown = sc.source_path.name if sc.source_path else ""
    return [cmp.Case(Path(shown).stem or sc.settings.scenario_name, sc, source=shown)]


def sweep(source: Source | Scenario, params: Sequence[str] | dict[str, Sequence[Any]], *, name: str | None = None,
          variant: str | None = None, x: str = "investment_selected", y: str = "average_output_per_mu",
          workers: int | None = None, dask: str | None = None, time_limit_s: float | None = None,
          mip_gap: float | None = None, deterministic: bool = True, lang: str = "zh",
          progress: Callable[[int, int, CaseResult], None] | None = None,
          on_cases: Callable[[int], None] | None = None, warn: Warn | None = None,
          reading: Callable[[int], None] | None = None) -> Comparison:
    """Solve a grid of settings, as `quota-opt sweep`: `params` as the command line takes them
    ("w_output_per_mu=0:1:0.5", every combination) or a dict of setting → values; the trade-off of `x` and `y`
    (a KPI's key or summary label; a leading "-" minimises). Same executor, hooks and progress as `compare`."""
    check_options(time_limit_s=time_limit_s, mip_gap=mip_gap, dask=dask)
    tradeoff = cmp.Tradeoff.parse(x, y)
    grid = parse_params(list(params)) if not isinstance(params, dict) else params
    cases = cmp.sweep_cases(load(source, name=name, variant=variant, warn=warn, reading=reading), grid, lang=lang)
    if on_cases is not None:
        on_cases(len(cases))
    solve = cmp.SolveSettings(time_limit_s=time_limit_s, mip_gap=mip_gap, deterministic=deterministic)
    results = cmp.run_cases(cases, workers=workers, dask=dask, solve=solve, progress=progress)
    protect = (Read(Path(source), "scenario"),) if isinstance(source, str | Path) else ()
    return Comparison(results, tradeoff, protect)


# --------------------------------------------------------------------------------------------
# Next year, the template, generated scenarios
# --------------------------------------------------------------------------------------------


@dataclass
class Rollover:
    """Next year's scenario and what the rollover did (`note`: actuals recorded, projects removed, quota years
    copied, capacities reduced, the variant folded in). `made_from` is False when the scenario is not the
    workbook the results were computed from (its SHA-256 differs), None when the results do not say."""
    scenario: Scenario
    note: RolloverNote
    made_from: bool | None
    protect: tuple[Path | Read, ...] = ()

    def book(self, lang: str = "zh") -> Book:
        return Book(lambda: scenario_workbook(self.scenario, lang), ("方案已另存为", "the scenario was saved to"),
                    self.protect)

    def write(self, path: str | Path, lang: str = "zh", *, force: bool = False) -> Path:
        """Write next year's scenario (never over the results or the scenario read; over an existing file only
        when it is a scenario the product wrote, or `force`)."""
        return self.book(lang).write(path, force=force)

    def to_bytes(self, lang: str = "zh") -> bytes:
        return self.book(lang).to_bytes()


def rollover(results: Source, year: int, *, name: str | None = None, scenario: Source | None = None,
             scenario_name: str | None = None, warn: Warn | None = None,
             reading: Callable[[int], None] | None = None,
             check_inputs: Callable[[tuple[Read, ...]], None] | None = None) -> Rollover:
    """Next year's scenario from an adopted plan, as `quota-opt rollover`: the plan's supply up to `year` becomes
    actuals and the base year moves on; a plan computed under a variant is rolled over with it applied. The
    scenario is `scenario`, else the one the results name beside them. `check_inputs(reads)` is called with the
    workbooks on disk it reads (the results, then the scenario) before the scenario is read, where the CLI checks
    its output against them; `warn` and `reading` as in `load` (`warn` is also told when the scenario is not
    the one the results were computed from). Raises `InputError` when the results hold no plan to adopt or do
    not fit the scenario."""
    with _on_disk(results, name) as file:
        book = read_results(file.path)
        beside = find_scenario_for(book) if scenario is None else None
    adoptable(book.summary, book.loc("summary"))
    if scenario is None and beside is None:
        raise InputError([Problem(Severity.ERROR, "results_scenario_not_found", Location(), {
            "results": file.shown.name, "scenario": str(book.summary.get("input_file") or "?")})])
    source: Source = scenario if scenario is not None else beside  # type: ignore[assignment]  # one is set
    reads = tuple(Read(Path(p), role) for p, role in ((results, "results"), (source, "scenario"))
                  if isinstance(p, str | Path))
    if check_inputs is not None:
        check_inputs(reads)
    checked = validate(source, name=scenario_name, progress=reading)
    if not checked.ok or checked.scenario is None:
        raise InputError(checked.problems)
    if warn is not None and checked.warnings:
        warn(checked.warnings)
    recorded = str(book.summary.get("input_sha256") or "").strip().lower()
    made_from = None if not recorded else hashlib.sha256(checked.data).hexdigest() == recorded
    if warn is not None and made_from is False:
        warn([Problem(Severity.WARNING, "rollover_scenario_changed", Location(), {
            "scenario": checked.name, "results": file.shown.name})])
    sc = checked.scenario
    variant = recorded_variant(sc, book.summary, file.shown.name)
    nxt, note = roll(sc, book.allocation, book.ledger, year, loc=book.loc, variant=variant)
    return Rollover(nxt, note, made_from, reads)

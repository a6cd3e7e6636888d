"""One scenario, end to end in memory: prepare → build → ranking rule → solve → polish → explain.

`run_scenario` never touches files (reading and writing are the CLI's, `input`'s and `output`'s business), so
the same call serves the command line, the notebook, comparisons and sweeps.
"""

from __future__ import annotations

import dataclasses
import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.version

from quota_opt.core.errors import Location, Problem, Severity
from quota_opt.core.messages import expected_words
from quota_opt.core.reason_texts import IF_NO_REQUEST, no_request_text
from quota_opt.core.results_schema import status_word, termination_word
from quota_opt.core.scenario import Scenario
from quota_opt.core.schema import SETTINGS
from quota_opt.core.version import __version__
from quota_opt.core.vocabulary import BACKEND_WORDS, START_WORDS
from quota_opt.interpret.infeasible import diagnose
from quota_opt.interpret.plan import Plan, interpret, kpis, supplied_years
from quota_opt.interpret.reasons import assign_reasons, render_reason
from quota_opt.interpret.shadow import shadow_prices
from quota_opt.prepare import Prepared, objective_is_degenerate, prepare
from quota_opt.solve.decompose import (
    BoundJob,
    Combination,
    Part,
    district_losses,
    district_pairs,
    gains,
    workers,
)
from quota_opt.solve.formulation import Formulation, build_formulation
from quota_opt.solve.highs import (
    MODEL_FORMATS,
    Progress,
    Solution,
    SolveOptions,
    Status,
    fixed_lp,
    relative_gap,
    selection_gap,
    solve,
    solver_version,
)
from quota_opt.solve.ranking import GreedyResult, ranking_rule
from quota_opt.solve.start import (
    StartResult,
    as_allocation,
    from_plan,
    lp_relaxation,
    search_work,
    starting_allocation,
)
from quota_opt.solve.strategy import STRATEGY, DistrictWork, SearchWork

OBJECTIVE_SENTENCE = {
    "priority": (
        "方案尽可能多地供地，每亩按获得该亩的项目的综合得分计（投资规模、亩均产值、亩均税收、能效和平台评价按参数加权，"
        "再乘以产业链政策权重），推迟一年供地的亩数打折计算，向省争取的每亩扣减代价。",
        "The plan supplies as much land as it can, each mu counted at the score of the project that receives it "
        "(investment, output per mu, tax per mu, energy efficiency and platform score, weighted as in the settings, "
        "times the chain's policy weight); a mu supplied a year later counts a little less, and each mu requested "
        "from the province costs a penalty.",
    ),
    "weighted_totals": (
        "方案使安排项目的总投资、总产值、总税收、能效加权产值和平台加权用地占全部候选项目合计的份额（按参数加权）最大，"
        "推迟供地打折，向省争取的每亩扣减代价。",
        "The plan maximises the weighted shares of the candidates' total investment, output, tax, "
        "energy-efficient output and well-rated platform land that it delivers; deferral is discounted and "
        "each mu requested from the province costs a penalty.",
    ),
}


@dataclass
class RunOptions:
    """How to solve. None means: take it from the scenario's settings."""

    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    backend: str = "auto"
    warm_start: bool = True
    district_bound: bool = True  # prove a tighter bound district by district beside the solve (decompose.py)
    shadow_prices: bool = True
    progress: Callable[[Progress], None] | None = None
    on_stage: Callable[[str], None] | None = None
    highs_options: dict[str, Any] = field(default_factory=dict)
    # when the plan requests land from the province, solve once more with the request at 0 and say which projects
    # drop if the province grants nothing (五(一) 积极向省里争取: a request is not yet a grant)
    province_fallback: bool = True
    start_plan: dict[str, int] | None = None  # project id → year: start from this allocation (another case's,
    # repaired where it does not fit) and keep it unless the solve finds one better by more than the gap target
    deterministic: bool = False  # count the budget in work, not seconds (`work_budget`): the same input gives the
    # same plan at any load


BACKENDS = ("auto", "pyomo", "highs")


def option_problems(*, time_limit_s: float | None = None, mip_gap: float | None = None, threads: int | None = None,
                    backend: str | None = None, write_model: Path | None = None) -> list[Problem]:
    """The solve options given on the command line (None: not given), checked before anything is read or solved.

    The limits are those the settings sheet allows for the same settings (schema.SETTINGS: time limit in
    (0, 86,400] s, gap in [0, 1], threads in [0, 256]), so an option is held to the rule its cell is; left to the
    solver, a negative value ended in Pyomo's "Failed casting" and a time limit of 0 or a gap of 2 went through.
    Returns one `bad_option` error per option that is out of bounds."""
    problems = []

    def bad(option: str, expected: dict[str, str], found: str) -> None:
        problems.append(Problem(Severity.ERROR, "bad_option", Location(),
                                {"option": option, "expected": expected, "found": found}))

    for option, key, value in (("--time-limit", "time_limit_s", time_limit_s), ("--gap", "mip_gap", mip_gap),
                               ("--threads", "threads", threads)):
        if value is not None and _out_of_bounds(key, value):
            bad(option, expected_words(SETTINGS.column(key), full=True), f"{value:g}")
    if backend is not None and backend not in BACKENDS:
        bad("--backend", {"zh": "以下之一：" + "、".join(BACKENDS), "en": "one of: " + ", ".join(BACKENDS)},
            f'"{backend}"')
    if write_model is not None and write_model.suffix.lower() not in MODEL_FORMATS:
        bad("--write-model", {"zh": "以 .mps 或 .lp 结尾的文件名", "en": "a file name ending in .mps or .lp"},
            f'"{write_model}"')
    return problems


def _out_of_bounds(key: str, value: float) -> bool:
    """Whether `value` is outside what the settings sheet allows for the setting `key` (its cell's rule)."""
    column = SETTINGS.column(key)
    lo, hi = column.minimum, column.maximum
    return (not math.isfinite(value) or (lo is not None and (value < lo or (column.minimum_exclusive and value <= lo)))
            or (hi is not None and value > hi))


def field_problems(fields: dict[str, object]) -> tuple[dict[str, float | None], list[Problem]]:
    """The solve settings typed into a form (the workbench's: settings key → the text typed; blank: the
    scenario's own setting), as numbers, and one `bad_field` error, naming the field as the settings sheet does,
    for each that is not a number or is out of the sheet's bounds."""
    values: dict[str, float | None] = {}
    problems = []
    for key, typed in fields.items():
        text = str(typed or "").strip()
        values[key] = None
        if not text:
            continue
        column = SETTINGS.column(key)
        try:
            value = float(text)
        except ValueError:
            value, found = math.nan, f'"{text}"'
        else:
            found = f"{value:g}"
        if _out_of_bounds(key, value):
            problems.append(Problem(Severity.ERROR, "bad_field", Location(), {
                "field": {"zh": column.label_zh, "en": column.label_en},
                "expected": expected_words(column, full=True), "found": found}))
        else:
            values[key] = value
    return values, problems


@dataclass
class NoRequest:
    """What the plan becomes if the province grants nothing: the projects it supplies that the plan solved with
    no request would leave out (`dropped`), those that plan would supply instead (`added`); `feasible` False
    when, without the request, a mandatory project cannot be supplied."""

    dropped: list[str]
    added: list[str]
    feasible: bool = True

    def text(self, lang: str) -> str:
        return no_request_text(self.dropped, self.added, self.feasible, lang)


def without_request(scenario: Scenario, options: RunOptions, plan: Plan) -> NoRequest:
    """One more solve of `scenario` with the province request cap at 0 every year, compared with `plan`.

    It starts from `plan` (its projects kept in their years where they still fit, the rest repaired by the ranking
    rule: `start.from_plan`) and keeps that unless it finds a better one by more than the gap target, as a
    compared case does: what it reports dropped is then the request's doing, not another search's. Its time limit
    is `STRATEGY.fallback_share` of the run's (at least `fallback_min_s`): at 5,000 projects a second solve of the
    run's whole budget doubled the run."""
    sc = scenario.copy()
    sc.settings = sc.settings.replace(province_request_cap=0.0)
    if "province_request_cap" in sc.city_quotas.columns:
        sc.city_quotas["province_request_cap"] = 0.0
    limit = solve_options(scenario, options, None).time_limit_s
    again = run_scenario(sc, dataclasses.replace(
        options, shadow_prices=False, province_fallback=False, progress=None, on_stage=None,
        start_plan=supplied_years(plan.allocation),
        time_limit_s=max(STRATEGY.fallback_min_s, STRATEGY.fallback_share * limit)))
    if not again.ok or again.plan is None:
        return NoRequest([], [], feasible=False)

    def chosen(p: Plan) -> list[str]:
        a = p.allocation
        return [str(x) for x in a.loc[a["status"] == "selected", "project_id"]]

    before, after = chosen(plan), chosen(again.plan)
    return NoRequest(dropped=[p for p in before if p not in after], added=[p for p in after if p not in before])


@dataclass
class RunResult:
    scenario: Scenario
    prep: Prepared
    form: Formulation
    greedy: GreedyResult
    solution: Solution
    plan: Plan | None
    kpis: dict[str, Any]
    timings: dict[str, float]
    shadow: pd.DataFrame | None = None
    start_source: str = "ranking rule"  # which allocation the solver started from (solve/start.py)
    improved_by: str | None = None  # what improved on the solver's allocation after it stopped (`recombine`,
    # `pairs`): START_WORDS keys joined by " + "
    lp_bound: float | None = None  # the LP relaxation's objective, when it was solved for the start
    district_bound: float | None = None  # the Lagrangian bound proved district by district, when it was proved
    infeasibility: Any = None  # quota_opt.interpret.infeasible.Conflicts when the scenario is infeasible
    variant: str | None = None
    # the plan solved again with no land from the province (`without_request`): None when the plan requests none
    no_request: NoRequest | None = None

    @property
    def ok(self) -> bool:
        return self.solution.status in (Status.OPTIMAL, Status.FEASIBLE) and self.plan is not None

    def summary(self, lang: str = "zh") -> dict[str, Any]:
        """The `summary` sheet's rows (key → value)."""


        sol = self.solution
        s = self.scenario.settings
        greedy_obj = self.greedy.objective + 0.0 if self.greedy.feasible else None
        obj = sol.objective
        value_vs = None
        if objective_is_degenerate(self.prep):
            pass  # both weigh only the tie-breaks: a percentage between them means nothing (prepare.objective_problems)
        elif obj is not None and greedy_obj is not None and abs(greedy_obj) > 1e-9:
            # the same allocation, or one better only by the tie-breaks' dust, reads as 0 (never −0.0)
            value_vs = 0.0 if abs(obj - greedy_obj) <= 1e-9 * max(1.0, abs(greedy_obj)) else (
                (obj - greedy_obj) / abs(greedy_obj))
        greedy_selected = int(np.round(self.form.block_values(self.greedy.x, "supply").sum()))
        sentence = OBJECTIVE_SENTENCE[s.objective_mode][0 if lang == "zh" else 1]

        rows: dict[str, Any] = {
            "scenario_name": s.scenario_name,
            "variant": self.variant or "",
            "status": status_word(sol.status.value, lang),
            "termination": termination_word(sol.termination, lang),
            "objective": obj,
            "best_bound": sol.best_bound,
            "gap": sol.gap,
            "greedy_objective": greedy_obj,
            "value_vs_ranking_rule": value_vs,
            "greedy_projects_selected": greedy_selected,
            "start_source": START_WORDS.get(self.start_source, (self.start_source,) * 2)[0 if lang == "zh" else 1],
            "improved_by": ("；" if lang == "zh" else "; ").join(
                START_WORDS[way][0 if lang == "zh" else 1] for way in self.improved_by.split(" + "))
            if self.improved_by else "",
            "lp_bound": self.lp_bound,
            "district_bound": self.district_bound,
            **self.kpis,
            **({"if_no_request": self.no_request.text(lang)} if self.no_request is not None else {}),
            "objective_sentence": sentence,
            "time_read_s": self.timings.get("read", 0.0),
            "time_build_s": self.timings.get("prepare", 0.0) + self.timings.get("build", 0.0),
            "time_solve_s": self.timings.get("solve", 0.0) + self.timings.get("polish", 0.0),
            "time_explain_s": self.timings.get("explain", 0.0),
            "time_write_s": self.timings.get("write", 0.0),
            "model_columns": self.form.n_cols,
            "model_rows": self.form.n_rows,
            "backend": BACKEND_WORDS.get(sol.backend, (sol.backend,) * 2)[0 if lang == "zh" else 1],
            "solver": sol.solver_version,
            "quota_opt_version": __version__,
            "pyomo_version": pyomo.version.version,
            "python_version": platform.python_version(),
            "input_file": self.scenario.source_path.name if self.scenario.source_path else "",
            "input_sha256": self.scenario.source_sha256 or "",
        }
        return rows


def work_budget(options: SolveOptions, n_cols: int) -> None:
    """Turn a solve's time limit into deterministic work (`RunOptions.deterministic`) on a model of `n_cols`
    columns: one HiGHS thread, a limit on branch-and-bound nodes (`STRATEGY.nodes`, fewer the larger the model;
    HiGHS's root node always completes) instead of seconds, and the wall-clock limit moved back to
    `STRATEGY.backstop` times, as a safety net only (solve/strategy.py). HiGHS is deterministic for the same model,
    options and thread count, so the same input gives the same plan whatever else the machine is doing."""
    options.highs_options = {**options.highs_options,
                             "mip_max_nodes": STRATEGY.nodes(options.time_limit_s, n_cols)}
    options.time_limit_s = max(options.time_limit_s * STRATEGY.backstop, STRATEGY.backstop_min_s)
    options.threads = 1
    if options.backend == "auto":
        options.backend = "highs"  # the node limit's outcome read as HiGHS gives it (Pyomo has no word for it)


def solve_options(scenario: Scenario, options: RunOptions, warm: np.ndarray | None) -> SolveOptions:
    s = scenario.settings
    return SolveOptions(
        time_limit_s=options.time_limit_s if options.time_limit_s is not None else s.time_limit_s,
        mip_gap=options.mip_gap if options.mip_gap is not None else s.mip_gap,
        threads=options.threads if options.threads is not None else s.threads,
        backend=options.backend,
        warm_start=warm,
        progress=options.progress,
        highs_options=options.highs_options,
    )


def run_scenario(scenario: Scenario, options: RunOptions | None = None, *, variant: str | None = None,
                 prepared: Prepared | None = None) -> RunResult:
    """Allocate one validated scenario. Returns a RunResult whatever the solver's outcome.

    On an infeasible scenario the result carries `infeasibility` (the elastic re-solve's findings)
    and no plan; on a time limit or interrupt it carries the best plan found, with its gap. `prepared`, the
    scenario's prepared data when its checks made it (`validate_workbook`, `check_and_prepare`), is used as it is.
    """
    options = options or RunOptions()
    timings: dict[str, float] = {}

    def stage(name: str) -> None:
        if options.on_stage is not None:
            options.on_stage(name)

    t0 = time.perf_counter()
    stage("prepare")
    prep = prepared if prepared is not None and prepared.scenario is scenario else prepare(scenario)
    timings["prepare"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    stage("build")
    form = build_formulation(prep)
    timings["build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sopts = solve_options(scenario, options, None)
    work_s = sopts.time_limit_s  # the limit as given: counted in work when deterministic
    if options.deterministic:
        work_budget(sopts, form.n_cols)
    near = from_plan(form, options.start_plan) if options.start_plan is not None else None
    search: SearchWork | None = None  # the district search counted in work (large models)
    bound_beside = (options.district_bound and len(prep.districts) > 1 and not STRATEGY.direct(form.n_cols)
                    and form.n_cols > STRATEGY.districts_from_columns
                    and (workers(sopts.threads) > 1 or options.deterministic))
    if near is not None and near.feasible:  # another case's allocation: the MIP starts there
        stage("solve")
        rule = ranking_rule(form)
        # the LP relaxation still prices the district bound (a variant's bound, so that its differences can be
        # told from the search's)
        relaxed, interrupted = None, False
        try:
            relaxed = lp_relaxation(form, STRATEGY.lp_share * sopts.time_limit_s, sopts.threads) if bound_beside else None
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the base case's allocation stands (start_solution, below)
            interrupted = True
        start = StartResult(best=near, ranking=rule, lp_bound=relaxed.objective if relaxed else None,
                            lp_seconds=0.0, source="base plan", relaxation=relaxed, interrupted=interrupted)
        sopts.warm_start = near.x
        sopts.time_limit_s = max(sopts.time_limit_s - (time.perf_counter() - t0), 1.0)
    elif options.warm_start:
        # the ranking rule, the rule steered by the LP relaxation when that is quick, and on large models the
        # district search (solve/start.py)
        large = form.n_cols > STRATEGY.search_from_columns
        # counted in work, each step of the search to its node limit, on the reference machine's workers (the
        # outcome does not depend on how many run; strategy.work_cores)
        search = search_work(form, work_s) if large and options.deterministic else None
        try:
            stage("solve")  # from here Ctrl-C keeps an allocation (cli.announce_interrupt promises it)
            start = starting_allocation(
                form, lp_time_limit_s=STRATEGY.lp_share * sopts.time_limit_s,
                threads=STRATEGY.work_cores if search else sopts.threads,
                search_time_limit_s=STRATEGY.search_share * sopts.time_limit_s if large else 0.0, search_work=search)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM before it had an allocation to keep (in the ranking rule,
            # which the solve stage starts with): the rule is quick, so it is finished and stands, as below
            rule = ranking_rule(form)
            start = StartResult(best=rule, ranking=rule, lp_bound=None, lp_seconds=0.0, source="ranking rule",
                                interrupted=True)
        if start.best.feasible:
            sopts.warm_start = start.best.x
            sopts.time_limit_s = max(sopts.time_limit_s - (time.perf_counter() - t0), 1.0)
    else:
        stage("solve")
        rule = ranking_rule(form)
        start = StartResult(best=rule, ranking=rule, lp_bound=None, lp_seconds=0.0, source="ranking rule")
    greedy = start.ranking
    job = None
    if (bound_beside and start.relaxation is not None and start.district_bound is None and not start.interrupted
            and not start.searched):
        # on one core beside the solve, which keeps the other (HiGHS's branch and bound gains little from a second)
        t_job = time.perf_counter()
        pairs_end = t_job + sopts.time_limit_s  # the district pairs after the MIP end when the MIP would have
        work = STRATEGY.district_work(work_s, form.n_cols, len(prep.districts)) if options.deterministic else None
        if work is None:
            sopts.time_limit_s *= 1 - STRATEGY.pairs_share
            job = BoundJob(form, start.relaxation.row_gain, STRATEGY.job_share * sopts.time_limit_s)  # ends first
            sopts.time_limit_s = max(sopts.time_limit_s - (time.perf_counter() - t_job), 1.0)
        else:  # each step's share counted in nodes (the wall-clock limit stays the backstop)
            sopts.highs_options = {**sopts.highs_options, "mip_max_nodes": work.mip_nodes}
            job = BoundJob(form, start.relaxation.row_gain, sopts.time_limit_s, work.part_nodes)
        threads, sopts.threads = sopts.threads, 1
    if STRATEGY.direct(form.n_cols):  # small models: HiGHS alone, on the model --write-model writes (strategy.py)
        if sopts.backend == "auto":
            sopts.backend = "highs"
        sopts.source_tie_breaks = STRATEGY.direct_source_tie_breaks  # the polish below applies them
        if not sopts.source_tie_breaks:  # and the gap reported, with them, stays within the target
            sopts.mip_gap = selection_gap(form, sopts.mip_gap, start.best.objective if start.best.feasible else None)
        if not STRATEGY.direct_mip_start and near is None:
            sopts.warm_start = None  # the start still stands should HiGHS end below it (keep_start)
            start = dataclasses.replace(start, source="HiGHS alone")  # the summary says HiGHS had no start
    if job is None and STRATEGY.races(form.n_cols, workers(sopts.threads), options.deterministic):
        sopts.race = dict(STRATEGY.race_options or {})  # and raced against a second HiGHS
    if start.interrupted:  # Ctrl-C during the starting allocation: report the best found so far
        solution = start_solution(start, time.perf_counter() - t0)
    elif start.searched and start.best.feasible:  # on large models the district search takes the MIP's place
        # (STRATEGY.search_from_columns); without any allocation the MIP still runs, to prove the scenario infeasible
        solution = start_solution(start, time.perf_counter() - t0, "work limit" if search else "time limit")
    else:
        try:
            solution = solve(form, sopts)
        except KeyboardInterrupt:  # before HiGHS started (Pyomo builds its model first): the start stands, as above
            solution = start_solution(start, time.perf_counter() - t0)
    district_bound = start.district_bound
    improved_by = None
    if job is not None:
        district_bound = job.result(cancel=solution.status != Status.FEASIBLE or solution.termination == "interrupted")
        if solution.status == Status.FEASIBLE and solution.termination != "interrupted":  # the MIP stopped short
            improved = [recombine(solution, form, [start.best], job.parts, work) if district_bound is not None else None,
                        pairs(solution, form, pairs_end - time.perf_counter(), threads, job.parts, work)]
            improved_by = " + ".join(way for way in improved if way) or None
    keep_start(solution, start.best if options.warm_start or near is not None else None)
    tighten(solution, district_bound)
    if near is not None and near.feasible:
        keep_near(solution, near, sopts.mip_gap)
    timings["solve"] = time.perf_counter() - t0
    result = RunResult(scenario=scenario, prep=prep, form=form, greedy=greedy, solution=solution, plan=None,
                       kpis={}, timings=timings, variant=variant, start_source=start.source,
                       lp_bound=start.lp_bound, district_bound=district_bound, improved_by=improved_by)
    if solution.status == Status.INFEASIBLE:
        t0 = time.perf_counter()
        stage("explain")

        result.infeasibility = diagnose(prep, solve_options(scenario, options, None))
        timings["explain"] = time.perf_counter() - t0
        return result
    if solution.x is None:
        return result
    t0 = time.perf_counter()
    stage("polish")
    # Among allocations with the same selection, report the one the tie-breaks prefer, whichever
    # path solved the MIP: the LP at the fixed selection gives a canonical source split.
    polished = fixed_lp(form, solution.x)
    x = solution.x if polished is None else form.tidy(polished.x, integers=solution.x)
    solution.x = x
    report_value(solution, form)
    timings["polish"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    stage("explain")
    plan = interpret(form, x)

    assign_reasons(result_plan=plan, form=form, x=x)
    result.plan = plan
    result.kpis = kpis(plan)
    # not after Ctrl-C or SIGTERM: the user asked the run to stop, so no second solve starts (the summary then
    # says nothing of a refusal by the province)
    if (options.province_fallback and result.kpis["mu_to_request"] > 1e-6
            and solution.termination != "interrupted"):
        result.no_request = without_request(scenario, options, plan)
        mark_dropped(plan, result.no_request)
    if options.shadow_prices:
        result.shadow = shadow_prices(form, x, plan.ledger)
    timings["explain"] = time.perf_counter() - t0
    return result


def report_value(solution: Solution, form: Formulation) -> None:
    """Make the reported objective the value of the allocation reported: the polish above replaces the solver's
    vector (a canonical source split, its tie-breaks differ by up to 1e-6 per mu) but not its objective. The bound
    is kept at or above it and the gap recomputed; −0.0 reads as 0."""
    assert solution.x is not None
    solution.objective = float(form.objective @ solution.x) + 0.0
    if solution.best_bound is not None:
        solution.best_bound = max(solution.best_bound, solution.objective)
    solution.gap = relative_gap(solution.objective, solution.best_bound)


def mark_dropped(plan: Plan, no_request: NoRequest) -> None:
    """Add to the reason of each conditional (待争取) project whether it drops if the province grants nothing."""
    a = plan.allocation
    all_params: list[Any] = list(a["reason_params"])
    zh, en = list(a["reason_zh"]), list(a["reason_en"])
    for i in np.flatnonzero(a["conditional"].to_numpy(bool)).tolist():
        params = dict(all_params[i])
        note = dict(params.get("conditional") or {})
        drops = str(a["project_id"].iat[i]) in no_request.dropped or not no_request.feasible
        note["zh"] = note.get("zh", "") + IF_NO_REQUEST[drops][0]
        note["en"] = note.get("en", "") + IF_NO_REQUEST[drops][1]
        params["conditional"] = note
        all_params[i] = params
        zh[i] = render_reason(str(a["reason_code"].iat[i]), params, "zh")
        en[i] = render_reason(str(a["reason_code"].iat[i]), params, "en")
    a["reason_params"] = all_params
    a["reason_zh"], a["reason_en"] = zh, en


def keep_near(solution: Solution, near: GreedyResult, mip_gap: float) -> None:
    """Keep the allocation the solve started from (another case's, `RunOptions.start_plan`) unless the solve found
    one better by more than the gap target: a gain within it is the search's, not the input's, and would show as
    decisions changed for nothing."""
    if solution.objective is None or solution.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return
    if solution.objective > near.objective + mip_gap * max(abs(near.objective), 1e-9):
        return
    if solution.status == Status.OPTIMAL and (relative_gap(near.objective, solution.best_bound) or 0.0) > mip_gap:
        return  # the start is not itself within the gap target of the proved bound
    solution.x, solution.objective = near.x.copy(), near.objective
    if solution.best_bound is not None and solution.best_bound < near.objective:
        solution.best_bound = near.objective
    solution.gap = relative_gap(solution.objective, solution.best_bound)


def start_solution(start: StartResult, elapsed_s: float, termination: str = "interrupted") -> Solution:
    """The solution of a run that ends before the MIP solver ran, stopped by Ctrl-C (`termination`
    "interrupted") or at the end of the district search ("time limit"): the best starting allocation, with the
    LP bound when there is one (the district bound, when proved, is taken in later: `tighten`)."""
    best = start.best
    solution = Solution(Status.FEASIBLE if best.feasible else Status.NO_SOLUTION, termination,
                        best.objective if best.feasible else None, start.lp_bound, None,
                        best.x.copy() if best.feasible else None, "heuristic", solver_version(), elapsed_s)
    solution.gap = relative_gap(solution.objective, solution.best_bound)
    return solution


def keep_start(solution: Solution, start: GreedyResult | None) -> None:
    """When the solve ends without an allocation as good as its starting one (a time limit that came before
    HiGHS took the start in, say), report the start: the run is never worse than where it began."""
    if start is None or not start.feasible or solution.status not in (Status.FEASIBLE, Status.NO_SOLUTION):
        return
    if solution.objective is not None and solution.objective >= start.objective - 1e-9 * max(1.0, abs(start.objective)):
        return
    solution.x, solution.objective = start.x.copy(), start.objective
    solution.status = Status.FEASIBLE
    if solution.best_bound is not None and solution.best_bound < start.objective:
        solution.best_bound = None  # a bound below a feasible allocation is not a bound
    solution.gap = relative_gap(solution.objective, solution.best_bound)


def recombine(solution: Solution, form: Formulation, starts: list[GreedyResult], parts: list[Part],
              work: DistrictWork | None = None) -> str | None:
    """When the MIP stopped short of optimality: the district combination (decompose.Combination) over its
    allocation, the starting ones and the district bound's district allocations. If it is better, it replaces the
    MIP's allocation (and "district combination" is returned). Counted in `work`, it stops at a node limit."""
    if solution.x is None or solution.objective is None:
        return None
    combination = Combination(form)
    for part in parts:
        combination.add_part(part)
    found = combination.improve([solution.x] + [start.x for start in starts if start.feasible],
                                STRATEGY.recombine_limit_s * (STRATEGY.backstop if work else 1.0),  # work: backstop
                                work.combination_nodes if work else None)
    return "district combination" if replace_if_better(solution, found) else None


def pairs(solution: Solution, form: Formulation, time_limit_s: float, threads: int | None,
          parts: list[Part], work: DistrictWork | None = None) -> str | None:
    """When the MIP stopped short of optimality: the district pairs (decompose.district_pairs), guided by the
    district bound's `parts`, for `time_limit_s` (counted in `work`: its steps and nodes). If they improve on the
    allocation, it is replaced (and "district pairs" is returned). Ctrl-C ends them with the best allocation so
    far, marked interrupted."""
    if solution.x is None or solution.objective is None or time_limit_s < STRATEGY.pair_min_s:
        return None
    found, interrupted = district_pairs(form, solution.x, time_limit_s, threads or 0, district_losses(form, parts),
                                        steps=work.pair_steps if work else None, nodes=work.pair_nodes if work else None)
    if interrupted:
        solution.termination = "interrupted"
    return "district pairs" if replace_if_better(solution, as_allocation(form, found)) else None


def replace_if_better(solution: Solution, found: GreedyResult | None) -> bool:
    """Put the checked allocation `found` in `solution` when it is better by more than `decompose.GAIN` (relative;
    a smaller gain is tie-break dust, not worth naming a step in `improved_by`). Returns whether it did."""
    if found is None or solution.objective is None or not gains(found.objective, solution.objective):
        return False
    solution.x, solution.objective = found.x, found.objective
    solution.gap = relative_gap(solution.objective, solution.best_bound)
    return True


def tighten(solution: Solution, bound: float | None) -> None:
    """Report the smaller of HiGHS's bound and `bound` (both valid), never below the objective."""
    if bound is None or solution.objective is None:
        return
    best = bound if solution.best_bound is None else min(solution.best_bound, bound)
    solution.best_bound = max(best, solution.objective)
    solution.gap = relative_gap(solution.objective, solution.best_bound)

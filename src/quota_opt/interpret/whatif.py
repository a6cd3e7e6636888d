"""`quota-opt explain`: for one project, why it got what it got, and the smallest change that flips it.

The thresholds are found by re-solving, not guessed, and re-solving where the change can matter: the plan
explained, re-optimised in the project's district and among the projects that share a city-level quota with it,
the other decisions kept (interpret/resolve.py), each re-solve a small MIP closed to a tight gap. For a funded
project the value shown is the last at which it stays funded ("funded as long as the quota is at least X" holds
at X), for one left out the first at which it is selected ("selected with X" holds at X):
- score: the multiplier on the project's value at which it would be selected (or dropped). The objective is
  linear in it, so it takes no search: the best plan without the project and, for each year, the best with it;
- land demand: the land demand (same output and tax, so per-mu figures rise) at which it would be
  selected, or the increase at which it would be dropped;
- quota: how much more of its binding quota (district land, energy, or pool, in its year) would get it
  selected, or how much less would drop it.
The last two are a coarse scan then a bisection down to the precision they are shown to, the re-solves of a
round side by side on worker processes. A threshold is exact (at the precision shown, on the neighbourhood
re-optimised) when every re-solve behind it was proved; otherwise it is marked approximate (`Threshold.exact`).

Given a results workbook, the plan explained is the adopted one in it, not a new solve: a time-limited or
within-gap solve need not find the same plan twice, and the reason and headroom must be those of the plan the
bureau holds (`adopted_plan`). The thresholds start from that plan too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from quota_opt.core.errors import InputError, Problem, Severity
from quota_opt.core.scenario import Scenario
from quota_opt.core.schema import SHEETS_BY_KEY
from quota_opt.core.vocabulary import UNIT_WORDS
from quota_opt.input.validate import known_preview
from quota_opt.interpret.plan import interpret, kpis
from quota_opt.interpret.reasons import BINDING_QUOTA, CITY_LEVEL, assign_reasons, quota_in_year
from quota_opt.interpret.resolve import (
    EXPLAIN_GAP,
    PROBE_TIME_LIMIT_S,
    Answer,
    Pool,
    Task,
    context,
    default_workers,
)
from quota_opt.interpret.resolve import columns as resolve_columns
from quota_opt.pipeline import RunOptions, RunResult, run_scenario, solve_options
from quota_opt.prepare import prepare
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import Solution, Status, fixed_lp, solver_version
from quota_opt.solve.ranking import ranking_rule

GRID = 8  # coarse scan points per threshold
# the precision a threshold is shown to (amount_text), which the bisection ends on
SCORE_STEP = 1e-4
STEP = {"land": 0.1, "energy": 1.0}


@dataclass
class Threshold:
    what: str  # "score", "land_demand", "quota"
    label: dict[str, str]
    current: float
    flip_at: float | None  # None: no flip within the searched range
    unit: dict[str, str]
    note: dict[str, str] = field(default_factory=dict)
    exact: bool = True  # every re-solve behind it proved to the gap target on its neighbourhood; else approximate


def amount_text(value: float, unit: dict[str, str], lang: str) -> str:
    """A threshold or its current value for the reader: scores to 4 decimals, mu to 0.1, tce to whole tonnes,
    with thousands separators ("27,850 吨标准煤", not "2.785e+04")."""
    if not unit["en"]:
        return f"{value:.4f}"
    digits = 0 if unit["en"] == "tce" else 1
    return f"{value:,.{digits}f} {unit[lang]}"


def flip_text(th: Threshold, lang: str) -> str:
    """Where the decision flips, or a sentence saying that nothing in the searched range flips it."""
    if th.flip_at is not None:
        return amount_text(th.flip_at, th.unit, lang)
    return "在搜索范围内不会改变决定" if lang == "zh" else "no change in the searched range flips it"


def meaning_text(th: Threshold, lang: str) -> str:
    """What the threshold means ("用地需求降至此值即可入选"), where there is one: beside "no change in the searched
    range flips it", that sentence would contradict it."""
    return th.note.get(lang, "") if th.flip_at is not None else ""


@dataclass
class ProjectExplanation:
    project_id: str
    selected: bool
    row: dict[str, Any]
    reason: dict[str, str]
    thresholds: list[Threshold]
    solves: int
    source: dict[str, str] = field(default_factory=dict)  # which plan is explained, in words
    skipped: int = 0  # re-solves settled by the LP bound, without a MIP
    seconds: float = 0.0


def _boundary(flipped: Callable[[list[float]], list[bool]], start: float, stop: float, step: float,
              grid: int = GRID, width: int = 1) -> tuple[float, float] | None:
    """Where the decision flips between `start` (the current value, where it has not) and `stop`, to `step`, the
    precision the value is shown to: (the value nearest the flip at which it has not flipped, the first at which it
    has), adjacent multiples of `step`, the first rounded from `start` away from the flip when the very next
    multiple flips. A coarse scan nearest-first (the decision need not be monotone: a smaller land demand can flip
    a project in and a much smaller one out again), then bisection on the multiples of `step` inside the first
    bracket that flips, so both values are exact at the shown precision. None: no flip found.

    `flipped` answers for several values at once (re-solved side by side): `width` of them per round, the scan's
    nearest first, the bisection's split evenly (a (width+1)-section)."""
    s = 1 if stop > start else -1
    eps = 1e-9
    if s > 0:
        first, last = math.floor(start / step + eps) + 1, math.floor(stop / step + eps)
    else:
        first, last = math.ceil(start / step - eps) - 1, math.ceil(stop / step - eps)
    n = s * (last - first)
    if n < 0:
        return None
    digits = max(0, -math.floor(math.log10(step) + eps))

    def value(i: int) -> float:  # i = -1: the multiple of step at or behind start
        return round((first + s * i) * step, digits)

    def nearest(points: list[int], lo: int, hi: int | None) -> tuple[int, int | None]:
        for i, flip in zip(points, flipped([value(i) for i in points]), strict=True):
            if flip:
                return lo, i
            lo = i
        return lo, hi

    lo, hi = -1, None
    scan = sorted({round(n * j / grid) for j in range(1, grid + 1)})
    for k in range(0, len(scan), width):
        lo, hi = nearest(scan[k:k + width], lo, None)
        if hi is not None:
            break
    if hi is None:
        return None
    while hi - lo > 1:
        k = min(width, hi - lo - 1)
        points = sorted({lo + round((hi - lo) * j / (k + 1)) for j in range(1, k + 1)} - {lo, hi})
        lo, hi = nearest(points, lo, hi)
        assert hi is not None
    return value(lo), value(hi)


def _expected(start: float, stop: float, step: float, grid: int, width: int) -> int:
    """How many re-solves `_boundary` will likely take (the whole scan and a full bisection)."""
    n = max(1, int(abs(stop - start) / step))
    rounds = math.ceil(math.log(max(n / grid, 1.0)) / math.log(width + 1)) if n > grid else 0
    return min(grid, n) + rounds * width


def _strictly_above(value: float, step: float) -> float:
    """The first multiple of `step` above `value` (the first value at which the project strictly wins)."""
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    return round((math.floor(value / step + 1e-9) + 1) * step, digits)


PARALLEL_FROM = 40  # scenarios of fewer projects re-solve in this process: their re-solves take milliseconds,
# less than starting a worker process


def explain_project(scenario: Scenario, project_id: str, options: RunOptions | None = None,
                    base: RunResult | None = None, adopted: pd.DataFrame | None = None, *,
                    workers: int | None = None,
                    progress: Callable[[int, int, float], None] | None = None) -> ProjectExplanation:
    """Explain one project and search the thresholds that flip its decision.

    The decision and reason explained are those of `adopted` (a results workbook's allocation) when given and
    it still fits the scenario, else of `base`, else of a new solve; `source` says which, in words. Each
    threshold re-optimises that plan near the project (interpret/resolve.py), on `workers` processes (None: every
    core, up to 4, for scenarios of `PARALLEL_FROM` projects or more; 1: in this process). `progress(done,
    total, elapsed_s)` is called after each re-solve (`total` is an estimate, raised as the searches go)."""
    options = options or RunOptions()
    ids = [str(p) for p in scenario.projects["project_id"]]
    if project_id not in ids:
        # placed as validate places a bad reference: the sheet as the workbook names it (项目 or projects), with its key
        raise InputError([Problem(Severity.ERROR, "unknown_reference", scenario.loc("projects", column="project_id"),
                                  {"found": project_id, "ref": "projects", "ref_label": SHEETS_BY_KEY["projects"].label_zh,
                                   "known": known_preview(set(ids))})])
    if workers is None:
        workers = default_workers() if len(ids) >= PARALLEL_FROM else 1
    began = time.perf_counter()
    pool = Pool(workers, progress)  # the workers start while the plan is rebuilt
    try:
        return _explain(scenario, project_id, options, base, adopted, pool, began)
    finally:
        pool.close()


def _explain(scenario: Scenario, project_id: str, options: RunOptions, base: RunResult | None,
             adopted: pd.DataFrame | None, pool: Pool, began: float) -> ProjectExplanation:
    source = {"zh": "解释的是结果工作簿中已采用的方案。", "en": "Explaining the adopted plan in the results workbook."}
    if base is None and adopted is not None:
        base = adopted_plan(scenario, adopted)
        if base is None:
            source = {"zh": "结果工作簿中的方案与方案工作簿不符（其中之一已修改），以下为重新求解的方案。",
                      "en": "The results workbook's plan no longer fits its scenario (one of them was edited): "
                            "explaining a new solve instead."}
    elif base is None:
        source = {"zh": "解释的是对方案工作簿重新求解得到的方案；要解释已采用的方案，请给出结果工作簿。",
                  "en": "Explaining a new solve of the scenario; give the results workbook to explain the adopted "
                        "plan."}
    else:
        source = {}
    base = base or run_scenario(scenario, options)
    if base.plan is None or base.solution.x is None:
        raise InputError([])
    alloc = base.plan.allocation.set_index("project_id")
    row = cast(dict[str, Any], alloc.loc[project_id].to_dict())
    reason = {"zh": row["reason_zh"], "en": row["reason_en"]}
    selected = bool(row["selected"])
    thresholds: list[Threshold] = []
    if row["status"] == "actual" or not row["eligible"]:
        return ProjectExplanation(project_id, selected, row, reason, thresholds, 0, source)

    sopts = solve_options(scenario, options, None)
    time_limit = options.time_limit_s if options.time_limit_s is not None else min(sopts.time_limit_s,
                                                                                   PROBE_TIME_LIMIT_S)
    base_form = base.form
    quota_row, quota_label, unit = _binding_row(base, project_id, row)
    quota: tuple[str, Any] | None = None
    if quota_row is not None:
        family = next(c for c in base_form.constraints.values() if c.start <= quota_row < c.start + c.size)
        quota = (family.name, family.keys[quota_row - family.start])
    ctx = context(base_form, base.solution.x, project_id, selected, quota, time_limit, min(sopts.mip_gap, EXPLAIN_GAP))
    pool.start(ctx)
    width = max(1, pool.workers // 2)  # the land and quota searches run side by side, each on its share

    # each threshold is shown where its note holds: for a funded project the last value at which it stays funded,
    # for one left out the first at which it is selected, exact at the shown precision (`_boundary`)
    # 1. score: the objective is linear in P's score, so two sides settle it: the plan without P (V_out) and, for
    # each year t, the best plan with P in t less P's own term (R_t); P wins at multiplier m when some
    # m·c_t + R_t > V_out, i.e. above min_t (V_out − R_t) / c_t. Bounds on both give the exact range.
    mine, years = resolve_columns(base_form, project_id)
    score_tasks = [Task("score", None)] + [Task("score", y) for y in years]
    pool.expect(len(score_tasks))
    score = float(row["score"])

    def land_search() -> Threshold:
        land = float(row["land_demand"])
        answers: list[Answer] = []

        def flips(values: list[float]) -> list[bool]:
            got = pool.run([Task("land", v) for v in values])
            answers.extend(got)
            return [a.selected is not None and a.selected != selected for a in got]

        stop = land * 5.0 if selected else land * 0.01
        guess = _expected(land, stop, STEP["land"], GRID, width)
        pool.expect(guess)
        found = _boundary(flips, land, stop, STEP["land"], width=width)
        pool.expect(len(answers) - guess)
        if selected:
            flip = None if found is None else found[0]
            note = {"zh": "用地需求不超过此值即仍入选", "en": "funded as long as its land demand is at most this"}
        else:
            flip = None if found is None else found[1]
            note = {"zh": "用地需求降至此值即可入选（产值、税收不变）",
                    "en": "at this land demand it would be selected (same output and tax)"}
        return Threshold("land_demand", {"zh": "用地需求", "en": "land demand"}, land, flip, UNIT_WORDS["land"], note,
                         exact=all(a.proved for a in answers))

    def quota_search() -> Threshold | None:
        if quota_row is None:
            return None
        _, rhi = base_form.row_bounds()
        current = float(rhi[quota_row])
        answers: list[Answer] = []

        def flips(values: list[float]) -> list[bool]:
            got = pool.run([Task("quota", v - current) for v in values])
            answers.extend(got)
            return [a.selected is not None and a.selected != selected for a in got]

        demand = float(row["energy_demand"]) if unit["en"] == "tce" else float(row["land_demand"])
        step = STEP["energy" if unit["en"] == "tce" else "land"]
        stop = 0.0 if selected else current + 2.0 * demand
        found = None
        if not selected or current > 0:
            guess = _expected(current, stop, step, GRID, width)
            pool.expect(guess)
            found = _boundary(flips, current, stop, step, width=width)
            pool.expect(len(answers) - guess)
        if selected:
            flip = None if found is None else found[0]
            note = {"zh": "该指标总量（非剩余量）不低于此值即仍入选",
                    "en": "funded as long as the total (not what is left) is at least this"}
        else:
            flip = None if found is None else found[1]
            note = {"zh": "该指标总量（非剩余量）增至此值即可入选",
                    "en": "with this much in total (not left) it would be selected"}
        return Threshold("quota", quota_label, current, flip, unit, note, exact=all(a.proved for a in answers))

    if pool.workers > 1:  # the score's re-solves and the two searches side by side on the workers
        with ThreadPoolExecutor(3) as orchestra:
            scored = orchestra.submit(pool.run, score_tasks)
            landed = orchestra.submit(land_search)
            quota_th = orchestra.submit(quota_search)
            score_answers, land_th, quota_result = scored.result(), landed.result(), quota_th.result()
    else:
        score_answers, land_th, quota_result = pool.run(score_tasks), land_search(), quota_search()
    thresholds.append(_score_threshold(score, selected, score_answers, [float(base_form.objective[c]) for c in mine]))
    thresholds.append(land_th)
    if quota_result is not None:
        thresholds.append(quota_result)
    return ProjectExplanation(project_id, selected, row, reason, thresholds, pool.done, source,
                              skipped=sum(a.by_bound for a in pool.answers), seconds=time.perf_counter() - began)


def _score_threshold(score: float, selected: bool, answers: list[Answer], gains: list[float]) -> Threshold:
    """The score threshold from the plan without the project (`answers[0]`) and with it in each year
    (`answers[1:]`, without its own term `gains[t]`): see `_explain`."""
    out, ins = answers[0], answers[1:]
    exact = all(a.proved for a in answers)
    if selected:
        note = {"zh": "得分不低于此值即仍入选", "en": "funded as long as its score is at least this"}
    else:
        note = {"zh": "得分达到此值即可入选", "en": "at this score it would be selected"}
    flip: float | None = None
    sides = [(a, c) for a, c in zip(ins, gains, strict=True) if a.objective is not None and c > 0]
    if score > 0 and out.objective is not None and sides:
        out_hi = out.bound if out.bound is not None else math.inf
        estimate = min((out.objective - a.objective) / c for a, c in sides if a.objective is not None)
        low = min((out.objective - (a.bound if a.bound is not None else math.inf)) / c for a, c in sides)
        high = min((out_hi - a.objective) / c for a, c in sides if a.objective is not None)
        flip = _strictly_above(estimate * score, SCORE_STEP)
        exact = exact and math.isfinite(low) and math.isfinite(high) and (
            _strictly_above(low * score, SCORE_STEP) == _strictly_above(high * score, SCORE_STEP))
        if (selected and flip <= score * 0.01) or (not selected and flip > score * 9.0):
            flip = None  # outside the searched range, as the searches' ranges
    return Threshold("score", {"zh": "综合得分", "en": "score"}, score, flip, {"zh": "", "en": ""}, note, exact=exact)


def adopted_plan(scenario: Scenario, allocation: pd.DataFrame) -> RunResult | None:
    """The adopted plan of a results workbook, rebuilt on its scenario: each project supplied in the year the
    workbook gives (status selected or actual), the sources split as a run splits them (the LP at that
    selection), and reasons worked out from it. None when that selection does not fit the scenario (the
    workbook or the scenario was edited since), so the caller can say it re-solves instead."""
    prep = prepare(scenario)
    form = build_formulation(prep)
    y = form.var("supply")
    position = {pid: i for i, pid in enumerate(prep.candidates.index)}
    x = np.zeros(form.n_cols)
    # the actual rows are the scenario's actuals (fixed, no decision to rebuild; a year before the horizon too):
    # they must be the same projects and years, else one of the two was edited
    actual = allocation[allocation["status"] == "actual"]
    recorded = {(str(pid), int(year)) for pid, year in zip(scenario.actuals["project_id"], scenario.actuals["year"],
                                                          strict=True) if pd.notna(pid) and pd.notna(year)}
    if {(str(pid), int(year)) for pid, year in zip(actual["project_id"], actual["year"], strict=True)
            if pd.notna(year)} != recorded:
        return None
    supplied = allocation[(allocation["status"] == "selected") & allocation["year"].notna()]
    for pid, year in zip(supplied["project_id"], supplied["year"], strict=True):
        if pid not in position or int(year) not in prep.years:
            return None
        col = np.flatnonzero((y.project == position[pid]) & (y.year == prep.years.index(int(year))))
        if not len(col):
            return None
        x[y.start + col[0]] = 1.0
    polished = fixed_lp(form, x)
    if polished is None:
        return None
    x = form.tidy(polished.x, integers=x)
    plan = interpret(form, x)
    assign_reasons(result_plan=plan, form=form, x=x)
    solution = Solution(Status.OPTIMAL, "adopted plan", polished.objective, None, None, x, "highs", solver_version(), 0.0)
    return RunResult(scenario=scenario, prep=prep, form=form, greedy=ranking_rule(form), solution=solution, plan=plan,
                     kpis=kpis(plan), timings={})


def _binding_row(base: RunResult, project_id: str, row: dict[str, Any]
                 ) -> tuple[int | None, dict[str, str], dict[str, str]]:
    """The row of the quota that decides this project: the one its reason names (a district's or the city's quota in
    a year, or its platform's land capacity over the horizon), else its district-year land quota. `row` is the
    project's allocation row, indexed by project id (so without it)."""
    form = base.form
    params = row.get("reason_params") or {}
    binding = params.get("binding")
    year = int(row["year"]) if row.get("selected") and row.get("year") is not None else params.get("year")
    if year is None:
        year = int(cast(int, form.prep.candidates.at[project_id, "window_first"]))
    district, platform = row["district_id"], row["platform_id"]
    # a district as the reasons name it: by its name in zh ("西湖区2026年…"), by its id in en ("D03 2026 …")
    districts = form.prep.scenario.districts
    dname = dict(zip(districts["district_id"], districts["name"], strict=True)).get(district) or district
    binding = binding if binding in BINDING_QUOTA else "district_land_quota"
    family = BINDING_QUOTA[binding]
    key: Any = platform if binding == "platform" else year if binding in CITY_LEVEL else (district, year)
    unit = UNIT_WORDS["energy" if family in ("district_energy_budget", "city_energy_pool") else "land"]

    # the quota's name as every report gives it, with its year (reasons.quota_in_year)
    labels = {lang: quota_in_year(binding, lang, year=year, district=district, district_name=dname, platform=platform)
              for lang in ("zh", "en")}
    con = form.constraints.get(family)
    if con is None or key not in con.keys:
        return None, labels, unit
    return con.start + con.keys.index(key), labels, unit

"""`quota-opt explain`: for one project, why it got what it got, and the smallest change that flips it.

The thresholds are found by re-solving, not guessed: each is a coarse scan then a bisection over one
quantity, down to the precision it is shown to (so the value shown is exact at that precision), with a full
MIP solve at every step (warm-started from the base solution). For a funded project the value shown is the
last at which it stays funded ("funded as long as the quota is at least X" holds at X), for one left out the
first at which it is selected ("selected with X" holds at X):
- score: the multiplier on the project's value at which it would be selected (or dropped);
- land demand: the land demand (same output and tax, so per-mu figures rise) at which it would be
  selected, or the increase at which it would be dropped;
- quota: how much more of its binding quota (district land, energy, or pool, in its year) would get it
  selected, or how much less would drop it.

Given a results workbook, the plan explained is the adopted one in it, not a new solve: a time-limited or
within-gap solve need not find the same plan twice, and the reason and headroom must be those of the plan the
bureau holds (`adopted_plan`). The thresholds still come from re-solving, starting from that plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from quota_opt.core.errors import InputError, Problem, Severity
from quota_opt.core.scenario import Scenario
from quota_opt.core.schema import SHEETS_BY_KEY
from quota_opt.interpret.plan import interpret, kpis
from quota_opt.interpret.reasons import BINDING_QUOTA, CITY_LEVEL, UNIT_WORDS, quota_in_year
from quota_opt.pipeline import RunOptions, RunResult, run_scenario, solve_options
from quota_opt.prepare import prepare
from quota_opt.solve.formulation import Formulation, build_formulation
from quota_opt.solve.highs import Solution, Status, fixed_lp, solve, solver_version
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


@dataclass
class ProjectExplanation:
    project_id: str
    selected: bool
    row: dict[str, Any]
    reason: dict[str, str]
    thresholds: list[Threshold]
    solves: int
    source: dict[str, str] = field(default_factory=dict)  # which plan is explained, in words


def _selected_in(form: Formulation, x: np.ndarray, pid: str) -> bool:
    y = form.var("supply")
    pos = list(form.prep.candidates.index).index(pid) if pid in form.prep.candidates.index else -1
    if pos < 0:
        return False
    return bool((x[y.start:y.start + y.size][y.project == pos] > 0.5).any())


def _boundary(flipped: Callable[[float], bool], start: float, stop: float, step: float,
              grid: int = GRID) -> tuple[float, float] | None:
    """Where the decision flips between `start` (the current value, where it has not) and `stop`, to `step`, the
    precision the value is shown to: (the value nearest the flip at which it has not flipped, the first at which it
    has), adjacent multiples of `step`, the first rounded from `start` away from the flip when the very next
    multiple flips. A coarse scan nearest-first (the decision need not be monotone: a smaller land demand can flip
    a project in and a much smaller one out again), then bisection on the multiples of `step` inside the first
    bracket that flips, so both values are exact at the shown precision. None: no flip found."""
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

    lo, hi = -1, None
    for i in sorted({round(n * j / grid) for j in range(1, grid + 1)}):
        if flipped(value(i)):
            hi = i
            break
        lo = i
    if hi is None:
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if flipped(value(mid)):
            hi = mid
        else:
            lo = mid
    return value(lo), value(hi)


def explain_project(scenario: Scenario, project_id: str, options: RunOptions | None = None,
                    base: RunResult | None = None, adopted: pd.DataFrame | None = None) -> ProjectExplanation:
    """Explain one project and search the thresholds that flip its decision (re-solving each time).

    The decision and reason explained are those of `adopted` (a results workbook's allocation) when given and
    it still fits the scenario, else of `base`, else of a new solve; `source` says which, in words."""
    options = options or RunOptions()
    ids = [str(p) for p in scenario.projects["project_id"]]
    if project_id not in ids:
        from quota_opt.input.validate import (
            known_preview,  # the same preview the validator gives a bad reference
        )

        # placed as validate places a bad reference: the sheet as the workbook names it (项目 or projects), with its key
        raise InputError([Problem(Severity.ERROR, "unknown_reference", scenario.loc("projects", column="project_id"),
                                  {"found": project_id, "ref": "projects", "ref_label": SHEETS_BY_KEY["projects"].label_zh,
                                   "known": known_preview(set(ids))})])
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
    if base.plan is None:
        raise InputError([])
    alloc = base.plan.allocation.set_index("project_id")
    row = cast(dict[str, Any], alloc.loc[project_id].to_dict())
    reason = {"zh": row["reason_zh"], "en": row["reason_en"]}
    selected = bool(row["selected"])
    counter = {"solves": 0}
    thresholds: list[Threshold] = []
    if row["status"] == "actual" or not row["eligible"]:
        return ProjectExplanation(project_id, selected, row, reason, thresholds, 0, source)

    sopts = solve_options(scenario, options, None)
    sopts.progress = None
    sopts.backend = "highs"

    def selected_with(form: Formulation) -> bool:
        counter["solves"] += 1
        sol = solve(form, _with_warm(sopts, base.solution.x if base.solution.x is not None and
                                     len(base.solution.x) == form.n_cols else None))
        return sol.x is not None and sol.status in (Status.OPTIMAL, Status.FEASIBLE) and _selected_in(form, sol.x, project_id)

    # 1. score multiplier
    base_form = base.form
    y = base_form.var("supply")
    pos = list(base_form.prep.candidates.index).index(project_id)
    cols = y.start + np.flatnonzero(y.project == pos)

    def with_multiplier(m: float) -> bool:
        form = build_formulation(base_form.prep)
        form.objective[cols] *= m
        return selected_with(form)

    # each threshold is shown where its note holds: for a funded project the last value at which it stays funded,
    # for one left out the first at which it is selected, exact at the shown precision (`_boundary`)
    score = float(row["score"])
    found: tuple[float, float] | None = None
    if selected:
        if score > 0:
            found = _boundary(lambda v: not with_multiplier(v / score), score, score * 0.01, SCORE_STEP)
        flip = None if found is None else found[0]
        note = {"zh": "得分不低于此值即仍入选", "en": "funded as long as its score is at least this"}
    else:
        if score > 0:
            found = _boundary(lambda v: with_multiplier(v / score), score, score * 9.0, SCORE_STEP)
        flip = None if found is None else found[1]
        note = {"zh": "得分达到此值即可入选", "en": "at this score it would be selected"}
    thresholds.append(Threshold("score", {"zh": "综合得分", "en": "score"}, score, flip, {"zh": "", "en": ""}, note))

    # 2. land demand (same output and tax)
    land = float(row["land_demand"])

    def with_land(value: float) -> bool:
        sc = scenario.copy()
        sc.projects.loc[sc.projects["project_id"] == project_id, "land_demand"] = value
        return selected_with(build_formulation(prepare(sc)))

    if selected:
        found = _boundary(lambda v: not with_land(v), land, land * 5.0, STEP["land"])
        flip = None if found is None else found[0]
        note = {"zh": "用地需求不超过此值即仍入选", "en": "funded as long as its land demand is at most this"}
    else:
        found = _boundary(with_land, land, land * 0.01, STEP["land"])
        flip = None if found is None else found[1]
        note = {"zh": "用地需求降至此值即可入选（产值、税收不变）",
                "en": "at this land demand it would be selected (same output and tax)"}
    thresholds.append(Threshold("land_demand", {"zh": "用地需求", "en": "land demand"}, land, flip,
                                UNIT_WORDS["land"], note))

    # 3. the binding quota (district land quota of its district and year, or the one the reason names)
    quota_row, quota_label, unit = _binding_row(base, project_id, row)
    if quota_row is not None:
        _, rhi = base_form.row_bounds()
        current = float(rhi[quota_row])
        family = next(c for c in base_form.constraints.values() if c.start <= quota_row < c.start + c.size)
        key = family.keys[quota_row - family.start]

        def with_quota(delta: float) -> bool:
            # more quota can let a project into a year it did not fit in, which the model leaves without a
            # variable (model._pairs): re-solve with every year of every window when the quota grows
            form = build_formulation(base_form.prep, prune=delta <= 0)
            con = form.constraints[family.name]
            con.ub = con.ub.copy()
            con.ub[con.keys.index(key)] += delta
            return selected_with(form)

        demand = float(row["energy_demand"]) if unit["en"] == "tce" else land
        step = STEP["energy" if unit["en"] == "tce" else "land"]
        if selected:
            found = None if current <= 0 else _boundary(lambda v: not with_quota(v - current), current, 0.0, step)
            flip = None if found is None else found[0]
            note = {"zh": "该指标总量（非剩余量）不低于此值即仍入选",
                    "en": "funded as long as the total (not what is left) is at least this"}
        else:
            found = _boundary(lambda v: with_quota(v - current), current, current + 2.0 * demand, step)
            flip = None if found is None else found[1]
            note = {"zh": "该指标总量（非剩余量）增至此值即可入选",
                    "en": "with this much in total (not left) it would be selected"}
        thresholds.append(Threshold("quota", quota_label, current, flip, unit, note))
    return ProjectExplanation(project_id, selected, row, reason, thresholds, counter["solves"], source)


def adopted_plan(scenario: Scenario, allocation: pd.DataFrame) -> RunResult | None:
    """The adopted plan of a results workbook, rebuilt on its scenario: each project supplied in the year the
    workbook gives (status selected or actual), the sources split as a run splits them (the LP at that
    selection), and reasons worked out from it. None when that selection does not fit the scenario (the
    workbook or the scenario was edited since), so the caller can say it re-solves instead."""
    from quota_opt.interpret.reasons import assign_reasons

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


def _with_warm(opts: Any, warm: np.ndarray | None) -> Any:
    from dataclasses import replace

    return replace(opts, warm_start=warm)


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

"""Why each project got what it got, decided from the solved plan.

Pre-model reasons (not compliant, below the chain's standard, ...) come from `prepare`. For an
eligible project the optimiser did not select, we look at what was left of every source it may
draw on, in every year of its window, after the plan:
- it fits nowhere: in the year closest to fitting, the land or energy it is short of is the sum of
  what was left of each source it may use (district quota, stock, pools), so we name each with its
  own amount left; the quota it lost to is the one of those whose lowest-scored funded project scored
  least (that project's score is the one to beat). A quota no other project used that year was not
  lost to anyone: the reason then says the quota is too small, not that it was out-competed;
- a layout misfit or first-report violator that would fit with city-level resources gets the
  policy reason (三(一), 四(一)): its district's own quota or budget was not enough;
- it fits only with a request to the province: the request penalty outweighed its value;
- it fits outright: left out within the solver's optimality tolerance (gap);
- it scores 0 (the weighted criteria are 0 for it): it adds nothing to the objective, whatever was left.
A selected project says what funded it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from quota_opt.core import quota
from quota_opt.core.reason_texts import reason_text
from quota_opt.core.results_schema import amount_text
from quota_opt.core.vocabulary import QUOTA_NAMES, SOURCE_WORDS, UNIT_WORDS
from quota_opt.interpret.plan import Plan
from quota_opt.solve.formulation import Formulation, priority_pairs

_TOL = 1e-6

# reason codes decided after the model
OUTCOMPETED = "outcompeted"
MISFIT_DISTRICT_SHORT = "misfit_district_short"
PLATFORM_FULL = "platform_full"
REQUEST_NOT_WORTH = "request_not_worth"
WITHIN_GAP = "within_gap"
NO_VALUE = "no_value"
QUOTA_SHORT = "quota_short"
MAJOR_FIRST = "major_first"
PHASE_WAITS = "phase_waits"
SELECTED = "selected"
ACTUAL = "actual"

# the quota a reason names (its `binding`, kept in the results workbook's reason_params) -> its constraint above
BINDING_QUOTA = {"district_land_quota": "district_land_quota", "stock": "stock_inventory",
                 "provincial_pool": "provincial_reward_pool", "province_request": "province_request_cap",
                 "district_energy": "district_energy_budget", "city_energy_pool": "city_energy_pool",
                 "platform": "platform_land_capacity"}

# who took the quota: higher-scored projects, or lower-scored ones that fit where this larger project does not
RIVALS = {
    True: ("已安排给得分更高的项目（最低入选得分 {needed:.4f}，项目 {rival}；本项目得分 {score:.4f}）",
           "went to higher-scored projects (lowest funded score {needed:.4f}, project {rival}; this project "
           "{score:.4f})"),
    False: ("已安排给合计价值更高的其他项目（其中项目 {rival} 得分 {needed:.4f}，低于本项目的 {score:.4f}，但所需较少）",
            "went to other projects worth more together (among them project {rival}, scored {needed:.4f}, below "
            "this project's {score:.4f}, but needing less)"),
}

POST_REASONS: dict[str, tuple[str, str]] = {
    OUTCOMPETED: (
        "未予安排（指标不足）：{year}年项目可用的{kind}仅剩 {left} {unit}（{parts}），不足项目所需 {need} {unit}；{quota}{rivals}。"
        "{clause}",
        "Out-competed: in {year} the {kind} it may use had only {left} {unit} left ({parts}), short of the {need} {unit} "
        "needed; the {quota} {rivals}. {clause}",
    ),
    QUOTA_SHORT: (
        "{year}年项目可用的{kind}仅剩 {left} {unit}（{parts}），不足项目所需 {need} {unit}；当年没有其他项目使用这些指标，"
        "即使全部用于本项目也不够。{clause}",
        "In {year} the {kind} it may use had only {left} {unit} left ({parts}), short of the {need} {unit} needed; no "
        "other project drew on these quotas that year: they are too small for it, not taken by others. {clause}",
    ),
    MISFIT_DISTRICT_SHORT: (
        "{why}，不能使用市级统筹资源（省重大产业项目奖励指标、向省争取、市级统筹能耗；三(一)、四(一)），而{year}年可用的{kind}仅剩 "
        "{left} {unit}（{parts}），不足项目所需 {need} {unit}。{clause}",
        "{why}, so it may not draw on city-level resources (provincial pool, province request, city energy pool; "
        "clauses 3(1), 4(1)), and the {kind} it may use in {year} was only {left} {unit} ({parts}), short of the "
        "{need} {unit} needed. {clause}",
    ),
    PHASE_WAITS: (
        "分期供地：上一期项目 {earlier} 未获安排，本期不单独供地（后续一期不早于、也不脱离上一期供地）。",
        "Phased supply: the phase before it, {earlier}, was not supplied, and a later phase is never supplied before, "
        "or without, the phase before it.",
    ),
    MAJOR_FIRST: (
        "重大产业项目优先：{year}年本区县有重大产业项目 {major} 当年可供地而未获安排，按五(一)“优先保障重大产业项目"
        "新增建设用地计划指标需求”，本区县当年的新增建设用地计划指标不安排给非重大项目；其余可用指标不足项目所需 {need} 亩。",
        "Major projects first: in {year} the district's major project {major}, which could have been supplied that "
        "year, was left out, so by clause 5(1) (major projects' need for new-land quota comes first) the district's "
        "quota that year goes to no other project, and what else it may use falls short of the {need} mu needed.",
    ),
    PLATFORM_FULL: (
        "{quota}仅剩 {left} 亩，不足项目所需 {need} 亩（二(三)）。",
        "The {quota} had only {left} mu left, short of the {need} mu needed (clause 2(3)).",
    ),
    REQUEST_NOT_WORTH: (
        "只有向省争取 {request} 亩指标才能安排，按参数设置每亩代价 {penalty} 分，高于项目价值（五(一)：向省争取为最后手段）。",
        "It could be supplied only by requesting {request} mu from the province, at a penalty of {penalty} points per mu, "
        "more than the project is worth (clause 5(1): a request to the province is the last resort).",
    ),
    NO_VALUE: (
        "按参数表的权重，本项目综合得分为 0，安排它不会提高方案的目标值，故未安排。如应参与比较，请调整参数表中的“权重：…”各项。",
        "Under the settings' weights it scores 0: supplying it adds nothing to the plan's objective, so it was not "
        "supplied. Change the weights (settings, w_…) if it should count.",
    ),
    WITHIN_GAP: (
        "资源尚有余量，但在求解精度（最优性间隙 {gap}）范围内未被安排；可缩小最优性间隙后重新求解。",
        "Resources were left, but it was left out within the solver's optimality tolerance (gap {gap}); "
        "solve with a smaller gap to settle it.",
    ),
    SELECTED: (
        "{year}年供地 {land_fmt} 亩：{sources}。能耗 {energy_fmt} 吨标准煤（五(二)）：{esources}。",
        "Supplied {land_fmt} mu in {year}: {sources}. Energy {energy_fmt} tce (clause 5(2)): {esources}.",
    ),
    ACTUAL: (
        "已于{year}年实际供地 {land_fmt} 亩（执行数据，固定）：{sources}。",
        "Actually supplied {land_fmt} mu in {year} (actuals, fixed): {sources}.",
    ),
}

def _fmt(x: float, digits: int = 1) -> str:
    """An amount left or needed, as outputs.amount_text gives it: one the unit's format would show as 0 though it
    is not (0.04 mu) keeps the decimals it needs, so a reason never says only 0 was left when some was."""
    return amount_text(x, digits)


@dataclass
class Headroom:
    """What each source had left after the plan, per district and year (mu or tce)."""

    district_land: np.ndarray
    stock: np.ndarray
    pool: np.ndarray
    request: np.ndarray
    district_energy: np.ndarray
    city_energy: np.ndarray
    platform: dict[str, float]


def headroom(plan: Plan, form: Formulation) -> Headroom:
    prep = form.prep
    D, T = len(prep.districts), len(prep.years)
    led = plan.ledger
    left_land = (led["lapsed"] + led["closing"]).to_numpy().reshape(D, T)
    if prep.scenario.settings.carryover_allowed:
        # quota left at t may still be needed later: only the least slack from t on is truly free
        cum_free = np.cumsum(led["lapsed"].to_numpy().reshape(D, T), axis=1) + led["closing"].to_numpy().reshape(D, T)
        left_land = np.minimum.accumulate(cum_free[:, ::-1], axis=1)[:, ::-1]
    left = quota.stock_available(prep.stock_initial, prep.stock_added, led["stock_used"].to_numpy().reshape(D, T))
    stock_free = np.minimum.accumulate(left[:, ::-1], axis=1)[:, ::-1]  # what is left at t and after
    city = plan.city
    dy = plan.district_year
    energy_left = (dy["energy_budget"] - dy["energy_district"]).to_numpy().reshape(D, T)
    a = plan.allocation
    platform_left = {}
    for k, cap in prep.platform_capacity.items():
        on = a[(a["platform_id"] == k) & (a["status"] == "selected")]
        platform_left[k] = cap - float(on["land_demand"].sum())
    return Headroom(
        district_land=np.maximum(left_land, 0.0),
        stock=np.maximum(stock_free, 0.0),
        pool=np.maximum((city["provincial_reward_quota"] - city["provincial_pool_used"]).to_numpy(), 0.0),
        request=np.maximum((city["province_request_cap"] - city["province_request"]).to_numpy(), 0.0),
        district_energy=np.maximum(energy_left, 0.0),
        city_energy=np.maximum((city["city_energy_pool"] - city["city_energy_pool_used"]).to_numpy(), 0.0),
        platform=platform_left,
    )


def assign_reasons(*, result_plan: Plan, form: Formulation, x: np.ndarray, gap: float | None = None) -> None:
    """Fill `reason_code`, `reason_zh` and `reason_en` of every project in the plan's allocation (in place)."""
    plan = result_plan
    prep = form.prep
    a = plan.allocation
    room = headroom(plan, form)
    d_index = {d: i for i, d in enumerate(prep.districts)}
    codes: list[str] = []
    zh: list[str] = []
    en: list[str] = []
    details: list[dict[str, Any]] = []
    ctx = _Context.of(prep, a[a["status"] == "selected"])
    ctx.held_back = held_back(form, a)
    led = plan.ledger
    if "reward_unpaid" in led.columns:
        ctx.reward_short = {(str(d), int(y)): (float(due), float(paid)) for d, y, due, paid, short in zip(
            led["district_id"], led["year"], led["reward_due"], led["reward_received"], led["reward_unpaid"],
            strict=True) if short > _TOL}
    ctx.supplied = {str(p): int(y) for p, y, st in zip(a["project_id"], a["year"], a["status"], strict=True)
                    if st in ("selected", "actual") and not pd.isna(y)}
    priority = prep.scenario.settings.major_priority
    for rec in cast(list[dict[str, Any]], a.to_dict("records")):
        if rec["status"] == "actual":
            code, params = ACTUAL, _funded_params(rec)
        elif rec["status"] == "selected":
            code, params = SELECTED, _funded_params(rec)
            if float(rec["land_province_request"]) > _TOL:
                amount = amount_text(float(rec["land_province_request"]), 1)
                params["conditional"] = {
                    "zh": f"待争取：其中 {amount} 亩为向省争取指标，尚待省里支持（五(一)“积极向省里争取”），安排以此为前提。",
                    "en": f"Conditional: {amount} mu of it is requested from the province and not yet granted "
                          "(clause 5(1)); the supply depends on it."}
            if priority != "none" and bool(prep.projects.at[rec["project_id"], "priority_major"]):
                params["major_first"] = dict(zip(("zh", "en"), MAJOR_NOTE, strict=True))
            if not rec["city_eligible"]:
                params["city_support"] = {lang: city_support_note(
                    bool(rec["fits_layout"]), bool(prep.projects.at[rec["project_id"], "first_report_ok"]),
                    float(cast(float, prep.projects.at[rec["project_id"], "chain_weight"])), lang) for lang in ("zh", "en")}
        elif not rec["eligible"]:
            code, params = str(rec["reason_code"]), dict(rec["reason_params"] or {})
            if code == "already_supplied":
                params["year"] = rec["year"]
        else:
            code, params = _why_not(rec, prep, room, d_index, ctx, gap)
        codes.append(code)
        details.append(params)
        zh.append(render_reason(code, params, "zh"))
        en.append(render_reason(code, params, "en"))
    a["reason_code"] = codes
    a["reason_params"] = cast(list[Any], details)  # dicts, as an object column
    a["reason_zh"] = zh
    a["reason_en"] = en


def render_reason(code: str, params: dict[str, Any], lang: str) -> str:
    if code in POST_REASONS:
        zh, en = POST_REASONS[code]
        fill = dict(params)
        for k in ("quota", "why", "unit", "kind", "parts"):  # kept as {zh, en}: pick the reader's language
            if isinstance(fill.get(k), dict):
                fill[k] = fill[k][lang]
        if code in (SELECTED, ACTUAL):
            fill["sources"] = _source_text(params.get("land", {}), lang) or ("—" if lang == "zh" else "none")
            fill["esources"] = _source_text(params.get("energy_parts", {}), lang, digits=0) or (
                "无" if lang == "zh" else "none")
        if code == PLATFORM_FULL:  # named here, not kept in reason_params, so older results workbooks read the same
            fill["quota"] = quota_words("platform", params["platform"], params["platform"], lang)
        energy = params.get("unit") == UNIT_WORDS["energy"]
        fill["clause"] = CLAUSE_WORDS["energy" if energy else "land"][0 if lang == "zh" else 1]
        if code in (QUOTA_SHORT, MISFIT_DISTRICT_SHORT) and not energy:
            fill["clause"] = ""  # a land shortfall names no clause here (the misfit one cites 三(一)、四(一) already)
        if code == OUTCOMPETED:
            rivals = RIVALS[fill["needed"] > fill["score"]][0 if lang == "zh" else 1]
            fill["rivals"] = rivals.format(**fill)
        text = (zh if lang == "zh" else en).format(**fill).rstrip()
        notes = [fill[k][lang] for k in ("conditional", "major_first", "city_support", "reserve_short")
                 if isinstance(fill.get(k), dict)]
        return ("" if lang == "zh" else " ").join([text, *notes])
    return reason_text(code, params, lang)


def reserve_note(year: int, due: float, paid: float) -> dict[str, str]:
    """A left-out project's note when its district was paid less stock-land reward that year than it earned, the
    city's reward reserve having run out (五(一) 由市规划和自然资源局给予新增建设用地指标奖励)."""
    due_, paid_ = amount_text(due, 1), amount_text(paid, 1)
    return {"zh": f"其中市级存量盘活奖励指标储备{year}年已兑现完，本区县当年应得存量盘活奖励指标 {due_} 亩，只兑现 {paid_} 亩"
                  "（五(一)：由市规划和自然资源局给予新增建设用地指标奖励）。",
            "en": f"The city's stock-land reward reserve for {year} ran out: the district was due {due_} mu of "
                  f"stock-land reward that year and was paid {paid_} mu (clause 5(1): the reward is the city planning "
                  "bureau's to give)."}


MAJOR_NOTE = ("重大产业项目优先（五(一)：优先保障重大产业项目新增建设用地计划指标需求）。",
              "Major projects first (clause 5(1): major projects' need for new-land quota comes first).")


def held_back(form: Formulation, a: pd.DataFrame) -> dict[tuple[str, int], str]:
    """With major_priority = strict, the (district, year)s whose quota no other project may use because a
    city-eligible major project that could be supplied that year (it has a supply column then) is left out, each
    with that project's id (formulation._major_priority)."""
    if form.prep.scenario.settings.major_priority != "strict":
        return {}
    c = form.prep.candidates
    left_out = set(a.loc[(a["status"] == "not_selected") & a["eligible"].astype(bool), "project_id"])
    out: dict[tuple[str, int], str] = {}
    for pid, year in sorted(priority_pairs(form), key=lambda k: (str(k[0]), k[1])):
        if pid in left_out and pid in c.index:
            out.setdefault((str(c.at[pid, "district_id"]), int(year)), str(pid))
    return out


# the clause a shortfall of land or energy cites: 五(一) for the land quota, 五(二) for energy (市级统筹、竞争性利用)
CLAUSE_WORDS = {
    "land": ("五(一)：按投资规模、亩均产值等因素优先保障。", "Clause 5(1): priority by investment scale, output per mu and similar."),
    "energy": ("五(二)：重大产业项目能耗指标实行市级统筹，竞争性利用。",
               "Clause 5(2): the city pools major projects' energy quota, used competitively."),
}


def _source_text(parts: dict[str, float], lang: str, digits: int = 1) -> str:
    sep = "、" if lang == "zh" else ", "
    unit = (" 亩" if digits else " 吨标准煤") if lang == "zh" else (" mu" if digits else " tce")
    items = [f"{SOURCE_WORDS[k][0 if lang == 'zh' else 1]} {amount_text(v, digits)}{unit}" for k, v in parts.items()
             if v > _TOL]  # an amount below the format's last digit is not said to be 0
    return sep.join(items)


def _funded_params(rec: dict[str, Any]) -> dict[str, Any]:
    land = {k: float(rec[k]) for k in ("land_district_quota", "land_provincial_pool", "land_stock",
                                       "land_province_request")}
    energy = {k: float(rec[k]) for k in ("energy_district", "energy_city_pool")}
    return {"year": int(rec["year"]) if not pd.isna(rec["year"]) else "—", "land": land, "energy_parts": energy,
            "land_fmt": amount_text(sum(land.values()), 1), "energy_fmt": amount_text(sum(energy.values()), 0)}


_CANDIDATE_FIELDS = ("window_first", "window_last", "may_stock", "may_pool", "may_request", "may_city_energy",
                     "first_report_ok", "priority_major", "mandatory", "phase_of")


@dataclass
class _Context:
    """Lookups shared by every unfunded project's reason: the candidates' fields by project, district names,
    and the selected projects (lowest score first) as arrays."""

    candidates: dict[Any, dict[str, Any]]
    district_names: dict[str, str]
    selected: dict[str, np.ndarray]
    lowest: dict[tuple[int, str | None, str], tuple[float, str] | None]
    held_back: dict[tuple[str, int], str] = dataclasses.field(default_factory=dict)
    supplied: dict[str, int] = dataclasses.field(default_factory=dict)  # project -> year, selected or actual
    # (district, year) -> (reward due, paid) where the city's reward reserve paid less than was due
    reward_short: dict[tuple[str, int], tuple[float, float]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, prep: Any, selected: pd.DataFrame) -> _Context:
        c = prep.candidates
        d = prep.scenario.districts
        s = selected.sort_values(["score", "project_id"])
        cols = ("year", "district_id", "score", "project_id", *USED_COLUMN.values())
        return cls(candidates=c[list(_CANDIDATE_FIELDS)].to_dict("index"),
                   district_names={str(k): str(v) for k, v in zip(d["district_id"], d["name"], strict=True)},
                   selected={k: s[k].to_numpy() for k in cols}, lowest={})

    def lowest_funded(self, year: int, district: str | None, used_col: str) -> tuple[float, str] | None:
        """(score, project id) of the lowest-scored selected project that drew on `used_col` in `year` (in
        `district`, or anywhere when None); None when no project did."""
        key = (year, district, used_col)
        if key not in self.lowest:
            s = self.selected
            on = (s["year"] == year) & (s[used_col] > _TOL)
            if district is not None:
                on &= s["district_id"] == district
            hit = np.flatnonzero(on)
            self.lowest[key] = None if not len(hit) else (float(s["score"][hit[0]]), str(s["project_id"][hit[0]]))
        return self.lowest[key]


def _why_not(rec: dict[str, Any], prep: Any, room: Headroom, d_index: dict[str, int], ctx: _Context,
             gap: float | None) -> tuple[str, dict[str, Any]]:
    if not float(rec["score"]) > 0:  # worth nothing: neither out-competed nor left within the gap
        return NO_VALUE, {}
    d = d_index[rec["district_id"]]
    years = prep.years
    cand = ctx.candidates[rec["project_id"]]
    t0, t1 = years.index(int(cand["window_first"])), years.index(int(cand["window_last"]))
    land, energy = float(rec["land_demand"]), float(rec["energy_demand"])
    earlier = cand.get("phase_of")
    if isinstance(earlier, str) and earlier not in ctx.supplied:
        return PHASE_WAITS, {"earlier": earlier}
    plat = rec["platform_id"]
    if plat in room.platform and room.platform[plat] + _TOL < land:
        return PLATFORM_FULL, {"platform": plat, "left": _fmt(room.platform[plat]), "need": _fmt(land),
                               "binding": "platform"}
    best: tuple[float, int, str] | None = None
    fits_with_request = None
    held: tuple[int, str] | None = None  # (year, major) of a year it would fit in but for a major left out
    held_any: tuple[int, str] | None = None  # of the first year held back at all
    may_be_held = not cand["priority_major"] and not cand["mandatory"]
    for t in range(t0, t1 + 1):
        major = ctx.held_back.get((str(rec["district_id"]), years[t])) if may_be_held else None
        if major is not None:
            held_any = held_any or (years[t], major)
            stock_only = room.stock[d, t] if cand["may_stock"] else 0.0
            if held is None and stock_only + room.district_land[d, t] + _TOL >= land and (
                    room.district_energy[d, t] + _TOL >= energy):
                held = (years[t], major)
            continue
        own = room.district_land[d, t] + (room.stock[d, t] if cand["may_stock"] else 0.0)
        city_land = (room.pool[t] if cand["may_pool"] else 0.0)
        request = room.request[t] if cand["may_request"] else 0.0
        e_own = room.district_energy[d, t]
        e_city = room.city_energy[t] if cand["may_city_energy"] else 0.0
        land_ok = own + city_land + _TOL >= land
        land_ok_req = own + city_land + request + _TOL >= land
        energy_ok = e_own + e_city + _TOL >= energy
        if land_ok and energy_ok:
            return WITHIN_GAP, {"gap": "—" if gap is None else f"{gap:.3%}"}
        if land_ok_req and energy_ok and fits_with_request is None:
            fits_with_request = land - own - city_land
        # how close to fitting: the smaller relative shortfall wins
        land_short = max(0.0, land - (own + city_land + request)) / max(land, _TOL)
        energy_short = max(0.0, energy - (e_own + e_city)) / max(energy, _TOL) if energy > 0 else 0.0
        closeness = land_short + energy_short
        if best is None or closeness < best[0]:
            best = (closeness, t, "land" if land_short >= energy_short else "energy")
    if held is not None or (best is None and held_any is not None):
        year_held, major = held or cast(tuple[int, str], held_any)
        return MAJOR_FIRST, {"year": year_held, "major": major, "need": _fmt(land)}
    if fits_with_request is not None:
        return REQUEST_NOT_WORTH, {"request": _fmt(fits_with_request),
                                   "penalty": f"{prep.scenario.settings.province_request_penalty:g}"}
    assert best is not None
    _, t, kind = best
    year = years[t]
    digits = 1 if kind == "land" else 0
    district_name = ctx.district_names.get(rec["district_id"], str(rec["district_id"]))
    # every source the project may draw on that year, with what the plan left of it: the shortfall is their sum
    sources = [(key, left) for key, left, allowed in _sources(kind, room, d, t, cand) if allowed]
    total = sum(left for _, left in sources)
    parts = {lang: ("、" if lang == "zh" else ", ").join(
        _source_left(key, district_name, rec["district_id"], _fmt(left, digits), lang) for key, left in sources)
        for lang in ("zh", "en")}
    # the quota it lost to: of those sources, the one whose lowest-scored funded project scored least
    rivals = [(low, key) for key, _ in sources
              if (low := ctx.lowest_funded(year, None if key in CITY_LEVEL else rec["district_id"],
                                           USED_COLUMN[key])) is not None]
    lost_to = min(rivals, key=lambda r: (r[0][0], r[0][1])) if rivals else None  # ((score, project), quota)
    binding = lost_to[1] if lost_to else sources[0][0]
    params: dict[str, Any] = {
        "year": year, "kind": _KIND_WORDS[kind], "unit": UNIT_WORDS[kind], "parts": parts,
        "left": _fmt(total, digits), "need": _fmt(land if kind == "land" else energy, digits),
        "score": float(rec["score"]), "binding": binding,
        "quota": {lang: quota_words(binding, district_name, rec["district_id"], lang) for lang in ("zh", "en")},
        "district_id": None if binding in CITY_LEVEL else rec["district_id"],
    }
    short = ctx.reward_short.get((str(rec["district_id"]), int(year)))
    if kind == "land" and short is not None:
        params["reserve_short"] = reserve_note(int(year), *short)
    if not rec["city_eligible"]:
        params["why"] = {lang: _misfit_clause(bool(rec["fits_layout"]), bool(cand["first_report_ok"]), lang)
                         for lang in ("zh", "en")}
        return MISFIT_DISTRICT_SHORT, params
    if lost_to is None:
        return QUOTA_SHORT, params
    (needed, rival), _ = lost_to
    params.update(needed=needed, rival=rival)
    return OUTCOMPETED, params


# a reason's binding keys that name a city quota (the others name a district's, or a platform's)
CITY_LEVEL = {"provincial_pool", "province_request", "city_energy_pool"}
# the allocation column of the source a reason's binding key names
USED_COLUMN = {"district_land_quota": "land_district_quota", "stock": "land_stock",
                "provincial_pool": "land_provincial_pool", "province_request": "land_province_request",
                "district_energy": "energy_district", "city_energy_pool": "energy_city_pool"}
_KIND_WORDS = {"land": {"zh": "用地指标", "en": "land quota"}, "energy": {"zh": "能耗指标", "en": "energy quota"}}


def _sources(kind: str, room: Headroom, d: int, t: int, cand: dict[str, Any]) -> list[tuple[str, float, bool]]:
    """(quota key, amount left after the plan, may the project draw on it) for each source of land or energy."""
    if kind == "land":
        return [("district_land_quota", float(room.district_land[d, t]), True),
                ("stock", float(room.stock[d, t]), bool(cand["may_stock"])),
                ("provincial_pool", float(room.pool[t]), bool(cand["may_pool"])),
                ("province_request", float(room.request[t]), bool(cand["may_request"]))]
    return [("district_energy", float(room.district_energy[d, t]), True),
            ("city_energy_pool", float(room.city_energy[t]), bool(cand["may_city_energy"]))]


def _source_left(key: str, where_zh: str, where_en: str, left: str, lang: str) -> str:
    """What a source had left, in a reason's list: "西湖区新增建设用地计划指标 12.0"; the province request not as quota
    in hand but as room to ask: "向省争取上限内尚可争取 5.0" / "room under the province request cap 5.0"."""
    if key == "province_request":
        return f"向省争取上限内尚可争取 {left}" if lang == "zh" else f"room under the province request cap {left}"
    return f"{quota_words(key, where_zh, where_en, lang)} {left}"


def quota_words(key: str, where_zh: str, where_en: str, lang: str) -> str:
    """A quota's name for the reader (QUOTA_NAMES, by a reason's binding key), with whose it is: a district's after
    its name (zh) or id (en), "西湖区能耗指标", "D03 district energy budget"; a platform's capacity with the
    platform's id after the word platform, "平台 PA 用地容量", "platform PA land capacity"; the city's as it is.
    The reasons, explain's thresholds and the infeasibility report all name a district's or platform's quota here."""
    zh, en = QUOTA_NAMES[BINDING_QUOTA[key]]
    name, where = (zh, where_zh) if lang == "zh" else (en, where_en)
    if key in CITY_LEVEL:
        return name
    if key == "platform":
        word = _PLATFORM_WORD[lang]
        return f"{word} {where} {name.removeprefix(word).strip()}"
    # a district's after its name, without the 区县 its name already says: 拱墅区新增建设用地计划指标
    return f"{where}{name.removeprefix('区县')}" if lang == "zh" else f"{where} {name}"


_PLATFORM_WORD = {"zh": "平台", "en": "platform"}  # how QUOTA_NAMES["platform_land_capacity"] opens


def quota_in_year(key: str, lang: str, *, year: int | None, district: str | None = None,
                  district_name: str | None = None, platform: str | None = None) -> str:
    """`quota_words` with the year: a district's quota after the district and year, by its name in zh and its id
    in en ("西湖区2026年新增建设用地计划指标", "D03 2026 district new-land quota"), the city's after the year
    ("2026年市级统筹能耗指标", "2026 city energy pool"), a platform's capacity (over the horizon) without one.
    Explain's thresholds and the infeasibility report name a quota here."""
    if key == "platform":
        return quota_words(key, str(platform), str(platform), lang)
    name = quota_words(key, f"{district_name or district}{year}年", f"{district} {year}", lang)
    if key not in CITY_LEVEL:
        return name
    return f"{year}年{name}" if lang == "zh" else f"{year} {name}"


def city_support_note(fits: bool, first_ok: bool, chain_weight: float, lang: str) -> str:
    """What city-level support a selected misfit or first-report violator did not get, and why (三(一), 四(一)):
    the chain's policy weight (when above 1), the provincial reward quota, a request to the province, the city
    energy pool and the stock-land reward."""
    clauses = "、".join(c for c, bad in (("三(一)", not fits), ("四(一)", not first_ok)) if bad)
    clauses_en = ", ".join(c for c, bad in (("3(1)", not fits), ("4(1)", not first_ok)) if bad)
    why = _misfit_clause(fits, first_ok, lang)
    if lang == "zh":
        weight = f"不计本产业链政策权重（×{chain_weight:g}，按×1计）、" if chain_weight > 1 else ""
        return (f"未享受市级支持：{why}，不得给予市级政策支持（{clauses}），故{weight}不使用省重大产业项目奖励指标、"
                "向省争取指标和市级统筹能耗，所用存量建设用地也不获存量盘活奖励指标。")
    weight = f"its chain's policy weight (×{chain_weight:g}, counted as ×1), " if chain_weight > 1 else ""
    return (f"No city-level support: {why[0].lower() + why[1:]}, and may get no city-level policy support "
            f"(clause{'s' if ',' in clauses_en else ''} {clauses_en}), so it got none of {weight}the provincial "
            "reward quota, a request to the province or the city energy pool, and its stock land earns no reward.")


def _misfit_clause(fits: bool, first_ok: bool, lang: str) -> str:
    parts = []
    if not fits:
        parts.append("项目不符合《布局导引》" if lang == "zh" else "The project does not fit the layout guide")
    if not first_ok:
        parts.append("项目违反首报首谈规定" if lang == "zh" else "the project broke the first-report rule")
    return ("、" if lang == "zh" else " and ").join(parts)

"""Explain an infeasible scenario in policy words.

When the hard requirements (mandatory projects, actuals already fixed) cannot all hold, we solve an
elastic version of the model: each quota, pool, budget and capacity may be overshot at a price
(relative to its size), only mandatory projects may be supplied, and the objective is to overshoot
as little as possible. Each overshoot is a requirement that must give way, by that amount; we name
it with its district and year and the mandatory projects that need it, in figures that add up: what other
sources already give them (in the elastic solution), the need that remains for this quota, what it has (with
carry-over, or less what the actuals overdrew) and the shortfall, e.g.
  "必保项目 P07（用地 300.0 亩）需使用萧山区2026年区县新增建设用地计划指标，但可用仅 120.0 亩，缺口 180.0 亩。…"
  "必保项目 M（用地 80.0 亩）除向省争取 20.0 亩外，其余 60.0 亩需使用甲区2026年区县新增建设用地计划指标，
   但可用仅 40.0 亩，缺口 20.0 亩。…"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from quota_opt.core.vocabulary import QUOTA_NAMES, SOURCE_WORDS
from quota_opt.core.vocabulary import QUOTA_UNITS as UNITS
from quota_opt.interpret.reasons import BINDING_QUOTA, USED_COLUMN, quota_in_year
from quota_opt.prepare import ENERGY_SOURCES, LAND_SOURCES, Prepared
from quota_opt.solve.decompose import column_positions
from quota_opt.solve.formulation import build_formulation
from quota_opt.solve.highs import SolveOptions, Status, solve

_TOL = 1e-6


@dataclass
class Conflict:
    requirement: str  # constraint family, e.g. "district_land_quota", or "mandatory_unmet"
    district_id: str | None  # None for a city-level or platform requirement
    year: int | None
    shortfall: float
    unit: tuple[str, str]
    projects: list[str] = field(default_factory=list)
    available: float = 0.0  # what the quota has in the elastic solution (negative: overdrawn)
    needed: float = 0.0  # the projects' need left for this quota after their other sources
    messages: dict[str, str] = field(default_factory=dict)
    platform_id: str | None = None  # for a platform's land capacity

    def label(self, lang: str) -> str:
        """The requirement in the report's words (the quota's name, as every report gives it)."""
        zh, en = QUOTA_NAMES.get(self.requirement, UNMET_LABEL)
        return zh if lang == "zh" else en


UNMET_LABEL = ("必保项目须安排", "mandatory project must be supplied")
_BINDING_KEY = {family: key for key, family in BINDING_QUOTA.items()}  # a constraint -> the reasons' key for it


@dataclass
class Conflicts:
    items: list[Conflict]
    solved: bool  # False when even the elastic model could not be solved

    def render(self, lang: str) -> str:
        if not self.items:
            return ("方案不可行，且未能定位原因（弹性模型无解）。请检查必保项目和执行数据。" if lang == "zh" else
                    "The scenario is infeasible and the elastic model could not locate why; check mandatory "
                    "projects and actuals.")
        head = "方案不可行：以下硬性要求无法同时满足，需让步：" if lang == "zh" else (
            "The scenario is infeasible: these hard requirements cannot all hold; one must give way:")
        return "\n".join([head, *(f"  - {c.messages[lang]}" for c in self.items)])


def diagnose(prep: Prepared, options: SolveOptions) -> Conflicts:
    form = build_formulation(prep, elastic=True)
    y = form.var("supply")
    mandatory = prep.candidates["mandatory"].to_numpy(bool)
    y.ub = np.where(mandatory[y.project], 1.0, 0.0)  # only mandatory projects take part
    sol = solve(form, SolveOptions(time_limit_s=options.time_limit_s, mip_gap=1e-6, threads=options.threads,
                                   backend="highs"))
    if sol.status not in (Status.OPTIMAL, Status.FEASIBLE) or sol.x is None:
        return Conflicts([], solved=False)
    x = sol.x
    yv = x[y.start:y.start + y.size]
    c = prep.candidates
    names = dict(zip(prep.scenario.districts["district_id"], prep.scenario.districts["name"], strict=True))
    supplied = [(c.index[j], prep.years[t]) for j, t, v in zip(y.project, y.year, yv, strict=True) if v > 0.5]
    items: list[Conflict] = []
    cols = _Columns.of(form)
    for block in form.variables.values():
        if not block.name.startswith("over_") and block.name != "mandatory_unmet":
            continue
        values = x[block.start:block.start + block.size]
        for key, v in zip(block.keys, values, strict=True):
            if v <= _TOL:
                continue
            if block.name == "mandatory_unmet":
                items.append(_unmet(str(key), prep))
                continue
            family = block.name[len("over_"):]
            if family == "city_reward_reserve":
                items.append(_reserve_overshoot(int(cast(int, key)), float(v), form, x, prep, supplied))
                continue
            items.append(_overshoot(family, key, float(v), form, x, cols, prep, supplied, names))
    items.sort(key=lambda it: (-it.shortfall / max(it.available + it.shortfall, 1.0), str(it.district_id), it.year or 0))
    return Conflicts(items, solved=True)


def _reserve_overshoot(year: int, amount: float, form: Any, x: np.ndarray, prep: Prepared,
                       supplied: list[tuple[str, int]]) -> Conflict:
    """An overshoot of the city's reward reserve (五(一)): the mandatory projects supplied that year in the districts
    the elastic solution pays a reward to need more reward than the reserve holds."""
    w = form.var("reward_paid")
    paid = x[w.start:w.start + w.size]
    districts = {prep.districts[d] for d, t, v in zip(w.district, w.year, paid, strict=True)
                 if prep.years[t] == year and v > _TOL}
    c = prep.candidates
    involved = [pid for pid, y in supplied if y == year and c.at[pid, "district_id"] in districts]
    limit = float(prep.reward_reserve[prep.year_index(year)])
    conflict = Conflict("city_reward_reserve", None, year, amount, UNITS["city_reward_reserve"], involved, limit,
                        limit + amount)
    name_zh, name_en = QUOTA_NAMES["city_reward_reserve"]
    plist = ", ".join(involved) or "—"
    conflict.messages = {
        "zh": f"{year}年{name_zh}仅 {limit:,.1f} 亩，而必保项目 {'、'.join(involved) or '—'} 所在区县当年需兑现的存量盘活奖励指标"
              f"超出 {amount:,.1f} 亩（五(一)：由市规划和自然资源局给予新增建设用地指标奖励）。需增加储备或区县指标、调整必保项目的年度"
              "或取消其必保要求。",
        "en": f"The {year} {name_en} holds only {limit:,.1f} mu, and the districts of mandatory project(s) {plist} need "
              f"{amount:,.1f} mu more stock-land reward that year (clause 5(1): the reward is the city planning "
              "bureau's to give). Raise the reserve or the districts' quota, move the mandatory projects to another "
              "year, or lift their mandatory status.",
    }
    return conflict


def _unmet(pid: str, prep: Prepared) -> Conflict:
    district = cast(str, prep.candidates.at[pid, "district_id"])
    conflict = Conflict("mandatory_unmet", district, None, 1.0, ("个", "project"), [pid])
    conflict.messages = {
        "zh": f"必保项目 {pid} 在规划期内无法安排，需取消其必保要求。",
        "en": f"Mandatory project {pid} cannot be supplied within the horizon; its mandatory status must be lifted.",
    }
    return conflict


# the source (allocation column) a constraint's row counts, as the reasons map it; the platform's capacity counts a
# project's whole land
_HERE = {family: USED_COLUMN[key] for key, family in BINDING_QUOTA.items() if key in USED_COLUMN}


@dataclass
class _Columns:
    """The elastic model's columns both ways, made once per diagnosis: a block's key -> its column, and a column
    -> (its block, its key)."""

    position: dict[str, dict[Any, int]]
    owner: dict[int, tuple[str, Any]]

    @classmethod
    def of(cls, form: Any) -> _Columns:
        position = column_positions(form)
        return cls(position, {col: (name, key) for name, cols in position.items() for key, col in cols.items()})


def _split(form: Any, x: np.ndarray, cols: _Columns, pid: str, year: int, energy: bool) -> dict[str, float]:
    """What the elastic solution gives a supplied project from each source (mu or tce); a project with a single
    source (no variable for it) takes its whole demand from its district's quota or budget."""
    c = form.prep.candidates
    sources = ENERGY_SOURCES if energy else LAND_SOURCES
    out = {}
    for name in sources:
        col = cols.position[name].get((pid, year))
        if col is not None:
            out[name] = max(float(x[col]), 0.0)
    if not out:
        out[sources[0]] = float(c.at[pid, "energy_demand" if energy else "land_demand"])
    return out


def _overshoot(family: str, key: Any, amount: float, form: Any, x: np.ndarray, cols: _Columns, prep: Prepared,
               supplied: list[tuple[str, int]], names: dict[str, str]) -> Conflict:
    """An overshoot of one row, told so that its numbers add up: the mandatory projects' demand, less what the
    elastic solution gives them from other sources, is the need that remains for this quota; less what the quota
    has (its limit after actuals, with what carry-over and the stock reward add or take in this solution), it is
    the shortfall."""
    c = prep.candidates
    con = form.constraints[family]
    row = con.keys.index(key)
    limit = float(con.ub[row])
    district: str | None = None
    platform: str | None = None
    year: int | None = None
    if isinstance(key, tuple):
        district, year = str(key[0]), int(key[1])
    elif family == "platform_land_capacity":
        platform = str(key)
    else:
        year = int(key)
    energy = family in ("district_energy_budget", "city_energy_pool")
    # the row's terms in the elastic solution: a project's use, or what carry-over and stock rewards add or take
    use: dict[str, float] = {}
    carry_in = carry_out = reward = 0.0
    on_row = con.row == row
    for col, coef in zip(con.col[on_row], con.val[on_row], strict=True):
        bname, k = cols.owner[int(col)]
        term = float(coef) * float(x[col])
        if bname.startswith("over_") or abs(term) <= _TOL:
            continue
        if bname == "carry_over":
            if term < 0:
                carry_in -= term
            else:
                carry_out += term
        elif term < 0:  # stock land used for a major project earns the district quota later
            reward -= term
        else:
            use[str(k[0])] = use.get(str(k[0]), 0.0) + term
    available = limit + carry_in + reward - carry_out
    involved = [pid for pid, _ in supplied if use.get(pid, 0.0) > _TOL]
    year_of = dict(supplied)
    need_col = "energy_demand" if energy else "land_demand"
    need = {p: float(cast(float, c.at[p, need_col])) for p in involved}
    others: dict[str, float] = {}
    for pid in involved:
        for src, v in _split(form, x, cols, pid, year_of[pid], energy).items():
            if src != _HERE.get(family) and v > _TOL:
                others[src] = others.get(src, 0.0) + v
    demand = sum(need.values())
    here = demand - sum(others.values()) if family != "platform_land_capacity" else demand
    if family == "platform_land_capacity":
        others = {}
    unit = UNITS[family]
    dname = names.get(district or "", district or "")
    digits = 0 if energy else 1

    def fmt(v: float) -> str:
        return f"{v:,.{digits}f}"

    plist_zh = "、".join(f"{p}（{'能耗' if energy else '用地'} {fmt(need[p])} {unit[0]}）" for p in involved)
    plist_en = ", ".join(f"{p} ({fmt(need[p])} {unit[1]})" for p in involved)
    # the quota with whose and which year it is, as the reasons and explain name it ("A 2026 district new-land quota")
    name_zh, name_en = (quota_in_year(_BINDING_KEY[family], lang, year=year, district=district, district_name=dname,
                                      platform=platform) for lang in ("zh", "en"))
    # what the quota has: its limit (after actuals) and what carry-over and rewards add or take
    terms = [(limit, "本年余量", "left this year") if limit >= 0 else (limit, "执行数据已超用", "overdrawn by the actuals")]
    terms += [(v, zh, en) for v, zh, en in ((carry_in, "以前年度结转", "carried over from earlier years"),
                                            (reward, "存量盘活奖励", "stock-land reward"),
                                            (-carry_out, "结转以后年度", "carried into later years")) if v > _TOL or v < -_TOL]
    if family == "platform_land_capacity":
        terms[0] = (limit, "剩余容量", "capacity left") if limit >= 0 else (limit, "已供项目超用", "overdrawn by "
                                                                             "projects already supplied")
    detail_zh = detail_en = ""
    if len(terms) > 1:  # e.g. "（本年余量 50.0 亩 + 以前年度结转 30.0 亩）", " (50.0 mu left this year + 30.0 mu ...)"
        signs = [("" if v >= 0 else "−") if i == 0 else (" + " if v >= 0 else " − ") for i, (v, _, _) in enumerate(terms)]
        detail_zh = "（" + "".join(f"{s}{zh} {fmt(abs(v))} {unit[0]}" for s, (v, zh, _) in zip(signs, terms, strict=True)) + "）"
        detail_en = " (" + "".join(f"{s}{fmt(abs(v))} {unit[1]} {en}" for s, (v, _, en) in zip(signs, terms, strict=True)) + ")"
    if available >= -_TOL:
        has_zh = f"但可用仅 {fmt(max(available, 0.0))} {unit[0]}{detail_zh}"
        has_en = f"but only {fmt(max(available, 0.0))} {unit[1]} is available{detail_en}"
    elif len(terms) == 1:  # overdrawn by the actuals alone
        has_zh = f"但该指标已被执行数据超用 {fmt(-available)} {unit[0]}"
        has_en = f"but the actuals already overdraw it by {fmt(-available)} {unit[1]}"
    else:
        has_zh = f"但该指标已超用 {fmt(-available)} {unit[0]}{detail_zh}"
        has_en = f"but it is already overdrawn by {fmt(-available)} {unit[1]}{detail_en}"
    besides_zh = "、".join(f"{SOURCE_WORDS[s][0]} {fmt(v)} {unit[0]}" for s, v in others.items())
    besides_en = ", ".join(f"{SOURCE_WORDS[s][1]} {fmt(v)} {unit[1]}" for s, v in others.items())
    conflict = Conflict(family, district, year, amount, unit, involved, available, here, platform_id=platform)
    advice_zh = "需增加该指标、调整必保项目的年度或取消其必保要求。"
    advice_en = ("Raise that quota, move the mandatory projects to another year, or lift their mandatory status.")
    if not involved:
        if len(terms) == 1:  # the actuals alone overdraw it
            conflict.messages = {
                "zh": f"{name_zh}已被执行数据超用 {fmt(amount)} {unit[0]}，请核对上年执行表。",
                "en": f"The {name_en} is overdrawn by the actuals by {fmt(amount)} {unit[1]}; check the actuals sheet.",
            }
        else:
            conflict.messages = {
                "zh": f"{name_zh}已超用 {fmt(amount)} {unit[0]}{detail_zh}。需增加该指标或调整以后年度的必保项目。",
                "en": f"The {name_en} is overdrawn by {fmt(amount)} {unit[1]}{detail_en}. Raise that quota or "
                      f"change the mandatory projects of later years.",
            }
        return conflict
    if others:
        need_zh = f"除{besides_zh}外，其余 {fmt(here)} {unit[0]}需使用{name_zh}"
        need_en = f": besides {besides_en}, the remaining {fmt(here)} {unit[1]} need the {name_en}"
    else:
        need_zh, need_en = f"需使用{name_zh}", f" need the {name_en}"
    conflict.messages = {
        "zh": f"必保项目 {plist_zh}{need_zh}，{has_zh}，缺口 {fmt(amount)} {unit[0]}。{advice_zh}",
        "en": f"Mandatory project(s) {plist_en}{need_en}, {has_en}: short by {fmt(amount)} {unit[1]}. {advice_en}",
    }
    return conflict

"""Explain an infeasible scenario in policy words.

When the hard requirements (mandatory projects, actuals already fixed) cannot all hold, we solve an
elastic version of the model: each quota, pool, budget and capacity may be overshot at a price
(relative to its size), only mandatory projects may be supplied, and the objective is to overshoot
as little as possible. Each overshoot is a requirement that must give way, by that amount; we name
it with its district and year and the mandatory projects that need it, e.g.
  "必保项目 P07（用地 300.0 亩）需使用萧山区2026年区县新增建设用地计划指标，但可用仅 120.0 亩，缺口 180.0 亩。…"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from quota_opt.model import build_formulation
from quota_opt.prepare import Prepared
from quota_opt.reasons import BINDING_QUOTA, QUOTA_NAMES, quota_in_year
from quota_opt.shadow import UNITS
from quota_opt.solve import SolveOptions, Status, solve

_TOL = 1e-6


@dataclass
class Conflict:
    requirement: str  # constraint family, e.g. "district_land_quota", or "mandatory_unmet"
    district_id: str | None  # None for a city-level or platform requirement
    year: int | None
    shortfall: float
    unit: tuple[str, str]
    projects: list[str] = field(default_factory=list)
    available: float = 0.0
    needed: float = 0.0
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
            items.append(_overshoot(family, key, float(v), form, prep, supplied, names))
    items.sort(key=lambda it: (-it.shortfall / max(it.available + it.shortfall, 1.0), str(it.district_id), it.year or 0))
    return Conflicts(items, solved=True)


def _unmet(pid: str, prep: Prepared) -> Conflict:
    district = cast(str, prep.candidates.at[pid, "district_id"])
    conflict = Conflict("mandatory_unmet", district, None, 1.0, ("个", "project"), [pid])
    conflict.messages = {
        "zh": f"必保项目 {pid} 在规划期内无法安排，需取消其必保要求。",
        "en": f"Mandatory project {pid} cannot be supplied within the horizon; its mandatory status must be lifted.",
    }
    return conflict


def _overshoot(family: str, key: Any, amount: float, form: Any, prep: Prepared, supplied: list[tuple[str, int]],
               names: dict[str, str]) -> Conflict:
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
    involved = []
    for pid, yr in supplied:
        rec = c.loc[pid]
        if family == "platform_land_capacity":
            hit = rec["platform_id"] == platform
        elif family == "stock_inventory":
            hit = rec["district_id"] == district and yr <= (year or 0) and bool(rec["may_stock"])
        else:
            hit = (year is None or yr == year) and (district is None or rec["district_id"] == district)
            if family == "provincial_reward_pool":
                hit = hit and bool(rec["may_pool"])
            if family in ("city_energy_pool", "province_request_cap"):
                hit = hit and bool(rec["may_city_energy"])
        if hit:
            involved.append(pid)
    energy = family in ("district_energy_budget", "city_energy_pool")
    need_col = "energy_demand" if energy else "land_demand"
    needed = float(c.loc[involved, need_col].sum()) if involved else amount
    unit = UNITS[family]
    dname = names.get(district or "", district or "")
    digits = 0 if energy else 1
    need = {p: cast(float, c.at[p, need_col]) for p in involved}
    plist_zh = "、".join(f"{p}（{'能耗' if energy else '用地'} {need[p]:,.{digits}f} {unit[0]}）" for p in involved)
    plist_en = ", ".join(f"{p} ({need[p]:,.{digits}f} {unit[1]})" for p in involved)
    # the quota with whose and which year it is, as the reasons and explain name it ("A 2026 district new-land quota")
    name_zh, name_en = (quota_in_year(_BINDING_KEY[family], lang, year=year, district=district, district_name=dname,
                                      platform=platform) for lang in ("zh", "en"))
    avail = max(limit, 0.0)
    conflict = Conflict(family, district, year, amount, unit, involved, avail, needed, platform_id=platform)
    conflict.messages = {
        "zh": (f"必保项目 {plist_zh}需使用{name_zh}，但可用仅 {avail:,.{digits}f} {unit[0]}，"
               f"缺口 {amount:,.{digits}f} {unit[0]}。需增加该指标、调整必保项目的年度或取消其必保要求。"
               if involved else
               f"{name_zh}已被执行数据超用 {amount:,.{digits}f} {unit[0]}，请核对上年执行表。"),
        "en": (f"Mandatory project(s) {plist_en} need the {name_en}, but only "
               f"{avail:,.{digits}f} {unit[1]} is available: short by {amount:,.{digits}f} {unit[1]}. Raise that "
               f"quota, move the mandatory projects to another year, or lift their mandatory status."
               if involved else
               f"The {name_en} is overdrawn by the actuals by {amount:,.{digits}f} {unit[1]}; "
               f"check the actuals sheet."),
    }
    return conflict

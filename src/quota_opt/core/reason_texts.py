"""Reasons in policy words.

Every project not funded gets a reason code and a sentence in Chinese or English citing the policy
clause behind it. Pre-model reasons (eligibility) come from `prepare.py`; reasons decided by the
optimisation (out-competed for a binding quota, district resources not enough for a misfit) are
worked out from the solution in `reasons.py`.
"""

from __future__ import annotations

from typing import Any


def _n(x: Any, digits: int = 1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{v:,.{digits}f}"


def _yr(x: Any) -> str:
    try:
        return str(int(x))
    except (TypeError, ValueError):
        return "—"


REASONS: dict[str, tuple[str, str]] = {
    "not_compliant": (
        "项目不合规。五(一)：在确保项目合规性和可批性的前提下才安排新增建设用地指标。",
        "The project is not compliant. Clause 5(1): land quota goes only to compliant, approvable projects.",
    ),
    "not_approvable": (
        "项目用地不可批。五(一)：在确保项目合规性和可批性的前提下才安排新增建设用地指标。",
        "The project's land cannot be approved. Clause 5(1): land quota goes only to compliant, approvable projects.",
    ),
    "below_output_standard": (
        "亩均产值 {value} 万元/亩，低于本产业链准入标准 {threshold} 万元/亩（市局按“标准地”、亩均评价做法设定的准入标准）。",
        "Output per mu {value} (10k yuan/mu) is below the chain's entry standard of {threshold} (the bureau's own screen, "
        "from 'standard land' and per-mu practice).",
    ),
    "below_tax_standard": (
        "亩均税收 {value} 万元/亩，低于本产业链准入标准 {threshold} 万元/亩（市局按“标准地”、亩均评价做法设定的准入标准）。",
        "Tax per mu {value} (10k yuan/mu) is below the chain's entry standard of {threshold} (the bureau's own screen, "
        "from 'standard land' and per-mu practice).",
    ),
    "above_energy_intensity": (
        "能耗强度 {value} 吨标准煤/万元，高于本产业链上限 {threshold}（市局按“标准地”、亩均评价做法设定的准入标准；五(二)）。",
        "Energy intensity {value} tce per 10k yuan exceeds the chain's limit of {threshold} (the bureau's own screen, "
        "from 'standard land' and per-mu practice; clause 5(2)).",
    ),
    "outside_window": (
        "供地年度区间 {earliest}–{latest} 不在规划期 {first}–{last} 内。",
        "Its supply window {earliest}–{latest} lies outside the planning horizon {first}–{last}.",
    ),
    "excluded_misfit": (
        "{why}，按参数设置（不符合布局项目：排除）不参与分配（三(一)、四(一)）。",
        "{why}; by the settings (layout misfits: exclude) it takes no part in the allocation (clauses 3(1), 4(1)).",
    ),
    "already_supplied": (
        "已在 {year} 年实际供地（见上年执行表），不再重复安排。",
        "Already supplied in {year} (see the actuals sheet); not allocated again.",
    ),
}


def _misfit_why(params: dict[str, Any], lang: str) -> str:
    parts = []
    if not params.get("fits_layout", True):
        parts.append("不符合《布局导引》" if lang == "zh" else "it does not fit the layout guide")
    if not params.get("first_report_ok", True):
        parts.append("违反首报首谈规定" if lang == "zh" else "it broke the first-report rule")
    return ("、" if lang == "zh" else " and ").join(parts) or ("不具备市级支持资格" if lang == "zh" else "not city-eligible")


def reason_text(code: str, params: dict[str, Any] | None, lang: str) -> str:
    """The plain-words reason for a reason code, filled with its figures."""
    params = dict(params or {})
    if code not in REASONS:
        return code
    zh, en = REASONS[code]
    template = zh if lang == "zh" else en
    fill = {
        "value": _n(params.get("value"), 2),
        "threshold": _n(params.get("threshold"), 2),
        "earliest": _yr(params.get("earliest")),
        "latest": _yr(params.get("latest")),
        "first": _yr(params.get("first")),
        "last": _yr(params.get("last")),
        "year": _yr(params.get("year")),
        "why": _misfit_why(params, lang),
    }
    return template.format(**fill)


# 五(一) 积极向省里争取: a request is not yet a grant. What the plan becomes if the province grants nothing
# (pipeline.without_request), said in the summary (`if_no_request`) and in each conditional (待争取) project's reason.
IF_NO_REQUEST = {  # does the project drop? → (zh, en), added to its reason
    True: ("若省里不予支持，本项目不能安排。", " If the province grants nothing, it cannot be supplied."),
    False: ("若省里不予支持，本项目仍可改用其他指标安排。", " If the province grants nothing, it can still be supplied from other quotas."),
}


def no_request_text(dropped: list[str], added: list[str], feasible: bool, lang: str) -> str:
    """The summary's `if_no_request`: the projects the plan would drop and those it would supply instead."""
    zh = lang == "zh"
    if not feasible:
        return ("若省里不予支持（向省争取 0 亩）：方案不可行，必保项目无法全部安排。" if zh else
                "If the province grants nothing (0 mu requested): no plan is feasible; the mandatory projects "
                "cannot all be supplied.")
    sep = "、" if zh else ", "
    if not dropped and not added:
        return ("若省里不予支持（向省争取 0 亩）：安排的项目不变，只是改用其他指标。" if zh else
                "If the province grants nothing (0 mu requested): the same projects are supplied, from other quotas.")
    parts = []
    if dropped:
        parts.append(f"{sep.join(dropped)} 不能安排" if zh else f"{sep.join(dropped)} cannot be supplied")
    if added:
        parts.append(f"{sep.join(added)} 改为安排" if zh else f"{sep.join(added)} would be supplied instead")
    return (f"若省里不予支持（向省争取 0 亩）：{'；'.join(parts)}。" if zh else
            f"If the province grants nothing (0 mu requested): {'; '.join(parts)}.")

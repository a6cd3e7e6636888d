"""The one-page brief (简报) of a results workbook, for leadership, and the print set-up of every results sheet.

The brief holds, on one A4 page: the headline figures, the largest supply decisions and the major projects left
out, the quotas that bind (what one more mu or tce would be worth), and what depends on the province (the land to
request, and the projects that need it). Its figures are those of the other sheets, which it names.

`conditional_projects` is the hook for the 待争取 marking (projects whose supply is conditional on land the
province has not yet granted): while the allocation has no `conditional` column, the projects that draw on a
request to the province are the conditional ones.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from quota_opt.core.results_schema import ALLOCATION, SUMMARY_ROWS, reason_code_word
from quota_opt.core.vocabulary import SOURCE_WORDS
from quota_opt.output.excel import WRAP, append_row, display_width, print_setup, style_header

BRIEF_NAME = {"zh": "简报", "en": "brief"}
TOP_DECISIONS = 8  # the largest supplies shown
TOP_LEFT_OUT = 5  # the largest major projects left out
TOP_BINDING = 5  # the quotas worth most at the margin
TOP_CONDITIONAL = 6  # the projects that depend on the province
_KPIS = ("projects_selected", "projects_eligible", "investment_selected", "land_selected",
         "land_district_quota_total", "land_provincial_pool_total", "land_stock_total", "land_province_request_total",
         "energy_selected", "average_output_per_mu", "mandatory_selected")
_WIDTHS = (11, 30, 10, 9, 11, 40)  # A–F, a portrait A4 page's width at 100%
_TITLE = Font(bold=True, size=14)
_SECTION = Font(bold=True, size=11)
_TOP = Alignment(vertical="top", wrap_text=True)

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("简报：{name}", "Brief: {name}"),
    "status": ("求解状态：{status}；最优性间隙 {gap}。详见“概览”等各表。",
               "Status: {status}; gap {gap}. The other sheets give the detail."),
    "pending": ("待争取", "pending the province"),
    "kpis": ("一、主要指标", "1. Headline figures"),
    "decisions": ("二、主要决定（供地最多的项目）", "2. Main decisions (the largest supplies)"),
    "left_out": ("未安排的重大产业项目（投资最大的几个）", "Major projects left out (the largest)"),
    "binding": ("三、制约因素（每增加 1 单位最有价值的指标）", "3. What binds (the quotas worth most at the margin)"),
    "no_binding": ("没有起制约作用的指标（各指标增加均不改变结果）。", "No quota binds: more of any would change nothing."),
    "province": ("四、取决于省里的部分（需向省争取的用地）", "4. What depends on the province (land to request)"),
    "no_request": ("本方案不需要向省争取用地。", "The plan requests no land from the province."),
    "request_year": ("{year}年需向省争取 {mu} 亩（上限 {cap} 亩）", "{year}: {mu} mu to request (cap {cap} mu)"),
    "conditional": ("以下项目的供地取决于省里是否批给：", "These projects' supply depends on the province granting it:"),
    "more": ("……另有 {n} 项，见“{sheet}”表。", "… and {n} more: see the {sheet} sheet."),
}
_HEADS = {
    "decisions": (("项目编号", "项目名称", "区县", "供地年度", "用地(亩)", "说明"),
                  ("project", "name", "district", "year", "land (mu)", "sources")),
    "left_out": (("项目编号", "项目名称", "区县", "总投资(亿元)", "用地(亩)", "原因"),
                 ("project", "name", "district", "investment", "land (mu)", "reason")),
    "binding": (("指标", "", "区县", "年度", "边际价值", "解读"),
                ("quota", "", "district", "year", "marginal value", "reading")),
    "conditional": (("项目编号", "项目名称", "区县", "供地年度", "向省争取(亩)", "说明"),
                    ("project", "name", "district", "year", "requested (mu)", "note")),
}


def _w(key: str, lang: str, **fill: Any) -> str:
    return _WORDS[key][0 if lang == "zh" else 1].format(**fill)


def conditional_projects(allocation: pd.DataFrame) -> pd.DataFrame:
    """The selected projects whose supply is conditional on the province (待争取): those the allocation marks in a
    `conditional` column when it has one (the policy's marking), else those that draw on a request to the province."""
    selected = allocation[allocation["status"] == "selected"]
    if "conditional" in selected.columns:
        return selected[selected["conditional"].fillna(False).astype(bool)]
    return selected[selected["land_province_request"] > 1e-6]


def brief_sheet(wb: Workbook, result: Any, lang: str, index: int) -> Worksheet:
    """Add the brief as sheet `index` of `wb`; one A4 page, portrait."""
    ws = wb.create_sheet(BRIEF_NAME[lang], index)
    zh = lang == "zh"
    rows = result.summary(lang)
    plan = result.plan
    a = plan.allocation
    names = dict(zip(result.scenario.districts["district_id"], result.scenario.districts["name"], strict=True))

    def district(d: Any) -> str:
        return str(names.get(d, d)) if zh else str(d)

    def line(values: list[Any], font: Font | None = None) -> None:
        append_row(ws, values)
        for c in ws[ws.max_row]:
            c.alignment = _TOP
            if font is not None:
                c.font = font

    def head(key: str) -> None:
        append_row(ws, list(_HEADS[key][0 if zh else 1]))
        for c in ws[ws.max_row]:
            style_header(c)

    line([_w("title", lang, name=result.scenario.settings.scenario_name)], _TITLE)
    gap = "—" if rows.get("gap") is None else f"{rows['gap']:.2%}"
    line([_w("status", lang, status=rows.get("status", ""), gap=gap)])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=6)

    line([])
    line([_w("kpis", lang)], _SECTION)
    for key in _KPIS:
        if rows.get(key) is None:
            continue
        label, en, fmt = SUMMARY_ROWS[key]
        line([label if zh else en, None, None, None, rows[key]])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        if fmt:
            ws.cell(row=ws.max_row, column=5).number_format = fmt

    line([])
    line([_w("decisions", lang)], _SECTION)
    head("decisions")
    chosen = a[a["status"] == "selected"].sort_values(["land_demand", "project_id"], ascending=[False, True])
    for r in chosen.head(TOP_DECISIONS).to_dict("records"):
        line([r["project_id"], r["name"], district(r["district_id"]), r["year"], round(float(r["land_demand"]), 1),
              _sources(r, zh)])
    _more(line, len(chosen) - TOP_DECISIONS, "allocation", lang)
    left = a[(a["status"] == "not_selected") & a["major"].astype(bool) & a["eligible"].astype(bool)]
    left = left.sort_values(["investment", "project_id"], ascending=[False, True])
    if len(left):
        line([_w("left_out", lang)], Font(bold=True))
        head("left_out")
        for r in left.head(TOP_LEFT_OUT).to_dict("records"):
            line([r["project_id"], r["name"], district(r["district_id"]), round(float(r["investment"]), 2),
                  round(float(r["land_demand"]), 1), reason_code_word(str(r["reason_code"]), lang)])

    line([])
    line([_w("binding", lang)], _SECTION)
    sp = result.shadow
    binding = sp[sp["marginal_value"] > 1e-9].sort_values("marginal_value", ascending=False) \
        if sp is not None and len(sp) else pd.DataFrame()
    if len(binding):
        head("binding")
        for r in binding.head(TOP_BINDING).to_dict("records"):
            where = district(r["district_id"]) if isinstance(r.get("district_id"), str) else ""  # a city quota: none
            year = int(r["year"]) if pd.notna(r.get("year")) else ""
            line([r["quota_zh" if zh else "quota_en"], None, where, year, round(float(r["marginal_value"]), 4),
                  _short_reading(r, zh)])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=2)
    else:
        line([_w("no_binding", lang)])

    line([])
    line([_w("province", lang)], _SECTION)
    city = plan.city
    asked = city[city["province_request"] > 1e-6]
    if not len(asked):
        line([_w("no_request", lang)])
    for r in asked.to_dict("records"):
        line([_w("request_year", lang, year=int(r["year"]), mu=f"{r['province_request']:,.1f}",
                 cap=f"{r['province_request_cap']:,.1f}")])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=6)
    conditional = conditional_projects(a).sort_values(["land_province_request", "project_id"],
                                                      ascending=[False, True])
    if len(conditional):
        line([_w("conditional", lang)])
        head("conditional")
        for r in conditional.head(TOP_CONDITIONAL).to_dict("records"):
            line([r["project_id"], r["name"], district(r["district_id"]), r["year"],
                  round(float(r["land_province_request"]), 1), _w("pending", lang)])
        _more(line, len(conditional) - TOP_CONDITIONAL, "allocation", lang)
    if rows.get("if_no_request"):  # the plan without the province's land (the summary's 省里不予支持时)
        line([str(rows["if_no_request"])])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=6)
        ws.cell(row=ws.max_row, column=1).alignment = WRAP
        # a merged cell is not sized to its text: about 100 width units (50 Chinese characters) a line
        ws.row_dimensions[ws.max_row].height = 15 * (1 + display_width(rows["if_no_request"]) // 100)

    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    for (cell,) in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=5, max_col=5):
        if isinstance(cell.value, float) and cell.number_format == "General":
            cell.number_format = "#,##0.0"
    print_setup(ws, landscape=False, fit_height=True, header_rows=None)
    return ws


def _sources(r: Any, zh: bool) -> str:
    """Where a supply's land comes from, briefly: "区县指标 40.0、向省争取 10.0"."""
    parts = [f"{SOURCE_WORDS[k][0 if zh else 1]} {float(r[k]):,.1f}" for k in
             ("land_district_quota", "land_provincial_pool", "land_stock", "land_province_request")
             if float(r[k]) > 1e-6]
    return ("、" if zh else ", ").join(parts)


def _short_reading(r: Any, zh: bool) -> str:
    """What one more unit of a binding quota is worth, briefly."""
    unit = r["unit_zh" if zh else "unit_en"]
    mv = float(r["marginal_value"])
    top = float(r.get("top_score") or 0.0)
    if zh:
        text = f"每增加 1 {unit}，目标值约增加 {mv:.4f}"
        return text + (f"，约折合得分最高项目 {mv / top:.2f} 亩" if top > 0 else "")
    text = f"one more {unit} is worth about {mv:.4f}"
    return text + (f", about {mv / top:.2f} mu of the top-scored project" if top > 0 else "")


def _more(line: Any, n: int, sheet_key: str, lang: str) -> None:
    if n > 0:
        line([_w("more", lang, n=n, sheet=ALLOCATION.name(lang) if sheet_key == "allocation" else sheet_key)])

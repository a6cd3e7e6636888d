"""Write the comparison workbook (`quota-opt compare` and `quota-opt sweep`).

Sheets, each named and headed by the declarative tables below (keys for `en`, Chinese labels for `zh`):
- cases (方案列表): one row per case: source, variant or swept settings, status and message, projects
  whose decision changed against the base, headline KPIs, solve time;
- kpis (指标对比): every KPI side by side, each case's value with its difference from the base case
  (absolute and relative), changed cells marked;
- decisions (项目决策对比): per project and case: selected, year, land and energy sources; projects whose
  decision changes are highlighted and listed first;
- districts (区县年度对比): land supplied (mu) and energy granted (tce) per district and year, per case;
- tradeoff (权衡曲线, sweeps): the two trade-off KPIs per point, the non-dominated points marked, and a
  scatter chart of the curve;
- charts (图表): KPIs relative to the base case, headline KPIs per case, land by district per case.

Side-by-side sheets have two header rows: the case name above, what the column holds below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from quota_opt.core.files import TITLES, Kind
from quota_opt.core.messages import check_lang
from quota_opt.core.results_schema import (
    INT,
    MU,
    SUMMARY_ROWS,
    TCE,
    TEXT,
    OutCol,
    OutSheet,
    status_word,
    yes_no,
)
from quota_opt.core.schema import SETTINGS
from quota_opt.output.excel import (
    ERROR_FILL,
    GOOD_FILL,
    MUTED_FILL,
    WARNING_FILL,
    WRAP,
    display_width,
    fix_properties,
    style_header,
)
from quota_opt.output.results_workbook import _clean

DELTA_PCT = "+0.0%;-0.0%;0.0%"
POINT_COLOUR = "4472C4"
FRONT_COLOUR = "C00000"

CASES = OutSheet("cases", "方案列表", "Cases", (
    OutCol("case", "方案", "Case", TEXT, width=30),
    OutCol("kind", "类型", "Kind", TEXT),
    OutCol("source", "来源文件", "Source file", TEXT, width=24),
    OutCol("variant", "方案变体", "Variant", TEXT, width=16),
    OutCol("status", "求解状态", "Status", TEXT, width=14),
    OutCol("message", "说明", "Message", TEXT, width=50),
    OutCol("projects_changed", "决定改变的项目数(对比基准)", "Projects changed (against the base)", INT),
    # beyond the gaps: the objectives differ by more than the two cases' gaps together, and for a decision the
    # project's own term of the objective moved by more than that too (compare.significant_changes)
    OutCol("significant_changes", "其中超出求解间隙的", "Of which beyond the solver's gaps", INT),
    OutCol("significant_kpis", "超出求解间隙的指标差异数", "KPI differences beyond the solver's gaps", INT),
    OutCol("non_dominated", "非劣解", "Non-dominated", TEXT),
    OutCol("elapsed_s", "用时(秒)", "Time (s)", "0.0"),
))
KIND_WORDS = {"run": ("求解", "solved"), "results": ("读取结果", "results read")}

KPIS = OutSheet("kpis", "指标对比", "KPIs", (
    OutCol("kpi", "指标", "KPI", TEXT, width=34),
))
KPI_PARTS = {
    "value": OutCol("value", "取值", "Value"),
    "delta": OutCol("delta", "差值", "Difference"),
    "delta_pct": OutCol("delta_pct", "差值%", "Difference %", DELTA_PCT),
}
STATUS_ROW = OutCol("status", "求解状态", "Status")
MESSAGE_ROW = OutCol("message", "说明", "Message")

DECISIONS = OutSheet("decisions", "项目决策对比", "Decisions", (
    OutCol("project_id", "项目编号", "Project id", TEXT, width=10),
    OutCol("name", "项目名称", "Project name", TEXT, width=28),
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("district_name", "区县名称", "District name", TEXT),
    OutCol("change", "变化", "Change", TEXT, width=14),
    # a change of selection or year in some case beyond what its and the base's gaps allow
    # (compare.significant_changes); blank where nothing changed
    OutCol("significant", "超出求解间隙", "Beyond the gaps", TEXT, width=10),
))
DECISION_PARTS = {
    "selected": OutCol("selected", "是否安排", "Selected", TEXT, width=9),
    "year": OutCol("year", "供地年度", "Year", INT, width=9),
    "sources": OutCol("sources", "指标来源", "Sources", TEXT, width=34),
}
CHANGE_WORDS = {"selection": ("是否安排改变", "selection"), "year": ("供地年度改变", "year"),
                "sources": ("指标来源改变", "sources"), "": ("", "")}

DISTRICTS = OutSheet("districts", "区县年度对比", "Districts", (
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("district_name", "区县名称", "District name", TEXT),
    OutCol("year", "年度", "Year", INT),
))
DISTRICT_PARTS = {
    "land": OutCol("land", "供地(亩)", "Land supplied (mu)", MU, "亩", "mu", width=12),
    "energy": OutCol("energy", "能耗(吨标准煤)", "Energy granted (tce)", TCE, "吨标准煤", "tce", width=14),
}

TRADEOFF = OutSheet("tradeoff", "权衡曲线", "Trade-off", (
    OutCol("case", "方案", "Case", TEXT, width=30),
    OutCol("non_dominated", "非劣解", "Non-dominated", TEXT),
))
FRONT_HEAD = ("非劣解（按横轴排序）", "non-dominated, by x")

CHARTS = OutSheet("charts", "图表", "Charts")
CHART_TITLES = {
    "index": ("主要指标对比（基准方案 = 100）", "Headline KPIs against the base case (base = 100)"),
    "land": ("各区县供地（亩，规划期合计）", "Land supplied by district (mu, whole horizon)"),
    "tradeoff": ("权衡曲线", "Trade-off"),
    "all_points": ("全部方案", "all points"),
    "front": ("非劣解", "non-dominated"),
}
CHARTED_KPIS = ("projects_selected", "investment_selected", "average_output_per_mu", "land_selected",
                "energy_selected", "mu_to_request")


def kpi_label(key: str, lang: str) -> str:
    """The KPI's Chinese label (zh) or its key (en), from the summary sheet's table."""
    row = SUMMARY_ROWS.get(key)
    return (row[0] if row else key) if lang == "zh" else key


def kpi_title(key: str, lang: str) -> str:
    """A KPI's readable name in either language (chart titles, axis names)."""
    row = SUMMARY_ROWS.get(key)
    if row is None:
        return key
    return row[0] if lang == "zh" else row[1]


def kpi_format(key: str) -> str | None:
    row = SUMMARY_ROWS.get(key)
    return row[2] if row else None


def _setting_header(key: str, lang: str) -> str:
    try:
        col = SETTINGS.column(key)
    except KeyError:
        return key
    return col.header(lang)


def _word(words: dict[str, tuple[str, str]], key: Any, lang: str) -> str:
    zh, en = words.get(str(key), (str(key), str(key)))
    return zh if lang == "zh" else en


def _status_fill(status: str) -> Any:
    return GOOD_FILL if status == "optimal" else (WARNING_FILL if status == "feasible" else ERROR_FILL)


def _safe(cell: Any) -> Any:
    """Keep text that starts with "=" as text: openpyxl would store it as a formula (a project named "=1+1"
    would show 2). Returns the cell."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell


def _append(ws: Worksheet, values: Sequence[Any]) -> None:
    """`ws.append(values)` with every text kept as text (see `_safe`)."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        _safe(cell)


def _show_axes(chart: Any) -> None:
    """openpyxl 3.1 leaves `delete` unset on axes, and recent Excel then hides them."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _width(ws: Worksheet, column: int, width: float) -> None:
    letter = get_column_letter(column)
    ws.column_dimensions[letter].width = min(max(width, ws.column_dimensions[letter].width or 0), 60)


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------


def _cases_sheet(wb: Workbook, frame: pd.DataFrame, lang: str, compared_kpis: Sequence[str]) -> None:
    ws = wb.create_sheet(CASES.name(lang))
    fixed = {c.key: c for c in CASES.columns}
    columns: list[tuple[str, str, str | None]] = []  # (frame column, header, format)
    for key in frame.columns:
        if key in fixed:
            c = fixed[key]
            columns.append((key, c.header(lang), c.fmt))
        elif key in compared_kpis:
            columns.append((key, kpi_label(key, lang), kpi_format(key)))
        else:  # a swept setting
            columns.append((key, _setting_header(key, lang), None))
    order = ["case", "kind", "source", "variant"]
    params = [k for k, _, _ in columns if k not in fixed and k not in compared_kpis]
    order += [*params, "status", "message", "projects_changed", "significant_changes", "significant_kpis"]
    order += [k for k, _, _ in columns if k in compared_kpis] + ["non_dominated", "elapsed_s"]
    by_key = {k: (h, f) for k, h, f in columns}
    order = [k for k in order if k in by_key]
    _append(ws, [by_key[k][0] for k in order])
    for i in range(1, len(order) + 1):
        style_header(ws.cell(row=1, column=i))
    for rec in frame.to_dict("records"):
        values = []
        for k in order:
            v = rec.get(k)
            if k == "status":
                v = status_word(str(v), lang)
            elif k == "kind":
                v = _word(KIND_WORDS, v, lang)
            elif k == "non_dominated":
                v = yes_no(bool(v), lang)
            elif isinstance(v, bool):
                v = yes_no(v, lang)
            values.append(_clean(v))
        _append(ws, values)
        ws.cell(row=ws.max_row, column=order.index("status") + 1).fill = _status_fill(str(rec.get("status")))
        if rec.get("non_dominated") and "non_dominated" in order:
            ws.cell(row=ws.max_row, column=order.index("non_dominated") + 1).fill = GOOD_FILL
    for i, k in enumerate(order, start=1):
        fmt = by_key[k][1]
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=i, max_col=i):
                cell.number_format = fmt
        spec = fixed.get(k)
        width = spec.width if spec is not None and spec.width else max(display_width(by_key[k][0]) + 2, 10)
        if k == "case":
            width = max(width, *(display_width(v) + 2 for v in frame["case"]))
        _width(ws, i, min(width, 40) if k != "message" else width)
        if k == "message":
            for (cell,) in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=i, max_col=i):
                cell.alignment = WRAP
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(order))}{ws.max_row}"


# --------------------------------------------------------------------------------------------
# side-by-side sheets: fixed columns, then (case, part) columns under a merged case name
# --------------------------------------------------------------------------------------------


def _side_by_side_header(ws: Worksheet, fixed: Sequence[OutCol], cases: list[str],
                         parts: dict[str, list[OutCol]], lang: str) -> dict[tuple[str, str], int]:
    """Write the two header rows; return the column number of every (case, part)."""
    positions: dict[tuple[str, str], int] = {}
    col = 1
    for c in fixed:
        _safe(ws.cell(row=1, column=col, value=""))
        _safe(ws.cell(row=2, column=col, value=c.header(lang)))
        positions[("", c.key)] = col
        _width(ws, col, c.width or max(display_width(c.header(lang)) + 2, 10))
        col += 1
    for case in cases:
        first = col
        for part in parts[case]:
            _safe(ws.cell(row=2, column=col, value=part.header(lang)))
            positions[(case, part.key)] = col
            _width(ws, col, part.width or max(display_width(part.header(lang)) + 2, 11))
            col += 1
        _safe(ws.cell(row=1, column=first, value=case))
        if col - 1 > first:
            ws.merge_cells(start_row=1, start_column=first, end_row=1, end_column=col - 1)
    for r in (1, 2):
        for c_ in range(1, col):
            style_header(ws.cell(row=r, column=c_))
    return positions


def _kpis_sheet(wb: Workbook, results: Sequence[Any], frame: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(KPIS.name(lang))
    names = [r.name for r in results]
    parts = {n: [KPI_PARTS[p] for p in ("value", "delta", "delta_pct") if (n, p) in frame.columns] for n in names}
    pos = _side_by_side_header(ws, KPIS.columns, names, parts, lang)
    # status and message first
    _safe(ws.cell(row=3, column=1, value=STATUS_ROW.header(lang)))
    _safe(ws.cell(row=4, column=1, value=MESSAGE_ROW.header(lang)))
    for r in results:
        cell = _safe(ws.cell(row=3, column=pos[(r.name, "value")], value=status_word(r.status, lang)))
        cell.fill = _status_fill(r.status)
        _safe(ws.cell(row=4, column=pos[(r.name, "value")], value=r.describe(lang) or None)).alignment = WRAP
    for offset, key in enumerate(frame.index):
        row = 5 + offset
        _safe(ws.cell(row=row, column=1, value=kpi_label(key, lang)))
        fmt = kpi_format(key)
        for r in results:
            for part in parts[r.name]:
                v = cast(float | None, frame.at[key, (r.name, part.key)])
                cell = _safe(ws.cell(row=row, column=pos[(r.name, part.key)], value=_clean(v)))
                cell.number_format = part.fmt or fmt or "General"
                if part.key == "delta" and v is not None and not pd.isna(v) and v != 0:
                    cell.fill = WARNING_FILL
                    cell.font = Font(bold=True)
    ws.freeze_panes = "B3"


def decision_header(names: Sequence[str], lang: str) -> list[tuple[str, str]]:
    """The decision table's columns as (case, label): the project's own columns (case ""), then each case's
    parts, as the decisions sheet heads them (the workbench's comparison page shows the same)."""
    def label(c: OutCol) -> str:
        return c.label_zh if lang == "zh" else c.label_en
    return ([("", label(c)) for c in DECISIONS.columns]
            + [(n, label(part)) for n in names for part in DECISION_PARTS.values()])


def decision_row(rec: dict[Any, Any], names: Sequence[str], lang: str) -> list[Any]:
    """One project's row of `compare.decision_frame` in words, column for column as `decision_header`: the
    change in words, "beyond the gaps" yes or no where the selection or the year changed, selected yes or no."""
    change = rec[("", "change")]
    out: list[Any] = []
    for c in DECISIONS.columns:
        v = _word(CHANGE_WORDS, change, lang) if c.key == "change" else rec[("", c.key)]
        if c.key == "significant":
            v = yes_no(bool(v), lang) if change in ("selection", "year") else None
        out.append(_clean(v))
    for n in names:
        for part in DECISION_PARTS.values():
            v = rec[(n, part.key)]
            shown = yes_no(v, lang) if part.key == "selected" and v is not None else v
            out.append(_clean(shown) if shown != "" else None)
    return out


def _decisions_sheet(wb: Workbook, results: Sequence[Any], frame: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(DECISIONS.name(lang))
    names = [r.name for r in results]
    parts = {n: list(DECISION_PARTS.values()) for n in names}
    pos = _side_by_side_header(ws, DECISIONS.columns, names, parts, lang)
    yes = yes_no(True, lang)
    base = names[0] if names else None
    changed_font = Font(bold=True, color="C00000")
    for i, rec in enumerate(frame.to_dict("records")):
        row = 3 + i
        change = rec[("", "change")]
        shown_row = iter(decision_row(rec, names, lang))
        for c in DECISIONS.columns:
            cell = _safe(ws.cell(row=row, column=pos[("", c.key)], value=next(shown_row)))
            if change == "selection":
                cell.fill = WARNING_FILL
            elif change:
                cell.fill = MUTED_FILL
        for n in names:
            for part in DECISION_PARTS.values():
                v = rec[(n, part.key)]
                shown = next(shown_row)
                cell = _safe(ws.cell(row=row, column=pos[(n, part.key)], value=shown))
                if part.key == "selected" and v is not None:
                    cell.fill = GOOD_FILL if shown == yes else MUTED_FILL
                if part.fmt and part.fmt != TEXT:
                    cell.number_format = part.fmt
                if part.key == "sources":
                    cell.alignment = WRAP
                if base is not None and n != base and v is not None and rec[(base, part.key)] is not None \
                        and _clean(v) != _clean(rec[(base, part.key)]):
                    cell.font = changed_font
    ws.freeze_panes = ws.cell(row=3, column=len(DECISIONS.columns) + 1).coordinate
    if len(frame):
        ws.auto_filter.ref = f"A2:{get_column_letter(len(DECISIONS.columns))}{len(frame) + 2}"


def _districts_sheet(wb: Workbook, results: Sequence[Any], frame: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(DISTRICTS.name(lang))
    names = [r.name for r in results]
    parts = {n: list(DISTRICT_PARTS.values()) for n in names}
    pos = _side_by_side_header(ws, DISTRICTS.columns, names, parts, lang)
    for i, rec in enumerate(frame.to_dict("records")):
        row = 3 + i
        for c in DISTRICTS.columns:
            _safe(ws.cell(row=row, column=pos[("", c.key)], value=_clean(rec[("", c.key)])))
        for n in names:
            for part in DISTRICT_PARTS.values():
                cell = _safe(ws.cell(row=row, column=pos[(n, part.key)], value=_clean(rec[(n, part.key)])))
                cell.number_format = part.fmt or "General"
    ws.freeze_panes = ws.cell(row=3, column=len(DISTRICTS.columns) + 1).coordinate


# --------------------------------------------------------------------------------------------
# trade-off and charts
# --------------------------------------------------------------------------------------------


def _tradeoff_sheet(wb: Workbook, results: Sequence[Any], lang: str, tradeoff: Any) -> None:
    ws = wb.create_sheet(TRADEOFF.name(lang))
    front = tradeoff.front(results)
    params = list(dict.fromkeys(k for r in results for k in r.params))
    head = [TRADEOFF.column("case").header(lang), *(_setting_header(p, lang) for p in params),
            kpi_label(tradeoff.x, lang), kpi_label(tradeoff.y, lang), TRADEOFF.column("non_dominated").header(lang)]
    _append(ws, head)
    for i in range(1, len(head) + 1):
        style_header(ws.cell(row=1, column=i))
    x_col, y_col = len(params) + 2, len(params) + 3
    points = []
    for r, nd in zip(results, front, strict=True):
        x, y = r.kpi(tradeoff.x), r.kpi(tradeoff.y)
        # a yes/no setting as the cases sheet writes it (是/否, yes/no), not an Excel TRUE/FALSE
        values = [yes_no(v, lang) if isinstance(v := r.params.get(p), bool) else _clean(v) for p in params]
        _append(ws, [r.name, *values, x if r.ok else None, y if r.ok else None,
                   yes_no(nd, lang) if r.ok else status_word(r.status, lang)])
        if nd:
            for c in range(1, len(head) + 1):
                ws.cell(row=ws.max_row, column=c).fill = GOOD_FILL
        if r.ok and x is not None and y is not None:
            points.append((x, y, r.name, nd))
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=x_col).number_format = kpi_format(tradeoff.x) or "General"
        ws.cell(row=row, column=y_col).number_format = kpi_format(tradeoff.y) or "General"
    _width(ws, 1, max([display_width(r.name) + 2 for r in results] + [12]))
    for c in range(2, len(head) + 1):
        _width(ws, c, max(display_width(head[c - 1]) + 2, 12))
    # the chart reads the points that have numbers, and the front sorted by x, from tables to the right
    base_col = len(head) + 2
    _safe(ws.cell(row=1, column=base_col, value=kpi_label(tradeoff.x, lang)))
    _safe(ws.cell(row=1, column=base_col + 1, value=_word(CHART_TITLES, "all_points", lang)))
    for i, (x, y, _name, _nd) in enumerate(points, start=2):
        _safe(ws.cell(row=i, column=base_col, value=x)).number_format = kpi_format(tradeoff.x) or "General"
        _safe(ws.cell(row=i, column=base_col + 1, value=y)).number_format = kpi_format(tradeoff.y) or "General"
    front_pts = sorted((p for p in points if p[3]), key=lambda p: (p[0], p[1]))
    fc = base_col + 3
    _safe(ws.cell(row=1, column=fc, value=kpi_label(tradeoff.x, lang)))
    _safe(ws.cell(row=1, column=fc + 1, value=_word(CHART_TITLES, "front", lang)))
    _safe(ws.cell(row=1, column=fc + 2, value=FRONT_HEAD[0 if lang == "zh" else 1]))
    for i, (x, y, name, _nd) in enumerate(front_pts, start=2):
        _safe(ws.cell(row=i, column=fc, value=x)).number_format = kpi_format(tradeoff.x) or "General"
        _safe(ws.cell(row=i, column=fc + 1, value=y)).number_format = kpi_format(tradeoff.y) or "General"
        _safe(ws.cell(row=i, column=fc + 2, value=name))
    for c in (base_col, base_col + 1, fc, fc + 1, fc + 2):
        style_header(ws.cell(row=1, column=c))
        _width(ws, c, 16 if c != fc + 2 else 24)
    ws.freeze_panes = "B2"
    if not points:
        return
    chart = ScatterChart()
    chart.title = _word(CHART_TITLES, "tradeoff", lang)
    chart.style = 13
    chart.scatterStyle = "lineMarker"
    chart.x_axis.title = kpi_title(tradeoff.x, lang)
    chart.y_axis.title = kpi_title(tradeoff.y, lang)
    _show_axes(chart)
    chart.series.append(_marked_series(ws, base_col, len(points), "circle", 7, POINT_COLOUR, line_width=None))
    if front_pts:  # the non-dominated points, joined by a line
        chart.series.append(_marked_series(ws, fc, len(front_pts), "diamond", 9, FRONT_COLOUR, line_width=20000))
    chart.height, chart.width = 10, 18
    ws.add_chart(chart, ws.cell(row=max(ws.max_row, len(results) + 1) + 3, column=1).coordinate)


def _marked_series(ws: Any, col: int, n: int, symbol: str, size: int, colour: str, line_width: int | None) -> Series:
    """A scatter series of x in column `col` and y (titled by its header) in `col + 1`, rows 2 to n + 1:
    markers of `colour`, joined by a line of that colour when `line_width` is given, else unjoined."""
    xs = Reference(ws, min_col=col, min_row=2, max_row=n + 1)
    ys = Reference(ws, min_col=col + 1, min_row=1, max_row=n + 1)
    series = Series(ys, xs, title_from_data=True)
    series.marker.symbol = symbol
    series.marker.size = size
    series.marker.graphicalProperties.solidFill = colour
    series.marker.graphicalProperties.line.solidFill = colour
    if line_width is None:
        series.graphicalProperties.line.noFill = True
    else:
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = line_width
    series.smooth = False
    return series


def _charts_sheet(wb: Workbook, results: Sequence[Any], solved_districts: pd.DataFrame | None, lang: str) -> None:
    ws = wb.create_sheet(CHARTS.name(lang))
    ok = [r for r in results if r.ok]
    if not ok:
        return
    base = results[0] if results[0].ok else None
    n_cases = len(ok)
    # table 1: headline KPIs per case; table 2 beside it: the same relative to the base (= 100)
    head = ["方案" if lang == "zh" else "case", *(kpi_title(k, lang) for k in CHARTED_KPIS)]
    _append(ws, [*head, None, *head])
    idx_col = len(head) + 2
    for r in ok:
        values = [r.kpi(k) for k in CHARTED_KPIS]
        index = []
        for k, v in zip(CHARTED_KPIS, values, strict=True):
            b = base.kpi(k) if base is not None else None
            index.append(round(100.0 * v / b, 2) if v is not None and b else None)
        _append(ws, [r.name, *values, None, r.name, *index])
        for j, key in enumerate(CHARTED_KPIS, start=2):
            ws.cell(row=ws.max_row, column=j).number_format = kpi_format(key) or "General"
            ws.cell(row=ws.max_row, column=idx_col + j - 1).number_format = "0.0"
    for c in [*range(1, len(head) + 1), *range(idx_col, idx_col + len(head))]:
        style_header(ws.cell(row=1, column=c))
        _width(ws, c, 14)
    # table 3 below: land supplied by district over the horizon, one column per case
    frame = solved_districts
    assert frame is not None  # made whenever a case solved
    by_district = pd.DataFrame({r.name: frame[(r.name, "land")].astype(float).to_numpy() for r in ok})
    by_district["district"] = frame[("", "district_name")].to_numpy()
    totals = by_district.groupby("district", sort=False).sum()
    start = n_cases + 4
    _safe(ws.cell(row=start, column=1, value="区县" if lang == "zh" else "district"))
    for j, r in enumerate(ok, start=2):
        _safe(ws.cell(row=start, column=j, value=r.name))
    for c in range(1, n_cases + 2):
        style_header(ws.cell(row=start, column=c))
    for i, (district, row) in enumerate(totals.iterrows(), start=start + 1):
        _safe(ws.cell(row=i, column=1, value=str(district)))
        for j, r in enumerate(ok, start=2):
            _safe(ws.cell(row=i, column=j, value=round(float(row[r.name]), 1)))
    n_d = len(totals)
    anchor_col = get_column_letter(idx_col + len(head) + 1)
    y = 2
    if base is not None:
        chart = BarChart()
        chart.type = "col"
        chart.title = _word(CHART_TITLES, "index", lang)
        chart.add_data(Reference(ws, min_col=idx_col, max_col=idx_col + len(CHARTED_KPIS), min_row=2,
                                 max_row=n_cases + 1), from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=idx_col + 1, max_col=idx_col + len(CHARTED_KPIS), min_row=1))
        chart.height, chart.width = 9, 22
        chart.y_axis.scaling.min = 0
        _show_axes(chart)
        ws.add_chart(chart, f"{anchor_col}{y}")
        y += 20
    for k_i, key in enumerate(CHARTED_KPIS[:4]):
        chart = BarChart()
        chart.type = "col"
        chart.title = kpi_title(key, lang)
        chart.legend = None
        chart.add_data(Reference(ws, min_col=2 + k_i, min_row=1, max_row=n_cases + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n_cases + 1))
        chart.height, chart.width = 7.5, 11
        chart.y_axis.scaling.min = 0
        _show_axes(chart)
        col = anchor_col if k_i % 2 == 0 else get_column_letter(idx_col + len(head) + 8)
        ws.add_chart(chart, f"{col}{y}")
        if k_i % 2 == 1:
            y += 16
    if n_d:
        land = BarChart()
        land.type = "bar"
        land.title = _word(CHART_TITLES, "land", lang)
        land.add_data(Reference(ws, min_col=2, max_col=n_cases + 1, min_row=start, max_row=start + n_d),
                      titles_from_data=True)
        land.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + n_d))
        land.height, land.width = max(9.0, 0.35 * n_d * min(n_cases, 4) + 4), 22
        land.x_axis.scaling.orientation = "maxMin"  # districts top to bottom, in table order
        land.y_axis.scaling.min = 0
        _show_axes(land)
        ws.add_chart(land, f"{anchor_col}{y}")


@dataclass
class Tables:
    """The comparison's tables, as `studies.compare` makes them (pure pandas): one per sheet."""

    cases: pd.DataFrame  # compare.cases_frame
    kpis: pd.DataFrame  # compare.kpi_frame: indexed by the KPIs compared, in their order
    decisions: pd.DataFrame  # compare.decision_frame
    districts: pd.DataFrame  # compare.district_frame, every case
    solved_districts: pd.DataFrame | None  # compare.district_frame of the cases that solved (None if none did)


def comparison_workbook(results: Sequence[Any], tables: Tables, lang: str = "zh", tradeoff: Any = None) -> Workbook:
    """The comparison workbook of `results` (CaseResults, the first the base) in memory, from their `tables`."""
    check_lang(lang)
    wb = Workbook()
    wb.remove(wb.active)
    _cases_sheet(wb, tables.cases, lang, list(tables.kpis.index))
    _kpis_sheet(wb, results, tables.kpis, lang)
    _decisions_sheet(wb, results, tables.decisions, lang)
    _districts_sheet(wb, results, tables.districts, lang)
    if tradeoff is not None:
        _tradeoff_sheet(wb, results, lang, tradeoff)
    _charts_sheet(wb, results, tables.solved_districts, lang)
    fix_properties(wb, TITLES[Kind.COMPARISON])
    return wb

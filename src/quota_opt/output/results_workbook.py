"""Write the results workbook (DESIGN 5): summary, the one-page brief (brief.py), allocation, districts, ledger,
city, shadow prices, infeasibility (when there is one), validation warnings and charts; each prints on A4.

Headers and sheet names follow `core/results_schema.py`: keys for `en`, Chinese labels for `zh`. Numbers are
formatted (mu with one decimal, tce whole), columns sized, headers frozen. The file is written to a
temporary name and renamed; if the folder or file cannot be written, the results are saved under a
fallback name and `OutputError` says where (`excel.save_results`).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from quota_opt.core.errors import Problem
from quota_opt.core.files import TITLES, Kind, Read
from quota_opt.core.messages import check_lang, render_location, severity_word
from quota_opt.core.results_schema import (
    ALLOCATION,
    CHARTS,
    CITY,
    DISTRICTS,
    INFEASIBILITY,
    LEDGER,
    SHADOW_PRICES,
    SUMMARY,
    SUMMARY_ROWS,
    SUMMARY_TECHNICAL,
    SUMMARY_TECHNICAL_HEADING,
    VALIDATION,
    OutCol,
    OutSheet,
    constraint_word,
    reason_code_of,
    reason_code_word,
    status_word,
    yes_no,
)
from quota_opt.core.vocabulary import CITY_LEDGER_ROW
from quota_opt.output.brief import brief_sheet
from quota_opt.output.excel import (
    ERROR_FILL,
    GOOD_FILL,
    MUTED_FILL,
    WRAP,
    append_row,
    append_rows,
    cell_style,
    display_width,
    fix_properties,
    print_setup,
    save_results,
    style_header,
    write_last,
)

RUN_AT_KEY = "run_at"  # the one run-time field; everything else is a function of the inputs


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def _cleaned(values: list[Any]) -> list[Any]:
    """`_clean` on every value, with the common types (text, whole numbers, finite floats) passed straight."""
    out = []
    for v in values:
        t = type(v)
        if t is str or t is int or t is bool or (t is float and math.isfinite(v)):
            out.append(v)
        else:
            out.append(_clean(v))
    return out


# Reason codes decided before the model: their projects never had a chance (light red, not grey).
_PRE_MODEL_CODES = frozenset({"not_compliant", "not_approvable", "below_output_standard", "below_tax_standard",
                              "above_energy_intensity", "outside_window", "excluded_misfit"})


def _alignment(column: OutCol) -> Alignment | None:
    """Long text columns wrap."""
    return WRAP if column.width and column.width >= 40 else None


def write_table(wb: Workbook, sheet: OutSheet, df: pd.DataFrame, lang: str) -> Worksheet:
    """Append a sheet with `sheet`'s columns (present in df) in order, formatted.

    The rows are written with `append_rows` (the sheet in memory holds only the header). In the
    allocation, the decision column is coloured: supplied green, left out grey, ineligible light red.
    """
    ws = wb.create_sheet(sheet.name(lang))
    cols = [c for c in sheet.columns if c.key in df.columns]
    ws.append([c.header(lang) for c in cols])
    for i in range(1, len(cols) + 1):
        style_header(ws.cell(row=1, column=i))
    values = [_cleaned(df[c.key].tolist()) for c in cols]
    styles: list[int | list[int]] = []
    for i, c in enumerate(cols, start=1):
        styles.append(cell_style(ws, number_format=c.fmt, alignment=_alignment(c)))
        if c.width:
            width = c.width
        else:
            sample = [display_width(v) for v in df[c.key].head(100).tolist()]
            width = max([display_width(c.header(lang)), *sample, 6]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    keys = [c.key for c in cols]
    if sheet.key == "allocation" and "selected" in keys and "reason_code" in keys:
        at = keys.index("selected")
        good, error, muted = (cell_style(ws, number_format=cols[at].fmt, alignment=_alignment(cols[at]), fill=fill)
                              for fill in (GOOD_FILL, ERROR_FILL, MUTED_FILL))
        yes = yes_no(True, lang)
        styles[at] = [good if v == yes else (error if reason_code_of(code) in _PRE_MODEL_CODES else muted)
                      for v, code in zip(values[at], values[keys.index("reason_code")], strict=True)]
    append_rows(ws, values, styles)
    ws.freeze_panes = "B2" if sheet.key in ("allocation",) else "A2"
    if len(df) and len(cols):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(df) + 1}"
    print_setup(ws, landscape=len(cols) > 6)
    return ws


def _summary_sheet(wb: Workbook, rows: dict[str, Any], lang: str) -> None:
    ws = wb.create_sheet(SUMMARY.name(lang))
    ws.append([c.header(lang) for c in SUMMARY.columns])
    for i in (1, 2):
        style_header(ws.cell(row=1, column=i))
    keys = [k for k in SUMMARY_ROWS if k in rows]
    technical = [k for k in keys if k in SUMMARY_TECHNICAL]
    for key in [k for k in keys if k not in SUMMARY_TECHNICAL] + [SUMMARY_TECHNICAL_HEADING[0]] + technical:
        if key == SUMMARY_TECHNICAL_HEADING[0]:  # the KPIs above, how they were found below
            append_row(ws, [])
            append_row(ws, [SUMMARY_TECHNICAL_HEADING[0 if lang == "zh" else 1]])
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
            continue
        zh, _en, fmt = SUMMARY_ROWS[key]
        append_row(ws, [zh if lang == "zh" else key, _clean(rows[key])])
        cell = ws.cell(row=ws.max_row, column=2)
        if fmt and isinstance(cell.value, int | float):
            cell.number_format = fmt
        if key in ("objective_sentence",):
            cell.alignment = WRAP
        if key == "status":
            cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 70
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=False)


def allocation_frame(result: Any, lang: str) -> pd.DataFrame:
    a = result.plan.allocation.copy()
    a["district_name"] = a["district_id"].map(_district_names(result))
    for col in ("selected", "major", "city_eligible", "mandatory"):
        a[col] = [yes_no(v, lang) for v in a[col]]
    a["status"] = [status_word(v, lang) for v in a["status"]]
    conditional = a["conditional"] if "conditional" in a.columns else pd.Series(False, index=a.index)
    a["conditional"] = [("待争取" if lang == "zh" else "pending province") if bool(v) else "" for v in conditional]
    a["reason"] = a["reason_zh" if lang == "zh" else "reason_en"]
    a["reason_code"] = [reason_code_word(str(v), lang) for v in a["reason_code"]]
    return a


def _district_names(result: Any) -> dict[str, str]:
    d = result.scenario.districts
    return dict(zip(d["district_id"], d["name"], strict=True))


def ledger_frame(result: Any, lang: str = "zh") -> pd.DataFrame:
    """The ledger sheet: a row per district and year, and, where the city's reward reserve is set (五(一)), the
    city's rows below them (district 市级 / city): reserve − drawn = left, the left lapsing (closing 0)."""
    led = result.plan.ledger.copy()
    led["district_name"] = led["district_id"].map(_district_names(result))
    led["balance_check"] = (led["opening"] + led["issued"] + led["reward_received"] - led["used"] - led["lapsed"]
                            - led["closing"]).round(6)
    # which projects' stock land earned each reward
    a = result.plan.allocation
    earners = a[a["selected"] & (a["land_stock"] > 1e-9) & a["major"] & a["city_eligible"]]
    sources = earners.groupby(["district_id", "year"])["project_id"].apply(lambda s: ", ".join(map(str, s)))
    led["reward_sources"] = [sources.get((d, y), "") if r > 1e-9 else ""
                             for d, y, r in zip(led["district_id"], led["year"], led["reward_earned"], strict=True)]
    city = result.plan.city
    if "reward_reserve" in city.columns:
        rows = city[city["reward_reserve"].notna()]
        code, name = CITY_LEDGER_ROW[lang]
        led = pd.concat([led, pd.DataFrame({
            "district_id": code, "district_name": name, "year": rows["year"].to_numpy(),
            "closing": 0.0, "reward_reserve": rows["reward_reserve"].to_numpy(),
            "reward_reserve_drawn": rows["reward_reserve_drawn"].to_numpy(),
            "reward_reserve_left": rows["reward_reserve_left"].to_numpy()})], ignore_index=True)
    return led


def _shadow_frame(result: Any, lang: str) -> pd.DataFrame:
    sp = result.shadow.copy()
    sp["constraint"] = [constraint_word(str(v), lang) for v in sp["constraint"]]
    sp["quota"] = sp["quota_zh" if lang == "zh" else "quota_en"]
    sp["unit"] = sp["unit_zh" if lang == "zh" else "unit_en"]
    sp["reading"] = sp["reading_zh" if lang == "zh" else "reading_en"]
    sp["slack"] = sp["slack"].where(sp["slack"].abs() > 1e-7, 0.0)
    return sp


def _validation_frame(problems: list[Problem], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        "severity": [severity_word(p, lang) for p in problems],
        "location": [render_location(p.where, lang) for p in problems],
        "message": [p.message(lang) for p in problems],
    }, columns=["severity", "location", "message"])


def _charts(wb: Workbook, result: Any, lang: str) -> None:
    ws = wb.create_sheet(CHARTS.name(lang))
    dy = result.plan.district_year
    names = _district_names(result)
    by_d = dy.groupby("district_id", sort=False)[["land_quota_used", "land_provincial_pool", "land_stock",
                                                  "land_province_request", "energy_budget", "energy_district",
                                                  "energy_city_pool"]].sum()
    head_zh = ["区县", "区县指标", "省重大产业项目奖励指标", "存量建设用地", "向省争取", "区县能耗指标", "使用区县能耗", "使用市级统筹能耗"]
    head_en = ["district", "district quota", "provincial pool", "stock land", "province request", "energy budget",
               "energy used: district", "energy used: city energy pool"]
    ws.append(head_zh if lang == "zh" else head_en)
    for i in range(1, 9):
        style_header(ws.cell(row=1, column=i))
    for d, r in by_d.iterrows():
        append_row(ws, [names.get(str(d), str(d)), *(round(float(v), 1) for v in r.tolist())])
    n = len(by_d)
    if n == 0:
        return
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    land = BarChart()
    land.type = "bar"
    land.grouping = "stacked"
    land.overlap = 100
    land.title = "各区县供地来源（亩，规划期合计）" if lang == "zh" else "Land by district and source (mu, whole horizon)"
    land.add_data(Reference(ws, min_col=2, max_col=5, min_row=1, max_row=n + 1), titles_from_data=True)
    land.set_categories(cats)
    land.height, land.width = max(8, 0.6 * n + 4), 18
    ws.add_chart(land, "J2")
    energy = BarChart()
    energy.type = "bar"
    energy.title = "各区县能耗指标与使用（吨标准煤）" if lang == "zh" else "Energy budget and use by district (tce)"
    energy.add_data(Reference(ws, min_col=6, max_col=8, min_row=1, max_row=n + 1), titles_from_data=True)
    energy.set_categories(cats)
    energy.height, energy.width = max(8, 0.6 * n + 4), 18
    ws.add_chart(energy, "J" + str(int(max(8, 0.6 * n + 4) * 2) + 4))
    for i in range(1, 9):
        ws.column_dimensions[get_column_letter(i)].width = 14
    print_setup(ws, landscape=True, fit_height=True, header_rows=None)  # the table and both charts on one page


def sheet_frames(result: Any, lang: str = "zh") -> list[tuple[OutSheet, pd.DataFrame]]:
    """The tables of a run's results workbook, in its sheet order, each with the columns its sheet writes (keys of
    `results_schema`; texts such as yes/no, status and reasons in `lang`): allocation, districts, ledger, city and
    shadow prices when there is a plan, infeasibility when there is one, validation. The workbook writes these and
    the workbench shows them, so both show the same figures."""
    frames: list[tuple[OutSheet, pd.DataFrame]] = []
    if result.plan is not None:
        frames.append((ALLOCATION, allocation_frame(result, lang)))
        dy = result.plan.district_year.copy()
        dy["district_name"] = dy["district_id"].map(_district_names(result))
        frames += [(DISTRICTS, dy), (LEDGER, ledger_frame(result, lang)), (CITY, result.plan.city)]
        if result.shadow is not None and len(result.shadow):
            frames.append((SHADOW_PRICES, _shadow_frame(result, lang)))
    if result.infeasibility is not None:
        items = result.infeasibility.items
        frames.append((INFEASIBILITY, pd.DataFrame({
            "requirement": [it.label(lang) for it in items],
            "district_id": [it.district_id for it in items],
            "platform_id": [it.platform_id for it in items],
            "year": [it.year for it in items],
            "shortfall": [it.shortfall for it in items],
            "unit": [it.unit[0 if lang == "zh" else 1] for it in items],
            "projects": [", ".join(it.projects) for it in items],
            "message": [it.messages[lang] for it in items],
        })))
    frames.append((VALIDATION, _validation_frame(result.scenario.warnings, lang)))
    return frames


def results_workbook(result: Any, lang: str = "zh", run_at: dt.datetime | None = None) -> Workbook:
    """The results workbook of one run, in memory. Save it with `save_results` (or `excel.save_atomic`): its
    tables' rows are written at saving (`append_rows`), openpyxl's own `wb.save` would leave them out."""
    check_lang(lang)
    wb = Workbook()
    wb.remove(wb.active)
    rows = result.summary(lang)
    rows[RUN_AT_KEY] = (run_at or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" ")
    _summary_sheet(wb, rows, lang)
    if result.plan is not None:
        brief_sheet(wb, result, lang, index=1)  # right after the summary: the page for leadership
    for sheet, frame in sheet_frames(result, lang):
        write_table(wb, sheet, frame, lang)
    if result.plan is not None:
        _charts(wb, result, lang)
    fix_properties(wb, f"{TITLES[Kind.RESULTS]}: {result.scenario.settings.scenario_name}")
    return wb


def write_results(result: Any, path: str | Path, lang: str = "zh", run_at: dt.datetime | None = None, *,
                  clock: Callable[[], float] = time.perf_counter, force: bool = False) -> Path:
    """Write the results workbook of a run, through the write guard (`core.files`): never over the scenario
    workbook, and over an existing file only when it is a results workbook the product wrote (or `force`).

    The summary's write time (time_write_s) is measured here, by `clock`: from the start of building the
    workbook until every part of it but the summary sheet is serialised, the summary sheet being written last
    (`excel.write_last`) with the time in it. Left out: that sheet's own 50-odd cells, the zip's directory and
    the rename, a few ms. (`run` cannot measure it around this call: the summary is written by then.)"""
    start = clock()
    wb = results_workbook(result, lang, run_at)
    summary = wb[SUMMARY.name(lang)]
    label = SUMMARY_ROWS["time_write_s"][0] if lang == "zh" else "time_write_s"
    cell = next(row[1] for row in summary.iter_rows(min_row=2) if row[0].value == label)
    write_last(summary, lambda: setattr(cell, "value", clock() - start))
    source = result.scenario.source_path
    return save_results(wb, path, Kind.RESULTS, Read(source, "scenario") if source is not None else None,
                        force=force)

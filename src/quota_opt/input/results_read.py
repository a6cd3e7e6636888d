"""Read a results workbook back (written in zh or en), e.g. an adopted plan for `rollover`, or cases for `compare`.

Headers and sheet names are matched against `core/results_schema.py` (Chinese label or key), yes/no and status words
are turned back into values. A bureau may have edited the adopted allocation by hand; what it says is
what is read.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.messages import quote_value
from quota_opt.core.results_schema import (
    ALLOCATION,
    CITY,
    DISTRICTS,
    LEDGER,
    SUMMARY,
    SUMMARY_ALIASES,
    SUMMARY_ROWS,
    OutSheet,
    reason_code_of,
    status_word,
)
from quota_opt.core.scenario import ROW
from quota_opt.core.schema import NO_WORDS, YES_WORDS, find_sheet, normalize_name
from quota_opt.input.read import check_file, open_workbook

_SHEETS = (SUMMARY, ALLOCATION, DISTRICTS, LEDGER, CITY)  # the sheets read back


@dataclass
class ResultsBook:
    path: Path
    summary: dict[str, Any]
    allocation: pd.DataFrame
    districts: pd.DataFrame
    ledger: pd.DataFrame
    city: pd.DataFrame
    lang: str
    sheet_names: dict[str, str] = field(default_factory=dict)  # sheet key -> the sheet's name in the file
    summary_rows: dict[str, int] = field(default_factory=dict)  # summary key -> its Excel row

    def summary_loc(self, key: str) -> Location:
        """The summary cell holding `key`'s value (column B of its row), as the file names the sheet."""
        row = self.summary_rows.get(key)
        return _summary_cell(self.sheet_names.get("summary") or SUMMARY.name(self.lang), row)

    def loc(self, sheet_key: str, row: int | None = None, column: str | None = None) -> Location:
        """Where a problem with what was read lies, the sheet named as the file names it (as `Scenario.loc`
        names a scenario's): "sheet 项目分配 (allocation), row 3, project_id (Project id), cell A3" for a
        workbook written in zh, whatever the language of the message. A sheet the file does not have is named
        as a workbook in its language would name it."""
        sheet = next(s for s in _SHEETS if s.key == sheet_key)
        table = {"allocation": self.allocation, "districts": self.districts, "ledger": self.ledger,
                 "city": self.city}.get(sheet_key)
        return _where(table, sheet, self.sheet_names.get(sheet_key) or sheet.name(self.lang), column, row)


def adoptable(summary: dict[str, Any], where: Location | None = None) -> None:
    """Raise InputError when a results workbook's `summary` says it holds no plan to adopt: the run was
    infeasible, found no allocation or failed (its allocation sheet then supplies nothing, and a rollover
    from it would record nothing as done without a word). `where` is the summary sheet, as the file names it."""
    status = str(summary.get("status") or "").strip()
    failed = {status_word(k, lang): k for k in ("infeasible", "no_solution", "error") for lang in ("zh", "en")}
    if status in failed or status in failed.values():
        raise InputError([Problem(Severity.ERROR, "results_not_adopted", where or Location(sheet="summary"),
                                  {"found": status})])


def _find(wb: Any, sheet: OutSheet) -> Any | None:
    wanted = {normalize_name(sheet.key), normalize_name(sheet.label_zh), normalize_name(sheet.label_en)}
    for ws in wb.worksheets:
        if normalize_name(ws.title) in wanted:
            return ws
    return None


def _table(ws: Any, sheet: OutSheet) -> pd.DataFrame:
    """The sheet as a table keyed by column key, with the Excel row of each record in `ROW` (blank rows,
    e.g. a row whose contents were cleared, are left out)."""
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return pd.DataFrame(columns=[c.key for c in sheet.columns] + [ROW])
    by_name = {}
    for c in sheet.columns:
        for name in c.spellings():  # a former label too: results written by an older version still read
            by_name[normalize_name(name)] = c.key
    keys = [by_name.get(normalize_name(h), str(h)) if h is not None else f"_{i}" for i, h in enumerate(rows[0])]
    records = [(n, list(r)) for n, r in enumerate(rows[1:], start=2)
               if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in r)]
    table = pd.DataFrame([r for _, r in records], columns=keys, dtype=object)  # object: blanks stay None
    table[ROW] = [n for n, _ in records]
    return table


_YES = {normalize_name(w) for w in (*YES_WORDS, "true")}
_NO = {normalize_name(w) for w in (*NO_WORDS, "false")}
_STATUS = {normalize_name(status_word(k, lang)): k for k in ("selected", "actual", "not_selected")
           for lang in ("zh", "en")}
# What a plan is: the allocation sheet's columns that explain, compare and rollover cannot do without.
_PLAN_COLUMNS = ("project_id", "selected", "year", "land_district_quota", "land_provincial_pool", "land_stock",
                 "land_province_request", "energy_district", "energy_city_pool")
_NUMBERS = ("land_district_quota", "land_provincial_pool", "land_stock", "land_province_request",
            "energy_district", "energy_city_pool", "land_demand", "energy_demand", "score")
_EXPECTED = {
    "yes_no": {"zh": "是/否", "en": "yes/no"},
    "year": {"zh": "四位数年度（如 2026）", "en": "a year (e.g. 2026)"},
    "number": {"zh": "数（空白按0计）", "en": "a number (blank is read as 0)"},
    "number_required": {"zh": "数", "en": "a number"},
    "id": {"zh": "项目编号", "en": "a project id"},
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    """A cell as a number (a number typed as text, "1,234.5", is one); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def _where(table: pd.DataFrame | None, sheet: OutSheet, name: str, column: str | None = None,
           row: int | None = None) -> Location:
    """A sheet named `name` in the file, or a cell of a table read from it by `_table` (whose columns are the
    sheet's, in order): sheet, Excel row, column."""
    cell = None
    if table is not None and column is not None and column in table.columns and row is not None:
        cell = f"{get_column_letter(list(table.columns).index(column) + 1)}{row}"
    return Location(sheet=sheet.key, sheet_name=name, row=row, column=column, cell=cell)


def _check_table(table: pd.DataFrame, ws: Any, sheet: OutSheet, required: tuple[str, ...],
                 numbers: tuple[str, ...], years: tuple[str, ...], problems: list[Problem]) -> bool:
    """Note a problem for each required column missing and each cell that is not what its column holds;
    True when the required columns are all there."""
    def where(column: str, row: int) -> Location:
        return _where(table, sheet, ws.title, column, row)

    missing = [k for k in required if k not in table.columns]
    for key in missing:
        col = sheet.column(key)
        problems.append(Problem(Severity.ERROR, "missing_column", Location(sheet=sheet.key, sheet_name=ws.title),
                                {"key": key, "label_zh": col.label_zh, "label_en": col.label_en}))
    for key in numbers:
        if key in table.columns:
            for row, value in zip(table[ROW], table[key], strict=True):
                if not _blank(value) and _number(value) is None:
                    problems.append(Problem(Severity.ERROR, "bad_value", where(key, row),
                                            {"expected": _EXPECTED["number"], "found": value}))
    for key in years:
        if key in table.columns:
            for row, value in zip(table[ROW], table[key], strict=True):
                number = _number(value)
                if not _blank(value) and (number is None or not number.is_integer() or not 1000 <= number <= 9999):
                    problems.append(Problem(Severity.ERROR, "bad_value", where(key, row),
                                            {"expected": _EXPECTED["year"], "found": value}))
    return not missing


def _check_allocation(alloc: pd.DataFrame, ws: Any, problems: list[Problem]) -> None:
    """The allocation sheet's cells a plan is read from: an id on every row, once; yes/no in `selected`; a
    year on every selected row; numbers in the quantity columns."""
    if not _check_table(alloc, ws, ALLOCATION, _PLAN_COLUMNS, _NUMBERS, ("year",), problems):
        return

    def where(column: str, row: int) -> Location:
        return _where(alloc, ALLOCATION, ws.title, column, row)

    first: dict[str, int] = {}
    for row, pid, selected, year in zip(alloc[ROW], alloc["project_id"], alloc["selected"], alloc["year"],
                                        strict=True):
        if _blank(pid):
            problems.append(Problem(Severity.ERROR, "required_blank", where("project_id", row),
                                    {"expected": _EXPECTED["id"]}))
        elif str(pid).strip() in first:
            problems.append(Problem(Severity.ERROR, "duplicate_id", where("project_id", row),
                                    {"key_text": quote_value(str(pid).strip()), "other": first[str(pid).strip()]}))
        else:
            first[str(pid).strip()] = row
        word = normalize_name(selected)
        if _blank(selected):
            problems.append(Problem(Severity.ERROR, "required_blank", where("selected", row),
                                    {"expected": _EXPECTED["yes_no"]}))
        elif word not in _YES and word not in _NO:
            problems.append(Problem(Severity.ERROR, "bad_value", where("selected", row),
                                    {"expected": _EXPECTED["yes_no"], "found": selected}))
        elif word in _YES and _blank(year):
            problems.append(Problem(Severity.ERROR, "required_blank", where("year", row),
                                    {"expected": _EXPECTED["year"]}))


_LAND_SOURCES = ("land_district_quota", "land_provincial_pool", "land_stock", "land_province_request")
_ENERGY_SOURCES = ("energy_district", "energy_city_pool")
_QUANTITY = {"land": ({"zh": "用地", "en": "land"}, {"zh": "用地需求", "en": "land demand"}, "land_demand"),
             "energy": ({"zh": "能耗", "en": "energy"}, {"zh": "年综合能耗", "en": "energy demand"}, "energy_demand")}


def _sources_problems(alloc: pd.DataFrame, sheet_name: str) -> list[Problem]:
    """A problem for each selected row whose land or energy sources do not add up to its demand, and each row
    not selected that has any: the allocation read back as numbers (`read_results`). Rows of projects already
    supplied (status actual) keep the sources recorded for them, which need not add up."""
    problems: list[Problem] = []
    for quantity, sources in (("land", _LAND_SOURCES), ("energy", _ENERGY_SOURCES)):
        words, demand_words, demand_key = _QUANTITY[quantity]
        present = [c for c in sources if c in alloc.columns]
        if not present:
            continue
        for _, r in alloc.iterrows():
            values = [float(r[c]) for c in present]
            total = sum(values)
            shown = " + ".join(f"{v:,.6g}" for v in values)
            if r["selected"] and r["status"] != "actual" and demand_key in alloc.columns:
                demand = float(r[demand_key])
                if abs(total - demand) > 1e-6 * max(1.0, abs(demand)):
                    problems.append(Problem(Severity.ERROR, "results_sources_mismatch",
                                            _where(alloc, ALLOCATION, sheet_name, demand_key, int(r[ROW])), {
                                                "quantity": words, "total": f"{total:,.6g}", "sources": shown,
                                                "demand_label": demand_words, "demand": f"{demand:,.6g}"}))
            elif not r["selected"] and any(abs(v) > 1e-9 for v in values):
                first = next(c for c, v in zip(present, values, strict=True) if abs(v) > 1e-9)
                problems.append(Problem(Severity.ERROR, "results_unselected_supplied",
                                        _where(alloc, ALLOCATION, sheet_name, first, int(r[ROW])),
                                        {"quantity": words, "total": f"{total:,.6g}", "sources": shown}))
    return problems


def _missing_sheets(wb: Any, path: Path, sheets: dict[str, Any]) -> list[Problem]:
    """Why a workbook without a summary or an allocation sheet is no results workbook: it is a scenario, or
    the missing sheets, each named."""
    found = ", ".join(f'"{name}"' for name in wb.sheetnames[:10]) or "—"
    if not any(ws is not None for ws in sheets.values()) and any(find_sheet(n) for n in wb.sheetnames):
        return [Problem(Severity.ERROR, "scenario_not_results", Location(),
                        {"found": found, "example": f"{path.stem}_results.xlsx"})]
    return [Problem(Severity.ERROR, "results_missing_sheet", Location(),
                    {"key": s.key, "label_zh": s.label_zh, "found": found})
            for s in (SUMMARY, ALLOCATION) if sheets[s.key] is None]


def _summary_cell(sheet_name: str, row: int | None) -> Location:
    return Location(sheet="summary", sheet_name=sheet_name, row=row, column="value" if row else None,
                    cell=f"B{row}" if row else None)


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_RUN_STATUSES = ("optimal", "feasible", "infeasible", "no_solution", "error")


def _summary(ws: Any) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """The summary sheet as {key: value} (rows named by Chinese label or key), the Excel row of each key, and a
    problem for each field that is not what it holds: a figure (a row with a number format in `SUMMARY_ROWS`)
    that holds text which is no number (`compare` shows these figures, and would show a blank for one typed
    over), an input SHA-256 that is no SHA-256 (rollover and explain check the scenario against it), a status
    that is none of the solver's."""
    labels = {normalize_name(zh): key for key, (zh, _en, _f) in SUMMARY_ROWS.items()}
    labels.update({normalize_name(key): key for key in SUMMARY_ROWS})
    labels.update({normalize_name(old): key for key, former in SUMMARY_ALIASES.items() for old in former})
    statuses = {normalize_name(w) for k in _RUN_STATUSES for w in (k, status_word(k, "zh"), status_word(k, "en"))}
    summary: dict[str, Any] = {}
    rows: dict[str, int] = {}
    problems: list[Problem] = []
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if row and row[0] is not None:
            key = labels.get(normalize_name(row[0]), str(row[0]))
            value = row[1] if len(row) > 1 else None
            summary[key] = value
            rows.setdefault(key, number)
            if key not in SUMMARY_ROWS or _blank(value):
                continue
            zh, en, fmt = SUMMARY_ROWS[key]
            expected = None
            if fmt is not None and _number(value) is None:
                expected = {"zh": f"“{zh}”的数值", "en": f"a number for {en}"}
            elif key == "input_sha256" and not _SHA256.fullmatch(str(value).strip()):
                expected = {"zh": "64 位十六进制的 SHA-256 值（由 run 写入；不知原值时可清空）",
                            "en": "a SHA-256 of 64 hexadecimal digits (written by run; clear it if unknown)"}
            elif key == "status" and normalize_name(value) not in statuses:
                words = {lang: "、".join(status_word(k, "zh") for k in _RUN_STATUSES) if lang == "zh"
                         else ", ".join(status_word(k, "en") for k in _RUN_STATUSES) for lang in ("zh", "en")}
                expected = {"zh": f"求解状态之一：{words['zh']}", "en": f"one of the solve statuses: {words['en']}"}
            if expected is not None:
                problems.append(Problem(Severity.ERROR, "bad_value", _summary_cell(ws.title, number),
                                        {"expected": expected, "found": value}))
    return summary, rows, problems


def read_results(path: str | Path) -> ResultsBook:
    """Read the summary, allocation, districts, ledger and city sheets of a results workbook.

    Raises InputError naming every problem (sheet, Excel row, column, expected and found) when the file is no
    results workbook (a scenario, a sheet missing or renamed) or when a cell the plan is read from is not
    what its column holds (an allocation or ledger cell edited by hand)."""
    path = Path(path)
    wb = open_workbook(path, check_file(path))
    try:
        sheets = {s.key: _find(wb, s) for s in _SHEETS}
        if sheets["summary"] is None:
            raise InputError(_missing_sheets(wb, path, sheets))
        summary, summary_rows, problems = _summary(sheets["summary"])
        if sheets["allocation"] is None:  # an infeasible or failed run writes none: say so, not "restore it"
            adoptable(summary, Location(sheet="summary", sheet_name=sheets["summary"].title))
            raise InputError(_missing_sheets(wb, path, sheets))
        lang = "zh" if sheets["allocation"].title == ALLOCATION.label_zh else "en"
        tables = {k: _table(ws, s) if ws is not None else pd.DataFrame()
                  for (k, ws), s in zip(sheets.items(), _SHEETS, strict=True)
                  if k != "summary"}
        _check_allocation(tables["allocation"], sheets["allocation"], problems)
        if sheets["ledger"] is not None:
            _check_table(tables["ledger"], sheets["ledger"], LEDGER, (), ("closing",), ("year",), problems)
        if problems:
            raise InputError(problems)
    finally:
        wb.close()
    alloc = tables["allocation"]
    if len(alloc):
        alloc["project_id"] = [str(v).strip() for v in alloc["project_id"]]
        for col in ("selected", "major", "city_eligible", "mandatory"):
            if col in alloc.columns:
                alloc[col] = [normalize_name(v) in _YES if v is not None else False for v in alloc[col]]
        if "reason_code" in alloc.columns:  # its zh words (未予安排（指标不足）) or the code
            alloc["reason_code"] = [reason_code_of(v) for v in alloc["reason_code"]]
        if "status" in alloc.columns:
            alloc["status"] = [_STATUS.get(normalize_name(v), "selected" if sel else "not_selected")
                               for v, sel in zip(alloc["status"], alloc["selected"], strict=True)]
        else:  # an allocation sheet without its status column (an older version, or deleted): from `selected`
            alloc["status"] = ["selected" if sel else "not_selected" for sel in alloc["selected"]]
        alloc["year"] = pd.Series([int(_number(v) or 0) if not _blank(v) else None for v in alloc["year"]],
                                  index=alloc.index, dtype="Int64")
        for col in _NUMBERS:
            if col in alloc.columns:
                alloc[col] = [_number(v) or 0.0 for v in alloc[col]]
                alloc[col] = alloc[col].astype(float)
        if problems := _sources_problems(alloc, sheets["allocation"].title):
            raise InputError(problems)
    ledger = tables["ledger"]
    if len(ledger):
        for col in ("year", "closing"):
            if col in ledger.columns:
                ledger[col] = pd.to_numeric(ledger[col], errors="coerce")
        if "district_id" in ledger.columns:
            ledger["district_id"] = [str(v).strip() if v is not None else v for v in ledger["district_id"]]
    return ResultsBook(path, summary, alloc, tables["districts"], ledger, tables["city"], lang,
                       {key: ws.title for key, ws in sheets.items() if ws is not None}, summary_rows)


def find_scenario_for(results: ResultsBook) -> Path | None:
    """The scenario workbook a results workbook was made from, if it lies beside it (by the summary's input
    file name; None when it names none or no such file is there). Raises InputError, placed on the summary's
    cell, when that cell holds no plain file name (a folder in it, "方案/x.xlsx", typed over by hand)."""
    value = results.summary.get("input_file")
    if _blank(value):
        return None
    name = str(value).strip()
    if ("/" in name or "\\" in name or name in (".", "..") or len(name.encode("utf-8")) > 255
            or any(ord(ch) < 32 for ch in name)):
        raise InputError([Problem(Severity.ERROR, "bad_value", results.summary_loc("input_file"), {
            "expected": {"zh": "方案工作簿的文件名，不含文件夹（如 plan.xlsx），该工作簿须与结果工作簿在同一文件夹；"
                               "或改用 --scenario 指定方案工作簿",
                         "en": "the scenario workbook's file name, without a folder (e.g. plan.xlsx), the workbook "
                               "beside the results; or name the scenario with --scenario"},
            "found": value})])
    candidate = results.path.with_name(name)
    return candidate if candidate.is_file() else None


def made_from(results: ResultsBook, scenario: Path) -> bool | None:
    """Whether `scenario` is, byte for byte, the workbook the results were computed from (the summary's
    input_sha256); None when the summary does not say (a workbook from an older version)."""
    recorded = str(results.summary.get("input_sha256") or "").strip().lower()
    if not recorded:
        return None
    try:
        return hashlib.sha256(Path(scenario).read_bytes()).hexdigest() == recorded
    except OSError:
        return None

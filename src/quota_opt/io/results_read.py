"""Read a results workbook back (written in zh or en), e.g. an adopted plan for `rollover`, or cases for `compare`.

Headers and sheet names are matched against `outputs.py` (Chinese label or key), yes/no and status words
are turned back into values. A bureau may have edited the adopted allocation by hand; what it says is
what is read.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from quota_opt.errors import InputError, Location, Problem, Severity
from quota_opt.io.read import check_file
from quota_opt.outputs import (
    ALLOCATION,
    CITY,
    DISTRICTS,
    LEDGER,
    SUMMARY,
    SUMMARY_ROWS,
    OutSheet,
    status_word,
)
from quota_opt.schema import normalize_name


@dataclass
class ResultsBook:
    path: Path
    summary: dict[str, Any]
    allocation: pd.DataFrame
    districts: pd.DataFrame
    ledger: pd.DataFrame
    city: pd.DataFrame
    lang: str


def _find(wb: Any, sheet: OutSheet) -> Any | None:
    wanted = {normalize_name(sheet.key), normalize_name(sheet.label_zh), normalize_name(sheet.label_en)}
    for ws in wb.worksheets:
        if normalize_name(ws.title) in wanted:
            return ws
    return None


def _table(ws: Any, sheet: OutSheet) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return pd.DataFrame(columns=[c.key for c in sheet.columns])
    by_name = {}
    for c in sheet.columns:
        for name in (c.key, c.label_zh, c.label_en):
            by_name[normalize_name(name)] = c.key
    keys = [by_name.get(normalize_name(h), str(h)) if h is not None else f"_{i}" for i, h in enumerate(rows[0])]
    return pd.DataFrame([list(r) for r in rows[1:]], columns=keys)


_YES = {normalize_name(w) for w in ("是", "yes", "true", "1")}
_STATUS = {normalize_name(status_word(k, lang)): k for k in ("selected", "actual", "not_selected")
           for lang in ("zh", "en")}


def read_results(path: str | Path) -> ResultsBook:
    """Read the summary, allocation, districts, ledger and city sheets of a results workbook."""
    import openpyxl

    path = Path(path)
    check_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {s.key: _find(wb, s) for s in (SUMMARY, ALLOCATION, DISTRICTS, LEDGER, CITY)}
        if sheets["summary"] is None or sheets["allocation"] is None:
            raise InputError([Problem(Severity.ERROR, "missing_sheet", Location(sheet="allocation"),
                                      {"key": "allocation", "label_zh": ALLOCATION.label_zh})])
        lang = "zh" if sheets["allocation"].title == ALLOCATION.label_zh else "en"
        labels = {normalize_name(zh): key for key, (zh, _en, _f) in SUMMARY_ROWS.items()}
        summary: dict[str, Any] = {}
        for row in sheets["summary"].iter_rows(min_row=2, values_only=True):
            if row and row[0] is not None:
                key = labels.get(normalize_name(row[0]), str(row[0]))
                summary[key] = row[1] if len(row) > 1 else None
        tables = {k: _table(ws, s) if ws is not None else pd.DataFrame()
                  for (k, ws), s in zip(sheets.items(), (SUMMARY, ALLOCATION, DISTRICTS, LEDGER, CITY), strict=True)
                  if k != "summary"}
    finally:
        wb.close()
    alloc = tables["allocation"]
    if len(alloc):
        alloc["project_id"] = alloc["project_id"].astype(str)
        for col in ("selected", "major", "city_eligible", "mandatory"):
            if col in alloc.columns:
                alloc[col] = [normalize_name(v) in _YES if v is not None else False for v in alloc[col]]
        if "status" in alloc.columns:
            alloc["status"] = [_STATUS.get(normalize_name(v), "selected" if sel else "not_selected")
                               for v, sel in zip(alloc["status"], alloc["selected"], strict=True)]
        alloc["year"] = pd.to_numeric(alloc["year"], errors="coerce").astype("Int64")
        for col in ("land_district_quota", "land_provincial_pool", "land_stock", "land_province_request",
                    "energy_district", "energy_city_pool", "land_demand", "energy_demand", "score"):
            if col in alloc.columns:
                alloc[col] = pd.to_numeric(alloc[col], errors="coerce").fillna(0.0).astype(float)
    return ResultsBook(path, summary, alloc, tables["districts"], tables["ledger"], tables["city"], lang)


def find_scenario_for(results: ResultsBook) -> Path | None:
    """The scenario workbook a results workbook was made from, if it lies beside it (by name)."""
    name = results.summary.get("input_file")
    if not name:
        return None
    candidate = results.path.with_name(str(name))
    return candidate if candidate.is_file() else None

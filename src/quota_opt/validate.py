"""All input checks, collected before anything is reported.

Stage 1 (`parse_workbook`) turns the raw cells of each sheet into typed records, guided by the
schema: it finds the header row, maps Chinese labels or English keys to columns, reads every cell
by its column's type, and notes each problem with its sheet, Excel row and column. Some awkward
inputs are read with a warning instead of an error, each one documented in `docs/workbook.md`:
"１２０", "1,200" and "120亩" are numbers; a cell formatted as a date in a year column is read as
its year; a totals row is skipped; a vertical merged range in one column is filled down.

Stage 2 (`check_scenario`) checks the records against each other: unique ids, references to
other sheets, platforms in the project's district, years inside the horizon, quotas for every
district-year, projects that nothing could ever supply.

`read_scenario(path)` runs both and returns a `Scenario`, or raises `InputError` with every
error found (and the warnings beside them).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from quota_opt.errors import InputError, Location, Problem, Severity
from quota_opt.io.read import RawSheet, RawWorkbook, column_letter, read_workbook
from quota_opt.schema import (
    IGNORED_SHEETS,
    NO_WORDS,
    SETTINGS,
    SHEETS,
    SHEETS_BY_KEY,
    WEIGHT_KEYS,
    Column,
    ColumnType,
    Sheet,
    find_sheet,
    match_column,
    normalize_name,
    split_ids,
)
from quota_opt.schema import YES_WORDS as _YES
from quota_opt.scenario import ROW, Scenario, Settings, SheetMeta, normalize_table

_YES_SET = {normalize_name(w) for w in _YES}
_NO_SET = {normalize_name(w) for w in NO_WORDS}
_TOTAL_WORDS = ("合计", "总计", "小计", "total", "totals", "sum", "subtotal", "grandtotal")
_SETTINGS_HEADER_WORDS = {normalize_name(w) for w in ("参数", "参数名", "参数名称", "key", "parameter", "name",
                                                      "setting", "settings", "项目", "名称")}
_HEADER_SEARCH_ROWS = 10

# Units a number may carry in its cell, per column unit (zh). The value is read as the number.
_UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "亩": ("亩", "mu"),
    "吨标准煤": ("吨标准煤", "吨标煤", "吨", "tce", "t"),
    "吨标准煤/年": ("吨标准煤/年", "吨标准煤", "吨标煤/年", "吨标煤", "吨", "tce/yr", "tce/年", "tce", "t"),
    "亿元": ("亿元", "亿"),
    "万元/年": ("万元/年", "万元", "万"),
    "万元/亩": ("万元/亩",),
    "吨标准煤/万元": ("吨标准煤/万元", "tce/万元"),
    "分": ("分", "points"),
    "年": ("年",),
    "秒": ("秒", "s"),
    "分/亩": ("分/亩",),
}
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass
class ValidationReport:
    """Every problem found in a workbook, and the scenario when there were no errors."""

    problems: list[Problem]
    scenario: Scenario | None = None
    path: Path | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


class _Bad:
    """Marks a cell that could not be read (its problem is already recorded)."""


BAD = _Bad()


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _number_from_text(raw: str, column: Column) -> tuple[float | None, bool]:
    """Read "１２０", "1,200", "120亩", "30%" as a number. Returns (number or None, was_coerced)."""
    s = _text(raw)
    coerced = s != raw.strip()
    s = s.replace(" ", "")
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
        coerced = True
    m = _NUMBER.match(s)
    if not m:
        return None, False
    number = float(m.group(1))
    rest = m.group(2).strip()
    if not rest:
        return number, coerced
    if rest == "%" and not column.unit_zh:
        return number / 100.0, True
    accepted = _UNIT_SPELLINGS.get(column.unit_zh, ())
    if normalize_name(rest) in {normalize_name(u) for u in accepted}:
        return number, True
    return None, False


def parse_cell(column: Column, value: Any, where: Location, problems: list[Problem]) -> Any:
    """Read one cell by its column's type. Returns the value, None for blank, or BAD (problem noted)."""

    def bad(code: str = "bad_value", **params: Any) -> _Bad:
        params.setdefault("found", value)
        problems.append(Problem(Severity.ERROR, code, where, params))
        return BAD

    def warn(code: str, **params: Any) -> None:
        problems.append(Problem(Severity.WARNING, code, where, params))

    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            problems.append(Problem(Severity.ERROR, "required_blank", where, {}))
            return BAD
        return None
    t = column.type
    if t in (ColumnType.TEXT,):
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()[:10]
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    if t is ColumnType.ID:
        if isinstance(value, bool) or isinstance(value, dt.datetime | dt.date):
            return bad()
        if isinstance(value, float):
            if not math.isfinite(value):
                return bad()
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, int):
            return str(value)
        return _text(value)
    if t is ColumnType.ID_LIST:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        ids = split_ids(value)
        return ids if ids else bad()
    if t is ColumnType.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = normalize_name(value)
        if word in _YES_SET:
            return True
        if word in _NO_SET:
            return False
        return bad()
    if t is ColumnType.CHOICE:
        choice = column.choice_for(str(value))
        return choice.key if choice else bad()
    # numbers: FLOAT, INT, YEAR
    number: float
    if isinstance(value, bool):
        return bad()
    if isinstance(value, dt.datetime | dt.date):
        if t is not ColumnType.YEAR:
            return bad()
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        if 1990 <= moment.year <= 2100:
            number = float(moment.year)
        else:  # a year typed into a date-formatted cell: 2026 shows as 1905-07-18
            number = float((moment - _EXCEL_EPOCH).days)
        warn("coerced_year", found=moment.date().isoformat(), value=int(number))
    elif isinstance(value, int | float):
        number = float(value)
    else:
        parsed, coerced = _number_from_text(str(value), column)
        if parsed is None and t is ColumnType.YEAR:
            col_year = Column(column.key, column.label_zh, column.label_en, ColumnType.FLOAT, unit_zh="年")
            parsed, coerced = _number_from_text(str(value), col_year)
        if parsed is None:
            return bad()
        number = parsed
        if coerced:
            shown = int(number) if number.is_integer() else number
            warn("coerced_number", found=str(value), value=shown)
    if not math.isfinite(number):
        return bad()
    if t in (ColumnType.INT, ColumnType.YEAR) and not float(number).is_integer():
        return bad()
    lo, hi = column.minimum, column.maximum
    if lo is not None and (number < lo or (column.minimum_exclusive and number <= lo)):
        return bad("out_of_range")
    if hi is not None and number > hi:
        return bad("out_of_range")
    return int(number) if t in (ColumnType.INT, ColumnType.YEAR) else number


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    settings: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, SheetMeta] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _loc(sheet: Sheet, raw: RawSheet, row: int | None, column: Column | None = None,
         col_index: int | None = None, header: str | None = None) -> Location:
    cell = f"{column_letter(col_index)}{row}" if col_index and row else None
    return Location(sheet=sheet.key, sheet_name=raw.name, row=row, column=column.key if column else None,
                    header=header, cell=cell)


def _find_header(sheet: Sheet, raw: RawSheet) -> int | None:
    """Index in raw.rows of the header row: the first of the top rows that names enough columns."""
    need = min(2, len(sheet.columns))
    for i, (_, values) in enumerate(raw.rows[:_HEADER_SEARCH_ROWS]):
        matched = {c.key for v in values if v is not None and (c := match_column(sheet, v)) is not None}
        if len(matched) >= need:
            return i
    return None


def _is_totals_row(values: tuple[Any, ...]) -> str | None:
    for v in values:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, str):
            word = normalize_name(v)
            if any(word.startswith(w) for w in _TOTAL_WORDS):
                return str(v).strip()
        return None
    return None


def _parse_table(sheet: Sheet, raw: RawSheet, out: _Parsed) -> None:
    problems = out.problems
    meta = SheetMeta(name=raw.name)
    out.meta[sheet.key] = meta
    records: list[dict[str, Any]] = []
    out.tables[sheet.key] = records
    if not raw.rows:
        # an empty optional sheet is fine; an empty required sheet lacks its columns
        if sheet.required:
            for col in sheet.columns:
                if col.required:
                    problems.append(Problem(Severity.ERROR, "missing_column", _loc(sheet, raw, None),
                                            {"key": col.key, "label_zh": col.label_zh, "label_en": col.label_en}))
        return
    header_at = _find_header(sheet, raw)
    if header_at is None:
        problems.append(Problem(Severity.ERROR, "no_header", _loc(sheet, raw, raw.rows[0][0]), {}))
        return
    header_row, header_values = raw.rows[header_at]
    for col_index, value in enumerate(header_values, start=1):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        col = match_column(sheet, value)
        text = str(value).strip()
        if col is None:
            problems.append(Problem(Severity.WARNING, "unknown_column",
                                    _loc(sheet, raw, header_row, None, col_index), {"header": text}))
        elif col.key in meta.columns:
            problems.append(Problem(Severity.WARNING, "duplicate_column", _loc(sheet, raw, header_row, col, col_index),
                                    {"header": text, "key": col.key,
                                     "other": column_letter(meta.columns[col.key][0])}))
        else:
            meta.columns[col.key] = (col_index, text)
    for col in sheet.columns:
        if col.required and col.key not in meta.columns:
            problems.append(Problem(Severity.ERROR, "missing_column", _loc(sheet, raw, header_row),
                                    {"key": col.key, "label_zh": col.label_zh, "label_en": col.label_en}))
    # merged ranges below the header: a range down one column is filled down (warned); others are errors
    fill_down: dict[tuple[int, int], tuple[int, int]] = {}
    used_columns = {idx: sheet.column(key) for key, (idx, _) in meta.columns.items()}
    for r1, c1, r2, c2 in raw.merged:
        if r2 <= header_row:
            continue
        touched = [c for c in range(c1, c2 + 1) if c in used_columns]
        if not touched:
            continue
        span = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        col = used_columns[touched[0]]
        if c1 == c2:
            problems.append(Problem(Severity.WARNING, "merged_cell", _loc(sheet, raw, r1, col, c1), {"range": span}))
            for r in range(max(r1, header_row + 1) + 1, r2 + 1):
                fill_down[(r, c1)] = (r1, c1)
        else:
            problems.append(Problem(Severity.ERROR, "merged_cell", _loc(sheet, raw, r1, col, c1), {"range": span}))
    by_row = {r: values for r, values in raw.rows}
    for row_number, values in raw.rows[header_at + 1:]:
        total = _is_totals_row(values)
        if total is not None:
            problems.append(Problem(Severity.WARNING, "totals_row_skipped", _loc(sheet, raw, row_number),
                                    {"found": total}))
            continue
        record: dict[str, Any] = {ROW: row_number}
        for key, (col_index, header) in meta.columns.items():
            col = sheet.column(key)
            where = _loc(sheet, raw, row_number, col, col_index, header)
            if (row_number, col_index) in raw.formula_no_value:
                problems.append(Problem(Severity.ERROR, "formula_no_value", where, {}))
                record[key] = BAD
                continue
            source = fill_down.get((row_number, col_index))
            src_values = by_row.get(source[0], ()) if source else values
            value = src_values[col_index - 1] if col_index - 1 < len(src_values) else None
            record[key] = parse_cell(col, value, where, problems)
        records.append(record)


def _parse_settings(raw: RawSheet, out: _Parsed) -> None:
    sheet = SETTINGS
    meta = SheetMeta(name=raw.name)
    out.meta[sheet.key] = meta
    seen: dict[str, int] = {}
    for row_number, values in raw.rows:
        name = values[0] if values else None
        value = values[1] if len(values) > 1 else None
        if name is None or (isinstance(name, str) and not name.strip()):
            continue
        col = match_column(sheet, name)
        if col is None:
            if normalize_name(name) not in _SETTINGS_HEADER_WORDS:
                out.problems.append(Problem(Severity.WARNING, "unknown_setting", _loc(sheet, raw, row_number, None, 1),
                                            {"found": str(name).strip()}))
            continue
        where = _loc(sheet, raw, row_number, col, 2, str(name).strip())
        if col.key in seen:
            out.problems.append(Problem(Severity.WARNING, "duplicate_setting", where,
                                        {"key": col.key, "other": seen[col.key]}))
            continue
        seen[col.key] = row_number
        meta.columns[col.key] = (2, str(name).strip())
        if (row_number, 2) in raw.formula_no_value:
            out.problems.append(Problem(Severity.ERROR, "formula_no_value", where, {}))
            continue
        parsed = parse_cell(col, value, where, out.problems)
        if parsed is not BAD and parsed is not None:
            out.settings[col.key] = parsed
        elif parsed is None:
            out.settings.setdefault(col.key, None)
    for col in sheet.columns:
        if col.required and col.key not in seen:
            out.problems.append(Problem(Severity.ERROR, "required_blank",
                                        Location(sheet=sheet.key, sheet_name=raw.name, column=col.key), {}))
    per_row = [out.settings.get(k) for k in WEIGHT_KEYS]
    weights = [v if v is not None else SETTINGS.column(k).default for k, v in zip(WEIGHT_KEYS, per_row, strict=True)]
    if all(w == 0 for w in weights):
        out.problems.append(Problem(Severity.ERROR, "weights_all_zero", Location(sheet=sheet.key, sheet_name=raw.name), {}))


def parse_workbook(raw: RawWorkbook) -> _Parsed:
    """Stage 1: typed records per sheet, with every cell-level problem noted."""
    out = _Parsed()
    found: dict[str, RawSheet] = {}
    for raw_sheet in raw.sheets:
        sch = find_sheet(raw_sheet.name)
        if sch is None:
            if normalize_name(raw_sheet.name) not in IGNORED_SHEETS:
                out.problems.append(Problem(Severity.WARNING, "unknown_sheet",
                                            Location(sheet_name=raw_sheet.name), {}))
            continue
        if sch.key in found:
            out.problems.append(Problem(Severity.ERROR, "duplicate_sheet",
                                        Location(sheet=sch.key, sheet_name=raw_sheet.name),
                                        {"other": found[sch.key].name, "key": sch.key}))
            continue
        found[sch.key] = raw_sheet
        if raw_sheet.hidden:
            out.problems.append(Problem(Severity.WARNING, "hidden_sheet",
                                        Location(sheet=sch.key, sheet_name=raw_sheet.name), {}))
    if not found:
        out.problems.append(Problem(Severity.ERROR, "empty_workbook", Location(), {}))
        return out
    for sch in SHEETS:
        raw_sheet = found.get(sch.key)
        if raw_sheet is None:
            if sch.required:
                out.problems.append(Problem(Severity.ERROR, "missing_sheet", Location(sheet=sch.key),
                                            {"key": sch.key, "label_zh": sch.label_zh}))
            continue
        if sch.kind == "keyvalue":
            _parse_settings(raw_sheet, out)
        else:
            _parse_table(sch, raw_sheet, out)
    return out


# --------------------------------------------------------------------------------------------
# Cross-sheet checks
# --------------------------------------------------------------------------------------------


def _err(problems: list[Problem], code: str, where: Location, **params: Any) -> None:
    problems.append(Problem(Severity.ERROR, code, where, params))


def _warn(problems: list[Problem], code: str, where: Location, **params: Any) -> None:
    problems.append(Problem(Severity.WARNING, code, where, params))


def _present(v: Any) -> bool:
    return v is not None and v is not BAD and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA


def _key_text(sheet: Sheet, keys: Iterable[str], values: Iterable[Any]) -> dict[str, str]:
    pairs = list(zip(keys, values, strict=True))
    zh = "、".join(f"{sheet.column(k).label_zh} {v}" for k, v in pairs if _present(v))
    en = ", ".join(f"{k} {v}" for k, v in pairs if _present(v))
    return {"zh": zh, "en": en}


def check_scenario(sc: Scenario) -> list[Problem]:
    """Stage 2: checks between records and sheets. Robust to blanks left by stage-1 errors."""
    problems: list[Problem] = []
    s = sc.settings
    # unique keys
    for sch in SHEETS:
        if sch.kind != "table" or not sch.primary_key:
            continue
        df = sc.table(sch.key)
        first: dict[tuple[Any, ...], Any] = {}
        required_keys = [k for k in sch.primary_key if sch.column(k).required]
        for rec in df[[*sch.primary_key, ROW]].itertuples(index=False, name=None):
            key, row = tuple(rec[:-1]), rec[-1]
            if not all(_present(key[sch.primary_key.index(k)]) for k in required_keys):
                continue
            norm = tuple(None if not _present(v) else v for v in key)
            if norm in first:
                col = required_keys[0] if len(sch.primary_key) == 1 else sch.primary_key[0]
                _err(problems, "duplicate_id", sc.loc(sch.key, row, col),
                     key_text=_key_text(sch, sch.primary_key, key), other=first[norm])
            else:
                first[norm] = row
    # references
    ids = {
        "districts": set(sc.districts["district_id"].dropna()),
        "platforms": set(sc.platforms["platform_id"].dropna()),
        "chains": set(sc.chains["chain_id"].dropna()),
        "projects": set(sc.projects["project_id"].dropna()),
    }
    for sch in SHEETS:
        if sch.kind != "table":
            continue
        df = sc.table(sch.key)
        for col in sch.columns:
            if not col.ref or col.ref not in ids or col.key not in df.columns:
                continue
            known = ids[col.ref]
            ref_sheet = SHEETS_BY_KEY[col.ref]
            for value, row in zip(df[col.key], df[ROW], strict=True):
                values = value if col.type is ColumnType.ID_LIST else (value,)
                for v in values:
                    if _present(v) and v not in known:
                        _err(problems, "unknown_reference", sc.loc(sch.key, row, col.key), found=v, ref=col.ref,
                             ref_label=ref_sheet.label_zh)
    platform_district = dict(zip(sc.platforms["platform_id"], sc.platforms["district_id"], strict=True))
    for pid, did, row in zip(sc.projects["platform_id"], sc.projects["district_id"], sc.projects[ROW], strict=True):
        pd_ = platform_district.get(pid)
        if _present(pid) and _present(did) and _present(pd_) and pd_ != did:
            _err(problems, "platform_district_mismatch", sc.loc("projects", row, "platform_id"),
                 platform=pid, platform_district=pd_, found=did)
    if not isinstance(s.base_year, int) or s.base_year <= 0:
        return problems
    first_year, last_year = s.base_year, s.last_year
    horizon = set(s.years)
    # quota rows
    for key in ("district_quotas", "city_quotas"):
        df = sc.table(key)
        for year, row in zip(df["year"], df[ROW], strict=True):
            if _present(year) and int(year) not in horizon:
                _warn(problems, "year_outside_horizon", sc.loc(key, row, "year"), found=int(year),
                      first=first_year, last=last_year)
    have = {(int(y), d) for y, d in zip(sc.district_quotas["year"], sc.district_quotas["district_id"], strict=True)
            if _present(y) and _present(d)}
    dq_meta = sc.meta.get("district_quotas")
    for d in sorted(ids["districts"]):
        for y in s.years:
            if (y, d) not in have:
                _err(problems, "quota_missing", Location(sheet="district_quotas",
                                                         sheet_name=dq_meta.name if dq_meta else None),
                     district=d, year=y)
    city_years = {int(y) for y in sc.city_quotas["year"] if _present(y)}
    cq_meta = sc.meta.get("city_quotas")
    for y in s.years:
        if y not in city_years:
            _warn(problems, "city_quota_missing", Location(sheet="city_quotas",
                                                           sheet_name=cq_meta.name if cq_meta else None), year=y)
    # project windows
    for rec in sc.projects[["earliest_year", "latest_year", ROW]].itertuples(index=False, name=None):
        earliest, latest, row = rec
        e = int(earliest) if _present(earliest) else first_year
        la = int(latest) if _present(latest) else last_year
        if e > la:
            _err(problems, "window_inverted", sc.loc("projects", row, "earliest_year"), earliest=e, latest=la)
        elif max(e, first_year) > min(la, last_year):
            _warn(problems, "window_outside_horizon", sc.loc("projects", row, "earliest_year"),
                  earliest=e, latest=la, first=first_year, last=last_year)
    # actuals
    _check_actuals(sc, problems)
    if any(p.is_error for p in problems):
        return problems
    # supply limits and mandatory projects need the derived data; only when the records are sound
    from quota_opt.prepare import supply_limit_problems

    problems.extend(supply_limit_problems(sc))
    return problems


def _check_actuals(sc: Scenario, problems: list[Problem]) -> None:
    if sc.actuals.empty:
        return
    proj = sc.projects.set_index("project_id", drop=False)
    proj = proj[~proj.index.duplicated()]
    land_cols = ["land_district_quota", "land_provincial_pool", "land_stock", "land_province_request"]
    energy_cols = ["energy_district", "energy_city_pool"]
    for rec in sc.actuals.to_dict("records"):
        pid, row = rec["project_id"], rec[ROW]
        if not _present(pid) or pid not in proj.index:
            continue
        if _present(rec["year"]) and int(rec["year"]) > sc.settings.last_year:
            _err(problems, "actual_year_after_horizon", sc.loc("actuals", row, "year"), found=int(rec["year"]),
                 last=sc.settings.last_year)
        land = sum(float(rec[c]) for c in land_cols if _present(rec[c]))
        demand = float(proj.at[pid, "land_demand"]) if _present(proj.at[pid, "land_demand"]) else None
        if demand is not None and abs(land - demand) > 0.01 + 1e-6 * demand:
            _err(problems, "actual_land_mismatch", sc.loc("actuals", row, "land_district_quota"),
                 found=round(land, 2), expected=round(demand, 2))
        energy = sum(float(rec[c]) for c in energy_cols if _present(rec[c]))
        e_demand = float(proj.at[pid, "energy_demand"]) if _present(proj.at[pid, "energy_demand"]) else None
        if e_demand is not None and abs(energy - e_demand) > 0.5 + 1e-6 * e_demand:
            _err(problems, "actual_energy_mismatch", sc.loc("actuals", row, "energy_district"),
                 found=round(energy, 1), expected=round(e_demand, 1))


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def scenario_from_parsed(parsed: _Parsed, raw: RawWorkbook | None = None) -> Scenario:
    """A Scenario from stage-1 records (cells that could not be read become blanks)."""
    settings_values = {k: v for k, v in parsed.settings.items() if v is not None}
    if "base_year" not in settings_values:
        settings_values["base_year"] = 0
    settings = Settings(**settings_values)
    frames = {}
    for sch in SHEETS:
        if sch.kind != "table":
            continue
        records = [{k: (None if v is BAD else v) for k, v in r.items()} for r in parsed.tables.get(sch.key, [])]
        frames[sch.key] = normalize_table(sch.key, pd.DataFrame(records))
    return Scenario(settings=settings, meta=parsed.meta,
                    source_path=raw.path if raw else None, source_sha256=raw.sha256 if raw else None, **frames)


def validate_workbook(path: str | Path, progress: Callable[[int], None] | None = None) -> ValidationReport:
    """Read and check a scenario workbook; never raises for problems in the workbook itself.

    Returns every problem found (errors and warnings) and, when there are no errors, the Scenario.
    A file that cannot be opened gives a report with that one error.
    """
    path = Path(path)
    try:
        raw = read_workbook(path, progress=progress)
    except InputError as exc:
        return ValidationReport(problems=exc.problems, path=path)
    parsed = parse_workbook(raw)
    problems = list(parsed.problems)
    if not any(p.code in ("empty_workbook", "missing_sheet") and p.is_error for p in problems) or parsed.tables:
        scenario = scenario_from_parsed(parsed, raw)
        problems.extend(check_scenario(scenario))
    else:
        scenario = None
    report = ValidationReport(problems=_dedupe(problems), path=path)
    if report.ok and scenario is not None:
        scenario.warnings = report.warnings
        report.scenario = scenario
    return report


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.severity, p.code, p.where, tuple(sorted((k, repr(v)) for k, v in p.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def read_scenario(path: str | Path, progress: Callable[[int], None] | None = None) -> Scenario:
    """Read, validate and type a scenario workbook.

    Returns the `Scenario` (its `warnings` hold what did not stop it); raises `InputError` listing
    every error (and warning) when the workbook cannot be used.
    """
    report = validate_workbook(path, progress=progress)
    if not report.ok or report.scenario is None:
        raise InputError(report.problems)
    return report.scenario

"""Named alternatives carried in the `variants` sheet: overrides of settings or of quota columns.

Each row sets or scales one target, optionally for one district and/or one year:
- a settings key (`reward_ratio`, `w_output_per_mu`, ...): set to a value, or scale a number;
- `sheet.column` for a numeric column of district_quotas, city_quotas, districts, platforms or chains, each
  named by its key or its label (`city_quotas.city_energy_pool`, `市级年度指标.市级统筹能耗指标`, ...): set or
  scale the rows matching the district/year filter (all rows when the filter is blank).
Rows with the same variant name apply together, in sheet order. Values are checked against the
schema's bounds; every problem names the variants sheet's row.
"""

from __future__ import annotations

import unicodedata
from typing import Any, cast

import pandas as pd

from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.messages import expected_words
from quota_opt.core.scenario import ROW, Scenario
from quota_opt.core.schema import SETTINGS, Column, ColumnType, find_sheet, match_column
from quota_opt.input.cells import BAD, parse_cell

TARGET_SHEETS = ("district_quotas", "city_quotas", "districts", "platforms", "chains")
NUMERIC = (ColumnType.FLOAT, ColumnType.INT, ColumnType.YEAR)
# The factor of a "scale" row: any number ≥ 0 (the scaled result is then checked against the target's bounds).
FACTOR = Column("factor", "倍数", "Factor", ColumnType.FLOAT, required=True, minimum=0.0)


def variant_names(sc: Scenario) -> list[str]:
    """Variant names in the order they first appear."""
    return list(dict.fromkeys(str(v) for v in sc.variants["variant"].dropna()))


def resolve_target(target: str) -> tuple[str, Column] | None:
    """("settings", column) for a settings key or label; (sheet, column) for "sheet.column"; None if unknown."""
    text = unicodedata.normalize("NFKC", str(target)).strip()  # a full-width "．" too: 市级年度指标．市级统筹能耗指标
    if "." in text:
        sheet_name, col_key = (p.strip() for p in text.split(".", 1))
        sheet = find_sheet(sheet_name)  # the sheet's key or its label, as a workbook names it
        if sheet is None or sheet.key not in TARGET_SHEETS:
            return None
        sheet_key = sheet.key
        col = match_column(sheet, col_key)
        if col is None or col.type not in NUMERIC or (sheet.primary_key and col.key in sheet.primary_key):
            return None
        return sheet_key, col
    col = match_column(SETTINGS, text)
    return ("settings", col) if col is not None and col.key != "base_year" else None


def check_variants(sc: Scenario) -> list[Problem]:
    """Problems with the variants sheet (unknown targets, bad values, filters that do not apply)."""
    problems: list[Problem] = []
    for rec in cast(list[dict[str, Any]], sc.variants.to_dict("records")):
        _apply_row(sc.copy(), rec, problems)
    return problems


def apply_variant(sc: Scenario, name: str) -> Scenario:
    """A copy of the scenario with variant `name` applied. Raises InputError naming the row of any bad override."""
    names = variant_names(sc)
    if name not in names:
        raise InputError([Problem(Severity.ERROR, "variant_unknown", sc.loc("variants"),
                                  {"found": name, "known": ", ".join(names) or "—"})])
    out = sc.copy()
    problems: list[Problem] = []
    for rec in cast(list[dict[str, Any]], sc.variants[sc.variants["variant"] == name].to_dict("records")):
        _apply_row(out, rec, problems)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(problems)
    out.settings = out.settings.replace(scenario_name=f"{sc.settings.scenario_name} · {name}")
    out.variants = out.variants.iloc[0:0]
    return out


def _apply_row(sc: Scenario, rec: dict[str, Any], problems: list[Problem]) -> None:
    row = rec.get(ROW)
    resolved = resolve_target(str(rec["target"]))
    if resolved is None:
        problems.append(Problem(Severity.ERROR, "variant_unknown_target", sc.loc("variants", row, "target"),
                                {"found": rec["target"]}))
        return
    sheet_key, col = resolved
    target = _target_names(sheet_key, col)
    op = rec.get("operation") or "set"
    where = sc.loc("variants", row, "value")
    raw = rec["value"]
    if op == "scale":
        factor = _read_as(FACTOR, raw, where, problems, "variant_factor", target)
        if factor is BAD:
            return
        if col.type not in NUMERIC:
            problems.append(Problem(Severity.ERROR, "variant_bad_value", where,
                                    {"expected": {"zh": "可缩放的数值参数", "en": "a numeric target to scale"},
                                     "found": rec["target"]}))
            return
    else:
        value = _read_as(col, raw, where, problems, "variant_value", target)
        if value is BAD:
            return
    district, year = rec.get("district_id"), rec.get("year")
    if sheet_key == "settings":
        if not _blank(district) or not _blank(year):
            filter_column = "district_id" if not _blank(district) else "year"  # the cell that holds the filter
            problems.append(Problem(Severity.ERROR, "variant_filter_not_applicable",
                                    sc.loc("variants", row, filter_column), {"target": rec["target"]}))
            return
        if op == "set":
            sc.settings = sc.settings.replace(**{col.key: value})
            return
        current = getattr(sc.settings, col.key)
        new = current * factor
        if col.type is ColumnType.INT:
            new = round(new)
        checked = parse_cell(col, new, where, [])
        if checked is BAD:
            _scaled_out_of_range(col, new, factor, where, target, problems)
        else:
            sc.settings = sc.settings.replace(**{col.key: checked})
        return
    df = sc.table(sheet_key)
    mask = pd.Series(True, index=df.index)
    if not _blank(district):
        if "district_id" not in df.columns:
            problems.append(Problem(Severity.ERROR, "variant_filter_not_applicable",
                                    sc.loc("variants", row, "district_id"), {"target": rec["target"]}))
            return
        mask &= df["district_id"] == district
    if not _blank(year):
        if "year" not in df.columns:
            problems.append(Problem(Severity.ERROR, "variant_filter_not_applicable", sc.loc("variants", row, "year"),
                                    {"target": rec["target"]}))
            return
        if int(str(year)) not in sc.settings.years:  # no quota row of the horizon has it: the row would do nothing
            problems.append(Problem(Severity.WARNING, "variant_year_outside_horizon", sc.loc("variants", row, "year"),
                                    {"found": int(str(year)), "variant": rec.get("variant"),
                                     "first": sc.settings.base_year, "last": sc.settings.last_year}))
            return
        mask &= df["year"] == int(str(year))
    column = df[col.key].astype(float)
    new_values = column[mask] * factor if op == "scale" else pd.Series(float(value), index=column[mask].index)
    for v in new_values:
        if col.maximum is not None and v > col.maximum:
            _scaled_out_of_range(col, v, factor if op == "scale" else 1.0, where, target, problems)
            return
    df.loc[mask, col.key] = new_values.astype(df[col.key].dtype) if len(new_values) else df.loc[mask, col.key]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or (isinstance(v, str) and not v.strip())


def _target_names(sheet_key: str, col: Column) -> dict[str, str]:
    """The target as messages name it: "存量盘活奖励比例(reward_ratio)" / "reward_ratio (Stock-land reward ratio)"."""
    name = col.key if sheet_key == "settings" else f"{sheet_key}.{col.key}"
    return {"zh": f"{col.label_zh}({name})", "en": f"{name} ({col.label_en})"}


def _read_as(col: Column, raw: Any, where: Location, problems: list[Problem], code: str,
             target: dict[str, str]) -> Any:
    """`parse_cell` of a variant's value by `col` (the target's own column, or FACTOR), with its problems
    naming the target and `col`'s range.

    The value sits in the variants sheet's text column `value`, so a message made from the location alone
    would ask for that column's "non-blank text"; each problem carries what `col` expects instead, and a
    wrong or out-of-range value becomes `code` (variant_value or variant_factor), which names the target.
    """
    found: list[Problem] = []
    value = parse_cell(col, raw, where, found)
    for p in found:
        params = {**p.params, "target": target, "expected": expected_words(col, full=bool(p.params.get("too_large")))}
        problems.append(Problem(p.severity, code if p.code in ("bad_value", "out_of_range") else p.code, p.where,
                                params))
    return value


def _scaled_out_of_range(col: Column, new: float, factor: float, where: Location, target: dict[str, str],
                         problems: list[Problem]) -> None:
    """A scale row whose result leaves the target's range: say the factor, the result and the range."""
    too_large = col.maximum is not None and new > col.maximum
    problems.append(Problem(Severity.ERROR, "variant_scaled_out_of_range", where,
                            {"target": target, "factor": f"{factor:g}", "found": round(float(new), 6),
                             "expected": expected_words(col, full=too_large)}))

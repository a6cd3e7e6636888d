"""Named alternatives carried in the `variants` sheet: overrides of settings or of quota columns.

Each row sets or scales one target, optionally for one district and/or one year:
- a settings key (`reward_ratio`, `w_output_per_mu`, ...): set to a value, or scale a number;
- `sheet.column` for a numeric column of district_quotas, city_quotas, districts, platforms or
  chains (`city_quotas.city_energy_pool`, `district_quotas.new_land_quota`, ...): set or scale the
  rows matching the district/year filter (all rows when the filter is blank).
Rows with the same variant name apply together, in sheet order. Values are checked against the
schema's bounds; every problem names the variants sheet's row.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from quota_opt.errors import InputError, Problem, Severity
from quota_opt.scenario import ROW, Scenario
from quota_opt.schema import SETTINGS, SHEETS_BY_KEY, Column, ColumnType
from quota_opt.validate import BAD, parse_cell

TARGET_SHEETS = ("district_quotas", "city_quotas", "districts", "platforms", "chains")
NUMERIC = (ColumnType.FLOAT, ColumnType.INT, ColumnType.YEAR)


def variant_names(sc: Scenario) -> list[str]:
    """Variant names in the order they first appear."""
    return list(dict.fromkeys(str(v) for v in sc.variants["variant"].dropna()))


def resolve_target(target: str) -> tuple[str, Column] | None:
    """("settings", column) for a settings key or label; (sheet, column) for "sheet.column"; None if unknown."""
    from quota_opt.schema import match_column

    text = str(target).strip()
    if "." in text:
        sheet_key, col_key = (p.strip() for p in text.split(".", 1))
        sheet = SHEETS_BY_KEY.get(sheet_key)
        if sheet is None or sheet_key not in TARGET_SHEETS:
            return None
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
    op = rec.get("operation") or "set"
    where = sc.loc("variants", row, "value")
    raw = rec["value"]
    if op == "scale":
        factor = parse_cell(Column("value", "取值", "Value", ColumnType.FLOAT, required=True, minimum=0.0), raw, where,
                            problems)
        if factor is BAD:
            return
        if col.type not in NUMERIC:
            problems.append(Problem(Severity.ERROR, "variant_bad_value", where,
                                    {"expected": {"zh": "可缩放的数值参数", "en": "a numeric target to scale"},
                                     "found": rec["target"]}))
            return
    else:
        value = parse_cell(col, raw, where, problems)
        if value is BAD:
            return
    district, year = rec.get("district_id"), rec.get("year")
    has_filter = not _blank(district) or not _blank(year)
    if sheet_key == "settings":
        if has_filter:
            problems.append(Problem(Severity.ERROR, "variant_filter_not_applicable",
                                    sc.loc("variants", row, "district_id"), {"target": rec["target"]}))
            return
        current = getattr(sc.settings, col.key)
        new = current * factor if op == "scale" else value
        if col.type is ColumnType.INT:
            new = round(new)
        checked = parse_cell(col, new, where, problems)
        if checked is not BAD:
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
        mask &= df["year"] == int(str(year))
    column = df[col.key].astype(float)
    new_values = column[mask] * factor if op == "scale" else pd.Series(float(value), index=column[mask].index)
    for v in new_values:
        if col.maximum is not None and v > col.maximum:
            parse_cell(col, v, where, problems)  # records the out-of-range problem at the variant's row
            return
    df.loc[mask, col.key] = new_values.astype(df[col.key].dtype) if len(new_values) else df.loc[mask, col.key]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or (isinstance(v, str) and not v.strip())

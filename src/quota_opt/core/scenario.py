"""The validated, typed scenario: settings plus one pandas table per sheet, columns named by schema key.

Every table keeps the Excel row each record came from in the column `_row`, so that checks made
after reading (cross-sheet references, model infeasibility) can still point at a cell.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from quota_opt.core.errors import Location, Problem
from quota_opt.core.schema import SETTINGS, SHEETS, WEIGHT_KEYS, ColumnType, column_letter, sheet, split_ids

ROW = "_row"  # the Excel row a record came from (None for records made in code)


def _default(key: str) -> Any:
    """The schema's default for a setting: `Settings` states no default of its own."""
    return SETTINGS.column(key).default


@dataclass
class Settings:
    """The `settings` sheet, typed. Field names are the schema keys; every default is the schema's
    (`schema.SETTINGS`); tests/test_vocabulary.py checks that the fields are the schema's keys."""

    base_year: int
    scenario_name: str = _default("scenario_name")
    horizon_years: int = _default("horizon_years")
    objective_mode: str = _default("objective_mode")
    w_investment: float = _default("w_investment")
    w_output_per_mu: float = _default("w_output_per_mu")
    w_tax_per_mu: float = _default("w_tax_per_mu")
    w_energy_efficiency: float = _default("w_energy_efficiency")
    w_platform_score: float = _default("w_platform_score")
    deferral_discount: float = _default("deferral_discount")
    reward_ratio: float = _default("reward_ratio")
    reward_lag_years: int = _default("reward_lag_years")
    same_year_reward: bool = _default("same_year_reward")
    major_investment_threshold: float = _default("major_investment_threshold")
    major_priority: str = _default("major_priority")
    major_weight: float = _default("major_weight")
    misfit_policy: str = _default("misfit_policy")
    province_request_cap: float = _default("province_request_cap")
    province_request_penalty: float = _default("province_request_penalty")
    carryover_allowed: bool = _default("carryover_allowed")
    time_limit_s: float = _default("time_limit_s")
    mip_gap: float = _default("mip_gap")
    threads: int = _default("threads")

    @property
    def years(self) -> list[int]:
        """The planning years, base year first."""
        return list(range(self.base_year, self.base_year + self.horizon_years))

    @property
    def last_year(self) -> int:
        return self.base_year + self.horizon_years - 1

    @property
    def weights(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in WEIGHT_KEYS}

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any) -> Settings:
        data = self.as_dict()
        unknown = set(changes) - set(data)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        data.update(changes)
        return Settings(**data)


SETTING_KEYS = tuple(c.key for c in SETTINGS.columns)


@dataclass
class SheetMeta:
    """How one sheet appeared in the workbook: its name and, per column key, its column number and header."""

    name: str
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class Scenario:
    """One scenario, validated and typed. Build it with `quota_opt.read_scenario` or `Scenario.from_tables`."""

    settings: Settings
    districts: pd.DataFrame
    platforms: pd.DataFrame
    chains: pd.DataFrame
    district_quotas: pd.DataFrame
    city_quotas: pd.DataFrame
    projects: pd.DataFrame
    actuals: pd.DataFrame
    variants: pd.DataFrame
    source_path: Path | None = None
    source_sha256: str | None = None
    meta: dict[str, SheetMeta] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    TABLES = tuple(s.key for s in SHEETS if s.kind == "table")

    def table(self, key: str) -> pd.DataFrame:
        df: pd.DataFrame = getattr(self, key)
        return df

    def copy(self) -> Scenario:
        new = copy.copy(self)
        for key in self.TABLES:
            setattr(new, key, self.table(key).copy())
        new.settings = self.settings.replace()
        new.warnings = list(self.warnings)
        return new

    def loc(self, sheet_key: str, row: Any = None, column: str | None = None) -> Location:
        """A `Location` for a record's cell, using the sheet name and column positions as read."""
        meta = self.meta.get(sheet_key)
        row_number = None if row is None or pd.isna(row) else int(row)
        name = meta.name if meta else None
        cell = None
        header = None
        if column is not None:
            if meta and column in meta.columns:
                col_index, header = meta.columns[column]
            else:
                sch = sheet(sheet_key)
                keys = [c.key for c in sch.columns]
                col_index = keys.index(column) + 1 if column in keys else 0
            if col_index and row_number is not None:
                cell = f"{column_letter(col_index)}{row_number}"
        return Location(sheet=sheet_key, sheet_name=name, row=row_number, column=column, header=header, cell=cell)

    @classmethod
    def from_tables(cls, settings: Settings | dict[str, Any], tables: dict[str, Any]) -> Scenario:
        """Build a scenario in code (generator, tests): `tables` maps sheet keys to lists of dicts or frames.

        Missing optional columns take their schema defaults. The result is not validated: pass it
        through `quota_opt.input.validate.check_scenario` (or write and read it) for that.
        """
        if isinstance(settings, dict):
            settings = Settings(**settings)
        frames: dict[str, pd.DataFrame] = {}
        for s in SHEETS:
            if s.kind != "table":
                continue
            data = tables.get(s.key)
            df = pd.DataFrame(data) if data is not None else pd.DataFrame()
            frames[s.key] = normalize_table(s.key, df)
        return cls(settings=settings, districts=frames["districts"], platforms=frames["platforms"],
                   chains=frames["chains"], district_quotas=frames["district_quotas"],
                   city_quotas=frames["city_quotas"], projects=frames["projects"], actuals=frames["actuals"],
                   variants=frames["variants"])


def empty_table(sheet_key: str) -> pd.DataFrame:
    return normalize_table(sheet_key, pd.DataFrame())


def normalize_table(sheet_key: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give a table exactly the schema's columns (in schema order, plus `_row`), defaults filled in."""
    sch = sheet(sheet_key)
    out = pd.DataFrame(index=range(len(df)))
    for col in sch.columns:
        if col.key in df.columns:
            values = list(df[col.key])
            if col.default is not None:
                values = [col.default if _missing(v) else v for v in values]
            out[col.key] = pd.Series(values, dtype=object)
        else:
            out[col.key] = pd.Series([col.default] * len(df), dtype=object)
    out[ROW] = pd.Series(list(df[ROW]) if ROW in df.columns else [None] * len(df), dtype=object)
    return _typed(sheet_key, out)


def _missing(v: Any) -> bool:
    if v is None:
        return True
    kind = type(v)
    if kind is str or kind is bool or kind is int:  # the common cells, decided without pandas
        return False
    if kind is float:
        return v != v  # NaN
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _typed(sheet_key: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give numeric and boolean columns their dtypes (floats, nullable where blank is allowed)."""
    sch = sheet(sheet_key)
    for col in sch.columns:
        series = df[col.key]
        if col.type is ColumnType.FLOAT:
            df[col.key] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif col.type in (ColumnType.INT, ColumnType.YEAR):
            df[col.key] = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif col.type is ColumnType.BOOL:
            df[col.key] = series.map(lambda v: bool(v) if not _missing(v) else False).astype(bool)
        elif col.type is ColumnType.ID_LIST:
            df[col.key] = series.map(
                lambda v: tuple(v) if isinstance(v, list | tuple) else (() if _missing(v) else split_ids(v))
            )
        else:
            df[col.key] = series.map(lambda v: None if _missing(v) else str(v)).astype(object)
    return df

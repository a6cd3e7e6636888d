"""Parameter sweeps: parse `--param key=spec`, build the grid of settings, find the non-dominated points.

Pure functions, no files and no solver: `quota_opt.studies.compare` turns each grid point into a case and runs it.

A spec is `start:stop:step` (inclusive of `stop` within float tolerance: `0:1:0.1` gives 11 values,
0.0 … 1.0) or a comma list (`0.5,1.0`; for yes/no and choice settings, `yes,no` or
`exclude,district_only`). Every value is checked against the settings schema (type and bounds) as the
workbook reader checks a cell, so `--param deferral_discount=0.5:1.5:0.5` is refused before anything is
solved. Every refusal is a SweepError of the catalogue's messages (messages.TEMPLATES, the param_… codes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.messages import expected_words, param_given
from quota_opt.core.results_schema import yes_no
from quota_opt.core.schema import SETTINGS, Column, ColumnType, match_column
from quota_opt.input.validate import BAD, parse_cell

NUMERIC = (ColumnType.FLOAT, ColumnType.INT)
# Settings a sweep may vary: everything in the settings sheet except the name, the base year (it moves
# every year-indexed table) and the solver options (a sweep compares allocations, not solver runs).
NOT_SWEPT = ("scenario_name", "base_year", "time_limit_s", "mip_gap", "threads")
MAX_POINTS = 10_000
_TOL = 1e-9


class SweepError(InputError):
    """A `--param` (or --x, --y) cannot be used: unknown setting, malformed spec, values outside the schema's
    bounds, too many points. Its problems are messages of the catalogue (messages.TEMPLATES), as for any input
    error (exit 1)."""


def refused(code: str, **params: Any) -> SweepError:
    return SweepError([Problem(Severity.ERROR, code, Location(), params)])


@dataclass(frozen=True)
class Param:
    """One swept setting: its schema column and the values to try, in order (typed as the schema says)."""

    key: str
    values: tuple[Any, ...]
    spec: str

    @property
    def column(self) -> Column:
        return SETTINGS.column(self.key)


class RangeError(ValueError):
    """A start:stop:step that gives no values: `code` names the message (messages.TEMPLATES, with the --param
    spec as `spec`), `params` fill the rest."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code, params)
        self.code, self.params = code, params


def float_range(start: float, stop: float, step: float) -> list[float]:
    """start, start+step, … up to stop inclusive (within 1e-9 of a step); step may be negative when stop < start.

    Values are rounded to 12 significant digits so that 0:1:0.1 gives 0.3, not 0.30000000000000004.
    Raises RangeError for a zero step, a step that moves away from stop, or too many values.
    """
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise RangeError("param_range_not_finite")
    if step == 0:
        raise RangeError("param_step_zero")
    span = stop - start
    if span * step < 0:
        raise RangeError("param_step_away")
    count = math.floor(span / step + _TOL) + 1
    if count > MAX_POINTS:
        raise RangeError("param_too_many_values", count=f"{count:,}", max=f"{MAX_POINTS:,}")
    return [float(f"{start + i * step:.12g}") for i in range(count)]


def parse_param(text: str, given_on: str = "command line") -> Param:
    """`key=start:stop:step` or `key=v1,v2,…` → Param. The key is a settings key or its Chinese/English label.

    Raises SweepError with every problem (each value checked against the schema's type and bounds), each message
    opening with where the values were given (`given_on`: messages.PARAM_GIVEN).
    """
    raw = str(text).strip()
    given = param_given(raw, given_on)

    def _refused(code: str, **params: Any) -> SweepError:
        return refused(code, given=given, **params)

    if "=" not in raw:
        raise _refused("param_syntax")
    name, spec = (part.strip() for part in raw.split("=", 1))
    col = match_column(SETTINGS, name)
    if col is not None:
        given = param_given(raw, given_on, {"zh": col.label_zh, "en": col.label_en})
    if col is None or col.key in NOT_SWEPT:
        swept = [c for c in SETTINGS.columns if c.key not in NOT_SWEPT]
        # named as a zh user reads them on the settings sheet, with the key (either may be typed)
        allowed = {"zh": "、".join(f"{c.label_zh}({c.key})" for c in swept), "en": ", ".join(c.key for c in swept)}
        raise _refused("param_unknown", found=name, allowed=allowed)
    if not spec:
        raise _refused("param_no_values")
    parts: list[Any]
    if ":" in spec:
        pieces = [p.strip() for p in spec.split(":")]
        if col.type not in NUMERIC or len(pieces) != 3:
            raise _refused("param_range_form")
        try:
            start, stop, step = (float(p) for p in pieces)
        except ValueError:
            raise _refused("param_range_numbers") from None
        try:
            parts = list(float_range(start, stop, step))
        except RangeError as exc:
            raise _refused(exc.code, **exc.params) from None
    else:
        parts = [p.strip() for p in spec.split(",")]
        if any(p == "" for p in parts):
            raise _refused("param_empty_item")
    setting = {"zh": f"{col.label_zh}({col.key})", "en": f"{col.key} ({col.label_en})"}  # as a location names it
    values: list[Any] = []
    rejected: list[Problem] = []
    for part in parts:
        problems: list[Problem] = []
        value = parse_cell(col, part, Location(), problems)
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if value is BAD or value is None or errors:
            # the cell's problem, said of the command line's --param: what the setting takes and the value given
            for p in errors or [Problem(Severity.ERROR, "bad_value", Location(), {})]:
                rejected.append(Problem(Severity.ERROR, "param_value", Location(), {
                    "given": given, "setting": setting, "found": p.params.get("found", part),
                    "expected": expected_words(col, full=bool(p.params.get("too_large")))}))
            continue
        if col.type is ColumnType.INT:
            value = int(value)
        if value not in values:
            values.append(value)
    if rejected:
        raise SweepError(rejected)
    return Param(col.key, tuple(values), spec)


def sweep_grid(params: Sequence[Param] | dict[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The full cross product of the swept values, as settings overrides (key → value), first key slowest.

    `params` is a list of Params or a plain {settings key: values} dict (values taken as given).
    Raises SweepError when a key repeats or the grid has more than MAX_POINTS points.
    """
    items = list(params.items()) if isinstance(params, dict) else [(p.key, p.values) for p in params]
    keys = [k for k, _ in items]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        cols = [SETTINGS.column(k) for k in repeated]
        raise refused("param_repeated", keys={"zh": "、".join(f"{c.label_zh}({c.key})" for c in cols),
                                               "en": ", ".join(f"{c.key} ({c.label_en})" for c in cols)})
    size = math.prod(len(v) for _, v in items) if items else 0
    if size > MAX_POINTS:
        raise refused("sweep_too_many_points", size=f"{size:,}", max=f"{MAX_POINTS:,}")
    if not items:
        return []
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(list(v) for _, v in items))]


def shown_value(value: Any, lang: str = "zh") -> str:
    """A swept setting's value for the reader: a yes/no as the workbooks write it (是/否 in zh, yes/no in en),
    a float without trailing zeros ("0.3", "1")."""
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def setting_name(key: str, lang: str = "zh") -> str:
    """A swept setting as the sweep workbook's cases sheet heads its column: the Chinese label in zh
    (权重：亩均产值), the key in en (w_output_per_mu)."""
    return SETTINGS.column(key).header(lang)


def point_label(point: dict[str, Any], lang: str = "zh") -> str:
    """"权重：亩均产值=0.3, 指标可结转=是" (en: "w_output_per_mu=0.3, carryover_allowed=yes") — a grid point as a case
    name, each setting named as the workbook heads its column (setting_name), in `lang` (as the base case is 基准方案
    or base). It is a label only: no option or reader takes a case by its name."""
    return ", ".join(f"{setting_name(k, lang)}={shown_value(v, lang)}" for k, v in point.items())


def pareto(points: Sequence[tuple[float, float] | None],
           maximize: tuple[bool, bool] = (True, True)) -> list[bool]:
    """Which points are non-dominated (both coordinates maximised unless `maximize` says otherwise).

    A point is dominated when another is at least as good on both coordinates and better on one
    (differences within 1e-9, relative, count as ties, so equal points are both kept). None (a failed
    case) or non-finite points are never non-dominated and never dominate.
    """
    signs = tuple(1.0 if m else -1.0 for m in maximize)
    clean: list[tuple[float, float] | None] = []
    for p in points:
        if p is None or p[0] is None or p[1] is None or not all(math.isfinite(float(v)) for v in p):
            clean.append(None)
        else:
            clean.append((signs[0] * float(p[0]), signs[1] * float(p[1])))

    def better(a: float, b: float) -> bool:
        return a - b > _TOL * max(1.0, abs(a), abs(b))

    def at_least(a: float, b: float) -> bool:
        return not better(b, a)

    out = []
    for i, p in enumerate(clean):
        if p is None:
            out.append(False)
            continue
        dominated = any(
            q is not None and j != i and at_least(q[0], p[0]) and at_least(q[1], p[1])
            and (better(q[0], p[0]) or better(q[1], p[1]))
            for j, q in enumerate(clean)
        )
        out.append(not dominated)
    return out


def parse_params(texts: Sequence[str], given_on: str = "command line") -> list[Param]:
    """Every `--param` parsed; raises one SweepError listing the problems of all of them."""
    params: list[Param] = []
    problems: list[Problem] = []
    for text in texts:
        try:
            params.append(parse_param(text, given_on))
        except SweepError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SweepError(problems)
    return params

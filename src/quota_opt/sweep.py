"""Parameter sweeps: parse `--param key=spec`, build the grid of settings, find the non-dominated points.

Pure functions, no files and no solver: `quota_opt.compare` turns each grid point into a case and runs it.

A spec is `start:stop:step` (inclusive of `stop` within float tolerance: `0:1:0.1` gives 11 values,
0.0 … 1.0) or a comma list (`0.5,1.0`; for yes/no and choice settings, `yes,no` or
`exclude,district_only`). Every value is checked against the settings schema (type and bounds) with
the same messages as the workbook reader, so `--param deferral_discount=0.5:1.5:0.5` is refused
before anything is solved.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quota_opt.errors import Location, Problem, QuotaOptError, Severity
from quota_opt.outputs import yes_no
from quota_opt.schema import SETTINGS, Column, ColumnType, match_column

NUMERIC = (ColumnType.FLOAT, ColumnType.INT)
# Settings a sweep may vary: everything in the settings sheet except the name, the base year (it moves
# every year-indexed table) and the solver options (a sweep compares allocations, not solver runs).
NOT_SWEPT = ("scenario_name", "base_year", "time_limit_s", "mip_gap", "threads")
MAX_POINTS = 10_000
_TOL = 1e-9


class SweepError(QuotaOptError):
    """A `--param` cannot be used: unknown setting, malformed spec, or values outside the schema's bounds."""

    exit_code = 1

    def __init__(self, lines: list[tuple[str, str]]):
        self.lines = lines  # (zh, en) per problem
        super().__init__(self.report("en"))

    def report(self, lang: str = "zh") -> str:
        texts = [zh if lang == "zh" else en for zh, en in self.lines]
        return texts[0] if len(texts) == 1 else "".join(f"\n  - {t}" for t in texts)


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
    """A start:stop:step that gives no values, said in both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def float_range(start: float, stop: float, step: float) -> list[float]:
    """start, start+step, … up to stop inclusive (within 1e-9 of a step); step may be negative when stop < start.

    Values are rounded to 12 significant digits so that 0:1:0.1 gives 0.3, not 0.30000000000000004.
    Raises RangeError for a zero step, a step that moves away from stop, or too many values.
    """
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise RangeError("起、止和步长应为有限的数", "start, stop and step must be finite numbers")
    if step == 0:
        raise RangeError("步长不能为 0", "step must not be 0")
    span = stop - start
    if span * step < 0:
        raise RangeError("步长的方向背离终点（起点小于终点时步长应为正，反之为负）", "step moves away from stop")
    count = math.floor(span / step + _TOL) + 1
    if count > MAX_POINTS:
        raise RangeError(f"共 {count} 个取值，最多 {MAX_POINTS} 个", f"{count} values; at most {MAX_POINTS}")
    return [float(f"{start + i * step:.12g}") for i in range(count)]


def parse_param(text: str) -> Param:
    """`key=start:stop:step` or `key=v1,v2,…` → Param. The key is a settings key or its Chinese/English label.

    Raises SweepError with every problem (each value checked against the schema's type and bounds).
    """
    from quota_opt.validate import BAD, parse_cell

    raw = str(text).strip()
    if "=" not in raw:
        raise SweepError([(f"--param {raw}：应为 参数=起:止:步长 或 参数=值1,值2",
                           f"--param {raw}: expected key=start:stop:step or key=v1,v2,…")])
    name, spec = (part.strip() for part in raw.split("=", 1))
    col = match_column(SETTINGS, name)
    if col is None or col.key in NOT_SWEPT:
        allowed = ", ".join(c.key for c in SETTINGS.columns if c.key not in NOT_SWEPT)
        raise SweepError([(f"--param {raw}：未知或不可扫描的参数 “{name}”；可用：{allowed}",
                           f"--param {raw}: unknown or unsweepable setting {name!r}; use one of: {allowed}")])
    if not spec:
        raise SweepError([(f"--param {raw}：缺少取值", f"--param {raw}: no values given")])
    parts: list[Any]
    if ":" in spec:
        pieces = [p.strip() for p in spec.split(":")]
        if col.type not in NUMERIC or len(pieces) != 3:
            raise SweepError([(f"--param {raw}：区间写法 起:止:步长 只适用于数值参数",
                               f"--param {raw}: start:stop:step needs three numbers and a numeric setting")])
        try:
            start, stop, step = (float(p) for p in pieces)
        except ValueError:
            raise SweepError([(f"--param {raw}：起、止和步长应为数", f"--param {raw}: start, stop and step must be numbers")]
                             ) from None
        try:
            parts = list(float_range(start, stop, step))
        except RangeError as exc:
            raise SweepError([(f"--param {raw}：区间无效（{exc.zh}）", f"--param {raw}: invalid range ({exc.en})")]
                             ) from None
    else:
        parts = [p.strip() for p in spec.split(",")]
        if any(p == "" for p in parts):
            raise SweepError([(f"--param {raw}：取值列表中有空项", f"--param {raw}: empty item in the list")])
    values: list[Any] = []
    lines: list[tuple[str, str]] = []
    for part in parts:
        problems: list[Problem] = []
        value = parse_cell(col, part, Location(sheet="settings", column=col.key), problems)
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if value is BAD or value is None or errors:
            lines.extend((f"--param {raw}：{p.message('zh')}", f"--param {raw}: {p.message('en')}") for p in errors)
            if not errors:
                lines.append((f"--param {raw}：取值 “{part}” 无效", f"--param {raw}: invalid value {part!r}"))
            continue
        if col.type is ColumnType.INT:
            value = int(value)
        if value not in values:
            values.append(value)
    if lines:
        raise SweepError(lines)
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
        raise SweepError([(f"参数重复：{', '.join(repeated)}", f"setting given more than once: {', '.join(repeated)}")])
    size = math.prod(len(v) for _, v in items) if items else 0
    if size > MAX_POINTS:
        raise SweepError([(f"扫描点数 {size} 超过上限 {MAX_POINTS}", f"{size} sweep points; at most {MAX_POINTS}")])
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


def point_label(point: dict[str, Any], lang: str = "zh") -> str:
    """"w_output_per_mu=0.3, carryover_allowed=是" (en: "…=yes") — a grid point as a case name, in `lang`
    (as the base case is 基准方案 or base). It is a label only: no option or reader takes a case by its name."""
    return ", ".join(f"{k}={shown_value(v, lang)}" for k, v in point.items())


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


def parse_params(texts: Sequence[str]) -> list[Param]:
    """Every `--param` parsed; raises one SweepError listing the problems of all of them."""
    params: list[Param] = []
    lines: list[tuple[str, str]] = []
    for text in texts:
        try:
            params.append(parse_param(text))
        except SweepError as exc:
            lines.extend(exc.lines)
    if lines:
        raise SweepError(lines)
    return params

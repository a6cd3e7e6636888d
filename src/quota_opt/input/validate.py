"""All input checks, collected before anything is reported.

Stage 1 (`parse_workbook`) turns the raw cells of each sheet into typed records, guided by the
schema: it finds the header row, maps Chinese labels or English keys to columns, reads every cell
by its column's type, and notes each problem with its sheet, Excel row and column. Some awkward
inputs are read with a warning instead of an error; each is listed in `COERCIONS` and documented
in `docs/workbook.md`: "１２０", "1,200" and "120亩" are numbers; a date in a year column is read
as its year; a totals row is skipped; a vertical merged range in one column is filled down; a title
row above the header, a second (bilingual) header row and a units row are skipped; formulas give their last
computed values.

Stage 2 (`check_scenario`) checks the records against each other: unique ids, references to
other sheets, platforms in the project's district, years inside the horizon, quotas for every
district-year, actuals and variants. It runs on partial data too (cells that failed stage 1 are blank),
so that one run reports every problem. The checks that need the prepared data (projects that nothing could
ever supply, mandatory projects that cannot be eligible) come after, from the run's one prepare:
`quota_opt.validate_workbook` and `quota_opt.read_scenario` add them.

`validate_workbook(path)` runs both and returns a `ValidationReport` (it never raises for anything
in the file); `read_scenario(path)` returns the `Scenario` or raises `InputError` with every error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.ids import first_look_alike, look_alike, skeleton
from quota_opt.core.results_schema import ALLOCATION, SUMMARY
from quota_opt.core.scenario import ROW, Scenario, Settings, SheetMeta, normalize_table
from quota_opt.core.schema import (
    IGNORED_SHEETS,
    SETTINGS,
    SHEETS,
    SHEETS_BY_KEY,
    WEIGHT_KEYS,
    Column,
    ColumnType,
    Sheet,
    column_letter,
    find_sheet,
    header_candidates,
    header_unit,
    normalize_name,
    spellings,
)
from quota_opt.input.cells import (
    BAD,
    KNOWN_UNITS,
    UNITS_NORMALIZED,
    is_blank,
    parse_cell,
    shown_number,
)
from quota_opt.input.cells import COERCIONS as COERCIONS
from quota_opt.input.cells import SILENT_NORMALIZATIONS as SILENT_NORMALIZATIONS
from quota_opt.input.read import (
    MAX_COLUMNS,
    RawSheet,
    RawWorkbook,
    read_workbook,
)
from quota_opt.input.variants import check_variants

# A totals row's label: Chinese words may carry a suffix ("合计（亩）", "小计-A区"); English ones stand alone.
_TOTAL_WORDS_ZH = ("合计", "总计", "小计", "累计", "总和")
_TOTAL_WORDS_EN = ("total", "totals", "sum", "subtotal", "grandtotal")
_TOTAL_FORMULA = re.compile(r"^\s*(?:_xlfn\.)?(?:SUM|SUBTOTAL|AGGREGATE|SUMIF|SUMIFS|SUMPRODUCT)\s*\(", re.IGNORECASE)
_SETTINGS_HEADER_WORDS = {normalize_name(w) for w in (
    "参数", "参数名", "参数名称", "键", "key", "parameter", "setting", "settings", "名称", "name", "项目")}
_NAME_COLON = re.compile(r"\s*[:：]\s*$")  # a colon after a parameter name
_HEADER_SEARCH_ROWS = 10


@dataclass
class ValidationReport:
    """Every problem found in a workbook, and the scenario when there were no errors."""

    problems: list[Problem]
    scenario: Scenario | None = None
    path: Path | None = None
    prepared: Any = None  # the scenario's prepare.Prepared, when pipeline.validate_workbook made it: for the run

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self, lang: str = "zh") -> list[str]:
        return [p.message(lang) for p in self.problems]

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems found later (`pipeline.check_and_prepare`'s): the report keeps reading order and no repeats,
        and keeps its scenario only while there is no error."""
        self.problems = _ordered(_dedupe([*self.problems, *problems]))
        if not self.ok:
            self.scenario = self.prepared = None
        elif self.scenario is not None:
            self.scenario.warnings = self.warnings


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    settings: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, SheetMeta] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    found: dict[str, RawSheet] = field(default_factory=dict)  # schema sheet key → the sheet read for it

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def _loc(sheet: Sheet, raw: RawSheet, row: int | None, column: Column | None = None,
         col_index: int | None = None, header: str | None = None) -> Location:
    cell = f"{column_letter(col_index)}{row}" if col_index and row else None
    return Location(sheet=sheet.key, sheet_name=raw.name, row=row, column=column.key if column else None,
                    header=header, cell=cell)


_SPELLINGS: dict[str, dict[str, Column]] = {}  # sheet key → normalized header spelling → column


def _match(sheet: Sheet, header: Any) -> Column | None:
    """`schema.match_column`, with the spellings normalized once per sheet (headers are matched often)."""
    index = _SPELLINGS.get(sheet.key)
    if index is None:
        index = {}
        for col in sheet.columns:
            for spelling in col.spellings():
                index.setdefault(normalize_name(spelling), col)
        _SPELLINGS[sheet.key] = index
    for candidate in header_candidates(header):
        found = index.get(candidate)
        if found is not None:
            return found
    return None


def _header_unit_problem(sheet: Sheet, raw: RawSheet, row: int, col_index: int, col: Column,
                         header: Any) -> Problem | None:
    """An error when a header (or a settings name) that names `col` states another unit than `col`'s.

    Headers match with or without a unit in brackets; the numbers are never converted, so "总投资（万元）" over
    亿元 figures in 万元 would be read 10,000 times too large. The unit of a cell ("120亩") is checked in
    `_number_from_text`; this is its counterpart for headers, for every sheet.
    """
    if not isinstance(header, str):
        return None
    unit = header_unit(header)
    if unit is None or normalize_name(header) in spellings(*col.spellings()):
        return None
    return _unit_problem(sheet, raw, row, col_index, col, header, unit)


def _unit_problem(sheet: Sheet, raw: RawSheet, row: int, col_index: int, col: Column, cell: str,
                  unit: str) -> Problem | None:
    """An error when `unit`, stated by the cell `cell` (a header, a settings name or a units row's cell) of `col`,
    is not `col`'s unit; None when it is (or when it is a note in brackets, not a unit)."""
    found = normalize_name(unit)
    if col.unit_zh:
        accepted = {normalize_name(col.unit_zh), normalize_name(col.unit_en)} | UNITS_NORMALIZED.get(col.unit_zh, set())
        if found in accepted:
            return None
        code = "header_unit_mismatch"
    elif found in KNOWN_UNITS:
        code = "header_unit_unexpected"
    else:
        return None  # a note in brackets ("项目名称（全称）"), not a unit
    text = _header_text(cell)
    return Problem(Severity.ERROR, code, _loc(sheet, raw, row, col, col_index, text),
                   {"header": text, "found": unit, "expected": {"zh": col.unit_zh, "en": col.unit_en},
                    "key": col.key, "label_zh": col.label_zh, "label_en": col.label_en})


class _LazyLocation:
    """A cell's Location, made only when a problem needs it (most cells have none)."""

    __slots__ = ("args",)

    def __init__(self, *args: Any):
        self.args = args

    def __call__(self) -> Location:
        return _loc(*self.args)


def _header_text(value: Any) -> str:
    text = str(value).strip()
    return text if len(text) <= 80 else text[:80] + "…"


def _matched_columns(sheet: Sheet, values: tuple[Any, ...]) -> set[str]:
    found: set[str] = set()
    for v in values:
        if is_blank(v) or not isinstance(v, str | int | float) or isinstance(v, bool):
            continue
        if isinstance(v, str) and len(v) > 200:
            continue
        col = _match(sheet, v)
        if col is not None:
            found.add(col.key)
    return found


def _find_header(sheet: Sheet, raw: RawSheet) -> int | None:
    """Index in raw.rows of the header row: among the first rows, the one naming the most columns
    (at least two, or the only one for a one-column sheet); the earliest on a tie."""
    need = min(2, len(sheet.columns))
    best, best_count = None, 0
    for i, (_, values) in enumerate(raw.rows[:_HEADER_SEARCH_ROWS]):
        count = len(_matched_columns(sheet, values))
        if count >= need and count > best_count:
            best, best_count = i, count
    return best


def _total_label(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = normalize_name(value).rstrip(":：")
    if any(word.startswith(w) for w in _TOTAL_WORDS_ZH):
        return value.strip()
    if word in _TOTAL_WORDS_EN or re.fullmatch(r"(?:grand)?(?:sub)?totals?[\(（:：].*", word):
        return value.strip()
    return None


_LABEL_TYPES = (ColumnType.ID, ColumnType.TEXT, ColumnType.ID_LIST, ColumnType.CHOICE)
# how a note under a table begins: 注：/注1/备注/说明/数据来源…, Note:/Source:…, or a footnote mark (* ※)
_FOOTNOTE = re.compile(r"^(?:[*※]|(?:注|备注|附注|说明|数据来源|资料来源|来源)(?:\d|[:：、.\s(（]|$)"
                       r"|(?:notes?|sources?|remarks?|n\.?b\.?)(?:\d|[:.\s(]|$))", re.IGNORECASE)


def _footnote(values: tuple[Any, ...]) -> str | None:
    """The text of a note under a table ("注：数据来源…", "Note: …", "* …"): a row whose one non-blank cell is a
    text beginning the way notes begin, or None. One cell only, so that a record (whose name might begin so) is
    never taken for a note."""
    filled = [v for v in values if not is_blank(v)]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return None
    if not _FOOTNOTE.match(unicodedata.normalize("NFKC", filled[0]).strip()):
        return None
    text = filled[0].strip()  # as typed, cut for the message
    return text if len(text) <= 40 else text[:40] + "…"


_UNITS_ROW_LABELS = {normalize_name(w) for w in ("单位", "计量单位", "unit", "units")}


def _units_row(values: tuple[Any, ...]) -> dict[int, str] | None:
    """The units a row under the header states, by column index ("亿元", "（亩）", "单位：亩"; government sheets
    often have one), or None when it is not such a row: every non-blank cell a unit, at least two, one cell may
    say "单位"."""
    units: dict[int, str] = {}
    for i, value in enumerate(values, start=1):
        if is_blank(value) or (isinstance(value, str) and normalize_name(value) in _UNITS_ROW_LABELS):
            continue
        if not isinstance(value, str):
            return None
        text = unicodedata.normalize("NFKC", value).strip().strip("()[]（）【】 ")
        unit = header_unit(f"({text})")
        if unit is None or normalize_name(unit) not in KNOWN_UNITS:
            return None
        units[i] = unit
    return units if len(units) >= 2 else None


def _totals_row(sheet: Sheet, row_number: int, values: tuple[Any, ...], columns: dict[str, tuple[int, str]],
                formulas_by_row: dict[int, list[str]]) -> str | None:
    """The label of a totals row ("合计", or "SUM(…)" for an unlabelled row of sums), or None for a record."""
    first = next(((i, v) for i, v in enumerate(values, start=1) if not is_blank(v)), None)
    label = _total_label(first[1]) if first is not None else None
    if label is None and row_number not in formulas_by_row:
        return None  # the common case, decided without looking at every column
    label_cells = [(idx, values[idx - 1]) for key, (idx, _) in columns.items()
                   if sheet.column(key).type in _LABEL_TYPES and idx - 1 < len(values)
                   and not is_blank(values[idx - 1])]
    if first is not None and label is not None and all(idx == first[0] for idx, _ in label_cells):
        return label
    if not label_cells:
        for formula in formulas_by_row.get(row_number, ()):
            if _TOTAL_FORMULA.match(formula):
                return f"={formula.strip()}"
    return None


def _parse_table(sheet: Sheet, raw: RawSheet, out: _Parsed, epoch: dt.datetime) -> None:
    problems = out.problems
    meta = SheetMeta(name=raw.name)
    out.meta[sheet.key] = meta
    records: list[dict[str, Any]] = []
    out.tables[sheet.key] = records
    if not raw.rows:
        if sheet.required:
            problems.append(Problem(Severity.ERROR, "empty_sheet", _loc(sheet, raw, None),
                                    {"columns": _required_list(sheet)}))
        return
    header_at = _find_header(sheet, raw)
    if header_at is None:
        problems.append(Problem(Severity.ERROR, "no_header", _loc(sheet, raw, raw.rows[0][0]),
                                {"columns": _required_list(sheet), "rows": _HEADER_SEARCH_ROWS}))
        return
    header_row, header_values = raw.rows[header_at]
    if header_at > 0:
        first, last = raw.rows[0][0], raw.rows[header_at - 1][0]
        problems.append(Problem(Severity.WARNING, "rows_above_header", _loc(sheet, raw, header_row),
                                {"header_row": header_row, "rows": str(first) if first == last else f"{first}–{last}"}))
    near = _map_header(sheet, raw, header_row, header_values, meta, problems)
    for col in sheet.columns:
        if col.required and col.key not in meta.columns and col.key not in near:
            problems.append(Problem(Severity.ERROR, "missing_column", _loc(sheet, raw, header_row),
                                    {"key": col.key, "label_zh": col.label_zh, "label_en": col.label_en}))
    used = {idx: sheet.column(key) for key, (idx, _) in meta.columns.items()}
    fill_down, merged_reported = _merged_ranges(sheet, raw, header_row, used, problems)
    by_row = dict(raw.rows)
    body = raw.rows[header_at + 1:]
    if body and len(_matched_columns(sheet, body[0][1])) >= max(2, (len(meta.columns) + 1) // 2):
        problems.append(Problem(Severity.WARNING, "extra_header_row", _loc(sheet, raw, body[0][0]), {}))
        body = body[1:]
    if body and (units := _units_row(body[0][1])) is not None:
        row_number = body[0][0]
        problems.append(Problem(Severity.WARNING, "units_row_skipped", _loc(sheet, raw, row_number),
                                {"units": {"zh": "、".join(dict.fromkeys(units.values())),
                                           "en": ", ".join(dict.fromkeys(units.values()))}}))
        for col_index, unit in units.items():
            if col_index in used and (wrong := _unit_problem(sheet, raw, row_number, col_index, used[col_index],
                                                             str(body[0][1][col_index - 1]), unit)):
                problems.append(wrong)
        body = body[1:]
    formulas_by_row: dict[int, list[str]] = {}
    for (r, _c), formula in raw.formulas.items():
        formulas_by_row.setdefault(r, []).append(formula)
    unlabelled: dict[int, int] = {}  # column index without a header → first row with a value there
    formula_columns: dict[str, list[int]] = {}
    columns = [(key, sheet.column(key), col_index, header) for key, (col_index, header) in meta.columns.items()]
    free_by_width: dict[int, list[int]] = {}  # row length → column indexes with neither a known column nor a header
    for row_number, values in body:
        free = free_by_width.get(len(values))
        if free is None:
            free = [i for i in range(1, len(values) + 1) if i not in used and not _is_header_cell(header_values, i)]
            free_by_width[len(values)] = free
        for i in free:
            if i not in unlabelled and not is_blank(values[i - 1]):
                unlabelled[i] = row_number
        if all(is_blank(values[idx - 1]) if idx - 1 < len(values) else True for idx in used) and not any(
            (row_number, idx) in raw.formula_no_value or (row_number, idx) in fill_down for idx in used
        ):
            if used:
                problems.append(Problem(Severity.WARNING, "row_without_data", _loc(sheet, raw, row_number), {}))
            continue
        note = _footnote(values)
        if note is not None:
            problems.append(Problem(Severity.WARNING, "footnote_row_skipped", _loc(sheet, raw, row_number),
                                    {"found": note}))
            continue
        total = _totals_row(sheet, row_number, values, meta.columns, formulas_by_row)
        if total is not None:
            problems.append(Problem(Severity.WARNING, "totals_row_skipped", _loc(sheet, raw, row_number),
                                    {"found": total}))
            continue
        record: dict[str, Any] = {ROW: row_number}
        for key, col, col_index, header in columns:
            where = _LazyLocation(sheet, raw, row_number, col, col_index, header)
            if merged_reported and (row_number, col_index) in merged_reported:
                record[key] = BAD  # reported once for its whole range
                continue
            if raw.formulas and (row_number, col_index) in raw.formulas:
                if (row_number, col_index) in raw.formula_no_value:
                    problems.append(Problem(Severity.ERROR, "formula_no_value", where(), {}))
                    record[key] = BAD
                    continue
                formula_columns.setdefault(key, []).append(row_number)
            source = fill_down.get((row_number, col_index)) if fill_down else None
            src_values = by_row.get(source, ()) if source is not None else values
            value = src_values[col_index - 1] if col_index - 1 < len(src_values) else None
            record[key] = parse_cell(col, value, where, problems, epoch)
        records.append(record)
    for key, rows in formula_columns.items():
        col_index, header = meta.columns[key]
        problems.append(Problem(Severity.WARNING, "formula_values_used",
                                _loc(sheet, raw, rows[0], sheet.column(key), col_index, header),
                                {"count": len(rows)}))
    for col_index, row_number in sorted(raw.beyond.items())[:1]:  # the first is enough to find them
        problems.append(Problem(Severity.WARNING, "beyond_last_column", _loc(sheet, raw, row_number, None, col_index),
                                {"letter": column_letter(col_index), "last": column_letter(MAX_COLUMNS),
                                 "count": len(raw.beyond)}))
    for col_index, row_number in sorted(unlabelled.items()):
        problems.append(Problem(Severity.WARNING, "data_without_header",
                                _loc(sheet, raw, row_number, None, col_index), {"letter": column_letter(col_index)}))
    if sheet.required and not records and sheet.key in ("districts", "projects") and meta.columns:
        problems.append(Problem(Severity.ERROR, "no_records", _loc(sheet, raw, header_row), {}))


def _is_header_cell(header_values: tuple[Any, ...], index: int) -> bool:
    return index - 1 < len(header_values) and not is_blank(header_values[index - 1])


def _required_list(sheet: Sheet) -> dict[str, str]:
    cols = [c for c in sheet.columns if c.required] or list(sheet.columns)
    return {"zh": "、".join(f"{c.label_zh}({c.key})" for c in cols), "en": ", ".join(c.key for c in cols)}


def _map_header(sheet: Sheet, raw: RawSheet, header_row: int, header_values: tuple[Any, ...], meta: SheetMeta,
                problems: list[Problem]) -> set[str]:
    """Map each header cell to its column; note unknown and duplicate headers. Returns the columns named with extra
    text ("必保/是否"), reported here, so that a required one is not also reported missing."""
    unknown: list[tuple[int, str]] = []
    for col_index, value in enumerate(header_values, start=1):
        if is_blank(value):
            continue
        col = _match(sheet, value) if isinstance(value, str | int | float) else None
        text = _header_text(value)
        wrong_unit = _header_unit_problem(sheet, raw, header_row, col_index, col, value) if col else None
        if wrong_unit is not None:
            problems.append(wrong_unit)  # the column is still mapped: its cells are checked, none goes missing
        if col is None:
            unknown.append((col_index, text))
        elif col.key in meta.columns:
            first_index, first_text = meta.columns[col.key]
            problems.append(Problem(Severity.ERROR, "duplicate_column", _loc(sheet, raw, header_row, col, col_index),
                                    {"header": text, "other_header": first_text,
                                     "other": column_letter(first_index)}))
        else:
            meta.columns[col.key] = (col_index, text)
    near: set[str] = set()
    for col_index, text in unknown:
        col = _named_with_extra_text(sheet, text, meta)
        if col is None or col.key in near:
            problems.append(Problem(Severity.WARNING, "unknown_column",
                                    _loc(sheet, raw, header_row, None, col_index), {"header": text}))
            continue
        near.add(col.key)
        problems.append(Problem(Severity.ERROR, "header_extra_text", _loc(sheet, raw, header_row, col, col_index, text),
                                {"header": text, "key": col.key, "label_zh": col.label_zh, "label_en": col.label_en}))
    return near


_AFTER_NAME = frozenset(" /|\\-_:,;、")  # what may follow a column's name in a header that adds text ("必保/是否")


def _named_with_extra_text(sheet: Sheet, text: str, meta: SheetMeta) -> Column | None:
    """The column, not in the header otherwise, whose name an unrecognised header starts with, followed by a
    separator ("必保/是否", "用地需求 亩", "Land demand - mu"); None for any other header ("必保理由" is a note)."""
    header = unicodedata.normalize("NFKC", text).strip().casefold()
    for col in sheet.columns:
        if col.key in meta.columns:
            continue
        for name in col.spellings():
            name = unicodedata.normalize("NFKC", name).strip().casefold()
            if name and header.startswith(name) and len(header) > len(name) and header[len(name)] in _AFTER_NAME:
                return col
    return None


def _merged_ranges(sheet: Sheet, raw: RawSheet, header_row: int, used: dict[int, Column],
                   problems: list[Problem]) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    """Merged ranges below the header: one column → filled down (warned); across columns or the header → error.

    Returns {(row, col): row of the value} for the filled-down cells, and the (row, col) cells of the ranges
    reported as errors (not read: their blanks would each be reported again as a missing value).
    """
    fill_down: dict[tuple[int, int], int] = {}
    reported: set[tuple[int, int]] = set()
    numbers = [r for r, _ in raw.rows]  # the rows read, ascending: a range's cost follows them, not its size
    by_row = dict(raw.rows)
    for r1, c1, r2, c2 in raw.merged:
        if r2 < header_row:
            continue
        touched = sorted(c for c in used if c1 <= c <= c2)
        if not touched:
            continue
        inside = numbers[bisect.bisect_left(numbers, r1):bisect.bisect_right(numbers, r2)]
        if not any(not is_blank(by_row[r][c - 1]) for r in inside if r > header_row
                   for c in range(c1, min(c2, len(by_row[r])) + 1)) and r1 > header_row:
            continue  # merged but empty (formatting under the table): nothing to misread
        span = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        col = used[touched[0]]
        if r1 <= header_row:
            if r2 > header_row or c1 != c2:
                problems.append(Problem(Severity.ERROR, "merged_header", _loc(sheet, raw, header_row, col, touched[0]),
                                        {"range": span}))
            continue
        if c1 == c2:
            problems.append(Problem(Severity.WARNING, "merged_fill_down", _loc(sheet, raw, r1, col, c1),
                                    {"range": span, "first": r1, "last": r2}))
            for r in inside:
                if r > r1:
                    fill_down[(r, c1)] = r1
        else:
            problems.append(Problem(Severity.ERROR, "merged_cell", _loc(sheet, raw, r1, col, touched[0]),
                                    {"range": span}))
            reported.update((r, c) for r in inside for c in touched)
    return fill_down, reported


def _parse_settings(raw: RawSheet, out: _Parsed, epoch: dt.datetime) -> None:
    """The key-value settings sheet: parameter name in column A, value in column B."""
    sheet = SETTINGS
    meta = SheetMeta(name=raw.name)
    out.meta[sheet.key] = meta
    seen: dict[str, tuple[int, Any]] = {}
    merged_rows: dict[int, str] = {}
    for r1, c1, r2, c2 in raw.merged:
        # a value merged across B:D is harmless; a merge down column A or B gives one value to several rows
        if c1 <= 2 and (r1 != r2 or c1 == 1):
            span = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
            for r in range(r1, r2 + 1):
                merged_rows.setdefault(r, span)
    for row_number, values in raw.rows:
        name = values[0] if values else None
        value = values[1] if len(values) > 1 else None
        if is_blank(name):
            if not is_blank(value) and row_number not in merged_rows:
                out.problems.append(Problem(Severity.WARNING, "setting_without_name",
                                            _loc(sheet, raw, row_number, None, 2), {"found": value}))
            continue
        if isinstance(name, str):
            name = _NAME_COLON.sub("", name)  # "基准年度：", laid out as on a paper form
        col = _match(sheet, name) if isinstance(name, str | int | float) else None
        if col is None:
            if normalize_name(name) not in _SETTINGS_HEADER_WORDS:
                out.problems.append(Problem(Severity.WARNING, "unknown_setting", _loc(sheet, raw, row_number, None, 1),
                                            {"found": _header_text(name)}))
            continue
        where = _loc(sheet, raw, row_number, col, 2, _header_text(name))
        wrong_unit = _header_unit_problem(sheet, raw, row_number, 1, col, name)
        if wrong_unit is not None:
            out.problems.append(wrong_unit)
        if row_number in merged_rows:
            out.problems.append(Problem(Severity.ERROR, "merged_cell", where, {"range": merged_rows[row_number]}))
            seen.setdefault(col.key, (row_number, BAD))
            continue
        if (row_number, 2) in raw.formula_no_value:
            out.problems.append(Problem(Severity.ERROR, "formula_no_value", where, {}))
            seen.setdefault(col.key, (row_number, BAD))
            continue
        scratch: list[Problem] = []
        parsed = parse_cell(col, value, where, scratch, epoch)
        if col.key in seen:
            first_row, first_value = seen[col.key]
            same = parsed is not BAD and first_value is not BAD and parsed == first_value
            out.problems.append(Problem(Severity.WARNING if same else Severity.ERROR,
                                        "duplicate_setting" if same else "conflicting_setting", where,
                                        {"key": col.key, "other": first_row}))
            continue
        out.problems.extend(scratch)
        seen[col.key] = (row_number, parsed)
        meta.columns.setdefault(col.key, (2, _header_text(name)))
        if parsed is not BAD and parsed is not None:
            out.settings[col.key] = parsed
    if normalize_name(raw.name) == normalize_name(sheet.label_zh):  # a Chinese workbook: a blank name reads as 方案
        for col in sheet.columns:
            if col.default_zh is not None and col.key not in out.settings:
                out.settings[col.key] = col.default_zh
    for col in sheet.columns:
        if col.required and col.key not in seen:
            out.problems.append(Problem(Severity.ERROR, "missing_setting",
                                        Location(sheet=sheet.key, sheet_name=raw.name, column=col.key),
                                        {"key": col.key, "label_zh": col.label_zh}))
    # 五(一) gives the stock-land reward "在项目完成供地后下一年度": a lag of 0 only with the documented override
    if out.settings.get("reward_lag_years") == 0 and not out.settings.get("same_year_reward", False):
        out.problems.append(Problem(Severity.ERROR, "reward_lag_zero",
                                    _loc(sheet, raw, seen["reward_lag_years"][0], None, 2), {}))
    weights = [out.settings.get(k, SETTINGS.column(k).default) for k in WEIGHT_KEYS]
    if all(w == 0 for w in weights):
        rows = [seen[k][0] for k in WEIGHT_KEYS if k in seen]
        weight_row = min(rows) if rows else None
        out.problems.append(Problem(Severity.ERROR, "weights_all_zero",
                                    _loc(sheet, raw, weight_row, None, 2 if weight_row else None), {}))


def _spans(numbers: list[int], name: Callable[[int], str], most: int = 10) -> dict[str, str]:
    """Sorted numbers as ranges, "2–11、15" / "2–11, 15" (or "B、D–F" with `name=column_letter`), the first
    `most` of them."""
    spans: list[tuple[int, int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    shown = [name(a) if a == b else f"{name(a)}–{name(b)}" for a, b in spans[:most]]
    more = len(spans) > most
    return {"zh": "、".join(shown) + ("……" if more else ""), "en": ", ".join(shown) + (", …" if more else "")}


def _warn_hidden_rows_and_columns(sheet: Sheet, raw: RawSheet, problems: list[Problem]) -> None:
    """Hidden rows and columns that hold values are read like any other; say so, as for a hidden sheet,
    since the person checking the sheet on screen does not see them (a filter, a collapsed group)."""
    if not raw.hidden_rows and not raw.hidden_columns:
        return
    where = Location(sheet=sheet.key, sheet_name=raw.name)
    rows = [r for r, values in raw.rows if r in raw.hidden_rows and not all(is_blank(v) for v in values)]
    if rows:
        problems.append(Problem(Severity.WARNING, "hidden_rows", where, {"rows": _spans(rows, str), "count": len(rows)}))
    hidden = sorted(raw.hidden_columns)  # a hidden range may run to XFD: look only as far as each row reaches
    columns = sorted({c for _, values in raw.rows for c in hidden[:bisect.bisect_right(hidden, len(values))]
                      if not is_blank(values[c - 1])})
    if columns:
        problems.append(Problem(Severity.WARNING, "hidden_columns", where,
                                {"columns": _spans(columns, column_letter), "count": len(columns)}))


def is_results_sheets(names: Iterable[str]) -> bool:
    """True when sheets of these names are those of a results workbook (`quota-opt run`'s summary or
    allocation sheet, in either language), which a clerk may give where a scenario is expected."""
    wanted = {normalize_name(n) for s in (SUMMARY, ALLOCATION) for n in (s.key, s.label_zh, s.label_en)}
    return any(normalize_name(n) in wanted for n in names)


def parse_workbook(raw: RawWorkbook) -> _Parsed:
    """Stage 1: typed records per sheet, with every cell-level problem noted."""
    out = _Parsed()
    found = out.found
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
        _warn_hidden_rows_and_columns(sch, raw_sheet, out.problems)
    if not found:
        if is_results_sheets([s.name for s in raw.sheets]):  # a results workbook given for a scenario
            out.problems = [Problem(Severity.ERROR, "results_not_scenario", Location(), {})]
            return out
        names = ", ".join(f'"{s.name}"' for s in raw.sheets[:10]) or "—"
        out.problems.append(Problem(Severity.ERROR, "empty_workbook", Location(), {"found": names}))
        return out
    for sch in SHEETS:
        sheet_read = found.get(sch.key)
        if sheet_read is None:
            if sch.required:
                out.problems.append(Problem(Severity.ERROR, "missing_sheet", Location(sheet=sch.key),
                                            {"key": sch.key, "label_zh": sch.label_zh}))
            continue
        if sch.kind == "keyvalue":
            _parse_settings(sheet_read, out, raw.epoch)
        else:
            _parse_table(sch, sheet_read, out, raw.epoch)
    return out


# --------------------------------------------------------------------------------------------
# Cross-sheet checks
# --------------------------------------------------------------------------------------------


def _err(problems: list[Problem], code: str, where: Location, **params: Any) -> None:
    problems.append(Problem(Severity.ERROR, code, where, params))


def _warn(problems: list[Problem], code: str, where: Location, **params: Any) -> None:
    problems.append(Problem(Severity.WARNING, code, where, params))


def _present(v: Any) -> bool:
    if v is None or v is BAD or v is pd.NA:
        return False
    return not (isinstance(v, float) and math.isnan(v))


def _key_text(sheet: Sheet, keys: Iterable[str], values: Iterable[Any]) -> dict[str, str]:
    pairs = [(k, v) for k, v in zip(keys, values, strict=True) if _present(v)]
    zh = "、".join(f"{sheet.column(k).label_zh} {v}" for k, v in pairs)
    en = ", ".join(f"{k} {v}" for k, v in pairs)
    return {"zh": zh, "en": en}


def known_preview(ids: set[str]) -> str:
    """The first ids of a referenced sheet, sorted, for a message naming an unknown one: "A, B, C, …"."""
    shown = sorted(ids)[:8]
    text = ", ".join(shown) if shown else "—"
    return text + (", …" if len(ids) > len(shown) else "")


def check_scenario(sc: Scenario, *, records_sound: bool = True) -> list[Problem]:
    """Stage 2: checks between records and sheets.

    Works on partial data: cells that failed stage 1 are blank here and are skipped. Checks that
    need sound records (actuals against their project, variants) run only when `records_sound` (no stage-1
    errors) and no error was found before them. The checks that need the prepared data (supply limits, mandatory
    projects that cannot be eligible) follow in `quota_opt.pipeline.check_and_prepare`, after the run's one prepare.
    """
    problems: list[Problem] = []
    s = sc.settings
    _check_unique(sc, problems)
    ids = {
        "districts": {v for v in sc.districts["district_id"] if _present(v)},
        "platforms": {v for v in sc.platforms["platform_id"] if _present(v)},
        "chains": {v for v in sc.chains["chain_id"] if _present(v)},
        "projects": {v for v in sc.projects["project_id"] if _present(v)},
    }
    # a sheet whose ids could not be read (empty, no header, id column missing: reported already) is not checked
    # against, or every reference to it would be reported as unknown too
    present_sheets = {s_.key for s_ in SHEETS}
    if sc.meta:
        present_sheets = {k for k, m in sc.meta.items() if SHEETS_BY_KEY[k].id_column in (None, *m.columns)}
    for sch in SHEETS:
        if sch.kind != "table" or (sc.meta and sch.key not in sc.meta):
            continue
        df = sc.table(sch.key)
        for col in sch.columns:
            if not col.ref or col.ref not in ids or col.ref not in present_sheets:
                continue
            known = ids[col.ref]
            known_looks = {skeleton(k): k for k in sorted(known, key=str) if isinstance(k, str)}
            ref_table = sc.table(col.ref)
            named = {normalize_name(n): i for i, n in zip(ref_table[SHEETS_BY_KEY[col.ref].id_column],
                                                          ref_table["name"], strict=True)
                     if _present(i) and isinstance(n, str) and n.strip()} if "name" in ref_table.columns else {}
            for value, row in zip(df[col.key], df[ROW], strict=True):
                values = value if col.type is ColumnType.ID_LIST and isinstance(value, tuple) else (value,)
                for v in dict.fromkeys(values):
                    if _present(v) and v not in known:
                        code = named.get(normalize_name(v)) if isinstance(v, str) else None
                        if code is not None:  # the name typed where the code belongs (萧山区 for XS)
                            _err(problems, "reference_is_a_name", sc.loc(sch.key, row, col.key), found=v, ref=col.ref,
                                 ref_label=SHEETS_BY_KEY[col.ref].label_zh, match=code)
                            continue
                        alike = first_look_alike(v, known_looks) if isinstance(v, str) else None
                        if alike is not None:
                            where_char = ({"zh": "此处", "en": "here"} if alike["in_found"] else
                                          {"zh": f"“{alike['match']}”中", "en": f"in {alike['match']}"})
                            _err(problems, "unknown_reference_look_alike", sc.loc(sch.key, row, col.key), found=v,
                                 ref=col.ref, ref_label=SHEETS_BY_KEY[col.ref].label_zh, where_char=where_char,
                                 **_alike_params(alike))
                            continue
                        _err(problems, "unknown_reference", sc.loc(sch.key, row, col.key), found=v, ref=col.ref,
                             ref_label=SHEETS_BY_KEY[col.ref].label_zh, known=known_preview(known))
    platform_district: dict[Any, Any] = {}
    for pid, did in zip(sc.platforms["platform_id"], sc.platforms["district_id"], strict=True):
        if _present(pid):
            platform_district.setdefault(pid, did)
    for pid, did, row in zip(sc.projects["platform_id"], sc.projects["district_id"], sc.projects[ROW], strict=True):
        home = platform_district.get(pid) if _present(pid) else None
        if _present(did) and did in ids["districts"] and _present(home) and home != did:
            _err(problems, "platform_district_mismatch", sc.loc("projects", row, "platform_id"),
                 platform=pid, platform_district=home, found=did)
    if not isinstance(s.base_year, int) or s.base_year <= 0:
        return problems  # no usable base year (its problem is reported): nothing to check years against
    _check_years(sc, ids["districts"], problems)
    if not records_sound or any(p.is_error for p in problems):
        return problems
    _check_actuals(sc, problems)
    _check_phases(sc, problems)
    problems.extend(check_variants(sc))
    return problems


def _check_unique(sc: Scenario, problems: list[Problem]) -> None:
    for sch in SHEETS:
        if sch.kind != "table" or not sch.primary_key:
            continue
        df = sc.table(sch.key)
        first: dict[tuple[Any, ...], Any] = {}
        # ids that differ only in case or spaces ("P01", "p01", "P 01") look the same to the person filling the
        # sheet, and Excel's lookups and Remove Duplicates treat them as one: the key as typed, by loose form
        loose_first: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        # ids that look the same but are other characters ("Р03" with a Cyrillic Р, "P03"): by skeleton (core.ids)
        look_first: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        required_keys = [k for k in sch.primary_key if sch.column(k).required]
        at = {k: i for i, k in enumerate(sch.primary_key)}
        column = sch.primary_key[0] if len(sch.primary_key) == 1 else required_keys[0]
        for rec in df[[*sch.primary_key, ROW]].itertuples(index=False, name=None):
            key, row = tuple(rec[:-1]), rec[-1]
            if not all(_present(key[at[k]]) for k in required_keys):
                continue
            norm = tuple(v if _present(v) else None for v in key)
            loose = tuple(_loose_id(v) for v in norm)
            look = tuple(skeleton(v) if isinstance(v, str) else v for v in norm)
            if norm in first:
                _err(problems, "duplicate_id", sc.loc(sch.key, row, column),
                     key_text=_key_text(sch, sch.primary_key, key), other=first[norm])
            elif loose in loose_first:
                other_key, other_row = loose_first[loose]
                _err(problems, "near_duplicate_id", sc.loc(sch.key, row, column),
                     key_text=_key_text(sch, sch.primary_key, key),
                     other_text=_key_text(sch, sch.primary_key, other_key), other=other_row)
            elif look in look_first:
                other_key, other_row = look_first[look]
                alike = next(a for f, k in zip(key, other_key, strict=True) if isinstance(f, str) and isinstance(k, str)
                             and (a := look_alike(f, k)) is not None)
                _err(problems, "confusable_id", sc.loc(sch.key, row, column),
                     key_text=_key_text(sch, sch.primary_key, key),
                     other_text=_key_text(sch, sch.primary_key, other_key), other=other_row,
                     where_char=_where_char(alike, row, other_row), **_alike_params(alike))
            else:
                first[norm] = row
                loose_first[loose] = (key, row)
                look_first[look] = (key, row)


def _alike_params(alike: dict[str, Any]) -> dict[str, Any]:
    return {"char": alike["char"], "script": alike["script"], "match": alike["match"]}


def _where_char(alike: dict[str, Any], row: Any, other_row: Any) -> dict[str, str]:
    """"this row" or "row N": where the character from another script is."""
    if alike["in_found"]:
        return {"zh": "本行", "en": "this row"}
    return {"zh": f"第 {other_row} 行", "en": f"row {other_row}"}


def _loose_id(value: Any) -> Any:
    """An id compared as a person reads it: case and spaces ignored ("P 01" ~ "p01")."""
    return re.sub(r"\s+", "", value).casefold() if isinstance(value, str) else value


def _check_years(sc: Scenario, districts: set[str], problems: list[Problem]) -> None:
    s = sc.settings
    first_year, last_year = s.base_year, s.last_year
    horizon = set(s.years)
    for key in ("district_quotas", "city_quotas"):
        df = sc.table(key)
        for year, row in zip(df["year"], df[ROW], strict=True):
            if _present(year) and int(year) not in horizon:
                _warn(problems, "year_outside_horizon", sc.loc(key, row, "year"), found=int(year),
                      first=first_year, last=last_year)
    dq_meta = sc.meta.get("district_quotas")
    if dq_meta is not None or not sc.meta:
        dq = sc.district_quotas
        have = {(int(y), d) for y, d in zip(dq["year"], dq["district_id"], strict=True) if _present(y) and _present(d)}
        for d in sorted(districts):
            for y in s.years:
                if (y, d) not in have:
                    _err(problems, "quota_missing", Location(sheet="district_quotas",
                                                             sheet_name=dq_meta.name if dq_meta else None),
                         district=d, year=y)
    cq_meta = sc.meta.get("city_quotas")
    if cq_meta is not None or not sc.meta:
        city_years = {int(y) for y in sc.city_quotas["year"] if _present(y)}
        for y in s.years:
            if y not in city_years:
                _warn(problems, "city_quota_missing",
                      Location(sheet="city_quotas", sheet_name=cq_meta.name if cq_meta else None), year=y)
    # a project with an actuals row is supplied: its window is history (a rollover keeps it as typed), not checked
    supplied = set(sc.actuals["project_id"].dropna())
    for pid, earliest, latest, row in sc.projects[["project_id", "earliest_year", "latest_year", ROW]].itertuples(
            index=False, name=None):
        if pid in supplied:
            continue
        e = int(earliest) if _present(earliest) else first_year
        la = int(latest) if _present(latest) else last_year
        if e > la and _present(earliest) != _present(latest):
            # one year typed, the other blank (taken from the horizon): the typed one lies past the horizon, which
            # is what to say; the horizon's year was never typed, so it is named by its settings
            typed_earliest = _present(earliest)
            _warn(problems, "window_past_horizon", sc.loc("projects", row, "earliest_year" if typed_earliest
                                                          else "latest_year"),
                  found=e if typed_earliest else la, first=first_year, last=last_year,
                  side={lang: text.format(found=e if typed_earliest else la, first=first_year, last=last_year,
                                          horizon_years=s.horizon_years)
                        for lang, text in WINDOW_SIDES[typed_earliest].items()})
        elif e > la:
            # at the year that was typed: a blank earliest year is the base year, not the mistake
            column = "earliest_year" if _present(earliest) else "latest_year"
            _err(problems, "window_inverted", sc.loc("projects", row, column), earliest=e, latest=la)
        elif max(e, first_year) > min(la, last_year):
            column = "earliest_year" if e > last_year else "latest_year"
            _warn(problems, "window_outside_horizon", sc.loc("projects", row, column),
                  earliest=e, latest=la, first=first_year, last=last_year)
    for year, row in zip(sc.actuals["year"], sc.actuals[ROW], strict=True):
        if _present(year) and int(year) > last_year:
            _err(problems, "actual_year_after_horizon", sc.loc("actuals", row, "year"), found=int(year),
                 last=last_year)


def _check_phases(sc: Scenario, problems: list[Problem]) -> None:
    """分期供地: following phase_of from a project never comes back to it (a phase cannot come after itself)."""
    if "phase_of" not in sc.projects.columns:
        return
    before = {p: e for p, e in zip(sc.projects["project_id"], sc.projects["phase_of"], strict=True) if isinstance(e, str)}
    for pid, row in zip(sc.projects["project_id"], sc.projects[ROW], strict=True):
        seen, at = {pid}, before.get(pid)
        while at is not None and at not in seen:
            seen.add(at)
            at = before.get(at)
        if at is not None:
            _err(problems, "phase_cycle", sc.loc("projects", row, "phase_of"), found=before[pid])


WINDOW_SIDES = {  # window_past_horizon: which year was typed, and the horizon's end it lies beyond
    True: {"zh": "最早供地年度 {found} 晚于规划期最后一年 {last}（参数表：基准年度 {first} + 规划年数 {horizon_years} − 1）",
           "en": "earliest year {found} is after the horizon's last year {last} (settings: base_year {first} + "
                 "horizon_years {horizon_years} − 1)"},
    False: {"zh": "最晚供地年度 {found} 早于规划期第一年 {first}（参数表：基准年度）",
            "en": "latest year {found} is before the horizon's first year {first} (settings: base_year)"},
}


def _check_actuals(sc: Scenario, problems: list[Problem]) -> None:
    """Each actuals row supplies its project's whole land and energy demand."""
    if sc.actuals.empty:
        return
    proj = sc.projects.drop_duplicates("project_id").set_index("project_id", drop=False)
    land_cols = ["land_district_quota", "land_provincial_pool", "land_stock", "land_province_request"]
    energy_cols = ["energy_district", "energy_city_pool"]
    for rec in sc.actuals.to_dict("records"):
        pid, row = rec["project_id"], rec[ROW]
        if not _present(pid) or pid not in proj.index:
            continue
        land = sum(float(rec[c]) for c in land_cols if _present(rec[c]))
        demand = cast(float, proj.at[pid, "land_demand"])
        if _present(demand) and abs(land - float(demand)) > 0.01 + 1e-6 * float(demand):
            _err(problems, "actual_land_mismatch", sc.loc("actuals", row, "land_district_quota"),
                 found=shown_number(round(land, 2)), expected=shown_number(round(float(demand), 2)), project=pid)
        energy = sum(float(rec[c]) for c in energy_cols if _present(rec[c]))
        e_demand = cast(float, proj.at[pid, "energy_demand"])
        if _present(e_demand) and abs(energy - float(e_demand)) > 0.5 + 1e-6 * float(e_demand):
            _err(problems, "actual_energy_mismatch", sc.loc("actuals", row, "energy_district"),
                 found=shown_number(round(energy, 1)), expected=shown_number(round(float(e_demand), 1)), project=pid)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def scenario_from_parsed(parsed: _Parsed, raw: RawWorkbook | None = None) -> Scenario:
    """A Scenario from stage-1 records (cells that could not be read become blanks, then defaults)."""
    settings_values = {k: v for k, v in parsed.settings.items() if v is not None and v is not BAD}
    settings_values.setdefault("base_year", 0)
    settings = Settings(**settings_values)
    frames = {}
    unreadable = parsed.has_errors  # a cell that could not be read (BAD) always comes with an error
    for sch in SHEETS:
        if sch.kind != "table":
            continue
        records = parsed.tables.get(sch.key, [])
        if unreadable:
            records = [{k: (None if v is BAD else v) for k, v in r.items()} for r in records]
        frames[sch.key] = normalize_table(sch.key, pd.DataFrame(records))
    return Scenario(settings=settings, meta=parsed.meta,
                    source_path=raw.path if raw else None, source_sha256=raw.sha256 if raw else None,
                    districts=frames["districts"], platforms=frames["platforms"], chains=frames["chains"],
                    district_quotas=frames["district_quotas"], city_quotas=frames["city_quotas"],
                    projects=frames["projects"], actuals=frames["actuals"], variants=frames["variants"])


def validate_workbook(path: str | Path, progress: Callable[[int], None] | None = None) -> ValidationReport:
    """Read and check a scenario workbook, cells, sheets and records; never raises for anything in the file itself.
    (`quota_opt.validate_workbook` adds the checks on the prepared data.)

    Returns every problem found (errors and warnings, in sheet and row order) and, when there are
    no errors, the Scenario. A file that cannot be opened gives a report with that one error.
    """
    path = Path(path)
    try:
        raw = read_workbook(path, progress=progress, wanted=lambda name: find_sheet(name) is not None)
    except InputError as exc:
        return ValidationReport(problems=exc.problems, path=path)
    parsed = parse_workbook(raw)
    problems = list(parsed.problems)
    scenario = None
    if parsed.found:
        scenario = scenario_from_parsed(parsed, raw)
        problems.extend(check_scenario(scenario, records_sound=not parsed.has_errors))
    report = ValidationReport(problems=_ordered(_dedupe(problems)), path=path)
    if report.ok and scenario is not None:
        scenario.warnings = report.warnings
        report.scenario = scenario
    return report


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """Drop exact repeats (same code, place and parameters), keeping the first."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.severity, p.code, p.where, tuple(sorted((k, repr(v)) for k, v in p.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


_SHEET_ORDER = {s.key: i for i, s in enumerate(SHEETS)}


def _ordered(problems: list[Problem]) -> list[Problem]:
    """Problems in reading order: the file, then sheet by sheet (schema order), row by row, column by column."""

    def key(p: Problem) -> tuple[int, int, int, int]:
        w = p.where
        if w.sheet is None and w.sheet_name is None:
            return (-1, 0, 0, 0)
        sheet_pos = _SHEET_ORDER.get(w.sheet or "", len(_SHEET_ORDER))
        col = 0
        if w.cell:
            letters = "".join(ch for ch in w.cell if ch.isalpha())
            for ch in letters:
                col = col * 26 + (ord(ch) - 64)
        return (sheet_pos, 0 if w.row is None else 1, w.row or 0, col)

    return sorted(problems, key=key)


def read_scenario(path: str | Path, progress: Callable[[int], None] | None = None) -> Scenario:
    """Read, validate and type a scenario workbook, cells, sheets and records (`quota_opt.read_scenario` adds the
    checks on the prepared data).

    Returns the `Scenario` (its `warnings` hold what did not stop it); raises `InputError` listing
    every error (and warning) when the workbook cannot be used.
    """
    report = validate_workbook(path, progress=progress)
    if not report.ok or report.scenario is None:
        raise InputError(report.problems)
    return report.scenario

"""Stage 1, one cell: read a cell's value as its column's type (number, year, yes/no, choice, id list, text),
with the coercions that are read with a warning and the normalisations made silently, recording a problem for
anything else. Used by the sheet reader (validate.py) and by the variants' overrides (variants.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from quota_opt.core.errors import Location, Problem, Severity
from quota_opt.core.ids import normalize_id
from quota_opt.core.schema import (
    NO_WORDS,
    SHEETS,
    YES_WORDS,
    Column,
    ColumnType,
    normalize_name,
    split_ids,
    yes_no_words,
)
from quota_opt.input.read import (
    DEFAULT_EPOCH,
)

_YES_SET = {normalize_name(w) for w in YES_WORDS}
_NO_SET = {normalize_name(w) for w in NO_WORDS}
# Excel's error values: a cell reading as one of these is an input error (a broken formula), never a value
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

# Units a number may carry in its cell, per column unit (zh). The number is read, the unit dropped.
_UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "亩": ("亩", "mu"),
    "吨标准煤": ("吨标准煤", "吨标煤", "吨", "tce", "t"),
    "吨标准煤/年": ("吨标准煤/年", "吨标准煤", "吨标煤/年", "吨标煤", "吨", "tce/yr", "tce/年", "tce", "t"),
    "亿元": ("亿元", "亿"),
    "万元/年": ("万元/年", "万元", "万"),
    "万元/亩": ("万元/亩",),
    "吨标准煤/万元产值": ("吨标准煤/万元产值", "吨标准煤/万元", "tce/万元"),
    "分": ("分", "points"),
    "年": ("年",),
    "秒": ("秒", "s"),
    "分/亩": ("分/亩",),
}
UNITS_NORMALIZED = {unit: {normalize_name(s) for s in spellings} for unit, spellings in _UNIT_SPELLINGS.items()}
# Words that state a unit: in the header of a column without one ("最优性间隙（%）") they mean the values are not
# the plain numbers the column takes. Any word in brackets after a column with a unit must be that unit.
KNOWN_UNITS = {normalize_name(w) for w in ("%", "‰", "百分比", "percent", "元", "万元", "亿元", "公顷", "ha", "平方米",
                                          "m2", "平方公里", "km2", "万吨")}.union(
    *UNITS_NORMALIZED.values(),
    *({normalize_name(c.unit_zh), normalize_name(c.unit_en)} - {""} for s in SHEETS for c in s.columns))
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")
# Excel keeps 15 significant digits of a number: an id of 16 digits or more typed as a number has lost its last
# digits (330100201900012345 is stored as 330100201900012000), so it is not the id that was typed
_EXCEL_EXACT_DIGITS = 1e15
_MINUS_SIGNS = str.maketrans({"−": "-", "–": "-", "﹣": "-", "－": "-"})

# Every coercion that reads an awkward cell with a warning instead of an error (docs/workbook.md).
COERCIONS: tuple[tuple[str, str, str], ...] = (
    ("coerced_number",
     "数字写成文本时：全角数字（“１２０”）、千分位逗号（“1,200”）、数字后带本列单位（“120亩”、“15亿元”、“2026年”）、"
     "无单位列中的百分数（“90%” 读作 0.9），读取数字并提示。",
     'Numbers typed as text: full-width digits ("１２０"), thousands separators ("1,200"), the column\'s own unit '
     'after the number ("120亩", "15亿元", "2026年"), and percentages in unit-less columns ("90%" reads 0.9) '
     "are read as the number, with a warning."),
    ("coerced_year",
     "年度列中的日期读作其年份（2027-03-01 → 2027）；年度被设成日期格式（显示为 1905-07-19）时读作原数字 2027。",
     "A date in a year column is read as its year (2027-03-01 → 2027); a year typed into a date-formatted cell "
     "(shown as 1905-07-19) is read back as the number typed, 2027."),
    ("totals_row_skipped",
     "合计行跳过：首个非空单元格为“合计”“总计”“小计”“Total”等且本行无其他代码或名称，或代码、名称为空而数值为 SUM/SUBTOTAL 公式。",
     'Totals rows are skipped: the first non-blank cell says "合计", "总计", "小计", "Total", ... and the row has '
     "no other id or name, or the ids and names are blank and the numbers are SUM/SUBTOTAL formulas."),
    ("merged_fill_down",
     "同一列中纵向合并的单元格，其值填入合并区域的每一行。跨列合并的单元格为错误。",
     "Cells merged down one column give their value to every row of the range. Merges across columns are errors."),
    ("formula_values_used",
     "公式单元格读取 Excel 最后一次计算的结果（每列提示一次）。没有计算结果的公式为错误，需在 Excel 中打开并保存。",
     "Formula cells are read as the value Excel last computed (one warning per column). A formula without a "
     "computed value is an error: open and save the file in Excel."),
    ("rows_above_header",
     "表头不在第1行时（上方有标题行），取前10行中匹配列名最多的一行为表头，上方各行忽略。",
     "When the header is not in row 1 (a title above it), the row among the first ten that names the most "
     "columns is the header; the rows above it are ignored."),
    ("extra_header_row",
     "紧接表头的第二行表头（如中文名下再写英文键）跳过。",
     "A second header row right below the header (e.g. keys below Chinese labels) is skipped."),
    ("units_row_skipped",
     "紧接表头（或第二行表头）的单位行（“亿元”“亩”……）跳过；各单位须为本列的单位，否则为错误。",
     'A units row right below the header (or the second header row: "亿元", "亩", ...) is skipped; each unit must '
     "be its column's unit, or it is an error."),
)

# Done silently (no warning), also documented: these lose no information.
SILENT_NORMALIZATIONS: tuple[tuple[str, str], ...] = (
    ("表头和工作表名去除空格和不可见字符（零宽空格等），不区分大小写和全角/半角，可带本列单位后缀（“用地需求（亩）”）；"
     "写明其他单位（“用地需求（公顷）”）为错误。",
     "Headers and sheet names are matched regardless of spaces, invisible characters (zero-width space, ...), case "
     'and full/half width; the column\'s own unit may follow in brackets ("用地需求（亩）", "land_demand (mu)"); '
     'another unit ("用地需求（公顷）") is an error.'),
    ("空行忽略；只有未识别列有内容的行忽略并提示。",
     "Blank rows are ignored; rows with content only in unrecognised columns are ignored with a warning."),
    (f"是/否列接受（不区分大小写）：{yes_no_words('zh')}。",
     f"Yes/no cells accept (in any case) {yes_no_words('en')}."),
    ("代码按文本读取：数字 101 读作 “101”；全角字符转为半角并去除首尾空格。",
     'Ids are text: the number 101 reads "101"; full-width characters become half-width and ends are trimmed.'),
    ("以文本形式保存的普通数字（“120”）直接读作数字。", 'Plain numbers stored as text ("120") are read as numbers.'),
    ("参数名后的冒号忽略（“基准年度：”）。", 'A colon after a parameter name is ignored ("base_year:", "基准年度：").'),
)


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


class _Bad:
    """Marks a cell that could not be read (its problem is already recorded)."""

    def __repr__(self) -> str:
        return "BAD"


BAD = _Bad()


TOO_LONG_WHAT = {False: {"zh": "编号上限", "en": "the limit for an id"},
                 True: {"zh": "Excel 单元格文本上限，结果中会被截断", "en": "Excel's limit for a cell: it would be cut in the results"}}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _number_from_text(raw: str, column: Column) -> tuple[float | None, bool]:
    """Read "１２０", "1,200", "120亩", "90%" as a number. Returns (number or None, was_coerced)."""
    stripped = raw.strip()
    s = _text(raw).translate(_MINUS_SIGNS)
    coerced = s != stripped
    compact = re.sub(r"\s+", "", s)
    if compact != s:
        coerced = True
        s = compact
    m_thousands = _THOUSANDS.match(s)
    if m_thousands:
        s = m_thousands.group(0).replace(",", "") + s[m_thousands.end():]
        coerced = True
    m = _NUMBER.match(s)
    if not m:
        return None, False
    try:
        number = float(m.group(1))
    except (ValueError, OverflowError):
        return None, False
    rest = m.group(2)
    if not rest:
        return number, coerced
    if rest == "%" and not column.unit_zh and column.type is ColumnType.FLOAT:
        return number / 100.0, True
    if normalize_name(rest) in UNITS_NORMALIZED.get(column.unit_zh, ()):
        return number, True
    return None, False


def _as_datetime(value: dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)


def _serial(moment: dt.datetime, epoch: dt.datetime = DEFAULT_EPOCH) -> float:
    """The number Excel stores for a date-time (days since the epoch)."""
    delta = moment - epoch
    serial = delta.days + delta.seconds / 86400.0
    if epoch == DEFAULT_EPOCH and serial < 61:  # Excel's phantom 29 Feb 1900
        serial -= 1
    return serial


def shown_number(number: float) -> int | float:
    return int(number) if float(number).is_integer() and abs(number) < 1e15 else number


def parse_cell(column: Column, value: Any, where: Location | Callable[[], Location], problems: list[Problem],
               epoch: dt.datetime = DEFAULT_EPOCH) -> Any:
    """Read one cell by its column's type. Returns the value, None for blank, or BAD (problem noted).

    Numbers come back as float (int for INT and YEAR columns), yes/no as bool, ids as text,
    id lists as tuples of text, choices as their canonical key. Coercions add a warning.
    `where` is the cell's Location, or a callable making it when a problem needs it.
    """

    def located() -> Location:
        return where if isinstance(where, Location) else where()

    def bad(code: str = "bad_value", **params: Any) -> _Bad:
        params.setdefault("found", value)
        problems.append(Problem(Severity.ERROR, code, located(), params))
        return BAD

    if value is None or (isinstance(value, str) and not value.strip()) or (
            isinstance(value, float) and math.isnan(value)):
        if column.required:
            problems.append(Problem(Severity.ERROR, "required_blank", located(), {}))
            return BAD
        return None
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        return bad("excel_error", found=value.strip())
    t = column.type
    if isinstance(value, str) and column.max_length is not None and len(value) > column.max_length:
        text = normalize_id(value) if t is ColumnType.ID else value
        longest = max((len(x) for x in split_ids(text)), default=0) if t is ColumnType.ID_LIST else len(text)
        if longest > column.max_length:
            return bad("too_long", found=text[:24] + "…", length=longest, limit=column.max_length,
                       what=TOO_LONG_WHAT[t is ColumnType.TEXT])
    if t is ColumnType.TEXT:
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            return value.date().isoformat()
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value).strip()
    if t in (ColumnType.ID, ColumnType.ID_LIST):
        if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
            return bad()
        if isinstance(value, float):  # a number typed as an id: exact only up to Excel's 15 digits
            if not math.isfinite(value):
                return bad()
            if abs(value) >= _EXCEL_EXACT_DIGITS:
                return bad("id_number_too_long", found=f"{value:.15G}")
            value = int(value) if value.is_integer() else value
        if t is ColumnType.ID_LIST:
            ids = split_ids(value)
            return ids if ids else bad()
        if isinstance(value, float):
            return repr(value)
        return str(value) if isinstance(value, int) else normalize_id(str(value))
    if t is ColumnType.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = normalize_name(value)
            if word in _YES_SET:
                return True
            if word in _NO_SET:
                return False
        return bad()
    if t is ColumnType.CHOICE:
        choice = column.choice_for(str(value)) if isinstance(value, str) else None
        return choice.key if choice else bad()
    return _parse_number(column, value, located, problems, bad, epoch)


def _parse_number(column: Column, value: Any, where: Callable[[], Location], problems: list[Problem],
                  bad: Callable[..., _Bad], epoch: dt.datetime) -> Any:
    """FLOAT, INT and YEAR cells: type, finiteness, whole numbers, bounds."""
    t = column.type
    number: float
    if isinstance(value, bool | dt.time | dt.timedelta):
        return bad()
    if isinstance(value, dt.date):
        moment = _as_datetime(value)
        serial = _serial(moment, epoch)
        if t is not ColumnType.YEAR:
            # a number in a date-formatted cell shows as a date: say which number it holds
            return bad("date_in_number", found=moment.date().isoformat(), serial=shown_number(round(serial, 6)))
        first_year = column.minimum if column.minimum is not None else 1990
        last_year = column.maximum if column.maximum is not None else 2100
        if first_year <= moment.year <= last_year:
            number = float(moment.year)
        elif first_year <= serial <= last_year and float(serial).is_integer():
            number = serial  # a year typed into a date-formatted cell: 2027 shows as 1905-07-19
        else:
            return bad("out_of_range", found=moment.date().isoformat())
        problems.append(Problem(Severity.WARNING, "coerced_year", where(),
                                {"found": moment.date().isoformat(), "value": int(number)}))
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return bad("out_of_range", too_large=True)
    elif isinstance(value, str):
        parsed, coerced = _number_from_text(value, column)
        if parsed is None:
            return bad()
        number = parsed
        if coerced:
            if not math.isfinite(number):
                return bad()
            problems.append(Problem(Severity.WARNING, "coerced_number", where(),
                                    {"found": value.strip(), "value": shown_number(number)}))
    else:
        return bad()
    if not math.isfinite(number):
        return bad()
    if t in (ColumnType.INT, ColumnType.YEAR) and not number.is_integer():
        return bad()
    lo, hi = column.minimum, column.maximum
    if lo is not None and (number < lo or (column.minimum_exclusive and number <= lo)):
        return bad("out_of_range")
    if column.smallest is not None and number != 0 and abs(number) < column.smallest:
        return bad("out_of_range")  # a coefficient HiGHS would drop or blur (schema.MIN_COEFFICIENT)
    if hi is not None and number > hi:
        return bad("out_of_range", too_large=True)
    return int(number) if t in (ColumnType.INT, ColumnType.YEAR) else number



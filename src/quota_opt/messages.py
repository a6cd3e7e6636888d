"""Every sentence the product says about input problems, in Chinese and English.

A message reads: where (sheet, Excel row, column label and key, cell), what was expected, what was
found, and how to fix it, e.g.
  项目(projects) 第12行，用地需求(land_demand)，单元格 G12：应为大于0的数，实际为 "abc"。
  projects row 12, land_demand (Land demand), cell G12: expected a number > 0, got "abc".
"""

from __future__ import annotations

import math
from typing import Any

from quota_opt.errors import Location, Problem
from quota_opt.schema import SHEETS_BY_KEY, Column, ColumnType

LANGS = ("zh", "en")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


# code -> (zh, en). Templates use str.format with the problem's params plus `expected`/`found`
# rendered for the language.
TEMPLATES: dict[str, tuple[str, str]] = {
    # files
    "file_not_found": ("找不到文件 {path}。请检查路径。", "file {path} does not exist. Check the path."),
    "not_a_file": ("{path} 是文件夹，不是工作簿文件。", "{path} is a directory, not a workbook file."),
    "unsupported_format": (
        "{path} 是 {fmt} 文件，本工具只读取 Excel .xlsx 工作簿。请在 Excel 或 WPS 中“另存为” .xlsx 后重试。",
        "{path} is a {fmt} file; only Excel .xlsx workbooks are read. Save it as .xlsx in Excel, WPS or LibreOffice and try again.",
    ),
    "corrupt_file": (
        "{path} 无法作为 .xlsx 工作簿打开（文件损坏或不是 Excel 文件）：{detail}",
        "{path} cannot be opened as an .xlsx workbook (damaged or not an Excel file): {detail}",
    ),
    "encrypted_file": (
        "{path} 设有打开密码，无法读取。请在 Excel 中取消密码（文件→信息→保护工作簿）后另存。",
        "{path} is password-protected and cannot be read. Remove the password in Excel (File → Info → Protect Workbook) and save again.",
    ),
    "empty_workbook": ("工作簿中没有任何方案工作表。", "the workbook contains none of the scenario sheets."),
    "unreadable_file": ("无法读取 {path}：{detail}", "cannot read {path}: {detail}"),
    # sheets
    "missing_sheet": (
        "缺少工作表。请添加名为“{label_zh}”或“{key}”的工作表（可用 quota-opt template 生成模板）。",
        'the sheet is missing. Add a sheet named "{key}" or "{label_zh}" (quota-opt template writes one).',
    ),
    "duplicate_sheet": (
        "工作表“{other}”与本表表示同一张表（{key}），只能保留一张。",
        'sheet "{other}" stands for the same table ({key}); keep only one.',
    ),
    "unknown_sheet": ("未识别的工作表，已忽略。", "unrecognised sheet, ignored."),
    "hidden_sheet": ("该工作表处于隐藏状态，仍按正常数据读取。", "this sheet is hidden; it is read like any other."),
    "no_header": (
        "找不到表头行。第1行应为列名（中文名或英文键）。",
        "no header row found. Row 1 should hold the column names (labels or keys).",
    ),
    # columns
    "missing_column": (
        "缺少必需列“{label_zh}”({key})。",
        'the required column "{key}" ({label_en}) is missing.',
    ),
    "unknown_column": ("未识别的列“{header}”，已忽略。", 'unrecognised column "{header}", ignored.'),
    "duplicate_column": (
        "列“{header}”与第 {other} 列表示同一列({key})，只读取第一列。",
        'column "{header}" names the same column ({key}) as column {other}; only the first is read.',
    ),
    # cells
    "required_blank": ("必填，但为空。", "required, but blank."),
    "bad_value": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "out_of_range": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "coerced_number": (
        "将 {found} 读作数字 {value}。如不正确请改为纯数字。",
        "read {found} as the number {value}. Type a plain number if that is wrong.",
    ),
    "coerced_year": (
        "该单元格为日期格式，将 {found} 读作年度 {value}。请改为纯数字年度。",
        "the cell holds a date; read {found} as the year {value}. Type the year as a plain number.",
    ),
    "merged_cell": (
        "位于合并单元格 {range} 中。请取消合并并在每行填写取值。",
        "is inside merged cells {range}. Unmerge them and fill in each row.",
    ),
    "formula_no_value": (
        "是公式但没有计算结果（文件未经 Excel 保存）。请在 Excel 中打开并保存后重试，或改为数值。",
        "holds a formula without a computed value (the file was not saved by Excel). Open and save it in Excel, or type the value.",
    ),
    "totals_row_skipped": (
        "看起来是合计行（{found}），已跳过。",
        "looks like a totals row ({found}); skipped.",
    ),
    # settings
    "unknown_setting": ("未识别的参数“{found}”，已忽略。", 'unrecognised parameter "{found}", ignored.'),
    "duplicate_setting": (
        "参数“{key}”重复出现（第一次在第 {other} 行），只读取第一次。",
        'parameter "{key}" appears twice (first in row {other}); the first is used.',
    ),
    "weights_all_zero": (
        "五项权重（投资规模、亩均产值、亩均税收、能效、平台评价）不能全为0。",
        "the five weights (investment, output per mu, tax per mu, energy efficiency, platform score) cannot all be 0.",
    ),
    # records
    "duplicate_id": (
        "{key_text} 重复（第一次出现在第 {other} 行）。每个编号只能出现一次。",
        "{key_text} appears twice (first in row {other}). Each id must be unique.",
    ),
    "unknown_reference": (
        "“{found}”不在“{ref_label}”({ref})表中。请先在该表中添加，或更正代码。",
        '"{found}" is not in the {ref} sheet. Add it there first, or correct the id.',
    ),
    "platform_district_mismatch": (
        "平台 {platform} 属于区县 {platform_district}，与项目所在区县 {found} 不一致。",
        "platform {platform} belongs to district {platform_district}, not to the project's district {found}.",
    ),
    "year_outside_horizon": (
        "年度 {found} 不在规划期 {first}–{last} 内，该行已忽略。",
        "year {found} is outside the planning horizon {first}–{last}; the row is ignored.",
    ),
    "quota_missing": (
        "缺少区县 {district} 在 {year} 年的指标行。请为每个区县、每个规划年度各填一行。",
        "no quota row for district {district} in {year}. Add one row per district and planning year.",
    ),
    "city_quota_missing": (
        "缺少 {year} 年的市级指标行，按0计。",
        "no city quota row for {year}; taken as 0.",
    ),
    "window_inverted": (
        "最早供地年度 {earliest} 晚于最晚供地年度 {latest}。",
        "earliest year {earliest} is after latest year {latest}.",
    ),
    "window_outside_horizon": (
        "供地年度区间 {earliest}–{latest} 与规划期 {first}–{last} 无交集，该项目不会被安排。",
        "the supply window {earliest}–{latest} misses the planning horizon {first}–{last}; the project cannot be scheduled.",
    ),
    "project_too_large": (
        "用地需求 {found} 亩超过任何年度可能的供给上限（约 {limit} 亩），该项目无法安排。",
        "land demand {found} mu exceeds anything that could ever supply it in one year (about {limit} mu); it cannot be scheduled.",
    ),
    "project_energy_too_large": (
        "年综合能耗 {found} 吨标准煤超过任何年度可能的能耗指标上限（约 {limit}），该项目无法安排。",
        "energy demand {found} tce exceeds any year's possible energy quota (about {limit} tce); it cannot be scheduled.",
    ),
    "mandatory_ineligible": (
        "必保项目不具备分配资格：{reason}",
        "mandatory project is not eligible: {reason}",
    ),
    "actual_land_mismatch": (
        "各来源合计 {found} 亩，与项目用地需求 {expected} 亩不一致。",
        "the sources add up to {found} mu, not the project's land demand of {expected} mu.",
    ),
    "actual_energy_mismatch": (
        "能耗来源合计 {found}，与项目年综合能耗 {expected} 不一致。",
        "the energy sources add up to {found} tce, not the project's energy demand of {expected} tce.",
    ),
    "actual_source_not_allowed": (
        "项目不能使用该来源：{reason}",
        "the project may not use this source: {reason}",
    ),
    "actual_year_after_horizon": (
        "执行年度 {found} 晚于规划末年 {last}。",
        "the actual year {found} is after the last planning year {last}.",
    ),
    "variant_unknown_target": (
        "无法识别调整对象“{found}”。应为参数键（如 reward_ratio）或“工作表.列”（如 city_quotas.city_energy_pool）。",
        'unknown target "{found}". Use a settings key (e.g. reward_ratio) or sheet.column (e.g. city_quotas.city_energy_pool).',
    ),
    "variant_bad_value": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "variant_filter_not_applicable": (
        "“{target}”不分区县或年度，限定区县/年度无效。",
        '"{target}" has no district or year; the district/year filter does not apply.',
    ),
    "variant_unknown": (
        "没有名为“{found}”的方案变体。现有：{known}",
        'there is no variant named "{found}". Known: {known}',
    ),
}


def _quote(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return f"{int(value)}"
    return repr(value) if not isinstance(value, int | float) else f"{value}"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def expected_phrase(column: Column, lang: str) -> str:
    """What a valid cell of this column looks like, e.g. "大于0的数" / "a number > 0"."""
    t = column.type
    if t is ColumnType.BOOL:
        return "是/否（是、否、Y、N、TRUE、FALSE、1、0）" if lang == "zh" else "yes/no (是, 否, Y, N, yes, no, TRUE, FALSE, 1, 0)"
    if t is ColumnType.CHOICE:
        opts = " / ".join(f"{c.key}（{c.label_zh}）" if lang == "zh" else c.key for c in column.choices)
        return f"以下之一：{opts}" if lang == "zh" else f"one of: {opts}"
    if t in (ColumnType.ID, ColumnType.TEXT):
        return "非空文本" if lang == "zh" else "a non-blank text"
    if t is ColumnType.ID_LIST:
        return "一个或多个代码，用逗号分隔" if lang == "zh" else "one or more ids separated by commas"
    kind_zh = {"int": "整数", "year": "四位数年度", "float": "数"}[t.value]
    kind_en = {"int": "a whole number", "year": "a four-digit year", "float": "a number"}[t.value]
    lo, hi = column.minimum, column.maximum
    if t is ColumnType.YEAR:
        return f"{kind_zh}（如 2026）" if lang == "zh" else f"{kind_en} (e.g. 2026)"
    if lang == "zh":
        if lo is not None and hi is not None:
            left = "大于" if column.minimum_exclusive else "不小于"
            return f"{left}{_num(lo)}且不大于{_num(hi)}的{kind_zh}"
        if lo is not None:
            return f"{'大于' if column.minimum_exclusive else '不小于'}{_num(lo)}的{kind_zh}"
        return kind_zh
    if lo is not None and hi is not None:
        return f"{kind_en} {'>' if column.minimum_exclusive else '≥'} {_num(lo)} and ≤ {_num(hi)}"
    if lo is not None:
        return f"{kind_en} {'>' if column.minimum_exclusive else '≥'} {_num(lo)}"
    return kind_en


def render_location(where: Location, lang: str) -> str:
    """"项目(projects) 第12行，用地需求(land_demand)，单元格 G12" / "projects row 12, land_demand (Land demand), cell G12"."""
    parts: list[str] = []
    sheet = SHEETS_BY_KEY.get(where.sheet or "")
    if where.sheet or where.sheet_name:
        shown = where.sheet_name or (sheet.name(lang) if sheet else where.sheet)
        if lang == "zh":
            key = f"({where.sheet})" if where.sheet and shown != where.sheet else ""
            parts.append(f"工作表 {shown}{key}")
        else:
            key = f" ({where.sheet})" if where.sheet and shown != where.sheet else ""
            parts.append(f"sheet {shown}{key}")
    if where.row is not None:
        parts.append(f"第{where.row}行" if lang == "zh" else f"row {where.row}")
    if where.column:
        col = sheet.column(where.column) if sheet and sheet.has_column(where.column) else None
        if col is not None:
            parts.append(f"{col.label_zh}({col.key})" if lang == "zh" else f"{col.key} ({col.label_en})")
        else:
            parts.append(where.column)
    if where.cell:
        parts.append(f"单元格 {where.cell}" if lang == "zh" else f"cell {where.cell}")
    sep = "，" if lang == "zh" else ", "
    return sep.join(parts)


def _column_of(where: Location) -> Column | None:
    sheet = SHEETS_BY_KEY.get(where.sheet or "")
    if sheet and where.column and sheet.has_column(where.column):
        return sheet.column(where.column)
    return None


def render_problem(problem: Problem, lang: str) -> str:
    lang = check_lang(lang)
    zh, en = TEMPLATES[problem.code]
    template = zh if lang == "zh" else en
    params = dict(problem.params)
    col = _column_of(problem.where)
    if "expected" not in params and col is not None:
        params["expected"] = expected_phrase(col, lang)
    elif isinstance(params.get("expected"), dict):
        params["expected"] = params["expected"][lang]
    for k, v in list(params.items()):
        if isinstance(v, dict) and set(v) == {"zh", "en"}:
            params[k] = v[lang]
    if "found" in params and problem.code in {"bad_value", "out_of_range", "coerced_number", "coerced_year",
                                               "variant_bad_value", "totals_row_skipped"}:
        params["found"] = _quote(params["found"])
    body = template.format(**params)
    where = render_location(problem.where, lang)
    if not where:
        return body
    return f"{where}：{body}" if lang == "zh" else f"{where}: {body}"


def severity_word(problem: Problem, lang: str) -> str:
    if problem.is_error:
        return "错误" if lang == "zh" else "error"
    return "提示" if lang == "zh" else "warning"

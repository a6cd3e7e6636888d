"""Write a scenario workbook: the blank template, or any Scenario (examples, generator, rollover).

Driven by the schema: one sheet per schema sheet, headers in the chosen language (Chinese labels
for zh, keys for en), units and help in header comments, the header row frozen, drop-downs for
yes/no, choices and ids that refer to other sheets, and an instructions sheet first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from quota_opt.core.files import TITLES, Kind, Read, Reads, reads_of
from quota_opt.core.messages import check_lang
from quota_opt.core.scenario import Scenario, Settings
from quota_opt.core.schema import (
    INSTRUCTIONS_NAME,
    SETTINGS,
    SHEETS,
    SHEETS_BY_KEY,
    Column,
    ColumnType,
    Sheet,
    yes_no_words,
)
from quota_opt.output.excel import (
    WRAP,
    append_row,
    display_width,
    fix_properties,
    keep_text,
    save_results,
    style_header,
)

VALIDATION_ROWS = 2000  # drop-downs reach this far down in a blank template


def _bool_words(lang: str) -> tuple[str, str]:
    return ("是", "否") if lang == "zh" else ("yes", "no")


def cell_value(col: Column, value: Any, lang: str) -> Any:
    """A typed value as it is written into a scenario workbook."""
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return None
    if col.type is ColumnType.BOOL:
        yes, no = _bool_words(lang)
        return yes if bool(value) else no
    if col.type is ColumnType.ID_LIST:
        return ", ".join(str(v) for v in value)
    if col.type in (ColumnType.INT, ColumnType.YEAR):
        return int(value)
    if col.type is ColumnType.FLOAT:
        v = float(value)
        return int(v) if v.is_integer() and abs(v) < 1e15 else v
    if col.type is ColumnType.CHOICE:  # in its label in a zh workbook (优先度加权供地), as its drop-down offers it
        choice = col.choice_for(str(value))
        return choice.label_zh if choice is not None and lang == "zh" else str(value)
    return str(value)


def _comment(col: Column, lang: str) -> Comment:
    lines = [col.label(lang)]
    if col.unit(lang):
        lines.append(("单位：" if lang == "zh" else "Unit: ") + col.unit(lang))
    lines.append(("必填" if col.required else "选填") if lang == "zh" else ("required" if col.required else "optional"))
    if col.default_in(lang) is not None and not col.required:
        shown = cell_value(col, col.default_in(lang), lang)
        lines.append(("默认：" if lang == "zh" else "Default: ") + str(shown))
    if col.help(lang):
        lines.append(col.help(lang))
    c = Comment("\n".join(lines), "quota-opt")
    c.width, c.height = 300, 150
    return c


def _validation_for(col: Column, lang: str, first_row: int, last_row: int, letter: str) -> DataValidation | None:
    if col.type is ColumnType.BOOL:
        yes, no = _bool_words(lang)
        dv = DataValidation(type="list", formula1=f'"{yes},{no}"', allow_blank=True)
    elif col.type is ColumnType.CHOICE:
        words = (c.label_zh if lang == "zh" else c.key for c in col.choices)  # the reader takes either
        dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
    elif col.ref and col.type is ColumnType.ID:
        ref = SHEETS_BY_KEY[col.ref]
        id_col = [c.key for c in ref.columns].index(ref.id_column or "") + 1
        ref_letter = get_column_letter(id_col)
        dv = DataValidation(type="list", formula1=f"'{ref.name(lang)}'!${ref_letter}$2:${ref_letter}${VALIDATION_ROWS}",
                            allow_blank=True)
    else:
        return None
    dv.error = "请从下拉列表中选择" if lang == "zh" else "Choose from the list"
    dv.showErrorMessage = False  # the validator reports bad values precisely; Excel's popup would only block typing
    dv.add(f"{letter}{first_row}:{letter}{last_row}")
    return dv


def _write_settings(wb: Workbook, settings: Settings | None, lang: str) -> None:
    ws = wb.create_sheet(SETTINGS.name(lang))
    head = ["参数", "值", "单位", "说明"] if lang == "zh" else ["key", "value", "unit", "help"]
    ws.append(head)
    for i in range(1, 5):
        style_header(ws.cell(row=1, column=i))
    for r, col in enumerate(SETTINGS.columns, start=2):
        value = getattr(settings, col.key) if settings is not None else col.default_in(lang)
        ws.cell(row=r, column=1, value=col.header(lang))
        keep_text(ws.cell(row=r, column=2, value=cell_value(col, value, lang)))
        ws.cell(row=r, column=3, value=col.unit(lang))
        ws.cell(row=r, column=4, value=col.help(lang)).alignment = WRAP
        ws.cell(row=r, column=1).comment = _comment(col, lang)
        dv = _validation_for(col, lang, r, r, "B")
        if dv is not None:
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCD", (28, 18, 12, 80), strict=True):
        ws.column_dimensions[letter].width = width


def _write_table(wb: Workbook, sheet: Sheet, df: pd.DataFrame | None, lang: str) -> None:
    ws = wb.create_sheet(sheet.name(lang))
    cols = sheet.columns
    ws.append([c.header(lang) for c in cols])
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i)
        style_header(cell)
        cell.comment = _comment(col, lang)
    widths = [max(display_width(c.header(lang)), 8) for c in cols]
    n = 0
    if df is not None and len(df):
        records = df[[c.key for c in cols]].to_dict("records")
        for rec in records:
            row = [cell_value(c, rec[c.key], lang) for c in cols]
            append_row(ws, row)
        n = len(records)
        for i, c in enumerate(cols):
            sample = df[c.key].head(200)
            widths[i] = max(widths[i], *(display_width(cell_value(c, v, lang)) for v in sample)) if len(sample) else widths[i]
    last = max(VALIDATION_ROWS, n + 1)
    for i, col in enumerate(cols, start=1):
        dv = _validation_for(col, lang, 2, last, get_column_letter(i))
        if dv is not None:
            ws.add_data_validation(dv)
        ws.column_dimensions[get_column_letter(i)].width = min(max(widths[i - 1] + 2, 10), 50)
    ws.freeze_panes = "A2"


def _write_instructions(wb: Workbook, lang: str, note: str | None) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_NAME[lang])
    if lang == "zh":
        lines = [
            "quota-opt 方案工作簿",
            "依据：杭州市《全市“一盘棋”产业链精准招商工作制度（试行）》（2019）。",
            "填写方法：每张工作表第1行为列名（可用中文名或英文键），从第2行起每行一条记录。鼠标悬停在列名上可查看单位和说明。",
            f"是/否列可填以下值（不区分大小写）——{yes_no_words('zh')}。代码按文本处理。选填列留空即取默认值。",
            "填写完成后，在工作台（quota-opt serve）中上传本文件，即可校验并计算分配方案；"
            "也可在命令行运行 quota-opt validate 本文件.xlsx 检查，quota-opt run 本文件.xlsx 计算。",
            "",
        ]
        for s in SHEETS:
            lines.append(f"【{s.label_zh}】{'必需' if s.required else '可选'}：{s.help_zh}")
    else:
        lines = [
            "quota-opt scenario workbook",
            "Policy: Hangzhou 'one chessboard' industrial-chain investment rules (2019).",
            "Row 1 of each sheet holds the column names (keys or labels); one record per row from row 2. Hover over a header for its unit and help.",
            f"Yes/no cells accept (in any case) {yes_no_words('en')}. Ids are text. Blank optional cells take their "
            "defaults.",
            "Then upload it to the workbench (quota-opt serve) to check it and allocate; or, on the command line, "
            "quota-opt validate THIS.xlsx to check it and quota-opt run THIS.xlsx to allocate.",
            "",
        ]
        for s in SHEETS:
            lines.append(f"[{s.key}] {'required' if s.required else 'optional'}: {s.help_en}")
    if note:
        lines = [note, "", *lines]
    for i, text in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.alignment = WRAP
        if i == 1:
            cell.font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120


def scenario_workbook(scenario: Scenario | None, lang: str = "zh", note: str | None = None) -> Workbook:
    """A workbook holding `scenario` (or a blank template when None), ready to fill in Excel."""
    check_lang(lang)
    wb = Workbook()
    wb.remove(wb.active)
    _write_instructions(wb, lang, note)
    _write_settings(wb, scenario.settings if scenario is not None else None, lang)
    for s in SHEETS:
        if s.kind == "table":
            _write_table(wb, s, scenario.table(s.key) if scenario is not None else None, lang)
    fix_properties(wb, TITLES[Kind.SCENARIO])
    wb.active = 1
    return wb


def write_template(path: str | Path, lang: str = "zh", *, force: bool = False) -> Path:
    """Write the blank, ready-to-fill template, through the write guard (`core.files`: an existing file is
    replaced only when it is a scenario the product wrote and nobody edited since, or with `force`); when `path`
    cannot be written it is saved under a fallback name and `files.NotWritten` says where."""
    return save_results(scenario_workbook(None, lang), path, Kind.SCENARIO, force=force,
                        what=("模板已另存为", "the template was saved to"))


def write_scenario(scenario: Scenario, path: str | Path, lang: str = "zh", note: str | None = None, *,
                   reads: Reads = None, force: bool = False) -> Path:
    """Write a scenario as a workbook that `read_scenario` reads back to the same data, through the write guard
    (`core.files`): never over the workbook it was read from, nor over any of `reads` (the command's inputs);
    an existing file is replaced only when it is a scenario the product wrote and nobody edited since, or with
    `force`. When `path` cannot be written it is saved under a fallback name and `files.NotWritten` says where."""
    inputs = [Read(scenario.source_path, "scenario")] if scenario.source_path is not None else []
    return save_results(scenario_workbook(scenario, lang, note), path, Kind.SCENARIO, inputs + reads_of(reads),
                        force=force, what=("方案已另存为", "the scenario was saved to"))

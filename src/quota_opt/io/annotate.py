"""`validate --annotate`: a copy of the workbook with each offending cell coloured and commented.

Errors are filled red, warnings yellow; each cell carries its message as a comment. Problems with
no single cell (a missing sheet, a missing quota row) are listed on an added sheet. The input
workbook is never modified: the copy is written to a temporary file and renamed.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment

from quota_opt.errors import Problem
from quota_opt.io.excel import ERROR_FILL, WARNING_FILL, WRAP, save_atomic, style_header
from quota_opt.messages import severity_word

SHEET_NAME = {"zh": "校验结果", "en": "validation"}


def annotate_workbook(source: str | Path, problems: list[Problem], out: str | Path, lang: str = "zh") -> Path:
    """Write `out`: a copy of `source` with problems marked. Returns the path written."""
    source, out = Path(source), Path(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(source)
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.where.sheet_name and p.where.cell and p.where.sheet_name in wb.sheetnames:
            by_cell[(p.where.sheet_name, p.where.cell)].append(p)
    for (sheet_name, ref), items in by_cell.items():
        cell = wb[sheet_name][ref]
        cell.fill = ERROR_FILL if any(p.is_error for p in items) else WARNING_FILL
        text = "\n".join(f"[{severity_word(p, lang)}] {p.message(lang)}" for p in items)
        comment = Comment(text, "quota-opt")
        comment.width, comment.height = 360, 120
        cell.comment = comment
    name = SHEET_NAME[lang]
    if name in wb.sheetnames:
        del wb[name]
    ws = wb.create_sheet(name, 0)
    ws.append(["级别", "位置", "说明"] if lang == "zh" else ["severity", "cell", "message"])
    for i in range(1, 4):
        style_header(ws.cell(row=1, column=i))
    for p in problems:
        where = f"{p.where.sheet_name or ''}!{p.where.cell}" if p.where.cell else (p.where.sheet_name or "")
        ws.append([severity_word(p, lang), where, p.message(lang)])
        row = ws.max_row
        ws.cell(row=row, column=1).fill = ERROR_FILL if p.is_error else WARNING_FILL
        ws.cell(row=row, column=3).alignment = WRAP
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 120
    ws.freeze_panes = "A2"
    return save_atomic(wb, out, protect=source)

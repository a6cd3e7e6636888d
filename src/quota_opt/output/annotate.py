"""`validate --annotate`: a copy of the workbook with each offending cell coloured and commented.

Errors are filled red, warnings yellow; each cell carries its messages as a comment. A problem
about a whole row (a skipped totals row) marks the row's first cell; one about a missing column
marks the header row's first cell. Every problem, including those with no cell (a missing sheet, a
missing quota row), is also listed on an added first sheet. The input workbook is never modified:
the copy is written to a temporary file beside the output and renamed into place.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment

from quota_opt.core.errors import OutputError, Problem
from quota_opt.core.files import TITLES, Kind, Read, WriteRefused
from quota_opt.core.messages import check_lang, os_error_text, severity_word
from quota_opt.output.excel import ERROR_FILL, WARNING_FILL, WRAP, fix_properties, save_atomic, style_header

SHEET_NAME = {"zh": "校验结果", "en": "validation"}
_MAX_COMMENT = 30_000  # Excel keeps at most 32,767 characters in a cell or comment


class AnnotateError(OutputError):
    """The annotated copy could not be written where asked."""

    def __init__(self, target: Path, reason_zh: str, reason_en: str):
        self.target = target
        self.reason = {"zh": reason_zh, "en": reason_en}
        super().__init__(f"cannot write the annotated copy {target}: {reason_en}")

    def report(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"无法写出标注副本 {self.target}：{self.reason['zh']}"
        return f"cannot write the annotated copy {self.target}: {self.reason['en']}"


def _safe(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("?", text)


def _target_cell(ws: Any, ref: str) -> Any:
    """The cell to mark: the range's top-left cell when `ref` lies inside merged cells."""
    cell = ws[ref]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(row=rng.min_row, column=rng.min_col)
    return cell


def _ref(p: Problem) -> str | None:
    if p.where.cell:
        return p.where.cell
    if p.where.row is not None:
        return f"A{p.where.row}"
    return None


def annotate_workbook(source: str | Path, problems: list[Problem], out: str | Path, lang: str = "zh", *,
                      force: bool = False) -> Path:
    """Write `out`: a copy of `source` with problems marked, through the write guard (`core.files`: never over
    `source`, and over an existing file only when it is an annotated copy the product wrote, or with `force`).
    Returns the path written.

    Raises `AnnotateError` when `out` may not or cannot be written.
    """
    check_lang(lang)
    source, out = Path(source), Path(out)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(source)
    except Exception as exc:  # openpyxl raises many kinds on files it reads only in read-only mode
        raise AnnotateError(out, f"无法重新打开 {source}（{type(exc).__name__}）。",
                            f"{source} could not be reopened for editing ({type(exc).__name__}).") from None
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        ref = _ref(p)
        if p.where.sheet_name and ref and p.where.sheet_name in wb.sheetnames:
            by_cell[(p.where.sheet_name, ref)].append(p)
    marked: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for (sheet_name, ref), items in by_cell.items():
        ws = wb[sheet_name]
        if not hasattr(ws, "merged_cells"):
            continue  # a chart sheet
        cell = _target_cell(ws, ref)
        marked[(sheet_name, cell.coordinate)].extend(items)
    for (sheet_name, ref), items in marked.items():
        cell = wb[sheet_name][ref]
        cell.fill = ERROR_FILL if any(p.is_error for p in items) else WARNING_FILL
        text = _safe("\n".join(f"[{severity_word(p, lang)}] {p.message(lang)}" for p in items))[:_MAX_COMMENT]
        comment = Comment(text, "quota-opt")
        comment.width, comment.height = 420, min(60 + 40 * len(items), 400)
        cell.comment = comment
    name = SHEET_NAME[lang]
    if name in wb.sheetnames:
        del wb[name]  # left by an earlier --annotate
    ws = wb.create_sheet(name, 0)
    ws.append(["级别", "位置", "说明"] if lang == "zh" else ["severity", "cell", "message"])
    for i in range(1, 4):
        style_header(ws.cell(row=1, column=i))
    for p in problems:
        ref = _ref(p)
        where = f"{p.where.sheet_name or ''}!{ref}" if ref else (p.where.sheet_name or "")
        ws.append([severity_word(p, lang), _safe(where), _safe(p.message(lang))[:_MAX_COMMENT]])
        row = ws.max_row
        ws.cell(row=row, column=1).fill = ERROR_FILL if p.is_error else WARNING_FILL
        ws.cell(row=row, column=3).alignment = WRAP
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 120
    ws.freeze_panes = "A2"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    fix_properties(wb, TITLES[Kind.ANNOTATED])  # the copy's own marks, by which a later --annotate may replace it
    try:
        return save_atomic(wb, out, Kind.ANNOTATED, Read(source, "scenario"), force=force)
    except WriteRefused as exc:
        raise AnnotateError(out, exc.problem.message("zh"), exc.problem.message("en")) from None
    except OSError as exc:
        raise AnnotateError(out, os_error_text(exc, "zh"), os_error_text(exc, "en")) from None

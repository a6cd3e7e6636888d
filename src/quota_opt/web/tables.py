"""A run's results tables for the pages: read once from the store (gzipped JSON written by the worker), kept in
memory, and served a page at a time, sorted and filtered on the server, so that 5,000 projects open at once."""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from quota_opt.core.results_schema import RESULT_SHEETS, SUMMARY_ROWS, OutCol, OutSheet
from quota_opt.web.store import Store

PAGE_SIZE = 50
SHEETS: dict[str, OutSheet] = {s.key: s for s in RESULT_SHEETS}
CACHED = 24  # tables kept in memory (one per run, language and sheet)
SEARCHED = ("project_id", "name", "district_id", "district_name", "platform_id", "chain_id", "reason", "status",
            "quota", "reading")  # the columns a filter text is looked for in


def frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A table as the store keeps it: its column keys and its rows (numpy scalars as Python's, NaN as None)."""
    return {"columns": [str(c) for c in frame.columns],
            "data": [[plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def plain(value: Any) -> Any:
    """A value as JSON holds it: numpy scalars as Python's, NaN and infinities as None."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def put_tables(store: Store, frames: dict[str, dict[str, pd.DataFrame]]) -> str:
    """Keep a run's tables ({lang: {sheet key: frame}}): each as its own gzipped JSON blob, so that a page reads
    only the table it shows, and an index of them ({lang: {sheet: {"sha", "rows"}}}). Returns the index's hash."""
    index: dict[str, dict[str, dict[str, Any]]] = {}
    for lang, by_sheet in frames.items():
        for key, frame in by_sheet.items():
            blob = gzip.compress(json.dumps(frame_json(frame), ensure_ascii=False).encode(), compresslevel=5)
            index.setdefault(lang, {})[key] = {"sha": store.put(blob), "rows": len(frame)}
    return store.put(json.dumps(index).encode())


class _Cache:
    """The tables last read (by their hash), and the indexes of runs' tables."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self.indexes: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def index(self, store: Store, sha: str) -> dict[str, Any]:
        with self.lock:
            found = self.indexes.get(sha)
        if found is None:
            found = json.loads(store.get(sha))
            with self.lock:
                self.indexes[sha] = found
        return found

    def rows(self, store: Store, sha: str, lang: str, sheet: str) -> int:
        """How many rows a run's table has (0 when it has none)."""
        return int(self.index(store, sha).get(lang, {}).get(sheet, {}).get("rows", 0))

    def get(self, store: Store, sha: str, lang: str, sheet: str) -> pd.DataFrame | None:
        entry = self.index(store, sha).get(lang, {}).get(sheet)
        if entry is None:
            return None
        key = entry["sha"]
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        table = json.loads(gzip.decompress(store.get(key)))
        frame = pd.DataFrame(table["data"], columns=table["columns"])
        with self.lock:
            self.items[key] = frame
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return frame

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.indexes.clear()


CACHE = _Cache(CACHED)


@dataclass
class Page:
    sheet: OutSheet
    columns: list[str]
    rows: list[list[Any]]
    formats: list[str | None]  # each column's number format (results_schema)
    widths: list[int | None]  # each column's width in the workbook, in characters, where the sheet sets one
    total: int  # rows after filtering
    page: int
    pages: int
    sort: str | None
    desc: bool
    q: str
    selected: str  # "", "yes" or "no" (allocation only)


def page(store: Store, sha: str, lang: str, sheet: str, *, number: int = 1, sort: str | None = None,
         desc: bool = False, q: str = "", selected: str = "", size: int = PAGE_SIZE) -> Page | None:
    """One page of a results table: rows whose searched columns contain `q` (any case), the allocation's
    selected or left-out projects only when `selected` is "yes" or "no", sorted by the column `sort`."""
    frame = CACHE.get(store, sha, lang, sheet)
    if frame is None or sheet not in SHEETS:
        return None
    if q:
        needle = q.strip().lower()
        hit = pd.Series(False, index=frame.index)
        for col in SEARCHED:
            if col in frame.columns:
                hit |= frame[col].astype(str).str.lower().str.contains(needle, regex=False)
        frame = frame[hit]
    if selected in ("yes", "no") and "selected" in frame.columns:
        yes = {"是", "yes"}
        wanted = frame["selected"].astype(str).isin(yes)
        frame = frame[wanted if selected == "yes" else ~wanted]
    if sort is not None and sort in frame.columns:
        column = frame[sort]
        order = pd.to_numeric(column, errors="coerce") if _numeric(column) else column.astype(str)
        frame = frame.loc[order.sort_values(ascending=not desc, kind="mergesort", na_position="last").index]
    total = len(frame)
    pages = max(1, math.ceil(total / size))
    number = min(max(1, number), pages)
    part = frame.iloc[(number - 1) * size:number * size]
    columns = list(frame.columns)
    formats = [column_format(SHEETS[sheet], c) for c in columns]
    widths = [column_width(SHEETS[sheet], c) for c in columns]
    return Page(SHEETS[sheet], columns, part.values.tolist(), formats, widths, total, number, pages,
                sort if sort in frame.columns else None, desc, q, selected)


def _numeric(series: pd.Series) -> bool:
    values = pd.to_numeric(series, errors="coerce")
    return bool(values.notna().sum() >= max(1, series.notna().sum()) * 0.9)


def _column(sheet: OutSheet, key: str) -> OutCol | None:
    """The sheet's column `key`; None for a column the sheet does not define (a table's extra column)."""
    try:
        return sheet.column(key)
    except KeyError:
        return None


def column_label(sheet: OutSheet, key: str, lang: str) -> str:
    col = _column(sheet, key)
    if col is None:
        return key
    return col.label_zh if lang == "zh" else col.label_en


def column_format(sheet: OutSheet, key: str) -> str | None:
    col = _column(sheet, key)
    return col.fmt if col is not None else None


def column_width(sheet: OutSheet, key: str) -> int | None:
    col = _column(sheet, key)
    return col.width if col is not None else None


def shown(value: Any, fmt: str | None) -> str:
    """A value as its sheet's number format shows it (#,##0.0 → 1,234.5; 0.0% → 12.3%), never as "-0.0" (a
    balance check of −1e-12, which Excel would show so too)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float) or not fmt or fmt in ("@",):
        text = str(value)
    elif fmt.endswith("%"):
        digits = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
        text = f"{value * 100:,.{digits}f}%"
    else:
        digits = len(fmt.split(".")[1]) if "." in fmt else 0
        grouped = "," if "," in fmt else ""
        text = f"{value:{grouped}.{digits}f}"
    if isinstance(value, float) and text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # a rounded zero
    return text


def summary_format(key: str) -> str | None:
    return SUMMARY_ROWS.get(key, (key, key, None))[2]

"""Drive a real spreadsheet client from the tests: LibreOffice, headless.

`Soffice.convert(files, to, outdir)` converts many files in one LibreOffice start (each start costs
about a second), with a private profile so that a user's LibreOffice, a parallel test worker or a
leftover instance cannot collide with it, and a timeout that kills the whole process group.

Two conversions are used:
- CSV_FILTER exports every sheet of a workbook to `<stem>-<sheet name>.csv` (the trailing `-1`,
  LibreOffice ≥ 7.2) with raw cell values rather than the displayed, formatted text;
- XLSX_FILTER writes the workbook back as .xlsx (LibreOffice's own Excel export), to re-open with openpyxl.

`mismatches(expected, csv_rows)` compares the cells openpyxl reads with LibreOffice's CSV cells:
numbers numerically, strings exactly, booleans as TRUE/FALSE, empty cells as "".
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import shutil
import signal
import subprocess
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

# Tokens of LibreOffice's CSV filter options, in order: field separator 44 (,), text delimiter 34 ("),
# character set 76 (UTF-8), first line 1, cell formats (none), language 0 (default), quoted fields as
# text false, detect special numbers true, save cell contents as shown FALSE (raw values, full
# precision, not the number format's rounding), export formulas false, remove spaces false, and
# -1: every sheet to its own file (LibreOffice 7.2 and later).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
NUMBER_RTOL = 1e-12  # LibreOffice writes 15 significant digits; a double has ~16
MIN_VERSION = (7, 2)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@dataclass
class Converted:
    """One LibreOffice run: its exit code and output, for failure messages."""

    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return f"exit {self.returncode}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}"


class Soffice:
    """One LibreOffice installation with one private profile directory (removed by `close`)."""

    def __init__(self, exe: str, profile_root: Path | None = None):
        self.exe = exe
        root = profile_root or Path("/tmp")
        self.profile = root / f"lo_profile_{uuid.uuid4().hex}"
        self.version_text = self._version_text()
        self.version = parse_version(self.version_text)

    def _version_text(self) -> str:
        res = self._run(["--version"], timeout=60)
        return res.stdout.strip()

    def _run(self, args: list[str], timeout: float) -> Converted:
        cmd = [self.exe, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, and only it
            out, err = proc.communicate()
            return Converted(-9, out, err + f"\n(timed out after {timeout:.0f} s)")
        return Converted(proc.returncode, out, err)

    def convert(self, files: Iterable[Path], to: str, outdir: Path, timeout: float = 180) -> Converted:
        """Convert `files` (unique stems) into `outdir` in one LibreOffice run."""
        outdir.mkdir(parents=True, exist_ok=True)
        return self._run(["--convert-to", to, "--outdir", str(outdir), *map(str, files)], timeout)

    def close(self) -> None:
        shutil.rmtree(self.profile, ignore_errors=True)


def parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g) for g in m.groups() if g is not None) if m else (0,)


def csv_name(book: Path, sheet: str) -> str:
    return f"{book.stem}-{sheet}.csv"


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return trim([list(r) for r in csv.reader(f)], "")


def trim(rows: list[list[Any]], empty: Any) -> list[list[Any]]:
    """Drop trailing empty cells of each row and trailing empty rows: the two programs size the used
    area differently (openpyxl counts styled cells, LibreOffice cells with content)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == empty:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def workbook_values(path: Path, *, data_only: bool = False) -> dict[str, list[list[Any]]]:
    """Every worksheet's cell values as openpyxl reads them (None for empty), trimmed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "data validation extension not supported" on LibreOffice's files
        wb = openpyxl.load_workbook(path, data_only=data_only)
    try:
        return {ws.title: trim([list(r) for r in ws.iter_rows(values_only=True)], None) for ws in wb.worksheets}
    finally:
        wb.close()


def cell_matches(value: Any, text: str) -> bool:
    if value is None or value == "":
        return text == ""
    if isinstance(value, bool):
        return text.upper() == ("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        try:
            # a percent-formatted number keeps its % sign even unformatted, at full precision ("26.3157894736842%")
            got = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            return False
        return math.isclose(got, float(value), rel_tol=NUMBER_RTOL, abs_tol=1e-300)
    if isinstance(value, dt.datetime | dt.date):
        return text.startswith(value.isoformat()[:10]) or text == str(value)
    return str(value) == text


def mismatches(expected: list[list[Any]], got: list[list[str]], limit: int = 20) -> list[str]:
    """Cells where LibreOffice's CSV differs from the values openpyxl reads (A1 references)."""
    from openpyxl.utils import get_column_letter

    bad = []
    for r in range(max(len(expected), len(got))):
        erow = expected[r] if r < len(expected) else []
        grow = got[r] if r < len(got) else []
        for c in range(max(len(erow), len(grow))):
            value = erow[c] if c < len(erow) else None
            text = grow[c] if c < len(grow) else ""
            if not cell_matches(value, text):
                bad.append(f"{get_column_letter(c + 1)}{r + 1}: wrote {value!r}, LibreOffice has {text!r}")
                if len(bad) >= limit:
                    return bad
    return bad


def values_match(a: Any, b: Any) -> bool:
    """Two cell values from openpyxl (the written workbook and LibreOffice's re-export)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=NUMBER_RTOL, abs_tol=1e-300)
    return a == b


def table_mismatches(expected: list[list[Any]], got: list[list[Any]], limit: int = 20) -> list[str]:
    from openpyxl.utils import get_column_letter

    bad = []
    for r in range(max(len(expected), len(got))):
        erow = expected[r] if r < len(expected) else []
        grow = got[r] if r < len(got) else []
        for c in range(max(len(erow), len(grow))):
            a = erow[c] if c < len(erow) else None
            b = grow[c] if c < len(grow) else None
            if not values_match(a, b):
                bad.append(f"{get_column_letter(c + 1)}{r + 1}: wrote {a!r}, after LibreOffice {b!r}")
                if len(bad) >= limit:
                    return bad
    return bad

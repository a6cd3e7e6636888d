"""Hostile workbooks: what reading costs when the formatting, not the data, is large (`make bench` runs it;
`python benchmarks/hostile.py [--only SHAPE]` alone). Results go to benchmarks/HOSTILE.md, beside RESULTS.md.

Each shape is the small English example (`generate.small_en`, written with `write_scenario`) with its XML
patched the way other tools or careless hands leave a file:

- **xfd**: 20,000 rows under the projects table, each holding one formatted, empty cell in column XFD (the
  sheet's last column): some 130 KB on disk;
- **merged**: an empty merged block A14:XFD1048576 under the projects table;
- **extra_sheet**: an extra sheet of numbers, which the validator ignores (warns about by name), some 17 MB;
- **wide_header**: a header cell in XFD1 and a value in XFD of every project row (data without a header).

`validate` runs in a fresh process per shape, so that its peak memory (max RSS) is its own. The budget the
project holds itself to: any workbook up to 20 MB validates in under 10 s and under 1 GB. Benchmarks are not
tests: nothing here asserts a time (tests/corpus/test_hostile.py checks small versions give correct results).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_part(files: dict[str, bytes], name: str) -> str:
    """The zip part of the worksheet called `name` (workbook.xml → its rels → the part)."""
    book = files["xl/workbook.xml"].decode()
    rid = re.search(r'<sheet [^>]*name="' + re.escape(name) + r'"[^>]*r:id="([^"]+)"', book)
    if rid is None:
        rid = re.search(r'<sheet [^>]*r:id="([^"]+)"[^>]*name="' + re.escape(name) + r'"', book)
    assert rid is not None, name
    rels = files["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(r'<Relationship [^>]*Id="' + rid.group(1) + r'"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="' + rid.group(1) + r'"', rels)
    assert target is not None
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else "xl/" + path


def _rezip(path: Path, files: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def base_workbook(path: Path, lang: str = "en") -> Path:
    """The small English example as a scenario workbook (valid: 12 projects in rows 2..13)."""
    from quota_opt.output.template import write_scenario
    from quota_opt.studies.generate import small_en

    return write_scenario(small_en(), path, lang)


def patch_projects(path: Path, edit: Callable[[bytes], bytes]) -> Path:
    from quota_opt.core.schema import find_sheet

    files = _read(path)
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', files["xl/workbook.xml"].decode())
    name = next(n for n in names if (found := find_sheet(n)) is not None and found.key == "projects")
    part = _sheet_part(files, name)
    files[part] = edit(files[part])
    _rezip(path, files)
    return path


def xfd_rows(path: Path, rows: int = 20_000, lang: str = "en") -> Path:
    """`rows` rows after the last project, each one formatted empty cell in column XFD."""
    base_workbook(path, lang)

    def edit(xml: bytes) -> bytes:
        last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', xml))
        extra = b"".join(b'<row r="%d"><c r="XFD%d" s="1"/></row>' % (r, r) for r in range(last + 1, last + 1 + rows))
        return xml.replace(b"</sheetData>", extra + b"</sheetData>", 1)

    return patch_projects(path, edit)


def merged_block(path: Path, ref: str = "A14:XFD1048576", lang: str = "en") -> Path:
    """An empty merged block under the projects table (rows 2..13 hold the projects)."""
    base_workbook(path, lang)

    def edit(xml: bytes) -> bytes:
        merge = b'<mergeCells count="1"><mergeCell ref="' + ref.encode() + b'"/></mergeCells>'
        if b"<mergeCells" in xml:
            return re.sub(rb"<mergeCells[^>]*>", lambda m: m.group(0) + merge[len(b'<mergeCells count="1">'):-len(
                b"</mergeCells>")], xml, count=1)
        return xml.replace(b"</sheetData>", b"</sheetData>" + merge, 1)

    return patch_projects(path, edit)


def extra_sheet(path: Path, megabytes: float = 17.0, lang: str = "en", name: str = "Notes") -> Path:
    """An extra sheet named `name`, of random numbers (incompressible enough to weigh `megabytes` on disk)."""
    import random

    base_workbook(path, lang)
    files = _read(path)
    rng = random.Random(1)
    target = int(megabytes * 1_000_000)
    out = io.BytesIO()
    out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="' + MAIN
              + b'" xmlns:r="' + REL + b'"><sheetData>')
    size, r = 0, 0
    while size < target * 1.27:  # (measured: this weighs `megabytes` on disk)
        r += 1
        row = b"".join(b'<c r="%s%d"><v>%d</v></c>' % (col, r, rng.getrandbits(40)) for col in (b"A", b"B", b"C", b"D",
                                                                                                  b"E", b"F"))
        chunk = b'<row r="%d">%s</row>' % (r, row)
        out.write(chunk)
        size += len(chunk) // 3  # the tags deflate to almost nothing: count the digits
    out.write(b"</sheetData></worksheet>")
    part = "xl/worksheets/hostile_extra.xml"
    files[part] = out.getvalue()
    book = files["xl/workbook.xml"].decode()
    book = book.replace("</sheets>", f'<sheet name="{name}" sheetId="99" r:id="rIdHostile"/></sheets>', 1)
    files["xl/workbook.xml"] = book.encode()
    rels = files["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdHostile" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/hostile_extra.xml"/>'
                        "</Relationships>", 1)
    files["xl/_rels/workbook.xml.rels"] = rels.encode()
    types = files["[Content_Types].xml"].decode()
    types = types.replace("</Types>", '<Override PartName="/xl/worksheets/hostile_extra.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>', 1)
    files["[Content_Types].xml"] = types.encode()
    _rezip(path, files)
    return path


def wide_header(path: Path, lang: str = "en") -> Path:
    """A header "note" in XFD1 and a value in XFD of every project row."""
    base_workbook(path, lang)

    def edit(xml: bytes) -> bytes:
        def add(m: re.Match[bytes]) -> bytes:
            r = int(m.group(1))
            cell = b'<c r="XFD%d" t="inlineStr"><is><t>%s</t></is></c>' % (r, b"note" if r == 1 else b"x")
            return m.group(0).replace(b"</row>", cell + b"</row>")

        return re.sub(rb'<row r="(\d+)"[^>]*>.*?</row>', add, xml, flags=re.S)

    return patch_projects(path, edit)


SHAPES: dict[str, Callable[[Path], Path]] = {
    "xfd": xfd_rows,
    "merged": merged_block,
    "extra_sheet": extra_sheet,
    "wide_header": wide_header,
}


def measure(path: Path) -> dict[str, object]:
    """`quota_opt.input.validate.validate_workbook(path)` in a fresh process: seconds, peak MB, the problem codes."""
    code = (
        "import json, resource, sys, time\n"
        "from quota_opt.input.validate import validate_workbook\n"
        "t = time.perf_counter()\n"
        f"report = validate_workbook({str(path)!r})\n"
        "s = time.perf_counter() - t\n"
        "mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'seconds': s, 'peak_mb': mb, 'errors': sorted({p.code for p in report.errors}),\n"
        "                  'warnings': sorted({p.code for p in report.warnings})}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=False)
    if out.returncode != 0:
        return {"seconds": None, "peak_mb": None, "errors": [f"exit {out.returncode}: {out.stderr[-300:]}"],
                "warnings": []}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# Before the fix (commit "Make reading cost follow the data"), same shapes, same machine, while others worked on it:
# (seconds, peak MB, errors). The issue measured 22 s, 11 s and 125 s for the first three on a quiet machine.
BEFORE = {"xfd": (254.6, 2591, "—"), "merged": (220.5, 1845, "merged_cell (false)"), "extra_sheet": (130.4, 657, "—"),
          "wide_header": (3.0, 183, "—")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--only", action="append", choices=sorted(SHAPES))
    ap.add_argument("--out", type=Path, default=HERE / "HOSTILE.md")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only or SHAPES:
            path = SHAPES[name](Path(folder) / f"{name}.xlsx")
            size_kb = path.stat().st_size / 1024
            t = time.perf_counter()
            result = measure(path)
            print(f"{name}: {size_kb:,.0f} KB, {result} ({time.perf_counter() - t:.1f} s wall)", flush=True)
            rows.append((name, size_kb, result))
    lines = ["# Hostile workbooks: validate's time and memory", "",
             f"`python benchmarks/hostile.py` on {platform.node() or 'this machine'} ({platform.python_version()}). "
             "Budget: under 10 s and 1 GB for any workbook up to 20 MB. Shapes: see the script's docstring.", "",
             "| shape | file | validate (s) | peak memory (MB) | errors | warnings | before: s, MB, errors |",
             "|---|---:|---:|---:|---|---|---|"]
    for name, size_kb, r in rows:
        seconds = "—" if r["seconds"] is None else f"{r['seconds']:.2f}"
        peak = "—" if r["peak_mb"] is None else f"{r['peak_mb']:,.0f}"
        was = BEFORE.get(name)
        before = f"{was[0]:.1f}, {was[1]:,}, {was[2]}" if was else ""
        lines.append(f"| {name} | {size_kb:,.0f} KB | {seconds} | {peak} | {', '.join(r['errors']) or '—'} | "  # type: ignore[arg-type]
                     f"{', '.join(r['warnings']) or '—'} | {before} |")  # type: ignore[arg-type]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

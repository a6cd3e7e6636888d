"""Hostile workbooks, small: formatting far from the data, an empty merged block to the sheet's end, an ignored
sheet, a header in the last column. Each reads exactly like the plain workbook, with no false error (the full
sizes, timed, are in benchmarks/hostile.py; here nothing is timed)."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from quota_opt.input.read import MAX_COLUMNS, read_workbook
from quota_opt.input.validate import validate_workbook

ROOT = Path(__file__).resolve().parents[2]


def _hostile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_hostile", ROOT / "benchmarks" / "hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hostile = _hostile()


def _projects(path: Path) -> list[tuple[str, float]]:
    report = validate_workbook(path)
    assert report.ok, [p.message("en") for p in report.errors]
    assert report.scenario is not None
    return list(zip(report.scenario.projects["project_id"], report.scenario.projects["land_demand"], strict=True))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, float]]:
    return _projects(hostile.base_workbook(tmp_path_factory.mktemp("plain") / "plain.xlsx"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_formatted_cells_in_column_xfd_read_as_nothing(tmp_path: Path, plain: list[tuple[str, float]],
                                                      lang: str) -> None:
    """300 rows of one formatted empty cell in XFD under the projects: no row is padded to the sheet's width, none
    becomes a record or a warning."""
    path = hostile.xfd_rows(tmp_path / "xfd.xlsx", rows=300, lang=lang)
    raw = read_workbook(path)
    assert max(len(values) for sheet in raw.sheets for _, values in sheet.rows) < 30
    assert _projects(path) == plain
    assert not validate_workbook(path).warnings


def test_an_empty_merged_block_to_the_sheet_s_end_is_no_error(tmp_path: Path, plain: list[tuple[str, float]]) -> None:
    """A14:XFD1048576, merged and empty, under the 12 projects (rows 2..13): nothing to misread, no error (it was
    "merged cells A14:XFD1048576" before, after 11 s and 1.9 GB)."""
    path = hostile.merged_block(tmp_path / "merged.xlsx")
    assert _projects(path) == plain
    assert not validate_workbook(path).warnings


def test_a_merged_block_holding_a_value_is_still_an_error(tmp_path: Path) -> None:
    """The same block from row 13 (the last project's row, which holds values): the merge covers data, an error
    naming the range, read at the cost of the rows that exist."""
    path = hostile.merged_block(tmp_path / "merged13.xlsx", ref="A13:XFD1048576")
    report = validate_workbook(path)
    assert [(p.code, p.params["range"]) for p in report.errors] == [("merged_cell", "A13:XFD1048576")]


@pytest.mark.slow
def test_an_ignored_sheet_is_never_parsed(tmp_path: Path, plain: list[tuple[str, float]]) -> None:
    """An extra sheet is named in a warning and otherwise not read: made unreadable XML here, it changes nothing
    (a 17 MB one took 125 s and 2.3 GB before)."""
    path = hostile.extra_sheet(tmp_path / "extra.xlsx", megabytes=0.2, name="Notes")
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["xl/worksheets/hostile_extra.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1'><v>1</v>"  # cut short
    hostile._rezip(path, files)
    assert _projects(path) == plain
    report = validate_workbook(path)
    assert [(p.code, p.where.sheet_name) for p in report.warnings] == [("unknown_sheet", "Notes")]
    assert next(s for s in read_workbook(path, wanted=lambda n: n != "Notes").sheets if s.name == "Notes").skipped


def test_a_value_past_the_last_column_read_is_reported_not_read(tmp_path: Path,
                                                                plain: list[tuple[str, float]]) -> None:
    """A header "note" in XFD1 and a value in XFD of every project row: the rows are read to column IV only
    (MAX_COLUMNS), and one warning says where the first cell past it is."""
    path = hostile.wide_header(tmp_path / "wide.xlsx")
    raw = read_workbook(path)
    assert max(len(values) for sheet in raw.sheets for _, values in sheet.rows) <= MAX_COLUMNS
    assert _projects(path) == plain
    warnings = validate_workbook(path).warnings
    assert [(p.code, p.where.row, p.where.cell) for p in warnings] == [("beyond_last_column", 1, "XFD1")]
    assert "XFD" in warnings[0].message("en") and "IV" in warnings[0].message("zh")


@pytest.mark.slow
def test_formatted_cells_in_column_xfd_through_openpyxl_s_path(tmp_path: Path, plain: list[tuple[str, float]]) -> None:
    """The same 300 rows in a sheet written another way (an XML comment among the rows, which the fast path leaves
    to openpyxl): openpyxl is asked for no more than MAX_COLUMNS, and the rows read are as short."""
    import openpyxl

    from quota_opt.input import read

    path = hostile.xfd_rows(tmp_path / "xfd.xlsx", rows=300)
    hostile.patch_projects(path, lambda xml: xml.replace(b"</row>", b"</row><!-- x -->", 1))
    wb = openpyxl.load_workbook(path, read_only=True)
    assert read._fast_rows(read._sheet_xml(wb, wb["projects"]), wb, wb["projects"]) is None  # openpyxl's path
    wb.close()
    raw = read_workbook(path)
    assert max(len(values) for sheet in raw.sheets for _, values in sheet.rows) < 30
    assert _projects(path) == plain
    assert not validate_workbook(path).warnings

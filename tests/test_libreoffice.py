"""A real spreadsheet client opens every workbook the product writes.

LibreOffice (headless) converts each workbook twice: to one CSV per sheet (raw values, not the
displayed text) and back to .xlsx. A workbook passes when LibreOffice exits cleanly and writes every
sheet, each CSV cell equals what openpyxl reads from our file (numbers to 12 significant digits,
strings exactly, empty as empty), and LibreOffice's own .xlsx re-opens in openpyxl with the same
sheets, values, header comments and charts. LibreOffice has no repair prompt when headless: a file
it cannot read shows up as a non-zero exit, a missing or an empty output.

All workbooks are converted in one LibreOffice start per format, so the module takes a few seconds.
Skipped, with the reason shown, when neither `soffice` nor `libreoffice` is on PATH.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from builders import project, random_small, tiny
from lo import (
    CSV_FILTER,
    MIN_VERSION,
    XLSX_FILTER,
    Converted,
    Soffice,
    csv_name,
    mismatches,
    read_csv,
    soffice_path,
    table_mismatches,
    workbook_values,
)
from quota_opt.core.scenario import Scenario
from quota_opt.output.annotate import annotate_workbook
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_scenario, write_template
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import read_scenario, validate_workbook

pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("libreoffice")]  # one soffice, one set of books

# Text that spreadsheets like to reinterpret: a leading "=" (a formula to a spreadsheet), CSV's own
# separators and quotes, a line break, CJK, a leading zero and a number-like id.
AWKWARD_NAMES = ["=1+1", 'Zhang, "Li" & Sons', "二期\n扩建", "-5 项目"]
AWKWARD_IDS = ["007", "1e3"]


@pytest.fixture(scope="session")
def soffice() -> Iterator[Soffice]:
    exe = soffice_path()
    if exe is None:
        pytest.skip("LibreOffice is not installed (neither soffice nor libreoffice on PATH): "
                    "install libreoffice-calc-nogui to run the real-spreadsheet round trips")
    lo = Soffice(exe)
    if lo.version < MIN_VERSION:
        lo.close()
        pytest.skip(f"{lo.version_text}: per-sheet CSV export needs LibreOffice 7.2 or later")
    yield lo
    lo.close()


def awkward_scenario() -> Scenario:
    """A random small scenario (rewards, stock land, carry-over...) plus projects whose names and ids
    spreadsheets like to reinterpret."""
    sc = random_small(3)
    district = str(sc.districts["district_id"].iloc[0])
    rows = [project(pid, 20 + i, district=district, investment=2.0 + i)
            for i, pid in enumerate(AWKWARD_IDS + [f"N{i}" for i in range(len(AWKWARD_NAMES))])]
    for row, name in zip(rows[len(AWKWARD_IDS):], AWKWARD_NAMES, strict=True):
        row["name"] = name
    extra = Scenario.from_tables(sc.settings, {"projects": rows}).projects
    out = sc.copy()
    out.projects = pd.concat([sc.projects, extra], ignore_index=True)
    return out


def infeasible_scenario() -> Scenario:
    """A mandatory project of 100 mu in a district with a 10 mu quota and no other source."""
    return tiny([project("M1", 100, mandatory=True), project("P2", 5)],
                quotas={("A", 2026): {"new_land_quota": 10}})


def _annotated(tmp: Path) -> Path:
    """A scenario workbook with a bad number, a blank required cell and a negative figure, annotated."""
    src = write_scenario(tiny([project("A1", 30, name=AWKWARD_NAMES[0]), project("A2", 20), project("A3", 10)],
                              quotas={("A", 2026): {"new_land_quota": 50}}), tmp / "to_annotate.xlsx", "en")
    wb = openpyxl.load_workbook(src)
    ws = wb["projects"]
    head = [c.value for c in ws[1]]
    ws.cell(row=2, column=head.index("land_demand") + 1, value="abc")
    ws.cell(row=3, column=head.index("investment") + 1, value=None)
    ws.cell(row=4, column=head.index("annual_output") + 1, value=-5)
    bad = tmp / "bad_input.xlsx"
    wb.save(bad)
    report = validate_workbook(bad)
    assert not report.ok
    return annotate_workbook(bad, report.problems, tmp / "annotated.xlsx", "en")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of workbook the product writes, each under a unique stem."""
    tmp = tmp_path_factory.mktemp("books")
    out: dict[str, Path] = {}
    for lang in ("zh", "en"):
        out[f"template_{lang}"] = write_template(tmp / f"template_{lang}.xlsx", lang)
    scenario_path = write_scenario(awkward_scenario(), tmp / "scenario_zh.xlsx", "zh")
    out["scenario_zh"] = scenario_path
    result = run_scenario(read_scenario(scenario_path), RunOptions(threads=1, time_limit_s=20))
    assert result.ok and result.plan is not None
    for lang in ("zh", "en"):
        out[f"results_{lang}"] = write_results(result, tmp / f"results_{lang}.xlsx", lang)
    infeasible = run_scenario(infeasible_scenario(), RunOptions(threads=1, time_limit_s=20))
    assert infeasible.infeasibility is not None
    out["results_infeasible_en"] = write_results(infeasible, tmp / "results_infeasible_en.xlsx", "en")
    out["annotated_en"] = _annotated(tmp)
    return out


@pytest.fixture(scope="module")
def converted(soffice: Soffice, books: dict[str, Path],
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Converted]]:
    csv_dir, xlsx_dir = tmp_path_factory.mktemp("lo_csv"), tmp_path_factory.mktemp("lo_xlsx")
    return {"csv": (csv_dir, soffice.convert(books.values(), CSV_FILTER, csv_dir)),
            "xlsx": (xlsx_dir, soffice.convert(books.values(), XLSX_FILTER, xlsx_dir))}


BOOKS = ["template_zh", "template_en", "scenario_zh", "results_zh", "results_en", "results_infeasible_en",
         "annotated_en"]


def check_csv_export(book: Path, outdir: Path, run: Converted) -> None:
    assert run.returncode == 0, run.describe()
    assert "Error" not in run.stderr, run.describe()
    written = workbook_values(book)
    for sheet, rows in written.items():
        path = outdir / csv_name(book, sheet)
        assert path.is_file(), f"LibreOffice wrote no CSV for sheet {sheet!r} of {book.name}\n{run.describe()}"
        got = read_csv(path)
        assert got, f"LibreOffice exported sheet {sheet!r} of {book.name} as empty"
        bad = mismatches(rows, got)
        assert not bad, f"{book.name} / {sheet}:\n" + "\n".join(bad)


def comments(ws: Worksheet) -> int:
    return sum(1 for row in ws.iter_rows() for c in row if c.comment is not None)


def check_round_trip(book: Path, outdir: Path, run: Converted) -> None:
    assert run.returncode == 0, run.describe()
    again = outdir / book.name
    assert again.is_file() and again.stat().st_size > 0, f"LibreOffice did not re-save {book.name}\n{run.describe()}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = openpyxl.load_workbook(book), openpyxl.load_workbook(again)
    assert theirs.sheetnames == ours.sheetnames
    before, after = workbook_values(book), workbook_values(again, data_only=True)
    for sheet in ours.sheetnames:
        bad = table_mismatches(before[sheet], after[sheet])
        assert not bad, f"{book.name} / {sheet} after LibreOffice:\n" + "\n".join(bad)
        # header comments (units and help) and charts are parts of their own: LibreOffice must have read them
        assert comments(theirs[sheet]) == comments(ours[sheet]), sheet
        assert len(theirs[sheet]._charts) == len(ours[sheet]._charts), sheet


@pytest.mark.parametrize("name", BOOKS)
def test_libreoffice_exports_every_sheet_with_the_values_written(
        name: str, books: dict[str, Path], converted: dict[str, tuple[Path, Converted]]) -> None:
    outdir, run = converted["csv"]
    check_csv_export(books[name], outdir, run)


@pytest.mark.parametrize("name", BOOKS)
def test_libreoffice_resaves_every_workbook_and_openpyxl_reads_it_back(
        name: str, books: dict[str, Path], converted: dict[str, tuple[Path, Converted]]) -> None:
    outdir, run = converted["xlsx"]
    check_round_trip(books[name], outdir, run)


def test_the_workbooks_hold_what_these_tests_claim(books: dict[str, Path]) -> None:
    """Guard the fixture: charts in results, the infeasibility sheet, annotations, awkward names."""
    res = openpyxl.load_workbook(books["results_en"])
    assert len(res["charts"]._charts) == 2
    assert "infeasibility" in openpyxl.load_workbook(books["results_infeasible_en"]).sheetnames
    assert openpyxl.load_workbook(books["annotated_en"]).sheetnames[0] == "validation"
    names = {r[1] for r in res["allocation"].iter_rows(min_row=2, values_only=True)}
    ids = {r[0] for r in res["allocation"].iter_rows(min_row=2, values_only=True)}
    assert set(AWKWARD_NAMES) <= names and set(AWKWARD_IDS) <= ids


def test_libreoffice_opens_the_comparison_workbook(soffice: Soffice, tmp_path: Path) -> None:
    cmp = pytest.importorskip("quota_opt.studies.compare", reason="quota_opt.studies.compare (the comparison workbook) is not there yet")
    base = awkward_scenario()
    other = base.copy()
    other.district_quotas["new_land_quota"] = other.district_quotas["new_land_quota"] * 0.5
    results = cmp.run_cases([cmp.Case("base", base), cmp.Case("=half quota", other)], workers=1)
    assert all(r.ok for r in results), [r.describe("en") for r in results]
    books = [cmp.write_comparison(results, tmp_path / f"comparison_{lang}.xlsx", lang) for lang in ("zh", "en")]
    csv_run = soffice.convert(books, CSV_FILTER, tmp_path / "csv")
    xlsx_run = soffice.convert(books, XLSX_FILTER, tmp_path / "xlsx")
    for book in books:
        check_csv_export(book, tmp_path / "csv", csv_run)
        check_round_trip(book, tmp_path / "xlsx", xlsx_run)

"""The results workbook on paper: every sheet set up for A4 (landscape where wide, fit to the page's width, the
header row repeated), and the brief (简报) on one page. LibreOffice prints each sheet to PDF and the pages are
counted; the page set-up itself is checked from the file without it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from lo import Soffice, soffice_path
from quota_opt.core.files import Kind
from quota_opt.output.excel import save_results
from quota_opt.output.results_workbook import results_workbook, write_results
from quota_opt.pipeline import RunResult

# the example is solved once for the modules of the xdist group "example" (conftest.example_run)
pytestmark = pytest.mark.xdist_group("example")


@pytest.fixture(scope="module")
def example(example_run: RunResult) -> RunResult:
    return example_run


@pytest.fixture(scope="module")
def soffice() -> Iterator[Soffice]:
    exe = soffice_path()
    if exe is None:
        pytest.skip("LibreOffice is not installed (neither soffice nor libreoffice on PATH)")
    lo = Soffice(exe)
    yield lo
    lo.close()


def pdf_pages(path: Path) -> int:
    """The pages of a PDF: its page objects (/Type /Page, not /Pages)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


@pytest.mark.slow
def test_every_sheet_is_set_up_for_a4(example: RunResult, tmp_path: Path) -> None:
    """Each sheet prints on A4, fit to the page's width (no column cut off onto a second sheet of paper), wide
    tables landscape with their header row on every page; the brief on one page, portrait."""
    path = write_results(example, tmp_path / "r.xlsx", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["概览", "简报"]
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert int(setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToWidth == 1, ws.title
        if ws.title not in ("简报", "图表"):
            assert ws.print_title_rows == "$1:$1", ws.title
    assert wb["项目分配"].page_setup.orientation == "landscape"
    assert wb["简报"].page_setup.orientation == "portrait" and wb["简报"].page_setup.fitToHeight == 1
    assert wb["图表"].page_setup.fitToHeight == 1  # the charts are not cut


@pytest.mark.slow
@pytest.mark.libreoffice
def test_the_brief_prints_on_one_page(example: RunResult, soffice: Soffice, tmp_path: Path) -> None:
    """LibreOffice prints each sheet alone to PDF: the brief is one page; the pages of the others are counted
    (and printed with the test's output), each at least one."""
    names = results_workbook(example, "zh").sheetnames
    files = []
    for i, name in enumerate(names):
        wb = results_workbook(example, "zh")
        for other in [n for n in wb.sheetnames if n != name]:
            wb.remove(wb[other])
        files.append(save_results(wb, tmp_path / f"sheet{i}.xlsx", Kind.RESULTS))
    done = soffice.convert(files, "pdf", tmp_path / "pdf")
    assert done.returncode == 0, done.describe()
    pages = {name: pdf_pages(tmp_path / "pdf" / f"sheet{i}.pdf") for i, name in enumerate(names)}
    print(pages)
    assert pages["简报"] == 1, pages
    assert pages["图表"] == 1, pages
    assert all(n >= 1 for n in pages.values()), pages

"""Large inputs: a 20,000-project workbook validates within 2 GB, and the CLI shows its reading progress."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from rich.console import Console

import quota_opt.cli.app as cli
from quota_opt.core.schema import SETTINGS, SHEETS_BY_KEY

N_PROJECTS = 20_000
N_DISTRICTS = 13
YEARS = (2026, 2027, 2028)
MEMORY_LIMIT_MB = 2048


def write_large(path: Path, n_projects: int = N_PROJECTS) -> Path:
    """A valid scenario with `n_projects` projects.

    Written in openpyxl's normal mode, which (like Excel) stores a sheet's dimension and shared strings;
    the streaming mode's files make openpyxl scan each sheet twice when reading them.
    """
    wb = Workbook()
    wb.remove(wb.active)
    settings = wb.create_sheet("settings")
    settings.append(["key", "value"])
    for key, value in (("scenario_name", "large"), ("base_year", YEARS[0]), ("horizon_years", len(YEARS))):
        settings.append([SETTINGS.column(key).key, value])
    districts = [f"D{i:02d}" for i in range(N_DISTRICTS)]
    chains = [f"C{i}" for i in range(12)]

    def table(key: str, rows: list[list[object]]) -> None:
        ws = wb.create_sheet(key)
        ws.append([c.key for c in SHEETS_BY_KEY[key].columns])
        for row in rows:
            ws.append(row)

    table("districts", [[d, f"区{d}", 200] for d in districts])
    table("platforms", [[f"P{d}{k}", f"平台{d}{k}", d, ", ".join(chains[k::3]), 60 + k * 5, None]
                        for d in districts for k in range(3)])
    table("chains", [[c, f"链{c}", 10, 1, None, 1] for c in chains])
    table("district_quotas", [[y, d, 5000, 200_000, 100] for y in YEARS for d in districts])
    table("city_quotas", [[y, 2000, 100_000, 300] for y in YEARS])
    ws = wb.create_sheet("projects")
    ws.append([c.key for c in SHEETS_BY_KEY["projects"].columns])
    for i in range(n_projects):
        d = districts[i % N_DISTRICTS]
        k = i % 3
        chain = chains[k + 3 * (i % 4)]
        land = 10 + i % 90
        ws.append([f"J{i:05d}", f"项目{i}", d, f"P{d}{k}", chain, 1 + i % 30, land, "是" if i % 3 == 0 else "否",
                   land * (50 + i % 300), land * (2 + i % 20), 50 + i % 500, "是", "是", "是", "否",
                   "否", "否", YEARS[0] + i % 3, None])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def large_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_large(tmp_path_factory.mktemp("large") / "large.xlsx")


_MEASURE = """
import json, resource, sys, time
from quota_opt.prepare import validate_workbook
start = time.perf_counter()
report = validate_workbook(sys.argv[1])
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
print(json.dumps({"ok": report.ok, "projects": 0 if report.scenario is None else len(report.scenario.projects),
                  "seconds": seconds, "peak_mb": peak_mb, "errors": [p.message("en") for p in report.errors][:5]}))
"""


@pytest.mark.slow
def test_20k_projects_validate_within_2gb(large_workbook: Path, corpus_measure: Callable[[str, str], None]) -> None:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(large_workbook)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"], result["errors"]
    assert result["projects"] == N_PROJECTS
    assert result["peak_mb"] < MEMORY_LIMIT_MB
    size_mb = large_workbook.stat().st_size / 1e6
    corpus_measure("large workbook", f"{N_PROJECTS:,} projects ({size_mb:.1f} MB) validated in "
                                     f"{result['seconds']:.1f} s, peak RSS {result['peak_mb']:.0f} MB "
                                     f"(limit {MEMORY_LIMIT_MB} MB)")


@pytest.mark.slow
def test_cli_shows_reading_progress_on_a_terminal(runner: CliRunner, large_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert large_workbook.stat().st_size > 1_000_000  # the CLI shows progress for files over ~1 MB
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=100, highlight=False))
    result = runner.invoke(cli.app, ["validate", str(large_workbook), "--lang", "en"])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "rows read" in shown, shown[-500:]
    assert f"{N_PROJECTS:,} rows read" in shown or "Reading" in shown


@pytest.mark.slow
def test_no_progress_when_not_a_terminal(runner: CliRunner, tmp_path: Path) -> None:
    small = write_large(tmp_path / "small.xlsx", n_projects=50)
    result = runner.invoke(cli.app, ["validate", str(small), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "rows read" not in result.output and "Valid: 13 districts, 50 projects" in result.output

"""The annual loop of the README's "a year with quota-opt": run → rollover → validate → run, year after year.

Before, a rollover of the shipped example at 2026 wrote a scenario `validate` refused: projects left out whose
latest year was 2026 had a blank earliest year, now the new base year 2027, after their latest. Now a rollover
keeps such a project with its latest year moved to the new base year and says so on the console.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import EXAMPLE
from invariants import check_results
from quota_opt.cli.app import app
from quota_opt.input.validate import read_scenario
from quota_opt.output.results_workbook import write_results
from quota_opt.pipeline import RunResult


def _run(runner: CliRunner, path: Path) -> Path:
    res = runner.invoke(app, ["run", str(path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    results = path.with_name(f"{path.stem}_results.xlsx")
    assert check_results(path, results) == []
    return results


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_run_rollover_validate_run_holds_for_three_years(runner: CliRunner, tmp_path: Path, seed: int) -> None:
    """A random generated scenario (40 projects, 4 districts, 3 years), three successive years: each year's
    results pass the invariants, the rollover at the base year writes next year's scenario, which validates
    without an error and runs again."""
    path = tmp_path / "y0.xlsx"
    res = runner.invoke(app, ["generate", "--projects", "40", "--districts", "4", "--years", "3", "--seed", str(seed),
                              "-o", str(path)])
    assert res.exit_code == 0, res.output
    for i in range(3):
        year = read_scenario(path).settings.base_year
        results = _run(runner, path)
        nxt = tmp_path / f"y{i + 1}.xlsx"
        res = runner.invoke(app, ["rollover", str(results), "-o", str(nxt), "--year", str(year), "--lang", "en"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["validate", str(nxt), "--lang", "en"])
        assert res.exit_code == 0, res.output  # no error (warnings allowed)
        assert read_scenario(nxt).settings.base_year == year + 1
        path = nxt
    _run(runner, path)


@pytest.mark.slow
@pytest.mark.xdist_group("example")
def test_rollover_keeps_a_lapsed_candidate_with_a_window_to_confirm(runner: CliRunner, tmp_path: Path,
                                                                    example_run: RunResult) -> None:
    """The shipped example rolled over at 2026: XM059 and XM072 were left out and their window ended in 2026 (the
    earliest year blank). The new scenario keeps them with latest year 2027, the console names them in zh and en,
    and the new scenario validates. (Its results workbook is the one `quota-opt run` writes, from the
    example's run shared with the other modules of the group.)"""
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    write_results(example_run, tmp_path / "ex_results.xlsx", "zh")
    for lang, words in (("zh", "已保留为候选项目"), ("en", "kept as candidates")):
        out = tmp_path / f"ex27_{lang}.xlsx"
        res = runner.invoke(app, ["rollover", str(tmp_path / "ex_results.xlsx"), "-o", str(out), "--year", "2026",
                                  "--lang", lang])
        assert res.exit_code == 0, res.output
        assert words in res.output
        sc = read_scenario(out)
        latest = sc.projects.set_index("project_id")["latest_year"]
        lapsed = [p for p in sc.projects["project_id"] if p in res.output and not pd_isna(latest[p])]
        assert lapsed and all(int(latest[p]) == 2027 for p in lapsed)
        assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def pd_isna(x: object) -> bool:
    import pandas as pd

    return bool(pd.isna(x))

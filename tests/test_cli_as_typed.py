"""Text from the workbook, the command line and the file system is printed as typed.

The commands print with rich, which reads "[bold]" as a style and ":fire:" as an emoji: a project named
"[bold]重点项目" was shown as "重点项目", an output out[red].xlsx as out.xlsx, and a name holding "[/]" ended the
command with rich's MarkupError (exit 70). Messages (print_problems, the error line) are covered by
tests/test_cli_run.py::test_a_message_shows_bracketed_text_as_typed; these are the other lines: where a workbook
went, names and ids in `explain`, the infeasibility report, case names in `compare`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from builders import INVESTMENT_ONLY, project, tiny
from quota_opt.cli.app import app
from quota_opt.core.scenario import Scenario
from quota_opt.output.template import write_scenario
from quota_opt.studies import compare as cmp

DISTRICT = {"district_id": "A", "name": "[red]甲区"}


def bracketed(quota: float = 100) -> Scenario:
    """The A/B/C scenario (quota 100 mu: A and C selected, B out-competed) with markup-like names: project
    "[b]A" is "[bold]重点项目", B is "[/]乙" (an unopened closing tag), district A is "[red]甲区"."""
    a = {**project("[b]A", 60, investment=10), "name": "[bold]重点项目"}
    b = {**project("B", 50, investment=8), "name": "[/]乙"}
    return tiny([a, b, project("C", 40, investment=6)], districts=[DISTRICT],
                quotas={("A", 2026): {"new_land_quota": quota}}, **INVESTMENT_ONLY)


def invoke(runner: CliRunner, *args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_run_and_explain_show_names_ids_and_paths_as_typed(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    path = write_scenario(bracketed(), tmp_path / "s[red].xlsx", lang)
    results = tmp_path / "out[red]:fire:.xlsx"
    shown = invoke(runner, "run", str(path), "-o", str(results), "--lang", lang)
    assert results.is_file() and str(results) in shown, shown
    shown = invoke(runner, "explain", str(results), "[b]A", "--lang", lang)  # the adopted plan: A is selected
    assert "[b]A [bold]重点项目  (A, C1)" in shown, shown
    shown = invoke(runner, "explain", str(path), "B", "--lang", lang)  # a new solve: B is out-competed
    assert "B [/]乙  (A, C1)" in shown, shown
    if lang == "zh":  # the reason names the district by its name
        assert "[red]甲区新增建设用地计划指标" in shown, shown


def test_the_infeasibility_report_shows_names_as_typed(runner: CliRunner, tmp_path: Path) -> None:
    sc = tiny([project("M", 300, investment=20, mandatory=True)], districts=[DISTRICT],
              quotas={("A", 2026): {"new_land_quota": 120}})
    path = write_scenario(sc, tmp_path / "inf[bold].xlsx", "zh")
    res = runner.invoke(app, ["run", str(path)])
    assert res.exit_code == 3, res.output
    assert "需使用[red]甲区2026年新增建设用地计划指标" in res.output, res.output
    assert f"不可行原因已写入：{tmp_path / 'inf[bold]_results.xlsx'}" in res.output, res.output


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compare_shows_case_names_and_paths_as_typed(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """Two cases named after their files, one of them infeasible (a failed case, named again at the end)."""
    ok = write_scenario(bracketed(), tmp_path / "s[red].xlsx", lang)
    infeasible = tiny([project("M", 300, investment=20, mandatory=True)],
                      quotas={("A", 2026): {"new_land_quota": 120}})
    failed = write_scenario(infeasible, tmp_path / "inf[bold].xlsx", lang)
    output = tmp_path / "c[x]:fire:.xlsx"
    shown = invoke(runner, "compare", str(ok), str(failed), "-o", str(output), "--workers", "1", "--lang", lang)
    assert output.is_file() and str(output) in shown, shown
    assert "│ s[red]" in shown and "│ inf[bold]" in shown, shown  # the table
    failed_line = "未得到方案的情形（见工作簿）：inf[bold]" if lang == "zh" else "(see the workbook): inf[bold]"
    assert failed_line in shown, shown


@pytest.mark.slow
def test_workbooks_written_are_named_as_typed(runner: CliRunner, tmp_path: Path) -> None:
    """template, generate, validate --annotate and rollover (with its warning naming both workbooks)."""
    template = tmp_path / "t[red].xlsx"
    assert f"Template written: {template}" in invoke(runner, "template", "-o", str(template), "--lang", "en")
    generated = tmp_path / "g[bold].xlsx"
    shown = invoke(runner, "generate", "--projects", "5", "--districts", "2", "-o", str(generated), "--lang", "en")
    assert str(generated) in shown, shown
    annotated = tmp_path / "a[i].xlsx"
    res = runner.invoke(app, ["validate", str(template), "--annotate", str(annotated), "--lang", "en"])
    assert f"Annotated copy written: {annotated}" in res.output, res.output
    plan = write_scenario(bracketed(), tmp_path / "s[red].xlsx", "en")
    invoke(runner, "run", str(plan), "--lang", "en")
    edited = write_scenario(bracketed(quota=110), tmp_path / "other[b].xlsx", "en")  # same ids, another scenario
    following = tmp_path / "next[red].xlsx"
    shown = invoke(runner, "rollover", str(tmp_path / "s[red]_results.xlsx"), "-o", str(following), "--year", "2026",
                   "--scenario", str(edited), "--lang", "en")
    assert f"Scenario for 2027 written: {following}" in shown, shown
    assert "Warning: other[b].xlsx is not the workbook s[red]_results.xlsx was computed from" in shown, shown


def test_progress_and_summary_table_show_case_names_as_typed() -> None:
    """On a terminal, a failed case is named above the progress bar; the summary table, printed on any console
    (a notebook's has markup on), names each case as typed."""
    failed = cmp.CaseResult("inf[bold]", "infeasible")
    screen = io.StringIO()
    with cmp.ProgressBar(1, "en", Console(file=screen, force_terminal=True, color_system=None, width=100)) as bar:
        bar(1, 1, failed)
    assert "! inf[bold]: infeasible" in screen.getvalue(), screen.getvalue()
    screen = io.StringIO()
    Console(file=screen, width=100).print(cmp.summary_table([cmp.CaseResult("s[red]", "optimal"), failed], "en"))
    assert "│ s[red]" in screen.getvalue() and "│ inf[bold]" in screen.getvalue(), screen.getvalue()

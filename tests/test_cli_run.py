"""The `run` and `template` commands through click's runner, in both languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import INVESTMENT_ONLY, project, tiny
from invariants import check_results
from quota_opt.cli.app import app
from quota_opt.core.results_schema import ALLOCATION, DISTRICTS, LEDGER, SUMMARY, SUMMARY_ROWS
from quota_opt.output.template import write_scenario


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_run_writes_results_beside_the_input(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path, lang: str) -> None:
    path = golden_workbook(lang)
    before = path.read_bytes()
    res = runner.invoke(app, ["run", str(path), "--lang", lang])
    assert res.exit_code == 0, res.output
    out = tmp_path / f"golden_{lang}_results.xlsx"
    assert out.is_file() and path.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    for sheet in (SUMMARY, ALLOCATION, DISTRICTS, LEDGER):
        assert sheet.name(lang) in wb.sheetnames
    summary = {r[0]: r[1] for r in wb[SUMMARY.name(lang)].iter_rows(min_row=2, values_only=True)}
    key = SUMMARY_ROWS["objective"][0] if lang == "zh" else "objective"
    assert summary[key] == pytest.approx(84, abs=1e-3)
    assert ("分配结果概览" if lang == "zh" else "Allocation summary") in res.output
    assert ("用地：区县指标(亩)" if lang == "zh" else "Land from district quota (mu)") in res.output  # words, units
    assert ws_headers(wb[ALLOCATION.name(lang)])[0] == ("项目编号" if lang == "zh" else "project_id")


def ws_headers(ws: object) -> list[str]:
    return [c.value for c in ws[1]]  # type: ignore[index]


@pytest.mark.slow
def test_run_en_results_pass_the_invariants(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    path = golden_workbook()
    out = tmp_path / "out" / "r.xlsx"
    assert runner.invoke(app, ["run", str(path), "-o", str(out), "--lang", "en"]).exit_code == 0
    assert check_results(path, out) == []


@pytest.mark.slow
def test_run_options_and_model_export(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    path = golden_workbook()
    for suffix in ("lp", "mps"):
        model = tmp_path / f"m.{suffix}"
        res = runner.invoke(app, ["run", str(path), "--lang", "en", "--time-limit", "5", "--gap", "0", "--threads", "1",
                                  "--backend", "highs", "--write-model", str(model)])
        assert res.exit_code == 0, res.output
        text = model.read_text()
        assert "supply(A,2026)" in text and "district_land_quota(A,2026)" in text


def test_run_refuses_to_overwrite_the_input(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    path = golden_workbook()
    before = path.read_bytes()
    res = runner.invoke(app, ["run", str(path), "-o", str(path), "--lang", "en"])
    assert res.exit_code != 0
    assert path.read_bytes() == before
    assert "Traceback" not in res.output


def test_run_on_bad_input_lists_errors_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", str(tmp_path / "missing.xlsx"), "--lang", "en"])
    assert res.exit_code == 1
    assert "does not exist" in res.output


def test_unknown_variant_is_a_clear_error(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", str(golden_workbook()), "--variant", "nope", "--lang", "en"])
    assert res.exit_code == 1
    assert 'no variant named "nope"' in res.output


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", "错误: 求解器 HiGHS 未接受模型（HighsStatus.kWarning）。工作簿已通过校验，这多半是本工具的缺陷"),
    ("en", "Error: the solver HiGHS did not accept the model (HighsStatus.kWarning). The workbook passed validation, "
           "so this is most likely a fault of quota-opt"),
])
def test_a_model_highs_refuses_is_said_in_the_users_language(runner: CliRunner, tmp_path: Path, lang: str, words: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS refusing the model (passModel's kWarning) was answered in English whatever --lang said ("HiGHS did
    not accept the model (HighsStatus.kWarning)"). Now it is a message of the catalogue, still exit 2 (no
    allocation), no results written. A land demand of 0.000000000001 mu made HiGHS refuse; validation now refuses
    such numbers at their cell (tests/corpus/cases.py: tiny_land, tiny_energy, tiny_reward_ratio), so the refusal
    is made here by a HiGHS that answers kWarning."""
    import highspy

    class Refusing(highspy.Highs):
        def passModel(self, *args: object) -> object:
            return highspy.HighsStatus.kWarning

    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8)],
              quotas={("A", 2026): {"new_land_quota": 100}}, **INVESTMENT_ONLY)
    path = write_scenario(sc, tmp_path / "refused.xlsx", lang)
    monkeypatch.setattr(highspy, "Highs", Refusing)
    res = runner.invoke(app, ["run", str(path), "--lang", lang])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert words in out, out
    if lang == "zh":
        assert "did not accept" not in out
    assert "Traceback" not in out and "内部错误" not in out and "Internal error" not in out
    assert not list(tmp_path.glob("*_results.xlsx"))


def test_a_message_shows_bracketed_text_as_typed(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    """Messages were printed as rich markup, so text in square brackets that looks like a style vanished:
    --param reward_ratio=[bold] was answered 'got ""', a file x[red].xlsx was named x.xlsx."""
    missing = tmp_path / "x[red].xlsx"
    res = runner.invoke(app, ["run", str(missing), "--lang", "en"])
    assert res.exit_code == 1 and f"file {missing} does not exist" in res.output, res.output
    res = runner.invoke(app, ["sweep", str(golden_workbook()), "-p", "reward_ratio=[bold]", "--lang", "en"])
    assert res.exit_code == 1 and 'got "[bold]"' in res.output, res.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_command(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "t.xlsx"
    res = runner.invoke(app, ["template", "-o", str(out), "--lang", lang])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == ("说明" if lang == "zh" else "Instructions")
    projects = wb["项目" if lang == "zh" else "projects"]
    assert projects.freeze_panes == "A2"
    assert projects["A1"].comment is not None
    assert any("是,否" in str(dv.formula1) or "yes,no" in str(dv.formula1) for dv in projects.data_validations.dataValidation)
    from quota_opt.core.schema import NO_WORDS, YES_WORDS

    instructions = " ".join(str(c.value) for c in wb.worksheets[0]["A"] if c.value)
    line = next(part for part in instructions.split("。" if lang == "zh" else ". ") if "是/否" in part or "Yes/no" in part)
    assert all(word in line for word in (*YES_WORDS, *NO_WORDS)), line  # what the reader accepts, all of it


def test_generate_command_writes_a_valid_workbook(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "g.xlsx"
    res = runner.invoke(app, ["generate", "--projects", "40", "--districts", "4", "--years", "2", "--seed", "7",
                              "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["validate", str(out), "--lang", "en"]).exit_code == 0


@pytest.mark.slow
def test_run_saves_under_a_fallback_name_when_the_output_cannot_be_written(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    """The output's folder is a file (cannot be created, even as root): the results are saved beside
    the input under a fallback name, the run says where, and exits 4."""
    path = golden_workbook()
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    res = runner.invoke(app, ["run", str(path), "-o", str(blocker / "out.xlsx"), "--lang", "en"])
    assert res.exit_code == 4, res.output
    assert "saved to" in res.output and "Traceback" not in res.output
    saved = [p for p in tmp_path.glob("*.xlsx") if p.name not in (path.name,)]
    assert len(saved) == 1 and saved[0].name.startswith("out")
    assert check_results(path, saved[0]) == []


def test_run_refuses_an_output_that_is_the_input_under_another_name(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path) -> None:
    """A hard link to the input is the input: never written, refused before the work (test_write_guard.py
    holds every writer to it)."""
    path = golden_workbook("zh")
    link = tmp_path / "link.xlsx"
    link.hardlink_to(path)
    before = path.read_bytes()
    res = runner.invoke(app, ["run", str(path), "-o", str(link), "--lang", "zh"])
    assert res.exit_code == 1, res.output
    assert path.read_bytes() == before
    assert "是本命令读取的方案工作簿" in res.output and "从不被覆盖" in res.output


@pytest.mark.parametrize(("argv", "code"), [(["run", "--no-such-option", "x.xlsx"], 1), (["run"], 1), ([], 1),
                                            (["run", "--help"], 0)])
def test_a_command_line_that_cannot_be_parsed_exits_1_not_2(argv: list[str], code: int) -> None:
    """Exit 2 means the solver failed (README); a mistyped command line is the user's input, like a bad cell.
    Run as the installed command runs, through `cli.main` in a process of its own."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "quota_opt.cli.app", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_reports_the_time_the_write_took(golden_workbook: Callable[..., Path], runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """The summary's write time (写出用时 / time_write_s) was always 0: `run` measured the write after
    write_results had already put the summary in the workbook. Now the workbook's writer measures it, from the
    start of building the workbook until its other parts are serialised (only the summary sheet's own XML, the
    zip's end and the rename are left out): with a clock that reads 10 then 12.5 it says 2.5, and a real run
    says more than 0 and no more than the command took."""
    import time

    from quota_opt.output.results_workbook import write_results
    from quota_opt.pipeline import RunOptions, run_scenario
    from quota_opt.prepare import read_scenario

    label = SUMMARY_ROWS["time_write_s"][0] if lang == "zh" else "time_write_s"

    def summary(path: Path) -> dict[object, object]:
        wb = openpyxl.load_workbook(path)
        return {r[0]: r[1] for r in wb[SUMMARY.name(lang)].iter_rows(min_row=2, values_only=True)}

    path = golden_workbook(lang)
    result = run_scenario(read_scenario(path), RunOptions(threads=1))
    ticks = iter([10.0, 12.5])
    written = write_results(result, tmp_path / "clocked.xlsx", lang, clock=lambda: next(ticks))
    assert summary(written)[label] == 2.5
    t0 = time.perf_counter()
    res = runner.invoke(app, ["run", str(path), "-o", str(tmp_path / "real.xlsx"), "--lang", lang])
    took = time.perf_counter() - t0
    assert res.exit_code == 0, res.output
    write_s = summary(tmp_path / "real.xlsx")[label]
    assert isinstance(write_s, float) and 0 < write_s <= took, write_s

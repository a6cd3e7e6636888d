"""What the commands write and refuse to write: inputs never overwritten, locked targets, options checked
before the work, model exports, file permissions, the solve's end in the user's language, Ctrl-C."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.core.results_schema import SUMMARY, SUMMARY_ROWS
from quota_opt.core.scenario import Scenario
from quota_opt.output.template import write_scenario
from quota_opt.studies.generate import generate_scenario


def abc() -> Scenario:
    return tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
                quotas={("A", 2026): {"new_land_quota": 100}})


def scenario(tmp_path: Path, lang: str = "en") -> Path:
    return write_scenario(abc(), tmp_path / f"plan_{lang}.xlsx", lang)


@pytest.fixture
def plan(make_plan: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """A scenario and its results workbook, as `rollover` reads them."""
    path = make_plan(abc(), tmp_path / "plan_en.xlsx", "en", "--lang", "en")
    return path, tmp_path / "plan_en_results.xlsx"


def blocked(tmp_path: Path) -> Path:
    """A target that cannot be written, even as root: its folder is a file."""
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    return blocker / "out.xlsx"


def summary_of(path: Path, lang: str) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    return {r[0]: r[1] for r in wb[SUMMARY.name(lang)].iter_rows(min_row=2, values_only=True)}


# --- rollover never writes over its inputs --------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("which", ["scenario", "results"])
def test_rollover_never_overwrites_its_inputs(runner: CliRunner, tmp_path: Path, plan: tuple[Path, Path], which: str) -> None:
    """`-o` naming the scenario or the adopted results: even with --force the input stays as it was, and the
    command refuses before any work (exit 1), naming the input (see test_write_guard.py for every writer)."""
    path, results = plan
    target = path if which == "scenario" else results
    before = {p: p.read_bytes() for p in (path, results)}
    res = runner.invoke(app, ["rollover", str(results), "--scenario", str(path), "--year", "2026", "-o", str(target),
                              "--force", "--lang", "en"])
    assert res.exit_code == 1, res.output
    assert "which this command reads; an input is never written over, not even with --force" in res.output
    assert {p: p.read_bytes() for p in (path, results)} == before
    assert not list(tmp_path.glob(f"{target.stem}-*.xlsx"))


@pytest.mark.slow
def test_rollover_found_scenario_is_protected_too(runner: CliRunner, tmp_path: Path, plan: tuple[Path, Path]) -> None:
    """The scenario found beside the results (no --scenario) is as much an input."""
    path, results = plan
    before = path.read_bytes()
    res = runner.invoke(app, ["rollover", str(results), "--year", "2026", "-o", str(path), "--force", "--lang", "zh"])
    assert res.exit_code == 1, res.output
    assert "是本命令读取的方案工作簿" in res.output and "从不被覆盖" in res.output
    assert path.read_bytes() == before


# --- a target that cannot be written: a fallback name and exit 4, never "internal error" -----

@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_generate_rollover_save_under_a_fallback_name(runner: CliRunner, tmp_path: Path, plan: tuple[Path, Path],
                                                               lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no input beside the target, the fallback is the working folder."""
    monkeypatch.chdir(tmp_path)
    path, results = plan
    target = blocked(tmp_path)
    commands = {
        "template": ["template"],
        "generate": ["generate", "--projects", "8", "--districts", "2", "--years", "2"],
        "rollover": ["rollover", str(results), "--scenario", str(path), "--year", "2026"],
    }
    for name, args in commands.items():
        res = runner.invoke(app, [*args, "-o", str(target), "--lang", lang])
        assert res.exit_code == 4, (name, res.output)
        assert ("另存为" if lang == "zh" else "saved to") in res.output, res.output
        assert "内部错误" not in res.output and "Internal error" not in res.output
        if lang == "zh":
            assert "Not a directory" not in res.output and "File exists" not in res.output, res.output
        saved = sorted(tmp_path.glob("out-*.xlsx"), key=lambda p: p.stat().st_mtime)
        assert saved, name
        assert runner.invoke(app, ["validate", str(saved[-1]), "--lang", "en"]).exit_code in (0, 1)  # a workbook
        saved[-1].unlink()


# --- options checked before anything is read or solved -------------------------------------

BAD_RUN_OPTIONS = [
    (["--threads", "-1"], "--threads", "-1"),
    (["--gap", "-0.1"], "--gap", "-0.1"),
    (["--gap", "2"], "--gap", "2"),
    (["--gap", "nan"], "--gap", "nan"),
    (["--time-limit", "0"], "--time-limit", "0"),
    (["--time-limit", "-5"], "--time-limit", "-5"),
    (["--time-limit", "100000"], "--time-limit", "100000"),
    (["--backend", "foo"], "--backend", '"foo"'),
    (["--write-model", "model.txt"], "--write-model", "model.txt"),
]


@pytest.mark.parametrize(("args", "option", "found"), BAD_RUN_OPTIONS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_run_rejects_bad_options_as_input_errors(runner: CliRunner, tmp_path: Path, args: list[str], option: str, found: str,
                                                 lang: str) -> None:
    path = scenario(tmp_path, lang)
    res = runner.invoke(app, ["run", str(path), *args, "--lang", lang])
    assert res.exit_code == 1, res.output
    assert option in res.output and found in res.output
    assert ("应为" if lang == "zh" else "expected") in res.output
    if lang == "zh":
        assert "expected" not in res.output and "unknown backend" not in res.output
    assert "Failed casting" not in res.output and "内部错误" not in res.output
    assert not list(tmp_path.glob("*_results.xlsx"))


def test_run_option_messages_state_the_bounds(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["run", str(scenario(tmp_path)), "--time-limit", "0", "--gap", "2", "--lang", "en"])
    assert res.exit_code == 1
    assert "command-line option --time-limit: expected a number > 0 and ≤ 86,400 (in s), got 0." in res.output
    assert "command-line option --gap: expected a number ≥ 0 and ≤ 1, got 2." in res.output
    res = runner.invoke(app, ["run", str(scenario(tmp_path, "zh")), "--threads", "-1"])
    assert "命令行选项 --threads：应为不小于0且不大于256的整数，实际为 -1。" in res.output


@pytest.mark.parametrize("command", ["compare", "sweep", "explain"])
def test_compare_sweep_explain_check_their_solve_options(runner: CliRunner, tmp_path: Path, command: str) -> None:
    path = scenario(tmp_path, "zh")
    extra = {"compare": [], "sweep": ["--param", "reward_ratio=0.5,1"], "explain": ["A"]}[command]
    res = runner.invoke(app, [command, str(path), *extra, "--time-limit", "-5"])
    assert res.exit_code == 1, res.output
    assert "选项 --time-limit" in res.output
    if command != "explain":
        res = runner.invoke(app, [command, str(path), *extra, "--gap", "1.5"])
        assert res.exit_code == 1 and "选项 --gap" in res.output, res.output


# --- model export ---------------------------------------------------------------------------

@pytest.mark.slow
def test_write_model_creates_its_folder(runner: CliRunner, tmp_path: Path) -> None:
    model = tmp_path / "nod" / "deeper" / "m.lp"
    res = runner.invoke(app, ["run", str(scenario(tmp_path)), "--write-model", str(model), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert model.is_file() and "supply(A,2026)" in model.read_text()
    assert not [p for p in model.parent.iterdir() if p != model]  # no temporary file left


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_write_model_failure_is_reported_not_claimed(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """A model that cannot be written is never announced as exported: the results are still written, the
    failure is named, and the exit code (4) says an output is missing."""
    model = blocked(tmp_path).with_suffix(".mps")
    res = runner.invoke(app, ["run", str(scenario(tmp_path, lang)), "--write-model", str(model), "--lang", lang])
    assert res.exit_code == 4, res.output
    assert ("模型已导出" if lang == "zh" else "Model exported") not in res.output
    assert ("无法导出模型" if lang == "zh" else "could not export the model") in res.output
    assert (tmp_path / f"plan_{lang}_results.xlsx").is_file()
    if lang == "zh":
        assert "Not a directory" not in res.output and "File exists" not in res.output


# --- permissions of what is written ---------------------------------------------------------

@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.usefixtures("umask_022")
def test_workbooks_get_the_permissions_of_a_new_file(runner: CliRunner, tmp_path: Path) -> None:
    """Not mkstemp's 0600: colleagues on a shared drive read what the tool writes (0644 under umask 022),
    and a workbook replaced keeps the mode it had."""
    path = scenario(tmp_path)
    model = tmp_path / "m.lp"
    assert runner.invoke(app, ["run", str(path), "--write-model", str(model), "--lang", "en"]).exit_code == 0
    assert runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx")]).exit_code == 0
    for written in (path, tmp_path / "plan_en_results.xlsx", tmp_path / "t.xlsx", model):
        assert stat.S_IMODE(written.stat().st_mode) == 0o644, written
    results = tmp_path / "plan_en_results.xlsx"
    results.chmod(0o640)
    assert runner.invoke(app, ["run", str(path), "--lang", "en"]).exit_code == 0
    assert stat.S_IMODE(results.stat().st_mode) == 0o640


# --- the solve's end, in the user's language ------------------------------------------------

def big_scenario(tmp_path: Path) -> Path:
    """300 projects: HiGHS does not prove optimality within a second or two on it."""
    return write_scenario(generate_scenario(300, 13, 3, seed=1), tmp_path / "big.xlsx", "zh")


@pytest.mark.slow
def test_time_limit_is_reported_in_chinese(runner: CliRunner, tmp_path: Path) -> None:
    path = big_scenario(tmp_path)
    res = runner.invoke(app, ["run", str(path), "--time-limit", "1", "--threads", "1"])
    assert res.exit_code == 0, res.output
    assert "求解提前停止（达到求解时限）" in res.output and "time limit" not in res.output
    summary = summary_of(tmp_path / "big_results.xlsx", "zh")
    assert summary[SUMMARY_ROWS["termination"][0]] == "达到求解时限"


def _started_with_ctrl_c() -> None:
    """Python's own Ctrl-C handling in the child even when this run inherited SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ctrl_c_during_the_solve_says_the_results_are_coming(tmp_path: Path, lang: str) -> None:
    """The first Ctrl-C in the solve: the terminal says at once that the best allocation is being written, the
    run writes it (exit 0) and the summary gives the reason in the chosen language."""
    path = big_scenario(tmp_path)
    import quota_opt

    env = {**os.environ, "PYTHONPATH": str(Path(quota_opt.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "quota_opt.cli.app", "run", str(path), "--time-limit", "60",
                             "--lang", lang], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_started_with_ctrl_c)
    assert proc.stderr is not None
    stderr = []
    for line in proc.stderr:  # stage lines arrive as they happen
        stderr.append(line)
        if "求解" in line or "Solving" in line:
            break
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _stdout, rest = proc.communicate(timeout=120)
    stderr_text = "".join(stderr) + rest
    assert proc.returncode == 0, stderr_text
    notice = ("中断：正在写出目前最好的方案，请稍候…" if lang == "zh"
              else "Interrupted: writing the best allocation found so far, please wait…")
    assert notice in stderr_text
    summary = summary_of(tmp_path / "big_results.xlsx", lang)
    key = SUMMARY_ROWS["termination"][0] if lang == "zh" else "termination"
    assert summary[key] == ("用户中断（Ctrl-C）" if lang == "zh" else "interrupted")
    if lang == "zh":
        assert "interrupted" not in stderr_text and "求解提前停止（用户中断（Ctrl-C））" in stderr_text


# --- output names and existing files ---------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_outputs_must_be_xlsx(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """An Excel workbook named out.csv opens in nothing that expects a CSV: refused before the work."""
    path = scenario(tmp_path, lang)
    for args in (["run", str(path), "-o", str(tmp_path / "out.csv")], ["template", "-o", str(tmp_path / "t.csv")],
                 ["compare", str(path), "-o", str(tmp_path / "c.csv")]):
        res = runner.invoke(app, [*args, "--lang", lang])
        assert res.exit_code == 1, res.output
        assert ".xlsx" in res.output and ("实际为" if lang == "zh" else "got") in res.output
    assert not list(tmp_path.glob("*.csv"))


@pytest.mark.parametrize("command", ["template", "generate"])
def test_scenario_writers_replace_an_existing_file_only_with_force(runner: CliRunner, tmp_path: Path, command: str) -> None:
    """A scenario workbook is filled in by hand: `template` and `generate` do not replace one unless told to."""
    target = tmp_path / "2026方案.xlsx"
    target.write_bytes(b"filled in by hand")
    args = [command, "-o", str(target)] + (["--projects", "5", "--districts", "2"] if command == "generate" else [])
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output
    assert "已存在" in res.output and "--force" in res.output
    assert target.read_bytes() == b"filled in by hand"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert target.read_bytes() != b"filled in by hand"

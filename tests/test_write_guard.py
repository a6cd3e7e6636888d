"""The one write guard (core/files.py), held by every writer: no command writes over a file it reads, under
any name (path, symlink, hard link), and an existing file is replaced only when it is one the product wrote of
the same kind, else only with --force. Temporary and fallback names fit the file system."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.core.files import Kind, fallback_paths, fit_name, kind_of, temporary_name, write_with_fallback
from quota_opt.output.template import write_scenario


def _scenario(path: Path) -> Path:
    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
              quotas={("A", 2026): {"new_land_quota": 100}})
    return write_scenario(sc, path, "en")


def _hand_filled(source: Path, path: Path) -> Path:
    """A scenario as a bureau keeps it: written by the template, then filled in and saved (here by openpyxl,
    which, like Excel, stamps the time of saving)."""
    wb = openpyxl.load_workbook(source)
    wb.save(path)
    return path


def _invalid(source: Path, path: Path) -> Path:
    """A scenario with one error, which validate --annotate marks."""
    wb = openpyxl.load_workbook(source)
    ws = wb["projects"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("land_demand") + 1, value="abc")
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def made(runner: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of every kind the product writes, and files it did not write."""
    d = tmp_path_factory.mktemp("made")
    plan = _scenario(d / "plan.xlsx")
    files = {"scenario": plan}
    assert runner.invoke(app, ["run", str(plan), "-o", str(d / "results.xlsx"), "--write-model",
                               str(d / "model.lp"), "--lang", "en"]).exit_code == 0
    files["results"], files["model"] = d / "results.xlsx", d / "model.lp"
    other = shutil.copy(plan, d / "other.xlsx")
    res = runner.invoke(app, ["compare", str(plan), str(other), "-o", str(d / "comparison.xlsx"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    files["comparison"] = d / "comparison.xlsx"
    invalid = _invalid(plan, d / "invalid.xlsx")
    runner.invoke(app, ["validate", str(invalid), "--annotate", str(d / "annotated.xlsx")])
    files["annotated"] = d / "annotated.xlsx"
    files["hand_scenario"] = _hand_filled(plan, d / "hand.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(["budget", 2026])
    wb.save(d / "foreign.xlsx")
    files["foreign_workbook"] = d / "foreign.xlsx"
    (d / "notes.xlsx").write_text("not a workbook at all")
    files["text"] = d / "notes.xlsx"
    (d / "foreign.lp").write_text("\\ my own model\nmax\n obj: x\nend\n")
    files["foreign_model"] = d / "foreign.lp"
    return files


@pytest.mark.slow
def test_each_kind_is_recognised_from_its_own_markers(made: dict[str, Path]) -> None:
    assert {name: kind_of(path) for name, path in made.items()} == {
        "scenario": Kind.SCENARIO, "results": Kind.RESULTS, "model": Kind.MODEL, "comparison": Kind.COMPARISON,
        "annotated": Kind.ANNOTATED, "hand_scenario": None, "foreign_workbook": None, "text": None,
        "foreign_model": None}


# --- never over an input, under any name -----------------------------------------------------------------

def _alias(tmp_path: Path, target: Path, how: str, suffix: str | None = None) -> Path:
    """`target` itself, or another name for it: a symlink, a hard link, a path through a symlinked folder."""
    name = f"alias{suffix or target.suffix}"
    if how == "path":
        return target
    if how == "symlink":
        (tmp_path / name).symlink_to(target)
        return tmp_path / name
    if how == "hardlink":
        os.link(target, tmp_path / name)
        return tmp_path / name
    (tmp_path / "via").symlink_to(target.parent, target_is_directory=True)
    return tmp_path / "via" / target.name


# command -> (files it reads by role, the arguments given those files and the output it is told to write)
Inputs = dict[str, Path]
COMMANDS: dict[str, tuple[tuple[str, ...], Callable[[Inputs, Path], list[str]]]] = {
    "run -o": (("scenario",), lambda f, out: ["run", str(f["scenario"]), "-o", str(out)]),
    "run --write-model": (("scenario",), lambda f, out: ["run", str(f["scenario"]), "-o", str(f["dir"] / "r.xlsx"),
                                                          "--write-model", str(out)]),
    "compare (first)": (("a", "b"), lambda f, out: ["compare", str(f["a"]), str(f["b"]), "-o", str(out)]),
    "compare (second)": (("b", "a"), lambda f, out: ["compare", str(f["a"]), str(f["b"]), "-o", str(out)]),
    "compare results": (("results", "scenario"),
                        lambda f, out: ["compare", str(f["scenario"]), str(f["results"]), "-o", str(out)]),
    "sweep": (("scenario",), lambda f, out: ["sweep", str(f["scenario"]), "-p", "reward_ratio=0.5,1", "-o", str(out)]),
    "validate --annotate": (("scenario",), lambda f, out: ["validate", str(f["scenario"]), "--annotate", str(out)]),
    "rollover (results)": (("results", "scenario"), lambda f, out: [
        "rollover", str(f["results"]), "--scenario", str(f["scenario"]), "--year", "2026", "-o", str(out)]),
    "rollover (scenario)": (("scenario", "results"), lambda f, out: [
        "rollover", str(f["results"]), "--scenario", str(f["scenario"]), "--year", "2026", "-o", str(out)]),
}


@pytest.fixture
def inputs(tmp_path: Path, made: dict[str, Path]) -> Inputs:
    d = tmp_path / "in"
    d.mkdir()
    files = {"dir": d, "scenario": shutil.copy(made["scenario"], d / "plan.xlsx"),
             "results": shutil.copy(made["results"], d / "plan_results.xlsx"),
             "a": shutil.copy(made["scenario"], d / "a.xlsx"), "b": _hand_filled(made["scenario"], d / "b.xlsx")}
    return {k: Path(v) for k, v in files.items()}


# the edit-test loop (make test-fast) tries the plain path without --force; make test, every way in
@pytest.mark.parametrize("how", ["path", *(pytest.param(h, marks=pytest.mark.slow)
                                          for h in ("symlink", "hardlink", "folder symlink"))])
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("force", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_no_command_writes_over_a_file_it_reads(runner: CliRunner, tmp_path: Path, inputs: Inputs, command: str, how: str,
                                                force: bool) -> None:
    """Each writer, told to write over each of its inputs (the first role listed) by another name: refused
    before any work (exit 1), even with --force, the input as it was, nothing else written."""
    roles, args = COMMANDS[command]
    target = inputs[roles[0]]
    if command == "run --write-model":  # the scenario workbook is named plan.lp: it is read, so never written
        target = target.rename(target.with_suffix(".lp"))
        inputs["scenario"] = target
    before = {p.name: p.read_bytes() for p in inputs["dir"].iterdir()}
    out = _alias(tmp_path, target, how)
    names = set(tmp_path.rglob("*"))
    res = runner.invoke(app, [*args(inputs, out), "--lang", "en", *(["--force"] if force else [])])
    assert res.exit_code == 1, res.output
    assert "which this command reads; an input is never written over, not even with --force" in res.output
    assert {p.name: p.read_bytes() for p in inputs["dir"].iterdir()} == before
    assert set(tmp_path.rglob("*")) == names  # nothing written, no fallback, no temporary file


def test_two_outputs_of_one_command_are_two_files(runner: CliRunner, tmp_path: Path, made: dict[str, Path]) -> None:
    plan = Path(shutil.copy(made["scenario"], tmp_path / "plan.xlsx"))
    (tmp_path / "m.lp").symlink_to(tmp_path / "r.xlsx")
    res = runner.invoke(app, ["run", str(plan), "-o", str(tmp_path / "r.xlsx"), "--write-model", str(tmp_path / "m.lp"),
                              "--lang", "zh"])
    assert res.exit_code == 1, res.output
    assert "是同一个文件" in res.output
    assert not (tmp_path / "r.xlsx").exists()


# --- an existing file: replaced only when it is one of the writer's own kind ------------------------------

# writer -> (the kind it writes, its command line for an output `out` in folder `d` holding plan.xlsx etc.)
WRITERS: dict[str, tuple[Kind, Callable[[Inputs, Path], list[str]]]] = {
    "run": (Kind.RESULTS, lambda f, out: ["run", str(f["scenario"]), "-o", str(out)]),
    "compare": (Kind.COMPARISON, lambda f, out: ["compare", str(f["scenario"]), str(f["a"]), "-o", str(out),
                                                 "--workers", "1"]),
    "sweep": (Kind.COMPARISON, lambda f, out: ["sweep", str(f["scenario"]), "-p", "reward_ratio=0.5,1", "-o",
                                               str(out), "--workers", "1"]),
    "validate --annotate": (Kind.ANNOTATED, lambda f, out: ["validate", str(f["invalid"]), "--annotate", str(out)]),
    "template": (Kind.SCENARIO, lambda f, out: ["template", "-o", str(out)]),
    "generate": (Kind.SCENARIO, lambda f, out: ["generate", "--projects", "6", "--districts", "2", "--years", "1",
                                                "-o", str(out)]),
    "rollover": (Kind.SCENARIO, lambda f, out: ["rollover", str(f["results"]), "--scenario", str(f["scenario"]),
                                                "--year", "2026", "-o", str(out)]),
}
EXISTING = ["results", "comparison", "scenario", "hand_scenario", "annotated", "foreign_workbook", "text"]
KIND_OF = {"results": Kind.RESULTS, "comparison": Kind.COMPARISON, "scenario": Kind.SCENARIO,
           "annotated": Kind.ANNOTATED}


@pytest.fixture
def folder(tmp_path: Path, made: dict[str, Path]) -> Inputs:
    plan = Path(shutil.copy(made["scenario"], tmp_path / "plan.xlsx"))
    return {"scenario": plan, "a": Path(shutil.copy(plan, tmp_path / "a.xlsx")),
            "results": Path(shutil.copy(made["results"], tmp_path / "plan_results.xlsx")),
            "invalid": _invalid(plan, tmp_path / "invalid.xlsx")}


@pytest.mark.parametrize("existing", EXISTING)
@pytest.mark.parametrize("writer", [pytest.param(w, marks=pytest.mark.slow) if w in ("compare", "sweep", "rollover")
                                    else w for w in WRITERS])  # the writers that solve: make test only
def test_an_existing_file_is_replaced_only_when_it_is_of_the_writers_kind(runner: CliRunner,
        tmp_path: Path, folder: Inputs, made: dict[str, Path], writer: str, existing: str) -> None:
    kind, args = WRITERS[writer]
    out = tmp_path / "out.xlsx"
    shutil.copy(made[existing], out)
    before = out.read_bytes()
    res = runner.invoke(app, [*args(folder, out), "--lang", "en"])
    if KIND_OF.get(existing) == kind:
        assert out.read_bytes() != before, res.output
        assert kind_of(out) == kind
        return
    assert res.exit_code == 1, res.output
    assert f"--{'annotate' if 'annotate' in writer else 'output'} {out} already exists and is " in res.output
    assert "Add --force to replace it" in res.output
    assert out.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("out-", ".out"))]  # no fallback, no temporary
    if existing == "hand_scenario":  # told to: replaced
        res = runner.invoke(app, [*args(folder, out), "--lang", "en", "--force"])
        assert out.read_bytes() != before, res.output
        assert kind_of(out) == kind


@pytest.mark.slow
@pytest.mark.parametrize(("existing", "replaced"), [("model", True), ("foreign_model", False)])
def test_a_model_file_is_replaced_only_when_the_product_exported_it(runner: CliRunner, tmp_path: Path, made: dict[str, Path],
                                                                      existing: str, replaced: bool) -> None:
    plan = Path(shutil.copy(made["scenario"], tmp_path / "plan.xlsx"))
    model = Path(shutil.copy(made[existing], tmp_path / "m.lp"))
    before = model.read_bytes()
    res = runner.invoke(app, ["run", str(plan), "--write-model", str(model), "--lang", "zh"])
    if replaced:
        assert res.exit_code == 0, res.output
        assert model.read_text().startswith("\\ quota-opt model export")
        return
    assert res.exit_code == 1, res.output
    assert "已存在，是非本工具导出的模型文件" in res.output and "--force" in res.output
    assert model.read_bytes() == before
    assert not (tmp_path / "plan_results.xlsx").exists()  # refused before the work


def test_a_scenario_edited_by_hand_is_named_as_such(runner: CliRunner, tmp_path: Path, made: dict[str, Path]) -> None:
    """`run b.xlsx -o a.xlsx`, a.xlsx a scenario a bureau filled in: refused, saying what a.xlsx is."""
    a = _hand_filled(made["scenario"], tmp_path / "a.xlsx")
    b = Path(shutil.copy(made["scenario"], tmp_path / "b.xlsx"))
    before = a.read_bytes()
    res = runner.invoke(app, ["run", str(b), "-o", str(a)])
    assert res.exit_code == 1
    assert "已存在，是本工具写出后又经填写或修改的方案工作簿，未覆盖" in res.output
    assert a.read_bytes() == before


# --- names that fit --------------------------------------------------------------------------------------

LONG = "杭州市二〇二六年度重大产业项目用地和用能指标统筹分配方案（第一轮征求意见稿）" * 2  # 76 characters, 228 bytes


def test_long_chinese_names_fit(tmp_path: Path) -> None:
    """A name of some 80 Chinese characters is about 240 bytes; with ".tmp" or a time stamp added it would pass
    the file system's 255, and the results were lost (exit 70)."""
    assert 220 < len(f"{LONG}.xlsx".encode()) <= 255
    target = tmp_path / f"{LONG}.xlsx"
    tmp = temporary_name(target, ".xlsx.tmp")
    assert len(tmp.name.encode()) <= 255 and tmp.name.endswith(".xlsx.tmp")
    for alt in fallback_paths(target):
        assert len(alt.name.encode()) <= 255 and alt.suffix == ".xlsx"
    assert fit_name("名" * 200, "-1.xlsx", 255).endswith("-1.xlsx")
    assert len(fit_name("名" * 200, "-1.xlsx", 255).encode()) <= 255


@pytest.mark.slow
@pytest.mark.parametrize("name", [LONG, LONG + "一二三四五六七"])  # 228 and 249 bytes, + ".xlsx"
def test_a_long_chinese_name_is_written_end_to_end(runner: CliRunner, tmp_path: Path, made: dict[str, Path], name: str) -> None:
    """The default output, <name>_results.xlsx, is shortened to fit (it was 262 bytes for the longer one)."""
    plan = Path(shutil.copy(made["scenario"], tmp_path / f"{name}.xlsx"))
    res = runner.invoke(app, ["run", str(plan), "--lang", "en"])
    assert res.exit_code == 0, res.output
    written = [p for p in tmp_path.iterdir() if p != plan]
    assert len(written) == 1 and kind_of(written[0]) == Kind.RESULTS, res.output
    assert written[0].name.endswith("_results.xlsx") and len(written[0].name.encode()) <= 255
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_an_output_name_too_long_is_saved_under_a_shortened_one(runner: CliRunner, tmp_path: Path, made: dict[str, Path]) -> None:
    """-o naming 275 bytes: the file system refuses it; the results are saved under a name that fits, the
    message says where (exit 4), never exit 70."""
    plan = Path(shutil.copy(made["scenario"], tmp_path / "plan.xlsx"))
    res = runner.invoke(app, ["run", str(plan), "-o", str(tmp_path / ("名" * 90 + ".xlsx")), "--lang", "zh"])
    assert res.exit_code == 4, res.output
    assert "文件名或路径过长" in res.output and "结果已另存为" in res.output
    written = [p for p in tmp_path.iterdir() if p != plan]
    assert len(written) == 1 and kind_of(written[0]) == Kind.RESULTS and written[0].suffix == ".xlsx"


def test_a_fallback_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not even when the working folder is gone."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    paths = fallback_paths(tmp_path / "x" / ("名" * 90 + ".xlsx"))
    assert paths and all(len(p.name.encode()) <= 255 for p in paths)


def test_a_target_refused_at_write_time_goes_to_a_fallback(tmp_path: Path) -> None:
    """The library's writers check too: an input named as the target (no command line to refuse it first)
    is saved beside under a fallback name, and the error says where."""
    from quota_opt.core.files import NotWritten, Read

    source = tmp_path / "in.xlsx"
    source.write_bytes(b"input")
    with pytest.raises(NotWritten) as caught:
        write_with_fallback(source, lambda tmp: Path(tmp).write_bytes(b"out"), Kind.RESULTS, Read(source, "scenario"))
    assert source.read_bytes() == b"input"
    assert caught.value.saved is not None and caught.value.saved.read_bytes() == b"out"
    assert "which this command reads" in caught.value.report("en")

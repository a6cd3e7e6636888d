"""No output character crashes a command, whatever the console's encoding: every command, run as `python -m
quota_opt` runs it, under PYTHONIOENCODING=gbk (a Chinese Windows console, or a pipe there), cp936, ascii and utf-8.
Marks a console cannot show are spelled plainly ("✓" → "OK"), anything else is escaped.

One interpreter per language and encoding runs every command in turn (`BATCH`): each command is `runpy`'s run of
the `quota_opt` module as `__main__`, exactly what `python -m quota_opt` does, on the interpreter's own standard
streams (set up by PYTHONIOENCODING), with file descriptors 1 and 2 sent to a file per command. Python and the
product load once per batch instead of once per command: 7 processes instead of 77, each of which spent about
1.4 s of CPU loading pandas, Pyomo and HiGHS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
from click.testing import CliRunner

import quota_opt
from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.cli.console import encodable
from quota_opt.output.template import write_scenario

ENCODINGS = ["gbk", "cp936", "ascii", "utf-8"]


@pytest.fixture(scope="module")
def files(runner: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("enc")
    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
              quotas={("A", 2026): {"new_land_quota": 100}})
    plan = write_scenario(sc, d / "方案.xlsx", "zh")
    write_scenario(sc, d / "other.xlsx", "zh")
    assert runner.invoke(app, ["run", str(plan), "-o", str(d / "结果.xlsx")]).exit_code == 0
    wb = openpyxl.load_workbook(write_scenario(sc, d / "bad.xlsx", "en"))
    ws = wb["projects"]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("land_demand") + 1, value="abc")
    wb.save(d / "bad.xlsx")
    return d


COMMANDS: dict[str, tuple[list[str], int]] = {
    "help": (["--help"], 0),
    "template": (["template", "-o", "{out}/t.xlsx"], 0),
    "generate": (["generate", "--projects", "6", "--districts", "2", "--years", "1", "-o", "{out}/g.xlsx"], 0),
    "validate": (["validate", "{d}/方案.xlsx"], 0),
    "validate errors": (["validate", "{d}/bad.xlsx", "--annotate", "{out}/marked.xlsx"], 1),
    "run": (["run", "{d}/方案.xlsx", "-o", "{out}/r.xlsx"], 0),
    "explain": (["explain", "{d}/结果.xlsx", "A", "--scenario", "{d}/方案.xlsx"], 0),
    "rollover": (["rollover", "{d}/结果.xlsx", "--scenario", "{d}/方案.xlsx", "--year", "2026", "-o", "{out}/n.xlsx"],
                 0),
    "compare": (["compare", "{d}/方案.xlsx", "{d}/other.xlsx", "-o", "{out}/c.xlsx", "--workers", "1"], 0),
    "sweep": (["sweep", "{d}/方案.xlsx", "-p", "reward_ratio=0.5,1", "-o", "{out}/s.xlsx", "--workers", "1"], 0),
    "bad option": (["run", "{d}/方案.xlsx", "--gap", "2"], 1),
}


# what each command says in English, which must come through a console of any encoding (paths and project names
# aside, the English output is ASCII but for the product's marks: "✓", "✗", "≥", "…", box drawing)
ENGLISH = {
    "help": ["Usage: python -m quota_opt [OPTIONS] COMMAND [ARGS]...", "Commands:", "Show this message and exit."],
    "template": ["Template written:"],
    "generate": ["Generated 6 projects, 2 districts, 1 years:"],
    "validate": ["Valid: 1 districts, 3 projects, 1 planning years"],
    "validate errors": ["1 error(s)", "Annotated copy written:"],
    "run": ["Allocation summary", "Results written:"],
    "explain": ["score", "land demand"],
    "rollover": ["Scenario for 2027 written:"],
    "compare": ["Comparison", "Comparison written:"],
    "sweep": ["2 sweep points.", "Sweep written:"],
    "bad option": ["1 error(s)", "command-line option --gap: expected a number"],
}
# zh under every encoding; en under those that cannot show everything (under UTF-8 it would repeat zh's checks)
CASES = [pytest.param(lang, command, encoding, id=f"{lang}-{command}-{encoding}",
                      marks=pytest.mark.xdist_group(f"console-{lang}-{encoding}"))  # one batch, one worker
         for lang, encodings in (("zh", ENCODINGS), ("en", ["gbk", "cp936", "ascii"]))
         for command in COMMANDS for encoding in encodings]

# Runs each command of argv[1] (a JSON list of [argv, stdout file, stderr file]) as `python -m quota_opt` would,
# its standard streams at the file descriptors sent to the files, and writes the exit codes to argv[2].
BATCH = """
import json, os, runpy, sys
cases, codes_file, codes = json.loads(sys.argv[1]), sys.argv[2], []
for argv, out, err in cases:
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(out, "wb") as o, open(err, "wb") as e:
        os.dup2(o.fileno(), 1); os.dup2(e.fileno(), 2)
        sys.argv = ["quota_opt", *argv]
        code = 0
        try:
            runpy.run_module("quota_opt", run_name="__main__", alter_sys=True)
        except SystemExit as exc:  # as the interpreter ends: None is 0, a message is printed and is 1
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr); code = 1
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os.dup2(saved[0], 1); os.dup2(saved[1], 2)
            os.close(saved[0]); os.close(saved[1])
    codes.append(code)
with open(codes_file, "w") as f:
    json.dump(codes, f)
"""


class Shown(NamedTuple):
    code: int
    out: str
    err: str


def _argv(command: str, lang: str, files: Path, out: Path) -> list[str]:
    args, _ = COMMANDS[command]
    argv = [a.format(d=files, out=out) for a in args]
    if command != "help":
        return [*argv, "--lang", lang]
    return ["--lang", lang, *argv] if lang == "en" else argv  # zh, the default, as the help is asked for most


@pytest.fixture(scope="module")
def batches(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], dict[str, Shown]]:
    """Every command's exit code and output for (language, encoding), one interpreter per pair, run when first
    asked for."""
    done: dict[tuple[str, str], dict[str, Shown]] = {}

    def batch(lang: str, encoding: str) -> dict[str, Shown]:
        if (lang, encoding) not in done:
            d = tmp_path_factory.mktemp(f"console-{lang}-{encoding}")
            cases = [(_argv(c, lang, files, d / f"out{i}"), str(d / f"{i}.out"), str(d / f"{i}.err"))
                     for i, c in enumerate(COMMANDS)]
            for i in range(len(COMMANDS)):
                (d / f"out{i}").mkdir()
            env = {**os.environ, "PYTHONIOENCODING": encoding,
                   "PYTHONPATH": str(Path(quota_opt.__file__).parents[1]), "COLUMNS": "100"}
            ran = subprocess.run([sys.executable, "-c", BATCH, json.dumps(cases), str(d / "codes.json")],
                                 capture_output=True, env=env, timeout=900)
            assert ran.returncode == 0, ran.stderr.decode(encoding, "replace")
            codes = json.loads((d / "codes.json").read_text())
            # what was written is in the encoding
            done[(lang, encoding)] = {c: Shown(code, Path(o).read_bytes().decode(encoding),
                                               Path(e).read_bytes().decode(encoding))
                                      for c, code, (_, o, e) in zip(COMMANDS, codes, cases, strict=True)}
        return done[(lang, encoding)]

    return batch


@pytest.mark.slow  # 7 processes, one per language and encoding, each running the 11 commands
@pytest.mark.parametrize(("lang", "command", "encoding"), CASES)
def test_every_command_runs_under_every_console_encoding(batches: Callable[[str, str], dict[str, Shown]],
                                                          command: str, encoding: str, lang: str) -> None:
    code, out, err = batches(lang, encoding)[command]
    assert code == COMMANDS[command][1], err + out
    assert "Traceback" not in err and "UnicodeEncodeError" not in err + out and "Internal error" not in err
    if command == "validate":
        assert "OK" in out if encoding in ("gbk", "cp936", "ascii") else "✓" in out
    if command == "validate errors":
        assert ("x " if encoding != "utf-8" else "✗ ") in err
    if encoding in ("gbk", "cp936") and lang == "zh" and command != "help":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in out + err)  # Chinese shown as Chinese, not escaped
    if lang == "en":  # the English words come through whole, whatever the console
        shown = " ".join((out + err).split())
        for words in ENGLISH[command]:
            assert words in shown, (words, shown)


def test_plain_marks() -> None:
    assert encodable("✓ 校验通过", "gbk") == "OK 校验通过"
    assert encodable("┌─┐│└┘━", "ascii") == "+-+|++-"
    assert encodable("▸ 求解…", "ascii") == "> \\u6c42\\u89e3..."
    assert encodable("≥ 0", "cp936") == "≥ 0"  # what the console has stays


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_console_layer_never_fails_to_encode(files: Path, encoding: str) -> None:
    """In process (quick): the product's consoles on a stream that fails on what it cannot encode, as a GBK or
    ASCII console does."""
    runner = CliRunner(charset=encoding)
    res = runner.invoke(app, ["validate", str(files / "方案.xlsx")])
    assert res.exit_code == 0, res.output
    assert ("✓" if encoding == "utf-8" else "OK") in res.stdout
    res = runner.invoke(app, ["validate", str(files / "bad.xlsx"), "--lang", "en"])
    assert res.exit_code == 1 and "Internal error" not in res.output, res.output

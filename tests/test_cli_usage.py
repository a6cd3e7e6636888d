"""How the command line itself reads: `--help` for every command, and a command line that cannot be parsed
(an unknown option, a missing argument, a bad value, no such command) answered in the user's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from quota_opt.cli.app import app
from quota_opt.cli.help import COMMANDS as HELP
from quota_opt.cli.help import PARAMS

COMMANDS = dict(app.commands)


def help_lines(runner: CliRunner, *argv: str, lang: str = "en") -> list[str]:
    """The help of `quota-opt *argv` in `lang` on a terminal wide enough that nothing needs wrapping, each line's
    whitespace collapsed."""
    res = runner.invoke(app, ["--lang", lang, *argv, "--help"], env={"COLUMNS": "1000"})
    assert res.exit_code == 0, res.output
    return [" ".join(line.split()) for line in res.output.splitlines()]


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)], ids=lambda argv: " ".join(argv) or "-")
def test_flags_show_no_metavar_in_help(runner: CliRunner, argv: list[str]) -> None:
    """A flag takes no value, so its row in --help names none: typer (before the port to click) showed `<bool>`
    for --help, --debug and --force, as if each wanted `--force true`."""
    lines = help_lines(runner, *argv)
    assert not any("<bool>" in line for line in lines), "\n".join(lines)
    help_row = next(line for line in lines if "--help" in line)
    assert re.search(r"--help\s+Show this message", help_row), help_row


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)], ids=lambda argv: " ".join(argv) or "-")
def test_help_shows_no_placeholder_default_and_speaks_its_language(runner: CliRunner, argv: list[str],
                                                                   lang: str) -> None:
    """An option without a default shows none: since click 8.3 its mark for "no default" is a sentinel, which the
    help showed as "[默认：<object object at 0x…>]" (or Sentinel.UNSET). And --help's own row is in the help's
    language (click 8.5 renamed that option, and zh help said "Show this message and exit.")."""
    text = "\n".join(help_lines(runner, *argv, lang=lang))
    assert "object at 0x" not in text and "Sentinel" not in text and "UNSET" not in text, text
    help_row = next(line for line in text.splitlines() if line.startswith("--help"))
    assert help_row.endswith("显示本帮助并退出。" if lang == "zh" else "Show this message and exit."), help_row


@pytest.mark.parametrize("name", COMMANDS)
def test_help_text_wraps_at_the_terminal_not_at_the_source(runner: CliRunner, name: str) -> None:
    """Each paragraph of a command's docstring is one paragraph in --help: on a wide terminal, one line, not
    broken where the source line ended ('... within the time limit or before' / 'Ctrl-C), 1 on input
    errors ...'). The list of commands shows each first paragraph on one line too (whole: click's own list cuts
    it at its first full stop, "(e.g." in sweep's)."""
    doc = HELP[name][1]
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    lines = help_lines(runner, name)
    for paragraph in paragraphs:
        assert paragraph in lines, (paragraph, lines)
    assert any(line.endswith(f"{name} {paragraphs[0]}") for line in help_lines(runner, )), paragraphs[0]


# --- a command line that cannot be parsed --------------------------------------------------------------------
# (argv, what zh says, what en says); the en line is argv with --lang en after the command's name
UNPARSED = [
    (["run"], "缺少参数 file。请运行 quota-opt run --help 查看用法。",
     "the argument file is missing. Run quota-opt run --help to see the usage."),
    (["compare"], "缺少参数 files。", "the argument files is missing."),
    (["run", "--bogus", "x.xlsx"], "没有命令行选项 --bogus。请运行 quota-opt run --help 查看可用的选项。",
     "there is no command-line option --bogus. Run quota-opt run --help to see the options."),
    (["run", "x.xlsx", "--time-lim", "3"], "没有命令行选项 --time-lim（是否要用 --time-limit？）。",
     "there is no command-line option --time-lim (did you mean --time-limit?)."),
    (["run", "x.xlsx", "--threads", "abc"], '命令行选项 --threads：应为整数，实际为 "abc"。',
     'command-line option --threads: expected a whole number, got "abc".'),
    (["generate", "-o", "g.xlsx", "--projects", "0"], '命令行选项 --projects：应为不小于1且不大于100,000的整数，实际为 "0"。',
     'command-line option --projects: expected a whole number ≥ 1 and ≤ 100,000, got "0".'),
    (["run", "x.xlsx", "--threads"], "命令行选项 --threads 后面应有取值，实际没有。",
     "command-line option --threads needs a value after it, and none was given."),
    (["template", "-o", "t.xlsx", "--force=yes"], "命令行选项 --force 是开关，不带取值。",
     "command-line option --force is a switch and takes no value."),
    (["template"], "缺少必需的命令行选项 --output / -o。", "the command-line option --output / -o is required but missing."),
    (["run", "a.xlsx", "b.xlsx"], '多余的参数 "b.xlsx"。', 'unexpected extra argument(s) "b.xlsx".'),
    (["valdate", "x.xlsx"], "没有命令“valdate”（是否要用 validate？）。可用的命令：template、validate、run、",
     'there is no command "valdate" (did you mean validate?). The commands are: template, validate, run, '),
]


@pytest.mark.parametrize(("argv", "zh", "en"), UNPARSED, ids=[" ".join(argv) for argv, _, _ in UNPARSED])
def test_a_command_line_that_cannot_be_parsed_is_answered_in_the_users_language(runner: CliRunner, argv: list[str], zh: str,
                                                                                 en: str) -> None:
    """Click's own answer was an English panel ("Missing argument 'file'.", "No such option: --bogus") even
    though the product speaks zh unless told otherwise; now it is one of our messages, naming what was typed,
    in zh, or in en when the line says --lang en. Exit 2 is click's code, which `main` makes 1 (see
    test_a_command_line_that_cannot_be_parsed_exits_1_not_2)."""
    for line, lang, words in ((argv, "zh", zh), ([argv[0], "--lang", "en", *argv[1:]], "en", en)):
        res = runner.invoke(app, line)
        assert res.exit_code == 2, res.output
        assert words in res.output, (line, res.output)
        assert ("错误（1 项）" if lang == "zh" else "1 error(s)") in res.output
        for english in ("Usage:", "Try '", "Missing", "No such", "Invalid value", "Error:", "╭"):
            assert english not in res.output, (line, res.output)


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "zh", "en"), UNPARSED, ids=[" ".join(argv) for argv, _, _ in UNPARSED])
def test_the_language_given_before_the_command_is_the_commands_default(runner: CliRunner, argv: list[str], zh: str, en: str) -> None:
    """`quota-opt --lang en run ...` was refused ("No such option: --lang"): --lang was an option of each
    command only. Now the group takes it too, before the command, and a line that cannot be parsed is answered
    in it; the command's own --lang, when given as well, wins."""
    for line, words in ((["--lang", "en", *argv], en), (["-l", "en", *argv], en), (["-len", *argv], en),
                        (["--lang", "en", argv[0], "--lang", "zh", *argv[1:]], zh),
                        (["-l", "zh", argv[0], "-l", "en", *argv[1:]], en)):
        res = runner.invoke(app, line)
        assert res.exit_code == 2, res.output
        assert words in res.output, (line, res.output)


def test_a_command_runs_in_the_language_given_before_it(runner: CliRunner, tmp_path: Path) -> None:
    """The group's --lang is the default of the command's own: its messages and the workbook it writes are in
    that language, unless the command's own --lang says otherwise."""
    import openpyxl

    res = runner.invoke(app, ["--lang", "en", "template", "-o", str(tmp_path / "en.xlsx")])
    assert res.exit_code == 0, res.output
    assert "Template written" in res.output
    assert "projects" in openpyxl.load_workbook(tmp_path / "en.xlsx").sheetnames
    res = runner.invoke(app, ["-l", "en", "template", "-o", str(tmp_path / "zh.xlsx"), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert "已写出模板" in res.output
    assert "项目" in openpyxl.load_workbook(tmp_path / "zh.xlsx").sheetnames
    res = runner.invoke(app, ["--lang", "en"])
    assert res.exit_code == 2
    assert "a command is missing." in res.output, res.output
    assert any(re.search(r"--lang -l <zh\|en> Language of messages and workbooks for the command that follows",
                         line) for line in help_lines(runner, )), help_lines(runner, )


def test_a_value_that_is_no_language_is_answered_in_zh(runner: CliRunner) -> None:
    res = runner.invoke(app, ["run", "x.xlsx", "--lang", "fr"])
    assert res.exit_code == 2
    assert '命令行选项 --lang：应为以下之一：zh、en，实际为 "fr"。' in res.output, res.output


def test_a_bad_language_before_the_command_is_named_as_typed(runner: CliRunner) -> None:
    """The group's --lang is the one before the command: the value refused is that one, not the command's."""
    res = runner.invoke(app, ["--lang", "fr", "run", "x.xlsx", "--lang", "en"])
    assert res.exit_code == 2
    assert 'command-line option --lang: expected one of: zh, en, got "fr".' in res.output, res.output


def test_no_command_is_answered_in_zh(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--debug"])
    assert res.exit_code == 2
    assert "缺少命令。可用的命令：template、validate、run、explain、rollover、generate、compare、sweep、serve。" in res.output


@pytest.mark.parametrize(("argv", "words"), [(["run"], "缺少参数 file。"), (["run", "-l", "en"], "the argument file is missing."),
                                             (["run", "--lang=en", "--bogus"], "there is no command-line option --bogus."),
                                             (["-l", "en", "run"], "the argument file is missing.")],
                         ids=["run", "run -l en", "run --lang=en --bogus", "-l en run"])
@pytest.mark.slow
def test_the_installed_command_answers_a_bad_line_in_the_users_language(argv: list[str], words: str) -> None:
    """As the installed command runs, through `cli.main` in a process of its own: the message on stderr,
    exit 1 (README: a command line that cannot be parsed is an input error)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "quota_opt.cli.app", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert words in done.stderr and done.stdout == "", done.stderr


@pytest.mark.slow
def test_python_dash_m_quota_opt_is_the_command() -> None:
    """`python -m quota_opt` runs the same command as `quota-opt` (for a machine where the script is not on
    PATH): its help lists the commands, and a bad line is answered as the installed command answers it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "quota_opt", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "rollover" in done.stdout and "sweep" in done.stdout
    done = subprocess.run([sys.executable, "-m", "quota_opt", "run"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "缺少参数 file。" in done.stderr, done.stderr


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)], ids=lambda argv: " ".join(argv) or "-")
def test_help_is_in_chinese_by_default_and_in_english_with_lang_en(runner: CliRunner, argv: list[str]) -> None:
    """--help spoke English whatever the language (typer's docstrings and option texts); now it speaks the line's
    --lang, before or after the command, Chinese by default: the command's text, every option's, the panels' titles
    and the usage line's first word, from cli/help.py."""
    name = argv[0] if argv else ""
    command = app.commands[name] if name else app
    for lang, at in (("zh", 0), ("en", 1)):
        for line in ([*argv, "--help"], [*argv, "--help", "--lang", lang]) if lang == "zh" else (
                ["--lang", lang, *argv, "--help"], [*argv, "--lang", lang, "--help"]):
            res = runner.invoke(app, line, env={"COLUMNS": "1000"})
            assert res.exit_code == 0, res.output
            lines = [" ".join(x.split()) for x in res.output.splitlines()]
            assert " ".join(HELP[name][at].split("\n\n")[0].split()) in lines, (line, lines)
            for param in command.params:
                texts = PARAMS.get((name, param.name)) or PARAMS[("*", param.name)]
                assert any(texts[at] in x for x in lines), (line, param.name, lines)
            shown = "\n".join(lines)
            assert ("用法：" in shown and "Usage:" not in shown and "[default" not in shown) if lang == "zh" else (
                "Usage:" in shown)


def test_every_command_and_option_has_help_in_both_languages() -> None:
    for name, command in [("", app), *app.commands.items()]:
        zh, en = HELP[name]
        assert zh and en and zh != en
        for param in command.params:
            texts = PARAMS.get((name, param.name)) or PARAMS.get(("*", param.name))
            assert texts is not None and all(texts), (name, param.name)

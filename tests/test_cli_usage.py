"""How the command line itself reads: `--help` for every command, and a command line that cannot be parsed
(an unknown option, a missing argument, a bad value, no such command) answered in the user's language."""

from __future__ import annotations

import inspect
import re

import pytest
from typer.testing import CliRunner

from quota_opt.cli import app

runner = CliRunner()
COMMANDS = {info.name or info.callback.__name__: info.callback for info in app.registered_commands
            if info.callback is not None}


def help_lines(*argv: str) -> list[str]:
    """The help of `quota-opt *argv` on a terminal wide enough that nothing needs wrapping, each line's
    whitespace collapsed."""
    res = runner.invoke(app, [*argv, "--help"], env={"COLUMNS": "1000"})
    assert res.exit_code == 0, res.output
    return [" ".join(line.split()) for line in res.output.splitlines()]


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)], ids=lambda argv: " ".join(argv) or "-")
def test_flags_show_no_metavar_in_help(argv: list[str]) -> None:
    """A flag takes no value, so its row in --help names none: typer showed `<bool>` for --help, --debug and
    --force, as if each wanted `--force true`."""
    lines = help_lines(*argv)
    assert not any("<bool>" in line for line in lines), "\n".join(lines)
    help_row = next(line for line in lines if "--help" in line)
    assert re.search(r"--help\s+Show this message", help_row), help_row


@pytest.mark.parametrize("name", COMMANDS)
def test_help_text_wraps_at_the_terminal_not_at_the_source(name: str) -> None:
    """Each paragraph of a command's docstring is one paragraph in --help: on a wide terminal, one line, not
    broken where the source line ended ('... within the time limit or before' / 'Ctrl-C), 1 on input
    errors ...'). The list of commands shows each first paragraph on one line too."""
    doc = inspect.getdoc(COMMANDS[name])
    assert doc
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    lines = help_lines(name)
    for paragraph in paragraphs:
        assert paragraph in lines, (paragraph, lines)
    assert any(line.endswith(f"{name} {paragraphs[0]} │") for line in help_lines()), paragraphs[0]

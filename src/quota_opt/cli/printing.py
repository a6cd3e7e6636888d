"""Where the commands print: `out` (stdout) and `err` (stderr), rich consoles that print text as it reads and
never fail to encode, and the one way a problem or an error is printed."""

from __future__ import annotations

from typing import IO, Any, cast

from rich.console import Console
from rich.text import Text

from quota_opt.cli.console import console_file


def plain_console(**options: Any) -> Console:
    """A console that prints text as it reads. Rich's markup and emoji codes are off: what is printed holds text
    from the workbook, the command line and the file system (a project named "[bold]重点项目", an output
    out[red].xlsx, a folder :fire:), which rich would otherwise take for a style (the text vanishes, or "[/]"
    ends the command with MarkupError) or an emoji. The product's own styling is given as a style
    (`print(..., style="yellow")`) or as styled parts of a `Text` (`Text.assemble(("✗", "red"), " ", message)`),
    never by writing markup around the text.

    It prints to stdout (stderr with `stderr=True`, or `file`) through `console.ConsoleStream`, so that no
    character crashes a command on a console that cannot show it (GBK, ASCII): marks become plain ones ("✓" →
    "OK"), anything else a backslash escape."""
    file = console_file(options.pop("file", None), stderr=options.pop("stderr", False))
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False, file=cast(IO[str], file), **options)


out = plain_console()
err = plain_console(stderr=True)


def t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def print_error(head: str, text: str) -> None:
    """One error on stderr: `head:` in bold red, then `text` as it reads (see `plain_console`)."""
    err.print(Text.assemble((f"{head}:", "bold red"), " ", text))


def print_problems(problems: list[Any], lang: str) -> None:
    """Errors, then warnings, one message a line, each as it reads: what it quotes ("[bold]" typed in a cell, a
    file x[red].xlsx) is not taken for a style (see `plain_console`)."""
    errors = [p for p in problems if p.is_error]
    warnings_ = [p for p in problems if not p.is_error]
    if errors:
        err.print(t(lang, f"错误（{len(errors)} 项）", f"{len(errors)} error(s)"), style="bold red")
        for p in errors:
            err.print(Text.assemble("  ", ("✗", "red"), " ", p.message(lang)))
    if warnings_:
        err.print(t(lang, f"提示（{len(warnings_)} 项）", f"{len(warnings_)} warning(s)"), style="bold yellow")
        for p in warnings_:
            err.print(Text.assemble("  ", ("!", "yellow"), " ", p.message(lang)))

"""A command line that cannot be parsed (click's `UsageError`: an unknown option, a missing argument, a bad
value, no such command) answered with one of our messages (messages.TEMPLATES, section "the command line"), in
the language the line asks for, naming what was typed and the --help to read, instead of click's English."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from difflib import get_close_matches
from typing import Any

import click
from click.exceptions import (
    BadOptionUsage,
    BadParameter,
    Exit,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from quota_opt.cli.printing import print_problems
from quota_opt.core.errors import Location, Problem, Severity
from quota_opt.core.messages import LANGS, expected_words, quote_value
from quota_opt.core.schema import Column, ColumnType

LANG_OPTION = ("--lang", "-l")
# an unknown command: click's NoSuchCommand from 8.4 on, a plain UsageError before
NO_SUCH_COMMAND: type[UsageError] = getattr(click.exceptions, "NoSuchCommand", UsageError)


@contextmanager
def usage_errors(group: click.Group, prog: str, args: list[str], lang: str | None = None) -> Iterator[None]:
    """Answer a command line that cannot be parsed with our own message, in the language `args` asks for with
    --lang/-l (else `lang`, the group's --lang, else zh), instead of click's English; exit with click's code, 2
    (which `app.main` turns into 1, as for any input error). `args` is the command line from the command's name
    on (the whole line when the group's own options fail)."""
    try:
        yield
    except NoArgsIsHelpError:  # `quota-opt` alone: click shows the help
        raise
    except UsageError as exc:
        print_problems([usage_problem(exc, group, prog, args)], line_lang(args, lang or "zh"))
        raise Exit(exc.exit_code) from None


def option_values(args: list[str], names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name as typed, value) for each use of one option in a command line, in order: `--lang en`,
    `--lang=en`, `-l en`, `-len`; nothing after `--`, which ends the options."""
    found = []
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and i + 1 < len(args):
                found.append((name, args[i + 1]))
            elif name.startswith("--") and arg.startswith(f"{name}="):
                found.append((name, arg[len(name) + 1:]))
            elif not name.startswith("--") and arg.startswith(name) and arg != name and not arg.startswith("--"):
                found.append((name, arg[len(name):]))
    return found


def line_lang(args: list[str], default: str = "zh") -> str:
    """The language a command line asks for (its last --lang, as click takes it), `default` when none or no
    language."""
    values = [value for _, value in option_values(args, LANG_OPTION)]
    return values[-1] if values and values[-1] in LANGS else default


def usage_problem(exc: UsageError, group: click.Group, prog: str, args: list[str]) -> Problem:
    """Click's usage error as one of our problems, naming the option, argument or command as typed and the
    --help to read. What click does not say in so many words is read off the command line: the value given to
    an option, the arguments left over."""
    name = args[0] if args and args[0] in group.commands else None  # the command the line is for, if any
    command = group.commands[name] if name else group
    path = f"{prog} {name}" if name else prog
    params: dict[str, Any] = {"help": f"{path} --help"}

    def problem(code: str, **more: Any) -> Problem:
        return Problem(Severity.ERROR, code, Location(), {**params, **more})

    def suggestion(candidates: list[str]) -> dict[str, str]:
        if not candidates:
            return {"zh": "", "en": ""}
        return {"zh": f"（是否要用 {'、'.join(candidates)}？）", "en": f" (did you mean {' or '.join(candidates)}?)"}

    if isinstance(exc, NoSuchOption):
        return problem("unknown_option", option=exc.option_name, suggestion=suggestion(sorted(exc.possibilities or [])))
    if isinstance(exc, MissingParameter) and exc.param is not None:
        if isinstance(exc.param, click.Option):
            return problem("missing_option", option=" / ".join(exc.param.opts))
        return problem("missing_argument", argument=exc.param.name)
    if isinstance(exc, BadParameter) and isinstance(exc.param, click.Option):
        typed = option_values(args, tuple(exc.param.opts))
        expected = option_expected(exc.param)
        if typed and expected:
            option, value = typed[-1]
            return problem("bad_option", option=option, expected=expected, found=quote_value(value))
    if isinstance(exc, BadOptionUsage):
        declared = next((p for p in command.params if exc.option_name in p.opts), None)
        takes_value = isinstance(declared, click.Option) and not declared.is_flag
        return problem("option_needs_value" if takes_value else "option_takes_no_value", option=exc.option_name)
    unknown_command = type(exc) in (UsageError, NO_SUCH_COMMAND)
    if unknown_command and name is None and not (args and args[0].startswith("-")):
        known = {"zh": "、".join(group.commands), "en": ", ".join(group.commands)}
        if not args:
            return problem("missing_command", known=known)
        return problem("unknown_command", found=args[0], known=known,
                       suggestion=suggestion(get_close_matches(args[0], list(group.commands), n=1)))
    if type(exc) is UsageError and name is not None and exc.ctx is not None:
        try:  # click's parser again, for what it leaves over once every option and argument has its value
            _, extra, _ = command.make_parser(exc.ctx).parse_args(args[1:])
        except UsageError:
            extra = []
        if extra:
            return problem("unexpected_argument", found=" ".join(map(quote_value, extra)))
    return problem("command_line_error", detail=exc.format_message())


def option_expected(option: click.Option) -> dict[str, str] | None:
    """What an option takes, in both languages, as `bad_option` says it: one of its choices, or a number
    within its bounds; None for other types (whose values click does not refuse here)."""
    if isinstance(option.type, click.Choice):
        words = [str(getattr(c, "value", c)) for c in option.type.choices]
        return {"zh": "以下之一：" + "、".join(words), "en": "one of: " + ", ".join(words)}
    if isinstance(option.type, click.types.IntParamType):
        kind = ColumnType.INT
    elif isinstance(option.type, click.types.FloatParamType):
        kind = ColumnType.FLOAT
    else:
        return None
    bounds = Column(option.name or "", "", "", kind, minimum=getattr(option.type, "min", None),
                    maximum=getattr(option.type, "max", None))
    return expected_words(bounds, full=True)

"""The `quota-opt` command line: a thin layer over the library.

Each command parses its options, calls the library, and prints the outcome. Domain errors become
one clear message (in the chosen language) and an exit code; `--debug` shows the traceback.

Exit codes: 0 success (warnings allowed) · 1 input errors · 2 model or solver failure ·
3 infeasible scenario (with a report) · 4 output could not be written where asked · 70 internal error ·
130 Ctrl-C and 143 SIGTERM outside the solve (in it, both keep the best allocation found).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from difflib import get_close_matches
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text
from typer._click import Context, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperCommand, TyperGroup, TyperOption

from quota_opt.cli.console import console_file, tolerant_streams
from quota_opt.cli.help import help_lang, localize_command, localize_params, usage_in
from quota_opt.cli.signals import INTERRUPTED, TERMINATED, Terminated, handle_sigterm, is_termination
from quota_opt.core.errors import InputError, Location, Problem, QuotaOptError, Severity
from quota_opt.core.files import Kind, Read, fit_name, name_max, target_problems
from quota_opt.core.messages import (
    EXPLAIN_WORDS,
    LANGS,
    column_words,
    expected_words,
    os_error_text,
    quote_value,
    sheet_words,
)
from quota_opt.core.results_schema import SUMMARY_ROWS, termination_word
from quota_opt.core.schema import FIRST_YEAR, LAST_YEAR, Column, ColumnType


def paragraphs(help_text: str | None) -> str | None:
    """A docstring as `--help` should show it: its paragraphs, each on one line, for the terminal to wrap.

    Typer's rich help keeps the source's line breaks inside every paragraph after the first (and inside the
    first too in the list of commands), so the text broke where the source lines ended."""
    if help_text is None:
        return None
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", help_text.strip()))


def without_flag_metavar(params: list[Parameter]) -> list[Parameter]:
    """The parameters with no value type shown for a flag: typer's help showed `<bool>` beside --help,
    --debug and --force, as if they took a value (`--force true`); an empty metavar shows nothing."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help reads well (see `paragraphs`, `without_flag_metavar`)."""

    def __init__(self, name: str | None, *, help: str | None = None, **settings: Any):
        super().__init__(name, help=paragraphs(help), **settings)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return localize_params(self.name or "", without_flag_metavar(super().get_params(ctx)), help_lang(self))

    def get_usage(self, ctx: Context) -> str:
        return usage_in(super().get_usage(ctx), help_lang(self))


class Group(TyperGroup):
    """The `quota-opt` command group, its help shown as `Command` shows a command's. A command line it cannot
    parse, its own or a command's, is answered by `usage_errors`."""

    def __init__(self, *, help: str | None = None, **settings: Any):
        super().__init__(help=paragraphs(help), **settings)

    def get_params(self, ctx: Context) -> list[Parameter]:
        return localize_params("", without_flag_metavar(super().get_params(ctx)), help_lang(self))

    def get_usage(self, ctx: Context) -> str:
        return usage_in(super().get_usage(ctx), help_lang(self))

    def make_context(self, info_name: str | None, args: list[str], parent: Context | None = None,
                     **extra: Any) -> Context:
        localize_command("", self, line_lang(list(args)))  # --help in the line's language (cli/help.py)
        # the group's own options are those before the command's name (`quota-opt --lang fr run --lang en` is
        # refused for "fr"); the whole line says the language
        with usage_errors(self, info_name or "quota-opt", self.own_args(list(args)), line_lang(list(args))):
            return super().make_context(info_name, args, parent, **extra)

    def own_args(self, args: list[str]) -> list[str]:
        """The part of a command line that holds the group's own options: up to the first argument that is no
        option nor an option's value (the command's name, where click stops parsing the group's options)."""
        takes_value = {name for p in self.params if isinstance(p, TyperOption) and not p.is_flag for name in p.opts}
        for i, arg in enumerate(args):
            if arg == "--" or (not arg.startswith("-") and (i == 0 or args[i - 1] not in takes_value)):
                return args[:i]
        return args

    def invoke(self, ctx: Context) -> Any:
        # the command's name and what follows it, before click takes them off the context; when that part of the
        # line names no language, the one given before the command (`quota-opt --lang en run ...`) is used
        with usage_errors(self, ctx.command_path, [*ctx._protected_args, *ctx.args], ctx.params.get("lang")):
            return super().invoke(ctx)


app = typer.Typer(
    name="quota-opt",
    cls=Group,
    help="Allocate construction-land and energy quotas to major industrial projects (Hangzhou 一盘棋 policy).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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

_state: dict[str, Any] = {"debug": False}


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LANG_OPTION = ("--lang", "-l")
LangOpt = Annotated[Lang, typer.Option(*LANG_OPTION, help="Language of messages and workbooks: zh or en.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output file that quota-opt did not "
                                        "write, or of another kind (an input is never replaced).")]
WallClockOpt = Annotated[bool, typer.Option("--wall-clock", help="Count each case's time limit in seconds, not in solver work: faster to stop on a busy machine, but the same input may then give another plan. By default the limit is turned into a fixed amount of branch-and-bound work (one HiGHS thread), so the same input gives the same plan at any load.")]


def t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn product errors into a clear message and exit code; anything else into exit 70 without a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = str(kwargs.get("lang", "zh"))
        _state["parsed"] = True  # the command line was understood: exit 2 from here on is ours (see `main`)
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            print_problems(exc.problems, lang)
            raise typer.Exit(exc.exit_code) from None
        except QuotaOptError as exc:
            if _state["debug"]:
                traceback.print_exc()
            print_error(t(lang, "错误", "Error"), exc.report(lang))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (`cli.Terminated`), outside the solve
            if is_termination(exc):
                err.print(t(lang, "已终止（收到 SIGTERM）。", "Terminated (SIGTERM)."))
                raise typer.Exit(TERMINATED) from None
            err.print(t(lang, "已中断。", "Interrupted."))
            raise typer.Exit(INTERRUPTED) from None
        except Exception as exc:
            if _state["debug"]:
                traceback.print_exc()
            advice = t(lang, "请加 --debug 重新运行并将输出报告给开发者。",
                       "Run again with --debug and report the output to the developers.")
            print_error(t(lang, "内部错误", "Internal error"), f"{type(exc).__name__}: {exc}\n{advice}")
            raise typer.Exit(70) from None

    return wrapper


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


@contextmanager
def usage_errors(group: TyperGroup, prog: str, args: list[str], lang: str | None = None) -> Iterator[None]:
    """Answer a command line that cannot be parsed (click's `UsageError`: an unknown option, a missing
    argument, a bad value, no such command) with our own message, in the language `args` asks for with
    --lang/-l (else `lang`, the group's --lang, else zh), instead of click's English panel; exit with click's
    code, 2 (which `main` turns into 1, as for any input error). `args` is the command line from the command's
    name on (the whole line when the group's own options fail)."""
    try:
        yield
    except NoArgsIsHelpError:  # `quota-opt` alone: typer shows the help
        raise
    except UsageError as exc:
        print_problems([usage_problem(exc, group, prog, args)], line_lang(args, lang or "zh"))
        raise typer.Exit(exc.exit_code) from None


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


def usage_problem(exc: UsageError, group: TyperGroup, prog: str, args: list[str]) -> Problem:
    """Click's usage error as one of our problems (messages.TEMPLATES, section "the command line"), naming
    the option, argument or command as typed and the --help to read. What click does not say in so many
    words is read off the command line: the value given to an option, the arguments left over."""


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
        if isinstance(exc.param, TyperOption):
            return problem("missing_option", option=" / ".join(exc.param.opts))
        return problem("missing_argument", argument=exc.param.name)
    if isinstance(exc, BadParameter) and isinstance(exc.param, TyperOption):
        typed = option_values(args, tuple(exc.param.opts))
        expected = option_expected(exc.param)
        if typed and expected:
            option, value = typed[-1]
            return problem("bad_option", option=option, expected=expected, found=quote_value(value))
    if isinstance(exc, BadOptionUsage):
        declared = next((p for p in command.params if exc.option_name in p.opts), None)
        takes_value = isinstance(declared, TyperOption) and not declared.is_flag
        return problem("option_needs_value" if takes_value else "option_takes_no_value", option=exc.option_name)
    if type(exc) is UsageError and name is None and not (args and args[0].startswith("-")):
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


def option_expected(option: TyperOption) -> dict[str, str] | None:
    """What an option takes, in both languages, as `bad_option` says it: one of its choices, or a number
    within its bounds; None for other types (whose values typer does not refuse here)."""

    choices = option.type_descriptor.choices
    if choices:
        words = [str(getattr(c, "value", c)) for c in choices]
        return {"zh": "以下之一：" + "、".join(words), "en": "one of: " + ", ".join(words)}
    kind = {int: ColumnType.INT, float: ColumnType.FLOAT}.get(option.type_descriptor.annotation)
    if kind is None:
        return None
    bounds = Column(option.name or "", "", "", kind, minimum=option.min, maximum=option.max)
    return expected_words(bounds, full=True)


@app.callback()
def main_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    lang: Annotated[Lang, typer.Option(*LANG_OPTION, help="Language of messages and workbooks for the command "
                                       "that follows (its own --lang, if given, wins): zh or en.")] = Lang.zh,
) -> None:
    _state["debug"] = debug
    # The command's --lang defaults to this one: click reads a command's defaults from its parent context's
    # default_map, under the command's name.
    if ctx.invoked_subcommand is not None:
        ctx.default_map = {ctx.invoked_subcommand: {"lang": lang.value}}


@app.command(cls=Command)
@guarded
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="Workbook to write (.xlsx).")],
    lang: LangOpt = Lang.zh,
    force: ForceOpt = False,
) -> None:
    """Write a blank, ready-to-fill scenario workbook (an existing file is replaced only with --force).

    Exit 0 when written, 1 when the name is not .xlsx or the file exists, 4 when it could not be written
    there (it is then saved under a fallback name, which the message gives).
    """
    from quota_opt.output.template import write_template

    check_output(output, Kind.SCENARIO, force=force)
    path = write_template(output, lang.value, force=force)
    out.print(t(lang, f"已写出模板：{path}", f"Template written: {path}"))


@app.command(cls=Command)
@guarded
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario workbook (.xlsx).")],
    lang: LangOpt = Lang.zh,
    annotate: Annotated[Path | None, typer.Option("--annotate", help="Write a copy with problems marked.")] = None,
    force: ForceOpt = False,
) -> None:
    """Check a scenario workbook and list every problem with its sheet, row and column.

    Exit 0 when there are no errors (warnings allowed), 1 otherwise.
    """
    from quota_opt.input.read import FILE_PROBLEMS
    from quota_opt.prepare import validate_workbook

    check_output(annotate, Kind.ANNOTATED, "--annotate", force=force, reads=(Read(file, "scenario"),))
    with reading_progress(file, lang) as progress:
        report = validate_workbook(file, progress=progress)
    print_problems(report.problems, lang.value)
    unreadable = any(p.code in FILE_PROBLEMS for p in report.problems)
    if annotate is not None and report.problems and not unreadable:
        from quota_opt.output.annotate import annotate_workbook

        path = annotate_workbook(file, report.problems, annotate, lang.value, force=force)
        out.print(t(lang, f"已写出标注副本：{path}", f"Annotated copy written: {path}"))
    elif annotate is not None:  # say why the copy asked for is not there
        out.print(t(lang, f"未写出标注副本 {annotate}：" + ("文件本身无法读取，无从标注。" if unreadable else "没有需要标注的问题。"),
                    f"No annotated copy written to {annotate}: "
                    + ("the file itself cannot be read, so there is nothing to mark it on." if unreadable
                       else "there are no problems to mark.")))
    if report.ok:
        sc = report.scenario
        assert sc is not None
        counts = t(lang,
                   f"校验通过：{len(sc.districts)} 个区县、{len(sc.projects)} 个项目、"
                   f"{sc.settings.horizon_years} 个规划年度（{sc.settings.base_year}–{sc.settings.last_year}）。",
                   f"Valid: {len(sc.districts)} districts, {len(sc.projects)} projects, "
                   f"{sc.settings.horizon_years} planning years ({sc.settings.base_year}–{sc.settings.last_year}).")
        out.print(Text.assemble(("✓", "green"), " ", counts))
        return
    raise typer.Exit(1)


@contextmanager
def reading_progress(file: Path, lang: str) -> Iterator[Callable[[int], None] | None]:
    """A progress line for reading large workbooks (over ~1 MB) on a terminal; nothing otherwise."""
    try:
        big = file.is_file() and file.stat().st_size > 1_000_000
    except OSError:
        big = False
    if not big or not err.is_terminal:
        yield None
        return

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task(t(lang, "读取中…", "Reading…"))

        def update(rows: int) -> None:
            bar.update(task, description=t(lang, f"已读取 {rows:,} 行", f"{rows:,} rows read"))

        yield update


def default_output(file: Path, suffix: str = "_results") -> Path:
    """`<input>_results.xlsx` beside the input, the input's name shortened if need be to fit the file system (a
    long Chinese name has little room left for the suffix)."""

    return file.with_name(fit_name(file.stem, f"{suffix}.xlsx", name_max(file.parent)))


def load_scenario(file: Path, lang: str, variant: str | None = None) -> Any:
    """Read and validate a workbook (printing warnings), optionally applying a variant."""
    return load_prepared(file, lang, variant)[0]


def load_prepared(file: Path, lang: str, variant: str | None = None) -> tuple[Any, Any]:
    """`load_scenario`, and the scenario's prepared data its validation made (None with a variant, which changes
    the data): `run_scenario(prepared=...)` uses it, so that a run prepares its scenario once."""
    from quota_opt.prepare import validate_workbook

    with reading_progress(file, lang) as progress:
        report = validate_workbook(file, progress=progress)
    if not report.ok or report.scenario is None:
        raise InputError(report.problems)
    if report.warnings:
        print_problems(report.warnings, lang)
    scenario, prepared = report.scenario, report.prepared
    if variant:
        from quota_opt.input.variants import apply_variant

        scenario, prepared = apply_variant(scenario, variant), None
    return scenario, prepared


def check_options(**options: Any) -> None:
    """Raise an InputError (exit 1) naming every solve option out of bounds (`run.option_problems`)."""
    from quota_opt.pipeline import option_problems

    problems = option_problems(**options)
    if problems:
        raise InputError(problems)


def check_output(path: Path | None, kind: Kind, option: str = "--output", *, force: bool = False,
                 reads: tuple[Read, ...] = (), others: tuple[Path | None, ...] = ()) -> None:
    """Check a file to be written before any work is done (exit 1): a workbook's name must end in .xlsx, since
    an Excel workbook named out.csv opens in nothing that expects a CSV and Excel itself warns that its format
    and name disagree; and the write guard (`core.files.target_problems`) must allow it: never one of the
    command's `reads` or `others` outputs under any name, and an existing file only when it is a `kind` the
    product wrote, or with --force. The writers check again as they write."""

    if path is None:
        return
    if kind != Kind.MODEL and path.suffix.lower() != ".xlsx":
        raise InputError([Problem(Severity.ERROR, "output_not_xlsx", Location(), {"option": option, "path": str(path)})])
    problems = target_problems(path, kind, reads, force=force, option=option, others=others)
    if problems:
        raise InputError(problems)


class SolveDisplay:
    """Stage lines on stderr, and the solver's gap as it improves when the solve takes more than a moment."""

    def __init__(self, lang: str):
        self.lang = lang
        self.status: Any = None
        self.started = 0.0
        self.current = ""

    def stage(self, name: str) -> None:

        words = {"prepare": ("准备数据", "Preparing data"), "build": ("建立模型", "Building the model"),
                 "solve": ("求解", "Solving"), "polish": ("整理方案", "Polishing the allocation"),
                 "explain": ("生成解释", "Explaining")}
        zh, en = words.get(name, (name, name))
        self.stop()
        self.current = name
        err.print(f"▸ {t(self.lang, zh, en)}…", style="dim")
        if name == "solve" and err.is_terminal:
            self.started = time.perf_counter()
            self.status = err.status(t(self.lang, "求解中…", "Solving…"))
            self.status.start()

    def progress(self, p: Any) -> None:
        if self.status is None or p.objective is None:
            return
        gap = "—" if p.gap is None else f"{p.gap:.3%}"
        bound = "—" if p.best_bound is None else f"{p.best_bound:,.2f}"
        self.status.update(t(self.lang, f"求解中 {p.elapsed_s:5.1f}s  目标 {p.objective:,.2f}  上界 {bound}  间隙 {gap}",
                             f"Solving {p.elapsed_s:5.1f}s  objective {p.objective:,.2f}  bound {bound}  gap {gap}"))

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


@contextmanager
def announce_interrupt(display: SolveDisplay, lang: str) -> Iterator[None]:
    """Say at once, on the first Ctrl-C or SIGTERM during the solve, that the run is writing the best allocation
    so far.

    The solve catches Ctrl-C and ends with what it has, but the polish, the explanations and the workbook still
    take a while, and a silent terminal invites a second Ctrl-C, which would then end the run without results.
    The handler only prints; Python's own (KeyboardInterrupt; `cli.Terminated` for SIGTERM) still does the
    interrupting. Outside the solve stage Ctrl-C ends the run (exit 130, SIGTERM 143), so nothing is promised
    there."""

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    told = False
    # The terminal as it is now: while HiGHS runs under Pyomo, file descriptors 1 and 2 are captured into its log
    # (pyomo.common.tee.capture_output), and a notice written to stderr then would vanish there.
    try:
        terminal: Any = os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding=sys.stderr.encoding or "utf-8",
                                  errors="replace")
        console = plain_console(file=terminal)
    except (OSError, ValueError, AttributeError):  # stderr is no file (a test runner's buffer): nothing captures it
        terminal, console = None, err

    def notice(signum: int, frame: Any) -> None:
        nonlocal told
        if display.current == "solve" and not told:
            told = True
            display.stop()
            console.print(t(lang, "中断：正在写出目前最好的方案，请稍候…",
                            "Interrupted: writing the best allocation found so far, please wait…"), style="yellow")
            console.file.flush()
        if signum == signal.SIGTERM:
            raise Terminated()
        signal.default_int_handler(signum, frame)

    previous = {signum: signal.signal(signum, notice) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum, handler in previous.items():
        if handler is signal.SIG_IGN:  # ignored here (started in the background, under nohup): leave it so
            signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, which cannot be put back
                signal.signal(signum, handler)
        if terminal is not None:
            terminal.close()


def print_run_summary(result: Any, path: Path | None, lang: str) -> None:


    rows = result.summary(lang)
    table = Table(title=t(lang, "分配结果概览", "Allocation summary"), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    keys = ["status", "objective", "gap", "value_vs_ranking_rule", "projects_selected", "selected_share",
            "investment_selected", "average_output_per_mu", "land_selected", "land_district_quota_total",
            "land_provincial_pool_total", "land_stock_total", "mu_to_request", "energy_district_total",
            "energy_city_pool_total", "reward_next_plan"]
    for key in keys:
        if key not in rows or rows[key] is None:
            continue
        zh, en, fmt = SUMMARY_ROWS[key]
        v = rows[key]
        if isinstance(v, float):
            v = f"{v:.2%}" if fmt and "%" in fmt else f"{v:,.2f}"
        table.add_row(zh if lang == "zh" else en, str(v))
    out.print(table)
    if path is not None:
        out.print(t(lang, f"结果已写出：{path}", f"Results written: {path}"))


@app.command(cls=Command)
@guarded
def run(
    file: Annotated[Path, typer.Argument(help="Scenario workbook (.xlsx).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Results workbook (default: <input>_results.xlsx).")] = None,
    lang: LangOpt = Lang.zh,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Solver time limit in seconds (default: settings).")] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap, e.g. 0.001 = 0.1% (default: settings).")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Solver threads, 0 = automatic (default: settings).")] = None,
    write_model: Annotated[Path | None, typer.Option("--write-model", help="Also export the model as .mps or .lp.")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Run this variant from the variants sheet.")] = None,
    backend: Annotated[str, typer.Option("--backend", help="auto, pyomo (pyomo.contrib.solver) or highs (bulk).")] = "auto",
    force: ForceOpt = False,
) -> None:
    """Read, validate, build, solve and write the results workbook.

    Exit 0 when an allocation was written (optimal, or the best found within the time limit or before
    Ctrl-C or SIGTERM), 1 on input errors, 2 when the solver found no allocation, 3 when the scenario is
    infeasible (the workbook then explains why), 4 when the results could not be written where asked, 130 on
    Ctrl-C and 143 on SIGTERM outside the solve (no results are written).
    """

    from quota_opt.output.results_workbook import write_results
    from quota_opt.pipeline import RunOptions, run_scenario
    from quota_opt.solve.highs import Status

    check_options(time_limit_s=time_limit, mip_gap=gap, threads=threads, backend=backend, write_model=write_model)
    target = output or default_output(file)
    reads = (Read(file, "scenario"),)
    check_output(target, Kind.RESULTS, force=force, reads=reads)
    check_output(write_model, Kind.MODEL, "--write-model", force=force, reads=reads, others=(target,))
    t0 = time.perf_counter()
    scenario, prepared = load_prepared(file, lang.value, variant)
    read_s = time.perf_counter() - t0
    display = SolveDisplay(lang.value)
    options = RunOptions(time_limit_s=time_limit, mip_gap=gap, threads=threads, backend=backend,
                         progress=display.progress, on_stage=display.stage)
    try:
        with announce_interrupt(display, lang.value):
            result = run_scenario(scenario, options, variant=variant, prepared=prepared)
    finally:
        display.stop()
    result.timings["read"] = read_s
    model_not_written = False
    if write_model is not None:
        from quota_opt.solve.highs import write_model as export

        try:
            export(result.form, write_model, reads, force=force, scenario=scenario.settings.scenario_name)
        except OSError as exc:  # the results are still written; the exit code says an output is missing
            model_not_written = True
            detail = t(lang, f"无法导出模型到 {write_model}（{os_error_text(exc, 'zh')}）。",
                       f"could not export the model to {write_model} ({os_error_text(exc, 'en')}).")
            print_error(t(lang, "错误", "Error"), detail)
        else:
            out.print(t(lang, f"模型已导出：{write_model}", f"Model exported: {write_model}"))
    t0 = time.perf_counter()
    path = write_results(result, target, lang.value, force=force)
    result.timings["write"] = time.perf_counter() - t0
    sol = result.solution
    if sol.status == Status.INFEASIBLE:
        err.print(result.infeasibility.render(lang.value), style="bold red")
        out.print(t(lang, f"不可行原因已写入：{path}", f"Infeasibility report written: {path}"))
        raise typer.Exit(3)
    if not result.ok:
        err.print(t(lang, f"求解未得到可行方案：{termination_word(sol.termination, 'zh')}",
                    f"The solver found no allocation: {sol.termination}"), style="red")
        raise typer.Exit(2)
    if sol.status == Status.FEASIBLE:
        gap_text = "—" if sol.gap is None else f"{sol.gap:.3%}"
        err.print(t(lang, f"求解提前停止（{termination_word(sol.termination, 'zh')}），已保留当前最好方案"
                          f"（间隙 {gap_text}）。",
                    f"The solve stopped ({sol.termination}); the best allocation found is kept "
                    f"(gap {gap_text})."), style="yellow")
    print_run_summary(result, path, lang.value)
    if model_not_written:
        raise typer.Exit(4)


def is_results_workbook(file: Path) -> bool:
    """True when the file looks like a results workbook: it has the summary or the allocation sheet (one of
    them renamed or deleted by hand is then named by `read_results`, not taken for a scenario)."""
    from quota_opt.input.read import open_workbook
    from quota_opt.input.validate import is_results_sheets

    try:
        wb = open_workbook(file, file.read_bytes())
    except (InputError, OSError):  # no workbook: the reader it goes to says why
        return False
    names = list(wb.sheetnames)
    wb.close()
    return is_results_sheets(names)


def scenario_of_results(results: Any, scenario_opt: Path | None) -> Path:
    """The scenario workbook of a results workbook: --scenario, else the one its summary names beside it."""
    from quota_opt.input.results_read import find_scenario_for

    path = scenario_opt or find_scenario_for(results)
    if path is None:
        raise InputError([Problem(Severity.ERROR, "results_scenario_not_found", Location(), {
            "results": results.path.name, "scenario": str(results.summary.get("input_file") or "?")})])
    return path


def warn_if_changed(results: Any, scenario_file: Path, code: str, lang: str) -> None:
    """Warn (`code`: rollover_ or explain_scenario_changed) when the scenario is not, byte for byte, the one the
    results were computed from (the summary's input SHA-256): another scenario with the same ids, or one edited
    since. A results workbook from a version that recorded no hash is taken as it is."""
    from quota_opt.input.results_read import made_from

    if made_from(results, scenario_file) is False:
        err.print(Problem(Severity.WARNING, code, Location(), {"scenario": scenario_file.name,
                                                                "results": results.path.name}).message(lang),
                  style="yellow")


@app.command(cls=Command)
@guarded
def explain(
    file: Annotated[Path, typer.Argument(help="A scenario workbook or a results workbook.")],
    project_id: Annotated[str, typer.Argument(help="The project to explain.")],
    lang: LangOpt = Lang.zh,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="The scenario, when FILE is a results workbook not beside it.")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Explain within this variant.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Time limit per re-solve (s).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes for the re-solves (default: the cores available, up to 4); 1 solves them one after the other.")] = None,
) -> None:
    """Why one project got what it got, and the smallest change that would flip the decision.

    Given a results workbook, the decision and reason explained are the adopted plan's in it; given a
    scenario, those of a new solve. The thresholds (score, land demand, its binding quota) are found by
    re-optimising that plan in the project's district and among the projects sharing its city-level quotas;
    a threshold marked ≈ rests on a re-solve not proved optimal in its time limit.
    """

    from quota_opt.interpret.whatif import amount_text, explain_project, flip_text
    from quota_opt.pipeline import RunOptions

    check_options(time_limit_s=time_limit)
    adopted = None
    results = None
    if is_results_workbook(file):
        from quota_opt.input.results_read import read_results

        results = read_results(file)
        adopted = results.allocation
        file = scenario_of_results(results, scenario)
        warn_if_changed(results, file, "explain_scenario_changed", lang.value)
    sc = load_scenario(file, lang.value, variant)
    if results is not None and not variant:  # the variant the results were computed under, as rollover takes it
        from quota_opt.input.variants import apply_variant
        from quota_opt.studies.rollover import recorded_variant

        recorded = recorded_variant(sc, results.summary, results.path.name)
        if recorded:
            sc = apply_variant(sc, recorded)
    words = {key: pair[0 if lang.value == "zh" else 1] for key, pair in EXPLAIN_WORDS.items()}
    with err.status(t(lang, "正在重新求解以寻找临界值…", "Re-solving to find the thresholds…")) as status:
        def progress(done: int, total: int, elapsed: float) -> None:
            left = elapsed / done * (total - done) if done else 0.0
            status.update(words["progress"].format(done=done, total=total, elapsed=elapsed, left=left))

        ex = explain_project(sc, project_id, RunOptions(time_limit_s=time_limit, shadow_prices=False), adopted=adopted,
                             workers=workers, progress=progress)
    if ex.source:
        out.print(ex.source[lang.value])
    r = ex.row
    out.print(Text.assemble((project_id, "bold"), f" {r['name']}  ({r['district_id']}, {r['chain_id']})"))
    # named as the allocation sheet heads them (综合得分, 用地需求, 年综合能耗) and the thresholds below name them
    facts = t(lang, f"综合得分 {r['score']:.4f}，用地需求 {r['land_demand']:,.1f} 亩，"
                    f"年综合能耗 {r['energy_demand']:,.0f} 吨标准煤，{'已安排' if ex.selected else '未安排'}",
              f"score {r['score']:.4f}, land demand {r['land_demand']:,.1f} mu, "
              f"energy demand {r['energy_demand']:,.0f} tce, {'selected' if ex.selected else 'not selected'}")
    out.print(facts)
    out.print(ex.reason[lang.value])
    if ex.thresholds:
        table = Table(title=t(lang, "改变决定的最小变化（重新求解得出）", "Smallest change that flips the decision (re-solved)"))
        for head in (t(lang, "因素", "factor"), t(lang, "当前", "now"), t(lang, "临界值", "flips at"), t(lang, "含义", "meaning")):
            table.add_column(head, overflow="fold")  # Chinese has no space to wrap at: fold, not cut to "…"
        for th in ex.thresholds:
            flip = flip_text(th, lang.value)
            if not th.exact and th.flip_at is not None:
                flip = words["approximate"].format(value=flip)
            table.add_row(th.label[lang.value], amount_text(th.current, th.unit, lang.value), flip,
                          th.note.get(lang.value, ""))
        out.print(table)
        out.print(words["neighbourhood"])
        out.print(words["solves"].format(solves=ex.solves, skipped=ex.skipped, seconds=ex.seconds))


@app.command(cls=Command)
@guarded
def rollover(
    results_file: Annotated[Path, typer.Argument(help="The adopted plan: a results workbook.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Next year's scenario workbook to write.")],
    year: Annotated[int, typer.Option("--year", help="The year whose supply is now fact (usually the base year).")],
    lang: LangOpt = Lang.zh,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="The plan's scenario, when not beside the results.")] = None,
    force: ForceOpt = False,
) -> None:
    """Write next year's scenario: the plan's supply up to YEAR becomes actuals, the base year advances.

    A plan computed under a variant (run --variant) is rolled over with that variant applied, as the plan saw
    the scenario; the variant leaves the variants sheet, the others are kept.

    Never writes over its inputs (the results workbook and the plan's scenario); an existing file is
    replaced only with --force. Exit 0 when written, 1 on input errors, 4 when the scenario could not be
    written where asked (it is then saved under a fallback name, which the message gives).
    """
    from quota_opt.input.results_read import adoptable, read_results
    from quota_opt.output.template import write_scenario
    from quota_opt.studies.rollover import recorded_variant
    from quota_opt.studies.rollover import rollover as roll

    results = read_results(results_file)
    adoptable(results.summary, results.loc("summary"))
    scenario_file = scenario_of_results(results, scenario)
    reads = (Read(results_file, "results"), Read(scenario_file, "scenario"))
    check_output(output, Kind.SCENARIO, force=force, reads=reads)
    sc = load_scenario(scenario_file, lang.value)
    warn_if_changed(results, scenario_file, "rollover_scenario_changed", lang.value)
    variant = recorded_variant(sc, results.summary, results.path.name)
    nxt, note = roll(sc, results.allocation, results.ledger, year, loc=results.loc, variant=variant)
    path = write_scenario(nxt, output, lang.value, reads=reads, force=force)
    out.print(t(lang, f"已写出 {note.new_base_year} 年方案：{path}", f"Scenario for {note.new_base_year} written: {path}"))
    actuals = sheet_words("actuals", lang.value)
    out.print(t(lang, f"记入{actuals}的项目：{len(note.recorded)} 个；已完成并移出：{len(note.dropped)} 个。",
                f"Projects recorded on {actuals}: {len(note.recorded)}; completed and removed: {len(note.dropped)}."))
    if note.window_extended:
        projects, latest = sheet_words("projects", lang.value), column_words("projects", ["latest_year"])
        listed = ", ".join(f"{pid} ({y})" for pid, y in note.window_extended.items())
        listed_zh = "、".join(f"{pid}（{y} 年）" for pid, y in note.window_extended.items())
        err.print(t(lang, f"注意：以下项目未获安排，其供地年度区间已于新基准年 {note.new_base_year} 年之前结束（括号内为原{latest['zh']}）："
                          f"{listed_zh}。已保留为候选项目，{latest['zh']}改为 {note.new_base_year} 年；请在{projects}中确认新的"
                          "供地年度区间，或删除不再推进的项目。",
                    f"Note: these projects were left out and their supply window ended before the new base year "
                    f"{note.new_base_year} (their old {latest['en']} in brackets): {listed}. They are kept as "
                    f"candidates with {latest['en']} {note.new_base_year}: confirm the new window on {projects}, or "
                    "delete the projects no longer pursued."), style="yellow")
    if note.variant:
        sheet = sheet_words("variants", lang.value)
        kept = ", ".join(note.kept_variants)
        err.print(t(lang, f"已按结果记录的方案变体“{note.variant}”结转：该变体的调整已并入新方案的参数和指标，并已从{sheet}中移除"
                          + (f"；其余变体（{kept}）保留原样，今后将叠加在这些参数和指标之上，请核对。" if kept else "。"),
                    f'Rolled over under variant "{note.variant}", as the results record: its overrides are now part of '
                    f"the new scenario's settings and quotas, and it has been removed from {sheet}"
                    + (f"; the other variants ({kept}) are kept as they were and now apply on top of them: check them."
                       if kept else "."),
                    ), style="yellow")

    if note.stale_variant_years:
        sheet = sheet_words("variants", lang.value)
        zh = "；".join(f"{k}（{', '.join(map(str, sorted(ys)))} 年）" for k, ys in note.stale_variant_years.items())
        en = "; ".join(f"{k} ({', '.join(map(str, sorted(ys)))})" for k, ys in note.stale_variant_years.items())
        err.print(t(lang, f"注意：{sheet}中以下变体有按年度筛选的行早于新方案的基准年 {note.new_base_year} 年，已不匹配任何指标行"
                          f"（这些行的调整不再起作用），请修改或删除：{zh}。",
                    f"Note: on {sheet}, these variants have rows whose year is before the new base year "
                    f"{note.new_base_year}, so they now match nothing (their overrides no longer apply): change or "
                    f"remove them: {en}."), style="yellow")

    def mu(v: float) -> str:  # the rollover's figures, to its DECIMALS
        return f"{v:,.4f}".rstrip("0").rstrip(".")

    first, last = note.leaving_years[0], note.leaving_years[-1]  # the years now before the horizon
    leaving = f"{first}–{last}" if first != last else str(first)
    platforms, capacity = sheet_words("platforms", lang.value), column_words("platforms", ["land_capacity"])
    if note.capacity_used:
        zh = "；".join(f"{k} {mu(old)} − {mu(spent)} = {mu(new)} 亩" for k, (old, spent, new) in note.capacity_used.items())
        en = "; ".join(f"{k} {mu(old)} − {mu(spent)} = {mu(new)} mu" for k, (old, spent, new) in note.capacity_used.items())
        err.print(t(lang, f"{platforms}的{capacity['zh']}已减去 {leaving} 年在各平台供地的项目用地（这些项目已移出规划期），"
                          f"现为自 {note.new_base_year} 年起还可承接的用地：{zh}。",
                    f"On {platforms}, {capacity['en']} is now the land each platform can still host from "
                    f"{note.new_base_year} on: the old capacity less the land of the projects supplied on it in "
                    f"{leaving}, which have left the horizon: {en}."), style="yellow")
    if note.capacity_overdrawn:
        zh = "；".join(f"{k} 容量 {mu(cap)} 亩，已供 {mu(spent)} 亩" for k, (cap, spent) in note.capacity_overdrawn.items())
        en = "; ".join(f"{k}, capacity {mu(cap)} mu, supplied {mu(spent)} mu"
                       for k, (cap, spent) in note.capacity_overdrawn.items())
        err.print(t(lang, f"注意：以下平台 {leaving} 年供地的项目用地超过了其{capacity['zh']}，方案工作簿中的数字互相矛盾"
                          f"（容量可能填小了，或项目的平台填错了）：{zh}；新方案中其容量记为 0，请核对。",
                    f"Note: on these platforms the land supplied in {leaving} exceeded {capacity['en']}, so the "
                    f"scenario's figures disagree (a capacity typed too low, or a project on the wrong platform?): "
                    f"{en}; the new scenario gives them a capacity of 0: check them."), style="yellow")
    if note.copied_years:
        years = ", ".join(map(str, note.copied_years))
        quotas = [sheet_words(key, lang.value) for key in ("district_quotas", "city_quotas")]
        err.print(t(lang, f"{years} 年的指标暂按最后一年复制，请在{quotas[0]}和{quotas[1]}中填入实际下达数。",
                    f"Quotas for {years} were copied from the last year; replace them with the real figures "
                    f"on {quotas[0]} and {quotas[1]}."), style="yellow")


@app.command(cls=Command)
@guarded
def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="Scenario workbook to write.")],
    # within generate.MAX_PROJECTS, MAX_DISTRICTS and MAX_YEARS (not imported: it needs numpy), so that a size the
    # generator cannot make is a bad option here, in the line's language
    projects: Annotated[int, typer.Option("--projects", min=1, max=100_000, help="Number of candidate projects.")] = 120,
    districts: Annotated[int, typer.Option("--districts", min=1, max=99, help="Number of districts.")] = 13,
    years: Annotated[int, typer.Option("--years", min=1, max=10, help="Planning years.")] = 3,
    seed: Annotated[int, typer.Option("--seed", min=0,
                                      help="Random seed: the same seed gives the same workbook.")] = 1,
    base_year: Annotated[int, typer.Option("--base-year", min=FIRST_YEAR, max=LAST_YEAR,  # as the settings sheet
                                           help="First planning year.")] = 2026,
    lang: LangOpt = Lang.zh,
    force: ForceOpt = False,
) -> None:
    """Write a valid, realistic scenario workbook of any size (illustrative data, for trials and benchmarks).

    An existing file is replaced only with --force. Exit 0 when written, 1 when the name is not .xlsx or the
    file exists, 4 when it could not be written there (it is then saved under a fallback name).
    """
    from quota_opt.output.template import write_scenario
    from quota_opt.studies.generate import generate_scenario

    last = LAST_YEAR  # each planning year gets quota rows, whose year column has the same bound
    if base_year + years - 1 > last:
        raise InputError([Problem(Severity.ERROR, "bad_option", Location(), {
            "option": "--base-year", "found": str(base_year),
            "expected": {"zh": f"不大于{last - years + 1}的年度（{years} 个规划年度须在{last}年以内）",
                         "en": f"a year ≤ {last - years + 1} (the {years} planning years must end by {last})"}})])
    check_output(output, Kind.SCENARIO, force=force)
    sc = generate_scenario(projects=projects, districts=districts, years=years, seed=seed, base_year=base_year,
                           lang=lang.value)
    note = t(lang, "生成的示例数据（虚构），仅用于试算和性能测试。", "Generated illustrative data, for trials and benchmarks only.")
    path = write_scenario(sc, output, lang.value, note=note, force=force)
    out.print(t(lang, f"已生成 {projects} 个项目、{districts} 个区县、{years} 个年度：{path}",
                f"Generated {projects} projects, {districts} districts, {years} years: {path}"))


@app.command(cls=Command)
@guarded
def compare(
    files: Annotated[list[Path], typer.Argument(help="Scenario workbooks (solved) or results workbooks (read); the first is the base case.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Comparison workbook (default: <first>_comparison.xlsx).")] = None,
    lang: LangOpt = Lang.zh,
    variants: Annotated[str | None, typer.Option("--variants", help="Compare one workbook's base case with its variants: all, or name1,name2.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: the cores available); 1 solves one case after the other.")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Solve on a Dask cluster: a scheduler address (tcp://host:8786), or local.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Solver time limit per case in seconds (default: settings).")] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap, e.g. 0.001 = 0.1% (default: settings).")] = None,
    wall_clock: WallClockOpt = False,
    force: ForceOpt = False,
) -> None:
    """Compare alternatives: KPIs with their differences against the first (base) case, the projects whose
    decision changes, land and energy per district and year, and charts, in one workbook.

    Cases run in parallel, one HiGHS thread each, so the numbers are those of a run on its own. A case
    that fails (infeasible, no solution, an error) is reported in the workbook and the others go on.
    Exit 0 when the comparison was written, 1 on input errors, 2 when no case could be solved.
    """
    from quota_opt.studies import compare as cmp
    check_options(time_limit_s=time_limit, mip_gap=gap)
    if problems := cmp.dask_option_problems(dask):
        raise InputError(problems)
    target = output or default_output(files[0], "_comparison")
    reads = tuple(Read(f, "compared") for f in files)
    check_output(target, Kind.COMPARISON, force=force, reads=reads)
    if variants is not None and len(files) != 1:
        raise InputError([Problem(Severity.ERROR, "variants_one_workbook", Location(), {"count": len(files)})])
    if variants is None and len(files) == 1:  # a comparison of one case: a second file or --variants forgotten
        raise InputError([Problem(Severity.ERROR, "compare_one_case", Location(), {"file": str(files[0])})])
    cases: list[Any] = []
    input_errors = False
    for file in files:
        try:
            if is_results_workbook(file) and variants is None:
                cases.append(cmp.case_from_results(file))
            elif variants is not None:
                cases.extend(cmp.variant_cases(load_scenario(file, lang.value), variants, lang=lang.value))
            else:
                cases.append(cmp.Case(file.stem, load_scenario(file, lang.value), source=file.name))
        except InputError as exc:
            err.print(str(file), style="bold")
            print_problems(exc.problems, lang.value)
            input_errors = True
    if input_errors:
        raise typer.Exit(1)
    solve = cmp.SolveSettings(time_limit_s=time_limit, mip_gap=gap, deterministic=not wall_clock)
    with cmp.ProgressBar(sum(isinstance(c, cmp.Case) for c in cases), lang.value, err) as bar:
        results = cmp.run_cases(cases, workers=workers, dask=dask, solve=solve, progress=bar)
    path = cmp.write_comparison(results, target, lang.value, reads=reads, force=force)
    _report_cases(results, path, lang, None, ("比较结果已写出", "Comparison written"),
                  ("未得到方案的情形", "Cases without an allocation"))


@app.command(cls=Command)
@guarded
def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario workbook (.xlsx).")],
    param: Annotated[list[str], typer.Option("--param", "-p", help="A setting and its values: key=start:stop:step (stop included) or key=v1,v2. Repeat for a grid (every combination).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Comparison workbook (default: <input>_sweep.xlsx).")] = None,
    lang: LangOpt = Lang.zh,
    variant: Annotated[str | None, typer.Option("--variant", help="Sweep around this variant from the variants sheet.")] = None,
    x: Annotated[str, typer.Option("--x", help="KPI on the trade-off's x axis: its key or its name on the summary sheet (maximised; a leading - minimises).")] = "investment_selected",
    y: Annotated[str, typer.Option("--y", help="KPI on the trade-off's y axis: its key or its name on the summary sheet (maximised; a leading - minimises).")] = "average_output_per_mu",
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: the cores available); 1 solves one point after the other.")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Solve on a Dask cluster: a scheduler address (tcp://host:8786), or local.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Solver time limit per point in seconds (default: settings).")] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap, e.g. 0.001 = 0.1% (default: settings).")] = None,
    wall_clock: WallClockOpt = False,
    force: ForceOpt = False,
) -> None:
    """Solve a grid of settings (e.g. --param w_output_per_mu=0:1:0.1) and compare the points: the comparison
    workbook against the first point, plus the trade-off curve of two KPIs with its non-dominated points.

    Values are checked against the settings' bounds before anything is solved. Exit 0 when the workbook
    was written (failed points are reported in it), 1 on input errors, 2 when no point could be solved.
    """
    from quota_opt.studies import compare as cmp
    from quota_opt.studies.sweep import parse_params

    check_options(time_limit_s=time_limit, mip_gap=gap)
    if problems := cmp.dask_option_problems(dask):
        raise InputError(problems)
    target = output or default_output(file, "_sweep")
    check_output(target, Kind.COMPARISON, force=force, reads=(Read(file, "scenario"),))
    tradeoff = cmp.Tradeoff.parse(x, y)
    params = parse_params(param)
    cases = cmp.sweep_cases(load_scenario(file, lang.value, variant), params, lang=lang.value)
    err.print(t(lang, f"共 {len(cases)} 个扫描点。", f"{len(cases)} sweep points."))
    solve = cmp.SolveSettings(time_limit_s=time_limit, mip_gap=gap, deterministic=not wall_clock)
    with cmp.ProgressBar(len(cases), lang.value, err) as bar:
        results = cmp.run_cases(cases, workers=workers, dask=dask, solve=solve, progress=bar)
    path = cmp.write_comparison(results, target, lang.value, tradeoff=tradeoff, reads=(Read(file, "scenario"),),
                                force=force)
    _report_cases(results, path, lang, tradeoff, ("扫描结果已写出", "Sweep written"),
                  ("未得到方案的扫描点", "Points without an allocation"))


class Role(StrEnum):
    editor = "editor"
    viewer = "viewer"


@app.command(cls=Command)
@guarded
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to serve on. Any but 127.0.0.1 (this machine) needs accounts (--add-user).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8765,
    data: Annotated[Path | None, typer.Option("--data", help="Folder of the workbench's database and workbooks (default: ~/.local/share/quota-opt).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes, one solve each (default: the cores available).")] = None,
    queue: Annotated[int, typer.Option("--queue", min=1, help="Jobs that may wait for a worker; more are refused.")] = 20,
    shared: Annotated[bool, typer.Option("--shared", help="Every account sees every library (default: each its own).")] = False,
    dask: Annotated[str | None, typer.Option("--dask", help="Solve comparisons and sweeps on this Dask scheduler.")] = None,
    add_user: Annotated[str | None, typer.Option("--add-user", help="Create an account (password asked, or read from stdin) and exit.")] = None,
    role: Annotated[Role, typer.Option("--role", help="The new account's role: editor (upload, run, delete) or viewer (read, download).")] = Role.editor,
    lang: LangOpt = Lang.zh,
) -> None:
    """Start the workbench, a web page to keep, validate, run, explain, compare and roll over scenarios.

    Serves on 127.0.0.1 unless --host says otherwise; on any other address it refuses to start until accounts
    exist (quota-opt serve --add-user NAME --role editor). Stop it with Ctrl-C.
    """
    from quota_opt.web import add_account
    from quota_opt.web import serve as start

    if add_user is not None:
        add_account(add_user, role.value, data, lang.value)
        return
    start(host, port, data, workers=workers, queue_size=queue, shared=shared, dask=dask, lang=lang.value)


def _report_cases(results: list[Any], path: Path, lang: Lang, tradeoff: Any, written: tuple[str, str],
                  failed_words: tuple[str, str]) -> None:
    """The terminal end of `compare` and `sweep`: the cases' table, where the workbook went, the cases
    without an allocation; exit 2 when no case has one."""
    from quota_opt.studies import compare as cmp
    out.print(cmp.summary_table(results, lang.value, tradeoff))
    out.print(t(lang, f"{written[0]}：{path}", f"{written[1]}: {path}"))
    failed = [r.name for r in results if not r.ok]
    if failed:
        err.print(t(lang, f"{failed_words[0]}（见工作簿）：{'、'.join(failed)}",
                    f"{failed_words[1]} (see the workbook): {', '.join(failed)}"), style="yellow")
    if len(failed) == len(results):
        raise typer.Exit(2)


def main() -> None:
    """Run the `quota-opt` command (its entry point is `cli.main`, which calls this once loaded).

    Click ends a command line it cannot parse (an unknown option, a missing argument, no command) with exit 2,
    which here means a solver failure; such a line is the user's input, so it exits 1, as other input errors do.
    SIGTERM and the streams are set up as `cli.main` sets them (again, for `python -m quota_opt.cli.app`).
    """
    handle_sigterm()
    tolerant_streams()
    try:
        app()
    except SystemExit as exc:
        code = exc.code
        if code == INTERRUPTED and is_termination(KeyboardInterrupt()):
            # typer turns a KeyboardInterrupt it catches (our SIGTERM, while it loads or parses) into exit 130
            code = TERMINATED
        sys.exit(1 if code == 2 and not _state.get("parsed") else code)


if __name__ == "__main__":
    main()

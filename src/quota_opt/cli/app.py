"""The `quota-opt` command line: a thin layer over the library.

Each command parses its options, calls the library, and prints the outcome. Domain errors become
one clear message (in the chosen language) and an exit code; `--debug` shows the traceback.

Exit codes: 0 success (warnings allowed) · 1 input errors · 2 model or solver failure ·
3 infeasible scenario (with a report) · 4 output could not be written where asked · 70 internal error ·
130 Ctrl-C and 143 SIGTERM outside the solve (in it, both keep the best allocation found).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Any

import click
from click.exceptions import Exit, NoArgsIsHelpError
from rich.text import Text

from quota_opt.cli.console import console_file, tolerant_streams
from quota_opt.cli.display import (
    CaseBar,
    ExplainDisplay,
    ReadingBar,
    SolveDisplay,
    announce_interrupt,
    print_explanation,
    print_rollover_note,
    print_run_summary,
    report_cases,
)
from quota_opt.cli.help import LocalizedHelp, localize_command
from quota_opt.cli.printing import err, out, print_error, print_problems, t
from quota_opt.cli.signals import INTERRUPTED, TERMINATED, handle_sigterm, is_termination
from quota_opt.cli.usage import LANG_OPTION, line_lang, usage_errors
from quota_opt.core.errors import InputError, Location, Problem, QuotaOptError, Severity
from quota_opt.core.files import Kind, Read, fit_name, name_max, target_problems
from quota_opt.core.messages import os_error_text
from quota_opt.core.results_schema import termination_word
from quota_opt.core.schema import FIRST_YEAR, LAST_YEAR

# the help as wide as the terminal (click's own stops at 80 columns)
SETTINGS = {"max_content_width": 10_000, "help_option_names": ["--help"]}


class Command(LocalizedHelp):
    """A command whose help speaks the line's language (cli/help.py)."""


class Group(LocalizedHelp, click.Group):
    """The `quota-opt` command group. A command line it cannot parse, its own or a command's, is answered by
    `usage.usage_errors`, in the line's language."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        line = list(args)
        localize_command("", self, line_lang(line))  # --help in the line's language (cli/help.py)
        # the group's own options are those before the command's name (`quota-opt --lang fr run --lang en` is
        # refused for "fr"); the whole line says the language
        own = self.own_args(line)
        with usage_errors(self, info_name or "quota-opt", own, line_lang(line)):
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta["command_line"] = line[len(own):]  # the command's name and what follows it
        return ctx

    def own_args(self, args: list[str]) -> list[str]:
        """The part of a command line that holds the group's own options: up to the first argument that is no
        option nor an option's value (the command's name, where click stops parsing the group's options)."""
        takes_value = {name for p in self.params if isinstance(p, click.Option) and not p.is_flag for name in p.opts}
        for i, arg in enumerate(args):
            if arg == "--" or (not arg.startswith("-") and (i == 0 or args[i - 1] not in takes_value)):
                return args[:i]
        return args

    def invoke(self, ctx: click.Context) -> Any:
        # when the command's part of the line names no language, the one given before the command
        # (`quota-opt --lang en run ...`) is used
        lang = ctx.params.get("lang")
        with usage_errors(self, ctx.command_path, ctx.meta.get("command_line", []), lang and str(lang)):
            return super().invoke(ctx)


_state: dict[str, Any] = {"debug": False}


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class Role(StrEnum):
    editor = "editor"
    viewer = "viewer"


PATH = click.Path(path_type=Path)


def lang_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(*LANG_OPTION, "lang", type=click.Choice(Lang), default=Lang.zh)(fn)


def force_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--force", is_flag=True)(fn)


def wall_clock_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--wall-clock", "wall_clock", is_flag=True)(fn)


def case_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options compare and sweep share: how the cases are solved, and --force (in this order in --help)."""
    for option in (force_option, wall_clock_option, click.option("--gap", type=float),
                   click.option("--time-limit", "time_limit", type=float), click.option("--dask"),
                   click.option("--workers", type=click.IntRange(min=1))):
        fn = option(fn)
    return fn


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn product errors into a clear message and exit code; anything else into exit 70 without a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = str(kwargs.get("lang", "zh"))
        _state["parsed"] = True  # the command line was understood: exit 2 from here on is ours (see `main`)
        try:
            return fn(*args, **kwargs)
        except Exit:
            raise
        except InputError as exc:
            print_problems(exc.problems, lang)
            raise Exit(exc.exit_code) from None
        except QuotaOptError as exc:
            if _state["debug"]:
                traceback.print_exc()
            print_error(t(lang, "错误", "Error"), exc.report(lang))
            raise Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (`cli.Terminated`), outside the solve
            if is_termination(exc):
                err.print(t(lang, "已终止（收到 SIGTERM）。", "Terminated (SIGTERM)."))
                raise Exit(TERMINATED) from None
            err.print(t(lang, "已中断。", "Interrupted."))
            raise Exit(INTERRUPTED) from None
        except Exception as exc:
            if _state["debug"]:
                traceback.print_exc()
            advice = t(lang, "请加 --debug 重新运行并将输出报告给开发者。",
                       "Run again with --debug and report the output to the developers.")
            print_error(t(lang, "内部错误", "Internal error"), f"{type(exc).__name__}: {exc}\n{advice}")
            raise Exit(70) from None

    return wrapper


@click.group("quota-opt", cls=Group, context_settings=SETTINGS)
@click.option("--debug", is_flag=True)
@lang_option
@click.pass_context
def app(ctx: click.Context, debug: bool, lang: Lang) -> None:
    """Allocate construction-land and energy quotas to major industrial projects (Hangzhou 一盘棋 policy)."""
    _state["debug"] = debug
    # The command's --lang defaults to this one: click reads a command's defaults from its parent context's
    # default_map, under the command's name.
    if ctx.invoked_subcommand is not None:
        ctx.default_map = {ctx.invoked_subcommand: {"lang": lang.value}}


def library() -> Any:
    """The library API (`quota_opt.api`), loaded when a command first needs it: it brings in the solver stack
    (Pyomo, HiGHS, pandas), which `--help` and a command line that cannot be parsed should not wait for."""
    import quota_opt.api as api

    return api


def workbooks() -> Any:
    """The library API's workbook half (`quota_opt.workbooks`, re-exported by `quota_opt.api`): `validate`,
    `template` and `generate` only read or write a workbook, and start without the solver stack (0.8 s)."""
    import quota_opt.workbooks as books

    return books


def workbench() -> Any:
    """The web layer (`quota_opt.web`, Starlette and uvicorn), loaded by `serve` only."""
    import quota_opt.web as web

    return web


def default_output(file: Path, suffix: str = "_results") -> Path:
    """`<input>_results.xlsx` beside the input, the input's name shortened if need be to fit the file system (a
    long Chinese name has little room left for the suffix)."""
    return file.with_name(fit_name(file.stem, f"{suffix}.xlsx", name_max(file.parent)))


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


# a warning that is a sentence of its own ("Warning: x.xlsx is not the workbook ... was computed from"), printed
# as one line rather than in the list of a workbook's warnings
ALONE = ("explain_scenario_changed", "rollover_scenario_changed")


def warner(lang: str) -> Callable[[list[Problem]], None]:
    """The library's `warn` hook: warnings printed as they are found, before the work that follows."""

    def warn(problems: list[Problem]) -> None:
        for p in problems:
            if p.code in ALONE:
                err.print(p.message(lang), style="yellow")
        listed = [p for p in problems if p.code not in ALONE]
        if listed:
            print_problems(listed, lang)

    return warn


@app.command(cls=Command)
@click.option("--output", "-o", "output", type=PATH, required=True)
@lang_option
@force_option
@guarded
def template(output: Path, lang: Lang, force: bool) -> None:
    """Write a blank, ready-to-fill scenario workbook (help text: cli/help.py, as for every command)."""
    check_output(output, Kind.SCENARIO, force=force)
    path = workbooks().template(lang.value).write(output, force=force)
    out.print(t(lang, f"已写出模板：{path}", f"Template written: {path}"))


@app.command(cls=Command)
@click.argument("file", type=PATH)
@lang_option
@click.option("--annotate", type=PATH)
@force_option
@guarded
def validate(file: Path, lang: Lang, annotate: Path | None, force: bool) -> None:
    """Check a scenario workbook and list every problem with its sheet, row and column."""
    check_output(annotate, Kind.ANNOTATED, "--annotate", force=force, reads=(Read(file, "scenario"),))
    with ReadingBar([file], lang, err) as reading:
        checked = workbooks().validate(file, progress=reading)
    print_problems(checked.problems, lang.value)
    if annotate is not None and checked.problems and checked.readable:
        path = checked.annotated(annotate, lang.value, force=force)
        out.print(t(lang, f"已写出标注副本：{path}", f"Annotated copy written: {path}"))
    elif annotate is not None:  # say why the copy asked for is not there
        unreadable = not checked.readable
        out.print(t(lang, f"未写出标注副本 {annotate}：" + ("文件本身无法读取，无从标注。" if unreadable else "没有需要标注的问题。"),
                    f"No annotated copy written to {annotate}: "
                    + ("the file itself cannot be read, so there is nothing to mark it on." if unreadable
                       else "there are no problems to mark.")))
    if not checked.ok or checked.scenario is None:
        raise Exit(1)
    sc = checked.scenario
    counts = t(lang,
               f"校验通过：{len(sc.districts)} 个区县、{len(sc.projects)} 个项目、"
               f"{sc.settings.horizon_years} 个规划年度（{sc.settings.base_year}–{sc.settings.last_year}）。",
               f"Valid: {len(sc.districts)} districts, {len(sc.projects)} projects, "
               f"{sc.settings.horizon_years} planning years ({sc.settings.base_year}–{sc.settings.last_year}).")
    out.print(Text.assemble(("✓", "green"), " ", counts))


@app.command(cls=Command)
@click.argument("file", type=PATH)
@click.option("--output", "-o", "output", type=PATH)
@lang_option
@click.option("--time-limit", "time_limit", type=float)
@click.option("--gap", type=float)
@click.option("--threads", type=int)
@click.option("--write-model", "write_model", type=PATH)
@click.option("--variant")
@click.option("--backend", default="auto")
@force_option
@guarded
def run(file: Path, output: Path | None, lang: Lang, time_limit: float | None, gap: float | None, threads: int | None,
        write_model: Path | None, variant: str | None, backend: str, force: bool) -> None:
    """Read, validate, build, solve and write the results workbook."""
    lib = library()
    lib.check_options(time_limit_s=time_limit, mip_gap=gap, threads=threads, backend=backend, write_model=write_model)
    target = output or default_output(file)
    reads = (Read(file, "scenario"),)
    check_output(target, Kind.RESULTS, force=force, reads=reads)
    check_output(write_model, Kind.MODEL, "--write-model", force=force, reads=reads, others=(target,))
    display = SolveDisplay(lang.value, ReadingBar([file], lang, err), err)
    try:
        with announce_interrupt(display, lang.value):
            done = lib.run(file, variant=variant, time_limit_s=time_limit, mip_gap=gap, threads=threads,
                           backend=backend, progress=display.progress, on_stage=display.stage,
                           warn=warner(lang.value), reading=display.reading)
    finally:
        display.stop()
    model_not_written = False
    if write_model is not None:
        try:
            done.write_model(write_model, force=force)
        except OSError as exc:  # the results are still written; the exit code says an output is missing
            model_not_written = True
            detail = t(lang, f"无法导出模型到 {write_model}（{os_error_text(exc, 'zh')}）。",
                       f"could not export the model to {write_model} ({os_error_text(exc, 'en')}).")
            print_error(t(lang, "错误", "Error"), detail)
        else:
            out.print(t(lang, f"模型已导出：{write_model}", f"Model exported: {write_model}"))
    path = done.write(target, lang.value, force=force)
    if done.status == "infeasible":
        err.print(done.infeasibility(lang.value), style="bold red")
        out.print(t(lang, f"不可行原因已写入：{path}", f"Infeasibility report written: {path}"))
        raise Exit(3)
    if not done.ok:
        err.print(t(lang, f"求解未得到可行方案：{termination_word(done.termination, 'zh')}",
                    f"The solver found no allocation: {done.termination}"), style="red")
        raise Exit(2)
    if done.status == "feasible":
        gap_text = "—" if done.gap is None else f"{done.gap:.3%}"
        err.print(t(lang, f"求解提前停止（{termination_word(done.termination, 'zh')}），已保留当前最好方案"
                          f"（间隙 {gap_text}）。",
                    f"The solve stopped ({done.termination}); the best allocation found is kept "
                    f"(gap {gap_text})."), style="yellow")
    print_run_summary(done, path, lang.value)
    if model_not_written:
        raise Exit(4)


@app.command(cls=Command)
@click.argument("file", type=PATH)
@click.argument("project_id")
@lang_option
@click.option("--scenario", type=PATH)
@click.option("--variant")
@click.option("--time-limit", "time_limit", type=float)
@click.option("--workers", type=click.IntRange(min=1))
@guarded
def explain(file: Path, project_id: str, lang: Lang, scenario: Path | None, variant: str | None, time_limit: float | None,
            workers: int | None) -> None:
    """Why one project got what it got, and the smallest change that would flip the decision."""
    lib = library()
    with ExplainDisplay(lang.value, ReadingBar([file, *([scenario] if scenario else [])], lang, err), err) as shown:
        ex = lib.explain(file, project_id, scenario=scenario, variant=variant, time_limit_s=time_limit,
                         workers=workers, progress=shown.progress, warn=warner(lang.value), reading=shown.reading,
                         on_stage=shown.stage)
    print_explanation(ex, project_id, lang.value, lib.flip_text, lib.amount_text, lib.meaning_text)


@app.command(cls=Command)
@click.argument("results_file", type=PATH)
@click.option("--output", "-o", "output", type=PATH, required=True)
@click.option("--year", type=int, required=True)
@lang_option
@click.option("--scenario", type=PATH)
@force_option
@guarded
def rollover(results_file: Path, output: Path, year: int, lang: Lang, scenario: Path | None, force: bool) -> None:
    """Write next year's scenario: the plan's supply up to YEAR becomes actuals, the base year advances."""

    def check(reads: tuple[Read, ...]) -> None:  # once the scenario is known, before it is read
        check_output(output, Kind.SCENARIO, force=force, reads=reads)

    with ReadingBar([results_file, *([scenario] if scenario else [])], lang, err) as reading:
        rolled = library().rollover(results_file, year, scenario=scenario, warn=warner(lang.value), reading=reading,
                                    check_inputs=check)
    path = rolled.write(output, lang.value, force=force)
    out.print(t(lang, f"已写出 {rolled.note.new_base_year} 年方案：{path}",
                f"Scenario for {rolled.note.new_base_year} written: {path}"))
    print_rollover_note(rolled.note, lang.value)


@app.command(cls=Command)
@click.option("--output", "-o", "output", type=PATH, required=True)
# within generate.MAX_PROJECTS, MAX_DISTRICTS and MAX_YEARS (not imported: it needs numpy), so that a size the generator
# cannot make is a bad option here, in the line's language
@click.option("--projects", type=click.IntRange(1, 100_000), default=120)
@click.option("--districts", type=click.IntRange(1, 99), default=13)
@click.option("--years", type=click.IntRange(1, 10), default=3)
@click.option("--seed", type=click.IntRange(min=0), default=1)
@click.option("--base-year", "base_year", type=click.IntRange(FIRST_YEAR, LAST_YEAR), default=2026)  # as the settings sheet
@lang_option
@force_option
@guarded
def generate(output: Path, projects: int, districts: int, years: int, seed: int, base_year: int, lang: Lang,
             force: bool) -> None:
    """Write a valid, realistic scenario workbook of any size (illustrative data, for trials and benchmarks)."""
    last = LAST_YEAR  # each planning year gets quota rows, whose year column has the same bound
    if base_year + years - 1 > last:
        raise InputError([Problem(Severity.ERROR, "bad_option", Location(), {
            "option": "--base-year", "found": str(base_year),
            "expected": {"zh": f"不大于{last - years + 1}的年度（{years} 个规划年度须在{last}年以内）",
                         "en": f"a year ≤ {last - years + 1} (the {years} planning years must end by {last})"}})])
    check_output(output, Kind.SCENARIO, force=force)
    book = workbooks().generate(projects=projects, districts=districts, years=years, seed=seed, base_year=base_year,
                              lang=lang.value)
    path = book.write(output, force=force)
    out.print(t(lang, f"已生成 {projects} 个项目、{districts} 个区县、{years} 个年度：{path}",
                f"Generated {projects} projects, {districts} districts, {years} years: {path}"))


@app.command(cls=Command)
@click.argument("files", type=PATH, nargs=-1, required=True)
@click.option("--output", "-o", "output", type=PATH)
@lang_option
@click.option("--variants")
@case_options
@guarded
def compare(files: tuple[Path, ...], output: Path | None, lang: Lang, variants: str | None, workers: int | None,
            dask: str | None, time_limit: float | None, gap: float | None, wall_clock: bool, force: bool) -> None:
    """Compare alternatives against the first (base) case, in one workbook."""
    lib = library()
    lib.check_options(time_limit_s=time_limit, mip_gap=gap, dask=dask)
    target = output or default_output(files[0], "_comparison")
    check_output(target, Kind.COMPARISON, force=force, reads=tuple(Read(f, "compared") for f in files))
    with CaseBar(lib.ProgressBar, lang.value, ReadingBar(files, lang, err), err) as bar:
        try:
            comparison = lib.compare(files, variants=variants, workers=workers, dask=dask, time_limit_s=time_limit,
                                     mip_gap=gap, deterministic=not wall_clock, lang=lang.value, progress=bar,
                                     on_cases=bar.start, warn=warner(lang.value), reading=bar.reading)
        except lib.InputErrors as exc:  # each workbook's problems under its name
            bar.reading.stop()
            for name, problems in exc.by_source:
                err.print(name, style="bold")
                print_problems(problems, lang.value)
            raise Exit(1) from None
    path = comparison.write(target, lang.value, force=force)
    if report_cases(comparison, path, lang.value, ("比较结果已写出", "Comparison written"),
                    ("未得到方案的情形", "Cases without an allocation")):
        raise Exit(2)


@app.command(cls=Command)
@click.argument("file", type=PATH)
@click.option("--param", "-p", "param", multiple=True, required=True)
@click.option("--output", "-o", "output", type=PATH)
@lang_option
@click.option("--variant")
@click.option("--x", "x", default="investment_selected")
@click.option("--y", "y", default="average_output_per_mu")
@case_options
@guarded
def sweep(file: Path, param: tuple[str, ...], output: Path | None, lang: Lang, variant: str | None, x: str, y: str,
          workers: int | None, dask: str | None, time_limit: float | None, gap: float | None, wall_clock: bool,
          force: bool) -> None:
    """Solve a grid of settings and compare the points, with the trade-off curve of two KPIs."""
    lib = library()
    lib.check_options(time_limit_s=time_limit, mip_gap=gap, dask=dask)
    target = output or default_output(file, "_sweep")
    check_output(target, Kind.COMPARISON, force=force, reads=(Read(file, "scenario"),))

    with CaseBar(lib.ProgressBar, lang.value, ReadingBar([file], lang, err), err) as bar:
        def start(points: int) -> None:
            bar.reading.stop()
            err.print(t(lang, f"共 {points} 个扫描点。", f"{points} sweep points."))
            bar.start(points)

        swept = lib.sweep(file, list(param), variant=variant, x=x, y=y, workers=workers, dask=dask,
                          time_limit_s=time_limit, mip_gap=gap, deterministic=not wall_clock, lang=lang.value,
                          progress=bar, on_cases=start, warn=warner(lang.value), reading=bar.reading)
    path = swept.write(target, lang.value, force=force)
    if report_cases(swept, path, lang.value, ("扫描结果已写出", "Sweep written"),
                    ("未得到方案的扫描点", "Points without an allocation")):
        raise Exit(2)


@app.command(cls=Command)
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=click.IntRange(1, 65535), default=8765)
@click.option("--data", type=PATH)
@click.option("--workers", type=click.IntRange(min=1))
@click.option("--queue", type=click.IntRange(min=1), default=20)
@click.option("--shared", is_flag=True)
@click.option("--dask")
@click.option("--add-user", "add_user")
@click.option("--role", type=click.Choice(Role), default=Role.editor)
@lang_option
@guarded
def serve(host: str, port: int, data: Path | None, workers: int | None, queue: int, shared: bool, dask: str | None,
          add_user: str | None, role: Role, lang: Lang) -> None:
    """Start the workbench, a web page to keep, validate, run, explain, compare and roll over scenarios."""
    if add_user is not None:
        workbench().add_account(add_user, role.value, data, lang.value)
        return
    workbench().serve(host, port, data, workers=workers, queue_size=queue, shared=shared, dask=dask, lang=lang.value)


def main() -> None:
    """Run the `quota-opt` command (its entry point is `cli.main`, which calls this once loaded).

    Click ends a command line it cannot parse (an unknown option, a missing argument, no command) with exit 2,
    which here means a solver failure; such a line is the user's input, so it exits 1, as other input errors do.
    SIGTERM and the streams are set up as `cli.main` sets them (again, for `python -m quota_opt.cli.app`).
    """
    handle_sigterm()
    tolerant_streams()
    try:
        # not in click's standalone mode, which answers Ctrl-C (or our SIGTERM) while it parses with
        # "Aborted!" and exit 1: here it ends as it ends anywhere outside the solve, 130 (143)
        returned = app.main(standalone_mode=False)
        code = returned if isinstance(returned, int) else 0  # click returns an Exit's code, else the command's None
    except (click.exceptions.Abort, KeyboardInterrupt):
        code = TERMINATED if is_termination(KeyboardInterrupt()) else INTERRUPTED
    except NoArgsIsHelpError as exc:  # `quota-opt` alone: its help, on stderr, as a console can show it
        console_file(stderr=True).write(exc.format_message() + "\n")
        code = exc.exit_code
    except click.ClickException as exc:  # none expected: usage errors are answered by usage.py
        exc.show()
        code = exc.exit_code
    sys.exit(1 if code == 2 and not _state.get("parsed") else code)

if __name__ == "__main__":
    main()

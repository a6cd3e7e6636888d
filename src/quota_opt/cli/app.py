"""The `quota-opt` command line: a thin layer over the library.

Each command parses its options, calls the library, and prints the outcome. Domain errors become
one clear message (in the chosen language) and an exit code; `--debug` shows the traceback.

Exit codes: 0 success (warnings allowed) · 1 input errors · 2 model or solver failure ·
3 infeasible scenario (with a report) · 4 output could not be written where asked · 70 internal error ·
130 Ctrl-C and 143 SIGTERM outside the solve (in it, both keep the best allocation found).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Any

import click
from click.exceptions import Exit
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from quota_opt.cli.console import tolerant_streams
from quota_opt.cli.help import LocalizedHelp, localize_command
from quota_opt.cli.printing import err, out, plain_console, print_error, print_problems, t
from quota_opt.cli.signals import INTERRUPTED, TERMINATED, Terminated, handle_sigterm, is_termination
from quota_opt.cli.usage import LANG_OPTION, line_lang, usage_errors
from quota_opt.core.errors import InputError, Location, Problem, QuotaOptError, Severity
from quota_opt.core.files import Kind, Read, fit_name, name_max, target_problems
from quota_opt.core.messages import EXPLAIN_WORDS, column_words, os_error_text, sheet_words
from quota_opt.core.results_schema import SUMMARY_ROWS, termination_word
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


@app.command(cls=Command)
@click.option("--output", "-o", "output", type=PATH, required=True)
@lang_option
@force_option
@guarded
def template(output: Path, lang: Lang, force: bool) -> None:
    """Write a blank, ready-to-fill scenario workbook (an existing file is replaced only with --force).

    Exit 0 when written, 1 when the name is not .xlsx or the file exists, 4 when it could not be written
    there (it is then saved under a fallback name, which the message gives).
    """
    from quota_opt.output.template import write_template

    check_output(output, Kind.SCENARIO, force=force)
    path = write_template(output, lang.value, force=force)
    out.print(t(lang, f"已写出模板：{path}", f"Template written: {path}"))


@app.command(cls=Command)
@click.argument("file", type=PATH)
@lang_option
@click.option("--annotate", type=PATH)
@force_option
@guarded
def validate(file: Path, lang: Lang, annotate: Path | None, force: bool) -> None:
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
    raise Exit(1)


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
        raise Exit(3)
    if not result.ok:
        err.print(t(lang, f"求解未得到可行方案：{termination_word(sol.termination, 'zh')}",
                    f"The solver found no allocation: {sol.termination}"), style="red")
        raise Exit(2)
    if sol.status == Status.FEASIBLE:
        gap_text = "—" if sol.gap is None else f"{sol.gap:.3%}"
        err.print(t(lang, f"求解提前停止（{termination_word(sol.termination, 'zh')}），已保留当前最好方案"
                          f"（间隙 {gap_text}）。",
                    f"The solve stopped ({sol.termination}); the best allocation found is kept "
                    f"(gap {gap_text})."), style="yellow")
    print_run_summary(result, path, lang.value)
    if model_not_written:
        raise Exit(4)


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
@click.argument("results_file", type=PATH)
@click.option("--output", "-o", "output", type=PATH, required=True)
@click.option("--year", type=int, required=True)
@lang_option
@click.option("--scenario", type=PATH)
@force_option
@guarded
def rollover(results_file: Path, output: Path, year: int, lang: Lang, scenario: Path | None, force: bool) -> None:
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
@click.argument("files", type=PATH, nargs=-1, required=True)
@click.option("--output", "-o", "output", type=PATH)
@lang_option
@click.option("--variants")
@click.option("--workers", type=click.IntRange(min=1))
@click.option("--dask")
@click.option("--time-limit", "time_limit", type=float)
@click.option("--gap", type=float)
@wall_clock_option
@force_option
@guarded
def compare(files: tuple[Path, ...], output: Path | None, lang: Lang, variants: str | None, workers: int | None,
            dask: str | None, time_limit: float | None, gap: float | None, wall_clock: bool, force: bool) -> None:
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
        raise Exit(1)
    solve = cmp.SolveSettings(time_limit_s=time_limit, mip_gap=gap, deterministic=not wall_clock)
    with cmp.ProgressBar(sum(isinstance(c, cmp.Case) for c in cases), lang.value, err) as bar:
        results = cmp.run_cases(cases, workers=workers, dask=dask, solve=solve, progress=bar)
    path = cmp.write_comparison(results, target, lang.value, reads=reads, force=force)
    _report_cases(results, path, lang, None, ("比较结果已写出", "Comparison written"),
                  ("未得到方案的情形", "Cases without an allocation"))


@app.command(cls=Command)
@click.argument("file", type=PATH)
@click.option("--param", "-p", "param", multiple=True, required=True)
@click.option("--output", "-o", "output", type=PATH)
@lang_option
@click.option("--variant")
@click.option("--x", "x", default="investment_selected")
@click.option("--y", "y", default="average_output_per_mu")
@click.option("--workers", type=click.IntRange(min=1))
@click.option("--dask")
@click.option("--time-limit", "time_limit", type=float)
@click.option("--gap", type=float)
@wall_clock_option
@force_option
@guarded
def sweep(file: Path, param: tuple[str, ...], output: Path | None, lang: Lang, variant: str | None, x: str, y: str,
          workers: int | None, dask: str | None, time_limit: float | None, gap: float | None, wall_clock: bool,
          force: bool) -> None:
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
        raise Exit(2)


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
    except click.ClickException as exc:  # `quota-opt` alone (its help); usage errors are answered by usage.py
        exc.show()
        code = exc.exit_code
    sys.exit(1 if code == 2 and not _state.get("parsed") else code)

if __name__ == "__main__":
    main()

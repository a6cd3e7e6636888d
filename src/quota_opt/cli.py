"""The `quota-opt` command line: a thin layer over the library.

Each command parses its options, calls the library, and prints the outcome. Domain errors become
one clear message (in the chosen language) and an exit code; `--debug` shows the traceback.

Exit codes: 0 success (warnings allowed) · 1 input errors · 2 model or solver failure ·
3 infeasible scenario (with a report) · 4 output could not be written where asked · 70 internal error.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from quota_opt.errors import InputError, QuotaOptError

app = typer.Typer(
    name="quota-opt",
    help="Allocate construction-land and energy quotas to major industrial projects (Hangzhou 一盘棋 policy).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_state: dict[str, Any] = {"debug": False}


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LangOpt = Annotated[Lang, typer.Option("--lang", "-l", help="Language of messages and workbooks: zh or en.")]


def t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn product errors into a clear message and exit code; anything else into exit 70 without a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = str(kwargs.get("lang", "zh"))
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
            err.print(f"[bold red]{t(lang, '错误', 'Error')}:[/] {exc.report(lang)}", markup=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print(t(lang, "已中断。", "Interrupted."))
            raise typer.Exit(130) from None
        except Exception as exc:
            if _state["debug"]:
                traceback.print_exc()
            err.print(
                f"[bold red]{t(lang, '内部错误', 'Internal error')}:[/] {type(exc).__name__}: {exc}\n"
                + t(lang, "请加 --debug 重新运行并将输出报告给开发者。",
                    "Run again with --debug and report the output to the developers."),
                markup=True,
            )
            raise typer.Exit(70) from None

    return wrapper


def print_problems(problems: list[Any], lang: str) -> None:
    errors = [p for p in problems if p.is_error]
    warnings_ = [p for p in problems if not p.is_error]
    if errors:
        err.print(f"[bold red]{t(lang, f'错误（{len(errors)} 项）', f'{len(errors)} error(s)')}[/]", markup=True)
        for p in errors:
            err.print(f"  [red]✗[/] {p.message(lang)}", markup=True)
    if warnings_:
        err.print(f"[bold yellow]{t(lang, f'提示（{len(warnings_)} 项）', f'{len(warnings_)} warning(s)')}[/]",
                  markup=True)
        for p in warnings_:
            err.print(f"  [yellow]![/] {p.message(lang)}", markup=True)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    _state["debug"] = debug


@app.command()
@guarded
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="Workbook to write (.xlsx).")],
    lang: LangOpt = Lang.zh,
) -> None:
    """Write a blank, ready-to-fill scenario workbook."""
    from quota_opt.io.template import write_template

    path = write_template(output, lang.value)
    out.print(t(lang, f"已写出模板：{path}", f"Template written: {path}"))


@app.command()
@guarded
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario workbook (.xlsx).")],
    lang: LangOpt = Lang.zh,
    annotate: Annotated[Path | None, typer.Option("--annotate", help="Write a copy with problems marked.")] = None,
) -> None:
    """Check a scenario workbook and list every problem with its sheet, row and column.

    Exit 0 when there are no errors (warnings allowed), 1 otherwise.
    """
    from quota_opt.validate import validate_workbook

    with reading_progress(file, lang) as progress:
        report = validate_workbook(file, progress=progress)
    print_problems(report.problems, lang.value)
    if annotate is not None and report.problems and file.is_file() and not any(
        p.code in {"corrupt_file", "encrypted_file", "unsupported_format", "unreadable_file"} for p in report.problems
    ):
        from quota_opt.io.annotate import annotate_workbook

        path = annotate_workbook(file, report.problems, annotate, lang.value)
        out.print(t(lang, f"已写出标注副本：{path}", f"Annotated copy written: {path}"))
    if report.ok:
        sc = report.scenario
        assert sc is not None
        out.print(t(lang,
                    f"[green]✓[/] 校验通过：{len(sc.districts)} 个区县、{len(sc.projects)} 个项目、"
                    f"{sc.settings.horizon_years} 个规划年度（{sc.settings.base_year}–{sc.settings.last_year}）。",
                    f"[green]✓[/] Valid: {len(sc.districts)} districts, {len(sc.projects)} projects, "
                    f"{sc.settings.horizon_years} planning years ({sc.settings.base_year}–{sc.settings.last_year})."),
                  markup=True)
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
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task(t(lang, "读取中…", "Reading…"))

        def update(rows: int) -> None:
            bar.update(task, description=t(lang, f"已读取 {rows:,} 行", f"{rows:,} rows read"))

        yield update


def main() -> None:
    """Entry point of the `quota-opt` command."""
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)


if __name__ == "__main__":
    main()

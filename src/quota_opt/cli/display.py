"""What the commands show on the terminal beyond a line: the reading and solving progress, the notice on Ctrl-C
during the solve, the run's summary table, an explanation and its thresholds, the notes of a rollover, the
cases of a comparison."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from quota_opt.cli.printing import err, out, plain_console, t
from quota_opt.cli.signals import Terminated
from quota_opt.core.messages import EXPLAIN_WORDS, column_words, sheet_words, solves_text
from quota_opt.core.results_schema import SUMMARY_ROWS

BIG_WORKBOOK = 1_000_000  # bytes: a workbook this large shows a reading line on a terminal


class ReadingBar:
    """A progress line while large workbooks (over ~1 MB) are read, on a terminal; nothing otherwise. Called
    with the rows read so far (the library's `reading` hook); `stop` ends it, before another display starts."""

    def __init__(self, files: Sequence[Path], lang: str, console: Console = err):
        self.lang = lang
        self.console = console
        self.big = console.is_terminal and any(_size(f) > BIG_WORKBOOK for f in files)
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, rows: int) -> None:
        if not self.big:
            return
        if self.bar is None:
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=self.console,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task(t(self.lang, "读取中…", "Reading…"))
        self.bar.update(self.task, description=t(self.lang, f"已读取 {rows:,} 行", f"{rows:,} rows read"))

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> ReadingBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _size(file: Path) -> int:
    try:
        return file.stat().st_size if file.is_file() else 0
    except OSError:
        return 0


class CaseBar:
    """The progress of `compare` and `sweep`: the library's `ProgressBar` (`progress_bar`), started by the
    library's `on_cases` hook once the number of cases to solve is known, after the reading line has gone."""

    def __init__(self, progress_bar: Any, lang: str, reading: ReadingBar, console: Console = err):
        self.progress_bar, self.lang, self.reading, self.console = progress_bar, lang, reading, console
        self.bar: Any = None

    def start(self, total: int) -> None:
        self.reading.stop()
        self.bar = self.progress_bar(total, self.lang, self.console).__enter__()

    def __call__(self, done: int, total: int, result: Any) -> None:
        if self.bar is not None:
            self.bar(done, total, result)

    def __enter__(self) -> CaseBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        self.reading.stop()


class SolveDisplay:
    """Stage lines on stderr, and the solver's gap as it improves when the solve takes more than a moment."""

    def __init__(self, lang: str, reading: ReadingBar | None = None, console: Console = err):
        self.lang = lang
        self.reading = reading
        self.console = console
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
        self.console.print(f"▸ {t(self.lang, zh, en)}…", style="dim")
        if name == "solve" and self.console.is_terminal:
            self.started = time.perf_counter()
            self.status = self.console.status(t(self.lang, "求解中…", "Solving…"))
            self.status.start()

    def progress(self, p: Any) -> None:
        if self.status is None or p.objective is None:
            return
        gap = "—" if p.gap is None else f"{p.gap:.3%}"
        bound = "—" if p.best_bound is None else f"{p.best_bound:,.2f}"
        self.status.update(t(self.lang, f"求解中 {p.elapsed_s:5.1f}s  目标 {p.objective:,.2f}  上界 {bound}  间隙 {gap}",
                             f"Solving {p.elapsed_s:5.1f}s  objective {p.objective:,.2f}  bound {bound}  gap {gap}"))

    def stop(self) -> None:
        if self.reading is not None:
            self.reading.stop()
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
    """The summary's headline rows as a table on stdout (`result`: the library's `Run`), then where it went."""
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


def print_explanation(ex: Any, project_id: str, lang: str, flip_text: Any, amount_text: Any,
                      meaning_text: Any) -> None:
    """Why one project got what it got (`ex`: the library's `Explanation`) and the thresholds that flip it, with
    `flip_text`, `amount_text` and `meaning_text` (the library's) to show a threshold, an amount and what the
    threshold means."""
    words = {key: pair[0 if lang == "zh" else 1] for key, pair in EXPLAIN_WORDS.items()}
    if ex.source:
        out.print(ex.source[lang])
    r = ex.row
    out.print(Text.assemble((project_id, "bold"), f" {r['name']}  ({r['district_id']}, {r['chain_id']})"))
    # named as the allocation sheet heads them (综合得分, 用地需求, 年综合能耗) and the thresholds below name them
    facts = t(lang, f"综合得分 {r['score']:.4f}，用地需求 {r['land_demand']:,.1f} 亩，"
                    f"年综合能耗 {r['energy_demand']:,.0f} 吨标准煤，{'已安排' if ex.selected else '未安排'}",
              f"score {r['score']:.4f}, land demand {r['land_demand']:,.1f} mu, "
              f"energy demand {r['energy_demand']:,.0f} tce, {'selected' if ex.selected else 'not selected'}")
    out.print(facts)
    out.print(ex.reason[lang])
    if ex.thresholds:
        table = Table(title=t(lang, "改变决定的最小变化（重新求解得出）", "Smallest change that flips the decision (re-solved)"))
        for head in (t(lang, "因素", "factor"), t(lang, "当前", "now"), t(lang, "临界值", "flips at"), t(lang, "含义", "meaning")):
            table.add_column(head, overflow="fold")  # Chinese has no space to wrap at: fold, not cut to "…"
        for th in ex.thresholds:
            flip = flip_text(th, lang)
            if not th.exact and th.flip_at is not None:
                flip = words["approximate"].format(value=flip)
            table.add_row(th.label[lang], amount_text(th.current, th.unit, lang), flip, meaning_text(th, lang))
        out.print(table)
        out.print(words["neighbourhood"])
        out.print(solves_text(ex.solves, ex.skipped, ex.seconds, lang))


def print_rollover_note(note: Any, lang: str) -> None:
    """What the rollover did (`note`: `studies.rollover.RolloverNote`): projects recorded and removed on stdout,
    then on stderr, in yellow, what the user should check in the new scenario."""
    actuals = sheet_words("actuals", lang)
    out.print(t(lang, f"记入{actuals}的项目：{len(note.recorded)} 个；已完成并移出：{len(note.dropped)} 个。",
                f"Projects recorded on {actuals}: {len(note.recorded)}; completed and removed: {len(note.dropped)}."))
    if note.window_extended:
        projects, latest = sheet_words("projects", lang), column_words("projects", ["latest_year"])
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
        sheet = sheet_words("variants", lang)
        kept = ", ".join(note.kept_variants)
        err.print(t(lang, f"已按结果记录的方案变体“{note.variant}”结转：该变体的调整已并入新方案的参数和指标，并已从{sheet}中移除"
                          + (f"；其余变体（{kept}）保留原样，今后将叠加在这些参数和指标之上，请核对。" if kept else "。"),
                    f'Rolled over under variant "{note.variant}", as the results record: its overrides are now part of '
                    f"the new scenario's settings and quotas, and it has been removed from {sheet}"
                    + (f"; the other variants ({kept}) are kept as they were and now apply on top of them: check them."
                       if kept else "."),
                    ), style="yellow")

    if note.stale_variant_years:
        sheet = sheet_words("variants", lang)
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
    platforms, capacity = sheet_words("platforms", lang), column_words("platforms", ["land_capacity"])
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
        quotas = [sheet_words(key, lang) for key in ("district_quotas", "city_quotas")]
        err.print(t(lang, f"{years} 年的指标暂按最后一年复制，请在{quotas[0]}和{quotas[1]}中填入实际下达数。",
                    f"Quotas for {years} were copied from the last year; replace them with the real figures "
                    f"on {quotas[0]} and {quotas[1]}."), style="yellow")


def report_cases(comparison: Any, path: Path, lang: str, written: tuple[str, str],
                 failed_words: tuple[str, str]) -> bool:
    """The terminal end of `compare` and `sweep`: the cases' table, where the workbook went, the cases
    without an allocation. True when no case has one."""
    out.print(comparison.table(lang))
    out.print(t(lang, f"{written[0]}：{path}", f"{written[1]}: {path}"))
    failed = [r.name for r in comparison.results if not r.ok]
    if failed:
        err.print(t(lang, f"{failed_words[0]}（见工作簿）：{'、'.join(failed)}",
                    f"{failed_words[1]} (see the workbook): {', '.join(failed)}"), style="yellow")
    return len(failed) == len(comparison.results)


class ExplainDisplay:
    """The re-solves of `explain` on stderr: a status line from their start (the library's `on_stage`), after
    the reading line, updated with the re-solves done, the estimate of those left and the time."""

    def __init__(self, lang: str, reading: ReadingBar, console: Console = err):
        self.lang, self.reading, self.console = lang, reading, console
        self.words = {key: pair[0 if lang == "zh" else 1] for key, pair in EXPLAIN_WORDS.items()}
        self.status: Any = None

    def stage(self, name: str) -> None:
        self.reading.stop()
        self.status = self.console.status(t(self.lang, "正在重新求解以寻找临界值…", "Re-solving to find the thresholds…"))
        self.status.start()

    def progress(self, done: int, total: int, elapsed: float) -> None:
        if self.status is not None:
            left = elapsed / done * (total - done) if done else 0.0
            self.status.update(self.words["progress"].format(done=done, total=total, elapsed=elapsed, left=left))

    def __enter__(self) -> ExplainDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reading.stop()
        if self.status is not None:
            self.status.stop()
            self.status = None

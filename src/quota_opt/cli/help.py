"""Every `--help` text of the command line, in Chinese and English, and how a command's help is laid out.

`--help` speaks the language of the line (its --lang, before or after the command), else Chinese, the product's
default. The texts live here (the commands' docstrings in app.py document the code and are replaced):
`localize_command` sets them on the click command tree before click prints the help, through click's public
attributes (`Command.help`, `Parameter.help`, `options_metavar`, `subcommand_metavar`), and `LocalizedHelp` lays
the help out: the usage line, the command's paragraphs, then its arguments, options and commands, each row with
its value's type, default and [required] in the help's language. Rich wraps it at the terminal's width, Chinese
included (click's own layout counts a Chinese character as one column and overflows the line).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from io import StringIO
from typing import Any

import click
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from quota_opt.cli.console import console_file

# command -> (zh, en); "" is the group. Paragraphs are separated by a blank line.
COMMANDS: dict[str, tuple[str, str]] = {
    "": (
        "按杭州市“一盘棋”产业链精准招商工作制度，为重大产业项目分配新增建设用地指标和能耗指标。",
        "Allocate construction-land and energy quotas to major industrial projects (Hangzhou 一盘棋 policy).",
    ),
    "template": (
        "写出一份空白、可直接填写的方案工作簿（已有同名文件时，只有加 --force 才替换）。\n\n"
        "退出码：0 已写出；1 文件名不是 .xlsx 或文件已存在；4 无法写到该处（已另存，提示中给出文件名）。",
        "Write a blank, ready-to-fill scenario workbook (an existing file is replaced only with --force).\n\n"
        "Exit 0 when written, 1 when the name is not .xlsx or the file exists, 4 when it could not be written "
        "there (it is then saved under a fallback name, which the message gives).",
    ),
    "validate": (
        "检查方案工作簿，逐项列出每个问题所在的工作表、行和列。\n\n退出码：0 没有错误（可有提示）；1 有错误。",
        "Check a scenario workbook and list every problem with its sheet, row and column.\n\n"
        "Exit 0 when there are no errors (warnings allowed), 1 otherwise.",
    ),
    "run": (
        "读取、校验、建模、求解，并写出结果工作簿。\n\n"
        "退出码：0 已写出分配方案（最优，或在求解时限内、按 Ctrl-C 前找到的最好方案）；1 输入有误；2 求解器没有找到方案；"
        "3 方案不可行（结果工作簿说明原因）；4 结果无法写到指定位置；130 在求解以外的阶段按了 Ctrl-C（不写出结果）。",
        "Read, validate, build, solve and write the results workbook.\n\n"
        "Exit 0 when an allocation was written (optimal, or the best found within the time limit or before "
        "Ctrl-C), 1 on input errors, 2 when the solver found no allocation, 3 when the scenario is infeasible (the "
        "workbook then explains why), 4 when the results could not be written where asked, 130 on Ctrl-C outside "
        "the solve (no results are written).",
    ),
    "explain": (
        "说明一个项目为什么得到现在的结果，以及最少改变什么会改变这一决定。\n\n"
        "给出结果工作簿时，解释的是其中已采用方案的决定和原因；给出方案工作簿时，解释重新求解的结果。临界值（综合得分、"
        "用地需求、起制约作用的指标）通过重新求解得出。",
        "Why one project got what it got, and the smallest change that would flip the decision.\n\n"
        "Given a results workbook, the decision and reason explained are the adopted plan's in it; given a "
        "scenario, those of a new solve. The thresholds (score, land demand, its binding quota) are found by "
        "re-solving the allocation.",
    ),
    "rollover": (
        "写出下一年度的方案：到 YEAR 年为止的供地记为执行数据，基准年度后移一年。\n\n"
        "在方案变体下计算的方案（run --variant）按该变体结转；该变体移出方案变体表，其余变体保留。\n\n"
        "不会覆盖输入文件（结果工作簿及其方案工作簿）；已有同名文件时只有加 --force 才替换。退出码：0 已写出；"
        "1 输入有误；4 无法写到指定位置（已另存，提示中给出文件名）。",
        "Write next year's scenario: the plan's supply up to YEAR becomes actuals, the base year advances.\n\n"
        "A plan computed under a variant (run --variant) is rolled over with that variant applied, as the plan saw "
        "the scenario; the variant leaves the variants sheet, the others are kept.\n\n"
        "Never writes over its inputs (the results workbook and the plan's scenario); an existing file is "
        "replaced only with --force. Exit 0 when written, 1 on input errors, 4 when the scenario could not be "
        "written where asked (it is then saved under a fallback name, which the message gives).",
    ),
    "generate": (
        "写出任意规模、可通过校验的仿真方案工作簿（虚构数据，用于试算和性能测试）。\n\n"
        "已有同名文件时只有加 --force 才替换。退出码：0 已写出；1 文件名不是 .xlsx 或文件已存在；4 无法写到该处（已另存）。",
        "Write a valid, realistic scenario workbook of any size (illustrative data, for trials and benchmarks).\n\n"
        "An existing file is replaced only with --force. Exit 0 when written, 1 when the name is not .xlsx or the "
        "file exists, 4 when it could not be written there (it is then saved under a fallback name).",
    ),
    "compare": (
        "比较多个方案：各项指标及其与第一个（基准）方案的差值、决定有变化的项目、各区县各年度的用地和能耗，以及图表，"
        "写在一个工作簿中。\n\n"
        "各方案并行求解，每个方案用一个 HiGHS 线程，结果与单独运行相同。某个方案失败（不可行、无解、出错）时在工作簿中"
        "说明，其余照常比较。退出码：0 已写出比较结果；1 输入有误；2 没有一个方案能求解。",
        "Compare alternatives: KPIs with their differences against the first (base) case, the projects whose "
        "decision changes, land and energy per district and year, and charts, in one workbook.\n\n"
        "Cases run in parallel, one HiGHS thread each, so the numbers are those of a run on its own. A case "
        "that fails (infeasible, no solution, an error) is reported in the workbook and the others go on. "
        "Exit 0 when the comparison was written, 1 on input errors, 2 when no case could be solved.",
    ),
    "sweep": (
        "对一组参数取值逐一求解（如 --param w_output_per_mu=0:1:0.1）并比较：与第一个取值比较的工作簿，以及两项指标的"
        "权衡曲线及其非劣点。\n\n"
        "求解前先按参数设置的范围检查取值。退出码：0 已写出工作簿（失败的取值在其中说明）；1 输入有误；2 没有一个取值能求解。",
        "Solve a grid of settings (e.g. --param w_output_per_mu=0:1:0.1) and compare the points: the comparison "
        "workbook against the first point, plus the trade-off curve of two KPIs with its non-dominated points.\n\n"
        "Values are checked against the settings' bounds before anything is solved. Exit 0 when the workbook "
        "was written (failed points are reported in it), 1 on input errors, 2 when no point could be solved.",
    ),
    "serve": (
        "启动工作台：一个网页，用于保存、校验、计算、解释、比较和结转方案。\n\n"
        "默认只在本机（127.0.0.1）提供服务，可用 --host 改变；在其他地址上，须先建立账号（quota-opt serve --add-user "
        "用户名 --role editor）才会启动。按 Ctrl-C 停止。",
        "Start the workbench, a web page to keep, validate, run, explain, compare and roll over scenarios.\n\n"
        "Serves on 127.0.0.1 unless --host says otherwise; on any other address it refuses to start until accounts "
        "exist (quota-opt serve --add-user NAME --role editor). Stop it with Ctrl-C.",
    ),
}

_LANG = ("消息和工作簿的语言：zh（中文）或 en（英文）。", "Language of messages and workbooks: zh or en.")
_FORCE = ("输出工作簿已存在时替换它。", "Replace the output workbook if it exists.")
_SCENARIO_FILE = ("方案工作簿（.xlsx）。", "Scenario workbook (.xlsx).")
_GAP = ("相对最优性间隙，如 0.001 即 0.1%（默认取参数设置）。", "Relative MIP gap, e.g. 0.001 = 0.1% (default: settings).")
_DASK = ("在 Dask 集群上求解：调度器地址（tcp://host:8786）或 local。",
         "Solve on a Dask cluster: a scheduler address (tcp://host:8786), or local.")

# (command, parameter name) -> (zh, en); "*" is any command.
PARAMS: dict[tuple[str, str], tuple[str, str]] = {
    ("", "debug"): ("出错时显示调用栈（供开发者排查）。", "Show tracebacks for errors."),
    ("", "lang"): ("其后命令的消息和工作簿语言（命令自己的 --lang 优先）：zh 或 en。",
                   "Language of messages and workbooks for the command that follows (its own --lang, if given, "
                   "wins): zh or en."),
    ("*", "lang"): _LANG,
    ("*", "force"): _FORCE,
    ("*", "help"): ("显示本帮助并退出。", "Show this message and exit."),
    ("*", "wall_clock"): ("按实际秒数计算每个方案的求解时限，而不是按求解器的计算量：机器繁忙时停得较快，但同一输入可能得到"
                          "不同的方案。默认把时限折算为固定的分支定界计算量（一个 HiGHS 线程），同一输入在任何负载下得到同一方案。",
                          "Count each case's time limit in seconds, not in solver work: faster to stop on a busy "
                          "machine, but the same input may then give another plan. By default the limit is turned "
                          "into a fixed amount of branch-and-bound work (one HiGHS thread), so the same input gives "
                          "the same plan at any load."),
    ("template", "output"): ("要写出的工作簿（.xlsx）。", "Workbook to write (.xlsx)."),
    ("validate", "file"): _SCENARIO_FILE,
    ("validate", "annotate"): ("另写一份标出问题的副本。", "Write a copy with problems marked."),
    ("run", "file"): _SCENARIO_FILE,
    ("run", "output"): ("结果工作簿（默认：<输入文件名>_results.xlsx）。",
                        "Results workbook (default: <input>_results.xlsx)."),
    ("run", "time_limit"): ("求解时限，秒（默认取参数设置）。", "Solver time limit in seconds (default: settings)."),
    ("run", "gap"): _GAP,
    ("run", "threads"): ("求解器线程数，0 为自动（默认取参数设置）。", "Solver threads, 0 = automatic (default: settings)."),
    ("run", "write_model"): ("同时把模型导出为 .mps 或 .lp 文件。", "Also export the model as .mps or .lp."),
    ("run", "variant"): ("按方案变体表中的这一变体计算。", "Run this variant from the variants sheet."),
    ("run", "backend"): ("求解接口：auto（自动）、pyomo（pyomo.contrib.solver）或 highs（批量）。",
                         "auto, pyomo (pyomo.contrib.solver) or highs (bulk)."),
    ("explain", "file"): ("方案工作簿或结果工作簿。", "A scenario workbook or a results workbook."),
    ("explain", "project_id"): ("要解释的项目编号。", "The project to explain."),
    ("explain", "scenario"): ("FILE 为结果工作簿且方案工作簿不在其旁边时，指定方案工作簿。",
                              "The scenario, when FILE is a results workbook not beside it."),
    ("explain", "variant"): ("在这一方案变体下解释。", "Explain within this variant."),
    ("explain", "time_limit"): ("每次重新求解的时限（秒）。", "Time limit per re-solve (s)."),
    ("explain", "workers"): ("重新求解的并行进程数（默认：可用的处理器核数，最多 4）；1 为逐个求解。",
                             "Worker processes for the re-solves (default: the cores available, up to 4); 1 solves "
                             "them one after the other."),
    ("rollover", "results_file"): ("已采用的方案：一个结果工作簿。", "The adopted plan: a results workbook."),
    ("rollover", "output"): ("要写出的下一年度方案工作簿。", "Next year's scenario workbook to write."),
    ("rollover", "year"): ("其供地已成为事实的年度（通常为基准年度）。",
                           "The year whose supply is now fact (usually the base year)."),
    ("rollover", "scenario"): ("方案工作簿不在结果旁边时，指定该方案工作簿。",
                               "The plan's scenario, when not beside the results."),
    ("generate", "output"): ("要写出的方案工作簿。", "Scenario workbook to write."),
    ("generate", "projects"): ("候选项目数。", "Number of candidate projects."),
    ("generate", "districts"): ("区县数。", "Number of districts."),
    ("generate", "years"): ("规划年数。", "Planning years."),
    ("generate", "seed"): ("随机种子：种子相同，工作簿相同。", "Random seed: the same seed gives the same workbook."),
    ("generate", "base_year"): ("规划的第一年。", "First planning year."),
    ("compare", "files"): ("方案工作簿（将求解）或结果工作簿（直接读取）；第一个为基准方案。",
                           "Scenario workbooks (solved) or results workbooks (read); the first is the base case."),
    ("compare", "output"): ("比较工作簿（默认：<第一个文件名>_comparison.xlsx）。",
                            "Comparison workbook (default: <first>_comparison.xlsx)."),
    ("compare", "variants"): ("比较一个工作簿的基准方案与其方案变体：all（全部），或 变体1,变体2。",
                              "Compare one workbook's base case with its variants: all, or name1,name2."),
    ("compare", "workers"): ("并行进程数（默认：可用的处理器核数）；1 为逐个求解。",
                             "Worker processes (default: the cores available); 1 solves one case after the other."),
    ("compare", "dask"): _DASK,
    ("compare", "time_limit"): ("每个方案的求解时限，秒（默认取参数设置）。",
                                "Solver time limit per case in seconds (default: settings)."),
    ("compare", "gap"): _GAP,
    ("sweep", "file"): _SCENARIO_FILE,
    ("sweep", "param"): ("一个参数及其取值：参数=起:止:步长（含终点）或 参数=值1,值2。重复使用构成网格（所有组合）。",
                         "A setting and its values: key=start:stop:step (stop included) or key=v1,v2. Repeat for a "
                         "grid (every combination)."),
    ("sweep", "output"): ("比较工作簿（默认：<输入文件名>_sweep.xlsx）。", "Comparison workbook (default: <input>_sweep.xlsx)."),
    ("sweep", "variant"): ("在方案变体表中的这一变体基础上扫描。", "Sweep around this variant from the variants sheet."),
    ("sweep", "x"): ("权衡曲线横轴的指标：其键或概览表中的名称（越大越好；前加 - 为越小越好）。",
                     "KPI on the trade-off's x axis: its key or its name on the summary sheet (maximised; a leading "
                     "- minimises)."),
    ("sweep", "y"): ("权衡曲线纵轴的指标：其键或概览表中的名称（越大越好；前加 - 为越小越好）。",
                     "KPI on the trade-off's y axis: its key or its name on the summary sheet (maximised; a leading "
                     "- minimises)."),
    ("sweep", "workers"): ("并行进程数（默认：可用的处理器核数）；1 为逐个求解。",
                           "Worker processes (default: the cores available); 1 solves one point after the other."),
    ("sweep", "dask"): _DASK,
    ("sweep", "time_limit"): ("每个取值的求解时限，秒（默认取参数设置）。",
                              "Solver time limit per point in seconds (default: settings)."),
    ("sweep", "gap"): _GAP,
    ("serve", "host"): ("提供服务的地址。127.0.0.1（本机）以外的地址须先建立账号（--add-user）。",
                        "Address to serve on. Any but 127.0.0.1 (this machine) needs accounts (--add-user)."),
    ("serve", "port"): ("端口。", "Port."),
    ("serve", "data"): ("工作台数据库和工作簿所在的文件夹（默认：~/.local/share/quota-opt）。",
                        "Folder of the workbench's database and workbooks (default: ~/.local/share/quota-opt)."),
    ("serve", "workers"): ("并行进程数，每个进程求解一个任务（默认：可用的处理器核数）。",
                           "Worker processes, one solve each (default: the cores available)."),
    ("serve", "queue"): ("可排队等待的任务数；超出的任务将被拒绝。", "Jobs that may wait for a worker; more are refused."),
    ("serve", "shared"): ("所有账号共用全部方案库（默认：各账号各自一个）。",
                          "Every account sees every library (default: each its own)."),
    ("serve", "dask"): ("在此 Dask 调度器上计算比较和参数扫描。", "Solve comparisons and sweeps on this Dask scheduler."),
    ("serve", "add_user"): ("建立一个账号（询问密码，或从标准输入读取）后退出。",
                            "Create an account (password asked, or read from stdin) and exit."),
    ("serve", "role"): ("新账号的角色：editor（上传、计算、删除，默认只看到自己的方案库）或 viewer（查看、下载全部方案库）。",
                        "The new account's role: editor (upload, run, delete; sees its own library unless --shared) or "
                        "viewer (reads and downloads every library)."),
}

# the help's section titles, its first word and the fixed words beside an option, in the language of the help
SECTIONS = {"arguments": ("参数：", "Arguments:"), "options": ("选项：", "Options:"), "commands": ("命令：", "Commands:")}
USAGE = ("用法：", "Usage: ")
DEFAULT = ("[默认：{}]", "[default: {}]")
REQUIRED = ("[必填]", "[required]")
_METAVARS = {"options_metavar": ("[选项]", "[OPTIONS]"), "subcommand_metavar": ("命令 [参数]...", "COMMAND [ARGS]...")}


def _pick(texts: tuple[str, str], lang: str) -> str:
    return texts[0] if lang == "zh" else texts[1]


def command_help(name: str, lang: str) -> str | None:
    """The help of command `name` ("" the group) in `lang`, None for a command without one."""
    texts = COMMANDS.get(name)
    return _pick(texts, lang) if texts else None


def param_help(command: str, param: str, lang: str) -> str | None:
    """The help of parameter `param` of `command` ("" the group) in `lang`, None when there is none."""
    texts = PARAMS.get((command, param)) or PARAMS.get(("*", param))
    return _pick(texts, lang) if texts else None


def localize_command(name: str, command: click.Command, lang: str) -> None:
    """Command `name`'s help and its parameters' in `lang` (in place); for the group, each of its commands' too."""
    text = command_help(name, lang)
    if text is not None:
        command.help = text
        command.short_help = paragraphs(text)[0]  # the whole first paragraph in the list of commands
    command.help_lang = lang  # type: ignore[attr-defined]  # read by LocalizedHelp
    for param in command.params:
        text = param_help(name, param.name or "", lang)
        if text is not None:
            param.help = text  # an argument's too (click shows it from 8.5; our layout, `LocalizedHelp`, always)
    for attr, texts in _METAVARS.items():
        if hasattr(command, attr):
            setattr(command, attr, _pick(texts, lang))
    for sub_name, sub in getattr(command, "commands", {}).items():
        localize_command(sub_name, sub, lang)


def help_lang(command: Any) -> str:
    return str(getattr(command, "help_lang", "zh"))


def paragraphs(text: str | None) -> list[str]:
    """A help text's paragraphs (separated by a blank line), each on one line, for the terminal to wrap."""
    return [" ".join(p.split()) for p in (text or "").strip().split("\n\n") if p.strip()]


def _metavar(param: click.Parameter) -> str:
    """The value an option takes, as its help row shows it: nothing for a flag, <zh|en> for a choice, <int>
    with its bounds for a number, <path>, <str>."""
    if isinstance(param, click.Option) and param.is_flag:
        return ""
    kind = param.type
    if isinstance(kind, click.Choice):
        return "<" + "|".join(str(getattr(c, "value", c)) for c in kind.choices) + ">"
    name = {click.types.IntParamType: "int", click.types.FloatParamType: "float", click.Path: "path"}
    word = next((w for cls, w in name.items() if isinstance(kind, cls)), "str")
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    bounds = (f" [{low}<=x<={high}]" if low is not None and high is not None else f" [x>={low}]" if low is not None
              else f" [x<={high}]" if high is not None else "")
    return f"<{word}>{bounds}"


def _unset(default: Any) -> bool:
    """Click's mark for "no default": None before 8.3, its own sentinel (an enum member named UNSET) since, which
    the help would otherwise show as a default ("[默认：Sentinel.UNSET]")."""
    return default is None or (type(default).__name__ == "Sentinel" and getattr(default, "name", "") == "UNSET")


def _param_key(param: click.Parameter) -> str:
    """The name PARAMS knows a parameter by: --help's is "help" (click 8.5 names it `_click_default_help`)."""
    if isinstance(param, click.Option) and "--help" in param.opts:
        return "help"
    return param.name or ""


def _param_row(param: click.Parameter, ctx: click.Context, lang: str) -> tuple[str, str, str]:
    if isinstance(param, click.Option):
        names = " ".join(sorted(param.opts, key=lambda o: not o.startswith("--")) + param.secondary_opts)
    else:
        names = param.make_metavar(ctx)
    words = [getattr(param, "help", None) or ""]
    default = None if _unset(param.default) else param.default
    if param.required:
        words.append(_pick(REQUIRED, lang))
    elif (default is not None and default != () and not (isinstance(param, click.Option) and param.is_flag)
          and not callable(default)):
        words.append(_pick(DEFAULT, lang).format(getattr(default, "value", default)))
    return names, _metavar(param), " ".join(w for w in words if w)


class LocalizedHelp(click.Command):
    """A command whose --help and usage line speak the language `localize_command` set (`help_lang`), laid out
    by rich at the terminal's width. Click's own command line parsing is untouched."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.callback = show_help
        return option

    def get_usage(self, ctx: click.Context) -> str:
        return f"{_pick(USAGE, help_lang(self))}{ctx.command_path} {' '.join(self.collect_usage_pieces(ctx))}"

    def get_help(self, ctx: click.Context) -> str:
        lang = help_lang(self)
        parts: list[Any] = [Text(self.get_usage(ctx))]
        parts += [Padding(Text(p), (1, 0, 0, 2)) for p in paragraphs(self.help)]
        params = self.get_params(ctx)
        name = "" if isinstance(self, click.Group) else self.name or ""
        for param in params:  # --help's own, which click adds here, with the others
            param.help = param_help(name, _param_key(param), lang) or getattr(param, "help", None)
        sections: list[tuple[str, list[click.Parameter]]] = [
            ("arguments", [p for p in params if isinstance(p, click.Argument)]),
            ("options", [p for p in params if not isinstance(p, click.Argument)])]
        for key, members in sections:
            if members:
                parts.append(_section(key, [_param_row(p, ctx, lang) for p in members], lang))
        commands: dict[str, click.Command] = getattr(self, "commands", {})
        if commands:
            rows = [(sub, command.short_help or "") for sub, command in commands.items() if not command.hidden]
            parts.append(_section("commands", rows, lang))
        buffer = StringIO()
        width = shutil.get_terminal_size().columns
        Console(file=buffer, width=max(width, 40), color_system=None, highlight=False, markup=False, emoji=False,
                legacy_windows=False).print(Group(*parts))
        return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()).rstrip("\n")


def show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--help: the help on stdout through `console.ConsoleStream`, as everything the commands print, so that a
    console that cannot show Chinese (ASCII) gets backslash escapes; click's own echo would write UTF-8 to it."""
    if value and not ctx.resilient_parsing:
        stream = console_file()
        stream.write(ctx.get_help() + "\n")
        stream.flush()
        ctx.exit()


def _section(key: str, rows: Sequence[tuple[str, ...]], lang: str) -> Any:
    table = Table.grid(padding=(0, 2))
    for _ in range(len(rows[0]) - 1):
        table.add_column(no_wrap=True)
    table.add_column(overflow="fold")  # Chinese has no space to wrap at: fold, never cut to "…"
    for row in rows:
        table.add_row(*row)
    return Group(Text(""), Text(_pick(SECTIONS[key], lang)), Padding(table, (0, 0, 0, 2)))

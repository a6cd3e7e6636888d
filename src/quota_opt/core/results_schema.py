"""The declarative schema of the results workbook: sheet and column keys, Chinese and English labels, units, formats.

With `--lang en` every sheet name and header is the key; with `--lang zh` the Chinese label. The
writer, the comparison workbook and the tests that read results back all use this one table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from quota_opt.core.vocabulary import CONSTRAINT_WORDS, REASON_CODE_WORDS

MU = "#,##0.0"
TCE = "#,##0"
MONEY = "#,##0.00"
SHARE = "0.0%"
SCORE = "0.0000"
INT = "0"
TEXT = "@"


def amount_text(value: float, digits: int) -> str:
    """An amount in a text as its unit's number format shows it (`digits` decimals: MU 1, TCE 0), except one those
    would show as 0 though it is not (above 0.000001): that has the decimals its first significant digit needs
    (0.3 tce, 0.04 mu), so that a source used is never said to give 0."""
    if value <= 1e-6 or round(value, digits) > 0:
        return f"{value:,.{digits}f}"
    return f"{value:.{-math.floor(math.log10(value))}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class OutCol:
    """One column of a results sheet. `aliases` are the labels it had before a rename: a results workbook written
    by an older version is still read back (explain, compare, rollover), but none is ever written."""

    key: str
    label_zh: str
    label_en: str
    fmt: str | None = None
    unit_zh: str = ""
    unit_en: str = ""
    width: int | None = None
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        """Every header under which the column is read back: its key, its labels, its former labels."""
        return (self.key, self.label_zh, self.label_en, *self.aliases)

    def header(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.key


@dataclass(frozen=True)
class OutSheet:
    key: str
    label_zh: str
    label_en: str
    columns: tuple[OutCol, ...] = ()

    def name(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.key

    def has_column(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    def column(self, key: str) -> OutCol:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


def _mu(key: str, zh: str, en: str, aliases: tuple[str, ...] = ()) -> OutCol:
    return OutCol(key, zh, en, MU, "亩", "mu", aliases=aliases)


def _tce(key: str, zh: str, en: str, aliases: tuple[str, ...] = ()) -> OutCol:
    return OutCol(key, zh, en, TCE, "吨标准煤", "tce", aliases=aliases)


LAND_SOURCE_COLS = (
    _mu("land_district_quota", "区县指标(亩)", "Land: district quota"),
    _mu("land_provincial_pool", "省重大产业项目奖励指标(亩)", "Land: provincial pool", aliases=("省奖励指标(亩)",)),
    _mu("land_stock", "存量建设用地(亩)", "Land: stock", aliases=("存量土地(亩)",)),
    _mu("land_province_request", "向省争取(亩)", "Land: province request"),
)
ENERGY_SOURCE_COLS = (
    _tce("energy_district", "区县能耗(吨标准煤)", "Energy: district"),
    _tce("energy_city_pool", "市级统筹能耗(吨标准煤)", "Energy: city energy pool",
         aliases=("市级能耗(吨标准煤)", "Energy: city pool")),
)

ALLOCATION = OutSheet("allocation", "项目分配", "Allocation", (
    OutCol("project_id", "项目编号", "Project id", TEXT, width=10),
    OutCol("name", "项目名称", "Project name", TEXT, width=30),
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("district_name", "区县名称", "District name", TEXT),  # staff think in 萧山区, not D05
    OutCol("platform_id", "平台代码", "Platform id", TEXT),
    OutCol("chain_id", "产业链代码", "Chain id", TEXT),
    OutCol("selected", "是否安排", "Selected", TEXT),
    OutCol("year", "供地年度", "Year", INT),
    *LAND_SOURCE_COLS,
    *ENERGY_SOURCE_COLS,
    _mu("land_demand", "用地需求(亩)", "Land demand"),
    _tce("energy_demand", "年综合能耗(吨标准煤)", "Energy demand"),
    OutCol("investment", "总投资(亿元)", "Investment", MONEY, "亿元", "100M yuan"),
    OutCol("output_per_mu", "亩均产值(万元/亩)", "Output per mu", MONEY, "万元/亩", "10k yuan/mu"),
    OutCol("tax_per_mu", "亩均税收(万元/亩)", "Tax per mu", MONEY, "万元/亩", "10k yuan/mu"),
    OutCol("score", "综合得分", "Score", SCORE),
    OutCol("major", "重大产业项目", "Major project", TEXT),
    OutCol("city_eligible", "可享市级支持", "City-eligible", TEXT),
    OutCol("mandatory", "必保", "Mandatory", TEXT),
    OutCol("status", "状态", "Status", TEXT),
    OutCol("conditional", "待争取", "Conditional", TEXT),
    OutCol("reason_code", "原因代码", "Reason code", TEXT, width=22),
    OutCol("reason", "说明", "Reason", TEXT, width=90),
))

DISTRICTS = OutSheet("districts", "区县汇总", "Districts", (
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("district_name", "区县名称", "District name", TEXT),
    OutCol("year", "年度", "Year", INT),
    _mu("land_quota_issued", "下达指标(亩)", "Quota issued"),
    _mu("reward_received", "存量盘活奖励指标(亩)", "Reward received", aliases=("存量奖励(亩)",)),
    _mu("land_quota_used", "使用区县指标(亩)", "Quota used"),
    OutCol("land_utilisation", "指标使用率", "Quota utilisation", SHARE),
    _mu("stock_available", "可用存量建设用地(亩)", "Stock available", aliases=("可用存量(亩)",)),
    _mu("land_stock", "使用存量建设用地(亩)", "Stock used", aliases=("使用存量(亩)",)),
    _mu("land_provincial_pool", "使用省重大产业项目奖励指标(亩)", "Provincial pool used", aliases=("使用省奖励指标(亩)",)),
    _mu("land_province_request", "向省争取(亩)", "Province request"),
    _tce("energy_budget", "区县能耗指标(吨标准煤)", "Energy budget"),
    _tce("energy_district", "使用区县能耗(吨标准煤)", "Energy used: district"),
    OutCol("energy_utilisation", "能耗指标使用率", "Energy utilisation", SHARE),
    _tce("energy_city_pool", "使用市级统筹能耗(吨标准煤)", "Energy used: city energy pool",
         aliases=("使用市级能耗(吨标准煤)", "Energy used: city pool")),
    OutCol("projects_supplied", "安排项目数", "Projects supplied", INT),
    _mu("land_supplied", "供地合计(亩)", "Land supplied"),
))

LEDGER = OutSheet("ledger", "指标台账", "Quota ledger", (
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("district_name", "区县名称", "District name", TEXT),
    OutCol("year", "年度", "Year", INT),
    _mu("opening", "期初结余(亩)", "Opening"),
    _mu("issued", "下达指标(亩)", "Issued"),
    _mu("reward_received", "收到存量盘活奖励指标(亩)", "Reward received", aliases=("收到奖励(亩)",)),
    _mu("used", "使用(亩)", "Used"),
    _mu("lapsed", "未使用（不结转）(亩)", "Lapsed", aliases=("作废(亩)",)),
    _mu("closing", "期末结转(亩)", "Closing"),
    _mu("reward_earned", "当年产生存量盘活奖励指标(亩)", "Reward earned", aliases=("当年产生奖励(亩)",)),
    OutCol("reward_for_year", "奖励到账年度", "Reward for year", INT),
    OutCol("reward_sources", "奖励来源项目", "Reward from projects", TEXT, width=40),
    # where the city's reward reserve is set (五(一)): what the district's stock land earned for the year, what the
    # reserve could not pay of it, and the city's own rows (district 市级 / city): reserve − drawn = left
    _mu("reward_due", "应得存量盘活奖励指标(亩)", "Reward due"),
    _mu("reward_unpaid", "市级储备不足未兑现(亩)", "Reward unpaid (reserve short)"),
    _mu("reward_reserve", "市级存量盘活奖励指标储备(亩)", "City reward reserve"),
    _mu("reward_reserve_drawn", "已兑现存量盘活奖励指标(亩)", "Reward reserve drawn"),
    _mu("reward_reserve_left", "储备剩余（不结转）(亩)", "Reward reserve left (not carried over)"),
    _mu("stock_opening", "存量建设用地期初(亩)", "Stock opening", aliases=("存量期初(亩)",)),
    _mu("stock_added", "存量建设用地新增(亩)", "Stock added", aliases=("存量新增(亩)",)),
    _mu("stock_used", "存量建设用地使用(亩)", "Stock used", aliases=("存量使用(亩)",)),
    _mu("stock_closing", "存量建设用地期末(亩)", "Stock closing", aliases=("存量期末(亩)",)),
    OutCol("balance_check", "平衡校验", "Balance check", MU),
))

CITY = OutSheet("city", "市级指标", "City quotas", (
    OutCol("year", "年度", "Year", INT),
    _mu("provincial_reward_quota", "省重大产业项目奖励指标(亩)", "Provincial reward quota",
        aliases=("省重大产业奖励指标(亩)",)),
    _mu("provincial_pool_used", "已使用(亩)", "Provincial pool used"),
    _mu("province_request_cap", "向省争取上限(亩)", "Province request cap",
        aliases=("可向省争取指标上限(亩)", "可向省争取上限(亩)")),
    _mu("province_request", "需向省争取(亩)", "To request from the province"),
    _tce("city_energy_pool", "市级统筹能耗(吨标准煤)", "City energy pool"),
    _tce("city_energy_pool_used", "已使用(吨标准煤)", "City energy pool used"),
    _mu("reward_reserve", "市级存量盘活奖励指标储备(亩)", "City reward reserve"),
    _mu("reward_reserve_drawn", "已兑现存量盘活奖励指标(亩)", "Reward reserve drawn"),
    _mu("reward_reserve_left", "储备剩余（不结转）(亩)", "Reward reserve left (not carried over)"),
))

SHADOW_PRICES = OutSheet("shadow_prices", "影子价格", "Shadow prices", (
    OutCol("constraint", "约束", "Constraint", TEXT, width=24),
    OutCol("quota", "指标", "Quota", TEXT, width=24),
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("year", "年度", "Year", INT),
    OutCol("unit", "单位", "Unit", TEXT),
    OutCol("limit", "额度", "Limit", MU),
    OutCol("used", "已用", "Used", MU),
    OutCol("slack", "剩余", "Slack", MU),
    OutCol("shadow_price", "影子价格(选定方案)", "Shadow price (fixed selection)", SCORE),
    OutCol("marginal_value", "边际价值", "Marginal value", SCORE),
    OutCol("marginal_project", "边际项目", "Marginal project", TEXT),
    OutCol("reading", "解读", "Reading", TEXT, width=90),
))

VALIDATION = OutSheet("validation", "校验提示", "Validation", (
    OutCol("severity", "级别", "Severity", TEXT),
    OutCol("location", "位置", "Location", TEXT, width=30),
    OutCol("message", "说明", "Message", TEXT, width=110),
))

SUMMARY = OutSheet("summary", "概览", "Summary", (
    OutCol("key", "指标", "Key", TEXT, width=36),
    OutCol("value", "值", "Value", None, width=40),
))

CHARTS = OutSheet("charts", "图表", "Charts")

INFEASIBILITY = OutSheet("infeasibility", "不可行原因", "Infeasibility", (
    OutCol("requirement", "需让步的要求", "Requirement", TEXT, width=30),
    OutCol("district_id", "区县代码", "District id", TEXT),
    OutCol("platform_id", "平台代码", "Platform id", TEXT),
    OutCol("year", "年度", "Year", INT),
    OutCol("shortfall", "缺口", "Shortfall", MU),
    OutCol("unit", "单位", "Unit", TEXT),
    OutCol("projects", "涉及必保项目", "Mandatory projects involved", TEXT, width=30),
    OutCol("message", "说明", "Message", TEXT, width=100),
))

# Summary rows: key -> (zh label, en label, number format)
SUMMARY_ROWS: dict[str, tuple[str, str, str | None]] = {
    "scenario_name": ("方案名称", "Scenario name", None),
    "variant": ("方案变体", "Variant", None),
    "status": ("求解状态", "Status", None),
    "termination": ("终止原因", "Termination", None),
    "objective": ("目标值", "Objective", "#,##0.000"),
    "best_bound": ("最优上界", "Best bound", "#,##0.000"),
    "gap": ("最优性间隙", "Gap", "0.000%"),
    "greedy_objective": ("排序法目标值", "Ranking-rule objective", "#,##0.000"),
    "value_vs_ranking_rule": ("相对排序法提升", "Value versus the ranking rule", "0.00%"),
    "greedy_projects_selected": ("排序法安排项目数", "Ranking-rule projects selected", INT),
    "start_source": ("求解起点", "Solver started from", None),
    "improved_by": ("求解后改进方法", "Improved after the solver by", None),
    "lp_bound": ("线性松弛上界", "LP relaxation bound", "#,##0.000"),
    "district_bound": ("分区县拉格朗日上界", "District-by-district (Lagrangian) bound", "#,##0.000"),
    "projects_total": ("项目总数", "Projects", INT),
    "projects_eligible": ("具备资格项目数", "Eligible projects", INT),
    "projects_selected": ("安排项目数", "Projects selected", INT),
    "selected_share": ("安排比例(占具备资格项目)", "Share selected (of eligible)", SHARE),
    "mandatory_selected": ("已安排必保项目数", "Mandatory projects selected", INT),
    "investment_selected": ("安排项目总投资(亿元)", "Investment selected (100M yuan)", MONEY),
    "output_selected": ("安排项目年产值(万元)", "Annual output selected (10k yuan)", "#,##0"),
    "tax_selected": ("安排项目年税收(万元)", "Annual tax selected (10k yuan)", "#,##0"),
    "land_selected": ("供地合计(亩)", "Land supplied (mu)", MU),
    "energy_selected": ("能耗合计(吨标准煤)", "Energy granted (tce)", TCE),
    "average_output_per_mu": ("平均亩均产值(万元/亩)", "Average output per mu (10k yuan/mu)", MONEY),
    "average_tax_per_mu": ("平均亩均税收(万元/亩)", "Average tax per mu (10k yuan/mu)", MONEY),
    "land_district_quota_total": ("用地：区县指标(亩)", "Land from district quota (mu)", MU),
    "land_provincial_pool_total": ("用地：省重大产业项目奖励指标(亩)", "Land from provincial pool (mu)", MU),
    "land_stock_total": ("用地：存量建设用地(亩)", "Land from stock (mu)", MU),
    "land_province_request_total": ("用地：向省争取(亩)", "Land requested from province (mu)", MU),
    "energy_district_total": ("能耗：区县指标(吨标准煤)", "Energy from district budgets (tce)", TCE),
    "energy_city_pool_total": ("能耗：市级统筹(吨标准煤)", "Energy from the city energy pool (tce)", TCE),
    "district_quota_utilisation": ("区县指标使用率", "District quota utilisation", SHARE),
    "district_energy_utilisation": ("区县能耗指标使用率", "District energy utilisation", SHARE),
    "mu_to_request": ("需向省争取指标(亩)", "Mu to request from the province", MU),
    "projects_conditional": ("待争取项目数(依赖向省争取)", "Projects conditional on the province request", INT),
    "if_no_request": ("省里不予支持时", "If the province grants nothing", None),
    "reward_next_plan": ("结转下一规划期的存量盘活奖励指标(亩)", "Stock reward for the next plan (mu)", MU),
    "objective_sentence": ("目标说明", "What the objective means", None),
    "time_read_s": ("读取用时(秒)", "Read time (s)", "0.000"),
    "time_build_s": ("建模用时(秒)", "Build time (s)", "0.000"),
    "time_solve_s": ("求解用时(秒)", "Solve time (s)", "0.000"),
    "time_explain_s": ("解释用时(秒)", "Explain time (s)", "0.000"),
    "time_write_s": ("写出用时(秒)", "Write time (s)", "0.000"),
    "model_columns": ("变量数", "Variables", INT),
    "model_rows": ("约束数", "Constraints", INT),
    "backend": ("求解接口", "Solver interface", None),
    "solver": ("求解器", "Solver", None),
    "quota_opt_version": ("quota-opt 版本", "quota-opt version", None),
    "pyomo_version": ("Pyomo 版本", "Pyomo version", None),
    "python_version": ("Python 版本", "Python version", None),
    "input_file": ("输入文件", "Input file", None),
    "input_sha256": ("输入文件 SHA-256", "Input SHA-256", None),
    "run_at": ("运行时间", "Run at", None),
}

# Former labels of summary rows (as OutCol.aliases): a summary written by an older version still reads.
SUMMARY_ALIASES: dict[str, tuple[str, ...]] = {
    "land_provincial_pool_total": ("用地：省奖励指标(亩)",),
    "land_stock_total": ("用地：存量土地(亩)",),
    "reward_next_plan": ("结转下一规划期的存量奖励(亩)",),
}
# The summary rows of how the answer was found rather than what it is (bounds, starting points, times,
# versions): written below the KPIs under a heading of their own (SUMMARY_TECHNICAL_HEADING), for whoever checks
# the solve. A reader meets the KPIs first.
SUMMARY_TECHNICAL = ("best_bound", "greedy_objective", "greedy_projects_selected", "start_source", "improved_by",
                     "lp_bound", "district_bound", "time_read_s", "time_build_s", "time_solve_s", "time_explain_s",
                     "time_write_s", "model_columns", "model_rows", "backend", "solver", "quota_opt_version",
                     "pyomo_version", "python_version", "input_file", "input_sha256", "run_at")
SUMMARY_TECHNICAL_HEADING = ("技术信息（供核查求解过程）", "Technical details (for checking the solve)")

_REASON_CODES_BY_WORD = {word: code for code, word in REASON_CODE_WORDS.items()}


def reason_code_word(code: str, lang: str) -> str:
    """A reason code as the allocation sheet shows it: its words in zh, the code in en."""
    return REASON_CODE_WORDS.get(code, code) if lang == "zh" else code


def reason_code_of(text: object) -> str | None:
    """The reason code a cell of the allocation sheet shows (its zh words or the code itself); other text as it
    is; None for a blank."""
    if text is None:
        return None
    word = str(text).strip()
    return _REASON_CODES_BY_WORD.get(word, word)


def constraint_word(name: str, lang: str) -> str:
    return CONSTRAINT_WORDS.get(name, name) if lang == "zh" else name


RESULT_SHEETS = (SUMMARY, ALLOCATION, DISTRICTS, LEDGER, CITY, SHADOW_PRICES, INFEASIBILITY, VALIDATION, CHARTS)


def status_word(status: str, lang: str) -> str:
    words = {
        "selected": ("已安排", "selected"),
        "actual": ("已供地（执行）", "supplied (actual)"),
        "not_selected": ("未安排", "not selected"),
        "optimal": ("最优", "optimal"),
        "feasible": ("可行（未证明最优）", "feasible (not proven optimal)"),
        "infeasible": ("不可行", "infeasible"),
        "no_solution": ("无解", "no solution"),
        "error": ("错误", "error"),
    }
    zh, en = words.get(status, (status, status))
    return zh if lang == "zh" else en


# Why the solve ended (`Solution.termination`, the words solve.py gives HiGHS's statuses), for the summary sheet
# and the terminal: the solver's English in en, Chinese in zh. An unknown status keeps HiGHS's own name.
TERMINATION_WORDS: dict[str, tuple[str, str]] = {
    "optimal": ("已证明最优", "optimal"),
    "infeasible": ("不可行", "infeasible"),
    "time limit": ("达到求解时限", "time limit"),
    "interrupted": ("用户中断（Ctrl-C）", "interrupted"),
    "iteration limit": ("达到迭代次数上限", "iteration limit"),
    "work limit": ("达到计算量上限", "work limit"),  # a run counted in work (`RunOptions.deterministic`): its nodes
    "memory limit": ("内存不足", "memory limit"),
    "objective bound": ("达到目标值界限", "objective bound"),
    "objective target": ("达到目标值", "objective target"),
    "empty model": ("模型为空（没有可分配的项目）", "empty model"),
}


def termination_word(termination: str, lang: str) -> str:
    zh, en = TERMINATION_WORDS.get(termination, (termination, termination))
    return zh if lang == "zh" else en


def yes_no(value: object, lang: str) -> str:
    return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")

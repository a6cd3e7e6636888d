"""The declarative schema of the scenario workbook.

One table of sheets and columns (key, Chinese and English label, unit, type, bounds, default, help)
drives the template writer, the reader, the validator and the generated documentation, so that they
cannot drift apart. Nothing here touches a file.

Policy references use the clause numbering of 《全市"一盘棋"产业链精准招商工作制度（试行）》 (Hangzhou, 2019).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from quota_opt.core.ids import normalize_id


class ColumnType(StrEnum):
    """How a cell is read and checked."""

    ID = "id"  # text identifier; numbers typed as ids are read as their text ("101" not 101.0)
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    YEAR = "year"
    ID_LIST = "id_list"  # several ids in one cell, separated by , ， 、 ; ； or spaces
    CHOICE = "choice"


@dataclass(frozen=True)
class Choice:
    """One allowed value of a CHOICE column: the canonical key and the words accepted for it."""

    key: str
    label_zh: str
    label_en: str

    def spellings(self) -> tuple[str, ...]:
        return (self.key, self.label_zh, self.label_en)


@dataclass(frozen=True)
class Column:
    """One column of a table sheet, or one parameter of the key-value `settings` sheet.

    `minimum`/`maximum` bound the value (inclusive unless `*_exclusive`); a value other than 0 is at least
    `smallest` (a figure that is a coefficient of the model, see MIN_COEFFICIENT); `ref` names the
    sheet whose id this column must match (`"districts"` means `districts.district_id`).
    A column that is not `required` may be left blank and then takes `default`
    (`None` means "no value", e.g. no platform land limit); `default_zh`, when given, is the default in a Chinese
    workbook (a name, which reads in the workbook's language: the scenario's 方案 / scenario). `aliases` are labels
    the column had before a rename:
    a workbook made by an older version still reads (they match as the labels do), but none is ever written.
    """

    key: str
    label_zh: str
    label_en: str
    type: ColumnType
    unit_zh: str = ""
    unit_en: str = ""
    required: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    minimum_exclusive: bool = False
    smallest: float | None = None
    ref: str | None = None
    choices: tuple[Choice, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    aliases: tuple[str, ...] = ()
    default_zh: Any = None

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def default_in(self, lang: str) -> Any:
        """The default a blank takes in a workbook in `lang`."""
        return self.default_zh if lang == "zh" and self.default_zh is not None else self.default

    def spellings(self) -> tuple[str, ...]:
        """Every name a header (or a settings name) may give the column: its key, its labels, its former labels."""
        return (self.key, self.label_zh, self.label_en, *self.aliases)

    def header(self, lang: str) -> str:
        """The header written in a workbook: the Chinese label for zh, the key for en (DESIGN 3)."""
        return self.label_zh if lang == "zh" else self.key

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en

    @property
    def max_length(self) -> int | None:
        """The most characters a cell (an id, each id of a list, a text) may hold; None for other types."""
        if self.type in (ColumnType.ID, ColumnType.ID_LIST):
            return MAX_ID_LENGTH
        return MAX_TEXT_LENGTH if self.type is ColumnType.TEXT else None

    def choice_for(self, text: str) -> Choice | None:
        wanted = normalize_name(text)
        for choice in self.choices:
            if wanted in spellings(*choice.spellings()):
                return choice
        return None


@dataclass(frozen=True)
class Sheet:
    """One sheet of the scenario workbook.

    `kind` is "table" (a header row and one record per row) or "keyvalue" (the settings sheet:
    one parameter per row, its name in the first column and its value in the second).
    `primary_key` lists the columns whose combination must be unique.
    """

    key: str
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]
    kind: str = "table"
    required: bool = True
    primary_key: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    _by_key: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.columns})

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def name(self, lang: str) -> str:
        """The sheet name written in a workbook: the Chinese label for zh, the key for en."""
        return self.label_zh if lang == "zh" else self.key

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def has_column(self, key: str) -> bool:
        return key in self._by_key

    @property
    def id_column(self) -> str | None:
        """The single-column primary key, when the sheet has one (e.g. `district_id`)."""
        return self.primary_key[0] if len(self.primary_key) == 1 else None


# --------------------------------------------------------------------------------------------
# Name matching: headers and sheet names are matched trimmed, case-insensitively, full-width and
# half-width alike (NFKC), ignoring inner spaces and a trailing unit in brackets ("用地需求（亩）"); the validator
# then checks that unit against the column's (`header_unit`).
# --------------------------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(r"[\(\[（【][^\)\]）】]*[\)\]）】]\s*$")
_SPACES = re.compile(r"[\s_\-\u200b-\u200f\u2060\ufeff]+")  # and the invisible characters copying from web pages leaves


def column_letter(index: int) -> str:
    """1 → "A", 27 → "AA"."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalize_name(text: object) -> str:
    """Canonical form of a header, sheet name or choice word for matching."""
    s = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return _SPACES.sub("", s)


def header_candidates(text: object) -> tuple[str, ...]:
    """The normalized forms under which a header cell may match a column (with and without unit)."""
    full = normalize_name(text)
    stripped = normalize_name(_UNIT_SUFFIX.sub("", unicodedata.normalize("NFKC", str(text)).strip()))
    return (full,) if stripped == full or not stripped else (full, stripped)


_UNIT_PREFIX = re.compile(r"^(?:单位|units?)\s*[:：]\s*", re.IGNORECASE)


def header_unit(text: object) -> str | None:
    """The unit a header states in its trailing bracket ("用地需求（公顷）" → "公顷", "(单位：亩)" → "亩"), or None.

    Matching ignores the bracket (`header_candidates`), so the validator checks the unit against the column's.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = _UNIT_SUFFIX.search(s)
    if m is None:
        return None
    unit = _UNIT_PREFIX.sub("", m.group(0).strip()[1:-1].strip()).strip()
    return unit or None


def spellings(*names: str) -> set[str]:
    """The names as a header is matched against them (normalize_name): `spellings(*col.spellings())`."""
    return {normalize_name(n) for n in names}


# --------------------------------------------------------------------------------------------
# Shared column builders
# --------------------------------------------------------------------------------------------

# Every word a yes/no cell accepts, as messages and docs show it; cells match case- and width-insensitively.
# The lists in messages and docs are made from these, so that what is listed is what is accepted.
YES_WORDS = ("是", "Y", "yes", "TRUE", "1", "T", "对", "√", "✓")
NO_WORDS = ("否", "N", "no", "FALSE", "0", "F", "不", "×", "✗")


def yes_no_words(lang: str) -> str:
    """The accepted yes/no words, yes and no apart: "是：是、Y、…；否：否、N、…" / "yes: 是, Y, …; no: 否, N, …"."""
    if lang == "zh":
        return f"是：{'、'.join(YES_WORDS)}；否：{'、'.join(NO_WORDS)}"
    return f"yes: {', '.join(YES_WORDS)}; no: {', '.join(NO_WORDS)}"


def _id(key: str, zh: str, en: str, *, ref: str | None = None, required: bool = True, **kw: Any) -> Column:
    return Column(key, zh, en, ColumnType.ID, required=required, ref=ref, **kw)


# Upper sanity bounds: a cell beyond these is a typing error, not data (and would wreck the solver's
# numerics). 1,000,000 mu is 667 km², larger than any district's annual plan; 100 million tce is
# about the energy use of a whole province.
MAX_ID_LENGTH = 64  # characters in an id (a project, district, platform or chain code): a code, not a sentence
MAX_TEXT_LENGTH = 32_767  # characters in a text cell: Excel's own limit, beyond which the results would be cut
MAX_MU = 1_000_000.0
MAX_TCE = 100_000_000.0
MAX_WANYUAN = 1e10
MAX_PER_MU = 1_000_000.0  # 万元 per mu: 100 times the best industrial land in China
MAX_WEIGHT = 1000.0  # weights are relative; 30/30/15/15/10 (percent points) is as good as 0.3/0.3/...

# The smallest figure, other than 0, of a cell that is a coefficient of the model: a project's land demand (mu)
# and energy demand (tce), the stock-land reward ratio. HiGHS refuses a model with a coefficient of 1e-9 or less
# (its small_matrix_value; it would drop it) and holds rows only to 1e-7 (its feasibility tolerance), so a demand
# near that would be met from nothing. 0.01 mu is about 6.7 m², 0.01 tce 10 kg of standard coal, 0.01 a reward of
# 1%: far below any real project or policy, far above the solver's noise, and with the maxima above a row's
# coefficients span at most 1e8, well inside what HiGHS takes (large_matrix_value 1e15).
MIN_COEFFICIENT = 0.01


def _mu(key: str, zh: str, en: str, **kw: Any) -> Column:
    kw.setdefault("minimum", 0.0)
    kw.setdefault("maximum", MAX_MU)
    kw.setdefault("unit_zh", "亩")
    kw.setdefault("unit_en", "mu")
    return Column(key, zh, en, ColumnType.FLOAT, **kw)


def _tce(key: str, zh: str, en: str, **kw: Any) -> Column:
    kw.setdefault("minimum", 0.0)
    kw.setdefault("maximum", MAX_TCE)
    kw.setdefault("unit_zh", "吨标准煤")
    kw.setdefault("unit_en", "tce")
    return Column(key, zh, en, ColumnType.FLOAT, **kw)


def _flag(key: str, zh: str, en: str, default: bool, help_zh: str, help_en: str, **kw: Any) -> Column:
    return Column(key, zh, en, ColumnType.BOOL, default=default, help_zh=help_zh, help_en=help_en, **kw)


FIRST_YEAR, LAST_YEAR = 1990, 2100  # the years a workbook's year columns accept (the base year's too)


def _year(key: str, zh: str, en: str, **kw: Any) -> Column:
    return Column(key, zh, en, ColumnType.YEAR, unit_zh="年", unit_en="year", minimum=FIRST_YEAR, maximum=LAST_YEAR,
                  **kw)


# --------------------------------------------------------------------------------------------
# settings (参数设置): key-value parameters
# --------------------------------------------------------------------------------------------

OBJECTIVE_MODES = (
    Choice("priority", "优先度加权供地", "priority-weighted land"),
    Choice("weighted_totals", "加权总量", "weighted totals"),
)
MISFIT_POLICIES = (
    Choice("district_only", "仅限区县资源", "district resources only"),
    Choice("exclude", "排除", "exclude"),
)

MAJOR_PRIORITIES = (
    Choice("strict", "严格优先", "strict"),
    Choice("weighted", "加权优先", "weighted"),
    Choice("none", "不设优先", "none"),
)

WEIGHT_KEYS = ("w_investment", "w_output_per_mu", "w_tax_per_mu", "w_energy_efficiency", "w_platform_score")

SETTINGS = Sheet(
    "settings",
    "参数设置",
    "Settings",
    kind="keyvalue",
    help_zh="每行一个参数：第一列为参数名（中文名或英文键），第二列为取值。留空取默认值。",
    help_en="One parameter per row: its name (key or label) in the first column, its value in the second. Blank takes the default.",
    columns=(
        Column("scenario_name", "方案名称", "Scenario name", ColumnType.TEXT, default="scenario", default_zh="方案",
               help_zh="方案的名称，显示在结果中。", help_en="Name shown in the results."),
        Column("base_year", "基准年度", "Base year", ColumnType.YEAR, required=True, minimum=FIRST_YEAR, maximum=LAST_YEAR,
               unit_zh="年", unit_en="year",
               help_zh="规划的第一年。", help_en="First planning year."),
        Column("horizon_years", "规划年数", "Planning horizon", ColumnType.INT, default=3, minimum=1, maximum=10,
               unit_zh="年", unit_en="years",
               help_zh="规划年度数（含基准年度）。", help_en="Number of planning years, base year included."),
        Column("objective_mode", "目标模式", "Objective mode", ColumnType.CHOICE, default="priority",
               choices=OBJECTIVE_MODES,
               help_zh="优先度加权供地：按项目综合得分加权的供地亩数最大；加权总量：投资、产值、税收等总量占候选总量份额的加权和最大。",
               help_en="priority: maximise land supplied, each mu weighted by its project's score; weighted_totals: maximise the weighted shares of candidate totals (investment, output, tax, ...) delivered."),
        Column("w_investment", "权重：投资规模", "Weight: investment", ColumnType.FLOAT, default=0.30, minimum=0.0,
               maximum=MAX_WEIGHT,
               help_zh="五(一)：按投资规模优先保障。", help_en="Clause 5(1): priority by investment scale."),
        Column("w_output_per_mu", "权重：亩均产值", "Weight: output per mu", ColumnType.FLOAT, default=0.30,
               minimum=0.0, maximum=MAX_WEIGHT, help_zh="五(一)：按亩均产值优先保障。", help_en="Clause 5(1): priority by output per mu."),
        Column("w_tax_per_mu", "权重：亩均税收", "Weight: tax per mu", ColumnType.FLOAT, default=0.15, minimum=0.0,
               maximum=MAX_WEIGHT,
               help_zh="亩均税收。", help_en="Tax per mu."),
        Column("w_energy_efficiency", "权重：能效", "Weight: energy efficiency", ColumnType.FLOAT, default=0.15,
               minimum=0.0, maximum=MAX_WEIGHT, help_zh="五(二)：能耗指标竞争性利用，按每吨标准煤产值。",
               help_en="Clause 5(2): competitive use of energy quota, by output per tce."),
        Column("w_platform_score", "权重：平台评价", "Weight: platform score", ColumnType.FLOAT, default=0.10,
               minimum=0.0, maximum=MAX_WEIGHT, help_zh="二(三)：产业平台评价作为项目选址的重要参考。",
               help_en="Clause 2(3): platform evaluation guides project siting."),
        Column("deferral_discount", "推迟折扣", "Deferral discount", ColumnType.FLOAT, default=0.9, minimum=0.0,
               minimum_exclusive=True, maximum=1.0,
               help_zh="项目每推迟一年供地，其价值乘以该系数（0–1）。",
               help_en="Each year a project's supply is deferred multiplies its value by this factor (0–1]."),
        Column("reward_ratio", "存量盘活奖励比例", "Stock-land reward ratio", ColumnType.FLOAT, default=0.5,
               minimum=0.0, maximum=10.0, smallest=MIN_COEFFICIENT,
               help_zh="五(一)：重大产业项目每使用1亩盘活的存量建设用地，次年奖励存量盘活奖励指标（新增建设用地指标）的亩数；0为不奖励，否则至少0.01。",
               help_en="Clause 5(1): mu of new quota rewarded per mu of revitalised stock land used by a major project; "
                       "0 for none, else at least 0.01."),
        Column("reward_lag_years", "奖励滞后年数", "Reward lag", ColumnType.INT, default=1, minimum=0, maximum=5,
               unit_zh="年", unit_en="years",
               help_zh="五(一)：“在项目完成供地后下一年度”给予奖励，默认1年；填0须同时将“存量盘活奖励当年兑现”设为“是”。",
               help_en="Clause 5(1): the reward comes 'in the year after supply'; default 1. 0 only with "
                       "same_year_reward set to yes."),
        Column("same_year_reward", "存量盘活奖励当年兑现", "Same-year reward", ColumnType.BOOL, default=False,
               help_zh="偏离五(一)“下一年度”的例外：为“是”时允许奖励滞后年数为0（供地当年即给奖励）。仅在有经批准的书面例外时使用。",
               help_en="An exception to clause 5(1)'s 'year after supply': yes allows a reward lag of 0 (the reward in "
                       "the year of supply). Use only with an approved, documented exception."),
        Column("major_investment_threshold", "重大项目投资门槛", "Major-project investment threshold",
               ColumnType.FLOAT, default=10.0, minimum=0.0, maximum=100_000.0, unit_zh="亿元", unit_en="100M yuan",
               help_zh="总投资达到该值（或为省重大产业项目、市级主谈项目）即为重大产业项目。",
               help_en="A project with at least this investment (or provincial major, or city-led) is a major project."),
        Column("major_priority", "重大产业项目优先", "Major-project priority", ColumnType.CHOICE, default="strict",
               choices=MAJOR_PRIORITIES,
               help_zh="五(一)：“优先保障重大产业项目新增建设用地计划指标需求”。严格优先：某区县某年度若有可享市级支持、"
                       "当年可供地的重大产业项目未获安排，该区县当年的新增建设用地计划指标不得用于非重大项目（必保项目除外）；"
                       "加权优先：重大产业项目的价值乘以“重大产业项目权重倍数”；不设优先：只按综合得分。",
               help_en="Clause 5(1): major projects' need for the district's new-land quota comes first. strict: no "
                       "non-major project (mandatory ones aside) uses a district's quota in a year while a city-eligible "
                       "major project of that district that could be supplied that year is left out; weighted: a major "
                       "project's value is multiplied by the major-project weight; none: by score alone."),
        Column("major_weight", "重大产业项目权重倍数", "Major-project weight", ColumnType.FLOAT, default=1.5,
               minimum=1.0, maximum=10.0,
               help_zh="仅在“重大产业项目优先”为加权优先时使用：可享市级支持的重大产业项目价值的倍数。",
               help_en="Used only when major_priority is weighted: the multiplier on a city-eligible major project's value."),
        Column("misfit_policy", "不符合布局项目处理", "Layout-misfit policy", ColumnType.CHOICE,
               default="district_only", choices=MISFIT_POLICIES,
               help_zh="三(一)/四(一)：不符合《布局导引》或违反首报首谈的项目不得享受市级支持。仅限区县资源：只能使用本区县指标；排除：不参与分配。",
               help_en="Clauses 3(1)/4(1): misfits and first-report violators get no city-level support. district_only: they may use their district's own quota; exclude: they are not allocated."),
        _mu("province_request_cap", "向省争取上限默认值", "Default province request cap", default=0.0,
            aliases=("可向省争取指标上限默认值", "向省争取指标年上限", "Province request cap"),
            help_zh="五(一)：每年最多向省争取的新增建设用地指标（亩；是争取的上限，不是已有的指标），用于市级年度指标表中"
                    "“向省争取上限”留空的年度。",
            help_en="Clause 5(1): mu that may be requested from the province in each year whose province request cap "
                    "the city_quotas sheet leaves blank."),
        Column("province_request_penalty", "向省争取指标代价", "Province request penalty", ColumnType.FLOAT,
               default=0.5, minimum=0.0, maximum=1000.0, unit_zh="分/亩", unit_en="points/mu",
               help_zh="每向省争取1亩指标在目标中扣除的分值（得分最高项目1亩记1分）。",
               help_en="Objective points deducted per mu requested from the province (a mu for the top-scored project counts 1)."),
        Column("carryover_allowed", "指标可结转", "Quota carry-over", ColumnType.BOOL, default=False,
               help_zh="区县当年未用完的新增建设用地指标是否可结转下一年。",
               help_en="Whether a district's unused new-land quota carries over to the next year."),
        Column("time_limit_s", "求解时限", "Solver time limit", ColumnType.FLOAT, default=60.0, minimum=0.0,
               minimum_exclusive=True, maximum=86_400.0, unit_zh="秒", unit_en="s",
               help_zh="求解器最长运行时间。", help_en="Longest solver run time."),
        Column("mip_gap", "最优性间隙", "MIP gap", ColumnType.FLOAT, default=0.001, minimum=0.0, maximum=1.0,
               help_zh="相对最优性间隙（0.001 = 0.1%）。", help_en="Relative optimality gap (0.001 = 0.1%)."),
        Column("threads", "线程数", "Threads", ColumnType.INT, default=0, minimum=0, maximum=256,
               help_zh="求解器线程数，0为自动。", help_en="Solver threads; 0 = automatic."),
    ),
)

# --------------------------------------------------------------------------------------------
# Table sheets
# --------------------------------------------------------------------------------------------

DISTRICTS = Sheet(
    "districts",
    "区县",
    "Districts",
    primary_key=("district_id",),
    help_zh="每行一个区、县（市）。",
    help_en="One row per county-level district.",
    columns=(
        _id("district_id", "区县代码", "District id", help_zh="区县的唯一代码。", help_en="Unique district id."),
        Column("name", "区县名称", "District name", ColumnType.TEXT, required=True),
        _mu("stock_land_initial", "可盘活存量建设用地", "Revitalisable stock land", default=0.0, aliases=("可盘活存量土地",),
            help_zh="五(一)：基准年度初可盘活用于项目的存量建设用地。",
            help_en="Clause 5(1): revitalisable stock construction land available at the start of the base year."),
    ),
)

PLATFORMS = Sheet(
    "platforms",
    "产业平台",
    "Platforms",
    primary_key=("platform_id",),
    help_zh="每行一个产业平台及其《布局导引》重点产业链。",
    help_en="One row per industrial platform with its key chains from the layout guide.",
    columns=(
        _id("platform_id", "平台代码", "Platform id"),
        Column("name", "平台名称", "Platform name", ColumnType.TEXT, required=True),
        _id("district_id", "所属区县", "District", ref="districts"),
        Column("key_chains", "重点产业链", "Key chains", ColumnType.ID_LIST, required=True, ref="chains",
               help_zh="二(二)：《布局导引》确定的本平台重点产业链代码，多个用逗号或顿号分隔。",
               help_en="Clause 2(2): chain ids the layout guide assigns to this platform, separated by commas."),
        Column("evaluation_score", "平台评价得分", "Evaluation score", ColumnType.FLOAT, required=True,
               minimum=0.0, maximum=100.0, unit_zh="分", unit_en="points",
               help_zh="二(三)：年度产业平台综合评价得分（0–100）。",
               help_en="Clause 2(3): yearly platform evaluation score (0–100)."),
        _mu("land_capacity", "可用地容量", "Land capacity",
            help_zh="自基准年度起平台还可承接的项目用地：基准年度起在该平台供地的项目（含“上年执行”表中的）计入，"
                    "此前供地的不计入（年度结转时已从中扣除）；留空为不限。",
            help_en="Project land the platform can still host from the base year on: projects supplied on it from "
                    "the base year (actuals included) count against it; those supplied before do not (rollover has "
                    "already deducted them); blank = no limit."),
    ),
)

CHAINS = Sheet(
    "chains",
    "产业链",
    "Industry chains",
    primary_key=("chain_id",),
    help_zh="每行一条产业链及其“一链一策”准入标准。",
    help_en="One row per industry chain with its entry standards (one chain, one policy).",
    columns=(
        _id("chain_id", "产业链代码", "Chain id"),
        Column("name", "产业链名称", "Chain name", ColumnType.TEXT, required=True),
        Column("min_output_per_mu", "亩均产值门槛", "Min output per mu", ColumnType.FLOAT, default=0.0,
               minimum=0.0, maximum=MAX_PER_MU, unit_zh="万元/亩", unit_en="10k yuan/mu",
               help_zh="准入的最低亩均产值（市局按“标准地”、亩均评价做法自定的筛选，非本制度条款）。",
               help_en="Lowest output per mu admitted (the bureau's own screen, from 'standard land' and per-mu practice; not a clause of the policy)."),
        Column("min_tax_per_mu", "亩均税收门槛", "Min tax per mu", ColumnType.FLOAT, default=0.0, minimum=0.0,
               maximum=MAX_PER_MU, unit_zh="万元/亩", unit_en="10k yuan/mu",
               help_zh="准入的最低亩均税收（市局按“标准地”、亩均评价做法自定的筛选，非本制度条款）。",
               help_en="Lowest tax per mu admitted (the bureau's own screen, from 'standard land' and per-mu practice; not a clause of the policy)."),
        Column("max_energy_intensity", "能耗强度上限", "Max energy intensity", ColumnType.FLOAT, minimum=0.0,
               maximum=1000.0, unit_zh="吨标准煤/万元产值", unit_en="tce/10k yuan",
               help_zh="每万元产值的最大能耗，留空为不限（市局按“标准地”、亩均评价做法自定的筛选；五(二)）。",
               help_en="Highest energy use per 10k yuan of output; blank = no limit (the bureau's own screen, from 'standard land' and per-mu practice; clause 5(2))."),
        Column("policy_weight", "政策权重", "Policy weight", ColumnType.FLOAT, default=1.0, minimum=0.0,
               minimum_exclusive=True, maximum=10.0,
               help_zh="三(一)：“一链一策”对该链项目得分的倍数，默认1。不符合《布局导引》或违反首报首谈的项目不享受市级政策支持（三(一)、四(一)），按不高于1计。",
               help_en="Clause 3(1): multiplier on the score of this chain's projects; default 1. Misfits and first-report violators get no city-level support (clauses 3(1), 4(1)): at most 1 for them."),
    ),
)

DISTRICT_QUOTAS = Sheet(
    "district_quotas",
    "区县年度指标",
    "District quotas",
    primary_key=("year", "district_id"),
    help_zh="每个区县每个规划年度一行。",
    help_en="One row per district and planning year.",
    columns=(
        _year("year", "年度", "Year", required=True),
        _id("district_id", "区县代码", "District id", ref="districts"),
        _mu("new_land_quota", "新增建设用地计划指标", "New land quota", required=True,
            help_zh="五(一)：省下达、区县可分配的新增建设用地计划指标。",
            help_en="Clause 5(1): province-issued new construction-land plan quota the district allocates."),
        _tce("energy_budget", "区县能耗指标", "Energy budget", required=True,
             help_zh="区县可自行安排给新项目的年能耗指标。",
             help_en="Annual energy consumption the district may grant to new projects."),
        _mu("stock_land_added", "新增可盘活存量建设用地", "Stock land added", default=0.0,
            aliases=("新增可盘活存量土地",),
            help_zh="当年新变为可盘活的存量建设用地。", help_en="Stock land that becomes revitalisable that year."),
    ),
)

CITY_QUOTAS = Sheet(
    "city_quotas",
    "市级年度指标",
    "City quotas",
    primary_key=("year",),
    help_zh="每个规划年度一行。", help_en="One row per planning year.",
    columns=(
        _year("year", "年度", "Year", required=True),
        _mu("provincial_reward_quota", "省重大产业项目奖励指标", "Provincial reward quota", default=0.0,
            aliases=("省重大产业奖励指标",),
            help_zh="五(一)：省下达、只可用于省重大产业项目的省重大产业项目奖励指标（不同于存量盘活奖励指标）。",
            help_en="Clause 5(1): provincial major-industry reward quota for provincial major projects."),
        _tce("city_energy_pool", "市级统筹能耗指标", "City energy pool", default=0.0,
             help_zh="五(二)：市级统筹、供重大产业项目竞争性使用的能耗指标。",
             help_en="Clause 5(2): energy quota pooled by the city for major projects to compete for."),
        _mu("province_request_cap", "向省争取上限", "Province request cap", aliases=("可向省争取指标上限",),
            help_zh="五(一)：当年最多向省争取的新增建设用地指标（争取的上限，不是已有的指标），留空取参数设置中的“向省争取上限默认值”。",
            help_en="Clause 5(1): mu that may be requested from the province this year; blank takes the settings' "
                    "default province request cap."),
        _mu("reward_reserve", "市级存量盘活奖励指标储备", "City stock-land reward reserve",
            help_zh="五(一)：市规划和自然资源局当年可用于兑现存量盘活奖励指标的新增建设用地指标；当年到账的各区县奖励合计不超过此数，"
                    "未用部分不结转。留空为不设上限。",
            help_en="Clause 5(1): the new-land quota the city planning bureau has that year to pay the stock-land "
                    "rewards falling due in it; the rewards paid to all districts that year stay within it, and what "
                    "is left does not carry over. Blank: no limit."),
    ),
)

PROJECTS = Sheet(
    "projects",
    "项目",
    "Projects",
    primary_key=("project_id",),
    help_zh="每行一个候选重大产业项目。", help_en="One row per candidate industrial project.",
    columns=(
        _id("project_id", "项目编号", "Project id"),
        Column("name", "项目名称", "Project name", ColumnType.TEXT, required=True),
        _id("district_id", "区县代码", "District id", ref="districts"),
        _id("platform_id", "平台代码", "Platform id", ref="platforms"),
        _id("chain_id", "产业链代码", "Chain id", ref="chains"),
        Column("investment", "总投资", "Investment", ColumnType.FLOAT, required=True, minimum=0.0,
               minimum_exclusive=True, maximum=100_000.0, unit_zh="亿元", unit_en="100M yuan",
               help_zh="五(一)：项目计划总投资。", help_en="Clause 5(1): planned total investment."),
        _mu("land_demand", "用地需求", "Land demand", required=True, minimum=MIN_COEFFICIENT,
            help_zh="项目需新供的建设用地，至少0.01亩（约6.7平方米）。",
            help_en="Construction land the project needs, at least 0.01 mu (about 6.7 m²)."),
        _flag("stock_land_eligible", "可用存量建设用地", "Stock land eligible", False,
              "项目可否落在盘活的存量建设用地上。", "Whether the project can be sited on revitalised stock land.",
              aliases=("可用存量土地",)),
        Column("annual_output", "达产年产值", "Annual output", ColumnType.FLOAT, required=True, minimum=0.0,
               maximum=MAX_WANYUAN,
               unit_zh="万元/年", unit_en="10k yuan/yr",
               help_zh="达产后年产值，用于计算亩均产值。", help_en="Output at full production; gives output per mu."),
        Column("annual_tax", "达产年税收", "Annual tax", ColumnType.FLOAT, required=True, minimum=0.0,
               maximum=MAX_WANYUAN,
               unit_zh="万元/年", unit_en="10k yuan/yr",
               help_zh="达产后年税收，用于计算亩均税收。", help_en="Tax at full production; gives tax per mu."),
        _tce("energy_demand", "年综合能耗", "Energy demand", required=True, unit_zh="吨标准煤/年",
             unit_en="tce/yr", smallest=MIN_COEFFICIENT,
             help_zh="五(二)：达产后年综合能耗，需由区县或市级统筹能耗指标保障；0为不耗能，否则至少0.01吨标准煤。",
             help_en="Clause 5(2): annual energy use at full production, to be covered by district or city energy "
                     "quota; 0 for none, else at least 0.01 tce."),
        _flag("compliant", "合规", "Compliant", True,
              "五(一)：项目是否合规（确保合规性是前提）。", "Clause 5(1): the project complies (a precondition)."),
        _flag("approvable", "可批", "Approvable", True,
              "五(一)：项目用地是否可批（确保可批性是前提）。", "Clause 5(1): the land can be approved (a precondition)."),
        _flag("first_report_ok", "首报首谈合规", "First-report rule kept", True,
              "四(一)：违反首报首谈规定的项目不得享受市级层面政策支持。",
              "Clause 4(1): projects that broke the first-report rule get no city-level support."),
        _flag("provincial_major", "省重大产业项目", "Provincial major project", False,
              "五(一)：可使用省重大产业项目奖励指标。", "Clause 5(1): may draw the provincial reward quota."),
        _flag("city_led", "市级主谈", "City-led", False,
              "四(二)：由市投资促进局牵头主谈的重大项目，视为重大产业项目。",
              "Clause 4(2): negotiated by the city; counted as a major project."),
        _flag("mandatory", "必保", "Mandatory", False,
              "必须在规划期内供地的项目。", "Must be supplied within the horizon."),
        _year("earliest_year", "最早供地年度", "Earliest year",
              help_zh="最早可供地年度，留空为基准年度。", help_en="Earliest supply year; blank = base year."),
        _year("latest_year", "最晚供地年度", "Latest year",
              help_zh="最晚可供地年度，留空为规划末年。", help_en="Latest supply year; blank = last planning year."),
        _id("phase_of", "上一期项目编号", "Phase of", ref="projects", required=False,
            help_zh="分期供地：本行为某项目的后续一期时，填上一期的项目编号。本期不早于上一期供地，上一期未供地时本期也不供地；"
                    "每期各填本期的用地、能耗和供地年度。留空为不分期。",
            help_en="Phased supply: for a later phase of a project, the project id of the phase before it. A phase is "
                    "never supplied before, or without, the one before it; each phase has its own land, energy and "
                    "window. Blank: not phased."),
    ),
)

ACTUALS = Sheet(
    "actuals",
    "上年执行",
    "Actuals",
    required=False,
    primary_key=("project_id",),
    help_zh="已实际供地的项目（按来源）。基准年度之前的记录只计奖励；规划期内的记录固定为既成事实。",
    help_en="Projects actually supplied, by source. Rows before the base year only earn rewards; rows inside the horizon are fixed.",
    columns=(
        _id("project_id", "项目编号", "Project id", ref="projects"),
        _year("year", "供地年度", "Supply year", required=True),
        _mu("land_district_quota", "使用区县指标", "Land: district quota", default=0.0),
        _mu("land_provincial_pool", "使用省重大产业项目奖励指标", "Land: provincial pool", default=0.0,
            aliases=("使用省奖励指标",)),
        _mu("land_stock", "使用存量建设用地", "Land: stock", default=0.0, aliases=("使用存量土地",)),
        _mu("land_province_request", "向省争取指标", "Land: province request", default=0.0),
        _tce("energy_district", "使用区县能耗", "Energy: district", default=0.0),
        _tce("energy_city_pool", "使用市级统筹能耗", "Energy: city energy pool", default=0.0,
             aliases=("使用市级能耗", "Energy: city pool")),
    ),
)

VARIANT_OPERATIONS = (
    Choice("set", "设为", "set"),
    Choice("scale", "乘以", "scale"),
)

VARIANTS = Sheet(
    "variants",
    "方案变体",
    "Variants",
    required=False,
    primary_key=("variant", "target", "district_id", "year"),
    help_zh="每行一项调整：对参数或指标列设值或按倍数缩放，可限定区县和年度。同名的多行构成一个方案变体。",
    help_en="One override per row: set or scale a setting or a quota column, optionally for one district and/or year. Rows with the same name form one variant.",
    columns=(
        Column("variant", "变体名称", "Variant", ColumnType.TEXT, required=True),
        Column("target", "调整对象", "Target", ColumnType.TEXT, required=True,
               help_zh="参数名（如 存量盘活奖励比例）或“工作表.列”（如 市级年度指标.市级统筹能耗指标），中文名或英文键均可。",
               help_en="A settings key (e.g. reward_ratio) or sheet.column (e.g. city_quotas.city_energy_pool)."),
        Column("operation", "操作", "Operation", ColumnType.CHOICE, default="set", choices=VARIANT_OPERATIONS),
        Column("value", "取值", "Value", ColumnType.TEXT, required=True),
        _id("district_id", "限定区县", "District filter", ref="districts", required=False),
        _year("year", "限定年度", "Year filter"),
        Column("note", "备注", "Note", ColumnType.TEXT, default=""),
    ),
)

SHEETS: tuple[Sheet, ...] = (
    SETTINGS,
    DISTRICTS,
    PLATFORMS,
    CHAINS,
    DISTRICT_QUOTAS,
    CITY_QUOTAS,
    PROJECTS,
    ACTUALS,
    VARIANTS,
)
SHEETS_BY_KEY: dict[str, Sheet] = {s.key: s for s in SHEETS}

INSTRUCTIONS_NAME = {"zh": "说明", "en": "Instructions"}
IGNORED_SHEETS = {normalize_name(n) for n in (*INSTRUCTIONS_NAME.values(), "instructions", "readme",
                                               "校验结果", "validation")}  # the last two: validate --annotate


_ID_SEPARATORS = re.compile(r"[,，、;；/\s]+")


def split_ids(text: object) -> tuple[str, ...]:
    """Split an id-list cell ("C01, C02、C03") into normalized ids."""
    parts = _ID_SEPARATORS.split(unicodedata.normalize("NFKC", str(text)).strip())
    return tuple(q for q in (normalize_id(p) for p in parts) if q)


def sheet(key: str) -> Sheet:
    return SHEETS_BY_KEY[key]


def find_sheet(name: str) -> Sheet | None:
    """The schema sheet a workbook sheet name stands for (key, zh label or en label), if any."""
    wanted = normalize_name(name)
    for s in SHEETS:
        if wanted in spellings(s.key, s.label_zh, s.label_en):
            return s
    return None


def match_column(sheet_: Sheet, header: object) -> Column | None:
    """The column a header cell names (key, zh label, en label or a former label; unit suffix allowed), if any."""
    for candidate in header_candidates(header):
        for col in sheet_.columns:
            if candidate in spellings(*col.spellings()):
                return col
    return None


def iter_columns(sheets: Iterable[Sheet] = SHEETS) -> Iterable[tuple[Sheet, Column]]:
    for s in sheets:
        for c in s.columns:
            yield s, c


def reference_doc(lang: str = "en") -> str:
    """The workbook reference as Markdown, generated from this schema (docs/workbook.md)."""
    out: list[str] = []
    title = "# 方案工作簿说明" if lang == "zh" else "# The scenario workbook"
    out.append(title + "\n")
    out.append(f"编号（代码）至多 {MAX_ID_LENGTH} 个字符，文本至多 {MAX_TEXT_LENGTH:,} 个字符（Excel 单元格的上限）；超出即报错，不会截断。\n"
               if lang == "zh" else f"An id (a code) holds at most {MAX_ID_LENGTH} characters, a text at most "
               f"{MAX_TEXT_LENGTH:,} (Excel's limit for a cell); a longer one is an error, never cut.\n")
    for s in SHEETS:
        req = ("必需" if s.required else "可选") if lang == "zh" else ("required" if s.required else "optional")
        out.append(f"## `{s.key}` — {s.label_zh} / {s.label_en} ({req})\n")
        out.append((s.help_zh if lang == "zh" else s.help_en) + "\n")
        head = "| 键 | 中文 | English | 单位 | 类型 | 必填 | 默认 | 范围 | 说明 |" if lang == "zh" else (
            "| key | 中文 | English | unit | type | required | default | bounds | help |")
        out.append(head)
        out.append("|---|---|---|---|---|---|---|---|---|")
        for c in s.columns:
            lo = "" if c.minimum is None else (("(" if c.minimum_exclusive else "[") + f"{c.minimum:g}")
            hi = "" if c.maximum is None else f"{c.maximum:g}]"
            bounds = f"{lo or '(-∞'}, {hi or '∞)'}" if (lo or hi) else ""
            if c.smallest is not None:
                bounds = f"{{0}} ∪ [{c.smallest:g}, {hi or '∞)'}"
            if c.choices:
                bounds = " / ".join(ch.key for ch in c.choices)
            if c.ref:
                bounds = f"→ {c.ref}"
            if c.max_length is not None:
                most = f"≤ {c.max_length:,} 字符" if lang == "zh" else f"≤ {c.max_length:,} characters"
                bounds = f"{bounds}; {most}" if bounds else most
            default = "" if c.default_in(lang) is None else str(c.default_in(lang))
            help_ = c.help(lang)
            if c.aliases:  # the former labels, so that a reader of an older workbook finds the column
                if lang == "zh":
                    help_ += "旧名" + "、".join(f"“{a}”" for a in c.aliases) + "仍可识别。"
                else:
                    former = ", ".join(f'"{a}"' for a in c.aliases)
                    help_ = f"{help_} Former label{'s' if len(c.aliases) > 1 else ''} {former} still read.".strip()
            out.append(
                f"| `{c.key}` | {c.label_zh} | {c.label_en} | {c.unit(lang)} | {c.type.value} | "
                f"{'✓' if c.required else ''} | {default} | {bounds} | {help_} |"
            )
        out.append("")
    return "\n".join(out)

"""Synthetic scenarios: a seeded generator of any size, and the curated example scenarios.

`generate_scenario(projects, districts, years, seed)` builds a valid scenario with realistic,
correlated figures: every industry chain has its own typical output per mu (万元/亩), tax rate,
energy intensity (tce per 万元 of output) and investment intensity (万元 of investment per mu);
land demand (mu) is lognormal, investment (亿元) follows land and chain, output follows
investment intensity, tax and energy follow output. A share of the projects is deliberately
awkward (layout misfits, non-compliant, first-report violators, below their chain's entry
standard), and quotas are set tight enough that choices matter, while mandatory projects are
always feasible. The whole project table is built column-wise with numpy, so 20,000 projects
over 90 districts and 5 years take a fraction of a second.

`hangzhou_example()` is the illustrative Hangzhou scenario shipped as
`scenarios/hangzhou_example.xlsx` (13 real districts, named platforms, fictitious projects), and
`small_en()` the small English one shipped as `scenarios/small_en.xlsx`.

The same seed always gives the same scenario: all randomness comes from one
`numpy.random.default_rng(seed)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quota_opt.core import quota
from quota_opt.core.scenario import Scenario, Settings

# --------------------------------------------------------------------------------------------
# Industry chains
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProfile:
    """Typical figures of one industry chain, from which its projects and entry standards are drawn.

    output_per_mu: median output at full production (万元 per mu per year);
    tax_rate: tax as a share of output; energy_intensity: median tce per 万元 of output;
    investment_per_mu: median investment intensity (万元 per mu); land_factor: multiplies the
    median land demand (60 mu); policy_weight: the chain's 一链一策 score multiplier;
    energy_capped: whether the chain has a maximum energy intensity as entry standard.
    """

    key: str
    name_zh: str
    name_en: str
    output_per_mu: float
    tax_rate: float
    energy_intensity: float
    investment_per_mu: float
    land_factor: float
    policy_weight: float
    energy_capped: bool = True
    company_words: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    @property
    def min_output_per_mu(self) -> float:
        """Entry standard: lowest output per mu admitted (万元/亩), about 45% of the chain's median."""
        return float(round(0.45 * self.output_per_mu, -1))

    @property
    def min_tax_per_mu(self) -> float:
        """Entry standard: lowest tax per mu admitted (万元/亩)."""
        return float(round(0.35 * self.output_per_mu * self.tax_rate))

    @property
    def max_energy_intensity(self) -> float | None:
        """Entry standard: highest tce per 万元 of output admitted, or None (no limit)."""
        return round(2.0 * self.energy_intensity, 3) if self.energy_capped else None


CHAIN_CATALOG: tuple[ChainProfile, ...] = (
    ChainProfile("security", "数字安防", "Digital security", 1600, 0.09, 0.025, 600, 0.8, 1.1,
                 company_words=("智能科技", "视觉科技", "感知科技"),
                 products=("智能视觉终端生产基地项目", "视频物联网模组产业化项目", "智能安防设备智造基地项目",
                           "城市安全感知设备项目", "智能门禁与可视对讲生产项目", "边缘计算安防终端项目")),
    ChainProfile("ic", "集成电路", "Integrated circuits", 2200, 0.07, 0.08, 1500, 1.5, 1.3,
                 company_words=("微电子", "半导体", "芯科技"),
                 products=("12英寸特色工艺晶圆制造项目", "功率半导体封装测试基地项目", "化合物半导体外延片项目",
                           "车规级芯片设计与封测项目", "MEMS传感器产线项目", "先进封装与测试项目",
                           "8英寸硅基氮化镓晶圆项目")),
    ChainProfile("biomed", "生物医药", "Biomedicine", 1200, 0.10, 0.05, 800, 0.9, 1.2,
                 company_words=("生物医药", "医疗科技", "生物科技"),
                 products=("创新药产业化基地项目", "高端医疗器械生产项目", "生物制剂CDMO项目", "体外诊断试剂生产项目",
                           "细胞治疗产业化项目", "疫苗研发生产一体化项目", "高端植介入器械项目")),
    ChainProfile("equipment", "智能装备制造", "Smart equipment", 800, 0.06, 0.04, 450, 1.0, 1.0,
                 company_words=("智能装备", "精工科技", "机械"),
                 products=("工业机器人生产基地项目", "高端数控机床项目", "智能物流装备项目", "精密减速器项目",
                           "智能电网装备项目", "半导体专用设备项目", "智能农机装备项目")),
    ChainProfile("nev", "新能源汽车及零部件", "New-energy vehicles and parts", 1100, 0.055, 0.05, 600, 1.6, 1.1,
                 company_words=("汽车部件", "动力科技", "新能源科技"),
                 products=("新能源汽车电驱系统项目", "动力电池系统集成项目", "汽车智能座舱项目", "一体化压铸车身件项目",
                           "氢燃料电池系统项目", "整车热管理系统项目", "线控底盘系统项目")),
    ChainProfile("materials", "新材料", "New materials", 600, 0.06, 0.25, 500, 1.2, 1.0,
                 company_words=("新材料", "材料科技", "高分子"),
                 products=("高性能纤维项目", "电子化学品项目", "特种合金材料项目", "锂电隔膜项目", "高端膜材料项目",
                           "碳纤维复合材料项目", "光学膜材料项目")),
    ChainProfile("ai_software", "人工智能与软件", "AI and software", 2500, 0.10, 0.02, 500, 0.5, 1.2,
                 energy_capped=False,
                 company_words=("信息技术", "智能", "数据科技"),
                 products=("工业软件研发总部项目", "智能机器人研发制造项目", "大模型应用研发基地项目",
                           "人工智能算法与终端项目", "智能网联软件研发项目", "数字孪生平台产业化项目")),
    ChainProfile("green", "节能环保", "Energy saving and environment", 550, 0.07, 0.10, 350, 0.8, 0.9,
                 company_words=("环境科技", "节能科技", "环保"),
                 products=("固废资源化利用项目", "高效节能电机项目", "环保装备制造基地项目", "再生资源循环利用项目",
                           "工业废水处理装备项目", "余热回收装备项目")),
    ChainProfile("chemicals", "绿色石化与精细化工", "Fine chemicals", 450, 0.06, 0.36, 450, 1.5, 0.8,
                 company_words=("化工", "精细化学", "化学科技"),
                 products=("高端精细化学品项目", "电子级湿化学品项目", "生物基化学品项目", "特种涂料项目")),
    ChainProfile("textiles", "现代纺织与服装", "Textiles and fashion", 380, 0.05, 0.15, 250, 0.9, 0.8,
                 company_words=("纺织", "时尚科技", "服饰"),
                 products=("功能性面料智能工厂项目", "数字化印染项目", "高端服装智能制造项目", "产业用纺织品项目")),
    ChainProfile("pv_storage", "光伏与储能", "Solar and storage", 900, 0.05, 0.12, 600, 1.4, 1.0,
                 company_words=("光伏科技", "储能科技", "能源科技"),
                 products=("高效光伏组件项目", "储能电池系统项目", "光伏逆变器项目", "储能变流器生产项目")),
    ChainProfile("aerospace", "航空航天", "Aerospace", 1000, 0.06, 0.04, 700, 1.0, 1.1,
                 company_words=("航空科技", "航天科技", "空天科技"),
                 products=("通用航空器总装项目", "航空发动机零部件项目", "卫星互联网终端项目", "无人机研发制造项目")),
)

# The eight chains of the Hangzhou example, in chain-id order C01..C08.
_EXAMPLE_CHAINS = ("security", "ic", "biomed", "equipment", "nev", "materials", "ai_software", "green")

# --------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------

HANGZHOU_DISTRICTS: tuple[str, ...] = (
    "上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区", "临安区",
    "桐庐县", "淳安县", "建德市",
)

_PLATFORM_KINDS = ("经济技术开发区", "高新技术产业园", "科技城", "智能制造产业园")

_BRAND_FIRST = ("澜", "启", "恒", "禾", "峰", "曜", "锐", "舟", "岚", "朔", "衡", "翎", "泓", "昱", "霁", "栩",
                "湛", "谦", "骁", "璟", "沐", "晟", "铭", "弘", "煜")
_BRAND_SECOND = ("源", "辰", "川", "拓", "景", "途", "序", "杉", "远", "望", "弈", "澄", "石", "衍", "岳", "桥",
                 "融", "帆", "野", "岭", "屿", "航", "霖", "策", "驰")
_PLACE_PREFIX = ("杭州", "浙江", "")


@dataclass(frozen=True)
class Shares:
    """Shares of awkward or special projects (of all projects)."""

    misfit: float = 0.10  # chain not a key chain of its platform (二(二), 三(一))
    not_compliant: float = 0.03
    not_approvable: float = 0.02
    first_report_violation: float = 0.03  # 四(一)
    below_standard: float = 0.02  # below the chain's entry standard (三(一))
    provincial_major: float = 0.15
    city_led: float = 0.05
    stock_eligible: float = 0.30
    mandatory: float = 0.02
    earliest_later: float = 0.15  # earliest supply year after the base year
    latest_earlier: float = 0.10  # latest supply year before the last planning year


@dataclass(frozen=True)
class Tightness:
    """How scarce each quota is, relative to the candidates' demand.

    district_land: range of the district's new-land quota over the horizon as a share of its candidate
    land demand; district_energy: the same for its energy budget; provincial_pool: provincial reward
    quota per year as a share of yearly land demand; city_energy_pool: city pool per year as a share of
    yearly energy demand; stock: revitalisable stock (initial plus added) as a share of stock-eligible
    demand; province_request: request cap per year as a share of yearly land demand.
    """

    district_land: tuple[float, float] = (0.25, 0.40)
    district_energy: tuple[float, float] = (0.25, 0.40)
    provincial_pool: float = 0.05
    city_energy_pool: float = 0.10
    stock: float = 0.20
    province_request: float = 0.02


@dataclass
class _Layout:
    """Districts, platforms and chains that projects are drawn into."""

    district_ids: list[str]
    district_names: list[str]
    district_weights: np.ndarray  # share of projects per district
    platform_ids: list[str]
    platform_names: list[str]
    platform_district: np.ndarray  # district index of each platform, non-decreasing
    platform_chains: list[list[int]]  # key chains (indexes into `chains`) of each platform
    platform_scores: np.ndarray  # evaluation score 0–100
    platform_capped: np.ndarray  # bool: the platform has a land capacity
    chains: list[ChainProfile]
    chain_ids: list[str]
    project_prefix: str = "XM"
    district_counts: np.ndarray | None = None  # exact project counts per district, if fixed
    district_land_scale: np.ndarray | None = None  # multiplies the median land demand per district
    rounding: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int, weights: np.ndarray | None = None) -> np.ndarray:
    """k distinct elements of `pool` (fewer if the pool is smaller), optionally weighted."""
    k = min(k, len(pool))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        p = w / w.sum() if w.sum() > 0 else None
    return np.sort(rng.choice(pool, size=k, replace=False, p=p))


def _count(share: float, n: int) -> int:
    return round(share * n)


def _within_reach(s: Settings, stock: np.ndarray, pool: float, request: float, city: float, may_stock: np.ndarray,
                  may_pool: np.ndarray, may_request: np.ndarray, may_city: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per project, the most land (mu) and energy (tce) it could get besides its district's quota and energy
    budget: all the reward its district's whole `stock` could earn, that stock (stock-eligible projects), the
    smallest year's provincial pool and the request cap; the smallest year's city energy pool."""
    land = quota.land_within_reach(0.0, quota.reward(s, stock), stock, pool, request, may_stock=may_stock,
                                   may_pool=may_pool, may_request=may_request)
    return land, quota.energy_within_reach(0.0, city, may_city=may_city)


def _round_to(values: np.ndarray, step: float, up: bool = False) -> np.ndarray:
    """Round to a multiple of `step` (up when `up`)."""
    scaled = values / step
    return (np.ceil(scaled - 1e-9) if up else np.round(scaled)) * step


def _project_names(rng: np.random.Generator, chains: list[ChainProfile], chain_of: np.ndarray,
                   unique: bool) -> list[str]:
    """Plausible, fictitious project names: place + brand + company word + product, e.g. "杭州澜拓微电子 MEMS传感器产线项目"."""
    n = len(chain_of)
    first = rng.integers(0, len(_BRAND_FIRST), n)
    second = rng.integers(0, len(_BRAND_SECOND), n)
    place = rng.integers(0, len(_PLACE_PREFIX), n)
    word = rng.integers(0, 3, n)
    product = rng.integers(0, 1_000_000, n)
    names: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        ch = chains[int(chain_of[i])]
        a, b = int(first[i]), int(second[i])
        for attempt in range(50):
            brand = _BRAND_FIRST[(a + attempt) % len(_BRAND_FIRST)] + _BRAND_SECOND[(b + 3 * attempt) % len(_BRAND_SECOND)]
            company = _PLACE_PREFIX[int(place[i])] + brand + ch.company_words[(int(word[i]) + attempt) % len(ch.company_words)]
            name = f"{company} {ch.products[(int(product[i]) + attempt) % len(ch.products)]}"
            if not unique or name not in seen:
                break
        seen.add(name)
        names.append(name)
    return names


def _raise_to_fit(quota: np.ndarray, district: np.ndarray, t_first: np.ndarray, t_last: np.ndarray,
                  need: np.ndarray, step: float) -> None:
    """Raise quota[d, t] (in place) so that every project's need fits in one year of its window.

    Projects are taken largest need first, and each raise goes to the window's year that already has
    the most quota, so that as few district-years as possible are loosened.
    """
    over = np.flatnonzero(need > quota.min(axis=1)[district] + 1e-9)
    for j in over[np.argsort(-need[over], kind="stable")]:
        d, t0, t1 = int(district[j]), int(t_first[j]), int(t_last[j])
        window = quota[d, t0 : t1 + 1]
        if window.max() + 1e-9 < need[j]:
            quota[d, t0 + int(np.argmax(window))] = float(_round_to(np.array([need[j]]), step, up=True)[0])


# --------------------------------------------------------------------------------------------
# The core: projects and quotas for a layout
# --------------------------------------------------------------------------------------------


def _build(rng: np.random.Generator, layout: _Layout, n_projects: int, years: int, base_year: int,
           shares: Shares, tight: Tightness, *, counts: dict[str, int] | None = None,
           unique_names: bool = False, shrink_to_fit: bool = False, min_quota_mu: float = 0.0) -> dict[str, Any]:
    """Tables (as dicts of columns) for `Scenario.from_tables`, plus the province request cap (mu per year).

    Quotas follow the candidates' demand (see `Tightness`). A project too large for anything its
    district could give it is trimmed when `shrink_to_fit` (curated examples); otherwise, or if one
    still is, the district's quota is raised in one year of its window. Mandatory projects always fit
    in the base year. `min_quota_mu` is the smallest yearly district quota (mu).
    """
    counts = counts or {}
    n, T = n_projects, years
    D, P, K = len(layout.district_ids), len(layout.platform_ids), len(layout.chains)
    chains = layout.chains
    rnd = layout.rounding

    # ---- district and platform of each project (sorted by district, then platform, like a collected workbook)
    if layout.district_counts is not None:
        district = np.repeat(np.arange(D), layout.district_counts)
        assert len(district) == n
    else:
        district = np.sort(rng.choice(D, size=n, p=layout.district_weights))
    plat_w = layout.platform_scores - 40.0  # better-rated platforms attract more projects
    cum = np.cumsum(plat_w)
    first_plat = np.searchsorted(layout.platform_district, np.arange(D), side="left")
    last_plat = np.searchsorted(layout.platform_district, np.arange(D), side="right") - 1
    lo = np.where(first_plat > 0, cum[np.maximum(first_plat - 1, 0)], 0.0)
    hi = cum[last_plat]
    target = lo[district] + rng.random(n) * (hi - lo)[district]
    platform = np.clip(np.searchsorted(cum, target, side="right"), first_plat[district], last_plat[district])
    order = np.lexsort((platform, district))
    district, platform = district[order], platform[order]

    # ---- who is special (disjoint sets where it matters)
    idx = np.arange(n)
    misfit = np.zeros(n, bool)
    misfit[_pick(rng, idx, counts.get("misfit", _count(shares.misfit, n)))] = True
    rest = idx[~misfit]
    not_compliant = np.zeros(n, bool)
    not_compliant[_pick(rng, rest, counts.get("not_compliant", _count(shares.not_compliant, n)))] = True
    rest = idx[~misfit & ~not_compliant]
    not_approvable = np.zeros(n, bool)
    not_approvable[_pick(rng, rest, counts.get("not_approvable", _count(shares.not_approvable, n)))] = True
    rest = idx[~misfit & ~not_compliant & ~not_approvable]
    below = np.zeros(n, bool)
    below[_pick(rng, rest, counts.get("below_standard", _count(shares.below_standard, n)))] = True
    rest = idx[~not_compliant & ~not_approvable & ~below]
    violator = np.zeros(n, bool)
    violator[_pick(rng, rest, counts.get("first_report_violation", _count(shares.first_report_violation, n)))] = True

    # ---- chain: a key chain of the platform, or (misfits) a chain that is not
    n_key = np.array([len(c) for c in layout.platform_chains])
    key_pad = np.full((P, max(1, int(n_key.max()))), -1, dtype=np.int64)
    for k, cs in enumerate(layout.platform_chains):
        key_pad[k, : len(cs)] = cs
    pick = np.floor(rng.random(n) * n_key[platform]).astype(np.int64)
    chain = key_pad[platform, pick]
    is_key = np.zeros((P, K), bool)
    for k, cs in enumerate(layout.platform_chains):
        is_key[k, cs] = True
    todo = np.flatnonzero(misfit & (n_key[platform] < K))
    while len(todo):
        chain[todo] = rng.integers(0, K, len(todo))
        todo = todo[is_key[platform[todo], chain[todo]]]
    misfit &= ~is_key[platform, chain]

    # ---- figures, correlated through the chain profile
    land_factor = np.array([c.land_factor for c in chains])
    opm_med = np.array([c.output_per_mu for c in chains])
    tax_rate = np.array([c.tax_rate for c in chains])
    ei_med = np.array([c.energy_intensity for c in chains])
    inv_med = np.array([c.investment_per_mu for c in chains])
    min_opm = np.array([c.min_output_per_mu for c in chains])
    min_tpm = np.array([c.min_tax_per_mu for c in chains])
    max_ei = np.array([c.max_energy_intensity if c.max_energy_intensity is not None else np.inf for c in chains])

    scale = layout.district_land_scale[district] if layout.district_land_scale is not None else 1.0
    land = np.clip(np.exp(rng.normal(np.log(60.0 * land_factor[chain] * scale), 0.75)), 5.0, 500.0)
    land = np.round(land, 1)
    inv_factor = np.exp(rng.normal(0.0, 0.35, n))  # how capital-intensive this project is for its chain
    investment = np.maximum(np.round(land * inv_med[chain] * inv_factor / 1e4, 2), 0.5)
    opm = opm_med[chain] * np.exp(rng.normal(0.0, 0.28, n)) * inv_factor**0.4
    tax_per_output = tax_rate[chain] * np.exp(rng.normal(0.0, 0.2, n))
    intensity = ei_med[chain] * np.exp(rng.normal(0.0, 0.35, n))
    # everyone meets the entry standards with a margin, except the chosen few below them
    opm = np.maximum(opm, 1.06 * min_opm[chain])
    tax_per_output = np.maximum(tax_per_output, 1.06 * min_tpm[chain] / opm)
    intensity = np.minimum(intensity, 0.94 * max_ei[chain])
    which = rng.integers(0, 3, n)
    which = np.where((which == 2) & ~np.isfinite(max_ei[chain]), 0, which)
    b = below & (which == 0)
    opm[b] = 0.8 * min_opm[chain[b]]
    b = below & (which == 1)
    tax_per_output[b] = 0.8 * min_tpm[chain[b]] / opm[b]
    b = below & (which == 2)
    intensity[b] = 1.3 * max_ei[chain[b]]
    output = np.round(land * opm)
    tax = np.round(output * tax_per_output)
    energy = np.round(output * intensity)

    # ---- flags
    inv_rank = np.argsort(np.argsort(investment)) + 1.0
    provincial_major = np.zeros(n, bool)
    provincial_major[_pick(rng, idx, counts.get("provincial_major", _count(shares.provincial_major, n)),
                           inv_rank)] = True
    city_led = np.zeros(n, bool)
    city_led[_pick(rng, idx, counts.get("city_led", _count(shares.city_led, n)), inv_rank**2)] = True
    stock_eligible = np.zeros(n, bool)
    stock_eligible[_pick(rng, idx, counts.get("stock_eligible", _count(shares.stock_eligible, n)))] = True
    clean = ~misfit & ~not_compliant & ~not_approvable & ~below & ~violator
    small = land <= np.quantile(land, 0.6) if n else np.zeros(0, bool)
    mandatory = np.zeros(n, bool)
    mandatory[_pick(rng, idx[clean & small], counts.get("mandatory", _count(shares.mandatory, n)))] = True

    earliest = np.full(n, np.nan)
    latest = np.full(n, np.nan)
    if T > 1:
        free = idx[~mandatory]
        later = _pick(rng, free, _count(shares.earliest_later, n))
        earliest[later] = base_year + rng.integers(1, T, len(later))
        earlier = _pick(rng, free, _count(shares.latest_earlier, n))
        start = np.where(np.isnan(earliest[earlier]), base_year, earliest[earlier])
        latest[earlier] = np.minimum(start + rng.integers(0, T - 1, len(earlier)), base_year + T - 2)
        latest[earlier] = np.maximum(latest[earlier], start)

    # ---- quotas
    eligible = ~not_compliant & ~not_approvable & ~below
    fits = ~misfit & ~violator
    step_mu, step_tce = rnd.get("mu", 1.0), rnd.get("tce", 1.0)
    land_jitter = rng.uniform(0.85, 1.15, (D, T))
    energy_jitter = rng.uniform(0.85, 1.15, (D, T))
    share_land = rng.uniform(*tight.district_land, D)
    share_energy = rng.uniform(*tight.district_energy, D)
    pool_jitter = rng.uniform(0.9, 1.1, T)
    city_jitter = rng.uniform(0.9, 1.1, T)
    stock_first = rng.uniform(0.5, 0.7, D)
    split = rng.dirichlet(np.ones(T), D) if T > 1 else np.ones((D, 1))
    t_first = np.where(np.isnan(earliest), base_year, earliest).astype(np.int64) - base_year
    t_last = np.where(np.isnan(latest), base_year + T - 1, latest).astype(np.int64) - base_year
    in_window = (np.arange(T)[None, :] >= t_first[:, None]) & (np.arange(T)[None, :] <= t_last[:, None])
    settings = Settings(base_year=base_year)

    major = provincial_major | city_led | (investment >= 10.0)
    may_pool = provincial_major & fits
    may_request = major & fits
    may_city = major & fits
    demand_d = np.bincount(district, weights=land * eligible, minlength=D)
    energy_d = np.bincount(district, weights=energy * eligible, minlength=D)
    stock_d = np.bincount(district, weights=land * (eligible & stock_eligible), minlength=D)
    total_land, total_energy = float(land[eligible].sum()), float(energy[eligible].sum())
    land_quota = _round_to(share_land[:, None] * demand_d[:, None] / T * land_jitter, step_mu)
    energy_budget = _round_to(share_energy[:, None] * energy_d[:, None] / T * energy_jitter, step_tce)
    if shrink_to_fit:
        # curated data: even a small district's yearly quota takes its typical (median) project
        typical = np.array([np.median(land[eligible & (district == d)]) if (eligible & (district == d)).any()
                            else 0.0 for d in range(D)])
        land_quota = np.maximum(land_quota, _round_to(typical, step_mu, up=True)[:, None])
    land_quota = np.maximum(land_quota, min_quota_mu)
    pool = _round_to(tight.provincial_pool * total_land / T * pool_jitter, step_mu)
    city_pool = _round_to(tight.city_energy_pool * total_energy / T * city_jitter, step_tce)
    request_cap = float(_round_to(np.array([tight.province_request * total_land / T]), step_mu)[0])
    stock_total = _round_to(tight.stock * stock_d, step_mu)
    stock_initial = _round_to(stock_total * stock_first, step_mu)
    stock_added = _round_to((stock_total - stock_initial)[:, None] * split, step_mu)
    stock_total = stock_initial + stock_added.sum(axis=1)
    # what each project could get besides its district's quota / energy budget, at most
    alt_land, alt_energy = _within_reach(settings, stock_total[district], pool.min(), request_cap, city_pool.min(),
                                         stock_eligible, may_pool, may_request, may_city)
    if shrink_to_fit:
        # a project larger than anything its district could give it is trimmed, its per-mu figures kept
        room_land = np.where(in_window, land_quota[district], 0.0).max(axis=1) + alt_land
        room_energy = np.where(in_window, energy_budget[district], 0.0).max(axis=1) + alt_energy
        f = np.minimum.reduce([np.ones(n), 0.95 * room_land / land, 0.95 * room_energy / np.maximum(energy, 1.0)])
        f = np.where(eligible, np.clip(f, 0.3, 1.0), 1.0)
        land = np.round(land * f, 1)
        investment = np.where(f < 1.0, np.maximum(np.round(investment * f, 2), 0.5), investment)
        output, tax, energy = np.round(output * f), np.round(tax * f), np.round(energy * f)
        major = provincial_major | city_led | (investment >= 10.0)  # a trimmed project may no longer be major
        may_request = major & fits
        may_city = major & fits
        alt_land, alt_energy = _within_reach(settings, stock_total[district], pool.min(), request_cap,
                                             city_pool.min(), stock_eligible, may_pool, may_request, may_city)

    # no eligible project may be larger than everything its district could ever give it in some year of its
    # window: where one is, raise the district's quota (energy budget) in the window year that has the most
    _raise_to_fit(land_quota, district, t_first, t_last, np.where(eligible, land - alt_land, 0.0), step_mu)
    _raise_to_fit(energy_budget, district, t_first, t_last, np.where(eligible, energy - alt_energy, 0.0), step_tce)
    # mandatory projects fit in the base year, whatever else happens
    must_land = np.bincount(district, weights=land * mandatory, minlength=D)
    must_energy = np.bincount(district, weights=energy * mandatory, minlength=D)
    land_quota[:, 0] = np.maximum(land_quota[:, 0], _round_to(must_land, step_mu, up=True))
    energy_budget[:, 0] = np.maximum(energy_budget[:, 0], _round_to(must_energy, step_tce, up=True))

    # ---- platform land capacity (mu over the horizon) for some platforms
    plat_demand = np.bincount(platform, weights=land * eligible, minlength=P)
    plat_max = np.zeros(P)
    np.maximum.at(plat_max, platform, land * eligible)
    plat_must = np.bincount(platform, weights=land * mandatory, minlength=P)
    capacity = np.maximum.reduce([rng.uniform(0.5, 0.8, P) * plat_demand, plat_max, plat_must, np.full(P, 50.0)])
    capacity = np.where(layout.platform_capped, _round_to(capacity, 10.0, up=True), np.nan)

    # ---- tables
    years_list = list(range(base_year, base_year + T))
    width = max(3, len(str(n)))
    project_ids = [f"{layout.project_prefix}{i:0{width}d}" for i in range(1, n + 1)]
    names = _project_names(rng, chains, chain, unique_names)
    dids = np.array(layout.district_ids, dtype=object)
    pids = np.array(layout.platform_ids, dtype=object)
    cids = np.array(layout.chain_ids, dtype=object)
    projects = {
        "project_id": project_ids,
        "name": names,
        "district_id": dids[district],
        "platform_id": pids[platform],
        "chain_id": cids[chain],
        "investment": investment,
        "land_demand": land,
        "stock_land_eligible": stock_eligible,
        "annual_output": output,
        "annual_tax": tax,
        "energy_demand": energy,
        "compliant": ~not_compliant,
        "approvable": ~not_approvable,
        "first_report_ok": ~violator,
        "provincial_major": provincial_major,
        "city_led": city_led,
        "mandatory": mandatory,
        "earliest_year": [None if np.isnan(v) else int(v) for v in earliest],
        "latest_year": [None if np.isnan(v) else int(v) for v in latest],
    }
    districts = {"district_id": layout.district_ids, "name": layout.district_names, "stock_land_initial": stock_initial}
    platforms = {
        "platform_id": layout.platform_ids,
        "name": layout.platform_names,
        "district_id": dids[layout.platform_district],
        "key_chains": [tuple(layout.chain_ids[c] for c in cs) for cs in layout.platform_chains],
        "evaluation_score": layout.platform_scores,
        "land_capacity": [None if np.isnan(v) else float(v) for v in capacity],
    }
    chain_table = {
        "chain_id": layout.chain_ids,
        "name": [c.name_zh for c in chains],
        "min_output_per_mu": [c.min_output_per_mu for c in chains],
        "min_tax_per_mu": [c.min_tax_per_mu for c in chains],
        "max_energy_intensity": [c.max_energy_intensity for c in chains],
        "policy_weight": [c.policy_weight for c in chains],
    }
    district_quotas = {
        "year": np.tile(years_list, D),
        "district_id": np.repeat(dids, T),
        "new_land_quota": land_quota.reshape(-1),
        "energy_budget": energy_budget.reshape(-1),
        "stock_land_added": stock_added.reshape(-1),
    }
    city_quotas = {"year": years_list, "provincial_reward_quota": pool, "city_energy_pool": city_pool,
                   "province_request_cap": [request_cap] * T}
    return {
        "tables": {"districts": districts, "platforms": platforms, "chains": chain_table,
                   "district_quotas": district_quotas, "city_quotas": city_quotas, "projects": projects},
        "request_cap": request_cap,
    }


# --------------------------------------------------------------------------------------------
# Generated scenarios of any size
# --------------------------------------------------------------------------------------------


def _generic_layout(rng: np.random.Generator, districts: int) -> _Layout:
    n_chains = int(rng.integers(8, 13))
    chains = [CHAIN_CATALOG[i] for i in np.sort(rng.choice(len(CHAIN_CATALOG), n_chains, replace=False))]
    chain_ids = [f"C{i:02d}" for i in range(1, n_chains + 1)]
    if districts <= len(HANGZHOU_DISTRICTS):
        names = list(HANGZHOU_DISTRICTS[:districts])
        short = [nm[:-1] for nm in names]
    else:
        names = [f"县区{i:03d}" for i in range(1, districts + 1)]
        short = names
    district_ids = [f"D{i:02d}" for i in range(1, districts + 1)]
    weights = np.exp(rng.normal(0.0, 0.5, districts))
    per_district = rng.integers(1, 5, districts)  # 1–4 platforms
    platform_district = np.repeat(np.arange(districts), per_district)
    P = len(platform_district)
    n_key = rng.integers(2, 5, P)  # 2–4 key chains
    platform_chains = [sorted(int(c) for c in rng.choice(n_chains, int(k), replace=False)) for k in n_key]
    kind = np.concatenate([np.arange(k) for k in per_district])
    offset = rng.integers(0, len(_PLATFORM_KINDS), districts)
    platform_names = [f"{short[d]}{_PLATFORM_KINDS[(int(offset[d]) + int(k)) % len(_PLATFORM_KINDS)]}"
                      for d, k in zip(platform_district, kind, strict=True)]
    width = max(3, len(str(P)))
    return _Layout(
        district_ids=district_ids, district_names=names, district_weights=weights / weights.sum(),
        platform_ids=[f"PF{i:0{width}d}" for i in range(1, P + 1)], platform_names=platform_names,
        platform_district=platform_district, platform_chains=platform_chains,
        platform_scores=np.round(rng.uniform(50.0, 95.0, P), 1), platform_capped=rng.random(P) < 0.3,
        chains=chains, chain_ids=chain_ids,
    )


# What generate_scenario makes (ValueError beyond): district ids D01…D99. `quota-opt generate` bounds its options
# within these, so that the CLI refuses a size (bad_option, zh or en) before the generator would.
MAX_PROJECTS = 1_000_000
MAX_DISTRICTS = 99
MAX_YEARS = 10


def generate_scenario(projects: int, districts: int, years: int, seed: int, base_year: int = 2026,
                      lang: str = "zh") -> Scenario:
    """A valid synthetic scenario with `projects` candidate projects over `districts` districts and `years` years,
    named in `lang` (生成的示例方案（120个项目、13个区县、3个年度，种子1） / generated 120x13x3 seed 1).

    Sizes: 12 to 20,000 projects, 3 to 90 districts, 1 to 10 years. Figures are realistic and
    correlated (see the module docstring); land in mu, energy in tce, investment in 亿元, output and
    tax in 万元 per year. The same arguments always give the same scenario.
    """
    if not 1 <= projects <= MAX_PROJECTS:
        raise ValueError(f"projects must be between 1 and {MAX_PROJECTS:,}, not {projects}")
    if not 1 <= districts <= MAX_DISTRICTS:
        raise ValueError(f"districts must be between 1 and {MAX_DISTRICTS}, not {districts}")
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}, not {years}")
    rng = np.random.default_rng(seed)
    layout = _generic_layout(rng, districts)
    built = _build(rng, layout, projects, years, base_year, Shares(), Tightness())
    settings = Settings(base_year=base_year, horizon_years=years,
                        scenario_name=(f"生成的示例方案（{projects}个项目、{districts}个区县、{years}个年度，种子{seed}）"
                                       if lang == "zh" else f"generated {projects}x{districts}x{years} seed {seed}"),
                        province_request_cap=built["request_cap"])
    return Scenario.from_tables(settings, built["tables"])


# --------------------------------------------------------------------------------------------
# The curated Hangzhou example
# --------------------------------------------------------------------------------------------

# (district index, platform name, key chains as indexes into _EXAMPLE_CHAINS, evaluation score, capped)
_HANGZHOU_PLATFORMS: tuple[tuple[int, str, tuple[int, ...], float, bool], ...] = (
    (0, "上城数智产业园", (6, 0), 72.0, True),
    (1, "拱墅智慧网谷", (6, 0), 70.5, False),
    (2, "紫金港科技城（西湖）", (6, 2, 1), 84.0, False),
    (2, "云栖小镇（西湖）", (6, 0), 79.5, True),
    (3, "杭州高新区（滨江）", (0, 1, 6), 94.0, False),
    (3, "滨江物联网小镇", (0, 6), 86.5, True),
    (4, "萧山经济技术开发区", (4, 3, 5), 88.0, False),
    (4, "杭州空港经济区（萧山）", (3, 2), 80.0, False),
    (4, "萧山信息港小镇", (6, 1), 77.5, True),
    (5, "杭州未来科技城（余杭）", (6, 2, 1), 92.0, False),
    (5, "余杭智能制造产业园", (3, 4), 76.0, False),
    (6, "临平经济开发区", (3, 2, 4), 82.5, False),
    (7, "杭州钱塘新区（杭州经济技术开发区）", (1, 4, 5, 2), 90.0, False),
    (7, "杭州医药港（钱塘）", (2,), 87.0, True),
    (8, "富阳经济技术开发区", (3, 4, 7), 75.0, False),
    (8, "银湖创新中心（富阳）", (6, 0), 68.0, True),
    (9, "青山湖科技城（临安）", (3, 5, 1), 78.5, False),
    (9, "临安经济开发区", (4, 7), 66.0, False),
    (10, "桐庐经济开发区", (3, 7, 2), 64.5, False),
    (11, "千岛湖绿色产业园（淳安）", (7, 2), 58.0, True),
    (12, "建德高新技术产业园", (5, 4, 7), 62.0, False),
)
# projects per district, in HANGZHOU_DISTRICTS order (sums to 120)
_HANGZHOU_COUNTS = (4, 5, 7, 10, 17, 14, 11, 16, 10, 9, 7, 4, 6)
# typical project size per district relative to the city median: small plots in the urban core
_HANGZHOU_LAND_SCALE = (0.6, 0.6, 0.9, 1.0, 1.7, 1.5, 1.3, 1.8, 1.3, 1.2, 1.0, 0.8, 1.1)
_HANGZHOU_SEED = 20190606  # the policy took effect on 6 June 2019


def _hangzhou_layout() -> _Layout:
    chains = [next(c for c in CHAIN_CATALOG if c.key == k) for k in _EXAMPLE_CHAINS]
    counts = np.array(_HANGZHOU_COUNTS)
    return _Layout(
        district_ids=[f"D{i:02d}" for i in range(1, 14)], district_names=list(HANGZHOU_DISTRICTS),
        district_weights=counts / counts.sum(),
        platform_ids=[f"PF{i:02d}" for i in range(1, len(_HANGZHOU_PLATFORMS) + 1)],
        platform_names=[p[1] for p in _HANGZHOU_PLATFORMS],
        platform_district=np.array([p[0] for p in _HANGZHOU_PLATFORMS]),
        platform_chains=[list(p[2]) for p in _HANGZHOU_PLATFORMS],
        platform_scores=np.array([p[3] for p in _HANGZHOU_PLATFORMS]),
        platform_capped=np.array([p[4] for p in _HANGZHOU_PLATFORMS]),
        chains=chains, chain_ids=[f"C{i:02d}" for i in range(1, len(chains) + 1)],
        district_counts=counts, district_land_scale=np.array(_HANGZHOU_LAND_SCALE),
        rounding={"mu": 10.0, "tce": 100.0},
    )


# the targets by their Chinese names, as a bureau writes them (the keys are read too: small_en)
HANGZHOU_VARIANTS: tuple[dict[str, Any], ...] = (
    {"variant": "能耗池收紧20%", "target": "市级年度指标.市级统筹能耗指标", "operation": "scale", "value": "0.8",
     "note": "五(二)：市级统筹能耗指标各年减少20%"},
    {"variant": "重亩均产值", "target": "权重：亩均产值", "operation": "set", "value": "0.5",
     "note": "五(一)：提高亩均产值在综合得分中的权重"},
    {"variant": "奖励比例提高", "target": "存量盘活奖励比例", "operation": "set", "value": "1",
     "note": "五(一)：盘活存量建设用地按1:1奖励新增建设用地指标"},
    {"variant": "萧山指标增加", "target": "区县年度指标.新增建设用地计划指标", "operation": "scale", "value": "1.2",
     "district_id": "D05", "note": "萧山区新增建设用地计划指标各年增加20%"},
)


def hangzhou_example() -> Scenario:
    """The illustrative Hangzhou example (fictitious figures): 13 districts, 21 platforms, 8 chains, 3 years, 120 projects.

    Includes layout misfits, non-compliant and non-approvable projects, first-report violators,
    projects below their chain's entry standard, provincial majors and three mandatory projects
    (all feasible), and a `variants` sheet with four named alternatives.
    """
    rng = np.random.default_rng(_HANGZHOU_SEED)
    layout = _hangzhou_layout()
    counts = {"misfit": 11, "not_compliant": 4, "not_approvable": 2, "below_standard": 3,
              "first_report_violation": 4, "provincial_major": 18, "city_led": 6, "stock_eligible": 36,
              "mandatory": 3}
    built = _build(rng, layout, 120, 3, 2026, Shares(), Tightness(provincial_pool=0.07), counts=counts,
                   unique_names=True, shrink_to_fit=True, min_quota_mu=20.0)
    tables = built["tables"]
    tables["city_quotas"]["province_request_cap"] = [None] * 3  # blank: the settings value applies
    tables["variants"] = list(HANGZHOU_VARIANTS)
    settings = Settings(base_year=2026, horizon_years=3, scenario_name="杭州市重大产业项目指标分配示例（虚构数据）",
                        province_request_cap=200.0)
    return Scenario.from_tables(settings, tables)


# --------------------------------------------------------------------------------------------
# The small English example
# --------------------------------------------------------------------------------------------


def small_en() -> Scenario:
    """A small English example: 3 districts, 4 platforms, 4 chains, 3 years, 12 projects (fictitious figures).

    Small enough to follow by hand: one mandatory project, one layout misfit, one first-report
    violator, one non-compliant project, one below its chain's output standard, two provincial majors.
    """
    districts = [
        {"district_id": "N", "name": "North District", "stock_land_initial": 40},
        {"district_id": "E", "name": "East District", "stock_land_initial": 0},
        {"district_id": "R", "name": "River County", "stock_land_initial": 60},
    ]
    platforms = [
        {"platform_id": "N-HT", "name": "North High-tech Zone", "district_id": "N", "key_chains": "IC, AI",
         "evaluation_score": 91},
        {"platform_id": "E-ED", "name": "East Economic Development Zone", "district_id": "E", "key_chains": "EQ, BIO",
         "evaluation_score": 84},
        {"platform_id": "E-BP", "name": "East Biopark", "district_id": "E", "key_chains": "BIO",
         "evaluation_score": 77, "land_capacity": 120},
        {"platform_id": "R-IP", "name": "River Industrial Park", "district_id": "R", "key_chains": "EQ",
         "evaluation_score": 63},
    ]
    chains = [
        {"chain_id": "IC", "name": "Integrated circuits", "min_output_per_mu": 1000, "min_tax_per_mu": 50,
         "max_energy_intensity": 0.16, "policy_weight": 1.3},
        {"chain_id": "AI", "name": "AI and software", "min_output_per_mu": 1100, "min_tax_per_mu": 80,
         "policy_weight": 1.2},
        {"chain_id": "BIO", "name": "Biomedicine", "min_output_per_mu": 500, "min_tax_per_mu": 40,
         "max_energy_intensity": 0.1, "policy_weight": 1.2},
        {"chain_id": "EQ", "name": "Smart equipment", "min_output_per_mu": 350, "min_tax_per_mu": 20,
         "max_energy_intensity": 0.08},
    ]

    def proj(pid: str, name: str, district: str, platform: str, chain: str, investment: float, land: float,
             output: float, tax: float, energy: float, **flags: Any) -> dict[str, Any]:
        return {"project_id": pid, "name": name, "district_id": district, "platform_id": platform,
                "chain_id": chain, "investment": investment, "land_demand": land, "annual_output": output,
                "annual_tax": tax, "energy_demand": energy, **flags}

    projects = [
        proj("P01", "12-inch specialty wafer fab", "N", "N-HT", "IC", 48.0, 180, 396000, 27700, 31700,
             provincial_major=True, mandatory=True),
        proj("P02", "Power semiconductor packaging and test", "N", "N-HT", "IC", 12.5, 85, 161500, 11300, 11300,
             stock_land_eligible=True),
        proj("P03", "Industrial software headquarters", "N", "N-HT", "AI", 6.0, 30, 72000, 7200, 1400,
             stock_land_eligible=True),
        proj("P04", "Machine-vision robot line", "N", "N-HT", "EQ", 4.2, 60, 45000, 2700, 1800),  # misfit
        proj("P05", "Servo motor and reducer plant", "E", "E-ED", "EQ", 8.5, 120, 102000, 6100, 4100,
             city_led=True),
        proj("P06", "Innovative drug manufacturing base", "E", "E-BP", "BIO", 15.0, 90, 117000, 11700, 5900,
             provincial_major=True, stock_land_eligible=True, earliest_year=2027),
        proj("P07", "In-vitro diagnostics reagents", "E", "E-BP", "BIO", 3.8, 40, 52000, 5200, 2100),
        proj("P08", "Medical device contract manufacturing", "E", "E-ED", "BIO", 5.5, 55, 60500, 5400, 3000,
             first_report_ok=False),
        proj("P09", "CNC machine tool plant", "R", "R-IP", "EQ", 7.0, 140, 98000, 5900, 4900,
             stock_land_eligible=True),
        proj("P10", "Intelligent logistics equipment", "R", "R-IP", "EQ", 3.0, 70, 42000, 2500, 2100,
             latest_year=2027),
        proj("P11", "Metal stamping expansion", "R", "R-IP", "EQ", 6.5, 110, 33000, 1700, 2600),  # below standard
        proj("P12", "Pharmaceutical packaging plant", "E", "E-ED", "BIO", 2.6, 45, 40500, 2800, 1600,
             compliant=False),
    ]
    years = (2026, 2027, 2028)
    land = {"N": (150, 140, 150), "E": (120, 110, 110), "R": (90, 90, 100)}
    energy = {"N": (16000, 15000, 15000), "E": (6000, 6000, 6500), "R": (4500, 5000, 5000)}
    district_quotas = [
        {"year": y, "district_id": d, "new_land_quota": land[d][t], "energy_budget": energy[d][t],
         "stock_land_added": 20 if (d == "R" and t == 1) else 0}
        for d in ("N", "E", "R") for t, y in enumerate(years)
    ]
    city_quotas = [
        {"year": y, "provincial_reward_quota": q, "city_energy_pool": e}
        for y, q, e in zip(years, (60, 60, 80), (20000, 8000, 8000), strict=True)
    ]
    settings = Settings(base_year=2026, horizon_years=3, scenario_name="Small English example (fictitious data)",
                        province_request_cap=30.0)
    return Scenario.from_tables(settings, {
        "districts": districts, "platforms": platforms, "chains": chains, "district_quotas": district_quotas,
        "city_quotas": city_quotas, "projects": projects,
    })

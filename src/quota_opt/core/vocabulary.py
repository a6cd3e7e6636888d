"""The words for the quotas, the sources a project draws on and their units, in zh and en: one name each.

Every module that names a quota, a source or a unit takes it from here (the reasons, the shadow prices sheet, the
infeasibility report, explain's thresholds and compare's sources column), so a reader meets one name for each. The
message templates themselves live in core/messages.py; the workbook's column labels in core/schema.py.
"""

from __future__ import annotations

# Units of the two resources (zh, en).
UNITS = {"land": ("亩", "mu"), "energy": ("吨标准煤", "tce")}
UNIT_WORDS = {kind: {"zh": zh, "en": en} for kind, (zh, en) in UNITS.items()}  # by language, for templates

# Each quota's one name (zh, en), keyed by the model's constraint: the left-out reasons, explain's thresholds, the
# shadow prices sheet and the infeasibility report all name a quota from here. The names are the quota sheets'
# labels (schema.py) in the policy's words (五(一) 新增建设用地计划指标), with the district-level ones marked 区县 /
# district (tests/test_explain.py checks them against the schema).
QUOTA_NAMES = {
    "district_land_quota": ("区县新增建设用地计划指标", "district new-land quota"),
    "stock_inventory": ("可盘活存量建设用地", "revitalisable stock land"),
    "provincial_reward_pool": ("省重大产业项目奖励指标", "provincial reward quota"),
    "province_request_cap": ("向省争取上限", "province request cap"),  # a ceiling on asking, not quota in hand
    "district_energy_budget": ("区县能耗指标", "district energy budget"),
    "city_energy_pool": ("市级统筹能耗指标", "city energy pool"),
    "platform_land_capacity": ("平台用地容量", "platform land capacity"),
    "city_reward_reserve": ("市级存量盘活奖励指标储备", "city stock-land reward reserve"),  # 五(一), the city's
}
# The city's own row in the quota ledger, beside the districts' (the reward reserve: reserve − drawn = left).
CITY_LEDGER_ROW = {"zh": ("市级", "市级存量盘活奖励指标储备"), "en": ("city", "City stock-land reward reserve")}
ENERGY_QUOTAS = ("district_energy_budget", "city_energy_pool")
# Each quota's unit (zh, en).
QUOTA_UNITS = {name: UNITS["energy" if name in ENERGY_QUOTAS else "land"] for name in QUOTA_NAMES}

# The sources of a supplied project's land and energy (the allocation's columns), as a reason or compare's sources
# column lists them: "区县指标 50.0 亩、省重大产业项目奖励指标 70.0 亩". These are the results workbook's words; compare's
# column once had its own shorter ones (省奖励, 存量, stock, district energy).
SOURCE_WORDS = {
    "land_district_quota": ("区县指标", "district quota"),
    "land_provincial_pool": ("省重大产业项目奖励指标", "provincial pool"),
    "land_stock": ("存量建设用地", "stock land"),
    "land_province_request": ("向省争取", "province request"),
    "energy_district": ("区县能耗", "district budget"),
    "energy_city_pool": ("市级统筹能耗", "city energy pool"),
}

# A reason code (allocation sheet, reason_code) as a zh workbook shows it; an en workbook shows the code. Both are
# read back (`reason_code_of`). A code without words here is shown as it is.
REASON_CODE_WORDS: dict[str, str] = {
    "selected": "已安排",
    "actual": "已供地（执行）",
    "not_compliant": "不合规",
    "not_approvable": "用地不可批",
    "below_output_standard": "亩均产值未达准入标准",
    "below_tax_standard": "亩均税收未达准入标准",
    "above_energy_intensity": "能耗强度超过准入上限",
    "outside_window": "供地年度不在规划期内",
    "excluded_misfit": "不享受市级支持，不参与分配",
    "already_supplied": "已实际供地",
    "outcompeted": "未予安排（指标不足）",
    "quota_short": "指标总量不足",
    "misfit_district_short": "本区县资源不足（不享受市级支持）",
    "platform_full": "平台用地容量不足",
    "request_not_worth": "需向省争取，代价高于项目价值",
    "within_gap": "求解精度内未安排",
    "major_first": "重大产业项目优先",
    "no_value": "综合得分为 0",
    "phase_waits": "上一期未安排（分期供地）",
}

# The model's constraints (shadow-price sheet, `constraint`) as a zh workbook names them; en shows the name.
CONSTRAINT_WORDS: dict[str, str] = {
    "district_land_quota": "区县新增建设用地计划指标约束",
    "stock_inventory": "存量建设用地库存约束",
    "provincial_reward_pool": "省重大产业项目奖励指标总量约束",
    "province_request_cap": "向省争取上限约束",
    "district_energy_budget": "区县能耗指标约束",
    "city_energy_pool": "市级统筹能耗指标约束",
    "platform_land_capacity": "平台用地容量约束",
    "city_reward_reserve": "市级存量盘活奖励指标储备约束",
}

# The solve path (solve.highs.Solution.backend) and the starting allocation (solve.start.StartResult.source, joined
# by " + " in summary.improved_by), in the summary sheet's words; the package names stay as they are.
BACKEND_WORDS = {
    "highspy (bulk)": ("highspy（批量接口）", "highspy (bulk)"),
    "highspy (bulk, raced)": ("highspy（批量接口，两路并行求解）", "highspy (bulk, raced)"),
}
START_WORDS = {
    "ranking rule": ("排序法", "the ranking rule"),
    "LP-guided": ("按线性松弛解排序的排序法", "the ranking rule ordered by the LP relaxation"),
    "district split": ("按线性松弛分配市级指标后逐区求解", "each district solved alone, city pools shared as in the LP"),
    "district neighbourhood": ("固定线性松弛解与逐区求解结果一致的项目后求解全市模型",
                               "the whole city solved with each project fixed where the LP and the district split agree"),
    "district combination": ("从各区求解所得方案中为每个区择一组合",
                             "one plan per district, picked from those the district solves found"),
    "district pairs": ("每次放开两个区、其余固定后重新求解", "two districts at a time re-solved, the others fixed"),
    "base plan": ("基准方案的安排（不可行处已修补）", "the base case's allocation (repaired where it no longer fits)"),
    "HiGHS alone": ("未给初始解，由 HiGHS 自行求解（排序法方案仅作下限）",
                    "none: HiGHS on its own (the ranking rule's allocation kept only as a floor)"),
}

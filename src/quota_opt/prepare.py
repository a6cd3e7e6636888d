"""From a validated Scenario to the model's data: derived figures, eligibility, scores, quota arrays.

Everything the optimiser, the ranking rule and the explanations share is computed here, once:
- per project: output and tax per mu (万元/亩), energy intensity (tce per 万元 of output), energy
  efficiency (万元 of output per tce), whether it fits the layout guide (二(二), 三(一)), whether it
  kept the first-report rule (四(一)), whether it is a major project, its supply window, and the
  sources it may draw on;
- eligibility before the model, with a reason code for every project that gets no variable;
- the priority score and the value per supply year;
- quota arrays per district and year, less what `actuals` already committed;
- the checks that need these data (projects nothing could ever supply, mandatory projects that cannot be
  eligible), after the input layer's: `check_and_prepare`, `validate_workbook`, `read_scenario` (the package's
  own `quota_opt.validate_workbook` and `read_scenario`), so that a run prepares its scenario once.

No file access but through `quota_opt.input` (`validate_workbook`, `read_scenario`); the rest is pure data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quota_opt.core import quota
from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.reason_texts import reason_text
from quota_opt.core.scenario import ROW, Scenario
from quota_opt.input import validate as records

# Reason codes decided before the model (core/reason_texts.py renders them in policy words).
NOT_COMPLIANT = "not_compliant"
NOT_APPROVABLE = "not_approvable"
BELOW_OUTPUT_STANDARD = "below_output_standard"
BELOW_TAX_STANDARD = "below_tax_standard"
ABOVE_ENERGY_INTENSITY = "above_energy_intensity"
OUTSIDE_WINDOW = "outside_window"
EXCLUDED_MISFIT = "excluded_misfit"
ALREADY_SUPPLIED = "already_supplied"

PRE_MODEL_REASONS = (NOT_COMPLIANT, NOT_APPROVABLE, BELOW_OUTPUT_STANDARD, BELOW_TAX_STANDARD,
                     ABOVE_ENERGY_INTENSITY, OUTSIDE_WINDOW, EXCLUDED_MISFIT, ALREADY_SUPPLIED)

CRITERIA = ("investment", "output_per_mu", "tax_per_mu", "energy_efficiency", "platform_score")
LAND_SOURCES = ("land_district_quota", "land_provincial_pool", "land_stock", "land_province_request")
ENERGY_SOURCES = ("energy_district", "energy_city_pool")

# Tie-break costs per mu / per tce, far below any score difference (a top-scored mu is worth 1):
# among equally good plans, use revitalised stock land first (policy encourages 盘活存量), then the
# district's own quota, then the provincial pool, and a request to the province last (五(一): only
# "仍有不足的"); the district energy budget before the city pool. The request's tie-break is added to
# province_request_penalty, so the sources keep this order whatever the penalty, 0 included.
TIE_BREAK = {
    "land_stock": 0.0,
    "land_district_quota": 1e-6,
    "land_provincial_pool": 2e-6,
    "land_province_request": 3e-6,
    "energy_district": 0.0,
    "energy_city_pool": 1e-9,
}


@dataclass
class Prepared:
    """The model's data. Arrays are indexed [district, year] in the order of `districts` and `years`."""

    scenario: Scenario
    years: list[int]
    districts: list[str]
    projects: pd.DataFrame  # every project, index project_id, derived columns and pre-model reason
    candidates: pd.DataFrame  # the eligible projects (a view of `projects`), in input order
    land_quota: np.ndarray  # new_land_quota less committed district-quota use (mu)
    energy_budget: np.ndarray  # energy_budget less committed use (tce)
    stock_added: np.ndarray  # stock land becoming revitalisable (mu)
    stock_initial: np.ndarray  # per district (mu), less stock used by actuals before the base year? no: as given
    stock_committed: np.ndarray  # stock land used by in-horizon actuals (mu), per district and year
    provincial_pool: np.ndarray  # per year, less committed (mu)
    city_energy_pool: np.ndarray  # per year, less committed (tce)
    request_cap: np.ndarray  # per year, less committed (mu)
    reward_credit: np.ndarray  # reward quota received from actuals' stock land (mu), per district and year
    reward_beyond: dict[str, float]  # reward from actuals falling after the horizon, per district (mu)
    platform_capacity: dict[str, float]  # remaining land capacity per platform (mu); absent = no limit
    committed: pd.DataFrame  # actuals inside the horizon, per project: year and amount by source
    past_actuals: pd.DataFrame  # actuals before the base year
    issued: dict[str, np.ndarray] = field(default_factory=dict)  # quotas as issued, before commitments
    # the (project, year)s in which a city-eligible major project could be supplied, for the strict major-project
    # priority (formulation._major_priority); None: those the model's own supply columns give. A district's part of
    # a model (decompose.district_prep) keeps the whole model's, so both hold the same projects back.
    priority_pairs: frozenset[tuple[Any, int]] | None = None
    # 五(一) the city's stock-land reward reserve per year (mu), inf where blank (no limit; `quota.reserve_capped`);
    # empty: no limit in any year. A district's part of a model (decompose.district_prep) keeps the whole city's.
    reward_reserve: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_years(self) -> int:
        return len(self.years)

    def year_index(self, year: int) -> int:
        return self.years.index(year)

    def district_index(self, district: str) -> int:
        return self.districts.index(district)


def _bool(series: pd.Series) -> pd.Series:
    return series.fillna(False).astype(bool)


def derive_projects(sc: Scenario) -> pd.DataFrame:
    """Every project with its derived figures, eligibility, reason code and score.

    Columns added: output_per_mu, tax_per_mu (万元/亩), energy_intensity (tce/万元),
    energy_efficiency (万元/tce), platform_score (0–100), chain_weight (the chain's 一链一策 weight),
    policy_weight (the chain's weight if city-eligible, else at most 1), fits_layout, city_eligible,
    major, window_first, window_last, eligible, reason_code, reason_params (dict), may_pool,
    may_stock, may_request, may_city_energy, earns_reward, score (0–1 × policy weight).
    """
    s = sc.settings
    p = sc.projects.copy()
    p = p[~p["project_id"].duplicated()].set_index("project_id", drop=False)
    land = p["land_demand"].astype(float)
    output = p["annual_output"].astype(float)
    energy = p["energy_demand"].astype(float)
    p["output_per_mu"] = output / land
    p["tax_per_mu"] = p["annual_tax"].astype(float) / land
    p["energy_intensity"] = np.where(output > 0, energy / output.where(output > 0, 1.0), np.inf)
    p.loc[(output <= 0) & (energy <= 0), "energy_intensity"] = 0.0
    p["energy_efficiency"] = np.where(energy > 0, output / energy.where(energy > 0, 1.0), np.inf)

    platforms = sc.platforms.drop_duplicates("platform_id").set_index("platform_id")
    chains = sc.chains.drop_duplicates("chain_id").set_index("chain_id")
    p["platform_score"] = p["platform_id"].map(platforms["evaluation_score"]).astype(float).fillna(0.0)
    p["chain_weight"] = p["chain_id"].map(chains["policy_weight"]).astype(float).fillna(1.0)
    key_chains = platforms["key_chains"].to_dict()
    p["fits_layout"] = [c in key_chains.get(pl, ()) for pl, c in zip(p["platform_id"], p["chain_id"], strict=True)]
    p["city_eligible"] = p["fits_layout"] & _bool(p["first_report_ok"])
    # 三(一) "对不符合《布局导引》的项目，不得给予市级产业政策支持", 四(一) likewise for first-report violators: the
    # chain's weight (一链一策, the city's tilt) is city-level support, so they get none of it (at most ×1; a chain
    # weighted below 1 keeps its lower weight, which is no support).
    p["policy_weight"] = p["chain_weight"].where(p["city_eligible"], p["chain_weight"].clip(upper=1.0))
    p["major"] = (
        _bool(p["provincial_major"]) | _bool(p["city_led"]) | (p["investment"].astype(float) >= s.major_investment_threshold)
    )

    first, last = s.base_year, s.last_year
    p["window_first"] = p["earliest_year"].astype("Float64").fillna(first).astype(int).clip(lower=first)
    p["window_last"] = p["latest_year"].astype("Float64").fillna(last).astype(int).clip(upper=last)

    min_out = p["chain_id"].map(chains["min_output_per_mu"]).astype(float).fillna(0.0)
    min_tax = p["chain_id"].map(chains["min_tax_per_mu"]).astype(float).fillna(0.0)
    max_int = p["chain_id"].map(chains["max_energy_intensity"]).astype(float)

    p["reason_code"], p["reason_params"] = _pre_model_reasons(sc, p, min_out, min_tax, max_int)
    p["eligible"] = p["reason_code"].isna()

    ce = p["city_eligible"]
    p["may_pool"] = _bool(p["provincial_major"]) & ce
    p["may_stock"] = _bool(p["stock_land_eligible"])
    p["may_request"] = p["major"] & ce
    p["may_city_energy"] = p["major"] & ce
    p["earns_reward"] = p["major"] & ce
    # 五(一) 优先保障重大产业项目: the majors the priority setting (major_priority) serves first
    p["priority_major"] = p["major"] & ce
    _score(p, sc)
    return p


def _pre_model_reasons(sc: Scenario, p: pd.DataFrame, min_out: pd.Series, min_tax: pd.Series,
                       max_int: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each project's reason code for getting no variable (None when eligible) and its parameters.

    The first test a project fails decides, in this order: already supplied, not compliant, not
    approvable, output or tax per mu below its chain's standard, energy intensity above it, no year in
    the horizon, outside the layout guide when misfits are excluded.
    """
    s = sc.settings
    first, last = s.base_year, s.last_year
    output_per_mu = p["output_per_mu"].to_numpy(dtype=float)
    tax_per_mu = p["tax_per_mu"].to_numpy(dtype=float)
    intensity = p["energy_intensity"].to_numpy(dtype=float)
    out_standard, tax_standard, int_standard = (x.to_numpy(dtype=float) for x in (min_out, min_tax, max_int))
    earliest, latest = p["earliest_year"].tolist(), p["latest_year"].tolist()  # int or NA, as entered
    tests = [
        (ALREADY_SUPPLIED, p.index.isin(list(sc.actuals["project_id"].dropna()))),
        (NOT_COMPLIANT, ~p["compliant"].to_numpy(dtype=bool)),
        (NOT_APPROVABLE, ~p["approvable"].to_numpy(dtype=bool)),
        (BELOW_OUTPUT_STANDARD, output_per_mu < out_standard - 1e-9),
        (BELOW_TAX_STANDARD, tax_per_mu < tax_standard - 1e-9),
        (ABOVE_ENERGY_INTENSITY, ~np.isnan(int_standard) & (intensity > int_standard + 1e-12)),
        (OUTSIDE_WINDOW, p["window_first"].to_numpy() > p["window_last"].to_numpy()),
        (EXCLUDED_MISFIT, np.full(len(p), s.misfit_policy == "exclude") & ~p["city_eligible"].to_numpy(dtype=bool)),
    ]
    codes: list[str | None] = [None] * len(p)
    params: list[dict[str, Any]] = [{} for _ in range(len(p))]
    undecided = np.ones(len(p), dtype=bool)
    for code, failed in tests:
        for i in np.flatnonzero(undecided & failed).tolist():
            codes[i] = code
            if code == BELOW_OUTPUT_STANDARD:
                params[i] = {"value": float(output_per_mu[i]), "threshold": min_out.iloc[i]}
            elif code == BELOW_TAX_STANDARD:
                params[i] = {"value": float(tax_per_mu[i]), "threshold": min_tax.iloc[i]}
            elif code == ABOVE_ENERGY_INTENSITY:
                params[i] = {"value": float(intensity[i]), "threshold": max_int.iloc[i]}
            elif code == OUTSIDE_WINDOW:
                params[i] = {"earliest": earliest[i], "latest": latest[i], "first": first, "last": last}
            elif code == EXCLUDED_MISFIT:
                params[i] = {"fits_layout": bool(p["fits_layout"].iloc[i]),
                             "first_report_ok": bool(p["first_report_ok"].iloc[i])}
        undecided &= ~failed
    return pd.Series(codes, index=p.index, dtype=object), pd.Series(params, index=p.index, dtype=object)


def _ratio_to_best(values: pd.Series, mask: pd.Series) -> pd.Series:
    """Each value as a share of the best eligible value (0–1). Infinite values (no energy use) count as best."""
    finite = values[mask & np.isfinite(values)]
    best = float(finite.max()) if len(finite) else 0.0
    out = pd.Series(0.0, index=values.index)
    if best > 0:
        out = (values.clip(upper=best) / best).where(np.isfinite(values), 1.0)
    else:
        out = pd.Series(np.where(np.isfinite(values) & (values > 0), 1.0, 0.0), index=values.index)
        out[~np.isfinite(values)] = 1.0
    return out.clip(lower=0.0, upper=1.0).fillna(0.0)


def _score(p: pd.DataFrame, sc: Scenario) -> None:
    """score_j = policy_weight_j × Σ_k w_k·c_kj / Σ_k w_k, c_kj = criterion k as a share of the best eligible project.

    Ratio-to-best (not min-max) keeps every eligible project worth something: with min-max, the
    weakest project would score 0 and the optimiser would not care whether it is funded even when
    quota lies idle.
    """
    weights = sc.settings.weights
    total_w = sum(weights.values())
    mask = p["eligible"]
    raw = {
        "investment": p["investment"].astype(float),
        "output_per_mu": p["output_per_mu"].astype(float),
        "tax_per_mu": p["tax_per_mu"].astype(float),
        "energy_efficiency": p["energy_efficiency"].astype(float),
        "platform_score": p["platform_score"].astype(float),
    }
    score = pd.Series(0.0, index=p.index)
    for k in CRITERIA:
        norm = _ratio_to_best(raw[k], mask)
        p[f"crit_{k}"] = norm
        score += weights[f"w_{k}"] * norm
    # major_priority = weighted: a city-eligible major project's value (and score) × major_weight (五(一))
    major_factor = pd.Series(np.where(p["priority_major"] & (sc.settings.major_priority == "weighted"),
                                      float(sc.settings.major_weight), 1.0), index=p.index)
    p["score"] = (score / total_w if total_w > 0 else score) * p["policy_weight"] * major_factor
    if sc.settings.objective_mode == "weighted_totals":
        # value per project = weighted share of candidate totals delivered, in mu-equivalents
        land_total = float(p.loc[mask, "land_demand"].sum()) or 1.0
        totals = {
            "investment": p["investment"].astype(float),
            "output_per_mu": p["annual_output"].astype(float),
            "tax_per_mu": p["annual_tax"].astype(float),
            "energy_efficiency": p["annual_output"].astype(float) * p["crit_energy_efficiency"],
            "platform_score": p["land_demand"].astype(float) * p["platform_score"] / 100.0,
        }
        share = pd.Series(0.0, index=p.index)
        for k in CRITERIA:
            denom = float(totals[k][mask].sum())
            if denom > 0:
                share += weights[f"w_{k}"] * totals[k] / denom
        share = share / total_w if total_w > 0 else share
        p["total_value"] = share * land_total * p["policy_weight"] * major_factor
    else:
        p["total_value"] = p["score"] * p["land_demand"].astype(float)


def prepare(sc: Scenario) -> Prepared:
    """Derive everything the model needs from a validated scenario."""
    s = sc.settings
    years = s.years
    districts = [str(d) for d in sc.districts["district_id"].drop_duplicates()]
    d_index = {d: i for i, d in enumerate(districts)}
    t_index = {y: i for i, y in enumerate(years)}
    D, T = len(districts), len(years)
    projects = derive_projects(sc)

    def grid(column: str) -> np.ndarray:
        arr = np.zeros((D, T))
        for d, y, v in zip(sc.district_quotas["district_id"], sc.district_quotas["year"],
                           sc.district_quotas[column], strict=True):
            if d in d_index and not pd.isna(y) and int(y) in t_index and not pd.isna(v):
                arr[d_index[d], t_index[int(y)]] = float(v)
        return arr

    def per_year(column: str, default: float = 0.0) -> np.ndarray:
        arr = np.full(T, np.nan)
        for y, v in zip(sc.city_quotas["year"], sc.city_quotas[column], strict=True):
            if not pd.isna(y) and int(y) in t_index and not pd.isna(v):
                arr[t_index[int(y)]] = float(v)
        return np.where(np.isnan(arr), default, arr)

    land_quota = grid("new_land_quota")
    energy_budget = grid("energy_budget")
    stock_added = grid("stock_land_added")
    stock_initial = np.array([float(v) if not pd.isna(v) else 0.0 for v in
                              sc.districts.drop_duplicates("district_id")["stock_land_initial"]])
    pool = per_year("provincial_reward_quota")
    cpool = per_year("city_energy_pool")
    cap = per_year("province_request_cap", default=s.province_request_cap)
    reserve = per_year("reward_reserve", default=np.inf) if "reward_reserve" in sc.city_quotas.columns else (
        np.full(T, np.inf))
    issued = {"land_quota": land_quota.copy(), "energy_budget": energy_budget.copy(), "provincial_pool": pool.copy(),
              "city_energy_pool": cpool.copy(), "request_cap": cap.copy()}

    # actuals: inside the horizon they are fixed and consume quota; before it, they only earn rewards
    act = sc.actuals.copy()
    act = act[act["project_id"].isin(projects.index)]
    act["district_id"] = act["project_id"].map(projects["district_id"])
    act["earns_reward"] = act["project_id"].map(projects["earns_reward"]).astype(bool)
    inside = act[act["year"].astype(int) >= s.base_year] if len(act) else act
    past = act[act["year"].astype(int) < s.base_year] if len(act) else act
    stock_committed = np.zeros((D, T))
    for rec in inside.to_dict("records"):
        di, ti = d_index[rec["district_id"]], t_index[int(rec["year"])]
        land_quota[di, ti] -= float(rec["land_district_quota"])
        energy_budget[di, ti] -= float(rec["energy_district"])
        stock_committed[di, ti] += float(rec["land_stock"])
        pool[ti] -= float(rec["land_provincial_pool"])
        cpool[ti] -= float(rec["energy_city_pool"])
        cap[ti] -= float(rec["land_province_request"])
    reward_credit = np.zeros((D, T))
    reward_beyond: dict[str, float] = {}
    for rec in act.to_dict("records"):
        if not rec["earns_reward"] or float(rec["land_stock"]) <= 0:
            continue
        target = quota.reward_year(s, int(rec["year"]))
        amount = quota.reward(s, float(rec["land_stock"]))
        if target in t_index:
            reward_credit[d_index[rec["district_id"]], t_index[target]] += amount
        elif target > s.last_year:
            reward_beyond[rec["district_id"]] = reward_beyond.get(rec["district_id"], 0.0) + amount

    capacity: dict[str, float] = {}
    for pid, cap_k in zip(sc.platforms["platform_id"], sc.platforms["land_capacity"], strict=True):
        if not pd.isna(cap_k):
            used = float(projects.loc[projects.index.isin(inside["project_id"]) & (projects["platform_id"] == pid),
                                      "land_demand"].sum())
            capacity[str(pid)] = float(cap_k) - used

    candidates = projects[projects["eligible"]]
    return Prepared(
        scenario=sc, years=years, districts=districts, projects=projects, candidates=candidates,
        land_quota=land_quota, energy_budget=energy_budget, stock_added=stock_added, stock_initial=stock_initial,
        stock_committed=stock_committed, provincial_pool=pool, city_energy_pool=cpool, request_cap=cap,
        reward_credit=reward_credit, reward_beyond=reward_beyond, platform_capacity=capacity,
        committed=inside.reset_index(drop=True), past_actuals=past.reset_index(drop=True), issued=issued,
        reward_reserve=reserve,
    )


def supply_limits(prep: Prepared) -> pd.DataFrame:
    """Per eligible project, the most land (mu) and energy (tce) any single year could possibly supply it.

    An upper bound: the district quota (all of it, plus earlier years' when carry-over is allowed), all
    rewards stock land could ever earn, the district's whole stock (if stock-eligible), the provincial
    pool and the province request cap (if allowed), and the same for energy.
    """
    s = prep.scenario.settings
    d_index = {d: i for i, d in enumerate(prep.districts)}
    t_index = {y: i for i, y in enumerate(prep.years)}
    own = np.cumsum(prep.land_quota, axis=1) if s.carryover_allowed else prep.land_quota
    stock_total = prep.stock_initial + prep.stock_added.sum(axis=1)
    c = prep.candidates
    district = np.array([d_index.get(d, -1) for d in c["district_id"]], dtype=int)
    known = district >= 0
    c, di = c[known], district[known]
    t0 = np.array([t_index[int(y)] for y in c["window_first"]], dtype=int)
    t1 = np.array([t_index[int(y)] for y in c["window_last"]], dtype=int)
    # one row per project, one column per year; the reward: all that the district's whole stock could ever earn
    land = quota.land_within_reach(
        own[di] + prep.reward_credit[di], quota.reward(s, stock_total[di])[:, None], stock_total[di][:, None],
        prep.provincial_pool, prep.request_cap, may_stock=c["may_stock"].to_numpy(dtype=bool)[:, None],
        may_pool=c["may_pool"].to_numpy(dtype=bool)[:, None], may_request=c["may_request"].to_numpy(dtype=bool)[:, None])
    energy = quota.energy_within_reach(prep.energy_budget[di], prep.city_energy_pool,
                                       may_city=c["may_city_energy"].to_numpy(dtype=bool)[:, None])
    years = np.arange(len(prep.years))
    in_window = (years >= t0[:, None]) & (years <= t1[:, None])
    return pd.DataFrame({
        "land_limit": np.max(land, axis=1, where=in_window, initial=0.0),
        "energy_limit": np.max(energy, axis=1, where=in_window, initial=0.0),
    }, index=c.index.rename("project_id"))


def supply_limit_problems(prep: Prepared) -> list[Problem]:
    """Warnings for projects nothing could ever supply; errors for mandatory projects that cannot be eligible.
    From the prepared data, so that a run checks what it prepares once (`pipeline.check_and_prepare`)."""
    sc = prep.scenario
    problems: list[Problem] = []
    limits = supply_limits(prep)
    p = prep.projects
    demand = p.loc[limits.index, ["land_demand", "energy_demand", ROW]]
    too_large = (demand["land_demand"] > limits["land_limit"] + 1e-6).to_numpy()
    too_much_energy = (demand["energy_demand"] > limits["energy_limit"] + 1e-6).to_numpy()
    for i in np.flatnonzero(too_large | too_much_energy).tolist():
        land, energy, row = demand.iloc[i].tolist()
        if too_large[i]:
            problems.append(Problem(Severity.WARNING, "project_too_large", sc.loc("projects", row, "land_demand"),
                                    {"found": _fmt(land), "limit": _fmt(limits["land_limit"].iloc[i])}))
        if too_much_energy[i]:
            problems.append(Problem(Severity.WARNING, "project_energy_too_large",
                                    sc.loc("projects", row, "energy_demand"),
                                    {"found": _fmt(energy), "limit": _fmt(limits["energy_limit"].iloc[i])}))
    for _, r in p[p["mandatory"].astype(bool) & ~p["eligible"]].iterrows():
        if r["reason_code"] == ALREADY_SUPPLIED:
            continue
        reason = {lang: reason_text(str(r["reason_code"]), r["reason_params"], lang) for lang in ("zh", "en")}
        problems.append(Problem(Severity.ERROR, "mandatory_ineligible", sc.loc("projects", r[ROW], "mandatory"),
                                {"reason": reason}))
    problems.extend(objective_problems(prep))
    return problems


def objective_is_degenerate(prep: Prepared) -> bool:
    """True when no eligible project is worth anything to the objective (every value 0: the weighted criteria are
    0 for all of them, or every weight is 0): the plan then weighs only the tie-breaks, and neither its choice
    nor its comparison with the ranking rule means anything."""
    return bool(len(prep.candidates)) and not bool((prep.candidates["total_value"] > 1e-12).any())


def objective_problems(prep: Prepared) -> list[Problem]:
    """A warning, at the settings' weights, when the objective is degenerate (`objective_is_degenerate`): which
    weighted criteria are 0 for every eligible project, and what to change."""
    if not objective_is_degenerate(prep):
        return []
    sc = prep.scenario
    weights = sc.settings.weights
    weighted = [k for k in CRITERIA if weights[f"w_{k}"] > 0]
    zero = {k for k in CRITERIA if not (prep.candidates[f"crit_{k}"] > 0).any()}
    differ = [k for k in CRITERIA if k not in zero]
    meta = sc.meta.get("settings")
    where_key = f"w_{weighted[0]}" if weighted else "w_investment"
    return [Problem(Severity.WARNING, "objective_degenerate",
                    Location(sheet="settings", sheet_name=meta.name if meta else None, column=where_key),
                    {"weighted": ", ".join(f"w_{k} = {weights[f'w_{k}']:g}" for k in weighted) or "—",
                     "zero": ", ".join(k for k in weighted if k in zero) or "—",
                     "suggest": ", ".join(f"w_{k}" for k in differ) or "—"})]


def _fmt(x: float) -> str:
    return f"{x:,.1f}"


def check_and_prepare(scenario: Scenario) -> tuple[list[Problem], Prepared | None]:
    """Every check on an in-memory scenario: its records (`input.validate.check_scenario`), then, when they are
    sound, the checks that need the prepared data (projects nothing could ever supply, mandatory projects that
    cannot be eligible: `supply_limit_problems`). Returns the problems and the prepared data, which
    `run_scenario(prepared=...)` reuses, so that a run prepares its scenario once (None after a record error)."""
    problems = records.check_scenario(scenario)
    if any(p.is_error for p in problems):
        return problems, None
    prep = prepare(scenario)
    return problems + supply_limit_problems(prep), prep


def validate_workbook(path: str | Path, progress: Callable[[int], None] | None = None) -> records.ValidationReport:
    """Read and check a scenario workbook (`input.validate.validate_workbook`), then, when it has no error, the
    checks on its prepared data (`check_and_prepare`); never raises for anything in the file itself. The report's
    `prepared` is that data, for `run_scenario(prepared=...)`."""
    report = records.validate_workbook(path, progress=progress)
    if report.ok and report.scenario is not None:
        report.prepared = prepare(report.scenario)
        report.extend(supply_limit_problems(report.prepared))
    return report


def read_scenario(path: str | Path, progress: Callable[[int], None] | None = None) -> Scenario:
    """Read, validate and type a scenario workbook (`validate_workbook`). Returns the `Scenario` (its `warnings`
    hold what did not stop it); raises `InputError` listing every error (and warning) when it cannot be used."""
    report = validate_workbook(path, progress=progress)
    if not report.ok or report.scenario is None:
        raise InputError(report.problems)
    return report.scenario

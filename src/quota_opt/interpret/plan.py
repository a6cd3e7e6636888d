"""Turn a solution vector into the tables a bureau reads: per project, per district-year, the ledger, KPIs.

Pure data, no files. Projects supplied through `actuals` appear as supplied, with their recorded
sources; projects the model substituted (district quota only, district energy only) get their land
and energy from `y` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from quota_opt.core import quota
from quota_opt.prepare import ENERGY_SOURCES, LAND_SOURCES, Prepared
from quota_opt.solve.formulation import Formulation

SOURCES = LAND_SOURCES + ENERGY_SOURCES


@dataclass
class Plan:
    """An allocation, read back into tables.

    allocation: one row per project (input order): selected, year, land by source (mu), energy by
      source (tce), score, status ("selected", "actual", "not_selected"), pre-model reason code.
    district_year: one row per district and year: quota, rewards, used, stock, energy, utilisation.
    ledger: one row per district and year: opening + issued + reward_received − used − lapsed = closing.
    city: one row per year: provincial pool, city energy pool, province request (issued and used).
    """

    allocation: pd.DataFrame
    district_year: pd.DataFrame
    ledger: pd.DataFrame
    city: pd.DataFrame
    reward_next_plan: dict[str, float] = field(default_factory=dict)


def supplied_years(allocation: pd.DataFrame) -> dict[str, int]:
    """An allocation table as project id → the year it is supplied in, the form `RunOptions.start_plan` takes."""
    chosen = allocation[allocation["selected"].astype(bool) & allocation["year"].notna()]
    return {str(p): int(y) for p, y in zip(chosen["project_id"], chosen["year"], strict=True)}


def supply_table(form: Formulation, x: np.ndarray) -> pd.DataFrame:
    """One row per candidate (project, year) pair with y and the amount from each source."""
    prep = form.prep
    y = form.var("supply")
    c = prep.candidates
    df = pd.DataFrame({"j": y.project, "t": y.year, "y": x[y.start:y.start + y.size]})
    land = c["land_demand"].to_numpy(float)
    energy = c["energy_demand"].to_numpy(float)
    for name in SOURCES:
        df[name] = 0.0
        block = form.variables.get(name)
        if block is not None and block.size:
            vals = pd.Series(x[block.start:block.start + block.size],
                             index=pd.MultiIndex.from_arrays([block.project, block.year]))
            df[name] = vals.reindex(pd.MultiIndex.from_arrays([df["j"], df["t"]])).fillna(0.0).to_numpy()
    has_alt = (c["may_pool"] | c["may_stock"] | c["may_request"]).to_numpy(bool)
    may_city = c["may_city_energy"].to_numpy(bool)
    sub_land = ~has_alt[df["j"].to_numpy()]
    df.loc[sub_land, "land_district_quota"] = land[df["j"].to_numpy()[sub_land]] * df["y"].to_numpy()[sub_land]
    sub_energy = ~may_city[df["j"].to_numpy()]
    df.loc[sub_energy, "energy_district"] = energy[df["j"].to_numpy()[sub_energy]] * df["y"].to_numpy()[sub_energy]
    df["project_id"] = c.index.to_numpy()[df["j"].to_numpy()]
    df["year"] = np.asarray(prep.years)[df["t"].to_numpy()]
    df["district_id"] = c["district_id"].to_numpy()[df["j"].to_numpy()]
    return df


def interpret(form: Formulation, x: np.ndarray) -> Plan:
    prep = form.prep
    pairs = supply_table(form, x)
    chosen = pairs[pairs["y"] > 0.5].set_index("project_id")
    p = prep.projects
    alloc = pd.DataFrame({
        "project_id": p.index, "name": p["name"].to_numpy(), "district_id": p["district_id"].to_numpy(),
        "platform_id": p["platform_id"].to_numpy(), "chain_id": p["chain_id"].to_numpy(),
    })
    alloc["selected"] = alloc["project_id"].isin(chosen.index)
    alloc["year"] = alloc["project_id"].map(chosen["year"]).astype("Int64")
    for name in SOURCES:
        alloc[name] = alloc["project_id"].map(chosen[name]).fillna(0.0).astype(float)
    alloc["status"] = np.where(alloc["selected"], "selected", "not_selected")
    # actuals
    act = pd.concat([prep.past_actuals, prep.committed], ignore_index=True)
    if len(act):
        act = act.drop_duplicates("project_id").set_index("project_id")
        is_act = alloc["project_id"].isin(act.index)
        alloc.loc[is_act, "selected"] = True
        alloc.loc[is_act, "status"] = "actual"
        alloc.loc[is_act, "year"] = alloc.loc[is_act, "project_id"].map(act["year"]).astype("Int64")
        for name in SOURCES:
            alloc.loc[is_act, name] = alloc.loc[is_act, "project_id"].map(act[name]).astype(float)
    for col in ("land_demand", "energy_demand", "investment", "annual_output", "annual_tax", "output_per_mu",
                "tax_per_mu", "energy_intensity", "score", "major", "city_eligible", "fits_layout", "mandatory",
                "eligible", "reason_code", "reason_params"):
        alloc[col] = p[col].to_numpy()
    # 待争取: supplied in the plan with land the province has yet to grant (五(一) 积极向省里争取)
    alloc["conditional"] = (alloc["status"] == "selected") & (alloc["land_province_request"].astype(float) > 1e-6)
    alloc["value"] = alloc["project_id"].map(chosen["y"] * 0 + 1).fillna(0.0) * p["total_value"].to_numpy()
    paid = _paid(form, x)
    ledger = _ledger(form, x, pairs, paid)
    return Plan(
        allocation=alloc,
        district_year=_district_year(prep, pairs, alloc, ledger["opening"].to_numpy(), paid),
        ledger=ledger,
        city=_city(prep, alloc, ledger),
        reward_next_plan=_reward_beyond(prep, pairs),
    )


def _grid_frame(prep: Prepared) -> pd.DataFrame:
    return pd.DataFrame([(d, y) for d in prep.districts for y in prep.years], columns=["district_id", "year"])


def _used_by_district_year(prep: Prepared, alloc: pd.DataFrame) -> pd.DataFrame:
    """Land and energy by source, summed per district and year over supplied projects (model and actuals)."""
    sel = alloc[alloc["selected"] & alloc["year"].isin(prep.years)]
    g = sel.groupby(["district_id", "year"])[list(SOURCES)].sum()
    g["projects_supplied"] = sel.groupby(["district_id", "year"]).size()
    g["land_supplied"] = sel.groupby(["district_id", "year"])["land_demand"].sum()
    grid = _grid_frame(prep).set_index(["district_id", "year"])
    return grid.join(g).fillna(0.0)


def _district_year(prep: Prepared, pairs: pd.DataFrame, alloc: pd.DataFrame, opening: np.ndarray,
                   paid: np.ndarray | None = None) -> pd.DataFrame:
    """Per district and year; `opening` is the ledger's quota carried in (zero without carry-over), which the
    utilisation counts as quota the district had that year; `paid` as `_reward_received` takes it."""
    used = _used_by_district_year(prep, alloc)
    reward = _reward_received(prep, pairs, paid)
    D, T = len(prep.districts), len(prep.years)
    out = _grid_frame(prep)
    out["land_quota_issued"] = prep.issued["land_quota"].reshape(-1)
    out["reward_received"] = reward.reshape(-1)
    out["land_quota_used"] = used["land_district_quota"].to_numpy()
    stock_used = used["land_stock"].to_numpy().reshape(D, T)
    out["stock_available"] = quota.stock_available(prep.stock_initial, prep.stock_added, stock_used,
                                                   opening=True).reshape(-1)
    out["land_stock"] = used["land_stock"].to_numpy()
    out["land_provincial_pool"] = used["land_provincial_pool"].to_numpy()
    out["land_province_request"] = used["land_province_request"].to_numpy()
    out["energy_budget"] = prep.issued["energy_budget"].reshape(-1)
    out["energy_district"] = used["energy_district"].to_numpy()
    out["energy_city_pool"] = used["energy_city_pool"].to_numpy()
    out["projects_supplied"] = used["projects_supplied"].astype(int).to_numpy()
    out["land_supplied"] = used["land_supplied"].to_numpy()
    available = opening + out["land_quota_issued"] + out["reward_received"]
    out["land_utilisation"] = np.where(available > 0, out["land_quota_used"] / available.where(available > 0, 1), np.nan)
    out["energy_utilisation"] = np.where(out["energy_budget"] > 0,
                                         out["energy_district"] / out["energy_budget"].where(out["energy_budget"] > 0, 1),
                                         np.nan)
    return out


def _earned(prep: Prepared, pairs: pd.DataFrame) -> np.ndarray:
    """Reward earned per district and year: ratio × stock land used by reward-earning projects that year (mu)."""
    s = prep.scenario.settings
    D, T = len(prep.districts), len(prep.years)
    earned = np.zeros((D, T))
    earns = prep.candidates["earns_reward"].to_numpy(bool)
    sel = pairs[(pairs["y"] > 0.5) & earns[pairs["j"].to_numpy()]]
    d_index = {d: i for i, d in enumerate(prep.districts)}
    for d, t, stock in zip(sel["district_id"], sel["t"], sel["land_stock"], strict=True):
        earned[d_index[d], t] += quota.reward(s, stock)
    committed = prep.committed
    if len(committed):
        for rec in committed.to_dict("records"):
            if rec["earns_reward"]:
                earned[d_index[rec["district_id"]], prep.year_index(int(rec["year"]))] += quota.reward(
                    s, float(rec["land_stock"]))
    return earned


def _reward_received(prep: Prepared, pairs: pd.DataFrame, paid: np.ndarray | None = None) -> np.ndarray:
    """Reward received per district and year: earned `reward_lag_years` before, plus credits from past actuals;
    in a year whose city reward reserve is set, what the city paid (`paid`, the model's w; nan elsewhere)."""
    earned = _earned(prep, pairs)
    # committed actuals' rewards are already in reward_credit; add only the model's own
    model_earned = earned - _committed_earned(prep)
    due = prep.reward_credit + quota.received(prep.scenario.settings, model_earned)
    return due if paid is None else np.where(np.isnan(paid), due, paid)


def _paid(form: Formulation, x: np.ndarray) -> np.ndarray | None:
    """The stock-land reward the city paid per district and year (mu) in the years whose reward reserve is set
    (formulation._reward_reserve's w), nan in the others; None when no year's is."""
    w = form.variables.get("reward_paid")
    capped = form.constraints.get("city_reward_reserve")
    if w is None or capped is None:
        return None
    prep = form.prep
    out = np.full((len(prep.districts), len(prep.years)), np.nan)
    for year in capped.keys:
        out[:, prep.year_index(int(year))] = 0.0
    values = x[w.start:w.start + w.size]
    out[w.district, w.year] = np.where(np.abs(values) < 1e-7, 0.0, values)
    return out


def _committed_earned(prep: Prepared) -> np.ndarray:
    s = prep.scenario.settings
    out = np.zeros((len(prep.districts), len(prep.years)))
    for rec in prep.committed.to_dict("records") if len(prep.committed) else []:
        if rec["earns_reward"]:
            out[prep.district_index(rec["district_id"]), prep.year_index(int(rec["year"]))] += quota.reward(
                s, float(rec["land_stock"]))
    return out


def _reward_beyond(prep: Prepared, pairs: pd.DataFrame) -> dict[str, float]:
    """Rewards earned in the last `reward_lag_years` years: they fall after the horizon (opening quota of the next plan)."""
    earned = _earned(prep, pairs) - _committed_earned(prep)  # actuals' rewards are in prep.reward_beyond
    out = dict(prep.reward_beyond)
    tail = quota.beyond(prep.scenario.settings, earned)
    for d, v in zip(prep.districts, tail, strict=True):
        if v > 1e-9:
            out[d] = out.get(d, 0.0) + float(v)
    return {d: v for d, v in out.items() if v > 1e-9}


def _ledger(form: Formulation, x: np.ndarray, pairs: pd.DataFrame, paid: np.ndarray | None = None) -> pd.DataFrame:
    """The quota ledger per district and year (mu): opening + issued + reward_received − used − lapsed = closing.
    Where the city's reward reserve is set, reward_due is what the district's stock land earned for that year and
    reward_received what the city paid of it (`_paid`)."""
    prep = form.prep
    s = prep.scenario.settings
    D, T = len(prep.districts), len(prep.years)
    issued = prep.issued["land_quota"]
    received = _reward_received(prep, pairs, paid)
    earned = _earned(prep, pairs)
    used = np.zeros((D, T))
    d_index = {d: i for i, d in enumerate(prep.districts)}
    sel = pairs[pairs["y"] > 0.5]
    for d, t, v in zip(sel["district_id"], sel["t"], sel["land_district_quota"], strict=True):
        used[d_index[d], t] += v
    for rec in prep.committed.to_dict("records") if len(prep.committed) else []:
        used[d_index[rec["district_id"]], prep.year_index(int(rec["year"]))] += float(rec["land_district_quota"])
    opening, lapsed, closing = quota.quota_ledger(issued, received, used, s.carryover_allowed)
    stock_used = np.zeros((D, T))
    for d, t, v in zip(sel["district_id"], sel["t"], sel["land_stock"], strict=True):
        stock_used[d_index[d], t] += v
    stock_used += prep.stock_committed
    stock_open, stock_close = quota.stock_ledger(prep.stock_initial, prep.stock_added, stock_used)
    out = _grid_frame(prep)
    out["opening"] = opening.reshape(-1)
    out["issued"] = issued.reshape(-1)
    out["reward_received"] = received.reshape(-1)
    if paid is not None:
        due = _reward_received(prep, pairs)
        out["reward_due"] = due.reshape(-1)
        out["reward_unpaid"] = np.where(np.isnan(paid), 0.0, np.maximum(due - received, 0.0)).reshape(-1)
        out.loc[out["reward_unpaid"] < 1e-7, "reward_unpaid"] = 0.0
    out["used"] = used.reshape(-1)
    out["lapsed"] = lapsed.reshape(-1)
    out["closing"] = closing.reshape(-1)
    out["reward_earned"] = earned.reshape(-1)
    out["reward_for_year"] = quota.reward_year(s, out["year"])
    out["stock_opening"] = stock_open.reshape(-1)
    out["stock_added"] = prep.stock_added.reshape(-1)
    out["stock_used"] = stock_used.reshape(-1)
    out["stock_closing"] = stock_close.reshape(-1)
    return out


def _city(prep: Prepared, alloc: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Per year: the city-level quotas and their use; where any year's reward reserve is set, also the reserve, the
    rewards paid from it (drawn) and what is left (lapses: no carry-over), the ledger's city section."""
    sel = alloc[alloc["selected"] & alloc["year"].isin(prep.years)]
    g = sel.groupby("year")[["land_provincial_pool", "land_province_request", "energy_city_pool"]].sum()
    g = g.reindex(prep.years).fillna(0.0)
    out = pd.DataFrame({
        "year": prep.years,
        "provincial_reward_quota": prep.issued["provincial_pool"],
        "provincial_pool_used": g["land_provincial_pool"].to_numpy(),
        "province_request_cap": prep.issued["request_cap"],
        "province_request": g["land_province_request"].to_numpy(),
        "city_energy_pool": prep.issued["city_energy_pool"],
        "city_energy_pool_used": g["energy_city_pool"].to_numpy(),
    })
    if "reward_due" in ledger.columns:
        paid = ledger["reward_received"].to_numpy(float).reshape(len(prep.districts), len(prep.years))
        drawn, left = quota.reserve_ledger(prep.reward_reserve, paid)
        out["reward_reserve"] = np.where(quota.reserve_capped(prep.reward_reserve), prep.reward_reserve, np.nan)
        out["reward_reserve_drawn"] = drawn
        out["reward_reserve_left"] = left
    return out


def kpis(plan: Plan) -> dict[str, Any]:
    """Headline figures of a plan (selected projects over the horizon, actuals included).

    Actuals before the base year are history (they only earn rewards): they count in no total, as the ledger,
    the districts sheet and the city sheet count only the horizon's years."""
    a = plan.allocation
    years = sorted(set(plan.district_year["year"].astype(int)))
    in_horizon = a["year"].isin(years).fillna(False).astype(bool)
    sel = a[a["selected"] & in_horizon]
    eligible = a[a["eligible"] | ((a["status"] == "actual") & in_horizon)]
    land = float(sel["land_demand"].sum())
    dy = plan.district_year
    available = float((dy["land_quota_issued"] + dy["reward_received"]).sum())
    return {
        "projects_total": len(a),
        "projects_eligible": len(eligible),
        "projects_selected": len(sel),
        "selected_share": len(sel) / len(eligible) if len(eligible) else 0.0,
        "investment_selected": float(sel["investment"].sum()),
        "output_selected": float(sel["annual_output"].sum()),
        "tax_selected": float(sel["annual_tax"].sum()),
        "land_selected": land,
        "energy_selected": float(sel["energy_demand"].sum()),
        "average_output_per_mu": float(sel["annual_output"].sum()) / land if land > 0 else 0.0,
        "average_tax_per_mu": float(sel["annual_tax"].sum()) / land if land > 0 else 0.0,
        **{f"{name}_total": float(sel[name].sum()) for name in SOURCES},
        "district_quota_utilisation": float(dy["land_quota_used"].sum()) / available if available > 0 else 0.0,
        "district_energy_utilisation": (float(dy["energy_district"].sum()) / float(dy["energy_budget"].sum())
                                        if float(dy["energy_budget"].sum()) > 0 else 0.0),
        "mu_to_request": float(sel["land_province_request"].sum()),
        # 五(一) 积极向省里争取: land requested is not yet granted; the projects drawing on it are conditional (待争取)
        "projects_conditional": int(((sel["status"] == "selected") & (sel["land_province_request"] > 1e-6)).sum()),
        "mandatory_selected": int(sel["mandatory"].sum()),
        "reward_next_plan": float(sum(plan.reward_next_plan.values())),
    }

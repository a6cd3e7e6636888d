"""Check an allocation from the workbooks alone: the scenario workbook and an `--lang en` results workbook.

Nothing here imports the model: eligibility, source rules and rewards are recomputed from the
input sheets with plain pandas, so a bug in the model cannot hide behind the same bug here.
`check_results(scenario_path, results_path)` returns a list of violations (empty when all hold).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from quota_opt.core.scenario import Scenario
from quota_opt.prepare import read_scenario

TOL = 1e-4


def read_sheet(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook, opened once."""
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def summary_dict(df: pd.DataFrame) -> dict[str, object]:
    return dict(zip(df["key"], df["value"], strict=True))


def read_summary(path: Path) -> dict[str, object]:
    return summary_dict(read_sheet(path, "summary"))


def _num(x: object) -> float:
    return 0.0 if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)  # type: ignore[arg-type]


def check_results(scenario_path: Path, results_path: Path, *, scenario: Scenario | None = None) -> list[str]:
    """`scenario`: the scenario workbook as read_scenario already read it, to save reading it twice."""
    sc = scenario if scenario is not None else read_scenario(scenario_path)
    s = sc.settings
    years = s.years
    bad: list[str] = []
    sheets = read_sheets(results_path)
    alloc = sheets["allocation"]
    ledger = sheets["ledger"]
    # the city's rows (五(一) reward reserve: reserve − drawn = left), below the districts'
    city_rows = ledger[ledger["district_id"].astype(str) == CITY_ROW]
    ledger = ledger[ledger["district_id"].astype(str) != CITY_ROW]
    reserve = reward_reserve(sc)
    summary = summary_dict(sheets["summary"])
    p = sc.projects.set_index("project_id")
    plats = sc.platforms.set_index("platform_id")
    chains = sc.chains.set_index("chain_id")
    alloc["project_id"] = alloc["project_id"].astype(str)
    a = alloc.set_index("project_id")
    land_cols = ["land_district_quota", "land_provincial_pool", "land_stock", "land_province_request"]
    energy_cols = ["energy_district", "energy_city_pool"]
    for c in land_cols + energy_cols:
        a[c] = a[c].fillna(0.0)

    # each project once
    if not a.index.is_unique or set(a.index) != set(p.index):
        bad.append("allocation does not list every project exactly once")
    actual_ids = set(sc.actuals["project_id"])
    sel = a[a["selected"] == "yes"]
    for pid, r in a.iterrows():
        demand, energy = float(p.at[pid, "land_demand"]), float(p.at[pid, "energy_demand"])
        land = sum(float(r[c]) for c in land_cols)
        en = sum(float(r[c]) for c in energy_cols)
        if r["selected"] == "yes":
            if abs(land - demand) > TOL * max(1.0, demand):
                bad.append(f"{pid}: land by source {land} ≠ demand {demand}")
            if abs(en - energy) > TOL * max(1.0, energy):
                bad.append(f"{pid}: energy by source {en} ≠ demand {energy}")
            if pid not in actual_ids and int(r["year"]) not in years:
                bad.append(f"{pid}: supply year {r['year']} outside the horizon")
        elif land > TOL or en > TOL:
            bad.append(f"{pid}: not selected but has land {land} / energy {en}")

    # eligibility and source rules, recomputed from the inputs
    for pid in sel.index:
        if pid in actual_ids:
            continue
        r, q = a.loc[pid], p.loc[pid]
        chain = chains.loc[q["chain_id"]]
        out_mu = q["annual_output"] / q["land_demand"]
        tax_mu = q["annual_tax"] / q["land_demand"]
        intensity = q["energy_demand"] / q["annual_output"] if q["annual_output"] > 0 else np.inf
        fits = q["chain_id"] in plats.at[q["platform_id"], "key_chains"]
        city_ok = fits and bool(q["first_report_ok"])
        major = bool(q["provincial_major"]) or bool(q["city_led"]) or q["investment"] >= s.major_investment_threshold
        first = max(s.base_year, int(q["earliest_year"]) if not pd.isna(q["earliest_year"]) else s.base_year)
        last = min(s.last_year, int(q["latest_year"]) if not pd.isna(q["latest_year"]) else s.last_year)
        eligible = (bool(q["compliant"]) and bool(q["approvable"]) and out_mu >= chain["min_output_per_mu"] - 1e-9
                    and tax_mu >= chain["min_tax_per_mu"] - 1e-9
                    and (pd.isna(chain["max_energy_intensity"]) or intensity <= chain["max_energy_intensity"] + 1e-12)
                    and first <= int(r["year"]) <= last and (s.misfit_policy != "exclude" or city_ok))
        if not eligible:
            bad.append(f"{pid}: selected but not eligible")
        if r["land_provincial_pool"] > TOL and not (q["provincial_major"] and city_ok):
            bad.append(f"{pid}: uses the provincial pool without being a city-eligible provincial major")
        if r["land_province_request"] > TOL and not (major and city_ok):
            bad.append(f"{pid}: requests from the province without being a city-eligible major project")
        if r["energy_city_pool"] > TOL and not (major and city_ok):
            bad.append(f"{pid}: uses the city energy pool without being a city-eligible major project")
        if r["land_stock"] > TOL and not q["stock_land_eligible"]:
            bad.append(f"{pid}: uses stock land without being stock-eligible")

    # per district-year limits
    sel_in = sel[sel["year"].isin(years)].copy()
    sel_in["district_id"] = [p.at[i, "district_id"] for i in sel_in.index]
    by_dy = sel_in.groupby(["district_id", "year"])[land_cols + energy_cols].sum()
    dq = sc.district_quotas.set_index(["district_id", "year"])
    led = ledger.set_index(["district_id", "year"])
    ratio, lag = s.reward_ratio, s.reward_lag_years
    earners = sel.copy()
    earners["district_id"] = [p.at[i, "district_id"] for i in earners.index]
    earners["earns"] = [
        (bool(p.at[i, "provincial_major"]) or bool(p.at[i, "city_led"])
         or p.at[i, "investment"] >= s.major_investment_threshold)
        and p.at[i, "chain_id"] in plats.at[p.at[i, "platform_id"], "key_chains"] and bool(p.at[i, "first_report_ok"])
        for i in earners.index
    ]
    for d in sc.districts["district_id"]:
        stock_avail = float(sc.districts.set_index("district_id").at[d, "stock_land_initial"])
        stock_used = 0.0
        for y in years:
            used = by_dy.loc[(d, y)] if (d, y) in by_dy.index else pd.Series(0.0, index=land_cols + energy_cols)
            lrow = led.loc[(d, y)]
            issued = float(dq.at[(d, y), "new_land_quota"])
            if abs(float(lrow["issued"]) - issued) > TOL:
                bad.append(f"{d} {y}: ledger issued {lrow['issued']} ≠ quota {issued}")
            expected_reward = ratio * float(earners[(earners["district_id"] == d) & (earners["earns"])
                                                    & (earners["year"] == y - lag)]["land_stock"].sum())
            if y in reserve:  # the city's reserve may pay less than is due, never more
                if float(lrow["reward_received"]) > expected_reward + 1e-3:
                    bad.append(f"{d} {y}: reward received {lrow['reward_received']} > {ratio} × stock used in "
                               f"{y - lag}")
                if abs(float(lrow["reward_due"]) - expected_reward) > 1e-3:
                    bad.append(f"{d} {y}: reward due {lrow['reward_due']} ≠ {ratio} × stock used in {y - lag}")
            elif abs(float(lrow["reward_received"]) - expected_reward) > 1e-3:
                bad.append(f"{d} {y}: reward received {lrow['reward_received']} ≠ {ratio} × stock used in {y - lag}")
            avail = float(lrow["opening"]) + issued + float(lrow["reward_received"])
            if float(used["land_district_quota"]) > avail + 1e-3:
                bad.append(f"{d} {y}: district quota overspent ({used['land_district_quota']} > {avail})")
            if abs(float(lrow["used"]) - float(used["land_district_quota"])) > 1e-3:
                bad.append(f"{d} {y}: ledger used {lrow['used']} ≠ allocation {used['land_district_quota']}")
            balance = (float(lrow["opening"]) + issued + float(lrow["reward_received"]) - float(lrow["used"])
                       - float(lrow["lapsed"]) - float(lrow["closing"]))
            if abs(balance) > 1e-3:
                bad.append(f"{d} {y}: ledger does not balance ({balance})")
            stock_avail += float(dq.at[(d, y), "stock_land_added"])
            stock_used += float(used["land_stock"])
            if stock_used > stock_avail + 1e-3:
                bad.append(f"{d} {y}: stock land overspent ({stock_used} > {stock_avail})")
            budget = float(dq.at[(d, y), "energy_budget"])
            if float(used["energy_district"]) > budget + 1e-3:
                bad.append(f"{d} {y}: district energy overspent ({used['energy_district']} > {budget})")
    cq = sc.city_quotas.set_index("year")
    by_y = sel_in.groupby("year")[land_cols + energy_cols].sum()
    for y in years:
        used = by_y.loc[y] if y in by_y.index else pd.Series(0.0, index=land_cols + energy_cols)
        pool = _num(cq.at[y, "provincial_reward_quota"]) if y in cq.index else 0.0
        cap = cq.at[y, "province_request_cap"] if y in cq.index else np.nan
        cap = s.province_request_cap if pd.isna(cap) else float(cap)
        epool = _num(cq.at[y, "city_energy_pool"]) if y in cq.index else 0.0
        if float(used["land_provincial_pool"]) > pool + 1e-3:
            bad.append(f"{y}: provincial pool overspent")
        if float(used["land_province_request"]) > cap + 1e-3:
            bad.append(f"{y}: province request over its cap")
        if float(used["energy_city_pool"]) > epool + 1e-3:
            bad.append(f"{y}: city energy pool overspent")
    # a platform's capacity is what it can host from the base year on: projects supplied inside the horizon count
    # (actuals and plan), those supplied before it do not (rollover has deducted them from the capacity)
    for k, cap in plats["land_capacity"].dropna().items():
        on = [i for i in sel_in.index if p.at[i, "platform_id"] == k]
        if float(p.loc[on, "land_demand"].sum()) > float(cap) + 1e-3:
            bad.append(f"platform {k}: land capacity exceeded")
    for pid in p.index[p["mandatory"]]:
        if a.at[pid, "selected"] != "yes":
            bad.append(f"{pid}: mandatory but not selected")
    bad += _reserve(reserve, led, city_rows)
    bad += check_major_priority(sc, a)

    bad += _cross_sheet(sheets, sc, a, led, summary)

    bad += check_objective(sc, a, summary, reward_paid_gain(sc, ledger))

    obj, greedy = summary.get("objective"), summary.get("greedy_objective")
    if obj is not None and greedy is not None and not pd.isna(greedy) and float(obj) < float(greedy) - 1e-6 * max(
            1.0, abs(float(greedy))):
        bad.append(f"objective {obj} below the ranking rule's {greedy}")
    return bad


# The objective's tie-break costs per mu / per tce, as models/formulation.md states them (restated here, not
# imported, so that the check does not share the model's code)
REWARD_PAID = 1e-6  # per mu of stock-land reward paid where the city's reward reserve is set
CITY_ROW = "city"  # the ledger's city rows (en workbook)


def reward_reserve(sc: object) -> dict[int, float]:
    """The city's stock-land reward reserve per year where one is set (city_quotas.reward_reserve, mu)."""
    cq = sc.city_quotas  # type: ignore[attr-defined]
    if "reward_reserve" not in cq.columns:
        return {}
    return {int(y): float(v) for y, v in zip(cq["year"], cq["reward_reserve"], strict=True) if not pd.isna(v)}


def _reserve(reserve: dict[int, float], led: pd.DataFrame, city_rows: pd.DataFrame) -> list[str]:
    """五(一) the city's reward reserve, from the ledger: in each year it is set, the districts' rewards received
    add up to no more than the reserve; a district paid less than it was due only when the reserve is spent; the
    city's row says reserve − drawn = left, closing 0 (no carry-over)."""
    bad: list[str] = []
    city = city_rows.set_index("year") if len(city_rows) else city_rows
    for y, limit in reserve.items():
        rows = led.xs(y, level="year") if y in led.index.get_level_values("year") else led.iloc[:0]
        paid = float(rows["reward_received"].sum())
        if paid > limit + 1e-3:
            bad.append(f"{y}: rewards paid {paid} over the city's reward reserve {limit}")
        short = (rows["reward_due"] - rows["reward_received"] > 1e-3).any() if len(rows) else False
        if short and paid < limit - 1e-3:
            bad.append(f"{y}: a reward due was left unpaid with {limit - paid} mu of the reserve left")
        if y not in city.index:
            bad.append(f"{y}: no city row for the reward reserve in the ledger")
            continue
        c = city.loc[y]
        if (abs(float(c["reward_reserve"]) - limit) > 1e-3 or abs(float(c["reward_reserve_drawn"]) - paid) > 1e-3
                or abs(float(c["reward_reserve_left"]) - (limit - paid)) > 1e-3 or abs(float(c["closing"])) > 1e-9):
            bad.append(f"{y}: the ledger's city row {c.to_dict()} ≠ reserve {limit}, drawn {paid}")
    return bad


TIE_BREAKS = {"land_district_quota": 1e-6, "land_provincial_pool": 2e-6, "land_stock": 0.0, "land_province_request": 3e-6,
              "energy_district": 0.0, "energy_city_pool": 1e-9}


def allocation_value(sc: object, a: pd.DataFrame) -> float:
    """The value of the allocation `a` (the allocation sheet, indexed by project) under the scenario's settings, in
    the default objective mode: Σ over projects supplied in the horizon (actuals excepted) of score × land demand ×
    deferral_discount^(year − first year of its window), less the request penalty per mu requested and the
    tie-breaks per mu and tce by source. A project whose land all comes from the district quota (it has no other
    source) pays the district quota's tie-break on its whole demand."""
    s = sc.settings  # type: ignore[attr-defined]
    p = sc.projects.set_index("project_id")  # type: ignore[attr-defined]
    actual_ids = set(sc.actuals["project_id"])  # type: ignore[attr-defined]
    years = list(s.years)
    total = 0.0
    for pid, r in a[(a["selected"] == "yes") & a["year"].isin(years)].iterrows():
        if pid in actual_ids:
            continue
        earliest = p.at[pid, "earliest_year"]
        first = max(years[0], int(earliest) if not pd.isna(earliest) else years[0])
        total += float(r["score"]) * float(r["land_demand"]) * s.deferral_discount ** (int(r["year"]) - first)
        total -= s.province_request_penalty * float(r["land_province_request"])
        total -= sum(cost * float(r[col]) for col, cost in TIE_BREAKS.items())
    return total


def reward_paid_gain(sc: object, led: pd.DataFrame) -> float:
    """The objective's gain for stock-land reward paid in the years whose city reward reserve is set: REWARD_PAID
    per mu the ledger's districts received (models/formulation.md, ε_w)."""
    capped = reward_reserve(sc)
    rows = led[led["district_id"].astype(str) != CITY_ROW]
    return REWARD_PAID * float(rows.loc[rows["year"].isin(list(capped)), "reward_received"].sum())


def check_objective(sc: object, a: pd.DataFrame, summary: dict[str, object], gain: float = 0.0) -> list[str]:
    """The summary's objective is the value of the allocation written (`allocation_value`, plus `gain`, the reward
    paid from a city reserve: `reward_paid_gain`), to rounding; checked in the default objective mode only
    (weighted totals score differently)."""
    if sc.settings.objective_mode != "priority" or summary.get("objective") is None:  # type: ignore[attr-defined]
        return []
    obj, value = _num(summary["objective"]), allocation_value(sc, a) + gain
    if abs(obj - value) > 1e-9 * max(1.0, abs(value)):
        return [f"summary objective {obj!r} ≠ the written allocation's value {value!r}"]
    return []


def _cross_sheet(sheets: dict[str, pd.DataFrame], sc: object, a: pd.DataFrame, led: pd.DataFrame,
                 summary: dict[str, object]) -> list[str]:
    """Figures one sheet gives that another gives too: the ledger year to year, the summary's totals against the
    allocation and the ledger (horizon years only), the districts and city sheets against the allocation, and the
    shadow prices' district quotas against the ledger."""
    s = sc.settings  # type: ignore[attr-defined]
    years = list(s.years)
    bad: list[str] = []
    # the ledger carries year to year: opening = last year's closing (0 in the first year and without carry-over)
    for d in led.index.get_level_values(0).unique():
        prev = 0.0
        for y in years:
            opening, closing = float(led.at[(d, y), "opening"]), float(led.at[(d, y), "closing"])
            if abs(opening - prev) > 1e-3:
                bad.append(f"{d} {y}: ledger opening {opening} ≠ last year's closing {prev}")
            if not s.carryover_allowed and abs(closing) > 1e-3:
                bad.append(f"{d} {y}: closing {closing} without carry-over")
            prev = closing
    # summary totals: the allocation's selected rows in the horizon; district quota used = the ledger's used
    sel = a[(a["selected"] == "yes") & a["year"].isin(years)]
    for key, col in (("land_district_quota_total", "land_district_quota"), ("land_provincial_pool_total",
                     "land_provincial_pool"), ("land_stock_total", "land_stock"), ("land_province_request_total",
                     "land_province_request"), ("energy_district_total", "energy_district"),
                     ("energy_city_pool_total", "energy_city_pool"), ("land_selected", "land_demand"),
                     ("investment_selected", "investment")):
        if key in summary and abs(_num(summary[key]) - float(sel[col].sum())) > 1e-3:
            bad.append(f"summary {key} {summary[key]} ≠ allocation's {float(sel[col].sum())}")
    if "projects_selected" in summary and int(_num(summary["projects_selected"])) != len(sel):
        bad.append(f"summary projects_selected {summary['projects_selected']} ≠ {len(sel)}")
    if abs(_num(summary.get("land_district_quota_total")) - float(led["used"].sum())) > 1e-3:
        bad.append("summary land_district_quota_total ≠ the ledger's used")
    land = float(sel["land_demand"].sum())
    if land > 0 and "average_output_per_mu" in summary:
        out_mu = float((sel["output_per_mu"] * sel["land_demand"]).sum()) / land
        if abs(_num(summary["average_output_per_mu"]) - out_mu) > 1e-3 * max(1.0, out_mu):
            bad.append(f"summary average_output_per_mu {summary['average_output_per_mu']} ≠ {out_mu}")
    # districts sheet: use against the ledger, utilisation of the quota the district had that year
    dist = sheets["districts"].set_index(["district_id", "year"])
    for (d, y), r in dist.iterrows():
        lr = led.loc[(d, y)]
        if abs(float(r["land_quota_used"]) - float(lr["used"])) > 1e-3:
            bad.append(f"{d} {y}: districts sheet quota used {r['land_quota_used']} ≠ ledger {lr['used']}")
        had = float(lr["opening"]) + float(lr["issued"]) + float(lr["reward_received"])
        if had > 1e-9 and abs(_num(r["land_utilisation"]) - float(lr["used"]) / had) > 1e-4:
            bad.append(f"{d} {y}: utilisation {r['land_utilisation']} ≠ used / (opening + issued + reward)")
    # city sheet: use of the city quotas = the allocation's
    city = sheets["city"].set_index("year")
    by_y = sel.groupby("year")[["land_provincial_pool", "land_province_request", "energy_city_pool"]].sum()
    for y in years:
        for ccol, acol in (("provincial_pool_used", "land_provincial_pool"), ("province_request",
                           "land_province_request"), ("city_energy_pool_used", "energy_city_pool")):
            want = float(by_y.at[y, acol]) if y in by_y.index else 0.0
            if abs(float(city.at[y, ccol]) - want) > 1e-3:
                bad.append(f"{y}: city sheet {ccol} {city.at[y, ccol]} ≠ allocation's {want}")
    # shadow prices: a district's quota as the ledger has it
    sp = sheets["shadow_prices"]
    for r in sp[sp["constraint"] == "district_land_quota"].to_dict("records"):
        lr = led.loc[(r["district_id"], int(r["year"]))]
        limit = float(lr["opening"]) + float(lr["issued"]) + float(lr["reward_received"])
        if abs(float(r["limit"]) - limit) > 1e-3 or abs(float(r["used"]) - float(lr["used"])) > 1e-3:
            bad.append(f"{r['district_id']} {r['year']}: shadow prices quota {r['limit']}/{r['used']} ≠ the ledger's "
                       f"{limit}/{lr['used']}")
    return bad


def _eligible(sc: object, pid: str) -> bool:
    """Whether project `pid` passes every check before the model (models/formulation.md, "Eligibility before the
    model"), recomputed from the input sheets: not already supplied, compliant, approvable, its chain's entry
    standards, a window inside the horizon, and city-eligible when misfits are excluded."""
    s = sc.settings  # type: ignore[attr-defined]
    p = sc.projects.set_index("project_id")  # type: ignore[attr-defined]
    chains = sc.chains.set_index("chain_id")  # type: ignore[attr-defined]
    q = p.loc[pid]
    if pid in set(sc.actuals["project_id"]):  # type: ignore[attr-defined]
        return False
    chain = chains.loc[q["chain_id"]]
    out_mu, tax_mu = q["annual_output"] / q["land_demand"], q["annual_tax"] / q["land_demand"]
    intensity = q["energy_demand"] / q["annual_output"] if q["annual_output"] > 0 else (
        0.0 if q["energy_demand"] <= 0 else np.inf)
    first = max(s.base_year, int(q["earliest_year"]) if not pd.isna(q["earliest_year"]) else s.base_year)
    last = min(s.last_year, int(q["latest_year"]) if not pd.isna(q["latest_year"]) else s.last_year)
    return bool(q["compliant"]) and bool(q["approvable"]) and out_mu >= _num(chain["min_output_per_mu"]) - 1e-9 and (
        tax_mu >= _num(chain["min_tax_per_mu"]) - 1e-9) and (
        pd.isna(chain["max_energy_intensity"]) or intensity <= chain["max_energy_intensity"] + 1e-12) and (
        first <= last) and (s.misfit_policy != "exclude" or _city_eligible(sc, pid))


def _city_eligible(sc: object, pid: str) -> bool:
    """Fits the layout guide (its chain a key chain of its platform) and kept the first-report rule."""
    q = sc.projects.set_index("project_id").loc[pid]  # type: ignore[attr-defined]
    plats = sc.platforms.set_index("platform_id")  # type: ignore[attr-defined]
    keys = plats.at[q["platform_id"], "key_chains"]  # a tuple of chain ids, as read
    return q["chain_id"] in keys and bool(q["first_report_ok"])


def _major(sc: object, pid: str) -> bool:
    q = sc.projects.set_index("project_id").loc[pid]  # type: ignore[attr-defined]
    return bool(q["provincial_major"]) or bool(q["city_led"]) or (
        q["investment"] >= sc.settings.major_investment_threshold)  # type: ignore[attr-defined]


def could_be_supplied(sc: object) -> set[tuple[str, int]]:
    """The (project, year)s in which a city-eligible major project could be supplied, as models/formulation.md
    defines it for the strict major-project priority: the year is in its window, its land fits the year's upper
    bound U (its district's quota and the actuals' reward credit, cumulated with carry-over, every reward the
    district's stock could have earned by then, its district's stock by then if stock-eligible, the provincial pool
    if a provincial major, the request cap; capped by its platform's capacity left) and its energy the bound V
    (its district's energy budget, plus the city pool) — a mandatory project keeps every year of its window — and
    its district's own energy budget that year carries its energy. Every figure less what in-horizon actuals used; recomputed here from the input sheets alone."""
    s = sc.settings  # type: ignore[attr-defined]
    years = list(s.years)
    T = len(years)
    p = sc.projects.set_index("project_id")  # type: ignore[attr-defined]
    dq = sc.district_quotas.set_index(["district_id", "year"])  # type: ignore[attr-defined]
    cq = sc.city_quotas.set_index("year")  # type: ignore[attr-defined]
    stock0 = sc.districts.set_index("district_id")["stock_land_initial"]  # type: ignore[attr-defined]
    act = sc.actuals.copy()  # type: ignore[attr-defined]
    act["district_id"] = [p.at[i, "district_id"] for i in act["project_id"]]
    inside = act[act["year"].isin(years)]

    def used(d: str | None, y: int, col: str) -> float:
        rows = inside[(inside["year"] == y) & ((inside["district_id"] == d) if d is not None else True)]
        return float(rows[col].sum())

    out: set[tuple[str, int]] = set()
    for d in sc.districts["district_id"]:  # type: ignore[attr-defined]
        own = np.array([_num(dq.at[(d, y), "new_land_quota"]) - used(d, y, "land_district_quota") for y in years])
        credit = np.zeros(T)
        for pid, y, stock in zip(act["project_id"], act["year"], act["land_stock"], strict=True):
            if (p.at[pid, "district_id"] == d and _major(sc, pid) and _city_eligible(sc, pid)
                    and int(y) + s.reward_lag_years in years):
                credit[years.index(int(y) + s.reward_lag_years)] += s.reward_ratio * float(stock)
        quota = own + credit
        if s.carryover_allowed:
            quota = np.cumsum(quota)
        stock = _num(stock0[d]) + np.cumsum([_num(dq.at[(d, y), "stock_land_added"]) - used(d, y, "land_stock")
                                            for y in years])
        rewards = np.zeros(T)
        lag = s.reward_lag_years
        rewards[lag:] = s.reward_ratio * np.maximum(stock, 0.0)[:T - lag] if lag < T else 0.0
        budget = np.array([_num(dq.at[(d, y), "energy_budget"]) - used(d, y, "energy_district") for y in years])
        for pid in p.index[p["district_id"] == d]:
            if not (_eligible(sc, pid) and _major(sc, pid) and _city_eligible(sc, pid)):
                continue
            q = p.loc[pid]
            plat = sc.platforms.set_index("platform_id").at[q["platform_id"], "land_capacity"]  # type: ignore[attr-defined]
            on_plat = [i for i in inside["project_id"] if p.at[i, "platform_id"] == q["platform_id"]]
            cap = np.inf if pd.isna(plat) else float(plat) - float(p.loc[on_plat, "land_demand"].sum())
            first = max(s.base_year, int(q["earliest_year"]) if not pd.isna(q["earliest_year"]) else s.base_year)
            last = min(s.last_year, int(q["latest_year"]) if not pd.isna(q["latest_year"]) else s.last_year)
            for t, y in enumerate(years):
                if not first <= y <= last:
                    continue
                pool = _num(cq.at[y, "provincial_reward_quota"]) - used(None, y, "land_provincial_pool")
                request = cq.at[y, "province_request_cap"]
                request = (s.province_request_cap if pd.isna(request) else float(request)) - used(
                    None, y, "land_province_request")
                city = _num(cq.at[y, "city_energy_pool"]) - used(None, y, "energy_city_pool")
                land = quota[t] + rewards[t] + (max(stock[t], 0.0) if bool(q["stock_land_eligible"]) else 0.0) + (
                    pool if bool(q["provincial_major"]) else 0.0) + request
                land = min(land, cap)
                energy = budget[t] + city
                fits = q["land_demand"] <= land + 1e-6 and q["energy_demand"] <= energy + 1e-6
                if (fits or bool(q["mandatory"])) and q["energy_demand"] <= budget[t] + 1e-6:
                    out.add((str(pid), int(y)))
    return out


def check_major_priority(sc: object, a: pd.DataFrame) -> list[str]:
    """五(一) 优先保障重大产业项目 with major_priority = strict (the default): no project that is neither a
    city-eligible major nor mandatory uses its district's quota in a year while a city-eligible major project of
    that district that could be supplied that year (`could_be_supplied`) is left out. From the plan `a` (the
    allocation sheet, indexed by project) and the scenario alone."""
    s = sc.settings  # type: ignore[attr-defined]
    if s.major_priority != "strict":
        return []
    p = sc.projects.set_index("project_id")  # type: ignore[attr-defined]
    held: dict[tuple[str, int], str] = {}
    for pid, y in sorted(could_be_supplied(sc)):
        if a.at[pid, "selected"] != "yes":
            held.setdefault((str(p.at[pid, "district_id"]), y), pid)
    bad = []
    for pid, r in a[(a["selected"] == "yes") & (a["land_district_quota"] > TOL)].iterrows():
        if pid in set(sc.actuals["project_id"]) or bool(p.at[pid, "mandatory"]):  # type: ignore[attr-defined]
            continue
        if _major(sc, str(pid)) and _city_eligible(sc, str(pid)):
            continue
        major = held.get((str(p.at[pid, "district_id"]), int(r["year"])))
        if major is not None:
            bad.append(f"{pid}: uses {r['land_district_quota']} mu of {p.at[pid, 'district_id']}'s {int(r['year'])} "
                       f"quota while major project {major}, which could be supplied that year, is left out")
    return bad

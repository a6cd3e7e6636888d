"""Annual re-planning: from an adopted plan to next year's scenario workbook.

`rollover(scenario, allocation, ledger, year)` returns the scenario for base year `year + 1`:
- every project the plan supplies in `year` or before becomes an `actuals` row (its sources as planned);
  older actuals are kept while their stock-land reward still falls in the new horizon, then dropped
  together with their project;
- projects not yet supplied stay as candidates, their windows unchanged, except that a window which ended before
  the new base year now ends in it (`RolloverNote.window_extended`; the console lists them for the bureau to confirm
  the new window or delete the project), so the new scenario always validates;
- stock land: the new initial stock is the old one plus what was added, less what was used, up to `year`;
- platforms: a platform's land capacity is the land it can still host from the base year on, a stock like stock
  land: the new one is the old one less the land of the projects supplied on it from the old base year to `year`
  (planned or already actuals), which leave the horizon and so no longer count against it (a 150-mu platform
  that hosted 100 mu in 2026 has 50 left from 2027, not 150 again); blank stays blank;
- quotas: rows of years after `year` are kept; a new last year copies the old last year's figures
  (`RolloverNote` lists them so the bureau replaces them with the real ones); with carry-over, quota
  unused at the end of `year` is added to the new base year's quota. The city's stock-land reward reserve
  (city_quotas.reward_reserve) goes forward the same way, blank staying blank; what `year`'s reserve left is not
  carried (it lapses, 五(一)), and the ledger's city rows (closing 0) add nothing to any district;
- settings: base year advanced, everything else unchanged;
- the mu and tce it computes (the new actuals rows, the stock land, the quota carried over) are rounded to
  `DECIMALS`, since people read and edit that workbook: the solver's sums come with float noise (4.8 mu of quota
  came out as 4.799999999999997);
- a plan computed under a variant (`variant`, as its results' summary records it) is rolled over from the
  scenario that variant makes, the one the plan saw: next year starts from the variant's settings and quotas.
  The variant's rows leave the variants sheet, since applying them again would change those figures twice
  (a scale of 1.5 would become 2.25); the other variants are kept, now applying on top of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from quota_opt.core import quota
from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.messages import column_words
from quota_opt.core.scenario import ROW, Scenario
from quota_opt.input.variants import apply_variant, variant_names

LAND = ["land_district_quota", "land_provincial_pool", "land_stock", "land_province_request"]
ENERGY = ["energy_district", "energy_city_pool"]
# Decimals of the mu and tce the rollover writes. The results workbook shows 0.1 mu and whole tce, but its cells
# keep the plan's figures, and the plan's figures are sums of the typed ones, whose precision is the user's: to
# 0.1 mu, a project typed as 12.25 mu recorded from two sources would no longer add up to its demand (validate
# allows 0.01 mu). 4 decimals keep every figure typed to 0.0001 mu (0.07 m², finer than the square metre a site
# is surveyed to, 0.0015 mu) or 0.0001 tce as it was, drop the noise of float sums (1e-14) and of the solver
# (its feasibility tolerance, 1e-7), and move an actuals row's total by 0.0002 mu at most.
DECIMALS = 4

# Where in the results workbook a problem lies: (sheet key, Excel row, column key) -> Location. A results workbook
# read back gives `ResultsBook.loc`, which names each sheet as the file does; a plan made in memory has no file.
Locate = Callable[..., Location]


def _by_key(sheet: str, row: int | None = None, column: str | None = None) -> Location:
    return Location(sheet=sheet, row=row, column=column)


@dataclass
class RolloverNote:
    new_base_year: int
    recorded: list[str] = field(default_factory=list)  # projects turned into actuals
    dropped: list[str] = field(default_factory=list)  # supplied projects whose rewards are all realised
    copied_years: list[int] = field(default_factory=list)  # quota years copied from the last known year
    carried: dict[str, float] = field(default_factory=dict)  # mu of quota carried into the new base year
    variant: str | None = None  # the variant the plan was computed under, now part of the scenario
    kept_variants: list[str] = field(default_factory=list)  # the variants sheet's others, kept as they were
    leaving_years: list[int] = field(default_factory=list)  # the old base year to `year`: now before the horizon
    # platform -> (old capacity, land supplied on it from the old base year to `year`, new capacity), in mu,
    # for each platform whose capacity the rollover reduced
    capacity_used: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    # platform -> (old capacity, land supplied on it), where that land exceeded the capacity: the scenario's figures
    # disagree (a capacity typed too low, or a project on the wrong platform); its new capacity is 0
    capacity_overdrawn: dict[str, tuple[float, float]] = field(default_factory=dict)
    # candidate left out whose window ended before the new base year -> its old latest year (now the new base year)
    window_extended: dict[str, int] = field(default_factory=dict)
    # variant -> the years before the new base year that its rows' year filter names: those rows now match nothing
    stale_variant_years: dict[str, list[int]] = field(default_factory=dict)


def recorded_variant(scenario: Scenario, summary: dict[str, Any], results: str) -> str | None:
    """The variant a results workbook's `summary` says its plan was computed under (None for the base case),
    checked against the scenario's variants sheet: raise InputError when the sheet no longer has it (renamed or
    deleted since, or another scenario), rather than roll the plan over into figures it never saw (rollover) or
    explain it there (explain). `results` is the results workbook's file name, for the message."""
    recorded = summary.get("variant")
    name = "" if recorded is None else str(recorded).strip()
    if not name:
        return None
    known = variant_names(scenario)
    if name not in known:
        raise InputError([Problem(Severity.ERROR, "results_variant_missing", scenario.loc("variants"), {
            "results": results, "variant": name,
            "scenario": scenario.source_path.name if scenario.source_path else "", "known": ", ".join(known) or "—"})])
    return name


def plan_problems(scenario: Scenario, allocation: pd.DataFrame, loc: Locate = _by_key) -> None:
    """Raise InputError when the allocation is not one of this scenario's plans: a project id the scenario does
    not have (typed over, or the results of another scenario), or a project of the scenario without a row (a
    row deleted), which would be rolled over as never supplied. `loc` places each in the results workbook."""
    known = set(scenario.projects["project_id"].astype(str))
    ids = [str(p) for p in allocation["project_id"]]
    rows = list(allocation[ROW]) if ROW in allocation.columns else [None] * len(ids)
    name = scenario.source_path.name if scenario.source_path else ""
    problems = [Problem(Severity.ERROR, "results_unknown_project",
                        loc("allocation", row, "project_id"), {"found": pid, "scenario": name})
                for pid, row in zip(ids, rows, strict=True) if pid not in known]
    problems += [Problem(Severity.ERROR, "results_project_missing", loc("allocation"), {"found": pid})
                 for pid in scenario.projects["project_id"].astype(str) if pid not in set(ids)]
    if problems:
        raise InputError(problems)


def ledger_problems(ledger: pd.DataFrame, year: int, loc: Locate = _by_key) -> None:
    """Raise InputError when the ledger cannot give the quota to carry over from `year`: its sheet or a column
    it is read from is missing, or a district's closing balance for that year is blank (a cleared cell would
    carry nothing over without a word). `loc` places each in the results workbook."""
    columns = ("district_id", "year", "closing")
    missing = [c for c in columns if c not in ledger.columns]
    if missing:
        raise InputError([Problem(Severity.ERROR, "rollover_needs_ledger", loc("ledger"),
                                  {"columns": column_words("ledger", columns), "missing": column_words("ledger", missing)})])
    rows = list(ledger[ROW]) if ROW in ledger.columns else [None] * len(ledger)
    blank = [row for row, y, closing in zip(rows, ledger["year"], ledger["closing"], strict=True)
             if y == year and pd.isna(closing)]
    if blank:
        raise InputError([Problem(Severity.ERROR, "required_blank", loc("ledger", row, "closing"),
                                  {"expected": {"zh": "期末结转亩数", "en": "the closing balance in mu"}})
                          for row in blank])


def rollover(scenario: Scenario, allocation: pd.DataFrame, ledger: pd.DataFrame, year: int,
             loc: Locate = _by_key, variant: str | None = None) -> tuple[Scenario, RolloverNote]:
    """Next year's scenario from an adopted plan (`allocation` and `ledger` as in `Plan` or a results workbook;
    for a workbook, `loc=ResultsBook.loc` names its sheets in a problem as the file does). `variant` is the
    variant of `scenario` the plan was computed under (`recorded_variant`): it is applied first, and its rows
    leave the variants sheet. Raises InputError for a variant the sheet does not have."""
    variants, names = scenario.variants, variant_names(scenario)
    if variant:
        variants = variants[variants["variant"] != variant]  # the rows apply_variant applies
        scenario = apply_variant(scenario, variant)
    s = scenario.settings
    if year not in s.years:
        raise InputError([Problem(Severity.ERROR, "rollover_year_outside", scenario.loc("settings", column="base_year"),
                                  {"found": year, "first": s.base_year, "last": s.last_year})])
    plan_problems(scenario, allocation, loc)
    new_base = year + 1
    note = RolloverNote(new_base, variant=variant or None,
                        kept_variants=[n for n in names if n != variant] if variant else [],
                        leaving_years=list(range(s.base_year, new_base)))
    a = allocation
    supplied = a[a["selected"] & a["year"].notna() & (a["year"].astype("Int64") <= year)]
    new_rows = supplied[supplied["status"] == "selected"]
    note.recorded = list(new_rows["project_id"])
    recorded = new_rows[["project_id", "year", *LAND, *ENERGY]].copy()
    recorded[LAND + ENERGY] = recorded[LAND + ENERGY].astype(float).round(DECIMALS)
    actuals = pd.concat([scenario.actuals.drop(columns=[ROW]), recorded], ignore_index=True)
    actuals["year"] = actuals["year"].astype(int)
    # keep actuals whose reward still lands in the new horizon; drop the rest with their projects
    keep = quota.reward_year(s, actuals["year"]) >= new_base
    note.dropped = sorted(set(actuals.loc[~keep, "project_id"]))
    actuals = actuals[keep]
    projects = scenario.projects[~scenario.projects["project_id"].isin(note.dropped)].drop(columns=[ROW])
    # a candidate left out whose window ended before the new base year could never be supplied again, and validate
    # refuses it (a blank earliest year is the new base year, after its latest): it is kept, its latest year moved
    # to the new base year, and the console lists it, for the bureau to confirm the new window or delete the row
    latest = pd.to_numeric(projects["latest_year"], errors="coerce")
    lapsed = (latest < new_base) & ~projects["project_id"].isin(actuals["project_id"])
    note.window_extended = {str(pid): int(y) for pid, y in zip(projects.loc[lapsed, "project_id"], latest[lapsed],
                                                               strict=True)}
    projects.loc[lapsed, "latest_year"] = new_base

    # stock land
    used = a[a["selected"] & a["year"].notna()].copy()
    used = used[used["year"].astype(int).between(s.base_year, year)]
    used_by_d = used.groupby("district_id")["land_stock"].sum()
    dq = scenario.district_quotas
    added = dq[dq["year"].astype(int) <= year].groupby("district_id")["stock_land_added"].sum()
    districts = scenario.districts.drop(columns=[ROW]).copy()
    districts["stock_land_initial"] = [
        round(max(0.0, float(v) + float(added.get(d, 0.0)) - float(used_by_d.get(d, 0.0))), DECIMALS)
        for d, v in zip(districts["district_id"], districts["stock_land_initial"], strict=True)
    ]

    # platforms: capacity is a stock too; what the leaving years supplied on a platform is gone from it
    demand = scenario.projects.set_index("project_id")
    on = used["project_id"].map(demand["platform_id"])
    used_by_k = used.assign(platform_id=on, land=used["project_id"].map(demand["land_demand"]).astype(float)
                            ).groupby("platform_id")["land"].sum()
    platforms = scenario.platforms.drop(columns=[ROW]).copy()
    capacity: list[float] = []
    for k, cap in zip(platforms["platform_id"], platforms["land_capacity"], strict=True):
        spent = round(float(used_by_k.get(k, 0.0)), DECIMALS)
        if pd.isna(cap) or spent <= 0:
            capacity.append(cap)
            continue
        left = round(float(cap) - spent, DECIMALS)
        if left < 0:  # never below 0, the column's minimum; the data disagree, which the note says
            note.capacity_overdrawn[str(k)] = (float(cap), spent)
            left = 0.0
        else:
            note.capacity_used[str(k)] = (float(cap), spent, left)
        capacity.append(left)
    platforms["land_capacity"] = capacity

    # quotas: keep later years, extend to the new horizon by copying the last known year
    new_years = list(range(new_base, new_base + s.horizon_years))
    dq_new = dq[dq["year"].astype(int) >= new_base].drop(columns=[ROW])
    cq = scenario.city_quotas
    cq_new = cq[cq["year"].astype(int) >= new_base].drop(columns=[ROW])
    last_dq = dq[dq["year"].astype(int) == s.last_year].drop(columns=[ROW])
    last_cq = cq[cq["year"].astype(int) == s.last_year].drop(columns=[ROW])
    for y in new_years:
        if y not in set(dq_new["year"].astype(int)):
            dq_new = pd.concat([dq_new, last_dq.assign(year=y)], ignore_index=True)
            note.copied_years.append(y)
        if y not in set(cq_new["year"].astype(int)):
            cq_new = pd.concat([cq_new, last_cq.assign(year=y)], ignore_index=True)
    if s.carryover_allowed:
        ledger_problems(ledger, year, loc)
        led = ledger
        closing = led[led["year"] == year].set_index("district_id")["closing"]
        for d, amount in closing.items():
            amount = round(float(amount), DECIMALS)
            if amount > 0:
                mask = (dq_new["district_id"] == d) & (dq_new["year"].astype(int) == new_base)
                dq_new.loc[mask, "new_land_quota"] = (dq_new.loc[mask, "new_land_quota"].astype(float)
                                                      + amount).round(DECIMALS)
                note.carried[str(d)] = amount
    # a kept variant's row filtered to a year now before the horizon matches nothing: kept as typed, but said
    filtered = pd.to_numeric(variants["year"], errors="coerce") if "year" in variants.columns else pd.Series(dtype=float)
    past = filtered < new_base
    for name, y in zip(variants.loc[past, "variant"], filtered[past].astype(int), strict=True):
        stale = note.stale_variant_years.setdefault(str(name), [])
        if int(y) not in stale:
            stale.append(int(y))
    settings = s.replace(base_year=new_base)
    tables = {
        "districts": districts, "platforms": platforms,
        "chains": scenario.chains.drop(columns=[ROW]), "district_quotas": dq_new.sort_values(["year", "district_id"]),
        "city_quotas": cq_new.sort_values("year"), "projects": projects, "actuals": actuals,
        "variants": variants.drop(columns=[ROW]),
    }
    return Scenario.from_tables(settings, {k: v.reset_index(drop=True) for k, v in tables.items()}), note

"""Build small scenarios in code for tests: every table as a list of dicts, sensible defaults.

`tiny(...)` gives one district "A", one platform "PA" whose key chain is "C1", one chain "C1", and
whatever projects and quotas the test passes. Tests state every figure that matters for their
hand-worked optimum; everything else takes the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quota_opt.core.scenario import Scenario

# The shipped example, as `make demo` runs it.
EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "hangzhou_example.xlsx"
EXAMPLE_LIMIT_S = 3600.0  # the example solved to its gap, never stopped by the clock (conftest.example_run)

# One criterion only: a project's score is its investment over the largest eligible investment, so golden
# tests can work the optimum out by hand.
INVESTMENT_ONLY = {"w_investment": 1.0, "w_output_per_mu": 0.0, "w_tax_per_mu": 0.0, "w_energy_efficiency": 0.0,
                   "w_platform_score": 0.0}


def project(pid: str, land: float, *, district: str = "A", platform: str | None = None, chain: str = "C1",
            investment: float = 5.0, output: float | None = None, tax: float | None = None, energy: float = 0.0,
            **flags: Any) -> dict[str, Any]:
    """A project row; output and tax default to 100 and 10 万元 per mu (so per-mu criteria tie)."""
    return {
        "project_id": pid, "name": f"项目{pid}", "district_id": district, "platform_id": platform or f"P{district}",
        "chain_id": chain, "investment": investment, "land_demand": land,
        "annual_output": 100.0 * land if output is None else output,
        "annual_tax": 10.0 * land if tax is None else tax, "energy_demand": energy, **flags,
    }


def tiny(projects: list[dict[str, Any]], *, districts: list[dict[str, Any]] | None = None,
         quotas: dict[tuple[str, int], dict[str, float]] | None = None,
         city: dict[int, dict[str, float]] | None = None, platforms: list[dict[str, Any]] | None = None,
         chains: list[dict[str, Any]] | None = None, actuals: list[dict[str, Any]] | None = None,
         **settings: Any) -> Scenario:
    """A scenario from the given rows. `quotas[(district, year)]` gives new_land_quota, energy_budget, ..."""
    base = {"base_year": 2026, "horizon_years": 1, "deferral_discount": 0.9}
    base.update(settings)
    years = range(base["base_year"], base["base_year"] + base["horizon_years"])
    districts = districts or [{"district_id": "A", "name": "甲区"}]
    ids = [d["district_id"] for d in districts]
    platforms = platforms or [
        {"platform_id": f"P{d}", "name": f"平台{d}", "district_id": d, "key_chains": "C1", "evaluation_score": 80}
        for d in ids
    ]
    chains = chains or [{"chain_id": "C1", "name": "链一"}]
    quotas = quotas or {}
    dq = []
    for d in ids:
        for y in years:
            q = {"new_land_quota": 0.0, "energy_budget": 1e6, "stock_land_added": 0.0}
            q.update(quotas.get((d, y), {}))
            dq.append({"year": y, "district_id": d, **q})
    city = city or {}
    cq = [{"year": y, "provincial_reward_quota": 0.0, "city_energy_pool": 0.0, **city.get(y, {})} for y in years]
    return Scenario.from_tables(base, {
        "districts": districts, "platforms": platforms, "chains": chains, "district_quotas": dq,
        "city_quotas": cq, "projects": projects, "actuals": actuals or [],
    })


def golden(quota: float = 100) -> Scenario:
    """The A/B/C golden scenario (test_golden.test_binding_district_quota): one district, one year, `quota` mu,
    investment only. A 60 mu, 10 亿元 → score 1.0, value 60; B 50 mu, 8 亿元 → 0.8 × 50 = 40; C 40 mu, 6 亿元 →
    0.6 × 40 = 24. At 100 mu the optimum is A + C = 84 (A + B needs 110 mu); B is out-competed. By score alone
    (major_priority = none): A, at 10 亿元, is a major project, and explain's cases raise B and C past it."""
    return tiny([project("A", 60, investment=10), project("B", 50, investment=8), project("C", 40, investment=6)],
                quotas={("A", 2026): {"new_land_quota": quota}}, major_priority="none", **INVESTMENT_ONLY)


def random_small(seed: int, reserve: bool = False) -> Scenario:
    """A random small scenario (1–3 districts, 1–3 years, 2–9 projects) with every feature switched on
    somewhere: misfits, first-report violators, provincial majors, stock land and rewards, mandatory
    projects (kept feasible by giving them generous quota), windows, platform capacities, carry-over.
    With `reserve`, the city's stock-land reward reserve too (blank, 0, 10 or 40 mu a year, drawn after the rest,
    so the scenario is otherwise the same)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_d, n_y, n_p = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 10))
    ds = [f"D{i}" for i in range(n_d)]
    years = list(range(2026, 2026 + n_y))
    districts = [{"district_id": d, "name": f"区{d}", "stock_land_initial": float(rng.choice([0, 40, 120]))}
                 for d in ds]
    platforms = [{"platform_id": f"P{d}", "name": f"平台{d}", "district_id": d, "key_chains": "C1, C2",
                  "evaluation_score": float(rng.integers(50, 95)),
                  "land_capacity": float(rng.choice([np.nan, 300])) } for d in ds]
    chains = [{"chain_id": c, "name": f"链{c}", "min_output_per_mu": 0.0 if c == "C1" else float(rng.choice([0, 50])),
               "policy_weight": float(rng.choice([1.0, 1.2]))} for c in ("C1", "C2", "C3")]
    projects = []
    for i in range(n_p):
        d = str(rng.choice(ds))
        land = float(rng.integers(10, 120))
        e0 = int(rng.integers(0, n_y))
        mandatory = bool(rng.random() < 0.1)
        projects.append(project(
            f"J{i}", land, district=d, chain="C1" if mandatory else str(rng.choice(["C1", "C2", "C3"])),
            investment=float(rng.uniform(1, 30)), output=land * float(rng.uniform(30, 400)),
            tax=land * float(rng.uniform(2, 40)), energy=float(rng.choice([0, rng.uniform(50, 800)])),
            stock_land_eligible=bool(rng.random() < 0.4), provincial_major=bool(rng.random() < 0.25),
            city_led=bool(rng.random() < 0.1), first_report_ok=mandatory or bool(rng.random() > 0.1),
            compliant=mandatory or bool(rng.random() > 0.05), mandatory=mandatory,
            earliest_year=years[0] if mandatory else years[e0], latest_year=years[-1]))
    quotas = {(d, y): {"new_land_quota": float(rng.integers(0, 150)), "energy_budget": float(rng.integers(0, 1500)),
                       "stock_land_added": float(rng.choice([0, 30]))} for d in ds for y in years}
    for pr in projects:  # mandatory projects get room of their own so the scenario stays feasible
        if pr["mandatory"]:
            q = quotas[(pr["district_id"], years[0])]
            q["new_land_quota"] += pr["land_demand"]
            q["energy_budget"] += pr["energy_demand"]
    city = {y: {"provincial_reward_quota": float(rng.choice([0, 60])), "city_energy_pool": float(rng.choice([0, 500])),
                "province_request_cap": float(rng.choice([0, 50]))} for y in years}
    for pl in platforms:  # capacity must leave room for the mandatory projects
        need = sum(pr["land_demand"] for pr in projects if pr["mandatory"] and pr["platform_id"] == pl["platform_id"])
        if not np.isnan(pl["land_capacity"]):
            pl["land_capacity"] += need
    settings = {"reward_ratio": float(rng.choice([0.0, 0.5, 1.0])), "carryover_allowed": bool(rng.random() < 0.3),
                "misfit_policy": str(rng.choice(["district_only", "exclude"])),
                "province_request_penalty": float(rng.choice([0.1, 0.5])),
                "deferral_discount": float(rng.uniform(0.7, 1.0))}
    if reserve:
        for y in years:
            city[y]["reward_reserve"] = float(rng.choice([np.nan, 0.0, 10.0, 40.0]))
    return tiny(projects, districts=districts, platforms=platforms, chains=chains, quotas=quotas, city=city,
                horizon_years=n_y, **settings)

"""Build small scenarios in code for tests: every table as a list of dicts, sensible defaults.

`tiny(...)` gives one district "A", one platform "PA" whose key chain is "C1", one chain "C1", and
whatever projects and quotas the test passes. Tests state every figure that matters for their
hand-worked optimum; everything else takes the defaults below.
"""

from __future__ import annotations

from typing import Any

from quota_opt.scenario import Scenario


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

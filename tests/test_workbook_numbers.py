"""The results workbook's figures agree with one another, as an auditor checks them by hand.

Each test runs a tiny scenario (hand-worked in its docstring), writes the English results workbook and reads it
back with pandas, then compares one sheet's figures with another's: the summary's KPIs with the allocation and
the ledger, the shadow prices' limits and use with the ledger, the districts sheet's utilisation with the ledger.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builders import project, tiny
from invariants import read_sheet, read_summary
from quota_opt.io.template import write_scenario
from quota_opt.io.write import write_results
from quota_opt.run import RunOptions, run_scenario
from quota_opt.scenario import Scenario
from quota_opt.solve import Status
from quota_opt.validate import read_scenario

INVESTMENT_ONLY = {"w_investment": 1.0, "w_output_per_mu": 0.0, "w_tax_per_mu": 0.0, "w_energy_efficiency": 0.0,
                   "w_platform_score": 0.0}
ACTUAL = {"land_district_quota": 0.0, "land_provincial_pool": 0.0, "land_stock": 0.0, "land_province_request": 0.0,
          "energy_district": 0.0, "energy_city_pool": 0.0}


def results_of(sc: Scenario, tmp_path: Path) -> Path:
    path = write_scenario(sc, tmp_path / "s.xlsx", "en")
    result = run_scenario(read_scenario(path), RunOptions(backend="highs", mip_gap=1e-9))
    assert result.solution.status is Status.OPTIMAL
    return write_results(result, tmp_path / "s_results.xlsx", "en")


def test_summary_kpis_count_the_horizon_only_as_the_ledger_does(tmp_path: Path) -> None:
    """A project supplied before the base year (an actuals row of 2025, as rollover writes them) is history: it earns
    rewards, but it is not land this plan supplies. Horizon 2026 only, district A's quota 50 mu.

    X: 30 mu, supplied in 2025 from district quota 30 (actuals). Y: 40 mu, investment 5, output 4,000 万元.
    The plan supplies Y from the 2026 quota: 40 of 50 mu.

    Ledger (2026): issued 50, used 40, lapsed 10. So the summary reads: projects selected 1 (Y), land supplied 40 mu,
    land from district quota 40 mu (= the ledger's used), average output per mu 4,000 / 40 = 100, investment 5,
    district quota utilisation 40 / 50 = 80%. Counting X as well gave 2 projects, 70 mu, 70 mu of district quota
    (30 more than the ledger's 40), and 7,000 / 70 = 100 only by chance of equal outputs; X's output here is 1,500
    (50 per mu), so the average with X would be 5,500 / 70 = 78.57.
    """
    sc = tiny([project("X", 30, investment=4.0, output=1500.0), project("Y", 40, investment=5.0, output=4000.0)],
              quotas={("A", 2026): {"new_land_quota": 50}},
              actuals=[{**ACTUAL, "project_id": "X", "year": 2025, "land_district_quota": 30.0}],
              **INVESTMENT_ONLY)
    out = results_of(sc, tmp_path)
    s = read_summary(out)
    ledger = read_sheet(out, "ledger")
    assert float(ledger["used"].sum()) == pytest.approx(40)
    assert s["projects_selected"] == 1
    assert float(s["land_selected"]) == pytest.approx(40)
    assert float(s["land_district_quota_total"]) == pytest.approx(float(ledger["used"].sum()))
    assert float(s["investment_selected"]) == pytest.approx(5)
    assert float(s["output_selected"]) == pytest.approx(4000)
    assert float(s["average_output_per_mu"]) == pytest.approx(100)
    assert float(s["district_quota_utilisation"]) == pytest.approx(0.8)
    assert float(s["selected_share"]) == pytest.approx(1.0)

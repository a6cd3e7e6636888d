"""The results workbook's figures agree with one another, as an auditor checks them by hand.

Each test runs a tiny scenario (hand-worked in its docstring), writes the English results workbook and reads it
back with pandas, then compares one sheet's figures with another's: the summary's KPIs with the allocation and
the ledger, the shadow prices' limits and use with the ledger, the districts sheet's utilisation with the ledger.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builders import INVESTMENT_ONLY, project, tiny
from invariants import read_sheet, read_summary
from quota_opt.core.scenario import Scenario
from quota_opt.input.validate import read_scenario
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.solve.highs import Status

ACTUAL = {"land_district_quota": 0.0, "land_provincial_pool": 0.0, "land_stock": 0.0, "land_province_request": 0.0,
          "energy_district": 0.0, "energy_city_pool": 0.0}


def results_of(sc: Scenario, tmp_path: Path) -> Path:
    path = write_scenario(sc, tmp_path / "s.xlsx", "en")
    result = run_scenario(read_scenario(path), RunOptions(backend="highs", mip_gap=1e-9))
    assert result.solution.status is Status.OPTIMAL
    return write_results(result, tmp_path / "s_results.xlsx", "en")


@pytest.mark.slow
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


def _shadow_rows(out: Path, constraint: str) -> pd.DataFrame:
    sp = read_sheet(out, "shadow_prices")
    return sp[sp["constraint"] == constraint].set_index(["district_id", "year"])


@pytest.mark.slow
def test_shadow_prices_quote_the_ledgers_quota_and_use(tmp_path: Path) -> None:
    """The shadow prices sheet's limit, used and slack of a district's quota and budget are the ledger's and the
    districts sheet's figures, not the model row's (which nets the reward and the actuals out of both sides).

    District A, 2026–2027, reward_ratio 0.5 a year later, no carry-over, stock 20 mu at the start.
    P: supplied in 2026 (actuals): 5 mu of district quota, 300 tce of district energy. S: city-led (major),
    stock-eligible, 40 mu, 200 tce: in 2026 it takes the 20 mu of stock and the 25 − 5 = 20 mu of quota left,
    earning 0.5 × 20 = 10 mu of reward for 2027. T: 25 mu, only in 2027, from the 30 mu issued + 10 reward.

    Ledger: 2026 issued 25, used 5 + 20 = 25, lapsed 0; 2027 issued 30, reward 10, used 25, lapsed 15.
    So the sheet reads A 2026 quota: limit 25, used 25, slack 0; A 2027: limit 30 + 10 = 40, used 25, slack 15
    (it read limit 30, used 25 − 10 = 15); A 2026 energy: limit 1,000 (the budget issued), used 300 + 200 = 500,
    slack 500 (it read 700 and 200, the actual netted out).
    """
    sc = tiny([project("P", 5, investment=1.0, energy=300.0),
               project("S", 40, investment=8.0, energy=200.0, city_led=True, stock_land_eligible=True),
               project("T", 25, investment=4.0, earliest_year=2027)],
              districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 20}],
              quotas={("A", 2026): {"new_land_quota": 25, "energy_budget": 1000},
                      ("A", 2027): {"new_land_quota": 30, "energy_budget": 1000}},
              actuals=[{**ACTUAL, "project_id": "P", "year": 2026, "land_district_quota": 5.0,
                        "energy_district": 300.0}],
              horizon_years=2, reward_ratio=0.5, reward_lag_years=1, major_investment_threshold=100,
              **INVESTMENT_ONLY)
    out = results_of(sc, tmp_path)
    ledger = read_sheet(out, "ledger").set_index(["district_id", "year"])
    assert tuple(ledger.loc[("A", 2027), ["issued", "reward_received", "used", "lapsed"]]) == pytest.approx(
        (30, 10, 25, 15))
    quota = _shadow_rows(out, "district_land_quota")
    assert tuple(quota.loc[("A", 2026), ["limit", "used", "slack"]]) == pytest.approx((25, 25, 0))
    assert tuple(quota.loc[("A", 2027), ["limit", "used", "slack"]]) == pytest.approx((40, 25, 15))
    energy = _shadow_rows(out, "district_energy_budget")
    assert tuple(energy.loc[("A", 2026), ["limit", "used", "slack"]]) == pytest.approx((1000, 500, 500))


@pytest.mark.slow
def test_with_carry_over_the_shadow_prices_quota_figures_are_the_ledgers(tmp_path: Path) -> None:
    """With carry-over, the quota left at the end of a year is the ledger's closing, and next year's quota is what
    was carried in plus what was issued; the model's carry variable may carry less where it does not matter, so
    its row said otherwise.

    District A, 2026–2027, carry-over allowed. U: 60 mu, 2026 only. V: 30 mu, 2027 only. Quota 100 mu in 2026,
    10 in 2027. Ledger: 2026 issued 100, used 60, closing 40; 2027 opening 40, issued 10, used 30, closing 20.
    Shadow prices: 2026 limit 100, used 60, slack 40 (it read used 100, slack 0: the model carried all 40);
    2027 limit 40 + 10 = 50, used 30, slack 20.
    """
    sc = tiny([project("U", 60, investment=6.0, latest_year=2026), project("V", 30, investment=4.0, earliest_year=2027)],
              quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 10}},
              horizon_years=2, carryover_allowed=True, **INVESTMENT_ONLY)
    out = results_of(sc, tmp_path)
    ledger = read_sheet(out, "ledger").set_index(["district_id", "year"])
    assert tuple(ledger.loc[("A", 2027), ["opening", "issued", "used", "closing"]]) == pytest.approx((40, 10, 30, 20))
    quota = _shadow_rows(out, "district_land_quota")
    assert tuple(quota.loc[("A", 2026), ["limit", "used", "slack"]]) == pytest.approx((100, 60, 40))
    assert tuple(quota.loc[("A", 2027), ["limit", "used", "slack"]]) == pytest.approx((50, 30, 20))


@pytest.mark.slow
def test_districts_utilisation_counts_the_quota_carried_in(tmp_path: Path) -> None:
    """A district's quota utilisation is what it used of what it had that year, carried-in quota included, so it
    never passes 100%.

    District A, 2026–2027, carry-over allowed. U: 60 mu, 2026 only. V: 30 mu, 2027 only. Quota 100 mu in 2026,
    10 in 2027. Ledger: 2026 opening 0, issued 100, used 60; 2027 opening 40, issued 10, used 30.
    Utilisation: 2026 60 / 100 = 60%; 2027 30 / (40 + 10) = 60% (it read 30 / 10 = 300%).
    """
    sc = tiny([project("U", 60, investment=6.0, latest_year=2026), project("V", 30, investment=4.0, earliest_year=2027)],
              quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 10}},
              horizon_years=2, carryover_allowed=True, **INVESTMENT_ONLY)
    out = results_of(sc, tmp_path)
    districts = read_sheet(out, "districts").set_index(["district_id", "year"])
    assert districts.at[("A", 2026), "land_utilisation"] == pytest.approx(0.6)
    assert districts.at[("A", 2027), "land_utilisation"] == pytest.approx(0.6)


@pytest.mark.slow
def test_shadow_readings_name_a_city_quotas_year_without_a_stray_space(tmp_path: Path) -> None:
    """A city-level quota has no district, so its English reading names the year alone: "City energy pool (in 2026)
    is slack: 1,000.0 tce left over" (it read "( in 2026)"), as the worth-something reading already did.
    District A, 2026, quota 50 mu, one 40-mu project; the city energy pool of 1,000 tce is unused."""
    sc = tiny([project("Y", 40, investment=5.0)], quotas={("A", 2026): {"new_land_quota": 50}},
              city={2026: {"city_energy_pool": 1000.0}}, **INVESTMENT_ONLY)
    out = results_of(sc, tmp_path)
    sp = read_sheet(out, "shadow_prices").set_index("constraint")
    assert sp.at["city_energy_pool", "reading"].startswith("City energy pool (in 2026) is slack: 1,000.0 tce left")
    assert "( " not in " ".join(sp["reading"]) and " )" not in " ".join(sp["reading"])


def test_shadow_prices_say_the_stock_land_rows_are_cumulative_to_their_year() -> None:
    """The model's stock land row for a year counts all stock up to it (Σ over years ≤ t), so the shadow prices
    sheet's stock rows read as cumulative: district A has 30 mu of stock at the start and 20 more added in 2027, so
    2026's limit is 30 and 2027's is 50 (30 + 20, not 20); each reading says its figures run to its year. The quota
    keeps the one name every report gives it."""
    sc = tiny([project("Y", 40, investment=5.0)], districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 30}],
              quotas={("A", 2026): {"new_land_quota": 50}, ("A", 2027): {"stock_land_added": 20}},
              horizon_years=2, **INVESTMENT_ONLY)
    result = run_scenario(sc, RunOptions(backend="highs", mip_gap=1e-9))
    assert result.shadow is not None
    stock = result.shadow[result.shadow["constraint"] == "stock_inventory"].set_index("year")
    assert stock["limit"].to_dict() == pytest.approx({2026: 30.0, 2027: 50.0})
    for year, row in stock.iterrows():
        assert f"截至{year}年的累计数" in row["reading_zh"]
        assert f"cumulative to {year}" in row["reading_en"]
        assert (row["quota_zh"], row["quota_en"]) == ("可盘活存量建设用地", "revitalisable stock land")
    others = result.shadow[result.shadow["constraint"] != "stock_inventory"]
    assert not others["reading_en"].str.contains("cumulative").any()

"""The quota arithmetic (core/quota.py), each rule by hand: the reward schedule, the stock available by year, what
could supply a project and the ledger's identities. No workbook, no solver."""

from __future__ import annotations

import numpy as np
import pytest

from quota_opt.core import quota
from quota_opt.core.scenario import Settings


def test_the_reward_is_ratio_times_stock_received_lag_years_later() -> None:
    """ratio 0.5, lag 1: 40 mu of stock used in 2026 earns 20 mu received in 2027; over a 3-year horizon, stock used
    in the last year earns a reward received after it."""
    s = Settings(base_year=2026, reward_ratio=0.5, reward_lag_years=1)
    assert quota.reward(s, 40.0) == 20.0
    assert quota.reward_year(s, 2026) == 2027
    earned = np.array([[20.0, 0.0, 6.0]])  # per year position
    assert quota.received(s, earned).tolist() == [[0.0, 20.0, 0.0]]
    assert quota.beyond(s, earned).tolist() == [6.0]


@pytest.mark.parametrize(("lag", "received", "beyond"), [
    (0, [[1.0, 2.0, 4.0]], [0.0]),  # received the same year, nothing after the horizon
    (2, [[0.0, 0.0, 1.0]], [6.0]),  # 2 + 4 received after it
    (3, [[0.0, 0.0, 0.0]], [7.0]),  # all of it after the horizon
    (5, [[0.0, 0.0, 0.0]], [7.0]),
])
def test_the_reward_schedule_at_every_lag(lag: int, received: list[list[float]], beyond: list[float]) -> None:
    s = Settings(base_year=2026, reward_lag_years=lag)
    earned = np.array([[1.0, 2.0, 4.0]])
    assert quota.received(s, earned).tolist() == received
    assert quota.beyond(s, earned).tolist() == beyond


def test_stock_available_by_year_in_its_two_readings() -> None:
    """Initial stock 10 mu, 5 added each year, 3 used in year 0 and 4 in year 2: by the end of each year
    10+5−3 = 12, 12+5 = 17, 17+5−4 = 18; at the start of each year (its own use added back) 15, 17, 22."""
    initial, added, used = np.array([10.0]), np.array([[5.0, 5.0, 5.0]]), np.array([[3.0, 0.0, 4.0]])
    assert quota.stock_available(initial, added, used).tolist() == [[12.0, 17.0, 18.0]]
    assert quota.stock_available(initial, added, used, opening=True).tolist() == [[15.0, 17.0, 22.0]]
    opening, closing = quota.stock_ledger(initial, added, used)
    assert opening.tolist() == [[10.0, 12.0, 17.0]]
    assert closing.tolist() == [[12.0, 17.0, 18.0]]


def test_the_quota_ledger_balances() -> None:
    """Issued 100 a year, 10 received in year 1, used 60, 150, 40. Without carry-over the unused quota lapses (40,
    0, 60) and nothing closes; with it, 40 closes year 0, 40+100+10−150 = 0 closes year 1, 60 closes year 2."""
    issued = np.array([[100.0, 100.0, 100.0]])
    received = np.array([[0.0, 10.0, 0.0]])
    used = np.array([[60.0, 110.0, 40.0]])
    opening, lapsed, closing = quota.quota_ledger(issued, received, used, carryover=False)
    assert opening.tolist() == [[0.0, 0.0, 0.0]] and closing.tolist() == [[0.0, 0.0, 0.0]]
    assert lapsed.tolist() == [[40.0, 0.0, 60.0]]
    used = np.array([[60.0, 150.0, 40.0]])
    opening, lapsed, closing = quota.quota_ledger(issued, received, used, carryover=True)
    assert opening.tolist() == [[0.0, 40.0, 0.0]]
    assert closing.tolist() == [[40.0, 0.0, 60.0]]
    assert lapsed.tolist() == [[0.0, 0.0, 0.0]]
    np.testing.assert_allclose(opening + issued + received - used - lapsed, closing)


def test_what_could_supply_a_project_counts_only_the_sources_it_may_use() -> None:
    """District quota 100, reward 10, stock 30, pool 50, request 20: all sources 210; district quota and reward
    only 110. Energy: budget 80 plus city pool 40 when allowed."""
    yes, no = np.array([True]), np.array([False])
    assert quota.land_within_reach(100.0, 10.0, 30.0, 50.0, 20.0, may_stock=yes, may_pool=yes,
                                   may_request=yes).tolist() == [210.0]
    assert quota.land_within_reach(100.0, 10.0, 30.0, 50.0, 20.0, may_stock=no, may_pool=no,
                                   may_request=no).tolist() == [110.0]
    assert quota.energy_within_reach(80.0, 40.0, may_city=yes).tolist() == [120.0]
    assert quota.energy_within_reach(80.0, 40.0, may_city=no).tolist() == [80.0]


def test_the_city_reward_reserve_pays_what_it_has_and_keeps_nothing() -> None:
    """Two districts due 20 mu each from a 30-mu reserve, paid in order: 20, then the 10 left; an unlimited reserve
    pays all. The reserve's ledger: reserve − drawn = left per year, left blank (nan) where unlimited; 2 years,
    reserve 30 and blank, paid [[20, 5], [10, 7]] → drawn 30 and 12, left 0 and nan (nothing carried over)."""
    left = 30.0
    first = quota.pay(20.0, left)
    second = quota.pay(20.0, left - first)
    assert (first, second) == (20.0, 10.0)
    assert quota.pay(20.0, float("inf")) == 20.0
    assert quota.pay(20.0, -1.0) == 0.0
    reserve = np.array([30.0, np.inf])
    assert quota.reserve_capped(reserve).tolist() == [True, False]
    drawn, rest = quota.reserve_ledger(reserve, np.array([[20.0, 5.0], [10.0, 7.0]]))
    assert drawn.tolist() == [30.0, 12.0]
    assert rest[0] == 0.0 and np.isnan(rest[1])

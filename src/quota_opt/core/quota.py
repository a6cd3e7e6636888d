"""The quota arithmetic, stated once: the stock-land reward, the stock available by year, what could supply a
project, and the quota ledger's identities. Every stage that needs one of these rules calls it here: prepare
(the actuals' rewards, the supply-limit warnings), the formulation (its reward terms, the city's reward reserve,
stock rows and year limits), the ranking rule, the plan (ledger, rewards received and beyond the horizon), the reasons, rollover
and the generator. A policy change is one edit here and one test (tests/test_quota.py).

Arrays are indexed [district, year position] unless said otherwise; land in mu, energy in tce. The functions
take plain arrays, not the prepared data, so that the lowest layer owns them and every stage can call them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

if TYPE_CHECKING:
    from quota_opt.core.scenario import Settings

Number = TypeVar("Number", float, np.ndarray)
Year = TypeVar("Year")  # a year or year position: an int, or an array or Series of them

# ---- the stock-land reward (五(一) 存量盘活奖励) ----------------------------------------------------------------
# Stock land revitalised for a major project (one that `earns_reward`) earns its district `reward_ratio` mu of
# new-land quota per mu used, received `reward_lag_years` years later.


def reward(s: Settings, stock_used: Number) -> Number:
    """The reward (mu of district quota) earned by `stock_used` mu of revitalised stock land."""
    return s.reward_ratio * stock_used


def reward_year(s: Settings, year: Year) -> Year:
    """The year (or year position) in which the reward for stock used in `year` is received."""
    return cast(Year, cast(Any, year) + s.reward_lag_years)


def received(s: Settings, earned: np.ndarray) -> np.ndarray:
    """Rewards received per district and year position inside the horizon, from the rewards `earned` per district
    and year position: each is received `reward_lag_years` later; what would be received after the horizon is not
    here (see `beyond`)."""
    lag = int(s.reward_lag_years)
    T = earned.shape[1]
    out = np.zeros_like(earned, dtype=float)
    if lag < T:
        out[:, lag:] = earned[:, :T - lag]
    return out


def beyond(s: Settings, earned: np.ndarray) -> np.ndarray:
    """Per district, the rewards `earned` in the horizon's last `reward_lag_years` years: received after it (the
    opening quota of the next plan)."""
    lag = int(s.reward_lag_years)
    if lag == 0:
        return np.zeros(earned.shape[0])
    return earned[:, -lag:].sum(axis=1)


# ---- the city's reward reserve (五(一) "由市规划和自然资源局给予新增建设用地指标奖励") ------------------------------
# The reward is the city planning bureau's to give: `reward_reserve` (city_quotas, mu per year; blank = no limit)
# caps the rewards *paid out* in a year, to all districts together, wherever they were earned (a reward earned in t
# is paid in t + lag, from that year's reserve). What a year's reserve does not pay is not carried into the next
# year (the text gives no carry-over), and a reward the reserve cannot pay is not paid later: the district simply
# receives less. The model shares a binding reserve among the districts as the plan is worth most (一盘棋); the
# ranking rule pays rewards in the order they are earned. Rewards falling after the horizon are not capped here.


def reserve_capped(reserve: np.ndarray) -> np.ndarray:
    """Per year position, whether the reward reserve limits that year's rewards (a figure was given)."""
    return np.isfinite(np.asarray(reserve, dtype=float))


def pay(due: float, left: float) -> float:
    """What a reward of `due` mu is paid from a reserve with `left` mu still unpaid that year (mu): all of it, or
    what is left (an unlimited reserve is `inf`)."""
    return float(min(due, max(left, 0.0)))


def reserve_ledger(reserve: np.ndarray, paid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The city's reward reserve per year position (mu): reserve − drawn = left, `paid` being the rewards paid per
    district and year position. Returns (drawn, left); left is nan where the reserve is unlimited, and lapses at
    the end of the year (no carry-over). Figures within 1e-7 of zero are written as zero."""
    drawn = np.asarray(paid, dtype=float).sum(axis=0)
    drawn[np.abs(drawn) < 1e-7] = 0.0
    left = np.where(reserve_capped(reserve), np.asarray(reserve, dtype=float) - drawn, np.nan)
    left[np.abs(left) < 1e-7] = 0.0
    return drawn, left


# ---- the stock land available by year (五(一) 存量盘活) --------------------------------------------------------


def stock_available(initial: np.ndarray, added: np.ndarray, used: np.ndarray, *, opening: bool = False) -> np.ndarray:
    """Revitalisable stock land per district and year (mu): the initial stock (per district) plus what was added up
    to year t, less what was `used` up to year t.

    One rule, two readings, chosen by what `used` holds:
    - the stock committed by actuals inside the horizon: the cap on the model's own cumulative stock use (the
      formulation's `stock_inventory` rows, the ranking rule, the year limits), before the plan is chosen;
    - all stock used in a plan (actuals and the model's choice): what is left after the plan (the reasons' headroom).
    With `opening=True`, year t's own use is added back: what the district had in hand at the start of year t
    (the plan's per-district sheet, `stock_available`).
    """
    avail = initial[:, None] + np.cumsum(added, axis=1) - np.cumsum(used, axis=1)
    return avail + used if opening else avail


def stock_ledger(initial: np.ndarray, added: np.ndarray, used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stock-land ledger per district and year (mu): opening + added − used = closing, the opening being the
    previous year's closing (the initial stock in the first year). Returns (opening, closing)."""
    D, T = added.shape
    opening = np.zeros((D, T))
    closing = np.zeros((D, T))
    level = initial.copy()
    for t in range(T):
        opening[:, t] = level
        level = level + added[:, t] - used[:, t]
        closing[:, t] = level
    return opening, closing


# ---- the district quota ledger ------------------------------------------------------------------------------


def quota_ledger(issued: np.ndarray, received_: np.ndarray, used: np.ndarray,
                 carryover: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The district quota ledger per district and year (mu): opening + issued + reward received − used − lapsed =
    closing. With carry-over nothing lapses: every unused mu is carried into the next year (the model's carry
    variable may carry less where it does not matter, but the quota is the district's all the same). Without it,
    the unused quota lapses at the end of each year and nothing opens or closes. Returns (opening, lapsed, closing),
    figures within 1e-7 of zero written as zero."""
    D, T = issued.shape
    opening = np.zeros((D, T))
    closing = np.zeros((D, T))
    for t in range(T):
        if carryover:
            opening[:, t] = closing[:, t - 1] if t else 0.0
            closing[:, t] = opening[:, t] + issued[:, t] + received_[:, t] - used[:, t]
    closing[np.abs(closing) < 1e-7] = 0.0
    lapsed = opening + issued + received_ - used - closing
    lapsed[np.abs(lapsed) < 1e-7] = 0.0
    return opening, lapsed, closing


# ---- what could supply a project -----------------------------------------------------------------------------


def land_within_reach(own: np.ndarray | float, reward_: np.ndarray | float, stock: np.ndarray | float,
                      pool: np.ndarray | float, request: np.ndarray | float, *, may_stock: np.ndarray,
                      may_pool: np.ndarray, may_request: np.ndarray) -> np.ndarray:
    """The land (mu) a project could be supplied, summed over the sources it may draw on, in this order: its
    district's own quota, the stock-land reward, the district's stock (stock-eligible projects), the provincial
    reward pool (provincial major projects that may receive city support) and a request to the province (major
    projects that may). Each caller passes its own reading of each source (one year's, or the most any year could
    hold): prepare's supply limits, the formulation's year limits and the generator's trimming."""
    land = own + reward_
    land = land + np.where(may_stock, stock, 0.0)
    land = land + np.where(may_pool, pool, 0.0)
    return np.asarray(land + np.where(may_request, request, 0.0), dtype=float)


def energy_within_reach(own: np.ndarray | float, city: np.ndarray | float, *, may_city: np.ndarray) -> np.ndarray:
    """The energy (tce) a project could be granted: its district's budget, plus the city pool when it may draw on it."""
    return np.asarray(own + np.where(may_city, city, 0.0), dtype=float)

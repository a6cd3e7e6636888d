"""The ranking rule a bureau would apply by hand, as a baseline and as the solver's warm start.

Mandatory projects first, then every eligible project in order of value per mu (the priority
score in the default mode); each gets all its land in the earliest year of its window where it fits,
from the cheapest sources first (revitalised stock land, the district quota with its rewards, the
provincial reward pool, a request to the province) and its energy from the district budget, then
the city pool. Stock used by a major project earns its district reward quota for the next year.

Returns a column vector feasible for the formulation, so its objective is directly comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quota_opt.core import quota as quota_rule
from quota_opt.solve.formulation import Formulation, priority_pairs

_EPS = 1e-9


@dataclass
class GreedyResult:
    x: np.ndarray
    objective: float
    feasible: bool  # False when a mandatory project could not be placed
    unplaced_mandatory: list[str]


def _headroom(cum_avail: np.ndarray, cum_used: np.ndarray, t: int) -> float:
    """How much more can be used in year t without breaking any cumulative limit from t on."""
    return float(np.min(cum_avail[t:] - cum_used[t:]))


def ranking_rule(form: Formulation, order: Sequence[int] | None = None,
                 first_year: Sequence[int] | None = None) -> GreedyResult:
    """The ranking rule: mandatory projects first, then by value per mu, earliest fitting year.

    `order` (candidate positions) and `first_year` (per candidate, the year position to try before the
    others of its window) let a heuristic steer the same rule, e.g. by an LP solution (`solve/start.py`);
    mandatory projects always come first.
    """
    prep = form.prep
    s = prep.scenario.settings
    c = prep.candidates
    T = len(prep.years)
    d_index = {d: i for i, d in enumerate(prep.districts)}
    year_pos = {y: i for i, y in enumerate(prep.years)}
    x = np.zeros(form.n_cols)
    col = {name: {k: b.start + i for i, k in enumerate(b.keys)} for name, b in form.variables.items()}

    # district quota: cumulative when carry-over is allowed, per year otherwise. Where the city's reward reserve is
    # set (formulation._reward_reserve), a reward is paid from what is left of it, in the order earned: the
    # actuals' first, then the plan's as projects are placed; `paid` books w
    capped = form.variables.get("reward_paid")
    reserve_left = np.where(quota_rule.reserve_capped(prep.reward_reserve), prep.reward_reserve, np.inf) if (
        capped is not None) else np.full(T, np.inf)
    paid = np.zeros_like(prep.reward_credit)
    credit = prep.reward_credit.copy()
    if capped is not None:
        for t in np.flatnonzero(np.isfinite(reserve_left)).tolist():
            for d in range(len(prep.districts)):
                paid[d, t] = quota_rule.pay(credit[d, t], reserve_left[t])
                reserve_left[t] -= paid[d, t]
                credit[d, t] = paid[d, t]
    quota = prep.land_quota + credit
    quota_used = np.zeros_like(quota)
    stock_avail = quota_rule.stock_available(prep.stock_initial, prep.stock_added, prep.stock_committed)
    stock_used_cum = np.zeros_like(stock_avail)
    pool_left = prep.provincial_pool.astype(float).copy()
    request_left = prep.request_cap.astype(float).copy()
    energy_left = prep.energy_budget.astype(float).copy()
    city_left = prep.city_energy_pool.astype(float).copy()
    platform_left = dict(prep.platform_capacity)

    def quota_room(d: int, t: int) -> float:
        if s.carryover_allowed:
            return _headroom(np.cumsum(quota[d]), np.cumsum(quota_used[d]), t)
        return float(quota[d, t] - quota_used[d, t])

    per_mu = c["total_value"].to_numpy(float) / c["land_demand"].to_numpy(float)
    mandatory = c["mandatory"].to_numpy(bool)
    # 五(一) with major_priority = strict: the majors go before the others, and a district's quota goes to no other
    # project in a year in which one of its majors left out could have been supplied (formulation._major_priority)
    strict = s.major_priority == "strict"
    first_rank = mandatory | (c["priority_major"].to_numpy(bool) if strict else np.zeros(len(c), dtype=bool))
    if order is None:
        order = sorted(range(len(c)), key=lambda j: (not mandatory[j], not first_rank[j], -per_mu[j], j))
    else:
        order = ([j for j in order if mandatory[j]] + [j for j in order if first_rank[j] and not mandatory[j]]
                 + [j for j in order if not first_rank[j]])
    held_back = np.zeros((len(prep.districts), T), dtype=bool)  # (d, t) a left-out major could have used
    majors_done = not strict
    unplaced: list[str] = []
    placed_keys: set[tuple[str, int]] = set()
    placed_year: dict[str, int] = {}
    has_phases = "phase_of" in c.columns and bool(c["phase_of"].notna().any())
    before = {p: e for p, e in zip(c.index, c["phase_of"], strict=True) if isinstance(e, str)} if has_phases else None
    supplied_year = {str(p): int(y) for p, y in zip(prep.scenario.actuals["project_id"], prep.scenario.actuals["year"],
                                                    strict=True)}
    cols = {k: c[k].to_numpy() for k in ("district_id", "land_demand", "energy_demand", "platform_id",
                                         "window_first", "window_last", "may_stock", "may_pool", "may_request",
                                         "may_city_energy", "earns_reward")}
    pids = list(c.index)
    for j in order:
        if not majors_done and not first_rank[j]:
            majors_done = True
            placed_ids = {pid for pid, _ in placed_keys}
            district_of = c["district_id"]
            for pid, yr in priority_pairs(form):
                if pid not in placed_ids and pid in district_of.index and yr in year_pos:
                    held_back[d_index[str(district_of.at[pid])], year_pos[yr]] = True
        r = {k: v[j] for k, v in cols.items()}
        r["mandatory"] = mandatory[j]
        pid = pids[j]
        d = d_index[r["district_id"]]
        land, energy = float(r["land_demand"]), float(r["energy_demand"])
        plat = r["platform_id"]
        if plat in platform_left and platform_left[plat] + _EPS < land:
            if r["mandatory"]:
                unplaced.append(pid)
            continue
        placed = False
        window = list(range(year_pos[int(r["window_first"])], year_pos[int(r["window_last"])] + 1))
        if first_year is not None and first_year[j] in window:
            window.remove(first_year[j])
            window.insert(0, first_year[j])
        for t in window:
            if (pid, prep.years[t]) not in col["supply"]:  # a year it can never fit (formulation._pairs)
                continue
            if before is not None and before.get(pid) is not None:  # 分期供地: not before, or without, the phase before
                earlier = str(before[pid])
                when = supplied_year.get(earlier, placed_year.get(earlier))
                if when is None or when > prep.years[t]:
                    continue
            stock = max(0.0, _headroom(stock_avail[d], stock_used_cum[d], t)) if r["may_stock"] else 0.0
            district = 0.0 if held_back[d, t] and not first_rank[j] else max(0.0, quota_room(d, t))
            pool = max(0.0, pool_left[t]) if r["may_pool"] else 0.0
            req = max(0.0, request_left[t]) if r["may_request"] else 0.0
            e_district = max(0.0, energy_left[d, t])
            e_city = max(0.0, city_left[t]) if r["may_city_energy"] else 0.0
            if stock + district + pool + req + _EPS < land or e_district + e_city + _EPS < energy:
                continue
            need = land
            take = {}
            for name, avail in (("land_stock", stock), ("land_district_quota", district),
                                ("land_provincial_pool", pool), ("land_province_request", req)):
                amount = min(need, avail)
                take[name] = amount
                need -= amount
            e_take = {"energy_district": min(energy, e_district)}
            e_take["energy_city_pool"] = energy - e_take["energy_district"]
            # book it
            key = (pid, prep.years[t])
            x[col["supply"][key]] = 1.0
            placed_keys.add(key)
            placed_year[str(pid)] = prep.years[t]
            for name, amount in {**take, **e_take}.items():
                if key in col.get(name, {}):
                    x[col[name][key]] = amount
            stock_used_cum[d, t:] += take["land_stock"]
            quota_used[d, t] += take["land_district_quota"]
            pool_left[t] -= take["land_provincial_pool"]
            request_left[t] -= take["land_province_request"]
            energy_left[d, t] -= e_take["energy_district"]
            city_left[t] -= e_take["energy_city_pool"]
            if r["earns_reward"] and quota_rule.reward_year(s, t) < T:
                t_r = quota_rule.reward_year(s, t)
                amount = quota_rule.pay(quota_rule.reward(s, take["land_stock"]), reserve_left[t_r])
                reserve_left[t_r] -= amount
                paid[d, t_r] += amount
                quota[d, t_r] += amount
            if plat in platform_left:
                platform_left[plat] -= land
            placed = True
            break
        if not placed and r["mandatory"]:
            unplaced.append(pid)
    if s.carryover_allowed and "carry_over" in form.variables:
        carry = np.maximum(np.cumsum(quota - quota_used, axis=1), 0.0)
        for di, dname in enumerate(prep.districts):
            for t, year in enumerate(prep.years):
                x[col["carry_over"][(dname, year)]] = carry[di, t]
    if capped is not None:
        for key, i in col["reward_paid"].items():
            x[i] = paid[d_index[key[0]], year_pos[key[1]]]
    if "major_priority_open" in form.variables:  # open unless a major left out holds the quota back
        for key, i in col["major_priority_open"].items():
            x[i] = 0.0 if held_back[d_index[key[0]], year_pos[key[1]]] else 1.0
    objective = float(form.objective @ x)
    return GreedyResult(x=x, objective=objective, feasible=not unplaced, unplaced_mandatory=unplaced)

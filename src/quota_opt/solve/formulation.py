"""The allocation model, built from prepared data only (no file access).

The formulation is written once, as labelled blocks: variable blocks indexed by (project, year) or
(district, year), and named constraint families whose `doc` cites the policy clause they implement.
From these blocks the same model is emitted two ways:

- `to_pyomo(form)`: a Pyomo `ConcreteModel` with one named `Var` per block and one named
  `Constraint` per family (for inspection, export, and solving through `pyomo.contrib.solver`);
- `Formulation.matrix()`: the sparse matrix in bulk, which `solve/highs.py` hands straight to highspy
  when the model is too large for Pyomo's per-constraint construction to be cheap.

Both are tested to give the same optimum. `models/formulation.md` states exactly this mathematics.

Variables exist only for eligible (project, year, source) combinations. Where a project can draw
land only from its district's quota, that source is substituted (n = L·y) instead of getting a
variable and a balance row; likewise energy for projects without access to the city pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from quota_opt.core import quota
from quota_opt.prepare import TIE_BREAK, Prepared

INF = float("inf")
# the objective's gain per mu of stock-land reward paid (`reward_paid`, only where the city's reward reserve is set):
# among equally good plans, pay every reward due while the reserve lasts. The size of a tie-break, not smaller: the
# simplex takes a reduced cost under its dual tolerance (1e-7) for 0 and would leave a reward due unpaid
REWARD_PAID = 1e-6


@dataclass
class VarBlock:
    """A block of variables: `keys[i]` indexes column `start + i`.

    For (project, year) blocks `project` holds the candidate position and `year` the year position of
    each column; for (district, year) blocks `district` and `year`.
    """

    name: str
    symbol: str
    doc: str
    keys: list[tuple[Any, ...]]
    lb: np.ndarray
    ub: np.ndarray
    integer: bool = False
    project: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    district: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    year: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    start: int = 0

    @property
    def size(self) -> int:
        return len(self.keys)

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)


@dataclass
class ConBlock:
    """A named constraint family: lb ≤ Σ val·x[col] ≤ ub for each row; `keys[i]` names row `start + i`.

    Coefficients are triplets (row within the block, global column, value).
    """

    name: str
    doc: str
    keys: list[Any]
    lb: np.ndarray
    ub: np.ndarray
    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    start: int = 0
    kind: str = "resource"  # "resource" (a quota, pool, budget or capacity), "balance", "choice"

    @property
    def size(self) -> int:
        return len(self.keys)


DUST = 1e-7  # a column value this close to 0 is 0 (solver round-off, far below any mu or tce that matters)


@dataclass
class Formulation:
    """The whole MIP: maximise objective·x subject to the constraint blocks and variable bounds."""

    prep: Prepared
    variables: dict[str, VarBlock] = field(default_factory=dict)
    constraints: dict[str, ConBlock] = field(default_factory=dict)
    objective: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the tie-break costs (≤ 0) on the source columns n, p, s, e_d, e_c: which source carries a selected project
    source_tie_break: np.ndarray = field(default_factory=lambda: np.zeros(0))
    elastic: bool = False

    @property
    def n_cols(self) -> int:
        return sum(b.size for b in self.variables.values())

    @property
    def n_rows(self) -> int:
        return sum(b.size for b in self.constraints.values())

    @property
    def n_nonzeros(self) -> int:
        return sum(len(b.val) for b in self.constraints.values())

    def var(self, name: str) -> VarBlock:
        return self.variables[name]

    def add_var(self, block: VarBlock) -> VarBlock:
        block.start = self.n_cols
        self.variables[block.name] = block
        self.objective = np.concatenate([self.objective, np.zeros(block.size)])
        self.source_tie_break = np.concatenate([self.source_tie_break, np.zeros(block.size)])
        return block

    def selection_objective(self) -> np.ndarray:
        """The objective without the tie-breaks on the source columns (`source_tie_break`; those on the supply
        decisions and on the request stay): given the selection, the source split is an LP, which the polish after
        the solve settles. Each cost left out is ≤ 0 on a column ≥ 0, so selection_objective·x ≥ objective·x."""
        return self.objective - self.source_tie_break

    def add_con(self, block: ConBlock) -> ConBlock:
        block.start = self.n_rows
        self.constraints[block.name] = block
        return block

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lbs = [b.lb for b in self.variables.values()]
        ubs = [b.ub for b in self.variables.values()]
        return (np.concatenate(lbs) if lbs else np.zeros(0), np.concatenate(ubs) if ubs else np.zeros(0))

    def integrality(self) -> np.ndarray:
        return np.concatenate([np.full(b.size, b.integer) for b in self.variables.values()]) if self.variables else (
            np.zeros(0, dtype=bool))

    def tidy(self, x: np.ndarray, integers: np.ndarray | None = None) -> np.ndarray:
        """A copy of `x` with the integer columns rounded (taken from `integers` when given, a solver's answer
        whose continuous columns were re-solved into `x`) and values within `DUST` of 0 set to 0, so that
        reports show 0 and 1, not 0.9999999 or 3e-12."""
        out = np.array(x, dtype=float)
        ints = self.integrality()
        out[ints] = np.round((x if integers is None else integers)[ints])
        out[np.abs(out) < DUST] = 0.0
        return out

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        blocks = list(self.constraints.values())
        return (np.concatenate([b.lb for b in blocks]) if blocks else np.zeros(0),
                np.concatenate([b.ub for b in blocks]) if blocks else np.zeros(0))

    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The constraint matrix in compressed-row form: (row starts, column indices, values)."""
        blocks = list(self.constraints.values())
        if not blocks:
            return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0)
        rows = np.concatenate([b.row + b.start for b in blocks])
        cols = np.concatenate([b.col for b in blocks])
        vals = np.concatenate([b.val for b in blocks])
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        counts = np.bincount(rows, minlength=self.n_rows)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return starts, cols.astype(np.int32), vals.astype(float)

    def violation(self, x: np.ndarray) -> float:
        """The largest amount by which `x` breaks a row or a bound, relative to its size (the row's limit or the
        largest term in it, at least 1), or integrality; 0 for a feasible point."""
        starts, idx, vals = self.matrix()
        row_of = np.repeat(np.arange(self.n_rows), np.diff(starts))
        terms = vals * x[idx]
        activity = np.bincount(row_of, weights=terms, minlength=self.n_rows)
        largest = np.zeros(self.n_rows)
        np.maximum.at(largest, row_of, np.abs(terms))
        rlo, rhi = self.row_bounds()
        lo, hi = self.bounds()
        ints = self.integrality()

        def over(amount: np.ndarray, limit: np.ndarray, size: np.ndarray) -> np.ndarray:
            scale = np.maximum.reduce([np.ones_like(size), np.abs(np.nan_to_num(limit, posinf=0.0, neginf=0.0)), size])
            return np.nan_to_num(amount, nan=0.0, neginf=0.0) / scale

        parts = [over(activity - rhi, rhi, largest), over(rlo - activity, rlo, largest),
                 over(x - hi, hi, np.abs(x)), over(lo - x, lo, np.abs(x)), np.abs(x[ints] - np.round(x[ints]))]
        return max([0.0] + [float(np.max(p)) for p in parts if len(p)])

    def col_names(self) -> list[str]:
        return [f"{b.name}[{_key_text(k)}]" for b in self.variables.values() for k in b.keys]

    def row_names(self) -> list[str]:
        return [f"{b.name}[{_key_text(k)}]" for b in self.constraints.values() for k in b.keys]

    def block_values(self, x: np.ndarray, name: str) -> np.ndarray:
        b = self.variables.get(name)
        return np.zeros(0) if b is None else x[b.start:b.start + b.size]


def _key_text(key: Any) -> str:
    return ",".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------

CLAUSE_ONCE = "五(一) 用地：a project is supplied all its land at once, in one year; 必保 projects must be supplied."
CLAUSE_LAND_BALANCE = "五(一) 用地：a supplied project's land comes from the district quota, the provincial reward quota, revitalised stock land or a request to the province."
CLAUSE_ENERGY_BALANCE = "五(二) 能耗：a supplied project's energy comes from its district's budget or the city energy pool."
CLAUSE_DISTRICT_LAND = "五(一) 用地：districts allocate the province-issued new construction-land plan quota, plus the reward for stock land revitalised for major projects in the year before (存量盘活奖励)."
CLAUSE_STOCK = "五(一) 存量盘活：stock land used cannot exceed the revitalisable stock the district has by then."
CLAUSE_POOL = "五(一) 用地：the provincial major-industry reward quota (省重大产业奖励指标) goes to provincial major projects that may receive city-level support."
CLAUSE_REQUEST = "五(一) 用地：where still short, the city requests quota from the province, up to the cap."
CLAUSE_DISTRICT_ENERGY = "五(二) 能耗：each district grants energy quota from its own budget."
CLAUSE_CITY_ENERGY = "五(二) 能耗：the city pools energy quota for major projects, who compete for it; misfits and first-report violators may not draw on it (三(一), 四(一))."
CLAUSE_MAJOR_USE = "五(一) 优先保障重大产业项目：the district quota used in a year by projects neither major nor mandatory."
CLAUSE_MAJOR_PRIORITY = ("五(一) 优先保障重大产业项目新增建设用地计划指标需求：while a city-eligible major project that could be "
                         "supplied that year is left out, no other project (mandatory ones aside) uses its district's quota.")
CLAUSE_REWARD_DUE = ("五(一) 存量盘活奖励：a district is paid no more stock-land reward in a year than its stock land "
                     "revitalised for major projects earned for that year (下一年度).")
CLAUSE_REWARD_RESERVE = ("五(一) 由市规划和自然资源局给予新增建设用地指标奖励：the stock-land rewards the city pays out in a "
                         "year stay within its reward reserve for that year; what is left does not carry over.")
CLAUSE_PHASE = "五(一) 分期供地：a later phase of a project is never supplied before, or without, the phase before it."
CLAUSE_PLATFORM = "二(三) 产业平台：a platform hosts no more project land over the horizon than its capacity."


def _pairs(prep: Prepared, prune: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The (candidate position, year position) pairs that get variables: inside each candidate's supply
    window and, for projects that are not mandatory, only years in which the project could fit at all
    (`year_limits`): a pair whose land or energy demand exceeds every source it may draw on that year can
    never be chosen, and leaving it out keeps the LP relaxation from funding a fraction of it.
    Mandatory projects keep every year, so that an infeasible scenario is still explained."""
    c = prep.candidates
    year_pos = {y: i for i, y in enumerate(prep.years)}
    t0 = np.array([year_pos[int(y)] for y in c["window_first"]], dtype=np.int64)
    t1 = np.array([year_pos[int(y)] for y in c["window_last"]], dtype=np.int64)
    lens = t1 - t0 + 1
    jj = np.repeat(np.arange(len(c)), lens)
    within = np.arange(len(jj)) - np.repeat(np.cumsum(lens) - lens, lens)
    tt = t0[jj] + within
    if not prune:
        return jj, tt
    land_limit, energy_limit = year_limits(prep)
    fits = (c["land_demand"].to_numpy(float)[jj] <= land_limit[jj, tt] + 1e-6) & (
        c["energy_demand"].to_numpy(float)[jj] <= energy_limit[jj, tt] + 1e-6)
    keep = fits | c["mandatory"].to_numpy(bool)[jj]
    return jj[keep], tt[keep]


def year_limits(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate and year position, upper bounds on the land (mu) and energy (tce) it could be supplied
    that year: its district's quota (with earlier years' when carry-over is allowed) and reward credit,
    every reward the district's stock land could have earned by then, the district's stock available by
    then (stock-eligible projects), the provincial pool and the request cap (when allowed), its platform's
    remaining capacity; for energy its district's budget and the city pool (when allowed)."""
    c = prep.candidates
    d_index = {d: i for i, d in enumerate(prep.districts)}
    d_of = np.array([d_index[d] for d in c["district_id"]], dtype=np.int64)
    district, stock = district_land_bounds(prep)
    land = quota.land_within_reach(
        district[d_of], 0.0, np.maximum(stock[d_of], 0.0), prep.provincial_pool[None, :], prep.request_cap[None, :],
        may_stock=c["may_stock"].to_numpy(bool)[:, None], may_pool=c["may_pool"].to_numpy(bool)[:, None],
        may_request=c["may_request"].to_numpy(bool)[:, None])
    capacity = np.array([prep.platform_capacity.get(k, np.inf) for k in c["platform_id"]], dtype=float)
    land = np.minimum(land, capacity[:, None])
    energy = quota.energy_within_reach(prep.energy_budget[d_of], prep.city_energy_pool[None, :],
                                       may_city=c["may_city_energy"].to_numpy(bool)[:, None])
    return land, energy


def district_land_bounds(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Per district and year position (mu): an upper bound on the district quota that year could ever fund (its
    quota and reward credit, with earlier years' when carry-over is allowed, and every reward the district's stock
    land could have earned by then), and the stock land available by then (`core.quota`'s rules)."""
    s = prep.scenario.settings
    own = prep.land_quota + prep.reward_credit
    if s.carryover_allowed:
        own = np.cumsum(own, axis=1)
    stock = quota.stock_available(prep.stock_initial, prep.stock_added, prep.stock_committed)
    rewards = quota.received(s, quota.reward(s, np.maximum(stock, 0.0)))  # all the stock by then could earn
    return own + rewards, stock


def build_formulation(prep: Prepared, *, elastic: bool = False, prune: bool = True) -> Formulation:
    """Build the allocation MIP from prepared data.

    With `elastic=True`, every quota, pool, budget and capacity row and every mandatory-project row
    gets a priced slack ("how much would this requirement have to give"), and the objective becomes
    "give way as little as possible"; used to explain infeasible scenarios (and then every year of every
    window keeps its variable). `prune=False` keeps the years a project could never fit in (`_pairs`): the
    plain formulation, for the benchmarks' naive baseline.
    """
    s = prep.scenario.settings
    c = prep.candidates
    years = prep.years
    T, D = len(years), len(prep.districts)
    d_of = np.array([prep.districts.index(d) for d in c["district_id"]], dtype=np.int64)
    pids = list(c.index)
    land = c["land_demand"].to_numpy(float)
    energy = c["energy_demand"].to_numpy(float)
    may_pool = c["may_pool"].to_numpy(bool)
    may_stock = c["may_stock"].to_numpy(bool)
    may_request = c["may_request"].to_numpy(bool)
    may_city = c["may_city_energy"].to_numpy(bool)
    earns = c["earns_reward"].to_numpy(bool)
    has_alt = may_pool | may_stock | may_request
    value = c["total_value"].to_numpy(float)
    year_pos = {y: i for i, y in enumerate(years)}
    t0 = np.array([year_pos[int(y)] for y in c["window_first"]], dtype=np.int64)

    form = Formulation(prep=prep, elastic=elastic)
    jj, tt = _pairs(prep, prune=prune and not elastic)
    K = len(jj)

    def pj_keys(mask: np.ndarray) -> list[tuple[Any, ...]]:
        return [(pids[j], years[t]) for j, t in zip(jj[mask], tt[mask], strict=True)]

    def pj_block(name: str, symbol: str, doc: str, mask: np.ndarray, integer: bool = False) -> VarBlock:
        ub = np.ones(int(mask.sum())) if integer else land[jj[mask]] if name.startswith("land") else energy[jj[mask]]
        return form.add_var(VarBlock(name, symbol, doc, pj_keys(mask), np.zeros(int(mask.sum())), ub.astype(float),
                                     integer=integer, project=jj[mask], year=tt[mask]))

    everything = np.ones(K, dtype=bool)
    y = pj_block("supply", "y", "1 if the project is supplied its land in that year", everything, integer=True)
    n = pj_block("land_district_quota", "n", "mu from the district's new-land quota", has_alt[jj])
    p = pj_block("land_provincial_pool", "p", "mu from the provincial reward quota", may_pool[jj])
    st = pj_block("land_stock", "s", "mu of revitalised stock land", may_stock[jj])
    r = pj_block("land_province_request", "r", "mu requested from the province", may_request[jj])
    ed = pj_block("energy_district", "e_d", "tce from the district energy budget", may_city[jj])
    ec = pj_block("energy_city_pool", "e_c", "tce from the city energy pool", may_city[jj])
    carry = None
    if s.carryover_allowed:
        dk = [(prep.districts[d], years[t]) for d in range(D) for t in range(T)]
        carry = form.add_var(VarBlock("carry_over", "c", "unused district quota carried into the next year (mu)", dk,
                                      np.zeros(D * T), np.full(D * T, INF),
                                      district=np.repeat(np.arange(D), T), year=np.tile(np.arange(T), D)))

    # objective: value of supply, discounted by deferral, less the request penalty and tie-breaks
    discount = s.deferral_discount ** (tt - t0[jj])
    obj = form.objective
    obj[y.cols] = value[jj] * discount - np.where(has_alt[jj], 0.0, TIE_BREAK["land_district_quota"] * land[jj])
    obj[r.cols] = -(s.province_request_penalty + TIE_BREAK["land_province_request"])
    # the source columns' costs are their tie-breaks alone, kept apart too (selection_objective)
    for block, source in ((n, "land_district_quota"), (p, "land_provincial_pool"), (st, "land_stock"),
                          (ed, "energy_district"), (ec, "energy_city_pool")):
        form.source_tie_break[block.cols] = obj[block.cols] = -TIE_BREAK[source]

    # supply_once[j]: Σ_t y[j,t] ≤ 1, = 1 for mandatory projects
    mandatory = c["mandatory"].to_numpy(bool)
    form.add_con(ConBlock("supply_once", CLAUSE_ONCE, pids, np.where(mandatory, 1.0, -INF), np.ones(len(pids)),
                          jj.copy(), y.cols.copy(), np.ones(K), kind="choice"))

    # land_balance[j,t]: n + p + s + r = L_j·y  (only projects with a source besides the district quota)
    alt_pairs = np.flatnonzero(has_alt[jj])
    pos_in_alt = np.full(K, -1)
    pos_in_alt[alt_pairs] = np.arange(len(alt_pairs))
    rows_, cols_, vals_ = [pos_in_alt[alt_pairs]], [y.cols[alt_pairs]], [-land[jj[alt_pairs]]]
    for block, mask in ((n, has_alt), (p, may_pool), (st, may_stock), (r, may_request)):
        sel = np.flatnonzero(mask[jj])
        rows_.append(pos_in_alt[sel])
        cols_.append(block.cols)
        vals_.append(np.ones(block.size))
    form.add_con(ConBlock("land_balance", CLAUSE_LAND_BALANCE, pj_keys(has_alt[jj]), np.zeros(len(alt_pairs)),
                          np.zeros(len(alt_pairs)), np.concatenate(rows_), np.concatenate(cols_),
                          np.concatenate(vals_), kind="balance"))

    # energy_balance[j,t]: e_d + e_c = E_j·y  (only projects that may draw on the city pool)
    city_pairs = np.flatnonzero(may_city[jj])
    m = len(city_pairs)
    form.add_con(ConBlock("energy_balance", CLAUSE_ENERGY_BALANCE, pj_keys(may_city[jj]), np.zeros(m), np.zeros(m),
                          np.concatenate([np.arange(m), np.arange(m), np.arange(m)]),
                          np.concatenate([ed.cols, ec.cols, y.cols[city_pairs]]),
                          np.concatenate([np.ones(m), np.ones(m), -energy[jj[city_pairs]]]), kind="balance"))

    dt_keys = [(prep.districts[d], years[t]) for d in range(D) for t in range(T)]

    def dt_row(d: np.ndarray, t: np.ndarray) -> np.ndarray:
        return d * T + t

    # district_land_quota[d,t]: district-quota land used + carry-out − carry-in − reward ≤ quota + reward credit
    plain = np.flatnonzero(~has_alt[jj])
    rows_ = [dt_row(d_of[jj[plain]], tt[plain]), dt_row(d_of[n.project], n.year)]
    cols_ = [y.cols[plain], n.cols]
    vals_ = [land[jj[plain]], np.ones(n.size)]
    earning = earns[st.project] & (quota.reward_year(s, st.year) < T)
    capped = _capped_years(prep)
    # a reward landing in a year whose city reserve is set is paid through w (`_reward_reserve`), not here
    direct = earning & ~capped[np.minimum(quota.reward_year(s, st.year), T - 1)]
    if s.reward_ratio > 0 and direct.any():
        rows_.append(dt_row(d_of[st.project[direct]], quota.reward_year(s, st.year[direct])))
        cols_.append(st.cols[direct])
        vals_.append(np.full(int(direct.sum()), -quota.reward(s, 1.0)))  # the reward per mu of stock used
    if capped.any():
        w = _reward_reserve(form, st, earning, d_of)
        rows_.append(dt_row(w.district, w.year))
        cols_.append(w.cols)
        vals_.append(-np.ones(w.size))
    if carry is not None:
        cd, ct = carry.district, carry.year
        rows_.append(dt_row(cd, ct))
        cols_.append(carry.cols)
        vals_.append(np.ones(carry.size))
        nxt = ct + 1 < T
        rows_.append(dt_row(cd[nxt], ct[nxt] + 1))
        cols_.append(carry.cols[nxt])
        vals_.append(-np.ones(int(nxt.sum())))
    rhs = (prep.land_quota + np.where(capped[None, :], 0.0, prep.reward_credit)).reshape(-1)
    form.add_con(ConBlock("district_land_quota", CLAUSE_DISTRICT_LAND, dt_keys, np.full(D * T, -INF), rhs,
                          np.concatenate(rows_), np.concatenate(cols_), np.concatenate(vals_)))

    if s.major_priority == "strict" and not elastic:
        _major_priority(form, y, n, has_alt, d_of, jj, tt, land)
    _phase_order(form, y, jj, tt)

    # stock_inventory[d,t]: Σ_{τ≤t} stock used ≤ initial stock + Σ_{τ≤t} (added − committed by actuals)
    reps = T - st.year
    sj = np.repeat(np.arange(st.size), reps)
    later = np.arange(len(sj)) - np.repeat(np.cumsum(reps) - reps, reps)
    srow = dt_row(d_of[st.project[sj]], st.year[sj] + later)
    avail = quota.stock_available(prep.stock_initial, prep.stock_added, prep.stock_committed)
    form.add_con(ConBlock("stock_inventory", CLAUSE_STOCK, dt_keys, np.full(D * T, -INF), avail.reshape(-1),
                          srow, st.cols[sj], np.ones(len(sj))))

    # provincial_reward_pool[t], province_request_cap[t], city_energy_pool[t]
    for name, clause, block, cap in (
        ("provincial_reward_pool", CLAUSE_POOL, p, prep.provincial_pool),
        ("province_request_cap", CLAUSE_REQUEST, r, prep.request_cap),
    ):
        form.add_con(ConBlock(name, clause, list(years), np.full(T, -INF), cap.astype(float), block.year.copy(),
                              block.cols, np.ones(block.size)))

    # district_energy_budget[d,t]
    plain_e = np.flatnonzero(~may_city[jj])
    form.add_con(ConBlock("district_energy_budget", CLAUSE_DISTRICT_ENERGY, dt_keys, np.full(D * T, -INF),
                          prep.energy_budget.reshape(-1),
                          np.concatenate([dt_row(d_of[jj[plain_e]], tt[plain_e]), dt_row(d_of[ed.project], ed.year)]),
                          np.concatenate([y.cols[plain_e], ed.cols]),
                          np.concatenate([energy[jj[plain_e]], np.ones(ed.size)])))
    form.add_con(ConBlock("city_energy_pool", CLAUSE_CITY_ENERGY, list(years), np.full(T, -INF),
                          prep.city_energy_pool.astype(float), ec.year.copy(), ec.cols, np.ones(ec.size)))

    # platform_land_capacity[k]
    if prep.platform_capacity:
        plats = [k for k in prep.platform_capacity if (c["platform_id"] == k).any()]
        k_index = {k: i for i, k in enumerate(plats)}
        plat_of = np.array([k_index.get(pl, -1) for pl in c["platform_id"]], dtype=np.int64)
        on = plat_of[jj] >= 0
        form.add_con(ConBlock("platform_land_capacity", CLAUSE_PLATFORM, plats, np.full(len(plats), -INF),
                              np.array([prep.platform_capacity[k] for k in plats], dtype=float),
                              plat_of[jj[on]], y.cols[on], land[jj[on]]))

    if elastic:
        _make_elastic(form)
    return form


def priority_pairs(form: Formulation) -> frozenset[tuple[Any, int]]:
    """The (project, year)s in which a city-eligible major project could be supplied: its supply columns in years
    whose district energy budget alone carries its energy, or the model's data's own (Prepared.priority_pairs)."""
    prep = form.prep
    if prep.priority_pairs is not None:
        return prep.priority_pairs
    c = prep.candidates
    major = c["priority_major"]
    # a major whose energy its own district's budget cannot carry that year depends on the city pool, which majors
    # of every district compete for (五(二)): the district's land is not held back for it (it would lie idle
    # whenever the pool goes elsewhere, as in the example, where it idled the quota of 34 projects)
    d_index = {d: i for i, d in enumerate(prep.districts)}
    t_index = {yr: i for i, yr in enumerate(prep.years)}
    energy = c["energy_demand"].astype(float).to_dict()
    district = c["district_id"].astype(str).to_dict()
    return frozenset(k for k in form.var("supply").keys if bool(major.at[k[0]]) and energy[k[0]]
                     <= prep.energy_budget[d_index[district[k[0]]], t_index[k[1]]] + 1e-6)


def _capped_years(prep: Prepared) -> np.ndarray:
    """Per year position, whether the city's reward reserve limits the rewards paid that year (`quota`)."""
    T = len(prep.years)
    if len(prep.reward_reserve) != T:
        return np.zeros(T, dtype=bool)
    return quota.reserve_capped(prep.reward_reserve)


def _reward_reserve(form: Formulation, st: VarBlock, earning: np.ndarray, d_of: np.ndarray) -> VarBlock:
    """五(一) "由市规划和自然资源局给予新增建设用地指标奖励": the stock-land reward is the city planning bureau's to
    give, from its reserve R_t (city_quotas.reward_reserve) in each year t where one is set. There w[d,t] ≥ 0
    (`reward_paid`), the reward paid to district d in t, takes the place of the reward terms in d's quota row:
        w[d,t] − ρ · Σ_{j of d earning, τ + lag = t} s[j,τ] ≤ credit[d,t]     (reward_due)
        Σ_d w[d,t] ≤ R_t                                                     (city_reward_reserve)
    with credit[d,t] the actuals' rewards due in t. The reserve caps the rewards paid out in t, wherever earned;
    what is left of it lapses (no carry-over). w earns REWARD_PAID per mu, so that every reward due is paid while
    the reserve lasts. Returns the w block (district_land_quota adds −w[d,t])."""
    prep = form.prep
    s = prep.scenario.settings
    T = len(prep.years)
    capped = _capped_years(prep)
    lands = quota.reward_year(s, st.year)
    on = earning & (lands < T) & (s.reward_ratio > 0)  # no reward, no term (a zero HiGHS would refuse)
    on[on] = capped[lands[on]]
    due = np.zeros((len(prep.districts), T), dtype=bool)
    due[d_of[st.project[on]], lands[on]] = True
    due |= prep.reward_credit > 0
    due &= capped[None, :]
    dd, tt = np.nonzero(due)
    w = form.add_var(VarBlock("reward_paid", "w", "mu of stock-land reward the city pays the district that year",
                              [(prep.districts[d], prep.years[t]) for d, t in zip(dd, tt, strict=True)],
                              np.zeros(len(dd)), np.full(len(dd), INF), district=dd, year=tt))
    form.objective[w.cols] = REWARD_PAID
    pos = np.full(len(prep.districts) * T, -1)
    pos[dd * T + tt] = np.arange(len(dd))
    row_s = pos[d_of[st.project[on]] * T + lands[on]]
    form.add_con(ConBlock("reward_due", CLAUSE_REWARD_DUE, list(w.keys), np.full(w.size, -INF),
                          prep.reward_credit[dd, tt].astype(float),
                          np.concatenate([np.arange(w.size), row_s]), np.concatenate([w.cols, st.cols[on]]),
                          np.concatenate([np.ones(w.size), np.full(len(row_s), -quota.reward(s, 1.0))]), kind="rule"))
    years_capped = np.flatnonzero(capped)
    t_row = np.full(T, -1)
    t_row[years_capped] = np.arange(len(years_capped))
    form.add_con(ConBlock("city_reward_reserve", CLAUSE_REWARD_RESERVE, [prep.years[t] for t in years_capped],
                          np.full(len(years_capped), -INF), prep.reward_reserve[years_capped].astype(float),
                          t_row[tt], w.cols.copy(), np.ones(w.size)))
    return w


def _phase_order(form: Formulation, y: VarBlock, jj: np.ndarray, tt: np.ndarray) -> None:
    """分期供地: a phase (`phase_of` names the phase before it) is never supplied before, or without, that phase:
        Σ_{τ≤t} y[k,τ] − Σ_{τ≤t} y[e,τ] ≤ 0   for each year t in which phase k has a column   (phase_order)
    where e is the phase before k. When e is already supplied (actuals) in year a, the rows for t < a read
    Σ_{τ≤t} y[k,τ] ≤ 0 (before a horizon, none); when e can get no variable (not eligible), k is never supplied."""
    prep = form.prep
    c = prep.candidates
    if "phase_of" not in c.columns or not c["phase_of"].notna().any():
        return
    years = prep.years
    pos = {pid: i for i, pid in enumerate(c.index)}
    supplied = {str(pid): int(yr) for pid, yr in zip(prep.scenario.actuals["project_id"],
                                                    prep.scenario.actuals["year"], strict=True)}
    first = np.searchsorted(jj, np.arange(len(c)), "left")
    count = np.searchsorted(jj, np.arange(len(c)), "right") - first
    keys: list[tuple[Any, int]] = []
    rows_: list[np.ndarray] = []
    cols_: list[np.ndarray] = []
    vals_: list[np.ndarray] = []
    for k_pid, e_pid in zip(c.index, c["phase_of"], strict=True):
        if e_pid is None or (isinstance(e_pid, float) and np.isnan(e_pid)):
            continue
        k = pos[k_pid]
        k_cols, k_years = y.cols[first[k]:first[k] + count[k]], tt[first[k]:first[k] + count[k]]
        e = pos.get(e_pid)
        e_cols = y.cols[first[e]:first[e] + count[e]] if e is not None else np.zeros(0, dtype=np.int64)
        e_years = tt[first[e]:first[e] + count[e]] if e is not None else np.zeros(0, dtype=np.int64)
        done = supplied.get(str(e_pid))
        for t in np.unique(k_years).tolist():
            if done is not None and done <= years[t]:
                continue  # the phase before was supplied by then
            mine, theirs = k_cols[k_years <= t], e_cols[e_years <= t]
            row = len(keys)
            keys.append((k_pid, years[t]))
            rows_.append(np.full(len(mine) + len(theirs), row))
            cols_.append(np.concatenate([mine, theirs]))
            vals_.append(np.concatenate([np.ones(len(mine)), -np.ones(len(theirs))]))
    if not keys:
        return
    form.add_con(ConBlock("phase_order", CLAUSE_PHASE, keys, np.full(len(keys), -INF), np.zeros(len(keys)),
                          np.concatenate(rows_), np.concatenate(cols_).astype(np.int64), np.concatenate(vals_),
                          kind="rule"))


def _major_priority(form: Formulation, y: VarBlock, n: VarBlock, has_alt: np.ndarray, d_of: np.ndarray,
                    jj: np.ndarray, tt: np.ndarray, land: np.ndarray) -> None:
    """五(一) 优先保障重大产业项目 (major_priority = strict): while a city-eligible major project that could be supplied
    in year t (`priority_pairs`) is left out, no project that is neither major nor mandatory uses its district's
    quota in t.

    z[d,t] ∈ [0, 1] (`major_priority_open`) opens district d's quota in year t to the other projects:
        n̂[i,t] − L_i · z[d,t] ≤ 0     for each other project i of d with a column in t   (non_major_quota_use_row)
        z[d,t] − Σ_τ y[j,τ] ≤ 0        for each major j of d that could be supplied in t  (major_priority)
    (for a project whose only land source is the quota, n̂ = L·y and the first row reads y[i,t] ≤ z[d,t]). One row
    per project and year rather than one per pair of projects, and as tight as that: the LP relaxation cannot fund
    the others more than the majors' own supply allows. Mandatory projects are the bureau's own commitment and are
    not held back."""
    prep = form.prep
    c = prep.candidates
    T, D = len(prep.years), len(prep.districts)
    major = c["priority_major"].to_numpy(bool)
    other = ~major & ~c["mandatory"].to_numpy(bool)
    pos = {pid: i for i, pid in enumerate(c.index)}
    year_pos = {yr: i for i, yr in enumerate(prep.years)}
    held = sorted((pos[pid], year_pos[yr]) for pid, yr in priority_pairs(form) if pid in pos and yr in year_pos)
    row_j = np.array([j for j, _ in held], dtype=np.int64)
    row_t = np.array([t for _, t in held], dtype=np.int64)
    # the (d, t)s a major holds, and the others' columns there
    z_of = np.full(D * T, -1)
    dts = np.unique(d_of[row_j] * T + row_t) if len(held) else np.zeros(0, dtype=np.int64)
    plain = np.flatnonzero(other[jj] & ~has_alt[jj])
    alt = np.flatnonzero(other[n.project])
    plain = plain[np.isin(d_of[jj[plain]] * T + tt[plain], dts)]
    alt = alt[np.isin(d_of[n.project[alt]] * T + n.year[alt], dts)]
    if not len(plain) and not len(alt):
        return  # no other project could use a held quota: nothing to hold back
    # only the (d, t)s some other project could use get a z (a column in no row would be a free variable)
    dts = np.unique(np.concatenate([d_of[jj[plain]] * T + tt[plain], d_of[n.project[alt]] * T + n.year[alt]]))
    z = form.add_var(VarBlock("major_priority_open", "z", "1 when the district's quota that year is open to projects "
                              "neither major nor mandatory (every major that could be supplied then is supplied)",
                              [(prep.districts[d], prep.years[t]) for d, t in zip(dts // T, dts % T, strict=True)],
                              np.zeros(len(dts)), np.ones(len(dts)), district=dts // T, year=dts % T))
    z_of[dts] = z.cols
    pids, years = list(c.index), prep.years
    P, A = len(plain), len(alt)
    use_dt = np.concatenate([d_of[jj[plain]] * T + tt[plain], d_of[n.project[alt]] * T + n.year[alt]])
    form.add_con(ConBlock(
        "non_major_quota_use_row", CLAUSE_MAJOR_USE,
        [(pids[int(jj[k])], years[int(tt[k])]) for k in plain] + [(pids[int(n.project[k])], years[int(n.year[k])])
                                                                  for k in alt],
        np.full(P + A, -INF), np.zeros(P + A), np.concatenate([np.arange(P + A), np.arange(P + A)]),
        np.concatenate([y.cols[plain], n.cols[alt], z_of[use_dt]]).astype(np.int64),
        np.concatenate([np.ones(P), np.ones(A), -np.ones(P), -land[n.project[alt]]]), kind="rule"))
    # one row per major pair (j, t): z[d(j),t] − Σ_τ y[j,τ] ≤ 0; j's supply columns are contiguous in (jj, tt)
    keep = np.isin(d_of[row_j] * T + row_t, np.unique(use_dt))  # a (d, t) no other project can use holds nothing
    row_j, row_t = row_j[keep], row_t[keep]
    first = np.searchsorted(jj, np.arange(len(c)), "left")
    count = np.searchsorted(jj, np.arange(len(c)), "right") - first
    R = len(row_j)
    dt = d_of[row_j] * T + row_t
    per_row = count[row_j]
    rep = np.repeat(np.arange(R), per_row)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    form.add_con(ConBlock("major_priority", CLAUSE_MAJOR_PRIORITY,
                          [(pids[j], years[t]) for j, t in zip(row_j.tolist(), row_t.tolist(), strict=True)],
                          np.full(R, -INF), np.zeros(R), np.concatenate([np.arange(R), rep]),
                          np.concatenate([z_of[dt], y.cols[first[row_j][rep] + within]]).astype(np.int64),
                          np.concatenate([np.ones(R), -np.ones(len(rep))]), kind="rule"))


# Slack prices in the elastic model: a mandatory project left unsupplied weighs far more than any
# quota overshoot, so the report names the quota that must grow before it names a project to drop.
ELASTIC_MANDATORY_PRICE = 1e4


def _make_elastic(form: Formulation) -> None:
    """Add a priced slack to each resource row and mandatory row; the objective becomes −Σ price·slack.

    Land and energy overshoots are priced per unit relative to the row's own size, so that the
    answer is "the smallest relative increase of quotas that lets every requirement hold".
    """
    form.objective[:] = 0.0
    form.source_tie_break[:] = 0.0
    for name in list(form.constraints):
        con = form.constraints[name]
        if con.kind == "resource":
            slack = form.add_var(VarBlock(f"over_{name}", "σ", f"overshoot of {name}", list(con.keys),
                                          np.zeros(con.size), np.full(con.size, INF)))
            con.row = np.concatenate([con.row, np.arange(con.size)])
            con.col = np.concatenate([con.col, slack.cols])
            con.val = np.concatenate([con.val, -np.ones(con.size)])
            form.objective[slack.cols] = -1.0 / np.maximum(np.abs(np.where(np.isfinite(con.ub), con.ub, 1.0)), 1.0)
        elif con.name == "supply_once":
            slack = form.add_var(VarBlock("mandatory_unmet", "μ", "mandatory project not supplied", list(con.keys),
                                          np.zeros(con.size), np.where(con.lb > 0, 1.0, 0.0)))
            con.row = np.concatenate([con.row, np.arange(con.size)])
            con.col = np.concatenate([con.col, slack.cols])
            con.val = np.concatenate([con.val, np.ones(con.size)])
            form.objective[slack.cols] = -ELASTIC_MANDATORY_PRICE


# ---------------------------------------------------------------------------------------------
# Pyomo
# ---------------------------------------------------------------------------------------------


def to_pyomo(form: Formulation) -> Any:
    """The formulation as a Pyomo `ConcreteModel`: one named Var per block, one named Constraint per family.

    Each component's `doc` carries its meaning and policy clause, so `model.pprint()` and the LP export
    read like `models/formulation.md`. Column order is kept in `model._columns` (the VarData of each
    column), so a solution can be mapped back to the formulation's vector.
    """
    m = pyo.ConcreteModel(name=f"quota_opt:{form.prep.scenario.settings.scenario_name}")
    columns: list[Any] = []
    for block in form.variables.values():
        if block.size == 0:
            continue
        domain = pyo.Binary if block.integer else pyo.NonNegativeReals
        bounds = {k: (float(lo), None if ub == INF else float(ub))
                  for k, lo, ub in zip(block.keys, block.lb, block.ub, strict=True)}
        var = pyo.Var(list(block.keys), domain=domain, bounds=lambda _m, *k, _b=bounds: _b[k], doc=block.doc,
                      dense=True)
        m.add_component(block.name, var)
        columns.extend(var[k] for k in block.keys)
    m._columns = columns

    starts, idx, vals = form.matrix()
    for con in form.constraints.values():
        if con.size == 0:
            continue

        def rule(_m: Any, *key: Any, _con: ConBlock = con, _pos: dict[Any, int] | None = None) -> Any:
            i = _pos[key if len(key) > 1 else key[0]] if _pos is not None else 0
            gi = _con.start + i
            a, b = starts[gi], starts[gi + 1]
            lo = None if _con.lb[i] == -INF else float(_con.lb[i])
            hi = None if _con.ub[i] == INF else float(_con.ub[i])
            if a == b:
                ok = (lo is None or lo <= 1e-9) and (hi is None or hi >= -1e-9)
                return pyo.Constraint.Skip if ok else pyo.Constraint.Infeasible
            expr = LinearExpression(constant=0.0, linear_coefs=[float(v) for v in vals[a:b]],
                                    linear_vars=[columns[c] for c in idx[a:b]])
            if lo is not None and hi is not None and lo == hi:
                return expr == lo
            return pyo.inequality(lo, expr, hi)

        positions = {k: i for i, k in enumerate(con.keys)}
        m.add_component(con.name, pyo.Constraint(list(con.keys), rule=lambda _m, *k, _r=rule, _p=positions: _r(
            _m, *k, _pos=_p), doc=con.doc))

    nz = np.flatnonzero(form.objective)
    m.objective = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=[float(form.objective[i]) for i in nz],
                              linear_vars=[columns[i] for i in nz]),
        sense=pyo.maximize,
        doc="priority-weighted land supplied, discounted for deferral, less the province-request penalty",
    )
    return m


def describe(form: Formulation) -> pd.DataFrame:
    """One row per block: name, kind (variable/constraint), size, doc — for the summary and the docs."""
    rows = [("variable", b.name, b.symbol, b.size, b.doc) for b in form.variables.values()]
    rows += [("constraint", c.name, c.kind, c.size, c.doc) for c in form.constraints.values()]
    return pd.DataFrame(rows, columns=["what", "name", "symbol_or_kind", "size", "doc"])

"""Shadow prices of every quota, pool, budget and capacity, in objective points per mu or per tce.

Two readings, both from an LP re-solve at the solution (HiGHS duals):
- `shadow_price`: every supply decision fixed as chosen (the design brief's definition). One more mu can then only change
  where land comes from, so this is non-zero when it would replace a costlier source (a request to the
  province saves its penalty) or earn a stock reward.
- `marginal_value`: the chosen projects fixed, the projects left out allowed to take a fraction. One
  more mu goes to the best project left out, so this is about that project's score per mu (after the
  deferral discount): "what one more mu of this quota is worth", naming that marginal project.
Both are checked against finite differences in the tests (add one unit, re-solve the same LP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quota_opt.core.vocabulary import QUOTA_NAMES, QUOTA_UNITS
from quota_opt.solve.formulation import INF, Formulation
from quota_opt.solve.highs import load_highs

NOISE = 1e-5

UNITS = QUOTA_UNITS  # each quota's unit (zh, en)


def relaxed_lp(form: Formulation, x: np.ndarray, *, mode: str, rhs_change: dict[int, float] | None = None
               ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Solve the LP at solution `x`: mode "fixed" fixes every supply decision; "marginal" fixes only the
    selected projects (at 1 in their year, 0 in others) and lets the others take a fraction.

    Returns (objective, primal x, row duals as "objective gained per unit more of the row's limit"),
    or None when the LP has no optimum. `rhs_change` adds to row upper bounds (finite differences).
    """
    h = _relaxed_highs(form, x, mode)
    if rhs_change:
        rlo, rhi = form.row_bounds()
        for i, delta in rhs_change.items():
            _set_limit(h, rlo, rhi, i, delta)
    return _optimum(h)


def _set_limit(h: Any, rlo: np.ndarray, rhi: np.ndarray, row: int, delta: float) -> None:
    """Row `row`'s upper limit set to its own plus `delta`."""
    h.changeRowBounds(int(row), float(rlo[row]) if np.isfinite(rlo[row]) else -INF, float(rhi[row] + delta))


def _optimum(h: Any) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Run `h`; (objective, primal x, gain per unit more of each row's limit), or None without an optimum."""
    h.run()
    if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
        return None
    sol = h.getSolution()
    duals = np.asarray(sol.row_dual, dtype=float)
    # HiGHS reports duals of a maximisation with the sign of the minimisation of −objective;
    # we want "gain per unit more limit", which is ≥ 0 for a ≤ row.
    gain = np.abs(duals)
    gain[gain < NOISE] = 0.0  # tie-break costs (≤ 2e-6 per unit) are not value
    return float(h.getInfo().objective_function_value), np.asarray(sol.col_value, dtype=float), gain


ONE_MORE_UP_TO_COLUMNS = 20_000  # beyond this, the duals are reported as they are (re-solving each takes too long)


def _prices(form: Formulation, x: np.ndarray, mode: str) -> tuple[float, np.ndarray, np.ndarray] | None:
    """`relaxed_lp` at `x`, with each nonzero dual replaced by what one more unit (mu or tce) of that row's
    limit is worth: the same LP re-solved, from its optimal basis, with the limit raised by 1 (a zero dual
    means one more unit adds nothing).

    The dual is the value of the first small step only; it holds over a range of the limit that can be
    shorter than one unit, and where the LP is degenerate it need not be the value of raising the limit
    at all. The bureau asks what one more mu is worth, so that is what is reported; beyond
    ONE_MORE_UP_TO_COLUMNS the duals stand. Only the rows the report shows (quotas, pools, budgets and
    capacities) are re-solved; the balance and choice rows keep their duals."""
    h = _relaxed_highs(form, x, mode)
    solved = _optimum(h)
    if solved is None or form.n_cols > ONE_MORE_UP_TO_COLUMNS:
        return solved
    base, primal, gains = solved
    out = gains.copy()
    rlo, rhi = form.row_bounds()
    reported = np.zeros(form.n_rows, dtype=bool)
    for con in form.constraints.values():
        if con.kind == "resource":
            reported[con.start:con.start + con.size] = True
    for i in map(int, np.flatnonzero((gains > 0) & reported)):
        _set_limit(h, rlo, rhi, i, 1.0)
        h.run()
        if str(h.getModelStatus()).split(".")[-1] == "kOptimal":
            gain = float(h.getInfo().objective_function_value) - base
            out[i] = gain if gain >= NOISE else 0.0
        _set_limit(h, rlo, rhi, i, 0.0)
    return base, primal, out


def _relaxed_highs(form: Formulation, x: np.ndarray, mode: str) -> Any:
    """The LP of `relaxed_lp`, loaded and not yet solved."""
    h = load_highs(form, integer=False)
    y = form.var("supply")
    yv = x[y.start:y.start + y.size]
    chosen = np.zeros(len(form.prep.candidates), dtype=bool)
    chosen[y.project[yv > 0.5]] = True
    if mode == "fixed":
        fix = np.ones(y.size, dtype=bool)
    elif mode == "marginal":
        fix = chosen[y.project]
    else:
        raise ValueError(mode)
    cols = (y.start + np.flatnonzero(fix)).astype(np.int32)
    if len(cols):
        vals = np.round(yv[fix]).astype(float)
        h.changeColsBounds(len(cols), cols, vals, vals)
    return h


def shadow_prices(form: Formulation, x: np.ndarray, ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per quota/pool/budget/capacity row with limit, used, slack and both shadow prices; `ledger` is the
    plan's quota ledger (`Plan.ledger`), whose figures a district quota's row quotes."""
    prep = form.prep
    fixed = _prices(form, x, "fixed")
    marginal = _prices(form, x, "marginal")
    _, rhi = form.row_bounds()
    starts, idx, vals = form.matrix()
    row_of = np.repeat(np.arange(form.n_rows), np.diff(starts))
    activity = np.bincount(row_of, weights=vals * x[idx], minlength=form.n_rows)
    names = dict(zip(prep.scenario.districts["district_id"], prep.scenario.districts["name"], strict=True))
    rows: list[dict[str, Any]] = []
    supply = _SupplyColumns.of(form, x)
    as_issued = _AsIssued.of(form, ledger)
    top = _top_scored(prep)
    for con in form.constraints.values():
        if con.kind != "resource" or con.size == 0:
            continue
        for i, key in enumerate(con.keys):
            gi = con.start + i
            district, year = _split_key(con.name, key)
            limit, used = as_issued.figures(con.name, key, float(rhi[gi]), float(activity[gi]))
            slack = limit - used if np.isfinite(limit) else float("inf")
            sp = float(fixed[2][gi]) if fixed else float("nan")
            mv = float(marginal[2][gi]) if marginal else float("nan")
            key_d = str(key) if con.name == "platform_land_capacity" else district
            project = _marginal_project(supply, con.name, key_d, year, mv) if mv > 0 else ""
            rows.append({
                "constraint": con.name, "quota_zh": QUOTA_NAMES[con.name][0], "quota_en": QUOTA_NAMES[con.name][1],
                "district_id": district if con.name != "platform_land_capacity" else key,
                "district_name": names.get(district, "") if district else "",
                "year": year, "unit_zh": UNITS[con.name][0], "unit_en": UNITS[con.name][1],
                "limit": limit, "used": used if np.isfinite(limit) else float("nan"),
                "slack": slack, "shadow_price": sp, "marginal_value": mv, "marginal_project": project,
                "row": gi, "top_project": top[0], "top_score": top[1],
            })
    for r in rows:
        r["reading_zh"], r["reading_en"] = reading(r, "zh"), reading(r, "en")
    return pd.DataFrame(rows)


def _top_scored(prep: Any) -> tuple[str, float]:
    """(id, score) of the best-scored eligible project, whose mu the readings count a value in: in the priority
    objective a mu counts at its project's score, so a value of v points is v / score mu of that project. ("", 0)
    when there is none, or when the objective is weighted totals (points are then shares of totals, no mu)."""
    c = prep.candidates
    c = c[c["eligible"]] if "eligible" in c.columns else c
    if prep.scenario.settings.objective_mode != "priority" or not len(c) or "score" not in c.columns:
        return "", 0.0
    best = c["score"].astype(float).idxmax()
    return str(best), float(c.at[best, "score"])


@dataclass
class _AsIssued:
    """A row's limit and use as the ledger, the districts and the city sheets give them, not as the model's row
    holds them: the model nets out of both sides what the actuals inside the horizon used (its limits are what is
    left after them), and a district's quota row also the reward received (on the left, as negative use) and, with
    carry-over, the quota carried in and out (whose variable may carry less than is left where it does not matter).
    A district's quota: limit = opening + issued + reward received, used = what projects used (the ledger's row).
    Any other row: the actuals' use added back to both sides. The slack, limit − used, is unchanged except for a
    district's quota with carry-over, where it is the ledger's closing (all that is left is carried)."""

    ledger: dict[tuple[str, int], tuple[float, float]]  # (district, year) -> (opening + issued + reward, used)
    committed: dict[tuple[str, Any], float]  # (row family, key) -> what actuals inside the horizon used of it

    @classmethod
    def of(cls, form: Formulation, led: pd.DataFrame) -> _AsIssued:
        """From the plan's quota ledger (`Plan.ledger`, plan._ledger)."""
        prep = form.prep
        ledger = {(str(d), int(y)): (float(o + i + r), float(u)) for d, y, o, i, r, u in zip(
            led["district_id"], led["year"], led["opening"], led["issued"], led["reward_received"], led["used"],
            strict=True)}
        committed: dict[tuple[str, Any], float] = {}
        stock = np.cumsum(prep.stock_committed, axis=1)
        energy = prep.issued["energy_budget"] - prep.energy_budget
        for di, d in enumerate(prep.districts):
            for ti, y in enumerate(prep.years):
                committed[("stock_inventory", (d, y))] = float(stock[di, ti])
                committed[("district_energy_budget", (d, y))] = float(energy[di, ti])
        for name, issued, left in (("provincial_reward_pool", prep.issued["provincial_pool"], prep.provincial_pool),
                                   ("province_request_cap", prep.issued["request_cap"], prep.request_cap),
                                   ("city_energy_pool", prep.issued["city_energy_pool"], prep.city_energy_pool)):
            for ti, y in enumerate(prep.years):
                committed[(name, y)] = float(issued[ti] - left[ti])
        platforms = prep.scenario.platforms
        for k, cap in zip(platforms["platform_id"], platforms["land_capacity"], strict=True):
            if str(k) in prep.platform_capacity:
                committed[("platform_land_capacity", str(k))] = float(cap) - prep.platform_capacity[str(k)]
        return cls(ledger=ledger, committed=committed)

    def figures(self, name: str, key: Any, limit: float, used: float) -> tuple[float, float]:
        """(limit, used) of the row `name` at `key`, given the model row's limit and activity."""
        if name == "district_land_quota":
            return self.ledger.get((str(key[0]), int(key[1])), (limit, used))
        k = (str(key[0]), int(key[1])) if isinstance(key, tuple) else (str(key) if name == "platform_land_capacity"
                                                                        else int(key))
        extra = self.committed.get((name, k), 0.0)
        return limit + extra, used + extra


def _split_key(name: str, key: Any) -> tuple[str | None, int | None]:
    if name in ("district_land_quota", "stock_inventory", "district_energy_budget"):
        return str(key[0]), int(key[1])
    if name == "platform_land_capacity":
        return None, None
    return None, int(key)


@dataclass
class _SupplyColumns:
    """The `supply` columns of the projects a solution left out, with what `_marginal_project` asks of each."""

    year: np.ndarray  # calendar year
    district: np.ndarray
    platform: np.ndarray
    access: dict[str, np.ndarray]  # row name → may the project draw on it
    land: np.ndarray
    energy: np.ndarray
    value: np.ndarray  # objective coefficient
    project_id: np.ndarray

    @classmethod
    def of(cls, form: Formulation, x: np.ndarray) -> _SupplyColumns:
        c = form.prep.candidates
        y = form.var("supply")
        chosen = np.zeros(len(c), dtype=bool)
        chosen[y.project[x[y.start:y.start + y.size] > 0.5]] = True
        keep = ~chosen[y.project]
        j = y.project[keep]
        access = {"provincial_reward_pool": "may_pool", "city_energy_pool": "may_city_energy",
                  "province_request_cap": "may_request", "stock_inventory": "may_stock"}
        return cls(year=np.asarray(form.prep.years)[y.year[keep]], district=c["district_id"].to_numpy()[j], platform=c["platform_id"].to_numpy()[j],
                   access={row: c[col].to_numpy(bool)[j] for row, col in access.items()},
                   land=c["land_demand"].to_numpy(float)[j], energy=c["energy_demand"].to_numpy(float)[j],
                   value=form.objective[y.start:y.start + y.size][keep], project_id=c.index.to_numpy()[j])


def _marginal_project(cols: _SupplyColumns, name: str, key: str | None, year: int | None, value: float,
                      ) -> str:
    """The left-out project this row holds back: among the projects it constrains that were not selected, the one
    whose value per unit (per mu, or per tce for energy rows) in that year is closest to the row's marginal value
    (within 5%). Empty when none matches: the value then arises through rewards or carry-over. `key` is the
    row's district, or its platform for platform rows."""
    mask = np.ones(len(cols.year), dtype=bool)
    if year is not None:
        mask &= cols.year == year
    if key is not None:
        mask &= (cols.platform if name == "platform_land_capacity" else cols.district) == key
    if name in cols.access:
        mask &= cols.access[name]
    size = cols.energy if name in ("district_energy_budget", "city_energy_pool") else cols.land
    mask &= size > 0
    if not mask.any():
        return ""
    per_unit = cols.value[mask] / size[mask]
    best = int(np.argmin(np.abs(per_unit - value)))
    if abs(per_unit[best] - value) > 0.05 * max(value, 1e-9):
        return ""
    return str(cols.project_id[np.flatnonzero(mask)[best]])


def reading(r: dict[str, Any], lang: str) -> str:
    """A plain-words reading of one shadow-price row. A stock land row's figures are cumulative (the model's row is
    Σ over years ≤ t), which the reading says, so that 2027's limit and use are not taken for 2027's alone."""
    text = _reading(r, lang)
    if r["constraint"] == "stock_inventory" and r.get("year") is not None:
        text += (f"额度、已用、剩余均为截至{r['year']}年的累计数，非当年单独数。" if lang == "zh" else
                 f" Limit, used and slack are cumulative to {r['year']}, not {r['year']}'s alone.")
    return text


def _reading(r: dict[str, Any], lang: str) -> str:
    zh = lang == "zh"
    # a district as the reasons name it: by its name in zh, by its id in en
    district = (r.get("district_name") or r.get("district_id") or "") if zh else (r.get("district_id") or "")
    platform = r["constraint"] == "platform_land_capacity"
    who = district if not platform else (f"平台 {r['district_id']} " if zh else f"platform {r['district_id']}")
    when = (f"{r['year']}年" if zh else f"in {r['year']}") if r.get("year") is not None else ""
    quota = r["quota_zh"] if zh else r["quota_en"]
    if zh and platform:  # 平台 PA 用地容量, not 平台 PA平台用地容量
        quota = quota.removeprefix("平台")
    elif zh and district:  # 拱墅区新增建设用地计划指标, not 拱墅区区县…
        quota = quota.removeprefix("区县")
    top_project, top_score = r.get("top_project") or "", float(r.get("top_score") or 0.0)
    unit = r["unit_zh"] if zh else r["unit_en"]
    mv, sp, slack = r["marginal_value"], r["shadow_price"], r["slack"]
    if mv > 1e-9:
        proj = r.get("marginal_project") or ""
        if zh:
            text = f"{who}{when}{quota}每增加 1 {unit}，目标值约增加 {mv:.4f}"
            if top_score > 0:  # in a unit a reader knows: mu of the best project
                text += f"（约折合得分最高项目 {top_project} {mv / top_score:.2f} 亩）"
            text += f"，约为未安排项目 {proj} 每{unit}的得分。" if proj else "。"
            if sp > 1e-9:
                text += f"在当前入选项目不变时，每增加 1 {unit}可增加 {sp:.4f}（替换较贵的来源）。"
        else:
            place = " ".join(p for p in (who, when) if p)
            text = f"One more {unit} of {quota} ({place}) is worth about {mv:.4f} of objective"
            if top_score > 0:
                text += f" (about {mv / top_score:.2f} mu of the top-scored project, {top_project})"
            text += f", roughly the score per {unit} of project {proj}, which was left out." if proj else "."
            if sp > 1e-9:
                text += f" With the selection unchanged it is worth {sp:.4f} (it replaces a costlier source)."
        return text
    place = " ".join(p for p in (who, when) if p)  # a city quota has no district, a platform's no year
    if r["constraint"] == "province_request_cap" and np.isfinite(slack) and slack > 1e-6:  # a ceiling, no quota
        return (f"{when}{quota}内尚有 {slack:,.1f} {unit}未争取，提高上限没有价值。" if zh else
                f"{quota.capitalize()} ({place}): {slack:,.1f} {unit} below the cap not requested; a higher cap is "
                "worth nothing.")
    if np.isfinite(slack) and slack > 1e-6:
        return (f"{who}{when}{quota}未用完，剩余 {slack:,.1f} {unit}，增加额度没有价值。" if zh else
                f"{quota.capitalize()} ({place}) is slack: {slack:,.1f} {unit} left over; more is worth nothing.")
    return (f"{who}{when}{quota}恰好用完，但增加额度不会改变结果。" if zh else
            f"{quota.capitalize()} ({place}) is fully used, but more of it would not change the result.")

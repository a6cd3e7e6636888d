"""Golden scenarios for the policy rules of issue 21, each worked by hand in its docstring.

As in test_golden.py, most use investment as the only criterion (w_investment = 1), so a project's score is
its investment over the largest eligible investment (times its chain's policy weight where it gets one) and its
value is score × land (mu). Objectives carry tie-break costs of a few 1e-6 per mu (prepare.TIE_BREAK).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import project, tiny
from test_golden import BACKENDS, INVESTMENT_ONLY, TOL, row, solve_via_workbook


@pytest.mark.parametrize("penalty", [0.0, 1e-6])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_free_request_still_comes_after_the_districts_own_quota(tmp_path: Path, backend: str,
                                                                   penalty: float) -> None:
    """District quota 100 mu, province request cap 50 mu at a penalty of 0 (or 1e-6, below the tie-breaks).

    M: city-led (major, may request), 10 亿元, 60 mu → score 1.0, value 60.
    60 ≤ 100: M fits on the district's quota alone. 五(一) asks the province only for what is "仍有不足的",
    so nothing is requested and 40 mu of the district's quota lapses. Objective 60 − 60 × 1e-6 (the district
    quota's tie-break), 60 to 3 decimals. Before the request had a tie-break of its own, a penalty of 0 made the
    request cheaper than the district quota (tie-break 1e-6 per mu) and M took 50 mu by request.
    """
    sc = tiny([project("M", 60, investment=10, city_led=True)],
              quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 50}},
              province_request_penalty=penalty, **INVESTMENT_ONLY)
    r = solve_via_workbook(sc, tmp_path, backend)
    assert r.solution.objective == pytest.approx(60, abs=TOL)
    m = row(r, "M")
    assert m["selected"]
    assert (m["land_district_quota"], m["land_province_request"]) == pytest.approx((60, 0))
    assert r.kpis["mu_to_request"] == pytest.approx(0)

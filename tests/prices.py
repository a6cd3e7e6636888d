"""Shadow prices checked against finite differences (shared by test_explain and test_example)."""

from __future__ import annotations

import pytest

from quota_opt.interpret.shadow import relaxed_lp
from quota_opt.pipeline import RunResult


def check_finite_differences(result: RunResult, mode: str, column: str) -> int:
    """Each reported price against a finite difference: the LP, built afresh, with the row's limit raised
    by one unit, less the LP. Returns how many nonzero prices were checked."""
    assert result.shadow is not None and result.solution.x is not None
    base = relaxed_lp(result.form, result.solution.x, mode=mode)
    assert base is not None
    checked = 0
    for rec in result.shadow.to_dict("records"):
        price = rec[column]
        bumped = relaxed_lp(result.form, result.solution.x, mode=mode, rhs_change={rec["row"]: 1.0})
        assert bumped is not None
        diff = bumped[0] - base[0]
        if price > 0:
            assert diff == pytest.approx(price, rel=0.01), rec
            checked += 1
        else:
            assert diff <= 1e-4 + 1e-4 * abs(base[0]), rec  # a zero price: one more unit adds (next to) nothing
    return checked

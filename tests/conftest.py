"""Shared test set-up: hypothesis profiles and fixtures."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings

# `ci` (set by .ci/run) runs the property tests harder; `dev` keeps local runs quick.
settings.register_profile("ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def bound_fault(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Callable[[str], str]:
    """`bound_fault(name)` makes `quota_opt.solve.decompose.<name>` raise as a HiGHS fault would, captures the module's
    warnings (in `caplog`) and returns the warning the fault should leave there."""
    import quota_opt.solve.decompose as decompose

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("HiGHS out of memory")

    def patch(name: str) -> str:
        monkeypatch.setattr(decompose, name, broken)
        caplog.set_level(logging.WARNING, logger="quota_opt.solve.decompose")
        return "district bound left out: RuntimeError: HiGHS out of memory"

    return patch

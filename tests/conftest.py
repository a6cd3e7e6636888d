"""Shared test set-up: hypothesis profiles and small scenario builders."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# `ci` (set by .ci/run) runs the property tests harder; `dev` keeps local runs quick.
settings.register_profile("ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

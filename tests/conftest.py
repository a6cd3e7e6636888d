"""Shared test set-up: hypothesis profiles, the --update-reference option and the fixtures several modules use.

Constants and scenario builders that tests import live in builders.py (`tiny`, `project`, `golden`,
`INVESTMENT_ONLY`); fixtures live here, one definition each.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from builders import EXAMPLE, EXAMPLE_LIMIT_S, golden
from quota_opt.cli.app import app
from quota_opt.core.scenario import Scenario
from quota_opt.input.validate import read_scenario
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, RunResult, run_scenario

# Property tests take their number of examples from the profile, never from the test: `dev` (the default, and
# `make test-fast`) keeps the edit-test loop quick; `ci` (`make test`, .ci/run) runs them as hard as CI has time for.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=5, **_PROFILE)
settings.register_profile("ci", max_examples=100, **_PROFILE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-reference", action="store_true", default=False,
                     help="rewrite tests/reference/ from this run instead of comparing with it (test_reference.py)")


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    """The command line, invoked in-process: `runner.invoke(app, [...])`."""
    return CliRunner()


@pytest.fixture(scope="session")
def example_run() -> RunResult:
    """The shipped example solved once per test process with its own settings (gap 0.1%), on one thread as the
    tests run in parallel, and with a time limit of an hour instead of the sheet's 60 s, so that the run ends when
    HiGHS reaches the gap, never at the clock: the plan cannot depend on the machine's load, and
    tests/test_reference.py compares its workbook with the stored reference cell by cell. The modules that use it
    are in the xdist group "example", so that one worker solves it for all of them (about 20 s of CPU)."""
    return run_scenario(read_scenario(EXAMPLE), RunOptions(threads=1, time_limit_s=EXAMPLE_LIMIT_S))


@pytest.fixture
def golden_workbook(tmp_path: Path) -> Callable[..., Path]:
    """`golden_workbook(lang="en", quota=100)` writes builders.golden (optimum A + C = 84 at 100 mu) to
    tmp_path/golden_<lang>.xlsx and returns its path."""

    def write(lang: str = "en", quota: float = 100) -> Path:
        return write_scenario(golden(quota), tmp_path / f"golden_{lang}.xlsx", lang)

    return write


@pytest.fixture(scope="session")
def make_plan(runner: CliRunner) -> Callable[..., Path]:
    """`make_plan(scenario, path, lang, *options)` writes `scenario` to `path` in `lang` and runs
    `quota-opt run path *options` on it, as a clerk would; returns the scenario's path (its results workbook is
    beside it, or where `-o` says)."""

    def make(scenario: Scenario, path: Path, lang: str, *options: str) -> Path:
        write_scenario(scenario, path, lang)
        res = runner.invoke(app, ["run", str(path), *options])
        assert res.exit_code == 0, res.output
        return path

    return make


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

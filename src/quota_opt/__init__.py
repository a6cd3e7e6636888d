"""quota-opt: allocate construction-land and energy quotas to major industrial projects.

The public API:
- `read_scenario(path) -> Scenario`: read and validate a scenario workbook (raises `InputError`).
- `validate_workbook(path) -> ValidationReport`: every problem found, never raises for bad input.
- `run(scenario, ...) -> RunResult`: prepare, build, solve and explain one scenario.

The names are loaded when first used (PEP 562), so that `import quota_opt` is instant: the `quota-opt` command
starts inside this package, and until its signal handling is in place (`cli.main`) a Ctrl-C during the imports
of pandas and the rest would end it with a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quota_opt.core.errors import InfeasibleError, InputError, ModelError, QuotaOptError, SolveError
    from quota_opt.core.scenario import Scenario, Settings
    from quota_opt.input.validate import ValidationReport, read_scenario, validate_workbook

__version__ = "0.1.0"

_HOMES = {
    "InfeasibleError": "quota_opt.core.errors",
    "InputError": "quota_opt.core.errors",
    "ModelError": "quota_opt.core.errors",
    "QuotaOptError": "quota_opt.core.errors",
    "SolveError": "quota_opt.core.errors",
    "Scenario": "quota_opt.core.scenario",
    "Settings": "quota_opt.core.scenario",
    "ValidationReport": "quota_opt.input.validate",
    "read_scenario": "quota_opt.input.validate",
    "validate_workbook": "quota_opt.input.validate",
}

__all__ = [
    "InfeasibleError",
    "InputError",
    "ModelError",
    "QuotaOptError",
    "Scenario",
    "Settings",
    "SolveError",
    "ValidationReport",
    "__version__",
    "read_scenario",
    "validate_workbook",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'quota_opt' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value

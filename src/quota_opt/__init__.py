"""quota-opt: allocate construction-land and energy quotas to major industrial projects.

The public API:
- `read_scenario(path) -> Scenario`: read and validate a scenario workbook (raises `InputError`).
- `validate_workbook(path) -> ValidationReport`: every problem found, never raises for bad input.
- `run(scenario, ...) -> RunResult`: prepare, build, solve and explain one scenario.
"""

from quota_opt.core.errors import InfeasibleError, InputError, ModelError, QuotaOptError, SolveError
from quota_opt.core.scenario import Scenario, Settings
from quota_opt.input.validate import ValidationReport, read_scenario, validate_workbook

__version__ = "0.1.0"

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

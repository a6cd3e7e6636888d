"""quota-opt: allocate construction-land and energy quotas to major industrial projects.

The public API (`quota_opt.api`, shared by the command line, the workbench and notebooks); each takes a workbook
as a path or as bytes (with the `name` to show) and returns an object that writes its workbook (`write(path)`,
`to_bytes()`):
- `validate(workbook) -> Validation`: every problem found, in the CLI's words; never raises for bad input.
- `run(workbook, time_limit_s=..., progress=...) -> Run`: read, validate, solve, explain; `Run.write(path)`.
- `explain(results_or_scenario, project_id) -> Explanation`: the reason and the flip thresholds.
- `compare([...])`, `sweep(workbook, ["key=0:1:0.5"])` -> `Comparison`; `rollover(results, year) -> Rollover`;
  `template(lang)`, `generate(projects=...)` -> `Book`.
- `read_scenario(path) -> Scenario`, `validate_workbook(path) -> ValidationReport`: the input stage itself.
"""

from typing import TYPE_CHECKING, Any

from quota_opt.core.errors import InfeasibleError, InputError, ModelError, QuotaOptError, SolveError
from quota_opt.core.scenario import Scenario, Settings
from quota_opt.input.validate import ValidationReport, read_scenario, validate_workbook

__version__ = "0.1.0"

if TYPE_CHECKING:
    from quota_opt.api import (
        Book,
        Comparison,
        Explanation,
        Rollover,
        Run,
        Validation,
        compare,
        explain,
        generate,
        load,
        rollover,
        run,
        sweep,
        template,
        validate,
    )

_API = ("Book", "Comparison", "Explanation", "Rollover", "Run", "Validation", "compare", "explain", "generate",
        "load", "rollover", "run", "sweep", "template", "validate")


def __getattr__(name: str) -> Any:
    """`quota_opt.run` and the rest of `quota_opt.api`, imported on first use: the API brings in the whole
    solver stack (Pyomo, HiGHS), which `import quota_opt.core.errors` (every CLI command, before it knows what it
    will do) should not pay for."""
    if name in _API:
        import quota_opt.api

        return getattr(quota_opt.api, name)
    raise AttributeError(f"module 'quota_opt' has no attribute {name!r}")

__all__ = [
    "Book",
    "Comparison",
    "Explanation",
    "InfeasibleError",
    "InputError",
    "ModelError",
    "QuotaOptError",
    "Rollover",
    "Run",
    "Scenario",
    "Settings",
    "SolveError",
    "Validation",
    "ValidationReport",
    "__version__",
    "compare",
    "explain",
    "generate",
    "load",
    "read_scenario",
    "rollover",
    "run",
    "sweep",
    "template",
    "validate",
    "validate_workbook",
]

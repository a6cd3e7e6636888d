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

The names are loaded when first used (PEP 562), so that `import quota_opt` is instant: the `quota-opt` command
starts inside this package, and until its signal handling is in place (`cli.main`) a Ctrl-C during the imports
of pandas and the rest would end it with a traceback; and the API brings in the whole solver stack (Pyomo,
HiGHS), which a command that only validates should not pay for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    from quota_opt.core.errors import InfeasibleError, InputError, ModelError, QuotaOptError, SolveError
    from quota_opt.core.scenario import Scenario, Settings
    from quota_opt.input.validate import ValidationReport
    from quota_opt.prepare import read_scenario, validate_workbook

from quota_opt.core.version import __version__

_API = ("Book", "Comparison", "Explanation", "Rollover", "Run", "Validation", "compare", "explain", "generate",
        "load", "rollover", "run", "sweep", "template", "validate")

_HOMES = {
    "InfeasibleError": "quota_opt.core.errors",
    "InputError": "quota_opt.core.errors",
    "ModelError": "quota_opt.core.errors",
    "QuotaOptError": "quota_opt.core.errors",
    "SolveError": "quota_opt.core.errors",
    "Scenario": "quota_opt.core.scenario",
    "Settings": "quota_opt.core.scenario",
    "ValidationReport": "quota_opt.input.validate",
    "read_scenario": "quota_opt.prepare",
    "validate_workbook": "quota_opt.prepare",
    **{name: "quota_opt.api" for name in _API},
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'quota_opt' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value

"""The product's exceptions and the `Problem` record every input check produces.

`QuotaOptError` → `InputError` (the workbook is wrong), `ModelError` (the data cannot make a model),
`SolveError` (the solver failed or the scenario is infeasible). The CLI turns each into a clear
message and an exit code; only `--debug` shows a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from quota_opt.core.messages import render_problem


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Location:
    """Where in the workbook a problem is: sheet key, the sheet's name as found, Excel row (1-based),
    column key and the header text found, and the cell reference (e.g. "F12")."""

    sheet: str | None = None
    sheet_name: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class Problem:
    """One finding about the input: an error stops the run, a warning is reported and the run goes on.

    `code` selects the message template in `messages.py`; `params` fills it (e.g. `expected`, `found`).
    """

    severity: Severity
    code: str
    where: Location = field(default_factory=Location)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def message(self, lang: str = "zh") -> str:
        return render_problem(self, lang)


class QuotaOptError(Exception):
    """Base of every error the product raises on purpose; `exit_code` is what the CLI returns."""

    exit_code = 1

    def report(self, lang: str = "zh") -> str:
        return str(self)


class InputError(QuotaOptError):
    """The workbook cannot be used as it is. Carries every problem found, errors and warnings."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.report("en"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def report(self, lang: str = "zh") -> str:
        return "\n".join(f"- {p.message(lang)}" for p in self.errors)


class ModelError(QuotaOptError):
    """The validated data cannot be turned into a model (an internal inconsistency)."""

    exit_code = 2


class SolveError(QuotaOptError):
    """The solver failed, or the scenario is infeasible (then `report` says why in policy words).

    With a `problem` (a code of the message catalogue) `report` says it in the language asked for."""

    exit_code = 2

    def __init__(self, message: str = "", *, infeasible: bool = False, details: str | None = None,
                 problem: Problem | None = None):
        self.infeasible = infeasible
        self.details = details
        self.problem = problem
        super().__init__(message or (problem.message("en") if problem is not None else ""))

    def report(self, lang: str = "zh") -> str:
        if self.problem is not None:
            return self.problem.message(lang)
        return self.details or str(self)


class InfeasibleError(SolveError):
    """Hard requirements (mandatory projects, fixed actuals) cannot all hold. Exit code 3.

    `conflicts` holds the elastic re-solve's findings; `report(lang)` renders them in policy words.
    """

    exit_code = 3

    def __init__(self, conflicts: list[Any], render: Any = None):
        self.conflicts = conflicts
        self._render = render
        super().__init__("the scenario is infeasible", infeasible=True)

    def report(self, lang: str = "zh") -> str:
        if self._render is None:
            return str(self)
        return str(self._render(self.conflicts, lang))


class OutputError(QuotaOptError):
    """A result could not be written where asked (the results were saved under a fallback name)."""

    exit_code = 4

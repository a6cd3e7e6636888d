"""The corpus's outcome table: every case's name and what the validator did with it, printed at the end."""

from __future__ import annotations

from collections.abc import Callable

import pytest

_OUTCOMES: dict[str, tuple[str, str]] = {}  # case name → (outcome, detail), filled by the corpus tests
_MEASURES: dict[str, str] = {}  # what → measurement (the large-workbook test)

_LABELS = {"error": "error as expected", "warning": "warned coercion", "accepted": "accepted as is"}


# The records travel as the test report's user_properties, which pytest-xdist sends from its workers to the
# process that prints the summary; pytest_runtest_logreport collects them there (or in the only process).


@pytest.fixture
def corpus_record(request: pytest.FixtureRequest) -> Callable[[str, str, str], None]:
    """Record one corpus case's outcome for the summary table."""

    def record(name: str, outcome: str, detail: str) -> None:
        request.node.user_properties.append(("corpus_outcome", (name, outcome, detail)))

    return record


@pytest.fixture
def corpus_measure(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Record a measurement (time, memory) for the summary."""

    def record(what: str, text: str) -> None:
        request.node.user_properties.append(("corpus_measure", (what, text)))

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == "corpus_outcome":
            name, outcome, detail = value
            _OUTCOMES[name] = (outcome, detail)
        elif key == "corpus_measure":
            what, text = value
            _MEASURES[what] = text


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES and not _MEASURES:
        return
    if not _OUTCOMES:
        terminalreporter.section("workbook corpus")
        for what, text in _MEASURES.items():
            terminalreporter.write_line(f"{what}: {text}")
        return
    counts = {k: sum(1 for o, _ in _OUTCOMES.values() if o == k) for k in _LABELS}
    tr = terminalreporter
    tr.section("workbook corpus")
    tr.write_line(f"corpus: {len(_OUTCOMES)} workbooks, {counts['error']} errors as expected, "
                  f"{counts['warning']} warned coercions, {counts['accepted']} accepted as is")
    width = max(len(n) for n in _OUTCOMES)
    for name, (outcome, detail) in _OUTCOMES.items():
        tr.write_line(f"  {name:<{width}}  {_LABELS.get(outcome, outcome):<18}  {detail}")
    for what, text in _MEASURES.items():
        tr.write_line(f"{what}: {text}")

"""Every corpus workbook gives its expected outcome, through the library, the CLI and --annotate.

The table of outcomes is printed at the end of the run (tests/corpus/conftest.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus.cases import CASES, CHANGES_DATA, Case
from corpus.workbooks import build, save
from quota_opt.cli.app import app
from quota_opt.core.errors import Problem
from quota_opt.core.scenario import ROW, Scenario
from quota_opt.input.validate import ValidationReport
from quota_opt.prepare import validate_workbook

FILE_LEVEL = {"file_not_found", "not_a_file", "unsupported_format", "corrupt_file", "encrypted_file", "ole_file",
              "empty_file", "unreadable_file", "not_regular_file", "lock_file", "strict_open_xml"}


def test_corpus_is_large_and_varied() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40
    assert {c.outcome for c in CASES} == {"error", "warning", "accepted"}


@pytest.fixture(scope="module")
def base_scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    report = validate_workbook(save(build(), tmp_path_factory.mktemp("base") / "base.xlsx"))
    assert report.ok and not report.problems, report.messages("en")
    assert report.scenario is not None
    return report.scenario


def same_data(a: Scenario, b: Scenario) -> None:
    assert a.settings == b.settings
    for key in Scenario.TABLES:
        pd.testing.assert_frame_equal(a.table(key).drop(columns=[ROW]), b.table(key).drop(columns=[ROW]))


def _matching(report: ValidationReport, case: Case) -> list[Problem]:
    def fits(p: Problem) -> bool:
        w = p.where
        return (p.code == case.code and (case.sheet is None or w.sheet == case.sheet)
                and (case.row is None or w.row == case.row) and (case.column is None or w.column == case.column)
                and (case.cell is None or w.cell == case.cell))

    return [p for p in report.problems if fits(p)]


def _check_message(p: Problem, case: Case, path: Path) -> None:
    en, zh = p.message("en"), p.message("zh")
    if case.code in FILE_LEVEL:
        assert str(path) in en and str(path) in zh
    if case.sheet:
        assert case.sheet in en and case.sheet in zh
    if case.row is not None:
        assert f"row {case.row}" in en and f"第{case.row}行" in zh
    if case.column:
        assert case.column in en and case.column in zh
    if case.cell:
        assert f"cell {case.cell}" in en and f"单元格 {case.cell}" in zh
    if case.en:
        assert re.search(case.en, en), en
    if case.zh:
        assert re.search(case.zh, zh), zh


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# every case in make test; every tenth in the edit-test loop (make test-fast), a sample across the corpus
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=() if i % 10 == 0 else pytest.mark.slow)
                                  for i, c in enumerate(CASES)])
def test_corpus_case(runner: CliRunner, case: Case, tmp_path: Path, base_scenario: Scenario,
                     corpus_record: Callable[[str, str, str], None]) -> None:
    path = case.build(tmp_path)
    before = _digest(path)
    report = validate_workbook(path)
    found = _matching(report, case) if case.code else []
    if case.outcome == "error":
        assert not report.ok
        assert found and all(p.is_error for p in found), report.messages("en")
        _check_message(found[0], case, path)
    elif case.outcome == "warning":
        assert report.ok, report.messages("en")
        assert found and not any(p.is_error for p in found), report.messages("en")
        _check_message(found[0], case, path)
    else:
        assert report.ok and not report.problems, report.messages("en")
    if case.outcome != "error":
        assert report.scenario is not None
        if case.check is not None:
            assert case.check(report.scenario) is not False
        if case.outcome == "accepted" and case.name not in CHANGES_DATA:
            same_data(report.scenario, base_scenario)

    for lang in ("zh", "en"):
        args = ["validate", str(path), "--lang", lang]
        annotated = tmp_path / f"annotated_{lang}.xlsx"
        if report.problems:
            args += ["--annotate", str(annotated)]
        result = runner.invoke(app, args)
        assert result.exit_code == (1 if case.outcome == "error" else 0), result.output
        assert "Traceback" not in result.output
        if found:
            assert found[0].message(lang) in result.output
        if case.code in FILE_LEVEL:  # nothing to mark the problem on: said, not attempted
            assert not annotated.exists()
            assert ("the file itself cannot be read" if lang == "en" else "文件本身无法读取") in result.output
        elif "--annotate" in args:
            assert annotated.is_file()
    assert _digest(path) == before, "the input workbook must never change"

    detail = f"{found[0].code}: {found[0].message('en')}" if found else "read as the base scenario"
    corpus_record(case.name, case.outcome, detail if len(detail) <= 110 else detail[:109] + "…")

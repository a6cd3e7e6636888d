"""The library API's workbook half, which needs no solver: a workbook in (a path, or the bytes of an upload with
the `name` to show), checked (`validate`, `load`), and the workbooks the product writes from nothing (`template`,
`generate`, as a `Book`).

`quota_opt.api` re-exports every name here beside the functions that solve; it is its own module so that what
only reads or writes a workbook (`quota-opt validate`, `template`, `generate`) does not wait for the solver
stack (Pyomo, HiGHS: about 0.8 s of imports) to load.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from quota_opt.core.errors import InputError, Problem
from quota_opt.core.files import Kind, Read
from quota_opt.core.messages import check_lang, severity_word
from quota_opt.core.scenario import Scenario
from quota_opt.input.read import FILE_PROBLEMS, open_workbook
from quota_opt.input.validate import ValidationReport, is_results_sheets
from quota_opt.input.variants import apply_variant
from quota_opt.output.annotate import annotate_workbook
from quota_opt.output.excel import save_results
from quota_opt.output.template import scenario_workbook
from quota_opt.prepare import validate_workbook
from quota_opt.studies.generate import generate_scenario

Source = str | Path | bytes
"""A workbook: its path, or its bytes (an upload), shown under the `name` given beside it."""

Warn = Callable[[list[Problem]], None]
"""Called with warnings as they are found, before the work that follows (the CLI prints them then): each
workbook's warnings once it is read, and the warning that a scenario is not the one results were computed from."""


# --------------------------------------------------------------------------------------------
# Workbooks in and out
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    path: Path  # the file read
    shown: Path  # the name it is shown under (the upload's name, or the path itself)


@contextmanager
def _on_disk(source: Source, name: str | None = None) -> Iterator[_File]:
    """A workbook as a file to read: a path as it is; bytes in a private temporary folder, named by their hash
    (never by `name`, which only says how to show it)."""
    if not isinstance(source, bytes | bytearray):
        path = Path(source)
        yield _File(path, Path(name) if name else path)
        return
    with tempfile.TemporaryDirectory(prefix="quota-opt-") as folder:
        path = Path(folder) / f"{hashlib.sha256(source).hexdigest()[:32]}.xlsx"
        path.write_bytes(bytes(source))
        yield _File(path, Path(Path(name).name if name else "workbook.xlsx"))


def _shown(problems: list[Problem], file: _File) -> list[Problem]:
    """The problems with the file read named as it is shown (a file problem quotes its path)."""
    if file.path == file.shown:
        return problems
    read, shown = str(file.path), str(file.shown)
    return [replace(p, params={k: shown if v == read else v for k, v in p.params.items()}) for p in problems]


def _bytes_of(save: Callable[[Path], Any]) -> bytes:
    """What `save(path)` writes, as bytes (written to a private temporary folder, read back, removed)."""
    with tempfile.TemporaryDirectory(prefix="quota-opt-") as folder:
        path = Path(folder) / "out.xlsx"
        save(path)
        return path.read_bytes()


@dataclass
class Book:
    """A workbook to write, built when asked: the template, a generated or rolled-over scenario."""
    build: Callable[[], Any]  # () -> openpyxl Workbook
    what: tuple[str, str]  # how `save_results` says where it went when the path cannot be written
    protect: tuple[Path | Read, ...] = ()

    def write(self, path: str | Path, *, force: bool = False) -> Path:
        """Write to `path` through the write guard (`core.files`): a temporary file renamed into place, never over
        a `protect`ed input, over an existing file only when it is a scenario workbook the product wrote (or
        `force`). Returns the path written; when it cannot be written there, saves under a fallback name and
        raises `files.NotWritten`."""
        return save_results(self.build(), path, Kind.SCENARIO, list(self.protect), force=force, what=self.what)

    def to_bytes(self) -> bytes:
        return _bytes_of(self.write)


# --------------------------------------------------------------------------------------------
# Validate
# --------------------------------------------------------------------------------------------


@dataclass
class Validation:
    """A workbook checked: every problem (errors, then warnings in reading order), the scenario when it has no
    errors, and the workbook itself, to mark the problems on (`annotated`)."""
    report: ValidationReport
    data: bytes
    name: str
    path: Path | None = None  # the file read, when given as a path

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def problems(self) -> list[Problem]:
        return self.report.problems

    @property
    def errors(self) -> list[Problem]:
        return self.report.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.report.warnings

    @property
    def scenario(self) -> Scenario | None:
        return self.report.scenario

    @property
    def readable(self) -> bool:
        """False when the file itself could not be read as a workbook (nothing to mark a problem on)."""
        return not any(p.code in FILE_PROBLEMS for p in self.problems)

    def messages(self, lang: str = "zh") -> list[str]:
        """Each problem in the words the CLI prints it (sheet, row, column, cell, expected and found)."""
        return self.report.messages(lang)

    def rows(self, lang: str = "zh") -> list[dict[str, Any]]:
        """One row per problem for a table: severity (error or warning), its word, sheet, row, cell, message."""
        return [{"severity": p.severity.value, "severity_word": severity_word(p, lang),
                 "sheet": p.where.sheet_name or p.where.sheet or "", "row": p.where.row, "cell": p.where.cell or "",
                 "message": p.message(lang)} for p in self.problems]

    def annotated(self, path: str | Path, lang: str = "zh", *, force: bool = False) -> Path:
        """Write a copy of the workbook with every problem marked on its cell (`output.annotate`), through the
        write guard: never over the workbook read, over an existing file only when it is an annotated copy the
        product wrote (or `force`)."""
        if self.path is not None:
            return annotate_workbook(self.path, self.problems, path, lang, force=force)
        with _on_disk(self.data, self.name) as file:
            return annotate_workbook(file.path, self.problems, path, lang, force=force)

    def annotated_bytes(self, lang: str = "zh") -> bytes:
        return _bytes_of(lambda path: self.annotated(path, lang))


def validate(source: Source, *, name: str | None = None,
             progress: Callable[[int], None] | None = None) -> Validation:
    """Read and check a scenario workbook; never raises for anything in the file itself.

    `progress(rows)` is called every 1,000 rows read (as the CLI's reading line). Returns a `Validation`."""
    path = None if isinstance(source, bytes | bytearray) else Path(source)
    with _on_disk(source, name) as file:
        data = b""
        with suppress(OSError):  # no such file, a folder: the report says so
            data = file.path.read_bytes() if path is not None else bytes(source)  # type: ignore[arg-type]
        report = validate_workbook(file.path, progress=progress)
    report.problems = _shown(report.problems, file)
    report.path = file.shown
    if report.scenario is not None:
        report.scenario.source_path = file.shown
        report.scenario.warnings = report.warnings
    return Validation(report, data, file.shown.name, path)


def load(source: Source | Scenario, *, name: str | None = None, variant: str | None = None,
         warn: Warn | None = None, reading: Callable[[int], None] | None = None) -> Scenario:
    """A validated scenario (its warnings in `scenario.warnings`, and given to `warn`), with `variant` applied
    when given; `reading(rows)` as `validate`'s progress. Raises `InputError` with every problem when the workbook
    has errors, or for a variant it does not have."""
    return _load(source, name=name, variant=variant, warn=warn, reading=reading)[0]


def _load(source: Source | Scenario, *, name: str | None = None, variant: str | None = None,
          warn: Warn | None = None, reading: Callable[[int], None] | None = None) -> tuple[Scenario, Any]:
    """`load`, and the scenario's prepared data that its validation made (None for a `Scenario` given, or with a
    variant, which changes the data): `run` hands it to the pipeline, so that a run prepares once."""
    prepared = None
    if isinstance(source, Scenario):
        scenario = source
    else:
        checked = validate(source, name=name, progress=reading)
        if not checked.ok or checked.scenario is None:
            raise InputError(checked.problems)
        scenario, prepared = checked.scenario, checked.report.prepared
        if warn is not None and checked.warnings:
            warn(checked.warnings)
    if variant:
        scenario, prepared = apply_variant(scenario, variant), None
    return scenario, prepared


def is_results_workbook(source: Source) -> bool:
    """True when the workbook looks like a results workbook (it has the summary or the allocation sheet)."""
    with _on_disk(source) as file:
        try:
            wb = open_workbook(file.path, file.path.read_bytes())
        except (InputError, OSError):  # no workbook: the reader it goes to says why
            return False
    names = list(wb.sheetnames)
    wb.close()
    return is_results_sheets(names)


# --------------------------------------------------------------------------------------------
# The template, generated scenarios
# --------------------------------------------------------------------------------------------


def template(lang: str = "zh") -> Book:
    """The blank, ready-to-fill scenario workbook (drop-downs, units, help), as `quota-opt template`."""
    check_lang(lang)
    return Book(lambda: scenario_workbook(None, lang), ("模板已另存为", "the template was saved to"))


GENERATED_NOTE = {"zh": "生成的示例数据（虚构），仅用于试算和性能测试。",
                  "en": "Generated illustrative data, for trials and benchmarks only."}


def generate(projects: int = 120, districts: int = 13, years: int = 3, seed: int = 1, base_year: int = 2026,
             lang: str = "zh") -> Book:
    """A valid synthetic scenario of any size (illustrative data), as `quota-opt generate`: the same arguments
    always give the same workbook."""
    scenario = generate_scenario(projects=projects, districts=districts, years=years, seed=seed,
                                 base_year=base_year, lang=lang)
    return Book(lambda: scenario_workbook(scenario, lang, GENERATED_NOTE[lang]),
                ("方案已另存为", "the scenario was saved to"))

"""The corpus: broken and awkward workbooks, each built in a temporary folder, each with its expected outcome.

Outcomes:
- "error": the report has an error with this code at this sheet / row / column (cell), and the
  message says so in both languages;
- "warning": a documented coercion or notice — no errors, the warning at its place, and the value
  read is checked;
- "accepted": read as is, no problem at all, the same data as the base workbook.

Each builder's docstring says what an official did. Row numbers are Excel's (tests/corpus/workbooks.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from corpus.workbooks import (
    base_data,
    build,
    delete_column,
    find_column,
    patch_sheet_xml,
    save,
    set_cached_value,
    set_cell,
    set_raw_number,
    settings_row,
    sheet_of,
)
from quota_opt.core.scenario import Scenario
from quota_opt.core.schema import SHEETS_BY_KEY


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    outcome: str  # "error" | "warning" | "accepted"
    code: str | None = None
    sheet: str | None = None  # schema sheet key of the problem's location
    row: int | None = None
    column: str | None = None  # column key
    cell: str | None = None
    en: str | None = None  # regex the English message must contain
    zh: str | None = None  # regex the Chinese message must contain
    check: Callable[[Scenario], Any] | None = None  # for warnings/accepted: the data read
    description: str = ""


CASES: list[Case] = []


def case(outcome: str, code: str | None = None, **kw: Any) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def register(fn: Callable[[Path], Path]) -> Callable[[Path], Path]:
        doc = (fn.__doc__ or "").strip().splitlines()
        CASES.append(Case(fn.__name__, fn, outcome, code, description=doc[0] if doc else "", **kw))
        return fn

    return register


def _edited(tmp: Path, edits: list[tuple[str, int, str, Any]], lang: str = "en", data: dict[str, Any] | None = None,
            number_format: str | None = None) -> Path:
    wb = build(data, lang)
    for sheet, row, col, value in edits:
        set_cell(wb, sheet, row, col, value, number_format)
    return save(wb, tmp / "book.xlsx")


def _inline_text(path: Path, sheet: str, ref: str, text: str) -> Path:
    """Put `text` in cell `ref` as inline text, whatever its length (openpyxl cuts a text to 32,767 characters)."""
    def edit(xml: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
                         xml, count=1)
        assert n == 1, ref
        return new
    return patch_sheet_xml(path, sheet, edit)


def _project(sc: Scenario, pid: str, column: str) -> Any:
    return sc.projects.set_index("project_id").at[pid, column]


# ============================================================================================
# Errors in cells
# ============================================================================================


@case("error", "bad_value", sheet="projects", row=3, column="land_demand", cell="G3",
      en=r'expected a number ≥ 0\.01 \(in mu\), got "abc"\.$', zh=r'应为不小于0\.01的数（单位：亩），实际为 "abc"。$')
def text_in_number(tmp: Path) -> Path:
    """Text typed into a numeric cell."""
    return _edited(tmp, [("projects", 3, "land_demand", "abc")])


@case("error", "required_blank", sheet="projects", row=4, column="name", cell="B4",
      en=r"required: expected a non-blank text, got a blank cell\.$", zh=r"必填，应为非空文本，实际为空。$")
def blank_required(tmp: Path) -> Path:
    """A required cell left blank."""
    return _edited(tmp, [("projects", 4, "name", None)])


@case("error", "out_of_range", sheet="projects", row=2, column="land_demand", cell="G2",
      en=r"expected a number ≥ 0\.01 \(in mu\), got -5\.$")
def negative_land(tmp: Path) -> Path:
    """A negative land demand."""
    return _edited(tmp, [("projects", 2, "land_demand", -5)])


@case("error", "out_of_range", sheet="projects", row=5, column="land_demand", cell="G5",
      en=r"expected a number ≥ 0\.01 \(in mu\), got 0\.$")
def zero_land(tmp: Path) -> Path:
    """A land demand of zero."""
    return _edited(tmp, [("projects", 5, "land_demand", 0)])


@case("error", "out_of_range", sheet="projects", row=2, column="land_demand", cell="G2",
      en=r"expected a number ≥ 0\.01 \(in mu\), got 1e-12\.$", zh=r"应为不小于0\.01的数（单位：亩），实际为 1e-12。")
def tiny_land(tmp: Path) -> Path:
    """A land demand of 0.000000000001 mu (a unit conversion gone wrong): it passed the reader (> 0), then HiGHS
    refused the model (a coefficient below its small_matrix_value, 1e-9), exit 2 with no cell named. A land demand
    is at least 0.01 mu (schema.MIN_MU, about 6.7 m²)."""
    return _edited(tmp, [("projects", 2, "land_demand", 1e-12)])


@case("error", "out_of_range", sheet="projects", row=3, column="energy_demand", cell="K3",
      en=r"expected 0 or a number ≥ 0\.01 \(in tce/yr\), got 1e-12\.$", zh=r"应为0或不小于0\.01的数（单位：吨标准煤/年），实际为 1e-12。")
def tiny_energy(tmp: Path) -> Path:
    """An energy demand of 0.000000000001 tce: as tiny_land, HiGHS refused the model. 0 (no energy) stays valid;
    any other energy demand is at least 0.01 tce (schema.MIN_TCE)."""
    return _edited(tmp, [("projects", 3, "energy_demand", 1e-12)])


@case("error", "out_of_range", sheet="settings", row=settings_row("reward_ratio"), column="reward_ratio",
      cell=f"B{settings_row('reward_ratio')}",
      en=r"expected 0 or a number ≥ 0\.01 and ≤ 10, got 1e-12\.$", zh=r"应为0或不小于0\.01且不大于10的数")
def tiny_reward_ratio(tmp: Path) -> Path:
    """A stock-land reward ratio of 0.000000000001, the model's coefficient of stock land in the next year's
    quota: as tiny_land, HiGHS refused the model. 0 (no reward) stays valid, any other ratio is at least 0.01."""
    return _edited(tmp, [("settings", settings_row("reward_ratio"), "reward_ratio", 1e-12)])


@case("error", "out_of_range", sheet="projects", row=4, column="energy_demand", cell="K4",
      en=r"expected 0 or a number ≥ 0\.01 and ≤ 100,000,000 \(in tce/yr\), got 1e\+20\.$")
def huge_energy(tmp: Path) -> Path:
    """An energy demand of 1e20 tce: an error at its cell, not a solver failure (every number column has a
    maximum)."""
    return _edited(tmp, [("projects", 4, "energy_demand", 1e20)])


@case("error", "bad_value", sheet="projects", row=2, column="investment", cell="F2",
      en=r'expected a number > 0 \(in 100M yuan\), got "NaN"\.$')
def nan_as_text(tmp: Path) -> Path:
    """NaN pasted from another program."""
    return _edited(tmp, [("projects", 2, "investment", "NaN")])


@case("error", "bad_value", sheet="projects", row=3, column="annual_output", cell="I3",
      en=r"expected a number ≥ 0 \(in 10k yuan/yr\), got inf\.$")
def infinite_number(tmp: Path) -> Path:
    """A number cell holding 1E309 (infinite once read), as a generating tool might write."""
    path = _edited(tmp, [])
    return patch_sheet_xml(path, "projects", lambda xml: set_raw_number(xml, "I3", "1E309"))


@case("error", "out_of_range", sheet="projects", row=4, column="land_demand", cell="G4",
      en=r"expected a number ≥ 0\.01 and ≤ 1,000,000 \(in mu\), got 1000000000000\.$", zh=r"应为不小于0\.01且不大于1,000,000的数（单位：亩）")
def huge_value(tmp: Path) -> Path:
    """A land demand typed in square metres times a thousand."""
    return _edited(tmp, [("projects", 4, "land_demand", 1e12)])


@case("error", "excel_error", sheet="projects", row=4, column="annual_tax", cell="J4",
      en=r'got the Excel error "#DIV/0!"', zh=r"Excel 错误值")
def excel_error_value(tmp: Path) -> Path:
    """A formula that divided by zero, saved as the error value #DIV/0!."""
    return _edited(tmp, [("projects", 4, "annual_tax", "#DIV/0!")])


@case("error", "bad_value", sheet="projects", row=2, column="compliant", cell="L2",
      en=r'expected yes/no \(.*\), got "maybe"\.$')
def bad_yes_no(tmp: Path) -> Path:
    """A yes/no cell answered "maybe"."""
    return _edited(tmp, [("projects", 2, "compliant", "maybe")])


@case("error", "bad_value", sheet="settings", row=settings_row("misfit_policy"), column="misfit_policy", cell="B7",
      en=r'expected one of: district_only / exclude, got "sometimes"\.$')
def bad_choice(tmp: Path) -> Path:
    """A choice setting with a word not on the list."""
    return _edited(tmp, [("settings", settings_row("misfit_policy"), "misfit_policy", "sometimes")])


@case("error", "out_of_range", sheet="projects", row=3, column="earliest_year", cell="R3",
      en=r"expected a year from 1990 to 2100 \(e\.g\. 2026\), got 1850\.$")
def year_out_of_range(tmp: Path) -> Path:
    """A year from another century."""
    return _edited(tmp, [("projects", 3, "earliest_year", 1850)])


@case("error", "bad_value", sheet="settings", row=settings_row("horizon_years"), column="horizon_years", cell="B4",
      en=r"expected a whole number ≥ 1 and ≤ 10 \(in years\), got 2\.5\.$")
def fraction_in_whole_number(tmp: Path) -> Path:
    """A fractional planning horizon."""
    return _edited(tmp, [("settings", settings_row("horizon_years"), "horizon_years", 2.5)])


@case("error", "date_in_number", sheet="projects", row=3, column="land_demand", cell="G3",
      en=r"got the date 2026-03-01 \(the cell is formatted as a date; it holds the number 46082\)")
def date_in_number(tmp: Path) -> Path:
    """A date where a land demand belongs."""
    return _edited(tmp, [("projects", 3, "land_demand", dt.datetime(2026, 3, 1))])


@case("error", "bad_value", sheet="projects", row=5, column="project_id", cell="A5",
      en=r"expected an id \(text or a number\), got TRUE\.$")
def boolean_id(tmp: Path) -> Path:
    """TRUE typed as a project id."""
    return _edited(tmp, [("projects", 5, "project_id", True)])


@case("error", "bad_value", sheet="projects", row=2, column="investment", cell="F2",
      en=r'got "x{60}…\(10000\)"\.$')
def huge_string_in_number(tmp: Path) -> Path:
    """Ten thousand characters pasted into a numeric cell (the message shows the first 60)."""
    return _edited(tmp, [("projects", 2, "investment", "x" * 10_000)])


@case("error", "out_of_range", sheet="platforms", row=3, column="evaluation_score", cell="E3",
      en=r"expected a number ≥ 0 and ≤ 100 \(in points\), got 130\.$")
def score_above_100(tmp: Path) -> Path:
    """A platform score above 100."""
    return _edited(tmp, [("platforms", 3, "evaluation_score", 130)])


@case("error", "out_of_range", sheet="districts", row=2, column="stock_land_initial", cell="C2",
      en=r"expected a number ≥ 0 \(in mu\), got -40\.$")
def negative_stock_land(tmp: Path) -> Path:
    """A negative stock of land."""
    return _edited(tmp, [("districts", 2, "stock_land_initial", -40)])


# ============================================================================================
# Errors in structure: columns, headers, merges, formulas, sheets
# ============================================================================================


@case("error", "missing_column", sheet="projects", row=1, en=r'the required column "land_demand" \(Land demand\) is missing')
def missing_required_column(tmp: Path) -> Path:
    """The land demand column deleted."""
    wb = build()
    delete_column(wb, "projects", "land_demand")
    return save(wb, tmp / "book.xlsx")


@case("error", "duplicate_column", sheet="projects", row=1, column="land_demand", cell="T1",
      en=r'header "land_demand" names the same column as column G \("land_demand"\)')
def duplicate_header(tmp: Path) -> Path:
    """The land demand column pasted twice."""
    wb = build()
    ws = sheet_of(wb, "projects")
    for row in range(1, 6):
        ws.cell(row=row, column=20, value=ws.cell(row=row, column=7).value)
    return save(wb, tmp / "book.xlsx")


@case("error", "merged_cell", sheet="projects", row=3, column="annual_output", cell="I3",
      en=r"is inside merged cells I3:J3")
def merged_across_columns(tmp: Path) -> Path:
    """Output and tax merged into one cell."""
    wb = build()
    sheet_of(wb, "projects").merge_cells("I3:J3")
    return save(wb, tmp / "book.xlsx")


@case("error", "merged_header", sheet="projects", row=1, column="project_id", en=r"merged cells A1:A2 span the header row")
def merged_into_header(tmp: Path) -> Path:
    """The header cell merged with the first record below it."""
    wb = build()
    sheet_of(wb, "projects").merge_cells("A1:A2")
    return save(wb, tmp / "book.xlsx")


@case("error", "merged_cell", sheet="settings", row=3, column="base_year", cell="B3", en=r"merged cells B3:B4")
def merged_settings_values(tmp: Path) -> Path:
    """Two settings values merged into one cell."""
    wb = build()
    sheet_of(wb, "settings").merge_cells("B3:B4")
    return save(wb, tmp / "book.xlsx")


@case("error", "formula_no_value", sheet="projects", row=3, column="investment", cell="F3",
      en=r"formula without a computed value .* Open it in Excel \(or WPS\) and save it",
      zh=r"请在 Excel 或 WPS 中打开并保存后重试")
def formula_without_cached_value(tmp: Path) -> Path:
    """A formula written by a program that does not calculate (openpyxl, pandas)."""
    return _edited(tmp, [("projects", 3, "investment", "=2+3")])


@case("error", "no_header", sheet="districts", row=1, en=r"no header row in the first 10 rows")
def unrecognisable_header(tmp: Path) -> Path:
    """A districts sheet whose header was overwritten with other words."""
    wb = build()
    ws = sheet_of(wb, "districts")
    for i, text in enumerate(("编号", "名字", "面积"), start=1):
        ws.cell(row=1, column=i, value=text)
    return save(wb, tmp / "book.xlsx")


@case("error", "empty_sheet", sheet="projects", en=r"the sheet is empty\. Row 1 should hold the column names")
def blank_required_sheet(tmp: Path) -> Path:
    """The projects sheet present but blank."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws.delete_rows(1, ws.max_row)
    return save(wb, tmp / "book.xlsx")


@case("error", "no_records", sheet="projects", row=1, en=r"the sheet has no data rows")
def header_only_projects(tmp: Path) -> Path:
    """The projects sheet with its header but no project."""
    data = base_data()
    data["projects"] = []
    return save(build(data), tmp / "book.xlsx")


@case("error", "missing_sheet", sheet="chains", en=r'the sheet is missing\. Add a sheet named "chains" or "产业链"')
def missing_sheet(tmp: Path) -> Path:
    """The chains sheet deleted."""
    wb = build()
    del wb["chains"]
    return save(wb, tmp / "book.xlsx")


@case("error", "duplicate_sheet", sheet="projects", en=r'sheet "projects" stands for the same table \(projects\)')
def duplicate_sheet(tmp: Path) -> Path:
    """A copy of the projects sheet under its Chinese name."""
    wb = build()
    copy = wb.copy_worksheet(sheet_of(wb, "projects"))
    copy.title = "项目"
    return save(wb, tmp / "book.xlsx")


@case("error", "empty_workbook", en=r'none of the scenario sheets \(sheets found: "Sheet"\)')
def empty_workbook(tmp: Path) -> Path:
    """A new, empty workbook."""
    return save(Workbook(), tmp / "empty.xlsx")


# ============================================================================================
# Errors across sheets
# ============================================================================================


@case("error", "duplicate_id", sheet="projects", row=4, column="project_id", cell="A4",
      en=r"project_id J1 appears twice \(first in row 2\)", zh=r"项目编号 J1 重复（第一次出现在第 2 行）")
def duplicate_project_id(tmp: Path) -> Path:
    """Two projects with the same id."""
    return _edited(tmp, [("projects", 4, "project_id", "J1")])


@case("error", "duplicate_id", sheet="projects", row=4, column="project_id", cell="A4",
      en=r"project_id J1 appears twice \(first in row 2\)", zh=r"项目编号 J1 重复")
def duplicate_id_behind_an_invisible_character(tmp: Path) -> Path:
    """Two projects whose ids differ only by a zero-width space (U+200B), as copying from a web page leaves."""
    return _edited(tmp, [("projects", 4, "project_id", "J1\u200b")])


@case("error", "confusable_id", sheet="projects", row=4, column="project_id", cell="A4",
      en=r'project_id Ј1 looks the same as project_id J1 \(row 2\) but is a different id: the "Ј" in this row is '
         r"Cyrillic", zh=r"看起来相同，但不是同一编号：本行的“Ј”是西里尔字母")
def look_alike_project_ids(tmp: Path) -> Path:
    """Two projects whose ids look the same: the second typed with a Cyrillic Ј (U+0408)."""
    return _edited(tmp, [("projects", 4, "project_id", "\u04081")])


@case("error", "confusable_id", sheet="districts", row=3, column="district_id", cell="A3",
      en=r'the "А" in this row is Cyrillic')
def look_alike_district_codes(tmp: Path) -> Path:
    """A second district coded with a Cyrillic А (its projects then point at one or the other)."""
    return _edited(tmp, [("districts", 3, "district_id", "\u0410")])


@case("error", "unknown_reference_look_alike", sheet="projects", row=5, column="platform_id", cell="D5",
      en=r'"РB" is not in the platforms sheet\. Did you mean PB\? The "Р" here is Cyrillic',
      zh=r"是否应为“PB”？此处的“Р”是西里尔字母")
def look_alike_reference(tmp: Path) -> Path:
    """A project's platform typed with a Cyrillic Р: the known platform it looks like is named."""
    return _edited(tmp, [("projects", 5, "platform_id", "\u0420B")])


@case("accepted")
def invisible_characters_in_references(tmp: Path) -> Path:
    """Ids carried zero-width and byte-order marks from a web page: the same ids once they are dropped."""
    return _edited(tmp, [("projects", 2, "district_id", "\ufeffA\u200d"), ("platforms", 2, "key_chains", "C1\u200b, C2")])


@case("warning", "variant_year_outside_horizon", sheet="variants", row=2, column="year", cell="F2",
      en=r'the year filter 2031 lies outside the horizon 2026–2027 \(settings base_year, horizon_years\): this row '
         r'of variant "tight" matches no year and changes nothing', zh=r"限定年度 2031 不在规划期 2026–2027 年内",
      check=lambda sc: sc.district_quotas["new_land_quota"].tolist() == [100.0, 80.0, 100.0, 80.0])
def variant_year_outside_horizon(tmp: Path) -> Path:
    """A variant halves district A's quota in 2031, a year the two-year horizon (2026–2027) does not have."""
    data = base_data()
    data["variants"] = [{"variant": "tight", "target": "district_quotas.new_land_quota", "operation": "scale",
                         "value": "0.5", "district_id": "A", "year": 2031}]
    return save(build(data), tmp / "book.xlsx")


@case("error", "too_long", sheet="projects", row=3, column="project_id", cell="A3",
      en=r'too long: 100000 characters where at most 64 are allowed \(the limit for an id\); it begins "JJJJ',
      zh=r"过长：100000 个字符，上限为 64 个字符（编号上限）")
def id_of_100000_characters(tmp: Path) -> Path:
    """A project id pasted 100,000 characters long (it was accepted, then cut to 32,767 in the results)."""
    return _inline_text(_edited(tmp, []), "projects", "A3", "J" * 100_000)


@case("error", "too_long", sheet="projects", row=4, column="name", cell="B4",
      en=r"too long: 40000 characters where at most 32767 are allowed \(Excel's limit for a cell: it would be cut")
def name_longer_than_a_cell_holds(tmp: Path) -> Path:
    """A project name longer than an Excel cell holds (a file written by a program, not by Excel)."""
    return _inline_text(_edited(tmp, []), "projects", "B4", "名" * 40_000)


@case("error", "too_long", sheet="platforms", row=2, column="key_chains", cell="D2",
      en=r"too long: 70 characters where at most 64")
def long_id_in_a_list(tmp: Path) -> Path:
    """One id of a platform's key-chain list is 70 characters long."""
    return _edited(tmp, [("platforms", 2, "key_chains", "C1, " + "C" * 70)])


@case("error", "reference_is_a_name", sheet="projects", row=5, column="district_id", cell="C5",
      en=r'"乙区" is the name of B in the districts sheet; this column takes its code: write B\.',
      zh=r"“乙区”是“区县”\(districts\)表中 B 的名称，此处应填代码：请改为 B。")
def district_name_for_its_code(tmp: Path) -> Path:
    """A project's district typed as its name (乙区) where the code (B) belongs."""
    return _edited(tmp, [("projects", 5, "district_id", "乙区")])


@case("error", "unknown_reference", sheet="projects", row=5, column="district_id", cell="C5",
      en=r'"Z" is not in the districts sheet \(known: A, B\)')
def unknown_district(tmp: Path) -> Path:
    """A project in a district that is not listed."""
    return _edited(tmp, [("projects", 5, "district_id", "Z")])


@case("error", "unknown_reference", sheet="platforms", row=2, column="key_chains", cell="D2",
      en=r'"C9" is not in the chains sheet')
def unknown_chain_in_list(tmp: Path) -> Path:
    """A platform's key-chain list naming a chain that is not listed."""
    return _edited(tmp, [("platforms", 2, "key_chains", "C1、C9")])


@case("error", "platform_district_mismatch", sheet="projects", row=5, column="platform_id", cell="D5",
      en=r"platform PA belongs to district A, not to the project's district B")
def platform_in_other_district(tmp: Path) -> Path:
    """A project placed on a platform of another district."""
    return _edited(tmp, [("projects", 5, "platform_id", "PA")])


@case("error", "quota_missing", sheet="district_quotas", en=r"no quota row for district B in 2027")
def quota_row_missing(tmp: Path) -> Path:
    """One district-year of quotas forgotten."""
    data = base_data()
    data["district_quotas"] = data["district_quotas"][:3]
    return save(build(data), tmp / "book.xlsx")


@case("error", "window_inverted", sheet="projects", row=2, column="earliest_year", cell="R2",
      en=r"earliest year 2027 is after latest year 2026")
def window_inverted(tmp: Path) -> Path:
    """Earliest and latest supply years swapped."""
    return _edited(tmp, [("projects", 2, "earliest_year", 2027), ("projects", 2, "latest_year", 2026)])


@case("warning", "window_past_horizon", sheet="projects", row=3, column="latest_year", cell="S3",
      en=r"latest year 2020 is before the horizon's first year 2026 \(settings: base_year\): the project cannot be "
         r"scheduled in this plan", zh=r"最晚供地年度 2020 早于规划期第一年 2026（参数表：基准年度）",
      check=lambda sc: _project(sc, "J2", "latest_year") == 2020)
def window_ends_before_the_base_year(tmp: Path) -> Path:
    """A latest supply year typed as 2020 (meant 2026), the earliest left blank: the mistake is the latest year's
    cell, S3, and the message names no earliest year, which nobody typed (it said "earliest year 2026")."""
    return _edited(tmp, [("projects", 3, "latest_year", 2020)])


@case("warning", "window_past_horizon", sheet="projects", row=3, column="earliest_year", cell="R3",
      en=r"earliest year 2030 is after the horizon's last year 2027 \(settings: base_year 2026 \+ horizon_years 2 − 1\)",
      zh=r"最早供地年度 2030 晚于规划期最后一年 2027（参数表：基准年度 2026 \+ 规划年数 2 − 1）",
      check=lambda sc: _project(sc, "J2", "earliest_year") == 2030)
def window_starts_after_the_horizon(tmp: Path) -> Path:
    """An earliest supply year of 2030 with the latest left blank: it was refused as "after latest year 2027", a
    year the user never typed; it is after the horizon's last year, which the settings set."""
    return _edited(tmp, [("projects", 3, "earliest_year", 2030)])


@case("error", "weights_all_zero", sheet="settings", row=settings_row("w_investment"), cell="B9",
      en=r"the five weights .* cannot all be 0")
def weights_all_zero(tmp: Path) -> Path:
    """Every objective weight set to zero."""
    edits = [("settings", settings_row(k), k, 0) for k in ("w_investment", "w_output_per_mu", "w_tax_per_mu",
                                                           "w_energy_efficiency", "w_platform_score")]
    return _edited(tmp, edits)


@case("error", "missing_setting", sheet="settings", column="base_year",
      en=r'base_year \(Base year\): the parameter is missing\. Add a row with "base_year" in column A')
def base_year_missing(tmp: Path) -> Path:
    """The base year row deleted from the settings."""
    data = base_data()
    del data["settings"]["base_year"]
    return save(build(data), tmp / "book.xlsx")


@case("error", "conflicting_setting", sheet="settings", row=14, column="base_year", cell="B14",
      en=r'parameter "base_year" appears again with a different value \(first in row 3\)')
def conflicting_settings(tmp: Path) -> Path:
    """The base year given twice with different values."""
    wb = build()
    sheet_of(wb, "settings").append(["base_year", 2027])
    return save(wb, tmp / "book.xlsx")


@case("error", "actual_land_mismatch", sheet="actuals", row=2, column="land_district_quota", cell="C2",
      en=r"the sources add up to 10 mu, not project J2's land demand of 30 mu")
def actual_land_mismatch(tmp: Path) -> Path:
    """Last year's supply of a project recorded with the wrong area."""
    data = base_data()
    data["actuals"] = [{"project_id": "J2", "year": 2025, "land_district_quota": 10, "energy_district": 200}]
    return save(build(data), tmp / "book.xlsx")


@case("error", "mandatory_ineligible", sheet="projects", row=3, column="mandatory", cell="Q3",
      en=r"mandatory project is not eligible")
def mandatory_not_compliant(tmp: Path) -> Path:
    """A must-supply project that is not compliant."""
    return _edited(tmp, [("projects", 3, "compliant", "no"), ("projects", 3, "mandatory", "yes")])


# ============================================================================================
# Errors about the file itself
# ============================================================================================

OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@case("error", "unsupported_format", en=r"is a Excel 97-2003 \(\.xls\) file; only Excel \.xlsx workbooks are read")
def old_xls_file(tmp: Path) -> Path:
    """An Excel 97-2003 .xls file."""
    path = tmp / "scenario.xls"
    path.write_bytes(OLE_HEADER + "Workbook".encode("utf-16-le") + b"\x00" * 1000)
    return path


@case("error", "unsupported_format", en=r"is a text/CSV file", zh=r"是 文本/CSV 文件，本工具只读取")
def csv_file(tmp: Path) -> Path:
    """The projects exported as CSV."""
    path = tmp / "projects.csv"
    path.write_text("project_id,name,land_demand\nJ1,项目一,60\n", encoding="utf-8")
    return path


@case("error", "unsupported_format", en=r"is a OpenDocument \(\.ods\) file")
def ods_file(tmp: Path) -> Path:
    """A LibreOffice .ods spreadsheet."""
    path = tmp / "scenario.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return path


@case("error", "unsupported_format", en=r"is a XML Spreadsheet 2003 \(Excel 2003's XML format\) file; only Excel "
      r"\.xlsx workbooks are read\. Save it as \.xlsx", zh=r"是 XML 电子表格 2003（Excel 2003 的 XML 格式） 文件")
def xml_spreadsheet_2003(tmp: Path) -> Path:
    """A workbook saved by Excel as "XML Spreadsheet 2003" (SpreadsheetML), with an .xls name (it was called HTML)."""
    path = tmp / "scenario.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="projects"><Table>'
                    '<Row><Cell><Data ss:Type="String">project_id</Data></Cell></Row></Table></Worksheet></Workbook>',
                    encoding="utf-8")
    return path


@case("error", "strict_open_xml", en=r'is saved as a "Strict Open XML Spreadsheet", whose sheets this tool \(like many '
      r'programs\) cannot read\. Open it in Excel, choose Save As, pick the type "Excel Workbook \(\*\.xlsx\)"',
      zh=r"“另存为”并将保存类型选为“Excel 工作簿\(\*\.xlsx\)”")
def strict_open_xml(tmp: Path) -> Path:
    """A workbook saved by Excel as "Strict Open XML Spreadsheet": its parts use the ISO namespaces, and it was
    reported as holding none of the scenario sheets (sheets found: —)."""
    path = save(build(), tmp / "strict.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".xml") or item.filename.endswith(".rels"):
                data = data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                    b"http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
                    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            dst.writestr(item, data)
    path.write_bytes(buffer.getvalue())
    return path


@case("error", "unsupported_format", en=r"is a HTML \(a web page saved with an Excel name\) file",
      zh=r"是 网页（HTML，以 Excel 文件名保存） 文件")
def html_saved_as_xls(tmp: Path) -> Path:
    """A web page exported by an office system with an .xls name."""
    path = tmp / "export.xls"
    path.write_text("<html><body><table><tr><td>project_id</td></tr></table></body></html>", encoding="utf-8")
    return path


@case("error", "corrupt_file", en=r"cannot be opened as an \.xlsx workbook \(damaged or not an Excel file\)")
def truncated_file(tmp: Path) -> Path:
    """A workbook cut short by an interrupted copy."""
    buffer = io.BytesIO()
    build().save(buffer)
    path = tmp / "cut.xlsx"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


@case("error", "corrupt_file", en=r"\(damaged or not an Excel file\): not a zip container\.",
      zh=r"（文件损坏或不是 Excel 文件）：不是 zip 压缩包")
def zip_signature_but_no_zip(tmp: Path) -> Path:
    """A file that starts like a zip (and so like an .xlsx) but is not one: the reason is said in each language."""
    path = tmp / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"not really a zip" * 8)
    return path


@case("error", "encrypted_file", en=r"is password-protected and cannot be read\. Remove the password")
def password_protected(tmp: Path) -> Path:
    """A workbook saved with an opening password (an OLE2 container with an encrypted package)."""
    path = tmp / "secret.xlsx"
    path.write_bytes(OLE_HEADER + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
                     + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1000)
    return path


@case("error", "ole_file", en=r"is either password-protected or an old Excel 97-2003 \(\.xls\) file renamed")
def ole_file_named_xlsx(tmp: Path) -> Path:
    """An OLE2 file with an .xlsx name (an encrypted workbook or a renamed .xls)."""
    path = tmp / "book.xlsx"
    path.write_bytes(OLE_HEADER + b"\x00" * 1000)
    return path


@case("error", "lock_file", en=r"~\$plan\.xlsx is the lock file Excel makes beside an open workbook, not the workbook "
      r"itself\. Use .*plan\.xlsx\.", zh=r"是 Excel 打开工作簿时生成的锁定文件")
def excel_lock_file(tmp: Path) -> Path:
    """Excel's owner file "~$plan.xlsx" (165 bytes: the user's name), picked instead of plan.xlsx beside it: it was
    "damaged or not an Excel file"."""
    path = tmp / "~$plan.xlsx"
    user = "zhangsan"
    owner = bytes([len(user)]) + user.encode("ascii").ljust(53) + bytes([len(user), 0]) + user.encode("utf-16-le")
    path.write_bytes(owner.ljust(165, b"\x00"))
    return path


@case("error", "empty_file", en=r"is empty \(0 bytes\)")
def zero_byte_file(tmp: Path) -> Path:
    """A file of zero bytes."""
    path = tmp / "zero.xlsx"
    path.write_bytes(b"")
    return path


@case("error", "file_not_found", en=r"does not exist\. Check the path")
def file_does_not_exist(tmp: Path) -> Path:
    """A path with a typo."""
    return tmp / "no-such-file.xlsx"


@case("error", "not_a_file", en=r"is a directory, not a workbook file")
def directory_instead_of_file(tmp: Path) -> Path:
    """A folder given instead of a file."""
    path = tmp / "folder.xlsx"
    path.mkdir()
    return path


# ============================================================================================
# Warned coercions and notices (no errors; the value read is checked)
# ============================================================================================


def _land(pid: str, expected: float) -> Callable[[Scenario], None]:
    def check(sc: Scenario) -> None:
        assert _project(sc, pid, "land_demand") == expected

    return check


@case("warning", "coerced_number", sheet="projects", row=2, column="land_demand", cell="G2",
      en=r'read "６０" as the number 60', check=_land("J1", 60.0))
def fullwidth_digits(tmp: Path) -> Path:
    """A number typed with full-width digits (a Chinese input method)."""
    return _edited(tmp, [("projects", 2, "land_demand", "６０")])


@case("warning", "coerced_number", sheet="projects", row=2, column="annual_output", cell="I2",
      en=r'read "12,000" as the number 12000', check=lambda sc: _project(sc, "J1", "annual_output") == 12000.0)
def thousands_separator(tmp: Path) -> Path:
    """A number typed with a thousands separator, stored as text."""
    return _edited(tmp, [("projects", 2, "annual_output", "12,000")])


@case("warning", "coerced_number", sheet="projects", row=3, column="land_demand", cell="G3",
      en=r'read "30亩" as the number 30', zh=r'将 "30亩" 读作数字 30', check=_land("J2", 30.0))
def unit_after_number(tmp: Path) -> Path:
    """A land demand typed with its unit."""
    return _edited(tmp, [("projects", 3, "land_demand", "30亩")])


@case("warning", "coerced_number", sheet="projects", row=4, column="investment", cell="F4",
      en=r'read "20 亿元" as the number 20', check=lambda sc: _project(sc, "J3", "investment") == 20.0)
def money_with_unit(tmp: Path) -> Path:
    """An investment typed with 亿元 after it."""
    return _edited(tmp, [("projects", 4, "investment", "20 亿元")])


@case("warning", "coerced_number", sheet="settings", row=settings_row("deferral_discount"), column="deferral_discount",
      cell="B5", en=r'read "90%" as the number 0\.9', check=lambda sc: sc.settings.deferral_discount == 0.9)
def percent_text(tmp: Path) -> Path:
    """A share typed as a percentage."""
    return _edited(tmp, [("settings", settings_row("deferral_discount"), "deferral_discount", "90%")])


@case("warning", "coerced_number", sheet="city_quotas", row=3, column="year", cell="A3",
      en=r'read "2027年" as the number 2027', check=lambda sc: sorted(sc.city_quotas["year"]) == [2026, 2027])
def year_with_unit(tmp: Path) -> Path:
    """A year typed as 2027年."""
    return _edited(tmp, [("city_quotas", 3, "year", "2027年")])


@case("warning", "coerced_year", sheet="projects", row=5, column="earliest_year", cell="R5",
      en=r"the cell holds the date 2027-03-01; read as the year 2027",
      check=lambda sc: _project(sc, "J4", "earliest_year") == 2027)
def date_in_year_column(tmp: Path) -> Path:
    """A full date where a year belongs."""
    return _edited(tmp, [("projects", 5, "earliest_year", dt.datetime(2027, 3, 1))])


@case("warning", "coerced_year", sheet="projects", row=2, column="latest_year", cell="S2",
      en=r"the cell holds the date 1905-07-19; read as the year 2027",
      check=lambda sc: _project(sc, "J1", "latest_year") == 2027)
def year_in_date_formatted_cell(tmp: Path) -> Path:
    """2027 typed into a cell formatted as a date (Excel shows 1905-07-19)."""
    return _edited(tmp, [("projects", 2, "latest_year", 2027)], number_format="yyyy-mm-dd")


@case("warning", "totals_row_skipped", sheet="projects", row=6, en=r'looks like a totals row \("合计"\); skipped',
      check=lambda sc: len(sc.projects) == 4)
def totals_row(tmp: Path) -> Path:
    """A 合计 row under the projects."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws.append(["合计", None, None, None, None, 40, 160])
    return save(wb, tmp / "book.xlsx")


@case("warning", "footnote_row_skipped", sheet="projects", row=7,
      en=r'looks like a note under the table \("注：数据来源：各区县上报，截至2025年底，金额单位为亿元。"\), not a record; skipped',
      zh=r"看起来是表下的注释行", check=lambda sc: len(sc.projects) == 4)
def footnote_row(tmp: Path) -> Path:
    """A note under the projects, after a blank row, as official sheets carry (it was read as a project, 9 errors)."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws.append([])
    ws.append(["注：数据来源：各区县上报，截至2025年底，金额单位为亿元。"])
    return save(wb, tmp / "book.xlsx")


@case("warning", "footnote_row_skipped", sheet="district_quotas", row=6, en=r'\("Note: figures are provisional"\)',
      check=lambda sc: len(sc.district_quotas) == 4)
def footnote_row_in_english(tmp: Path) -> Path:
    """An English note, in the second column, under the quotas."""
    wb = build()
    sheet_of(wb, "district_quotas").append([None, "Note: figures are provisional"])
    return save(wb, tmp / "book.xlsx")


@case("warning", "footnote_row_skipped", sheet="chains", row=4, en=r'\("\* policy weight per the 2019 text"\)',
      check=lambda sc: len(sc.chains) == 2)
def footnote_mark_row(tmp: Path) -> Path:
    """A footnote marked with an asterisk under the chains."""
    wb = build()
    sheet_of(wb, "chains").append(["* policy weight per the 2019 text"])
    return save(wb, tmp / "book.xlsx")


@case("warning", "totals_row_skipped", sheet="district_quotas", row=6, en=r'looks like a totals row \("=SUM\(C2:C5\)"\)',
      check=lambda sc: len(sc.district_quotas) == 4)
def totals_row_of_sums(tmp: Path) -> Path:
    """An unlabelled row of SUM formulas under the quotas (saved by Excel, so the sums have values)."""
    wb = build()
    ws = sheet_of(wb, "district_quotas")
    ws.append([None, None, "=SUM(C2:C5)", "=SUM(D2:D5)"])
    path = save(wb, tmp / "book.xlsx")
    return patch_sheet_xml(path, "district_quotas",
                           lambda xml: set_cached_value(set_cached_value(xml, "C6", "360"), "D6", "18000"))


@case("warning", "merged_fill_down", sheet="projects", row=4, column="district_id", cell="C4",
      en=r"merged cells C4:C5: the value of row 4 is used for rows 4–5",
      check=lambda sc: _project(sc, "J4", "district_id") == "B")
def vertical_merge(tmp: Path) -> Path:
    """Two projects of the same district with the district cell merged down."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws["C5"] = None
    ws.merge_cells("C4:C5")
    return save(wb, tmp / "book.xlsx")


@case("warning", "formula_values_used", sheet="projects", row=3, column="investment", cell="F3",
      en=r"this column holds 1 formula cell\(s\) \(the first is here\); the values Excel last calculated are used",
      check=lambda sc: _project(sc, "J2", "investment") == 5.0)
def formula_with_cached_value(tmp: Path) -> Path:
    """A formula saved by Excel, with its computed value."""
    path = _edited(tmp, [("projects", 3, "investment", "=2+3")])
    return patch_sheet_xml(path, "projects", lambda xml: set_cached_value(xml, "F3", "5"))


@case("warning", "rows_above_header", sheet="projects", row=3, en=r"the header is in row 3; row\(s\) 1 above it",
      check=lambda sc: list(sc.projects["_row"]) == [4, 5, 6, 7])
def title_above_header(tmp: Path) -> Path:
    """A title row (and a blank row) above the header."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws.insert_rows(1, 2)
    ws["A1"] = "2026年重大产业项目表"
    return save(wb, tmp / "book.xlsx")


@case("warning", "extra_header_row", sheet="projects", row=2, en=r"this row repeats the header",
      check=lambda sc: len(sc.projects) == 4)
def bilingual_header_rows(tmp: Path) -> Path:
    """Chinese labels in row 1 and English keys in row 2."""
    wb = build(lang="zh")
    ws = sheet_of(wb, "projects")
    ws.insert_rows(2)
    for i, col in enumerate(SHEETS_BY_KEY["projects"].columns, start=1):
        ws.cell(row=2, column=i, value=col.key)
    return save(wb, tmp / "book.xlsx")


@case("warning", "hidden_sheet", sheet="chains", en=r"this sheet is hidden; it is read like any other")
def hidden_sheet(tmp: Path) -> Path:
    """The chains sheet hidden."""
    wb = build()
    sheet_of(wb, "chains").sheet_state = "hidden"
    return save(wb, tmp / "book.xlsx")


@case("warning", "unknown_sheet", en=r"sheet 备注: unrecognised sheet, ignored")
def extra_sheet(tmp: Path) -> Path:
    """A notes sheet added."""
    wb = build()
    wb.create_sheet("备注")["A1"] = "内部讨论稿"
    return save(wb, tmp / "book.xlsx")


@case("warning", "unknown_column", sheet="projects", row=1, cell="T1", en=r'unrecognised column "备注", ignored')
def unknown_column(tmp: Path) -> Path:
    """A notes column added to the projects."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws["T1"] = "备注"
    ws["T2"] = "重点跟踪"
    return save(wb, tmp / "book.xlsx")


@case("warning", "data_without_header", sheet="projects", row=3, cell="V3", en=r"column V has values but no header")
def values_without_header(tmp: Path) -> Path:
    """Notes typed in a column that has no header."""
    wb = build()
    sheet_of(wb, "projects")["V3"] = "待定"
    return save(wb, tmp / "book.xlsx")


@case("warning", "row_without_data", sheet="projects", row=6, en=r"this row has content only in unrecognised columns")
def row_with_only_notes(tmp: Path) -> Path:
    """A row holding only a remark in a notes column."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws["T1"] = "备注"
    ws["T6"] = "以上为第一批"
    return save(wb, tmp / "book.xlsx")


@case("warning", "unknown_setting", sheet="settings", row=14, cell="A14", en=r'unrecognised parameter "colour", ignored')
def unknown_setting(tmp: Path) -> Path:
    """A parameter the tool does not know."""
    wb = build()
    sheet_of(wb, "settings").append(["colour", "blue"])
    return save(wb, tmp / "book.xlsx")


@case("warning", "year_outside_horizon", sheet="district_quotas", row=6, column="year", cell="A6",
      en=r"year 2030 is outside the planning horizon 2026–2027; the row is ignored")
def quota_year_outside_horizon(tmp: Path) -> Path:
    """A quota row for a year after the horizon."""
    data = base_data()
    data["district_quotas"].append({"year": 2030, "district_id": "A", "new_land_quota": 10, "energy_budget": 10})
    return save(build(data), tmp / "book.xlsx")


@case("warning", "project_too_large", sheet="projects", row=3, column="land_demand", cell="G3",
      en=r"land demand 5,000.0 mu exceeds anything that could ever supply it in one year \(about 190.0 mu\)")
def project_too_large(tmp: Path) -> Path:
    """A project larger than any year's quota could ever cover (100 district + 20 reward + 50 pool + 20 request)."""
    return _edited(tmp, [("projects", 3, "land_demand", 5000)])


# ============================================================================================
# Accepted as they are
# ============================================================================================


@case("accepted")
def sheets_in_other_order(tmp: Path) -> Path:
    """The sheets in another order: projects first, settings last."""
    wb = build(sheets=("projects", "chains", "platforms", "districts", "city_quotas", "district_quotas", "settings"))
    return save(wb, tmp / "book.xlsx")


@case("accepted")
def chinese_workbook(tmp: Path) -> Path:
    """The whole workbook with Chinese sheet names, headers and 是/否."""
    return save(build(lang="zh"), tmp / "book.xlsx")


@case("accepted")
def mixed_languages(tmp: Path) -> Path:
    """Chinese and English sheet names and headers mixed, one column at a time."""
    wb = build()
    for ws in wb.worksheets:
        key = ws.title
        sch = SHEETS_BY_KEY[key]
        if key != "settings":
            for i, col in enumerate(sch.columns, start=1):
                if i % 2 == 0:
                    ws.cell(row=1, column=i, value=col.label_zh)
        if key in ("projects", "districts"):
            ws.title = sch.label_zh
    return save(wb, tmp / "book.xlsx")


@case("accepted")
def awkward_headers(tmp: Path) -> Path:
    """Headers with spaces, capitals, full-width letters, English labels and units in brackets."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws["A1"] = "  Project_ID  "
    ws["B1"] = "PROJECT NAME"
    ws["G1"] = "ｌａｎｄ＿ｄｅｍａｎｄ（亩）"
    ws["F1"] = "总投资（亿元）"
    ws["K1"] = "Energy demand (tce/yr)"
    return save(wb, tmp / "book.xlsx")


@case("accepted")
def yes_no_spellings(tmp: Path) -> Path:
    """Yes/no typed every way: Y/N, TRUE/FALSE, 1/0, 是/否, with stray spaces and capitals."""
    wb = build()
    ws = sheet_of(wb, "projects")
    column = find_column(ws, "projects", "stock_land_eligible")
    for row, value in ((2, " Y "), (3, "n"), (4, True), (5, 0)):
        ws.cell(row=row, column=column, value=value)
    compliant = find_column(ws, "projects", "compliant")
    for row, value in ((2, "是"), (3, "TRUE"), (4, 1), (5, "Yes")):
        ws.cell(row=row, column=compliant, value=value)
    return save(wb, tmp / "book.xlsx")


@case("accepted", check=lambda sc: list(sc.projects["_row"]) == [2, 4, 7, 8])
def blank_rows_between(tmp: Path) -> Path:
    """Blank rows between the projects."""
    wb = build()
    ws = sheet_of(wb, "projects")
    ws.insert_rows(3)
    ws.insert_rows(5, 2)
    return save(wb, tmp / "book.xlsx")


@case("accepted", check=lambda sc: list(sc.projects["project_id"]) == ["101", "102", "103", "104"])
def numeric_ids(tmp: Path) -> Path:
    """Project ids typed as numbers (read as the text "101")."""
    wb = build()
    ws = sheet_of(wb, "projects")
    for row in range(2, 6):
        ws.cell(row=row, column=1, value=99 + row)
    return save(wb, tmp / "book.xlsx")


def _defaults(sc: Scenario) -> None:
    assert list(sc.districts["stock_land_initial"]) == [0.0, 0.0]
    assert not any(sc.projects["mandatory"])


@case("accepted", check=_defaults)
def blank_optional_cells(tmp: Path) -> Path:
    """Optional cells left blank take their defaults."""
    return _edited(tmp, [("districts", 2, "stock_land_initial", None), ("projects", 2, "mandatory", None)])


#: names of the accepted cases whose data differ from the base workbook on purpose
CHANGES_DATA = {"numeric_ids", "blank_optional_cells"}

"""The validator: one broken workbook per fault type, each with the exact message in both languages;
cell parsing; partial scenarios; the message catalogue; --annotate; docs/workbook.md.

Workbooks come from tests/corpus/workbooks.py: header in row 1, records from row 2 (projects J1..J4
in rows 2..5), sheets and headers named by key ("en") or Chinese label ("zh").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from corpus.workbooks import base_data, build, delete_column, save, set_cell, settings_row, sheet_of
from quota_opt.core.errors import InputError, Location, Problem, Severity
from quota_opt.core.messages import TEMPLATES, expected_phrase, quote_value, render_location
from quota_opt.core.schema import PROJECTS, SETTINGS, Column, ColumnType
from quota_opt.input.read import read_workbook
from quota_opt.input.validate import (
    BAD,
    COERCIONS,
    check_scenario,
    parse_cell,
    parse_workbook,
    scenario_from_parsed,
)
from quota_opt.input.workbook_doc import workbook_doc
from quota_opt.output.annotate import AnnotateError, annotate_workbook
from quota_opt.output.excel import ERROR_FILL, WARNING_FILL
from quota_opt.prepare import read_scenario, validate_workbook

DOC = Path(__file__).resolve().parents[1] / "docs" / "workbook.md"

Edit = Callable[[Workbook], None]


def _make(tmp_path: Path, lang: str, edit: Edit | None = None, data: dict[str, Any] | None = None) -> Path:
    wb = build(data, lang)
    if edit is not None:
        edit(wb)
    return save(wb, tmp_path / f"book_{lang}.xlsx")


def _set(sheet: str, row: int, column: str, value: Any) -> Edit:
    return lambda wb: set_cell(wb, sheet, row, column, value)


def _messages(path: Path, lang: str, code: str) -> list[str]:
    report = validate_workbook(path)
    return [p.message(lang) for p in report.problems if p.code == code]


# --------------------------------------------------------------------------------------------
# One fault per workbook: exact wording, zh on a Chinese workbook, en on an English one
# --------------------------------------------------------------------------------------------

FAULTS: list[tuple[str, str, Edit | None, Callable[[dict[str, Any]], None] | None, str, str]] = [
    ("wrong_type", "bad_value", _set("projects", 3, "land_demand", "abc"), None,
     '工作表 项目(projects)，第3行，用地需求(land_demand)，单元格 G3：应为不小于0.01的数（单位：亩），实际为 "abc"。',
     'sheet projects, row 3, land_demand (Land demand), cell G3: expected a number ≥ 0.01 (in mu), got "abc".'),
    ("out_of_range", "out_of_range", _set("projects", 2, "land_demand", -5), None,
     "工作表 项目(projects)，第2行，用地需求(land_demand)，单元格 G2：应为不小于0.01的数（单位：亩），实际为 -5。",
     "sheet projects, row 2, land_demand (Land demand), cell G2: expected a number ≥ 0.01 (in mu), got -5."),
    ("above_sanity_bound", "out_of_range", _set("projects", 2, "energy_demand", 2e8), None,
     "工作表 项目(projects)，第2行，年综合能耗(energy_demand)，单元格 K2：应为0或不小于0.01且不大于100,000,000的数（单位：吨标准煤/年），"
     "实际为 200000000。",
     "sheet projects, row 2, energy_demand (Energy demand), cell K2: expected 0 or a number ≥ 0.01 and ≤ 100,000,000 (in tce/yr), "
     "got 200000000."),
    ("bad_yes_no", "bad_value", _set("projects", 4, "mandatory", "maybe"), None,
     '工作表 项目(projects)，第4行，必保(mandatory)，单元格 Q4：应为是/否（是：是、Y、yes、TRUE、1、T、对、√、✓；'
     '否：否、N、no、FALSE、0、F、不、×、✗），实际为 "maybe"。',
     'sheet projects, row 4, mandatory (Mandatory), cell Q4: expected yes/no (yes: 是, Y, yes, TRUE, 1, T, 对, √, ✓; '
     'no: 否, N, no, FALSE, 0, F, 不, ×, ✗), got "maybe".'),
    ("required_blank", "required_blank", _set("districts", 3, "name", None), None,
     "工作表 区县(districts)，第3行，区县名称(name)，单元格 B3：必填，应为非空文本，实际为空。",
     "sheet districts, row 3, name (District name), cell B3: required: expected a non-blank text, got a blank cell."),
    ("settings_wrong_type", "bad_value", _set("settings", settings_row("base_year"), "base_year", "明年"), None,
     '工作表 参数设置(settings)，第3行，基准年度(base_year)，单元格 B3：应为1990至2100之间的四位数年度（如 2026），实际为 "明年"。',
     'sheet settings, row 3, base_year (Base year), cell B3: expected a year from 1990 to 2100 (e.g. 2026), got "明年".'),
    ("duplicate_id", "duplicate_id", _set("projects", 5, "project_id", "J2"), None,
     "工作表 项目(projects)，第5行，项目编号(project_id)，单元格 A5：项目编号 J2 重复（第一次出现在第 3 行）。每个编号只能出现一次。",
     "sheet projects, row 5, project_id (Project id), cell A5: project_id J2 appears twice (first in row 3). "
     "Each id must be unique."),
    # "j2" and "J 2" look like J2 to the clerk, and Excel's lookups treat them as one: not two projects
    ("id_differs_only_in_case", "near_duplicate_id", _set("projects", 5, "project_id", "j2"), None,
     "工作表 项目(projects)，第5行，项目编号(project_id)，单元格 A5：项目编号 j2 与第 3 行的 项目编号 J2 只有大小写或空格不同。"
     "本工具会当作两条记录，而 Excel（查找、删除重复项）视为同一编号。如是同一条，请删除其中一行；否则请改用明显不同的编号。",
     "sheet projects, row 5, project_id (Project id), cell A5: project_id j2 differs from project_id J2 (row 3) only "
     "in upper/lower case or spaces. They would be read as two records, while Excel (lookups, Remove Duplicates) "
     "treats them as one. Delete one row if they are the same; otherwise give them clearly different ids."),
    ("id_differs_only_in_spaces", "near_duplicate_id", _set("projects", 5, "project_id", "J 2"), None,
     "工作表 项目(projects)，第5行，项目编号(project_id)，单元格 A5：项目编号 J 2 与第 3 行的 项目编号 J2 只有大小写或空格不同。"
     "本工具会当作两条记录，而 Excel（查找、删除重复项）视为同一编号。如是同一条，请删除其中一行；否则请改用明显不同的编号。",
     "sheet projects, row 5, project_id (Project id), cell A5: project_id J 2 differs from project_id J2 (row 3) only "
     "in upper/lower case or spaces. They would be read as two records, while Excel (lookups, Remove Duplicates) "
     "treats them as one. Delete one row if they are the same; otherwise give them clearly different ids."),
    # an 18-digit project code typed as a number: Excel keeps 15 digits, so the id read is not the id typed
    ("id_number_too_long", "id_number_too_long", _set("projects", 2, "project_id", 330100201900012345), None,
     "工作表 项目(projects)，第2行，项目编号(project_id)，单元格 A2：应为代码（文本或数字），实际为数字 3.30100201900012E+17："
     "Excel 只保留数字的前15位，这么长的编号作为数字保存时末尾几位已丢失。请将该列设为“文本”格式后重新输入编号。",
     "sheet projects, row 2, project_id (Project id), cell A2: expected an id (text or a number), got the number "
     "3.30100201900012E+17: Excel keeps only 15 digits of a number, so an id this long has lost its last digits. "
     "Format the column as Text and type the ids again."),
    ("duplicate_quota_row", "duplicate_id", _set("district_quotas", 5, "year", 2026), None,
     "工作表 区县年度指标(district_quotas)，第5行，年度(year)，单元格 A5：年度 2026、区县代码 B 重复（第一次出现在第 3 行）。"
     "每个编号只能出现一次。",
     "sheet district_quotas, row 5, year (Year), cell A5: year 2026, district_id B appears twice (first in row 3). "
     "Each id must be unique."),
    ("unknown_district", "unknown_reference", _set("projects", 3, "district_id", "C"), None,
     "工作表 项目(projects)，第3行，区县代码(district_id)，单元格 C3：“C”不在“区县”(districts)表中（现有：A, B）。"
     "请先在该表中添加，或更正代码。",
     'sheet projects, row 3, district_id (District id), cell C3: "C" is not in the districts sheet (known: A, B). '
     "Add it there first, or correct the id."),
    ("unknown_platform", "unknown_reference", _set("projects", 2, "platform_id", "PX"), None,
     "工作表 项目(projects)，第2行，平台代码(platform_id)，单元格 D2：“PX”不在“产业平台”(platforms)表中（现有：PA, PB）。"
     "请先在该表中添加，或更正代码。",
     'sheet projects, row 2, platform_id (Platform id), cell D2: "PX" is not in the platforms sheet (known: PA, PB). '
     "Add it there first, or correct the id."),
    ("unknown_chain", "unknown_reference", _set("projects", 4, "chain_id", "C7"), None,
     "工作表 项目(projects)，第4行，产业链代码(chain_id)，单元格 E4：“C7”不在“产业链”(chains)表中（现有：C1, C2）。"
     "请先在该表中添加，或更正代码。",
     'sheet projects, row 4, chain_id (Chain id), cell E4: "C7" is not in the chains sheet (known: C1, C2). '
     "Add it there first, or correct the id."),
    ("platform_in_other_district", "platform_district_mismatch", _set("projects", 2, "platform_id", "PB"), None,
     "工作表 项目(projects)，第2行，平台代码(platform_id)，单元格 D2：平台 PB 属于区县 B，与项目所在区县 A 不一致。请更正平台或区县。",
     "sheet projects, row 2, platform_id (Platform id), cell D2: platform PB belongs to district B, not to the "
     "project's district A. Correct the platform or the district."),
    ("missing_column", "missing_column", lambda wb: delete_column(wb, "projects", "annual_tax"), None,
     "工作表 项目(projects)，第1行：缺少必需列“达产年税收”(annual_tax)。请在表头行添加该列（中文名或英文键均可）。",
     'sheet projects, row 1: the required column "annual_tax" (Annual tax) is missing. Add it to the header row '
     "(key or label)."),
    ("missing_sheet", "missing_sheet", lambda wb: wb.remove(sheet_of(wb, "platforms")), None,
     "工作表 产业平台(platforms)：缺少工作表。请添加名为“产业平台”或“platforms”的工作表（可用 quota-opt template 生成模板）。",
     'sheet platforms: the sheet is missing. Add a sheet named "platforms" or "产业平台" (quota-opt template writes one).'),
    ("quota_missing", "quota_missing", None, lambda d: d["district_quotas"].pop(0),
     "工作表 区县年度指标(district_quotas)：缺少区县 A 在 2026 年的指标行。请为每个区县、每个规划年度各填一行。",
     "sheet district_quotas: no quota row for district A in 2026. Add one row per district and planning year."),
    ("actual_after_horizon", "actual_year_after_horizon", None,
     lambda d: d.__setitem__("actuals", [{"project_id": "J4", "year": 2029, "land_district_quota": 20,
                                           "energy_district": 100}]),
     "工作表 上年执行(actuals)，第2行，供地年度(year)，单元格 B2：执行年度 2029 晚于规划末年 2027。规划期内的执行记录应在规划期内。",
     "sheet actuals, row 2, year (Supply year), cell B2: the actual year 2029 is after the last planning year 2027."),
]

WARNINGS: list[tuple[str, str, Edit | None, Callable[[dict[str, Any]], None] | None, str, str]] = [
    ("unknown_column", "unknown_column", lambda wb: sheet_of(wb, "chains").cell(row=1, column=8, value="负责人"), None,
     "工作表 产业链(chains)，第1行，单元格 H1：未识别的列“负责人”，已忽略。",
     'sheet chains, row 1, cell H1: unrecognised column "负责人", ignored.'),
    ("quota_year_outside_horizon", "year_outside_horizon", None,
     lambda d: d["city_quotas"].append({"year": 2031, "provincial_reward_quota": 5}),
     "工作表 市级年度指标(city_quotas)，第4行，年度(year)，单元格 A4：年度 2031 不在规划期 2026–2027 内，该行已忽略。",
     "sheet city_quotas, row 4, year (Year), cell A4: year 2031 is outside the planning horizon 2026–2027; "
     "the row is ignored."),
    ("window_outside_horizon", "window_outside_horizon", _set("projects", 5, "earliest_year", 2030), None,
     "工作表 项目(projects)，第5行，最早供地年度(earliest_year)，单元格 R5：供地年度区间 2030–2027 与规划期 2026–2027 无交集，"
     "该项目不会被安排。",
     "sheet projects, row 5, earliest_year (Earliest year), cell R5: earliest year 2030 is after latest year 2027. "
     "Correct one of them."),
    ("project_too_large", "project_energy_too_large", _set("projects", 3, "energy_demand", 90_000), None,
     "工作表 项目(projects)，第3行，年综合能耗(energy_demand)，单元格 K3：年综合能耗 90,000.0 吨标准煤超过任何年度可能的能耗指标上限"
     "（约 7,000.0），该项目无法安排。",
     "sheet projects, row 3, energy_demand (Energy demand), cell K3: energy demand 90,000.0 tce exceeds any year's "
     "possible energy quota (about 7,000.0 tce); it cannot be scheduled."),
]


def _fault_path(tmp_path: Path, lang: str, edit: Edit | None, change: Callable[[dict[str, Any]], None] | None) -> Path:
    data = base_data()
    if change is not None:
        change(data)
    return _make(tmp_path, lang, edit, data)


@pytest.mark.parametrize(("name", "code", "edit", "change", "zh", "en"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_is_an_error_with_exact_wording(tmp_path: Path, name: str, code: str, edit: Edit | None,
                                              change: Callable[[dict[str, Any]], None] | None, zh: str,
                                              en: str) -> None:
    zh_book = _fault_path(tmp_path, "zh", edit, change)
    en_book = _fault_path(tmp_path, "en", edit, change)
    report = validate_workbook(zh_book)
    assert not report.ok and report.scenario is None
    assert zh in [p.message("zh") for p in report.errors if p.code == code], report.messages("zh")
    assert en in [p.message("en") for p in validate_workbook(en_book).errors if p.code == code]
    with pytest.raises(InputError) as caught:
        read_scenario(en_book)
    assert en in caught.value.report("en")


@pytest.mark.parametrize(("name", "code", "edit", "change", "zh", "en"), WARNINGS, ids=[f[0] for f in WARNINGS])
def test_notice_is_a_warning_with_exact_wording(tmp_path: Path, name: str, code: str, edit: Edit | None,
                                                change: Callable[[dict[str, Any]], None] | None, zh: str,
                                                en: str) -> None:
    if name == "window_outside_horizon":
        # earliest 2030 with latest blank (= 2027) is inverted; with latest 2031 it only misses the horizon
        inner = edit
        assert inner is not None

        def edit_both(wb: Workbook) -> None:
            inner(wb)
            set_cell(wb, "projects", 5, "latest_year", 2031)

        edit = edit_both
        zh = zh.replace("2030–2027", "2030–2031")
        en = ("sheet projects, row 5, earliest_year (Earliest year), cell R5: the supply window 2030–2031 misses the "
              "planning horizon 2026–2027; the project cannot be scheduled.")
    zh_report = validate_workbook(_fault_path(tmp_path, "zh", edit, change))
    en_report = validate_workbook(_fault_path(tmp_path, "en", edit, change))
    assert zh_report.ok and en_report.ok, en_report.messages("en")
    assert zh in [p.message("zh") for p in zh_report.warnings if p.code == code], zh_report.messages("zh")
    assert en in [p.message("en") for p in en_report.warnings if p.code == code], en_report.messages("en")
    assert en_report.scenario is not None and en_report.scenario.warnings == en_report.warnings


def test_every_problem_is_collected_in_one_run(tmp_path: Path) -> None:
    """Four faults on three sheets: all four reported, each at its place."""

    def edit(wb: Workbook) -> None:
        set_cell(wb, "projects", 2, "investment", "十二")
        set_cell(wb, "projects", 3, "land_demand", -30)
        set_cell(wb, "projects", 4, "district_id", "Q")
        delete_column(wb, "chains", "name")

    report = validate_workbook(_make(tmp_path, "en", edit))
    where = {(p.code, p.where.sheet, p.where.row, p.where.column) for p in report.errors}
    assert where == {("bad_value", "projects", 2, "investment"), ("out_of_range", "projects", 3, "land_demand"),
                     ("unknown_reference", "projects", 4, "district_id"), ("missing_column", "chains", 1, None)}
    rows = [(p.where.sheet, p.where.row) for p in report.errors]
    assert rows == sorted(rows, key=lambda r: (["chains", "projects"].index(r[0]), r[1])), "reading order"


def test_messages_read_in_the_language_of_the_reader(tmp_path: Path) -> None:
    """A zh workbook read by an English reader: the tab name as found, then the key."""
    path = _make(tmp_path, "zh", _set("projects", 3, "land_demand", "abc"))
    (problem,) = validate_workbook(path).errors
    assert problem.message("en") == ('sheet 项目 (projects), row 3, land_demand (Land demand), cell G3: '
                                     'expected a number ≥ 0.01 (in mu), got "abc".')
    en_book = _make(tmp_path, "en", _set("projects", 3, "land_demand", "abc"))
    (problem,) = validate_workbook(en_book).errors
    assert problem.message("zh") == '工作表 projects(项目)，第3行，用地需求(land_demand)，单元格 G3：应为不小于0.01的数（单位：亩），实际为 "abc"。'


def test_a_header_stating_another_unit_is_an_error(tmp_path: Path) -> None:
    """Headers matched with any unit in brackets, so "总投资（万元）" over a 亿元 column was read as 亿元 (10,000 times
    too much). A header or settings name that states another unit than its column's is now an error on every sheet;
    the column's own unit (any spelling the cells accept, "单位：" allowed), no unit, or a note in brackets on a
    column without a unit still read."""

    def headers(wb: Workbook) -> None:
        projects = sheet_of(wb, "projects")
        projects["F1"] = "总投资（万元）"  # wrong
        projects["G1"] = "用地需求（公顷）"  # wrong
        projects["B1"] = "项目名称（全称）"  # a note, not a unit
        projects["I1"] = "达产年产值(万元)"  # a spelling of 万元/年 that cells accept too
        projects["K1"] = "年综合能耗（单位：吨标准煤/年）"
        sheet_of(wb, "districts")["C1"] = "可盘活存量土地(ha)"  # wrong
        sheet_of(wb, "chains")["E1"] = "max_energy_intensity (tce/10k yuan)"
        sheet_of(wb, "district_quotas")["C1"] = "new_land_quota（亩）"
        settings = sheet_of(wb, "settings")
        settings[f"A{settings_row('deferral_discount')}"] = "推迟折扣（%）"  # the column takes 0.9, not 90
        settings[f"A{settings_row('horizon_years')}"] = "规划年数（年）"

    report = validate_workbook(_make(tmp_path, "zh", headers))
    assert [(p.code, p.where.sheet, p.where.cell, p.where.column) for p in report.errors] == [
        ("header_unit_unexpected", "settings", "A5", "deferral_discount"),
        ("header_unit_mismatch", "districts", "C1", "stock_land_initial"),
        ("header_unit_mismatch", "projects", "F1", "investment"),
        ("header_unit_mismatch", "projects", "G1", "land_demand"),
    ], report.messages("en")
    unexpected, districts, investment, _ = report.errors
    assert investment.message("zh") == (
        "工作表 项目(projects)，第1行，总投资(investment)，单元格 F1：“总投资（万元）”写明的单位为“万元”，但总投资的单位应为“亿元”，"
        "数值不会换算。请将数值换算为亿元，并将名称改为“总投资”或“总投资（亿元）”。")
    assert investment.message("en") == (
        'sheet 项目 (projects), row 1, investment (Investment), cell F1: "总投资（万元）" states the unit "万元", but '
        'Investment is in 100M yuan; values are not converted. Convert the values to 100M yuan and write "investment" '
        'or "investment (100M yuan)".')
    assert districts.message("en").endswith('"可盘活存量土地(ha)" states the unit "ha", but Revitalisable stock land is '
                                            'in mu; values are not converted. Convert the values to mu and write '
                                            '"stock_land_initial" or "stock_land_initial (mu)".')
    assert unexpected.message("zh") == (
        "工作表 参数设置(settings)，第5行，推迟折扣(deferral_discount)，单元格 A5：“推迟折扣（%）”写明的单位为“%”，"
        "但推迟折扣是不带单位的数，数值不会换算。请填写不带单位的数，并将名称改为“推迟折扣”。")
    assert not [p for p in report.warnings if p.code in ("unknown_column", "unknown_setting")]


@pytest.mark.slow
def test_a_units_row_under_the_header_is_skipped_and_its_units_checked(tmp_path: Path) -> None:
    """Government sheets often have a row of units under the header. It was read as a project: one error per
    column ("expected a number, got 亩"). It is now skipped with a warning, each unit checked against its column's
    (a wrong one, "公顷" over mu, is the header's error at that cell: the values are not converted)."""

    def units(*cells: tuple[str, str]) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            ws = sheet_of(wb, "projects")
            ws.insert_rows(2)
            for cell, text in cells:
                ws[cell] = text
        return edit

    base = validate_workbook(_make(tmp_path, "zh"))
    report = validate_workbook(_make(tmp_path, "zh", units(("A2", "单位"), ("F2", "亿元"), ("G2", "（亩）"))))
    assert not report.errors, report.messages("en")
    (skipped,) = [p for p in report.warnings if p.code == "units_row_skipped"]
    assert (skipped.where.sheet, skipped.where.row) == ("projects", 2)
    assert skipped.message("en").endswith("this row gives the columns' units (亿元, 亩); skipped, after checking "
                                          "each against its column.")
    assert report.scenario is not None and base.scenario is not None
    assert list(report.scenario.projects["project_id"]) == list(base.scenario.projects["project_id"])

    wrong = validate_workbook(_make(tmp_path, "zh", units(("F2", "亿元"), ("G2", "公顷"))))
    assert [(p.code, p.where.cell, p.where.column) for p in wrong.errors] == [
        ("header_unit_mismatch", "G2", "land_demand")], wrong.messages("en")
    # a row with a project id is a record, not units
    record = validate_workbook(_make(tmp_path, "zh", units(("A2", "P99"), ("F2", "亿元"), ("G2", "亩"))))
    assert not [p for p in record.warnings if p.code == "units_row_skipped"]


def test_a_header_with_extra_text_after_a_column_name_is_an_error(tmp_path: Path) -> None:
    """"必保/是否" or "用地需求/亩" were only "unrecognised column, ignored" (a warning): an optional column then
    took its default in every row (the mandatory flags dropped, exit 0), a required one was also reported missing.
    Now one error at the header names the column; a note column ("必保理由") is still only unrecognised."""

    def rename(*pairs: tuple[str, str]) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            ws = sheet_of(wb, "projects")
            for cell in ws[1]:
                for old, new in pairs:
                    if cell.value == old:
                        cell.value = new
        return edit

    report = validate_workbook(_make(tmp_path, "zh", rename(("必保", "必保/是否"), ("用地需求", "用地需求 亩"))))
    assert [(p.code, p.where.sheet, p.where.column) for p in report.errors] == [
        ("header_extra_text", "projects", "land_demand"), ("header_extra_text", "projects", "mandatory")
    ], report.messages("en")
    assert report.errors[0].message("en").endswith(
        'header "用地需求 亩" starts with Land demand but has more text, so it is not recognised and the column would '
        'not be read. Rename it "land_demand" or "用地需求".')
    assert report.errors[1].message("zh").endswith(
        "列名“必保/是否”以“必保”开头，但多了其他文字，无法识别，该列不会被读取。请改为“必保”或“mandatory”。")
    note = validate_workbook(_make(tmp_path, "zh", rename(("必保", "必保理由"))))
    assert not note.errors, note.messages("en")
    assert [p.code for p in note.warnings if p.where.sheet == "projects"] == ["unknown_column"]


def test_invisible_characters_in_headers_and_sheet_names_are_ignored(tmp_path: Path) -> None:
    """A zero-width space or a byte-order mark copied from a web page into a header ("用地需求\u200b") made it
    unrecognised (and a required column missing); they are now ignored like spaces."""

    def invisible(wb: Workbook) -> None:
        ws = sheet_of(wb, "projects")
        for cell in ws[1]:
            if cell.value == "用地需求":
                cell.value = "用地\u200b需求\u200b"
            elif cell.value == "必保":
                cell.value = "\ufeff必保"
        ws.title = "项目\u2060"

    base = validate_workbook(_make(tmp_path, "zh"))
    report = validate_workbook(_make(tmp_path, "zh", invisible))
    assert not report.errors, report.messages("en")
    assert [p.code for p in report.warnings] == [p.code for p in base.warnings]
    assert report.scenario is not None and base.scenario is not None
    assert report.scenario.projects["mandatory"].tolist() == base.scenario.projects["mandatory"].tolist()


def test_a_block_merge_is_one_error(tmp_path: Path) -> None:
    """Output and tax of two projects merged into one block (I3:J4): the merge was reported, and then each of the
    three blank cells under it as a missing value. Now the merge alone, at the cell that holds the value."""

    def merge(wb: Workbook) -> None:
        sheet_of(wb, "projects").merge_cells("I3:J4")

    report = validate_workbook(_make(tmp_path, "en", merge))
    assert [(p.code, p.where.cell) for p in report.errors] == [("merged_cell", "I3")], report.messages("en")


def test_hidden_rows_and_columns_are_read_with_a_warning(tmp_path: Path) -> None:
    """Hidden rows and columns were read without a word (a hidden sheet was already warned about): each sheet
    with hidden rows or columns that hold values now gets one warning naming them; hidden blank ones are quiet."""

    def hide(wb: Workbook) -> None:
        ws = sheet_of(wb, "projects")
        for row in (2, 3, 5, 40):  # 40 is blank
            ws.row_dimensions[row].hidden = True
        ws.column_dimensions["B"].hidden = True
        ws.column_dimensions.group("D", "E", hidden=True)
        ws.column_dimensions["Z"].hidden = True  # blank
        sheet_of(wb, "districts").row_dimensions[3].hidden = True

    zh = validate_workbook(_make(tmp_path, "zh", hide))
    en = validate_workbook(_make(tmp_path, "en", hide))
    assert zh.ok and en.ok, en.messages("en")
    assert [p.message("zh") for p in zh.warnings if p.code.startswith("hidden_")] == [
        "工作表 区县(districts)：第3行（共 1 行）处于隐藏状态，仍按正常数据读取。",
        "工作表 项目(projects)：第2–3、5行（共 3 行）处于隐藏状态，仍按正常数据读取。",
        "工作表 项目(projects)：第 B、D–E 列（共 3 列）处于隐藏状态，仍按正常数据读取。",
    ]
    assert [p.message("en") for p in en.warnings if p.code.startswith("hidden_")] == [
        "sheet districts: row(s) 3 (1 in all) are hidden; they are read like any other.",
        "sheet projects: row(s) 2–3, 5 (3 in all) are hidden; they are read like any other.",
        "sheet projects: column(s) B, D–E (3 in all) are hidden; they are read like any other.",
    ]
    assert en.scenario is not None and list(en.scenario.projects["project_id"]) == ["J1", "J2", "J3", "J4"]


VARIANT_ROWS = [
    {"variant": "v1", "target": "reward_ratio", "operation": "set", "value": "abc"},
    {"variant": "v2", "target": "deferral_discount", "operation": "set", "value": "5"},
    {"variant": "v3", "target": "city_quotas.city_energy_pool", "operation": "scale", "value": "-1"},
    {"variant": "v4", "target": "reward_ratio", "operation": "set", "value": "0.4", "year": 1999},
    {"variant": "v5", "target": "deferral_discount", "operation": "scale", "value": "5"},
]


def test_variant_values_are_checked_against_their_target(tmp_path: Path) -> None:
    """A variant's value sits in the text column `value`; its errors once asked for "non-blank text" whatever the
    target. Each now names the target and the number and range it takes, from the schema's own bounds; a year
    filter on a setting is reported at the year filter's cell (F), not the district filter's (E)."""
    data = base_data()
    data["variants"] = VARIANT_ROWS
    zh = [p.message("zh") for p in validate_workbook(_make(tmp_path, "zh", data=data)).errors]
    en = [p.message("en") for p in validate_workbook(_make(tmp_path, "en", data=data)).errors]
    assert zh == [
        '工作表 方案变体(variants)，第2行，取值(value)，单元格 D2：存量盘活奖励比例(reward_ratio) 应为0或不小于0.01且不大于10的数，'
        '实际为 "abc"。',
        '工作表 方案变体(variants)，第3行，取值(value)，单元格 D3：推迟折扣(deferral_discount) 应为大于0且不大于1的数，实际为 "5"。',
        '工作表 方案变体(variants)，第4行，取值(value)，单元格 D4：“乘以”的倍数应为不小于0的数，实际为 "-1"'
        "（调整对象 市级统筹能耗指标(city_quotas.city_energy_pool)）。",
        "工作表 方案变体(variants)，第5行，限定年度(year)，单元格 F5：“reward_ratio”不分区县或年度，限定区县/年度无效。",
        "工作表 方案变体(variants)，第6行，取值(value)，单元格 D6：推迟折扣(deferral_discount) 乘以 5 后为 4.5，超出范围："
        "应为大于0且不大于1的数。请改用较小的倍数。",
    ]
    assert en == [
        'sheet variants, row 2, value (Value), cell D2: reward_ratio (Stock-land reward ratio) takes 0 or a number ≥ 0.01 '
        'and ≤ 10; got "abc".',
        'sheet variants, row 3, value (Value), cell D3: deferral_discount (Deferral discount) takes a number > 0 '
        'and ≤ 1; got "5".',
        "sheet variants, row 4, value (Value), cell D4: the factor to scale city_quotas.city_energy_pool (City "
        'energy pool) by must be a number ≥ 0; got "-1".',
        'sheet variants, row 5, year (Year filter), cell F5: "reward_ratio" has no district or year; the '
        "district/year filter does not apply.",
        "sheet variants, row 6, value (Value), cell D6: deferral_discount (Deferral discount) scaled by 5 becomes "
        "4.5, out of range: expected a number > 0 and ≤ 1. Use a smaller factor.",
    ]


# --------------------------------------------------------------------------------------------
# Cell parsing
# --------------------------------------------------------------------------------------------

LAND = PROJECTS.column("land_demand")
FLAG = PROJECTS.column("mandatory")
YEAR = PROJECTS.column("earliest_year")
HERE = Location(sheet="projects", row=7, column="land_demand", cell="G7")


def _parse(column: Column, value: Any) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    return parse_cell(column, value, HERE, problems), problems


@pytest.mark.parametrize("word", ["是", "Y", "y", "yes", "YES", " Yes ", "TRUE", "true", "1", "t", "对", "√", True, 1, 1.0])
def test_yes_words(word: Any) -> None:
    assert _parse(FLAG, word) == (True, [])


@pytest.mark.parametrize("word", ["否", "N", "n", "no", "No", "FALSE", "false", "0", "f", "不", "×", False, 0, 0.0])
def test_no_words(word: Any) -> None:
    assert _parse(FLAG, word) == (False, [])


def _listed_yes_no(message: str, yes: str, no: str, sep: str) -> tuple[list[str], list[str]]:
    """The yes words and the no words a yes/no message lists (between its brackets)."""
    inner = re.search(r"(?:是/否（|yes/no \()(.*)[)）]", message)
    assert inner is not None, message
    yes_part, no_part = re.split(r"[;；]\s*", inner.group(1))
    assert yes_part.startswith(yes) and no_part.startswith(no), message
    return yes_part[len(yes):].split(sep), no_part[len(no):].split(sep)


def test_yes_no_message_lists_what_is_accepted_in_both_languages(tmp_path: Path) -> None:
    """The zh message once left out yes/no, which the en message listed and cells accept: both now list the
    same words, and every listed word is read from a real workbook as the side it is listed on."""
    path = _make(tmp_path, "zh", _set("projects", 4, "mandatory", "maybe"))
    (problem,) = [p for p in validate_workbook(path).errors if p.code == "bad_value"]
    zh_yes, zh_no = _listed_yes_no(problem.message("zh"), "是：", "否：", "、")
    en_yes, en_no = _listed_yes_no(problem.message("en"), "yes: ", "no: ", ", ")
    assert zh_yes == en_yes and zh_no == en_no
    assert {"yes", "no", "TRUE", "FALSE", "是", "否"} <= {*zh_yes, *zh_no}
    flags = ["stock_land_eligible", "compliant", "approvable", "first_report_ok", "provincial_major", "city_led"]
    cells = [(row, column) for row in range(2, 6) for column in flags]
    words = [(w, True) for w in zh_yes] + [(w, False) for w in zh_no]
    assert len(words) <= len(cells)
    wb = build(lang="zh")
    for (row, column), (word, _) in zip(cells, words, strict=False):
        set_cell(wb, "projects", row, column, word)
    parsed = parse_workbook(read_workbook(save(wb, tmp_path / "words.xlsx")))
    assert not [p for p in parsed.problems if p.where.sheet == "projects"], parsed.problems
    records = {r["_row"]: r for r in parsed.tables["projects"]}
    for (row, column), (word, meant) in zip(cells, words, strict=False):
        assert records[row][column] is meant, word


@pytest.mark.parametrize(("text", "number"), [("１２０", 120.0), ("1,200", 1200.0), ("120亩", 120.0), ("120 亩", 120.0),
                                              ("120mu", 120.0), ("1,234.5", 1234.5), ("1 200", 1200.0)])
def test_numbers_read_from_text_with_a_warning(text: str, number: float) -> None:
    value, problems = _parse(LAND, text)
    assert value == number
    assert [p.code for p in problems] == ["coerced_number"] and not problems[0].is_error


@pytest.mark.parametrize("text", ["120", " 120 ", "1.5e2"])
def test_plain_numbers_in_text_are_read_silently(text: str) -> None:
    assert _parse(LAND, text)[0] == float(text)
    assert _parse(LAND, text)[1] == []


@pytest.mark.parametrize("text", ["1,2", "1,200,5", "120公顷", "12O", "abc", "1e400", "nan", "inf", "--5", "5%"])
def test_text_that_is_not_a_number_is_an_error(text: str) -> None:
    value, problems = _parse(LAND, text)
    assert value is BAD
    assert [p.code for p in problems] == ["bad_value"] and problems[0].is_error


def test_percent_only_in_columns_without_a_unit() -> None:
    discount = SETTINGS.column("deferral_discount")
    assert _parse(discount, "90%")[0] == pytest.approx(0.9)
    assert _parse(LAND, "90%")[0] is BAD


def test_year_columns() -> None:
    assert _parse(YEAR, 2027) == (2027, [])
    assert _parse(YEAR, "2027") == (2027, [])
    value, problems = _parse(YEAR, dt.datetime(2027, 6, 30))
    assert value == 2027 and [p.code for p in problems] == ["coerced_year"]
    value, problems = _parse(YEAR, dt.datetime(1905, 7, 19))  # 2027 typed into a date-formatted cell
    assert value == 2027 and [p.code for p in problems] == ["coerced_year"]
    assert _parse(YEAR, 2027.5)[0] is BAD
    assert _parse(YEAR, dt.datetime(1950, 1, 1))[0] is BAD


def test_dates_in_number_columns_name_the_number_they_hold() -> None:
    value, (problem,) = _parse(LAND, dt.datetime(1900, 4, 29))
    assert value is BAD and problem.code == "date_in_number" and problem.params["serial"] == 120
    assert "If you meant 120, format the cell as General or Number" in problem.message("en")


@pytest.mark.parametrize("value", [float("nan"), None, "", "   "])
def test_blank_like_cells(value: Any) -> None:
    assert _parse(PROJECTS.column("latest_year"), value) == (None, [])
    result, problems = _parse(LAND, value)
    assert result is BAD and [p.code for p in problems] == ["required_blank"]


def test_ids_are_text() -> None:
    pid = PROJECTS.column("project_id")
    assert _parse(pid, 101) == ("101", [])
    assert _parse(pid, 101.0) == ("101", [])
    assert _parse(pid, " Ｊ１ ") == ("J1", [])
    assert _parse(pid, 999_999_999_999_999.0) == ("999999999999999", [])  # 15 digits: Excel keeps them all
    assert _parse(pid, 1e15)[0] is BAD
    assert _parse(pid, True)[0] is BAD
    assert _parse(pid, dt.datetime(2026, 1, 1))[0] is BAD
    chains = Column("key_chains", "重点产业链", "Key chains", ColumnType.ID_LIST, required=True)
    assert _parse(chains, "C1, C2、C3；C4") == (("C1", "C2", "C3", "C4"), [])
    assert _parse(chains, 7) == (("7",), [])


def test_excel_error_values() -> None:
    value, (problem,) = _parse(LAND, "#N/A")
    assert value is BAD and problem.code == "excel_error"
    assert problem.message("en").endswith('got the Excel error "#N/A". Fix the cell\'s formula or type the value.')


def test_too_large_integers_do_not_overflow() -> None:
    value, (problem,) = _parse(LAND, 10**400)
    assert value is BAD and problem.code == "out_of_range"


# --------------------------------------------------------------------------------------------
# Partial scenarios: stage 2 works on whatever stage 1 could read
# --------------------------------------------------------------------------------------------


def test_stage_two_runs_on_blanks_left_by_stage_one(tmp_path: Path) -> None:
    """Every cell of the actuals and many of the projects unreadable: cross-sheet checks still run, no crash."""

    def edit(wb: Workbook) -> None:
        for row in range(2, 6):
            for column in ("investment", "land_demand", "earliest_year"):
                set_cell(wb, "projects", row, column, "??")
            for column in ("platform_id", "district_id"):
                set_cell(wb, "projects", row, column, True)  # not an id: unreadable
        set_cell(wb, "projects", 3, "project_id", "J1")  # and one duplicate that stage 2 must still see

    data = base_data()
    data["actuals"] = [{"project_id": "J4", "year": "last year", "land_district_quota": "x"}]
    report = validate_workbook(_make(tmp_path, "en", edit, data))
    codes = {p.code for p in report.errors}
    assert {"bad_value", "duplicate_id"} <= codes
    assert "unknown_reference" not in codes  # unreadable cells are blanks for stage 2, not ids


@pytest.mark.parametrize("fault", ["empty", "no_id_column"])
def test_a_sheet_whose_ids_cannot_be_read_is_reported_once(tmp_path: Path, fault: str) -> None:
    """An empty chains sheet (or one without its id column) is one error, not one more per platform and project
    naming a chain ("C1 is not in the chains sheet (known: —)")."""

    def edit(wb: Workbook) -> None:
        if fault == "empty":
            ws = sheet_of(wb, "chains")
            ws.delete_rows(1, ws.max_row)
        else:
            delete_column(wb, "chains", "chain_id")

    report = validate_workbook(_make(tmp_path, "en", edit))
    expected = ["empty_sheet"] if fault == "empty" else ["missing_column"]
    assert [p.code for p in report.errors] == expected, report.messages("en")


def test_check_scenario_on_a_scenario_built_in_code() -> None:
    from builders import project, tiny

    sc = tiny([project("P1", 10.0), project("P1", 5.0)])
    assert [p.code for p in check_scenario(sc) if p.is_error] == ["duplicate_id"]


def test_settings_sheet_faults(tmp_path: Path) -> None:
    wb = build()
    ws = sheet_of(wb, "settings")
    ws.append(["horizon_years", 2])  # the same value again: a warning
    ws.append([None, "stray value"])
    ws.append(["参数", "值"])  # a repeated header row is not a parameter
    report = validate_workbook(save(wb, tmp_path / "s.xlsx"))
    assert report.ok
    assert [p.code for p in report.warnings] == ["duplicate_setting", "setting_without_name"]
    assert report.warnings[1].message("en") == ('sheet settings, row 15, cell B15: the value "stray value" has no '
                                                "parameter name in column A; ignored.")


def test_a_colon_after_a_parameter_name_is_ignored(tmp_path: Path) -> None:
    """"基准年度：" is laid out as on a paper form: still the base year; an optional parameter so written was
    ignored with a warning and took its default (the province request cap 0 instead of 30)."""
    wb = build()
    ws = sheet_of(wb, "settings")
    ws.cell(row=settings_row("base_year"), column=1, value="基准年度：")
    ws.append(["可向省争取指标上限默认值 :", 30])
    report = validate_workbook(save(wb, tmp_path / "s.xlsx"))
    assert report.ok and report.scenario is not None, report.messages("en")
    assert report.warnings == []
    assert report.scenario.settings.base_year == 2026
    assert report.scenario.settings.province_request_cap == 30


def test_a_workbook_with_the_former_labels_still_reads(tmp_path: Path) -> None:
    """Workbooks made before the city energy pool and the request cap had one name each keep reading: the actuals
    sheet's 使用市级能耗 (now 使用市级统筹能耗) and the settings' 向省争取指标年上限 (now 可向省争取指标上限默认值)
    are those columns, with no warning; the template writes the new labels."""
    from quota_opt.core.schema import ACTUALS, match_column

    data = base_data()
    data["actuals"] = [{"project_id": "J3", "year": 2025, "land_district_quota": 50, "energy_district": 1000,
                        "energy_city_pool": 500}]
    wb = build(data, "zh")
    ws = sheet_of(wb, "actuals")
    header = [c.value for c in ws[1]]
    assert ACTUALS.column("energy_city_pool").label_zh == "使用市级统筹能耗"
    ws.cell(row=1, column=header.index("使用市级统筹能耗") + 1, value="使用市级能耗")
    sheet_of(wb, "settings").append(["向省争取指标年上限", 30])
    report = validate_workbook(save(wb, tmp_path / "old.xlsx"))
    assert report.ok and report.scenario is not None, report.messages("en")
    assert report.warnings == []
    assert report.scenario.settings.province_request_cap == 30
    assert report.scenario.actuals["energy_city_pool"].tolist() == [500]
    assert match_column(SETTINGS, "Province request cap") is SETTINGS.column("province_request_cap")  # its en label


def test_parse_workbook_and_scenario_from_parsed_keep_row_numbers(tmp_path: Path) -> None:
    from quota_opt.input.read import read_workbook

    raw = read_workbook(_make(tmp_path, "zh"))
    parsed = parse_workbook(raw)
    assert not parsed.has_errors
    sc = scenario_from_parsed(parsed, raw)
    assert list(sc.projects["_row"]) == [2, 3, 4, 5]
    assert sc.meta["projects"].name == "项目" and sc.meta["projects"].columns["land_demand"][0] == 7


# --------------------------------------------------------------------------------------------
# The message catalogue
# --------------------------------------------------------------------------------------------


def test_every_message_renders_in_both_languages_without_its_parameters() -> None:
    for code in TEMPLATES:
        problem = Problem(Severity.ERROR, code, Location(sheet="projects", row=3, column="land_demand", cell="G3"))
        for lang in ("zh", "en"):
            text = problem.message(lang)
            assert text.startswith("工作表 项目(projects)，第3行" if lang == "zh" else "sheet projects, row 3")


def test_unknown_codes_and_odd_values_do_not_break_rendering() -> None:
    problem = Problem(Severity.ERROR, "no_such_code", Location(), {"found": object()})
    assert problem.message("en") == "no_such_code"
    assert quote_value("a\x00b\nc") == '"a\\x00b\\nc"'
    assert quote_value(None, "zh") == "（空）" and quote_value(None, "en") == "(blank)"
    assert quote_value(dt.datetime(2026, 1, 2)) == "2026-01-02"
    assert quote_value(True) == "TRUE"
    assert quote_value("长" * 100).endswith("…(100)\"")


def test_every_number_is_bounded_where_it_is_typed() -> None:
    """A value too small or too large for the solver is refused at its cell, not by HiGHS: every number column
    has a maximum (1e20 is an error at its cell, tests/corpus/cases.py huge_value, huge_energy), and the
    coefficients of the model, a project's land and energy demand and the reward ratio, are 0.01 at least unless
    0 (a land demand of 1e-12 mu made HiGHS refuse the model, exit 2 with no cell named: tiny_land)."""
    from quota_opt.core.schema import MIN_COEFFICIENT, SHEETS
    from quota_opt.input.validate import BAD, parse_cell

    for sheet in SHEETS:
        for col in sheet.columns:
            if col.type in (ColumnType.FLOAT, ColumnType.INT):
                problems: list[Problem] = []
                assert parse_cell(col, 1e20, Location(), problems) is BAD, (sheet.key, col.key)
                assert [p.code for p in problems] == ["out_of_range"], (sheet.key, col.key)
    coefficients = [PROJECTS.column("land_demand"), PROJECTS.column("energy_demand"), SETTINGS.column("reward_ratio")]
    for col in coefficients:
        problems = []
        assert parse_cell(col, 1e-12, Location(), problems) is BAD and problems[0].code == "out_of_range", col.key
        assert parse_cell(col, MIN_COEFFICIENT, Location(), []) == MIN_COEFFICIENT
    assert parse_cell(PROJECTS.column("energy_demand"), 0, Location(), []) == 0
    assert parse_cell(PROJECTS.column("land_demand"), 0, Location(), []) is BAD


def test_expected_phrases() -> None:
    assert expected_phrase(LAND, "en") == "a number ≥ 0.01 (in mu)"
    assert expected_phrase(LAND, "en", full=True) == "a number ≥ 0.01 and ≤ 1,000,000 (in mu)"
    assert expected_phrase(PROJECTS.column("energy_demand"), "zh", full=True) == "0或不小于0.01且不大于100,000,000的数（单位：吨标准煤/年）"
    assert expected_phrase(SETTINGS.column("reward_ratio"), "en") == "0 or a number ≥ 0.01 and ≤ 10"
    assert expected_phrase(PROJECTS.column("investment"), "zh") == "大于0的数（单位：亿元）"  # "约两亿" → 2
    assert expected_phrase(SETTINGS.column("deferral_discount"), "zh") == "大于0且不大于1的数"
    assert expected_phrase(SETTINGS.column("threads"), "en") == "a whole number ≥ 0 and ≤ 256"


def test_location_without_a_sheet() -> None:
    assert render_location(Location(), "en") == ""
    assert render_location(Location(sheet_name="备注"), "zh") == "工作表 备注"


# --------------------------------------------------------------------------------------------
# --annotate
# --------------------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_annotate_marks_cells_and_never_touches_the_input(tmp_path: Path) -> None:
    def edit(wb: Workbook) -> None:
        set_cell(wb, "projects", 3, "land_demand", "abc")
        set_cell(wb, "projects", 2, "land_demand", "６０")
        ws = sheet_of(wb, "projects")
        ws["C5"] = None
        ws.merge_cells("C4:C5")
        ws.append(["合计"])

    source = _make(tmp_path, "zh", edit)
    before = _sha(source)
    report = validate_workbook(source)
    out = annotate_workbook(source, report.problems, tmp_path / "marked.xlsx", "zh")
    assert _sha(source) == before
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    ws = wb["项目"]
    assert ws["G3"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert "应为不小于0.01的数" in ws["G3"].comment.text
    assert ws["G2"].fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    assert ws["C4"].comment is not None  # the merged range's anchor
    assert "合计" in ws["A6"].comment.text
    listed = [row[2] for row in wb["校验结果"].iter_rows(min_row=2, values_only=True)]
    assert listed == [p.message("zh") for p in report.problems]
    # the annotated copy reads like the original (its extra sheet is ignored)
    again = validate_workbook(out)
    assert [p.code for p in again.problems] == [p.code for p in report.problems]


def test_annotate_refuses_to_overwrite_the_input(tmp_path: Path) -> None:
    source = _make(tmp_path, "en", _set("projects", 3, "land_demand", "abc"))
    before = _sha(source)
    with pytest.raises(AnnotateError) as caught:
        annotate_workbook(source, validate_workbook(source).problems, source, "en")
    # the write guard's words (core/files.py), shared by every writer
    assert "which this command reads; an input is never written over" in caught.value.report("en")
    assert "是本命令读取的" in caught.value.report("zh") and "输入文件从不被覆盖" in caught.value.report("zh")
    assert _sha(source) == before


def test_annotate_says_why_no_copy_was_written(runner: CliRunner, tmp_path: Path) -> None:
    """--annotate asked for a copy; when there is nothing to mark, or the file cannot be read at all, the user is
    told why the copy is not there, instead of nothing."""
    from quota_opt.cli.app import app

    good = _make(tmp_path, "zh", lambda wb: None)
    res = runner.invoke(app, ["validate", str(good), "--annotate", str(tmp_path / "a.xlsx")])
    assert res.exit_code == 0 and "没有需要标注的问题" in res.output and not (tmp_path / "a.xlsx").exists()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"x" * 64)
    res = runner.invoke(app, ["validate", str(broken), "--annotate", str(tmp_path / "b.xlsx"), "--lang", "en"])
    assert res.exit_code == 1 and "the file itself cannot be read" in res.output and not (tmp_path / "b.xlsx").exists()


# --------------------------------------------------------------------------------------------
# docs/workbook.md
# --------------------------------------------------------------------------------------------


def test_workbook_doc_is_up_to_date() -> None:
    assert DOC.is_file(), "write it with: python -m quota_opt.input.workbook_doc > docs/workbook.md"
    assert DOC.read_text(encoding="utf-8") == workbook_doc(), (
        "docs/workbook.md differs from the schema; regenerate: python -m quota_opt.input.workbook_doc > docs/workbook.md")


def test_every_warned_coercion_is_documented() -> None:
    doc = workbook_doc()
    for code, zh_text, en_text in COERCIONS:
        assert code in TEMPLATES
        assert f"`{code}`" in doc and en_text.replace("|", "\\|") in doc and zh_text in doc
    for column in PROJECTS.columns:
        assert f"`{column.key}`" in doc and column.label_zh in doc

"""Build scenario workbooks by hand with openpyxl, the way an official might fill one, for breaking on purpose.

`base_data()` is a small valid scenario (2 districts, 2 platforms, 2 chains, 2 years, 4 projects) as
plain rows; `build(data, lang)` lays it out as a workbook (header in row 1, records from row 2, so
project J2 is Excel row 3); `set_cell` / `find_column` edit a built workbook by sheet and column key;
`patch_sheet_xml` post-processes a saved file's sheet XML for what openpyxl cannot write (cached
formula values, raw numbers).

Row numbers in the base workbook: settings rows 2.. in the order of SETTINGS_ROWS; projects J1..J4
in rows 2..5; districts A, B in rows 2, 3; district_quotas (2026 A, 2026 B, 2027 A, 2027 B) in rows 2..5.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from quota_opt.core.schema import SETTINGS, SHEETS_BY_KEY, find_sheet, match_column

YES = {"en": "yes", "zh": "是"}
NO = {"en": "no", "zh": "否"}

# settings row order in the base workbook: key -> Excel row
SETTINGS_ROWS = ("scenario_name", "base_year", "horizon_years", "deferral_discount", "reward_ratio", "misfit_policy",
                 "carryover_allowed", "w_investment", "w_output_per_mu", "w_tax_per_mu", "w_energy_efficiency",
                 "w_platform_score")


def settings_row(key: str) -> int:
    return SETTINGS_ROWS.index(key) + 2


def base_data() -> dict[str, Any]:
    """A small valid scenario as rows keyed by schema column key (booleans as True/False)."""
    data: dict[str, Any] = {
        "settings": {"scenario_name": "corpus", "base_year": 2026, "horizon_years": 2, "deferral_discount": 0.9,
                     "reward_ratio": 0.5, "misfit_policy": "district_only", "carryover_allowed": False,
                     "w_investment": 0.3, "w_output_per_mu": 0.3, "w_tax_per_mu": 0.15,
                     "w_energy_efficiency": 0.15, "w_platform_score": 0.1},
        "districts": [
            {"district_id": "A", "name": "甲区", "stock_land_initial": 40},
            {"district_id": "B", "name": "乙区", "stock_land_initial": 0},
        ],
        "platforms": [
            {"platform_id": "PA", "name": "甲平台", "district_id": "A", "key_chains": "C1, C2", "evaluation_score": 80},
            {"platform_id": "PB", "name": "乙平台", "district_id": "B", "key_chains": "C1", "evaluation_score": 70,
             "land_capacity": 500},
        ],
        "chains": [
            {"chain_id": "C1", "name": "智能制造", "min_output_per_mu": 50, "min_tax_per_mu": 5,
             "max_energy_intensity": 0.5, "policy_weight": 1},
            {"chain_id": "C2", "name": "生物医药", "policy_weight": 1.2},
        ],
        "district_quotas": [
            {"year": 2026, "district_id": "A", "new_land_quota": 100, "energy_budget": 5000, "stock_land_added": 0},
            {"year": 2026, "district_id": "B", "new_land_quota": 80, "energy_budget": 4000, "stock_land_added": 10},
            {"year": 2027, "district_id": "A", "new_land_quota": 100, "energy_budget": 5000, "stock_land_added": 0},
            {"year": 2027, "district_id": "B", "new_land_quota": 80, "energy_budget": 4000, "stock_land_added": 0},
        ],
        "city_quotas": [
            {"year": 2026, "provincial_reward_quota": 50, "city_energy_pool": 2000},
            {"year": 2027, "provincial_reward_quota": 50, "city_energy_pool": 2000, "province_request_cap": 20},
        ],
        "projects": [
            _project("J1", "项目一", "A", "PA", "C1", 12, 60, True, 12000, 900, 800, earliest=2026, latest=2027),
            _project("J2", "项目二", "A", "PA", "C2", 5, 30, False, 4000, 300, 200, provincial_major=True),
            _project("J3", "项目三", "B", "PB", "C1", 20, 50, True, 9000, 700, 1500, city_led=True, earliest=2026),
            _project("J4", "项目四", "B", "PB", "C1", 3, 20, False, 2500, 150, 100, earliest=2027, latest=2027),
        ],
    }
    return copy.deepcopy(data)


def _project(pid: str, name: str, district: str, platform: str, chain: str, investment: float, land: float,
             stock: bool, output: float, tax: float, energy: float, *, provincial_major: bool = False,
             city_led: bool = False, earliest: int | None = None, latest: int | None = None) -> dict[str, Any]:
    return {"project_id": pid, "name": name, "district_id": district, "platform_id": platform, "chain_id": chain,
            "investment": investment, "land_demand": land, "stock_land_eligible": stock, "annual_output": output,
            "annual_tax": tax, "energy_demand": energy, "compliant": True, "approvable": True,
            "first_report_ok": True, "provincial_major": provincial_major, "city_led": city_led, "mandatory": False,
            "earliest_year": earliest, "latest_year": latest}


def _cell(value: Any, lang: str) -> Any:
    if isinstance(value, bool):
        return YES[lang] if value else NO[lang]
    return value


TABLE_ORDER = ("districts", "platforms", "chains", "district_quotas", "city_quotas", "projects", "actuals", "variants")


def build(data: dict[str, Any] | None = None, lang: str = "en", *, sheets: tuple[str, ...] | None = None) -> Workbook:
    """A workbook laid out like the template: settings as key/value rows, one table sheet per key.

    Sheet names and headers are keys for "en", Chinese labels for "zh". `sheets` limits and orders
    the sheets written (default: settings then every table present in `data`).
    """
    data = base_data() if data is None else data
    wb = Workbook()
    wb.remove(wb.active)
    order = sheets or ("settings", *(k for k in TABLE_ORDER if k in data))
    for key in order:
        sch = SHEETS_BY_KEY[key]
        ws = wb.create_sheet(sch.name(lang))
        if key == "settings":
            ws.append(["参数", "值"] if lang == "zh" else ["key", "value"])
            for k, v in data["settings"].items():
                ws.append([SETTINGS.column(k).header(lang), _cell(v, lang)])
            continue
        ws.append([c.header(lang) for c in sch.columns])
        for rec in data.get(key, []):
            ws.append([_cell(rec.get(c.key), lang) for c in sch.columns])
    return wb


def save(wb: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def sheet_of(wb: Workbook, key: str) -> Worksheet:
    for ws in wb.worksheets:
        sch = find_sheet(ws.title)
        if sch is not None and sch.key == key:
            return ws
    raise KeyError(key)


def find_column(ws: Worksheet, sheet_key: str, column_key: str, header_row: int = 1) -> int:
    sch = SHEETS_BY_KEY[sheet_key]
    for cell in ws[header_row]:
        if cell.value is not None:
            col = match_column(sch, cell.value)
            if col is not None and col.key == column_key:
                return int(cell.column)
    raise KeyError(column_key)


def cell_ref(wb: Workbook, sheet_key: str, row: int, column_key: str) -> str:
    if sheet_key == "settings":
        return f"B{row}"
    return f"{get_column_letter(find_column(sheet_of(wb, sheet_key), sheet_key, column_key))}{row}"


def set_cell(wb: Workbook, sheet_key: str, row: int, column_key: str, value: Any,
             number_format: str | None = None) -> str:
    """Put `value` in a record's cell (settings: the value cell of `column_key`'s row). Returns the cell ref."""
    ws = sheet_of(wb, sheet_key)
    ref = cell_ref(wb, sheet_key, row, column_key)
    ws[ref] = value
    if number_format:
        ws[ref].number_format = number_format
    return ref


def delete_column(wb: Workbook, sheet_key: str, column_key: str) -> None:
    ws = sheet_of(wb, sheet_key)
    ws.delete_cols(find_column(ws, sheet_key, column_key))


def patch_sheet_xml(path: Path, sheet_title: str, edit: Callable[[str], str]) -> Path:
    """Rewrite one worksheet's XML inside a saved .xlsx (for cached formula values and raw numbers)."""
    wb = load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet_title) + 1
    wb.close()
    part = f"xl/worksheets/sheet{index}.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == part:
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(item, content)
    path.write_bytes(buffer.getvalue())
    return path


def set_cached_value(xml: str, ref: str, cached: str) -> str:
    """Give the formula in cell `ref` a cached value, as Excel would after calculating it."""
    pattern = re.compile(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>[^<]*</v>)?')
    new, n = pattern.subn(rf"\1<v>{cached}</v>", xml)
    if n != 1:
        raise ValueError(f"no formula cell {ref}")
    return new


def set_raw_number(xml: str, ref: str, text: str) -> str:
    """Make cell `ref` a number cell holding `text` verbatim (e.g. 1E309, which no Excel writes)."""
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)')
    new, n = pattern.subn(f'<c r="{ref}" t="n"><v>{text}</v></c>', xml)
    if n != 1:
        raise ValueError(f"no cell {ref}")
    return new

"""Schema round trip: the blank template filled with a scenario reads back as that scenario.

Both templates (--lang zh: Chinese sheet names, labels and 是/否; --lang en: keys and yes/no) are
filled cell by cell the way an official would (by header, into the template's own sheets) and must
read back to the same data, and to each other. A hypothesis property does this for random valid
scenarios; deterministic tests cover `write_scenario` on the builders' random scenarios.
"""

from __future__ import annotations

import io
import math
import string
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from builders import random_small
from quota_opt.core.scenario import ROW, Scenario
from quota_opt.core.schema import SETTINGS, SHEETS, SHEETS_BY_KEY, match_column
from quota_opt.input.cells import EXCEL_ERRORS
from quota_opt.output.template import cell_value, write_scenario, write_template
from quota_opt.prepare import read_scenario, validate_workbook


def same_data(a: Scenario, b: Scenario) -> None:
    """Equal settings and tables (the Excel row numbers aside)."""
    assert a.settings == b.settings
    for key in Scenario.TABLES:
        pd.testing.assert_frame_equal(a.table(key).drop(columns=[ROW]), b.table(key).drop(columns=[ROW]),
                                      obj=key)


@cache
def template_bytes(lang: str) -> bytes:
    """The blank template, written once per language (each example fills a fresh copy)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_template(Path(folder) / "template.xlsx", lang).read_bytes()


def fill_template(sc: Scenario, lang: str, path: Path) -> Path:
    """The blank template of `lang` with `sc` typed into it: settings by parameter name, rows under the headers."""
    wb = load_workbook(io.BytesIO(template_bytes(lang)))
    for sch in SHEETS:
        ws = wb[sch.name(lang)]
        if sch.kind == "keyvalue":
            rows = {match_column(SETTINGS, ws.cell(row=r, column=1).value).key: r  # type: ignore[union-attr]
                    for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value}
            for col in SETTINGS.columns:
                ws.cell(row=rows[col.key], column=2, value=cell_value(col, getattr(sc.settings, col.key), lang))
            continue
        positions = {}
        for cell in ws[1]:
            col = match_column(sch, cell.value) if cell.value else None
            if col is not None:
                positions[col.key] = cell.column
        assert set(positions) == {c.key for c in sch.columns}, f"{sch.key}: the template lacks columns"
        for i, rec in enumerate(sc.table(sch.key).to_dict("records"), start=2):
            for col in sch.columns:
                ws.cell(row=i, column=positions[col.key], value=cell_value(col, rec[col.key], lang))
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# Random valid scenarios
# --------------------------------------------------------------------------------------------

ID_CHARS = string.ascii_uppercase + string.digits + "_-."
ids = st.text(alphabet=ID_CHARS, min_size=1, max_size=6)
names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=24).filter(
    lambda s: s == s.strip() and not s.startswith("=") and s not in EXCEL_ERRORS)  # those are input errors


def digits12(value: float) -> float:
    """`value` to 12 significant digits: Excel keeps 15, and the reader drops binary noise beyond that."""
    return float(f"{value:.12g}")


def fractions(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_subnormal=False).map(digits12).filter(
        lambda v: low <= v <= high)


def amounts(low: float = 0.0, high: float = 1e5) -> st.SearchStrategy[float]:
    whole = st.integers(math.ceil(low), math.floor(high)).map(float)
    return st.one_of(whole, fractions(low, high)) if math.ceil(low) > 0 or low == 0 else fractions(low, high)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    base_year = draw(st.integers(2020, 2035))
    horizon = draw(st.integers(1, 3))
    years = list(range(base_year, base_year + horizon))
    settings_ = {
        "base_year": base_year, "horizon_years": horizon, "scenario_name": draw(names),
        "objective_mode": draw(st.sampled_from(["priority", "weighted_totals"])),
        "w_investment": draw(fractions(0.01, 1.0)), "w_output_per_mu": draw(fractions(0.0, 1.0)),
        "w_tax_per_mu": draw(fractions(0.0, 1.0)), "w_energy_efficiency": draw(fractions(0.0, 100.0)),
        "w_platform_score": draw(fractions(0.0, 1.0)), "deferral_discount": draw(fractions(0.01, 1.0)),
        "reward_ratio": draw(st.one_of(st.just(0.0), fractions(0.01, 10.0))), "reward_lag_years": draw(st.integers(0, 5)),
        "major_investment_threshold": draw(amounts(0, 100)), "misfit_policy": "district_only",
        "province_request_cap": draw(amounts(0, 1000)), "province_request_penalty": draw(fractions(0.0, 10.0)),
        "carryover_allowed": draw(st.booleans()), "time_limit_s": draw(fractions(0.5, 3600.0)),
        "mip_gap": draw(fractions(0.0, 1.0)), "threads": draw(st.integers(0, 256)),
        "major_priority": draw(st.sampled_from(["strict", "weighted", "none"])),
        "major_weight": draw(fractions(1.0, 10.0)),
    }
    # a reward lag of 0 needs the documented override (五(一) 下一年度)
    settings_["same_year_reward"] = settings_["reward_lag_years"] == 0 or draw(st.booleans())
    all_ids = draw(st.lists(ids, min_size=7, max_size=16, unique_by=str.casefold))
    n_d = draw(st.integers(1, 2))
    districts_ids, rest = all_ids[:n_d], all_ids[n_d:]
    platform_ids, chain_ids, project_ids = rest[:2], rest[2:4], rest[4:]
    districts = [{"district_id": d, "name": draw(names), "stock_land_initial": draw(amounts())} for d in districts_ids]
    platform_district = {p: draw(st.sampled_from(districts_ids)) for p in platform_ids}
    platforms = [{"platform_id": p, "name": draw(names), "district_id": platform_district[p],
                  "key_chains": tuple(draw(st.lists(st.sampled_from(chain_ids), min_size=1, max_size=2, unique=True))),
                  "evaluation_score": draw(amounts(0, 100)),
                  "land_capacity": draw(st.one_of(st.none(), amounts()))} for p in platform_ids]
    chains = [{"chain_id": c, "name": draw(names), "policy_weight": draw(fractions(0.1, 10.0)),
               "max_energy_intensity": draw(st.none())} for c in chain_ids]
    quotas = [{"year": y, "district_id": d, "new_land_quota": draw(amounts()), "energy_budget": draw(amounts()),
               "stock_land_added": draw(amounts(0, 100))} for y in years for d in districts_ids]
    city = [{"year": y, "provincial_reward_quota": draw(amounts()), "city_energy_pool": draw(amounts()),
             "province_request_cap": draw(st.one_of(st.none(), amounts()))} for y in years]
    projects = []
    for pid in project_ids:
        platform = draw(st.sampled_from(platform_ids))
        first = draw(st.sampled_from(years))
        mandatory = draw(st.booleans())
        projects.append({
            "project_id": pid, "name": draw(names), "district_id": platform_district[platform], "platform_id": platform,
            "chain_id": draw(st.sampled_from(chain_ids)), "investment": draw(amounts(0.001, 1000)),
            "land_demand": draw(amounts(0.01, 1000)), "stock_land_eligible": draw(st.booleans()),
            "annual_output": draw(amounts(0, 1e7)), "annual_tax": draw(amounts(0, 1e6)),
            "energy_demand": draw(st.one_of(st.just(0.0), amounts(0.01, 1e4))), "compliant": mandatory or draw(st.booleans()),
            "approvable": mandatory or draw(st.booleans()), "first_report_ok": draw(st.booleans()),
            "provincial_major": draw(st.booleans()), "city_led": draw(st.booleans()), "mandatory": mandatory,
            "earliest_year": draw(st.one_of(st.none(), st.just(first))),
            "latest_year": draw(st.one_of(st.none(), st.sampled_from([y for y in years if y >= first]))),
        })
    return Scenario.from_tables(settings_, {
        "districts": districts, "platforms": platforms, "chains": chains, "district_quotas": quotas,
        "city_quotas": city, "projects": projects})


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(sc=scenarios())
def test_template_filled_in_both_languages_reads_back_identically(sc: Scenario, tmp_path: Path) -> None:
    read = {}
    for lang in ("zh", "en"):
        path = fill_template(sc, lang, tmp_path / f"filled_{lang}.xlsx")
        report = validate_workbook(path)
        assert report.ok, report.messages("en")
        assert report.scenario is not None
        assert all(p.code in ("project_too_large", "project_energy_too_large") for p in report.warnings), (
            report.messages("en"))
        read[lang] = report.scenario
        same_data(report.scenario, sc)
    same_data(read["zh"], read["en"])


# --------------------------------------------------------------------------------------------
# Deterministic round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_write_scenario_reads_back(seed: int, lang: str, tmp_path: Path) -> None:
    sc = random_small(seed)
    back = read_scenario(write_scenario(sc, tmp_path / "sc.xlsx", lang))
    same_data(back, sc)
    assert list(back.projects[ROW]) == list(range(2, 2 + len(sc.projects)))


@pytest.mark.slow
def test_blank_template_names_every_sheet_and_column(tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        wb = load_workbook(io.BytesIO(template_bytes(lang)))
        for sch in SHEETS:
            ws = wb[sch.name(lang)]
            if sch.kind == "table":
                assert [c.value for c in ws[1]] == [c.header(lang) for c in sch.columns]
        report = validate_workbook(write_template(tmp_path / f"blank_{lang}.xlsx", lang))
        # blank: only what an official must still fill in is reported
        assert {p.code for p in report.errors} == {"required_blank", "no_records"}


@pytest.mark.slow
def test_a_hand_filled_scenario_reads_back(tmp_path: Path) -> None:
    sc = random_small(11)
    zh = validate_workbook(fill_template(sc, "zh", tmp_path / "zh.xlsx")).scenario
    en = validate_workbook(fill_template(sc, "en", tmp_path / "en.xlsx")).scenario
    assert zh is not None and en is not None
    same_data(zh, sc)
    same_data(en, zh)
    assert zh.meta["projects"].name == SHEETS_BY_KEY["projects"].label_zh and en.meta["projects"].name == "projects"


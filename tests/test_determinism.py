"""The same workbook and settings give the same allocation and the same workbook.

The only values that differ from one run to the next are the documented run-time fields of the
summary sheet: `run_at` (when the run happened) and the `time_*_s` rows (measured durations).
Everything else, including the document properties (creator, created, modified) and the dates
inside the .xlsx zip, is a function of the inputs: a workbook written twice from the same run is
byte-for-byte the same, and so is the template.

Runs that stop at the time limit are not covered: where HiGHS stops depends on the machine's speed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from builders import project, tiny
from quota_opt.cli.app import app
from quota_opt.core.results_schema import SUMMARY, SUMMARY_ROWS
from quota_opt.core.scenario import Scenario
from quota_opt.output.excel import FIXED_TIME
from quota_opt.output.results_workbook import RUN_AT_KEY, write_results
from quota_opt.output.template import write_scenario, write_template
from quota_opt.pipeline import RunOptions, run_scenario

RUN_TIME_KEYS = {RUN_AT_KEY} | {k for k in SUMMARY_ROWS if k.startswith("time_")}
TIMESTAMP = re.compile(r"\b(19|20)\d\d-\d\d-\d\d[ T]\d\d:\d\d")


def contested(seed: int, n_projects: int = 16) -> Scenario:
    """Three districts, two years, `n_projects` projects competing for about 40% of the land they ask for,
    with stock land, provincial rewards and a city energy pool in play."""
    rng = np.random.default_rng(seed)
    ds = ["D0", "D1", "D2"]
    projects = []
    for i in range(n_projects):
        land = float(rng.integers(10, 120))
        projects.append(project(
            f"J{i:02d}", land, district=ds[i % 3], investment=float(rng.uniform(1, 30)),
            output=land * float(rng.uniform(30, 400)), tax=land * float(rng.uniform(2, 40)),
            energy=float(rng.uniform(50, 800)), stock_land_eligible=bool(rng.random() < 0.4),
            provincial_major=bool(rng.random() < 0.25)))
    demand = sum(p["land_demand"] for p in projects)
    quotas = {(d, y): {"new_land_quota": round(demand * 0.2 / 3), "energy_budget": 4000.0, "stock_land_added": 30.0}
              for d in ds for y in (2026, 2027)}
    return tiny(projects, districts=[{"district_id": d, "name": f"区{d}", "stock_land_initial": 40.0} for d in ds],
                quotas=quotas, city={y: {"provincial_reward_quota": 60.0, "city_energy_pool": 1500.0,
                                         "province_request_cap": 50.0} for y in (2026, 2027)},
                horizon_years=2, reward_ratio=0.5)


def run_time_labels(lang: str) -> set[str]:
    return RUN_TIME_KEYS if lang == "en" else {SUMMARY_ROWS[k][0] for k in RUN_TIME_KEYS}


def sheet_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def core_times(path: Path) -> tuple[object, object]:
    props = openpyxl.load_workbook(path).properties
    return props.created, props.modified


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            assert info.date_time == FIXED_TIME.timetuple()[:6], f"{path.name}:{info.filename} dated {info.date_time}"
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "backend"), [("en", "pyomo"), ("zh", "highs")])
def test_two_runs_give_the_same_allocation_and_workbook(runner: CliRunner, tmp_path: Path, lang: str, backend: str) -> None:
    scenario = write_scenario(contested(4), tmp_path / "contested.xlsx", lang)
    outs = []
    for i in (1, 2):
        out = tmp_path / f"run{i}.xlsx"
        res = runner.invoke(app, ["run", str(scenario), "-o", str(out), "--lang", lang, "--backend", backend])
        assert res.exit_code == 0, res.output
        outs.append(out)
    first, second = (sheet_values(p) for p in outs)
    assert list(first) == list(second)
    summary = SUMMARY.name(lang)
    skip = run_time_labels(lang)
    for sheet in first:
        a, b = first[sheet], second[sheet]
        if sheet == summary:
            assert {r[0] for r in a} >= skip, "every documented run-time row is there"
            a = [r for r in a if r[0] not in skip]
            b = [r for r in b if r[0] not in skip]
        assert a == b, f"sheet {sheet} differs between two runs"
    status = dict((r[0], r[1]) for r in first[summary])[SUMMARY_ROWS["status"][0] if lang == "zh" else "status"]
    assert status in ("optimal", "最优")
    # fixed document properties, and nothing else in the file changes but the summary's run-time cells
    assert core_times(outs[0]) == core_times(outs[1]) == (FIXED_TIME, FIXED_TIME)
    parts = [zip_parts(p) for p in outs]
    assert parts[0].keys() == parts[1].keys()
    summary_part = f"xl/worksheets/sheet{list(first).index(summary) + 1}.xml"
    differ = {name for name in parts[0] if parts[0][name] != parts[1][name]}
    assert differ <= {summary_part, "xl/sharedStrings.xml"}, differ


@pytest.mark.slow
def test_run_at_is_the_only_timestamp_in_a_results_workbook(tmp_path: Path) -> None:
    result = run_scenario(contested(5), RunOptions(threads=1))
    path = write_results(result, tmp_path / "r.xlsx", "en")
    found = []
    for sheet, rows in sheet_values(path).items():
        for r, row in enumerate(rows, start=1):
            for value in row:
                if hasattr(value, "year") or (isinstance(value, str) and TIMESTAMP.search(value)):
                    found.append((sheet, r, row[0], value))
    assert [(s, key) for s, _, key, _ in found] == [("summary", RUN_AT_KEY)], found


@pytest.mark.slow
def test_the_same_run_written_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    result = run_scenario(contested(6), RunOptions(threads=1))
    run_at = FIXED_TIME.replace(hour=9)
    still = lambda: 0.0  # noqa: E731 -- a clock that stands still: the write time, measured in writing, is 0
    for lang in ("zh", "en"):
        a = write_results(result, tmp_path / f"a_{lang}.xlsx", lang, run_at=run_at, clock=still).read_bytes()
        b = write_results(result, tmp_path / f"b_{lang}.xlsx", lang, run_at=run_at, clock=still).read_bytes()
        assert a == b, lang


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_and_scenario_workbooks_are_byte_for_byte_reproducible(tmp_path: Path, lang: str) -> None:
    t1 = write_template(tmp_path / "t1.xlsx", lang)
    t2 = write_template(tmp_path / "t2.xlsx", lang)
    assert t1.read_bytes() == t2.read_bytes()
    assert core_times(t1) == (FIXED_TIME, FIXED_TIME)
    zip_parts(t1)  # every member dated FIXED_TIME
    s1 = write_scenario(contested(7), tmp_path / "s1.xlsx", lang)
    s2 = write_scenario(contested(7), tmp_path / "s2.xlsx", lang)
    assert s1.read_bytes() == s2.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["the example", "200 projects", "200 projects searched"])
def test_a_time_limited_run_counted_in_work_gives_the_same_plan_under_load(model: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With the time limit counted in solver work (RunOptions.deterministic, the default of compare and sweep), a
    run stopped short of its gap gives the same plan with and without a busy process beside it (one HiGHS thread;
    no 待争取 second solve, as the plan is what is compared):
    - the example (HiGHS alone on small models), a 1-s limit: 41 branch-and-bound nodes on its 813 columns
      (`STRATEGY.nodes`), far short of its 0.1% gap;
    - a generated city of 200 projects (1,398 columns), a 2-s limit: the MIP from the LP-guided start, 28 nodes,
      with the district bound beside it (each district MIP to its own node limit), then the district combination
      and one step of the district pairs (`STRATEGY.district_work`; a step for each 0.5 s of their 40% here, not
      2.3 s, so that the test is quick);
    - the same city with the district search in the MIP's place (as over `search_from_columns`, lowered here to
      1,000 columns), a 3-s limit: the split, the neighbourhood, one round of the bound and the combination, each
      to its node limit (`STRATEGY.search_work`).
    Counted in seconds, where HiGHS stops depends on the load: two runs of the example with a 6-s wall-clock limit
    ended at 1,973.9 and 1,783.8 (load average 15 on 2 cores)."""
    import subprocess
    import sys

    from quota_opt.input.validate import read_scenario
    from quota_opt.studies.generate import generate_scenario

    if model == "the example":
        sc = read_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "hangzhou_example.xlsx")
        limit = 1.0
    else:
        import dataclasses

        import quota_opt.pipeline as pipeline

        sc, limit = generate_scenario(200, 13, 3, seed=1), 2.0
        quick = dataclasses.replace(pipeline.STRATEGY, pair_step_s=0.5)
        assert quick.district_work(limit, 1_398, 13).pair_steps == 1
        if model.endswith("searched"):
            limit = 3.0
            quick = dataclasses.replace(quick, search_from_columns=1_000)
        monkeypatch.setattr(pipeline, "STRATEGY", quick)
    options = RunOptions(time_limit_s=limit, deterministic=True, shadow_prices=False, province_fallback=False)
    quiet = run_scenario(sc, options)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(1)]
    try:
        loaded = run_scenario(sc, options)
    finally:
        for p in busy:
            p.kill()
            p.wait()
    assert quiet.solution.termination != "time limit" and loaded.solution.termination != "time limit"
    assert quiet.solution.status.value == "feasible"
    # stopped by its budget, and said so in the bureau's words (HiGHS's kSolutionLimit is its node limit)
    assert quiet.solution.termination == "work limit" and quiet.summary("zh")["termination"] == "达到计算量上限"
    if model != "the example":  # the district steps ran, and gave the same bound
        assert quiet.district_bound is not None and quiet.district_bound == loaded.district_bound
        searched = quiet.start_source in ("district split", "district neighbourhood", "district combination")
        assert searched == model.endswith("searched")
    assert quiet.solution.objective == loaded.solution.objective
    assert quiet.solution.x is not None and loaded.solution.x is not None
    assert np.array_equal(quiet.solution.x, loaded.solution.x)

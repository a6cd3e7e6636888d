"""The scenario generator and the example workbooks in scenarios/.

- `generate_scenario`: valid at every size asked for, the same seed gives the same scenario and the same
  workbook bytes, another seed another scenario; it contains the awkward cases the issue asks for.
- scenarios/*.xlsx are exactly what scripts/make_examples.py writes (so they can always be rebuilt), and
  they validate with the advertised contents.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from quota_opt.output.template import write_scenario
from quota_opt.prepare import prepare, validate_workbook
from quota_opt.studies.generate import generate_scenario, hangzhou_example, small_en

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize(("projects", "districts", "years"), [(12, 3, 1), (120, 13, 3), (400, 30, 5), (50, 90, 2)])
def test_generated_workbooks_validate(projects: int, districts: int, years: int, tmp_path: Path) -> None:
    path = write_scenario(generate_scenario(projects, districts, years, seed=7), tmp_path / "g.xlsx", "en")
    report = validate_workbook(path)
    assert report.ok, report.messages("en")[:5]
    sc = report.scenario
    assert sc is not None
    assert len(sc.projects) == projects and len(sc.districts) == districts
    assert sc.settings.horizon_years == years


@pytest.mark.slow
def test_same_seed_same_workbook_other_seed_other_scenario(tmp_path: Path) -> None:
    a = write_scenario(generate_scenario(200, 13, 3, seed=3), tmp_path / "a.xlsx", "zh")
    b = write_scenario(generate_scenario(200, 13, 3, seed=3), tmp_path / "b.xlsx", "zh")
    assert a.read_bytes() == b.read_bytes()
    other = generate_scenario(200, 13, 3, seed=4)
    assert not other.projects.equals(generate_scenario(200, 13, 3, seed=3).projects)


def test_generated_scenarios_have_the_awkward_cases() -> None:
    """Misfits, non-compliant projects, provincial majors, stock-eligible projects, and quotas that bind:
    the projects ask for more land than the district quotas give."""
    sc = generate_scenario(1000, 13, 3, seed=1)
    p = prepare(sc).projects
    assert (~p["fits_layout"]).sum() > 0
    assert (~p["compliant"].astype(bool)).sum() > 0
    assert p["provincial_major"].astype(bool).sum() > 0
    assert p["stock_land_eligible"].astype(bool).sum() > 0
    demand = p.loc[p["eligible"], "land_demand"].sum()
    assert demand > sc.district_quotas["new_land_quota"].sum()


@pytest.mark.slow
def test_examples_are_what_the_script_writes(tmp_path: Path) -> None:
    for name, scenario in (("hangzhou_example.xlsx", hangzhou_example()), ("small_en.xlsx", small_en())):
        committed = ROOT / "scenarios" / name
        assert committed.exists(), f"{name} missing: run make examples"
        report = validate_workbook(committed)
        assert report.ok, report.messages("en")[:5]
        assert report.scenario is not None
        for key in ("projects", "districts", "district_quotas"):
            pd.testing.assert_frame_equal(report.scenario.table(key).drop(columns=["_row"]),
                                          scenario.table(key).drop(columns=["_row"]), obj=key, check_dtype=False)
    hz = validate_workbook(ROOT / "scenarios" / "hangzhou_example.xlsx").scenario
    assert hz is not None
    assert len(hz.districts) == 13 and len(hz.projects) == 120 and hz.settings.horizon_years == 3
    assert "虚构" in hz.settings.scenario_name  # marked as illustrative


@pytest.mark.slow
def test_make_examples_is_deterministic(tmp_path: Path) -> None:
    """The script run twice writes the same bytes (the committed files are rebuilt identically)."""
    script = ROOT / "scripts" / "make_examples.py"
    before = {p.name: p.read_bytes() for p in (ROOT / "scenarios").glob("*.xlsx") if not p.name.endswith("_results.xlsx")}
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    after = {p.name: p.read_bytes() for p in (ROOT / "scenarios").glob("*.xlsx") if not p.name.endswith("_results.xlsx")}
    assert before == after



@pytest.mark.slow
def test_generate_refuses_what_the_generator_cannot_make_before_it_starts(tmp_path: Path) -> None:
    """`quota-opt generate --districts 100` (its --help allowed 1 to 500) reached generate_scenario, which makes at
    most 99 districts: its ValueError ended the command as an internal error, in English, exit 70. Now the option's
    bounds are within the generator's, so the command line is refused as any bad option is (zh or en, exit 1), and
    the generator's own ValueErrors (out-of-range projects, districts, years) cannot be reached from the CLI."""
    import re

    from quota_opt.cli.app import app
    from quota_opt.studies import generate

    options = {p.name: p.type for p in app.commands["generate"].params}
    for name, most in (("projects", generate.MAX_PROJECTS), ("districts", generate.MAX_DISTRICTS),
                       ("years", generate.MAX_YEARS)):
        assert options[name].min == 1 and options[name].max <= most, name
    for argv, words in (
        (["--districts", "100"], '命令行选项 --districts：应为不小于1且不大于99的整数，实际为 "100"。'),
        (["--districts", "500", "--lang", "en"], 'command-line option --districts: expected a whole number ≥ 1 and ≤ 99, got "500".'),
        (["--years", "11"], '命令行选项 --years：应为不小于1且不大于10的整数，实际为 "11"。'),
        (["--projects", "100001", "--lang", "en"], "command-line option --projects: expected a whole number ≥ 1 and ≤ 100,000, "
                                                   'got "100001".'),
    ):
        done = subprocess.run([sys.executable, "-m", "quota_opt.cli.app", "generate", "-o", str(tmp_path / "g.xlsx"),
                               *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert words in " ".join(done.stderr.split()), done.stderr
        assert not re.search(r"内部错误|Internal error|Traceback|ValueError", done.stderr), done.stderr
    assert not (tmp_path / "g.xlsx").exists()
    with pytest.raises(ValueError, match="districts"):
        generate_scenario(projects=10, districts=100, years=1, seed=1)

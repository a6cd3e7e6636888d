"""A degenerate objective: every eligible project scores 0 (all weights 0 but one criterion that is 0 for every
project). Validation warns and says what to change; the run claims nothing that did not happen: no project
"left out within the solver's optimality tolerance" or "out-competed", no percentage over the ranking rule."""

from __future__ import annotations

from pathlib import Path

from builders import project, tiny
from quota_opt.output.template import write_scenario
from quota_opt.pipeline import RunOptions, run_scenario
from quota_opt.prepare import validate_workbook  # the whole check: records, then the prepared data

PLATFORM_ONLY = {"w_investment": 0.0, "w_output_per_mu": 0.0, "w_tax_per_mu": 0.0, "w_energy_efficiency": 0.0,
                 "w_platform_score": 1.0}


def test_every_score_zero_is_warned_and_no_reason_claims_a_contest(tmp_path: Path) -> None:
    """Platform score is the only weighted criterion, and the platform's evaluation score is 0: each of the five
    projects (20 mu each, 200 mu of quota) scores 0. The objective is then only the tie-breaks (−1e-6 per mu
    of district quota), which the empty plan maximises."""
    sc = tiny([project(f"J{i}", 20, investment=5 + i) for i in range(5)],
              platforms=[{"platform_id": "PA", "name": "平台", "district_id": "A", "key_chains": "C1",
                          "evaluation_score": 0}],
              quotas={("A", 2026): {"new_land_quota": 200}}, **PLATFORM_ONLY)
    report = validate_workbook(write_scenario(sc, tmp_path / "zero.xlsx", "en"))
    assert report.ok and report.scenario is not None
    warned = [p for p in report.warnings if p.code == "objective_degenerate"]
    assert len(warned) == 1 and warned[0].where.sheet == "settings" and warned[0].where.column == "w_platform_score"
    en, zh = warned[0].message("en"), warned[0].message("zh")
    assert "every eligible project scores 0" in en and "platform_score is 0 for every project" in en, en
    assert "w_investment" in en and "w_investment" in zh and "综合得分均为 0" in zh, zh

    result = run_scenario(report.scenario, RunOptions(backend="highs"))
    assert result.plan is not None
    a = result.plan.allocation
    left_out = a[a["status"] != "selected"]
    assert set(left_out["reason_code"]) == {"no_value"}, left_out[["project_id", "reason_code", "reason_en"]]
    assert all("scores 0" in r for r in left_out["reason_en"])
    assert not any("tolerance" in r or "competed" in r for r in a["reason_en"])
    assert result.summary("en")["value_vs_ranking_rule"] is None

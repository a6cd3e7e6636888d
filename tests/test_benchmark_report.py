"""The benchmark report's reference rows (benchmarks/run.py): shown beside the same instance only."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _row(name: str, objective: float, lp_bound: float) -> dict:
    return {"case": {"name": name}, "quota_opt": {"objective": objective, "lp_bound": lp_bound}}


def test_reference_rows_show_the_distance_to_the_best_known():
    bench = _bench()
    ref = bench.REFERENCE["300x13x3"]
    lines = bench.reference_lines([_row("300x13x3", 4250.0, ref.lp_bound)])
    row = next(line for line in lines if line.startswith("| 300x13x3 |"))
    # below the best allocation: (4,286.87 − 4,250) / 4,250 = 0.87%; to the best bound: (4,291.86 − 4,250) / 4,250
    # = 0.98%; the two known apart: (4,291.86 − 4,286.87) / 4,286.87 = 0.12%
    assert row == "| 300x13x3 | 4,250.0 | 4,286.87 | 0.87% | 4,291.86 | 0.98% | 0.12% |"
    assert any(line.startswith("- 300x13x3: allocation, branch-and-price") for line in lines)


def test_reference_rows_are_hidden_beside_another_instance():
    bench = _bench()
    ref = bench.REFERENCE["300x13x3"]
    assert bench.reference_lines([_row("300x13x3", 4250.0, ref.lp_bound * 1.001)]) == []
    assert bench.reference_lines([_row("120x13x3", 1500.0, 1645.1)]) == []
    assert bench.reference_lines([{"case": {"name": "300x13x3"}, "quota_opt": {"error": ["x"]}}]) == []

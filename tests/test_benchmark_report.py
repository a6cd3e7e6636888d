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


def _with_reference(bench):
    """The report's module with one reference of its own (the figures in run.py change with the instances)."""
    bench.REFERENCE = {"300x13x3": bench.Reference(4458.127, 4286.87, "branch-and-price", 4291.86, "a long run")}
    return bench


def test_reference_rows_show_the_distance_to_the_best_known():
    bench = _with_reference(_bench())
    ref = bench.REFERENCE["300x13x3"]
    lines = bench.reference_lines([_row("300x13x3", 4250.0, ref.lp_bound)])
    row = next(line for line in lines if line.startswith("| 300x13x3 |"))
    # below the best allocation: (4,286.87 − 4,250) / 4,250 = 0.87%; to the best bound: (4,291.86 − 4,250) / 4,250
    # = 0.98%; the two known apart: (4,291.86 − 4,286.87) / 4,286.87 = 0.12%
    assert row == "| 300x13x3 | 4,250.0 | 4,286.87 | 0.87% | 4,291.86 | 0.98% | 0.12% |"
    assert "- 300x13x3: allocation, branch-and-price; bound, a long run." in lines


def test_reference_rows_are_hidden_beside_another_instance():
    bench = _with_reference(_bench())
    ref = bench.REFERENCE["300x13x3"]
    assert bench.reference_lines([_row("300x13x3", 4250.0, ref.lp_bound * 1.001)]) == []
    assert bench.reference_lines([_row("120x13x3", 1500.0, 1645.1)]) == []
    assert bench.reference_lines([{"case": {"name": "300x13x3"}, "quota_opt": {"error": ["x"]}}]) == []


def test_the_proof_rows_compare_each_round_with_highs_alone_in_the_same_round():
    """benchmarks/proof.py's section: quota-opt's solve time over HiGHS alone's in the same round (one HiGHS random
    seed, the same on both sides), and the median."""
    proof = _bench().proof_bench()

    def round_(ours: float, alone: float, seed: int = 0) -> dict:
        return {"ours": {"solve_s": ours, "cpu_s": ours / 2, "status": "optimal", "cols": 813, "rows": 629},
                "alone": {"solve_s": alone, "cpu_s": alone, "status": "kOptimal"}, "load": 1.0, "seed": seed}

    lines = proof.lines({"date": "2026-12-07 05:00", "load_start": 1.0, "load_end": 2.0, "limit_s": 300.0,
                         "rows": [{"case": "the example", "rounds": [round_(20.0, 25.0), round_(30.0, 20.0, 1),
                                                                     round_(10.0, 40.0, 2)]}]})
    rows = [line for line in lines if line.startswith("| the example |")]
    # wall 20 / 25 = 0.80, 30 / 20 = 1.50, 10 / 40 = 0.25, their median 0.80; CPU half of each: 0.40, 0.75, 0.12
    assert [row.split("|")[-3:-1] for row in rows] == [[" 0.80 ", " 0.40 "], [" 1.50 ", " 0.75 "],
                                                       [" 0.25 ", " 0.12 "], [" 0.80 ", " 0.40 "]]
    two = proof.lines({"date": "", "load_start": 1.0, "load_end": 1.0, "limit_s": 1.0,
                       "rows": [{"case": "x", "rounds": [round_(20.0, 25.0), round_(30.0, 20.0)]}]})
    assert two[-1].split("|")[-3:-1] == [" 1.15 ", " 0.57 "]  # an even count: the mean of the middle two
    assert "| 813 × 629 | 0 | 20.0 | 10.0 | optimal | 25.0 | 25.0 | optimal |" in rows[0]
    assert "| 813 × 629 | 2 | 10.0 |" in rows[2]  # each round's seed
    assert proof.lines(None) == []


def test_the_work_rows_say_whether_the_loaded_run_gave_the_same_plan():
    """benchmarks/work.py's section: each model on the clock and counted in work, the time over the limit, and
    whether the run beside a busy process gave the idle run's plan (its allocation's digest)."""
    work = _bench().work_bench()

    def run(objective: float, solve_s: float, plan: str) -> dict:
        return {"objective": objective, "gap": 0.01, "solve_s": solve_s, "cols": 2093, "plan": plan}

    lines = work.lines({"date": "2026-12-07 14:00", "load_start": 1.0, "load_end": 2.0, "limit_s": 30.0,
                        "rows": [{"case": "300x13x3", "clock": run(4119.5, 30.0, "a"), "work": run(4118.1, 45.0, "b"),
                                  "loaded": run(4118.1, 60.0, "b")},
                                 {"case": "the example", "clock": run(2042.6, 30.0, "c"),
                                  "work": run(2035.8, 21.0, "d"), "loaded": {"error": ["killed"]}}]})
    same, differs = (line for line in lines if line.startswith("| 300x13x3 |") or line.startswith("| the example |"))
    # 45 s over a 30-s limit: 1.5 times
    assert same == ("| 300x13x3 | 2,093 | 4,119.5 | 1.00% | 30.0 | 1.0 | 4,118.1 | 1.00% | 45.0 | 1.5 | yes |")
    assert differs.endswith("| **no** |")
    assert work.lines(None) == []

"""The explain benchmark: every project of the example explained from its adopted plan, each timed.

`python benchmarks/explain.py [--every K] [--workers N]` (also run by `make bench`, through benchmarks/run.py):
the example (scenarios/hangzhou_example.xlsx) is run once with its own settings, then `explain_project` is called
on the results for each project with a decision to explain (eligible, not an actual), or every K-th of them, as
`quota-opt explain` calls it (worker processes, `--workers`, default 2). Per project: wall-clock seconds, CPU
seconds (this process and its workers: on an idle machine the wall time of two workers is about half of it),
re-solves, re-solves settled by the LP bound, thresholds not exact. Target (issue 22): each ≤ 15 s on 2 cores,
median ≤ 5 s. Nothing here asserts a time; the load is recorded beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "scenarios" / "hangzhou_example.xlsx"


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def explain_all(every: int = 1, workers: int = 2) -> dict[str, Any]:
    from quota_opt.input.results_read import read_results
    from quota_opt.input.validate import read_scenario
    from quota_opt.interpret.whatif import adopted_plan, explain_project
    from quota_opt.output.results_workbook import write_results
    from quota_opt.pipeline import RunOptions, run_scenario

    load = os.getloadavg()[0]
    scenario = read_scenario(EXAMPLE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example_results.xlsx"
        write_results(run_scenario(scenario, RunOptions()), path, "en")
        adopted = read_results(path).allocation
    plan = adopted_plan(scenario, adopted)
    assert plan is not None and plan.plan is not None
    rebuilt = plan.plan.allocation
    todo = [str(p) for p, status, eligible in zip(rebuilt["project_id"], rebuilt["status"], rebuilt["eligible"],
                                                  strict=True) if status != "actual" and bool(eligible)]
    rows = []
    for pid in todo[::every]:
        wall, cpu = time.perf_counter(), cpu_s()
        ex = explain_project(scenario, pid, RunOptions(shadow_prices=False), adopted=adopted, workers=workers)
        rows.append({"project": pid, "selected": ex.selected, "wall_s": time.perf_counter() - wall,
                     "cpu_s": cpu_s() - cpu, "solves": ex.solves, "skipped": ex.skipped,
                     "approximate": sum(not th.exact for th in ex.thresholds)})
        print(f"  {rows[-1]}", flush=True)
    return {"projects": len(todo), "every": every, "workers": workers, "load_start": load,
            "load_end": os.getloadavg()[0], "rows": rows}


def render(result: dict[str, Any] | None) -> list[str]:
    """RESULTS.md's explain section."""
    if not result or not result.get("rows"):
        return []
    rows = result["rows"]
    wall = [r["wall_s"] for r in rows]
    cpu = [r["cpu_s"] for r in rows]
    sample = "every project" if result["every"] == 1 else f"every {result['every']}th project"
    return [
        "",
        f"`explain` on the example (benchmarks/explain.py): {sample} of the {result['projects']} with a decision to "
        f"explain, from the adopted plan of a run with the example's settings, {result['workers']} worker "
        f"processes; load average {result['load_start']:.2f} at the start, {result['load_end']:.2f} at the end. "
        "*CPU*: this process and its workers, which share two cores; *wall* is what the user waits, and moves "
        "with the machine's load. Target (wall, 2 cores): each ≤ 15 s, median ≤ 5 s.",
        "",
        "| projects | wall median | wall max | CPU median | CPU max | re-solves median | settled by LP bound | "
        "thresholds approximate |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(rows)} | {statistics.median(wall):.1f} | {max(wall):.1f} | {statistics.median(cpu):.1f} | "
        f"{max(cpu):.1f} | {statistics.median(r['solves'] for r in rows):.0f} | "
        f"{sum(r['skipped'] for r in rows)} of {sum(r['solves'] for r in rows)} | "
        f"{sum(r['approximate'] for r in rows)} |",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=int, default=1, help="explain every K-th project only")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "explain.json")
    args = ap.parse_args()
    result = explain_all(args.every, args.workers)
    args.out.write_text(json.dumps(result, indent=1), "utf-8")
    print("\n".join(render(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

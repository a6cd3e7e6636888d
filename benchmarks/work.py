"""Runs counted in work against runs on the clock: what reproducibility costs, and whether it holds under load.

`python benchmarks/work.py [--limit S]` (also `make bench`, through run.py). `compare` and `sweep` count a case's
time limit in solver work by default (`RunOptions.deterministic`: node limits and step counts in place of seconds,
`solve/strategy.py`), so that the same input gives the same plan at any load. For the example and two generated
scenarios, one per solve path (HiGHS alone; the MIP with the district bound and pairs; the district search), each
run in a fresh process and in turn:

- **clock**: `run_scenario` with the time limit in seconds (as `quota-opt run`);
- **work**: the same limit counted in work, on an idle machine;
- **work, loaded**: the same again with a busy process beside it (one core spinning): its plan must be the same.

Shadow prices and the province-refusal solve are left out (they come after the solve). *time* is the solve
stage's wall clock (`summary.time_solve_s`); *× limit* is that over the limit. Results go to work_results.json,
which run.py prints into RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GENERATED = (("300x13x3", 300, 13, 3), ("1000x13x5", 1000, 13, 5))  # seed 1
LIMIT_S = 30.0


def child(path: Path, limit_s: float, deterministic: bool) -> dict[str, Any]:
    from quota_opt.input.validate import read_scenario
    from quota_opt.pipeline import RunOptions, run_scenario

    result = run_scenario(read_scenario(path), RunOptions(time_limit_s=limit_s, deterministic=deterministic,
                                                          shadow_prices=False, province_fallback=False))
    sol = result.solution
    x = b"" if sol.x is None else sol.x.round(9).tobytes()
    return {"solve_s": result.timings["solve"], "objective": sol.objective, "gap": sol.gap,
            "termination": sol.termination, "cols": result.form.n_cols, "source": result.start_source,
            "improved_by": result.improved_by, "plan": hashlib.sha256(x).hexdigest()[:12]}


def run_child(path: Path, limit_s: float, deterministic: bool, busy: bool = False) -> dict[str, Any]:
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", str(path), str(limit_s), str(int(deterministic))],
                              capture_output=True, text=True, check=False)
    finally:
        if spin is not None:
            spin.kill()
            spin.wait()
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def measure(limit_s: float) -> dict[str, Any]:
    from models import scenario_files  # beside this file (on the path when run as a script or from run.py)

    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_start": os.getloadavg()[0],
                           "limit_s": limit_s, "rows": []}
    with tempfile.TemporaryDirectory() as folder:
        for name, path in scenario_files(folder, GENERATED):
            row: dict[str, Any] = {"case": name}
            for key, deterministic, busy in (("clock", False, False), ("work", True, False), ("loaded", True, True)):
                print(f"{name}: {key} …", flush=True)
                row[key] = run_child(path, limit_s, deterministic, busy)
                print(f"  {row[key]}", flush=True)
            out["rows"].append(row)
    out["load_end"] = os.getloadavg()[0]
    return out


def lines(work: dict[str, Any] | None) -> list[str]:
    """The section of RESULTS.md."""
    if not work:
        return []
    limit = work["limit_s"]

    def fig(run: dict[str, Any]) -> str:
        if "error" in run or run.get("objective") is None:
            return "— | — | — | —"
        gap = "—" if run.get("gap") is None else f"{100 * run['gap']:.2f}%"
        return f"{run['objective']:,.1f} | {gap} | {run['solve_s']:.1f} | {run['solve_s'] / limit:.1f}"

    out = ["", "## Counted in work: reproducible runs against the clock", "",
           f"`benchmarks/work.py` ({work['date']}, load average {work['load_start']:.2f} at the start, "
           f"{work['load_end']:.2f} at the end; time limit {limit:.0f} s): each model run on the clock, counted in work "
           "(compare's and sweep's default), and counted in work again with a busy process beside it, each in a fresh "
           "process. *same plan*: the loaded run's allocation is the idle one's, column for column.", "",
           "| model | columns | clock: objective | gap | time | × limit | work: objective | gap | time | × limit "
           "| same plan under load |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in work["rows"]:
        clock, done, loaded = row["clock"], row["work"], row["loaded"]
        same = ("yes" if done.get("plan") and done.get("plan") == loaded.get("plan") else "**no**")
        out.append(f"| {row['case']} | {done.get('cols', clock.get('cols', 0)):,} | {fig(clock)} | {fig(done)} | {same} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=float, default=LIMIT_S)
    ap.add_argument("--out", type=Path, default=HERE / "work_results.json")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        path, limit, deterministic = args.child
        print(json.dumps(child(Path(path), float(limit), deterministic == "1")))
        return 0
    args.out.write_text(json.dumps(measure(args.limit), indent=1), "utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

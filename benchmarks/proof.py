"""Proving the optimum (`--gap 0`) on small models: quota-opt against HiGHS alone on the model quota-opt writes.

`python benchmarks/proof.py [--repeats N] [--limit S]` (also `make bench`, through run.py). For the example and two
small generated scenarios, each in a fresh process and in turn (quota-opt, HiGHS alone, quota-opt, HiGHS alone, …)
so that both see the same load; round k gives both HiGHS the random seed k (`--repeats` rounds, 3 by default),
as one search path is partly luck (the example's proof, one thread: 24 to 30 s over seeds 0 to 2):

- **quota-opt**: `run_scenario` with a gap target of 0 (shadow prices and the province-refusal solve left out:
  they come after the solve), its solve stage timed (starting allocation and MIP, as `summary.time_solve_s`);
- **HiGHS alone**: the model as `--write-model` writes it (MPS), read by highspy, gap target 0, HiGHS's defaults
  otherwise (threads chosen by HiGHS), no starting allocation.

Wall-clock and CPU seconds (this process and its threads, over the solve stage alone) of each; *ratio* = quota-opt's wall time / HiGHS alone's
in the same round (the machine is shared: compare within a round). Results go to proof_results.json, which run.py
prints into RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GENERATED = (("60x6x3", 60, 6, 3), ("120x13x3", 120, 13, 3))  # seed 1
LIMIT_S = 300.0
REPEATS = 3  # rounds, one a HiGHS random seed (0, 1, 2)


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child_ours(path: Path, limit_s: float, mps: Path, seed: int) -> dict[str, Any]:
    from quota_opt.input.validate import read_scenario
    from quota_opt.pipeline import RunOptions, run_scenario
    from quota_opt.solve.highs import write_model

    scenario = read_scenario(path)
    at: dict[str, float] = {}

    def on_stage(name: str) -> None:  # the solve stage's CPU: from "solve" to the stage after it
        at.setdefault(name if name == "solve" else "after" if "solve" in at else name, cpu_s())

    result = run_scenario(scenario, RunOptions(time_limit_s=limit_s, mip_gap=0.0, shadow_prices=False,
                                               province_fallback=False, on_stage=on_stage,
                                               highs_options={"random_seed": seed}))
    cpu = at.get("after", cpu_s()) - at["solve"]
    write_model(result.form, mps, force=True)
    sol = result.solution
    return {"solve_s": result.timings["solve"], "cpu_s": cpu, "status": sol.status.value, "objective": sol.objective,
            "gap": sol.gap, "backend": sol.backend, "cols": result.form.n_cols, "rows": result.form.n_rows}


def child_highs(mps: Path, limit_s: float, seed: int) -> dict[str, Any]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(mps))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", float(limit_s))
    h.setOptionValue("random_seed", seed)
    c0, t0 = cpu_s(), time.perf_counter()
    h.run()
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    info = h.getInfo()
    return {"solve_s": wall, "cpu_s": cpu, "status": str(h.getModelStatus()).split(".")[-1],
            "objective": float(info.objective_function_value), "bound": float(info.mip_dual_bound),
            "nodes": int(info.mip_node_count)}


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def measure(repeats: int, limit_s: float) -> dict[str, Any]:
    from models import scenario_files  # beside this file (on the path when run as a script or from run.py)

    out: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_start": os.getloadavg()[0],
                           "limit_s": limit_s, "rows": []}
    with tempfile.TemporaryDirectory() as folder:
        for name, path in scenario_files(folder, GENERATED):
            mps = Path(folder) / f"{name.replace(' ', '_')}.mps"
            rounds = []
            for seed in range(repeats):
                print(f"{name}: quota-opt --gap 0, HiGHS seed {seed} …", flush=True)
                ours = run_child("ours", str(path), str(limit_s), str(mps), str(seed))
                print(f"  {ours}", flush=True)
                alone = (run_child("highs", str(mps), str(limit_s), str(seed)) if "error" not in ours
                         else {"error": "no model"})
                print(f"  HiGHS alone: {alone}", flush=True)
                rounds.append({"ours": ours, "alone": alone, "load": os.getloadavg()[0], "seed": seed})
            out["rows"].append({"case": name, "rounds": rounds})
    out["load_end"] = os.getloadavg()[0]
    return out


def lines(proof: dict[str, Any] | None) -> list[str]:
    """The section of RESULTS.md."""
    if not proof:
        return []
    out = ["", "## Proving the optimum on small models (`--gap 0`)", "",
           f"`benchmarks/proof.py` ({proof['date']}, load average {proof['load_start']:.2f} at the start, "
           f"{proof['load_end']:.2f} at the end; time limit {proof['limit_s']:.0f} s): quota-opt's solve stage against "
           "HiGHS alone (its defaults, gap target 0) on the model quota-opt writes with `--write-model`, each in a "
           "fresh process, in turn, each round with another HiGHS random seed (*seed*, the same on both sides: one "
           "search path is partly luck, so the median compares the two over several). Seconds of wall clock and of "
           "CPU; *ratio*: quota-opt's wall time over HiGHS alone's in the same round, *CPU ratio* the same for CPU seconds (medians of the rounds; the machine is "
           "shared, so the wall times move with the others' load, the CPU seconds much less). Target: ratio ≤ 1 at "
           "every size; the example proved in ≤ 8 s.", "",
           "| model | cols × rows | seed | quota-opt solve | CPU | status | HiGHS alone | CPU | status | ratio "
           "| CPU ratio |",
           "|---|---|---:|---:|---:|---|---:|---:|---|---:|---:|"]
    for row in proof["rows"]:
        ratios, cpu_ratios = [], []
        for i, r in enumerate(row["rounds"], 1):
            q, a = r["ours"], r["alone"]
            if "error" in q or "error" in a:
                out.append(f"| {row['case']} | error: {q.get('error') or a.get('error')} ||||||||||")
                continue
            ratio = q["solve_s"] / max(a["solve_s"], 1e-9)
            cpu_ratio = q["cpu_s"] / max(a["cpu_s"], 1e-9)
            ratios.append(ratio)
            cpu_ratios.append(cpu_ratio)
            size = f"{q['cols']:,} × {q['rows']:,}"
            out.append(f"| {row['case']} | {size} | {r.get('seed', i - 1)} | {q['solve_s']:.1f} | {q['cpu_s']:.1f} | {q['status']} | "
                       f"{a['solve_s']:.1f} | {a['cpu_s']:.1f} | {a['status'].removeprefix('k').lower()} | "
                       f"{ratio:.2f} | {cpu_ratio:.2f} |")
        if len(ratios) > 1:
            out.append(f"| {row['case']} | | median | | | | | | | {_median(ratios):.2f} | {_median(cpu_ratios):.2f} |")
    return out


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=REPEATS)
    ap.add_argument("--limit", type=float, default=LIMIT_S)
    ap.add_argument("--out", type=Path, default=HERE / "proof_results.json")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "ours":
            result = child_ours(Path(rest[0]), float(rest[1]), Path(rest[2]), int(rest[3]))
        else:
            result = child_highs(Path(rest[0]), float(rest[1]), int(rest[2]))
        print(json.dumps(result))
        return 0
    args.out.write_text(json.dumps(measure(args.repeats, args.limit), indent=1), "utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

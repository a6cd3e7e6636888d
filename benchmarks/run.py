"""The benchmark suite: `make bench` (or `python benchmarks/run.py [--only NAME [--only NAME ...]] [--quick]`;
`--render` writes RESULTS.md again from results.json, after a change to `REFERENCE`).

For each size, a seeded scenario workbook is generated (`quota_opt.studies.generate`), then, each in a fresh
process so that peak memory is that run's own:

- **quota-opt**: read, validate, build (prepare + formulation), solve (starting allocation + HiGHS),
  explain (polish, reasons, shadow prices), write — each stage timed; peak memory (max RSS); objective,
  best bound, gap, value versus the ranking rule;
- **naive baseline**: the plain formulation (every year of each window kept: `build_formulation(prune=False)`)
  handed to HiGHS with its default settings (the gap target set to 1e-4, HiGHS's default) — no starting
  allocation, no other options — with the same solve-time budget as quota-opt's solve stage.

Then `benchmarks/proof.py` (skipped with `--no-proof`; `--proof-only` runs only it): the example and two small
generated sizes proved optimal (`--gap 0`) by quota-opt and by HiGHS alone on the model quota-opt writes.

Beside the sizes whose best allocation and best bound are known from long runs (`REFERENCE`), the report
shows how far the run is from them. Results go to benchmarks/RESULTS.md (and benchmarks/results.json).
Benchmarks are not tests: nothing here asserts a time. The machine's load is recorded beside the figures,
because a busy machine slows every stage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    name: str
    projects: int
    districts: int
    years: int
    budget_s: float  # end-to-end target: the solver's time limit is this less the other stages' share
    solve_limit_s: float
    repeats: int = 1  # runs of each (time-limited runs vary: the tables show the run with the median gap)
    seed: int = 1  # of the generated scenario; other seeds of a size show how much the instance itself matters


SUITE = (
    # The solver's limit leaves the other stages what they took in earlier runs, with a margin: at 300 projects
    # about 0.7 s (read, validate, build, explain, write), at 5,000 about 5 s
    Case("120x13x3", 120, 13, 3, 10, 8.5, repeats=3),
    Case("300x13x3", 300, 13, 3, 10, 8.5, repeats=3),
    Case("300x13x3 seed 2", 300, 13, 3, 10, 8.5, seed=2),
    Case("300x13x3 seed 3", 300, 13, 3, 10, 8.5, seed=3),
    Case("1000x13x5", 1000, 13, 5, 30, 25),
    Case("1000x90x3", 1000, 90, 3, 30, 25),
    Case("5000x90x5", 5000, 90, 5, 120, 110),
)
QUICK = ("120x13x3", "300x13x3")


@dataclass(frozen=True)
class Reference:
    """The best allocation and the best bound known for one suite instance, from long runs outside `make bench`
    (how each was found: `allocation_how`, `bound_how`). `lp_bound` is that instance's LP relaxation: the row is
    shown only beside a run whose LP bound is the same, so a changed generator or model hides figures that would
    belong to another instance."""

    lp_bound: float
    allocation: float
    allocation_how: str
    bound: float
    bound_how: str


REFERENCE = {
    # The instances as generated since the strict major priority, from stop 29's long runs (the instances of the
    # figures before, some found by benchmarks/prove.py's branch-and-price, are no longer generated)
    "300x13x3": Reference(
        4364.827451340217,
        4134.33, "`quota-opt run` with a 900-s time limit on 2 cores (stop 29; the district combination and the "
        "district pairs after the MIP)",
        4153.38, "the same run's bound"),
    "300x13x3 seed 2": Reference(
        3408.324450874891,
        3278.85, "`quota-opt run` with a 900-s time limit on 2 cores (stop 29; the district pairs after the MIP)",
        3293.19, "the same run's district bound"),
    "300x13x3 seed 3": Reference(
        3357.0521340298956,
        3003.97, "`quota-opt run` with a 900-s time limit on 2 cores (stop 29; the district combination and the "
        "district pairs after the MIP)",
        3044.62, "the same run's bound"),
    "5000x90x5": Reference(
        47478.37001278709,
        45309.20, "`quota-opt run` with a 600-s time limit on 2 cores (stop 29; the district search, 589 s in all)",
        45976.45, "the same run's district bound (its price rounds)"),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def child_quota_opt(path: Path, solve_limit_s: float) -> dict[str, Any]:
    """One product run, stage by stage, in this (fresh) process."""
    from quota_opt.input.read import read_workbook
    from quota_opt.input.validate import validate_workbook
    from quota_opt.output.results_workbook import write_results
    from quota_opt.pipeline import RunOptions, run_scenario

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    read_workbook(path)
    out["read_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = validate_workbook(path)  # reads again: validate = this less the read above
    out["validate_s"] = max(time.perf_counter() - t0 - out["read_s"], 0.0)
    assert report.scenario is not None, report.messages("en")[:5]
    result = run_scenario(report.scenario, RunOptions(time_limit_s=solve_limit_s, mip_gap=1e-4))
    tm = result.timings
    out["build_s"] = tm.get("prepare", 0.0) + tm.get("build", 0.0)
    out["solve_s"] = tm.get("solve", 0.0)
    out["explain_s"] = tm.get("polish", 0.0) + tm.get("explain", 0.0)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        write_results(result, Path(folder) / "results.xlsx", "en")
        out["write_s"] = time.perf_counter() - t0
    sol = result.solution
    out.update(
        status=sol.status.value, objective=sol.objective, bound=sol.best_bound, gap=sol.gap,
        ranking_rule=result.greedy.objective if result.greedy.feasible else None,
        start=result.start_source, lp_bound=result.lp_bound, district_bound=result.district_bound,
        cols=result.form.n_cols, rows=result.form.n_rows, peak_mb=peak_mb(),
    )
    out["total_s"] = sum(out[k] for k in ("read_s", "validate_s", "build_s", "solve_s", "explain_s", "write_s"))
    return out


def child_naive(path: Path, solve_limit_s: float) -> dict[str, Any]:
    """The plain formulation (no years pruned), HiGHS defaults, no starting allocation, the same solve budget."""
    from quota_opt.input.validate import read_scenario
    from quota_opt.prepare import prepare
    from quota_opt.solve.formulation import build_formulation
    from quota_opt.solve.highs import SolveOptions, solve

    form = build_formulation(prepare(read_scenario(path)), prune=False)
    sol = solve(form, SolveOptions(time_limit_s=solve_limit_s, mip_gap=1e-4, backend="highs"))
    return {"status": sol.status.value, "objective": sol.objective, "bound": sol.best_bound, "gap": sol.gap,
            "solve_s": sol.solve_seconds, "peak_mb": peak_mb()}


def child_scip(path: Path, solve_limit_s: float) -> dict[str, Any]:
    """SCIP (pyscipopt) on quota-opt's model as `--write-model` writes it (MPS), the same solve budget, its defaults
    but the gap target (1e-4, as the others)."""
    from pyscipopt import Model

    from quota_opt.input.validate import read_scenario
    from quota_opt.prepare import prepare
    from quota_opt.solve.formulation import build_formulation
    from quota_opt.solve.highs import write_model

    form = build_formulation(prepare(read_scenario(path)))
    with tempfile.TemporaryDirectory() as folder:
        mps = write_model(form, Path(folder) / "model.mps")
        model = Model()
        model.hideOutput()
        model.readProblem(str(mps))
    model.setParam("limits/time", float(solve_limit_s))
    model.setParam("limits/gap", 1e-4)
    model.setParam("parallel/maxnthreads", 1)
    t0 = time.perf_counter()
    model.optimize()
    elapsed = time.perf_counter() - t0
    has = model.getNSols() > 0
    objective = float(model.getObjVal()) if has else None
    bound = float(model.getDualbound())
    # the MPS file keeps the maximisation's sense (OBJSENSE MAX): objective and bound as quota-opt gives them
    gap = None if objective is None else max(bound - objective, 0.0) / max(abs(objective), 1e-9)
    return {"status": str(model.getStatus()), "objective": objective, "bound": bound, "gap": gap, "solve_s": elapsed,
            "peak_mb": peak_mb()}


def run_child(kind: str, path: Path, solve_limit_s: float) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(path), str(solve_limit_s)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median gap (a run without one counts as the worst)."""
    ranked = sorted(runs, key=lambda r: r["gap"] if r.get("gap") is not None else float("inf"))
    return ranked[(len(ranked) - 1) // 2]


def spread(runs: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return (min(values), max(values)) if values else None


def machine() -> dict[str, Any]:
    from quota_opt.solve.highs import solver_version

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "highs": solver_version(), "date": time.strftime("%Y-%m-%d")}


def pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}%"


def num(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def explain_bench() -> Any:
    """benchmarks/explain.py, loaded beside this file."""
    return _beside("explain")


def proof_bench() -> Any:
    """benchmarks/proof.py (quota-opt against HiGHS alone, `--gap 0` on small models), loaded beside this file."""
    return _beside("proof")


def proof_lines() -> list[str]:
    """The proof benchmark's section, when it has been measured (proof.py writes proof_results.json)."""
    path = HERE / "proof_results.json"
    return proof_bench().lines(json.loads(path.read_text("utf-8"))) if path.exists() else []


def work_bench() -> Any:
    """benchmarks/work.py (runs counted in work against the clock), loaded beside this file."""
    return _beside("work")


def work_lines() -> list[str]:
    """The counted-in-work section, when it has been measured (work.py writes work_results.json)."""
    path = HERE / "work_results.json"
    return work_bench().lines(json.loads(path.read_text("utf-8"))) if path.exists() else []


def _beside(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def earlier(peer: dict[str, Any]) -> str:
    """The mark of a peer's figures kept from an earlier run (`--no-naive`, `--no-scip`)."""
    return " ‡" if peer.get("earlier_run") else ""


def render(rows: list[dict[str, Any]], info: dict[str, Any], explain: dict[str, Any] | None = None) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. Seeded generated scenarios",
        "(`quota-opt generate --seed 1`, or the seed in the size's name: the same size drawn again, to show how much",
        f"the instance matters). Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']},",
        f"{info['highs']}; {info['date']}; load average at start {info.get('load', '?')}.",
        "",
        "Times in seconds. *solve* includes the starting allocation (ranking rule, LP relaxation and, over 5,000",
        "columns, the district search).",
        "*gap* = (bound − objective) / objective at the end of the time limit. *naive*: the plain formulation",
        "(no pruned years) with HiGHS defaults and no starting allocation, given the same solve time. *SCIP*:",
        "pyscipopt on quota-opt's model as --write-model writes it (MPS), one thread, the same solve time.",
        "",
        "| size | cols × rows | read | validate | build | solve | explain | write | total | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        q = r["quota_opt"]
        if "error" in q:
            lines.append(f"| {r['case']['name']} | error: {q['error']} |||||||||")
            continue
        lines.append(
            f"| {r['case']['name']} | {q['cols']:,} × {q['rows']:,} | {q['read_s']:.2f} | {q['validate_s']:.2f} | "
            f"{q['build_s']:.2f} | {q['solve_s']:.1f} | {q['explain_s']:.2f} | {q['write_s']:.2f} | "
            f"{q['total_s']:.1f} | {q['peak_mb']:.0f} |")
    lines += [
        "",
        "*bound* is the smaller of HiGHS's bound and the *district bound* (Lagrangian, proved district by district",
        "beside the solve; models/formulation.md).",
        "",
        "| size | objective | bound | gap | LP bound | district bound | started from | vs ranking rule | naive objective "
        "| naive gap | SCIP objective | SCIP gap |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        q, n, sc = r["quota_opt"], r.get("naive", {}), r.get("scip", {})
        if "error" in q:
            continue
        vs = None
        if q.get("ranking_rule") and q.get("objective") is not None:
            vs = (q["objective"] - q["ranking_rule"]) / abs(q["ranking_rule"])
        lines.append(
            f"| {r['case']['name']} | {num(q['objective'])} | {num(q['bound'])} | {pct(q['gap'])} | "
            f"{num(q.get('lp_bound'))} | {num(q.get('district_bound'))} | {q.get('start', '')} | {pct(vs)} | "
            f"{num(n.get('objective'))}{earlier(n)} | "
            f"{pct(n.get('gap'))} | {num(sc.get('objective'))}{earlier(sc)} | {pct(sc.get('gap'))} |")
    if any(earlier(r.get(peer, {})) for r in rows for peer in ("naive", "scip")):
        lines += ["", "‡ from an earlier run of that size (a partial `make bench` with `--no-naive` or `--no-scip` keeps "
                  "the last figures): not the same run, so not a ratio on the same load."]
    lines += reference_lines(rows)
    repeated = [r for r in rows if len(r.get("runs", [])) > 1]
    if repeated:
        lines += [
            "",
            "Time-limited runs vary from run to run (HiGHS's search depends on timing). These sizes were run several",
            "times; the tables above show the run with the median gap, and this one the spread.",
            "",
            "| size | runs | gap min–max | objective min–max | naive gap min–max |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in repeated:
            ours = [run["quota_opt"] for run in r["runs"] if "error" not in run["quota_opt"]]
            naive = [run["naive"] for run in r["runs"] if "naive" in run and "error" not in run["naive"]]
            g, o, ng = spread(ours, "gap"), spread(ours, "objective"), spread(naive, "gap")
            lines.append(
                f"| {r['case']['name']} | {len(r['runs'])} | {pct(g[0]) if g else '—'}–{pct(g[1]) if g else '—'} | "
                f"{num(o[0]) if o else '—'}–{num(o[1]) if o else '—'} | "
                f"{pct(ng[0]) if ng else '—'}–{pct(ng[1]) if ng else '—'} |")
    lines += explain_bench().render(explain)
    return "\n".join(lines + proof_lines() + work_lines() + web_lines()) + "\n"


def web_lines() -> list[str]:
    """The workbench's figure (benchmarks/web_page.py writes web_results.json), when it has been measured."""
    path = HERE / "web_results.json"
    if not path.exists():
        return []
    web = json.loads(path.read_text("utf-8"))
    return ["", "## The workbench: a 5,000-project results page", "",
            f"`benchmarks/web_page.py` ({web['date']}, load average at start {web['load']}): a run of {web['size']} "
            f"solved in a worker ({web['run_s']:.0f} s, time limit {web['time_limit_s']:.0f} s), then its pages "
            "served by the workbench (Starlette's TestClient, in process; median of "
            f"{web['repeats']} requests, milliseconds).", "",
            "| request | first (cold) | median (warm) |", "|---|---:|---:|",
            *(f"| {row['request']} | {row['cold_ms']:.0f} | {row['warm_ms']:.0f} |" for row in web["rows"])]


def reference_lines(rows: list[dict[str, Any]]) -> list[str]:
    """How far this run is from the best known (`REFERENCE`), and how far apart the best known are: a gap below
    that no method tried here has proved, in any time."""
    known = [(r, REFERENCE[r["case"]["name"]]) for r in rows if r["case"]["name"] in REFERENCE
             and "error" not in r["quota_opt"] and r["quota_opt"].get("objective") is not None
             and abs(r["quota_opt"].get("lp_bound") or 0.0) > 0
             and abs(r["quota_opt"]["lp_bound"] - REFERENCE[r["case"]["name"]].lp_bound)
             <= 1e-6 * abs(REFERENCE[r["case"]["name"]].lp_bound)]
    if not known:
        return []
    lines = [
        "",
        "The best allocation and the best bound known for some of these instances, from long runs outside",
        "`make bench` (fixed figures in benchmarks/run.py, shown only when this run's LP bound shows the same",
        "instance). *known gap*: how far apart the two are; no smaller gap has been proved for that instance by any",
        "method or time tried here.",
        "",
        "| size | objective | best allocation known | below it | best bound known | gap to it | known gap |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r, ref in known:
        obj = r["quota_opt"]["objective"]
        lines.append(
            f"| {r['case']['name']} | {num(obj)} | {num(ref.allocation, 2)} | {pct((ref.allocation - obj) / obj)} | "
            f"{num(ref.bound, 2)} | {pct((ref.bound - obj) / obj)} | {pct((ref.bound - ref.allocation) / ref.allocation)} |")
    lines += ["", "How each was found:", ""]
    for r, ref in known:
        lines.append(f"- {r['case']['name']}: allocation, {ref.allocation_how}; bound, {ref.bound_how}.")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="run only these sizes (names as in the table)")
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    ap.add_argument("--no-scip", action="store_true", help="skip SCIP on the written model (pyscipopt)")
    ap.add_argument("--no-explain", action="store_true", help="skip the explain benchmark (benchmarks/explain.py)")
    ap.add_argument("--no-proof", action="store_true", help="skip the --gap 0 benchmark (benchmarks/proof.py)")
    ap.add_argument("--proof-only", action="store_true",
                    help="run only the --gap 0 benchmark, then write RESULTS.md with the other figures as they were")
    ap.add_argument("--no-work", action="store_true", help="skip the counted-in-work benchmark (benchmarks/work.py)")
    ap.add_argument("--work-only", action="store_true",
                    help="run only the counted-in-work benchmark, then write RESULTS.md with the other figures as they were")
    ap.add_argument("--explain-every", type=int, default=1, help="explain every K-th project of the example only")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--render", action="store_true",
                    help="run nothing: write RESULTS.md again from results.json, with the REFERENCE figures as they are now")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path, limit = args.child
        fn = {"quota_opt": child_quota_opt, "naive": child_naive, "scip": child_scip}[kind]
        print(json.dumps(fn(Path(path), float(limit))))
        return 0

    if args.proof_only or (not args.render and not args.no_proof and not args.work_only):
        print("--gap 0 on small models: quota-opt against HiGHS alone …", flush=True)
        proof = proof_bench()
        (HERE / "proof_results.json").write_text(json.dumps(proof.measure(proof.REPEATS, proof.LIMIT_S), indent=1), "utf-8")
    if args.work_only or (not args.render and not args.no_work and not args.proof_only):
        print("counted in work against the clock …", flush=True)
        work = work_bench()
        (HERE / "work_results.json").write_text(json.dumps(work.measure(work.LIMIT_S), indent=1), "utf-8")
    if args.render or args.proof_only or args.work_only:
        last = json.loads(args.out.with_name("results.json").read_text("utf-8"))
        args.out.write_text(render(last["rows"], last["machine"], last.get("explain")), encoding="utf-8")
        print(f"written {args.out}")
        return 0

    from quota_opt.output.template import write_scenario
    from quota_opt.studies.generate import generate_scenario

    names = set(args.only or (QUICK if args.quick else [c.name for c in SUITE]))
    info = machine()
    info["load"] = f"{os.getloadavg()[0]:.2f}"
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in SUITE:
            if case.name not in names:
                continue
            path = Path(folder) / f"{case.name.replace(' ', '_')}.xlsx"
            write_scenario(generate_scenario(case.projects, case.districts, case.years, seed=case.seed), path, "en")
            row: dict[str, Any] = {"case": asdict(case), "runs": []}
            for _ in range(case.repeats):
                print(f"{case.name}: quota-opt …", flush=True)
                run: dict[str, Any] = {"quota_opt": run_child("quota_opt", path, case.solve_limit_s)}
                print(f"  {run['quota_opt']}", flush=True)
                if not args.no_naive:
                    print(f"{case.name}: naive …", flush=True)
                    run["naive"] = run_child("naive", path, run["quota_opt"].get("solve_s", case.solve_limit_s))
                    print(f"  {run['naive']}", flush=True)
                if not args.no_scip:
                    print(f"{case.name}: SCIP …", flush=True)
                    run["scip"] = run_child("scip", path, run["quota_opt"].get("solve_s", case.solve_limit_s))
                    print(f"  {run['scip']}", flush=True)
                row["runs"].append(run)
            row["quota_opt"] = median_run([r["quota_opt"] for r in row["runs"]])
            if not args.no_naive:
                row["naive"] = median_run([r["naive"] for r in row["runs"]])
            if not args.no_scip:
                row["scip"] = median_run([r["scip"] for r in row["runs"]])
            rows.append(row)
    previous = args.out.with_name("results.json")
    if args.only and previous.exists():  # a partial run keeps the other sizes' last figures
        done = {r["case"]["name"] for r in rows}
        old = {r["case"]["name"]: r for r in json.loads(previous.read_text("utf-8"))["rows"]}
        for r in rows:  # --no-naive and --no-scip keep the last naive and SCIP figures, marked as such
            for peer in ("naive", "scip"):
                if peer not in r and peer in old.get(r["case"]["name"], {}):
                    r[peer] = {**old[r["case"]["name"]][peer], "earlier_run": True}
        kept = [r for name, r in old.items() if name not in done]
        order = [c.name for c in SUITE]
        rows = sorted(kept + rows, key=lambda r: order.index(r["case"]["name"]))
    explained = None
    if not args.no_explain:
        print("explain: every project of the example …", flush=True)
        explained = explain_bench().explain_all(args.explain_every)
    elif previous.exists():  # keeps the last explain figures
        explained = json.loads(previous.read_text("utf-8")).get("explain")
    args.out.write_text(render(rows, info, explained), encoding="utf-8")
    args.out.with_name("results.json").write_text(json.dumps({"machine": info, "rows": rows, "explain": explained},
                                                             indent=1), "utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

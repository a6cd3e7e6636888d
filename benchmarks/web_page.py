"""How fast the workbench serves a 5,000-project results page: `python benchmarks/web_page.py`.

Generates the 5000x90x5 scenario (`quota-opt generate --projects 5000 --districts 90 --years 5 --seed 1`), keeps
it in a fresh workbench library, runs it as the workbench does (a worker writes the results workbook and the
tables the pages read), then times, through Starlette's TestClient (in process, no network), the run's page and
its allocation table: the first page cold (the tables read from the store), then warm, sorted and filtered,
each the median of a few requests. Writes benchmarks/web_results.json and renders RESULTS.md again
(`run.py --render`). A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

import quota_opt
from quota_opt.web import library, tables, worker
from quota_opt.web.app import Config, create_app
from quota_opt.web.jobs import Executor

HERE = Path(__file__).resolve().parent


def timed(client: TestClient, url: str) -> float:
    t0 = time.perf_counter()
    answer = client.get(url)
    elapsed = (time.perf_counter() - t0) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{url}: {answer.status_code}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=30.0, help="the run's time limit (s)")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        data = quota_opt.generate(projects=5000, districts=90, years=5, seed=1, lang="zh").to_bytes()
        app = create_app(Config(data_dir=Path(folder) / "data"), start_executor=False)
        store = app.state.workbench.store
        version = library.add_version(store, "local", "5000x90x5.xlsx", data)
        job = Executor(store, slots=1).submit("run", "local", version,
                                              {"time_limit_s": args.time_limit, "threads": 1, "lang": "zh"})
        with store.db() as db:
            db.execute("UPDATE jobs SET status = 'running' WHERE id = ?", (job,))
        t0 = time.perf_counter()
        worker.main(str(store.root), job)  # the worker's code, in this process
        run_s = time.perf_counter() - t0
        with store.db() as db:
            status = db.execute("SELECT status, message FROM jobs WHERE id = ?", (job,)).fetchone()
        if status["status"] != "done":
            raise SystemExit(f"the run ended {status['status']}: {status['message']}")
        with store.db() as db:
            sha = db.execute("SELECT tables_sha FROM jobs WHERE id = ?", (job,)).fetchone()[0]
        allocation = tables.CACHE.get(store, sha, "zh", "allocation")
        one = str(allocation["project_id"].iloc[len(allocation) * 6 // 7]) if allocation is not None else "x"
        requests = [("run page (KPIs, charts)", f"/jobs/{job}"),
                    ("allocation, first page of 50", f"/jobs/{job}/table/allocation"),
                    ("allocation sorted by score, descending", f"/jobs/{job}/table/allocation?sort=score&desc=1"),
                    ("allocation, projects left out, page 20", f"/jobs/{job}/table/allocation?selected=no&page=20"),
                    ("allocation filtered by a project id", f"/jobs/{job}/table/allocation?q={one}")]
        rows = []
        with TestClient(app) as client:
            for name, url in requests:
                tables.CACHE.clear()  # cold: the tables read from the store again
                cold = timed(client, url)
                warm = statistics.median(timed(client, url) for _ in range(args.repeats))
                rows.append({"request": name, "url": url, "cold_ms": cold, "warm_ms": warm})
                print(f"{name}: cold {cold:.0f} ms, warm {warm:.0f} ms", flush=True)
    result = {"date": dt.date.today().isoformat(), "load": f"{load:.2f}", "size": "5000x90x5",
              "time_limit_s": args.time_limit, "run_s": run_s, "repeats": args.repeats, "rows": rows}
    (HERE / "web_results.json").write_text(json.dumps(result, indent=1), "utf-8")
    subprocess.run([sys.executable, str(HERE / "run.py"), "--render"], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

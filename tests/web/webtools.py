"""Helpers for the workbench's tests: upload a workbook, post a form with the CSRF token, wait for a job."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from quota_opt.web.store import Store

SCENARIOS = Path(__file__).parent.parent.parent / "scenarios"
SMALL = SCENARIOS / "small_en.xlsx"
HANGZHOU = SCENARIOS / "hangzhou_example.xlsx"
FINISHED = ("done", "failed", "cancelled", "interrupted")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def wait_job(store: Store, job_id: int, until: Callable[[dict[str, Any]], bool] | None = None,
             timeout_s: float = 180.0) -> dict[str, Any]:
    """The job's row once `until(row)` holds (default: it has finished)."""
    until = until or (lambda row: row["status"] in FINISHED)
    end = time.monotonic() + timeout_s
    while True:
        with store.db() as db:
            row = dict(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())
        if until(row):
            return row
        if time.monotonic() > end:
            raise AssertionError(f"job {job_id} still {row['status']}: {row['progress']}")
        time.sleep(0.2)


def progress_of(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["progress"] or "{}")


class Bench:
    """A client on a workbench, with its token and store."""

    def __init__(self, client: TestClient, store: Store):
        self.client, self.store = client, store
        self.csrf = csrf_of(client.get("/").text)  # the library, or the login page when accounts exist

    def upload(self, path: Path, name: str | None = None, scenario_id: int | None = None) -> int:
        data = {"csrf": self.csrf, **({"scenario_id": str(scenario_id)} if scenario_id else {})}
        r = self.client.post("/upload", data=data, files={"file": (name or path.name, path.read_bytes())})
        assert r.status_code == 200 and "/versions/" in r.url.path, r.text[:500]
        return int(r.url.path.rsplit("/", 1)[1])

    def post(self, url: str, **fields: Any) -> Any:
        return self.client.post(url, data={"csrf": self.csrf, **fields})

    def start(self, url: str, **fields: Any) -> int:
        r = self.post(url, **fields)
        assert r.status_code == 200 and r.url.path.startswith("/jobs/"), r.text[:800]
        return int(r.url.path.rsplit("/", 1)[1])



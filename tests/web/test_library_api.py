"""The workbench below its pages: the store (migrations, workbooks by hash, accounts), the library (versions,
validation in the CLI's words, recoverable delete, who sees what) and the job queue with real worker processes
(runs, two at once, cancel keeping the best allocation, a killed worker, a restart, a full queue)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from webtools import SMALL, progress_of, wait_job

import quota_opt
from quota_opt.web import library
from quota_opt.web import store as st
from quota_opt.web.jobs import Executor, QueueFull
from quota_opt.web.library import Viewer
from quota_opt.web.store import Store

LOCAL = Viewer("local", "editor", shared=True)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "data")


@pytest.fixture(scope="module")
def slow_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 projects, 13 districts, 3 years: HiGHS does not prove its optimum within a minute (README)."""
    path = tmp_path_factory.mktemp("slow") / "slow.xlsx"
    return quota_opt.generate(projects=300, districts=13, years=3, seed=2, lang="en").write(path)


def test_a_new_store_is_migrated_to_the_latest_schema_once(store: Store) -> None:
    latest = st.migrations()[-1][0]
    with store.db() as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == latest
        assert {"users", "sessions", "scenarios", "versions", "jobs"} <= {
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    Store.open(store.root)  # again: nothing to do, nothing lost
    with sqlite3.connect(store.db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == latest


def test_every_upload_is_a_version_kept_by_its_hash(store: Store) -> None:
    data = SMALL.read_bytes()
    first = library.add_version(store, "local", "../../etc/small_en.xlsx", data)
    v1 = library.version(store, LOCAL, first)
    assert v1 is not None and v1["number"] == 1 and v1["filename"] == "small_en.xlsx"  # the name's last part
    assert v1["sha256"] == hashlib.sha256(data).hexdigest() and v1["size"] == len(data)
    assert store.get(v1["sha256"]) == data
    assert (store.root / "blobs" / v1["sha256"][:2] / v1["sha256"]).is_file()  # named by the hash only
    second = library.add_version(store, "local", "small_en.xlsx", data, v1["scenario_id"])
    v2 = library.version(store, LOCAL, second)
    assert v2 is not None and v2["number"] == 2 and v2["scenario_id"] == v1["scenario_id"]
    assert len(list((store.root / "blobs").rglob("*"))) == 2  # one folder, one file: the same bytes once
    facts = json.loads(v2["facts"])
    assert facts["projects"] == 12 and facts["first_year"] == 2026 and v2["uploaded_by"] == "local"


def test_validation_on_upload_keeps_the_clis_words(store: Store) -> None:
    wb = openpyxl.load_workbook(SMALL)
    ws = wb["projects"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("land_demand") + 1).value = "abc"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    version = library.version(store, LOCAL, library.add_version(store, "local", "broken.xlsx", data))
    assert version is not None and not version["valid"] and version["errors"] == 1
    rows = json.loads(version["validation"])["rows"]
    expected = quota_opt.validate(data, name="broken.xlsx")
    for lang in ("zh", "en"):
        assert [r["message"] for r in rows[lang]] == expected.messages(lang)
    assert rows["en"][0]["cell"] and rows["en"][0]["row"] == 3


def test_deleting_marks_and_restoring_brings_back(store: Store) -> None:
    version_id = library.add_version(store, "local", "small_en.xlsx", SMALL.read_bytes())
    scenario_id = library.version(store, LOCAL, version_id)["scenario_id"]  # type: ignore[index]
    library.mark_deleted(store, "scenarios", scenario_id, True)
    assert library.scenarios(store, LOCAL) == [] and len(library.scenarios(store, LOCAL, deleted=True)) == 1
    library.mark_deleted(store, "scenarios", scenario_id, False)
    assert [r["id"] for r in library.scenarios(store, LOCAL)] == [scenario_id]


def test_each_user_sees_only_their_library_unless_shared(store: Store) -> None:
    mine = library.add_version(store, "ann", "small_en.xlsx", SMALL.read_bytes())
    assert library.version(store, Viewer("bob", "editor"), mine) is None
    assert library.scenarios(store, Viewer("bob", "editor")) == []
    assert library.version(store, Viewer("bob", "viewer", shared=True), mine) is not None


def test_passwords_are_kept_as_scrypt_hashes(store: Store) -> None:
    st.add_user(store, "ann", "editor", "correct horse")
    with store.db() as db:
        kept = db.execute("SELECT password FROM users WHERE name = 'ann'").fetchone()[0]
    assert kept.startswith("scrypt$16384$8$1$") and "correct horse" not in kept
    assert st.login(store, "ann", "correct horse") and not st.login(store, "ann", "wrong")
    assert not st.login(store, "nobody", "correct horse")
    for name, role, password in (("a/b", "editor", "x"), ("local", "editor", "x"), ("ann", "admin", "x"),
                                 ("ann", "viewer", "")):
        with pytest.raises(ValueError):
            st.add_user(store, name, role, password)


def run_job(executor: Executor, store: Store, version_id: int, **options: object) -> int:
    return executor.submit("run", "local", version_id, {"threads": 1, "lang": "en", **options})


def sheet(data: bytes, name: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


@pytest.mark.slow
def test_a_run_writes_the_workbook_run_writes(runner: CliRunner, store: Store, tmp_path: Path) -> None:
    """The stored workbook is the one `quota-opt run` writes: every sheet the same but the summary's run-time
    fields (run_at and the measured times)."""
    from quota_opt.cli.app import app

    version_id = library.add_version(store, "local", "small_en.xlsx", SMALL.read_bytes())
    executor = Executor(store, slots=1)
    executor.start()
    try:
        job = wait_job(store, run_job(executor, store, version_id, time_limit_s=10))
    finally:
        executor.stop()
    assert job["status"] == "done", job["message"]
    ours = store.get(job["workbook_sha"])
    (tmp_path / "small_en.xlsx").write_bytes(SMALL.read_bytes())
    res = runner.invoke(app, ["run", str(tmp_path / "small_en.xlsx"), "--lang", "en", "--time-limit", "10",
                                   "--threads", "1"])
    assert res.exit_code == 0, res.output
    theirs = (tmp_path / "small_en_results.xlsx").read_bytes()
    names = openpyxl.load_workbook(io.BytesIO(ours), read_only=True).sheetnames
    assert names == openpyxl.load_workbook(io.BytesIO(theirs), read_only=True).sheetnames
    for name in names:
        a, b = sheet(ours, name), sheet(theirs, name)
        if name == "summary":
            measured = {"run_at"} | {r[0] for r in a if str(r[0]).startswith("time_")}
            a, b = ([r for r in rows if r[0] not in measured] for rows in (a, b))
        assert a == b, name
    outcome = json.loads(job["outcome"])
    assert outcome["status"] == "optimal" and progress_of(job)["history"]


@pytest.mark.slow
def test_two_runs_at_once_a_cancel_keeps_the_best_and_a_killed_worker_fails_alone(
        store: Store, slow_scenario: Path) -> None:
    slow = library.add_version(store, "local", "slow.xlsx", slow_scenario.read_bytes())
    small = library.add_version(store, "local", "small_en.xlsx", SMALL.read_bytes())
    executor = Executor(store, slots=2)
    executor.start()
    try:
        first, second = (run_job(executor, store, slow, time_limit_s=120) for _ in range(2))
        solving = [wait_job(store, job, lambda r: progress_of(r).get("objective") is not None)
                   for job in (first, second)]
        assert all(r["status"] == "running" for r in solving)  # both at once, each in its own process
        assert len({r["pid"] for r in solving}) == 2
        executor.cancel(first)  # as Ctrl-C: the best allocation so far is kept
        os.kill(executor.pid(second) or 0, signal.SIGKILL)  # a worker that dies
        cancelled, killed = wait_job(store, first), wait_job(store, second)
        assert cancelled["status"] == "done" and cancelled["workbook_sha"], cancelled["message"]
        outcome = json.loads(cancelled["outcome"])
        assert outcome["termination"] == "interrupted" and outcome["ok"]
        assert killed["status"] == "failed" and "SIGKILL" in json.loads(killed["message"])["en"]
        after = wait_job(store, run_job(executor, store, small, time_limit_s=10))  # and the queue goes on
        assert after["status"] == "done"
    finally:
        executor.stop()


def test_a_restart_marks_running_jobs_interrupted_and_keeps_the_queue(store: Store) -> None:
    version_id = library.add_version(store, "local", "small_en.xlsx", SMALL.read_bytes())
    executor = Executor(store, slots=1)
    running, queued = (executor.submit("run", "local", version_id, {}) for _ in range(2))
    with store.db() as db:
        db.execute("UPDATE jobs SET status = 'running' WHERE id = ?", (running,))
    executor.slots = 0  # nothing is started: only the restart's marking is looked at
    executor.start()
    executor.stop()
    with store.db() as db:
        status = dict(db.execute("SELECT id, status FROM jobs").fetchall())
    assert status == {running: "interrupted", queued: "queued"}


def test_a_full_queue_refuses(store: Store) -> None:
    executor = Executor(store, slots=1, queue_size=2)
    executor.submit("run", "local", None, {})
    executor.submit("run", "local", None, {})
    with pytest.raises(QueueFull):
        executor.submit("run", "local", None, {})


def test_a_session_ends_after_its_days(store: Store) -> None:
    token, csrf = st.new_session(store, "ann")
    found = st.session(store, token)
    assert found is not None and found["csrf"] == csrf and found["user_name"] == "ann"
    with store.db() as db:
        db.execute("UPDATE sessions SET created_at = '2000-01-01T00:00:00+00:00' WHERE token = ?", (token,))
    assert st.session(store, token) is None

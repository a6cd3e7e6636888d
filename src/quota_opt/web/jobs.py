"""The job queue: runs, explanations, comparisons and sweeps wait in the database and run in worker processes,
`slots` at a time (one solve per core by default), so the pages stay responsive.

A scheduler thread in the server starts a process (web/worker.py) for the oldest queued job whenever a slot is
free, and notices a process that ended without finishing its job (killed, crashed): that job is marked failed
with its exit code and the server goes on. Cancel sends the worker SIGINT, as Ctrl-C does on the command line:
the solve ends with the best allocation so far. When the server starts, a job it finds running was cut short by
the last stop: it is marked interrupted; queued jobs wait for their turn as before.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import threading
from typing import Any

from quota_opt.studies.compare import default_workers
from quota_opt.web import worker
from quota_opt.web.store import Store, dumps, now
from quota_opt.web.words import word

POLL_S = 0.2


class QueueFull(Exception):
    """More jobs are waiting than the queue holds."""


def _context() -> Any:
    """forkserver where there is one (a clean server that has imported the solver stack once; HiGHS's threads do
    not survive a plain fork), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["quota_opt.web.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


class Executor:
    """Starts and watches the worker processes of one store."""

    def __init__(self, store: Store, slots: int | None = None, queue_size: int = 20):
        self.store = store
        self.slots = max(1, slots or default_workers())
        self.queue_size = queue_size
        self.procs: dict[int, Any] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.ctx = _context()

    # ---- the server's side ----

    def start(self) -> None:
        """Mark what the last stop cut short, then start scheduling."""
        with self.store.db() as db:
            db.execute("UPDATE jobs SET status = 'interrupted', finished_at = ?, message = ? WHERE status = 'running'",
                       (now(), dumps(both("interrupted_by_restart"))))
        self.thread = threading.Thread(target=self._loop, name="quota-opt-jobs", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop scheduling and end the workers (their jobs are marked interrupted at the next start)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        with self.lock:
            for proc in self.procs.values():
                with contextlib.suppress(OSError):
                    proc.terminate()
            for proc in self.procs.values():
                proc.join(timeout=5)
            self.procs.clear()

    def submit(self, kind: str, owner: str, version_id: int | None, options: dict[str, Any]) -> int:
        """Queue a job; raises QueueFull when `queue_size` jobs are already waiting."""
        with self.store.db() as db:
            db.execute("BEGIN IMMEDIATE")
            waiting = db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'").fetchone()[0]
            if waiting >= self.queue_size:
                db.execute("ROLLBACK")
                raise QueueFull
            job_id = db.execute("INSERT INTO jobs (kind, owner, version_id, options, status, created_at) "
                                "VALUES (?, ?, ?, ?, 'queued', ?)",
                                (kind, owner, version_id, dumps(options), now())).lastrowid
            db.execute("COMMIT")
        self.wake()
        return int(job_id or 0)

    def cancel(self, job_id: int) -> None:
        """A queued job is cancelled at once; a running one gets SIGINT (its solve keeps the best allocation)."""
        with self.store.db() as db:
            db.execute("UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'queued'",
                       (now(), job_id))
            db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'", (job_id,))
        with self.lock:
            proc = self.procs.get(job_id)
            if proc is not None and proc.pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(proc.pid, signal.SIGINT)

    def wake(self) -> None:
        """Start what can start now rather than at the next tick (once the executor runs)."""
        if self.thread is not None and not self.stopping.is_set():
            self._tick()

    # ---- the scheduler ----

    def _loop(self) -> None:
        while not self.stopping.wait(POLL_S):
            try:
                self._tick()
            except Exception:  # a locked database, say: try again at the next tick
                continue

    def _tick(self) -> None:
        with self.lock:
            self._reap()
            free = self.slots - len(self.procs)
            if free <= 0 or self.stopping.is_set():
                return
            with self.store.db() as db:
                queued = db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT ?",
                                    (free,)).fetchall()
                for row in queued:
                    job_id = int(row["id"])
                    taken = db.execute("UPDATE jobs SET status = 'running', started_at = ? WHERE id = ? "
                                       "AND status = 'queued'", (now(), job_id)).rowcount
                    if not taken:
                        continue
                    proc = self.ctx.Process(target=worker.main, args=(str(self.store.root), job_id),
                                            name=f"quota-opt-job-{job_id}")
                    proc.start()
                    self.procs[job_id] = proc
                    db.execute("UPDATE jobs SET pid = ? WHERE id = ?", (proc.pid, job_id))

    def _reap(self) -> None:
        """Forget ended workers; a job still marked running then died with its process."""
        for job_id, proc in list(self.procs.items()):
            if proc.is_alive():
                continue
            proc.join(timeout=0)
            del self.procs[job_id]
            code = proc.exitcode
            with self.store.db() as db:
                db.execute("UPDATE jobs SET status = 'failed', finished_at = ?, message = ? "
                           "WHERE id = ? AND status = 'running'",
                           (now(), json.dumps(died_message(code), ensure_ascii=False), job_id))

    def running(self) -> list[int]:
        with self.lock:
            return list(self.procs)

    def pid(self, job_id: int) -> int | None:
        with self.lock:
            proc = self.procs.get(job_id)
            return None if proc is None else proc.pid


def died_message(code: int | None) -> dict[str, str]:
    """Why a job has no outcome: its worker ended with `code` (negative: the signal that killed it)."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        how = both("killed_by", signal=name)
    else:
        how = both("exit_code", code=code)
    return {lang: word("worker_died", lang, how=how[lang]) for lang in ("zh", "en")}


def both(key: str, **params: Any) -> dict[str, str]:
    return {lang: word(key, lang, **params) for lang in ("zh", "en")}

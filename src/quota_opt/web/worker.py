"""What a worker process does with one job: read its workbooks from the store, call the library API, write the
progress and the outcome back. Runs in its own process (web/jobs.py starts it), so a solve never blocks the
pages, a cancel is the SIGINT that Ctrl-C would send (the solve keeps its best allocation), and a crash takes
only this job with it."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from quota_opt import api
from quota_opt.core.errors import QuotaOptError
from quota_opt.core.messages import EXPLAIN_WORDS, solves_text
from quota_opt.core.results_schema import SUMMARY_ROWS, termination_word
from quota_opt.interpret.whatif import amount_text, flip_text, meaning_text
from quota_opt.output.compare_workbook import decision_header, decision_row
from quota_opt.solve.highs import Progress
from quota_opt.studies.compare import (
    COMPARED_KPIS,
    SOLVER_FIGURES,
    CaseResult,
    significance_sentence,
    significant_changes,
)
from quota_opt.web.store import Store, dumps, now
from quota_opt.web.tables import frame_json, plain, put_tables

LANGS = ("zh", "en")
HISTORY = 300  # progress points kept for the chart
EVERY_S = 0.25  # at most this often a progress write


class Reporter:
    """Writes a job's progress to the store, at most every EVERY_S seconds (and always the last)."""

    def __init__(self, store: Store, job_id: int):
        self.store, self.job_id = store, job_id
        self.started = time.perf_counter()
        self.state: dict[str, Any] = {"stage": "start", "elapsed": 0.0, "history": []}
        self.last = 0.0
        self.lock = threading.Lock()

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.started, 2)

    def update(self, force: bool = False, **values: Any) -> None:
        with self.lock:
            self.state.update({k: plain(v) for k, v in values.items()})
            self.state["elapsed"] = self.elapsed()
            if not force and time.perf_counter() - self.last < EVERY_S:
                return
            self.last = time.perf_counter()
            text = dumps(self.state)
        with self.store.db() as db:
            db.execute("UPDATE jobs SET progress = ? WHERE id = ?", (text, self.job_id))

    def stage(self, name: str) -> None:
        self.update(force=True, stage=name)

    def solver(self, p: Progress) -> None:
        history = self.state["history"]
        if p.objective is not None:
            history.append([round(self.elapsed(), 2), plain(p.objective), plain(p.best_bound)])
            del history[:-HISTORY]
        self.update(objective=p.objective, bound=p.best_bound, gap=p.gap, solver_s=p.elapsed_s)

    def cases(self, done: int, total: int, result: CaseResult) -> None:
        self.update(force=True, done=done, total=total, last=result.name)


def _row(store: Store, table: str, row_id: int) -> dict[str, Any]:
    with store.db() as db:
        row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        raise LookupError(f"{table} {row_id}")
    return dict(row)


def _finish(store: Store, job_id: int, status: str, *, outcome: Any = None, message: dict[str, str] | None = None,
            workbook: bytes | None = None, tables_sha: str | None = None) -> None:
    workbook_sha = store.put(workbook) if workbook is not None else None
    with store.db() as db:
        db.execute("UPDATE jobs SET status = ?, finished_at = ?, outcome = ?, message = ?, workbook_sha = ?, "
                   "tables_sha = ? WHERE id = ? AND status = 'running'",
                   (status, now(), dumps(outcome) if outcome is not None else None,
                    dumps(message) if message else None, workbook_sha, tables_sha, job_id))


def summary_rows(run: api.Run) -> dict[str, list[list[Any]]]:
    """The summary sheet's rows in each language: [key, label, value] (labels from results_schema)."""
    out = {}
    for lang in LANGS:
        rows = run.summary(lang)
        out[lang] = [[key, SUMMARY_ROWS[key][0 if lang == "zh" else 1] if key in SUMMARY_ROWS else key,
                      plain(value)] for key, value in rows.items()]
    return out


def do_run(store: Store, job: dict[str, Any], options: dict[str, Any], report: Reporter) -> None:
    version = _row(store, "versions", job["version_id"])
    lang = options.get("lang", "zh")
    run = api.run(store.get(version["sha256"]), name=version["filename"], variant=options.get("variant") or None,
                  time_limit_s=options.get("time_limit_s"), mip_gap=options.get("mip_gap"),
                  threads=options.get("threads"), progress=report.solver, on_stage=report.stage)
    report.stage("write")
    sol = run.result.solution
    outcome = {"status": run.status, "termination": run.termination, "ok": run.ok, "gap": plain(sol.gap),
               "termination_words": {lang_: termination_word(run.termination, lang_) for lang_ in LANGS},
               "objective": plain(sol.objective), "bound": plain(sol.best_bound),
               "infeasibility": {lang_: run.infeasibility(lang_) for lang_ in LANGS} if run.infeasibility() else None,
               "summary": summary_rows(run)}
    tables_sha = put_tables(store, {lang_: run.tables(lang_) for lang_ in LANGS})
    workbook = run.to_bytes(lang)
    report.update(force=True, stage="done")
    _finish(store, job["id"], "done", outcome=outcome, workbook=workbook, tables_sha=tables_sha)


def do_explain(store: Store, job: dict[str, Any], options: dict[str, Any], report: Reporter) -> None:
    run_job = _row(store, "jobs", int(options["run"]))
    version = _row(store, "versions", run_job["version_id"])
    report.stage("explain")
    ex = api.explain(store.get(run_job["workbook_sha"]), str(options["project_id"]), name="results.xlsx",
                     scenario=store.get(version["sha256"]), scenario_name=version["filename"],
                     time_limit_s=options.get("time_limit_s"), workers=1,  # one process per slot
                     progress=lambda done, total, elapsed: report.update(done=done, total=total))
    row = {k: plain(ex.row.get(k)) for k in ("name", "district_id", "chain_id", "score", "land_demand",
                                             "energy_demand")}
    outcome = {"project_id": ex.project_id, "selected": ex.selected, "row": row, "reason": ex.reason,
               "source": ex.source, "solves": ex.solves,
               "thresholds": [{"label": th.label, "note": {lang: meaning_text(th, lang) for lang in LANGS},
                               "current": {lang: amount_text(th.current, th.unit, lang) for lang in LANGS},
                               "flip": {lang: flip_words(th, lang) for lang in LANGS}} for th in ex.thresholds],
               "notes": {lang: [words(lang, "neighbourhood"),
                                solves_text(ex.solves, ex.skipped, ex.seconds, lang)]
                         for lang in LANGS}}
    _finish(store, job["id"], "done", outcome=outcome)


def words(lang: str, key: str, **params: Any) -> str:
    """explain's own words (core/messages.EXPLAIN_WORDS), as the CLI prints them."""
    text = EXPLAIN_WORDS[key][0 if lang == "zh" else 1]
    return text.format(**params) if params else text


def flip_words(th: Any, lang: str) -> str:
    """Where a threshold flips, marked approximate as the CLI marks it when a re-solve behind it was not proved."""
    flip = flip_text(th, lang)
    return words(lang, "approximate", value=flip) if not th.exact and th.flip_at is not None else flip


def comparison_outcome(cmp: api.Comparison) -> dict[str, Any]:
    """What the comparison page shows: the cases, each KPI's values and differences with each case's gap beside
    and whether the difference is beyond the two cases' gaps (studies.compare.significant_changes), the projects
    whose decision changed (marked when the change is significant), and the sentence that counts them."""
    kpis = cmp.kpis()
    names = [r.name for r in cmp.results]
    significant = significant_changes(cmp.results)
    rows = []
    for key in COMPARED_KPIS:
        label = SUMMARY_ROWS.get(key, (key, key, None))
        rows.append({"key": key, "label": {"zh": label[0], "en": label[1]}, "fmt": label[2],
                     "values": [plain(kpis.loc[key, (n, "value")]) for n in names],
                     "delta": [None] + [plain(kpis.loc[key, (n, "delta")]) for n in names[1:]],
                     "pct": [None] + [plain(kpis.loc[key, (n, "delta_pct")]) for n in names[1:]],
                     "significant": [None] + [None if sig is None or key in SOLVER_FIGURES else key in sig[1]
                                              for sig in significant[1:]]})
    moved = set().union(*(sig[0] for sig in significant if sig is not None))
    decisions = {}
    for lang in LANGS:
        frame = cmp.decisions(lang)
        changed = frame[frame[("", "change")].astype(str) != ""] if len(frame) else frame
        decisions[lang] = {"columns": decision_header(names, lang),
                           "data": [[plain(v) for v in decision_row(rec, names, lang)]
                                    for rec in changed.head(500).to_dict("records")],
                           "significant": [str(pid) in moved for pid in changed[("", "project_id")].head(500)]
                           if len(changed) else []}
    return {"names": names, "cases": {lang: frame_json(cmp.cases(lang)) for lang in LANGS},
            "gaps": [r.kpi("gap") for r in cmp.results], "ok": [r.ok for r in cmp.results],
            "messages": [{lang: r.describe(lang) for lang in LANGS} for r in cmp.results],
            "significance": {lang: significance_sentence(cmp.results, lang) for lang in LANGS},
            "kpis": rows, "decisions": decisions,
            "tradeoff": None if cmp.tradeoff is None else {
                "x": cmp.tradeoff.x, "y": cmp.tradeoff.y,
                "x_label": {"zh": SUMMARY_ROWS[cmp.tradeoff.x][0], "en": SUMMARY_ROWS[cmp.tradeoff.x][1]},
                "y_label": {"zh": SUMMARY_ROWS[cmp.tradeoff.y][0], "en": SUMMARY_ROWS[cmp.tradeoff.y][1]},
                "points": [[r.kpi(cmp.tradeoff.x), r.kpi(cmp.tradeoff.y), r.name, front]
                           for r, front in zip(cmp.results, cmp.tradeoff.front(cmp.results), strict=True)]}}


def do_compare(store: Store, job: dict[str, Any], options: dict[str, Any], report: Reporter) -> None:
    lang = options.get("lang", "zh")
    common = {"workers": options.get("workers"), "dask": options.get("dask") or None,
              "time_limit_s": options.get("time_limit_s"), "lang": lang, "progress": report.cases}
    report.stage("compare")
    if options.get("runs"):
        sources: list[Any] = []
        names: list[str | None] = []
        for run_id in options["runs"]:
            run_job = _row(store, "jobs", int(run_id))
            version = _row(store, "versions", run_job["version_id"])
            variant = json.loads(run_job["options"]).get("variant")
            sources.append(store.get(run_job["workbook_sha"]))
            names.append(f"#{run_id} {Path(version['filename']).stem}{' · ' + variant if variant else ''}.xlsx")
        cmp = api.compare(sources, names=names, **common)
    else:
        version = _row(store, "versions", job["version_id"])
        cmp = api.compare([store.get(version["sha256"])], names=[version["filename"]],
                          variants=options.get("variants") or "all", **common)
    _finish(store, job["id"], "done", outcome=comparison_outcome(cmp), workbook=cmp.to_bytes(lang))


def do_sweep(store: Store, job: dict[str, Any], options: dict[str, Any], report: Reporter) -> None:
    version = _row(store, "versions", job["version_id"])
    lang = options.get("lang", "zh")
    report.stage("sweep")
    cmp = api.sweep(store.get(version["sha256"]), list(options["params"]), name=version["filename"],
                    variant=options.get("variant") or None, x=options.get("x") or "investment_selected",
                    y=options.get("y") or "average_output_per_mu", workers=options.get("workers"),
                    dask=options.get("dask") or None, time_limit_s=options.get("time_limit_s"), lang=lang,
                    progress=report.cases)
    _finish(store, job["id"], "done", outcome=comparison_outcome(cmp), workbook=cmp.to_bytes(lang))


KINDS = {"run": do_run, "explain": do_explain, "compare": do_compare, "sweep": do_sweep}


def main(root: str, job_id: int) -> None:
    """Run job `job_id` of the store at `root` to its end: done, failed (with the message the CLI would print),
    or cancelled (SIGINT outside the solve; inside it the run ends with its best allocation and is done)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a cancel is Ctrl-C, as on the command line
    store = Store(Path(root))
    report = Reporter(store, job_id)
    try:
        job = _row(store, "jobs", job_id)
        KINDS[job["kind"]](store, job, json.loads(job["options"]), report)
    except KeyboardInterrupt:
        _finish(store, job_id, "cancelled")
    except QuotaOptError as exc:
        _finish(store, job_id, "failed", message={lang: exc.report(lang) for lang in LANGS})
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        text = f"{type(exc).__name__}: {exc}"
        _finish(store, job_id, "failed", message={"zh": f"内部错误：{text}", "en": f"Internal error: {text}"})

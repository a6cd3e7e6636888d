"""The workbench's pages: a thin Starlette layer over the library (web/library.py), the job queue (web/jobs.py)
and the library API. Handlers parse a request, check who may do it, call one of those and render a template; no
model, validation or wording logic lives here (words: web/words.py and the package's own)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import wraps
from importlib import resources
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from quota_opt import api
from quota_opt.core.errors import InputError, Problem
from quota_opt.core.results_schema import SUMMARY_ROWS
from quota_opt.core.schema import SETTINGS
from quota_opt.pipeline import field_problems
from quota_opt.studies.compare import COMPARED_KPIS, HEADLINE_KPIS, Tradeoff, kpi_name_zh
from quota_opt.studies.sweep import parse_params
from quota_opt.web import library, tables
from quota_opt.web.jobs import Executor, QueueFull
from quota_opt.web.library import Viewer
from quota_opt.web.store import (
    LOCAL_USER,
    Store,
    end_session,
    has_users,
    local_time,
    login,
    new_session,
    session,
    user_role,
)
from quota_opt.web.words import WORDS, word

SESSION_COOKIE = "quota_opt_session"
LANG_COOKIE = "quota_opt_lang"
MAX_UPLOAD = 20 * 1024 * 1024  # bytes: a 5,000-project scenario is about 1 MB
FINISHED = ("done", "failed", "cancelled", "interrupted")
RUN_KPIS = ("status", "objective", "best_bound", "gap", "value_vs_ranking_rule", "projects_selected",
            "selected_share", "investment_selected", "average_output_per_mu", "land_selected",
            "land_district_quota_total", "land_provincial_pool_total", "land_stock_total", "mu_to_request",
            "energy_district_total", "energy_city_pool_total", "reward_next_plan")
EXPLAIN_LIMIT_S = 10.0  # seconds per re-solve of an explanation unless typed (the settings' limit is a whole run's)
RESULT_TABS = ("allocation", "districts", "ledger", "city", "shadow_prices", "infeasibility", "validation")


@dataclass
class Config:
    """How the workbench runs: where its data is, which address it serves, who sees what."""

    data_dir: Path
    host: str = "127.0.0.1"
    slots: int | None = None  # worker processes (one solve per core by default)
    queue_size: int = 20
    shared: bool = False  # every user sees every library
    max_upload: int = MAX_UPLOAD
    sweep_workers: int | None = 1  # processes a comparison or sweep uses inside its job
    dask: str | None = None  # a Dask scheduler for comparisons and sweeps
    extra: dict[str, Any] = field(default_factory=dict)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address only this machine reaches."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Workbench:
    """The application's state: the store, the executor, the templates."""

    def __init__(self, config: Config):
        self.config = config
        self.store = Store.open(config.data_dir)
        self.executor = Executor(self.store, config.slots, config.queue_size)
        self.env = Environment(loader=PackageLoader("quota_opt.web", "templates"),
                               autoescape=select_autoescape(["html"]))
        self.env.globals.update(fmt=tables.shown, label=tables.column_label, summary_format=tables.summary_format,
                                json=lambda v: json.dumps(v, ensure_ascii=False), when=local_time,
                                setting_name=_setting_name)

    # ---- who is asking ----

    def accounts(self) -> bool:
        return has_users(self.store)

    def current(self, request: Request) -> tuple[Viewer | None, Any]:
        """(the viewer, the session row); the viewer is None when accounts exist and nobody is logged in."""
        row = session(self.store, request.cookies.get(SESSION_COOKIE))
        if not self.accounts():
            return Viewer(LOCAL_USER, "editor", shared=True), row
        if row is None or not row["user_name"]:
            return None, row
        role = user_role(self.store, row["user_name"])
        if role is None:
            return None, row
        return Viewer(row["user_name"], role, self.config.shared), row

    def lang(self, request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "zh")
        return lang if lang in ("zh", "en") else "zh"

    # ---- responses ----

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = self.lang(request)
        viewer, row = self.current(request)
        csrf = row["csrf"] if row is not None else ""
        token = None
        if row is None:  # every page has a CSRF token, the login form's included
            token, csrf = new_session(self.store)
        page = self.env.get_template(template).render(
            request=request, lang=lang, w=lambda key, **kw: word(key, lang, **kw), viewer=viewer, csrf=csrf,
            # a person as the pages name them: the user of a workbench without accounts in words, not as `local`
            who=lambda name: word("local_user", lang) if name == LOCAL_USER else name,
            accounts=self.accounts(), sheets=tables.SHEETS, summary_rows=SUMMARY_ROWS,
            max_upload_mb=self.config.max_upload // (1024 * 1024), **context)
        response = HTMLResponse(page, status_code=status)
        if token is not None:
            self.set_session(response, token)
        return response

    def set_session(self, response: Response, token: str) -> None:
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=30 * 24 * 3600)

    def refuse(self, request: Request, status: int, key: str, **params: Any) -> HTMLResponse:
        return self.render(request, "error.html", status=status, message=word(key, self.lang(request), **params))


Handler = Callable[..., Awaitable[Response]]


def page(role: str | None = None, post: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A handler that needs a viewer (`role` "editor" for what changes something) and, for a POST, the CSRF
    token of the session in the form (`csrf`) or in the X-CSRF-Token header (htmx). It gets (wb, request,
    viewer, form)."""

    def wrap(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(fn)
        async def handler(request: Request) -> Response:
            wb: Workbench = request.app.state.workbench
            viewer, row = wb.current(request)
            if viewer is None:
                if post:
                    return wb.refuse(request, 403, "login_needed")
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            form: FormData | None = None
            if post:
                size = request.headers.get("content-length")
                if size is None or not size.isdigit():
                    return wb.refuse(request, 411, "length_required")
                if int(size) > wb.config.max_upload + 64 * 1024:
                    return wb.refuse(request, 413, "too_large", mb=wb.config.max_upload // (1024 * 1024))
                form = await request.form(max_files=1, max_fields=50)
            try:
                if form is not None:
                    sent = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
                    if row is None or not secrets.compare_digest(sent, row["csrf"]):
                        return wb.refuse(request, 403, "csrf")
                if role == "editor" and not viewer.editor:
                    return wb.refuse(request, 403, "editor_only")
                return await fn(wb, request, viewer, form)
            finally:
                if form is not None:
                    await form.close()  # an uploaded file's temporary copy

        return handler

    return wrap


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


# ---- the library ----


@page()
async def home(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    deleted = request.query_params.get("deleted") == "1"
    rows = library.scenarios(wb.store, viewer, deleted=deleted)
    return wb.render(request, "library.html", scenarios=rows, deleted=deleted,
                     facts={r["id"]: json.loads(r["facts"]) for r in rows})


@page(role="editor", post=True)
async def upload(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return wb.refuse(request, 400, "no_file")
    data = await file.read(wb.config.max_upload + 1)
    if len(data) > wb.config.max_upload:
        return wb.refuse(request, 413, "too_large", mb=wb.config.max_upload // (1024 * 1024))
    name = library.display_name(file.filename)
    if not library.looks_like_xlsx(name, data):
        return wb.refuse(request, 415, "not_xlsx", name=name)
    scenario_id = _int(form.get("scenario_id"))
    if scenario_id is not None and library.scenario(wb.store, viewer, scenario_id) is None:
        raise HTTPException(404)
    version_id = await asyncio.to_thread(library.add_version, wb.store, viewer.name, name, data, scenario_id)
    return RedirectResponse(f"/versions/{version_id}", status_code=303)


@page()
async def template_download(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    lang = request.query_params.get("lang", wb.lang(request))
    lang = lang if lang in ("zh", "en") else "zh"
    data = await asyncio.to_thread(lambda: api.template(lang).to_bytes())
    return xlsx(data, "quota-opt-模板.xlsx" if lang == "zh" else "quota-opt-template.xlsx")


def xlsx(data: bytes, filename: str) -> Response:
    """A workbook download; the name is given both ASCII-safe and in full (RFC 5987)."""
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": disposition})


@page()
async def scenario_page(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    scenario_id = int(request.path_params["scenario_id"])
    row = library.scenario(wb.store, viewer, scenario_id)
    if row is None:
        raise HTTPException(404)
    return wb.render(request, "scenario.html", scenario=row, versions=library.versions(wb.store, scenario_id))


def _visible_version(wb: Workbench, viewer: Viewer, request: Request) -> Any:
    version = library.version(wb.store, viewer, int(request.path_params["version_id"]))
    if version is None:
        raise HTTPException(404)
    return version


@page()
async def version_page(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    version = _visible_version(wb, viewer, request)
    lang = wb.lang(request)
    validation = json.loads(version["validation"])
    with wb.store.db() as db:
        runs = db.execute("SELECT * FROM jobs WHERE version_id = ? AND deleted_at IS NULL ORDER BY id DESC",
                          (version["id"],)).fetchall()
    return wb.render(request, "version.html", version=version, problems=validation["rows"][lang],
                     readable=validation.get("readable", True), facts=json.loads(version["facts"]), jobs=runs,
                     options={r["id"]: json.loads(r["options"]) for r in runs},
                     kpis=COMPARED_KPIS, kpi_label=lambda k: kpi_name_zh(k) if lang == "zh" else SUMMARY_ROWS[k][1],
                     settings=_sweepable(lang))


def _setting_name(key: str, lang: str) -> str:
    """A setting as the settings sheet names it (its key when the sheet has no such setting)."""
    try:
        col = SETTINGS.column(key)
    except KeyError:
        return key
    return col.label_zh if lang == "zh" else col.label_en


def _sweepable(lang: str) -> list[tuple[str, str]]:
    """The settings a sweep may vary, as the settings sheet names them."""
    out = []
    for col in SETTINGS.columns:
        if col.key in ("scenario_name", "base_year", "horizon_years", "time_limit_s", "mip_gap", "threads"):
            continue
        out.append((col.key, col.label_zh if lang == "zh" else col.label_en))
    return out


@page()
async def version_download(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    version = _visible_version(wb, viewer, request)
    return xlsx(wb.store.get(version["sha256"]), version["filename"])


@page()
async def version_annotated(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    version = _visible_version(wb, viewer, request)
    lang = wb.lang(request)
    data = wb.store.get(version["sha256"])

    def marked() -> bytes:
        return api.validate(data, name=version["filename"]).annotated_bytes(lang)

    body = await asyncio.to_thread(marked)
    stem = PurePath(version["filename"]).stem
    return xlsx(body, f"{stem}_标注.xlsx" if lang == "zh" else f"{stem}_annotated.xlsx")


@page(role="editor", post=True)
async def mark(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    """Delete (mark) or restore a scenario, a version or a job; the bytes stay."""
    table, _, action = request.url.path.strip("/").split("/")
    row_id = int(request.path_params["row_id"])
    deleted = action == "delete"
    back = "/"
    if table == "scenarios":
        if library.scenario(wb.store, viewer, row_id) is None:
            raise HTTPException(404)
        back = "/" if deleted else f"/scenarios/{row_id}"
    elif table == "versions":
        version = library.version(wb.store, viewer, row_id)
        if version is None:
            raise HTTPException(404)
        back = f"/scenarios/{version['scenario_id']}"
    elif table == "jobs":
        job = _job(wb, viewer, row_id)
        back = f"/versions/{job['version_id']}" if job["version_id"] else "/jobs"
    else:
        raise HTTPException(404)
    library.mark_deleted(wb.store, table, row_id, deleted)
    return RedirectResponse(back, status_code=303)


# ---- jobs ----


def _submit(wb: Workbench, request: Request, kind: str, viewer: Viewer, version_id: int | None,
            options: dict[str, Any]) -> Response:
    options.setdefault("lang", wb.lang(request))
    try:
        job_id = wb.executor.submit(kind, viewer.name, version_id, options)
    except QueueFull:
        return wb.refuse(request, 429, "queue_full", size=wb.config.queue_size)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _solve_options(form: FormData) -> tuple[dict[str, Any], list[Problem]]:
    """The solve settings of a form (blank: the scenario's own), and a problem for each field it cannot take."""
    values, problems = field_problems({"time_limit_s": form.get("time_limit_s"), "mip_gap": form.get("mip_gap")})
    return {**values, "variant": str(form.get("variant") or "").strip() or None}, problems


def _refuse_fields(wb: Workbench, request: Request, problems: list[Problem]) -> Response:
    return wb.render(request, "error.html", status=400,
                     message="\n".join(p.message(wb.lang(request)) for p in problems))


@page(role="editor", post=True)
async def start_run(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    version = _visible_version(wb, viewer, request)
    if not version["valid"]:
        return wb.refuse(request, 400, "not_valid")
    options, problems = _solve_options(form)
    if problems:
        return _refuse_fields(wb, request, problems)
    options["threads"] = 1  # one solve per core: the queue runs one per slot
    return _submit(wb, request, "run", viewer, version["id"], options)


@page(role="editor", post=True)
async def start_variants(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    version = _visible_version(wb, viewer, request)
    if not version["valid"] or not json.loads(version["facts"]).get("variants"):
        return wb.refuse(request, 400, "no_variants")
    options, problems = _solve_options(form)
    if problems:
        return _refuse_fields(wb, request, problems)
    options.update(variants="all", workers=wb.config.sweep_workers, dask=wb.config.dask)
    return _submit(wb, request, "compare", viewer, version["id"], options)


@page(role="editor", post=True)
async def start_sweep(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    version = _visible_version(wb, viewer, request)
    if not version["valid"]:
        return wb.refuse(request, 400, "not_valid")
    key, values = str(form.get("param") or ""), str(form.get("values") or "").strip()
    param = f"{key}={values}"
    try:
        parse_params([param], given_on="form")
        Tradeoff.parse(str(form.get("x") or "investment_selected"), str(form.get("y") or "average_output_per_mu"))
    except InputError as exc:
        return wb.render(request, "error.html", status=400, message=exc.report(wb.lang(request)))
    options, problems = _solve_options(form)
    if problems:
        return _refuse_fields(wb, request, problems)
    options.update(params=[param], x=str(form.get("x") or ""), y=str(form.get("y") or ""),
                   workers=wb.config.sweep_workers, dask=wb.config.dask)
    return _submit(wb, request, "sweep", viewer, version["id"], options)


def _job(wb: Workbench, viewer: Viewer, job_id: int) -> Any:
    with wb.store.db() as db:
        job = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if job is None or not viewer.sees(job["owner"]):
        raise HTTPException(404)
    return job


@page()
async def jobs_page(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    with wb.store.db() as db:
        rows = db.execute("SELECT j.*, v.filename, v.number FROM jobs j LEFT JOIN versions v ON v.id = j.version_id "
                          "WHERE j.deleted_at IS NULL ORDER BY j.id DESC LIMIT 500").fetchall()
    return wb.render(request, "jobs.html", jobs=[r for r in rows if viewer.sees(r["owner"])],
                     options={r["id"]: json.loads(r["options"]) for r in rows},
                     outcomes={r["id"]: json.loads(r["outcome"]) if r["outcome"] and r["kind"] == "run" else None
                               for r in rows})


@page()
async def job_page(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    lang = wb.lang(request)
    version = library.version(wb.store, viewer, job["version_id"]) if job["version_id"] else None
    outcome = json.loads(job["outcome"]) if job["outcome"] else None
    context: dict[str, Any] = {"job": job, "version": version, "outcome": outcome,
                               "options": json.loads(job["options"]),
                               "progress": json.loads(job["progress"]) if job["progress"] else {},
                               "message": json.loads(job["message"]) if job["message"] else None,
                               "finished": job["status"] in FINISHED}
    if job["kind"] == "run" and outcome:
        summary = {row[0]: row for row in outcome["summary"][lang]}
        facts = json.loads(version["facts"]) if version is not None else {}
        context.update(kpis=[summary[k] for k in RUN_KPIS if k in summary and summary[k][2] is not None],
                       years=list(range(facts.get("first_year", 0), facts.get("last_year", -1) + 1)),
                       tabs=[t for t in RESULT_TABS if _has_table(wb, job, lang, t)],
                       charts=_run_charts(wb, job, lang))
    if job["kind"] in ("compare", "sweep") and outcome:
        context.update(headline=HEADLINE_KPIS)
    return wb.render(request, f"job_{job['kind']}.html", **context)


def _has_table(wb: Workbench, job: Any, lang: str, sheet: str) -> bool:
    return bool(job["tables_sha"]) and tables.CACHE.rows(wb.store, job["tables_sha"], lang, sheet) > 0


def _run_charts(wb: Workbench, job: Any, lang: str) -> dict[str, Any]:
    """The data of a run's charts: land and energy by district and source (the districts sheet, summed over
    the years), each series named as its column."""
    if not job["tables_sha"]:
        return {}
    found = tables.CACHE.get(wb.store, job["tables_sha"], lang, "districts")
    if found is None or not len(found):
        return {}
    sheet = tables.SHEETS["districts"]
    by = found.groupby("district_name", sort=False)
    land = [c for c in ("land_quota_used", "land_stock", "land_provincial_pool", "land_province_request")
            if c in found.columns]
    energy = [c for c in ("energy_district", "energy_city_pool") if c in found.columns]
    sums = by[land + energy].sum()
    return {"districts": [str(d) for d in sums.index],
            "land": [{"name": tables.column_label(sheet, c, lang), "data": [round(float(v), 1) for v in sums[c]]}
                     for c in land],
            "energy": [{"name": tables.column_label(sheet, c, lang), "data": [round(float(v)) for v in sums[c]]}
                       for c in energy]}


@page()
async def job_table(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    sheet = request.path_params["sheet"]
    if not job["tables_sha"] or sheet not in RESULT_TABS:
        raise HTTPException(404)
    q = request.query_params
    found = tables.page(wb.store, job["tables_sha"], wb.lang(request), sheet, number=_int(q.get("page"), 1) or 1,
                        sort=q.get("sort") or None, desc=q.get("desc") == "1", q=q.get("q", "")[:100],
                        selected=q.get("selected", ""))
    if found is None:
        raise HTTPException(404)
    return wb.render(request, "table.html", job=job, table=found, sheet=sheet)


@page()
async def job_download(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    if not job["workbook_sha"]:
        raise HTTPException(404)
    version = library.version(wb.store, viewer, job["version_id"]) if job["version_id"] else None
    stem = PurePath(version["filename"]).stem if version is not None else f"job{job['id']}"
    suffix = {"run": "_results", "compare": "_comparison", "sweep": "_sweep"}.get(job["kind"], "")
    return xlsx(wb.store.get(job["workbook_sha"]), f"{stem}{suffix}.xlsx")


@page()
async def job_events(wb: Workbench, request: Request, viewer: Viewer, form: Any) -> Response:
    """Server-sent events: the job's status and progress as they change; `end` when it has finished."""
    job_id = int(request.path_params["job_id"])
    _job(wb, viewer, job_id)

    async def stream() -> Any:
        last = None
        while True:
            with wb.store.db() as db:
                row = db.execute("SELECT status, progress FROM jobs WHERE id = ?", (job_id,)).fetchone()
            data = json.dumps({"status": row["status"], "progress": json.loads(row["progress"] or "{}")},
                              ensure_ascii=False)
            if data != last:
                yield f"event: progress\ndata: {data}\n\n"
                last = data
            if row["status"] in FINISHED:
                yield f"event: end\ndata: {data}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.3)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@page(role="editor", post=True)
async def job_cancel(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    wb.executor.cancel(job["id"])
    return RedirectResponse(f"/jobs/{job['id']}", status_code=303)


@page(role="editor", post=True)
async def job_explain(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    project_id = str(form.get("project_id") or "").strip()
    if job["kind"] != "run" or not job["workbook_sha"] or not project_id:
        return wb.refuse(request, 400, "explain_needs_run")
    limit, problems = field_problems({"time_limit_s": form.get("time_limit_s")})
    if problems:
        return _refuse_fields(wb, request, problems)
    return _submit(wb, request, "explain", viewer, job["version_id"],
                   {"run": job["id"], "project_id": project_id,
                    "time_limit_s": limit["time_limit_s"] or EXPLAIN_LIMIT_S})


@page(role="editor", post=True)
async def compare_runs(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    ids = sorted({i for i in (_int(v) for v in form.getlist("run")) if i is not None})
    runs = [_job(wb, viewer, i) for i in ids]  # the earliest run is the base, the later ones compared with it
    if len(runs) < 2 or any(r["kind"] != "run" or not r["workbook_sha"] for r in runs):
        return wb.refuse(request, 400, "compare_two")
    return _submit(wb, request, "compare", viewer, runs[0]["version_id"], {"runs": [r["id"] for r in runs]})


@page(role="editor", post=True)
async def job_rollover(wb: Workbench, request: Request, viewer: Viewer, form: FormData) -> Response:
    """Next year's scenario from this run's allocation, kept as the next version of its scenario."""
    job = _job(wb, viewer, int(request.path_params["job_id"]))
    version = library.version(wb.store, viewer, job["version_id"])
    year = _int(form.get("year"))
    if job["kind"] != "run" or not job["workbook_sha"] or version is None or year is None:
        return wb.refuse(request, 400, "explain_needs_run")
    lang = wb.lang(request)
    stem = PurePath(version["filename"]).stem

    def roll() -> tuple[bytes, Any]:
        done = api.rollover(wb.store.get(job["workbook_sha"]), year, name=f"{stem}_results.xlsx",
                            scenario=wb.store.get(version["sha256"]), scenario_name=version["filename"])
        return done.to_bytes(lang), done.note

    try:
        data, note = await asyncio.to_thread(roll)
    except InputError as exc:
        return wb.render(request, "error.html", status=400, message=exc.report(lang))
    name = f"{stem}_{note.new_base_year}年.xlsx" if lang == "zh" else f"{stem}_{note.new_base_year}.xlsx"
    new_id = await asyncio.to_thread(library.add_version, wb.store, viewer.name, name, data,
                                     version["scenario_id"], f"rollover:{job['id']}")
    return RedirectResponse(f"/versions/{new_id}", status_code=303)


# ---- accounts and language ----


async def login_page(request: Request) -> Response:
    wb: Workbench = request.app.state.workbench
    return wb.render(request, "login.html", next=_safe_next(request.query_params.get("next")))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never //host or a scheme) to go back to."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login_post(request: Request) -> Response:
    wb: Workbench = request.app.state.workbench
    _, row = wb.current(request)
    form = await request.form(max_files=0, max_fields=5)
    if row is None or not secrets.compare_digest(str(form.get("csrf") or ""), row["csrf"]):
        return wb.refuse(request, 403, "csrf")
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    ok = await asyncio.to_thread(login, wb.store, name, password)
    if not ok:
        return wb.render(request, "login.html", status=401, next=_safe_next(str(form.get("next") or "")),
                         failed=True, name=name)  # the name stays; the password is typed again
    end_session(wb.store, row["token"])
    token, _ = new_session(wb.store, name)  # a new token at login: a session fixed before cannot be taken over
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    wb.set_session(response, token)
    return response


async def logout(request: Request) -> Response:
    wb: Workbench = request.app.state.workbench
    _, row = wb.current(request)
    form = await request.form(max_files=0, max_fields=5)
    if row is None or not secrets.compare_digest(str(form.get("csrf") or ""), row["csrf"]):
        return wb.refuse(request, 403, "csrf")
    end_session(wb.store, row["token"])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 24 * 3600)
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    wb: Workbench = request.app.state.workbench
    status = getattr(exc, "status_code", 404)
    return wb.refuse(request, status, "not_found" if status == 404 else "error")


def create_app(config: Config, *, start_executor: bool = True) -> Starlette:
    """The workbench application over the data folder `config.data_dir` (created and migrated if needed)."""
    workbench = Workbench(config)
    static = str(resources.files("quota_opt.web").joinpath("static"))
    routes = [
        Route("/", home),
        Route("/upload", upload, methods=["POST"]),
        Route("/template.xlsx", template_download),
        Route("/scenarios/{scenario_id:int}", scenario_page),
        Route("/versions/{version_id:int}", version_page),
        Route("/versions/{version_id:int}/download", version_download),
        Route("/versions/{version_id:int}/annotated", version_annotated),
        Route("/versions/{version_id:int}/run", start_run, methods=["POST"]),
        Route("/versions/{version_id:int}/variants", start_variants, methods=["POST"]),
        Route("/versions/{version_id:int}/sweep", start_sweep, methods=["POST"]),
        *(Route(f"/{what}/{{row_id:int}}/{action}", mark, methods=["POST"])
          for what in ("scenarios", "versions", "jobs") for action in ("delete", "restore")),
        Route("/jobs", jobs_page),
        Route("/jobs/compare", compare_runs, methods=["POST"]),
        Route("/jobs/{job_id:int}", job_page),
        Route("/jobs/{job_id:int}/events", job_events),
        Route("/jobs/{job_id:int}/table/{sheet:str}", job_table),
        Route("/jobs/{job_id:int}/download", job_download),
        Route("/jobs/{job_id:int}/cancel", job_cancel, methods=["POST"]),
        Route("/jobs/{job_id:int}/explain", job_explain, methods=["POST"]),
        Route("/jobs/{job_id:int}/rollover", job_rollover, methods=["POST"]),
        Route("/login", login_page),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang:str}", set_lang),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_executor:
            workbench.executor.start()
        yield
        workbench.executor.stop()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: not_found})
    app.state.workbench = workbench
    return app


__all__ = ["WORDS", "Config", "Workbench", "create_app", "is_loopback"]

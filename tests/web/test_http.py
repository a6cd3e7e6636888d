"""The workbench's pages through Starlette's TestClient: the security defaults (loopback only without accounts,
login and roles, CSRF on every form, upload size and type), the pages of a run, explain, compare and rollover,
and a 5,000-project allocation served a page at a time."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from webtools import SMALL, Bench, csrf_of, wait_job

import quota_opt
from quota_opt.cli.app import app as cli
from quota_opt.web import ServeRefused, serve
from quota_opt.web.app import is_loopback
from quota_opt.web.store import Store, add_user, dumps, now
from quota_opt.web.tables import put_tables


def test_only_loopback_is_served_without_accounts(runner: CliRunner, tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    with pytest.raises(ServeRefused) as refused:
        serve("0.0.0.0", 8765, tmp_path / "data")
    assert "0.0.0.0" in refused.value.report("en") and "--add-user" in refused.value.report("zh")
    res = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--data", str(tmp_path / "data"), "--lang", "en"])
    assert res.exit_code == 1 and "Refusing to serve on 0.0.0.0" in res.output


def test_accounts_are_made_on_the_command_line_with_the_password_from_stdin(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(cli, ["serve", "--add-user", "ann", "--role", "viewer", "--data", str(tmp_path)],
                             input="s3cret pass\n")
    assert res.exit_code == 0, res.output
    store = Store.open(tmp_path)
    from quota_opt.web.store import login, user_role

    assert user_role(store, "ann") == "viewer" and login(store, "ann", "s3cret pass")
    assert "已创建或更新账号 ann（只读）。" in res.output and "建立账号之前" not in res.output
    from quota_opt.web.library import add_version

    add_version(store, "local", "small_en.xlsx", SMALL.read_bytes())  # work saved before any account
    res = runner.invoke(cli, ["serve", "--add-user", "ed", "--role", "editor", "--data", str(tmp_path)],
                        input="pw\n")
    assert res.exit_code == 0 and "建立账号之前在本机保存的 1 个方案不属于任何编辑账号" in res.output, res.output
    res = runner.invoke(cli, ["serve", "--add-user", "a/b", "--data", str(tmp_path), "--lang", "en"],
                             input="x\n")
    assert res.exit_code == 1 and "An account name is" in res.output


def test_every_form_needs_the_sessions_csrf_token(bench: Bench) -> None:
    data = SMALL.read_bytes()
    for token in (None, "forged"):
        fields = {} if token is None else {"csrf": token}
        r = bench.client.post("/upload", data=fields, files={"file": ("small_en.xlsx", data)})
        assert r.status_code == 403 and "CSRF" in r.text
    version = bench.upload(SMALL)  # the page's token
    for url in (f"/versions/{version}/run", f"/versions/{version}/delete", "/jobs/compare", "/logout"):
        assert bench.client.post(url, data={"csrf": "forged"}).status_code == 403, url
    r = bench.client.post(f"/versions/{version}/delete", headers={"X-CSRF-Token": bench.csrf})  # htmx's way
    assert r.status_code == 200


def test_an_oversize_upload_and_a_non_workbook_are_refused(make_bench: Callable[..., Bench]) -> None:
    bench = make_bench(slots=1, max_upload=50_000)
    big = b"PK\x03\x04" + b"0" * 60_000
    r = bench.client.post("/upload", data={"csrf": bench.csrf}, files={"file": ("big.xlsx", big)})
    assert (r.status_code == 413 and "50" not in r.text) or r.status_code == 413
    for name, body in (("plan.xlsx", b"project_id,land\nP1,3\n"), ("plan.csv", SMALL.read_bytes()[:40_000])):
        r = bench.client.post("/upload", data={"csrf": bench.csrf}, files={"file": (name, body)})
        assert r.status_code == 415 and name in r.text
    with bench.store.db() as db:
        assert db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 0  # nothing kept
    assert not any((bench.store.root / "blobs").rglob("*.tmp"))


@pytest.mark.slow
def test_a_login_is_needed_once_accounts_exist_and_a_viewer_cannot_run(make_bench: Callable[..., Bench],
                                                                         tmp_path: Path) -> None:
    bench = make_bench(slots=1)
    version = bench.upload(SMALL)  # before any account: the local user
    add_user(bench.store, "vera", "viewer", "pw-vera")
    add_user(bench.store, "ed", "editor", "pw-ed")
    c = bench.client
    r = c.get(f"/versions/{version}")
    assert r.url.path == "/login"
    token = csrf_of(r.text)
    r = c.post("/login", data={"csrf": token, "name": "vera", "password": "wrong", "next": "/"})
    assert r.status_code == 401 and 'value="vera"' in r.text  # the name kept, the password to type again
    r = c.post("/login", data={"csrf": token, "name": "vera", "password": "pw-vera", "next": "//evil.example/"})
    assert r.url.path == "/"  # an outside address to go back to is not followed
    token = csrf_of(r.text)
    # a viewer, who has no library of their own, reads every one: here the work saved before any account
    assert c.get(f"/versions/{version}").status_code == 200
    r = c.post("/upload", data={"csrf": token}, files={"file": ("small_en.xlsx", SMALL.read_bytes())})
    assert (r.status_code == 403 and "viewer" in r.text.lower()) or "只读" in r.text
    c.post("/logout", data={"csrf": token})
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "name": "ed", "password": "pw-ed", "next": "/"})
    assert r.status_code == 200
    assert c.get(f"/versions/{version}").status_code == 404  # an editor's library is their own (no --shared)


@pytest.mark.slow
def test_a_viewer_reads_and_downloads_a_shared_library_but_cannot_run(make_bench: Callable[..., Bench]) -> None:
    bench = make_bench(slots=1, shared=True)
    add_user(bench.store, "ed", "editor", "pw-ed")
    add_user(bench.store, "vera", "viewer", "pw-vera")
    c = bench.client

    def log_in(name: str, password: str) -> str:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"})
        assert r.status_code == 200
        return csrf_of(r.text)

    bench.csrf = log_in("ed", "pw-ed")
    version = bench.upload(SMALL)
    c.post("/logout", data={"csrf": bench.csrf})
    token = log_in("vera", "pw-vera")
    assert c.get(f"/versions/{version}").status_code == 200
    assert c.get(f"/versions/{version}/download").content == SMALL.read_bytes()
    r = c.post(f"/versions/{version}/run", data={"csrf": token, "time_limit_s": "5"})
    assert r.status_code == 403 and "需要编辑权限" in r.text
    with bench.store.db() as db:
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


@pytest.mark.slow
def test_validation_shows_the_clis_words_and_the_annotated_copy(bench: Bench) -> None:
    wb = openpyxl.load_workbook(SMALL)
    ws = wb["projects"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("land_demand") + 1).value = "abc"
    buffer = io.BytesIO()
    wb.save(buffer)
    path = bench.store.root / "broken.xlsx"
    path.write_bytes(buffer.getvalue())
    version = bench.upload(path)
    page = bench.client.get(f"/versions/{version}").text
    for message in quota_opt.validate(buffer.getvalue(), name="broken.xlsx").messages("zh"):
        assert message.replace('"', "&#34;") in page
    assert 'id="validation-failed"' in page and 'id="start-run"' not in page
    marked = openpyxl.load_workbook(io.BytesIO(bench.client.get(f"/versions/{version}/annotated").content))
    assert marked["projects"].cell(3, header.index("land_demand") + 1).comment is not None


@pytest.mark.slow
def test_a_run_its_pages_explain_rollover_and_compare(bench: Bench) -> None:
    c = bench.client
    version = bench.upload(SMALL)
    job = bench.start(f"/versions/{version}/run", time_limit_s="10")
    row = wait_job(bench.store, job)
    assert row["status"] == "done", row["message"]
    page = c.get(f"/jobs/{job}").text
    assert 'id="kpis"' in page and "安排项目数" in page and 'id="charts"' in page
    download = c.get(f"/jobs/{job}/download")
    assert download.content == bench.store.get(row["workbook_sha"])  # the bytes the worker wrote
    assert "small_en_results.xlsx" in download.headers["content-disposition"]
    table = c.get(f"/jobs/{job}/table/allocation?selected=no&sort=score&desc=1").text
    assert ("共 " in table and "P04" not in table) or "P04" in table  # filtered on the server
    # a district found by its name, which the allocation shows beside its code (staff think in names)
    table = c.get(f"/jobs/{job}/table/allocation?q=River County").text
    assert "区县名称" in table and "River County" in table and ">N<" not in table and ">R<" in table
    events = c.get(f"/jobs/{job}/events").text
    assert events.startswith("event: progress") and "event: end" in events
    explain = bench.start(f"/jobs/{job}/explain", project_id="P07", time_limit_s="5")
    assert wait_job(bench.store, explain)["status"] == "done"
    page = c.get(f"/jobs/{explain}").text
    assert 'id="thresholds"' in page and "临界值由已采用方案" in page and "共重新求解" in page
    r = bench.post(f"/jobs/{job}/rollover", year="2026")
    assert r.url.path.startswith("/versions/") and 'id="validation-ok"' in r.text and "small_en_2027年.xlsx" in r.text
    second = bench.start(f"/versions/{version}/run", time_limit_s="10", mip_gap="0.2")
    assert wait_job(bench.store, second)["status"] == "done"
    # ticked newest first, as the list shows them: the earlier run is still the base
    compared = bench.client.post("/jobs/compare", data={"csrf": bench.csrf, "run": [str(second), str(job)]})
    assert compared.url.path.startswith("/jobs/")
    cmp_job = int(compared.url.path.rsplit("/", 1)[1])
    done = wait_job(bench.store, cmp_job)
    assert done["status"] == "done" and json.loads(done["outcome"])["names"][0].startswith(f"#{job} ")
    page = c.get(f"/jobs/{cmp_job}").text
    assert 'id="kpi-table"' in page and "间隙 基准" in page and "比较基准" in page and "与“#" in page
    c.get("/lang/en?next=/")  # and every page in English
    for url, words in ((f"/jobs/{job}", "Projects selected"), (f"/jobs/{job}/table/ledger", "rows, page 1 of"),
                       (f"/jobs/{explain}", "Smallest change that flips"), (f"/jobs/{cmp_job}", "Against \u201c#"),
                       (f"/versions/{version}", "Valid: 3 districts, 12 projects"), ("/jobs", "Compare the selected")):
        r = c.get(url)
        assert r.status_code == 200 and words in r.text, url


def test_a_form_field_it_cannot_take_is_named_as_the_form_names_it(bench: Bench) -> None:
    """A solve setting typed into a form is refused in the form's words, never as a command-line option (a
    bureau official has no command line), and a time limit that is not a number is refused, not ignored."""
    version = bench.upload(SMALL)
    for fields, said in ((dict(time_limit_s="abc"), '“求解时限”：应为大于0且不大于86,400的数（单位：秒），实际为 "abc"。'),
                         (dict(time_limit_s="-5"), "“求解时限”：应为大于0且不大于86,400的数（单位：秒），实际为 -5。"),
                         (dict(mip_gap="2"), "“最优性间隙”：应为"), (dict(time_limit_s="10", mip_gap="x"), "“最优性间隙”")):
        r = bench.post(f"/versions/{version}/run", **fields)
        text = html.unescape(r.text)
        assert r.status_code == 400 and said in text and "命令行" not in text, fields
        r = bench.post(f"/versions/{version}/sweep", param="reward_ratio", values="0,1", **fields)
        assert r.status_code == 400 and said in html.unescape(r.text), fields
    r = bench.post(f"/versions/{version}/sweep", param="reward_ratio", values="abc")
    text = html.unescape(r.text)
    assert r.status_code == 400 and "参数扫描“存量盘活奖励比例”的取值 abc，参数 存量盘活奖励比例(reward_ratio)：应为" in text
    assert "命令行" not in text
    with bench.store.db() as db:
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0  # nothing was started


def test_a_full_queue_says_so(make_bench: Callable[..., Bench]) -> None:
    bench = make_bench(slots=1, queue_size=1)
    version = bench.upload(SMALL)
    executor = bench.client.app.state.workbench.executor  # type: ignore[attr-defined]
    executor.slots = 0  # nothing leaves the queue
    bench.start(f"/versions/{version}/run", time_limit_s="5")
    r = bench.post(f"/versions/{version}/run", time_limit_s="5")
    assert r.status_code == 429 and "队列已满" in r.text


def big_tables(store: Store, n: int) -> str:
    """The tables of a run with `n` projects (small_en's allocation rows repeated, each with its own id), kept
    as the worker keeps them; the index's hash."""
    alloc = quota_opt.run(SMALL, time_limit_s=10).tables("zh")["allocation"]
    rows = pd.concat([alloc] * (n // len(alloc) + 1), ignore_index=True).head(n)
    rows["project_id"] = [f"P{i:05d}" for i in range(n)]
    rows["score"] = [(i * 7919 % n) / n for i in range(n)]
    return put_tables(store, {"zh": {"allocation": rows}})


@pytest.mark.slow
def test_a_5000_project_allocation_is_served_a_page_at_a_time(bench: Bench) -> None:
    sha = big_tables(bench.store, 5000)
    with bench.store.db() as db:
        job = db.execute("INSERT INTO jobs (kind, owner, options, status, created_at, tables_sha, outcome) "
                         "VALUES ('run', 'local', '{}', 'done', ?, ?, ?)",
                         (now(), sha, dumps({"status": "optimal", "summary": {"zh": [], "en": []}}))).lastrowid
    r = bench.client.get(f"/jobs/{job}/table/allocation")
    assert r.status_code == 200 and "共 5,000 行，第 1/100 页" in r.text
    assert r.text.count('class="small explain"') == 50
    r = bench.client.get(f"/jobs/{job}/table/allocation?sort=score&desc=1&page=2")
    assert "第 2/100 页" in r.text
    r = bench.client.get(f"/jobs/{job}/table/allocation?q=P04999")
    assert "共 1 行" in r.text and "P04999" in r.text
    r = bench.client.get(f"/jobs/{job}/table/allocation?q=no-such-project")
    assert "共 0 行" in r.text and "没有符合筛选条件的行。" in r.text
    r = bench.client.get(f"/jobs/{job}/table/allocation?sort=score&desc=1")
    top = max(range(5000), key=lambda i: i * 7919 % 5000)  # the highest score, sorted on the server
    assert re.search(r'data-project="(P\d+)"', r.text).group(1) == f"P{top:05d}"  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_scenarios_variants_compared_and_a_sweep(bench: Bench, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SMALL)
    wb["variants"].append(["more reward", "reward_ratio", "set", "1", None, None, None])
    path = tmp_path / "with_variant.xlsx"
    wb.save(path)
    version = bench.upload(path)
    page = bench.client.get(f"/versions/{version}").text
    assert 'id="compare-variants"' in page and "more reward" in page
    assert "停止原因显示为“达到计算量上限”" in html.unescape(page)  # why its cases stop at the work limit
    job = bench.start(f"/versions/{version}/variants", time_limit_s="10")
    row = wait_job(bench.store, job)
    assert row["status"] == "done", row["message"]
    outcome = json.loads(row["outcome"])
    assert outcome["names"] == ["基准方案", "more reward"] and all(outcome["ok"])
    decisions = outcome["decisions"]["zh"]  # headed and worded as the comparison workbook's sheet
    assert ["", "项目编号"] in decisions["columns"] and ["more reward", "是否安排"] in decisions["columns"]
    assert ["", "区县名称"] in decisions["columns"]
    assert not any(isinstance(v, bool) for row in decisions["data"] for v in row)
    gap = next(k for k in outcome["kpis"] if k["key"] == "gap")
    assert gap["significant"][1] is None  # the solver's own figure: never called (in)significant
    labels = {k["key"]: k["label"]["zh"] for k in outcome["kpis"]}  # each KPI with its unit, as the summary sheet
    assert labels["output_selected"] == "安排项目年产值(万元)" and labels["land_selected"] == "供地合计(亩)"
    assert bench.client.get(f"/jobs/{job}/download").content[:2] == b"PK"
    sweep = bench.start(f"/versions/{version}/sweep", param="reward_ratio", values="0,0.5,1", x="investment_selected",
                        y="-mu_to_request", time_limit_s="10")
    row = wait_job(bench.store, sweep)
    assert row["status"] == "done", row["message"]
    tradeoff = json.loads(row["outcome"])["tradeoff"]
    assert len(tradeoff["points"]) == 3 and any(point[3] for point in tradeoff["points"])
    page = bench.client.get(f"/jobs/{sweep}").text
    assert 'id="tradeoff-chart"' in page and "存量盘活奖励比例 = 0,0.5,1" in page and "reward_ratio=" not in page
    form = bench.client.get(f"/versions/{version}").text  # the sweep's settings named as the settings sheet does
    assert '<option value="reward_ratio">存量盘活奖励比例</option>' in form
    refused = bench.post(f"/versions/{version}/sweep", param="reward_ratio", values="5:1:1")
    assert refused.status_code == 400  # the CLI's refusal, in the form's words
    assert "参数扫描“存量盘活奖励比例”的取值 5:1:1：区间无效" in html.unescape(refused.text)


@pytest.mark.slow
def test_the_library_pages_render_in_both_languages(bench: Bench) -> None:
    version = bench.upload(SMALL)
    second = bench.upload(SMALL, scenario_id=1)
    assert bench.post(f"/versions/{version}/delete").status_code == 200
    pages = ("/", "/?deleted=1", "/scenarios/1", f"/versions/{second}", "/jobs", "/login", "/nowhere")
    for lang, words in (("zh", "方案库"), ("en", "Scenario library")):
        bench.client.get(f"/lang/{lang}?next=/")
        for url in pages:
            r = bench.client.get(url)
            assert r.status_code == (404 if url == "/nowhere" else 200), url
        scenario = bench.client.get("/scenarios/1").text
        assert "v2" in scenario and ("已删除" if lang == "zh" else "deleted") in scenario  # v1 kept, marked
        assert words in bench.client.get("/").text
        icon = bench.client.get("/static/favicon.svg")  # the tab's icon (no 404 logged on each page)
        assert icon.status_code == 200 and icon.text.startswith("<svg")
        if lang == "zh":  # each page its own tab title, in the reader's words
            titles = {url: re.search(r"<title>(.*?)</title>", bench.client.get(url).text).group(1)  # type: ignore[union-attr]
                      for url in ("/", "/?deleted=1", "/jobs", f"/versions/{second}")}
            assert titles["/"] == "方案库 · 指标分配工作台" and titles["/?deleted=1"] == "已删除的方案 · 指标分配工作台"
            assert titles["/jobs"].startswith("运行记录") and titles[f"/versions/{second}"].startswith("small_en.xlsx v")
        template = bench.client.get(f"/template.xlsx?lang={lang}")
        assert template.content[:2] == b"PK" and "attachment" in template.headers["content-disposition"]
    assert bench.post(f"/versions/{version}/restore").status_code == 200
    assert "已删除" not in bench.client.get("/lang/zh?next=/scenarios/1").text
    # times on the machine's clock, to the minute, not as UTC in ISO 8601; the user of a workbench without
    # accounts in words, not as its internal name
    with bench.store.db() as db:
        stamp = db.execute("SELECT uploaded_at FROM versions WHERE id = ?", (second,)).fetchone()[0]
    shown = dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    for url in ("/", "/scenarios/1", f"/versions/{second}"):
        page = bench.client.get(url).text
        assert shown in page and stamp not in page and "+00:00" not in page, url
        assert "本机用户" in page and ">local<" not in page and " local " not in page, url


def test_a_rounded_zero_never_shows_a_minus_sign() -> None:
    """The ledger's balance check showed "-0.0" (a residue of −1e-12 at one decimal)."""
    from quota_opt.web.tables import shown

    assert shown(-1e-12, "#,##0.0") == "0.0" and shown(-0.0, None) == "0.0" and shown(-1e-9, "0.0%") == "0.0%"
    assert shown(-1.5, "#,##0.0") == "-1.5" and shown(-1234.56, "#,##0.0") == "-1,234.6"

"""End to end in a real browser: `quota-opt serve` in its own process, driven by headless Chromium through
Selenium (Debian's chromium and chromium-driver, see /work/shared/BROWSER.md): upload the Hangzhou example, see
it validate, run it and watch the progress reach the end, open a project's explanation, compare two variants'
runs, download the results workbook and read it with openpyxl. Screenshots of the library, a run in progress, the
results and a comparison go to $QUOTA_OPT_SCREENSHOTS (docs/screenshots for the README) or a temporary folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from webtools import HANGZHOU

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                       reason="needs Chromium and its driver (apt-get install chromium chromium-driver; .ci/run "
                              "installs them)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`quota-opt serve` on 127.0.0.1 and a free port, over a fresh data folder; its address."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "quota_opt", "serve", "--port", str(port), "--data",
                             str(tmp_path / "data"), "--workers", "2"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > end:
                raise AssertionError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.3)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000",
                "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    yield driver
    driver.quit()


def test_the_hangzhou_example_from_upload_to_comparison(server: str, browser: object, tmp_path: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver = browser
    shots = Path(os.environ.get("QUOTA_OPT_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    def wait(seconds: float = 60) -> WebDriverWait:  # type: ignore[type-arg]
        # htmx swaps a table between finding it and reading it: a stale element is looked up again
        return WebDriverWait(driver, seconds, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,))

    def find(css: str) -> object:
        return wait().until(ready.presence_of_element_located((By.CSS_SELECTOR, css)))

    # upload, and see it validate
    driver.get(server + "/")
    assert "方案库" in driver.title + driver.page_source
    driver.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(HANGZHOU))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    ok = find("#validation-ok")
    assert "校验通过" in ok.text and "120 个项目" in ok.text
    version_url = driver.current_url

    # run it: progress while it solves, then the results
    driver.find_element(By.NAME, "time_limit_s").send_keys("8")
    driver.find_element(By.ID, "start-run").click()
    find("#progress")
    wait(90).until(lambda d: d.find_element(By.ID, "p-objective").text not in ("", "—")
                   or d.find_elements(By.ID, "kpis"))
    time.sleep(3)  # a few more points on the chart
    if not driver.find_elements(By.ID, "kpis"):
        driver.save_screenshot(str(shots / "run_in_progress.png"))
    kpis = wait(180).until(ready.presence_of_element_located((By.ID, "kpis")))  # the page reloads at the end
    assert "安排项目数" in kpis.text
    run_url = driver.current_url
    wait().until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results-table tbody tr")) > 0)
    time.sleep(1)  # the charts' animation
    driver.save_screenshot(str(shots / "results.png"))
    # readable at a glance: the reason column keeps its width (it was squeezed to four characters, each row
    # 200-300 px tall), and no explain button breaks over two lines
    reason_width, row_height, button_height = driver.execute_script(
        "const t = document.getElementById('results-table'); const i = [...t.tHead.rows[0].cells]"
        ".findIndex(c => c.textContent.trim().startsWith('说明'));"
        "const b = t.querySelector('button.explain'); const em = parseFloat(getComputedStyle(t).fontSize);"
        "return [t.tBodies[0].rows[0].cells[i].offsetWidth / em, t.tBodies[0].rows[0].offsetHeight / em,"
        " b.offsetHeight / em];")
    assert reason_width >= 20 and row_height < 8 and button_height < 2.5, (reason_width, row_height, button_height)

    # the allocation filtered on the server: the projects left out, then explain one
    limit = driver.find_element(By.ID, "explain-limit")
    limit.clear()
    limit.send_keys("2")  # seconds per re-solve: about 26 re-solves find the thresholds
    Select(driver.find_element(By.CSS_SELECTOR, "#table select[name=selected]")).select_by_value("no")
    wait().until(lambda d: "否" in d.find_element(By.ID, "results-table").text)
    button = driver.find_element(By.CSS_SELECTOR, "#results-table button.explain")
    project = button.get_attribute("data-project")
    button.click()
    reason = wait(400).until(ready.presence_of_element_located((By.ID, "reason")))
    assert reason.text and project in driver.find_element(By.TAG_NAME, "h1").text
    driver.save_screenshot(str(shots / "explanation.png"))

    # download the results workbook and read it
    driver.get(run_url)
    driver.find_element(By.ID, "download-results").click()
    end = time.monotonic() + 30
    while not list(tmp_path.glob("*_results.xlsx")) and time.monotonic() < end:
        time.sleep(0.2)
    [results] = tmp_path.glob("*_results.xlsx")
    wb = openpyxl.load_workbook(results, read_only=True)
    assert {"概览", "项目分配", "指标台账"} <= set(wb.sheetnames)
    assert sum(1 for _ in wb["项目分配"].iter_rows(min_row=2)) == 120
    wb.close()

    # two variants, run side by side, then compared
    runs = []
    for variant in ("重亩均产值", "能耗池收紧20%"):
        driver.get(version_url)
        driver.find_element(By.NAME, "time_limit_s").send_keys("4")
        Select(driver.find_element(By.NAME, "variant")).select_by_visible_text(variant)
        driver.find_element(By.ID, "start-run").click()
        find("#progress")
        runs.append(driver.current_url.rsplit("/", 1)[1])
    for job in runs:
        driver.get(f"{server}/jobs/{job}")
        wait(240).until(ready.presence_of_element_located((By.ID, "kpis")))
    driver.get(server + "/jobs")
    for job in runs:
        driver.find_element(By.CSS_SELECTOR, f"input[name=run][value='{job}']").click()
    driver.find_element(By.ID, "compare-selected").click()
    table = wait(120).until(ready.presence_of_element_located((By.ID, "kpi-table")))
    assert "重亩均产值" in table.text and "间隙 基准" in table.text
    time.sleep(1)
    driver.save_screenshot(str(shots / "comparison.png"))

    # the library, with its versions
    driver.get(server + "/")
    assert "hangzhou_example" in find("#library").text
    driver.save_screenshot(str(shots / "library.png"))
    driver.get(server + "/lang/en?next=/")
    assert "Scenario library" in driver.page_source

"""Signals, on real processes: SIGTERM is handled as Ctrl-C (the best allocation is kept and written during the
solve; elsewhere the command stops, exit 143), a signal while writing leaves no temporary file, and a Ctrl-C
while the command is still loading exits 130 without a traceback. Each test waits for the moment it wants from
what the process shows (its stage lines, its temporary file, its signal mask), not for a fixed time."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import openpyxl
import pytest

import quota_opt
from quota_opt.cli.signals import Terminated
from quota_opt.core.files import write_file
from quota_opt.core.results_schema import SUMMARY, SUMMARY_ROWS
from quota_opt.output.excel import save_atomic
from quota_opt.output.template import write_scenario
from quota_opt.studies.generate import generate_scenario

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals, /proc")

ENV = {**os.environ, "PYTHONPATH": str(Path(quota_opt.__file__).parents[1])}


def _default_signals() -> None:
    """Python's own Ctrl-C handling in the child even when this run inherited SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    """The command as the installed script runs it (`cli.main`), in a process of its own."""
    return subprocess.Popen([sys.executable, "-m", "quota_opt", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=_default_signals)


def wait_until(ready: object, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        assert proc.poll() is None, "the process ended before the moment the test waits for"
        assert time.monotonic() < end, "timed out"
        time.sleep(0.002)


def caught_signals(pid: int) -> int:
    """The signals a process has handlers for (the SigCgt mask of /proc/<pid>/status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


def summary_of(path: Path, lang: str) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    return {r[0]: r[1] for r in wb[SUMMARY.name(lang)].iter_rows(min_row=2, values_only=True)}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sigterm_during_the_solve_keeps_the_best_allocation(tmp_path: Path, lang: str) -> None:
    """As Ctrl-C: the notice at once, the best allocation written, exit 0, its summary saying it was
    interrupted, no temporary file."""
    path = write_scenario(generate_scenario(300, 13, 3, seed=1), tmp_path / "big.xlsx", "zh")
    proc = start(["run", str(path), "--time-limit", "60", "--lang", lang], tmp_path)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the stage lines come as they happen
        seen.append(line)
        if "求解" in line or "Solving" in line:
            break
    proc.send_signal(signal.SIGTERM)
    _out, rest = proc.communicate(timeout=120)
    stderr = "".join(seen) + rest
    assert proc.returncode == 0, stderr
    assert ("中断：正在写出目前最好的方案" if lang == "zh" else "Interrupted: writing the best allocation") in stderr
    assert "Traceback" not in stderr
    summary = summary_of(tmp_path / "big_results.xlsx", lang)
    key = SUMMARY_ROWS["termination"][0] if lang == "zh" else "termination"
    assert summary[key] == ("用户中断（Ctrl-C）" if lang == "zh" else "interrupted")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


ZIP_LEFT_OPEN = """
import gc, io, sys, zipfile
if sys.argv[1] == "quiet":
    from quota_opt.cli.signals import quiet_zip_clean_up
    quiet_zip_clean_up()
from quota_opt.output.excel import _FixedTimeZip
for kind in (zipfile.ZipFile, _FixedTimeZip):  # the plain one, and the workbooks' writer's
    z = kind(io.BytesIO(), "w")
    w = z.open("sheet1.xml", "w")  # what an interrupted openpyxl write leaves: a member still open
    z.loop, w.loop = z, w  # collected by the garbage collector, as after the interrupt
    del z, w
    gc.collect()

class Broken:
    def __del__(self):
        raise ValueError("another ignored exception")

b = Broken()
del b
"""


def test_an_interrupted_writes_zip_file_is_collected_without_a_traceback() -> None:
    """A Ctrl-C or SIGTERM landing inside openpyxl's save leaves its zip file with a member open; when it is
    collected, its `__del__` fails to close it and Python prints "Exception ignored in" with a traceback, after
    the command's own message (seen once in a full run, on `generate` interrupted at exit 130). The command's
    entry point leaves that one unsaid (`cli.signals.quiet_zip_clean_up`), and only that one."""
    plain = subprocess.run([sys.executable, "-c", ZIP_LEFT_OPEN, "plain"], capture_output=True, text=True, env=ENV,
                           check=True)
    assert "ZipFile.__del__" in plain.stderr and "_FixedTimeZip.__del__" in plain.stderr
    assert "another ignored exception" in plain.stderr
    quiet = subprocess.run([sys.executable, "-c", ZIP_LEFT_OPEN, "quiet"], capture_output=True, text=True, env=ENV,
                           check=True)
    assert "ZipFile" not in quiet.stderr and "Can't close the ZIP file" not in quiet.stderr
    assert "another ignored exception" in quiet.stderr  # every other ignored exception is still said


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, Terminated])
def test_an_interrupt_while_the_zip_file_opens_is_collected_without_a_traceback(
        tmp_path: Path, interrupt: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal inside ZipFile.__init__, after it opens the file and before it is ready to close it, left an
    archive whose `__del__` failed with "AttributeError: ... '_writing'", which Python printed with a traceback
    after "Interrupted." (seen once in CI, `generate` interrupted at exit 130). Here the interrupt lands at that
    moment every time: ZipFile takes its lock between the two."""

    def lock() -> None:
        raise interrupt

    ignored: list[Any] = []
    workbook = openpyxl.Workbook()
    monkeypatch.setattr(zipfile, "threading", SimpleNamespace(RLock=lock))  # zipfile's alone
    with pytest.raises(interrupt):
        save_atomic(workbook, tmp_path / "book.xlsx")
    monkeypatch.undo()
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    gc.collect()
    assert ignored == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_writing_leaves_no_temporary_file(tmp_path: Path, signum: int, code: int) -> None:
    """`generate` writing a large scenario: the signal arrives while its temporary file is being written; the
    command stops with its documented code, and neither the temporary file nor a half workbook is left."""
    proc = start(["generate", "--projects", "3000", "--districts", "13", "--years", "3", "-o",
                  str(tmp_path / "g.xlsx"), "--lang", "en"], tmp_path)

    def writing() -> bool:
        return any(p.name.endswith(".xlsx.tmp") for p in tmp_path.iterdir())

    wait_until(writing, proc)
    proc.send_signal(signum)
    _out, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert ("Terminated (SIGTERM)." if signum == signal.SIGTERM else "Interrupted.") in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, Terminated])
def test_an_interrupt_inside_a_writer_whose_clean_up_then_fails_stays_an_interrupt(tmp_path: Path,
                                                                                   interrupt: type) -> None:
    """Ctrl-C landing inside openpyxl's save, with a sheet's zip member open for writing: leaving the zip file's
    `with`, its close failed ("Can't close the ZIP file while there is an open writing handle on it") and that
    ValueError took the interrupt's place, so the command ended as an internal error (exit 70) instead of 130 (seen
    once in a full run of test_a_signal_while_writing_leaves_no_temporary_file). The write now stops as the
    interrupt says, and leaves no file."""

    opened: list[tuple[zipfile.ZipFile, IO[bytes]]] = []

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w") as book:
            sheet = book.open("xl/worksheets/sheet1.xml", "w")
            opened.append((book, sheet))
            sheet.write(b"<worksheet/>")
            raise interrupt

    with pytest.raises(interrupt):
        write_file(tmp_path / "book.xlsx", write, None)
    assert list(tmp_path.iterdir()) == []
    book, sheet = opened[0]  # left open by the failed close, as in the command: closed here, for the test's sake
    sheet.close()
    book.close()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_command_loads_exits_quietly(tmp_path: Path, delay: float, signum: int,
                                                        code: int) -> None:
    """Ctrl-C (or SIGTERM) in the first moments, while Python imports the command: exit 130 (143), no
    traceback. The test waits until the entry point's handler is in place (SIGTERM caught), then signals at
    once or a little later, while the imports go on."""
    proc = start(["validate", str(tmp_path / "none.xlsx")], tmp_path)
    wait_until(lambda: caught_signals(proc.pid) & (1 << (signal.SIGTERM - 1)), proc, timeout=30)
    time.sleep(delay)
    proc.send_signal(signum)
    _out, stderr = proc.communicate(timeout=60)
    if "找不到文件" in stderr:
        # validate ran to its end first: the signal came after it had said all it had to say, and if it landed
        # while Python shut down (after Python gives the default handlers back), the signal itself ended the
        # process (-2 here, 130 in a shell). This was the "Ctrl-C race at start-up" once marked xfail:
        # every such run had validate's whole message on stderr, and only signals sent about 0.6 s after the
        # handler was in place (validate takes 0.65 s idle) gave it; none did at 0–0.5 s.
        assert proc.returncode in (1, -signum), stderr
        return
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr

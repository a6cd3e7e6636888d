"""The quick-start notebook: committed without outputs, and executed end to end so that it cannot rot.

It runs in a kernel of this very interpreter (the venv's ipykernel): the `python3` kernelspec is used when
it starts `python` (jupyter_client then substitutes sys.executable); otherwise a kernelspec for
sys.executable is installed into a temporary folder put first on JUPYTER_PATH.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
EXAMPLE = ROOT / "scenarios" / "hangzhou_example.xlsx"


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code"
    assert all(c.outputs == [] and c.execution_count is None for c in code), "strip the outputs before committing"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "hangzhou_example.xlsx" in "".join(c.source for c in code)


def _this_interpreter_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        uses_us = spec.argv and spec.argv[0] in ("python", f"python{sys.version_info[0]}",
                                                 "python{}.{}".format(*sys.version_info[:2]), sys.executable)
    except NoSuchKernel:
        uses_us = False
    if not uses_us:
        from ipykernel.kernelspec import install

        install(kernel_name="python3", prefix=str(tmp_path))
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    return "python3"


@pytest.mark.slow
def test_quickstart_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    assert EXAMPLE.is_file(), f"{EXAMPLE.relative_to(ROOT)} is missing: build it with `make examples`"
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's path migration warning otherwise
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook writes its workbooks into a temporary folder
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # figures as outputs
    kernel = _this_interpreter_kernel(tmp_path, monkeypatch)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name=kernel,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    shown = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "comparison workbook:" in shown and "sweep workbook:" in shown
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 4
    print(f"notebook executed in {elapsed:.1f} s")

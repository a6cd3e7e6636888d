# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo       — runs the Hangzhou example end to end
#   make test       — lint, type-check and the whole test suite, in parallel (what CI runs)
#   make test-fast  — the edit-test loop: everything but slow, LibreOffice, Dask and browser tests, in parallel
#   make serve      — the workbench in the browser, http://127.0.0.1:8765/
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := scenarios/hangzhou_example.xlsx
# pytest-xdist workers: one per core by default (`make test JOBS=0` runs in one process); loadgroup keeps the
# modules marked xdist_group (an expensive module fixture: the example's solve, LibreOffice's books) on one worker
JOBS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

.PHONY: demo test test-fast lint bench examples serve clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "quota-opt needs Python 3.11 or newer (python3.11+ on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/quota-opt validate $(EXAMPLE)
	$(BIN)/quota-opt run $(EXAMPLE)

serve: $(VENV)/.installed
	$(BIN)/quota-opt serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

test: lint
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PYTEST)

test-fast: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-dev} $(PYTEST) -q -m "not slow and not libreoffice and not dask and not browser"

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/hostile.py

examples: $(VENV)/.installed
	$(BIN)/python scripts/make_examples.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

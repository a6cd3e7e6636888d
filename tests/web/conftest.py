"""Fixtures for the workbench's tests: the application over a fresh data folder, with a client (webtools.Bench)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from webtools import Bench

from quota_opt.web.app import Config, create_app


@pytest.fixture
def make_bench(tmp_path: Path) -> Iterator[Callable[..., Bench]]:
    """`make_bench(**config)`: a running workbench (executor started) over a fresh data folder."""
    clients: list[TestClient] = []

    def make(**config: Any) -> Bench:
        app = create_app(Config(data_dir=tmp_path / f"data{len(clients)}", **config))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Bench(client, app.state.workbench.store)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def bench(make_bench: Callable[..., Bench]) -> Bench:
    return make_bench(slots=2)

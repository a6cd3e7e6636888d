"""`make test` and `make test-fast` run the suite on pytest-xdist workers with `--dist loadgroup`: the tests of one
`xdist_group` run on one worker, so that a group's expensive fixture is made once (the example's solve,
conftest.example_run; LibreOffice's books; a console-encoding batch). xdist does it by adding "@<group>" to the node
ids in each worker. pytest 9.2 dropped that suffix without a word (pytest-dev/pytest-xdist#1386): the groups were
spread over the workers and the example was solved once per worker. pyproject.toml keeps pytest below 9.2; this test
fails if a group is no longer kept together."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("example")
def test_an_xdist_group_is_kept_on_one_worker(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run on pytest-xdist workers with --dist loadgroup")
    assert request.node.nodeid.endswith("@example"), request.node.nodeid

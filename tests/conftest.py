"""Fixtures: one NSD server for the session; modules and tests load their own zones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.nsd import NsdServer


@pytest.fixture(scope="session")
def nsd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NsdServer]:
    server = NsdServer(tmp_path_factory.mktemp("nsd"), {".": []})
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""Fixtures: one NSD server for the session; modules and tests load their own zones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(autouse=True)
def private_dns_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own persistent DNS cache, so no answer leaks between tests."""
    monkeypatch.setenv("ALIGNCHECK_CACHE_DIR", str(tmp_path / "dns-cache"))

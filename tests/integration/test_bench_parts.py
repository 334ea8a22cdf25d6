"""The parts the benchmarks stand on: NSD's minimal answers and the relay's latency."""

from __future__ import annotations

import time
from pathlib import Path

import dns.message
import dns.query
import pytest

from tests.nsd import NsdServer, nsd_binary
from tests.relay import relay

pytestmark = pytest.mark.skipif(nsd_binary() is None, reason="nsd is not installed")

RECORDS = [
    "bounce.example.com. MX 10 mx.example.com.",
    "mx.example.com. A 192.0.2.1",
]


def ask(port: int, name: str, rdtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=2)


@pytest.mark.parametrize("minimal", [False, True])
def test_minimal_answers_leave_out_authority_and_glue(tmp_path: Path, minimal: bool) -> None:
    server = NsdServer(tmp_path, {".": RECORDS}, minimal=minimal)
    server.start()
    try:
        positive = ask(server.port, "bounce.example.com.", "MX")
        negative = ask(server.port, "nothing.example.com.", "TXT")
    finally:
        server.stop()
    assert len(positive.answer) == 1
    assert bool(positive.authority) is not minimal
    assert bool(positive.additional) is not minimal
    assert [rrset.rdtype for rrset in negative.authority] == [dns.rdatatype.SOA]


def test_relay_holds_every_answer_back_and_counts_questions(tmp_path: Path) -> None:
    server = NsdServer(tmp_path, {".": RECORDS}, minimal=True)
    server.start()
    try:
        with relay(server.port, 0.2) as front:
            started = time.monotonic()
            reply = ask(front.port, "bounce.example.com.", "MX")
            waited = time.monotonic() - started
            counted = dict(front.questions)
    finally:
        server.stop()
    assert len(reply.answer) == 1
    assert 0.2 <= waited < 1.5
    assert counted == {("bounce.example.com", "MX"): 1}


def test_taking_turns_refuses_a_side_that_would_run_another_tree(tmp_path: Path) -> None:
    """benchmarks/turns.py times each version from outside the repository: from inside it,
    Python puts the working directory first on the path, and the earlier version's PYTHONPATH
    would be ignored."""
    import importlib.util
    import sys

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("turns", root / "benchmarks" / "turns.py")
        assert spec is not None and spec.loader is not None
        turns = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(turns)
    finally:
        sys.path.remove(str(root / "benchmarks"))
    earlier = tmp_path / "earlier"
    (earlier / "aligncheck").mkdir(parents=True)
    (earlier / "aligncheck" / "__init__.py").write_text("")
    outside = tmp_path / "cwd"
    outside.mkdir()
    turns._check_imports(earlier, outside, "earlier")  # its own tree: accepted
    with pytest.raises(SystemExit, match=r"imports .*aligncheck"):
        turns._check_imports(earlier, root, "earlier")  # from the repository: refused

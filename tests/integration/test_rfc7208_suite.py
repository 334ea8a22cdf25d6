"""The RFC 7208 test suite (openspf.org, vendored in tests/data/rfc7208) run through
`aligncheck spf --ip HOST --sender MAILFROM --helo HELO --format json` against NSD.

Each section's zone data is served by NSD; a small server in front answers SERVFAIL where the
suite says TIMEOUT (for the record types listed after it, as pyspf's harness reads it) and for
names under `error.`, and forwards everything else to NSD over UDP or TCP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.name
import pytest
import yaml

from aligncheck.cli import main
from tests.crafted import CraftedServer, Forwarder
from tests.nsd import NsdServer

SUITE = Path(__file__).parents[1] / "data" / "rfc7208" / "rfc7208-tests.yml"
SECTIONS: list[dict[str, Any]] = list(yaml.safe_load_all(SUITE.read_bytes()))

# Tests whose zone data DNS cannot carry; each says why.
SKIPPED = {
    "null-text": "its zone holds a TXT record with no character-strings, which no zone file "
    "(and so no DNS server) can publish",
}


def _owner(name: str) -> str:
    """A suite name as an absolute zone-file owner (spaces, `%`, `:` escaped by dnspython)."""
    labels = [label.encode("utf-8") for label in name.rstrip(".").split(".")]
    return dns.name.Name([*labels, b""]).to_text()


def _strings(value: str | list[str]) -> str:
    """TXT character-strings: the suite's text as UTF-8, non-printable bytes escaped."""
    parts = [value] if isinstance(value, str) else value
    out = []
    for part in parts:
        raw = part.encode("utf-8")
        text = "".join(
            chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\' else f"\\{b:03d}" for b in raw
        )
        out.append(f'"{text}"')
    return " ".join(out)


def zone(section: dict[str, Any]) -> tuple[list[str], set[tuple[str, str]]]:
    """(zone-file records, the (name, type) pairs that time out)."""
    records: list[str] = []
    timeouts: set[tuple[str, str]] = set()
    for name, entries in section["zonedata"].items():
        owner = _owner(name)
        explicit_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        answered: set[str] = set()
        for entry in entries:
            if entry == "TIMEOUT":
                for rdtype in ("TXT", "A", "AAAA", "MX", "PTR", "CNAME", "SPF"):
                    if rdtype not in answered:
                        timeouts.add((name.lower().rstrip("."), rdtype))
                continue
            ((rdtype, value),) = entry.items()
            if rdtype == "SPF":
                rdtype = "SPF" if explicit_txt else "TXT"
            if value == "NONE" or value == []:
                continue  # no record: a TIMEOUT after it still covers the type
            answered.add(rdtype)
            if rdtype in ("TXT", "SPF"):
                records.append(f"{owner} {rdtype} {_strings(value)}")
            elif rdtype == "MX":
                preference, host = value
                records.append(f"{owner} MX {preference} {_owner(host) if host else '.'}")
            elif rdtype in ("PTR", "CNAME"):
                records.append(f"{owner} {rdtype} {_owner(value)}")
            else:
                records.append(f"{owner} {rdtype} {value}")
    return records, timeouts


def cases() -> Iterator[Any]:
    for number, section in enumerate(SECTIONS):
        for test_id, test in section["tests"].items():
            marks = [pytest.mark.skip(reason=SKIPPED[test_id])] if test_id in SKIPPED else []
            yield pytest.param(number, test_id, test, id=test_id, marks=marks)


_current: dict[str, Any] = {}


def _serve(nsd: NsdServer, number: int) -> str:
    """Serve section `number` (NSD restarted only when the section changes)."""
    if _current.get("section") == number:
        return str(_current["address"])
    if "server" in _current:
        _current.pop("context").__exit__(None, None, None)
    records, timeouts = zone(SECTIONS[number])
    nsd.serve({".": records})

    def fails(name: str, rdtype: str) -> bool:
        name = name.lower()
        return (name, rdtype) in timeouts or name.startswith("error.")

    forwarder = Forwarder(nsd.port, fails)
    server = CraftedServer(forwarder.udp, tcp="answer", tcp_reply=forwarder.tcp)
    context = server.running()
    context.__enter__()
    _current.update(section=number, server=server, context=context, address=server.address)
    return server.address


@pytest.fixture(scope="module", autouse=True)
def _stop_forwarder() -> Iterator[None]:
    yield
    if "context" in _current:
        _current.pop("context").__exit__(None, None, None)
    _current.clear()


@pytest.mark.parametrize(("section", "test_id", "test"), list(cases()))
def test_rfc7208(
    nsd: NsdServer,
    capsys: pytest.CaptureFixture[str],
    section: int,
    test_id: str,
    test: dict[str, Any],
) -> None:
    address = _serve(nsd, section)
    status = main(
        [
            "spf",
            "--ip",
            test["host"],
            "--sender",
            test["mailfrom"],
            "--helo",
            test["helo"],
            "--format",
            "json",
            "--nameserver",
            address,
            "--no-cache",
            "--isolated",
            "--dns-timeout",
            "2",
        ]
    )
    out, err = capsys.readouterr()
    assert status in (0, 1), err
    [result] = json.loads(out)["results"]
    expected = test["result"]
    allowed = expected if isinstance(expected, list) else [expected]
    assert result["result"] in allowed, (test.get("description"), result)
    if "explanation" in test:
        # the suite's harness sets the default explanation to "DEFAULT": no `exp=` text
        wanted = None if test["explanation"] == "DEFAULT" else test["explanation"]
        assert result["explanation"] == wanted, result

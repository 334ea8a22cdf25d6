"""Hostile DNS: huge, malformed, looping or lying answers and silent servers give AC600 (or the
right AC5xx) with a clear message, in bounded time, and never a passing run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset
import pytest

from aligncheck import Finding, Settings, check_paths
from aligncheck.cli import main
from tests.nsd import NsdServer

LONG_VALUE = "".join(f'"{"a" * 250}" ' for _ in range(240))  # one 60 KB TXT record
ROOT = [
    '_dmarc.big.com. TXT "v=DMARC1; p=reject"',
    *[f'_dmarc.big.com. TXT "site-verification-{i:03d}={"x" * 40}"' for i in range(99)],
    f'_dmarc.huge.com. TXT "v=DMARC1; p=reject; x=" {LONG_VALUE}',
    '_dmarc.bytes.com. TXT "v=DMARC1; p=reject; rua=mailto:\\255\\254@bytes.com"',
    "_dmarc.loop.com. CNAME _dmarc.loop2.com.",
    "_dmarc.loop2.com. CNAME _dmarc.loop.com.",
    "_dmarc.brand.com. CNAME brand.dmarc.provider.net.",
]
PROVIDER = ['brand.dmarc TXT "v=DMARC1; p=reject; aspf=s"']


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT, "provider.net": PROVIDER})
    return nsd


def lint(address: str, tmp_path: Path, author: str, timeout: float = 2.0) -> list[Finding]:
    path = tmp_path / "send.yaml"
    path.write_text(f"from: info@{author}\nenvelope: b@other.net\n")
    settings = Settings(
        nameservers=(address,),
        model="rfc7489",
        dns_timeout=timeout,
        ignore=("AC302",),
        cache=False,
    )
    return list(check_paths([str(path)], settings).findings)


def summary(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, str(f.severity)) for f in findings)


def test_hundred_txt_records_come_over_tcp(server: NsdServer, tmp_path: Path) -> None:
    assert summary(lint(server.address, tmp_path, "big.com")) == [("AC301", "error")]


def test_sixty_kilobyte_record(server: NsdServer, tmp_path: Path) -> None:
    started = time.monotonic()
    assert summary(lint(server.address, tmp_path, "huge.com")) == [("AC301", "error")]
    assert time.monotonic() - started < 5


def test_non_utf8_bytes_in_a_record(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server.address, tmp_path, "bytes.com")
    assert summary(findings) == [("AC301", "error"), ("AC501", "error")]
    ac501 = next(f for f in findings if f.rule == "AC501")
    assert "printable ASCII" in ac501.message


def test_cname_loop_is_a_failure(server: NsdServer, tmp_path: Path) -> None:
    findings = lint(server.address, tmp_path, "loop.com")
    assert summary(findings) == [("AC600", "error")]
    assert "CNAME" in findings[0].message


def test_cname_into_another_zone_is_followed(server: NsdServer, tmp_path: Path) -> None:
    # aspf=s from the provider's record: the envelope must equal the author domain
    findings = lint(server.address, tmp_path, "brand.com")
    assert summary(findings) == [("AC301", "error")]
    assert "aspf=s" in findings[0].message


class LyingServer:
    """Answers every question on loopback, in one of several wrong ways."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def reply(
        self, data: bytes, mode: str | None = None, record: str = "v=DMARC1; p=none"
    ) -> bytes | None:
        mode = mode or self.mode
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        if mode == "silent":
            return None
        if mode == "garbage":
            return b"\xde\xad" + bytes(range(40))
        if mode == "refused":
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        name = query.question[0].name
        if mode == "wrong-name":
            name = dns.name.from_text("_dmarc.attacker.example.")
            response.question = [dns.rrset.RRset(name, 1, 16)]
        response.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", f'"{record}"'))
        wire = response.to_wire()
        if mode == "wrong-id":
            wire = ((query.id + 1) % 65536).to_bytes(2, "big") + wire[2:]
        return wire

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            if self.mode == "spoofed-first":  # what an off-path attacker races in first
                for mode in ("garbage", "wrong-id", "wrong-name"):
                    forged = self.reply(data, mode, "v=DMARC1; p=reject")
                    self.socket.sendto(forged or b"", client)
            answer = self.reply(data)
            if answer is not None:
                self.socket.sendto(answer, client)

    @contextmanager
    def running(self) -> Iterator[LyingServer]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            self.thread.join(timeout=2)
            self.socket.close()


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [
        ("silent", "timed out"),
        ("wrong-id", "timed out"),
        ("wrong-name", "timed out"),
        ("garbage", "timed out"),
        ("refused", "REFUSED"),
    ],
)
def test_lying_or_silent_servers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, fragment: str
) -> None:
    with LyingServer(mode).running() as liar:
        started = time.monotonic()
        findings = lint(liar.address, tmp_path, "example.com", timeout=1.0)
        elapsed = time.monotonic() - started
        assert elapsed < 2.5  # within --dns-timeout (retries included) plus start-up
        assert summary(findings) == [("AC600", "error")]
        assert fragment in findings[0].message
        status = main(
            [
                "check",
                "--nameserver",
                liar.address,
                "--dns-timeout",
                "1",
                "--no-cache",
                str(tmp_path / "send.yaml"),
            ]
        )
        capsys.readouterr()
        assert status == 1  # never a pass when a needed answer is missing


def test_datagrams_that_are_no_answer_are_skipped_and_the_answer_is_read(
    tmp_path: Path,
) -> None:
    """Another id, garbage and another question arrive first on the query's socket: each
    is skipped, the try goes on listening, and the real answer is read at once."""
    with LyingServer("honest").running() as honest:
        expected = summary(lint(honest.address, tmp_path, "example.com"))
    with LyingServer("spoofed-first").running() as liar:
        started = time.monotonic()
        findings = lint(liar.address, tmp_path, "example.com", timeout=5.0)
        elapsed = time.monotonic() - started
    assert "AC600" not in {f.rule for f in findings}
    assert summary(findings) == expected
    assert elapsed < 2.0  # no try waited for its timeout

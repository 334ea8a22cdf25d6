"""The persistent DNS cache: a second run within the TTLs sends no query; TTLs are honoured;
concurrent runs share it safely; --no-cache bypasses it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from aligncheck import Settings, check_paths
from tests.nsd import NsdServer
from tests.relay import relay

RECORDS = [
    '_dmarc.example.com. TXT "v=DMARC1; p=reject"',
    "bounces.example.com. MX 10 mx.example.com.",
    'bounces.example.com. TXT "v=spf1 include:spf1.smtpeter.com -all"',
    'spf1.smtpeter.com. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
    "$TTL 1",
    '_dmarc.shortlived.com. TXT "v=DMARC1; p=reject"',
    "shortlived.com. MX 10 mx.example.com.",
    'shortlived.com. TXT "v=spf1 include:spf1.smtpeter.com -all"',
]


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "send.yaml"
    path.write_text(text)
    return str(path)


def test_second_run_sends_no_query(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": RECORDS})
    path = config(tmp_path, "from: info@example.com\nenvelope: b@bounces.example.com\n")
    with relay(nsd.port) as counting:
        settings = Settings(nameservers=(counting.address,))
        first = check_paths([path], settings)
        sent_first = counting.sent
        second = check_paths([path], settings)
        assert counting.sent == sent_first  # nothing more reached the server
        assert (first.dns_queries, second.dns_queries) == (sent_first, 0)
        assert list(first.findings) == list(second.findings) == []
        check_paths([path], Settings(nameservers=(counting.address,), cache=False))
        assert counting.sent == 2 * sent_first


def test_expired_answers_are_asked_again(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": RECORDS})
    path = config(tmp_path, "from: info@shortlived.com\nenvelope: b@shortlived.com\n")
    with relay(nsd.port) as counting:
        settings = Settings(nameservers=(counting.address,), model="rfc7489")
        # _dmarc TXT, MX, TXT and SPF (type 99) of the MAIL FROM, the TXT of the include
        assert check_paths([path], settings).dns_queries == 5
        time.sleep(1.5)  # the records' TTL of 1 s has run out
        # asked again: the three with a TTL of 1 s; the include's TXT and the empty type-99
        # answer (negative TTL: the SOA minimum, 300 s) are still fresh
        assert check_paths([path], settings).dns_queries == 3


def test_negative_answers_are_cached_for_the_soa_minimum(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": RECORDS})
    path = config(tmp_path, "from: info@norecord.example.com\n")
    with relay(nsd.port) as counting:
        settings = Settings(nameservers=(counting.address,), model="rfc7489")
        assert check_paths([path], settings).dns_queries > 0
        assert check_paths([path], settings).dns_queries == 0


def test_failures_are_never_cached(tmp_path: Path) -> None:
    from tests.nsd import free_port

    path = config(tmp_path, "from: info@example.com\n")
    settings = Settings(nameservers=(f"127.0.0.1:{free_port()}",), dns_timeout=0.5)
    assert check_paths([path], settings).dns_queries > 0
    assert check_paths([path], settings).dns_queries > 0


def test_concurrent_runs_share_the_cache(nsd: NsdServer, tmp_path: Path) -> None:
    nsd.serve({".": RECORDS})
    folder = tmp_path / "sends"
    folder.mkdir()
    for i in range(30):
        (folder / f"s{i}.yaml").write_text(f"from: a@brand{i}.example.com\n")
    with relay(nsd.port) as counting:
        command = [
            sys.executable,
            "-m",
            "aligncheck",
            "check",
            "--nameserver",
            counting.address,
            "--format",
            "json",
            str(folder),
        ]
        runs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0, 0], [err for _, err in outputs]
        assert len({out for out, _ in outputs}) == 1  # the same findings from every run
        before = counting.sent
        settings = Settings(nameservers=(counting.address,))
        assert check_paths([str(folder)], settings).dns_queries == 0
        assert counting.sent == before

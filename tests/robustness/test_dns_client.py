"""The DNS client on dnspython: escaped names, TTLs, bounded retries, fresh source ports, the
resolver file and its options, and failures said for people."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aligncheck import Settings, check_paths
from aligncheck.cli import main
from aligncheck.resolver import FailureReason, ResolverConfig, ResolverConfigError, resolve_all
from aligncheck.resolver.answers import MAX_TTL
from aligncheck.resolver.cache import DnsCache
from aligncheck.resolver.config import RESOLV_CONF_ENV
from tests.crafted import CraftedServer, silent, txt_reply
from tests.nsd import NsdServer, free_port

ROOT = [
    r"_dmarc.hib.com. CNAME \200bin.provider.net.",
    r'a\.b.example. TXT "real"',
    'a.b.example. TXT "imposter"',
    r"alias.example. CNAME a\.b.other.net.",
    r"mx.example. MX 10 mail\.x.example.",
    r'\128x.example. TXT "128"',
    r'\129x.example. TXT "129"',
]
PROVIDER = [r'\200bin TXT "v=DMARC1; p=reject; aspf=s"']
OTHER = [r'a\.b TXT "real, in another zone"', 'a.b TXT "imposter, in another zone"']


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve({".": ROOT, "provider.net": PROVIDER, "other.net": OTHER})
    return nsd


def ask(address: str, *questions: tuple[str, str], timeout: float = 2.0) -> dict[str, object]:
    table = resolve_all(questions, ResolverConfig((address,), timeout))
    return {f"{n} {t}": table.answers[(n, t)] for n, t in questions}


def test_cname_to_a_name_with_a_non_ascii_byte_is_followed(
    server: NsdServer, tmp_path: Path
) -> None:
    path = tmp_path / "send.yaml"
    path.write_text("from: info@hib.com\nenvelope: b@mail.hib.com\n")
    settings = Settings(
        nameservers=(server.address,), model="rfc7489", ignore=("AC302",), cache=False
    )
    findings = check_paths([str(path)], settings).findings
    # the provider's aspf=s, reached through the CNAME: strict mode misaligns the subdomain
    assert [(f.rule, "aspf=s" in f.message) for f in findings] == [("AC301", True)]


def test_escaped_dots_and_bytes_keep_names_apart(server: NsdServer) -> None:
    answers = ask(
        server.address,
        (r"a\.b.example", "TXT"),
        ("a.b.example", "TXT"),
        ("alias.example", "TXT"),
        (r"\128x.example", "TXT"),
        (r"\129x.example", "TXT"),
    )
    records = {key: getattr(answer, "records", None) for key, answer in answers.items()}
    assert records == {
        r"a\.b.example TXT": ("real",),
        "a.b.example TXT": ("imposter",),
        "alias.example TXT": ("real, in another zone",),
        r"\128x.example TXT": ("128",),
        r"\129x.example TXT": ("129",),
    }


def test_an_escaped_mx_target_stays_escaped(server: NsdServer) -> None:
    answer = ask(server.address, ("mx.example", "MX"))["mx.example MX"]
    assert getattr(answer, "records", None) == (r"10 mail\.x.example.",)


@pytest.mark.parametrize(
    ("wire_ttl", "kept"), [(0x80000001, 0.0), (0xFFFFFFFF, 0.0), (0x7FFFFFFF, MAX_TTL), (60, 60.0)]
)
def test_ttl_top_bit_is_zero_and_no_answer_lives_past_a_day(
    tmp_path: Path, wire_ttl: int, kept: float
) -> None:
    with CraftedServer(txt_reply("v=DMARC1; p=none", ttl=wire_ttl)).running() as crafted:
        answer = resolve_all(
            [("_dmarc.example.com", "TXT")], ResolverConfig((crafted.address,), 2.0)
        ).answers[("_dmarc.example.com", "TXT")]
        assert answer.records == ("v=DMARC1; p=none",)
        assert answer.ttl == kept
        cache = DnsCache(crafted.address, tmp_path)
        cache.put({("_dmarc.example.com", "TXT"): answer})
        stored = cache.get([("_dmarc.example.com", "TXT")])
        cache.close()
    if kept == 0:
        assert stored == {}
    else:
        ttl = stored[("_dmarc.example.com", "TXT")].ttl
        assert kept - 5 < ttl <= kept


@pytest.mark.parametrize("tcp", ["refuse", "close"])
def test_truncation_forever_is_tried_a_bounded_number_of_times(tcp: str) -> None:
    reply = txt_reply("v=DMARC1; p=none", truncated=True)
    with CraftedServer(reply, tcp=tcp).running() as crafted:
        started = time.monotonic()
        answer = ask(crafted.address, ("example.com", "TXT"), timeout=5.0)["example.com TXT"]
        elapsed = time.monotonic() - started
    assert getattr(answer, "reason", None) is FailureReason.NETWORK
    attempts, servers = 2, 1
    assert len(crafted.udp_clients) <= attempts * servers
    assert crafted.tcp_connections <= attempts * servers
    assert elapsed < 5.0


def test_every_query_leaves_from_a_fresh_source_port() -> None:
    with CraftedServer(txt_reply("x")).running() as crafted:
        questions = [(f"name{i}.example", "TXT") for i in range(40)]
        resolve_all(questions, ResolverConfig((crafted.address,), 2.0))
    ports = [port for _, port in crafted.udp_clients]
    assert len(ports) == 40
    assert len(set(ports)) >= 38  # the operating system may hand out a port again, rarely


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is a POSIX limit")
def test_queries_in_flight_stay_within_the_open_file_limit() -> None:
    """A process allowed 64 open files (macOS allows 256 by default) asking 400 questions
    with 1,000 in flight: every question is answered, none fails with `Too many open
    files`, and every one still leaves from a socket of its own."""
    import resource

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    program = (
        "import sys\n"
        "from aligncheck.resolver import ResolverConfig, resolve_all\n"
        "questions = [(f'name{i}.example', 'TXT') for i in range(400)]\n"
        "config = ResolverConfig((sys.argv[1],), 5.0, 1000)\n"
        "table = resolve_all(questions, config)\n"
        "failed = [a.error for a in table.answers.values() if a.failed]\n"
        "print(len(table.answers), len(failed), failed[:1])\n"
    )
    with CraftedServer(txt_reply("v=DMARC1; p=none")).running() as crafted:
        done = subprocess.run(
            [sys.executable, "-c", program, crafted.address],
            capture_output=True,
            text=True,
            preexec_fn=few_files,
            check=False,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["400", "0"], done.stdout
    assert len(crafted.udp_clients) == 400


def test_a_refused_port_says_connection_refused(capsys: pytest.CaptureFixture[str]) -> None:
    answer = ask(f"127.0.0.1:{free_port()}", ("example.com", "TXT"))["example.com TXT"]
    assert getattr(answer, "reason", None) is FailureReason.NETWORK
    assert "connection refused" in getattr(answer, "error", "")
    assert "timed out" not in getattr(answer, "error", "")


def test_a_silent_server_times_out_with_a_rounded_duration() -> None:
    with CraftedServer(silent).running() as crafted:
        answer = ask(crafted.address, ("example.com", "TXT"), timeout=1.0)["example.com TXT"]
    error = getattr(answer, "error", "")
    assert error.startswith("timed out after 1 s"), error


# --- the system resolver file -------------------------------------------------------------


def _bindable(host: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 53))
    except OSError:
        return False
    return True


needs_port_53 = pytest.mark.skipif(
    not (_bindable("127.0.0.21") and _bindable("127.0.0.22")),
    reason="a resolver file names servers on port 53: binding it on loopback needs root",
)


@pytest.fixture
def resolv_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "resolv.conf"
    monkeypatch.setenv(RESOLV_CONF_ENV, str(path))
    yield path


@needs_port_53
def test_rotate_spreads_first_tries_and_a_silent_server_costs_one_timeout(
    resolv_conf: Path,
) -> None:
    resolv_conf.write_text(
        "# a dead first server\nnameserver 127.0.0.21\nnameserver 127.0.0.22\n"
        "options timeout:1 attempts:1 rotate\n"
    )
    dead = CraftedServer(silent, host="127.0.0.21", port=53)
    alive = CraftedServer(txt_reply("v=DMARC1; p=none"), host="127.0.0.22", port=53)
    questions = [(f"name{i}.example", "TXT") for i in range(10)]
    with dead.running(), alive.running():
        started = time.monotonic()
        table = resolve_all(questions, ResolverConfig((), timeout=5.0))
        elapsed = time.monotonic() - started
    assert all(table.answers[q].kind == "records" for q in questions)
    assert 3 <= len(dead.udp_clients) <= 7  # first tries spread over both servers
    assert len(alive.udp_clients) == 10
    assert elapsed < 1.0 + 1.5  # one per-try timeout (timeout:1), not the question's 5 s


@needs_port_53
def test_attempts_bound_the_tries_to_silent_servers(resolv_conf: Path) -> None:
    resolv_conf.write_text("nameserver 127.0.0.21\noptions timeout:1 attempts:3\n")
    dead = CraftedServer(silent, host="127.0.0.21", port=53)
    with dead.running():
        answer = resolve_all([("example.com", "TXT")], ResolverConfig((), timeout=10.0)).answers[
            ("example.com", "TXT")
        ]
    assert answer.reason is FailureReason.TIMEOUT
    assert len(dead.udp_clients) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nameserver localhost\n", "nameserver `localhost` is not an IP address"),
        ("nameserver 192.0.2.1:5353\n", "nameserver `192.0.2.1:5353` is not an IP address"),
        ("# nothing here\n", "no nameserver in"),
    ],
)
def test_an_unusable_resolver_file_is_one_line_and_exit_2(
    resolv_conf: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    resolv_conf.write_text(content)
    with pytest.raises(ResolverConfigError, match=message):
        resolve_all([("example.com", "TXT")], ResolverConfig(()))
    send = tmp_path / "send.yaml"
    send.write_text("from: info@example.com\nenvelope: b@example.com\n")
    status = main(["check", "--no-cache", str(send)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert "internal error" not in err


def test_a_missing_resolver_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESOLV_CONF_ENV, str(tmp_path / "absent.conf"))
    with pytest.raises(ResolverConfigError, match="no nameserver in"):
        resolve_all([("example.com", "TXT")], ResolverConfig(()))


def test_a_host_name_as_nameserver(server: NsdServer) -> None:
    answer = ask(f"localhost:{server.port}", ("a.b.example", "TXT"))["a.b.example TXT"]
    assert getattr(answer, "records", None) == ("imposter",)

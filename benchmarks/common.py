"""Shared pieces of the benchmarks: a generated mail platform, NSD behind a latency relay."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nsd import NsdServer  # noqa: E402
from tests.relay import CountingRelay, relay  # noqa: E402

TLDS = ("com", "co.uk", "net")


def scratch(prefix: str) -> Path:
    """A new directory under the system's temporary one, removed when the benchmark ends
    (also on Ctrl-C or an error): a bulk run writes 1,000 files, the memory run 10,000."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


@dataclass(frozen=True)
class Platform:
    """N sends over D author domains, written as files of `per_file` sends, and their zone."""

    directory: Path
    domains: list[str]
    records: list[str]
    sends: int


def author_domain(i: int) -> str:
    return f"brand{i}.{TLDS[i % len(TLDS)]}"


def generate(
    directory: Path, sends: int, domains: int, per_file: int = 10, spf: bool = False
) -> Platform:
    """Each brand: a bounce subdomain envelope, a mix of strict and relaxed records, some
    without a record, some misaligned (an ESP's envelope). With `spf`, every bounce domain
    publishes SPF with two levels of includes (its own `_spf` record, then one of ten ESP
    records)."""
    names = [author_domain(i) for i in range(domains)]
    records: list[str] = ["mx.esp-mail.net. A 192.0.2.200", "esp-mail.net. MX 10 mx.esp-mail.net."]
    if spf:
        records += [f'spf{k}.esp-mail.net. TXT "v=spf1 ip4:192.0.2.0/24 -all"' for k in range(10)]
    for i, domain in enumerate(names):
        kind = i % 5
        if kind in (0, 1):
            records.append(f'_dmarc.{domain}. TXT "v=DMARC1; p=reject; rua=mailto:d@{domain}"')
        elif kind == 2:
            records.append(f'_dmarc.{domain}. TXT "v=DMARC1; p=quarantine; aspf=s"')
        elif kind == 3:
            records.append(f'_dmarc.{domain}. TXT "v=DMARC1; p=none"')
        records.append(f"bounce.{domain}. MX 10 mx.{domain}.")
        if spf:
            records.append(f'bounce.{domain}. TXT "v=spf1 include:_spf.{domain} -all"')
            records.append(f'_spf.{domain}. TXT "v=spf1 include:spf{i % 10}.esp-mail.net -all"')
        records.append(f"mx.{domain}. A 192.0.2.{i % 250 + 1}")
    config_dir = directory / "configs"
    config_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    file_number = 0
    for n in range(sends):
        i = n % domains
        domain = names[i]
        envelope = "bounces@esp-mail.net" if n % 10 == 9 else f"bounces@bounce.{domain}"
        lines.append(
            f"  - recipient: customer{n}@example.org\n"
            f"    from: Brand {i} <news@{domain}>\n"
            f"    envelope: {envelope}\n"
            f"    subject: Newsletter {n}\n"
            f"    text: Hello\n"
            f"    dsn: {{notify: FAILURE, ret: HDRS}}\n"
        )
        if len(lines) == per_file or n == sends - 1:
            (config_dir / f"sends-{file_number:05d}.yaml").write_text("sends:\n" + "".join(lines))
            lines = []
            file_number += 1
    return Platform(config_dir, names, records, sends)


@contextmanager
def served(
    records: Sequence[str],
    latency: float,
    relay_host: str = "127.0.0.1",
    relay_port: int = 0,
    full_answers: bool = False,
) -> Iterator[CountingRelay]:
    """NSD serving one root zone, behind a relay adding `latency` seconds to every answer.

    The relay stands for the recursive resolver a user's machine asks, so NSD answers as
    those do: minimal responses (the records asked for, and the SOA of a negative answer;
    no authority NS or additional glue beside a positive one). With `full_answers`, NSD
    answers as the authoritative server it is, both sections filled."""
    server = NsdServer(
        scratch("aligncheck-bench-nsd-"),
        {".": records},
        minimal=not full_answers,
    )
    server.start()
    try:
        with relay(server.port, latency, relay_host, relay_port) as front:
            yield front
    finally:
        server.stop()


def check_command(program: Sequence[str], nameserver: str, directory: Path, spf: bool) -> list[str]:
    """The bulk benchmark's run of `program` (aligncheck): live DNS through `nameserver`, no
    cache, JSON; with `spf` one sending host, else the SPF and DKIM rules ignored (the DKIM
    rules read the SPF leg, so they alone would still have SPF looked up)."""
    return [
        *program,
        "check",
        "--nameserver",
        nameserver,
        "--no-cache",
        "--format",
        "json",
        "--exit-zero",
        *(["--sender-ip", "192.0.2.10"] if spf else ["--ignore", "AC7,AC8"]),
        str(directory),
    ]


def timed(
    command: Sequence[str], runs: int
) -> tuple[float, list[float], subprocess.CompletedProcess[str]]:
    """Median wall time of `runs` runs of a command, all times, and the last result."""
    times = []
    result: subprocess.CompletedProcess[str] | None = None
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), times, result


def machine_speed() -> str:
    """How fast this machine runs Python right now: the best of 5 runs of a fixed loop.

    Shared machines slow down and speed up by a factor of two within the hour; a wall time
    means something only beside this figure (about 0.25 s on a quiet 2-core machine here)."""

    def loop() -> float:
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i * i
        return time.perf_counter() - started

    return f"machine speed: a fixed 5M-step Python loop takes {min(loop() for _ in range(5)):.2f} s"


def stolen(path: str = "/proc/stat") -> float | None:
    """Seconds the host has run other guests on this machine's cores since boot (the `steal`
    column of /proc/stat, summed over cores); None where the system does not say. On a
    shared machine, time stolen during a run is time its processes wait for a core."""
    try:
        with open(path, encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu" or not fields[8].isdigit():
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def aligncheck() -> str:
    return str(Path(sys.executable).with_name("aligncheck"))

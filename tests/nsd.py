"""A real authoritative DNS server (NSD) on 127.0.0.1 at a free port, for DNS tests.

Zones come from a Python dict: `{".": ['_dmarc.example.com. TXT "v=DMARC1; p=reject"']}`;
names are relative to the zone unless they end with a dot. Tests usually serve one root zone
(`.`), so that every name a tree walk asks (`_dmarc.com` too) gets a real answer. A zone whose
records list starts with `BROKEN` is written as an invalid zone file: NSD answers SERVFAIL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

Zones = Mapping[str, Sequence[str]]
BROKEN = "BROKEN"


def nsd_binary() -> str | None:
    return shutil.which("nsd") or next(
        (p for p in ("/usr/sbin/nsd", "/usr/local/sbin/nsd") if os.path.exists(p)), None
    )


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (NSD serves both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def zone_text(origin: str, records: Sequence[str]) -> str:
    fqdn = origin.rstrip(".") + "."
    if records and records[0] == BROKEN:
        return f"$ORIGIN {fqdn}\nthis is not a zone file {{\n"
    lines = [
        f"$ORIGIN {fqdn}",
        "$TTL 300",
        "@ IN SOA ns.nsd-test. hostmaster.nsd-test. 1 3600 600 86400 300",
        "@ IN NS ns.nsd-test.",
    ]
    lines.extend(records)
    return "\n".join(lines) + "\n"


class NsdServer:
    """NSD on 127.0.0.1 at a free port, serving `zones`. With `minimal`, it answers as a
    recursive resolver commonly does (no authority NS or additional glue beside a positive
    answer): the benchmarks' stand-in for the resolver a user's machine asks."""

    def __init__(self, workdir: Path, zones: Zones, *, minimal: bool = False) -> None:
        self.workdir = workdir
        self.zones = dict(zones)
        self.minimal = minimal
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _write(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = [
            "server:",
            "  ip-address: 127.0.0.1",
            f"  port: {self.port}",
            "  do-ip6: no",
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{self.workdir}"',
            f'  pidfile: "{self.workdir}/nsd.pid"',
            f'  zonelistfile: "{self.workdir}/zone.list"',
            f'  xfrdfile: "{self.workdir}/xfrd.state"',
            f'  xfrdir: "{self.workdir}"',
            f'  logfile: "{self.workdir}/nsd.log"',
            '  database: ""',
            "  server-count: 1",
            "  verbosity: 1",
            "  hide-version: yes",
            "  rrl-ratelimit: 0",  # no response rate limiting: tests and benchmarks burst
            f"  minimal-responses: {'yes' if self.minimal else 'no'}",
            "remote-control:",
            "  control-enable: no",
        ]
        for number, (origin, records) in enumerate(self.zones.items()):
            (self.workdir / f"{number}.zone").write_text(zone_text(origin, records))
            conf += ["zone:", f'  name: "{origin}"', f'  zonefile: "{number}.zone"']
        path = self.workdir / "nsd.conf"
        path.write_text("\n".join(conf) + "\n")
        return path

    def start(self) -> None:
        binary = nsd_binary()
        if binary is None:
            raise RuntimeError("nsd is not installed (scripts/test installs it)")
        conf = self._write()
        self.process = subprocess.Popen(
            [binary, "-d", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self, limit: float = 15.0) -> None:
        import dns.message
        import dns.query

        probe_zone = next((z for z, r in self.zones.items() if not (r and r[0] == BROKEN)), None)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.workdir / "nsd.log").read_text(errors="replace")
                raise RuntimeError(f"nsd exited with {self.process.returncode}: {log[-2000:]}")
            if probe_zone is None:
                time.sleep(0.3)
                return
            try:
                query = dns.message.make_query(probe_zone.rstrip(".") + ".", "SOA")
                reply = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.2)
                if reply.answer:
                    return
            except (OSError, dns.exception.Timeout):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nsd did not answer in time")

    def stop(self) -> None:
        """Stop the server by its own PID (never by name)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def serve(self, zones: Zones) -> None:
        """Serve other zones on the same port (a restart)."""
        self.stop()
        self.zones = dict(zones)
        for stale in self.workdir.glob("*.zone"):
            stale.unlink()
        self.start()


def zone_file_records(path: Path) -> list[str]:
    """The record lines of a root zone file such as examples/dns/examples.zone."""
    return [
        line
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(";")
    ]


def _serve_forever(argv: list[str] | None = None) -> int:
    """`python -m tests.nsd ZONEFILE [--port N]`: serve a root zone file until interrupted."""
    import argparse
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tests.nsd")
    parser.add_argument("zonefile", type=Path)
    parser.add_argument("--port", type=int, default=5353)
    args = parser.parse_args(argv)
    server = NsdServer(
        Path(tempfile.mkdtemp(prefix="aligncheck-nsd-")), {".": zone_file_records(args.zonefile)}
    )
    server.port = args.port

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill %1` and Ctrl-C both stop NSD before this exits

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    try:  # a signal at any point from here on stops NSD
        server.start()
        print(f"serving {args.zonefile} on 127.0.0.1:{args.port}; Ctrl-C stops", flush=True)
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve_forever())

"""Memory: peak RSS of one aligncheck run over 100,000 sends in 10,000 files.

    .venv-bench/bin/python benchmarks/memory.py --sends 100000 --files 10000

Runs `aligncheck check --offline` (no DNS server needed) and, with --snapshot, the same files
judged from a recorded DNS snapshot (DMARC, MX and SPF with two levels of includes), and
reports the peak resident set size of each process
(its worker processes included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from common import aligncheck, generate, scratch, served  # type: ignore[import-not-found]


def peak_rss_mb(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Peak RSS (MB) of the process and of its largest child, via a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, json\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " 'code': r.returncode, 'err': r.stderr[-500:]}))\n"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    data = json.loads(result.stdout)
    return data["rss"] / 1024, wall, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000)
    parser.add_argument("--snapshot", action="store_true", help="also judge with DNS answers")
    args = parser.parse_args()
    per_file = max(1, args.sends // args.files)
    platform = generate(  # every bounce domain publishes SPF, as senders do
        scratch("aligncheck-mem-"),
        args.sends,
        args.domains,
        per_file,
        spf=True,
    )
    output = scratch("aligncheck-mem-report-") / "report.json"
    base = [aligncheck(), "check", "--format", "json", "-o", str(output), "--exit-zero"]
    base += ["--esp-spf", "esp-mail.net"]  # the generated senders' ESP
    rss, wall, _ = peak_rss_mb([*base, "--offline", str(platform.directory)])
    print(f"memory: {args.sends} sends in {args.files} files")
    print(f"  --offline:  peak RSS {rss:.0f} MB (largest process), {wall:.1f} s")
    if args.snapshot:
        snap = scratch("aligncheck-mem-dns-") / "dns.json"
        with served(platform.records, 0.0) as front:
            subprocess.run(
                [
                    aligncheck(),
                    "snapshot",
                    "--nameserver",
                    front.address,
                    "-o",
                    str(snap),
                    str(platform.directory),
                ],
                check=True,
                capture_output=True,
            )
        rss, wall, _ = peak_rss_mb([*base, "--snapshot", str(snap), str(platform.directory)])
        print(f"  --snapshot: peak RSS {rss:.0f} MB (largest process), {wall:.1f} s")


if __name__ == "__main__":
    main()

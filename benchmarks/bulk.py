"""Bulk: N send configs over D author domains, DNS 30 ms away, aligncheck over all of them.

    .venv-bench/bin/python benchmarks/bulk.py --sends 10000 --domains 1000 --latency 0.03 --runs 5
    .venv-bench/bin/python benchmarks/bulk.py --spf ...  (SPF, two levels of includes, one host)
    .venv-bench/bin/python benchmarks/bulk.py --full-answers ...   (NSD's authoritative answers)

NSD answers minimally by default, as the recursive resolver the relay stands for does.

Reports the median wall time, the questions that reached the DNS server, and the ratio to the
critical-path bound (longest chain of dependent queries x latency). With --peer, also runs
checkdmarc's check_dmarc over the same domains, same DNS, same latency (peer.py, run by the
peer's own environment, .venv-peer).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
from pathlib import Path

from common import (  # type: ignore[import-not-found]
    aligncheck,
    check_command,
    generate,
    machine_speed,
    scratch,
    served,
    stolen,
    timed,
)

# The chain of dependent queries: DMARC/MX/SPF records first, then what their answers name
# (A/AAAA, author existence; with --spf the `_spf` include, then the ESP's record).
CHAIN = 2
SPF_CHAIN = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer", action="store_true", help="also time checkdmarc")
    parser.add_argument("--spf", action="store_true", help="SPF with two levels of includes")
    parser.add_argument(
        "--full-answers",
        action="store_true",
        help="NSD answers as an authoritative server (authority NS and additional glue "
        "beside every positive answer) instead of minimally, as recursive resolvers do",
    )
    args = parser.parse_args()

    platform = generate(scratch("aligncheck-bulk-"), args.sends, args.domains, spf=args.spf)
    with served(platform.records, args.latency, full_answers=args.full_answers) as front:
        command = check_command([aligncheck()], front.address, platform.directory, args.spf)
        median, times, result = timed(command, 1)  # warm-up run, also gives the counts
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        summary = json.loads(result.stdout)["summary"]
        sent, distinct = front.sent, len(front.questions)
        before, stolen_before = _cpu(), stolen()
        median, times, result = timed(command, args.runs)
        measured, relayed = (now - then for now, then in zip(_cpu(), before, strict=True))
        stolen_after = stolen()
    chain = SPF_CHAIN if args.spf else CHAIN
    bound = chain * args.latency
    print(
        f"bulk: {platform.sends} sends, {len(platform.domains)} author domains, "
        f"latency {args.latency * 1000:.0f} ms"
        + (", SPF with two levels of includes" if args.spf else "")
        + (", full authoritative answers" if args.full_answers else "")
    )
    print(
        f"  aligncheck wall time: median {median:.2f} s over {args.runs} runs "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"  findings: {summary['error']} errors, {summary['warning']} warnings, "
        f"{summary['info']} info"
    )
    print(f"  questions sent: {sent}, distinct: {distinct} (each once: {sent == distinct})")
    cores = os.cpu_count() or 1
    print(
        f"  CPU per run: aligncheck {measured / args.runs:.2f} s (all its processes), "
        f"the relay {relayed / args.runs:.2f} s, on the same {cores} cores: no schedule "
        f"finishes a run in less than {(measured + relayed) / args.runs / cores:.2f} s"
    )
    if stolen_before is not None and stolen_after is not None:
        print(
            f"  stolen by the host (other guests on these cores): "
            f"{(stolen_after - stolen_before) / args.runs:.2f} s of core time a run"
        )
    print(f"  {machine_speed()}")
    ratio = f"; wall / bound = {median / bound:.1f}" if bound > 0 else ""  # --latency 0
    print(
        f"  critical path: {chain} dependent queries x {args.latency * 1000:.0f} ms = "
        f"{bound:.2f} s{ratio}"
    )
    if args.peer:
        peer_time = run_peer(len(platform.domains), args.latency)
        print(
            f"  checkdmarc over the same {len(platform.domains)} domains: {peer_time:.2f} s "
            f"({peer_time / median:.0f}x aligncheck's time)"
        )


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of the commands run (with their worker processes) and of this
    process, whose only busy thread while they run is the relay's."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime


def run_peer(domains: int, latency: float) -> float:
    """peer.py's seconds, run by .venv-peer's Python (checkdmarc lives there, apart)."""
    import subprocess

    python = Path(__file__).resolve().parents[1] / ".venv-peer" / "bin" / "python"
    if not python.exists():
        raise SystemExit("no .venv-peer: run benchmarks/setup first")
    argv = [str(python), str(Path(__file__).with_name("peer.py"))]
    argv += ["--domains", str(domains), "--latency", str(latency), "--seconds"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip())


if __name__ == "__main__":
    main()

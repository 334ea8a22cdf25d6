"""Audit vs check: 10,000 sends over 1,000 author domains (SPF with two levels of includes),
judged from a DNS snapshot, `aligncheck audit` in each format against `aligncheck check`.

    .venv-bench/bin/python benchmarks/audit.py --sends 10000 --domains 1000 --runs 5

Records the snapshot once from NSD (no latency: the runs themselves send no query), then
reports the median wall time of each command and its ratio to `check --format json`.
"""

from __future__ import annotations

import argparse
import subprocess

from common import (  # type: ignore[import-not-found]
    aligncheck,
    generate,
    machine_speed,
    scratch,
    served,
    timed,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = scratch("aligncheck-audit-")
    platform = generate(work, args.sends, args.domains, spf=True)
    snapshot = work / "dns.json"
    with served(platform.records, 0.0) as front:
        record = [aligncheck(), "snapshot", "--nameserver", front.address, "-o", str(snapshot)]
        subprocess.run(
            [*record, str(platform.directory)],
            check=True,
            capture_output=True,
        )
    common = ["--snapshot", str(snapshot), "--sender-ip", "192.0.2.10", "--exit-zero"]
    output = work / "out"
    check = [aligncheck(), "check", "--format", "json", "-o", str(output), *common]
    base, times, result = timed([*check, str(platform.directory)], args.runs)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    print(f"audit vs check: {args.sends} sends over {args.domains} domains, from a snapshot")
    print(f"  check --format json: median {base:.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
    for fmt in ("json", "markdown", "html"):
        command = [aligncheck(), "audit", "--format", fmt, "-o", str(output), *common]
        median, times, result = timed([*command, str(platform.directory)], args.runs)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        size = output.stat().st_size / 1e6
        print(
            f"  audit --format {fmt}: median {median:.2f} s, {median / base:.2f}x check "
            f"({', '.join(f'{t:.2f}' for t in times)}); {size:.1f} MB"
        )
    print(f"  {machine_speed()}")


if __name__ == "__main__":
    main()

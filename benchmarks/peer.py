"""Peer: checkdmarc's check_dmarc over the same author domains, same DNS, same latency.

    .venv-peer/bin/python benchmarks/peer.py --domains 1000 --latency 0.03

checkdmarc checks one domain after another (its CLI has no concurrency), so this calls
check_dmarc for each domain in turn, with a resolver pointed at the same relay. It is
installed only in its own environment (.venv-peer, made by benchmarks/setup), never a
dependency, and never beside aligncheck: its dependencies would change aligncheck's imports.
"""

from __future__ import annotations

import argparse
import time

from common import generate, scratch, served  # type: ignore[import-not-found]


def run_peer(domains: list[str], records: list[str], latency: float) -> float:
    """Seconds checkdmarc takes over `domains`, DNS `latency` away."""
    import checkdmarc.dmarc
    import dns.nameserver
    import dns.resolver

    with served(records, latency) as front:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", front.port)]
        resolver.timeout = resolver.lifetime = 5.0
        started = time.perf_counter()
        for domain in domains:
            checkdmarc.dmarc.check_dmarc(domain, resolver=resolver, timeout=5.0)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--seconds", action="store_true", help="print only the seconds")
    args = parser.parse_args()
    platform = generate(scratch("aligncheck-peer-"), args.domains, args.domains)
    seconds = run_peer(platform.domains, platform.records, args.latency)
    if args.seconds:
        print(f"{seconds:.3f}")
        return
    print(
        f"peer: checkdmarc over {args.domains} domains, latency {args.latency * 1000:.0f} ms: "
        f"{seconds:.2f} s"
    )


if __name__ == "__main__":
    main()

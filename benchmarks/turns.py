"""Taking turns: the bulk benchmark's run of this working tree against an earlier revision.

    .venv-bench/bin/python benchmarks/turns.py --rev HEAD~3 --spf --runs 10

Shared machines speed up and slow down within minutes, so a change is judged by running the
two versions one after the other, over the same files, DNS server and latency, not by
comparing figures taken apart. The earlier revision is exported with `git archive`; each
version runs as `python -m aligncheck` with PYTHONPATH naming its tree, from a directory
outside the repository (started inside it, Python would put the working directory first on
the path and both sides would run the working tree). Before timing, each side is asked which
`aligncheck` it imports.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from common import ROOT, check_command, generate, scratch, served  # type: ignore[import-not-found]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", required=True, help="the earlier revision (any git revision)")
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--spf", action="store_true", help="SPF with two levels of includes")
    args = parser.parse_args()

    work = scratch("aligncheck-turns-")
    trees = {args.rev: _export(args.rev, work / "earlier"), "working tree": ROOT}
    for tree in trees.values():
        compileall.compile_dir(tree / "aligncheck", quiet=1)
    outside = work / "cwd"
    outside.mkdir()
    for name, tree in trees.items():
        _check_imports(tree, outside, name)

    platform = generate(work / "platform", args.sends, args.domains, spf=args.spf)
    walls: dict[str, list[float]] = {name: [] for name in trees}
    cpus: dict[str, list[float]] = {name: [] for name in trees}
    with served(platform.records, args.latency) as front:
        for turn in range(args.runs + 1):  # the first turn warms both up, untimed
            for name, tree in trees.items():
                program = [sys.executable, "-m", "aligncheck"]
                command = check_command(program, front.address, platform.directory, args.spf)
                before = _children_cpu()
                started = time.perf_counter()
                subprocess.run(
                    command, capture_output=True, check=True, cwd=outside, env=_env(tree)
                )
                if turn:
                    walls[name].append(time.perf_counter() - started)
                    cpus[name].append(_children_cpu() - before)
    print(
        f"taking turns, {args.runs} runs each: {platform.sends} sends, "
        f"{len(platform.domains)} author domains, latency {args.latency * 1000:.0f} ms"
        + (", SPF with two levels of includes" if args.spf else "")
    )
    for name in trees:
        print(
            f"  {name:<14} median {statistics.median(walls[name]):.2f} s "
            f"(quickest {min(walls[name]):.2f} s), CPU {statistics.median(cpus[name]):.2f} s a run"
        )


def _export(rev: str, into: Path) -> Path:
    """The tree of `rev` (its committed files), written under `into`."""
    into.mkdir(parents=True)
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def _check_imports(tree: Path, cwd: Path, name: str) -> None:
    """Refuse to time a side that would not run its own tree."""
    found = subprocess.run(
        [sys.executable, "-c", "import aligncheck; print(aligncheck.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env=_env(tree),
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{name}: imports {found}, not the tree under {tree}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()

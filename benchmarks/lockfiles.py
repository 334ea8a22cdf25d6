"""Large files that hold no send, as a pre-commit hook meets them: the hook's command
(`--skip-non-send-files`, offline) over one small send file, alone and beside a 14 MB
`package-lock.json`, the same JSON under another name, and a 6 MB `pnpm-lock.yaml`. The
commands take turns, so drift hits all alike.

    .venv-bench/bin/python benchmarks/lockfiles.py --runs 10
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import scratch  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def write_files(directory: Path, packages: int) -> dict[str, Path]:
    """A package-lock.json (and the same JSON as data.json) and a pnpm-lock.yaml, shaped as
    npm and pnpm write them, with `packages` entries each."""
    lock = {
        "name": "shop",
        "lockfileVersion": 3,
        "packages": {
            f"node_modules/p{i}": {
                "version": f"1.0.{i}",
                "resolved": f"https://registry.npmjs.org/p{i}/-/p{i}-1.0.{i}.tgz",
                "integrity": "sha512-" + "a" * 80,
            }
            for i in range(packages)
        },
    }
    text = json.dumps(lock, indent=2)
    (directory / "package-lock.json").write_text(text)
    (directory / "data.json").write_text(text)
    lines = ["lockfileVersion: '6.0'", "packages:"]
    for i in range(packages * 2 // 3):
        lines += [
            f"  /p{i}@1.0.{i}:",
            f"    resolution: {{integrity: sha512-{'a' * 60}}}",
            "    dev: false",
            "    engines: {node: '>=14'}",
        ]
    (directory / "pnpm-lock.yaml").write_text("\n".join(lines) + "\n")
    send = directory / "welcome.yaml"
    shutil.copy(ROOT / "examples" / "welcome.yaml", send)
    return {name: directory / name for name in ("package-lock.json", "data.json", "pnpm-lock.yaml")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--packages", type=int, default=60_000)
    args = parser.parse_args()
    directory = scratch("aligncheck-lockfiles-")
    files = write_files(directory, args.packages)
    send = directory / "welcome.yaml"
    hook = [str(BIN / "aligncheck"), "check", "--offline", "--skip-non-send-files"]
    commands = {"send file alone": [*hook, str(send)]}
    for name, path in files.items():
        commands[f"beside {name}"] = [*hook, str(path), str(send)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, check=False)
            times[name].append(time.perf_counter() - started)
            if result.returncode != 0:
                raise SystemExit(result.stderr.decode())
    sizes = {name: path.stat().st_size / 1e6 for name, path in files.items()}
    print(f"a pre-commit run over welcome.yaml, median of {args.runs} runs each:")
    for name, taken in times.items():
        size = next((f" ({sizes[f]:.1f} MB)" for f in sizes if name.endswith(f)), "")
        print(f"  {name + size:36s} {statistics.median(taken) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()

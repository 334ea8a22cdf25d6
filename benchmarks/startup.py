"""Start-up: whole-process wall time on one small send config, beside yamllint and a bare
interpreter, measured side by side (the commands take turns, so drift hits all alike).

    .venv/bin/python benchmarks/startup.py --runs 40

aligncheck's bytecode is compiled first, as `pip install` does (an editable install under
PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every run).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import scratch  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "aligncheck", quiet=1)
    # welcome.yaml on its own (no configuration file), and in examples/ with the examples'
    # configuration (.aligncheck.toml: sending hosts and a sender-domain profile)
    configured = ROOT / "examples" / "welcome.yaml"
    sample = scratch("aligncheck-startup-") / "welcome.yaml"
    shutil.copy(configured, sample)
    snapshot = ROOT / "examples" / "dns" / "snapshot.json"
    yamllint = shutil.which("yamllint", path=str(BIN)) or "yamllint"
    aligncheck = str(BIN / "aligncheck")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "yamllint": [yamllint, str(sample)],
        "aligncheck --offline": [aligncheck, "check", "--offline", str(sample)],
        "aligncheck --snapshot": [aligncheck, "check", "--snapshot", str(snapshot), str(sample)],
        "  with configuration": [aligncheck, "check", "--offline", str(configured)],
        "  --snapshot, configured": [
            aligncheck,
            "check",
            "--snapshot",
            str(snapshot),
            str(configured),
        ],
    }
    env = dict(os.environ)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, env=env, check=False)
            times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["yamllint"]
    print(f"startup on {sample.name}, median of {args.runs} runs each:")
    for name, value in median.items():
        print(f"  {name:<24} {value * 1000:7.1f} ms   {value / base:4.2f}x yamllint")


if __name__ == "__main__":
    main()

"""The parts the benchmarks stand on: NSD's minimal answers and the relay's latency."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType

import dns.message
import dns.query
import pytest

from tests.nsd import NsdServer, nsd_binary
from tests.relay import relay

pytestmark = pytest.mark.skipif(nsd_binary() is None, reason="nsd is not installed")

RECORDS = [
    "bounce.example.com. MX 10 mx.example.com.",
    "mx.example.com. A 192.0.2.1",
]


def ask(port: int, name: str, rdtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=2)


@pytest.mark.parametrize("minimal", [False, True])
def test_minimal_answers_leave_out_authority_and_glue(tmp_path: Path, minimal: bool) -> None:
    server = NsdServer(tmp_path, {".": RECORDS}, minimal=minimal)
    server.start()
    try:
        positive = ask(server.port, "bounce.example.com.", "MX")
        negative = ask(server.port, "nothing.example.com.", "TXT")
    finally:
        server.stop()
    assert len(positive.answer) == 1
    assert bool(positive.authority) is not minimal
    assert bool(positive.additional) is not minimal
    assert [rrset.rdtype for rrset in negative.authority] == [dns.rdatatype.SOA]


def test_relay_holds_every_answer_back_and_counts_questions(tmp_path: Path) -> None:
    server = NsdServer(tmp_path, {".": RECORDS}, minimal=True)
    server.start()
    try:
        with relay(server.port, 0.2) as front:
            started = time.monotonic()
            reply = ask(front.port, "bounce.example.com.", "MX")
            waited = time.monotonic() - started
            counted = dict(front.questions)
    finally:
        server.stop()
    assert len(reply.answer) == 1
    assert 0.2 <= waited < 1.5
    assert counted == {("bounce.example.com", "MX"): 1}


def _benchmark_module(name: str) -> ModuleType:
    """A module of benchmarks/, loaded as the benchmarks load it (their folder on the path)."""
    import importlib.util
    import sys

    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    qualified = f"benchmarks_{name}"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(qualified, folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module  # dataclasses look their module up while made
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(qualified, None)
    return module


def test_stolen_core_time_is_read_from_the_cpu_line_of_proc_stat(tmp_path: Path) -> None:
    common = _benchmark_module("common")
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal ...: 250 ticks stolen over all cores
    stat.write_text("cpu  10 0 5 100 0 0 0 250 0 0\ncpu0 5 0 2 50 0 0 0 125 0 0\n")
    assert common.stolen(str(stat)) == 250 / os.sysconf("SC_CLK_TCK")
    stat.write_text("intr 1 2 3\n")
    assert common.stolen(str(stat)) is None  # not the line it expects: says nothing
    stat.write_text("cpu  10 0 5 100 0 0 0 ? 0 0\n")
    assert common.stolen(str(stat)) is None
    assert common.stolen(str(tmp_path / "missing")) is None


def test_taking_turns_refuses_a_side_that_would_run_another_tree(tmp_path: Path) -> None:
    """benchmarks/turns.py times each version from outside the repository: from inside it,
    Python puts the working directory first on the path, and the earlier version's PYTHONPATH
    would be ignored."""
    root = Path(__file__).resolve().parents[2]
    turns = _benchmark_module("turns")
    earlier = tmp_path / "earlier"
    (earlier / "aligncheck").mkdir(parents=True)
    (earlier / "aligncheck" / "__init__.py").write_text("")
    outside = tmp_path / "cwd"
    outside.mkdir()
    turns._check_imports(earlier, outside, "earlier")  # its own tree: accepted
    with pytest.raises(SystemExit, match=r"imports .*aligncheck"):
        turns._check_imports(earlier, root, "earlier")  # from the repository: refused


def test_the_lock_files_benchmark_writes_files_that_hold_no_send(tmp_path: Path) -> None:
    """benchmarks/lockfiles.py: each file it writes parses, and a run that reads every one
    of them in full (named explicitly, no file list) finds no send in any."""
    import json

    import yaml

    from aligncheck import Settings, check_paths

    files = _benchmark_module("lockfiles").write_files(tmp_path, 50)
    assert json.loads(files["package-lock.json"].read_text())["lockfileVersion"] == 3
    assert len(yaml.safe_load(files["pnpm-lock.yaml"].read_text())["packages"]) == 33
    report = check_paths([str(path) for path in files.values()], Settings(offline=True))
    assert report.sends == 0 and {f.rule for f in report.findings} == {"AC101"}


@pytest.mark.parametrize("ending", ["", "raise SystemExit('a benchmark stopped')"])
def test_benchmark_scratch_directories_go_when_the_benchmark_ends(
    tmp_path: Path, ending: str
) -> None:
    """A bulk run writes 1,000 files and the memory run 10,000: left behind, each run of
    them kept tens of megabytes in the temporary directory."""
    import subprocess
    import sys

    benchmarks = Path(__file__).resolve().parents[2] / "benchmarks"
    program = "\n".join(
        [
            f"import sys; sys.path.insert(0, {str(benchmarks)!r})",
            "import common",
            "work = common.scratch('aligncheck-bulk-')",
            "(work / 'send.yaml').write_text('sends: []')",
            "print(work, flush=True)",
            ending,
        ]
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment
    )
    assert Path(done.stdout.strip()).parent == tmp_path
    assert list(tmp_path.iterdir()) == []

"""Work shared out to forked processes gives what one process gives: reading files, a DNS
batch, judging sends (check and audit). The thresholds are lowered so the small examples are
shared out, and the processes counted so a silent fall-back to one process cannot pass."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from aligncheck import engine, parallel
from aligncheck.cli import main
from aligncheck.resolver import ResolverConfig, resolve_all
from aligncheck.resolver import client as dns_client
from aligncheck.rules.context import Domains
from aligncheck.settings import ORG_MODELS, Settings
from tests.nsd import NsdServer, zone_file_records

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SNAPSHOT = EXAMPLES / "dns" / "snapshot.json"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def share_everything(patch: pytest.MonkeyPatch) -> list[int]:
    """Every threshold at one, two cores; the list gets the process count of each share_out
    call."""
    calls: list[int] = []
    real = parallel.share_out

    def counting(function: Callable[[Any], Any], shares: Sequence[Any], processes: int) -> Any:
        calls.append(processes)
        return real(function, shares, processes)

    patch.setattr(parallel.os, "cpu_count", lambda: 2)
    patch.setattr(parallel, "share_out", counting)
    patch.setattr(engine, "PARALLEL_FILES", 1)
    patch.setattr(engine, "PARALLEL_SENDS", 1)
    patch.setattr(dns_client, "PARALLEL_QUESTIONS", 1)
    return calls


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "--format", "json"),
        ("check", "--format", "sarif"),
        ("audit", "--format", "json"),
        ("audit", "--format", "markdown"),
    ],
)
def test_shared_out_runs_report_what_one_process_reports(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    command = (*argv, "--snapshot", str(SNAPSHOT), "examples/")
    alone = run(capsys, *command)
    with monkeypatch.context() as patch:
        calls = share_everything(patch)
        shared = run(capsys, *command)
    assert calls == [2, 2]  # the files, then the sends, each over two processes
    assert shared == alone
    assert alone[0] == 1  # the examples hold errors
    assert "AC301" in alone[1]


def test_a_live_run_shared_out_judges_as_one_process_from_the_snapshot(
    nsd: NsdServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files, every DNS batch and the sends (with the state the last DNS round made) shared
    out: the report is the snapshot's, judged in one process."""
    nsd.serve({".": zone_file_records(EXAMPLES / "dns" / "examples.zone")})
    alone = run(capsys, "check", "--format", "json", "--snapshot", str(SNAPSHOT), "examples/")
    with monkeypatch.context() as patch:
        calls = share_everything(patch)
        live = run(
            capsys,
            "check",
            "--format",
            "json",
            "--nameserver",
            nsd.address,
            "--no-cache",
            "examples/",
        )
    assert calls[0] == calls[-1] == 2 and len(calls) >= 3  # files, DNS rounds, sends
    documents = [json.loads(out) for _, out in (alone, live)]
    for document in documents:
        document.pop("summary")  # the live run counts the questions it sent
    assert documents[0] == documents[1]
    assert alone[0] == live[0] == 1


def test_a_dns_batch_shared_out_gets_the_answers_one_process_gets(
    nsd: NsdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    nsd.serve({".": zone_file_records(EXAMPLES / "dns" / "examples.zone")})
    sends, errors = engine.gather_sends(["examples/"], Settings())
    assert not errors and sends
    settings = Settings(nameservers=(nsd.address,), cache=False)
    groups = engine.DNS_GROUPS
    domains = Domains.of(sends)
    questions = {q for g in groups for q in g.questions(domains, ORG_MODELS, settings)}
    config = ResolverConfig((nsd.address,), 5.0, 64, False)
    calls = share_everything(monkeypatch)
    spread = resolve_all(questions, config)
    assert calls == [2]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dns_client, "PARALLEL_QUESTIONS", 10**9)
        alone = resolve_all(questions, config)
    assert len(questions) > 20
    assert spread.answers == alone.answers
    assert not any(answer.failed for answer in spread.answers.values())


@pytest.mark.parametrize("size", [0, 1, 5, 8, 9, 100])
@pytest.mark.parametrize("shares", [1, 2, 3, 8])
def test_split_keeps_every_item_once_in_order_in_even_runs(size: int, shares: int) -> None:
    items = list(range(size))
    runs = parallel.split(items, shares)
    assert [item for run_ in runs for item in run_] == items
    assert len(runs) == max(1, min(shares, size))
    lengths = [len(run_) for run_ in runs]
    assert max(lengths) - min(lengths) <= 1


def test_objects_stay_frozen_until_the_outermost_run_ends() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    with parallel.frozen():
        kept = [object() for _ in range(10)]
        with parallel.frozen():  # a share_out inside a run
            pass
        assert gc.get_freeze_count() > 0  # the inner end leaves the run's objects frozen
        outer = gc.get_freeze_count()
        with parallel.frozen():
            assert gc.get_freeze_count() >= outer
    assert gc.get_freeze_count() == 0
    assert len(kept) == 10


def test_a_run_unfreezes_when_it_fails() -> None:
    import gc

    with pytest.raises(RuntimeError), parallel.frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0

"""Work shared out to forked processes gives what one process gives: reading files, a DNS
batch, judging sends (check and audit). The thresholds are lowered so the small examples are
shared out, and the processes counted so a silent fall-back to one process cannot pass."""

from __future__ import annotations

import dataclasses
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
from tests.relay import relay

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

    def counting(
        function: Callable[[Any], Any],
        shares: Sequence[Any],
        processes: int,
        meanwhile: Callable[[], object] | None = None,
    ) -> Any:
        calls.append(processes)
        return real(function, shares, processes, meanwhile)

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
    targets, errors = engine.paths_to_targets(["examples/"], Settings())
    sends, read_errors = engine.target_sends(targets, Settings())
    assert not errors and not read_errors and sends
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


def test_a_batch_shared_out_asks_each_question_once(
    nsd: NsdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The processes take the questions from one queue: none is asked twice, none left out."""
    nsd.serve({".": zone_file_records(EXAMPLES / "dns" / "examples.zone")})
    questions = {(f"host{number}.example.com", "TXT") for number in range(100)}
    questions |= {(f"_dmarc.brand{number}.example", "TXT") for number in range(100)}
    calls = share_everything(monkeypatch)
    with relay(nsd.port) as counting:
        config = ResolverConfig((counting.address,), 5.0, 8, False)
        table = resolve_all(questions, config)
        assert counting.sent == len(questions)
        assert len(counting.questions) == len(questions)
    assert calls == [2]
    assert table.answers.keys() == questions
    assert not any(answer.failed for answer in table.answers.values())


def test_processes_taking_questions_by_turns_get_each_one_once_in_order() -> None:
    questions = [(f"name{number}.example", "TXT") for number in range(100)]
    dealer = dns_client._SharedDealer(questions)
    taken: list[list[tuple[int, tuple[str, str]]]] = [[], []]
    turn = 0
    while batch := dealer.take():
        assert len(batch) <= dns_client.DEALT
        taken[turn % 2].extend(batch)  # two takers, as two processes would be
        turn += 1
    assert taken[0] and taken[1]
    dealt = sorted(taken[0] + taken[1])
    assert dealt == list(enumerate(questions))  # each once, numbered by its place
    assert dealer.take() == []


@pytest.mark.parametrize("size", [0, 1, 5, 8, 9, 100])
@pytest.mark.parametrize("shares", [1, 2, 3, 8])
def test_split_keeps_every_item_once_in_order_in_even_runs(size: int, shares: int) -> None:
    items = list(range(size))
    runs = parallel.split(items, shares)
    assert [item for run_ in runs for item in run_] == items
    assert len(runs) == max(1, min(shares, size))
    lengths = [len(run_) for run_ in runs]
    assert max(lengths) - min(lengths) <= 1


def test_sends_are_reported_in_the_order_of_the_files_whatever_the_shares(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # brands interleaved across files: judging shares them by brand, the report does not
    authors = ["example.com", "example.net", "example.org"] * 7
    for number, author in enumerate(authors):
        (tmp_path / f"send-{number:02d}.yaml").write_text(
            f"from: news@{author}\nenvelope: bounces@{author}\nrecipient: a@example.org\n"
        )
    command = ("check", "--format", "json", "--snapshot", str(SNAPSHOT), str(tmp_path))
    with monkeypatch.context() as patch:
        share_everything(patch)
        _, out = run(capsys, *command)
    reported = [Path(send["path"]).name for send in json.loads(out)["sends"]]
    assert reported == sorted(f"send-{number:02d}.yaml" for number in range(len(authors)))


@pytest.mark.parametrize("shares", [1, 2, 8])
def test_grouped_keeps_each_key_in_one_share_in_order_and_even(shares: int) -> None:
    # 100 keys of 10 items each, interleaved as a bulk run's files are (brand i in file i,
    # i + 100, ...): every key lands in one share, and the shares weigh alike
    items = [(n % 100, n) for n in range(1000)]
    dealt = parallel.grouped(items, shares, key=lambda item: item[0], weight=lambda _: 1)
    assert sorted(item for share in dealt for item in share) == sorted(items)
    assert len(dealt) == shares
    for share in dealt:
        assert share == sorted(share, key=lambda item: item[1])  # the items' own order
    owners = {
        key: {n for n, share in enumerate(dealt) for k, _ in share if k == key}
        for key in range(100)
    }
    assert all(len(found) == 1 for found in owners.values())
    sizes = [len(share) for share in dealt]
    assert max(sizes) - min(sizes) <= 10  # one key's weight at most


def test_grouped_spreads_a_key_heavier_than_a_share() -> None:
    # one brand in every file: cut into runs, so every share still gets work
    items = list(range(40))
    dealt = parallel.grouped(items, 4, key=lambda _: "one brand", weight=lambda _: 1)
    assert dealt == [items[0:10], items[10:20], items[20:30], items[30:40]]


def test_grouped_weighs_by_the_weight_given() -> None:
    items = ["heavy", "a", "b", "c", "d"]
    weights = {"heavy": 4, "a": 1, "b": 1, "c": 1, "d": 1}
    dealt = parallel.grouped(items, 2, key=lambda item: item, weight=weights.__getitem__)
    assert sorted(map(sorted, dealt)) == [["a", "b", "c", "d"], ["heavy"]]
    assert parallel.grouped([], 4, key=lambda item: item, weight=lambda _: 1) == []


def _pid(_: object) -> int:
    import os

    return os.getpid()


def test_meanwhile_runs_here_once_while_the_shares_run_elsewhere() -> None:
    import os

    here: list[int] = []
    pids = parallel.share_out(_pid, [1, 2, 3, 4], 2, meanwhile=lambda: here.append(os.getpid()))
    assert here == [os.getpid()]
    assert os.getpid() not in pids
    alone = parallel.share_out(_pid, [1, 2], 1, meanwhile=lambda: here.append(0))
    assert alone == [os.getpid()] * 2
    assert here == [os.getpid()]  # nothing to overlap: not run


def test_objects_stay_frozen_until_the_outermost_run_ends() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    before = gc.get_threshold()
    with parallel.frozen():
        assert gc.get_threshold() == (parallel.YOUNG_COLLECTION, *before[1:])
        kept = [object() for _ in range(10)]
        with parallel.frozen():  # a share_out inside a run
            pass
        assert gc.get_freeze_count() > 0  # the inner end leaves the run's objects frozen
        outer = gc.get_freeze_count()
        with parallel.frozen():
            assert gc.get_freeze_count() >= outer
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert len(kept) == 10


def test_a_run_unfreezes_when_it_fails() -> None:
    import gc

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), parallel.frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_sends_handed_back_by_workers_come_back_whole() -> None:
    import pickle

    from aligncheck.addresses import Mailbox
    from aligncheck.findings import Pos, SendOutcome
    from aligncheck.send import DnsSend, Envelope, MailFrom

    mail_from = MailFrom("bounce-host", "bounce.example.com", Pos(3, 5))
    envelope = Envelope(Pos(4, 15), "b@bounce.example.com", Mailbox("b", "bounce.example.com"))
    send = DnsSend(
        "sends.yaml",
        7,
        "example.com",
        Pos(2, 11),
        envelope,
        True,
        9,
        mail_from,
        hosts=("192.0.2.10", "2001:db8::/48"),
        dkim_keys=(("s1", "example.com"),),
        signature_breaks=True,
    )
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(send, protocol))
        assert again == send and again is not send
        assert type(again.mail_from) is MailFrom and again.mail_from == mail_from
    outcome = SendOutcome("sends.yaml", 2, 0, "example.com", None, (("rfc7489", "fail"),))
    assert pickle.loads(pickle.dumps(outcome)) == outcome
    assert pickle.loads(pickle.dumps(_One(5))) == _One(5)


@parallel.handed_back
@dataclasses.dataclass(frozen=True, slots=True)
class _One:
    only: int

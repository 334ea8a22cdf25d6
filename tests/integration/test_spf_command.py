"""`aligncheck spf` against NSD: the tree a person reads, the results, the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aligncheck.cli import main
from tests.integration.test_rule_docs_dns import txt_rdata
from tests.nsd import NsdServer

EXAMPLES = Path(__file__).parents[2] / "examples"
INCLUDES = " ".join(f"include:i{n}.many.example" for n in range(1, 7))
INCLUDES += " a " + " ".join(f"include:i{n}.many.example" for n in range(7, 11))
ZONES = {
    ".": [
        'example.com. TXT "v=spf1 include:_spf.example.com mx -all"',
        '_spf.example.com. TXT "v=spf1 include:esp.example.net ip4:198.51.100.0/24 ~all"',
        'esp.example.net. TXT "v=spf1 ip4:192.0.2.0/28 -all"',
        "example.com. MX 10 mx.example.com.",
        "mx.example.com. A 192.0.2.100",
        f"many.example. TXT {txt_rdata(f'v=spf1 {INCLUDES} -all')}",
        "many.example. A 203.0.113.200",
        *(f'i{n}.many.example. TXT "v=spf1 ip4:203.0.113.{n} -all"' for n in range(1, 11)),
        'denied.example. TXT "v=spf1 -all exp=why.denied.example"',
        'why.denied.example. TXT "%{i} is not one of our senders"',
        'xn--bcher-kva.example. TXT "v=spf1 ip4:192.0.2.1 -all"',
        *(
            f'c{n}.chain.example. TXT "v=spf1 include:c{n + 1}.chain.example -all"'
            for n in range(20)
        ),
    ]
}


@pytest.fixture(scope="module")
def server(nsd: NsdServer) -> NsdServer:
    nsd.serve(ZONES)
    return nsd


def spf(server: NsdServer, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["spf", "--nameserver", server.address, "--no-cache", "--isolated", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_tree_indents_includes_and_counts_up_to_the_limit(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = spf(server, capsys, "example.com", "--ip", "192.0.2.5")
    assert out.splitlines() == [
        "domain: example.com",
        "record: v=spf1 include:_spf.example.com mx -all",
        "DNS-querying terms: 3/10; void lookups: 0/2",
        "tree:",
        "  example.com: v=spf1 include:_spf.example.com mx -all",
        "    include:_spf.example.com  [1/10]",
        "      _spf.example.com: v=spf1 include:esp.example.net ip4:198.51.100.0/24 ~all",
        "        include:esp.example.net  [2/10]",
        "          esp.example.net: v=spf1 ip4:192.0.2.0/28 -all",
        "            ip4:192.0.2.0/28",
        "            -all",
        "        ip4:198.51.100.0/24",
        "        ~all",
        "    mx  [3/10]",
        "    -all",
        "192.0.2.5: pass (include:_spf.example.com)",
    ]
    assert status == 0  # every host passes, no problem is an error


def test_a_host_that_fails_is_an_ac706_error_and_exit_1(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = spf(
        server, capsys, "example.com", "--ip", "198.51.100.7", "--ip", "203.0.113.9"
    )
    assert "198.51.100.7: pass (include:_spf.example.com)" in out.splitlines()
    assert "203.0.113.9: fail (-all)" in out.splitlines()
    assert "  AC706 [error] host 203.0.113.9 gets SPF fail for `example.com`" in out
    assert status == 1


def test_a_network_is_evaluated_by_its_first_address(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `--sender-ip` and `sending-ips` take it (spec §7); `--ip` refused networks."""
    status, out, _ = spf(
        server, capsys, "example.com", "--ip", "192.0.2.0/28", "--ip", "::ffff:192.0.2.5"
    )
    assert out.splitlines()[-2:] == [
        "192.0.2.0: pass (include:_spf.example.com)",
        "192.0.2.5: pass (include:_spf.example.com)",
    ]
    assert status == 0


def test_a_failing_host_gets_the_domain_s_explanation(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = spf(server, capsys, "denied.example", "--ip", "192.0.2.9")
    assert out.splitlines()[-1] == (
        "192.0.2.9: fail (-all); explanation: 192.0.2.9 is not one of our senders"
    )
    assert status == 1


@pytest.mark.parametrize(
    ("domain", "record", "result"),
    [
        ("nothing.example", "record: (NXDOMAIN)", "none; no SPF record at `nothing.example`"),
        (
            "many.example",
            None,
            "permerror (include:i10.many.example); more than 10 DNS-querying terms",
        ),
    ],
)
def test_a_result_without_a_match_says_why(
    server: NsdServer,
    capsys: pytest.CaptureFixture[str],
    domain: str,
    record: str | None,
    result: str,
) -> None:
    """`none`, `permerror` and `temperror` said only the result; the record line called a
    failed lookup or two records `none`."""
    _, out, _ = spf(server, capsys, domain, "--ip", "198.51.100.99")
    lines = out.splitlines()
    assert lines[-1] == f"198.51.100.99: {result}"
    if record is not None:
        assert lines[1] == record


def test_a_failed_lookup_is_no_record_and_temperror(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.nsd import free_port

    where = f"127.0.0.1:{free_port()}"  # nothing listens there
    args = ["spf", "example.com", "--ip", "192.0.2.1", "--nameserver", where, "--no-cache"]
    status = main([*args, "--isolated", "--dns-timeout", "1"])
    lines = capsys.readouterr().out.splitlines()
    failed = f"TXT lookup of `example.com` failed: connection refused by {where}"
    assert lines[1] == f"record: ({failed})"
    assert lines[-1] == f"192.0.2.1: temperror; {failed}"
    assert status == 1


def test_over_the_lookup_limit_the_count_says_so_and_check_host_stops_at_its_match(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = spf(server, capsys, "many.example", "--ip", "203.0.113.200")
    lines = out.splitlines()
    assert "DNS-querying terms: 11/10; void lookups: 0/2" in lines
    assert "    a  [7/10]" in lines
    assert "    include:i10.many.example  [11/10]" in lines
    assert any(line.startswith("  AC703 [error] 11 DNS-querying terms") for line in lines)
    # the host matches `a`, the 7th lookup: evaluated, the record passes it (RFC 7208 §4.6.4
    # counts the terms evaluated); the worst case is what AC703 is about
    assert "203.0.113.200: pass (a)" in lines
    assert status == 1


def test_the_domain_comes_from_the_sender_else_the_helo(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--sender", "bounces@example.com", "--ip", "192.0.2.100", "--format", "json")
    status, out, _ = spf(server, capsys, *args)
    document = json.loads(out)
    assert document["domain"] == "example.com"
    assert document["results"][0]["result"] == "pass"
    assert status == 0
    _, out, _ = spf(server, capsys, "--helo", "example.com", "--format", "json")
    assert json.loads(out)["domain"] == "example.com"


@pytest.mark.parametrize(
    "args",
    [
        ("Bücher.Example.", "--ip", "192.0.2.1"),
        ("--sender", "News@BÜCHER.example", "--ip", "192.0.2.1"),
    ],
)
def test_the_domain_is_asked_as_dns_has_it(
    server: NsdServer, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    status, out, _ = spf(server, capsys, *args, "--format", "json")
    document = json.loads(out)
    assert document["domain"] == "xn--bcher-kva.example"
    assert document["results"][0]["result"] == "pass"
    assert status == 0


def test_a_snapshot_answers_the_domain_however_it_is_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A snapshot's names are lower case: `EXAMPLE.COM.` was reported missing from it."""
    snapshot = str(EXAMPLES / "dns" / "snapshot.json")
    args = ["spf", "EXAMPLE.COM.", "--ip", "192.0.2.10", "--snapshot", snapshot, "--isolated"]
    status = main(args)
    out = capsys.readouterr().out
    assert out.startswith("domain: example.com\n")
    assert "192.0.2.10: pass (include:spf1.smtpeter.com)" in out.splitlines()
    assert status == 0


def test_a_tree_walked_in_part_says_its_count_is_a_lower_bound(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain of includes 20 deep is walked 10 levels: check_host has given up by then."""
    status, out, _ = spf(server, capsys, "c0.chain.example")
    assert "DNS-querying terms: at least 11/10; void lookups: 0/2" in out.splitlines()
    assert "(not walked: past 10 includes deep)" in out
    assert status == 1
    _, out, _ = spf(server, capsys, "c0.chain.example", "--format", "json")
    document = json.loads(out)
    assert (document["lookups"], document["lookups_complete"]) == (11, False)
    assert document["problems"][0]["message"].startswith("at least 11 DNS-querying terms")
    _, out, _ = spf(server, capsys, "example.com", "--format", "json")
    assert json.loads(out)["lookups_complete"] is True


def test_a_name_idna_refuses_is_no_valid_domain_and_gets_none(
    server: NsdServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spec §7: a DOMAIN that is no valid FQDN gives `none`, not a usage error."""
    status, out, err = spf(server, capsys, "a\u200db.example", "--ip", "192.0.2.1")
    assert out.splitlines() == [
        "domain: a\u200db.example",
        "  not a valid domain name: the SPF result is none (RFC 7208 §4.3)",
        "192.0.2.1: none; `a\u200db.example` is not a valid IDNA2008 name (Joiner U+200D not "
        "allowed at position 2 in 'a\\u200db')",
    ]
    assert (status, err) == (1, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a DOMAIN, --sender ADDRESS or --helo NAME (see `aligncheck spf --help`)"),
        (("--sender", ""), "give a DOMAIN, --sender ADDRESS or --helo NAME"),
        (("--sender", "@@"), "`@@` names no domain to check"),
        ((".",), "`.` names no domain to check"),
        (("example.com", "--ip", "nope"), "`--ip`: `nope` is not an IP address or network"),
    ],
)
def test_what_names_nothing_to_check_is_one_line_and_exit_2(
    server: NsdServer, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    status, out, err = spf(server, capsys, *args)
    assert status == 2 and not out
    assert err.startswith(f"aligncheck: error: {message}") and err.count("\n") == 1

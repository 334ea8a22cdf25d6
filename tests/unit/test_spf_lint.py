"""The static SPF lint over answers written as a table: records -> expected issue kinds, with
the lookup-count edge cases, and check_host() details the suite does not pin down."""

from __future__ import annotations

import ipaddress

import pytest

from aligncheck.resolver import Answer, AnswerTable
from aligncheck.spf.evaluate import NeedAnswers, check_host
from aligncheck.spf.lint import Tree, count_text, walk

HOSTS = {
    "inc1.example.net": "v=spf1 ip4:192.0.2.1 -all",
    "inc2.example.net": "v=spf1 ip4:192.0.2.2 -all",
    "nospf.example.net": "google-site-verification=abc",
    "loop.example.net": "v=spf1 include:example.com -all",
    "smtpeter.example": "v=spf1 ip4:192.0.2.0/28 -all",
}


def table(record: str | list[str], extra: dict[str, str] | None = None) -> AnswerTable:
    """example.com publishes `record`; the HOSTS and `extra` names publish theirs; names
    given nothing are NXDOMAIN; `a`/`mx` targets under has-address. have records."""
    answers = AnswerTable()
    texts = [record] if isinstance(record, str) else record
    answers.answers[("example.com", "TXT")] = Answer("records", tuple(texts))
    answers.answers[("example.com", "SPF")] = Answer("nodata")
    for name, text in {**HOSTS, **(extra or {})}.items():
        answers.answers[(name, "TXT")] = Answer("records", (text,))
    return answers


class Lookup:
    """Answers from a table; any other question is NXDOMAIN (no record), except names under
    `has-address.`, which have an A record and an MX."""

    def __init__(self, answers: AnswerTable) -> None:
        self.answers = answers

    def answer(self, name: str, rdtype: str) -> Answer | None:
        found = self.answers.answer(name, rdtype)
        if found is not None:
            return found
        if name.endswith("has-address.example"):
            if rdtype == "A":
                return Answer("records", ("192.0.2.99",))
            if rdtype == "MX":
                return Answer("records", ("10 mx.has-address.example.",))
            return Answer("nodata")
        return Answer("nxdomain")


def kinds(record: str | list[str], extra: dict[str, str] | None = None) -> list[str]:
    tree: Tree = walk(Lookup(table(record, extra)), "example.com")
    return sorted(issue.kind for issue in tree.issues)


def mechanisms(count: int, name: str = "a") -> str:
    return " ".join(f"{name}:n{i}.has-address.example" for i in range(count))


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("v=spf1 include:inc1.example.net -all", []),
        # exactly 10 DNS-querying terms pass; 11 do not
        (f"v=spf1 {mechanisms(9)} include:inc1.example.net -all", []),
        (f"v=spf1 {mechanisms(10)} include:inc1.example.net -all", ["spf-too-many-lookups"]),
        # mx counts one, whatever its hosts
        (f"v=spf1 {mechanisms(9, 'mx')} include:inc1.example.net -all", []),
        # terms after all are never reached: they do not count, they are dead
        (
            f"v=spf1 include:inc1.example.net -all {mechanisms(10)}",
            ["spf-dead-terms"],
        ),
        # a redirect beside all is not followed (and not counted)
        ("v=spf1 include:inc1.example.net -all redirect=inc2.example.net", ["spf-dead-terms"]),
        # the same include twice is no loop
        ("v=spf1 include:inc1.example.net include:inc1.example.net -all", []),
        # an include back to the start is a loop, and only that
        ("v=spf1 include:loop.example.net -all", ["spf-loop"]),
        # an include of a name without SPF, or that does not exist
        ("v=spf1 include:nospf.example.net -all", ["spf-include-broken"]),
        ("v=spf1 include:gone.example.net -all", ["spf-include-broken"]),
        ("v=spf1 redirect=gone.example.net", ["spf-include-broken"]),
        # all
        ("v=spf1 include:inc1.example.net +all", ["spf-pass-all"]),
        ("v=spf1 include:inc1.example.net all", ["spf-pass-all"]),
        ("v=spf1 include:inc1.example.net ?all", ["spf-weak-all"]),
        ("v=spf1 include:inc1.example.net", ["spf-weak-all"]),
        ("v=spf1 redirect=inc1.example.net", []),
        # void lookups: two are allowed
        ("v=spf1 a:gone1.example a:gone2.example include:inc1.example.net -all", []),
        (
            "v=spf1 a:gone1.example a:gone2.example mx:gone3.example include:inc1.example.net -all",
            ["spf-void-lookups"],
        ),
        ("v=spf1 ptr include:inc1.example.net -all", ["spf-ptr"]),
        (
            "v=spf1 exists:%{p}.example.net include:inc1.example.net -all",
            ["spf-ptr", "spf-unevaluable"],
        ),
        ("v=spf1 exists:%{i}._spf.example.net include:inc1.example.net -all", ["spf-unevaluable"]),
        # %{d} is known: followed
        ("v=spf1 include:inc1.%{d2}.net -all", ["spf-include-broken"]),
        # record selection and syntax
        ("v=spf10 include:inc1.example.net -all", ["spf-missing"]),
        ("v=spf1include:inc1.example.net -all", ["spf-missing"]),
        (["v=spf1 -all", "v=spf1 ~all"], ["spf-multiple"]),
        ("v=spf1 ip4:192.0.2.300 -all", ["spf-syntax"]),
        (
            "v=spf1 include:inc1.example.net -all redirect=a.example redirect=b.example",
            ["spf-syntax"],
        ),
        ("v=spf1 foo:bar -all", ["spf-syntax"]),
        (["v=spf1 include:inc1.example.net -all", "spf2.0/mfrom -all"], ["spf-deprecated"]),
        (
            "v=spf1 " + " ".join(f"ip4:198.51.100.{i}" for i in range(40)) + " -all",
            ["spf-too-long"],
        ),
    ],
)
def test_lint(record: str | list[str], expected: list[str]) -> None:
    assert kinds(record) == sorted(expected)


def test_the_count_runs_through_includes_per_record() -> None:
    extra = {"deep.example.net": f"v=spf1 {mechanisms(6)} -all"}
    record = f"v=spf1 {mechanisms(4)} include:deep.example.net -all"
    tree = walk(Lookup(table(record, extra)), "example.com")
    assert tree.lookups == 11
    [issue] = tree.issues
    assert "example.com 5, deep.example.net 6" in issue.message


def walked(records: dict[str, str], domain: str) -> tuple[Tree, int, int]:
    """`domain`'s tree walked as a run walks it, a round of questions at a time, over
    `records` (any other name is NXDOMAIN): the tree, the questions asked, the rounds."""
    answers = AnswerTable()
    rounds = 0
    while True:
        try:
            return walk(answers, domain), len(answers.answers), rounds
        except NeedAnswers as need:
            rounds += 1
            for name, rdtype in need.questions:
                text = records.get(name) if rdtype == "TXT" else None
                answer = Answer("records", (text,)) if text else Answer("nxdomain")
                answers.answers[(name, rdtype)] = answer


def test_a_tree_over_the_limit_is_counted_whole_up_to_five_times_the_limit() -> None:
    """Real trees a person mends term by term (25 lookups here) get their exact count."""
    records = {"example.com": "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(5))}
    records |= {f"i{n}.example": f"v=spf1 {mechanisms(4, 'exists')} -all" for n in range(5)}
    tree, _, _ = walked(records, "example.com")
    [issue] = [i for i in tree.issues if i.kind == "spf-too-many-lookups"]
    assert issue.message.startswith("25 DNS-querying terms in the worst case (at most 10): ")
    assert "example.com 5, i0.example 4, i1.example 4" in issue.message
    assert count_text(tree.lookups, tree.complete) == "25/10"


def test_an_endless_chain_of_includes_is_walked_ten_levels_deep() -> None:
    """A chain 400 includes deep made the walk recurse past Python's limit (an internal
    error) after asking every name of it, a round each."""
    records = {f"c{n}.example": f"v=spf1 include:c{n + 1}.example -all" for n in range(400)}
    tree, asked, rounds = walked(records, "c0.example")
    [issue] = [i for i in tree.issues if i.kind == "spf-too-many-lookups"]
    assert issue.message.startswith(
        "at least 11 DNS-querying terms in the worst case (at most 10; walked up to 10 "
        "includes deep): c0.example 1, c1.example 1"
    )
    assert "c11.example 1 and " not in issue.message  # c11 is not walked
    assert count_text(tree.lookups, tree.complete) == "at least 11/10"  # `spf`, the audit
    assert rounds <= 12 and asked <= 13


def test_a_tree_that_fans_out_costs_a_few_dozen_questions_not_every_name() -> None:
    """Ten includes per record, four levels down: 11,111 records, each once asked before."""

    def named(path: str) -> str:
        return f"f{path}.example"

    records = {}
    for level in range(5):
        for number in range(10**level):
            path = str(number).zfill(level) if level else ""
            includes = " ".join(f"include:{named(path + str(k))}" for k in range(10))
            records[named(path)] = f"v=spf1 {includes if level < 4 else 'ip4:192.0.2.1'} -all"
    tree, asked, _ = walked(records, named(""))
    [issue] = [i for i in tree.issues if i.kind == "spf-too-many-lookups"]
    assert issue.message.startswith("at least ")
    assert "walked up to 50 DNS-querying terms" in issue.message
    assert issue.message.endswith("f003.example 10, f004.example 10")  # where it stopped
    assert asked < 500


def test_the_count_per_record_names_twelve_records_and_how_many_more() -> None:
    records = {"example.com": "v=spf1 " + " ".join(f"include:i{n}.example" for n in range(20))}
    records |= {f"i{n}.example": "v=spf1 a:x.example -all" for n in range(20)}
    tree, _, _ = walked(records, "example.com")
    [issue] = [i for i in tree.issues if i.kind == "spf-too-many-lookups"]
    assert issue.message.startswith("40 DNS-querying terms in the worst case (at most 10): ")
    assert issue.message.endswith(", i10.example 1 and 9 more records")


def test_the_void_lookups_are_named() -> None:
    """AC704 said only how many: the terms to mend are these."""
    record = (
        "v=spf1 a:gone1.example mx:gone2.example a:has-address.example exists:gone3.example -all"
    )
    tree = walk(Lookup(table(record)), "example.com")
    [issue] = [i for i in tree.issues if i.kind == "spf-void-lookups"]
    assert issue.message == (
        "3 void lookups in the worst case (at most 2): `a:gone1.example` in example.com, "
        "`mx:gone2.example` in example.com, `exists:gone3.example` in example.com"
    )


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            "v=spf1 include:gone.example.net -all",
            "`include:gone.example.net`: `gone.example.net` does not exist (NXDOMAIN)",
        ),
        (
            "v=spf1 redirect=nospf.example.net",
            "`redirect=nospf.example.net`: `nospf.example.net` has no SPF record",
        ),
    ],
)
def test_a_broken_include_says_what_its_target_lacks(record: str, message: str) -> None:
    """It read "`gone.example.net` has NXDOMAIN"."""
    tree = walk(Lookup(table(record)), "example.com")
    [issue] = [i for i in tree.issues if i.kind == "spf-include-broken"]
    assert issue.message == message


def test_a_walk_asks_one_level_at_a_time() -> None:
    """The tree's next level is asked all at once."""
    answers = AnswerTable()
    answers.answers[("example.com", "TXT")] = Answer(
        "records", ("v=spf1 include:a.example.net include:b.example.net a:c.example.net -all",)
    )
    with pytest.raises(NeedAnswers) as need:
        walk(answers, "example.com")
    assert need.value.questions == {
        ("example.com", "SPF"),
        ("a.example.net", "TXT"),
        ("b.example.net", "TXT"),
        ("c.example.net", "A"),
        ("c.example.net", "AAAA"),
    }


@pytest.mark.parametrize(
    ("ip", "result"),
    [("192.0.2.1", "pass"), ("192.0.2.2", "fail"), ("::ffff:192.0.2.1", "pass")],
)
def test_check_host_for_a_host(ip: str, result: str) -> None:
    from aligncheck.spf.evaluate import client_ip

    lookup = Lookup(table("v=spf1 include:inc1.example.net -all"))
    outcome = check_host(lookup, client_ip(ip), "example.com", "bounces@example.com")
    assert outcome.result == result


def test_check_host_asks_what_it_misses() -> None:
    answers = AnswerTable()
    with pytest.raises(NeedAnswers) as need:
        check_host(answers, ipaddress.ip_address("192.0.2.1"), "example.com", "a@example.com")
    assert need.value.questions == {("example.com", "TXT")}


@pytest.mark.parametrize(
    ("record", "ip", "result", "term"),
    [
        ("v=spf1 redirect=a..example", "192.0.2.9", "permerror", "redirect=a..example"),
        ("v=spf1 include:a..example -all", "192.0.2.9", "permerror", "include:a..example"),
        # RFC 7208 leaves a mechanism naming an invalid domain undefined (the suite dropped its
        # tests): it matches nothing, so the record goes on to its other terms
        ("v=spf1 a:a..example -all", "192.0.2.9", "fail", "-all"),
        # an answer's records that are no address of the client's family are passed over
        ("v=spf1 a:odd.example -all", "192.0.2.1", "pass", "a:odd.example"),
        ("v=spf1 a:odd.example -all", "192.0.2.9", "fail", "-all"),
        # RFC 7208 §4.6.1 and RFC 5234 §2.3: names in the grammar are case-insensitive
        ("v=spf1 IP4:192.0.2.1 -ALL", "192.0.2.1", "pass", "IP4:192.0.2.1"),
        ("v=spf1 IP4:192.0.2.1 -ALL", "192.0.2.2", "fail", "-ALL"),
        # ... a modifier's too: REDIRECT is the redirect (pyspf reads it as an unknown
        # modifier and gives neutral)
        ("v=spf1 ip4:192.0.2.9 REDIRECT=inc1.example.net", "192.0.2.1", "pass", "ip4:192.0.2.1"),
        # ... and the `r` transformer: %{D2R} is example.com reversed, `com.example` (pyspf
        # does not reverse it); upper-case macros expand as their lower-case ones, URL-escaped
        (
            "v=spf1 exists:%{D2R}.list.example -all",
            "192.0.2.1",
            "pass",
            "exists:%{D2R}.list.example",
        ),
        ("v=spf1 exists:%{d2}.list.example -all", "192.0.2.1", "fail", "-all"),
        # RFC 7208 §6: unknown modifiers are ignored "no matter where, or how often, they
        # appear" (pyspf gives permerror for one written twice)
        ("v=spf1 ?all foo=bar foo=baz", "192.0.2.1", "neutral", "?all"),
    ],
)
def test_check_host_details_the_suite_does_not_pin_down(
    record: str, ip: str, result: str, term: str
) -> None:
    """Unusable targets and addresses, names in any case, unknown modifiers."""
    from aligncheck.spf.evaluate import client_ip

    answers = table(record)
    answers.answers[("odd.example", "A")] = Answer(
        "records", ("not-an-address", "2001:db8::1", "192.0.2.1")
    )
    answers.answers[("com.example.list.example", "A")] = Answer("records", ("127.0.0.2",))
    outcome = check_host(Lookup(answers), client_ip(ip), "example.com", "b@example.com")
    assert (outcome.result, outcome.term) == (result, term)


def test_an_explanation_may_end_with_an_escaped_percent() -> None:
    """`%%` is a percent sign wherever it stands (RFC 7208 §7.1); pyspf drops an `exp=`
    text that ends with one and gives its default explanation."""
    from aligncheck.spf.evaluate import client_ip

    answers = table("v=spf1 -all exp=why.example.net", {"why.example.net": "%{i} is 100%%"})
    outcome = check_host(Lookup(answers), client_ip("192.0.2.9"), "example.com", "b@example.com")
    assert (outcome.result, outcome.explanation) == ("fail", "192.0.2.9 is 100%")

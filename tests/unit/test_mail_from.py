"""Which domain is the MAIL FROM of a send (spec §7), with and without a sender-domain profile."""

from __future__ import annotations

import pytest

from aligncheck.parsing import Limits
from aligncheck.send import build_send, for_dns
from aligncheck.settings import Settings
from aligncheck.sources import load

PROFILE = Settings(
    sender_domains={"example.com": {"bounce-host": "bounces.example.com", "ips": ["192.0.2.10"]}},  # type: ignore[arg-type]
    sending_ips=("198.51.100.0/24",),
)
MIME_TRACKING = 'mime: "From: a@example.com\\r\\nX-SMTPeter-Trackbounces: {}\\r\\n\\r\\nhi"\n'


def mail_from(text: str, settings: Settings = PROFILE) -> tuple[str, str | None, tuple[str, ...]]:
    source = load("send.yaml", text.encode(), Limits(), explicit=True)
    send = for_dns(build_send("send.yaml", source.sends[0]), settings)
    return send.mail_from.kind, send.mail_from.domain, send.hosts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from: a@example.com\nenvelope: b@mail.example.com\n", ("envelope", "mail.example.com")),
        ("from: a@example.com\n", ("bounce-host", "bounces.example.com")),
        ("from: a@example.com\ntrackbounces: true\n", ("bounce-host", "bounces.example.com")),
        ("from: a@example.com\ntrackbounces: false\n", ("null", None)),
        # an explicit trackbounces: true beside an envelope keeps SMTPeter's bounce address
        (
            "from: a@example.com\nenvelope: b@mail.example.com\ntrackbounces: true\n",
            ("bounce-host", "bounces.example.com"),
        ),
        # the header in mime overrides the property
        ("trackbounces: true\n" + MIME_TRACKING.format("false"), ("null", None)),
        (
            "envelope: b@mail.example.com\n" + MIME_TRACKING.format("true"),
            ("bounce-host", "bounces.example.com"),
        ),
        # no profile for the author: nothing is guessed
        ("from: a@example.org\n", ("unknown", None)),
        ("from: a@example.org\nenvelope: '{$bounce}'\n", ("unknown", None)),
    ],
)
def test_mail_from(text: str, expected: tuple[str, str | None]) -> None:
    assert mail_from(text)[:2] == expected


def test_hosts_come_from_the_profile_else_sending_ips_and_sender_ip_wins() -> None:
    assert mail_from("from: a@example.com\n")[2] == ("192.0.2.10",)
    assert mail_from("from: a@example.org\n")[2] == ("198.51.100.0/24",)
    overridden = Settings(
        sender_domains=PROFILE.sender_domains,
        sending_ips=PROFILE.sending_ips,
        sender_ips=("203.0.113.5",),
    )
    assert mail_from("from: a@example.com\n", overridden)[2] == ("203.0.113.5",)


def test_ac303_names_what_dmarc_rests_on() -> None:
    from aligncheck import check_send

    send = {"from": "a@example.com", "trackbounces": False}
    signed = Settings(
        offline=True,
        sender_domains={"example.com": {"dkim-selectors": ["zero", "one"]}},  # type: ignore[arg-type]
    )
    [finding] = check_send(send, signed)
    assert "its profile signs with d=example.com, selectors zero, one" in finding.message
    [finding] = check_send(send, Settings(offline=True))
    assert "no DKIM key is known for `example.com`" in finding.message
    one = Settings(
        offline=True,
        sender_domains={"example.com": {"dkim-selectors": ["zero"]}},  # type: ignore[arg-type]
    )
    [finding] = check_send(send, one)
    assert "its profile signs with d=example.com, selector zero)" in finding.message


@pytest.mark.parametrize(
    ("send", "why"),
    [
        ({"from": "a@example.com"}, "SMTPeter keeps the bounces, so no DSN reaches you"),
        ({"from": "a@example.com", "trackbounces": False}, "MAIL FROM:<> gets no DSN at all"),
    ],
)
def test_ac402_says_why_no_dsn_comes(send: dict[str, object], why: str) -> None:
    """Beside `trackbounces: false` it said SMTPeter keeps the bounces: it keeps none."""
    from aligncheck import check_send

    [finding] = [
        f
        for f in check_send({**send, "dsn": {"notify": "FAILURE"}}, Settings(offline=True))
        if f.rule == "AC402"
    ]
    assert why in finding.message


@pytest.mark.parametrize(
    ("send", "settings", "said"),
    [
        (
            {"from": "a@example.com", "envelope": "b@mail.example.com", "trackbounces": True},
            PROFILE,
            "`trackbounces: true` beside `envelope` keeps bounce tracking on: SMTPeter's bounce "
            "address under `bounces.example.com` is the MAIL FROM, not the envelope (drop one)",
        ),
        (
            {"from": "a@example.org", "envelope": "b@mail.example.org", "trackbounces": True},
            PROFILE,
            "`trackbounces: true` beside `envelope` keeps bounce tracking on: the MAIL FROM is "
            "SMTPeter's bounce address, whose host no sender-domain profile names, so the SPF "
            "leg is not judged (drop one)",
        ),
        (
            {
                "envelope": "b@mail.example.com",
                "mime": "From: a@example.com\r\nX-SMTPeter-Trackbounces: true\r\n\r\nhi",
            },
            PROFILE,
            "the `X-SMTPeter-TrackBounces: true` header in `mime` beside `envelope` keeps bounce "
            "tracking on: SMTPeter's bounce address under `bounces.example.com` is the MAIL "
            "FROM, not the envelope (drop one)",
        ),
    ],
)
def test_ac104_says_which_mail_from_tracking_beside_an_envelope_leaves(
    send: dict[str, object], settings: Settings, said: str
) -> None:
    """It said "aligncheck judges the envelope as the MAIL FROM" while the run judged the
    bounce host (spec §7), and the header in `mime` was no AC104 at all."""
    from aligncheck import check_send

    offline = Settings(offline=True, sender_domains=settings.sender_domains)
    assert [f.message for f in check_send(send, offline) if f.rule == "AC104"] == [said]


def test_ac303_quotes_the_header_that_leaves_the_null_path() -> None:
    from aligncheck import check_send

    send = {"mime": "From: a@example.com\r\nX-SMTPeter-TrackBounces: false\r\n\r\nhi"}
    [finding] = check_send(send, Settings(offline=True))
    assert finding.rule == "AC303"
    assert finding.message.startswith(
        "the `X-SMTPeter-TrackBounces: false` header in `mime` without `envelope` sends with "
        "MAIL FROM:<>"
    )

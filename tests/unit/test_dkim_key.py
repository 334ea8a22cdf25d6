"""DKIM key records (RFC 6376 §3.6.1, RFC 8463, RFC 8301), with keys generated here: a table of
records -> what verifiers make of them (vectors in the style of mox `dkim/txt_test.go`,
go-msgauth `dkim/query_test.go` and mail-auth's key record tests)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from aligncheck.cachedir import cache_dir
from aligncheck.dkim import key
from aligncheck.dkim.key import parse
from tests.helpers import calls_of, unwritable_cache_dir


def _rsa(bits: int, pkcs1: bool = False) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    if pkcs1:
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(der).decode()


RSA2048, RSA1024, RSA4096 = _rsa(2048), _rsa(1024), _rsa(4096)
PKCS1 = _rsa(2048, pkcs1=True)
ED = base64.b64encode(
    ed25519.Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
).decode()


@pytest.mark.parametrize(
    ("text", "usable", "algorithm", "bits"),
    [
        (f"v=DKIM1; k=rsa; p={RSA2048}", True, "rsa", 2048),
        (f"v=DKIM1; p={RSA4096}", True, "rsa", 4096),
        (f"p={RSA1024}", True, "rsa", 1024),
        (f"v=DKIM1; p={PKCS1}", True, "rsa", 2048),  # a bare RSAPublicKey
        (f"v=DKIM1; k=ed25519; p={ED}", True, "ed25519", None),
        (f"v=DKIM1; p={RSA2048[:100]} {RSA2048[100:]}", True, "rsa", 2048),  # folded
        (f"v=DKIM1; h=sha1:sha256; s=email; p={RSA2048}", True, "rsa", 2048),
        (f"v=DKIM1; s=*; t=s; p={RSA2048}", True, "rsa", 2048),
    ],
)
def test_usable_keys(text: str, usable: bool, algorithm: str, bits: int | None) -> None:
    record = parse(text)
    assert (record.usable, record.algorithm, record.bits) == (usable, algorithm, bits)
    assert record.problems == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"p={RSA2048}; v=DKIM1", "must come first"),
        (f"v=dkim1; p={RSA2048}", "exactly `DKIM1`"),
        (f"v=DKIM2; p={RSA2048}", "exactly `DKIM1`"),
        (f"v=DKIM1; p={RSA2048}; p={RSA1024}", "given twice"),
        ("v=DKIM1; k=rsa", "no `p=`"),
        ("v=DKIM1; p=!!notbase64!!", "not base64"),
        ("v=DKIM1; p=AAAA", "does not parse"),
        (f"v=DKIM1; k=dsa; p={RSA2048}", "unknown key type"),
        (f"v=DKIM1; h=sha1; p={RSA2048}", "sha256"),
        (f"v=DKIM1; s=tlsrpt; p={RSA2048}", "`s=`"),
        (f"v=DKIM1; k=ed25519; p={RSA2048}", "Ed25519 key is 32 bytes"),
        (f"v=DKIM1; k=rsa; p={ED}", "does not parse"),
        ("v=DKIM1; junk; p=", "not a tag=value pair"),
    ],
)
def test_keys_verifiers_cannot_use(text: str, fragment: str) -> None:
    record = parse(text)
    assert not record.usable
    assert any(fragment in problem for problem in record.problems), record.problems


@pytest.mark.parametrize("text", ["v=DKIM1; k=rsa; p=", "v=DKIM1; p= ", "p="])
def test_empty_p_is_revoked(text: str) -> None:
    record = parse(text)
    assert record.revoked and not record.usable and record.problems == ()


@pytest.mark.parametrize(("flags", "testing"), [("y", True), ("y:s", True), ("s", False)])
def test_testing_flag(flags: str, testing: bool) -> None:
    assert parse(f"v=DKIM1; t={flags}; p={RSA2048}").testing is testing


# Vectors from mox's dkim/txt_test.go (TestParseRecord), as facts about what verifiers accept.
MOX_ED25519 = "JDcbZ0Hpba5NKXI4UAW3G0IDhhFOxhJTDybZEwe1FeA="
MOX_RSA = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy3Z9ffZe8gUTJrdGuKj6IwEembmKYpp0jMa8uhudErcI4gFV"
    "UaFiiRWxc4jP/XR9NAEv3XwHm+CVcHu+L/n6VWt6g59U7vHXQicMfKGmEp2VplsgojNy/Y5X9HdVYM0azsI47NcJCDW9"
    "UVfeOHdOSgFME4F8dNtUKC4KTB2d1pqj/yixz+V8Sv8xkEyPfSRHcNXIw0LvelqJ1MRfN3hO/3uQSVrPYYk4SyV0b6wf"
    "nkQs28fpiIpGQvzlGI5WkrdOQT5k4YHaEvZDLNdwiMeVZOEL7dDoFs2mQsovm+tH0StUAZTnr61NLVFfD5V6Ip1V9zVt"
    "spPHvYSuOWwyArFZ9QIDAQAB"
)


@pytest.mark.parametrize(
    ("text", "usable", "revoked", "testing"),
    [
        ("v=DKIM1", False, False, False),  # no p=
        ("p=; v=DKIM1", False, True, False),  # v= not first
        ("v=dkim1; p=", False, True, False),  # DKIM1 is case-sensitive
        (f"v=DKIM1; p={MOX_ED25519}", False, False, False),  # an Ed25519 key as k=rsa
        ("v=DKIM1; p=; p=", False, True, False),  # a tag twice
        ("v=DKIM1; k=ed25519; p=HbawiMnQXTCopHTkR0jlKQ==", False, False, False),  # too short
        ("v=DKIM1; k=unknown; p=", False, True, False),  # unknown algorithm
        ("V=DKIM2; p=;", False, True, False),  # tag names are case-sensitive: V is unknown
        (
            "v = DKIM1 ;   h\t=\tsha1 \t:\t SHA256:unknown\t;k=ed25519; n = notes...; "
            f"p = {MOX_ED25519[:3]} {MOX_ED25519[3:10]} {MOX_ED25519[10:14]}\t{MOX_ED25519[14:]}  "
            ";s = email : tlsrpt; t = y\t: t; unknown = bogus;",
            True,
            False,
            True,
        ),
        (f"v=DKIM1;p={MOX_RSA}", True, False, False),
    ],
)
def test_mox_vectors(text: str, usable: bool, revoked: bool, testing: bool) -> None:
    record = parse(text)
    assert (record.usable, record.revoked, record.testing) == (usable, revoked, testing)
    if not usable and not revoked:
        assert record.problems


@pytest.fixture
def fresh_verdicts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Kept verdicts forgotten in this process; the list records each key `cryptography` reads."""
    reads: list[str] = calls_of(monkeypatch, key, "_key", argument=0)  # the algorithm
    key._kept.cache_clear()
    key._fresh.clear()
    yield reads
    key._kept.cache_clear()
    key._fresh.clear()


UNREADABLE = base64.b64encode(b"\x30\x03\x02\x01\x00" * 8).decode()  # DER, but no key


def test_what_cryptography_made_of_a_key_is_kept_between_runs(fresh_verdicts: list[str]) -> None:
    texts = [f"v=DKIM1; p={RSA2048}", f"v=DKIM1; k=ed25519; p={ED}", f"v=DKIM1; p={UNREADABLE}"]
    first = [parse(text) for text in texts]
    assert [record.usable for record in first] == [True, True, False]
    assert fresh_verdicts == ["rsa", "ed25519", "rsa"]
    key.keep_verdicts()
    key._kept.cache_clear()  # a new run
    assert [parse(text) for text in texts] == first
    assert len(fresh_verdicts) == 3  # read back, not read again


def test_a_run_that_meets_only_kept_keys_does_not_load_cryptography(tmp_path: Path) -> None:
    program = (
        "import sys; from aligncheck.dkim import key; "
        f"record = key.parse('v=DKIM1; p={RSA2048}'); key.keep_verdicts(); "
        "print(record.bits, any(m.startswith('cryptography') for m in sys.modules))"
    )
    env = {**os.environ, "ALIGNCHECK_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["2048", "True"], ["2048", "False"]]


def test_verdicts_damaged_or_for_another_cryptography_are_read_again(
    fresh_verdicts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"v=DKIM1; p={RSA2048}"
    expected = parse(text)
    key.keep_verdicts()
    kept = cache_dir() / key.KEPT_NAME
    kept_key = json.loads(kept.read_text())["key"]
    damages = (
        "not json",
        '{"key": 1}',
        json.dumps({"key": kept_key, "value": []}),
        json.dumps({"key": kept_key, "value": {f"rsa:{RSA2048}": ["rsa", "2048", None]}}),
        json.dumps({"key": kept_key, "value": {f"rsa:{RSA2048}": ["rsa", True, None]}}),
    )
    for damage in damages:
        kept.write_text(damage)
        key._kept.cache_clear()
        assert parse(text) == expected
        key.keep_verdicts()
        assert json.loads(kept.read_text())["value"] == {f"rsa:{RSA2048}": ["rsa", 2048, None]}
    assert len(fresh_verdicts) == 1 + len(damages)
    monkeypatch.setattr(key, "_kept_key", lambda: [key.KEPT_FORMAT, "another cryptography"])
    key._kept.cache_clear()
    assert parse(text) == expected
    assert len(fresh_verdicts) == 2 + len(damages)


def test_the_newest_verdicts_are_kept(
    fresh_verdicts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key, "KEPT_LIMIT", 2)
    for written in (RSA1024, RSA2048, ED):
        parse(f"v=DKIM1; k={'ed25519' if written == ED else 'rsa'}; p={written}")
    key.keep_verdicts()
    kept = json.loads((cache_dir() / key.KEPT_NAME).read_text())["value"]
    assert list(kept) == [f"rsa:{RSA2048}", f"ed25519:{ED}"]


def test_a_cache_directory_that_cannot_be_written_costs_nothing_but_time(
    fresh_verdicts: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unwritable_cache_dir(tmp_path, monkeypatch)
    first = parse(f"v=DKIM1; p={RSA2048}")
    key.keep_verdicts()
    key._kept.cache_clear()
    assert parse(f"v=DKIM1; p={RSA2048}") == first and first.bits == 2048
    assert fresh_verdicts == ["rsa", "rsa"]  # nothing kept, nothing failed

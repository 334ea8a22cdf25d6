"""DKIM key records (RFC 6376 §3.6.1, RFC 8463 §4.2, RFC 8301): what a verifier makes of the
TXT record at `<selector>._domainkey.<domain>`.

Text in, `KeyRecord` out. Keys are read with `cryptography` (imported here, and this module
is imported only when the DKIM rules run). What `cryptography` made of a key is kept in
aligncheck's cache directory, tied to the installed `cryptography`: a later run that meets the
same key (a pre-commit hook over a snapshot) does not load it again, 20-45 ms of its start-up.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import cache

_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
ED25519_BYTES = 32
MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers reject smaller keys
GOOD_RSA_BITS = 2048  # RFC 8301 §3.2: signers SHOULD use at least this


@dataclass(frozen=True)
class KeyRecord:
    text: str
    tags: dict[str, str]
    problems: tuple[str, ...]  # why verifiers cannot use it (AC801)
    algorithm: str | None = None  # "rsa" or "ed25519", when the key parses
    bits: int | None = None  # RSA modulus size
    revoked: bool = False  # p= is empty (AC802)
    testing: bool = False  # t=y (AC804)

    @property
    def usable(self) -> bool:
        """A verifier can check signatures with it (it may still be weak or in testing)."""
        return not self.problems and not self.revoked and self.algorithm is not None


def parse_tags(text: str) -> tuple[dict[str, str], list[str]]:
    """RFC 6376 §3.2 tag-list: `tag=value` separated by `;`, white space around both
    ignored; a tag given twice is an error."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or not _TAG.match(name):
            problems.append(f"`{part.strip()}` is not a tag=value pair")
            continue
        if name in tags:
            problems.append(f"tag `{name}` is given twice")
            continue
        tags[name] = re.sub(r"[ \t\r\n]+", "", value) if name == "p" else value.strip()
    return tags, problems


def parse(text: str) -> KeyRecord:
    tags, problems = parse_tags(text)
    names = [part.partition("=")[0].strip() for part in text.split(";") if part.strip()]
    if "v" in tags and (names[0] != "v" or tags["v"] != "DKIM1"):
        problems.append("`v=` must come first and be exactly `DKIM1`")
    algorithm = tags.get("k", "rsa").lower()
    if algorithm not in ("rsa", "ed25519"):
        problems.append(f"unknown key type `k={tags['k']}` (rsa or ed25519)")
    if "h" in tags and "sha256" not in [h.strip().lower() for h in tags["h"].split(":")]:
        problems.append("`h=` does not allow sha256 (RFC 8301: sha1 is no longer accepted)")
    if "s" in tags and not {"email", "*"} & {s.strip().lower() for s in tags["s"].split(":")}:
        problems.append("`s=` allows neither `email` nor `*`: not a key for mail")
    testing = "y" in [flag.strip().lower() for flag in tags.get("t", "").split(":")]
    if "p" not in tags:
        problems.append("no `p=` (public key)")
        return KeyRecord(text, tags, tuple(problems), testing=testing)
    if tags["p"] == "":
        return KeyRecord(text, tags, tuple(problems), revoked=True, testing=testing)
    if not _BASE64.match(tags["p"]):
        problems.append("`p=` is not base64")
        return KeyRecord(text, tags, tuple(problems), testing=testing)
    try:
        data = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        problems.append("`p=` is not valid base64")
        return KeyRecord(text, tags, tuple(problems), testing=testing)
    if problems:
        return KeyRecord(text, tags, tuple(problems), testing=testing)
    found, bits, problem = _verdict(algorithm, tags["p"], data)
    return KeyRecord(
        text,
        tags,
        (problem,) if problem else (),
        found,
        bits,
        testing=testing,
    )


Verdict = tuple[str | None, int | None, str | None]  # (algorithm, RSA bits, problem)
KEPT_FORMAT = 1  # bump when what is kept changes
KEPT_LIMIT = 4096  # verdicts kept between runs: the newest
KEPT_NAME = "dkim-keys.json"
_fresh: dict[str, Verdict] = {}  # reached by this process, not kept yet


def _verdict(algorithm: str, written: str, data: bytes) -> Verdict:
    """`_key` for the `p=` written (decoded: `data`), from the verdicts kept when there is one."""
    kept = _kept()
    name = f"{algorithm}:{written}"
    verdict = kept.get(name)
    if verdict is None:
        verdict = kept[name] = _fresh[name] = _key(algorithm, data)
    return verdict


def keep_verdicts() -> None:
    """Once a run has judged its keys: the verdicts it reached kept beside the earlier ones
    (the newest KEPT_LIMIT), for the next run."""
    from aligncheck import cachedir

    if not _fresh:
        return
    key = _kept_key()
    merged = {**_verdicts_of(cachedir.kept(KEPT_NAME, key)), **_fresh}
    cachedir.keep(KEPT_NAME, key, dict(list(merged.items())[-KEPT_LIMIT:]))
    _fresh.clear()


@cache
def _kept() -> dict[str, Verdict]:
    from aligncheck import cachedir

    return _verdicts_of(cachedir.kept(KEPT_NAME, _kept_key()))


def _kept_key() -> list[object]:
    """What the kept verdicts were made by: this format and the installed `cryptography`
    (found without importing it: its package file's path, size and time)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("cryptography")
    origin = spec.origin if spec is not None else None
    if origin is None:
        return [KEPT_FORMAT, None]
    stat = os.stat(origin)
    return [KEPT_FORMAT, origin, stat.st_size, stat.st_mtime_ns]


def _verdicts_of(verdicts: object) -> dict[str, Verdict]:
    """The verdicts an earlier run kept, those that read as verdicts."""
    if not isinstance(verdicts, dict):
        return {}
    return {
        name: (found[0], found[1], found[2])
        for name, found in verdicts.items()
        if isinstance(found, list) and len(found) == 3 and _is_verdict(found)
    }


def _is_verdict(found: list[object]) -> bool:
    algorithm, bits, problem = found
    return (
        isinstance(algorithm, str | None)
        and (bits is None or (isinstance(bits, int) and not isinstance(bits, bool)))
        and isinstance(problem, str | None)
    )


def _key(algorithm: str, data: bytes) -> Verdict:
    """(algorithm, RSA bits, problem) for the decoded `p=`, read by `cryptography`."""
    if algorithm == "ed25519":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if len(data) != ED25519_BYTES:
            return None, None, f"an Ed25519 key is {ED25519_BYTES} bytes, not {len(data)}"
        try:
            Ed25519PublicKey.from_public_bytes(data)
        except ValueError as exc:
            return None, None, f"the Ed25519 key does not parse ({exc})"
        return "ed25519", None, None
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import (
        load_der_public_key,
    )

    key: object
    try:
        key = load_der_public_key(data)
    except (ValueError, TypeError):
        key = _pkcs1(data)
    if key is None:
        return None, None, "the key does not parse (neither SubjectPublicKeyInfo nor RSAPublicKey)"
    if not isinstance(key, RSAPublicKey):
        return None, None, f"`k=rsa` but the key is {type(key).__name__}"
    return "rsa", key.key_size, None


def _pkcs1(data: bytes) -> object | None:
    """A bare RSAPublicKey (PKCS#1), which some publishers put in `p=`."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    pem = (
        b"-----BEGIN RSA PUBLIC KEY-----\n"
        + base64.encodebytes(data)
        + b"-----END RSA PUBLIC KEY-----\n"
    )
    try:
        return load_pem_public_key(pem)
    except (ValueError, TypeError):
        return None

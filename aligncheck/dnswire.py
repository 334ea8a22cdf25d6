"""The DNS wire format, for the few record types aligncheck asks about.

dnspython's message objects cost about half a millisecond of CPU per question; a batch of
thousands of names would spend more time there than waiting for answers. Queries here are
built and answers parsed directly (RFC 1035 §4), with every length and compression pointer
bounded, so a hostile answer can only be refused, never crash, hang or mislead.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
CLASS_IN = 1
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
NOERROR, NXDOMAIN = 0, 3
FLAG_QR, FLAG_TC, FLAG_RD = 0x8000, 0x0200, 0x0100
MAX_CHAIN = 16
DEFAULT_NEGATIVE_TTL = 0


class WireError(ValueError):
    """The bytes are not a DNS message we can use."""


def encode_name(name: str) -> bytes:
    out = bytearray()
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not raw or len(raw) > 63:
            raise WireError(f"cannot ask `{name}`: a label is empty or over 63 octets")
        out.append(len(raw))
        out += raw
    out.append(0)
    if len(out) > 255:
        raise WireError(f"cannot ask `{name}`: over 255 octets")
    return bytes(out)


def encode_query(query_id: int, name: str, rdtype: str) -> bytes:
    """A standard query with recursion desired (and no EDNS: answers stay under 512 octets
    or come back truncated, then over TCP)."""
    header = struct.pack("!HHHHHH", query_id, FLAG_RD, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", TYPES[rdtype], CLASS_IN)


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    """A possibly compressed name at `offset`: (lower-case text, offset after it)."""
    labels: list[str] = []
    end = -1
    jumps = 0
    total = 0
    while True:
        if offset >= len(data):
            raise WireError("name runs past the end of the message")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise WireError("truncated compression pointer")
            if end < 0:
                end = offset + 2
            jumps += 1
            if jumps > 64:
                raise WireError("compression pointer loop")
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        if length & 0xC0:
            raise WireError("unknown label type")
        offset += 1
        if length == 0:
            break
        if offset + length > len(data):
            raise WireError("label runs past the end of the message")
        labels.append(data[offset : offset + length].decode("ascii", "replace").lower())
        total += length + 1
        if total > 255:
            raise WireError("name over 255 octets")
        offset += length
    return ".".join(labels), (end if end >= 0 else offset)


@dataclass(frozen=True)
class Record:
    name: str
    rdtype: int
    ttl: int
    data: str  # presentation text: TXT strings joined, `pref exchange.` for MX, the target...
    soa_minimum: int = 0


@dataclass(frozen=True)
class Response:
    query_id: int
    flags: int
    rcode: int
    question: tuple[str, int, int]
    answers: tuple[Record, ...]
    authority: tuple[Record, ...]

    @property
    def truncated(self) -> bool:
        return bool(self.flags & FLAG_TC)


def _rdata(data: bytes, offset: int, length: int, rdtype: int) -> tuple[str, int]:
    end = offset + length
    if rdtype == TYPES["TXT"]:
        parts = []
        while offset < end:
            size = data[offset]
            if offset + 1 + size > end:
                raise WireError("TXT string runs past its record")
            parts.append(data[offset + 1 : offset + 1 + size])
            offset += 1 + size
        return b"".join(parts).decode("utf-8", errors="replace"), 0
    if rdtype == TYPES["MX"]:
        if length < 3:
            raise WireError("short MX record")
        preference = struct.unpack_from("!H", data, offset)[0]
        exchange, _ = _read_name(data, offset + 2)
        return f"{preference} {exchange}.", 0
    if rdtype in (TYPES["CNAME"], TYPES["NS"]):
        target, _ = _read_name(data, offset)
        return target, 0
    if rdtype == TYPES["A"] and length == 4:
        return str(ipaddress.IPv4Address(data[offset:end])), 0
    if rdtype == TYPES["AAAA"] and length == 16:
        return str(ipaddress.IPv6Address(data[offset:end])), 0
    if rdtype == TYPES["SOA"]:
        _, after = _read_name(data, offset)
        _, after = _read_name(data, after)
        if after + 20 > end:
            raise WireError("short SOA record")
        minimum = struct.unpack_from("!I", data, after + 16)[0]
        return "SOA", minimum
    return data[offset:end].hex(), 0


def decode(data: bytes) -> Response:
    """Parse a response; raises WireError for anything malformed."""
    if len(data) < 12:
        raise WireError("message shorter than a header")
    query_id, flags, qdcount, ancount, nscount, _ = struct.unpack_from("!HHHHHH", data, 0)
    if qdcount != 1:
        raise WireError("the answer does not hold exactly one question")
    offset = 12
    qname, offset = _read_name(data, offset)
    if offset + 4 > len(data):
        raise WireError("truncated question")
    qtype, qclass = struct.unpack_from("!HH", data, offset)
    offset += 4
    sections: list[list[Record]] = [[], []]
    for section, count in ((0, ancount), (1, nscount)):
        for _ in range(count):
            name, offset = _read_name(data, offset)
            if offset + 10 > len(data):
                raise WireError("truncated record header")
            rdtype, rdclass, ttl, length = struct.unpack_from("!HHIH", data, offset)
            offset += 10
            if offset + length > len(data):
                raise WireError("record data runs past the end of the message")
            text, soa_minimum = _rdata(data, offset, length, rdtype)
            offset += length
            if rdclass == CLASS_IN:
                sections[section].append(Record(name, rdtype, ttl, text, soa_minimum))
    return Response(
        query_id,
        flags,
        flags & 0x000F,
        (qname, qtype, qclass),
        tuple(sections[0]),
        tuple(sections[1]),
    )


def answer_records(response: Response) -> tuple[list[Record], int, str]:
    """The records answering the question, following CNAMEs inside the answer (at most 16),
    the smallest TTL on the way, and the last name reached (where the records stand, or the
    CNAME target whose records another zone holds). No records when there are none here."""
    qname, qtype, _ = response.question
    name = qname
    min_ttl: int | None = None
    for _ in range(MAX_CHAIN + 1):
        found = [r for r in response.answers if r.name == name and r.rdtype == qtype]
        if found:
            ttl = min(r.ttl for r in found)
            return found, ttl if min_ttl is None else min(min_ttl, ttl), name
        cname = next(
            (r for r in response.answers if r.name == name and r.rdtype == TYPES["CNAME"]), None
        )
        if cname is None:
            return [], min_ttl or 0, name
        min_ttl = cname.ttl if min_ttl is None else min(min_ttl, cname.ttl)
        name = cname.data
    raise WireError("CNAME chain longer than 16 links (a loop?)")


def negative_ttl(response: Response) -> int:
    """RFC 2308: min(SOA TTL, SOA minimum) from the authority section; none without an SOA."""
    for record in response.authority:
        if record.rdtype == TYPES["SOA"]:
            return min(record.ttl, record.soa_minimum)
    return DEFAULT_NEGATIVE_TTL

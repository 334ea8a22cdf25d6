"""SPF macros (RFC 7208 §7): parsing macro-strings and expanding them for one check."""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from dataclasses import dataclass

LETTERS = "slodiphcrtv"
EXP_ONLY = "crt"  # allowed only in explanation text
DELIMITERS = ".-+,/_="
_MACRO = re.compile(r"%\{([A-Za-z])([0-9]*)(r?)([.\-+,/_=]*)\}", re.IGNORECASE)
_LITERAL = re.compile(r"[\x21-\x24\x26-\x7e]")


class MacroError(ValueError):
    """A macro-string outside the grammar."""


@dataclass(frozen=True)
class Macro:
    letter: str  # lower case
    keep: int | None  # keep the right-most N parts
    reverse: bool
    delimiters: str
    escape: bool  # an upper-case letter: URL-escape the result

    @property
    def text(self) -> str:
        letter = self.letter.upper() if self.escape else self.letter
        keep = "" if self.keep is None else str(self.keep)
        return f"%{{{letter}{keep}{'r' if self.reverse else ''}{self.delimiters}}}"


Part = str | Macro


@functools.lru_cache(maxsize=4096)
def parse_macro_string(text: str, *, explanation: bool = False) -> tuple[Part, ...]:
    """Literal text and macros; `%%`, `%_` and `%-` become their characters. In explanation
    text (`explanation=True`) spaces and the letters c, r, t are allowed too. (Remembered:
    a run reads the same terms for many senders.)"""
    parts: list[Part] = []
    literal = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            following = text[i + 1 : i + 2]
            if following in ("%", "_", "-"):
                literal.append({"%": "%", "_": " ", "-": "%20"}[following])
                i += 2
                continue
            match = _MACRO.match(text, i)
            if match is None:
                raise MacroError(f"bad macro at `{text[i : i + 12]}`")
            letter, digits, reverse, delimiters = match.groups()
            if letter.lower() not in LETTERS:
                raise MacroError(f"unknown macro letter `{letter}`")
            if letter.lower() in EXP_ONLY and not explanation:
                raise MacroError(f"macro `%{{{letter}}}` is allowed only in explanations")
            if digits and int(digits) == 0:
                raise MacroError("a macro cannot keep zero parts")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(
                Macro(
                    letter.lower(),
                    int(digits) if digits else None,
                    bool(reverse),
                    delimiters,
                    letter.isupper(),
                )
            )
            i = match.end()
            continue
        if not (_LITERAL.match(char) or (explanation and char == " ")):
            raise MacroError(f"character {char!r} is not allowed here")
        literal.append(char)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


@dataclass(frozen=True)
class Context:
    """What the macros of one check refer to (§7.2)."""

    sender: str  # local@domain (local part `postmaster` when empty)
    domain: str  # the current domain, <domain> of check_host
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str
    validated: str = "unknown"  # %{p}, when known
    receiver: str = "unknown"

    def value(self, letter: str) -> str:
        local, _, sender_domain = self.sender.rpartition("@")
        if letter == "s":
            return self.sender
        if letter == "l":
            return local
        if letter == "o":
            return sender_domain
        if letter == "d":
            return self.domain
        if letter == "i":
            return dotted(self.ip)
        if letter == "p":
            return self.validated
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "c":
            return str(self.ip)
        if letter == "r":
            return self.receiver
        return str(int(time.time()))  # t


def dotted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """%{i}: IPv4 dotted quad; IPv6 as dot-separated nibbles (§7.3), in upper case as the
    RFC 7208 test suite and pyspf write them (DNS names compare without case)."""
    if ip.version == 4:
        return str(ip)
    return ".".join(f"{int(ip):032X}")


def expand(parts: tuple[Part, ...], context: Context) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = context.value(part.letter)
        pieces = re.split("[" + re.escape(part.delimiters or ".") + "]", value)
        if part.reverse:
            pieces.reverse()
        if part.keep is not None:
            pieces = pieces[-part.keep :]
        value = ".".join(pieces)
        if part.escape:
            from urllib.parse import quote

            value = quote(value, safe="-._~")
        out.append(value)
    return "".join(out)


def uses(parts: tuple[Part, ...], letters: str) -> bool:
    return any(isinstance(p, Macro) and p.letter in letters for p in parts)

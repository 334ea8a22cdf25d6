"""Sender-domain profiles (spec §7): how an ESP sends for an author domain — its bounce host
(the MAIL FROM of sends without `envelope`), its DKIM selectors and signing domain, and the
hosts it sends from. Validated and normalized once, when settings are made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aligncheck.spelling import key_hint

PROFILE_KEYS = ("bounce-host", "dkim-selectors", "dkim-domain", "ips")


@dataclass(frozen=True)
class SenderDomain:
    domain: str
    bounce_host: str | None = None
    dkim_selectors: tuple[str, ...] = ()
    dkim_domain: str | None = None  # d= when it is not the sender domain itself
    ips: tuple[str, ...] = ()

    @property
    def signing_domain(self) -> str:
        return self.dkim_domain or self.domain


def domain(value: object, key: str) -> str:
    """A configured domain in normalized A-label form; ValueError naming the key."""
    from aligncheck.addresses import AddressError, address_domain, without_root

    if not isinstance(value, str):
        raise ValueError(f"`{key}` must be a domain name, not {value!r}")
    try:
        return address_domain(without_root(value))
    except AddressError as exc:
        raise ValueError(f"`{key}`: {exc}") from None


def hosts(values: Iterable[object], key: str) -> tuple[str, ...]:
    """IP addresses or networks (`192.0.2.0/28`, `2001:db8::/64`), normalized."""
    import ipaddress

    found = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            raise ValueError(f"`{key}`: `{value}` is not an IP address or network") from None
        single = network.prefixlen == network.max_prefixlen
        found.append(str(network.network_address) if single else str(network))
    return tuple(found)


def sender_domains(table: Mapping[str, Any]) -> tuple[SenderDomain, ...]:
    """`[sender-domains."example.com"]` tables -> profiles; ValueError naming the key."""
    profiles = []
    for name, raw in table.items():
        where = f'sender-domains."{name}"'
        if not isinstance(raw, Mapping):
            raise ValueError(f"`{where}` must be a table")
        unknown = sorted(set(raw) - set(PROFILE_KEYS))
        if unknown:
            hint = key_hint(unknown[0], PROFILE_KEYS)
            raise ValueError(f"`{where}`: unknown key `{unknown[0]}` ({hint})")
        selectors = raw.get("dkim-selectors", [])
        if not isinstance(selectors, list) or not all(
            isinstance(s, str) and s.strip() for s in selectors
        ):
            raise ValueError(f"`{where}.dkim-selectors` must be a list of selector names")
        ips = raw.get("ips", [])
        if not isinstance(ips, list):
            raise ValueError(f"`{where}.ips` must be a list of IP addresses or networks")
        bounce = raw.get("bounce-host")
        signing = raw.get("dkim-domain")
        profiles.append(
            SenderDomain(
                domain(name, where),
                domain(bounce, f"{where}.bounce-host") if bounce is not None else None,
                tuple(s.strip().lower() for s in selectors),
                domain(signing, f"{where}.dkim-domain") if signing is not None else None,
                hosts(ips, f"{where}.ips"),
            )
        )
    return tuple(profiles)


def profile_for(
    profiles: tuple[SenderDomain, ...], author_domain: str | None
) -> SenderDomain | None:
    return next((p for p in profiles if p.domain == author_domain), None)

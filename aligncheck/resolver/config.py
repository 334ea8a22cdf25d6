"""Where lookups go: `--nameserver` values, or the system's resolver file with its options.

The resolver file is read by dnspython (`nameserver`, `options timeout: rotate edns0`); the
`attempts:` option, which dnspython ignores, is read here. `ALIGNCHECK_RESOLV_CONF` names
another file (tests, containers with an unusual layout).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from aligncheck.errors import AligncheckError

DEFAULT_TRY_TIMEOUT = 2.0  # dnspython's and most stub resolvers' wait for one try
DEFAULT_ATTEMPTS = 2  # glibc's default
MAX_ATTEMPTS = 5  # glibc's cap
MAX_TRY_TIMEOUT = 30.0  # glibc's cap
RESOLV_CONF_ENV = "ALIGNCHECK_RESOLV_CONF"


class NameserverError(AligncheckError, ValueError):
    """A `--nameserver` value or `nameservers` key that is not HOST[:PORT]."""


class ResolverConfigError(AligncheckError):
    """No usable resolver configuration: the run stops with one line (exit 2)."""


@dataclass(frozen=True)
class ResolverConfig:
    """How a run asks DNS: the nameservers given (empty: the system's resolver file), the
    limit for one question (all tries included), how many questions may be in flight, and
    whether the persistent cache is used."""

    nameservers: tuple[str, ...] = ()
    timeout: float = 5.0
    concurrency: int = 256
    cache: bool = False


@dataclass(frozen=True)
class Servers:
    """The servers to ask and how: each question gets at most `attempts` x servers tries of
    at most `try_timeout` each, within the question's own limit."""

    addresses: tuple[tuple[str, int], ...]
    try_timeout: float = DEFAULT_TRY_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    rotate: bool = False
    edns: bool = False


_HOST_PORT = re.compile(
    r"^\[(?P<v6>[0-9A-Fa-f:.]+)\](?::(?P<v6port>\d+))?$|^(?P<host>[^:\[\]]+)(?::(?P<port>\d+))?$"
)
_HOSTNAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


def parse_nameserver(text: str) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `IPV6` or `[IPV6]:PORT` -> (host, port). HOST is an IP address or
    a host name (resolved by the operating system when the run asks DNS)."""
    text = text.strip()
    if text.count(":") > 1 and not text.startswith("["):
        host, port = text, 53  # a bare IPv6 address
    else:
        match = _HOST_PORT.match(text)
        if match is None:
            raise NameserverError(
                f"invalid nameserver `{text}` (use HOST, HOST:PORT or [IPV6]:PORT)"
            )
        host = match.group("v6") or match.group("host")
        port_text = match.group("v6port") or match.group("port")
        port = int(port_text) if port_text else 53
    if not _is_ip(host) and (":" in host or _HOSTNAME.match(host) is None):
        raise NameserverError(f"nameserver `{text}` is neither an IP address nor a host name")
    if not 0 < port < 65536:
        raise NameserverError(f"nameserver `{text}`: port {port} is out of range")
    return host, port


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def _addresses(host: str, port: int) -> list[tuple[str, int]]:
    """An IP address as it is; a host name through the operating system (hosts file first)."""
    if _is_ip(host):
        return [(host, port)]
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise ResolverConfigError(f"nameserver `{host}` cannot be resolved: {exc}") from None
    found: list[tuple[str, int]] = []
    for info in infos:
        address = (str(info[4][0]), port)
        if address not in found:
            found.append(address)
    return found


def servers(config: ResolverConfig) -> Servers:
    """The servers a run asks; raises ResolverConfigError when there are none to ask."""
    if config.nameservers:
        addresses: list[tuple[str, int]] = []
        for text in config.nameservers:
            for address in _addresses(*parse_nameserver(text)):
                if address not in addresses:
                    addresses.append(address)
        return Servers(tuple(addresses))
    return system_servers(os.environ.get(RESOLV_CONF_ENV) or "/etc/resolv.conf")


def system_servers(path: str) -> Servers:
    """The nameservers and options of a resolver file, read by dnspython (plus `attempts:`)."""
    import dns.exception
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(filename=path, configure=True)
    except dns.resolver.NoResolverConfiguration:
        raise ResolverConfigError(
            f"no nameserver in {path} (use --nameserver or the `nameservers` key)"
        ) from None
    except ValueError:
        bad = next((ns for ns in _nameserver_lines(path) if not _is_ip(ns)), "?")
        raise ResolverConfigError(
            f"{path}: nameserver `{bad}` is not an IP address (a resolver file names servers "
            "by address, on port 53)"
        ) from None
    except dns.exception.DNSException as exc:
        raise ResolverConfigError(f"{path} cannot be used: {exc}") from None
    attempts = DEFAULT_ATTEMPTS
    for option in _options(path):
        name, _, value = option.partition(":")
        if name == "attempts" and value.isdigit():
            attempts = min(max(int(value), 1), MAX_ATTEMPTS)
    addresses = tuple((str(ns), 53) for ns in resolver.nameservers)
    return Servers(
        addresses,
        try_timeout=min(max(float(resolver.timeout), 0.1), MAX_TRY_TIMEOUT),
        attempts=attempts,
        rotate=bool(resolver.rotate),
        edns=resolver.edns >= 0,
    )


def _lines(path: str) -> list[list[str]]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return [line.split() for line in handle if line[:1] not in ("#", ";")]
    except OSError:
        return []


def _nameserver_lines(path: str) -> list[str]:
    return [tokens[1] for tokens in _lines(path) if len(tokens) > 1 and tokens[0] == "nameserver"]


def _options(path: str) -> list[str]:
    return [o for tokens in _lines(path) if tokens[:1] == ["options"] for o in tokens[1:]]

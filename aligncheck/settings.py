"""Settings: everything a run depends on, filled by the CLI, a config file or the Python API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aligncheck.findings import Severity
from aligncheck.parsing import Limits
from aligncheck.sources import DEFAULT_INCLUDE

if TYPE_CHECKING:
    from aligncheck.profiles import SenderDomain

ORG_MODELS = ("rfc7489", "rfc9989")  # the two organizational-domain models (spec §2)
MODEL_CHOICES = (*ORG_MODELS, "both")


def models_in_force(model: str) -> tuple[str, ...]:
    return ORG_MODELS if model == "both" else (model,)


@dataclass(frozen=True)
class Settings:
    # rule selection and severities
    select: tuple[str, ...] = ("AC",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    # exit status
    fail_on: Severity = Severity.ERROR
    exit_zero: bool = False
    # output
    output_format: str = "text"
    output_file: str | None = None
    fix: bool = False  # apply the safe fixes in place
    diff: bool = False  # print the safe fixes as a diff
    baseline: str | None = None  # report only findings this file does not hold
    write_baseline: str | None = None  # record the findings there instead of reporting
    statistics: bool = False
    color: str = "auto"
    quiet: bool = False
    # DNS
    model: str = "both"
    nameservers: tuple[str, ...] = ()
    dns_timeout: float = 5.0
    offline: bool = False
    psl_private: bool = True
    concurrency: int = 256
    cache: bool = True  # the persistent DNS cache (honours TTLs)
    snapshot: str | None = None
    # organization policies (rule options)
    require_strict_alignment: bool = False
    envelope_domains: tuple[str, ...] = ()
    # sender-domain profiles and the ESP (spec §7)
    esp_spf: tuple[str, ...] = ("smtpeter.com",)
    sending_ips: tuple[str, ...] = ()
    sender_ips: tuple[str, ...] = ()  # --sender-ip: replaces every profile's and sending-ips
    sender_domains: tuple[SenderDomain, ...] = ()
    # files
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    skip_non_send_files: bool = False  # named files holding no send are skipped (pre-commit)
    stdin_filename: str | None = None
    limits: Limits = field(default_factory=Limits)
    config_dir: str | None = None  # globs in the config are relative to it
    config_file: str | None = None  # the configuration file these settings come from

    def __post_init__(self) -> None:
        """A single string where a list is expected is one item (`Settings(ignore="AC404")`);
        allowed envelope domains are normalized like every domain (ValueError if invalid)."""
        lists = ("select", "ignore", "nameservers", "envelope_domains", "include", "exclude")
        for name in (*lists, "esp_spf", "sending_ips", "sender_ips"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
        if self.envelope_domains:
            object.__setattr__(
                self, "envelope_domains", normalize_allowed_domains(self.envelope_domains)
            )
        if self.esp_spf == ("smtpeter.com",) and not (
            self.sending_ips or self.sender_ips or self.sender_domains
        ):
            return
        from aligncheck import profiles

        if self.esp_spf != ("smtpeter.com",):
            esp = tuple(profiles.domain(name, "esp-spf") for name in self.esp_spf)
            object.__setattr__(self, "esp_spf", esp)
        for name, key in (("sending_ips", "sending-ips"), ("sender_ips", "--sender-ip")):
            if getattr(self, name):
                object.__setattr__(self, name, profiles.hosts(getattr(self, name), key))
        if isinstance(self.sender_domains, Mapping):
            object.__setattr__(self, "sender_domains", profiles.sender_domains(self.sender_domains))

    def profile(self, author_domain: str | None) -> SenderDomain | None:
        """The sender-domain profile of an author domain, if one is configured."""
        return next((p for p in self.sender_domains if p.domain == author_domain), None)

    def hosts_for(self, profile: SenderDomain | None) -> tuple[str, ...]:
        """The hosts a send of this profile leaves from: `--sender-ip`, else the profile's
        `ips`, else `sending-ips` (empty: unknown)."""
        if self.sender_ips:
            return self.sender_ips
        if profile is not None and profile.ips:
            return profile.ips
        return self.sending_ips


def normalize_allowed_domains(domains: tuple[str, ...]) -> tuple[str, ...]:
    """`envelope-domains` in A-label form; raises ValueError naming an invalid entry."""
    from aligncheck.addresses import AddressError, normalize_domain, without_root

    normalized = []
    for domain in domains:
        try:
            value = normalize_domain(without_root(domain))
        except AddressError as exc:
            raise ValueError(f"`envelope-domains`: {exc}") from None
        if "." not in value:
            raise ValueError(f"`envelope-domains`: `{domain}` is a single label, not a domain")
        normalized.append(value)
    return tuple(normalized)

"""Every setting declared once: its `Settings` field, its configuration key and command-line
flag (either may be absent), its type and limits, and its help.

The click options of every command and the validation of configuration files are both
generated from `OPTIONS`; `Settings` holds the only defaults. Values are read
in one order: defaults, then the closest configuration file, then the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aligncheck.findings import Severity
from aligncheck.report import REPORTERS
from aligncheck.settings import MODEL_CHOICES as MODELS

SEVERITIES = ("error", "warning", "info")
COLORS = ("auto", "always", "never")
FORMATS = tuple(REPORTERS)

CHECK = frozenset({"check", "audit"})  # `audit` runs a check and lays it out otherwise
REPORT = frozenset({"check"})  # the finding list's own output options
DNS = frozenset({"check", "audit", "explain", "snapshot", "spf"})
LIVE_DNS = frozenset({"check", "audit", "explain", "spf"})
CHECK_SPF = frozenset({"check", "audit", "explain", "spf"})


class OptionError(ValueError):
    """A value that does not fit its option; the message says what it must be."""


@dataclass(frozen=True)
class Option:
    field: str  # the Settings field
    help: str
    kind: str = "str"  # str, path, bool, flag, int, float, choice, list, severity, table
    key: str | None = ""  # configuration key ("" -> derived from field; None -> CLI only)
    flags: tuple[str, ...] | None = ()  # command-line flags (() -> derived; None -> file only)
    commands: frozenset[str] = CHECK
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    metavar: str | None = None
    split_commas: bool = False  # `--select AC3,AC4` as well as repeated options

    @property
    def config_key(self) -> str | None:
        return self.field.replace("_", "-") if self.key == "" else self.key

    @property
    def cli_flags(self) -> tuple[str, ...]:
        if self.flags is None:
            return ()
        if self.flags:
            return self.flags
        return (f"--{self.field.replace('_', '-')}",)

    def expected(self) -> str:
        """What a value must be, for error messages."""
        if self.kind in ("choice", "severity"):
            return " or ".join(self.choices or SEVERITIES)
        if self.kind in ("int", "float") and self.low is not None:
            unit = "a whole number" if self.kind == "int" else "a number"
            return f"{unit} from {self.low:g} to {self.high:g}"
        return {
            "str": "a string",
            "path": "a file name",
            "bool": "true or false",
            "flag": "true or false",
            "list": "a list of strings",
            "table": "a table",
        }.get(self.kind, self.kind)

    def convert(self, value: Any) -> Any:
        """A value as the Settings field holds it; OptionError if it does not fit.
        Command-line values pass through click's types first, then through here."""
        if not self._fits(value):
            raise OptionError(f"must be {self.expected()}, not {value!r}")
        if self.kind == "severity":
            return value if isinstance(value, Severity) else Severity.parse(value)
        if self.kind == "float":
            return float(value)
        if self.kind == "list":
            return tuple(value)
        return value

    def _fits(self, value: Any) -> bool:
        kind = self.kind
        if kind in ("bool", "flag"):
            return isinstance(value, bool)
        if kind in ("str", "path"):
            return isinstance(value, str) and bool(value)
        if kind == "choice":
            return value in self.choices
        if kind == "severity":
            return isinstance(value, Severity) or value in SEVERITIES
        if kind in ("int", "float"):
            types = (int,) if kind == "int" else (int, float)
            if not isinstance(value, types) or isinstance(value, bool):
                return False
            return (self.low is None or value >= self.low) and (
                self.high is None or value <= self.high
            )
        if kind == "list":
            return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        return kind == "table" and isinstance(value, dict)


OPTIONS: tuple[Option, ...] = (
    # rule selection and severities
    Option(
        "select",
        "Rules to enable: codes, prefixes (AC4) or names.",
        "list",
        split_commas=True,
    ),
    Option("ignore", "Rules to disable: codes, prefixes or names.", "list", split_commas=True),
    Option("per_file_ignores", "Rules ignored per glob.", "table", flags=None),
    Option("severity", "Severity per rule.", "table", flags=None),
    # exit status
    Option(
        "fail_on",
        "Exit 1 when a finding has at least this severity.",
        "severity",
        choices=SEVERITIES,
    ),
    Option("exit_zero", "Exit 0 even when there are findings.", "flag"),
    # output
    Option(
        "output_format",
        "Output format.",
        "choice",
        key="format",
        flags=("--format",),
        choices=FORMATS,
        commands=REPORT,
    ),
    Option("output_file", "Write the report here.", "path", flags=("-o", "--output-file")),
    Option(
        "fix",
        "Apply the safe fixes in place, then report what remains (`-`: the fixed text on "
        "stdout, the report on stderr).",
        "flag",
        key=None,
        commands=REPORT,
    ),
    Option(
        "diff",
        "Print the safe fixes as a unified diff and change nothing (exit 1 when there is one).",
        "flag",
        key=None,
        commands=REPORT,
    ),
    Option(
        "baseline",
        "Report only findings this baseline file does not hold (see --write-baseline).",
        "path",
        commands=REPORT,
        metavar="FILE",
    ),
    Option(
        "write_baseline",
        "Record today's findings in this baseline file and exit 0.",
        "path",
        key=None,
        commands=REPORT,
        metavar="FILE",
    ),
    Option(
        "statistics", "Text format: counts per rule, not each finding.", "flag", commands=REPORT
    ),
    Option(
        "color",
        "Colour the text output (auto: on a terminal, unless NO_COLOR is set).",
        "choice",
        commands=REPORT,
        choices=COLORS,
    ),
    Option(
        "quiet",
        "Text format: print the findings only, no summary line or notes.",
        "flag",
        flags=("-q", "--quiet"),
        commands=REPORT,
    ),
    # DNS
    Option(
        "model",
        "Organizational-domain model: RFC 7489 (PSL), RFC 9989 (DNS tree walk) or both.",
        "choice",
        commands=LIVE_DNS,
        choices=MODELS,
    ),
    Option(
        "nameservers",
        "Ask this nameserver (repeatable; [::1]:5353 for IPv6). Default: the system's.",
        "list",
        flags=("--nameserver",),
        commands=DNS,
        metavar="HOST[:PORT]",
    ),
    Option(
        "dns_timeout",
        "Time limit for one question, every try included.",
        "float",
        commands=DNS,
        low=0.1,
        high=120,
        metavar="SECONDS",
    ),
    Option("offline", "No DNS: skip the rules that need it.", "flag"),
    Option(
        "psl_private",
        "Include the PRIVATE section of the Public Suffix List (RFC 7489 model).",
        "bool",
        commands=DNS,
    ),
    Option(
        "cache",
        "Keep DNS answers between runs, as long as their TTLs allow.",
        "bool",
        commands=LIVE_DNS,
    ),
    Option(
        "concurrency",
        "DNS lookups in flight at once (fewer if the open-file limit allows fewer sockets).",
        "int",
        commands=DNS,
        low=1,
        high=4096,
    ),
    Option(
        "snapshot",
        "Take DNS answers from this snapshot: no network at all.",
        "path",
        commands=LIVE_DNS,
        metavar="FILE",
    ),
    # organization policies (rule options)
    Option(
        "require_strict_alignment",
        "Judge every send in strict mode, whatever `aspf` says (AC301, AC304).",
        "bool",
        flags=None,
    ),
    Option(
        "envelope_domains",
        "The domains envelopes must lie at or below (AC306; the examples use example.com).",
        "list",
        flags=None,
    ),
    # sender-domain profiles and the ESP (spec §7)
    Option(
        "esp_spf",
        "Names the MAIL FROM domain's SPF must reach (include/redirect) while no sending host "
        "is known.",
        "list",
        commands=CHECK_SPF,
        metavar="DOMAIN",
    ),
    Option(
        "sending_ips",
        "Hosts (addresses or networks) the ESP sends from, for every sender domain.",
        "list",
        flags=None,
    ),
    Option(
        "sender_ips",
        "A host the sends leave from (repeatable): replaces every profile's `ips` and "
        "`sending-ips`.",
        "list",
        key=None,
        flags=("--sender-ip",),
        commands=frozenset({"check", "audit", "explain"}),
        metavar="IP",
    ),
    Option(
        "sender_domains",
        "Sender-domain profiles: bounce-host, dkim-selectors, dkim-domain, ips per domain.",
        "table",
        flags=None,
    ),
    # files
    Option(
        "max_file_size",
        "Largest file read, in bytes.",
        "int",
        flags=None,
        low=1,
        high=2**40,
    ),
    Option("include", "Glob patterns of the files directories expand to.", "list", flags=None),
    Option("exclude", "Glob patterns of files never checked.", "list", flags=None),
    Option("respect_gitignore", "Skip files .gitignore names.", "bool", flags=None),
    Option(
        "force_exclude",
        "Apply exclude patterns and .gitignore to files named explicitly too (pre-commit).",
        "flag",
    ),
    Option(
        "skip_non_send_files",
        "Skip named files that hold no send, unless they plainly try to be send files "
        "(pre-commit passes every YAML/JSON file).",
        "flag",
    ),
    Option("stdin_filename", "The name to report for `-` (stdin).", "str", key=None),
)

BY_FIELD: dict[str, Option] = {option.field: option for option in OPTIONS}
BY_KEY: dict[str, Option] = {o.config_key: o for o in OPTIONS if o.config_key is not None}
PATH_FIELDS = frozenset(o.field for o in OPTIONS if o.kind == "path")


def click_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding the options of `command` to a click command. Every default is
    None: a value is passed on only when the user gave it, so the configuration file and
    then `Settings` supply the rest."""
    import click

    from aligncheck.settings import Settings

    defaults = Settings()

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(OPTIONS):
            if command not in option.commands or not option.cli_flags:
                continue
            shown = _shown(getattr(defaults, option.field))
            help_text = f"{option.help}  [default: {shown}]" if shown else option.help
            kwargs: dict[str, Any] = {"help": help_text, "default": None}
            if option.kind == "flag":
                kwargs["is_flag"] = True
            elif option.kind == "bool":
                name = option.cli_flags[0][2:]
                decls: tuple[str, ...] = (f"--{name}/--no-{name}",)
                function = click.option(*decls, option.field, **kwargs)(function)
                continue
            elif option.kind == "list":
                kwargs["multiple"] = True
            elif option.kind in ("choice", "severity"):
                kwargs["type"] = click.Choice(option.choices)
            elif option.kind == "float":
                kwargs["type"] = click.FloatRange(option.low, option.high)
            elif option.kind == "int":
                kwargs["type"] = click.IntRange(
                    int(option.low) if option.low is not None else None,
                    int(option.high) if option.high is not None else None,
                )
            elif option.kind == "path":
                kwargs["type"] = click.Path(dir_okay=False)
            if option.metavar:
                kwargs["metavar"] = option.metavar
            function = click.option(*option.cli_flags, option.field, **kwargs)(function)
        return function

    return decorate


def _shown(default: Any) -> str:
    """A default as `--help` shows it ("" for none worth showing)."""
    if isinstance(default, bool):
        return "on" if default else ""
    if isinstance(default, float):
        return f"{default:g}"
    return str(default) if default not in (None, ()) else ""


def from_command_line(params: Mapping[str, Any]) -> dict[str, Any]:
    """The settings the user gave on the command line (absent ones are left out)."""
    values: dict[str, Any] = {}
    for name, value in params.items():
        option = BY_FIELD.get(name)
        if option is None or value is None or value == ():
            continue
        if option.kind == "list":
            items = tuple(value)
            if option.split_commas:
                items = tuple(p.strip() for v in items for p in v.split(",") if p.strip())
            value = items
        values[name] = option.convert(value)
    return values


def config_form(settings_values: Mapping[str, Any]) -> list[str]:
    """Settings as the lines of a configuration file (TOML), in the order of `OPTIONS`."""
    lines = []
    for option in OPTIONS:
        key = option.config_key
        if key is None or option.field not in settings_values:
            continue
        value = settings_values[option.field]
        if value is None:
            lines.append(f"# {key} is not set")
        elif option.field == "sender_domains":
            lines += _profiles(key, value)
        elif option.kind == "table":
            pairs = ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value)
            lines.append(f"{key} = {{ {pairs} }}" if pairs else f"{key} = {{}}")
        else:
            lines.append(f"{key} = {_toml(value)}")
    return lines


def _profiles(key: str, profiles: Any) -> list[str]:
    """Sender-domain profiles as inline tables, one line each."""
    if not profiles:
        return [f"{key} = {{}}"]
    lines = []
    for p in profiles:
        pairs = [("bounce-host", p.bounce_host), ("dkim-selectors", p.dkim_selectors)]
        pairs += [("dkim-domain", p.dkim_domain), ("ips", p.ips)]
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in pairs if v not in (None, ()))
        lines.append(f"{key}.{_toml(p.domain)} = {{ {inner} }}")
    return lines


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Severity):
        return json.dumps(str(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)

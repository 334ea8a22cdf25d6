"""Configuration files: `[tool.aligncheck]` in pyproject.toml, or `.aligncheck.toml`.

The closest file to a checked file wins (no merging between files); in one directory
`.aligncheck.toml` wins over `pyproject.toml`, and a pyproject.toml without the table is
skipped. Command-line values override the file. Unknown keys and bad values are a
`ConfigError`: one line naming the file and the key, exit status 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from aligncheck.errors import AligncheckError
from aligncheck.findings import Severity
from aligncheck.options import BY_KEY, OptionError, config_form
from aligncheck.parsing import Limits
from aligncheck.plan import RunPlan
from aligncheck.selection import SelectorError, normalize_selector, rule_hint
from aligncheck.settings import Settings
from aligncheck.sources import SourceError, Target, expand_paths
from aligncheck.spelling import key_hint

FILENAMES = (".aligncheck.toml", "pyproject.toml")


class ConfigError(AligncheckError):
    """A configuration file that cannot be used; the message names the file and key."""


def find_config(start: Path) -> Path | None:
    """The closest configuration file at or above `start` (a directory)."""
    return _find(start.resolve())


@cache
def _find(directory: Path) -> Path | None:
    for name in FILENAMES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
            return candidate
    if directory.parent == directory:
        return None
    return _find(directory.parent)


def _has_table(path: Path) -> bool:
    try:
        data = _toml(path)
    except ConfigError:
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "aligncheck" in tool


@cache
def _toml(path: Path) -> dict[str, Any]:
    """A TOML file, read and parsed once per run however often it is asked for (the TOML
    parser is loaded only then: most runs of a pre-commit hook find no configuration file)."""
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


@cache
def read_config(path: Path) -> dict[str, Any]:
    """The validated settings of one file, as Settings field → value."""
    data = _toml(path)
    table: Any = data
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("aligncheck", {})
    elif isinstance(data.get("tool"), dict) and "aligncheck" in data["tool"]:
        table = data["tool"]["aligncheck"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.aligncheck] must be a table")
    return _validate(path, table)


def _validate(path: Path, table: Mapping[str, Any]) -> dict[str, Any]:
    """Configuration keys -> Settings fields, each value checked by its option."""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        option = BY_KEY.get(key)
        if option is None:
            hint = key_hint(key.replace("_", "-"), sorted(BY_KEY), cutoff=0.75)
            raise ConfigError(f"{path}: unknown key `{key}` ({hint})")
        try:
            value = option.convert(raw)
        except OptionError as exc:
            raise ConfigError(f"{path}: `{key}` {exc}") from None
        if option.kind == "path":
            value = str((path.parent / value).resolve())
        values[option.field] = value
    for key in ("select", "ignore"):
        for token in values.get(key, ()):
            _selector(path, key, token)
    if "per_file_ignores" in values:
        values["per_file_ignores"] = _per_file_ignores(path, values["per_file_ignores"])
    if "severity" in values:
        values["severity"] = _severities(path, values["severity"])
    for field_name in ("esp_spf", "sending_ips", "sender_domains"):
        if field_name in values:
            try:
                values[field_name] = getattr(
                    Settings(**{field_name: values[field_name]}), field_name
                )
            except ValueError as exc:
                raise ConfigError(f"{path}: {exc}") from None
    if "envelope_domains" in values:
        from aligncheck.settings import normalize_allowed_domains

        try:
            values["envelope_domains"] = normalize_allowed_domains(values["envelope_domains"])
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    if "nameservers" in values:
        from aligncheck.resolver import NameserverError, parse_nameserver

        for server in values["nameservers"]:
            try:
                parse_nameserver(server)
            except NameserverError as exc:
                raise ConfigError(f"{path}: `nameservers`: {exc}") from None
    return values


def _selector(path: Path, key: str, token: str) -> str:
    try:
        return normalize_selector(token)
    except SelectorError as exc:
        raise ConfigError(f"{path}: `{key}`: {exc}") from None


def _per_file_ignores(path: Path, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: `per-file-ignores` must be a table of glob = [codes]")
    result = []
    for glob, codes in raw.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: `per-file-ignores.{glob}` must be a list of rule codes")
        for token in codes:
            _selector(path, f"per-file-ignores.{glob}", token)
        result.append((glob, tuple(codes)))
    return tuple(result)


def _severities(path: Path, raw: Any) -> tuple[tuple[str, Severity], ...]:
    from aligncheck.rules import rule_for

    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: `severity` must be a table of code = level")
    result = []
    for code, level in raw.items():
        rule = rule_for(code)
        if rule is None:
            raise ConfigError(f"{path}: `severity`: unknown rule `{code}`{rule_hint(code)}")
        try:
            result.append((rule.code, Severity.parse(str(level))))
        except ValueError as exc:
            raise ConfigError(f"{path}: `severity.{code}`: {exc}") from None
    return tuple(result)


def settings_for(
    config_file: Path | None, overrides: Mapping[str, Any], base: Settings | None = None
) -> Settings:
    """Settings from defaults, then the file, then command-line overrides."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(read_config(config_file))
        values["config_dir"] = str(config_file.parent.resolve())
        values["config_file"] = str(config_file)
    values.update(overrides)
    if "max_file_size" in values:
        values["limits"] = Limits(max_bytes=values.pop("max_file_size"))
    try:
        return replace(base or Settings(), **values)
    except ValueError as exc:  # a command-line value (file values were checked on reading)
        raise ConfigError(f"command line: {exc}") from None


def plan_run(
    paths: Sequence[str],
    overrides: Mapping[str, Any],
    config_file: Path | None = None,
    isolated: bool = False,
) -> RunPlan:
    """Group the files the paths name by the configuration that governs each."""
    from aligncheck.engine import file_filter

    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    for remembered in (_find, _toml, read_config):  # from an earlier run in this process:
        remembered.cache_clear()  # the files may have changed since

    found: dict[Path, Path | None] = {}

    def config_at(directory: Path) -> Path | None:
        """The file governing `directory` (resolved once per directory named: a large
        run's files mostly share a few)."""
        if config_file is not None:
            return config_file
        if isolated:
            return None
        if directory not in found:
            found[directory] = find_config(directory)
        return found[directory]

    resolved: dict[Path | None, Settings] = {}

    def settings_of(config: Path | None) -> Settings:
        if config not in resolved:
            resolved[config] = settings_for(config, overrides)
        return resolved[config]

    plan = RunPlan(settings_of(config_at(Path.cwd())))
    groups: dict[Path | None, list[Target]] = {}
    for path in paths:
        if path == "-":  # governed as the file `--stdin-filename` names would be, as ruff does
            named = overrides.get("stdin_filename")
            start = Path(named).parent if named else Path.cwd()
            if named and file_filter(settings_of(config_at(start))).forced_out(named):
                plan.stdin_left_out = True
                continue
            groups.setdefault(config_at(start), []).append(Target("-", explicit=True))
            continue
        start = Path(path) if Path(path).is_dir() else Path(path).parent
        try:
            targets = list(expand_paths([path], file_filter(settings_of(config_at(start)))))
        except SourceError as exc:
            plan.errors.append(str(exc))
            continue
        for target in targets:
            groups.setdefault(config_at(Path(target.path).parent), []).append(target)
    plan.groups = [(settings_of(config), targets) for config, targets in groups.items()]
    return plan


def describe_settings(plan: RunPlan) -> str:
    """`--show-settings`: the settings in force, written as a configuration file would hold
    them: the run's own (output, exit status), then each group of files with the file that
    governs it."""
    lines = [f"# the run ({_source(plan.settings)})", *config_form(_values(plan.settings))]
    for settings, targets in plan.groups:
        lines.append(f"\n# {len(targets)} file(s) governed by {_source(settings)}:")
        lines += [f"#   {target.path}" for target in targets]
        lines += config_form(_values(settings))
    return "\n".join(lines) + "\n"


def _source(settings: Settings) -> str:
    return settings.config_file or "no configuration file: the defaults"


def _values(settings: Settings) -> dict[str, Any]:
    values = {f.name: getattr(settings, f.name) for f in fields(settings)}
    values["max_file_size"] = settings.limits.max_bytes
    return values

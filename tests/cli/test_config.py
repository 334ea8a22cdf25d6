"""Configuration: discovery (closest wins), precedence, every error message, file discovery."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from aligncheck.cli import main
from aligncheck.config import read_config

BAD = "from: a@example.com\nenvelope: b@example.com\ndsn:\n  notify: failure\n  ret: FULL\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", "--offline", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def rules_of(out: str) -> list[tuple[str, str]]:
    return [(Path(f["path"]).name, f["rule"]) for f in json.loads(out)["findings"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "a.yaml").write_text(BAD)
    return tmp_path


def test_pyproject_table_is_read(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.aligncheck]\nignore = ["AC403"]\nformat = "json"\n'
    )
    status, out, _ = run(capsys, "mail")
    assert rules_of(out) == [("a.yaml", "AC407")]
    assert status == 0


def test_each_run_reads_the_configuration_as_it_is_now(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # one process, several runs (the API, a watch loop): a file written, changed or found
    # since the last run governs the next one
    assert rules_of(run(capsys, "--format", "json", "mail")[1]) == [
        ("a.yaml", "AC403"),
        ("a.yaml", "AC407"),
    ]
    (project / ".aligncheck.toml").write_text('ignore = ["AC403"]\nformat = "json"\n')
    assert rules_of(run(capsys, "mail")[1]) == [("a.yaml", "AC407")]
    (project / ".aligncheck.toml").write_text('ignore = ["AC407"]\nformat = "json"\n')
    assert rules_of(run(capsys, "mail")[1]) == [("a.yaml", "AC403")]


def test_stdin_is_governed_by_the_configuration_of_the_file_it_is_named_as(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor pipes `mail/a.yaml` with `--stdin-filename mail/a.yaml`: the file under
    mail/ that governs the file governs the text (stdin read the working directory's, and an
    editor showed other findings than the command line)."""
    import io
    import sys

    (project / "mail" / ".aligncheck.toml").write_text('ignore = ["AC403"]\n')
    _, direct, _ = run(capsys, "--format", "json", "mail/a.yaml")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    _, piped, _ = run(capsys, "--stdin-filename", "mail/a.yaml", "--format", "json", "-")
    assert rules_of(piped) == rules_of(direct) == [("a.yaml", "AC407")]


def test_pyproject_without_the_table_is_skipped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (project / "mail" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    _status, out, _ = run(capsys, "--format", "json", "mail")
    assert rules_of(out) == [("a.yaml", "AC403"), ("a.yaml", "AC407")]


def test_closest_config_wins_without_merging(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".aligncheck.toml").write_text('ignore = ["AC403"]\nformat = "json"\n')
    (project / "mail" / ".aligncheck.toml").write_text('ignore = ["AC407"]\n')
    (project / "other").mkdir()
    (project / "other" / "b.yaml").write_text(BAD)
    _, out, _ = run(capsys, "mail", "other")
    assert rules_of(out) == [("a.yaml", "AC403"), ("b.yaml", "AC407")]


def test_aligncheck_toml_wins_over_pyproject_in_one_directory(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.aligncheck]\nignore = ["AC403"]\n')
    (project / ".aligncheck.toml").write_text('ignore = ["AC407"]\n')
    _, out, _ = run(capsys, "--format", "json", "mail")
    assert rules_of(out) == [("a.yaml", "AC403")]


def test_command_line_overrides_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".aligncheck.toml").write_text('ignore = ["AC403"]\nformat = "json"\n')
    _, out, _ = run(capsys, "--ignore", "AC407", "mail")
    assert rules_of(out) == [("a.yaml", "AC403")]
    _status, out, _ = run(capsys, "--format", "text", "mail")
    assert out.startswith("mail/a.yaml:5:8: AC407")


def test_config_option_and_isolated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".aligncheck.toml").write_text('ignore = ["AC4"]\nformat = "json"\n')
    (project / "strict.toml").write_text('format = "json"\nfail-on = "info"\n')
    status, out, _ = run(capsys, "mail")
    assert (status, rules_of(out)) == (0, [])
    status, out, _ = run(capsys, "--config", "strict.toml", "mail")
    assert (status, len(rules_of(out))) == (1, 2)
    status, out, _ = run(capsys, "--isolated", "mail")
    assert out.startswith("mail/a.yaml:4:11: AC403")


def test_severity_overrides_and_per_file_ignores(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "mail" / "legacy.yaml").write_text(BAD)
    (project / ".aligncheck.toml").write_text(
        'format = "json"\n'
        '[severity]\nAC407 = "error"\ndsn-non-canonical = "info"\n'
        '[per-file-ignores]\n"mail/legacy.yaml" = ["AC4"]\n'
    )
    status, out, _ = run(capsys, "mail")
    found = [(Path(f["path"]).name, f["rule"], f["severity"]) for f in json.loads(out)["findings"]]
    assert found == [("a.yaml", "AC403", "info"), ("a.yaml", "AC407", "error")]
    assert status == 1


def test_show_settings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".aligncheck.toml").write_text('model = "rfc9989"\nnameservers = ["127.0.0.1:53"]\n')
    status, out, _ = run(capsys, "--show-settings", "--dns-timeout", "2", "mail")
    assert status == 0
    assert 'model = "rfc9989"\n' in out
    assert "dns-timeout = 2.0\n" in out
    assert 'fail-on = "error"\n' in out
    assert "#   mail/a.yaml\n" in out
    assert f"governed by {project / '.aligncheck.toml'}:" in out
    assert "Severity." not in out and "Limits(" not in out
    # what it prints is a configuration file aligncheck reads back
    group = out[out.index("#   mail/a.yaml\n") :]
    (project / "shown.toml").write_text(group)
    shown = read_config(project / "shown.toml")
    assert shown["model"] == "rfc9989" and shown["dns_timeout"] == 2.0


def test_show_settings_needs_no_path(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--show-settings")
    assert status == 0
    assert out.startswith("# the run (")
    assert "concurrency = 256\n" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('colour = "never"\n', "unknown key `colour` (did you mean `color`?)"),
        ('fail_on = "warning"\n', "unknown key `fail_on` (did you mean `fail-on`?)"),
        ('envelope-domains = ["not a domain!"]\n', "`envelope-domains`: domain `not a domain!`"),
        ('envelope-domains = ["com"]\n', "`com` is a single label"),
        ('model = "rfc1234"\n', "`model` must be rfc7489 or rfc9989 or both"),
        ('select = "AC3"\n', "`select` must be a list"),
        ('select = ["AC999"]\n', "`select`: unknown rule selector `AC999` (see"),
        ('ignore = ["AC7O1"]\n', "unknown rule selector `AC7O1` (did you mean `AC701`?)"),
        ('ignore = ["spf-mising"]\n', "selector `spf-mising` (did you mean `spf-missing`?)"),
        ("dns-timeout = -1\n", "`dns-timeout` must be a number"),
        ('nameservers = ["dns example"]\n', "neither an IP address nor a host name"),
        ('[severity]\nAC999 = "error"\n', "`severity`: unknown rule `AC999`"),
        ('[severity]\nAC3O1 = "info"\n', "unknown rule `AC3O1` (did you mean `AC301`?)"),
        ('[severity]\nAC301 = "fatal"\n', "unknown severity"),
        ('[per-file-ignores]\n"*.yaml" = "AC3"\n', "must be a list of rule codes"),
        ("this is = not toml =\n", "invalid TOML"),
    ],
)
def test_config_errors_name_file_and_key(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (project / ".aligncheck.toml").write_text(content)
    status, _, err = run(capsys, "mail")
    assert status == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"aligncheck: error: {project / '.aligncheck.toml'}: ")
    assert message in line


def test_a_code_prefix_where_a_whole_code_belongs_gets_no_guess(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".aligncheck.toml").write_text('[severity]\nAC3 = "info"\n')
    status, _, err = run(capsys, "mail")
    assert status == 2 and err.endswith("`severity`: unknown rule `AC3`\n")


def test_missing_config_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--config", "nope.toml", "mail")
    assert status == 2 and "no such configuration file" in err


def test_include_and_exclude(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "mail" / "b.send").write_text(BAD)
    (project / "mail" / "drafts").mkdir()
    (project / "mail" / "drafts" / "c.yaml").write_text(BAD)
    (project / ".aligncheck.toml").write_text(
        'format = "json"\nselect = ["AC407"]\ninclude = ["*.yaml", "*.send"]\n'
        'exclude = ["mail/drafts"]\n'
    )
    _, out, _ = run(capsys, "mail")
    assert rules_of(out) == [("a.yaml", "AC407"), ("b.send", "AC407")]
    # a file named explicitly is checked anyway, unless --force-exclude
    _, out, _ = run(capsys, "mail/drafts/c.yaml")
    assert rules_of(out) == [("c.yaml", "AC407")]
    _status, out, _ = run(capsys, "--force-exclude", "mail/drafts/c.yaml")
    assert rules_of(out) == []


def test_gitignore_is_respected(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("generated/\n")
    (project / "mail" / "generated").mkdir()
    (project / "mail" / "generated" / "g.yaml").write_text(BAD)
    _, out, _ = run(capsys, "--format", "json", "--select", "AC407", "mail")
    assert rules_of(out) == [("a.yaml", "AC407")]
    _, out, _ = run(capsys, "--format", "json", "--select", "AC407", "mail/generated/g.yaml")
    assert rules_of(out) == [("g.yaml", "AC407")]
    _, out, _ = run(
        capsys,
        "--format",
        "json",
        "--select",
        "AC407",
        "--force-exclude",
        "mail/generated/g.yaml",
    )
    assert rules_of(out) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[sender-domains."example.com"]\nbounce-host = "not a host!"\n',
            'sender-domains."example.com".bounce-host',
        ),
        (
            '[sender-domains."example.com"]\nbounce-hots = "b.example.com"\n',
            "unknown key `bounce-hots` (did you mean `bounce-host`?)",
        ),
        (
            '[sender-domains."example.com"]\nsigning = "x"\n',
            "unknown key `signing` (known: bounce-host, dkim-selectors, dkim-domain, ips)",
        ),
        ('[sender-domains."example.com"]\nips = ["192.0.2.300"]\n', "`192.0.2.300` is not an IP"),
        (
            '[sender-domains."example.com"]\ndkim-selectors = "zero"\n',
            "dkim-selectors` must be a list",
        ),
        ('[sender-domains."brightwave"]\n', "single label"),
        ('sending-ips = ["example.com"]\n', "`sending-ips`: `example.com` is not an IP"),
        ('esp-spf = ["not a domain"]\n', "`esp-spf`"),
        # the root's dot is one dot: two are no domain
        (
            '[sender-domains."example.com"]\nbounce-host = "b.example.com.."\n',
            "ends with a dot",
        ),
    ],
)
def test_profile_errors_name_the_key(
    project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (project / ".aligncheck.toml").write_text(content)
    status, _, err = run(capsys, "mail")
    assert status == 2
    assert err.count("\n") == 1 and message in err, err


def test_a_bad_sender_ip_on_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "--sender-ip", "300.1.1.1", "mail")
    assert status == 2
    assert err.count("\n") == 1 and "`--sender-ip`: `300.1.1.1`" in err


def test_profiles_are_normalized(project: Path) -> None:
    (project / ".aligncheck.toml").write_text(
        'sending-ips = ["192.0.2.0/28", "2001:DB8::1"]\n'
        '[sender-domains."Bücher.example"]\n'
        'bounce-host = "Bounces.Bücher.example"\n'
        'dkim-selectors = ["Zero", "one"]\n'
        'ips = ["192.0.2.7/32"]\n'
    )
    values = read_config(project / ".aligncheck.toml")
    assert values["sending_ips"] == ("192.0.2.0/28", "2001:db8::1")
    [profile] = values["sender_domains"]
    assert profile.domain == "xn--bcher-kva.example"
    assert profile.bounce_host == "bounces.xn--bcher-kva.example"
    assert profile.dkim_selectors == ("zero", "one")
    assert profile.ips == ("192.0.2.7",)


def test_configured_domains_may_end_with_the_roots_dot(project: Path) -> None:
    """`bounces.example.com.` as zone files write it was refused ("ends with a dot"), while
    `explain example.com.` took it."""
    (project / ".aligncheck.toml").write_text(
        'esp-spf = ["smtpeter.com."]\n'
        'envelope-domains = ["example.com."]\n'
        '[sender-domains."Example.com."]\n'
        'bounce-host = "bounces.example.com."\n'
        'dkim-domain = "esp.example."\n'
    )
    values = read_config(project / ".aligncheck.toml")
    [profile] = values["sender_domains"]
    assert (profile.domain, profile.bounce_host, profile.dkim_domain) == (
        "example.com",
        "bounces.example.com",
        "esp.example",
    )
    assert values["esp_spf"] == ("smtpeter.com",)
    assert values["envelope_domains"] == ("example.com",)


def test_each_directory_is_looked_up_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aligncheck import config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / ".aligncheck.toml").write_text('[tool.aligncheck]\nfail-on = "info"\n')
    for number in range(5):
        (tmp_path / "brand" / f"send-{number}.yaml").write_text(BAD)
        (tmp_path / f"top-{number}.yaml").write_text(BAD)
    asked: list[Path] = []
    real = config.find_config

    def counting(start: Path) -> Path | None:
        asked.append(start)
        return real(start)

    monkeypatch.setattr(config, "find_config", counting)
    plan = config.plan_run(["."], {})
    assert sorted(len(targets) for _, targets in plan.groups) == [5, 5]
    # the working directory, `.` and `brand`: each once, not once per file
    assert len(asked) == len(set(asked)) == 3

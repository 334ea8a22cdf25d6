"""The pre-commit hooks, run for real with `pre-commit try-repo` against a temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
GOOD = "from: info@example.com\nenvelope: bounces@example.com\ndsn:\n  notify: FAILURE\n"
BAD = "from: info@example.com\nenvelope: bounces@example.com\ndsn:\n  notify: NEVER,FAILURE\n"


def pre_commit() -> list[str]:
    executable = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    return [executable] if executable else [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        env.setdefault(key, "aligncheck tests")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        env.setdefault(key, "tests@aligncheck.invalid")
    return env


def test_manifest_is_valid(environment: dict[str, str]) -> None:
    result = subprocess.run(
        [*pre_commit(), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def try_repo(
    repo: Path, environment: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo` of this checkout's offline hook in `repo`."""
    return run_pre_commit(repo, environment, "try-repo", str(ROOT), "aligncheck-offline", *args)


def run_pre_commit(
    repo: Path, environment: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pre_commit(), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=600,
    )


def test_try_repo_fails_on_bad_and_passes_on_good(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    repo = tmp_path / "configs"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "good.yaml").write_text(GOOD)
    (repo / "bad.yaml").write_text(BAD)
    (repo / "notes.txt").write_text("not a send\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    good = try_repo(repo, environment, "--files", "good.yaml", "notes.txt")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = try_repo(repo, environment, "--files", "good.yaml", "bad.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.yaml:4:11: AC400" in bad.stdout


OTHER_FILES = {
    ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks: []\n",
    ".github/workflows/ci.yml": (
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo from\n"
    ),
    "package.json": '{"name": "mail", "version": "1.0.0", "private": true}\n',
    "dns.json": '{"aligncheck_snapshot": 1, "answers": {}, "queried_at": "2026-01-01T00:00:00Z"}\n',
    "config/app.yaml": "server:\n  port: 8080\n",
}


def test_all_files_skip_what_is_not_a_send_file(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for name, text in {**OTHER_FILES, "mail/good.yaml": GOOD}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    clean = try_repo(repo, environment, "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # files that plainly try to be send files keep their findings
    (repo / "mail/broken.yaml").write_text("sends: FAILURE\n")
    (repo / "mail/almost.yaml").write_text("subject: Hello\ntext: Hi there\n")
    (repo / "mail/defaults.yaml").write_text("defaults:\n  envelope: b@example.com\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    failing = try_repo(repo, environment, "--all-files")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    for expected in (
        "broken.yaml:1:8: AC101",
        "almost.yaml:1:1: AC101",
        "defaults.yaml:1:1: AC101",
    ):
        assert expected in failing.stdout, failing.stdout
    for other in OTHER_FILES:
        assert other not in failing.stdout


def test_fix_variant_modifies_the_files_and_passes_next_time(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    """The README's `args: [--fix]` hook: pre-commit fails the run, names the modified file,
    and the next run passes. The hook comes from this checkout's committed HEAD."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = tmp_path / "project"
    (repo / "mail").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "mail" / "a.yaml").write_text(GOOD.replace("FAILURE", "failure  # keep me"))
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n"
        "      - id: aligncheck-offline\n        args: [--fix]\n"
    )
    subprocess.run(["git", "add", "."], cwd=repo, check=True)

    first = run_pre_commit(repo, environment, "run", "--all-files")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout, first.stdout
    assert (repo / "mail" / "a.yaml").read_text() == GOOD.replace("FAILURE", "FAILURE  # keep me")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    second = run_pre_commit(repo, environment, "run", "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr

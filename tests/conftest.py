import datetime as dt
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from stalelint import fixture_repo
from stalelint.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AS_OF = "2026-06-30"
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc)


@pytest.fixture
def build(tmp_path):
    """Build a fixture repo (with its scripted git history) and return its path."""
    def make(name: str, git: bool = True, now: dt.datetime = NOW) -> Path:
        dest = tmp_path / name
        if git:
            return fixture_repo.build(FIXTURES / name, dest, now)
        dest.mkdir()
        return fixture_repo.copy_plain(FIXTURES / name, dest)
    return make


def run(*args: str):
    """Run the CLI in-process; returns click's result."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def check_json(path: Path, *args: str) -> dict:
    result = run("check", path, "--as-of", AS_OF, "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def by_code(doc: dict, code: str) -> dict:
    return {f["name"]: f for f in doc["findings"] if f["code"] == code}


# every finding, whatever its evidence: the options for tests about what is found and fixed rather
# than about which findings are worth showing by default
ALL = ("--min-confidence", "0", "--extend-select", "STL104,STL401")


def stale_flags(doc: dict) -> dict:
    """Flags judged unused by the window's experiments: tried and abandoned (STL102) or never varied (STL104)."""
    return {**by_code(doc, "STL104"), **by_code(doc, "STL102")}


@pytest.fixture
def write(tmp_path):
    def put(rel: str, text: str | bytes) -> Path:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        return p
    return put


def write_files(root: Path, files: dict[str, str]) -> None:
    """A small repo on disk: each file's text dedented (tests write them indented in place)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def git(repo: Path, *args: str, date: str = "2026-01-10T12:00:00") -> None:
    """A git command in a small test repo, committed at a pinned date."""
    import os
    import subprocess
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


__all__ = ["run", "check_json", "write_files", "git", "by_code", "stale_flags", "ALL", "AS_OF", "NOW", "FIXTURES",
           "shutil"]


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="fuzz tests: run 10x the cases (a long local run; CI runs the default counts)")


FUZZ_SCALE = 1  # how many times the default fuzz case counts to run (10 with --slow)


def pytest_configure(config):
    global FUZZ_SCALE
    FUZZ_SCALE = 10 if config.getoption("--slow") else 1

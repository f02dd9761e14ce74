"""Build a small research repo with a scripted, dated git history from a folder holding its files
and a `history.toml`; used by `stalelint demo` and by the tests.

history.toml:

    [[commit]]
    date = "-400d"            # days before `now`, or an ISO date ("2025-03-02T10:00:00")
    author = "Ada <ada@lab.example>"
    message = "first training script"
    files = ["train.py", "configs/base.yaml"]
    omit = ["use_amp"]        # lines containing these are left out of this commit's copies
    delete = ["old.yaml"]

    untracked = ["notes/try.sh"]   # copied after the commits, never added
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_RELATIVE = re.compile(r"^-(\d+)d$")


def _when(text: str, now: dt.datetime) -> dt.datetime:
    m = _RELATIVE.match(text)
    if m:
        return (now - dt.timedelta(days=int(m.group(1)))).replace(hour=12, minute=0, second=0, microsecond=0)
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _git(dest: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", "-C", str(dest), *args], check=True, capture_output=True, env=env)


def _copy(src: Path, dest: Path, rel: str, omit: list[str]) -> None:
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (src / rel).read_bytes()
    if omit:
        lines = data.decode("utf-8").splitlines(keepends=True)
        data = "".join(line for line in lines if not any(o in line for o in omit)).encode("utf-8")
    target.write_bytes(data)


def build(src: Path, dest: Path, now: dt.datetime | None = None) -> Path:
    """Create dest as a git repo whose commits are those of src/history.toml."""
    now = now or dt.datetime.now(dt.timezone.utc)
    spec = tomllib.loads((src / "history.toml").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base_env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    for commit in spec.get("commit", []):
        when = _when(commit["date"], now).isoformat()
        name, _, email = commit.get("author", "Researcher <researcher@lab.example>").partition(" <")
        env = dict(base_env, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_AUTHOR_NAME=name,
                   GIT_AUTHOR_EMAIL=email.rstrip(">"), GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email.rstrip(">"))
        for rel in commit.get("files", []):
            _copy(src, dest, rel, commit.get("omit", []))
            _git(dest, "add", "--", rel, env=env)
        for rel in commit.get("delete", []):
            _git(dest, "rm", "-q", "--", rel, env=env)
        _git(dest, "commit", "-q", "--allow-empty", "-m", commit.get("message", "update"), env=env)
    for rel in spec.get("untracked", []):
        _copy(src, dest, rel, [])
    return dest


def copy_plain(src: Path, dest: Path) -> Path:
    """The fixture's files without git (for no-git tests)."""
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if path.is_file() and rel.parts[0] not in ("history.toml",) and not rel.parts[0].startswith(".history"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
    return dest

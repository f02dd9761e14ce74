"""The number of git processes does not grow with the number of files."""
import datetime as dt
import os
import subprocess

from stalelint import history as history_mod
from stalelint.check import run as run_check
from stalelint.check import window_for
from stalelint.config import from_table


def _repo(path, n_files):
    """n scripts, each with a flag and a gate, written long ago and edited inside the window (so
    every one needs line ages), and a launch script that runs each of them."""
    path.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b",
               GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@b")

    def commit(when, msg):
        e = dict(env, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        subprocess.run(["git", "-C", path, "add", "-A"], check=True, env=e)
        subprocess.run(["git", "-C", path, "commit", "-q", "-m", msg], check=True, env=e)

    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=env)
    for i in range(n_files):
        (path / f"s{i}.py").write_text(
            "import argparse\np = argparse.ArgumentParser()\n"
            f"p.add_argument('--old{i}', action='store_true')\nargs = p.parse_args()\n"
            f"if args.old{i}:\n    print('old')\n")
    (path / "run.sh").write_text("".join(f"python s{i}.py\n" for i in range(n_files)))
    commit("2025-01-01T12:00:00+00:00", "old")
    for i in range(n_files):
        with open(path / f"s{i}.py", "a") as f:
            f.write(f"p.add_argument('--new{i}', action='store_true')\nprint(args.new{i})\n")
    commit("2026-06-01T12:00:00+00:00", "new")
    return path


def _git_calls(repo, monkeypatch, since="2y"):
    seen = []
    real = history_mod.History.read.__func__

    def spy(cls, *a, **kw):
        h = real(cls, *a, **kw)
        seen.append(h)
        return h

    monkeypatch.setattr(history_mod.History, "read", classmethod(spy))
    # a window that reaches run.sh's commit (2025-01-01), and every finding shown
    settings = from_table({"since": since, "extend_select": ["STL104"], "min_confidence": 0}, "test")
    result = run_check(repo, settings, window_for("2026-06-30", settings.since_days), use_cache=False)
    return seen[0].git_calls, result


def test_git_processes_do_not_grow_with_files(tmp_path, monkeypatch):
    small, r5 = _git_calls(_repo(tmp_path / "five", 5), monkeypatch)
    big, r50 = _git_calls(_repo(tmp_path / "fifty", 50), monkeypatch)
    assert small == big <= 5
    # and the grace period is still per line: the old flags are never varied, the new ones are not judged
    stale5 = {f.name for f in r5.findings if f.code == "STL104"}
    assert stale5 == {f"old{i}" for i in range(5)}
    assert len([f for f in r50.findings if f.code == "STL104"]) == 50


def test_uncommitted_lines_are_young(tmp_path, monkeypatch):
    repo = _repo(tmp_path / "r", 2)
    text = (repo / "s0.py").read_text()
    (repo / "s0.py").write_text(text.replace("p.add_argument('--old0'", "p.add_argument('--tmp', action='store_true')\n"
                                             "print(args.tmp)\np.add_argument('--old0'"))
    calls, result = _git_calls(repo, monkeypatch)
    names = {f.name for f in result.findings if f.code == "STL104"}
    assert "tmp" not in names and {"old0", "old1"} <= names
    assert calls <= 5


def test_back_dated_commit_on_top(tmp_path, monkeypatch):
    """Commit dates need not decrease along history: lines of a back-dated commit on top are old,
    and lines of the recent commit under it are still young (as git blame would date them)."""
    repo = _repo(tmp_path / "r", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b",
               GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@b", GIT_AUTHOR_DATE="2025-02-01T12:00:00+00:00",
               GIT_COMMITTER_DATE="2025-02-01T12:00:00+00:00")
    with open(repo / "s0.py", "a") as f:
        f.write("p.add_argument('--backdated', action='store_true')\nprint(args.backdated)\n")
    subprocess.run(["git", "-C", repo, "commit", "-qam", "back-dated"], check=True, env=env)
    with open(repo / "run.sh", "a") as f:  # a recent experiment, so that a 180-day window judges
        f.write("python s0.py\n")
    when = "2026-06-15T12:00:00+00:00"
    subprocess.run(["git", "-C", repo, "commit", "-qam", "rerun"], check=True,
                   env=dict(env, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when))
    _, result = _git_calls(repo, monkeypatch, since="180d")
    names = {f.name for f in result.findings if f.code == "STL104"}
    assert "backdated" in names and "old0" in names  # written "in 2025": no grace
    assert "new0" not in names  # written 2026-06-01 (under the back-dated commit): grace

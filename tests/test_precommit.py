"""The hook, run by the real pre-commit tool: `pre-commit try-repo <clone of stalelint> stalelint`.

pre-commit installs the hook repo (a git clone of this checkout's HEAD, so commit first) into its
own virtualenv with pip, which needs the package index; about a minute the first time.
"""
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def _git(*args, cwd, env):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


@pytest.mark.slow
def test_pre_commit_try_repo(build, tmp_path):
    if not (PROJECT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs stalelint as a git checkout")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@lab.example",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@lab.example", NO_COLOR="1")
    hooks = tmp_path / "stalelint-src"
    _git("clone", "--quiet", str(PROJECT), str(hooks), cwd=tmp_path, env=env)
    # dated relative to now, so the hook's default --as-of (now) judges it the same every day
    repo = build("hookrepo", now=dt.datetime.now(dt.timezone.utc))

    def try_repo():
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "stalelint",
                               "--all-files", "--color", "never"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    failed = try_repo()
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert "stalelint" in out and "Failed" in out
    assert "train.py:6:1: STL102 flag `--use-mixup` is never set by any of 3 recent experiments" in out
    assert "Found 1 finding (STL102 x1)" in out

    (repo / "configs/mixup.yaml").write_text("lr: 0.2\nuse_mixup: true\n")
    _git("add", "configs/mixup.yaml", cwd=repo, env=env)
    _git("commit", "-qm", "mixup is back", cwd=repo, env=env)
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout and "STL102" not in passed.stdout

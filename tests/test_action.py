"""The composite GitHub Action and the pre-commit manifest: well-formed, and their shell steps work."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF
from github_server import FakeGitHub

PROJECT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((PROJECT / "action.yml").read_text())
STEPS = {s["name"]: s for s in ACTION["runs"]["steps"]}


def test_action_shape():
    assert ACTION["runs"]["using"] == "composite"
    assert {"args", "base", "python-version", "comment", "fail-on-findings", "token"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["base"]["default"] == "${{ github.event.pull_request.base.sha }}"
    assert '"$GITHUB_ACTION_PATH"' in STEPS["Install stalelint"]["run"]
    assert "stalelint check --output-format github" in STEPS["Check"]["run"]
    assert "stalelint comment" in STEPS["Comment on the pull request"]["run"]
    for step in ACTION["runs"]["steps"]:
        # inputs reach scripts through the environment, never pasted into them (script injection)
        assert "${{" not in step.get("run", ""), step["name"]
        assert step.get("shell", "bash") == "bash"


def _step(name, env, cwd):
    return subprocess.run(["bash", "-e", "-c", STEPS[name]["run"]], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_action_steps_run(build, tmp_path):
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "stalelint").exists() or shutil.which("bash") is None:
        pytest.skip("needs the stalelint script next to the interpreter, and bash")
    repo = build("labrepo")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 4, "head": {"sha": "f00"}}}))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "STALELINT_"))}
    base_env["PATH"] = f"{bin_dir}{os.pathsep}{base_env.get('PATH', '')}"
    with FakeGitHub(repository="lab/repo", token="ghs_x") as gh:
        env = dict(base_env, GITHUB_TOKEN="ghs_x", GITHUB_REPOSITORY="lab/repo", GITHUB_EVENT_PATH=str(event),
                   GITHUB_API_URL=gh.url, STALELINT_ARGS=f"--as-of {AS_OF}", STALELINT_BASE="HEAD~1")
        done = _step("Comment on the pull request", env, repo)
        assert done.returncode == 0, done.stderr
        assert [m for m, _ in gh.calls()] == ["GET", "POST"]
        assert "compared with `HEAD~1`" in gh.comments[4][0]["body"]
        done = _step("Comment on the pull request", dict(env, STALELINT_BASE=""), repo)
        assert done.returncode == 0 and [m for m, _ in gh.calls()] == ["GET", "POST", "GET", "PATCH"]
        assert "This pull request" not in gh.comments[4][0]["body"]
    check_env = dict(base_env, STALELINT_ARGS=f"--as-of {AS_OF}", STALELINT_FAIL="true")
    done = _step("Check", check_env, repo)
    assert done.returncode == 1
    assert re.search(r"^::warning file=train.py,line=31,col=15,title=STL301 stale-trick::", done.stdout, re.M)
    assert _step("Check", dict(check_env, STALELINT_FAIL="false"), repo).returncode == 0


def test_pre_commit_manifest():
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(PROJECT / ".pre-commit-hooks.yaml"))}
    check, fix = hooks["stalelint"], hooks["stalelint-fix"]
    assert check["entry"] == "stalelint check" and check["language"] == "python"
    assert check["pass_filenames"] is False and check["require_serial"] is True and check["always_run"] is True
    assert fix["entry"] == "stalelint fix --apply" and fix["stages"] == ["manual"]


def test_readme_examples_parse():
    readme = (PROJECT / "README.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = next(iter(workflow["jobs"].values()))["steps"]
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)
    hooks = next(b for b in blocks if isinstance(b, dict) and "repos" in b)
    assert [h["id"] for h in hooks["repos"][0]["hooks"]][0] == "stalelint"

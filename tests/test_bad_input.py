"""Bad input gets a clear STL9xx error naming the file and the reason; the run goes on."""
import os
import subprocess

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags


def errors(doc):
    return {(e["path"], e["code"]): e["message"] for e in doc["errors"]}


def test_every_bad_file_is_named_and_the_run_goes_on(build):
    repo = build("labrepo")
    (repo / "broken.py").write_text("def f(:\n    pass\n")
    (repo / "latin1.py").write_bytes(b"# caf\xe9\nx = 1\n")
    (repo / "cookie.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport argparse\n")
    (repo / "empty.py").write_text("")
    (repo / "huge.py").write_text("x = 1\n" * 1000)
    (repo / "configs/tabs.yaml").write_text("a: 1\n\tb: 2\n")
    (repo / "configs/broken.json").write_text('{"lr": 0.1,}')
    (repo / "configs/broken.toml").write_text("lr = = 1")
    (repo / "configs/empty.yaml").write_text("# sets nothing, like Hydra's callbacks/none.yaml\n")
    (repo / "configs/empty.json").write_text("")
    (repo / "configs/latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (repo / "pyproject.toml").write_text("[tool.stalelint]\nmax_file_size = 4000\n")
    doc = check_json(repo, "--select", "STL", *ALL)
    got = errors(doc)
    assert "cannot parse Python (line 1)" in got[("broken.py", "STL901")]
    assert "not valid UTF-8" in got[("latin1.py", "STL902")]
    assert ("cookie.py", "STL902") not in got  # a PEP 263 cookie is honoured
    assert not any(p == "empty.py" for p, _ in got)  # an empty module is normal
    assert "over the 4,000-byte limit" in got[("huge.py", "STL904")]
    assert "tab on line 2" in got[("configs/tabs.yaml", "STL903")]
    assert "invalid JSON" in got[("configs/broken.json", "STL903")]
    assert "invalid TOML" in got[("configs/broken.toml", "STL903")]
    assert "empty" in got[("configs/empty.json", "STL903")]
    assert ("configs/empty.yaml", "STL903") not in got  # valid YAML that sets nothing
    assert "not valid UTF-8" in got[("configs/latin1.yaml", "STL902")]
    # ... and everything else was still judged
    assert "use_ema" in stale_flags(doc)
    # text output names them like findings, and the exit code says something was found
    result = run("check", repo, "--as-of", "2026-06-30", "--select", "STL9")
    assert "broken.py:1:1: STL901 cannot parse Python" in result.output and result.exit_code == 1


def test_symlinks_are_not_followed_out_or_round(build, tmp_path):
    repo = build("labrepo")
    outside = tmp_path / "outside.py"
    outside.write_text("import argparse\np = argparse.ArgumentParser()\np.add_argument('--outside')\n")
    os.symlink(outside, repo / "linked_out.py")
    os.symlink(repo / "loop_a", repo / "loop_b")
    os.symlink(repo / "loop_b", repo / "loop_a")
    os.symlink(repo / "missing.py", repo / "dangling.py")
    os.symlink(repo / "train.py", repo / "alias.py")
    doc = check_json(repo, *ALL)
    got = errors(doc)
    assert "outside the repository" in got[("linked_out.py", "STL902")]
    assert "loop" in got[("loop_a", "STL902")] and "loop" in got[("loop_b", "STL902")]
    assert "broken symlink" in got[("dangling.py", "STL902")]
    assert not any(f["name"] == "outside" for f in doc["findings"])


def test_repo_without_commits(tmp_path, build):
    repo = build("noexp", git=False)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    doc = check_json(repo, *ALL)
    assert any("no commits" in n for n in doc["notices"])
    assert [f["code"] for f in doc["findings"]] == ["STL101"]


def test_shallow_clone(build, tmp_path):
    repo = build("labrepo")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    doc = check_json(clone, *ALL)
    assert any("shallow clone" in n for n in doc["notices"])
    # every file now looks as young as the one commit (2026-06-01): all flags are in their grace period
    assert stale_flags(doc) == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(build):
    repo = build("labrepo")
    (repo / "secret.py").write_text("x = 1\n")
    os.chmod(repo / "secret.py", 0)
    assert "permission denied" in errors(check_json(repo, *ALL))[("secret.py", "STL902")]

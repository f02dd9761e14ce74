"""Repos that are hard in their own way: `check` and `fix` (diff) finish with exit 0 or 1, say
what is missing, and still report what they can."""
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ALL, AS_OF, by_code, run, stale_flags

GIT = ["git", "-c", "user.name=T", "-c", "user.email=t@x", "-c", "protocol.file.allow=always"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def commit(repo: Path, message: str, date: str = "2026-06-10T10:00:00Z") -> None:
    """A commit dated inside the window (the tests pin as-of to 2026-06-30; the clock may be later)."""
    subprocess.run([*GIT, "-C", str(repo), "commit", "-q", "-m", message], check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date))


def recent_mtime(path: Path) -> None:
    when = dt.datetime(2026, 6, 10, 10, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (when, when))


EMA_RUN = "#!/bin/bash\npython train.py --use-ema --lr 0.1\n"


def check(repo: Path, *args: str) -> dict:
    result = run("check", repo, "--as-of", AS_OF, "--output-format", "json", *ALL, *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def fix_diff(repo: Path, *args: str) -> str:
    result = run("fix", repo, "--as-of", AS_OF, *ALL, *args)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.output


def errors(doc: dict) -> dict:
    return {(e["path"], e["code"]): e["message"] for e in doc["errors"]}


def names(doc: dict) -> set[str]:
    return {f["name"] for f in doc["findings"]}


def test_no_git_at_all(build):
    repo = build("labrepo", git=False)
    doc = check(repo)
    assert any("not a git repository" in n for n in doc["notices"])
    # every file is as young as its modification time, so only the static rule speaks
    assert "unused_knob" in by_code(doc, "STL101")
    assert doc["errors"] == []
    assert "unused_knob" in fix_diff(repo, "--knob", "unused_knob")


@pytest.mark.parametrize("staged", [False, True], ids=["nothing-added", "files-staged"])
def test_git_repo_with_no_commits(build, staged):
    repo = build("labrepo", git=False)
    git(repo, "init", "-q")
    if staged:
        git(repo, "add", "-A")
    doc = check(repo)
    assert any("no commits" in n for n in doc["notices"]), doc["notices"]
    assert "unused_knob" in by_code(doc, "STL101") and doc["errors"] == []
    assert "unused_knob" in fix_diff(repo, "--knob", "unused_knob")


def test_shallow_clone(build, tmp_path):
    repo = build("labrepo")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    doc = check(clone)
    assert any("shallow clone" in n for n in doc["notices"])
    assert "unused_knob" in by_code(doc, "STL101") and doc["errors"] == []
    fix_diff(clone)


def test_detached_head(build):
    repo = build("labrepo")
    expected = check(repo)
    git(repo, "checkout", "-q", "--detach", "HEAD")
    doc = check(repo)
    assert doc["findings"] == expected["findings"] and doc["errors"] == []
    # a commit made on the detached HEAD is history like any other
    (repo / "scripts" / "ema.sh").write_text(EMA_RUN)
    git(repo, "add", "scripts/ema.sh")
    commit(repo, "ema experiment, detached")
    later = check(repo)
    assert "use_ema" not in stale_flags(later) and later["errors"] == []
    assert "unused_knob" in by_code(later, "STL101")
    fix_diff(repo)


def test_submodule_is_another_repo_and_not_a_file(build, tmp_path):
    repo = build("labrepo")
    other = build("demo")
    git(repo, "submodule", "add", "-q", f"file://{other}", "deps/demo")
    git(repo, "commit", "-q", "-m", "add a submodule")
    doc = check(repo)
    assert doc["errors"] == [], doc["errors"]
    assert any("1 git submodule not scanned (deps/demo)" in n for n in doc["notices"]), doc["notices"]
    # the submodule's own knobs are its own repo's business; the parent's findings are unchanged
    assert "use_ema" in stale_flags(doc) and "unused_knob" in by_code(doc, "STL101")
    assert not any(f["path"].startswith("vendor/") for f in doc["findings"])
    fix_diff(repo)


def test_untracked_files_are_read_and_dated_by_mtime(build):
    repo = build("labrepo")
    (repo / "scripts" / "ema.sh").write_text(EMA_RUN)  # untracked, new: a recent experiment
    (repo / "lab" / "extra.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                           "p.add_argument('--brand-new', type=int, default=0)\n")
    recent_mtime(repo / "scripts" / "ema.sh")
    recent_mtime(repo / "lab" / "extra.py")
    doc = check(repo)
    assert "use_ema" not in stale_flags(doc)
    # the untracked flag is never read, and new: STL101 says so, STL102 gives it its grace period
    assert "brand_new" in by_code(doc, "STL101") and "brand_new" not in stale_flags(doc)
    assert doc["errors"] == []
    fix_diff(repo)


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    (out / "pkg").mkdir(parents=True)
    (out / "outside.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                    "p.add_argument('--outside-knob')\n")
    (out / "pkg" / "more.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                         "p.add_argument('--outside-dir-knob')\n")
    (out / "ema.yaml").write_text("use_ema: true\n")
    return out


@pytest.mark.parametrize("tracked", [False, True], ids=["untracked-links", "committed-links"])
def test_symlinks_are_reported_and_never_followed_out(build, tmp_path, tracked):
    repo = build("labrepo")
    out = _outside(tmp_path)
    os.symlink(out / "outside.py", repo / "lab" / "linked_file.py")
    os.symlink(out / "pkg", repo / "lab" / "linked_dir")
    os.symlink(out / "ema.yaml", repo / "configs" / "linked_ema.yaml")  # would make use_ema alive if read
    os.symlink("loop_b", repo / "loop_a")
    os.symlink("loop_a", repo / "loop_b")
    os.symlink("missing.py", repo / "dangling.py")
    os.symlink("train.py", repo / "alias.py")  # inside the repo: fine, read once as itself
    if tracked:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "links")
    doc = check(repo)
    got = errors(doc)
    assert "outside the repository" in got[("lab/linked_file.py", "STL902")]
    assert "outside the repository" in got[("lab/linked_dir", "STL902")]
    assert "outside the repository" in got[("configs/linked_ema.yaml", "STL902")]
    assert "loop" in got[("loop_a", "STL902")] and "loop" in got[("loop_b", "STL902")]
    assert "broken symlink" in got[("dangling.py", "STL902")]
    assert not {"outside_knob", "outside_dir_knob"} & names(doc)
    assert "use_ema" in stale_flags(doc) or "use_ema" in {f["name"] for f in doc["findings"]}
    assert "unused_knob" in by_code(doc, "STL101")
    out_diff = fix_diff(repo)
    assert "outside" not in out_diff


def test_symlinks_without_git(build, tmp_path):
    repo = build("labrepo", git=False)
    out = _outside(tmp_path)
    os.symlink(out / "outside.py", repo / "linked_file.py")
    os.symlink(out / "pkg", repo / "linked_dir")
    os.symlink("loop_b", repo / "loop_a")
    os.symlink("loop_a", repo / "loop_b")
    os.symlink(".", repo / "lab" / "self")  # a folder loop inside the repo
    doc = check(repo)
    got = errors(doc)
    assert "outside the repository" in got[("linked_file.py", "STL902")]
    assert "outside the repository" in got[("linked_dir", "STL902")]
    assert "loop" in got[("loop_a", "STL902")]
    assert not {"outside_knob", "outside_dir_knob"} & names(doc)
    assert "unused_knob" in by_code(doc, "STL101")
    assert not any("lab/self" in f["path"] for f in doc["findings"])


def test_tracked_file_deleted_from_the_working_tree(build):
    repo = build("labrepo")
    (repo / "configs" / "vit_ft.yaml").unlink()  # git ls-files still lists it
    (repo / "lab" / "config.py").unlink()
    doc = check(repo)
    # a deletion the user has not committed yet is not an error: the files are simply gone
    assert doc["errors"] == [], doc["errors"]
    assert "unused_knob" not in names(doc) and "use_ema" in stale_flags(doc)
    fix_diff(repo)


def test_file_deleted_while_scanning(build, monkeypatch):
    repo = build("labrepo")
    from stalelint import check as check_mod

    real = check_mod.discover

    def discover_then_delete(root, *args, **kwargs):
        found = real(root, *args, **kwargs)
        (Path(root) / "lab" / "optim.py").unlink()
        (Path(root) / "configs" / "small_ft.json").unlink()
        return found

    monkeypatch.setattr(check_mod, "discover", discover_then_delete)
    doc = check(repo, "--no-cache") if _has_no_cache() else check(repo)
    got = errors(doc)
    assert "disappeared" in got[("lab/optim.py", "STL902")]
    assert "disappeared" in got[("configs/small_ft.json", "STL902")]
    assert "unused_knob" in by_code(doc, "STL101")


def _has_no_cache() -> bool:
    return "--no-cache" in run("check", "--help").output


def _deny(monkeypatch, denied: Path) -> None:
    """Reading `denied` raises PermissionError, as chmod 000 would for a user other than root."""
    import builtins
    import io

    real_open = io.open

    def guarded(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(os.fspath(file)) == str(denied):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", guarded)
    monkeypatch.setattr(builtins, "open", guarded)


@pytest.mark.parametrize("how", ["chmod", "simulated"])
def test_unreadable_files(build, monkeypatch, how):
    repo = build("labrepo")
    secret_py = repo / "lab" / "secret.py"
    secret_py.write_text("import argparse\np = argparse.ArgumentParser()\np.add_argument('--hidden')\n")
    secret_cfg = repo / "configs" / "secret.yaml"
    secret_cfg.write_text("use_ema: true\n")
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("running as root, which reads files whatever their mode; the 'simulated' case covers it")
        os.chmod(secret_py, 0)
        os.chmod(secret_cfg, 0)
    else:
        _deny(monkeypatch, secret_py)
        _deny(monkeypatch, secret_cfg)
    try:
        doc = check(repo, "--no-cache") if _has_no_cache() else check(repo)
        fix_diff(repo)
    finally:
        os.chmod(secret_py, 0o644)
        os.chmod(secret_cfg, 0o644)
    got = errors(doc)
    assert "permission denied" in got[("lab/secret.py", "STL902")]
    assert "permission denied" in got[("configs/secret.yaml", "STL902")]
    assert "hidden" not in names(doc)
    # the unread experiment might have set use_ema: its finding says the evidence is incomplete
    ema = stale_flags(doc)["use_ema"]
    assert "incomplete evidence" in ema["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root, which lists every folder whatever its mode")
def test_unreadable_folder(build):
    repo = build("labrepo", git=False)
    (repo / "private").mkdir()
    (repo / "private" / "x.py").write_text("x = 1\n")
    os.chmod(repo / "private", 0)
    try:
        doc = check(repo)
    finally:
        os.chmod(repo / "private", 0o755)
    assert "unused_knob" in by_code(doc, "STL101")


@pytest.mark.parametrize("git_repo", [True, False], ids=["git", "no-git"])
def test_paths_with_spaces_and_unicode(build, git_repo):
    repo = build("labrepo", git=git_repo)
    (repo / "my configs").mkdir()
    (repo / "my scripts").mkdir()
    (repo / "my scripts" / "expé 1.sh").write_text(EMA_RUN)
    (repo / "modèles").mkdir()
    (repo / "modèles" / "réseau.py").write_text(
        "import argparse\n\n\ndef parser():\n    p = argparse.ArgumentParser()\n"
        "    p.add_argument('--profondeur', type=int, default=3)\n    return p\n")
    (repo / "pyproject.toml").write_text('[tool.stalelint]\nextend_launch = ["my scripts/*.sh"]\n')
    if git_repo:
        git(repo, "add", "-A")
        commit(repo, "unicode")
    else:
        recent_mtime(repo / "my scripts" / "expé 1.sh")
    doc = check(repo)
    assert doc["errors"] == [], doc["errors"]
    assert "use_ema" not in stale_flags(doc)  # the run in `my scripts/expé 1.sh` set it
    unread = by_code(doc, "STL101")
    assert "profondeur" in unread and unread["profondeur"]["path"] == "modèles/réseau.py"
    out = fix_diff(repo, "--knob", "profondeur")
    assert "modèles/réseau.py" in out and "--profondeur" in out
    if git_repo:  # and the graveyard records it under its own name, with who wrote it
        assert run("fix", repo, "--as-of", AS_OF, "--knob", "profondeur", "--apply").exit_code == 0
        entry = json.loads((repo / ".stalelint" / "graveyard.jsonl").read_text(encoding="utf-8"))
        assert entry["path"] == "modèles/réseau.py" and entry["introduced"]["date"].startswith("2026-06-10")
        assert "--profondeur" not in (repo / "modèles" / "réseau.py").read_text(encoding="utf-8")


def test_a_file_name_of_bytes_that_are_no_utf8_and_a_lone_surrogate_in_code(build):
    """A Latin-1 file name (`r\\xe9seau.py`, decoded by Python with surrogateescape) and a string
    literal `"\\ud800"`: the cache stores both (cold run, then warm), and fix --apply, the graveyard
    and restore --all round-trip the file byte for byte. They used to crash the cache's write."""
    repo = build("labrepo", git=True)
    name = os.fsdecode(b"r\xe9seau.py")
    src = ("import argparse\n\np = argparse.ArgumentParser()\np.add_argument('--profondeur', type=int, default=3)\n"
           "p.add_argument('--marque', default='\\ud800')\nargs = p.parse_args()\nprint(args.marque)\n")
    (repo / name).write_text(src, encoding="utf-8")
    git(repo, "add", "-A")
    commit(repo, "latin-1 name")
    for _ in range(2):  # the cold run writes the cache, the warm one reads it back
        doc = check(repo)
        assert doc["errors"] == [], doc["errors"]
        assert by_code(doc, "STL101")["profondeur"]["path"] == name
    assert run("fix", repo, "--as-of", AS_OF, "--knob", "profondeur", "--apply").exit_code == 0
    assert "--profondeur" not in (repo / name).read_text(encoding="utf-8")
    assert run("graveyard", str(repo)).exit_code == 0
    restored = run("restore", "--all", "--path", str(repo))
    assert restored.exit_code == 0, restored.output
    assert (repo / name).read_text(encoding="utf-8") == src

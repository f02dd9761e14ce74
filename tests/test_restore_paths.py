"""`restore` (and the replay of an interrupted write) never writes outside the repository, whatever
a graveyard entry or a journal names: `..`, an absolute path, or a path through a symlink out."""
import json
import os
import shutil

import pytest

from stalelint.fix.write import JOURNAL_NAME, journal_path

from conftest import ALL, AS_OF, run

GRAVEYARD = ".stalelint/graveyard.jsonl"


@pytest.fixture
def fixed(build):
    repo = build("labrepo")
    assert run("fix", repo, "--as-of", AS_OF, "--apply", "--knob", "model.use_rope", *ALL).exit_code == 0
    return repo


def rows(repo):
    return [json.loads(line) for line in (repo / GRAVEYARD).read_text().splitlines()]


def rewrite(repo, entries):
    (repo / GRAVEYARD).write_text("".join(json.dumps(e) + "\n" for e in entries))


def snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


@pytest.fixture
def outside(tmp_path):
    out = tmp_path / "outside"
    out.mkdir()
    (out / "finetune.py").write_text("# not part of the repo\n")
    return out


def _names(repo, outside, how):
    """A path naming something outside the repo, `how` it does it."""
    if how == "dotdot":
        return "../outside/finetune.py"
    if how == "absolute":
        return str(outside / "finetune.py")
    if how == "nested-dotdot":
        return "lab/../../outside/finetune.py"
    if how == "dir-symlink":
        os.symlink(outside, repo / "linked")
        return "linked/finetune.py"
    if how == "file-symlink":
        os.symlink(outside / "finetune.py", repo / "lab" / "linked.py")
        return "lab/linked.py"
    raise AssertionError(how)


HOW = ["dotdot", "absolute", "nested-dotdot", "dir-symlink", "file-symlink"]


@pytest.mark.parametrize("how", HOW)
def test_restore_refuses_a_file_outside_the_repo(fixed, outside, how):
    bad = _names(fixed, outside, how)
    entries = rows(fixed)
    entries[0]["files"][0]["path"] = bad
    rewrite(fixed, entries)
    before, out_before = snapshot(fixed), snapshot(outside)
    result = run("restore", entries[0]["id"], "--path", fixed)
    assert result.exit_code == 1 and "refusing to restore" in result.output, result.output
    assert repr(bad) in result.output  # names the path it refused
    assert snapshot(outside) == out_before and snapshot(fixed) == before


@pytest.mark.parametrize("how", HOW)
def test_restore_refuses_a_patch_naming_a_file_outside(fixed, outside, how):
    """Without the stored file versions restore falls back to the reverse patch: its paths are checked too."""
    bad = _names(fixed, outside, how)
    entries = rows(fixed)
    e = entries[0]
    path = e["files"][0]["path"]
    e["reverse_patch"] = e["reverse_patch"].replace(f"a/{path}", f"a/{bad}").replace(f"b/{path}", f"b/{bad}")
    for f in e["files"]:
        f["before_blob"] = f["after_blob"] = None
    rewrite(fixed, entries)
    out_before = snapshot(outside)
    result = run("restore", e["id"], "--path", fixed)
    assert result.exit_code == 1 and "refusing to restore" in result.output, result.output
    assert snapshot(outside) == out_before


@pytest.mark.parametrize("how", HOW)
def test_a_planted_journal_cannot_write_outside(fixed, outside, how):
    bad = _names(fixed, outside, how)
    journal = journal_path(fixed)
    assert journal.name == JOURNAL_NAME
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(json.dumps({"version": 1, "files": [
        {"path": bad, "before": None, "after": "import os\nos.system('echo pwned')\n"}]}))
    out_before = snapshot(outside)
    result = run("fix", fixed, "--as-of", AS_OF, "--apply", *ALL)
    assert result.exit_code == 1 and "not replayed" in result.output, result.output
    assert snapshot(outside) == out_before
    shutil.rmtree(outside)  # (and the same when the target does not exist yet)
    outside.mkdir()
    result = run("fix", fixed, "--as-of", AS_OF, "--apply", *ALL)
    assert result.exit_code == 1 and list(outside.iterdir()) == []

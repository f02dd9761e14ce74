"""`stalelint fix`, `graveyard` and `restore` end to end on the demo repo (real git history)."""
import json
import shutil
import subprocess

import libcst as cst
import pytest

from stalelint import demo
from stalelint.check import window_for

from conftest import ALL, run

AS_OF = "2026-11-27"
FILES = ("train.py", "utils.py", "data.py", "configs/old/ema.yaml", "configs/base.yaml", "configs/vit.yaml")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return demo.build(tmp_path_factory.mktemp("tpl") / "demo", window_for(AS_OF, 180).as_of)


@pytest.fixture
def repo(template, tmp_path, monkeypatch):
    for var, value in (("GIT_AUTHOR_NAME", "T"), ("GIT_AUTHOR_EMAIL", "t@x"), ("GIT_COMMITTER_NAME", "T"),
                       ("GIT_COMMITTER_EMAIL", "t@x")):
        monkeypatch.setenv(var, value)
    dest = tmp_path / "demo"
    shutil.copytree(template, dest, symlinks=True)
    return dest


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def snapshot(repo):
    return {f: (repo / f).read_bytes() for f in FILES}


def fix(repo, *args):
    return run("fix", repo, "--as-of", AS_OF, *ALL, *args)


def entries(repo):
    return [json.loads(line) for line in (repo / ".stalelint/graveyard.jsonl").read_text().splitlines()]


def test_dry_run_shows_marked_diff_and_changes_nothing(repo):
    before = snapshot(repo)
    result = fix(repo)
    assert result.exit_code == 1
    out = result.output
    assert "# STL102 use_ema (train.py:21) [safe]" in out
    assert '-    parser.add_argument("--use-ema", action="store_true", help="keep an EMA of the weights")' in out
    assert "# STL104 epochs (train.py:18) [unsafe, not made without --unsafe]" in out
    assert "unsafe: scripts/sweep.sh:6 passes" in out
    assert "also removed, now unused: utils.py: unused `ModelEma`" in out
    assert snapshot(repo) == before and git(repo, "status", "--porcelain") == ""


def test_apply_compiles_and_second_run_changes_nothing(repo):
    assert fix(repo, "--apply").exit_code == 0
    train = (repo / "train.py").read_text()
    assert "use_ema" not in train and "ema_decay" not in train and "legacy_init" not in train
    assert "cutmix(images" not in train and "ModelEma" not in train
    assert "class ModelEma" not in (repo / "utils.py").read_text()
    assert "use_ema" not in (repo / "configs/old/ema.yaml").read_text()
    assert "# EMA of the weights" in (repo / "configs/old/ema.yaml").read_text()  # comments stay
    for f in ("train.py", "utils.py", "data.py"):
        compile((repo / f).read_text(), f, "exec")
    after = snapshot(repo)
    graveyard = (repo / ".stalelint/graveyard.jsonl").read_bytes()
    second = fix(repo, "--apply", "--force")  # --force: the first run's changes are not committed
    assert second.exit_code == 0 and "[safe]" not in second.output  # only the unsafe one is shown
    assert "[refused]" not in second.output and "# STL104 epochs" in second.output
    assert snapshot(repo) == after and (repo / ".stalelint/graveyard.jsonl").read_bytes() == graveyard


def test_graveyard_entry(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    fix(repo, "--apply")
    got = {e["name"]: e for e in entries(repo)}
    # ema_decay was read only under `if args.use_ema:`, so it goes with use_ema's fix
    assert set(got) == {"use_ema", "legacy_init", "batch_size", "cutmix", "mlp_mixer"}
    assert "train.py: flag `ema_decay`, no longer read" in got["use_ema"]["cascade"]
    e = got["use_ema"]
    assert e["code"] == "STL102" and e["kind"] == "flag" and e["system"] == "argparse" and e["status"] == "removed"
    assert len(e["id"]) == 10 and e["removed_in"] == head
    assert {f["path"] for f in e["files"]} == {"train.py", "utils.py", "configs/old/ema.yaml"}
    train = next(f for f in e["files"] if f["path"] == "train.py")
    assert any(a <= 21 <= b for a, b in train["lines"])
    assert 'parser.add_argument("--use-ema"' in e["removed_text"]["train.py"]
    assert e["reverse_patch"].startswith("diff --git a/")
    assert "+    parser.add_argument(\"--use-ema\"" in e["reverse_patch"]
    assert e["introduced"]["author"] and e["introduced"]["date"].startswith("20")
    assert e["last_used"]["source"] == "configs/old/ema.yaml" and e["last_used"]["date"].startswith("2025-07-15")
    assert "never set by any of 5 recent experiments" in e["why"]  # 4 runs and the README
    assert got["legacy_init"]["last_used"] is None
    assert got["cutmix"]["code"] == "STL201" and got["cutmix"]["kind"] == "variant"
    assert "elif args.aug == \"cutmix\":" in got["cutmix"]["removed_text"]["train.py"]
    # the variant's `choices` entry goes with its dispatch arm; the registered model whole
    assert 'choices=["none", "mixup", "cutmix"]' in got["cutmix"]["removed_text"]["train.py"]
    assert 'choices=["none", "mixup"])' in (repo / "train.py").read_text()
    assert got["mlp_mixer"]["system"] == "registry" and "def mlp_mixer" not in (repo / "models.py").read_text()
    listing = run("graveyard", repo)
    assert listing.exit_code == 0 and e["id"] in listing.output and "use_ema" in listing.output
    as_json = json.loads(run("graveyard", repo, "--output-format", "json").output)
    assert {x["id"] for x in as_json} == {x["id"] for x in got.values()}


def test_commit_has_a_trailer_per_entry(repo):
    assert fix(repo, "--apply", "--commit").exit_code == 0
    message = git(repo, "log", "-1", "--format=%B")
    for e in entries(repo):
        assert f"Stalelint-Removed: {e['id']} {e['name']}" in message
    assert git(repo, "status", "--porcelain") == ""
    assert "use_ema" in git(repo, "log", "--grep", "Stalelint-Removed", "--format=%B")


@pytest.mark.parametrize("first", [None, "cutmix"])
def test_restore_gives_back_identical_bytes(repo, first):
    before = snapshot(repo)
    fix(repo, "--apply")
    ids = [e["id"] for e in entries(repo)]
    if first:  # one entry out of order (a three-way merge with the later removals still in place)
        ident = next(e["id"] for e in entries(repo) if e["name"] == first)
        assert run("restore", ident, "--path", repo).exit_code == 0
        ids.remove(ident)
    for ident in reversed(ids):
        result = run("restore", ident, "--path", repo)
        assert result.exit_code == 0, result.output
    assert snapshot(repo) == before
    assert {e["status"] for e in entries(repo)} == {"restored"}
    again = run("restore", ids[0], "--path", repo)
    assert again.exit_code == 1 and "no removed entry" in again.output


def test_restore_merges_after_an_unrelated_edit(repo):
    fix(repo, "--knob", "use_ema", "--apply", "--commit")
    train = repo / "train.py"
    text = train.read_text().replace('"""Train a small image classifier', '"""Train a small (edited) image classifier')
    train.write_text(text + "\n# a later edit\n")
    result = run("restore", "use_ema", "--path", repo)
    assert result.exit_code == 0, result.output
    restored = train.read_text()
    assert "(edited)" in restored and "# a later edit" in restored
    assert 'parser.add_argument("--use-ema", action="store_true"' in restored
    assert "        ema = ModelEma(model, decay=args.ema_decay)" in restored
    assert 'parser.add_argument("--ema-decay"' in restored
    assert "class ModelEma" in (repo / "utils.py").read_text()


def test_restore_conflict_is_reported_and_writes_nothing(repo):
    fix(repo, "--knob", "use_ema", "--apply", "--commit")
    train = repo / "train.py"
    text = train.read_text().replace("    for epoch in range(args.epochs):", "    for epoch in range(args.epochs + 1):")
    text = text.replace("    scaler = torch.cuda.amp.GradScaler(enabled=args.use_amp)\n",
                        "    scaler = torch.cuda.amp.GradScaler(enabled=True)\n")
    train.write_text(text)
    utils = (repo / "utils.py").read_bytes()
    result = run("restore", "use_ema", "--path", repo)
    assert result.exit_code == 1
    assert "conflict" in result.output and "train.py" in result.output and "nothing was written" in result.output
    assert train.read_text() == text and (repo / "utils.py").read_bytes() == utils
    assert next(e for e in entries(repo) if e["name"] == "use_ema")["status"] == "removed"


@pytest.mark.parametrize("bad", ["../evil.py", "/tmp/evil.py", "a/../../evil.py"])
def test_restore_refuses_paths_outside_the_repo(repo, bad):
    fix(repo, "--apply")
    rows = entries(repo)
    rows[0]["files"][0]["path"] = bad
    (repo / ".stalelint/graveyard.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("restore", rows[0]["id"], "--path", repo)
    assert result.exit_code == 1 and "refusing to restore" in result.output
    assert not (repo.parent / "evil.py").exists()


def test_dirty_file_is_refused_unless_forced(repo):
    train = repo / "train.py"
    edited = train.read_text() + "# work in progress\n"
    train.write_text(edited)
    result = fix(repo, "--apply")
    assert result.exit_code == 1 and "uncommitted changes" in result.output
    assert train.read_text() == edited
    assert fix(repo, "--apply", "--force").exit_code == 0
    assert "use_ema" not in train.read_text() and "# work in progress" in train.read_text()


def test_unsafe_fix_needs_unsafe(repo):
    result = fix(repo, "--knob", "epochs", "--apply")
    assert result.exit_code == 0
    assert 'add_argument("--epochs"' in (repo / "train.py").read_text()
    # a run that fixed nothing says why
    assert "Fixed 0 findings: 0 lines removed from 0 files; 1 unsafe, not made (--unsafe makes them" in result.output
    assert fix(repo, "--knob", "epochs", "--apply", "--unsafe").exit_code == 0
    text = (repo / "train.py").read_text()
    assert 'add_argument("--epochs"' not in text and "range(90)" in text
    assert "epochs" not in (repo / "configs/base.yaml").read_text()


def test_select_limits_the_codes(repo):
    fix(repo, "--select", "STL101", "--apply")
    assert [e["name"] for e in entries(repo)] == ["legacy_init"]


def test_a_fix_that_would_not_compile_is_dropped_and_others_apply(repo, monkeypatch):
    from stalelint.fix import fold

    # a literal the simplifier does not know as constant, and that cannot compile
    monkeypatch.setattr(fold.Fold, "_literal", lambda self, like: cst.Name("await"))
    result = fix(repo, "--knob", "use_ema", "--knob", "legacy_init", "--apply")
    assert result.exit_code == 1
    assert "would not compile" in result.output
    text = (repo / "train.py").read_text()
    assert "legacy_init" not in text and "--use-ema" in text
    assert [e["name"] for e in entries(repo)] == ["legacy_init"]


def test_commit_needs_apply(repo):
    assert fix(repo, "--commit").exit_code == 2


def test_dataclass_fields_and_nested_config_sections(build):
    lab = build("labrepo")
    result = run("fix", lab, "--as-of", "2026-06-30", "--apply", *ALL)
    out = result.output
    assert "# STL102 model.use_rope (lab/config.py:10) [safe]" in out
    assert "use_rope" not in (lab / "lab/config.py").read_text()
    assert "use_rope" not in (lab / "finetune.py").read_text()
    assert (lab / "configs/legacy/rope.yaml").read_text() == ""  # `model:` went with its only key
    assert "configs/legacy/rope.yaml now sets nothing else" in out
    assert "its default [] is not a simple literal" in out  # tags: a mutable default is not folded
    assert "tags: list" in (lab / "lab/config.py").read_text()
    for f in ("lab/config.py", "finetune.py", "train.py", "lab/optim.py", "lab/options.py"):
        compile((lab / f).read_text(), f, "exec")


TWO_UNUSED = ("import argparse\n"
              "parser = argparse.ArgumentParser()\n"
              "parser.add_argument('--lr', type=float, default=0.1)\n"
              "parser.add_argument('--unused_a', type=int, default=1)\n"
              "parser.add_argument('--unused_b', type=int, default=2)\n"
              "args = parser.parse_args()\n"
              "print(args.lr)\n")


def fixed_script(tmp_path, source: bytes):
    """A one-script repo holding `source`, committed, and `fix --apply` run on it: (repo, script)."""
    from conftest import git as git_at

    repo = tmp_path / "script"
    repo.mkdir()
    train = repo / "train.py"
    train.write_bytes(source)
    git_at(repo, "init", "-q")
    git_at(repo, "add", "-A")
    git_at(repo, "commit", "-qm", "train")
    result = run("fix", repo, "--as-of", "2026-02-01", "--min-confidence", "0", "--apply")
    assert "Fixed 2 findings" in result.output, result.output
    return repo, train


def test_crlf_files_are_fixed_and_restored_byte_for_byte(tmp_path):
    """A Windows-style file (CRLF) keeps its line endings through a fix, and `restore --all` and a
    single restore give back its exact bytes: restore once read files with newline translation, and
    its three-way merge of LF against the fix's CRLF versions conflicted (pix2pixHD)."""
    from conftest import git as git_at

    source = TWO_UNUSED.replace("\n", "\r\n").encode()
    repo, train = fixed_script(tmp_path, source)
    fixed = train.read_bytes()
    assert b"unused_a" not in fixed and b"unused_b" not in fixed
    assert fixed.count(b"\r\n") == fixed.count(b"\n") == 5  # every line still ends in CRLF
    git_at(repo, "commit", "-qam", "fix")
    restored = run("restore", "--all", "--path", repo)
    assert restored.exit_code == 0, restored.output
    assert train.read_bytes() == source
    git_at(repo, "commit", "-qam", "restore")
    assert run("fix", repo, "--as-of", "2026-02-01", "--min-confidence", "0", "--apply").exit_code == 0
    one = [e["id"] for e in entries(repo) if e["status"] == "removed"][-1]  # the newest: its text is the file's
    single = run("restore", one, "--path", repo)
    assert single.exit_code == 0, single.output
    assert train.read_bytes().count(b"\r\n") == train.read_bytes().count(b"\n") == 6


def test_a_flag_removed_beside_another_comes_back_alone(tmp_path):
    """git's merge calls changes to adjacent lines a conflict, so a flag removed next to another
    removed flag could not come back alone (TensoRF's --lindisp above --perturb); the chain of the
    file's stored versions (fix/chain.py) brings it back where it was, the other one still removed."""
    repo, train = fixed_script(tmp_path, TWO_UNUSED.encode())
    ids = {e["name"]: e["id"] for e in entries(repo)}
    alone = run("restore", ids["unused_a"], "--path", repo)
    assert alone.exit_code == 0, alone.output
    assert train.read_text() == TWO_UNUSED.replace("parser.add_argument('--unused_b', type=int, default=2)\n", "")
    assert run("restore", ids["unused_b"], "--path", repo).exit_code == 0
    assert train.read_text() == TWO_UNUSED


def test_a_refused_restore_names_the_entries_removed_after_it(tmp_path):
    """Where neither the merge nor the chain can bring an entry back (here an edit made since, on
    the line next to it), the refusal names the entries removed after it from the file and the
    restore that would bring them back with it."""
    repo, train = fixed_script(tmp_path, TWO_UNUSED.encode())
    ids = {e["name"]: e["id"] for e in entries(repo)}
    train.write_text(train.read_text().replace("args = parser.parse_args()", "args = parser.parse_args([])"))
    alone = run("restore", ids["unused_a"], "--path", repo)
    assert alone.exit_code == 1 and "nothing was written" in alone.output
    assert f"stalelint restore {ids['unused_a']} {ids['unused_b']}" in alone.output

"""Fixes made the fast way (fix/source.py: one parse per file, rewrites of only the statements a fix
touches, shown fixes made across processes) give what the old way gives (every fix parsing,
visiting and generating its whole files, one after another); and restore of many entries at once."""
import dataclasses
import json
import shutil
import subprocess

import pytest

from stalelint import config, demo, fixture_repo
from stalelint import fix as fixer
from stalelint import graveyard
from stalelint.check import window_for
from stalelint.fix import engine, patch, source, workers

from conftest import ALL, FIXTURES, NOW, run

AS_OF = "2026-06-30"
DEMO_AS_OF = "2026-11-27"
REPOS = sorted(d.name for d in FIXTURES.iterdir() if (d / "history.toml").exists() and d.name != "demo")


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    out = {name: (fixture_repo.build(FIXTURES / name, base / name, NOW), AS_OF) for name in REPOS}
    out["demo"] = (demo.build(base / "demo", window_for(DEMO_AS_OF, 180).as_of), DEMO_AS_OF)
    return out


def forget_diffs():
    """Diffs are remembered by their texts (fix/patch.py), and fix workers hand theirs to the parent:
    a run compared with another works its own out, or is handed them, rather than reusing the other's."""
    patch._UNIFIED.clear()
    patch._RANGES.clear()


def outcomes(root, as_of, **kwargs):
    # every finding, whatever its confidence, and STL104 too: the most fixes to compare
    forget_diffs()
    settings = dataclasses.replace(config.load(root), min_confidence=0, extend_select=("STL104",))
    done = fixer.run(root, settings, window_for(as_of, settings.since_days), force=True, **kwargs)
    return [(o.fix.finding.code, o.fix.finding.name, o.status, o.message, o.before, o.after, o.cascade, o.emptied)
            for o in done.outcomes], fixer.render(done)


@pytest.mark.parametrize("name", [*REPOS, "demo"])
@pytest.mark.parametrize("unsafe", [False, True])
def test_fast_fixes_equal_the_old_way(repos, name, unsafe, monkeypatch):
    root, as_of = repos[name]
    old = outcomes(root, as_of, unsafe=unsafe, reuse=False, jobs=1)
    assert outcomes(root, as_of, unsafe=unsafe, jobs=1) == old
    monkeypatch.setattr(workers, "MIN_FIXES", 1)  # across two processes, even so few
    assert outcomes(root, as_of, unsafe=unsafe, jobs=2) == old
    monkeypatch.setattr(workers, "POOL", 1)  # one process making every block, the biggest first
    assert outcomes(root, as_of, unsafe=unsafe, jobs=2) == old


def tracked(repo):
    files = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True, check=True).stdout
    return {f: (repo / f).read_bytes() for f in files.split()}


def entries(repo):
    path = repo / ".stalelint/graveyard.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _copy(repos, name, tmp_path):
    root, as_of = repos[name]
    dest = tmp_path / name
    shutil.copytree(root, dest, symlinks=True)
    return dest, as_of


@pytest.mark.parametrize("name", ["demo", "labrepo", "systems", "variants", "tricks"])
def test_apply_writes_what_the_old_way_writes_and_restore_all_gives_it_back(repos, name, tmp_path, monkeypatch):
    fast, as_of = _copy(repos, name, tmp_path / "fast")
    slow, _ = _copy(repos, name, tmp_path / "slow")
    before = tracked(fast)
    with monkeypatch.context() as m:
        # made across two processes however few the fixes: the graveyard's patches back come from them
        m.setattr(workers, "MIN_FIXES", 1)
        forget_diffs()
        assert run("fix", fast, "--as-of", as_of, *ALL, "--apply", "--unsafe", "--jobs", "2").exit_code in (0, 1)
    with monkeypatch.context() as m:
        m.setattr(source, "REUSE", False)
        forget_diffs()
        assert run("fix", slow, "--as-of", as_of, *ALL, "--apply", "--unsafe").exit_code in (0, 1)
    assert tracked(fast) == tracked(slow) != before
    drop = ("removed_at",)
    assert [{k: v for k, v in e.items() if k not in drop} for e in entries(fast)] == \
        [{k: v for k, v in e.items() if k not in drop} for e in entries(slow)]
    result = run("restore", "--all", "--path", fast)
    assert result.exit_code == 0, result.output
    assert result.output.count("Restored ") == len(entries(fast))
    assert tracked(fast) == before
    assert {e["status"] for e in entries(fast)} == {"restored"}
    assert run("restore", "--all", "--path", fast).output.startswith("Nothing to restore")


def test_entries_made_together_equal_entries_made_one_by_one(repos, tmp_path):
    repo, as_of = _copy(repos, "demo", tmp_path)
    settings = config.load(repo)
    done = fixer.run(repo, settings, window_for(as_of, settings.since_days))
    made = done.applied
    assert len(made) >= 5
    now = graveyard.dt.datetime(2026, 11, 27, tzinfo=graveyard.dt.timezone.utc)
    head = graveyard.head(repo)
    assert graveyard.entries_for(repo, made, head, now) == [graveyard.entry_for(repo, o, head, now) for o in made]


def test_restore_several_ids_and_one_of_a_batch(repos, tmp_path):
    repo, as_of = _copy(repos, "demo", tmp_path)
    before = tracked(repo)
    assert run("fix", repo, "--as-of", as_of, "--apply").exit_code == 0
    fixed = tracked(repo)
    got = {e["name"]: e for e in entries(repo)}
    # one entry from the middle of the batch: exactly that knob comes back
    one = run("restore", got["cutmix"]["id"], "--path", repo)
    assert one.exit_code == 0, one.output
    now = tracked(repo)
    assert 'choices=["none", "mixup", "cutmix"]' in now["train.py"].decode()
    assert {p for p in now if now[p] != fixed[p]} == {f["path"] for f in got["cutmix"]["files"]}
    # two more by id and by name, in one command
    two = run("restore", got["use_ema"]["id"], "mlp_mixer", "--path", repo)
    assert two.exit_code == 0, two.output
    assert "Restored use_ema" in two.output and "Restored mlp_mixer" in two.output
    assert "use_ema" in (repo / "train.py").read_text() and "def mlp_mixer" in (repo / "models.py").read_text()
    status = {e["name"]: e["status"] for e in entries(repo)}
    assert status["cutmix"] == status["use_ema"] == status["mlp_mixer"] == "restored"
    assert list(status.values()).count("removed") == len(status) - 3
    assert run("restore", "--all", "--path", repo).exit_code == 0
    assert tracked(repo) == before


def test_restore_all_merges_an_unrelated_edit_and_writes_nothing_on_a_conflict(repos, tmp_path):
    repo, as_of = _copy(repos, "demo", tmp_path)
    assert run("fix", repo, "--as-of", as_of, "--apply", "--commit").exit_code == 0
    train = repo / "train.py"
    edited = train.read_text().replace('"""Train a small image classifier',
                                       '"""Train a small (edited) image classifier')
    train.write_text(edited + "\n# a later edit\n")
    assert run("restore", "--all", "--path", repo).exit_code == 0
    text = train.read_text()
    assert "(edited)" in text and "# a later edit" in text and 'parser.add_argument("--use-ema"' in text
    assert {e["status"] for e in entries(repo)} == {"restored"}

    repo, as_of = _copy(repos, "demo", tmp_path / "conflict")
    assert run("fix", repo, "--as-of", as_of, "--apply", "--commit").exit_code == 0
    train = repo / "train.py"
    text = train.read_text().replace("    for epoch in range(args.epochs):", "    for epoch in range(args.epochs + 1):")
    text = text.replace("    scaler = torch.cuda.amp.GradScaler(enabled=args.use_amp)\n",
                        "    scaler = torch.cuda.amp.GradScaler(enabled=True)\n")
    train.write_text(text)
    snapshot = tracked(repo)
    graveyard_text = (repo / ".stalelint/graveyard.jsonl").read_text()
    result = run("restore", "--all", "--path", repo)
    assert result.exit_code == 1
    assert "conflict" in result.output and "train.py" in result.output and "nothing was written" in result.output
    assert tracked(repo) == snapshot and (repo / ".stalelint/graveyard.jsonl").read_text() == graveyard_text


def test_restore_needs_an_id_or_all(repos, tmp_path):
    repo, _ = _copy(repos, "demo", tmp_path)
    assert run("restore", "--path", repo).exit_code == 2
    assert run("restore", "abcd", "--all", "--path", repo).exit_code == 2


def test_progress_counts_the_files_rewritten(repos):
    root, as_of = repos["demo"]
    settings = config.load(root)
    stages = []
    fixer.run(root, settings, window_for(as_of, settings.since_days), progress=stages.append)
    counts = [s for s in stages if s.startswith("rewriting files")]
    total = counts[0].rsplit("/", 1)[1]
    assert counts[0] == f"rewriting files 0/{total}" and counts[-1] == f"rewriting files {total}/{total}"
    assert int(total) >= 2 and "planning fixes" in stages


def test_a_pruned_rewrite_equals_a_full_one():
    """Statements without the words a transformer looks for are handed back untouched."""
    text = ('import argparse\n\n\ndef main():\n    p = argparse.ArgumentParser()\n'
            '    p.add_argument("--use-ema", action="store_true")  # keep an EMA\n'
            '    p.add_argument("--lr", type=float, default=0.1)\n    args = p.parse_args()\n'
            '    if args.use_ema:\n        print("ema")\n    else:\n        print("\\u0065ma")\n'
            '    print(args.lr, getattr(args, "use_ema"))\n')
    from stalelint.fix.definitions import RemoveDefinition
    from stalelint.fix.fold import Fold

    fast, slow = source.Trees(), source.Trees(reuse=False)
    for make in (lambda: RemoveDefinition("argparse", "use_ema", ("--use-ema",), ""),
                 lambda: Fold({"use_ema"}, False, {"args"})):
        a, b = make(), make()
        assert fast.rewrite(fast.cst(text), a) == slow.rewrite(slow.cst(text), b)
        text = fast.rewrite(fast.cst(text), make())
    assert "use_ema" not in text and 'print("\\u0065ma")' in text and "print(args.lr, False)" in text
    assert engine.Workspace  # the engine builds on these


def test_a_block_made_ahead_that_looked_at_a_file_changed_before_it_is_made_again(repos, monkeypatch):
    """yacsrepo: a block of one file's fixes read a file an earlier block changed: that block is made
    again, serially, in the parent; the others are kept as their workers made them."""
    root, as_of = repos["yacsrepo"]
    old = outcomes(root, as_of, reuse=False, jobs=1)
    again = []
    real = workers.keep
    monkeypatch.setattr(workers, "keep", lambda ws, fix, *a: again.append(fix.finding.path) or real(ws, fix, *a))
    monkeypatch.setattr(workers, "MIN_FIXES", 1)
    assert outcomes(root, as_of, jobs=2) == old
    made = [o for o in old[0] if o[2] != "unsafe"]
    assert again and len(again) < len(made)  # some blocks held, some were made again


def test_a_block_made_ahead_is_kept_up_to_its_first_look_that_changed(tmp_path):
    """The fixes of a block before the first one whose looks no longer hold are kept as the worker
    made them; the number of that fix is what `_held` returns (all of them when every look holds)."""
    from stalelint.fix.orphans import Seen

    class Ws:  # what _held asks of the parent's workspace
        reads = None

        @staticmethod
        def peek(path):
            return {"b.py": "import helper\nhelper.run()\n"}.get(path)

    seen = Seen()
    seen.at = 0
    seen.text("a.py")
    seen.at = 2
    seen.text("b.py")
    seen.words.append(("helper", "b.py", False, False, 2))  # b.py names it now: that look broke at fix 2
    seen.at = 3
    seen.went(("c.py", "lr"))
    assert workers._held(seen, set(), set(), Ws, 5) == 5
    assert workers._held(seen, {"b.py"}, set(), Ws, 5) == 2
    assert workers._held(seen, {"a.py", "b.py"}, set(), Ws, 5) == 0
    assert workers._held(seen, set(), {("c.py", "lr")}, Ws, 5) == 3


def test_a_plan_after_another_in_the_same_process_equals_a_fresh_one(repos, tmp_path):
    """plan.py keeps what it worked out of each file's text for the next plan (fix --apply plans
    again after writing): with a file changed in between, the plan is the one a fresh process makes."""
    import importlib

    planner = importlib.import_module("stalelint.fix.plan")  # the module: stalelint.fix.plan is its function

    dest, as_of = _copy(repos, "labrepo", tmp_path)
    outcomes(dest, as_of, jobs=1)  # the plan before, of the files as they were
    assert any("tree" in kept for kept in planner._BEFORE.values())
    changed = sorted(dest.rglob("*.py"))[0]
    changed.write_text(changed.read_text() + "\nimport subprocess\nsubprocess.run('python train.py --lr 3')\n")
    again = outcomes(dest, as_of, jobs=1)
    planner._BEFORE = {}
    assert outcomes(dest, as_of, jobs=1) == again

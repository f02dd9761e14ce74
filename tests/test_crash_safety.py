"""`fix --apply` killed with SIGKILL at random points: every file is wholly old or wholly new, the
graveyard is never corrupt, and running again finishes the job.

Two kinds of kill, both seeded:
- by time: the parent sends SIGKILL after a delay drawn from 0..T (T: an uninterrupted run's time);
- by step: the child kills itself just before its k-th file-system step (a rename, an unlink or an
  fsync), for every k the run has. Timed kills land mostly in the analysis, which writes nothing;
  these land inside the few milliseconds where files are written.

By default 10 timed kills and 14 of the step kills (seeded, always the first and the last step);
STALELINT_CRASH_KILLS=<n> runs n timed kills and every step kill.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stalelint import fixture_repo

from conftest import ALL, FIXTURES, NOW, run

AS_OF = "2026-06-30"
ARGS = ["fix", "--as-of", AS_OF, "--apply", *ALL]
TIMED_KILLS = int(os.environ.get("STALELINT_CRASH_KILLS", "10"))
ALL_STEPS = "STALELINT_CRASH_KILLS" in os.environ
STEP_KILLS = 14
SKIP = {".git", ".stalelint_cache"}
JOURNAL = ".stalelint/fix-journal.json"
GRAVEYARD = ".stalelint/graveyard.jsonl"

# run the CLI with os.replace/os.unlink/os.fsync counted; SIGKILL itself before step KILL_AT (if set)
CHILD = r"""
import os, signal, sys
kill_at = int(os.environ.get("KILL_AT", "0"))
steps = 0
def counted(real):
    def step(*args, **kwargs):
        global steps
        steps += 1
        if steps == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return step
for name in ("replace", "rename", "unlink", "remove", "fsync"):
    setattr(os, name, counted(getattr(os, name)))
from stalelint.cli import main
code = main(sys.argv[1:])
with open(os.environ["STEPS_FILE"], "w") as f:
    f.write(str(steps))
sys.exit(code)
"""


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in filenames:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def graveyard(root: Path) -> list[dict]:
    path = root / GRAVEYARD
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The repo before, and after one uninterrupted `fix --apply` (with its time and step count)."""
    base = tmp_path_factory.mktemp("crash")
    template = fixture_repo.build(FIXTURES / "labrepo", base / "template", NOW)
    assert run("check", template, "--as-of", AS_OF).exit_code == 1  # warm the index cache, as a user's would be
    done = base / "done"
    shutil.copytree(template, done, symlinks=True)
    steps_file = base / "steps"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", CHILD, *ARGS, str(done)], capture_output=True, text=True,
                          env=dict(env(), STEPS_FILE=str(steps_file)))
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    before, after = tree(template), tree(done)
    changed = sorted(p for p in after if p != GRAVEYARD and after[p] != before.get(p))
    assert len(changed) >= 4, changed  # several fixes across several files
    assert set(after) - set(before) == {GRAVEYARD}
    return {"template": template, "before": before, "after": after, "changed": changed, "time": took,
            "steps": int(steps_file.read_text()), "entries": graveyard(done), "base": base}


def _assert_consistent(repo: Path, states: dict, when: str) -> str:
    """Files are old or new, never half; returns what state the kill left: none, some or all."""
    now = tree(repo)
    before, after = states["before"], states["after"]
    for path in sorted(set(before) | set(after)):
        if path == GRAVEYARD:
            continue
        assert now.get(path) in (before.get(path), after.get(path)), f"{when}: {path} is neither old nor new"
    extra = set(now) - set(before) - set(after)
    leftovers = {p for p in extra if p.endswith(".stalelint-tmp")}
    assert extra == leftovers, f"{when}: unexpected files {sorted(extra - leftovers)}"
    if GRAVEYARD in now:
        for n, line in enumerate(now[GRAVEYARD].decode("utf-8").splitlines(), 1):
            json.loads(line)  # a torn line would raise here
    new = sum(now.get(p) == after[p] for p in states["changed"])
    return "none" if new == 0 else "all" if new == len(states["changed"]) else "some"


def _rerun_finishes(repo: Path, states: dict, when: str) -> None:
    result = run(*ARGS[:1], repo, *ARGS[1:])
    assert result.exit_code == 0, f"{when}: rerun failed:\n{result.output}"
    now = tree(repo)
    assert set(now) == set(states["after"]), f"{when}: files differ: {sorted(set(now) ^ set(states['after']))}"
    for path in states["after"]:
        if path != GRAVEYARD:
            assert now[path] == states["after"][path], f"{when}: {path} is not the fully fixed version"
    entries = graveyard(repo)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), f"{when}: duplicate graveyard entries"
    assert sorted(ids) == sorted(e["id"] for e in states["entries"]), f"{when}: graveyard differs"


def _copy(states: dict, name: str) -> Path:
    dest = states["base"] / name
    shutil.copytree(states["template"], dest, symlinks=True)
    return dest


def test_kill_at_every_write_step(states):
    """SIGKILL just before each rename, unlink and fsync of a run, then run again."""
    seen = {}
    steps = list(range(1, states["steps"] + 1))
    if not ALL_STEPS and len(steps) > STEP_KILLS:
        steps = sorted({1, steps[-1], *random.Random(8).sample(steps[1:-1], STEP_KILLS - 2)})
    for k in steps:
        repo = _copy(states, f"step{k}")
        proc = subprocess.run([sys.executable, "-c", CHILD, *ARGS, str(repo)], capture_output=True, text=True,
                              env=dict(env(), KILL_AT=str(k), STEPS_FILE=os.devnull))
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        left = _assert_consistent(repo, states, f"killed before step {k}")
        seen[left] = seen.get(left, 0) + 1
        _rerun_finishes(repo, states, f"killed before step {k}")
        shutil.rmtree(repo)
    # the kills did land between the first file written and the last
    assert seen.get("some", 0) >= 2, seen
    print(f"\n{len(steps)} of {states['steps']} step kills, left: {seen}")


def test_kill_at_random_times(states):
    rng = random.Random(8)
    seen = {}
    for i in range(TIMED_KILLS):
        delay = rng.uniform(0, states["time"])
        repo = _copy(states, f"timed{i}")
        proc = subprocess.Popen([sys.executable, "-m", "stalelint", *ARGS, str(repo)], env=env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        when = f"killed after {delay:.3f}s"
        left = _assert_consistent(repo, states, when)
        seen[left] = seen.get(left, 0) + 1
        _rerun_finishes(repo, states, when)
        shutil.rmtree(repo)
    print(f"\n{TIMED_KILLS} timed kills (T = {states['time']:.2f}s), left: {seen}")


class Killed(BaseException):
    """Stands in for SIGKILL inside the test process: nothing after it runs, no handler catches it."""


def _die_after(monkeypatch, n: int) -> None:
    """The n+1-th atomic file replacement of fix/write.py never happens."""
    import importlib

    write_mod = importlib.import_module("stalelint.fix.write")  # `stalelint.fix.write` the name is a function
    real, count = write_mod.write_atomic, [0]

    def counted(path, text):
        count[0] += 1
        if count[0] > n:
            raise Killed
        real(path, text)

    monkeypatch.setattr(write_mod, "write_atomic", counted)


def test_a_file_changed_after_the_kill_is_not_overwritten(states, monkeypatch):
    repo = _copy(states, "conflict")
    _die_after(monkeypatch, 3)  # the journal and two files
    with pytest.raises(Killed):
        run(*ARGS[:1], repo, *ARGS[1:])
    monkeypatch.undo()
    pending = [p for p in states["changed"] if (repo / p).read_bytes() == states["before"][p]]
    assert pending
    edited = repo / pending[0]
    edited.write_bytes(states["before"][pending[0]] + b"# my own edit\n")
    snapshot = tree(repo)
    result = run(*ARGS[:1], repo, *ARGS[1:])
    assert result.exit_code == 1
    assert f"{pending[0]} changed since" in result.output and "nothing was written" in result.output
    assert tree(repo) == snapshot
    # `fix` without --apply says what is pending
    assert "interrupted" in run("fix", repo, "--as-of", AS_OF, *ALL).output


def test_an_interrupted_restore_is_finished_by_the_next_one(states, monkeypatch):
    repo = _copy(states, "restore")
    assert run(*ARGS[:1], repo, *ARGS[1:], "--knob", "model.use_rope").exit_code == 0
    fixed = tree(repo)
    entry, = graveyard(repo)
    assert len(entry["files"]) >= 2  # removed from code and from a config file
    _die_after(monkeypatch, 2)  # the journal and one of the files
    with pytest.raises(Killed):
        run("restore", entry["id"], "--path", repo)
    monkeypatch.undo()
    result = run("restore", entry["id"], "--path", repo)
    assert "Finished an interrupted" in result.output
    restored = tree(repo)
    for f in entry["files"]:
        assert restored[f["path"]] == states["before"][f["path"]]
    assert next(e for e in graveyard(repo) if e["id"] == entry["id"])["status"] == "restored"
    assert {p for p in restored if restored[p] != fixed.get(p)} == {f["path"] for f in entry["files"]} | {GRAVEYARD}


def test_a_second_writer_does_not_overwrite_a_pending_journal(tmp_path):
    import importlib

    write_mod = importlib.import_module("stalelint.fix.write")
    (tmp_path / "a.py").write_text("x = 1\n")
    journal = write_mod.journal_path(tmp_path)  # not a git repo: under .stalelint/
    assert journal == tmp_path / ".stalelint" / write_mod.JOURNAL_NAME
    journal.parent.mkdir()
    journal.write_text('{"version": 1, "files": []}')
    with pytest.raises(write_mod.Interrupted, match="pending"):
        write_mod.write_together(tmp_path, {"a.py": ("x = 1\n", "x = 2\n")})
    assert (tmp_path / "a.py").read_text() == "x = 1\n"
    assert write_mod.finish_interrupted(tmp_path) == [] and not journal.exists()
    assert write_mod.write_together(tmp_path, {"a.py": ("x = 1\n", "x = 2\n")}) == ["a.py"]
    assert (tmp_path / "a.py").read_text() == "x = 2\n" and not journal.exists()

import datetime as dt
import os

from stalelint.check import run as run_check, window_for
from stalelint.config import from_table
from stalelint.discover import discover
from stalelint.history import History


def test_one_log_pass_dates_every_file(build):
    repo = build("labrepo")
    files = discover(repo, ())
    h = History.read(repo, files.tracked, files.git)
    assert h.git and not h.shallow
    assert h.git_calls == 3  # log, diff, rev-parse: whatever the number of files
    assert h.date_of("configs/legacy/rope.yaml")[0].date() == dt.date(2025, 2, 1)
    assert h.date_of("train.py")[0].date() == dt.date(2026, 6, 1)  # the last commit that touched it
    (repo / "configs/new.yaml").write_text("lr: 1\n")
    when, how = h.date_of("configs/new.yaml")
    assert how == "mtime" and when.date() == dt.date.today()


def test_blame_runs_only_for_files_changed_in_the_window(build):
    repo = build("labrepo")
    settings = from_table({}, "test")
    files = discover(repo, ())
    h = History.read(repo, files.tracked, files.git)
    from stalelint.history import is_newer_than
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert not is_newer_than(h, "lab/options.py", 9, 9, start)
    assert h.git_calls == 3  # untouched since 2025: no blame needed
    assert is_newer_than(h, "train.py", 17, 17, start)  # --debug-every, added 2026-06-01
    assert not is_newer_than(h, "train.py", 12, 12, start)  # --use-ema, from 2025
    assert h.git_calls == 4  # one blame for train.py, shared by both lines
    result = run_check(repo, settings, window_for("2026-06-30", 180))
    assert result.findings


def test_uncommitted_edit_gets_grace(build):
    repo = build("labrepo")
    text = (repo / "lab/options.py").read_text()
    (repo / "lab/options.py").write_text(text.replace(
        '    parser.add_argument("--dataset"', '    parser.add_argument("--brand-new", action="store_true")\n'
        '    parser.add_argument("--dataset"'))
    (repo / "lab/optim.py").write_text((repo / "lab/optim.py").read_text() + "\nprint(opts.brand_new)\n")
    result = run_check(repo, from_table({"min_confidence": 0}, "test"), window_for("2026-06-30", 180))
    assert not any(f.name == "brand_new" for f in result.findings)
    assert any(f.name == "warmup" for f in result.findings)  # old lines of the same file are still judged
    assert os.path.exists(repo / ".git")


def test_stalelint_fix_commits_do_not_date_experiments(build):
    import subprocess
    repo = build("labrepo")
    path = repo / "configs/legacy/rope.yaml"
    path.write_text(path.read_text().replace("freeze_backbone: true\n", ""))
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b",
           "PATH": os.environ["PATH"]}
    subprocess.run(["git", "-C", repo, "commit", "-qam", "stalelint: remove 1 stale knob"], check=True, env=env)
    files = discover(repo, ())
    h = History.read(repo, files.tracked, files.git)
    assert h.date_of("configs/legacy/rope.yaml")[0].date() == dt.date(2025, 2, 1)


def _ages(repo, start, use_cache=True):
    files = discover(repo, ())
    h = History.read(repo, files.tracked, files.git, use_cache=use_cache)
    from stalelint.history import is_newer_than
    got = (is_newer_than(h, "train.py", 17, 17, start), is_newer_than(h, "train.py", 12, 12, start))
    h.save()
    return h, got


def test_line_ages_are_cached_per_window(build):
    import subprocess

    repo = build("labrepo")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cold, want = _ages(repo, start)
    assert want == (True, False)  # --debug-every added 2026-06-01 is young, --use-ema from 2025 is not
    warm, got = _ages(repo, start)
    assert got == want and warm.git_calls == cold.git_calls - 2  # neither the dates' log nor the window's log -p
    # the same commits inside a window starting a day later: still answered from the cache
    later, got = _ages(repo, start + dt.timedelta(days=1))
    assert got == want and later.git_calls == warm.git_calls
    # a window whose start passes the young commit: other commits inside it, so a new replay
    none, got = _ages(repo, dt.datetime(2026, 6, 2, tzinfo=dt.timezone.utc))
    assert got == (False, False)
    # an uncommitted edit is never answered from the cache: the added line is young
    text = (repo / "train.py").read_text().split("\n")
    (repo / "train.py").write_text("\n".join(text[:11] + ["# a new comment line"] + text[11:]))
    edited, got = _ages(repo, start)
    assert got[1] is True and got == _ages(repo, start, use_cache=False)[1]  # line 12 is now the new comment
    subprocess.run(["git", "-C", repo, "checkout", "-q", "train.py"], check=True)
    # a damaged memo is ignored
    for f in (repo / ".stalelint_cache" / "history").glob("young-*.json"):
        f.write_bytes(f.read_bytes()[:-5])
    again, got = _ages(repo, start)
    assert got == want
    assert len(list((repo / ".stalelint_cache" / "history").glob("young-*.json"))) == 1  # the latest window only
    # without the cache, every run replays
    _, got = _ages(repo, start, use_cache=False)
    assert got == want


def test_patch_lines_inside_a_hunk_are_never_headers():
    """A removed line reading `-- x` is `--- x` in a patch, an added `++ y` is `+++ y`, and a line
    starting with the log's record separator is content: each hunk's lines are counted off its header."""
    from stalelint.line_ages import _by_commit, _parse_patch

    patch = ("diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n"
             "@@ -3 +2,0 @@\n--- old doc line\n"
             "@@ -10,0 +10,2 @@\n+x = 1\n+++ y\n"
             "diff --git a/b.py b/b.py\nnew file mode 100644\n--- /dev/null\n+++ b/b.py\n"
             "@@ -0,0 +1 @@\n+\x1e1700000000\n\\ No newline at end of file\n")
    assert _parse_patch(patch) == [("a.py", "a.py", [(3, 1, 2, 0), (10, 0, 10, 2)]),
                                   (None, "b.py", [(0, 0, 1, 1)])]
    log = ["\x1e1780000000", ""] + patch.split("\n") + ["\x1e1770000000", "", "diff --git a/c.py b/c.py",
                                                        "--- a/c.py", "+++ b/c.py", "@@ -1 +1 @@", "-a", "+b"]
    assert [(when, [f[1] for f in change]) for when, change in _by_commit(log)] == \
        [(1780000000, ["a.py", "b.py"]), (1770000000, ["c.py"])]

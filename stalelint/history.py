"""Everything git, in a number of git processes that does not grow with the repo: when each file
last changed (one `git log` for the whole repo, cached by HEAD's commit id), what is uncommitted
(one `git diff`), and which lines are younger than the window (one `git log -p` of the window's
commits, see line_ages.py) for the grace period. With the cache on, the line ages of clean tracked
files are kept per window (HEAD and which of its commits are inside the window), so a run whose
window holds the same commits as the last one starts no `git log -p` at all.

Who wrote a removed definition, and when, is the graveyard's question (one `git blame -L` per fix).

Times are author times: when a change was written. A mirror exported in one batch (dopamine's
public copy: a year of configs committed on one day), a rebase or a cherry-pick keeps them, where
the commit time would make everything it carried look written that day.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import cache, line_ages

_UTC = dt.timezone.utc


class GitError(Exception):
    def __init__(self, args: list[str], stderr: str):
        super().__init__(f"git {' '.join(args)}: {stderr.strip()}")
        self.stderr = stderr


def run_git(root: Path, *args: str) -> str:
    """stdout of one git command in `root`; GitError when it fails. Plain subprocess, so checking
    does not import gitpython (a tenth of a warm run's time)."""
    cmd = ["git", "-C", str(root), "-c", "core.quotePath=false", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(list(args), str(exc)) from None
    if proc.returncode != 0:
        raise GitError(list(args), proc.stderr.decode("utf-8", "replace"))
    return proc.stdout.decode("utf-8", "surrogateescape")


def git_lines(root: Path, *args: str) -> Iterator[str]:
    """stdout of one git command, line by line as it comes (a window's `git log -p` is megabytes);
    GitError when it fails, after its lines."""
    cmd = ["git", "-C", str(root), "-c", "core.quotePath=false", *args]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise GitError(list(args), str(exc)) from None
    with proc:
        assert proc.stdout is not None and proc.stderr is not None
        for raw in proc.stdout:
            yield raw.decode("utf-8", "surrogateescape").removesuffix("\n")
        # read after stdout: git writes a few warnings at most there, far below a pipe's buffer
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise GitError(list(args), err.decode("utf-8", "replace"))


def _from_epoch(seconds: str | float) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(float(seconds)), tz=_UTC)


def mtime(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=_UTC)
    except OSError:
        return None


@dataclass
class History:
    root: Path
    git: bool
    notices: list[str] = field(default_factory=list)
    last_change: dict[str, dt.datetime] = field(default_factory=dict)
    tracked: frozenset[str] = frozenset()
    shallow: bool = False
    dirty: frozenset[str] = frozenset()  # tracked files with uncommitted (staged or unstaged) changes
    git_calls: int = 0

    first_parent: list[tuple[str, int]] = field(default_factory=list)  # HEAD's first parents: (id, time)
    newest_change: dict[str, dt.datetime] = field(default_factory=dict)  # latest commit date per file
    _window: "line_ages.WindowLog | None" = None  # see line_times
    _window_start: dt.datetime | None = None
    _window_read: bool = False
    _young: dict[str, list[int | None]] = field(default_factory=dict)  # this window's answers, by file
    use_cache: bool = False
    dirty_known: bool = False  # `git diff` answered, so a file not in `dirty` is as HEAD has it
    # line times of clean tracked files under one window: rel -> [line count, [[first, last, time], ...]]
    _young_memo: dict[str, list] | None = None
    _young_name: str | None = None  # its cache file
    _young_changed: bool = False

    @classmethod
    def read(cls, root: Path, tracked: frozenset[str], is_git: bool, use_cache: bool = False) -> "History":
        if not is_git:
            return cls(root, False, ["not a git repository: experiments are dated by file modification times "
                                     "and no knob gets a grace period from its history"])
        h = cls(root, True, tracked=tracked, use_cache=use_cache)
        try:
            # one process for both: whether the clone is shallow, and the commit the dates are of
            shallow, _, head = run_git(root, "rev-parse", "--is-shallow-repository", "HEAD").partition("\n")
            h.git_calls += 1
            h.shallow = shallow.strip() == "true"
            head = head.strip()
            dates = cache.load_json(root, f"history/v3-{head}.json", "history") if use_cache else None
            if not _valid_dates(dates):
                out = run_git(root, "log", "--format=%x1e%at %H %P%x1f%s", "--name-only", "--no-renames", "HEAD", "--")
                h.git_calls += 1
                dates = _last_changes(out, head)
                if use_cache:
                    cache.save_json(root, f"history/v3-{head}.json", "history", dates)
        except GitError as exc:
            h.git_calls += 1
            h.git = False
            err = exc.stderr
            no_commits = any(s in err for s in ("does not have any commits", "unknown revision", "bad revision",
                                                "bad default revision"))
            reason = "the repository has no commits yet" if no_commits else \
                f"git log failed: {err.strip().removeprefix('stderr:').strip() or exc}"
            h.notices.append(f"{reason}: experiments are dated by file modification times")
            h.shallow = False
            return h
        h.last_change = {p: _from_epoch(t) for p, t in dates["files"].items()}
        h.first_parent = [(sha, when) for sha, when in dates["chain"]]
        h.newest_change = {p: _from_epoch(t) for p, t in dates["newest"].items()}
        try:
            diff = run_git(root, "diff", "--name-only", "--no-renames", "HEAD")
            h.dirty = frozenset(p for p in diff.split("\n") if p)
            h.dirty_known = True
            h.git_calls += 1
        except GitError:
            pass
        if h.shallow:
            h.notices.append("shallow clone: history before the clone's depth is missing, so knobs introduced "
                             "earlier look as young as the oldest commit")
        return h

    def line_times(self, rel: str, start: dt.datetime) -> list[int | None]:
        """For each line of the working-tree file (index 0 is line 1): when it was written (epoch
        seconds, line_ages.UNCOMMITTED for uncommitted lines) if at or after `start`, else None.
        The first call that the cache cannot answer reads the window's history of every file at
        once: one `git log -p`, and one `git diff` when the tree is dirty."""
        if self._window_start != start:
            self._window_start, self._window, self._window_read = start, None, False
            self._young = {}
            self._load_young_memo(start)
        if rel in self._young:  # every knob of a file asks
            return self._young[rel]
        memo = self._young_memo if self.dirty_known and rel in self.tracked and rel not in self.dirty else None
        if memo is not None and rel in memo:
            self._young[rel] = _expand(memo[rel])
            return self._young[rel]
        if not self._window_read:
            self._window_read = True
            try:
                self._window = line_ages.WindowLog(self.root, start, self.dirty, git_lines, self.first_parent)
                self.git_calls += self._window.calls
            except GitError:  # no line ages: every line of a recently changed file counts as young
                self.git_calls += 1
                self._window = None
        times = self._window.times(rel) if self._window is not None else []
        if memo is not None and self._window is not None:
            memo[rel] = _compress(times)
            self._young_changed = True
        self._young[rel] = times
        return times

    def _load_young_memo(self, start: dt.datetime) -> None:
        """The memo of line ages for this window, from the cache: keyed by HEAD, the commits the
        window's `git log -p` covers and which of them are dated inside it (what line ages are a
        function of, for a file as HEAD has it), and the replay's own source."""
        self._young_memo, self._young_name, self._young_changed = None, None, False
        chain = self.first_parent
        if not self.use_cache or not chain:
            return
        since = int(start.timestamp())
        inside = [i for i, (_, when) in enumerate(chain) if when >= since]
        covered = chain[:inside[-1] + 1] if inside else []
        key = hashlib.blake2b(digest_size=16)
        key.update(_LINE_AGES_SOURCE)
        for sha, when in covered:
            key.update(f"{sha}{'+' if when >= since else '-'}".encode())
        self._young_name = f"history/young-{key.hexdigest()}.json"
        data = cache.load_json(self.root, self._young_name, "young")
        self._young_memo = data if _valid_memo(data) else {}

    def save(self) -> None:
        """Keep this run's line ages for the next run (the cache holds the latest window only)."""
        if not self._young_changed or self._young_memo is None or self._young_name is None:
            return
        folder = self.root / cache.DIRNAME / "history"
        cache.save_json(self.root, self._young_name, "young", self._young_memo)
        self._young_changed = False
        try:
            for old in folder.glob("young-*.json"):
                if f"history/{old.name}" != self._young_name:
                    old.unlink()
        except OSError:
            pass

    def date_of(self, rel: str) -> tuple[dt.datetime | None, str]:
        """When a file's experiments were made: its last commit, else its modification time."""
        if self.git and rel in self.last_change:
            return self.last_change[rel], "commit"
        return mtime(self.root / rel), "mtime"


def _line_ages_source() -> bytes:
    try:
        return Path(line_ages.__file__).read_bytes()
    except (OSError, TypeError):  # installed without sources: the version decides
        from . import __version__
        return __version__.encode()


_LINE_AGES_SOURCE = _line_ages_source()


def _compress(times: list[int | None]) -> list:
    """Runs of lines written at the same time: [line count, [[first, last, time], ...]]."""
    spans: list[list[int]] = []
    for i, t in enumerate(times, 1):
        if t is not None:
            if spans and spans[-1][1] == i - 1 and spans[-1][2] == t:
                spans[-1][1] = i
            else:
                spans.append([i, i, t])
    return [len(times), spans]


def _expand(entry: list) -> list[int | None]:
    times: list[int | None] = [None] * entry[0]
    for first, last, t in entry[1]:
        times[first - 1:last] = [t] * (last - first + 1)
    return times


def _valid_memo(data: object) -> bool:
    if type(data) is not dict:
        return False
    for rel, entry in data.items():
        if type(rel) is not str or type(entry) is not list or len(entry) != 2 or type(entry[0]) is not int \
                or entry[0] < 0 or type(entry[1]) is not list:
            return False
        for span in entry[1]:
            if type(span) is not list or len(span) != 3 or any(type(x) is not int for x in span) \
                    or not 1 <= span[0] <= span[1] <= entry[0]:
                return False
    return True


def _valid_dates(data: object) -> bool:
    return type(data) is dict and type(data.get("files")) is dict and type(data.get("chain")) is list \
        and type(data.get("newest")) is dict and all(type(v) is int for v in data["newest"].values()) \
        and all(type(v) is int for v in data["files"].values()) \
        and all(type(c) is list and len(c) == 2 and type(c[0]) is str and type(c[1]) is int for c in data["chain"])


def _last_changes(out: str, head: str) -> dict:
    """From `git log --format=%x1e%at %H %P%x1f%s --name-only`: {"files": path -> time (epoch) of the newest
    commit that touched it, "chain": HEAD's first-parent history as [commit id, time], newest first}."""
    last: dict[str, int] = {}
    newest: dict[str, int] = {}  # the latest commit date, which differs from `last` after a back-dated commit
    first_parent: dict[str, tuple[int, str]] = {}
    for chunk in ("\n" + out).split("\n\x1e"):  # a record starts a line; a subject may hold \x1e
        lines = chunk.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        head_line, _, subject = lines[0].partition("\x1f")
        fields = head_line.split()
        when = int(float(fields[0]))
        if len(fields) >= 2:
            first_parent[fields[1]] = (when, fields[2] if len(fields) >= 3 else "")
        # a commit `stalelint fix --commit` made deleted keys from experiment files: it is no
        # experiment, so it must not make those files look recent
        by_stalelint = subject.startswith("stalelint: remove")
        for p in lines[1:]:
            if p and p not in last and not by_stalelint:
                last[p] = when
            if p and when > newest.get(p, when - 1):
                newest[p] = when
    chain: list[list] = []
    sha = head
    while sha in first_parent and len(chain) <= len(first_parent):
        when, parent = first_parent[sha]
        chain.append([sha, when])
        sha = parent
    return {"files": last, "newest": newest, "chain": chain}


def introduced(history: History, rel: str, line: int, end_line: int, start: dt.datetime) -> dt.datetime | None:
    """When a definition (its lines `line`..`end_line`) was last written, if at or after `start`;
    None when it is older. Read from git's history of the lines (blame-like); files untracked or
    outside git by their modification time. A line the history cannot place counts as written now."""
    if history.git and rel in history.last_change:
        newest = history.newest_change.get(rel, history.last_change[rel])
        if newest < start and rel not in history.dirty:
            return None  # no commit dated inside the window touched it: no line can be younger
        times = history.line_times(rel, start)
        span = times[line - 1: max(line, end_line)]
        if not span:
            return _NOW
        stamps = [t for t in span if t is not None]
        if not stamps:
            return None
        latest = max(stamps)
        return _NOW if latest >= line_ages.UNCOMMITTED else _from_epoch(latest)
    when = mtime(history.root / rel)
    if when is None:
        return _NOW
    return when if when >= start else None


# "written now": an uncommitted line, or one whose age cannot be told (later than any as-of date)
_NOW = dt.datetime.max.replace(tzinfo=_UTC)


def is_newer_than(history: History, rel: str, line: int, end_line: int, start: dt.datetime) -> bool:
    """Whether a definition is younger than `start` (so it gets its grace period)."""
    return introduced(history, rel, line, end_line, start) is not None

"""Everything git: when each file last changed (one `git log` for the whole repo), and when a
definition line was introduced (`git blame`, only for files changed inside the window, since a file
untouched since before the window has no line younger than it)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import git

_UTC = dt.timezone.utc


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
    _blame: dict[str, list[dt.datetime | None]] = field(default_factory=dict)
    git_calls: int = 0

    @classmethod
    def read(cls, root: Path, tracked: frozenset[str], is_git: bool) -> "History":
        if not is_git:
            return cls(root, False, ["not a git repository: experiments are dated by file modification times "
                                     "and no knob gets a grace period from its history"])
        h = cls(root, True, tracked=tracked)
        g = git.Git(str(root))
        try:
            out = g.execute(["git", "-c", "core.quotePath=false", "log", "--format=%x1e%ct", "--name-only",
                             "--no-renames", "HEAD", "--"])
            h.git_calls += 1
        except git.GitCommandError as exc:
            h.git = False
            err = str(exc.stderr)
            no_commits = any(s in err for s in ("does not have any commits", "unknown revision", "bad revision",
                                                "bad default revision"))
            reason = "the repository has no commits yet" if no_commits else \
                f"git log failed: {err.strip().removeprefix('stderr:').strip() or exc}"
            h.notices.append(f"{reason}: experiments are dated by file modification times")
            return h
        for chunk in out.split("\x1e"):
            lines = chunk.strip("\n").split("\n")
            if not lines or not lines[0].strip():
                continue
            when = _from_epoch(lines[0])
            for p in lines[1:]:
                if p and p not in h.last_change:
                    h.last_change[p] = when
        try:
            diff = g.execute(["git", "-c", "core.quotePath=false", "diff", "--name-only", "HEAD"])
            h.dirty = frozenset(p for p in diff.split("\n") if p)
            h.git_calls += 1
        except git.GitCommandError:
            pass
        try:
            h.shallow = g.rev_parse("--is-shallow-repository").strip() == "true"
            h.git_calls += 1
        except git.GitCommandError:
            pass
        if h.shallow:
            h.notices.append("shallow clone: history before the clone's depth is missing, so knobs introduced "
                             "earlier look as young as the oldest commit")
        return h

    def date_of(self, rel: str) -> tuple[dt.datetime | None, str]:
        """When a file's experiments were made: its last commit, else its modification time."""
        if self.git and rel in self.last_change:
            return self.last_change[rel], "commit"
        return mtime(self.root / rel), "mtime"

    def line_dates(self, rel: str) -> list[dt.datetime | None]:
        """Commit time of each line (index 0 is line 1); None for lines not committed yet."""
        if rel in self._blame:
            return self._blame[rel]
        dates: list[dt.datetime | None] = []
        if self.git and rel in self.last_change:
            try:
                # the working tree, not HEAD, so line numbers match what was indexed; lines not
                # committed yet come back under the all-zero id with the current time
                out = git.Git(str(self.root)).blame("--porcelain", "--", rel)
                self.git_calls += 1
            except git.GitCommandError:
                out = ""
            times: dict[str, dt.datetime] = {}
            finals: list[tuple[int, str]] = []
            current = ""
            for line in out.split("\n"):
                if not line or line.startswith("\t"):
                    continue
                head = line.split(" ")
                if len(head) >= 3 and len(head[0]) == 40 and head[2].isdigit():
                    current = head[0]
                    finals.append((int(head[2]), current))
                elif head[0] == "committer-time" and len(head) > 1 and current:
                    times[current] = _from_epoch(head[1])
            dates = [None] * (max((f for f, _ in finals), default=0))
            for final, sha in finals:
                dates[final - 1] = None if set(sha) == {"0"} else times.get(sha)
        self._blame[rel] = dates
        return dates

    def introduced(self, rel: str, line: int, end_line: int | None = None) -> dt.datetime | None:
        """When the definition at rel:line was written: the newest commit among its lines.

        None when unknown (not committed, not in git)."""
        if not self.git or rel not in self.last_change:
            return None
        dates = self.line_dates(rel)
        span = dates[line - 1: (end_line or line)]
        if not span or any(d is None for d in span):
            return None
        return max(span)  # type: ignore[type-var]


def is_newer_than(history: History, rel: str, line: int, end_line: int, start: dt.datetime) -> bool:
    """Whether a definition is younger than the window start (so it gets its grace period).

    Files untracked or outside git are dated by their modification time."""
    if history.git and rel in history.last_change:
        if history.last_change[rel] < start and rel not in history.dirty:
            return False  # untouched since before the window: no line can be younger
        when = history.introduced(rel, line)
        return when is None or when >= start
    when = mtime(history.root / rel)
    return when is None or when >= start

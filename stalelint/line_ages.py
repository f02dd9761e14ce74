"""Which lines of which files were written inside the window, for every file at once.

`git blame` answers this one file per process, so a repo with many recently changed files paid one
process each. Here one `git log -p -U0` of the window's commits (first parent, newest first) and
one `git diff -U0 HEAD` of the working tree are replayed backwards, blame-style: each line of the
working-tree file is carried back through each commit's hunks; a line inside a hunk's new side was
written by that commit (inside the window), a line carried past the oldest commit of the window is
older than the window. Renames are followed as blame follows them.

One difference from blame: a merge is read as one change against its first parent, so lines a
merged branch brought in count from the merge's date, not from the branch's own commits. Those
dates are later, never earlier, so the difference can only lengthen a grace period.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

Hunk = tuple[int, int, int, int]  # old start, old count, new start, new count

UNCOMMITTED = 2**62  # the "commit time" of a line the working tree changed: later than any commit


def _path(text: str) -> str | None:
    """A diff header path (`b/x.py`) without its prefix; None for /dev/null or a quoted name."""
    text = text.rstrip("\t")
    if text == "/dev/null" or text.startswith('"'):
        return None
    return text[2:] if text[:2] in ("a/", "b/") else text


def _parse_patch(text: str) -> list[tuple[str | None, str | None, list[Hunk]]]:
    """(old path, new path, hunks) of each file in a `-U0` patch."""
    return _parse_lines(text.split("\n"))


def _parse_lines(lines: Iterable[str]) -> list[tuple[str | None, str | None, list[Hunk]]]:
    """_parse_patch over lines."""
    return next(_changes(lines))[1]


def _by_commit(lines: Iterable[str]) -> Iterator[tuple[int, list[tuple[str | None, str | None, list[Hunk]]]]]:
    """(commit time, its change) of each commit of a `--format=%x1e%at` log, one commit at a time."""
    return ((when, change) for when, change in _changes(lines) if when is not None)  # type: ignore[misc]


def _changes(lines: Iterable[str]) -> Iterator[tuple[int | None, list[tuple[str | None, str | None, list[Hunk]]]]]:
    """(commit time, [(old path, new path, hunks), ...]) of each change in `-U0` patch lines: a line
    `\\x1e<time>` (the log's record start) begins a commit's change; what comes before the first
    (all of a plain patch) has no time. A hunk's own lines are counted off its header, never read as
    headers: a removed line reading `-- x` is `--- x` in the patch, a line starting \\x1e is content."""
    when: int | None = None
    files: list[tuple[str | None, str | None, list[Hunk]]] = []
    old = new = None
    hunks: list[Hunk] = []
    started = False
    body = 0  # lines of the current hunk still to come
    for line in lines:
        if body:
            if line[:1] in ("-", "+"):
                body -= 1
                continue
            if line[:1] == "\\":  # "\ No newline at end of file" comes between a hunk's lines
                continue
            body = 0  # a short hunk (cannot happen in git's output): read on as headers
        if line[:1] == "\x1e" and line[1:].strip().isdigit():
            if started:
                files.append((old, new, hunks))
            yield when, files
            when, files, started = int(line[1:].strip()), [], False
        elif line.startswith("diff --git "):
            if started:
                files.append((old, new, hunks))
            started, hunks = True, []
            # the names also come from ---/+++ and rename lines; this is the fallback for a pure
            # rename or a mode change, which have neither
            old = new = None
            rest = line[len("diff --git "):]
            if rest.startswith("a/") and " b/" in rest:
                a, _, b = rest[2:].partition(" b/")
                old, new = a, b
        elif not started:
            continue
        elif line.startswith("@@"):
            m = _HUNK.match(line)
            if m:
                a, b, c, d = m.groups()  # an omitted count is 1
                hunk = (int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d))
                hunks.append(hunk)
                body = hunk[1] + hunk[3]
        elif line.startswith("--- "):
            old = _path(line[4:])
        elif line.startswith("+++ "):
            new = _path(line[4:])
        elif line.startswith("rename from "):
            old = line[len("rename from "):]
        elif line.startswith("rename to "):
            new = line[len("rename to "):]
        elif line.startswith("new file mode"):
            old = None
    if started:
        files.append((old, new, hunks))
    yield when, files


def _carry(positions: dict[int, int], hunks: list[Hunk]) -> tuple[dict[int, int], set[int]]:
    """Carry lines (working-tree line -> line in the new side) back through one change.

    Returns the lines' positions in the old side and the working-tree lines the change wrote."""
    hunks = sorted(hunks, key=lambda h: h[2])
    # a hunk's new side ends at `end` (for a pure deletion, `+c,0` means "after line c")
    ends = [c + d - 1 if d else c for _, _, c, d in hunks]
    shift = [0]
    for b, _, d in ((h[1], h[2], h[3]) for h in hunks):
        shift.append(shift[-1] + b - d)
    moved: dict[int, int] = {}
    written: set[int] = set()
    for line, p in positions.items():
        k = bisect.bisect_left(ends, p)  # first hunk whose new side does not end before p
        if k < len(hunks):
            _, _, c, d = hunks[k]
            if d and c <= p <= c + d - 1:
                written.add(line)
                continue
        moved[line] = p + shift[k]
    return moved, written


class WindowLog:
    """The window's changes to Python files, read with at most two git processes; each file's
    lines are replayed through them when asked for (most changed files never are; History keeps
    the answers). A line is young when the change that wrote it is uncommitted or dated at or after
    the window start."""

    def __init__(self, root: Path, start: dt.datetime, dirty: frozenset[str], git_lines: Callable[..., Iterator[str]],
                 chain: list[tuple[str, int]]):
        """`chain`: HEAD's first-parent history, newest first, as (commit id, commit time);
        `git_lines`: a git command's output line by line (a year of patches is megabytes: read as
        one string, then split, it was most of a cold run's peak memory)."""
        self.root = root
        self.calls = 0
        self.since = int(start.timestamp())
        # (commit time or None for the working tree, the change), newest first
        self.changes: list[tuple[int | None, list[tuple[str | None, str | None, list[Hunk]]]]] = []
        if any(f.endswith(".py") for f in dirty):
            self.calls += 1
            self.changes.append((None, _parse_lines(git_lines(
                root, "diff", "-U0", "-M", "--no-color", "--no-ext-diff", "HEAD", "--", "*.py"))))
        # replay down to the oldest first-parent commit dated inside the window, not just while
        # dates are recent: commit dates need not decrease (a rebased or back-dated commit on top)
        young = [i for i, (_, when) in enumerate(chain) if when >= self.since]
        if young:
            last = young[-1]
            revs = ["HEAD"] if last + 1 >= len(chain) else [f"{chain[last + 1][0]}..HEAD"]
            self.calls += 1
            lines = git_lines(root, "log", "--first-parent", "-m", "-p", "-U0", "-M", "--no-color", "--no-ext-diff",
                              "--format=%x1e%at", *revs, "--", "*.py")
            self.changes.extend(_by_commit(lines))
        self._by_new: list[tuple[int | None, dict[str, tuple[str | None, list[Hunk]]]]] | None = None

    def times(self, rel: str) -> list[int | None]:
        """For each line of the working-tree file (index 0 is line 1): when the change that wrote it
        was committed (epoch seconds; UNCOMMITTED for the working tree) if that is inside the window,
        else None. The grace period asks whether a definition is younger than 30 days, and the judge
        when it was written, to count only the experiments made since."""
        if self._by_new is None:
            self._by_new = [(when, {new: (old, hunks) for old, new, hunks in change if new is not None})
                            for when, change in self.changes]
        try:
            with open(self.root / rel, "rb") as fh:
                data = fh.read()
        except OSError:
            return []
        n = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        name: str | None = rel
        positions = {i: i for i in range(1, n + 1)}
        written: dict[int, int] = {}
        for when, by_new in self._by_new:
            if name not in by_new:
                continue
            old, hunks = by_new[name]
            positions, here = _carry(positions, hunks)
            recent = when is None or when >= self.since  # uncommitted, or committed inside the window
            stamp = UNCOMMITTED if when is None else when
            if recent:
                written.update(dict.fromkeys(here, stamp))
            if old is None:  # created here: every line left was written by this change
                if recent:
                    written.update(dict.fromkeys(positions, stamp))
                break
            name = old
            if not positions:
                break
        return [written.get(i) for i in range(1, n + 1)]

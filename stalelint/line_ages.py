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
from typing import Callable

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

Hunk = tuple[int, int, int, int]  # old start, old count, new start, new count


def _path(text: str) -> str | None:
    """A diff header path (`b/x.py`) without its prefix; None for /dev/null or a quoted name."""
    text = text.rstrip("\t")
    if text == "/dev/null" or text.startswith('"'):
        return None
    return text[2:] if text[:2] in ("a/", "b/") else text


def _parse_patch(text: str) -> list[tuple[str | None, str | None, list[Hunk]]]:
    """(old path, new path, hunks) of each file in a `-U0` patch."""
    files: list[tuple[str | None, str | None, list[Hunk]]] = []
    old = new = None
    hunks: list[Hunk] = []
    started = False
    for line in text.split("\n"):
        if line.startswith("diff --git "):
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
                hunks.append((int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d)))
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
    return files


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


def young_lines(root: Path, start: dt.datetime, files: list[str], dirty: frozenset[str],
                run_git: Callable[..., str]) -> tuple[dict[str, list[bool]], int]:
    """file -> for each of its working-tree lines, whether it was written at or after `start`;
    and the number of git processes run (at most two, whatever the number of files)."""
    wanted = [f for f in files if f.endswith(".py")]
    if not wanted:
        return {}, 0
    calls = 0
    lengths: dict[str, int] = {}
    for rel in wanted:
        try:
            with open(root / rel, "rb") as fh:
                data = fh.read()
            lengths[rel] = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        except OSError:
            continue
    # live: working-tree file -> (the name it has in the version being looked at, line -> position)
    live = {rel: (rel, {i: i for i in range(1, n + 1)}) for rel, n in lengths.items()}
    young: dict[str, set[int]] = {rel: set() for rel in live}
    if any(f in dirty for f in live):
        patch = run_git(root, "diff", "-U0", "-M", "--no-color", "--no-ext-diff", "HEAD", "--", "*.py")
        calls += 1
        _apply(_parse_patch(patch), live, young)
    since = int(start.timestamp())
    out = run_git(root, "log", "--first-parent", "-m", "-p", "-U0", "-M", "--no-color", "--no-ext-diff",
                  "--format=%x1e%ct", f"--since=@{since}", "HEAD", "--", "*.py")
    calls += 1
    for chunk in out.split("\x1e"):
        head, _, patch = chunk.partition("\n")
        if not head.strip():
            continue
        if int(head.strip()) < since:
            break  # --since lets a few older commits through (clock skew): they are before the window
        _apply(_parse_patch(patch), live, young)
    return {rel: [i in young[rel] for i in range(1, lengths[rel] + 1)] for rel in lengths}, calls


def _apply(patch: list[tuple[str | None, str | None, list[Hunk]]], live: dict[str, tuple[str, dict[int, int]]],
           young: dict[str, set[int]]) -> None:
    by_new = {new: (old, hunks) for old, new, hunks in patch if new is not None}
    for rel, (name, positions) in list(live.items()):
        if name not in by_new:
            continue
        old, hunks = by_new[name]
        moved, written = _carry(positions, hunks)
        young[rel] |= written
        if old is None or not moved:  # created here: every line left was written by this change
            young[rel] |= set(moved)
            del live[rel]
        else:
            live[rel] = (old, moved)

"""Unified diffs git can apply, and the line ranges a diff removed."""
from __future__ import annotations

import difflib
import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def unified(path: str, before: str, after: str, context: int = 3) -> str:
    """A `git diff`-style patch turning `before` into `after` (with "No newline" markers)."""
    key = (path, before, after, context)
    hit = _UNIFIED.get(key)
    if hit is None:
        hit = _UNIFIED[key] = _unified(path, before, after, context)
        if len(_UNIFIED) > _KEPT:
            del _UNIFIED[next(iter(_UNIFIED))]
    return hit


def _unified(path: str, before: str, after: str, context: int) -> str:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(a, b, f"a/{path}", f"b/{path}", n=context):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
            continue
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    if not out:
        return ""
    return f"diff --git a/{path} b/{path}\n" + "".join(out)


# removed_ranges by (before, after): `fix --apply` asks it of each fix three times (the lines it
# counts for the dry run's summary, the graveyard entry, the final count), and the diff without
# autojunk is what a cleanrl apply spends most in difflib on (1,323 asks, 2.9 s under cProfile).
# unified() by its arguments: worked out ahead by the fix workers (carried()/carry()). The texts are
# the fixes' own, alive while their outcomes are; a bound keeps a long process small.
_RANGES: dict[tuple[str, str], tuple[tuple[tuple[int, int], ...], str]] = {}
_UNIFIED: dict[tuple[str, str, str, int], str] = {}
_KEPT = 1 << 14


def carried(path: str, before: str, after: str, kept: bool, reverse: bool) -> tuple:
    """What the parent will ask of a fix's change to `path` (its diff; if `kept`, the lines it
    removes; with `reverse`, the graveyard's patch back), worked out where the fix was made: in a
    fix worker, beside the others, rather than in the parent after them all (cleanrl: ~0.6 s)."""
    if kept:
        removed_ranges(before, after)
    return (path, before, after, _RANGES[before, after] if kept else None, unified(path, before, after),
            unified(path, after, before) if reverse else None)


def carry(found: tuple) -> None:
    """Remember what `carried` worked out in another process: the same answers, not asked again."""
    path, before, after, ranges, forward, back = found
    if ranges is not None:
        _RANGES.setdefault((before, after), ranges)
    _UNIFIED.setdefault((path, before, after, 3), forward)
    if back is not None:
        _UNIFIED.setdefault((path, after, before, 3), back)


def removed_ranges(before: str, after: str) -> tuple[list[list[int]], str]:
    """([[first, last], ...] of `before`'s lines that are gone or changed, their exact text)."""
    key = (before, after)
    hit = _RANGES.get(key)
    if hit is None:
        hit = _RANGES[key] = _removed_ranges(before, after)
        if len(_RANGES) > _KEPT:
            del _RANGES[next(iter(_RANGES))]
    return [list(r) for r in hit[0]], hit[1]  # fresh lists: callers may keep or change them


def _removed_ranges(before: str, after: str) -> tuple[tuple[tuple[int, int], ...], str]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    ranges, text = [], []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            ranges.append((i1 + 1, i2))
            text.extend(a[i1:i2])
    return tuple(ranges), "".join(text)


def patch_paths(patch: str) -> list[str]:
    """Every path a patch names (both sides of each `diff --git` and ---/+++ line)."""
    out = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            out.extend(p[2:] if p[:2] in ("a/", "b/") else p for p in line[len("diff --git "):].split(" "))
        elif line.startswith(("--- ", "+++ ")):
            p = line[4:]
            out.append(p[2:] if p[:2] in ("a/", "b/") else p)
    return out

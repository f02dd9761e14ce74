"""Unified diffs git can apply, and the line ranges a diff removed."""
from __future__ import annotations

import difflib
import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def unified(path: str, before: str, after: str, context: int = 3) -> str:
    """A `git diff`-style patch turning `before` into `after` (with "No newline" markers)."""
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
# The texts are the fixes' own, alive while their outcomes are; a bound keeps a long process small.
_RANGES: dict[tuple[str, str], tuple[tuple[tuple[int, int], ...], str]] = {}
_RANGES_KEPT = 1 << 14


def removed_ranges(before: str, after: str) -> tuple[list[list[int]], str]:
    """([[first, last], ...] of `before`'s lines that are gone or changed, their exact text)."""
    key = (before, after)
    hit = _RANGES.get(key)
    if hit is None:
        hit = _RANGES[key] = _removed_ranges(before, after)
        if len(_RANGES) > _RANGES_KEPT:
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

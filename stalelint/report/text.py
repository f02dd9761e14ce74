"""Text like ruff: `path:line:col: CODE message`, then a summary line."""
from __future__ import annotations

import os

from ..model import Finding, Result
from . import ranking


def _style(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def size(f: Finding) -> str:
    """` [7 lines]`: how much a fix would delete ("" when nothing)."""
    return f" [{f.removable_lines} line{'s' if f.removable_lines != 1 else ''}]" if f.removable_lines else ""


def summary(result: Result) -> str:
    """The closing line: counts by code, errors, experiments and knobs read."""
    counts = ", ".join(f"{code} x{n}" for code, n in sorted(result.counts.items()))
    total = len(result.findings)
    head = f"Found {total} finding{'s' if total != 1 else ''}" + (f" ({counts})" if counts else "")
    if result.errors:
        head += f" and {len(result.errors)} error{'s' if len(result.errors) != 1 else ''}"
    start = result.window.start.date().isoformat()
    tail = ""
    if result.hidden:
        thin, other = result.hidden_thin, result.hidden - result.hidden_thin
        why = ", ".join(w for w in (f"{thin} on thin evidence" if thin else "",
                                    f"{other} with a doubt {'each' if other != 1 else 'it'} names" if other else "") if w)
        tail = (f" {result.hidden} more below confidence {result.min_confidence} hidden ({why}): "
                f"`--min-confidence 0` shows {'them' if result.hidden != 1 else 'it'}.")
    return (f"{head}; {result.experiments_total} experiments read, {result.experiments_recent} recent "
            f"(since {start}); {result.knobs} knobs in {result.files} files.{tail}")


TOP = 10  # findings of each group shown before the long tail


def ordered(findings: tuple[Finding, ...]) -> list[tuple[str, list[Finding]]]:
    """Sections to print: each group's top findings (see ranking), then, when a group has more,
    the long tail of all groups in the same order. One untitled section when there are few."""
    groups: dict[int, list[Finding]] = {}
    for f in sorted(findings, key=ranking.key):
        groups.setdefault(ranking.group(f), []).append(f)
    if len(findings) <= TOP:
        return [("", [f for n in sorted(groups) for f in groups[n]])]
    names = [name for name, _ in ranking.GROUPS] + ["other"]
    out = []
    for n in sorted(groups):
        members = groups[n]
        more = f", the top {TOP} by lines removable" if len(members) > TOP else ""
        out.append((f"{names[n]}: {len(members)}{more}", members[:TOP]))
    tail = [f for n in sorted(groups) for f in groups[n][TOP:]]
    if tail:
        out.append((f"the long tail: {len(tail)} more", tail))
    return out


def line(f: Finding, color: bool = False) -> str:
    where = _style(f"{f.path}:{f.line}:{f.column}:", "1", color)
    return f"{where} {_style(f.code, '31', color)} {f.message}{size(f)} (confidence {f.confidence}%)"


def render(result: Result, color: bool = False) -> str:
    out: list[str] = []
    for title, members in ordered(result.findings):
        if title:
            out.append(_style(f"-- {title} --", "2", color))
        out.extend(line(f, color) for f in members)
    for p in result.errors:
        where = f"{p.path}:{p.line}:1:" if p.line else f"{p.path}:0:0:"
        out.append(f"{_style(where, '1', color)} {_style(p.code, '35', color)} {p.message}")
    for n in result.notices:
        out.append(_style(f"note: {n}", "33", color))
    out.append(summary(result))
    return "\n".join(out) + "\n"


def use_color(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ

"""The order findings are worth acting on, shared by the formats people read (text, Markdown):
what experiments tried and abandoned first, then dead tricks and variants and abandoned scripts,
then the static facts and the opt-in rule; within a group, most lines removable first."""
from __future__ import annotations

from ..model import Finding

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tried and abandoned", ("STL102",)),
    ("dead tricks and variants", ("STL301", "STL201")),
    ("abandoned scripts", ("STL401",)),
    ("unread flags", ("STL101",)),
    ("unknown settings", ("STL103",)),
    ("never varied", ("STL104",)),
)
_RANK = {code: n for n, (_, codes) in enumerate(GROUPS) for code in codes}


def group(f: Finding) -> int:
    return _RANK.get(f.code, len(GROUPS))


def key(f: Finding) -> tuple:
    return (group(f), -f.removable_lines, -f.confidence, f.path, f.line, f.column, f.code)

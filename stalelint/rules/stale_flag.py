"""STL102 stale-flag: a flag no recent experiment sets to anything but its default."""
from __future__ import annotations

from typing import Iterator

from ..judge import Facts
from ..model import UNKNOWN, Evidence, Finding
from ..names import matches_any, same_value, show
from .common import dead_lines, day, display, kept, last_set, last_set_text

CODE = "STL102"
NAME = "stale-flag"
KIND = "flag"
DOC = """\
What: a flag that every experiment of the window leaves at its default (or does not set at all).
Why: its other values are dead code paths that every new experiment has to read around.
Example: `--use-ema` (default False), never set by any of 57 experiments since 2026-05-31; last set
to True by configs/old/ema.yaml on 2025-11-02.
Fix safety: safe when the default is a literal: the fix folds the default into every read, so
every recent experiment behaves as before. A flag whose default is not a literal is unsafe.
Not judged: flags never read (STL101 reports them), flags younger than the window (grace period), required and positional arguments, and
flags of a script for which no experiment at all was found, fields of config classes that code
builds with that field (`Cfg(depth=3)`, `Cfg(**d)`), and fields of a config class no command-line
parser reads and no experiment sets.
"""


def check(facts: Facts) -> Iterator[Finding]:
    start = day(facts.window.start)
    for i, k in enumerate(facts.index.knobs):
        if k.kind != "flag" or k.required or k.positional or kept(k, CODE) or matches_any(k.name, facts.keep):
            continue
        covering = facts.covers.get(k.path, [])
        if not covering or not facts.judgeable(i):
            continue  # no experiment at all for this file's flags: not judged (see notices)
        recent = facts.recent(k.path)
        alive = any(not same_value(b.value, k.default) for b in facts.bindings.get(i, ())
                    if facts.window.is_recent(b.experiment.date))
        unread = k.system not in ("hydra", "omegaconf") and not facts.is_read(k)  # STL101 reports it (not for YAML trees)
        if alive or unread or facts.in_grace(k.path, k.line):
            continue
        best, recent_sets = facts.last_non_default(i)
        n = len(recent)
        if n == 0:
            latest = max((e for e in covering if e.date), key=lambda e: e.date, default=None)
            head = (f"no experiment of this script since {start} sets any flag"
                    + (f" (the last was {latest.label} on {day(latest.date)})" if latest else ""))
            confidence = 50
        elif recent_sets:
            head = (f"is set only to its default ({show(k.default)}) by {recent_sets} of {n} recent "
                    f"experiment{'s' if n != 1 else ''} since {start}")
            confidence = 90 if n >= 3 else 70
        else:
            head = f"is never set by any of {n} recent experiment{'s' if n != 1 else ''} since {start}"
            confidence = 90 if n >= 3 else 70
        if k.default is UNKNOWN:
            confidence = min(confidence, 60)
        lines = k.end_line - k.line + 1 + dead_lines(facts, i, k.default)
        message = f"flag `{display(k)}` {head}; {last_set_text(best)}"
        yield Finding(CODE, NAME, KIND, k.name, k.path, k.line, k.column, message, confidence, lines,
                      Evidence(n, len(covering), recent_sets, last_set(best)), k.end_line)

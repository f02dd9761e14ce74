"""What STL102 and STL104 both judge from: the flags no recent experiment sets to another value
than their default, each with the evidence behind that verdict. STL102 reports those an older
experiment did set (tried and abandoned), STL104 those no experiment ever set (never varied)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from ..judge import Binding, Facts
from ..model import UNKNOWN, Evidence, Experiment, Finding, Knob
from ..names import matches_any, same_value, show
from .common import YAML_TREES, capped, shipped, dead_lines, display, last_set, last_set_text, operational_flag, thin, window_text


@dataclass(frozen=True)
class Unused:
    """A flag every recent experiment leaves at its default."""

    index: int
    knob: Knob
    since: dt.datetime | None  # when it was introduced, if inside the window (experiments count from then)
    recent: tuple[Experiment, ...]  # the experiments it was judged by
    covering: int  # every experiment that applies to its file
    best: Binding | None  # the last setting to another value than the default, at any time
    recent_sets: int  # recent experiments that set it, to its default

    def message(self, facts: Facts) -> str:
        """`flag `--x` is never set by any of 7 recent experiments since 2026-01-01; last set to True by
        configs/old.yaml on 2025-02-01` (or `never set to another value by any experiment found`)."""
        k, n = self.knob, len(self.recent)
        since = window_text(facts, self.since, self.recent)
        if self.recent_sets:
            head = (f"is set only to its default ({show(k.default)}) by {self.recent_sets} of {n} recent "
                    f"experiment{'s' if n != 1 else ''} {since}")
        else:
            head = f"is never set by any of {n} recent experiment{'s' if n != 1 else ''} {since}"
        return f"flag `{display(k)}` {head}; {last_set_text(self.best)}"

    def finding(self, facts: Facts, code: str, rule: str) -> Finding:
        message = self.message(facts)
        k = self.knob
        confidence = 60 if k.default is UNKNOWN else 90
        # code that sets the class's fields by a computed name may set this one (index/self_writes.py)
        by_name = (40, f"{k.set_by_name}, so code may set this one") if k.set_by_name else None
        confidence, note = capped(confidence, operational_flag(k), thin(self.recent), by_name, shipped(facts, self.best))
        lines = k.end_line - k.line + 1 + dead_lines(facts, self.index, k.default)
        return Finding(code, rule, "flag", k.name, k.path, k.line, k.column, message + note, confidence, lines,
                       Evidence(len(self.recent), self.covering, self.recent_sets, last_set(self.best)), k.end_line)


def unused(facts: Facts) -> list[Unused]:
    """Every flag no recent experiment sets to another value than its default (once per run)."""
    if "unused" not in facts.shared:
        facts.shared["unused"] = list(_unused(facts))
    return facts.shared["unused"]


def _unused(facts: Facts) -> Iterator[Unused]:
    for i, k in enumerate(facts.index.knobs):
        if k.kind != "flag" or k.required or k.positional or matches_any(k.name, facts.keep):
            continue
        covering = facts.covers.get(k.path, [])
        if not covering or not facts.judgeable(i):
            continue  # no experiment at all for this file's flags: not judged (see notices)
        if k.system not in YAML_TREES and not facts.is_read(k):
            continue  # STL101 reports it (not for YAML trees, which code reads whole)
        # alive: set to another value by a recent experiment or by the documentation as it is now
        # (a setting made before the definition's last edit still shows the flag in use)
        if any(not same_value(b.value, k.default) for b in facts.bindings.get(i, ()) if facts.counts(b.experiment)):
            continue
        if facts.unjudged(k.path, k.line):
            continue
        since = facts.since(k.path, k.line)
        recent = facts.recent(k.path, since)
        if not recent:
            continue  # no experiment of its script since the window's start (STL401) or since it was added
        best, recent_sets = facts.last_non_default(i, since)
        yield Unused(i, k, since, tuple(recent), len(covering), best, recent_sets)


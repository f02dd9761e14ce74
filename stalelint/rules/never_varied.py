"""STL104 never-varied: a flag no experiment has ever set to anything but its default."""
from __future__ import annotations

from typing import Iterator

from ..judge import Facts
from ..model import Finding
from .common import kept
from .flag_use import unused

CODE = "STL104"
NAME = "never-varied"
KIND = "flag"
DEFAULT = False  # off unless selected: `--extend-select STL104`, `extend_select = ["STL104"]`
DOC = """\
What: a flag that no experiment found, old or recent, has set to anything but its default: a
constant in disguise.
Why: an option nobody varies costs every reader a branch to understand; folding its default in
makes the code say what it does. But a flag can be offered for others to use (a library's users, a
template's), and "never set" may only mean the evidence is incomplete, so this rule is off by
default (`--extend-select STL104`, or `extend_select = ["STL104"]`).
Example: `--beta1` (default 0.9), never set by any of 57 recent experiments since 2026-05-31; never
set to another value by any experiment found.
Evidence and confidence: as STL102 (thin evidence gives a low confidence).
Fix safety: as STL102: the default is folded into every read.
"""


def check(facts: Facts) -> Iterator[Finding]:
    for u in unused(facts):
        if u.best is None and not kept(u.knob, CODE):  # set to another value once: STL102
            yield u.finding(facts, CODE, NAME)

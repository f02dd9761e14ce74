"""STL102 stale-flag: a flag that older experiments set and no recent one does (tried and abandoned)."""
from __future__ import annotations

from typing import Iterator

from ..judge import Facts
from ..model import Finding
from .common import kept
from .flag_use import unused

CODE = "STL102"
NAME = "stale-flag"
KIND = "flag"
DOC = """\
What: a flag that an older experiment set to another value than its default, and that every
experiment of the window leaves at its default (or does not set at all): tried and abandoned.
Why: its other values are dead code paths that every new experiment has to read around.
Example: `--use-ema` (default False), never set by any of 57 experiments since 2026-05-31; last set
to True by configs/old/ema.yaml on 2025-11-02.
Evidence: a flag defined after the window's start is judged by the experiments made since; the
documentation as it is now (commands in READMEs) counts whatever its date. Judged from fewer than 3
recent experiments (documentation examples aside), a finding has a low confidence (40, or 30 from
documentation alone) and is hidden by the default `min_confidence`, as is a flag that sets how a run
is operated (paths, logging, hardware, seeding, evaluation), and a flag last set by a recipe the repo
keeps: a config or launch script that the documentation or tests name (a model zoo's config, a test
that loads every config), or any experiment config or launch command still in the tree outside an
archive folder (`configs/old/`, `legacy/`, `deprecated/`), which the fix would change or break
(labellers on held-out repos rejected 46 of 48 such findings from configs, and all 7 from launch
scripts). What is left at full confidence is a flag last set by a tracker's run or by an archived recipe.
Fix safety: safe when the default is a literal: the fix folds the default into every read, so
every recent experiment behaves as before. A flag whose default is not a literal is unsafe.
Not judged: flags never read (STL101 reports them), flags no experiment ever set to another value
(STL104), flags younger than the grace period (`grace`, 30 days), required and positional
arguments, flags of a script with no recent experiment (STL401), fields of config classes that code
builds with that field (`Cfg(depth=3)`, `Cfg(**d)`), and fields of a config class no command-line
parser reads and no experiment sets.
"""


def check(facts: Facts) -> Iterator[Finding]:
    for u in unused(facts):
        if u.best is not None and not kept(u.knob, CODE):  # never set to another value: STL104
            yield u.finding(facts, CODE, NAME)

"""STL401 stale-entry-point: a script that experiments used to run and no recent one does."""
from __future__ import annotations

from collections import Counter
from typing import Iterator

from ..judge import Facts
from ..model import Evidence, Finding, LastSet
from ..names import matches_any
from .common import THIN, THIN_CONFIDENCE, day

CODE = "STL401"
NAME = "stale-entry-point"
KIND = "script"
# off unless selected: on fifteen held-out repos it named 5 scripts, none a maintainer would delete
# (evaluation entry points, kernel tuners, release tools: scripts run rarely by design)
DEFAULT = False
DOC = """\
What: a script (an entry point with flags) that experiments ran or configured, none of them
recent: the whole script was tried and abandoned, or replaced by another.
Why: one finding about the script says more than one stale-flag finding per flag, and deleting
an abandoned script is the biggest cleanup there is.
Example: `train_v1.py` has no experiment since 2026-05-31; the last of its 14 experiments was
configs/v1/distill.yaml on 2025-02-01.
Evidence: a script edited inside the window, or with fewer than 3 experiments besides
documentation examples, is reported with a low confidence (hidden by default). A script its
documentation runs is never stale: the docs as they are now count whatever their date.
Fix safety: display only; deleting a script is for a person to decide.
Off by default (`--extend-select STL401`, or `extend_select = ["STL401"]`): evaluation entry
points, tuners and release tools are run rarely by design, and without the rule a notice still
counts the flags of such scripts.
"""


def check(facts: Facts) -> Iterator[Finding]:
    start = facts.window.start
    entries = {f.path for f in facts.index.files if f.is_entry}
    flags = Counter(k.path for k in facts.index.knobs
                    if k.kind == "flag" and not k.positional and k.path in entries)
    sups = {f.path: f.suppressions for f in facts.index.files}
    for path, n in sorted(flags.items()):
        covering = facts.covers.get(path, [])
        if not covering or facts.recent(path) or matches_any(path, facts.keep):
            continue
        if any(s.line == 1 and (not s.codes or any(CODE.startswith(c) for c in s.codes)) for s in sups.get(path, ())):
            continue
        dated = [e for e in covering if e.date is not None and e.date <= facts.window.as_of]
        if not dated:
            continue
        last = max(dated, key=lambda e: e.date)  # type: ignore[arg-type,return-value]
        runs = sum(1 for e in dated if not e.is_example)
        confidence, why = 70, ""
        edited = facts.history.newest_change.get(path)
        if edited is not None and edited >= start:
            confidence, why = THIN_CONFIDENCE, f"; but it was edited on {day(edited)}, so someone keeps it working"
        elif runs < THIN:
            confidence, why = THIN_CONFIDENCE, f"; thin evidence: only {runs} experiment{'s' if runs != 1 else ''} " \
                "besides documentation ever ran it"
        message = (f"script `{path}` has no experiment since {day(start)} (its {n} flag{'s' if n != 1 else ''} are "
                   f"not judged one by one); the last of its {len(dated)} experiment{'s' if len(dated) != 1 else ''} "
                   f"was {last.label} on {day(last.date)}{why}")
        yield Finding(CODE, NAME, KIND, path, path, 1, 1, message, confidence, _lines(facts, path),
                      Evidence(0, len(dated), 0, LastSet(last.label, last.date, None)), subject=path)


def _lines(facts: Facts, path: str) -> int:
    try:
        with open(facts.history.root / path, "rb") as fh:
            return fh.read().count(b"\n")
    except OSError:
        return 0

"""STL301 stale-trick: code that runs only for flag values no recent experiment uses."""
from __future__ import annotations

from typing import Iterator

from ..judge import Facts, evaluate
from ..model import UNKNOWN, Evidence, Finding, LastSet
from ..names import matches_any, same_value, show
from .stale_variant import unbuilt
from .common import THIN_CONFIDENCE, capped, day, kept, operational_cap, operational_flag, shipped, thin, window_text

CODE = "STL301"
NAME = "stale-trick"
KIND = "trick"
DOC = """\
What: a branch (`if`, `elif`, `else`, a `case`, or one side of a ternary) whose test is a flag, its
negation, a comparison of a flag with a literal, or one part of an `and`/`or`, and which none of the
window's experiments takes; and an optional term (`loss += cfg.aux_weight * aux`) whose coefficient
every experiment leaves at zero.
Why: a training trick that was tried and abandoned; it costs every reader and every refactor.
Example: `elif args.aug == "cutmix":` while every recent experiment uses `--aug mixup` or `none`.
Confidence: 90; 40 (hidden by default) for a branch no experiment ever took on a flag no experiment
ever moved from its default, for a named choice no experiment ever made (an option offered, as
likely as a trick tried) or for the branch the flag's default runs (`if args.num_frames == 1:` with
default 1), for one last taken by a recipe the repo keeps (an experiment config or launch command
still in the tree outside an archive folder, or one the documentation or tests name), and from thin
evidence; 30 for a branch gated on how a run is operated.
Fix safety: safe; every recent experiment skips the branch, so removing it changes none of them.
Not reported when the flag itself is reported stale by STL102 (that finding counts these lines), nor
inside a registered class or function no recent experiment selects (it ran in none of them), nor
for the arms of a string dispatch (`if a == "x": ... elif a == "y":`), which are variants (STL201).
"""


def check(facts: Facts, stale_flags: set[int] | frozenset[int] = frozenset()) -> Iterator[Finding]:
    sups = {f.path: {s.line: s.codes for s in f.suppressions} for f in facts.index.files}
    # LAMA's `if args.template and args.template != "":`: two conjuncts on one flag, one branch
    emitted: set[tuple[int, str, int, int]] = set()
    for i, k in enumerate(facts.index.knobs):
        if i in stale_flags or kept(k, CODE) or matches_any(k.name, facts.keep) or not facts.judgeable(i):
            continue
        gates = facts.gates_for(i)
        if not gates or not facts.recent(k.path):
            continue
        for g in gates:
            codes = sups.get(g.path, {}).get(g.line)
            if codes is not None and (not codes or any(CODE.startswith(c) for c in codes)):
                continue
            if facts.is_dispatch_arm(g) or facts.unjudged(g.path, g.line):
                continue  # a string-dispatch arm (a variant: STL201 judges it), or new code
            if unbuilt(facts, g.path, g.line) is not None:
                continue  # inside a registered class no experiment builds: their values say nothing of it
            since = facts.since(g.path, g.line)
            recent = facts.recent(k.path, since)
            values = facts.values_in(i, recent)
            if not recent or any(v is UNKNOWN for v in values):
                continue
            shown = sorted({show(v) for v in values})
            outcomes = {evaluate(g.op, v, g.value) for v in values}
            if None in outcomes:
                continue
            ternary = g.form == "ternary"
            if outcomes == {False} and g.combine != "or":
                dead, lines = True, g.body
                arm = "is never true, so its first value is never used" if ternary else "never runs"
                if g.form == "term":
                    arm = "is always zero: its coefficient is 0 in every experiment"
            elif outcomes == {True} and g.orelse and g.combine != "and":
                dead, lines = False, g.orelse
                arm = ("is always true, so its else value is never used" if ternary
                       else "always exits, so the code after it never runs" if g.form == "guard"
                       else "always runs, so its else arm never does")
            else:
                continue
            last = None
            for b in facts.bindings.get(i, ()):
                if evaluate(g.op, b.value, g.value) is dead:
                    if last is None or (b.experiment.date and last.experiment.date and
                                        b.experiment.date > last.experiment.date):
                        last = b
            taken = (f"last taken by {last.experiment.label} on {day(last.experiment.date)}" if last
                     else "never taken by any experiment found")
            values_text = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
            test = {"ternary": f"the ternary on `{g.test}`", "term": f"the term `{g.test}`",
                    "guard": f"`if {g.test}:`"}.get(g.form, f"`{g.form} {g.test}:`")
            message = (f"{test} {arm}: all {len(recent)} recent experiments {window_text(facts, since, recent)} have "
                       f"`{k.name}` in {{{values_text}}}; {taken}")
            # `if args.dry_run:`, `if cfg.time_limit is not None:` gate how a run is operated
            confidence, note = capped(90, operational_cap(g.value), operational_flag(k), thin(recent),
                                      shipped(facts, last), _offered(facts, i, g, dead) if last is None else None,
                                      _off_switch(g, values, dead, k.name))
            n = lines[1] - lines[0] + 1
            at = g.line if dead else lines[0]
            where = (i, g.path, at, g.column)
            if where in emitted:
                continue
            emitted.add(where)
            yield Finding(CODE, NAME, KIND, k.name, g.path, at, g.column, message + note,
                          confidence, n, Evidence(
                len(recent), len(facts.covers.get(k.path, [])), 0,
                LastSet(last.experiment.label, last.experiment.date, last.value) if last else None), lines[1],
                subject=g.test)


def _off_switch(g, values, dead: bool, name: str) -> tuple[int, str] | None:
    """The cap on the arm a zero or empty value runs, where every experiment gives the flag a number
    or a string: Swin's `if config.TRAIN.CLIP_GRAD: clip(...) else: get_grad_norm(...)`, with
    `CLIP_GRAD` 5.0 or 3.0. That arm is how a run turns the setting off, not a trick left behind
    (a flag only ever True is another matter: its off arm may well be one)."""
    off_arm = (g.op == "truthy" and not dead) or (g.op == "falsy" and dead)
    if not off_arm or g.form == "guard" or g.combine:
        return None
    if not values or any(isinstance(v, bool) or not isinstance(v, (int, float, str)) for v in values):
        return None
    return THIN_CONFIDENCE, (f"that arm is what a run setting `{name}` to 0 or empty gets: the off switch of a "
                            "setting in use")


def _mode_arm(facts: Facts, i: int, g) -> bool:
    """An arm comparing the flag with a number, in a chain with another arm comparing it with another."""
    def number(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)
    if g.op != "==" or not number(g.value) or g.form not in ("if", "elif"):
        return False
    return any(h.path == g.path and h.chain == g.chain and h.op == "==" and number(h.value) and h.value != g.value
               for h in facts.gates_for(i))


def _offered(facts: Facts, i: int, g, dead: bool) -> tuple[int, str] | None:
    """The cap on a branch no experiment ever took, when it is as likely an option offered (a
    reference trainer's `--pose_opt`, a library's `TO_BGR255`) as a trick tried: its flag was never
    moved from its default by any experiment (a constant in disguise, STL104's business, off by
    default), or it is for a named choice none ever made (`post_processing == "ppisp"`, a variant
    offered, as STL201 judges one), or it is the branch the flag's default runs (a user who leaves the
    flag gets it). On held-out repos maintainers rejected 55 of 61 never-taken
    branches; one of a flag the experiments do vary (`batch_size > 1024` while runs use 256 and 512)
    stays the headline."""
    k = facts.knob(i)
    named = g.op in ("==", "!=", "in", "not in") and (isinstance(g.value, str) or (
        isinstance(g.value, (tuple, list, frozenset, set)) and all(isinstance(v, str) for v in g.value)))
    if named:
        why = f"no experiment ever chose {g.value!r}"
    elif _mode_arm(facts, i, g):
        # VMZ's `if args.sanity_check == 1: ... elif args.sanity_check == 2:`: a mode coded as a number,
        # each arm one of the modes the chain offers, as a string dispatch's arms are
        why = f"no experiment ever chose {g.value!r}, one of the modes its `if`/`elif` chain offers"
    elif not any(not same_value(b.value, k.default) for b in facts.bindings.get(i, ())):
        why = f"no experiment ever set `{k.name}` to anything but its default"
    elif k.default is not UNKNOWN and evaluate(g.op, k.default, g.value) is dead:
        # Open-Sora-Plan's sampler `if args.num_frames == 1:` (save an image) with `--num_frames` default 1:
        # every scripted run asks for video, but the branch is what a user who leaves the flag gets
        why = f"it is what `{k.name}`'s default ({show(k.default)}) runs"
    else:
        return None
    return THIN_CONFIDENCE, why + ", so the branch may be an option offered rather than a trick tried"

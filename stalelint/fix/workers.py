"""Fixes made across cores, with the outcomes a serial loop gives.

Kept fixes: each is made on top of the ones before it, in order (sorted by file). The fixes of one
file (a block) are made ahead in a forked worker, on the repo as it was before any fix, while
recording what they looked at of the rest (orphans.Seen: texts read, "is this name still read
anywhere?", "is that flag gone already?"). The parent then takes the blocks in order: a block whose
looks all give the same answer after the blocks before it (none of the texts it read changed, no
read it asked about came or went, no flag it asked about went) did what the serial loop does, and
its outcomes are kept; any other block is made again, serially, on the true state. Scripts that
share nothing (cleanrl's 23) are all made ahead.

Shown fixes (unsafe without --unsafe): made on top of every kept fix and dropped, they change
nothing the next one sees, so they are made in any order, a file's fixes in one worker.
"""
from __future__ import annotations

import gc
import sys
from typing import Any, Callable

from ..model import Fix, FixOutcome
from ..parse_pool import workers
from .cascade import references
from .engine import Workspace, keep, make
from .orphans import Seen, read_keys
from .patch import carried, carry

# Below this many fixes a serial loop wins: forking and sending outcomes back costs ~0.1 s, a fix
# ~10-30 ms.
MIN_FIXES = 24

_SHARED: tuple[Workspace, list[Fix], set[str], bool, tuple] | None = None  # what a forked worker makes
POOL = None  # processes in the pool, if not one per job (tests: one process making every block)


def _serial(jobs: int | None, fixes: list[Fix], groups: int) -> bool:
    jobs = workers() if jobs is None else jobs
    return jobs <= 1 or len(fixes) < MIN_FIXES or groups < 2 or not sys.platform.startswith("linux")


def _pool(jobs: int | None, tasks: int):
    # imported here: concurrent.futures and multiprocessing cost a run ~40 ms to import
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forked: a worker inherits the workspace (texts, trees) as it is now; frozen until the workers
    # are forked (the first submit), the collector in a worker does not walk (and so copy) every
    # page of what it inherited: ~15% of cleanrl's fix time
    gc.freeze()
    return ProcessPoolExecutor(max_workers=POOL or min(workers() if jobs is None else jobs, tasks),
                               mp_context=multiprocessing.get_context("fork"))


def _outcome(fix: Fix, data: tuple) -> FixOutcome:
    return FixOutcome(fix, *data)


def _data(o: FixOutcome) -> tuple:
    return (o.status, o.message, o.before, o.after, o.cascade, o.emptied)


# ---- kept fixes ---------------------------------------------------------------------------

def _diffs(ws: Workspace, outcome: FixOutcome, kept: bool) -> list[tuple]:
    return [carried(p, outcome.before[p], outcome.after[p], kept, kept and ws.recorded) for p in sorted(outcome.after)]


def _make_block(span: tuple[int, int]) -> tuple[list[tuple], list[set], Seen, dict[str, set[str]], list[tuple]]:
    assert _SHARED is not None
    ws, fixes, dirty, force, (texts, removed, by_file) = _SHARED
    # a worker makes several blocks: each starts from the repo as it was, not as the last one left it
    ws.texts, ws.removed = dict(texts), set(removed)
    ws.seen = seen = Seen()
    if ws.reads is not None:
        ws.reads.by_file = dict(by_file)
        ws.reads.seen = seen
    made, gones, changed, diffs = [], [], set(), []
    for at, fix in enumerate(fixes[span[0]:span[1]]):
        seen.at = at
        outcome, gone = keep(ws, fix, dirty, force)
        made.append(_data(outcome))
        gones.append(gone)
        if outcome.status == "applied":
            changed |= set(outcome.after)
            diffs += _diffs(ws, outcome, True)
    keys = {p: ws.reads.by_file[p] for p in changed if ws.reads is not None and p in ws.reads.by_file}
    return made, gones, seen, keys, diffs


def make_kept(ws: Workspace, fixes: list[Fix], dirty: set[str], force: bool, jobs: int | None = None,
              done: Callable[[list[Fix]], None] = lambda fixes: None) -> list[FixOutcome]:
    """`keep` of each fix in order, blocks of a file's fixes made ahead across cores."""
    global _SHARED
    spans: list[tuple[int, int]] = []
    for i, f in enumerate(fixes):
        if spans and fixes[spans[-1][0]].finding.path == f.finding.path:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    if _serial(jobs, fixes, len(spans)):
        out = []
        for fix in fixes:
            out.append(keep(ws, fix, dirty, force)[0])
            done([fix])
        return out
    ahead: dict[tuple[int, int], Any] = {}
    out = []
    _SHARED = (ws, fixes, dirty, force, (dict(ws.texts), set(ws.removed),
                                         dict(ws.reads.by_file) if ws.reads is not None else {}))
    try:
        with _pool(jobs, len(spans)) as pool:
            # in order, not the big ones first: the parent takes the blocks in order, and a block
            # whose looks changed is made again in the parent, serially; in order, it is made while
            # the workers make the blocks after it, not once they are all done (cleanrl: 6 of 41
            # blocks, 1.7-2.5 s at the end; make_kept 10.1-15.9 s against 13.7-16.9 s)
            for span in spans:
                ahead[span] = pool.submit(_make_block, span)
            _SHARED = None
            gc.unfreeze()
            changed: set[str] = set()  # files the blocks so far changed
            gone: set[tuple[str, str]] = set()  # flags they removed
            for span in spans:
                made, gones, seen, keys, diffs = ahead.pop(span).result()
                for found in diffs:  # of fixes made again too: unused then, and no different
                    carry(found)
                block = fixes[span[0]:span[1]]
                # the fixes before the first whose looks changed are kept as made; the others are
                # made again, serially, on the state the blocks before left (cleanrl: 6 of 41
                # blocks, 76 fixes made twice when a whole block was)
                held = _held(seen, changed, gone, ws, len(block))
                ours: set[str] = set()
                for fix, data, g in zip(block[:held], made, gones):
                    outcome = _outcome(fix, data)
                    if outcome.status == "applied":
                        ours |= set(outcome.after)
                        ws.texts.update(outcome.after)
                        ws.removed |= g
                        gone |= g
                    out.append(outcome)
                changed |= ours
                if ws.reads is not None:
                    if held == len(block):
                        ws.reads.by_file.update(keys)
                    else:  # what the files read as the fixes kept left them (as keep() records it)
                        ws.reads.by_file.update({p: read_keys(p, ws.texts[p], ws.trees) for p in ours
                                                 if p.endswith(".py")})
                for fix in block[held:]:
                    outcome, g = keep(ws, fix, dirty, force)
                    if outcome.status == "applied":
                        changed |= set(outcome.after)
                        gone |= g
                    out.append(outcome)
                done(block)
    finally:
        _SHARED = None
        gc.unfreeze()
    return out


def _held(seen: Seen, changed: set[str], gone: set[tuple[str, str]], ws: Workspace, size: int) -> int:
    """How many of the `size` fixes of a block made ahead saw what they would have seen after the blocks before
    it: the number of the first fix with a look that no longer holds (all of them when none)."""
    broken = [at for path, at in seen.texts.items() if path in changed]
    broken += [at for flag, at in seen.removed.items() if flag in gone]
    for word, path, skip_import, found, at in seen.words:
        if path in changed and references(word, ws.peek(path), skip_import) != found:
            broken.append(at)
    if ws.reads is not None:
        for names, splat, files, at in seen.read_names:
            # the files that read one of them, as the blocks before left the files they changed
            now = splat or bool(files - changed) or any(not names.isdisjoint(ws.reads.by_file.get(p, ()))
                                                        for p in changed)
            if now != (splat or bool(files)):
                broken.append(at)
    return min(broken, default=size)


# ---- shown fixes --------------------------------------------------------------------------

def _make_group(indices: list[int]) -> tuple[list[tuple[int, tuple]], list[tuple]]:
    assert _SHARED is not None
    ws, fixes, dirty, _, _ = _SHARED  # a shown fix changes nothing another one sees
    made = [(i, make(ws, fixes[i], dirty, True)[0]) for i in indices]
    return [(i, _data(o)) for i, o in made], [d for _, o in made for d in _diffs(ws, o, False)]


def make_shown(ws: Workspace, fixes: list[Fix], dirty: set[str], jobs: int | None = None,
               done: Callable[[list[Fix]], None] = lambda fixes: None) -> list[FixOutcome]:
    """`make` of each fix on the workspace as it is, none kept; `done` is told of each group made."""
    global _SHARED
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(fixes):
        groups.setdefault(f.finding.path, []).append(i)
    if _serial(jobs, fixes, len(groups)):
        out = []
        for indices in groups.values():
            out += [(i, make(ws, fixes[i], dirty, True)[0]) for i in indices]
            done([fixes[i] for i in indices])
        return [o for _, o in sorted(out, key=lambda x: x[0])]
    from concurrent.futures import as_completed

    made: list[FixOutcome | None] = [None] * len(fixes)
    _SHARED = (ws, fixes, dirty, True, ())
    try:
        with _pool(jobs, len(groups)) as pool:
            futures = {pool.submit(_make_group, g): g
                       for g in sorted(groups.values(), key=len, reverse=True)}  # the big ones first
            _SHARED = None
            gc.unfreeze()
            for future in as_completed(futures):
                group, diffs = future.result()
                for found in diffs:
                    carry(found)
                for i, data in group:
                    made[i] = _outcome(fixes[i], data)
                done([fixes[i] for i in futures[future]])
    finally:
        _SHARED = None
        gc.unfreeze()
    return made  # type: ignore[return-value]

"""Fixes shown on top of the kept ones, made across cores.

A fix that is only shown (unsafe without --unsafe) is made on top of every kept fix and then
dropped: it changes nothing the next one sees, so they can be made in any order and in forked
workers, and the outcomes are the ones a serial loop gives (cleanrl shows 551 of them). A file's
fixes go to one worker, so each file is parsed by one process; results come back in the order given.
"""
from __future__ import annotations

import sys
from typing import Callable

from ..model import Fix, FixOutcome
from ..parse_pool import workers
from .engine import Workspace, make

# Below this many fixes the serial loop wins: forking and sending outcomes back costs ~0.1 s, a
# fix ~10-30 ms.
MIN_FIXES = 24

_SHARED: tuple[Workspace, list[Fix], set[str]] | None = None  # what a forked worker makes fixes of


def _make_group(indices: list[int]) -> list[tuple]:
    assert _SHARED is not None
    ws, fixes, dirty = _SHARED
    out = []
    for i in indices:
        o, _ = make(ws, fixes[i], dirty, True)
        out.append((i, o.status, o.message, o.before, o.after, o.cascade, o.emptied))
    return out


def make_shown(ws: Workspace, fixes: list[Fix], dirty: set[str], jobs: int | None = None,
               done: Callable[[list[Fix]], None] = lambda fixes: None) -> list[FixOutcome]:
    """`make` of each fix on the workspace as it is, none kept; `done` is told of each group made."""
    global _SHARED
    jobs = workers() if jobs is None else jobs
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(fixes):
        groups.setdefault(f.finding.path, []).append(i)
    if jobs <= 1 or len(fixes) < MIN_FIXES or len(groups) < 2 or not sys.platform.startswith("linux"):
        out = []
        for indices in groups.values():
            out += [(i, make(ws, fixes[i], dirty, True)[0]) for i in indices]
            done([fixes[i] for i in indices])
        return [o for _, o in sorted(out, key=lambda x: x[0])]
    # imported here: concurrent.futures and multiprocessing cost a run ~40 ms to import
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    made: list[FixOutcome | None] = [None] * len(fixes)
    _SHARED = (ws, fixes, dirty)
    try:
        # the forked workers inherit the workspace (texts, trees) as the kept fixes left it
        with ProcessPoolExecutor(max_workers=min(jobs, len(groups)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            todo = sorted(groups.values(), key=len, reverse=True)  # the big ones first: even finish
            futures = {pool.submit(_make_group, g): g for g in todo}
            for future in as_completed(futures):
                for i, status, message, before, after, cascade, emptied in future.result():
                    made[i] = FixOutcome(fixes[i], status, message, before, after, cascade, emptied)
                done([fixes[i] for i in futures[future]])
    finally:
        _SHARED = None
    return made  # type: ignore[return-value]

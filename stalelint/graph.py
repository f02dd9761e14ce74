"""Reachability in the small graphs stalelint builds: imports between files, bases and subclasses
of classes, config classes nested in one another."""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Mapping, TypeVar

T = TypeVar("T", bound=Hashable)


def reachable(starts: Iterable[T], successors: Callable[[T], Iterable[T]]) -> set[T]:
    """`starts` and every node reachable from them through `successors`."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def closure(direct: Mapping[T, Iterable[T]]) -> dict[T, set[T]]:
    """Node -> every node reachable from it in one step or more (itself only through a cycle), for
    every node with an edge."""
    step = lambda n: direct.get(n, ())  # noqa: E731
    return {n: reachable(direct[n], step) for n in direct}

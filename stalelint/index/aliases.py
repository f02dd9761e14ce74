"""Local aliases of config reads: `model_type = config.MODEL.TYPE`, then `if model_type == "swin":`.

Build and registry functions copy a flag into a local name and dispatch on that (Swin-Transformer's
`models/build.py`). The name stands for the read where it is certain to hold the read's value: it is
bound once in its scope (function, class body or module) by a plain `name = <config read>` (or
`name: T = <config read>`), and
nowhere else: not reassigned, not a loop or `with` target, not augmented, not deleted, not a
parameter, not declared `global`/`nonlocal` anywhere in the file. Only uses later in the same scope
count; a nested function that reads it as a closure is left alone.

The cost is paid only by files that test such a name: candidates are found from the assignments,
tests and names the shared walk already lists, and nothing is walked again; scopes are told apart
by the line spans of function and class bodies.
"""
from __future__ import annotations

import ast
from typing import Callable

from .astutil import nodes

Read = Callable[[ast.expr], "tuple[str, bool] | None"]
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# the value forms a config read can take (`cfg.a.b`, `cfg["a"]`, `getattr(cfg, "a")`, a bare knob)
_READS = (ast.Attribute, ast.Subscript, ast.Call, ast.Name)


def _tested_names(tree: ast.AST, wanted: set[str]) -> set[str]:
    """Bare names that the tests of `if`s, ternaries and `match`es use as their whole subject, or
    compare, negate or combine with `and`/`or` (the only places an alias makes a gate), and names
    that choose what `getattr(module, name)` takes."""
    out: set[str] = set()
    todo: list[ast.expr] = []
    for node in nodes(tree, ast.If, ast.IfExp, ast.Match):
        todo.append(node.subject if isinstance(node, ast.Match) else node.test)
    # `getattr(models, arch)`: dispatch into a module by a flag's value (variants.dynamic_dispatch)
    for node in nodes(tree, ast.Call):
        f = node.func
        if type(f) is ast.Name and f.id == "getattr" and len(node.args) >= 2 and type(node.args[1]) is ast.Name:
            out.add(node.args[1].id)
    while todo:
        t = todo.pop()
        if isinstance(t, ast.Name):
            out.add(t.id)
        elif isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not):
            todo.append(t.operand)
        elif isinstance(t, ast.BoolOp):
            todo.extend(t.values)
        elif isinstance(t, ast.Compare) and len(t.ops) == 1:
            todo.extend((t.left, t.comparators[0]))
    return out & wanted


class _Scopes:
    """The innermost function or class holding a line, by the line spans of their bodies (so that a
    def's decorators, defaults and name belong to the scope around it)."""

    def __init__(self, tree: ast.AST) -> None:
        self.root = tree
        self.spans = []
        for s in nodes(tree, *_SCOPES):
            if s is not tree and s.body:
                self.spans.append((s.body[0].lineno, s.end_lineno or s.lineno, s))

    def at(self, line: int) -> ast.AST:
        best, first = self.root, -1
        for start, end, s in self.spans:
            if start <= line <= end and start > first:
                best, first = s, start
        return best


def _binds(tree: ast.AST, names: set[str], scopes: _Scopes) -> dict[tuple[int, str], int]:
    """(id(scope), name) -> how many times the name is bound in that scope, for these names: by
    assignment, loop, `with`, walrus, `del` (any Name stored or deleted), parameter, import,
    `except ... as`, def/class, match capture. Comprehension and lambda variables count in the scope
    around them, which only ever makes fewer aliases."""
    out: dict[tuple[int, str], int] = {}

    def add(scope: ast.AST, name: str) -> None:
        out[(id(scope), name)] = out.get((id(scope), name), 0) + 1

    for n in nodes(tree, ast.Name):
        if n.id in names and not isinstance(n.ctx, ast.Load):
            add(scopes.at(n.lineno), n.id)
    for fn in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        a = fn.args
        for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
            if p is not None and p.arg in names:
                add(scopes.at(fn.body[0].lineno) if isinstance(fn.body, list) else scopes.at(fn.lineno), p.arg)
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                      ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping):
        for name in _bound(node):
            if name in names:
                add(scopes.at(node.lineno), name)
    return out


def _bound(node: ast.AST) -> list[str]:
    """Names a node binds in the scope it sits in (other than by a plain Name store)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def _root(node: ast.expr) -> str | None:
    """The name an expression's chain starts at: `cfg` of `cfg.a["b"].c`, `getattr(cfg, ...)`."""
    while True:
        kind = type(node)
        if kind is ast.Attribute or kind is ast.Subscript:
            node = node.value  # type: ignore[attr-defined]
        elif kind is ast.Call and node.args:  # type: ignore[attr-defined]
            node = node.args[0]  # type: ignore[attr-defined]
        else:
            return node.id if kind is ast.Name else None  # type: ignore[attr-defined]


def find(tree: ast.AST, read: Read, roots: set[str] | frozenset[str]) -> dict[int, tuple[str, bool]]:
    """id(Name node) -> (knob name, strong) for each use of a local alias of a strong config read.
    `roots`: the names a strong read can start at (config names, `self`, knobs read bare), which
    rule out most assignments before `read` is asked."""
    candidates: dict[str, list[ast.stmt]] = {}
    for a in nodes(tree, ast.Assign) + nodes(tree, ast.AnnAssign):  # each list as the walk keeps it: no merge
        target = a.targets[0] if isinstance(a, ast.Assign) and len(a.targets) == 1 else getattr(a, "target", None)
        if type(target) is ast.Name and type(a.value) in _READS and _root(a.value) in roots:
            candidates.setdefault(target.id, []).append(a)
    picked: list[tuple[ast.stmt, str, tuple[str, bool]]] = []
    for name, assigns in candidates.items():
        for a in assigns:
            got = read(a.value)  # type: ignore[attr-defined]
            if got is not None and got[1]:
                picked.append((a, name, got))
    if not picked:
        return {}
    declared = {n for node in nodes(tree, ast.Global, ast.Nonlocal) for n in node.names}
    names = _tested_names(tree, {name for _, name, _ in picked}) - declared
    picked = [p for p in picked if p[1] in names]
    if not picked:
        return {}
    scopes = _Scopes(tree)
    binds = _binds(tree, names, scopes)
    loads = [n for n in nodes(tree, ast.Name) if n.id in names and isinstance(n.ctx, ast.Load)]
    out: dict[int, tuple[str, bool]] = {}
    for a, name, got in picked:
        scope = scopes.at(a.lineno)
        if binds.get((id(scope), name), 0) != 1:
            continue
        end = (a.end_lineno or a.lineno, a.end_col_offset or 0)
        for n in loads:
            # later in the same scope; not in a function nested in it, which may run at any time
            if n.id == name and (n.lineno, n.col_offset) > end and scopes.at(n.lineno) is scope:
                out[id(n)] = got
    return out

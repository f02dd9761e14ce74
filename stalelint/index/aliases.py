"""Local aliases of config reads: `model_type = config.MODEL.TYPE`, then `if model_type == "swin":`.

Build and registry functions copy a flag into a local name and dispatch on that (Swin-Transformer's
`models/build.py`). The name stands for the read where it is certain to hold the read's value: it is
bound once in its scope (function, class body or module) by a plain `name = <config read>` (or
`name: T = <config read>`), and
nowhere else: not reassigned, not a loop or `with` target, not augmented, not deleted, not a
parameter, not declared `global`/`nonlocal` anywhere in the file. Only uses later in the same scope
count; a nested function that reads it as a closure is left alone.

The cost is paid only by files that test such a name: candidates are found from the assignments
(already listed by the shared walk), and a scope is walked only when one of its candidates is tested
by an `if`, ternary or `match` (or picks a function by `getattr(module, name)`).
"""
from __future__ import annotations

import ast
from typing import Callable

from .astutil import nodes

Read = Callable[[ast.expr], "tuple[str, bool] | None"]
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _tested_names(tree: ast.AST) -> set[str]:
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
    return out


def _scope_of(node: ast.stmt, scopes: list[ast.AST], root: ast.AST) -> ast.AST:
    """The innermost function or class whose body holds the statement (by line span), else the root."""
    best, best_line = root, -1
    for s in scopes:
        if s is node:
            continue
        body = s.body  # type: ignore[attr-defined]
        first = body[0].lineno if body else s.lineno  # type: ignore[attr-defined]
        if first <= node.lineno <= (s.end_lineno or s.lineno) and s.lineno > best_line:  # type: ignore[attr-defined]
            best, best_line = s, s.lineno  # type: ignore[attr-defined]
    return best


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a scope's body, not those of functions, classes and lambdas nested in it (whose
    own names are bindings of this scope all the same)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(scope.body) if isinstance(scope, (ast.Module, *_SCOPES)) else [scope]  # type: ignore
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, _NESTED):
            continue
        for child in ast.iter_child_nodes(node):
            todo.append(child)
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
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names) * 2  # never an alias
    return []


def find(tree: ast.AST, read: Read) -> dict[int, tuple[str, bool]]:
    """id(Name node) -> (knob name, strong) for each use of a local alias of a strong config read."""
    tested = _tested_names(tree)
    if not tested:
        return {}
    picked: list[tuple[ast.stmt, str, tuple[str, bool]]] = []
    for a in nodes(tree, ast.Assign, ast.AnnAssign):
        target = a.targets[0] if isinstance(a, ast.Assign) and len(a.targets) == 1 else getattr(a, "target", None)
        if isinstance(target, ast.Name) and target.id in tested and a.value is not None:
            got = read(a.value)
            if got is not None and got[1]:
                picked.append((a, target.id, got))
    if not picked:
        return {}
    declared = {n for node in nodes(tree, ast.Global, ast.Nonlocal) for n in node.names}
    scopes = nodes(tree, *_SCOPES)
    by_scope: dict[int, tuple[ast.AST, list[tuple[ast.stmt, str, tuple[str, bool]]]]] = {}
    for a, name, got in picked:
        if name in declared:
            continue
        scope = _scope_of(a, scopes, tree)
        by_scope.setdefault(id(scope), (scope, []))[1].append((a, name, got))
    out: dict[int, tuple[str, bool]] = {}
    for scope, assigns in by_scope.values():
        names = {name for _, name, _ in assigns}
        binds: dict[str, int] = {}
        loads: list[ast.Name] = []
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = scope.args
            for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
                if p is not None:
                    binds[p.arg] = binds.get(p.arg, 0) + 1
        for node in _own_nodes(scope):
            if isinstance(node, ast.Name):
                if node.id in names:
                    if isinstance(node.ctx, ast.Load):
                        loads.append(node)
                    else:
                        binds[node.id] = binds.get(node.id, 0) + 1
            else:
                for n in _bound(node):
                    binds[n] = binds.get(n, 0) + 1
        for a, name, got in assigns:
            if binds.get(name, 0) != 1:
                continue
            end = (a.end_lineno or a.lineno, a.end_col_offset or 0)
            for n in loads:
                if n.id == name and (n.lineno, n.col_offset) > end:
                    out[id(n)] = got
    return out

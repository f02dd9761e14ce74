"""gin-config: the parameters of `@gin.configurable` functions and classes (`__init__`) are knobs named
`fn.param` (or `name.param` with `@gin.configurable("name")`), with the Python default.

Inside the function a parameter is a local name, so its reads (`if use_ema:`) and its gates are
found here rather than by reads.py/gates.py, which follow attributes of config objects.
"""
from __future__ import annotations

import ast

from ..model import UNKNOWN, Gate, Knob, Read, Suppression
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes, segment

_DECORATORS = {"configurable", "register"}
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def _gin_imports(tree: ast.Module) -> set[str]:
    """Names bound to gin's decorators by `from gin import configurable` (bare `@configurable` is
    also detectron2's and others' decorator, so it only counts when imported from gin)."""
    out = set()
    for node in nodes(tree, ast.ImportFrom):
        if (node.module or "").split(".")[0] == "gin":
            out.update(a.asname or a.name for a in node.names if a.name in _DECORATORS)
    return out


def _gin_name(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
              bare: set[str]) -> tuple[str, set[str] | None, set[str]] | None:
    """(configurable name, allowlist or None, denylist) when decorated with gin.configurable."""
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        parts = chain(target) or []
        if not parts:
            continue
        if len(parts) == 1 and parts[0] not in bare:
            continue
        if len(parts) > 1 and (parts[0] != "gin" or parts[-1] not in _DECORATORS):
            continue  # `@REGISTRY.register`, `@detectron2.config.configurable`
        name = node.name
        allow, deny = None, set()
        if isinstance(d, ast.Call):
            first = literal(d.args[0]) if d.args else literal(kwarg(d, "name"))
            if isinstance(first, str):
                name = first
            a, b = literal(kwarg(d, "allowlist") or kwarg(d, "whitelist")), \
                literal(kwarg(d, "denylist") or kwarg(d, "blacklist"))
            if isinstance(a, (list, tuple)):
                allow = set(a)
            if isinstance(b, (list, tuple)):
                deny = set(b)
        return name, allow, deny
    return None


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
    return [(p, d) for p, d in out if p.arg not in ("self", "cls")]


def _test(test: ast.expr, params: dict[str, str]) -> tuple[str, str, object] | None:
    """(knob, op, value) of `if p`, `if not p`, `if p == lit`, `if p > 0`."""
    if isinstance(test, ast.Name) and test.id in params:
        return params[test.id], "truthy", None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) \
            and test.operand.id in params:
        return params[test.operand.id], "falsy", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) \
            and test.left.id in params and type(test.ops[0]) in _OPS:
        value = literal(test.comparators[0])
        if value is not UNKNOWN:
            return params[test.left.id], _OPS[type(test.ops[0])], value
    return None


def _span(stmts: list[ast.stmt]) -> tuple[int, int] | None:
    return (stmts[0].lineno, max(s.end_lineno or s.lineno for s in stmts)) if stmts else None


def _scan_body(fn: ast.AST, params: dict[str, str], path: str, lines: list[str]) -> tuple[list[Read], list[Gate]]:
    reads: list[Read] = []
    gates: list[Gate] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in params:
            reads.append(Read(params[node.id], path, node.lineno, node.col_offset + 1, True))
        elif isinstance(node, ast.If):
            got = _test(node.test, params)
            if got:
                body, orelse = _span(node.body), _span(node.orelse)
                chained = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
                if orelse and not chained:
                    orelse = (orelse[0] - 1, orelse[1])
                gates.append(Gate(got[0], path, node.lineno, node.col_offset + 1, got[1], got[2],
                                  (node.lineno, body[1] if body else node.lineno), orelse, "if",
                                  segment(lines, node.test), True))
        elif isinstance(node, ast.IfExp):
            got = _test(node.test, params)
            if got:
                gates.append(Gate(got[0], path, node.lineno, node.col_offset + 1, got[1], got[2],
                                  (node.body.lineno, node.body.end_lineno or node.body.lineno),
                                  (node.orelse.lineno, node.orelse.end_lineno or node.orelse.lineno), "ternary",
                                  segment(lines, node.test), True))
    return reads, gates


def lines_text(lines: list[str]) -> str:
    return "\n".join(lines)


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...],
            lines: list[str]) -> tuple[list[Knob], list[Read], list[Gate]]:
    knobs: list[Knob] = []
    reads: list[Read] = []
    gates: list[Gate] = []
    if "gin" not in lines_text(lines):
        return knobs, reads, gates
    bare = _gin_imports(tree)
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        if not node.decorator_list:
            continue
        got = _gin_name(node, bare)
        if got is None:
            continue
        name, allow, deny = got
        fn = node
        fields: list[tuple[ast.expr, ast.expr | None, str]] | None = None
        if isinstance(node, ast.ClassDef):
            inits = [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"]
            if inits:
                fn = inits[0]
            else:
                # a dataclass-style class (flax `nn.Module`, `@dataclass`): its annotated fields
                fields = [(s.target, s.value, s.target.id) for s in node.body
                          if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        params: dict[str, str] = {}
        if fields is not None:
            for target, default, field in fields:
                if (allow is not None and field not in allow) or field in deny:
                    continue
                end = target.end_lineno or target.lineno
                knobs.append(Knob(name=f"{name}.{field}", kind="flag", system="gin", path=path, line=target.lineno,
                                  column=target.col_offset + 1, end_line=end,
                                  default=literal(default) if default is not None else None,
                                  required=default is None, owner=name, keep=keep_for(sups, target.lineno, end)))
            continue
        for p, default in _params(fn):  # type: ignore[arg-type]
            if (allow is not None and p.arg not in allow) or p.arg in deny:
                continue
            full = f"{name}.{p.arg}"
            params[p.arg] = full
            end = p.end_lineno or p.lineno
            value = literal(default) if default is not None else None
            knobs.append(Knob(name=full, kind="flag", system="gin", path=path, line=p.lineno,
                              column=p.col_offset + 1, end_line=end, default=value, required=default is None,
                              type_name=ast.unparse(p.annotation) if p.annotation else None, owner=name,
                              keep=keep_for(sups, p.lineno, end)))
        if getattr(fn, "args", None) is not None and fn.args.kwarg is not None:  # type: ignore[union-attr]
            # `**kwargs`: gin accepts any `name.x` binding; a knob for the whole name takes them, and
            # is never reported itself (it is the function, not a setting)
            line = fn.lineno  # type: ignore[union-attr]
            knobs.append(Knob(name=name, kind="flag", system="gin", path=path, line=line, column=1, end_line=line,
                              default={}, required=True, owner=name, keep=(), action="new_allowed"))
        r, g = _scan_body(fn, params, path, lines)
        reads.extend(r)
        gates.extend(g)
    return knobs, reads, gates

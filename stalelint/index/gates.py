"""Tricks in their simplest form: an `if`/`elif`/ternary whose test is a flag, its negation, or a
comparison of a flag with a literal, and the lines each branch covers."""
from __future__ import annotations

import ast

from ..model import UNKNOWN, Gate
from .astutil import literal, segment, walk
from .reads import attribute_read

_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=", "is": "is", "is not": "is not"}


def _flag(node: ast.expr, strong_names: set[str]) -> tuple[str, bool] | None:
    if isinstance(node, ast.Attribute):
        return attribute_read(node, strong_names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, str) and isinstance(node.args[0], ast.Name):
        return node.args[1].value, node.args[0].id in strong_names
    return None


def parse_test(test: ast.expr, strong_names: set[str]) -> tuple[str, bool, str, object] | None:
    """(knob name, strong, op, value) of a gate's test, or None when it is not a simple gate."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        got = _flag(test.operand, strong_names)
        return (got[0], got[1], "falsy", None) if got else None
    got = _flag(test, strong_names)
    if got:
        return got[0], got[1], "truthy", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = _OPS.get(type(test.ops[0]))
        left, right = test.left, test.comparators[0]
        if op is None:
            return None
        got = _flag(left, strong_names)
        if got:
            value = literal(right)
        else:
            got = _flag(right, strong_names)
            if not got or op not in _FLIP:
                return None
            value, op = literal(left), _FLIP[op]
        if value is UNKNOWN:
            return None
        return got[0], got[1], op, value
    return None


def _span(stmts: list[ast.stmt]) -> tuple[int, int] | None:
    if not stmts:
        return None
    return stmts[0].lineno, max(s.end_lineno or s.lineno for s in stmts)


def extract(tree: ast.Module, path: str, strong_names: set[str], lines: list[str],
            nodes: list[ast.AST] | None = None) -> list[Gate]:
    gates: list[Gate] = []
    elifs: set[int] = set()
    for node in walk(tree) if nodes is None else nodes:
        if isinstance(node, ast.If):
            chained = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) \
                and node.orelse[0].col_offset == node.col_offset
            if chained:
                elifs.add(id(node.orelse[0]))
            parsed = parse_test(node.test, strong_names)
            if not parsed:
                continue
            body = _span(node.body)
            orelse = _span(node.orelse)
            if orelse and not chained:
                orelse = (orelse[0] - 1, orelse[1])  # the `else:` line goes with its arm
            name, strong, op, value = parsed
            gates.append(Gate(name=name, path=path, line=node.lineno, column=node.col_offset + 1, op=op,
                              value=value, body=(node.lineno, body[1]) if body else (node.lineno, node.lineno),
                              orelse=orelse, form="elif" if id(node) in elifs else "if",
                              test=segment(lines, node.test), strong=strong))
        elif isinstance(node, ast.IfExp):
            parsed = parse_test(node.test, strong_names)
            if not parsed:
                continue
            name, strong, op, value = parsed
            gates.append(Gate(name=name, path=path, line=node.lineno, column=node.col_offset + 1, op=op,
                              value=value, body=(node.body.lineno, node.body.end_lineno or node.body.lineno),
                              orelse=(node.orelse.lineno, node.orelse.end_lineno or node.orelse.lineno),
                              form="ternary", test=segment(lines, node.test), strong=strong))
    return gates

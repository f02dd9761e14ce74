"""Tricks in their simplest form: an `if`/`elif`/ternary whose test is a flag, its negation, or a
comparison of a flag with a literal, and the lines each branch covers."""
from __future__ import annotations

import ast
from dataclasses import replace

from ..model import UNKNOWN, Gate
from .aliases import find as aliases_of
from .astutil import literal, nodes, segment
from .reads import attribute_read

_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
Aliases = dict  # id(ast.Name) -> (knob name, strong): a local name that stands for a config read
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=", "is": "is", "is not": "is not"}


def _flag(node: ast.expr, strong_names: set[str], flag_names: frozenset[str] = frozenset(),
          aliases: Aliases | None = None) -> tuple[str, bool] | None:
    if isinstance(node, ast.Name):
        if aliases and id(node) in aliases:
            return aliases[id(node)]  # `model_type` after `model_type = config.MODEL.TYPE`
        if node.id in flag_names:
            return node.id, True  # a module-global or parameter knob read by its bare name
        return None
    if isinstance(node, ast.Attribute):
        return attribute_read(node, strong_names)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, str) and isinstance(node.value, ast.Name):
        return node.slice.value, node.value.id in strong_names  # cfg["use_ema"]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, str) and isinstance(node.args[0], ast.Name):
        return node.args[1].value, node.args[0].id in strong_names
    return None


def parse_test(test: ast.expr, strong_names: set[str], flag_names: frozenset[str] = frozenset(),
               aliases: Aliases | None = None) -> tuple[str, bool, str, object] | None:
    """(knob name, strong, op, value) of a gate's test, or None when it is not a simple gate."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        got = _flag(test.operand, strong_names, flag_names, aliases)
        return (got[0], got[1], "falsy", None) if got else None
    got = _flag(test, strong_names, flag_names, aliases)
    if got:
        return got[0], got[1], "truthy", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = _OPS.get(type(test.ops[0]))
        left, right = test.left, test.comparators[0]
        if op is None:
            return None
        got = _flag(left, strong_names, flag_names, aliases)
        if got:
            value = literal(right)
        else:
            got = _flag(right, strong_names, flag_names, aliases)
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


def _tests(test: ast.expr, strong_names: set[str], flag_names: frozenset[str], aliases: Aliases):
    """(parsed test, combine) for a simple test, or for each simple part of an `and`/`or`."""
    parsed = parse_test(test, strong_names, flag_names, aliases)
    if parsed:
        return [(parsed, "")]
    if isinstance(test, ast.BoolOp):
        combine = "and" if isinstance(test.op, ast.And) else "or"
        return [(p, combine) for p in (parse_test(v, strong_names, flag_names, aliases) for v in test.values) if p]
    return []


def _case_test(pattern: ast.pattern) -> tuple[str, object] | None:
    """`case "a":` -> ("==", "a"); `case "a" | "b":` -> ("in", ("a", "b")); else None."""
    if isinstance(pattern, ast.MatchValue):
        value = literal(pattern.value)
        return None if value is UNKNOWN else ("==", value)
    if isinstance(pattern, ast.MatchOr):
        values = [_case_test(p) for p in pattern.patterns]
        if all(v and v[0] == "==" for v in values):
            return "in", tuple(v[1] for v in values)  # type: ignore[index]
    return None


def _weighted_terms(stmt: ast.stmt, path: str, strong_names: set[str], flag_names: frozenset[str],
                    lines: list[str], aliases: Aliases) -> list[Gate]:
    """Optional terms: `loss += cfg.aux_weight * aux_loss`, `loss = ce + args.kd_w * kd` — the term
    is dead when every experiment leaves its coefficient at zero."""
    value = stmt.value  # type: ignore[attr-defined]
    terms: list[ast.expr] = []
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Add, ast.Sub)):
        terms = [value]
    elif isinstance(stmt, ast.Assign) and isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
        terms = [value.left, value.right]
    out = []
    for term in terms:
        if not (isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult)):
            continue
        for factor in (term.left, term.right):
            got = _flag(factor, strong_names, flag_names, aliases)
            if got:
                span = (stmt.lineno, stmt.end_lineno or stmt.lineno)
                out.append(Gate(name=got[0], path=path, line=term.lineno, column=term.col_offset + 1, op="truthy",
                                value=None, body=span, orelse=None, form="term", test=segment(lines, term),
                                strong=got[1], chain=stmt.lineno))
                break
    return out


_EXITS = (ast.Return, ast.Continue, ast.Break, ast.Raise)
_BLOCK_FIELDS = ("body", "orelse", "finalbody")
# the node types that can hold a block of statements (If, For, With, Try, FunctionDef, match_case, ...)
_BLOCK_HOLDERS = tuple(t for t in vars(ast).values() if isinstance(t, type) and issubclass(t, ast.AST)
                       and set(getattr(t, "_fields", ())) & set(_BLOCK_FIELDS))


def _early_exits(block: list[ast.stmt], rest: dict[tuple[int, int], tuple[int, int]]) -> None:
    """`if not cfg.use_x: return` followed by more statements: when the test always holds, the
    statements after it in the same block never run; they act as the `if`'s else arm."""
    for i, stmt in enumerate(block[:-1]):
        if isinstance(stmt, ast.If) and not stmt.orelse and stmt.body and isinstance(stmt.body[-1], _EXITS):
            after = block[i + 1:]
            rest[(stmt.lineno, stmt.col_offset)] = (after[0].lineno, max(s.end_lineno or s.lineno for s in after))


def local_aliases(tree: ast.AST, strong_names: set[str], flag_names: frozenset[str] = frozenset()) -> Aliases:
    """Uses of local names that stand for a config read (see aliases.py)."""
    return aliases_of(tree, lambda node: _flag(node, strong_names, flag_names), strong_names | flag_names | {"self"})


def extract(tree: ast.Module, path: str, strong_names: set[str], lines: list[str],
            flag_names: frozenset[str] = frozenset(), aliases: Aliases | None = None) -> list[Gate]:
    if aliases is None:
        aliases = local_aliases(tree, strong_names, flag_names)
    gates: list[Gate] = []
    chain_of: dict[int, int] = {}
    rest: dict[tuple[int, int], tuple[int, int]] = {}  # early-exit `if` -> the statements after it
    for node in nodes(tree, *_BLOCK_HOLDERS):
        for field in _BLOCK_FIELDS:
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                _early_exits(block, rest)
    for node in nodes(tree, ast.If, ast.IfExp, ast.AugAssign, ast.Assign, ast.Match):
        if isinstance(node, ast.If):
            chained = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) \
                and node.orelse[0].col_offset == node.col_offset
            start = chain_of.get(id(node), node.lineno)
            if chained:
                chain_of[id(node.orelse[0])] = start
            body = _span(node.body)
            orelse = _span(node.orelse)
            if orelse and not chained:
                orelse = (orelse[0] - 1, orelse[1])  # the `else:` line goes with its arm
            for (name, strong, op, value), combine in _tests(node.test, strong_names, flag_names, aliases):
                gates.append(Gate(name=name, path=path, line=node.lineno, column=node.col_offset + 1, op=op,
                                  value=value, body=(node.lineno, body[1]) if body else (node.lineno, node.lineno),
                                  orelse=orelse, form="elif" if id(node) in chain_of else "if",
                                  test=segment(lines, node.test), strong=strong, chain=start, combine=combine))
        elif isinstance(node, ast.IfExp):
            for (name, strong, op, value), combine in _tests(node.test, strong_names, flag_names, aliases):
                gates.append(Gate(name=name, path=path, line=node.lineno, column=node.col_offset + 1, op=op,
                                  value=value, body=(node.body.lineno, node.body.end_lineno or node.body.lineno),
                                  orelse=(node.orelse.lineno, node.orelse.end_lineno or node.orelse.lineno),
                                  form="ternary", test=segment(lines, node.test), strong=strong,
                                  chain=node.lineno, combine=combine))
        elif isinstance(node, (ast.AugAssign, ast.Assign)) and isinstance(node.value, (ast.BinOp,)):
            gates.extend(_weighted_terms(node, path, strong_names, flag_names, lines, aliases))
        elif isinstance(node, ast.Match):
            subject = _flag(node.subject, strong_names, flag_names, aliases)
            if not subject:
                continue
            seen: list[object] = []
            for case in node.cases:
                span = (case.pattern.lineno, _span(case.body)[1])  # type: ignore[index]
                got = _case_test(case.pattern)
                if got is None and isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None \
                        and case.guard is None:
                    got = ("not in", tuple(seen))  # `case _:` runs for every value no earlier case took
                if got is None or case.guard is not None:
                    continue
                seen.extend(got[1] if got[0] == "in" else [got[1]] if got[0] == "==" else [])
                gates.append(Gate(name=subject[0], path=path, line=case.pattern.lineno,
                                  column=case.pattern.col_offset + 1, op=got[0], value=got[1], body=span,
                                  orelse=None, form="case", test=segment(lines, case.pattern),
                                  strong=subject[1], chain=node.lineno))
    if rest:
        gates = [replace(g, orelse=rest[(g.line, g.column - 1)], form="guard")
                 if g.form == "if" and g.orelse is None and (g.line, g.column - 1) in rest else g for g in gates]
    return gates

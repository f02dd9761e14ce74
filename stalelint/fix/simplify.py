"""Simplify what a fold made constant, the way a careful person would (piranha's cleanup rules).

Only constants the fix itself introduced are *tracked*; simplification starts from them and
cascades to their parents, so a pre-existing `if False:` or `while True:` elsewhere in the file is
left exactly as it was. Subclasses put tracked literals into the tree (see fold.py).

Rules:
- `not <c>` -> the negated bool; `<c1> == <c2>` (any single comparison of two literals) -> its value
- `True and a` -> `a`, `False and a` -> `False`, `False or a` -> `a`, `True or a` -> `True`;
  `a and True` / `a or False` -> `a` only where only truthiness matters (an `if`/`while`/`assert`/
  ternary test or a `not` operand), because as a value `a and True` is True, not `a`
- `x if <c> else y` -> `x` or `y` (keeping the ternary's parentheses)
- `if <c>:` chains: false arms vanish, a true arm ends the chain (its body dedented into place if it
  is first, else it becomes the `else:`), the others keep their `elif` structure
"""
from __future__ import annotations

import ast
from typing import Any, Sequence, Union

import libcst as cst

from .definitions import RemoveStatements

_MISSING = object()
_CMP = {cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=", cst.GreaterThan: ">",
        cst.GreaterThanEqual: ">=", cst.In: "in", cst.NotIn: "not in", cst.Is: "is", cst.IsNot: "is not"}


def literal_value(node: cst.BaseExpression) -> Any:
    """The Python value of a literal expression node, or _MISSING."""
    code = cst.Module([]).code_for_node(node)
    try:
        return ast.literal_eval(code.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING


def _compare(op: str, left: Any, right: Any) -> Any:
    if op in ("is", "is not"):
        if not all(v is None or isinstance(v, bool) for v in (left, right)):
            return _MISSING  # identity of other literals is an implementation detail
        return (left is right) if op == "is" else (left is not right)
    try:
        return {"==": lambda: left == right, "!=": lambda: left != right, "<": lambda: left < right,
                "<=": lambda: left <= right, ">": lambda: left > right, ">=": lambda: left >= right,
                "in": lambda: left in right, "not in": lambda: left not in right}[op]()
    except TypeError:
        return _MISSING


def _pure(node: cst.CSTNode) -> bool:
    """No calls, subscripts, awaits, ... : dropping it cannot drop a side effect."""
    ok = (cst.Name, cst.Attribute, cst.Comparison, cst.ComparisonTarget, cst.BooleanOperation, cst.UnaryOperation,
          cst.BaseNumber, cst.SimpleString, cst.LeftParen, cst.RightParen, cst.BaseCompOp, cst.BaseBooleanOp,
          cst.Not, cst.Dot, cst.MaybeSentinel, cst.ParenthesizedWhitespace, cst.SimpleWhitespace,
          cst.TrailingWhitespace, cst.Newline, cst.Comment, cst.EmptyLine)
    if not isinstance(node, ok):
        return False
    return all(_pure(c) for c in node.children)


Stmts = Sequence[cst.BaseStatement]


def _block_statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=body.body)]


def flatten(lead: Sequence[cst.EmptyLine], body: cst.BaseSuite) -> Union[cst.FlattenSentinel, cst.RemovalSentinel]:
    """A block's statements, dedented into the place of the statement that held them."""
    stmts = _block_statements(body)
    if not stmts:
        return cst.RemoveFromParent()
    first = stmts[0]
    stmts[0] = first.with_changes(leading_lines=[*lead, *first.leading_lines])
    return cst.FlattenSentinel(stmts)


def _exits(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body) \
        and isinstance(stmt.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))


class Simplifier(RemoveStatements):
    def __init__(self) -> None:
        super().__init__()
        self._tracked: dict[int, Any] = {}  # id(node) -> its value
        self._keep: list[cst.CSTNode] = []  # keep tracked nodes alive so their ids stay theirs
        self._truthy_ctx: set[int] = set()  # ids of original nodes where only truthiness matters
        self._elifs: set[int] = set()
        self._exits: set[int] = set()  # ids of exits that a fold made unconditional
        self.changed = False

    # ---- tracking ------------------------------------------------------------------------
    def track(self, node: cst.BaseExpression, value: Any) -> cst.BaseExpression:
        self._tracked[id(node)] = value
        self._keep.append(node)
        self.changed = True
        return node

    def value_of(self, node: cst.CSTNode) -> Any:
        return self._tracked.get(id(node), _MISSING)

    def const(self, value: bool, like: cst.BaseExpression | None = None) -> cst.BaseExpression:
        node: cst.BaseExpression = cst.Name("True" if value else "False")
        if like is not None and (like.lpar or like.rpar):
            node = node.with_changes(lpar=like.lpar, rpar=like.rpar)
        return self.track(node, value)

    # ---- where truthiness is all that matters ----------------------------------------------
    def _mark_truthy(self, node: cst.CSTNode) -> None:
        self._truthy_ctx.add(id(node))

    def visit_If(self, node: cst.If) -> None:
        self._mark_truthy(node.test)
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))

    def visit_While(self, node: cst.While) -> None:
        self._mark_truthy(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._mark_truthy(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._mark_truthy(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._mark_truthy(node.expression)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) in self._truthy_ctx:
            self._mark_truthy(node.left)
            self._mark_truthy(node.right)

    # ---- expressions -----------------------------------------------------------------------
    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        v = self.value_of(updated.expression)
        if isinstance(updated.operator, cst.Not) and v is not _MISSING:
            return self.const(not v, updated)
        return updated

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        if len(updated.comparisons) != 1:
            return updated
        target = updated.comparisons[0]
        mine = [self.value_of(updated.left), self.value_of(target.comparator)]
        if all(v is _MISSING for v in mine):
            return updated
        left = mine[0] if mine[0] is not _MISSING else literal_value(updated.left)
        right = mine[1] if mine[1] is not _MISSING else literal_value(target.comparator)
        op = _CMP.get(type(target.operator))
        if left is _MISSING or right is _MISSING or op is None:
            return updated
        result = _compare(op, left, right)
        if not isinstance(result, bool):
            return updated
        return self.const(result, updated)

    def leave_BooleanOperation(self, original: cst.BooleanOperation,
                               updated: cst.BooleanOperation) -> cst.BaseExpression:
        is_and = isinstance(updated.operator, cst.And)
        left, right = self.value_of(updated.left), self.value_of(updated.right)
        truthy = id(original) in self._truthy_ctx
        if left is not _MISSING:
            if bool(left) == is_and:  # True and x / False or x
                return self._keep_parens(updated.right, updated)
            return self._keep_parens(updated.left, updated)  # False and x / True or x: x never runs
        if right is not _MISSING and truthy:
            if bool(right) == is_and:  # x and True / x or False
                return self._keep_parens(updated.left, updated)
            if _pure(updated.left):  # x and False / x or True, x without side effects
                return self.const(bool(right), updated)
        return updated

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        v = self.value_of(updated.test)
        if v is _MISSING:
            return updated
        return self._keep_parens(updated.body if v else updated.orelse, updated)

    def _keep_parens(self, inner: cst.BaseExpression, outer: cst.BaseExpression) -> cst.BaseExpression:
        """`inner` in the place of `outer`, with outer's parentheses (precedence is kept)."""
        self.changed = True
        value = self.value_of(inner)
        if outer.lpar:
            inner = inner.with_changes(lpar=[*outer.lpar, *inner.lpar], rpar=[*inner.rpar, *outer.rpar])
        elif not inner.lpar and isinstance(inner, (cst.IfExp, cst.Lambda, cst.NamedExpr)) \
                and not isinstance(outer, cst.IfExp):
            inner = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if value is not _MISSING:
            self.track(inner, value)
        return inner

    # ---- statements ------------------------------------------------------------------------
    def leave_If(self, original: cst.If, updated: cst.If):
        if id(original) in self._elifs:
            return updated  # its chain is rewritten from the top `if`
        arms: list[cst.If] = []
        node: cst.If | cst.Else | None = updated
        while isinstance(node, cst.If):
            arms.append(node)
            node = node.orelse
        otherwise: cst.Else | None = node
        if all(self.value_of(a.test) is _MISSING for a in arms):
            return updated
        kept: list[cst.If] = []
        for arm in arms:
            v = self.value_of(arm.test)
            if v is _MISSING:
                kept.append(arm)
            elif v:
                otherwise = cst.Else(body=arm.body, leading_lines=arm.leading_lines)
                break
            # a false arm vanishes
        self.changed = True
        if not kept:
            if otherwise is None:
                # removed like a definition, so the comments and blank lines above it stay where
                # they head what follows (`# create the datasets` above a dead `if args.data:`)
                return self.doom(updated)
            flat = flatten(updated.leading_lines, otherwise.body)
            if isinstance(flat, cst.FlattenSentinel) and _exits(flat.nodes[-1]):
                self._exits.add(id(flat.nodes[-1]))  # what follows it in its block never runs
                self._keep.append(flat.nodes[-1])
            return flat
        chain: cst.If | cst.Else | None = otherwise
        for i, arm in reversed(list(enumerate(kept))):
            changes: dict[str, Any] = {"orelse": chain}
            if i == 0:
                changes["leading_lines"] = updated.leading_lines
            chain = arm.with_changes(**changes)
        return chain

    def _after_exit(self, body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
        """`body` up to a `return`/`raise`/`continue`/`break` a forced test made unconditional."""
        for i, stmt in enumerate(body):
            if id(stmt) in self._exits and i + 1 < len(body):
                return list(body[: i + 1])
        return None

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        updated = super().leave_Module(original, updated)
        cut = self._after_exit(updated.body) if self._exits else None
        return updated if cut is None else updated.with_changes(body=cut)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        updated = super().leave_IndentedBlock(original, updated)
        cut = self._after_exit(updated.body) if self._exits else None
        if cut is not None:
            self.changed = True
            updated = updated.with_changes(body=cut)
        if original.body and not updated.body:
            # every statement went: Python needs one
            return updated.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated

"""Fold a flag's one remaining value into the code that reads it, and force a dead gate's test.

Reads folded (the object must be a known config, as `Read.strong` says): `args.x`,
`self.args.x`, `cfg.model.x`, `getattr(args, "x")` (with or without a fallback, since the flag
existed), `vars(args)["x"]`, `args.__dict__["x"]`, `vars(args).get("x")`. The literal put in
their place is *tracked*, so Simplifier folds what it made constant and nothing else.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any, Callable

import libcst as cst

from .definitions import chain
from .simplify import Simplifier
from .source import longest_word

FOLDABLE = (type(None), bool, int, float, str)


def foldable(value: Any) -> str | None:
    """Why a default cannot be written in place of its reads, or None when it can."""
    if isinstance(value, tuple):
        return next((why for v in value if (why := foldable(v))), None)
    if not isinstance(value, FOLDABLE):
        return f"its default {value!r} is not a simple literal (folding it would share or copy a mutable value)"
    if isinstance(value, float) and not math.isfinite(value):
        return f"its default {value!r} has no literal spelling"
    return None


@dataclass(frozen=True)
class GateTarget:
    """A gate whose test is forced: the `ordinal`-th (in source order) `if`/`elif`/ternary of its
    form whose test reads `test`."""

    ordinal: int
    test: str
    value: bool
    form: str


def _spells(code: str, value: Any) -> bool:
    """Whether `code` is a one-line literal for exactly `value`."""
    if "\n" in code or "#" in code:
        return False
    try:
        got = ast.literal_eval(code)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return type(got) is type(value) and got == value


def norm(code: str) -> str:
    code = "".join(code.replace("\\\n", "").split())
    while code.startswith("(") and code.endswith(")"):
        code = code[1:-1]
    return code



def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class Fold(Simplifier):
    """`names`: attribute chains after a config object; `bare`: names read as plain variables (a
    module global, a function parameter), folded only inside `scope` (a predicate on a function and
    the classes around it: its body is the scope) or anywhere when `scope` is None; `holders`:
    absl flag holders read as `_X.value`."""

    def __init__(self, names: set[str], value: Any, strong: set[str], gates: tuple[GateTarget, ...] = (),
                 code: str | None = None, bare: set[str] = frozenset(), holders: set[str] = frozenset(),
                 scope: Callable[[cst.FunctionDef, list[cst.ClassDef]], bool] | None = None) -> None:
        super().__init__()
        self.names, self.value, self.strong, self.gates = names, value, strong, list(gates)
        self.bare, self.holders, self.scope = set(bare), set(holders), scope
        self._not_reads: set[int] = set()  # ids of Name nodes that are not reads (attributes, keywords)
        self._classes: list[cst.ClassDef] = []
        self._scope_bodies: set[int] = set()
        self._depth = 0 if scope is not None else 1  # > 0: inside the scope
        self.code = code if code is not None and _spells(code, value) else None
        self.folded = 0
        self.gates_hit = 0
        self.problem: str | None = None
        self._quotes: list[str] = []  # quote characters of the f-strings we are inside
        self._seen: dict[tuple[str, str], int] = {}  # (form, test) -> how many met so far
        self._forced: dict[int, bool] = {}  # id(original If/IfExp) -> forced test value

    def keys(self) -> set[str] | None:
        """A word each statement this may change holds: a read's last name, a bare name, a holder,
        a forced gate's test (source.py visits only those)."""
        out = set(self.bare) | set(self.holders)
        for name in self.names:
            word = longest_word(name.rsplit(".", 1)[-1])
            if word is None:
                return None
            out.add(word)
        for g in self.gates:
            word = longest_word(g.test)
            if word is None:
                return None
            out.add(word)
        return out

    # ---- the literal ---------------------------------------------------------------------
    def _literal(self, like: cst.BaseExpression) -> cst.BaseExpression:
        code = repr(self.value)
        if self.code is not None and not self._quotes:
            code = self.code  # `2.5e-4` stays `2.5e-4`, not `0.00025`
        if isinstance(self.value, str) and self._quotes:
            used = {q[0] for q in self._quotes}
            if "\\" in code:
                self.problem = "a folded string with escapes cannot go inside an f-string before Python 3.12"
            elif code[0] in used:
                other = "'" if code[0] == '"' else '"'
                if other in used or other in self.value:
                    self.problem = "a folded string would clash with the quotes of the f-string around it"
                else:
                    code = other + self.value + other
        node = cst.parse_expression(code)
        if isinstance(self.value, tuple) and not code.startswith("("):
            node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if like.lpar:
            node = node.with_changes(lpar=[*like.lpar, *node.lpar], rpar=[*node.rpar, *like.rpar])
        self.folded += 1
        return self.track(node, self.value)

    # ---- bare names and where they are read ------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)
        self._not_reads.add(id(node.name))

    def leave_ClassDef(self, original, updated):
        self._classes.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._not_reads.add(id(node.name))
        if self.scope is not None and self.scope(node, self._classes):
            self._scope_bodies.add(id(node.body))

    # a function's body is an indented block or a one-line suite: entering it enters the scope
    # (not on_visit: a hook on every node of a large file costs more than the rest of the fold)
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._scope_bodies:
            self._depth += 1

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if id(original) in self._scope_bodies:
            self._depth -= 1
        return super().leave_IndentedBlock(original, updated)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._scope_bodies:
            self._depth += 1

    def leave_SimpleStatementSuite(self, original, updated):
        if id(original) in self._scope_bodies:
            self._depth -= 1
        return updated

    def visit_Param(self, node: cst.Param) -> None:
        self._not_reads.add(id(node.name))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_reads.add(id(node.keyword))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if self.bare and original.value in self.bare and self._depth > 0 and id(original) not in self._not_reads:
            return self._literal(updated)
        return updated

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._quotes.append(node.start.lstrip("rfbuRFBU"))

    def leave_FormattedString(self, original, updated):
        self._quotes.pop()
        return updated

    # ---- reads ---------------------------------------------------------------------------
    def _ours(self, parts: list[str] | None) -> bool:
        if not parts or len(parts) < 2:
            return False
        if parts[0] in self.strong:
            return ".".join(parts[1:]) in self.names
        return parts[0] == "self" and len(parts) > 2 and parts[1] in self.strong and ".".join(parts[2:]) in self.names

    def _view_of_config(self, node: cst.BaseExpression) -> bool:
        """`vars(args)` or `args.__dict__` of a known config object."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "vars" \
                and len(node.args) == 1:
            parts = chain(node.args[0].value)
            return bool(parts) and parts[-1] in self.strong
        if isinstance(node, cst.Attribute) and node.attr.value == "__dict__":
            parts = chain(node.value)
            return bool(parts) and parts[-1] in self.strong
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_reads.add(id(node.attr))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if self.names and self._ours(chain(original)):
            return self._literal(updated)
        if self.holders and original.attr.value == "value" and isinstance(original.value, cst.Name) \
                and original.value.value in self.holders:
            return self._literal(updated)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.names:
            return updated
        f = original.func
        if isinstance(f, cst.Name) and f.value == "getattr" and len(original.args) in (2, 3):
            parts = chain(original.args[0].value)
            if parts and parts[-1] in self.strong and _string(original.args[1].value) in self.names:
                return self._literal(updated)
        if isinstance(f, cst.Attribute) and f.attr.value == "get" and len(original.args) in (1, 2) \
                and self._view_of_config(f.value) and _string(original.args[0].value) in self.names:
            return self._literal(updated)
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if not self.names or len(original.slice) != 1 or not isinstance(original.slice[0].slice, cst.Index):
            return updated
        key = _string(original.slice[0].slice.value)
        if key in self.names and self._view_of_config(original.value):
            return self._literal(updated)
        return updated

    # ---- gates ---------------------------------------------------------------------------
    def _meet(self, node: cst.CSTNode, test: cst.BaseExpression, form: str) -> None:
        """Count this gate in source order (visits are pre-order) and note whether it is a target."""
        if not self.gates:
            return
        key = (form, norm(cst.Module([]).code_for_node(test)))
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        for g in self.gates:
            if (g.form, norm(g.test)) == key and g.ordinal == n:
                self._forced[id(node)] = g.value
                self.gates_hit += 1

    def visit_If(self, node: cst.If) -> None:
        self._meet(node, node.test, "elif" if id(node) in self._elifs else "if")
        super().visit_If(node)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._meet(node, node.test, "ternary")
        super().visit_IfExp(node)

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._meet(node, node.pattern, "case")  # type: ignore[arg-type]

    def leave_Match(self, original: cst.Match, updated: cst.Match):
        """A `case` no experiment reaches goes; a `match` left with none goes too."""
        dead = [id(c) for c in original.cases if self._forced.get(id(c)) is False]
        if not dead:
            return updated
        self.changed = True
        cases = [u for o, u in zip(original.cases, updated.cases) if id(o) not in dead]
        if not cases:
            return cst.RemoveFromParent()
        return updated.with_changes(cases=cases)

    def leave_If(self, original: cst.If, updated: cst.If):
        if id(original) in self._forced:
            updated = updated.with_changes(test=self.const(self._forced[id(original)], updated.test))
        return super().leave_If(original, updated)

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        if id(original) in self._forced:
            updated = updated.with_changes(test=self.const(self._forced[id(original)], updated.test))
        return super().leave_IfExp(original, updated)

"""Remove whole statements (a flag's definition, an unused import or helper) from a module.

Comments directly above a removed statement go with it when it ends its group (it is followed by a
blank line or nothing): they describe it. When the next statement follows without a blank line,
the comments may head the whole group, so they stay, moved onto that statement. Anything above the
nearest blank line always stays.
"""
from __future__ import annotations

from typing import Sequence

import libcst as cst


def split_leading(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """The part of a removed statement's leading lines that stays: up to its last blank line."""
    last_blank = max((i for i, ln in enumerate(lines) if ln.comment is None), default=-1)
    return list(lines[: last_blank + 1])


class RemoveStatements(cst.CSTTransformer):
    """Subclasses call `doom(updated)` from a leave_* method to have that statement removed."""

    def __init__(self) -> None:
        super().__init__()
        self._doomed: set[int] = set()
        self._alive: list[cst.CSTNode] = []
        self.removed = 0

    def doom(self, node: cst.BaseStatement) -> cst.BaseStatement:
        # nodes are marked by id; holding each one keeps its id from being reused by a node built
        # later in the pass (which would then be removed too: cleanrl's ppo.py lost super().__init__())
        self._doomed.add(id(node))
        self._alive.append(node)
        self.removed += 1
        return node

    def _rebuild(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        dropped = False
        for i, stmt in enumerate(body):
            if id(stmt) in self._doomed:
                dropped = True
                nxt = body[i + 1] if i + 1 < len(body) else None
                grouped = nxt is not None and id(nxt) not in self._doomed \
                    and all(ln.comment is not None for ln in nxt.leading_lines)
                carry.extend(stmt.leading_lines if grouped else split_leading(stmt.leading_lines))
                continue
            if carry or (dropped and not out):
                if carry and carry[-1].comment is None and stmt.leading_lines and stmt.leading_lines[0].comment is None:
                    carry = carry[:-1]  # one blank line between, not two
                lead = [*carry, *stmt.leading_lines]
                if not out:  # now first in its block: no blank lines before it
                    while lead and lead[0].comment is None:
                        lead.pop(0)
                stmt = stmt.with_changes(leading_lines=lead)
                carry = []
            out.append(stmt)
        return out, carry

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(id(s) in self._doomed for s in updated.body):
            return updated
        body, carry = self._rebuild(updated.body)
        footer = [*[c for c in carry if c.comment is not None], *updated.footer]
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return updated.with_changes(body=body, footer=footer)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not any(id(s) in self._doomed for s in updated.body):
            return updated
        body, carry = self._rebuild(updated.body)
        return updated.with_changes(body=body, footer=[*[c for c in carry if c.comment is not None], *updated.footer])


def _options(stmt: cst.BaseSmallStatement) -> set[str] | None:
    """The option strings of a `parser.add_argument("--a", "-b", ...)` expression statement."""
    if not (isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call)
            and isinstance(stmt.value.func, cst.Attribute) and stmt.value.func.attr.value == "add_argument"):
        return None
    out = set()
    for a in stmt.value.args:
        if a.keyword is None and isinstance(a.value, cst.SimpleString):
            out.add(a.value.evaluated_value)
    return out


class RemoveDefinition(RemoveStatements):
    """Remove the statement that defines a flag, found by what it is rather than where (so earlier
    fixes in the same file need no line arithmetic): `parser.add_argument(<the same options>)` on
    its own line, or the field `name: type = default` of the config class `owner`."""

    def __init__(self, system: str, name: str, options: tuple[str, ...], owner: str) -> None:
        super().__init__()
        self.system, self.name, self.options, self.owner = system, name, set(options), owner.rsplit(".", 1)[-1]
        self.found = 0
        self.problem: str | None = None
        self.default_code: str | None = None  # the default as written, to fold in with its spelling
        self._classes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node.name.value)

    def leave_ClassDef(self, original, updated):
        self._classes.pop()
        return updated

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        # a string right after a field is its attribute docstring (tyro's and Sphinx's help text):
        # left behind, it would describe the next field
        body = updated.body
        for stmt, nxt in zip(body, body[1:]):
            if id(stmt) in self._doomed and self.system != "argparse" and _is_docstring(nxt) \
                    and not nxt.leading_lines:
                self.doom(nxt)  # kept alive there: a freed node's id would doom whatever reuses it
        return super().leave_IndentedBlock(original, updated)

    def _wanted(self, stmt: cst.BaseSmallStatement) -> bool:
        if self.system == "argparse":
            return bool(self.options) and _options(stmt) == self.options
        return isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name) \
            and stmt.target.value == self.name and bool(self._classes) and self._classes[-1] == self.owner

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        hits = [s for s in updated.body if self._wanted(s)]
        if not hits:
            return updated
        self.found += 1
        if len(updated.body) != 1:
            self.problem = "the definition shares its line with other statements"
            return updated
        self.default_code = _default_code(hits[0])
        return self.doom(updated)


def _default_code(stmt: cst.BaseSmallStatement) -> str | None:
    value: cst.BaseExpression | None = None
    if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
        value = next((a.value for a in stmt.value.args if a.keyword and a.keyword.value == "default"), None)
    elif isinstance(stmt, cst.AnnAssign):
        value = stmt.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "field":
            value = next((a.value for a in value.args if a.keyword and a.keyword.value == "default"), None)
    return cst.Module([]).code_for_node(value).strip() if value is not None else None


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))

"""Remove whole statements (a flag's definition, an unused import or helper) from a module.

Comments directly above a removed statement go with it (they describe it); anything above the
nearest blank line stays, moved onto the next statement, so a comment heading a group of flags
survives when the group's first flag goes.
"""
from __future__ import annotations

from typing import Sequence

import libcst as cst
from libcst.metadata import PositionProvider


def split_leading(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """The part of a removed statement's leading lines that stays: up to its last blank line."""
    last_blank = max((i for i, ln in enumerate(lines) if ln.comment is None), default=-1)
    return list(lines[: last_blank + 1])


class RemoveStatements(cst.CSTTransformer):
    """Subclasses call `doom(updated)` from a leave_* method to have that statement removed."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self._doomed: set[int] = set()
        self._alive: list[cst.CSTNode] = []
        self.removed = 0

    def doom(self, node: cst.BaseStatement) -> cst.BaseStatement:
        self._doomed.add(id(node))
        self._alive.append(node)
        self.removed += 1
        return node

    def line_of(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _rebuild(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        for stmt in body:
            if id(stmt) in self._doomed:
                carry.extend(split_leading(stmt.leading_lines))
                continue
            if carry:
                stmt = stmt.with_changes(leading_lines=[*carry, *stmt.leading_lines])
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
        return updated.with_changes(body=body, footer=[*carry, *updated.footer])


def _is_add_argument(stmt: cst.BaseSmallStatement) -> bool:
    return isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call) \
        and isinstance(stmt.value.func, cst.Attribute) and stmt.value.func.attr.value == "add_argument"


def _is_field(stmt: cst.BaseSmallStatement, name: str) -> bool:
    return isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name) and stmt.target.value == name


class RemoveDefinition(RemoveStatements):
    """Remove the statement at `line` that defines a flag: `parser.add_argument(...)` on its own,
    or a dataclass field `name: type = default`. `found` says whether it was there."""

    def __init__(self, system: str, name: str, line: int) -> None:
        super().__init__()
        self.system, self.name, self.line = system, name, line
        self.found = False
        self.problem: str | None = None

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if self.line_of(original) != self.line:
            return updated
        wanted = _is_add_argument if self.system == "argparse" else (lambda s: _is_field(s, self.name))
        if len(updated.body) == 1 and wanted(updated.body[0]):
            self.found = True
            return self.doom(updated)
        self.problem = "the definition shares its line with other statements or is not a plain statement"
        return updated

"""Remove whole statements (a flag's definition, an unused import or helper) from a module.

Comments directly above a removed statement go with it when it ends its group (it is followed by a
blank line or nothing): they describe it. When the next statement follows without a blank line,
the comments may head the whole group, so they stay, moved onto that statement. Anything above the
nearest blank line always stays.
"""
from __future__ import annotations

from typing import Sequence

import libcst as cst

from .source import longest_word


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
                while carry and carry[-1].comment is None and stmt.leading_lines \
                        and stmt.leading_lines[0].comment is None:
                    carry = carry[:-1]  # the statement's own blank lines separate it, not more
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


def chain(node: cst.BaseExpression, partial: bool = False) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None when it does not start at a name (`f().b`), or with
    `partial` the attributes it does have (["b"])."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    elif not partial:
        return None
    return parts[::-1]


def _string_arg(call: cst.Call, position: int, keyword: str) -> str | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    node = positional[position].value if len(positional) > position else next(
        (a.value for a in call.args if a.keyword and a.keyword.value == keyword), None)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _absl_define(value: cst.BaseExpression | None, name: str) -> bool:
    """`flags.DEFINE_<type>("name", ...)` (any module path before DEFINE_)."""
    if not isinstance(value, cst.Call):
        return False
    f = value.func
    callee = f.attr.value if isinstance(f, cst.Attribute) else f.value if isinstance(f, cst.Name) else ""
    return callee.startswith("DEFINE_") and _string_arg(value, 0, "name") == name


def _docstring(stmt: cst.BaseStatement) -> bool:
    """A bare string statement right below (no blank line): an attribute's docstring, which tyro
    and Sphinx read as the field's help."""
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and not stmt.leading_lines \
        and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


class _WithDocstrings:
    """Mixin for RemoveDefinition: a removed field or assignment takes its docstring with it."""

    def _and_docstrings(self, body):
        for i, stmt in enumerate(body[:-1]):
            if id(stmt) in self._doomed and isinstance(stmt, cst.SimpleStatementLine) \
                    and isinstance(stmt.body[0], (cst.AnnAssign, cst.Assign)) and _docstring(body[i + 1]) \
                    and id(body[i + 1]) not in self._doomed:
                self._doomed.add(id(body[i + 1]))
                self._alive.append(body[i + 1])

    def leave_IndentedBlock(self, original, updated):
        self._and_docstrings(updated.body)
        return super().leave_IndentedBlock(original, updated)

    def leave_Module(self, original, updated):
        self._and_docstrings(updated.body)
        return super().leave_Module(original, updated)


class _YacsRoots(cst.CSTVisitor):
    """The names a module's CfgNode definitions hang from, as index/yacs.py finds them: names
    assigned a `CN()` call, names assigned one of those (`_C = cfg`), and the `cfg` parameter of a
    config-extending function. An assignment through another name (`config.DATA.BATCH_SIZE =
    args.batch_size` in Swin's `update_config`) is code setting a value, not a definition."""

    def __init__(self) -> None:
        super().__init__()
        from ..index.yacs import _EXTENDER, _NODE_CALLS

        self.extender, self.calls = _EXTENDER, _NODE_CALLS
        self.roots: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.extender.search(node.name.value):
            self.roots |= {p.name.value for p in node.params.params if p.name.value in ("cfg", "config", "_C", "C")}

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        root = isinstance(value, cst.Name) and value.value in self.roots
        if isinstance(value, cst.Call):
            func = chain(value.func, partial=True) or [""]
            root = func[-1] in self.calls
        if root:
            self.roots |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}


class RemoveDefinition(_WithDocstrings, RemoveStatements):
    """Remove the statement that defines a flag, found by what it is rather than where (so earlier
    fixes in the same file need no line arithmetic): `parser.add_argument(<the same options>)` on
    its own line, the field `name: type = default` of the config class `owner` (dataclass,
    pydantic), `flags.DEFINE_x("name", ...)` (absl, maybe assigned to a holder), the module-level
    `name = literal` (globals), `_C.MODEL.NAME = v` (yacs: through a root, the path as written in
    `options[0]`) or `config.a.b = v` inside `get_config` (ml_collections)."""

    def __init__(self, system: str, name: str, options: tuple[str, ...], owner: str, dotted: str = "") -> None:
        super().__init__()
        self.system, self.name, self.options, self.owner = system, name, set(options), owner.rsplit(".", 1)[-1]
        self.dotted = dotted or (options[0] if system == "yacs" and options else name)
        self.found = 0
        self.problem: str | None = None
        self.default_code: str | None = None  # the default as written, to fold in with its spelling
        self.holder: str | None = None  # absl: the name a definition's flag holder is assigned to
        self._classes: list[str] = []
        self._functions: list[str] = []
        self._roots: set[str] | None = None  # yacs: the CfgNode roots of the module

    def visit_Module(self, node: cst.Module) -> None:
        if self.system == "yacs":
            roots = _YacsRoots()
            node.visit(roots)
            self._roots = roots.roots

    def keys(self) -> set[str] | None:
        """A word every statement this removes holds (source.py visits only those)."""
        if self.system == "argparse":
            word = longest_word(" ".join(sorted(self.options)))
        elif self.system in ("yacs", "ml_collections"):
            word = longest_word(self.dotted.rsplit(".", 1)[-1])
        else:
            word = longest_word(self.name)
        return {word} if word else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node.name.value)

    def leave_ClassDef(self, original, updated):
        self._classes.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original, updated):
        self._functions.pop()
        return updated

    def _wanted(self, stmt: cst.BaseSmallStatement) -> bool:
        if self.system == "argparse":
            return bool(self.options) and _options(stmt) == self.options
        if self.system in ("dataclass", "pydantic"):
            return isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name) \
                and stmt.target.value == self.name and bool(self._classes) and self._classes[-1] == self.owner
        target, value = _assignment(stmt)
        if self.system == "absl":
            return _absl_define(value if target is not None else getattr(stmt, "value", None), self.name) \
                and (target is None or isinstance(target, cst.Name))
        if target is None:
            return False
        if self.system == "globals":
            return isinstance(target, cst.Name) and target.value == self.name \
                and not self._classes and not self._functions
        parts = chain(target)
        if not parts or len(parts) < 2:
            return False
        if self.system == "yacs":
            return ".".join(parts[1:]) == self.dotted and (not self._roots or parts[0] in self._roots)
        if self.system == "ml_collections":
            return ".".join(parts[1:]) == self.dotted and self._functions[-1:] == ["get_config"]
        return False

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        hits = [s for s in updated.body if self._wanted(s)]
        if not hits:
            return updated
        self.found += 1
        if len(updated.body) != 1:
            self.problem = "the definition shares its line with other statements"
            return updated
        self.default_code = _default_code(hits[0], self.system)
        target, _ = _assignment(hits[0])
        if self.system == "absl" and isinstance(target, cst.Name):
            self.holder = target.value
        return self.doom(updated)


def _assignment(stmt: cst.BaseSmallStatement) -> tuple[cst.BaseExpression | None, cst.BaseExpression | None]:
    """(target, value) of a one-target assignment statement, else (None, None)."""
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0].target, stmt.value
    if isinstance(stmt, cst.AnnAssign) and stmt.value is not None:
        return stmt.target, stmt.value
    return None, None


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword and a.keyword.value == name), None)


def _default_code(stmt: cst.BaseSmallStatement, system: str = "argparse") -> str | None:
    value: cst.BaseExpression | None = None
    target, assigned = _assignment(stmt)
    if system == "absl":
        call = assigned if target is not None else getattr(stmt, "value", None)
        if isinstance(call, cst.Call):
            positional = [a for a in call.args if a.keyword is None and not a.star]
            value = positional[1].value if len(positional) > 1 else _keyword(call, "default")
    elif isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
        value = _keyword(stmt.value, "default")
    elif assigned is not None:
        value = assigned
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("field", "Field"):
            positional = [a for a in value.args if a.keyword is None and not a.star]
            value = positional[0].value if positional and value.func.value == "Field" else _keyword(value, "default")
    return cst.Module([]).code_for_node(value).strip() if value is not None else None

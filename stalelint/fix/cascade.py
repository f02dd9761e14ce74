"""Cleanup scheduled after a fix, as LibCST's RemoveImportsVisitor does it: what the fix stopped
using goes too, but only if nothing in the repo still references it, repeated until nothing changes.

Candidates are only names that *lost* references because of the fix (so an import kept for its
side effects, unused before, stays): imports, and module-level undecorated functions, classes and
constants (a decorator may register a function by name, so decorated ones stay). "Still
referenced" is decided by the whole word anywhere in the repo's code and config files (strings,
comments and configs' `_target_` included): it errs on the side of keeping.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from typing import Callable, Iterable

import libcst as cst

from ..index.astutil import module_name, nodes
from .definitions import RemoveStatements
from .orphans import Seen
from .source import Trees

SEARCHED = (".py", ".pyi", ".ipynb", ".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".sh", ".txt")
_PURE = (ast.Constant, ast.Name, ast.Attribute, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.BinOp, ast.UnaryOp,
         ast.operator, ast.unaryop, ast.Load, ast.expr_context)


def _walked(tree: ast.AST) -> tuple[Counter, list[ast.Import | ast.ImportFrom]]:
    """(how often each name is loaded, the imports in `ast.walk`'s order), from one walk."""
    # the shared walk: the fix that made the text has walked it already
    loads = Counter(n.id for n in nodes(tree, ast.Name) if type(n.ctx) is ast.Load)
    return loads, nodes(tree, ast.Import, ast.ImportFrom)


def _exported(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            out |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return out


def _module_defs(tree: ast.Module) -> dict[str, ast.stmt]:
    """Module-level names a cascade may remove: undecorated def/class, constants with pure values."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.decorator_list:
            out[node.name] = node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and all(isinstance(n, _PURE) for n in ast.walk(node.value)):
            out[node.targets[0].id] = node
    return {k: v for k, v in out.items() if not k.startswith("__")}


def _imported(imports: list[ast.Import | ast.ImportFrom], path: str) -> dict[str, tuple[str, str | None]]:
    """Bound name -> (module, imported name or None for `import m`), module resolved to absolute."""
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    out: dict[str, tuple[str, str | None]] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = (a.name, None)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level > 1 else (package if node.level else [])
            mod = ".".join(base + ([node.module] if node.module else []))
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = (mod, a.name)
    return out


class _RemoveUnused(RemoveStatements):
    def __init__(self, imports: set[str], defs: set[str]) -> None:
        super().__init__()
        self.imports, self.defs = imports, defs
        self._emptied: set[int] = set()

    def keys(self) -> set[str]:
        return self.imports | self.defs

    def _aliases(self, updated, names) -> cst.CSTNode:
        def bound(a: cst.ImportAlias) -> str:
            if a.asname is not None:
                return a.asname.name.value  # type: ignore[union-attr]
            return cst.Module([]).code_for_node(a.name).split(".")[0]
        kept = [a for a in names if bound(a) not in self.imports]
        if len(kept) == len(names):
            return updated
        if not kept:
            self._emptied.add(id(updated))  # the whole statement goes (see below)
            self._alive.append(updated)
            return updated
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
        return updated.with_changes(names=kept)

    def leave_Import(self, original, updated):
        return self._aliases(updated, list(updated.names))

    def leave_ImportFrom(self, original, updated):
        if isinstance(updated.names, cst.ImportStar):
            return updated
        return self._aliases(updated, list(updated.names))

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) == 1 and id(updated.body[0]) in self._emptied:
            return self.doom(updated)
        if isinstance(updated.body[0], (cst.Assign,)) and len(updated.body) == 1 \
                and len(updated.body[0].targets) == 1 and isinstance(updated.body[0].targets[0].target, cst.Name) \
                and updated.body[0].targets[0].target.value in self.defs and self._depth == 0:
            return self.doom(updated)
        return updated

    _depth = 0

    def visit_FunctionDef(self, node) -> None:
        self._depth += 1

    def visit_ClassDef(self, node) -> None:
        self._depth += 1

    def leave_FunctionDef(self, original, updated):
        self._depth -= 1
        if self._depth == 0 and updated.name.value in self.defs and not updated.decorators:
            return self.doom(updated)
        return updated

    leave_ClassDef = leave_FunctionDef


def _count(word: str, text: str) -> int:
    """Whole-word occurrences, attribute access (`mod.name`) included: it errs on keeping."""
    return len(re.findall(r"(?<!\w)" + re.escape(word) + r"\b", text))


def cascade(before: dict[str, str], texts: dict[str, str], changed: set[str], all_files: Iterable[str],
            read: Callable[[str], str | None], modules: dict[str, str], trees: Trees | None = None,
            seen: Seen | None = None, peek: Callable[[str], str | None] | None = None) -> list[str]:
    """Remove what the change from `before` to `texts` left unused; edits `texts` in place and
    returns what went, as messages. `read(path)` gives a file's current text (None if unreadable).
    `seen` (with `peek`, a `read` that does not count as looking): which files name which words,
    asked of the whole repo, recorded as that rather than as every text read."""
    trees = trees or Trees(reuse=False)
    ask = _Ask(texts, read, seen, peek)
    files = [p for p in all_files if p.endswith(SEARCHED)]
    went: list[str] = []
    todo = set(changed)
    for _ in range(20):  # each round can only remove; a bound keeps a bug from spinning forever
        if not todo:
            break
        round_files, todo = sorted(todo), set()
        for path in round_files:
            if not path.endswith(".py"):
                continue
            old_text = before.get(path) if path in before else read(path)
            now = texts.get(path, read(path))
            if old_text is None or now is None:
                continue
            try:
                old_tree, tree = trees.ast(path, old_text), trees.ast(path, now)
            except SyntaxError:
                continue
            old_loads = trees.derived(old_tree, _walked)[0]
            loads, import_nodes = trees.derived(tree, _walked)
            lost = {n for n, c in old_loads.items() if loads.get(n, 0) < c}
            if not lost:
                continue  # what follows removes only names that lost a reference
            exported = trees.derived(tree, _exported)
            imported = _imported(import_nodes, path)
            imports = {n for n, src in imported.items()
                       if n in lost and loads.get(n, 0) == 0 and n not in exported}
            defs = set()
            for name, node in trees.derived(tree, _module_defs).items():
                if name in lost and name not in exported and _unreferenced(name, path, node, now, files, ask):
                    defs.add(name)
            # helpers defined in other repo files, whose only import here just went
            for name in imports:
                mod, attr = imported[name]
                target = modules.get(mod)
                if attr is None or target is None or target == path:
                    continue
                ttext = texts.get(target, read(target))
                if ttext is None:
                    continue
                try:
                    node = trees.derived(trees.ast(target, ttext), _module_defs).get(attr)
                except SyntaxError:
                    continue
                if node is not None and attr not in trees.derived(trees.ast(target, ttext), _exported) \
                        and _unreferenced(attr, target, node, ttext, files, ask, skip_import_in=path):
                    if _remove(trees, texts, target, ttext, set(), {attr}, went):
                        before.setdefault(target, ttext)
                        todo.add(target)
            if imports or defs:
                if _remove(trees, texts, path, now, imports, defs, went):
                    todo.add(path)
    return went


class _Ask:
    """Whether another file names a word: from the texts this fix changed, else the repo as the
    fixes so far left it."""

    def __init__(self, texts: dict[str, str], read: Callable[[str], str | None], seen: Seen | None,
                 peek: Callable[[str], str | None] | None) -> None:
        self.texts, self.read, self.seen, self.peek = texts, read, seen, peek

    def names(self, name: str, other: str, skip_import: bool) -> bool:
        mine = other in self.texts
        t = self.texts[other] if mine else (self.peek or self.read)(other) if self.seen is not None \
            else self.read(other)
        found = references(name, t, skip_import)
        if self.seen is not None and not mine:
            self.seen.words.append((name, other, skip_import, found, self.seen.at))
        return found


def references(name: str, text: str | None, skip_import: bool) -> bool:
    """Whether `text` names `name` (outside the import of it, with `skip_import`)."""
    if not text:
        return False
    n = _count(name, text)
    if n and skip_import:
        n -= _count_import(name, text)
    return n > 0


def _unreferenced(name: str, path: str, node: ast.stmt, text: str, files: list[str], ask: _Ask,
                  skip_import_in: str | None = None) -> bool:
    lines = text.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    own = "".join(lines[start - 1: node.end_lineno])
    if _count(name, text) - _count(name, own) > 0:
        return False
    for other in files:
        if other == path:
            continue
        if ask.names(name, other, other == skip_import_in):
            return False
    return True


def _count_import(name: str, text: str) -> int:
    """Occurrences of `name` inside import statements (the one being removed, if still there)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return 0
    return sum(1 for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
               for a in n.names if (a.asname or a.name) == name or a.name == name)


def _remove(trees: Trees, texts: dict[str, str], path: str, text: str, imports: set[str], defs: set[str],
            went: list[str]) -> bool:
    remover = _RemoveUnused(imports, defs)
    new = trees.rewrite(trees.cst(text), remover)
    if new == text:
        return False
    texts[path] = new
    for n in sorted(imports):
        went.append(f"{path}: unused import `{n}`")
    for n in sorted(defs):
        went.append(f"{path}: unused `{n}`")
    return True

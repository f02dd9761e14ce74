"""Make planned fixes one at a time on an in-memory copy of the repo, each checked on its own.

Each fix is located afresh in the current text (re-indexed with `ast`, which is fast), so fixes
that touch the same file need no shared line arithmetic. A fix that leaves a file that does not
parse or compile, or that touches a file with uncommitted changes, is dropped with a message and
the others go on; like a LibCST codemod, a fix returns an outcome and never raises.
"""
from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import Iterable

import libcst as cst

from ..index import index_file
from ..index.astutil import module_name
from ..index.reads import config_names
from ..model import Fix, FixOutcome
from ..names import normalize
from .cascade import cascade
from .configs import remove_keys
from .definitions import RemoveDefinition
from .fold import Fold, GateTarget
from .plan import _gate_key, names_of


class FixFailed(Exception):
    """A fix cannot be made as planned; the message says why."""


class Workspace:
    """The repo's files as the fixes so far have left them (nothing is written here)."""

    def __init__(self, root: Path, files: Iterable[str], classes: set[str]) -> None:
        self.root = root
        self.files = sorted(files)
        self.texts: dict[str, str] = {}
        self.classes = classes
        self.modules: dict[str, str] = {}
        for p in sorted((f for f in self.files if f.endswith(".py")), key=lambda p: p.count("/"), reverse=True):
            parts = module_name(p).split(".")
            for i in range(len(parts)):
                self.modules[".".join(parts[i:])] = p

    def read(self, path: str) -> str | None:
        if path in self.texts:
            return self.texts[path]
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            return None  # written back as plain UTF-8 it would change bytes we did not mean to touch
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def text(self, path: str) -> str:
        got = self.read(path)
        if got is None:
            raise FixFailed(f"{path} cannot be read as UTF-8 text")
        return got


def compiles(path: str, text: str) -> str | None:
    """Why `text` does not compile, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cst.parse_module(text)
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"{path} would not compile: {exc}"
    except cst.ParserSyntaxError as exc:
        return f"{path} would not parse: {exc.message} (line {exc.raw_line})"
    return None


def _transform(text: str, transformer: cst.CSTTransformer) -> str:
    return cst.MetadataWrapper(cst.parse_module(text)).visit(transformer).code


def _strong(text: str, classes: set[str]) -> set[str]:
    return config_names(ast.parse(text), classes)


def _remove_knob(ws: Workspace, fix: Fix) -> dict[str, str]:
    k = fix.knob
    assert k is not None
    text = ws.text(k.path)
    current = [c for c in index_file(k.path, text).knobs if c.system == k.system and c.owner == k.owner
               and (c.name == k.name or c.name in k.aliases)]
    if len(current) != 1:
        raise FixFailed(f"the definition of `{k.name}` is no longer in {k.path}")
    remover = RemoveDefinition(k.system, current[0].name, current[0].line)
    new = _transform(text, remover)
    if not remover.found:
        raise FixFailed(f"{k.path}:{current[0].line}: {remover.problem or 'definition not found'}")
    changed = {k.path: new}
    if not fix.fold:
        return changed
    names = {k.name, *k.aliases}
    for path in sorted({k.path, *fix.fold_files}):
        before = changed.get(path) or ws.text(path)
        fold = Fold(names, k.default, _strong(before, ws.classes))
        after = _transform(before, fold)
        if fold.problem:
            raise FixFailed(f"{path}: {fold.problem}")
        if after != before:
            changed[path] = after
        left = [r for r in index_file(path, after).reads
                if r.strong and any(normalize(r.name) == n or normalize(r.name).startswith(n + ".") for n in names_of(k))]
        if left:
            raise FixFailed(f"{path}:{left[0].line}: cannot fold this read of `{left[0].name}`")
    return changed


def _remove_arm(ws: Workspace, fix: Fix) -> dict[str, str]:
    g = fix.gate
    assert g is not None
    text = ws.text(g.path)
    same = [h for h in index_file(g.path, text).gates if _gate_key(h) == _gate_key(g)]
    if len(same) <= fix.gate_ordinal:
        raise FixFailed(f"the branch `{g.test}` is no longer in {g.path}")
    h = same[fix.gate_ordinal]
    fold = Fold(set(), None, set(), (GateTarget(h.line, h.test, fix.gate_value, h.form),))
    new = _transform(text, fold)
    if fold.gates_hit != 1:
        raise FixFailed(f"{g.path}:{h.line}: could not find the branch `{g.test}` to remove")
    return {g.path: new}


def _configs(ws: Workspace, fix: Fix, changed: dict[str, str]) -> list[str]:
    emptied = []
    names = names_of(fix.knob) if fix.knob else set()
    for path in fix.configs:
        new, problem, empty = remove_keys(path, ws.text(path), names)
        if problem:
            raise FixFailed(problem)
        if new is not None and new != ws.text(path):
            changed[path] = new
        if empty:
            emptied.append(path)
    return emptied


def make(ws: Workspace, fix: Fix, dirty: set[str], force: bool) -> FixOutcome:
    """Make one fix on the workspace (kept only if it succeeds) and say what happened."""
    try:
        changed = _remove_knob(ws, fix) if fix.knob is not None else _remove_arm(ws, fix)
        emptied = _configs(ws, fix, changed)
    except FixFailed as exc:
        return FixOutcome(fix, "failed", str(exc))
    except cst.ParserSyntaxError as exc:
        return FixOutcome(fix, "failed", f"libcst cannot parse the file: {exc.message}")
    for path, text in changed.items():
        if path.endswith(".py") and (problem := compiles(path, text)):
            return FixOutcome(fix, "failed", f"dropped: {problem}")
    before = {p: ws.text(p) for p in changed}
    with_cascade = dict(changed)
    went = cascade(before, with_cascade, set(changed), ws.files, ws.read, ws.modules)
    broken = [p for p, t in with_cascade.items() if p.endswith(".py") and compiles(p, t)]
    note = ""
    if broken:
        note = f"cleanup of what became unused skipped: it would break {', '.join(broken)}"
        went = []
    else:
        changed = with_cascade
    before = {p: (ws.text(p) if p not in before else before[p]) for p in changed}
    changed = {p: t for p, t in changed.items() if t != before[p]}
    if not changed:
        return FixOutcome(fix, "failed", "nothing left to change (already fixed?)")
    touched_dirty = sorted(set(changed) & dirty)
    if touched_dirty and not force:
        return FixOutcome(fix, "refused", f"{', '.join(touched_dirty)} has uncommitted changes; commit or stash "
                          "them, or pass --force", before, changed)
    return FixOutcome(fix, "applied", note, before, changed, tuple(went), tuple(emptied))


def make_all(ws: Workspace, fixes: list[Fix], dirty: set[str], force: bool, unsafe: bool) -> list[FixOutcome]:
    """Safe fixes first, each on top of the ones before; unsafe ones are made only with `unsafe`,
    else shown (on top of the safe ones) and not kept."""
    out: list[FixOutcome] = []
    ordered = sorted(fixes, key=lambda f: (not f.safe, f.finding.path, f.finding.line))
    for fix in ordered:
        outcome = make(ws, fix, dirty, force)
        if outcome.status == "applied" and not fix.safe and not unsafe:
            outcome = FixOutcome(fix, "unsafe", "; ".join(fix.reasons), outcome.before, outcome.after,
                                 outcome.cascade, outcome.emptied)
        elif outcome.status == "applied":
            ws.texts.update(outcome.after)
        out.append(outcome)
    return out

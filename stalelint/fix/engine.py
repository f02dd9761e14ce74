"""Make planned fixes one at a time on an in-memory copy of the repo, each checked on its own.

Each fix is located afresh in the current text (re-indexed with `ast`, which is fast), so fixes
that touch the same file need no shared line arithmetic. A fix that leaves a file that does not
parse or compile, or that touches a file with uncommitted changes, is dropped with a message and
the others go on; like a LibCST codemod, a fix returns an outcome and never raises.

Each fix has its own before and after (its diff, its graveyard entry's patch), so fixes are still
made one after another; what makes that cheap is source.py: a file is parsed once, and each fix's
rewrite visits and regenerates only the statements it touches.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Callable, Iterable

import libcst as cst

from ..index import module_files
from ..index import gates, reads
from ..index.astutil import forget_walks, nodes, segment
from ..index.file_gates import file_gates
from ..index.reads import config_names
from ..judge import evaluate
from ..model import UNKNOWN, Fix, FixOutcome
from ..names import normalize
from .cascade import cascade
from .configs import remove_keys
from .variants import RemoveChoice, RemoveVariant
from .params import PARAM_SYSTEMS, YAML_SYSTEMS, owns, remover_for
from ..evidence.configs import BadConfig, NotAConfig, read_settings
from .fold import Fold, GateTarget, foldable, norm
from .nesting import too_deep
from .orphans import Reads, Seen, orphans, read_keys
from .plan import _gate_key, names_of
from .source import Trees


class FixFailed(Exception):
    """A fix cannot be made as planned; the message says why."""


class Workspace:
    """The repo's files as the fixes so far have left them (nothing is written here)."""

    def __init__(self, root: Path, files: Iterable[str], classes: set[str], reads: Reads | None = None,
                 reuse: bool = True) -> None:
        self.root = root
        self.trees = Trees(reuse)
        self.seen: Seen | None = None  # what the fixes look at, when a worker makes them ahead
        self.recorded = False  # whether the kept fixes go to the graveyard (which asks their patches back)
        self._original = False
        self._gates: dict[tuple[str, str], tuple] = {}
        self.reads = reads  # who reads what, for flags a fix leaves unread
        self.removed: set[tuple[str, str]] = set()  # (path, name) of flags gone so far
        self.files = sorted(files)
        self.texts: dict[str, str] = {}
        self.unfit: dict[str, str] = {}  # path -> why libcst must not parse it
        self.fit: set[str] = set()
        self.classes = classes
        self.config_names = lambda tree: config_names(tree, classes)
        self.modules = module_files([f for f in self.files if f.endswith(".py")])

    def read(self, path: str) -> str | None:
        if self.seen is not None and not self._original:
            self.seen.text(path)
        return self.peek(path)

    def peek(self, path: str) -> str | None:
        """`read`, not recorded as looked at (for questions recorded as such: orphans.Seen)."""
        if path in self.texts:
            return self.texts[path]
        if path in self.unfit:
            return None
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            return None  # written back as plain UTF-8 it would change bytes we did not mean to touch
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if path.endswith(".py") and path not in self.fit:
            tree = self.trees.parsed(path, text)  # kept: the fixes ask it again
            why = too_deep(text, tree) if tree is not None else "Python cannot parse it"
            if why:
                self.unfit[path] = why
                return None
            self.fit.add(path)
        return text

    def original(self, path: str) -> str | None:
        """The file as it is on disk: as the index read it, before any fix."""
        texts, self.texts, self._original = self.texts, {}, True
        try:
            return self.read(path)
        finally:
            self.texts, self._original = texts, False

    def gates(self, path: str, text: str) -> tuple:
        """The gates `index_file` finds in a text, once."""
        key = (path, text)
        if key not in self._gates:
            if len(self._gates) > 64:
                self._gates.clear()
            self._gates[key] = file_gates(path, text, self.trees.parsed(path, text))
        return self._gates[key]

    def text(self, path: str) -> str:
        got = self.read(path)
        if got is None:
            raise FixFailed(f"{path} cannot be rewritten: {self.unfit[path]}" if path in self.unfit
                            else f"{path} cannot be read as UTF-8 text")
        return got


def _strong(ws: Workspace, tree: ast.Module) -> set[str]:
    """The names holding a config in a module (not to be changed: shared by every fix of the text)."""
    return ws.trees.derived(tree, ws.config_names)


def _left_reads(ws: Workspace, path: str, text: str, names: set[str]) -> list:
    tree = ws.trees.ast(path, text)
    found = ws.trees.reads(tree, path, _strong(ws, tree))
    return [r for r in found if r.strong and any(normalize(r.name) == n or normalize(r.name).startswith(n + ".")
                                                  for n in names)]


def _alias_gates(ws: Workspace, path: str, text: str, names: set[str], value) -> tuple[GateTarget, ...]:
    """The gates that test the flag through a local alias (`reduce_factor = args.tta`, then
    `if reduce_factor > 1:`), forced to what they are once the read is folded to `value`. The fold
    turns the read into a literal, and the alias into a constant the Simplifier does not see: without
    this the dead branch would stay. Only a whole test is forced (not one part of an `and`/`or`,
    whose other parts may call something), and only where its truth for `value` is certain."""
    tree = ws.trees.ast(path, text)
    strong = _strong(ws, tree)
    lines = text.splitlines()
    aliased = gates.local_aliases(tree, strong)
    if not aliased:
        return ()
    wanted = {normalize(n) for n in names}
    direct = {(g.line, g.column, g.name, g.op) for g in gates.extract(tree, path, strong, lines, aliases={})}
    out = []
    for g in gates.extract(tree, path, strong, lines, aliases=aliased):
        if (g.line, g.column, g.name, g.op) in direct or normalize(g.name) not in wanted or g.combine \
                or g.form not in ("if", "elif", "ternary", "guard"):
            continue
        truth = evaluate(g.op, value, g.value)
        if truth is None:
            continue
        form = "if" if g.form == "guard" else g.form
        ordinal = gate_ordinal(text, form, g.test, g.line, tree)
        if ordinal is not None:
            out.append(GateTarget(ordinal, g.test, truth, form))
    return tuple(out)


def _registered(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, owner: str) -> bool:
    if node.name == owner:
        return True
    return any(isinstance(d, ast.Call) and any(isinstance(a, ast.Constant) and a.value == owner
                                               for a in [*d.args[:1], *(kw.value for kw in d.keywords if kw.arg == "name")])
               for d in node.decorator_list)


def _left_names(tree: ast.Module, names: set[str], owner: str | None) -> int | None:
    """The line of a name in `names` still used (in the body of `owner`'s function, or anywhere
    when None), or None."""
    scopes: list[ast.AST] = [tree]
    if owner is not None:
        fns: list[ast.AST] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and _registered(node, owner):
                fns += [fn for fn in node.body if isinstance(fn, ast.FunctionDef) and fn.name == "__init__"]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _registered(node, owner):
                fns.append(node)
        scopes = [s for fn in fns for s in fn.body]  # type: ignore[attr-defined]
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and node.id in names:
                return node.lineno
            if isinstance(node, (ast.Global, ast.Nonlocal)) and set(node.names) & names:
                return node.lineno
    return None


def _key_in_file(path: str, text: str, line: int) -> str | None:
    """The key a YAML definition file sets on `line`, as the file spells it."""
    try:
        found = [s.key for s in read_settings(path, text) if s.line == line]
    except (BadConfig, NotAConfig):
        return None
    return found[0] if len(found) == 1 else None


def _remove_knob(ws: Workspace, fix: Fix) -> dict[str, str]:
    k = fix.knob
    assert k is not None
    text = ws.text(k.path)
    default_code = holder = None
    if k.system in YAML_SYSTEMS:
        # the knob's line is a line of the file as indexed, before any fix: the key is found there,
        # then removed by name from the text as the fixes so far left it
        key = _key_in_file(k.path, ws.original(k.path) or "", k.line)
        if key is None:
            raise FixFailed(f"{k.path}:{k.line}: cannot find the key of `{k.name}` any more")
        new, problem, _ = remove_keys(k.path, text, {normalize(key)})
        if problem or new is None or new == text:
            raise FixFailed(problem or f"{k.path}: cannot remove the key `{key}`")
        changed: dict[str, cst.Module | str] = {k.path: new}
    else:
        remover = remover_for(k)
        module = ws.trees.transform(ws.trees.cst(text), remover, adopt=not fix.fold)  # a fold rewrites it again
        if remover.found != 1 or remover.problem:
            why = remover.problem or ("it is no longer there" if not remover.found else "it is defined more than once")
            raise FixFailed(f"{k.path}: cannot remove the definition of `{k.name}`: {why}")
        changed = {k.path: module}
        default_code, holder = remover.default_code, remover.holder
    names = {k.name, *k.aliases} | ({k.option_strings[0]} if k.system == "yacs" and k.option_strings else set())
    bare = k.system in PARAM_SYSTEMS or k.system == "globals"
    leaf = k.name.rsplit(".", 1)[-1]
    if fix.fold:
        if k.default is UNKNOWN or (why := foldable(k.default)):
            raise FixFailed("there is no literal value to fold into its reads" if k.default is UNKNOWN else why)
        if k.system in YAML_SYSTEMS and isinstance(k.default, str) and "${" in k.default:
            raise FixFailed(f"its default `{k.default}` is an interpolation, not a value to fold into its reads")
        for path in sorted(set(fix.fold_files) | ({k.path} if k.system not in YAML_SYSTEMS else set())):
            tree = changed.get(path)
            if tree is None or isinstance(tree, str):
                tree = ws.trees.cst(ws.text(path))
            if bare:
                scope = None if k.system == "globals" else (lambda fn, classes: owns(fn, classes, k.owner))
                fold = Fold(set(), k.default, set(), code=default_code, bare={leaf}, scope=scope)
            else:
                now = ws.text(path)
                fold = Fold(names, k.default, _strong(ws, ws.trees.ast(path, now)), code=default_code,
                            holders={holder} if holder and path == k.path else set(),
                            gates=_alias_gates(ws, path, now, names, k.default))
            changed[path] = ws.trees.transform(tree, fold)
            if fold.problem:
                raise FixFailed(f"{path}: {fold.problem}")
    out = {p: (m if isinstance(m, str) else ws.trees.code(m)) for p, m in changed.items()}
    out = {p: t for p, t in out.items() if t != ws.text(p)}
    for path, after in out.items():
        if not path.endswith(".py"):
            continue
        if (problem := ws.trees.compile_error(path, after)):
            raise FixFailed(f"dropped: {problem}")
        if fix.fold and not bare and (left := _left_reads(ws, path, after, names_of(k))):
            raise FixFailed(f"{path}:{left[0].line}: cannot fold this read of `{left[0].name}`")
        if path != k.path:
            continue
        for gone, owner in (({leaf}, k.owner if k.system in PARAM_SYSTEMS else None) if bare else (set(), None),
                            ({holder}, None) if holder else (set(), None)):
            if gone and (line := _left_names(ws.trees.ast(path, after), gone, owner)) is not None:
                raise FixFailed(f"{path}:{line}: `{next(iter(gone))}` is still used where it cannot be folded")
    return out


def gate_ordinal(text: str, form: str, test: str, line: int, tree: ast.Module | None = None) -> int | None:
    """Which of the same-looking gates (same form and test) in source order is the one at `line`
    (`tree`: the text's, when the caller has it)."""
    tree = tree or ast.parse(text)
    # the shared walk (astutil.nodes), which the fix's other questions of this tree walk anyway
    elifs = {id(n.orelse[0]) for n in nodes(tree, ast.If) if len(n.orelse) == 1
             and isinstance(n.orelse[0], ast.If) and n.orelse[0].col_offset == n.col_offset}
    lines = text.splitlines()
    same = []
    for n in nodes(tree, ast.If, ast.IfExp, ast.Match):
        if isinstance(n, (ast.If, ast.IfExp)):
            f = "ternary" if isinstance(n, ast.IfExp) else "elif" if id(n) in elifs else "if"
            if f == form and norm(segment(lines, n.test)) == norm(test):
                same.append((n.lineno, n.col_offset))
        elif isinstance(n, ast.Match) and form == "case":
            same += [(c.pattern.lineno, c.pattern.col_offset) for c in n.cases
                     if norm(segment(lines, c.pattern)) == norm(test)]
    same.sort()
    at = [i for i, (ln, _) in enumerate(same) if ln == line]
    return at[0] if len(at) == 1 else None


def _remove_arm(ws: Workspace, fix: Fix) -> dict[str, str]:
    g = fix.gate
    assert g is not None
    text = ws.text(g.path)
    same = [h for h in ws.gates(g.path, text) if _gate_key(h) == _gate_key(g)]
    if len(same) <= fix.gate_ordinal:
        raise FixFailed(f"the branch `{g.test}` is no longer in {g.path}")
    h = same[fix.gate_ordinal]
    form = "if" if h.form == "guard" else h.form  # an early exit is an `if` to the rewrite
    ordinal = gate_ordinal(text, form, h.test, h.line, ws.trees.ast(g.path, text))
    if ordinal is None:
        raise FixFailed(f"{g.path}:{h.line}: more than one branch `{g.test}` on this line")
    fold = Fold(set(), None, set(), (GateTarget(ordinal, h.test, fix.gate_value, form),))
    new = ws.trees.rewrite(ws.trees.cst(text), fold)
    if fold.gates_hit != 1:
        raise FixFailed(f"{g.path}:{h.line}: could not find the branch `{g.test}` to remove")
    if (problem := ws.trees.compile_error(g.path, new)):
        raise FixFailed(f"dropped: {problem}")
    return {g.path: new}


def _remove_variant(ws: Workspace, fix: Fix) -> dict[str, str]:
    v = fix.variant
    assert v is not None
    text = ws.text(v.path)
    whole = fix.variant_whole  # fixes only remove code: what plan found unnamed stays unnamed
    if v.system == "getattr" and not whole:
        raise FixFailed(f"`{v.name}` is named elsewhere in the repo; remove it by hand")
    remover = RemoveVariant(v.system, v.name, v.owner, whole)
    new = ws.trees.rewrite(ws.trees.cst(text), remover)
    if remover.found != 1 or remover.problem:
        raise FixFailed(f"{v.path}: cannot remove variant `{v.name}` of `{v.owner}`: "
                        + (remover.problem or ("it is defined more than once" if remover.found else "it is gone")))
    if (problem := ws.trees.compile_error(v.path, new)):
        raise FixFailed(f"dropped: {problem}")
    return {v.path: new}


def _remove_choice(ws: Workspace, fix: Fix, changed: dict[str, str], required: bool) -> None:
    """Drop the fix's value from its flag's `choices`; with the arm that tested it, only if still there."""
    k = fix.choice_of
    assert k is not None
    text = changed.get(k.path) or ws.text(k.path)
    remover = RemoveChoice(k.system, k.name.rsplit(".", 1)[-1], k.option_strings, fix.choice)
    new = ws.trees.rewrite(ws.trees.cst(text), remover)
    if remover.found != 1 or remover.problem:
        if required:
            raise FixFailed(f"{k.path}: cannot remove {fix.choice!r} from the choices of `{k.name}`: "
                            + (remover.problem or ("it is no longer there" if not remover.found else
                                                   "the flag is defined more than once")))
        return
    if (problem := ws.trees.compile_error(k.path, new)):
        raise FixFailed(f"dropped: {problem}")
    changed[k.path] = new


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


def make(ws: Workspace, fix: Fix, dirty: set[str], force: bool) -> tuple[FixOutcome, set[tuple[str, str]]]:
    """Make one fix on the workspace (kept only if it succeeds) and say what happened, with the
    flags it removes."""
    k = fix.knob
    if not fix.supported:
        return FixOutcome(fix, "unsupported", "; ".join(fix.reasons)), set()
    # a shared walk (index/astutil.py) holds a whole tree: the walks of the fixes before go, but
    # that of the text of this fix's file, which the fix before it left (and walked)
    forget_walks(t for p in {fix.finding.path, *(x.path for x in (k, fix.variant, fix.gate) if x is not None)}
                 if p in ws.texts and (t := ws.trees.parsed_before(p, ws.texts[p])) is not None)
    if k is not None and ws.seen is not None:
        ws.seen.went((k.path, k.name))
    if k is not None and (k.path, k.name) in ws.removed:
        return FixOutcome(fix, "skipped", "already removed: an earlier fix removed all its reads"), set()
    try:
        if k is not None:
            changed = _remove_knob(ws, fix)
        elif fix.variant is not None:
            changed = _remove_variant(ws, fix)
        elif fix.gate is not None:
            changed = _remove_arm(ws, fix)
        else:
            changed = {}
        if fix.choice_of is not None:
            _remove_choice(ws, fix, changed, required=fix.gate is None and fix.variant is None)
        emptied = _configs(ws, fix, changed)
    except FixFailed as exc:
        return FixOutcome(fix, "failed", str(exc)), set()
    except cst.ParserSyntaxError as exc:
        return FixOutcome(fix, "failed", f"libcst cannot parse the file: {exc.message}"), set()
    except RecursionError:  # fix/nesting.py keeps deep files from libcst; this is the last guard
        return FixOutcome(fix, "failed", "the code is nested too deeply to rewrite"), set()
    gone = {(k.path, k.name)} if k is not None else set()
    orphaned: list[str] = []
    if ws.reads is not None:
        trial, removed = dict(changed), set(ws.removed) | gone
        orphaned = orphans(ws.reads, trial, ws.read, removed, ws.trees)
        if orphaned and not any(p.endswith(".py") and ws.trees.compile_error(p, t) for p, t in trial.items()):
            changed, gone = trial, removed - ws.removed
        else:
            orphaned = []
    before = {p: ws.text(p) for p in changed}
    with_cascade = dict(changed)
    went = orphaned + cascade(before, with_cascade, set(changed), ws.files, ws.read, ws.modules, ws.trees,
                              ws.seen, ws.peek)
    broken = [p for p, t in with_cascade.items() if p.endswith(".py") and ws.trees.compile_error(p, t)]
    note = ""
    if broken:
        note = f"cleanup of what became unused skipped: it would break {', '.join(broken)}"
        went = orphaned
    else:
        changed = with_cascade
    before = {p: (ws.text(p) if p not in before else before[p]) for p in changed}
    changed = {p: t for p, t in changed.items() if t != before[p]}
    if not changed:
        return FixOutcome(fix, "failed", "nothing left to change (already fixed?)"), set()
    touched_dirty = sorted(set(changed) & dirty)
    if touched_dirty and not force:
        return FixOutcome(fix, "refused", f"{', '.join(touched_dirty)} has uncommitted changes; commit or stash "
                          "them, or pass --force", before, changed), set()
    return FixOutcome(fix, "applied", note, before, changed, tuple(went), tuple(emptied)), gone


def keep(ws: Workspace, fix: Fix, dirty: set[str], force: bool) -> tuple[FixOutcome, set[tuple[str, str]]]:
    """`make`, and the workspace left as the fix leaves it when it is made."""
    outcome, gone = make(ws, fix, dirty, force)
    if outcome.status == "applied":
        ws.texts.update(outcome.after)
        ws.removed |= gone
        if ws.reads is not None:
            ws.reads.by_file.update({p: read_keys(p, t, ws.trees) for p, t in outcome.after.items()
                                     if p.endswith(".py")})
    return outcome, gone


def make_all(ws: Workspace, fixes: list[Fix], dirty: set[str], force: bool, unsafe: bool,
             show: bool = True, progress: Callable[[str], None] = lambda stage: None,
             jobs: int | None = None) -> list[FixOutcome]:
    """Safe fixes first, each on top of the ones before; unsafe ones are made only with `unsafe`,
    else shown (on top of the safe ones; not even made without `show`) and not kept.
    `progress` is told how many of the files with fixes are done; `jobs`: processes that make them
    (workers.py; None decides by how many there are)."""
    from .workers import make_kept, make_shown

    out: list[FixOutcome | None] = []
    ordered = sorted(fixes, key=lambda f: (not f.safe, f.finding.path, f.finding.line))
    kept: list[int] = []
    shown: list[int] = []
    left: dict[str, int] = {}
    for fix in ordered:
        if fix.safe or unsafe or show:
            left[fix.finding.path] = left.get(fix.finding.path, 0) + 1
    total = len(left)

    def done(some: list[Fix]) -> None:
        for f in some:
            left[f.finding.path] -= 1
        progress(f"rewriting files {sum(1 for n in left.values() if not n)}/{total}")

    progress(f"rewriting files 0/{total}")
    for fix in ordered:
        shown_only = not fix.safe and not unsafe
        if shown_only:
            # made after every kept fix (they sort after them anyway), on top of them all
            if show:
                shown.append(len(out))
            out.append(None if show else FixOutcome(fix, "unsafe", "", {}, {}))
            continue
        kept.append(len(out))
        out.append(None)
    for at, outcome in zip(kept, make_kept(ws, [ordered[i] for i in kept], dirty, force, jobs, done)):
        out[at] = outcome
    for at, outcome in zip(shown, make_shown(ws, [ordered[i] for i in shown], dirty, jobs, done)):
        if outcome.status != "unsupported":
            # shown, never made: its own failure is a note, not an error of this run
            note = "" if outcome.status == "applied" else f"(and it could not be made: {outcome.message})"
            outcome = FixOutcome(outcome.fix, "unsafe", note, outcome.before, outcome.after, outcome.cascade,
                                 outcome.emptied)
        out[at] = outcome
    return out  # type: ignore[return-value]

"""Which fixes to make, and whether each is safe (ruff's applicability: safe or unsafe, with why).

A fix is safe when every recent experiment behaves as before and nothing stalelint cannot see
breaks: the knob's value is a literal, every read of it is one the fold can rewrite, nothing
assigns to it, no launch command passes it, and no caller builds its config class by position.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Callable

from ..judge import Facts
from ..model import UNKNOWN, Finding, Fix, Knob
from ..names import normalize, subchains as _subchains
from ..rules.common import operational
from ..index.astutil import nodes
from ..index.reads import config_names
from . import safety
from .fold import foldable
from . import usages
from .params import PARAM_SYSTEMS, YAML_SYSTEMS
from .cascade import SEARCHED
from .variants import referenced

_LOCATION = "{path}:{line}"


def _knob_of(facts: Facts, f: Finding, at: dict[tuple[str, int, str], int] | None = None) -> int | None:
    """The index of the finding's knob (`at`: every knob's, by where and what, when asked often)."""
    if at is not None:
        return at.get((f.path, f.line, f.name))
    for i, k in enumerate(facts.index.knobs):
        if k.path == f.path and k.line == f.line and k.name == f.name:
            return i
    return None


def names_of(k: Knob) -> set[str]:
    return {normalize(k.name), *(normalize(a) for a in k.aliases)}




def _owner_of_read(facts: Facts, i: int, path: str, read: str = "",
                   leaf_paths: Callable[[str], Counter] | None = None) -> str:
    """'ours', 'theirs' (another knob of the same name owns reads in this file) or 'ambiguous'.
    `leaf_paths`: how many knobs of a leaf each file defines (`_leaf_paths`), where the caller keeps it."""
    k = facts.knob(i)
    leaf = normalize(k.name).rsplit(".", 1)[-1]
    others = [j for j in facts.by_leaf.get(leaf, []) if j != i]
    paths = None
    if k.system in YAML_SYSTEMS and "." in k.name and normalize(k.name) in _subchains(read):
        # a YAML key is named by its full path: `cfg.dino.head_nlayers` is not `ibot.head_nlayers`
        others = [j for j in others if normalize(facts.knob(j).name) in _subchains(read)]
    elif leaf_paths is not None:
        paths = leaf_paths(leaf)  # the files of `others` and of knob i itself
    if path == k.path or not others:
        return "ours"
    # path is not k.path from here: knob i is none of the leaf's knobs in it
    if path in paths if paths is not None else any(facts.knob(j).path == path for j in others):
        return "theirs"
    reach = facts.reach(path)
    if paths is not None:
        # cleanrl's `seed` is defined in each of its scripts: each read asked every one of them
        theirs = any(p in reach and (p != k.path or n > 1) for p, n in paths.items())
    else:
        theirs = any(facts.knob(j).path in reach for j in others)
    mine = k.path in reach
    if mine and not theirs:
        return "ours"
    if theirs and not mine:
        return "theirs"
    return "ambiguous"


def _writes(tree: ast.AST) -> list[tuple[int, str, str, str | None]]:
    """Assignments to a flag (`args.x = ...`, `del args.x`, `setattr(args, "x", ...)`) and
    `hasattr(args, "x")`, whose answer the removal would change: (line, what, the flag's name
    normalised, the object's name when it must be a config), in `ast.walk` order."""
    out = []
    for node in nodes(tree, ast.Attribute, ast.Call):  # in ast.walk's order
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            base = node.value
            if isinstance(base, ast.Name):
                out.append((node.lineno, "assigns to it", normalize(node.attr), base.id))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("setattr", "hasattr", "delattr") and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            out.append((node.lineno, f"calls {node.func.id}() on it", normalize(node.args[1].value), None))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("pop", "setdefault") \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            out.append((node.lineno, f"calls .{node.func.attr}() on it", normalize(node.args[0].value), None))
    return out


_WORD = re.compile(r"\w+")
# a word (whole: a match starting inside one fails where the one from its start failed, so the
# lookbehind changes no result) followed by `(`. Without it every start inside a word was tried,
# each backtracking over the rest of the word: 2.3x slower over the code and configs of the four
# benchmark repos (timm 0.80 -> 0.35 s), quadratic in a long word; the same sets on all 1,267 of
# their text files
_CALLED = re.compile(r"(?<!\w)(\w+)\s*\(")
_BEFORE_EQUALS = re.compile(r"(?<!\w)(\w+)=")
_OPTION_LITERAL = re.compile(r"""["'](--?[A-Za-z][\w.-]*)(?:=[^"'\n]*)?["']""")


class Sources:
    """Each file's text and tree, read once for all the knobs planned.

    What is worked out of one file's text alone (its tree, its calls, its words) is kept by (path,
    text) in `per_text`, and taken from `before` (the plan before, in the same process): `fix --apply`
    plans again after writing, and most files did not change (timm: the second plan took as long
    as the first, 1.4 s, most of it these)."""

    def __init__(self, root: Path, before: dict[tuple[str, str], dict] | None = None) -> None:
        self.root = root
        self.before = before or {}
        self.per_text: dict[tuple[str, str], dict] = {}
        self._text: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}
        self._tree: dict[str, ast.Module | None] = {}
        self._calls: dict[str, list[ast.Call]] = {}
        self._commands: list[usages.Call] | None = None
        self._by_callee: dict[str, list[tuple[str, ast.Call]]] | None = None
        self._options: dict[str, list[tuple[str, int, str]]] | None = None
        self._listed: set[str] | None = None
        self._words: Counter | None = None
        # what every knob's plan asks of the whole repo, worked out once a run
        self._writes: dict[str, list[tuple[int, str, str, str | None]]] = {}
        self._strong: dict[str, set[str]] = {}
        self._defined: set[tuple[str, int]] | None = None
        self._reads: tuple[list, dict[str, list[int]]] | None = None
        self._called: dict[str, set[str]] = {}
        self._before_equals: dict[str, set[str]] = {}
        self._by_callee_in: dict[str, dict[str, list[tuple[int, ast.Call]]]] = {}
        self._owners: dict[tuple[int, str, str], str] = {}
        self._by_leaf_path: dict[str, Counter] = {}  # one facts a run, as _owners

    def writes(self, path: str, tree: ast.Module, classes: set[str], names: set[str]) -> list[tuple[int, str]]:
        """`_writes` of the file that concern a flag of these names."""
        if path not in self._writes:
            self._writes[path], self._strong[path] = _writes(tree), config_names(tree, classes)
        strong = self._strong[path]
        return [(line, what) for line, what, key, base in self._writes[path]
                if key in names and (base is None or base in strong)]

    def owner_of_read(self, facts: Facts, i: int, path: str, read: str = "") -> str:
        """`_owner_of_read`, once per knob, file and read (a knob is read many times in a file)."""
        key = (i, path, read)
        if key not in self._owners:
            self._owners[key] = _owner_of_read(facts, i, path, read, lambda leaf: self._leaf_paths(facts, leaf))
        return self._owners[key]

    def _leaf_paths(self, facts: Facts, leaf: str) -> Counter:
        if leaf not in self._by_leaf_path:
            self._by_leaf_path[leaf] = Counter(facts.knob(j).path for j in facts.by_leaf.get(leaf, []))
        return self._by_leaf_path[leaf]

    def defined(self, facts: Facts) -> set[tuple[str, int]]:
        """(path, line) of every line of a flag definition that spells option strings."""
        if self._defined is None:
            self._defined = {(j.path, n) for j in facts.index.knobs if j.option_strings
                             for n in range(j.line, j.end_line + 1)}
        return self._defined

    def reads(self, facts: Facts, keys: set[str]) -> list:
        """The reads (in index order) of which some part of the chain is one of `keys`."""
        if self._reads is None:
            found = [r for fi in facts.index.files for r in fi.reads]
            at: dict[str, list[int]] = {}
            for n, r in enumerate(found):
                for part in _subchains(r.name):
                    at.setdefault(part, []).append(n)
            self._reads = found, at
        found, at = self._reads
        return [found[n] for n in sorted({n for key in keys for n in at.get(key, ())})]

    def kept(self, path: str) -> dict:
        """What is worked out of the file's text alone (empty for a file that cannot be read)."""
        text = self.text(path)
        if text is None:
            return {}
        key = (path, text)
        got = self.per_text.get(key)
        if got is None:
            got = self.per_text[key] = self.before.get(key, {})
        return got

    def calls_to(self, path: str, *callees: str) -> list[tuple[str, ast.Call]]:
        """(callee, call) of a file's calls to these callees (`a.b.f(...)` is a call to `f`), in
        `calls` order."""
        if path not in self._by_callee_in:
            kept = self.kept(path)
            if "by_callee" not in kept:
                index: dict[str, list[tuple[int, ast.Call]]] = {}
                for n, node in enumerate(self.calls(path)):
                    f = node.func
                    index.setdefault(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""),
                                     []).append((n, node))
                kept["by_callee"] = index
            self._by_callee_in[path] = kept["by_callee"]
        index = self._by_callee_in[path]
        found = sorted((n, c, node) for c in dict.fromkeys(callees) for n, node in index.get(c, ()))
        return [(c, node) for _, c, node in found]

    def called(self, path: str) -> set[str]:
        """Every word followed by `(` in a file's text (a call, a definition): a word-bounded
        `Name` then `(` occurs in the text exactly when `Name` is in it. Asked of every file for
        every config-class knob, once a file."""
        if path not in self._called:
            kept = self.kept(path)
            if "called" not in kept:
                kept["called"] = set(_CALLED.findall(self.text(path) or ""))
            self._called[path] = kept["called"]
        return self._called[path]

    def written_before_equals(self, path: str, word: str) -> bool:
        """`f"{word}=" in text` of a file. Asked of every file for every config-class knob: for a
        word of word characters only, that is "`word` ends a run of them that `=` follows", so the
        ends of those runs are gathered once a file instead of the text searched once a knob."""
        if not word or not _WORD.fullmatch(word):
            return f"{word}=" in (self.text(path) or "")
        if path not in self._before_equals:
            kept = self.kept(path)
            if "before_equals" not in kept:
                runs = set(_BEFORE_EQUALS.findall(self.text(path) or ""))
                kept["before_equals"] = {run[i:] for run in runs for i in range(len(run))}
            self._before_equals[path] = kept["before_equals"]
        return word in self._before_equals[path]

    def text(self, path: str) -> str | None:
        if path not in self._text:
            try:
                self._text[path] = (self.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._text[path] = None
        return self._text[path]

    def tree(self, path: str) -> ast.Module | None:
        if path not in self._tree:
            text = self.text(path)
            kept = self.kept(path)
            if "tree" not in kept:
                try:
                    kept["tree"] = ast.parse(text) if text is not None else None
                except (SyntaxError, ValueError, RecursionError, MemoryError):  # NUL bytes, hostile nesting
                    kept["tree"] = None
            self._tree[path] = kept.get("tree")
        return self._tree[path]

    def commands(self, facts: Facts) -> list[usages.Call]:
        if self._commands is None:
            self._commands = usages.calls(self, facts)
        return self._commands

    def lines(self, path: str) -> list[str]:
        """A file's lines (none when it cannot be read), split once a run."""
        if path not in self._lines:
            self._lines[path] = (self.text(path) or "").splitlines()
        return self._lines[path]

    def words(self, files: list[str], skip: set[str]) -> Counter:
        """How often each word occurs in `files` (code, configs, docs; not the experiment files in
        `skip`), once a run: a name counted only in its own definition is named nowhere else."""
        if self._words is None:
            self._words = Counter()
            for path in dict.fromkeys(files):
                if path.endswith(SEARCHED) and path not in skip and (text := self.text(path)):
                    kept = self.kept(path)
                    if "words" not in kept:
                        # a file's own Counter: its words in the order they first occur, as
                        # update() of the text's words would add them
                        kept["words"] = Counter(_WORD.findall(text))
                    self._words.update(kept["words"])
        return self._words

    def calls_named(self, files: list[str]) -> dict[str, list[tuple[str, ast.Call]]]:
        """Every call in `files` by the last name of its callee (`a.b.f(...)` under `f`), once a run."""
        if self._by_callee is None:
            self._by_callee = {}
            for path in files:
                for node in self.calls(path):
                    f = node.func
                    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                    self._by_callee.setdefault(name, []).append((path, node))
        return self._by_callee

    def option_literals(self, files: list[str]) -> dict[str, list[tuple[str, int, str]]]:
        """Strings in Python code that look like command-line options (`"--lr"`, `'--lr=0.1'`), by
        option: where each one is and how it is written. Once a run."""
        if self._options is None:
            self._options = {}
            for path in files:
                text = self.text(path) if path.endswith(".py") else None
                if not text or "-" not in text:
                    continue
                for m in _OPTION_LITERAL.finditer(text):
                    self._options.setdefault(m.group(1), []).append(
                        (path, text.count("\n", 0, m.start()) + 1, m.group(0)))
        return self._options

    def calls(self, path: str) -> list[ast.Call]:
        if path not in self._calls:
            kept = self.kept(path)
            if "calls" not in kept:
                tree = self.tree(path)
                kept["calls"] = nodes(tree, ast.Call) if tree else []  # in ast.walk's order
            self._calls[path] = kept["calls"]
        return self._calls[path]


def _constructed(src: Sources, facts: Facts, k: Knob, field_name: str) -> list[str]:
    """Places that build the knob's config class by position or with the field as a keyword."""
    out = []
    word = None if k.owner.isidentifier() else re.compile(r"\b" + re.escape(k.owner) + r"\s*\(")
    for f in facts.index.files:
        text = src.text(f.path)
        if text is None:
            continue
        called = k.owner in src.called(f.path) if word is None else bool(word.search(text))
        if not called and not src.written_before_equals(f.path, field_name):
            continue
        for callee, node in src.calls_to(f.path, k.owner, "replace"):
            if callee == k.owner and (node.args or any(kw.arg in (field_name, None) for kw in node.keywords)):
                how = "by position" if node.args else f"with {field_name}=" if any(
                    kw.arg == field_name for kw in node.keywords) else "from **kwargs stalelint cannot see into"
                out.append(f"{f.path}:{node.lineno} builds {k.owner}(...) {how}")
            elif callee == "replace" and any(kw.arg == field_name for kw in node.keywords):
                out.append(f"{f.path}:{node.lineno} calls replace(..., {field_name}=...)")
    return out


# definitions fix knows how to remove
SYSTEMS = ("argparse", "dataclass", "pydantic", "absl", "globals", "yacs", "ml_collections", *YAML_SYSTEMS,
           *PARAM_SYSTEMS)


def _system_reasons(src: Sources, facts: Facts, k: Knob) -> list[str]:
    """What, for this knob's config system, may break without the definition (see safety.py)."""
    files = [f.path for f in facts.index.files if not f.path.startswith("<")]
    if k.system in YAML_SYSTEMS:
        return safety.hydra_key(k, src.text(k.path))
    tree = src.tree(k.path)
    if tree is None:
        return [f"{k.path} cannot be read back"]
    # another flag's own definition spelling the same option is not a use of this one (timm's
    # inference.py and validate.py each define --num-gpu)
    out = safety.option_strings_in_code(k, src.option_literals(files), src.defined(facts))
    if k.system in PARAM_SYSTEMS or k.system == "globals":
        out += safety.bare_name(tree, k)
    if k.system in PARAM_SYSTEMS:
        out += safety.callers(k, tree, src.calls_named(files))
        out += safety.option_call(k, tree)
    if k.system == "globals":
        leaf = re.compile(r"\b" + re.escape(k.name) + r"\b")
        for path in files:
            if path != k.path and k.path in facts.index.imports.get(path, ()) and leaf.search(src.text(path) or ""):
                out.append(f"{path} imports {k.path} and names `{k.name}`")
    if k.system == "absl":
        out += safety.absl_references(k, src.calls_named(files), files, src.text)
    if k.system in ("yacs", "ml_collections"):
        out += safety.assignment_statement(k, tree)
    if k.system in ("dataclass", "pydantic"):
        out += _constructed(src, facts, k, k.name.rsplit(".", 1)[-1])
    return out


def _by_string(src: Sources, r) -> bool:
    """Whether a read is a flag's name written as a string on its line (`_check_args("zip")`)."""
    lines = src.lines(r.path)
    line = lines[r.line - 1] if 0 < r.line <= len(lines) else ""
    return f'"{r.name}"' in line or f"'{r.name}'" in line


def plan_knob(src: Sources, facts: Facts, f: Finding, i: int) -> Fix:
    k = facts.knob(i)
    if k.system not in SYSTEMS:
        return Fix(finding=f, safe=False, reasons=(f"removing a {k.system} definition is not supported yet",),
                   knob=k, supported=False)
    reasons: list[str] = []
    if getattr(k, "set_in_code", False):
        reasons.append("code assigns it or builds its config class with it, so code decides its value too")
    fold = f.code in FOLDED
    if fold:
        if k.default is UNKNOWN:
            reasons.append("its default is not a literal, so there is no value to fold in")
        elif (why := foldable(k.default)):
            reasons.append(why)
        elif k.system in YAML_SYSTEMS and isinstance(k.default, str) and "${" in k.default:
            reasons.append(f"its default `{k.default}` is an interpolation OmegaConf resolves at run time, "
                           "so there is no literal value to fold in")
        elif k.system in ("argparse", "typer", "fire", "jsonargparse") and isinstance(k.default, str) \
                and k.type_name not in (None, "str"):
            reasons.append(f"{k.system} converts its string default with type {k.type_name}")
        if f.evidence is not None and f.evidence.recent_experiments == 0:
            reasons.append("no recent experiment ran its script, so nothing shows its default is what is used")
    elif f.confidence < 90:
        reasons.append(f"the finding's confidence is {f.confidence}% ({f.message.split('; ', 1)[-1]})")
    names = names_of(k)
    leaf = normalize(k.name).rsplit(".", 1)[-1]
    fold_files: set[str] = set()
    for r in src.reads(facts, {leaf} | names):
        rname = normalize(r.name)
        if r.path.startswith("<"):  # a Hydra `${...}` interpolation, or another read not in a file
            if rname in names:
                reasons.append(f"a YAML config reads it through `${{{r.name}}}`, which the fix cannot fold")
            continue
        mine = rname in names or any(rname.startswith(n + ".") for n in names)
        where = f"{r.path}:{r.line}"
        if not mine:
            # a longer or different chain ending in the same word: another object's attribute
            parts = rname.split(".")
            prefixes = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
            if any(j != i for p in prefixes for j in facts.by_name.get(p, ())):
                continue
            reasons.append(f"{where} reads `{r.name}`, which may be this flag")
            continue
        owner = src.owner_of_read(facts, i, r.path, r.name)
        if owner == "theirs":
            continue
        if owner == "ambiguous":
            reasons.append(f"{where} reads `{r.name}`, which may be another flag of the same name")
        elif not r.strong and _by_string(src, r):
            reasons.append(f"{where} names `{r.name}` as a string (`hasattr`, `setattr`, or a helper or loop "
                           "that looks flags up by name), which the fix cannot rewrite")
        elif not r.strong:
            reasons.append(f"{where} reads `{r.name}` from an object not known to be a config (weak read)")
        elif not fold:
            reasons.append(f"{where} reads it")  # an STL101 flag with a read: the index changed
        else:
            fold_files.add(r.path)
    if normalize(k.name) in facts.splat_params or leaf in facts.splat_params:
        reasons.append("a config is unpacked into calls (`**vars(args)`) and a function takes a parameter of this name")
    classes = {c for fi in facts.index.files for c, _ in fi.config_classes}
    for path in sorted(p for p in fold_files | {k.path} if p.endswith(".py")):
        tree = src.tree(path)
        if tree is None:
            reasons.append(f"{path} cannot be read back")
            continue
        reasons.extend(f"{path}:{line} {what}" for line, what in src.writes(path, tree, classes, names)
                       if not (path == k.path and k.line == line and k.system in ("yacs", "ml_collections")))
    reasons.extend(_system_reasons(src, facts, k))
    configs: set[str] = set()
    for b in facts.bindings.get(i, ()):
        if b.experiment.kind == "launch":
            reasons.append(f"{b.experiment.label} passes `{b.setting.key}`; that command would fail without the flag")
        else:
            configs.add(b.experiment.source)
    reasons.extend(usages.passing(src.commands(facts), facts, k, names))
    return Fix(finding=f, safe=not reasons, reasons=tuple(dict.fromkeys(reasons)), knob=k, fold=fold,
               fold_files=tuple(sorted(fold_files)), configs=tuple(sorted(configs)), introduced_line=k.line)


def plan_trick(facts: Facts, f: Finding) -> Fix | None:
    """The gate an STL301 finding is about: its line is the gate's own when the body is dead, and
    the start of the `else:` arm when the test always holds (an `elif` chain's next arm starts on the
    same line, so the gate's own line is matched first)."""
    if f.code == "STL201":  # a dispatch arm `elif args.aug == "cutmix":` of a variant nobody selects
        pick = [(g, False) for fi in facts.index.files if fi.path == f.path for g in fi.gates
                if g.line == f.line and g.strong and _arm_value(g) == f.name]
        if not pick:
            return None
    else:
        gates = [g for i, k in enumerate(facts.index.knobs) if k.name == f.name for g in facts.gates_for(i)
                 if g.path == f.path]
        # the test always holds (STL301 says so in its message): the else arm, the rest after an
        # early exit, or a ternary's else value is what is dead
        always = any(p in f.message for p in ("always runs", "always exits", "is always true"))
        pick = [(g, False) for g in gates if g.line == f.line and not always]
        if not pick and always:
            pick = [(g, True) for g in gates if g.orelse and g.orelse[0] == f.line and g.line != f.line]
        if not pick and always:  # a ternary on one line: its else value starts on its own line
            pick = [(g, True) for g in gates if g.form == "ternary" and g.orelse and g.orelse[0] == f.line
                    and g.column == f.column]
    if not pick:
        return None
    g, value = pick[0]
    name = g.name if f.code == "STL201" else f.name
    if g.form not in ("if", "elif", "ternary", "guard", "case"):
        return Fix(finding=f, safe=False, reasons=(f"removing a `{g.form}` arm is not supported yet",), gate=g,
                   supported=False)
    same = [h for fi in facts.index.files if fi.path == g.path for h in fi.gates if _gate_key(h) == _gate_key(g)]
    ordinal = next((n for n, h in enumerate(same) if h.line == g.line and h.column == g.column), 0)
    # the experiments judged the flag of one script; a gate elsewhere must read that same flag
    reasons = []
    knob = facts.knob(facts.gate_knob(g)) if facts.gate_knob(g) is not None else None
    leaf = normalize(name).rsplit(".", 1)[-1]
    near = facts.reach(g.path)
    rivals = sorted({facts.knob(j).path for j in facts.by_leaf.get(leaf, []) if facts.knob(j).path in near}
                    - ({knob.path} if knob else set()))
    if knob is None or not (knob.path == g.path or knob.path in near or g.path in facts.reach(knob.path)):
        reasons.append(f"{g.path} does not import the file that defines `{name}`, so its `{g.test}` may test "
                       "another object")
    elif rivals:
        reasons.append(f"{', '.join(rivals)} also define{'s' if len(rivals) == 1 else ''} a `{leaf}` flag that "
                       f"{g.path} may be reading")
    if getattr(g, "combine", "") and _has_calls(g.test):
        reasons.append(f"the other parts of `{g.test}` call functions, which would no longer run")
    if (why := operational(g.value)):
        reasons.append(why)
    choice_of = None
    if f.code == "STL201" and knob is not None and knob.choices and g.op == "==" \
            and any(c == g.value for c in knob.choices) and knob.default != g.value:
        choice_of = knob  # its `choices` entry goes with the arm
    return Fix(finding=f, safe=not reasons, reasons=tuple(reasons), gate=g, gate_value=value,
               gate_ordinal=ordinal, introduced_line=g.line, choice_of=choice_of,
               choice=g.value if choice_of else None)


def _arm_value(g) -> str | None:
    """The variant name(s) a dispatch arm selects, as STL201 names its finding."""
    if g.op in ("==", "is"):
        return g.value if isinstance(g.value, str) else None
    if g.op == "in" and isinstance(g.value, (tuple, list)):
        return ", ".join(map(str, g.value))
    return None


CHOICE_SYSTEMS = ("argparse", "click", "absl")  # where a flag's `choices` literal can be edited


def plan_variant(src: Sources, facts: Facts, f: Finding) -> Fix:
    """A stale variant that is not a dispatch arm: a `choices` value, a registered or chosen
    function or class, or an entry of a dict registry."""
    files = [fi.path for fi in facts.index.files if not fi.path.startswith("<")]
    reasons: list[str] = []
    v = next((v for v in facts.index.variants if v.path == f.path and v.line == f.line
              and (v.name == f.name or f"{v.owner}={v.name}" == f.name)), None)
    # a variant chosen by getattr is judged at 70% at best (it has no registry to say it is one)
    if f.confidence < (70 if v is not None and v.system == "getattr" else 80):
        reasons.append(f"the finding's confidence is {f.confidence}% ({f.message.split('; ', 2)[-1]})")
    for k in facts.index.knobs:
        if k.path == f.path and k.line == f.line and k.choices and f.subject == k.name:
            choice = next((c for c in k.choices if str(c) == f.name), None)
            if choice is None:
                break
            if k.system not in CHOICE_SYSTEMS:
                return Fix(finding=f, safe=False, supported=False,
                           reasons=(f"removing a choice of a {k.system} flag is not supported yet",))
            return Fix(finding=f, safe=not reasons, reasons=tuple(reasons), choice_of=k, choice=choice,
                       introduced_line=k.line)
    if v is None or v.system not in ("registry", "registry-dict", "getattr"):
        what = "a config-group option file" if v is not None and v.system == "hydra-group" else "this variant"
        return Fix(finding=f, safe=False, supported=False, reasons=(f"removing {what} is not supported yet",))
    whole = True
    if v.system in ("registry", "getattr"):
        name = v.aliases[0] if v.system == "registry" and v.aliases else v.name
        text = src.text(v.path)
        if text is None or referenced(name, v.path, text, src.words(files + sorted(_other_files(src)),
                                                                     {e.source for e in facts.experiments})):
            whole = False
            reasons.append(f"`{name}` is named elsewhere in the repo, so "
                           + ("only its registration would go" if v.system == "registry" else "it cannot go"))
    reasons.extend(_settings_of(src, facts, v))
    if (why := operational(v.name)):
        reasons.append(why)
    # a flag offering it as a choice loses that choice (the judge reports it here, not there)
    flag = next((k for k in facts.index.knobs if k.choices and k.system in CHOICE_SYSTEMS
                 and v.name in k.choices and k.default != v.name), None)
    if v.system == "registry-dict":
        # the key as a string anywhere in the code; the entry itself and the choice going with it are
        # the only such namings that go
        quoted = re.compile(r"""(['"])""" + re.escape(v.name) + r"\1")
        elsewhere = sum(len(quoted.findall(src.text(p) or "")) for p in files if p.endswith(".py")) \
            - 1 - (1 if flag else 0)
        if elsewhere > 0:
            reasons.append(f"`{v.name}` is named elsewhere in the repo too (another table, a policy, a public "
                           "API's callers), which would be left naming an entry that is gone")
    return Fix(finding=f, safe=not reasons, reasons=tuple(reasons), variant=v, variant_whole=whole,
               introduced_line=v.line, choice_of=flag, choice=v.name if flag else None)


def _settings_of(src: Sources, facts: Facts, v: Knob) -> list[str]:
    """Recent experiments that set a parameter of the variant's function or class (its options, for a
    subcommand): they run it, whatever name they select it by."""
    owners = {v.name, *v.aliases}
    tree = src.tree(v.path)
    if v.system == "registry-dict" and tree is not None:
        values = [val for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                  for key, val in zip(node.value.keys, node.value.values)
                  if isinstance(key, ast.Constant) and key.value == v.name]
        names = {val.id for val in values if isinstance(val, ast.Name)}
        owners |= names
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                owners |= {a.name for a in node.names if (a.asname or a.name) in names}
    out = []
    for i, k in enumerate(facts.index.knobs):
        if k.owner not in owners:
            continue
        for b in facts.bindings.get(i, ()):
            if facts.window.is_recent(b.experiment.date):
                out.append(f"{b.experiment.label} sets `{b.setting.key}`, an option of `{k.owner}`, so it runs it")
                break
    return out[:3]


def _other_files(src: Sources) -> set[str]:
    """Tracked files that are not Python (configs, docs), where a name may be mentioned too."""
    if src._listed is None:
        from ..discover import discover

        try:
            src._listed = set(discover(src.root, ()).files)
        except Exception:  # noqa: BLE001 - only widens the search; the Python files are searched anyway
            src._listed = set()
    return src._listed


def _has_calls(code: str) -> bool:
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:
        return True
    return any(isinstance(n, (ast.Call, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom)) for n in ast.walk(tree))


# the flags whose reads take their default when they go: those every experiment leaves at it
FOLDED = ("STL102", "STL104")


def _gate_key(g) -> tuple:
    return (g.name, g.op, repr(g.value), g.form, g.test)


_BEFORE: dict[tuple[str, str], dict] = {}  # Sources.per_text of the last plan in this process


def plan(root: Path, facts: Facts, findings: tuple[Finding, ...]) -> list[Fix]:
    """A fix for every finding that has one (STL101, STL102, STL104, STL301, and STL201 dispatch arms)."""
    global _BEFORE
    out: list[Fix] = []
    src = Sources(root, _BEFORE)
    _BEFORE = src.per_text  # only the last plan's: the next one is of the same repo, a few files changed
    at: dict[tuple[str, int, str], int] = {}
    for i, k in enumerate(facts.index.knobs):
        at.setdefault((k.path, k.line, k.name), i)  # the first, as the loop in _knob_of finds it
    for f in findings:
        if f.code == "STL101" or f.code in FOLDED:
            i = _knob_of(facts, f, at)
            if i is not None:
                out.append(plan_knob(src, facts, f, i))
        elif f.code in ("STL301", "STL201"):
            fx = plan_trick(facts, f)
            if fx is None and f.code == "STL201":
                fx = plan_variant(src, facts, f)
            if fx is not None:
                out.append(fx)
    return out

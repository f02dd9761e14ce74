"""Plain OmegaConf config trees (no `@hydra.main`): a YAML file that code loads with
`OmegaConf.load(...)` and merges experiments over (`OmegaConf.merge(default, OmegaConf.load(
args.config_file), OmegaConf.from_cli(args.opts))`, dinov2's `ssl_default_config.yaml`) is a
*definition*: its leaf keys are knobs of the system "omegaconf", named by their dotted path, with
the YAML values as defaults. The other YAML files of its folder that set some of those keys are the
experiments merged over it.

Per Python file (`extract`, cached with the rest of the file's index) this finds the YAML paths code
loads, following string literals, `os.path.join`, `Path(__file__).parent / ...`, module constants, a
loader function's parameter bound at its call sites (`load_config("ssl_default_config")`), and
`importlib.resources.files(pkg)` / `pkg_resources.resource_filename(pkg, ...)`; and which of those
loads flow into the base (first argument) of a merge. Per repo (`index_tree`) the paths are resolved
to files and the YAML read. A YAML file code loads but never merges anything over is not a
definition: nothing could set its keys, so their silence would mean nothing."""
from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..discover import read_text
from ..model import FileIndex, Knob, Problem
from .astutil import chain, keep_for, suppressions
from .hydra import interpolations, is_meta, load, read_yaml

SYSTEM = "omegaconf"
_YAML = (".yaml", ".yml")
_MERGES = {"merge", "unsafe_merge"}
_MERGE_METHODS = {"merge_with", "merge_with_cli", "merge_with_dotlist"}
_CLI = {"from_cli", "from_dotlist"}
_COPIES = {"create", "deepcopy", "copy", "masked_copy"}  # the same config, copied
_IDENTITY = {"abspath", "realpath", "normpath", "expanduser", "expandvars", "fspath", "str", "Path", "PurePath",
             "PosixPath", "open", "resolve", "absolute"}
_PATH_CLASSES = {"Path", "PurePath", "PosixPath"}
_DOTLIST = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)=")
_MAX_DEPTH = 10
_MAX_PATHS = 16
# steps of following names one module may take: `p = os.path.join(p, x)` twenty times over would
# otherwise fan out exponentially
_BUDGET = 20000

# one record of a file: (kind, value, name)
#   ("base", path, "")      a YAML path whose loaded config is the base of a merge here
#   ("load", path, name)    a YAML path loaded here (name: the variable it is bound to, or "")
#   ("export", path, name)  a module-level name bound to a loaded config (other files may import it)
#   ("base-name", name, "") a name from another module used as the base of a merge here
#   ("merges", "", "")      the file merges configs (merge, merge_with, from_cli, from_dotlist)
#   ("sets", key, "")       code spells an override of the key (`opts += [f"train.output_dir={d}"]`)
# A path is "repo:<path>" (repo-relative, from `__file__`), "cwd:<path>" (relative to where the
# script runs: the repo root or the file's folder) or "pkg:<path>" (inside a package, by its tail).
Record = tuple[str, str, str]
_Path = tuple[str, str]  # (base, text): base "repo", "cwd" or "pkg"


def _omegaconf_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to the OmegaConf class, names bound to the omegaconf module)."""
    cls, mod = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "omegaconf":
            cls |= {a.asname or a.name for a in node.names if a.name == "OmegaConf"}
        elif isinstance(node, ast.Import):
            mod |= {a.asname or a.name for a in node.names if a.name == "omegaconf"}
    return cls, mod


class _Module:
    """What one module binds, per scope, for following a path or a config to where it comes from."""

    def __init__(self, tree: ast.Module, path: str):
        self.path = path
        self.cls, self.mod = _omegaconf_names(tree)
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.envs: dict[int, dict[str, list[ast.expr]]] = {0: {}}  # id(function) or 0 -> name -> values
        self.params: dict[int, list[str]] = {}
        self.calls: dict[str, list[tuple[ast.Call, ast.AST | None]]] = {}  # function name -> (call, caller scope)
        self.returns: dict[str, list[ast.expr]] = {}
        self.visits: list[tuple[ast.AST, ast.AST | None]] = []  # every node with its function scope
        self.bound: dict[int, str] = {}  # id(value) -> the one name an assignment binds it to
        self.budget = _BUDGET
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[stmt.name] = stmt
        self._scan(tree, None)

    def _scan(self, node: ast.AST, scope: ast.AST | None) -> None:
        env = self.envs.setdefault(id(scope) if scope is not None else 0, {})
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = child.args
                self.params[id(child)] = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
                inner = self.envs.setdefault(id(child), {})
                # a parameter's default is one of its values
                positional = args.posonlyargs + args.args
                for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                    inner.setdefault(a.arg, []).append(d)
                for a, d in zip(args.kwonlyargs, args.kw_defaults):
                    if d is not None:
                        inner.setdefault(a.arg, []).append(d)
                self._scan(child, child)
                continue
            if isinstance(child, ast.ClassDef):
                self._scan(child, child)  # its methods are scopes of their own; class attributes stay in it
                continue
            if isinstance(child, ast.Lambda):
                continue
            self.visits.append((child, scope))
            if isinstance(child, (ast.Assign, ast.AnnAssign)) and child.value is not None:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        env.setdefault(t.id, []).append(child.value)
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    self.bound[id(child.value)] = targets[0].id
            elif isinstance(child, ast.withitem) and isinstance(child.optional_vars, ast.Name):
                env.setdefault(child.optional_vars.id, []).append(child.context_expr)
            elif isinstance(child, ast.Return) and child.value is not None \
                    and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and self.functions.get(scope.name) is scope:
                self.returns.setdefault(scope.name, []).append(child.value)
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in self.functions:
                self.calls.setdefault(child.func.id, []).append((child, scope))
            self._scan(child, scope)

    # ---- what a call is ------------------------------------------------------------------------
    def om_call(self, node: ast.AST) -> str | None:
        """`OmegaConf.load(...)` -> "load" (also through an alias or `omegaconf.OmegaConf`)."""
        if not isinstance(node, ast.Call):
            return None
        c = chain(node.func)
        if not c or len(c) < 2:
            return None
        if (len(c) == 2 and c[0] in self.cls) or (len(c) == 3 and c[0] in self.mod and c[1] == "OmegaConf"):
            return c[-1]
        return None

    # ---- values of names -----------------------------------------------------------------------
    def values(self, name: str, scope: ast.AST | None, binds: dict) -> tuple[list[tuple[ast.expr, ast.AST | None, dict]], bool]:
        """(the expressions a name may hold here, each with its scope and bindings; whether the name
        is known here at all)."""
        if name in binds:
            return list(binds[name]), True
        if scope is not None:
            local = self.envs.get(id(scope), {})
            params = self.params.get(id(scope), [])
            out = [(e, scope, {}) for e in local.get(name, ())]
            if name in params:
                # a parameter: what the callers in this module pass
                fn = getattr(scope, "name", "")
                for call, caller in self.calls.get(fn, ()) if self.functions.get(fn) is scope else ():
                    arg = _argument(call, params, name)
                    if arg is not None:
                        out.append((arg, caller, {}))
                return out, True
            if out:
                return out, True
        module = self.envs.get(0, {})
        return [(e, None, {}) for e in module.get(name, ())], name in module or name in self.functions

    def bind(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, scope: ast.AST | None,
             binds: dict) -> dict:
        params = self.params.get(id(fn), [])
        out: dict[str, list] = {}
        for name in params:
            arg = _argument(call, params, name)
            if arg is not None:
                out[name] = [(arg, scope, binds)]
        return out

    # ---- paths ---------------------------------------------------------------------------------
    def paths(self, node: ast.AST, scope: ast.AST | None, binds: dict, depth: int = 0) -> list[_Path]:
        self.budget -= 1
        if depth > _MAX_DEPTH or self.budget <= 0:
            return []
        out = self._paths(node, scope, binds, depth + 1)
        return list(dict.fromkeys(out))[:_MAX_PATHS]

    def _paths(self, node: ast.AST, scope: ast.AST | None, binds: dict, depth: int) -> list[_Path]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [("cwd", node.value)]
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return [("repo", self.path)]
            found, _ = self.values(node.id, scope, binds)
            return [p for e, s, b in found for p in self.paths(e, s, b, depth)]
        if isinstance(node, ast.JoinedStr):
            parts: list[list[_Path]] = []
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append([("cwd", v.value)])
                elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                    parts.append(self.paths(v.value, scope, binds, depth))
                else:
                    return []
            return _concat_all(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return _concat_all([self.paths(node.left, scope, binds, depth), self.paths(node.right, scope, binds, depth)])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return _join_all([self.paths(node.left, scope, binds, depth), self.paths(node.right, scope, binds, depth)])
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return [p for v in node.values for p in self.paths(v, scope, binds, depth)]
        if isinstance(node, ast.IfExp):
            return self.paths(node.body, scope, binds, depth) + self.paths(node.orelse, scope, binds, depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return [_dirname(p) for p in self.paths(node.value, scope, binds, depth)]
        if isinstance(node, ast.Call):
            return self._call_paths(node, scope, binds, depth)
        return []

    def _call_paths(self, node: ast.Call, scope: ast.AST | None, binds: dict, depth: int) -> list[_Path]:
        c = chain(node.func) or []
        name = c[-1] if c else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        method = isinstance(node.func, ast.Attribute)
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None

        def of(n: ast.AST) -> list[_Path]:
            return self.paths(n, scope, binds, depth)

        if name == "dirname" and args:
            return [_dirname(p) for p in of(args[0])]
        if name == "join" and c[-2:-1] == ["path"] and args:
            return _join_all([of(a) for a in args])
        if name == "joinpath" and receiver is not None:
            return _join_all([of(receiver)] + [of(a) for a in args])
        if name in _PATH_CLASSES and args:
            return _join_all([of(a) for a in args])
        if name in ("with_suffix", "with_name") and receiver is not None and args \
                and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            new = args[0].value
            return [(b, (posixpath.splitext(t)[0] + new) if name == "with_suffix"
                     else posixpath.join(posixpath.dirname(t), new)) for b, t in of(receiver)]
        if name in ("resolve", "absolute", "expanduser") and receiver is not None and not args:
            return of(receiver)
        if name in _IDENTITY and args and not (method and name in ("resolve", "absolute")):
            return of(args[0])
        if name == "format" and isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
            return _format(receiver.value, [of(a) for a in args])
        if name == "resource_filename" and len(args) >= 2:
            return _join_all([self._package(args[0]), of(args[1])])
        if name == "files" and args and ("resources" in c or "importlib_resources" in c or not method):
            return self._package(args[0])
        return []

    def _package(self, node: ast.AST) -> list[_Path]:
        if isinstance(node, ast.Name) and node.id in ("__name__", "__package__"):
            folder = posixpath.dirname(self.path)
            return [("repo", folder)] if folder else []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            return [("pkg", node.value.replace(".", "/"))]
        return []

    # ---- configs -------------------------------------------------------------------------------
    def loaded(self, node: ast.AST, scope: ast.AST | None, binds: dict, depth: int = 0,
               seen: frozenset = frozenset()) -> tuple[list[_Path], list[str]]:
        """(the YAML paths a config value was loaded from, names from other modules it may be)."""
        self.budget -= 1
        if depth > _MAX_DEPTH or self.budget <= 0:
            return [], []
        kind = self.om_call(node)
        if kind == "load" and isinstance(node, ast.Call) and node.args:
            return self.paths(node.args[0], scope, binds), []
        if isinstance(node, ast.Call):
            args = [a for a in node.args if not isinstance(a, ast.Starred)]
            c = chain(node.func) or []
            name = c[-1] if c else ""
            if (kind in _COPIES or kind in _MERGES or (name in ("deepcopy", "copy") and kind is None)) and args:
                return self.loaded(args[0], scope, binds, depth + 1, seen)
            if isinstance(node.func, ast.Name) and node.func.id in self.functions:
                fn = self.functions[node.func.id]
                inner = self.bind(fn, node, scope, binds)
                paths, names = [], []
                for ret in self.returns.get(fn.name, ()):
                    p, n = self.loaded(ret, fn, inner, depth + 1, seen)
                    paths += p
                    names += n
                return paths, names
            return [], []
        if isinstance(node, ast.Name):
            key = (node.id, id(scope))
            if key in seen:
                return [], []
            found, known = self.values(node.id, scope, binds)
            if not known:
                return [], [node.id]
            paths, names = [], []
            for e, s, b in found:
                p, n = self.loaded(e, s, b, depth + 1, seen | {key})
                paths += p
                names += n
            return paths, names
        if isinstance(node, ast.IfExp):
            a, b = self.loaded(node.body, scope, binds, depth + 1, seen), \
                self.loaded(node.orelse, scope, binds, depth + 1, seen)
            return a[0] + b[0], a[1] + b[1]
        return [], []


def _argument(call: ast.Call, params: list[str], name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    i = params.index(name)
    if i < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: i + 1]):
        return call.args[i]
    return None


def _dirname(p: _Path) -> _Path:
    return p[0], posixpath.dirname(p[1].rstrip("/"))


def _concat_all(parts: list[list[_Path]]) -> list[_Path]:
    out: list[_Path] = [("", "")]
    for options in parts:
        nxt = []
        for base, text in out:
            for b, t in options:
                if base and b != "cwd":
                    continue  # only a plain string can be appended to a path
                nxt.append((base or b, text + t))
        out = nxt[:_MAX_PATHS]
    return [p for p in out if p[0]]


def _join_all(parts: list[list[_Path]]) -> list[_Path]:
    if not parts:
        return []
    out = list(parts[0])
    for options in parts[1:]:
        nxt = []
        for base, text in out:
            for b, t in options:
                if t.startswith("/"):
                    nxt.append((b, t))
                elif b == "cwd":
                    nxt.append((base, posixpath.join(text, t) if text else t))
        out = nxt[:_MAX_PATHS]
    return out


def _format(template: str, args: list[list[_Path]]) -> list[_Path]:
    pieces = template.split("{}")
    if len(pieces) - 1 != len(args) or "{" in template.replace("{}", ""):
        return []
    parts: list[list[_Path]] = []
    for i, piece in enumerate(pieces):
        parts.append([("cwd", piece)])
        if i < len(args):
            parts.append(args[i])
    return _concat_all(parts)


def _encode(p: _Path) -> str | None:
    base, text = p
    if not text or "\0" in text:
        return None
    if base == "repo":
        text = posixpath.normpath(text)
        if text.startswith("../") or text == ".." or text.startswith("/"):
            return None
    return f"{base}:{text}"


def extract(tree: ast.Module, path: str, source: str) -> tuple[Record, ...]:
    """The config loads and merges of one module (see Record)."""
    if "omegaconf" not in source.lower():
        return ()
    m = _Module(tree, path)
    if not m.cls and not m.mod:
        return ()
    out: list[Record] = []
    for node, scope in m.visits:
        text = node.value if isinstance(node, ast.Constant) else node.values[0].value \
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) else None
        if isinstance(text, str) and (found := _DOTLIST.match(text)):
            out.append(("sets", found.group(1), ""))
        if scope is None and isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            paths, _ = m.loaded(node.value, None, {})
            out += [("export", e, node.targets[0].id) for e in filter(None, map(_encode, paths))]
        if not isinstance(node, ast.Call):
            continue
        kind = m.om_call(node)
        base: ast.AST | None = None
        if kind in _MERGES and len(node.args) >= 2 and not isinstance(node.args[0], ast.Starred):
            base = node.args[0]
        elif kind is None and isinstance(node.func, ast.Attribute) and node.func.attr in _MERGE_METHODS:
            base = node.func.value
        if kind in _MERGES or kind in _CLI or base is not None:
            out.append(("merges", "", ""))
        if base is not None:
            paths, names = m.loaded(base, scope, {})
            out += [("base", e, "") for e in filter(None, map(_encode, paths))]
            out += [("base-name", n, "") for n in names]
        if kind == "load" and node.args:
            paths = m.paths(node.args[0], scope, {})
            out += [("load", e, m.bound.get(id(node), "")) for e in filter(None, map(_encode, paths))]
    return tuple(dict.fromkeys(out))


# ---- the repo's trees ---------------------------------------------------------------------------

@dataclass
class OmegaConfTree:
    """What one repo's plain OmegaConf config trees define."""

    knobs: list[Knob] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # yaml path -> "definition" | "experiment"
    loaders: dict[str, set[str]] = field(default_factory=dict)  # definition yaml -> files that load it
    problems: list[Problem] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)  # keys read through `${...}` interpolation


def _resolve(encoded: str, near: str, yamls: set[str]) -> str | None:
    base, _, text = encoded.partition(":")
    if not text.endswith(_YAML):
        return None
    if base == "repo":
        return text if text in yamls else None
    text = posixpath.normpath(text).lstrip("/") if not text.startswith("/") else text
    if base == "cwd":
        if text.startswith("/"):
            return None
        for candidate in (text, posixpath.normpath(posixpath.join(posixpath.dirname(near), text))):
            if candidate in yamls:
                return candidate
        return None
    if base == "pkg":
        hits = [y for y in yamls if y == text or y.endswith("/" + text)]
        return hits[0] if len(hits) == 1 else None
    return None


def _is_default(name: str, yaml_path: str) -> bool:
    stem = posixpath.splitext(posixpath.basename(yaml_path))[0]
    return "default" in name.lower() or "default" in stem.lower()


def definitions(files: tuple[FileIndex, ...] | list[FileIndex], imports: dict[str, tuple[str, ...]],
                yamls: set[str]) -> dict[str, set[str]]:
    """Definition YAML file -> the Python files that load it."""
    loads: dict[str, set[str]] = {}  # yaml -> loading files
    exports: dict[tuple[str, str], set[str]] = {}  # (file, module-level name) -> yamls
    found: dict[str, set[str]] = {}
    merging = {f.path for f in files if any(kind == "merges" for kind, _, _ in f.omegaconf_loads)}
    base_names: list[tuple[str, str]] = []
    for f in files:
        for kind, value, name in f.omegaconf_loads:
            if kind == "base-name":
                base_names.append((f.path, value))
                continue
            if kind not in ("base", "load", "export"):
                continue
            target = _resolve(value, f.path, yamls)
            if target is None:
                continue
            loads.setdefault(target, set()).add(f.path)
            if kind == "export":
                exports.setdefault((f.path, name), set()).add(target)
            if kind == "base" or (kind in ("load", "export") and f.path in merging and _is_default(name, target)):
                found.setdefault(target, set()).add(f.path)
    # a config loaded in one module, imported by name into another that merges over it
    for path, name in base_names:
        for other in imports.get(path, ()):
            for target in exports.get((other, name), ()):
                found.setdefault(target, set()).add(other)
    return {y: loads.get(y, set()) | users for y, users in found.items()}


def index_tree(root: Path, paths: tuple[str, ...], files, imports: dict[str, tuple[str, ...]], max_size: int,
               taken: dict[str, str]) -> OmegaConfTree:
    """The definitions code loads and merges over, their knobs, and the experiments beside them.
    `taken`: YAML files another config system (Hydra) already gave a role."""
    tree = OmegaConfTree()
    yamls = {p for p in paths if p.endswith(_YAML)}
    defs = {y: users for y, users in definitions(files, imports, yamls).items() if y not in taken}
    keys_of: dict[str, set[str]] = {}
    for rel in sorted(defs):
        loaded = load(root, rel, max_size, tree.problems)
        if loaded is None:
            continue
        text, settings, _ = loaded
        tree.roles[rel] = "definition"
        tree.loaders[rel] = defs[rel]
        tree.reads |= interpolations(text)
        sups = suppressions(text)
        owner = sorted(defs[rel])[0] if defs[rel] else ""
        keys_of[rel] = set()
        for s in settings:
            if is_meta(s.key):
                continue
            line = s.line or 1
            keys_of[rel].add(s.key)
            tree.knobs.append(Knob(name=s.key, kind="flag", system=SYSTEM, path=rel, line=line, column=1,
                                   end_line=line, default=s.value, owner=owner, keep=keep_for(sups, line, line)))
    for rel, keys in keys_of.items():
        folder = posixpath.dirname(rel)
        if not folder:
            continue  # the repo root holds every kind of YAML (CI, environments, docs): no tree
        for other in sorted(y for y in yamls if y.startswith(folder + "/")):
            if other in tree.roles or other in taken:
                continue
            role = _experiment(root, other, keys, max_size)
            if role is not None:
                tree.roles[other] = "experiment"
                tree.reads |= role
    return tree


def _experiment(root: Path, rel: str, keys: set[str], max_size: int) -> set[str] | None:
    """The interpolated keys of a YAML file of a definition's folder when it is an experiment merged
    over the definition (it sets some of its keys, and inherits from nothing: `_BASE_` files belong to
    another system), else None."""
    from ..evidence.inherit import parents

    text, problem = read_text(root, rel, max_size)
    if problem or not text:
        return None
    data, settings, _, error = read_yaml(rel, text)
    if error or not settings or parents(rel, text):
        return None
    if not any(s.key in keys for s in settings):
        return None
    return interpolations(text)


__all__ = ["SYSTEM", "extract", "index_tree", "definitions", "OmegaConfTree"]

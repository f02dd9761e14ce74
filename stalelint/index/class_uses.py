"""Linking what files say about config classes as wholes onto their fields (see wholes.py,
self_writes.py, bases.py): a field read by reflection (`read_whole`), handed whole to a library
(`passed_whole`), only recorded whole (`recorded_whole`), set by its class's own code
(`set_in_code`) or by a name computed at run time (`set_by_name`), and whether its class extends a
library's class (`external_base`), decided across the repo rather than per file."""
from __future__ import annotations

from ..graph import closure, reachable
from ..model import FileIndex, Knob, evolve
from . import self_writes
from .astutil import module_name
from .bases import Key, Resolver

_CLASS_SYSTEMS = ("dataclass", "pydantic", "gin")  # gin: a configurable class extending a library class


def _nested(files: list[FileIndex]) -> dict[str, set[str]]:
    """Config class -> the classes its fields hold (sections), transitively, by name."""
    direct: dict[str, set[str]] = {}
    for f in files:
        for cls, fields in f.config_classes + f.candidate_classes:
            direct.setdefault(cls, set()).update(t for _, t in fields if t and t != cls)
    return {cls: {c for c in reached if c in direct} for cls, reached in closure(direct).items()}


class Uses:
    """What the repo's files say about config classes as wholes, ready to apply to knobs. Classes
    are (file, name) keys (bases.py), so one script's `Args` is not another's."""

    def __init__(self, files: list[FileIndex], modules: dict[str, str], imports: dict[str, tuple[str, ...]]) -> None:
        self.resolver = r = Resolver([(f.path, list(f.class_origins)) for f in files], modules)
        self.written: dict[Key, set[str]] = {}
        self.dynamic: dict[Key, str] = {}
        self._self_writes(files)
        nested = _nested(files)
        self.by_class: dict[Key, dict[str, str]] = {}  # class -> how -> why, for "read", "pass", "record"
        # file -> the parser's owners (none: any parser) -> how -> why, for argparse flags
        self.by_path: dict[str, dict[frozenset[str], dict[str, str]]] = {}
        self.unknown: list[str] = []
        self._modules = modules
        self._names = {f.path: _bound(f) for f in files}
        self._types: dict[Key, dict[str, str]] = {}  # config class -> field -> the class it holds, by name
        for f in files:
            for cls, fields in f.config_classes + f.candidate_classes:
                self._types.setdefault((f.path, cls), {}).update((n, t) for n, t in fields if t)
        reach: dict[str, set[str]] = {}
        # functions that use a parameter whole (`def setup_env(env_args): asdict(env_args)` looped
        # into os.environ): (file, function) -> (how, where, text)
        params: dict[tuple[str, str], tuple[str, str, str]] = {}
        for f in files:
            for how, holder_kind, holder, _, callee, line, text in f.whole_uses:
                if holder_kind == "param" and how in ("read", "record"):
                    params.setdefault((f.path, holder), (how, f"{f.path}:{line}", text))
                elif holder_kind == "param" and how in ("view-call", "object-call") and not self._visible(callee):
                    # dust3r's `def train(args): misc.init_distributed_mode(args)`, `misc` from the
                    # croco submodule, which is not in the tree: code we cannot see reads it
                    params.setdefault((f.path, holder), ("pass", f"{f.path}:{line}", f"{callee}(...)"))
        for f in files:
            for how, holder_kind, holder, obj, callee, line, text in f.whole_uses:
                if holder_kind == "param":
                    continue
                through = None
                if how in ("view-call", "object-call"):
                    if self._visible(callee):
                        # the repo's own function: its reads are seen where it reads, but for
                        # those of a parameter used whole
                        through = params.get(self._function(callee) or ("", ""))
                        if through is None or how == "view-call":
                            continue
                        how = through[0]
                    else:
                        how = "pass"
                where = f"{f.path}:{line}"
                if through is not None:
                    verb = {"read": "reads every field", "pass": "hands it to code outside the tree"}.get(how, "records it whole")
                    why = f"`{obj}` is handed to `{callee}` ({where}), which {verb}: `{through[2]}` at {through[1]}"
                elif how == "read":
                    why = f"`{text}` at {where} reads every field"
                elif how == "pass":
                    why = f"`{obj}` is passed whole to `{callee}` ({where}), which may read it"
                else:
                    why = f"`{obj}` is recorded whole at {where} (`{text}`), and a run's record may use it"
                if holder_kind == "class":
                    # a library class named beside the repo's (`args: SFTConfig | TrainingArguments`)
                    # would reach every repo class built on it: only the repo's own classes count
                    keys: set[Key] = set()
                    for entry in holder.split("|"):
                        name, _, origin = entry.partition("=")
                        root, *attrs = name.split(".")
                        found = r.lookup(f.path, root, origin) or ()
                        keys.update(self._section(found, attrs) if attrs else found)
                    if not keys:
                        continue
                    keys = r.family(keys)
                    keys |= {(p, n) for _, c in list(keys) for n in nested.get(c, ()) for p in r.by_name.get(n, ())}
                    for key in keys:
                        self.by_class.setdefault(key, {}).setdefault(how, why)
                elif holder_kind == "fields":
                    keys = self._by_fields(holder.split("."))
                    keys |= {(p, n) for _, c in list(keys) for n in nested.get(c, ()) for p in r.by_name.get(n, ())}
                    for key in keys:
                        self.by_class.setdefault(key, {}).setdefault(how, why)
                elif holder_kind == "parser":
                    if f.path not in reach:
                        reach[f.path] = _reach(f.path, imports)
                    owners = frozenset(holder.split("|")) if holder else frozenset()
                    for p in reach[f.path]:
                        self.by_path.setdefault(p, {}).setdefault(owners, {}).setdefault(how, why)
                elif how == "read":
                    self.unknown.append(why)

    def _held(self, key: Key, attr: str) -> list[Key]:
        """The repo classes field `attr` of class `key` (or of a class of its family) holds, by the
        field's type: the one of that name in the same file, else every one of that name."""
        t = next((self._types[k][attr] for k in self.resolver.family({key}) if self._types.get(k, {}).get(attr)), None)
        if t is None:
            return []
        name = t.rsplit(".", 1)[-1]
        paths = self.resolver.by_name.get(name, ())
        return [(key[0], name)] if key[0] in paths else [(p, name) for p in paths]

    def _section(self, keys, attrs: list[str]) -> list[Key]:
        """The classes the section `attrs` (`harness` of `cfg.harness`) of classes `keys` holds;
        none where a step is not a field holding a class (`args.lr`)."""
        now = list(keys)
        for attr in attrs:
            now = [h for k in now for h in self._held(k, attr)]
        return now

    def _by_fields(self, attrs: list[str]) -> set[Key]:
        """The classes held at a path of fields (`logging.wandb`) of any config class: each class
        with a field `logging`, the class that field holds, its field `wandb`, ... (all of them
        where several classes match: a field read that may not be, never one missed)."""
        now = {h for k, fields in self._types.items() if attrs[0] in fields for h in self._held(k, attrs[0])}
        for attr in attrs[1:]:
            now = {h for k in now for h in self._held(k, attr)}
        return now

    def _function(self, callee: str) -> tuple[str, str] | None:
        """(file, name) of a module-level function of the repo a dotted callee names."""
        parts = callee.split(".")
        for n in range(len(parts) - 1, 0, -1):
            path = self._modules.get(".".join(parts[:n]))
            if path is not None:
                return (path, parts[n]) if n == len(parts) - 1 else None
        return None

    def _visible(self, callee: str) -> bool:
        """Whether the repo holds the code of a callable: a name in one of its modules, not one of a
        module missing from the tree (mmf's `from .fblearner import main`, stripped from the public
        copy: `tools.sweeps.lib` is there, `fblearner` is neither a module nor a name in it)."""
        parts = callee.split(".")
        for n in range(len(parts), 0, -1):
            path = self._modules.get(".".join(parts[:n]))
            if path is not None:
                return n == len(parts) or parts[n] in self._names.get(path, ())
        return False

    def _self_writes(self, files: list[FileIndex]) -> None:
        records = [(f.path, rec) for f in files for rec in f.self_writes]
        fields, dynamic = self_writes.link(records)
        for key, names in fields.items():
            for c in self.resolver.family({key}):
                self.written.setdefault(c, set()).update(names)
        for key, why in sorted(dynamic.items()):
            for c in self.resolver.family({key}):
                self.dynamic.setdefault(c, why)

    def apply(self, k: Knob) -> Knob:
        changes: dict[str, object] = {}
        uses: dict[str, str] = {}
        if k.system in _CLASS_SYSTEMS:
            key = (k.path, k.owner)
            if key in self.resolver.bases:
                foreign = self.resolver.foreign(key)
                if bool(foreign) != k.external_base:
                    changes["external_base"] = bool(foreign)
                if foreign:
                    changes["library_base"] = min(foreign)
                serialising = self.resolver.serialising(key) if foreign else None
                if serialising:
                    uses["read"] = f"its class extends `{serialising}`, which saves every field"
            leaf = k.name.rsplit(".", 1)[-1]
            if not k.set_in_code and leaf in self.written.get(key, ()):
                changes["set_in_code"] = True
            if key in self.dynamic:
                changes["set_by_name"] = self.dynamic[key]
            for how, why in self.by_class.get(key, {}).items():
                uses.setdefault(how, why)
        elif k.system == "argparse" and k.path in self.by_path:
            owner = k.owner.rsplit(".", 1)[-1]
            for owners, found in self.by_path[k.path].items():
                if not owners or owner in owners or k.owner in owners:
                    for how, why in found.items():
                        uses.setdefault(how, why)
        for how, field in (("read", "read_whole"), ("pass", "passed_whole"), ("record", "recorded_whole")):
            if how in uses and getattr(k, field) != uses[how]:
                changes[field] = uses[how]
        return evolve(k, **changes) if changes else k


def _bound(f: FileIndex) -> set[str]:
    """The names a module defines or imports; a submodule of its own it imports is no name of its
    (`from .fblearner import main` in `lib/__init__.py` names `lib.fblearner`, which may be missing)."""
    own = module_name(f.path)
    names = set(f.defined)
    for i in f.imports:
        parent, _, leaf = i.rpartition(".")
        if not (parent and (own == parent or own.endswith("." + parent))):
            names.add(leaf)
    return names


def _reach(path: str, imports: dict[str, tuple[str, ...]]) -> set[str]:
    return reachable((path,), lambda p: imports.get(p, ()))

"""Whether a config class extends a library's class, decided across the repo.

A library base may read a field stalelint never sees read (transformers' `TrainingArguments` reads
its subclasses' fields by name, `PretrainedConfig` serialises them all). Per file, a base that is
not defined in the same file looks foreign; gpt-neox's `NeoXArgsModel(NeoXArgsTemplate)` imports its
base from the repo's own `template.py`. So each file records its classes' bases with where each name
comes from (this file, an import, or unknown), and linking follows them through the repo's classes
to the first base that is not the repo's own.
"""
from __future__ import annotations

import ast

from ..graph import reachable
from .astutil import chain, nodes
from .dataclass import _bases, _lists

# where a base cannot read a subclass's fields: abstract bases, typing's generics, plain object
_INERT_MODULES = ("abc", "typing", "typing_extensions", "collections.abc", "builtins")
_INERT_NAMES = {"object", "ABC", "Generic", "Protocol", "NamedTuple", "TypedDict"}
# library bases that serialise every field of a subclass (config.json), so every field is read
_SERIALISING = {"PretrainedConfig", "PreTrainedConfig"}

Bases = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


def extract(tree: ast.Module, imported: dict[str, str]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(class, ((base name, origin), ...)) for every class of the file; origin is "local" (defined
    in this file), the dotted name it was imported as, or "" (a builtin, a star import)."""
    classes = nodes(tree, ast.ClassDef)
    if not classes:
        return []
    local = {c.name for c in classes}
    lists: dict[str, list[str]] | None = None
    out = []
    for node in classes:
        if lists is None and any(isinstance(b, ast.Starred) for b in node.bases):
            lists = _lists(tree)
        named: list[tuple[str, str]] = []
        plain = [b for b in node.bases if not isinstance(b, ast.Starred)]
        for b in plain:
            parts = chain(b) or []
            if not parts:
                continue
            if len(parts) == 1 and parts[0] in local:
                named.append((parts[0], "local"))
            elif parts[0] in imported:
                named.append((parts[-1], ".".join([imported[parts[0]]] + parts[1:])))
            else:
                named.append((parts[-1], ""))
        if len(plain) != len(node.bases):
            for name in _bases(ast.ClassDef(name=node.name, bases=[b for b in node.bases if isinstance(b, ast.Starred)],
                                            keywords=[], body=[], decorator_list=[]), lists):
                named.append((name, "local" if name in local else imported.get(name, "")))
        out.append((node.name, tuple(named)))
    return out


Key = tuple[str, str]  # (path, class name): two scripts may each define their own `Args`


def in_repo(dotted: str, modules: dict[str, str]) -> bool:
    """Whether a dotted name (a module, or a name in one) is the repo's own: `modules` is every
    dotted name a repo file can be imported by."""
    parts = dotted.split(".")
    return any(".".join(parts[:n]) in modules for n in range(len(parts), 0, -1))


class Resolver:
    """The repo's classes and their bases; which of them extend a library's class. Classes are
    keyed by (file, name) and a base is followed to the file it comes from (this file, the module
    it is imported from), by name alone only where that is all there is (a star import)."""

    def __init__(self, records: list[tuple[str, list[tuple[str, tuple[tuple[str, str], ...]]]]],
                 modules: dict[str, str]) -> None:
        """`records`: (path, that file's `extract`) for every file; `modules`: dotted module -> file."""
        self.bases: dict[Key, tuple[tuple[str, str], ...]] = {}
        self.by_name: dict[str, list[str]] = {}
        for path, classes in records:
            for cls, named in classes:
                self.bases[(path, cls)] = named
                self.by_name.setdefault(cls, []).append(path)
        self.modules = modules
        self._foreign: dict[Key, frozenset[str]] = {}
        self._down: dict[Key, set[Key]] | None = None

    def in_repo(self, dotted: str) -> bool:
        return in_repo(dotted, self.modules)

    def lookup(self, path: str, name: str, origin: str) -> list[Key] | None:
        """The repo classes a name used in `path` stands for; None when it is a library's."""
        if origin == "local":
            return [(path, name)] if (path, name) in self.bases else []
        if origin and "." in origin and origin.rsplit(".", 1)[1] != name:
            # imported under another name (llama-cookbook's `from configs import wandb_config as WANDB_CONFIG`)
            name = origin.rsplit(".", 1)[1]
        if origin:
            if not self.in_repo(origin):
                return None
            module = self.modules.get(origin.rsplit(".", 1)[0]) if "." in origin else None
            if module is not None and (module, name) in self.bases:
                return [(module, name)]
            # re-exported by a package; not a class that itself extends this name from there (LLaVA-NeXT's
            # two `class TrainingArguments(transformers.TrainingArguments)`, where a nested folder named
            # `transformers` makes the library's name look like the repo's)
            return [(p, name) for p in self.by_name.get(name, ()) if (name, origin) not in self.bases.get((p, name), ())]
        paths = self.by_name.get(name)
        return [(p, name) for p in paths] if paths else None

    def foreign(self, key: Key, seen: frozenset[Key] = frozenset()) -> frozenset[str]:
        """The library classes (dotted where imported) that a class extends, through the repo's own classes."""
        got = self._foreign.get(key)
        if got is not None:
            return got
        if key in seen:
            return frozenset()
        out: set[str] = set()
        for name, origin in self.bases.get(key, ()):
            if (name in _INERT_NAMES and origin in ("", "local")) or origin.startswith(_INERT_MODULES):
                continue
            found = self.lookup(key[0], name, origin)
            others = [other for other in found if other != key] if found is not None else []
            if not others:
                # not the repo's, or only the class itself: LLaVA-NeXT's `class TrainingArguments(
                # transformers.TrainingArguments)` names the library class it shadows
                out.add(origin or name)
                continue
            for other in others:
                out |= self.foreign(other, seen | {key})
        got = frozenset(out)
        self._foreign[key] = got
        return got

    def serialising(self, key: Key) -> str | None:
        """The library base that saves every field of the class (transformers' `PretrainedConfig`), if any."""
        return next((b for b in sorted(self.foreign(key)) if b.rsplit(".", 1)[-1] in _SERIALISING), None)

    def family(self, keys: set[Key]) -> set[Key]:
        """The classes an instance of one of `keys` may be (they and their subclasses), with every
        class those extend: `self` in a base's method may be any subclass, and an instance holds
        its bases' fields. Not a base's other subclasses (siblings hold fields it does not)."""
        if self._down is None:
            self._down = {}
            for key, named in self.bases.items():
                for name, origin in named:
                    for base in self.lookup(key[0], name, origin) or ():
                        self._down.setdefault(base, set()).add(key)
        down = self._down
        below = reachable(keys, lambda key: down.get(key, ()))
        return reachable(below, lambda key: (base for name, origin in self.bases.get(key, ())
                                             for base in self.lookup(key[0], name, origin) or ()))

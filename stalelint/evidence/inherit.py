"""Config files that build on others: yacs/detectron2 `_BASE_: ../base.yaml` (also `BASE`, `__base__`,
a string or a list) and gin `include 'other.gin'`. This is the one place inheritance is resolved, for
config experiments and for config files a launch command pulls in alike: a file's effective
settings are its bases' (in order, each resolved the same way) overridden by its own, so a key set in
an inherited file counts for every experiment that inherits it.

A cycle or a base that is not in the repo is an error naming the file; that file gives no
experiment, and the knobs of its config system are not judged (`SYSTEM_OF`).
"""
from __future__ import annotations

import re
from typing import Callable

from ..discover import find_named
from ..lazy import module as _lazy_module
from ..model import Problem, Setting
from . import configs, gin

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

_BASE_KEYS = ("_BASE_", "__base__", "BASE", "_base_")
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".py", ".gin")
_INCLUDE = re.compile(r"""^\s*include\s+(['"])(.+?)\1""", re.MULTILINE)

# the config system whose knobs cannot be judged when a file of this kind could not be read
SYSTEM_OF = {".gin": "gin", ".yaml": "yacs", ".yml": "yacs", ".py": "ml_collections"}


class Broken(Exception):
    """The file's inheritance cannot be resolved; the message says why."""


def system_of(rel: str) -> str | None:
    return next((s for suffix, s in SYSTEM_OF.items() if rel.endswith(suffix)), None)


def parents(rel: str, text: str) -> list[str]:
    """The files a config names as its bases or includes, as written."""
    if rel.endswith(".gin"):
        return [m.group(2) for m in _INCLUDE.finditer(text)]
    if not rel.endswith((".yaml", ".yml")) or not any(k in text for k in _BASE_KEYS):
        return []
    try:
        data = yaml.load(text, Loader=configs.safe_loaders()[0])  # noqa: S506 - safe loader, see configs
    except yaml.YAMLError:
        return []  # the settings reader reports the malformed file
    if not isinstance(data, dict):
        return []
    out: list[str] = []
    for key in _BASE_KEYS:
        value = data.get(key)
        values = value if isinstance(value, list) else [value]
        # `BASE` is also an ordinary key name; it only inherits when it names config files
        out.extend(v for v in values if isinstance(v, str) and v.endswith(_CONFIG_SUFFIXES))
    return out


def locate(ref: str, near: str, files: set[str]) -> str | None:
    """A base named in `near`: relative to its folder (yacs, mmcv), then to the root (gin's search
    path is usually the root), then by a unique tail."""
    return find_named(ref, near, files, near_first=True)


def effective(rel: str, own: Callable[[str], tuple[list[Setting] | None, list[str], Problem | None]],
              files: set[str]) -> list[Setting]:
    """The settings of `rel` with everything it inherits. `own(rel)` gives (its own settings, the bases
    it names, a problem). Raises Broken on a cycle, a missing base or a broken base."""

    def walk(path: str, stack: tuple[str, ...]) -> list[Setting]:
        if path in stack:
            chain = " -> ".join(stack[stack.index(path):] + (path,))
            raise Broken(f"cyclic base/include: {chain}")
        settings, refs, problem = own(path)
        if problem is not None:
            if stack:
                raise Broken(f"inherits from {path}, which cannot be read: {problem.message}")
            raise Broken(problem.message)
        merged: list[Setting] = []
        for ref in refs:
            target = locate(ref, path, files)
            if target is None:
                raise Broken(f"{path} names a base or include that is not in the repository: {ref}")
            merged.extend(walk(target, stack + (path,)))
        mine = settings or []
        overridden = {s.key for s in mine}
        # inherited settings keep their line in the base; the form says they are not the file's own
        return [s if s.form == "inherited" else Setting(s.key, s.value, s.line, "inherited")
                for s in merged if s.key not in overridden] + mine

    result = walk(rel, ())
    return gin.resolve_macros(result) if rel.endswith(".gin") else result

"""Modules a run may never touch, imported on first attribute access.

A warm `check` with nothing changed lasts ~0.25 s on a 300-file repo and half of it is imports;
PyYAML alone is ~12 ms of that (its reader compiles a large Unicode regex) though such a run reads no
YAML: the settings of experiment configs come from the cache. The module is found now (so a
`yaml.py` in the analysed repo cannot stand in for it later, whatever sys.path becomes) and run on
first use, with the standard library's LazyLoader.
"""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    loader.exec_module(mod)
    return mod

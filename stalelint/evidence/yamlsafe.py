"""YAML as run records write it: Lightning and others dump hyperparameters with `yaml.dump`, so a
file may hold `!!python/object` or `!!python/tuple` tags. Those are read as plain data (a tuple as a
list, an object as its state mapping) and nothing is ever constructed or imported."""
from __future__ import annotations

import functools
from typing import Any

from ..lazy import module as _lazy_module

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML


def _python_tag(loader: Any, suffix: str, node: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


@functools.lru_cache(maxsize=None)
def _safe_loader() -> type:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)
    Loader.add_multi_constructor("!", _python_tag)
    return Loader


def load(text: str) -> Any:
    return yaml.load(text, Loader=_safe_loader())  # noqa: S506 - a safe loader that only builds plain data

"""YAML as run records write it: Lightning and others dump hyperparameters with `yaml.dump`, so a
file may hold `!!python/object` or `!!python/tuple` tags. Those are read as plain data (a tuple as a
list, an object as its state mapping) and nothing is ever constructed or imported."""
from __future__ import annotations

from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    pass


def _python_tag(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)
_Loader.add_multi_constructor("!", _python_tag)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader that only builds plain data

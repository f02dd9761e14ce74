"""ml_collections config modules as experiments: every leaf a `get_config()` assigns on the ConfigDict
it builds is a setting (`config.model.depth = 3` -> `model.depth`). Read with `ast`, never run; a
value computed by code is UNKNOWN. A module whose `get_config` branches on its argument
(`get_config("vit-b")`) contributes every assignment of every branch: they are all planned runs."""
from __future__ import annotations

import ast

from ..index.mlcollections import _value, assignments, get_config
from ..model import Setting


def is_config_module(text: str) -> bool:
    return "def get_config" in text


def read(path: str, text: str) -> list[Setting] | None:
    """The settings of a config module, or None when it does not build a ConfigDict in get_config.
    Raises SyntaxError/ValueError/RecursionError for the caller to report."""
    tree = ast.parse(text, filename=path)
    found = get_config(tree, path)
    if not found:
        return None
    fn, var = found
    return [Setting(dotted, _value(value), stmt.lineno) for dotted, value, stmt in assignments(fn, var)]

"""Plain-dict configs: a module-level default dict (`DEFAULTS = {...}`, `default_config = dict(...)`)
that experiment dicts are merged into. Each key (nested keys dotted) is a flag."""
from __future__ import annotations

import ast
import re

from ..model import UNKNOWN, Knob, Suppression
from .astutil import keep_for, literal

_NAME = re.compile(r"^_?(defaults?|default_(config|cfg|conf|params|hparams|args|settings|options)|"
                   r"(base_)?(config|cfg|hparams|hyperparams|hyperparameters))$", re.IGNORECASE)


def _entries(node: ast.expr, prefix: str):
    """(dotted key, value node, key node) of a dict literal or `dict(...)` call, nested dicts flattened."""
    if isinstance(node, ast.Dict):
        pairs = [(k.value, v, k) for k, v in zip(node.keys, node.values)
                 if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        pairs = [(k.arg, k.value, k.value) for k in node.keywords if k.arg]
    else:
        return
    for key, value, key_node in pairs:
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, ast.Dict) or (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                                           and value.func.id == "dict"):
            yield from _entries(value, full)
        else:
            yield full, value, key_node


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> list[Knob]:
    knobs: list[Knob] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            continue
        if not _NAME.match(stmt.targets[0].id):
            continue
        entries = list(_entries(stmt.value, ""))
        if len(entries) < 2:
            continue
        for key, value, key_node in entries:
            default = literal(value)
            line = key_node.lineno
            end = value.end_lineno or line
            knobs.append(Knob(name=key, kind="flag", system="dict", path=path, line=line,
                              column=key_node.col_offset + 1, end_line=end,
                              default=default, owner=stmt.targets[0].id, keep=keep_for(sups, line, end)))
    return knobs


__all__ = ["extract", "UNKNOWN"]

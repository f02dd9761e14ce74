"""Plain-dict configs: a module-level default dict (`DEFAULTS = {...}`, `default_config = dict(...)`)
that experiment dicts are merged into. Each key (nested keys dotted) is a flag."""
from __future__ import annotations

import ast
import re

from ..model import UNKNOWN, Knob, Suppression
from .astutil import call_name, keep_for, literal

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


def _handed_whole(tree: ast.Module, name: str) -> str | None:
    """Why any key of the dict may be read: the call it is handed to whole (`yaml.dump(config, f)`,
    `Trainer(**config)`), whose callee may read any of them, or a lookup by a computed key; None
    when the module only reads its keys one by one."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            args = list(node.args) + [k.value for k in node.keywords]
            if any(isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and a.value.id == name
                   or isinstance(a, ast.Name) and a.id == name for a in args):
                return f"`{name}` is handed whole to `{call_name(node) or 'a call'}`, which may read it by name"
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == name:
            return f"`{name}` is handed whole to `its function's caller`, which may read it by name"
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                and node.value.id == name and not isinstance(node.slice, (ast.Constant, ast.Slice)):
            # pytorch-cifar's `cfg = {'VGG11': [...], 'VGG16': [...]}` read as `cfg[vgg_name]`: a table
            # looked up by a computed key, any of whose entries a caller may name
            return f"`{name}` is looked up by a computed key (`{ast.unparse(node)}`), which may name any of its keys"
    return None


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
        # pytorch-a2c-ppo-acktr-gail's `config = {"session_name": ...}`, written out by `yaml.dump`
        # for tmuxp: whoever the dict is handed to may read every key
        whole = _handed_whole(tree, stmt.targets[0].id) or ""
        for key, value, key_node in entries:
            default = literal(value)
            line = key_node.lineno
            end = value.end_lineno or line
            knobs.append(Knob(name=key, kind="flag", system="dict", path=path, line=line,
                              column=key_node.col_offset + 1, end_line=end,
                              default=default, owner=stmt.targets[0].id, keep=keep_for(sups, line, end),
                              passed_whole=whole))
    return knobs


__all__ = ["extract", "UNKNOWN"]

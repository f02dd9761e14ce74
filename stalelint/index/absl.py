"""absl.flags: `flags.DEFINE_bool/string/integer/float/enum/list/multi_*(name, default, help)`, read as
`FLAGS.x` (the reads module already treats `FLAGS` as a config object) or through the holder a
definition returns (`_LR = flags.DEFINE_float(...)`, read as `_LR.value`).

On the command line absl takes `--x=v`, `--x v`, and for booleans `--x`, `--nox` and `--x=false`.
A boolean is given the `store_true` action so that a bare `--x` means True, as in absl; `--nox` is
bound as a negation by the judge.
"""
from __future__ import annotations

import ast

from ..model import Knob, Read, Suppression
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes

_TYPES = {"bool": "bool", "boolean": "bool", "string": "str", "integer": "int", "float": "float", "enum": "str",
          "enum_class": "enum", "list": "list", "spaceseplist": "list", "multi_string": "list",
          "multi_integer": "list", "multi_float": "list", "multi_enum": "list", "multi_enum_class": "list"}
# DEFINE_* of other libraries that share the prefix but are not absl flags of one value
_NOT_FLAGS = {"DEFINE_config_file", "DEFINE_config_dict", "DEFINE_config_dataclass", "DEFINE_alias",
              "DEFINE_flag", "DEFINE_validator", "DEFINE_multi_flags_validator"}


def _is_define(node: ast.Call) -> str | None:
    """The flag type of a `DEFINE_<type>` call of absl.flags, else None."""
    name = call_name(node)
    if not name.startswith("DEFINE_") or name in _NOT_FLAGS:
        return None
    kind = name[len("DEFINE_"):]
    if kind not in _TYPES:
        return None
    if isinstance(node.func, ast.Attribute):
        parts = chain(node.func.value) or []
        # flags.DEFINE_x, absl.flags.DEFINE_x, tf.compat.v1.flags.DEFINE_x, tf.app.flags.DEFINE_x
        if not parts or parts[-1] not in ("flags", "absl_flags", "FLAGS"):
            return None
    return kind


def _arg(node: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(node.args) > position:
        return node.args[position]
    return kwarg(node, name)


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> tuple[list[Knob], list[Read]]:
    """(absl flags defined here, reads of flag holders `_X.value`)."""
    knobs: list[Knob] = []
    holders: dict[str, str] = {}
    calls = [n for n in nodes(tree, ast.Call) if _is_define(n) is not None]
    if not calls:
        return knobs, []  # most files define no absl flags
    defines = {id(n) for n in calls}
    for node in nodes(tree, ast.Assign, ast.AnnAssign):
        if id(node.value) not in defines:
            continue
        value = node.value
        if not isinstance(value, ast.Call):
            continue
        kind = _is_define(value)
        if kind is None:
            continue
        name = literal(_arg(value, 0, "name"))
        if not isinstance(name, str) or not name:
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            holders[node.targets[0].id] = name
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            holders[node.target.id] = name
    for node in calls:
        kind = _is_define(node)
        name = literal(_arg(node, 0, "name"))
        if not isinstance(name, str) or not name:
            continue
        default_node = _arg(node, 1, "default")
        default = literal(default_node) if default_node is not None else None
        if kind in ("list", "spaceseplist") and isinstance(default, str):
            default = [s for s in default.replace(",", " " if kind == "spaceseplist" else ",").split(
                " " if kind == "spaceseplist" else ",") if s]
        choices = None
        if kind in ("enum", "multi_enum"):
            values = literal(_arg(node, 2, "enum_values"))
            if isinstance(values, (list, tuple)):
                choices = tuple(values)
        end = node.end_lineno or node.lineno
        short = literal(kwarg(node, "short_name"))
        options = (f"--{name}",) + ((f"-{short}",) if isinstance(short, str) else ())
        knobs.append(Knob(
            name=name, kind="flag", system="absl", path=path, line=node.lineno, column=node.col_offset + 1,
            end_line=end, default=default, action="store_true" if _TYPES[kind] == "bool" else None,
            choices=choices, type_name=_TYPES[kind], option_strings=options, owner="<flags>",
            keep=keep_for(sups, node.lineno, end),
        ))
    reads = [Read(holders[n.value.id], path, n.lineno, n.col_offset + 1, True)
             for n in nodes(tree, ast.Attribute)
             if n.attr == "value" and isinstance(n.value, ast.Name)
             and n.value.id in holders and isinstance(n.ctx, ast.Load)]
    return knobs, reads

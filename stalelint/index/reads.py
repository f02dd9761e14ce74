"""Where knobs are read: `args.x`, `cfg.model.x`, `getattr(args, "x")`, `vars(args)["x"]`,
`args.__dict__["x"]`, `cfg["x"]`, `cfg.get("x")`.

A read is *strong* when the object is known to hold a config (assigned from `parse_args()`, a
parameter annotated with a config class, or a conventional name such as `args`/`cfg`/`opt`), and
*weak* when only the attribute name matches; the judge says which in its confidence.
"""
from __future__ import annotations

import ast

from ..model import Read
from .astutil import CONFIG_NAMES, call_name, chain, nodes

_PARSE_CALLS = {"parse_args", "parse_known_args", "parse_args_into_dataclasses", "parse_dict",
                "parse_json_file", "parse_yaml_file", "cli", "get_config", "load", "merge", "create",
                "instantiate", "to_object", "parse_config", "load_config", "get_cfg", "setup_cfg"}
_DICT_VIEWS = {"vars", "asdict", "to_dict", "to_container", "__dict__"}


def config_names(tree: ast.Module, config_classes: set[str]) -> set[str]:
    """Names in this module that hold a parsed config or namespace."""
    names = set(CONFIG_NAMES)
    for node in nodes(tree, ast.Assign, ast.arg):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and call_name(node.value) in _PARSE_CALLS:
            for target in node.targets:
                elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                for e in elts:
                    if isinstance(e, ast.Name):
                        names.add(e.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            ann = node.annotation
            ann_name = ann.id if isinstance(ann, ast.Name) else ann.attr if isinstance(ann, ast.Attribute) else ""
            if ann_name in config_classes or ann_name in ("Namespace", "DictConfig", "ConfigDict", "CfgNode"):
                names.add(node.arg)
    return names


def attribute_read(node: ast.Attribute, strong_names: set[str]) -> tuple[str, bool] | None:
    """The knob name an attribute chain reads and whether its object is a known config.

    `args.use_ema` -> ("use_ema", True); `self.cfg.model.depth` -> ("model.depth", True);
    `model.head.dropout` -> ("head.dropout", False).
    """
    parts = chain(node)
    if not parts or len(parts) < 2:
        return None
    base, rest = parts[0], parts[1:]
    if base in strong_names:
        return ".".join(rest), True
    if base == "self" and len(rest) >= 2 and rest[0] in strong_names:
        return ".".join(rest[1:]), True
    return ".".join(rest), False


def _is_dict_view(node: ast.expr, strong_names: set[str]) -> tuple[bool, bool]:
    """(is a dict view of an object, that object is a known config) for `vars(args)`/`args.__dict__`."""
    if isinstance(node, ast.Call) and call_name(node) in _DICT_VIEWS and node.args:
        parts = chain(node.args[0])
        return True, bool(parts and parts[-1] in strong_names)
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        parts = chain(node.value)
        return True, bool(parts and parts[-1] in strong_names)
    parts = chain(node)
    if parts:
        return True, parts[-1] in strong_names
    return False, False


def extract(tree: ast.Module, path: str, strong_names: set[str]) -> tuple[list[Read], bool, list[str], list[str]]:
    """(reads, whether a config is splatted as `**vars(x)`/`**asdict(x)`, parameter names, names
    that code assigns on a config object: `args.batch_size = ...` makes batch_size computed, not chosen)."""
    reads: list[Read] = []
    writes: set[str] = set()
    splat = False
    params: set[str] = set()
    outer: set[int] = set()  # inner nodes of a chain already recorded by its outermost attribute
    params.update(node.arg for node in nodes(tree, ast.arg))
    for node in nodes(tree, ast.Dict):
        splat = splat or any(k is None and _is_dict_view(v, strong_names)[0] and not isinstance(v, ast.Name)
                             for k, v in zip(node.keys, node.values))
    for node in nodes(tree, ast.Attribute, ast.Call, ast.Subscript):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            got = attribute_read(node, strong_names)
            if got and got[1]:
                writes.add(got[0])
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in outer:
            sub = node.value
            while isinstance(sub, ast.Attribute):
                outer.add(id(sub))
                sub = sub.value
            got = attribute_read(node, strong_names)
            if got and got[0] != "__dict__":
                reads.append(Read(got[0], path, node.lineno, node.col_offset + 1, got[1]))
        elif isinstance(node, ast.Call):
            name = call_name(node)
            if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str):
                parts = chain(node.args[0]) or []
                if parts and parts[-1] in strong_names:
                    writes.add(node.args[1].value)
            if name in ("getattr", "hasattr") and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                parts = chain(node.args[0]) or []
                strong = bool(parts) and parts[-1] in strong_names
                reads.append(Read(node.args[1].value, path, node.lineno, node.col_offset + 1, strong))
            elif name in ("get", "pop") and isinstance(node.func, ast.Attribute) and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                is_view, strong = _is_dict_view(node.func.value, strong_names)
                if is_view:
                    reads.append(Read(node.args[0].value, path, node.lineno, node.col_offset + 1, strong))
            for k in node.keywords:
                if k.arg is None and _is_dict_view(k.value, strong_names)[0] \
                        and not isinstance(k.value, ast.Name):
                    splat = True
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                is_view, strong = _is_dict_view(node.value, strong_names)
                if is_view:
                    reads.append(Read(key.value, path, node.lineno, node.col_offset + 1, strong))
    return reads, splat, sorted(params), sorted(writes)

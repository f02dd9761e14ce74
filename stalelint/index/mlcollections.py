"""ml_collections configs: `def get_config(): config = ml_collections.ConfigDict(); config.a.b = v;
return config` in config modules, and `config_flags.DEFINE_config_file("config", "configs/default.py")`
in training scripts.

Every config module is an experiment (its assignments are its settings, see evidence/mlcollections.py);
the module a training script names as its flag's default holds the defaults, so its assignments are
the knobs (`a.b`). `link` keeps only the knobs of default modules. When the flag has no default
(`DEFINE_config_file("config", None)`, big_vision's way) there is no defaults module; then the knobs
are what the training script reads with a fallback, `config.get("x", 0.1)`: the fallback is the
default every config that does not set `x` runs with.
"""
from __future__ import annotations

import ast

from ..model import UNKNOWN, Knob, Suppression
from .astutil import call_name, chain, keep_for, literal, nodes

_DICT_CALLS = {"ConfigDict", "FrozenConfigDict", "dict", "create"}
# the action of a knob read whole (`config.get("mixup")`): a config setting `mixup.p` sets it
SUBTREE = "subtree"
_DEFINE = {"DEFINE_config_file", "DEFINE_config_dict", "DEFINE_config_dataclass"}
_FIELD_REFS = {"FieldReference", "placeholder"}
# `config = ml_collections.ConfigDict()`, or another module's `default.get_config()` to build on
_BUILDERS = {"ConfigDict", "create", "get_config"}


def _value(node: ast.expr) -> object:
    """A literal, seen through `FieldReference(v)`; `placeholder(int)` has no value (None)."""
    if isinstance(node, ast.Call) and call_name(node) in _FIELD_REFS:
        if call_name(node) == "placeholder" or not node.args:
            return None
        return literal(node.args[0])
    return literal(node)


def _leaves(node: ast.expr, prefix: str) -> list[tuple[str, ast.expr]] | None:
    """The leaves of a dict-like right-hand side (`ConfigDict({...})`, `dict(a=1)`, `{...}`), or
    None when it is a plain value."""
    if isinstance(node, ast.Call) and call_name(node) in _DICT_CALLS:
        items: list[tuple[str, ast.expr]] = [(k.arg, k.value) for k in node.keywords if k.arg]
        if node.args and isinstance(node.args[0], ast.Dict):
            node = node.args[0]
        elif node.args and isinstance(node.args[0], ast.Call) and call_name(node.args[0]) in _DICT_CALLS:
            return _leaves(node.args[0], prefix)  # ConfigDict(dict(a=1))
        elif node.args:
            return None
        else:
            out: list[tuple[str, ast.expr]] = []
            for key, v in items:
                sub = _leaves(v, f"{prefix}.{key}")
                out.extend(sub if sub is not None else [(f"{prefix}.{key}", v)])
            return out
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        out = []
        for k, v in zip(node.keys, node.values):
            full = f"{prefix}.{k.value}"  # type: ignore[union-attr]
            sub = _leaves(v, full)
            out.extend(sub if sub is not None else [(full, v)])
        return out
    return None


def builds_config(fn: ast.FunctionDef, loose: bool = False) -> str | None:
    """The name of the ConfigDict a `get_config` builds, or None. `loose`: also the name it returns
    when that is assigned from any call (big_vision's `config = bvcc.parse_arg(arg, ...)`)."""
    assigned: set[str] = set()
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Call):
            if call_name(stmt.value) in _BUILDERS:
                return stmt.targets[0].id
            assigned.add(stmt.targets[0].id)
    if loose:
        for stmt in ast.walk(fn):
            if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Name) and stmt.value.id in assigned:
                return stmt.value.id
    return None


def assignments(fn: ast.FunctionDef, var: str) -> list[tuple[str, ast.expr, ast.stmt]]:
    """(dotted name, value, statement) of every leaf a get_config assigns, in order."""
    out: list[tuple[str, ast.expr, ast.stmt]] = []
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        parts = chain(target)
        if isinstance(target, ast.Name) and target.id == var:
            leaves = _leaves(value, "") or []
            out.extend((d.lstrip("."), v, stmt) for d, v in leaves)
            continue
        if not parts or parts[0] != var or len(parts) < 2:
            continue
        dotted = ".".join(parts[1:])
        leaves = _leaves(value, dotted)
        if leaves is None:
            out.append((dotted, value, stmt))
        else:
            out.extend((d, v, stmt) for d, v in leaves)
    out.sort(key=lambda t: (t[2].lineno, t[2].col_offset))
    return out


def get_config(tree: ast.Module, path: str = "") -> tuple[ast.FunctionDef, str] | None:
    """get_config and the name of the config it builds. A module in a `configs` folder may build it
    with a helper of its own (`bvcc.parse_arg`); elsewhere only a ConfigDict counts."""
    loose = any(part in ("configs", "config", "cfgs") for part in path.split("/")[:-1])
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "get_config":
            var = builds_config(node, loose)
            if var:
                return node, var
    return None


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(candidate knobs of a get_config module, the names it assigns, defaults named by
    DEFINE_config_file here as (flag, path or ""), fallback reads `config.get("x", d)` as knobs)."""
    knobs: dict[str, Knob] = {}
    found = get_config(tree, path)
    assigned: set[str] = set()
    if found:
        fn, var = found
        for dotted, value, stmt in assignments(fn, var):
            parts = dotted.split(".")
            assigned.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # sections too
            if dotted in knobs:
                continue
            end = stmt.end_lineno or stmt.lineno
            default = _value(value)
            knobs[dotted] = Knob(name=dotted, kind="flag", system="ml_collections", path=path, line=stmt.lineno,
                                 column=stmt.col_offset + 1, end_line=end, default=default,
                                 type_name=type(default).__name__ if default not in (UNKNOWN, None) else None,
                                 option_strings=(f"--config.{dotted}",), owner="get_config",
                                 keep=keep_for(sups, stmt.lineno, end))
    sections = {n for n in knobs if any(o.startswith(n + ".") for o in knobs)}
    defines: list[tuple[str, str]] = []
    flags: list[Knob] = []
    for node in nodes(tree, ast.Call):
        if call_name(node) in _DEFINE and node.args:
            flag = literal(node.args[0])
            default = literal(node.args[1]) if len(node.args) > 1 else None
            for k in node.keywords:
                if k.arg == "default":
                    default = literal(k.value)
            if isinstance(flag, str):
                defines.append((flag, default if isinstance(default, str) else ""))
                # the config flag itself is an absl flag: `--config=configs/vit.py` sets it
                end = node.end_lineno or node.lineno
                flags.append(Knob(name=flag, kind="flag", system="absl", path=path, line=node.lineno,
                                  column=node.col_offset + 1, end_line=end,
                                  default=default if isinstance(default, str) else None, type_name="str",
                                  option_strings=(f"--{flag}",), owner="<flags>",
                                  keep=keep_for(sups, node.lineno, end)))
    fallbacks: list[Knob] = []
    if defines and not any(d for _, d in defines):
        fallbacks = _fallback_reads(tree, path, sups)
    return [k for n, k in knobs.items() if n not in sections], assigned, defines, fallbacks + flags


def _fallback_reads(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> list[Knob]:
    """`config.get("x", d)` / `config.input.get("y")` in a training script whose config flag has no
    default: each is a knob with the fallback as its default."""
    out: dict[str, Knob] = {}
    for node in nodes(tree, ast.Call):
        if not (call_name(node) == "get" and isinstance(node.func, ast.Attribute)
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            continue
        parts = chain(node.func.value)
        if not parts or parts[0] not in ("config", "cfg"):
            continue
        name = ".".join(parts[1:] + [node.args[0].value])
        if name in out:
            continue
        default = literal(node.args[1]) if len(node.args) > 1 else None
        end = node.end_lineno or node.lineno
        out[name] = Knob(name=name, kind="flag", system="ml_collections", path=path, line=node.lineno,
                         column=node.col_offset + 1, end_line=end, default=default,
                         option_strings=(f"--config.{name}",), owner="config.get",
                         keep=keep_for(sups, node.lineno, end), action=SUBTREE)
    return list(out.values())

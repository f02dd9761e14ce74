"""pydantic configs: fields of `BaseSettings` subclasses, and of `BaseModel` subclasses named like a
config (`TrainConfig`, `ModelArgs`, ...; a `BaseModel` is just as often an API payload).

`BaseSettings` reads environment variables: a field `lr` with `env_prefix="APP_"` (in
`model_config = SettingsConfigDict(env_prefix=...)` or an inner `class Config: env_prefix = ...`)
is set by `APP_LR=0.1 python train.py`. The launch evidence records such assignments as settings
keyed `env:APP_LR`; the field carries the matching alias `env:app_lr` (pydantic matches environment
names case-insensitively), so a plain shell variable never binds to a field by its leaf name.
"""
from __future__ import annotations

import ast
import re

from ..model import Knob, Suppression
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes

_CONFIG_NAME = re.compile(r"(config|cfg|conf|args|arguments|params|parameters|options|settings|hparams|"
                          r"hyperparameters|hyperparams)$", re.IGNORECASE)
_FIELD_CALLS = {"Field"}


def _base_names(node: ast.ClassDef) -> list[str]:
    return [(chain(b) or [""])[-1] for b in node.bases]


def _env_prefix(node: ast.ClassDef) -> str | None:
    for stmt in node.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            if isinstance(target, ast.Name) and target.id == "model_config" and isinstance(stmt.value, ast.Call):
                prefix = literal(kwarg(stmt.value, "env_prefix"))
                if isinstance(prefix, str):
                    return prefix
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for s in stmt.body:
                if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix"
                                                     for t in s.targets):
                    prefix = literal(s.value)
                    if isinstance(prefix, str):
                        return prefix
    return None


def _inherited_prefix(node: ast.ClassDef, by_name: dict[str, ast.ClassDef], kind: dict[str, str],
                      depth: int = 0) -> str | None:
    """A class's env_prefix, or the one its local pydantic base sets (model_config is inherited)."""
    own = _env_prefix(node)
    if own is not None or depth > 10:
        return own
    for b in _base_names(node):
        if b in kind and b in by_name and b != node.name:
            return _inherited_prefix(by_name[b], by_name, kind, depth + 1)
    return None


def _default(value: ast.expr | None) -> tuple[object, bool]:
    """(default, required) of a field's right-hand side."""
    if value is None:
        return None, True
    if isinstance(value, ast.Call) and call_name(value) in _FIELD_CALLS:
        d = value.args[0] if value.args else kwarg(value, "default")
        if d is not None:
            if isinstance(d, ast.Constant) and d.value is Ellipsis:
                return None, True
            return literal(d), False
        factory = kwarg(value, "default_factory")
        if isinstance(factory, ast.Name) and factory.id in ("list", "dict", "set", "tuple"):
            return {"list": [], "dict": {}, "set": set(), "tuple": ()}[factory.id], False
        if isinstance(factory, ast.Lambda):
            return literal(factory.body), False
        return (literal(factory) if factory is not None else None), factory is None
    return literal(value), False


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(knobs, config classes with their (field, type) pairs, as dataclass.extract gives them)."""
    classes: list[ast.ClassDef] = nodes(tree, ast.ClassDef)
    kind: dict[str, str] = {}  # class -> "settings" or "model"
    changed = True
    while changed:  # local subclasses of local pydantic classes
        changed = False
        for c in classes:
            if c.name in kind:
                continue
            for b in _base_names(c):
                got = "settings" if b == "BaseSettings" else "model" if b == "BaseModel" else kind.get(b)
                if got:
                    kind[c.name] = got
                    changed = True
                    break
    knobs: list[Knob] = []
    config_classes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    by_name = {c.name: c for c in classes}
    for name, what in kind.items():
        node = by_name[name]
        if what == "model" and not _CONFIG_NAME.search(name):
            continue
        prefix = _inherited_prefix(node, by_name, kind)
        if prefix is None and what == "settings":
            prefix = ""
        fields: list[tuple[str, str]] = []
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            field = stmt.target.id
            ann = ast.unparse(stmt.annotation)
            if field == "model_config" or "ClassVar" in ann or field.startswith("_"):
                continue
            default, required = _default(stmt.value)
            fields.append((field, (chain(stmt.annotation) or [""])[-1] if not isinstance(
                stmt.annotation, ast.Subscript) else ""))
            end = stmt.end_lineno or stmt.lineno
            aliases = (f"env:{(prefix + field).lower()}",) if prefix is not None else ()
            knobs.append(Knob(name=field, kind="flag", system="pydantic", path=path, line=stmt.lineno,
                              column=stmt.col_offset + 1, end_line=end, default=default, required=required,
                              type_name=ann, owner=name, keep=keep_for(sups, stmt.lineno, end), aliases=aliases,
                              cli=what == "settings"))
        config_classes.append((name, tuple(fields)))
    return knobs, config_classes

"""Dataclass config fields: `@dataclass` classes used as configs, HfArgumentParser's included."""
from __future__ import annotations

import ast
import re

from ..model import UNKNOWN, Knob, Suppression
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes

_CONFIG_NAME = re.compile(r"(config|cfg|conf|args|arguments|params|parameters|options|opts|settings|"
                          r"hparams|hyperparameters|hyperparams|flags)$", re.IGNORECASE)
# callables that turn a dataclass into command-line flags or config files
_PARSERS = {"HfArgumentParser", "cli", "parse", "ArgumentParser", "from_dict", "structured", "store"}
_FACTORIES = {"list": [], "dict": {}, "set": set(), "tuple": ()}


def _is_dataclass(node: ast.ClassDef) -> bool:
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        parts = chain(target) or []
        if parts and parts[-1] in ("dataclass", "dataclasses", "define", "frozen"):
            return True
    return False


def _scan(tree: ast.Module) -> tuple[set[str], list[ast.ClassDef], list[tuple[str, tuple[str, ...], bool]]]:
    """One walk: class names handed to HfArgumentParser/tyro.cli and the like, the class
    definitions, and calls that build a capitalised class with keywords (`Cfg(depth=3)`, `Cfg(**d)`)."""
    parsed: set[str] = set()
    classes: list[ast.ClassDef] = nodes(tree, ast.ClassDef)
    constructs: list[tuple[str, tuple[str, ...], bool]] = []
    for node in nodes(tree, ast.Call):
        name = call_name(node)
        if name in _PARSERS:
            for arg in list(node.args) + [k.value for k in node.keywords]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Name) and sub.id[:1].isupper():
                        parsed.add(sub.id)
        elif name[:1].isupper() and node.keywords:
            constructs.append((name, tuple(k.arg for k in node.keywords if k.arg),
                               any(k.arg is None for k in node.keywords)))
    return parsed, classes, constructs


def _field_default(value: ast.expr | None) -> tuple[object, bool, str | None]:
    """(default, required, nested class name) of a field's right-hand side."""
    if value is None:
        return None, True, None
    if isinstance(value, ast.Call) and call_name(value) == "field":
        d = kwarg(value, "default")
        if d is not None:
            return literal(d), False, None
        factory = kwarg(value, "default_factory")
        if factory is None:
            return None, True, None
        if isinstance(factory, ast.Name):
            if factory.id in _FACTORIES:
                return _FACTORIES[factory.id], False, None
            return UNKNOWN, False, factory.id
        if isinstance(factory, ast.Lambda):
            return literal(factory.body), False, None
        return UNKNOWN, False, None
    return literal(value), False, None


def _annotation_class(ann: ast.expr) -> str | None:
    if isinstance(ann, ast.Name):
        return ann.id
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str) and ann.value.isidentifier():
        return ann.value
    if isinstance(ann, ast.Attribute):
        return ann.attr
    return None


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(knobs named by field, config classes with their (field, type) pairs, classes handed to a
    command-line parser here, keyword constructions of capitalised classes here)."""
    parsed, class_defs, constructs = _scan(tree)
    local = {n.name for n in class_defs}
    knobs: list[Knob] = []
    classes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for node in class_defs:
        if not _is_dataclass(node):
            continue
        if not (_CONFIG_NAME.search(node.name) or node.name in parsed):
            continue
        # fields of a class built on a library's class (transformers' TrainingArguments, ...) may be
        # read by that library, which stalelint does not see
        external = [b for b in node.bases if not (isinstance(b, ast.Name) and b.id in local | {"object"})]
        fields: list[tuple[str, str]] = []
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            ann = ast.unparse(stmt.annotation)
            if "ClassVar" in ann or "InitVar" in ann:
                continue
            name = stmt.target.id
            default, required, nested = _field_default(stmt.value)
            nested = nested or _annotation_class(stmt.annotation)
            fields.append((name, nested or ""))
            end = stmt.end_lineno or stmt.lineno
            knobs.append(Knob(
                name=name, kind="flag", system="dataclass", path=path, line=stmt.lineno,
                column=stmt.col_offset + 1, end_line=end, default=default, required=required,
                type_name=ann, owner=node.name, keep=keep_for(sups, stmt.lineno, end),
                external_base=bool(external),
            ))
        classes.append((node.name, tuple(fields)))
    return knobs, classes, sorted(parsed), constructs

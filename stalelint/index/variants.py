"""Model variants registered by name: decorators (`@register_model`, `@MODELS.register_module()`,
`@BACKBONE_REGISTRY.register()`, `@register_model_architecture("m", "arch")`) and dict literals
(`MODELS = {"resnet": ResNet, "vit": ViT}`). A decorator counts only when its registry is defined in
the repo; that is checked when files are linked, since the registry usually lives in another file."""
from __future__ import annotations

import ast

from ..model import Knob, Suppression
from .astutil import chain, keep_for, kwarg

_SKIP_CALLS = {"add_argument", "register", "register_module", "register_model", "DEFINE_string", "DEFINE_enum",
               "get", "getattr", "hasattr", "setattr", "print", "format", "join", "startswith", "endswith", "split",
               "replace", "warn", "info", "debug", "error", "warning", "append", "extend"}


def _registry_decorator(d: ast.expr) -> tuple[str, str | None] | None:
    """(registry symbol, explicit variant name) of a registering decorator, else None."""
    target = d.func if isinstance(d, ast.Call) else d
    parts = chain(target)
    if not parts or "register" not in parts[-1].lower():
        return None
    symbol = parts[0] if len(parts) > 1 else parts[-1]
    name = None
    if isinstance(d, ast.Call):
        named = kwarg(d, "name")
        if isinstance(named, ast.Constant) and isinstance(named.value, str):
            name = named.value
        else:
            strings = [a.value for a in d.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            name = strings[-1] if strings else None
    return symbol, name


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(variants, module-level names this file defines, string arguments of calls, bare names loaded)."""
    variants: list[Knob] = []
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    defined.add(t.id)
            value = node.value
            if isinstance(value, ast.Dict) and len(value.keys) >= 2 and targets and isinstance(targets[0], ast.Name) \
                    and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys) \
                    and all(isinstance(v, (ast.Name, ast.Attribute, ast.Lambda)) for v in value.values):
                for k, v in zip(value.keys, value.values):
                    end = v.end_lineno or k.lineno
                    variants.append(Knob(name=k.value, kind="variant", system="registry-dict", path=path,  # type: ignore
                                         line=k.lineno, column=k.col_offset + 1, end_line=end,
                                         owner=targets[0].id, keep=keep_for(sups, k.lineno, end)))
    strings: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                got = _registry_decorator(d)
                if got:
                    first = node.decorator_list[0].lineno
                    end = node.end_lineno or node.lineno
                    variants.append(Knob(name=got[1] or node.name, kind="variant", system="registry", path=path,
                                         line=first, column=node.col_offset + 1, end_line=end,
                                         owner=got[0], keep=keep_for(sups, first, node.lineno),
                                         aliases=(node.name,) if got[1] and got[1] != node.name else ()))
                    break
        elif isinstance(node, ast.Call):
            callee = chain(node.func) or [""]
            if callee[-1] in _SKIP_CALLS or "register" in callee[-1].lower() or callee[-1].startswith("DEFINE"):
                continue
            for a in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and len(a.value) <= 80:
                    strings.add(a.value)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
    return variants, sorted(defined), sorted(strings), sorted(names)

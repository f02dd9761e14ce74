"""Model variants registered by name: decorators (`@register_model`, `@MODELS.register_module()`,
`@BACKBONE_REGISTRY.register()`, `@register_model_architecture("m", "arch")`) and dict literals
(`MODELS = {"resnet": ResNet, "vit": ViT}`). A decorator counts only when its registry is defined in
the repo; that is checked when files are linked, since the registry usually lives in another file."""
from __future__ import annotations

import ast

from ..model import Knob, Suppression
from .astutil import call_name, chain, keep_for, kwarg, nodes, subtree

# registering decorators that are about tracing, hooks or serialisation, not about choosing by name
_NOT_VARIANTS = ("trace", "hook", "atexit", "pytree", "fake", "kernel", "autograd", "serializ", "custom_op",
                 "buffer", "parameter", "signal", "leaf", "dispatch", "converter", "lowering")


def _registry_decorator(d: ast.expr) -> tuple[str, str | None] | None:
    """(registry symbol, explicit variant name) of a registering decorator, else None."""
    target = d.func if isinstance(d, ast.Call) else d
    parts = chain(target)
    if not parts or "register" not in parts[-1].lower():
        return None
    dotted = ".".join(parts).lower()
    if any(word in dotted for word in _NOT_VARIANTS):
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


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted module, for module-level imports (`import nets.models as M`)."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def dynamic_dispatch(tree: ast.Module, strong_names: set[str],
                     aliases: dict[int, tuple[str, bool]] | None = None) -> list[tuple[str, str, int]]:
    """(module, flag, line) of `getattr(module, args.arch)` and `module.__dict__[args.arch]`, also
    through a local alias (`arch = args.arch; getattr(models, arch)`)."""
    from .reads import attribute_read

    modules = _aliases(tree)
    if not modules:
        return []  # only a module this file imports can be dispatched into
    out = []
    for node in nodes(tree, ast.Call, ast.Subscript):
        target = key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name):
            target, key = node.args[0].id, node.args[1]
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "__dict__" and isinstance(node.value.value, ast.Name):
            target, key = node.value.value.id, node.slice
        if target in modules and isinstance(key, ast.Attribute):
            got = attribute_read(key, strong_names)
            if got and got[1]:
                out.append((modules[target], got[0], node.lineno))
        elif target in modules and isinstance(key, ast.Name) and aliases and id(key) in aliases:
            got = aliases[id(key)]
            if got[1]:
                out.append((modules[target], got[0], node.lineno))
    return out


def top_definitions(tree: ast.Module) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of public module-level functions and classes."""
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            out.append((node.name, first, node.end_lineno or node.lineno))
    return out


def _constants(node: ast.AST) -> list[int]:
    """The ids of the constants under a node (only constants are ever looked up among exclusions)."""
    return [id(n) for n in subtree(node) if type(n) is ast.Constant]


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(variants, module-level names this file defines, string constants that code uses, bare names loaded)."""
    variants: list[Knob] = []
    defined: set[str] = set()
    registry_keys: list[int] = []  # the keys of the dicts that register variants (their registration)
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
                    registry_keys.append(id(k))
                    end = v.end_lineno or k.lineno
                    variants.append(Knob(name=k.value, kind="variant", system="registry-dict", path=path,  # type: ignore
                                         line=k.lineno, column=k.col_offset + 1, end_line=end,
                                         owner=targets[0].id, keep=keep_for(sups, k.lineno, end)))
    # string constants code uses: every one but those of a registration itself (a registry dict's
    # keys, a registering decorator's arguments, `choices=` and option names of add_argument, a DEFINE's
    # flag name and enum values) and of `__all__`, which says what exists, not what is used. A test's
    # `parametrize` list, an `assertEqual`, a list of names, a dict key, a default or a comparison elsewhere
    # all keep a registered name alive. A very common word (`"base"`, `"small"`, `"default"`) used for
    # something else may so keep a really stale variant alive: the right trade, since calling a used
    # variant stale is the worse error
    excluded: set[int] = set(registry_keys)
    strings: set[str] = set()
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        for d in node.decorator_list:
            got = _registry_decorator(d)
            if got:
                excluded.update(_constants(d))
                first = node.decorator_list[0].lineno
                end = node.end_lineno or node.lineno
                variants.append(Knob(name=got[1] or node.name, kind="variant", system="registry", path=path,
                                     line=first, column=node.col_offset + 1, end_line=end,
                                     owner=got[0], keep=keep_for(sups, first, node.lineno),
                                     aliases=(node.name,) if got[1] and got[1] != node.name else ()))
                break
    for node in nodes(tree, ast.Call):
        name = call_name(node)
        if name != "add_argument" and not name.startswith("DEFINE"):
            continue  # cheap test first; the chain decides
        callee = chain(node.func) or [""]
        if callee[-1] == "add_argument":
            excluded.update(id(a) for a in node.args)  # option strings
            for k in node.keywords:
                if k.arg == "choices":
                    excluded.update(_constants(k.value))
        elif callee[-1].startswith("DEFINE"):
            excluded.update(id(a) for a in node.args[:1])  # the flag's name
            enum = node.args[2] if "enum" in callee[-1] and len(node.args) > 2 else kwarg(node, "enum_values")
            if enum is not None:
                excluded.update(_constants(enum))
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                excluded.update(_constants(node.value))
    for node in nodes(tree, ast.Constant):
        if isinstance(node.value, str) and len(node.value) <= 80 and id(node) not in excluded:
            strings.add(node.value)
    for node in nodes(tree, ast.JoinedStr):
        # Open-Sora's `cfg.get(f"plugin{suffix}")` reads `plugin_ae`: an f-string that starts with a
        # word is kept as `plugin{}`, a prefix of the strings it makes (no registered name has braces)
        head = node.values[0] if node.values else None
        if len(node.values) >= 2 and isinstance(head, ast.Constant) and isinstance(head.value, str) \
                and 3 <= len(head.value) <= 80 and isinstance(node.values[1], ast.FormattedValue):
            strings.add(head.value + "{}")
    names = {node.id for node in nodes(tree, ast.Name) if isinstance(node.ctx, ast.Load)}
    return variants, sorted(defined), sorted(strings), sorted(names)

"""Flags that are function parameters: click options (`@click.option("--lr", default=0.1)`,
`--flag/--no-flag`), typer commands (`@app.command()`, `typer.run(main)`; `typer.Option(...)`
defaults) and fire (`fire.Fire(main)`). A parameter is read by its bare name inside its function."""
from __future__ import annotations

import ast
from bisect import bisect_left

from ..model import UNKNOWN, Knob, Read, Suppression
from ..names import option_to_dest
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes


def _click_knobs(fn: ast.FunctionDef, path: str, sups) -> list[Knob]:
    out = []
    for d in fn.decorator_list:
        if not isinstance(d, ast.Call) or (chain(d.func) or [""])[-1] != "option":
            continue
        decls = [a.value for a in d.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        options: list[str] = []
        name = None
        for decl in decls:
            for part in decl.split("/"):
                part = part.strip()
                if part.startswith("-"):
                    options.append(part)
                elif part.isidentifier():
                    name = part
        if not options:
            continue
        longs = [o for o in options if o.startswith("--")]
        name = name or option_to_dest(longs[0] if longs else options[0])
        default_node = kwarg(d, "default")
        is_flag = kwarg(d, "is_flag")
        boolean_pair = any("/" in decl for decl in decls)
        default = literal(default_node) if default_node is not None else (False if is_flag or boolean_pair else None)
        if boolean_pair:
            action = "BooleanOptionalAction"
        elif isinstance(is_flag, ast.Constant) and is_flag.value:
            action = "store_false" if default is True else "store_true"
        else:
            action = None
        required = kwarg(d, "required")
        end = d.end_lineno or d.lineno
        out.append(Knob(name=name, kind="flag", system="click", path=path, line=d.lineno, column=d.col_offset + 1,
                        end_line=end, default=default, action=action,
                        required=isinstance(required, ast.Constant) and required.value is True,
                        option_strings=tuple(options), owner=fn.name, keep=keep_for(sups, d.lineno, end)))
    return out


def _typer_default(node: ast.expr | None) -> tuple[object, bool]:
    """(default, required) of a typer/fire parameter default."""
    if node is None:
        return None, True
    if isinstance(node, ast.Call) and call_name(node) in ("Option", "Argument"):
        first = node.args[0] if node.args else kwarg(node, "default")
        if first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis):
            return None, True
        return literal(first), False
    return literal(node), False


def _param_knobs(fn: ast.FunctionDef, path: str, sups, system: str) -> list[Knob]:
    args = fn.args.args + fn.args.kwonlyargs
    defaults: list[ast.expr | None] = [None] * (len(fn.args.args) - len(fn.args.defaults)) + list(fn.args.defaults)
    defaults += list(fn.args.kw_defaults)
    out = []
    for arg, default_node in zip(args, defaults):
        if arg.arg in ("self", "cls", "ctx"):
            continue
        default, required = _typer_default(default_node)
        ann = ast.unparse(arg.annotation) if arg.annotation is not None else ""
        is_bool = "bool" in ann or isinstance(default, bool)
        dashed = "--" + arg.arg.replace("_", "-") if system == "typer" else "--" + arg.arg
        options = (dashed, "--no-" + arg.arg.replace("_", "-")) if is_bool and system == "typer" else (dashed,)
        node = default_node or arg
        end = getattr(node, "end_lineno", None) or arg.lineno
        out.append(Knob(name=arg.arg, kind="flag", system=system, path=path, line=arg.lineno,
                        column=arg.col_offset + 1, end_line=end, default=default, required=required,
                        positional=required and system == "typer",
                        action="BooleanOptionalAction" if is_bool and system == "typer" else None,
                        type_name=ann or None, option_strings=options, owner=fn.name,
                        keep=keep_for(sups, arg.lineno, end)))
    return out


def _entry_functions(tree: ast.Module) -> dict[str, str]:
    """Function name -> "typer" or "fire" for functions a CLI framework runs."""
    out: dict[str, str] = {}
    for node in nodes(tree, ast.Call, ast.FunctionDef, ast.AsyncFunctionDef):
        if isinstance(node, ast.Call):
            if call_name(node) not in ("run", "Fire"):
                continue  # cheap test first: most calls are neither
            parts = chain(node.func) or []
            if parts[-2:] in (["typer", "run"], ["fire", "Fire"]) or parts[-1:] == ["Fire"]:
                for a in node.args[:1]:
                    if isinstance(a, ast.Name):
                        out[a.id] = "typer" if parts[-2:] == ["typer", "run"] else "fire"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                parts = chain(target) or []
                if parts[-1:] in (["command"], ["callback"]) and parts[:1] != ["click"] \
                        and not any(isinstance(x, ast.Call) and (chain(x.func) or [""])[-1] == "option"
                                    for x in node.decorator_list):
                    out[node.name] = "typer"
    return out


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(knobs, reads, {function node: its knob names}, whether a fire entry point takes `**kwargs`)
    of click, typer and fire entry points. Fire hands every `--option` to `**kwargs` (LLaVA's
    `def main(task, **kwargs): globals()[task](**kwargs)`), so such a script accepts any option."""
    entries = _entry_functions(tree)
    knobs: list[Knob] = []
    reads: list[Read] = []
    scopes: list[tuple[ast.AST, frozenset[str]]] = []
    # a fire entry point defined elsewhere (llama-cookbook's `from llama_cookbook.finetuning import main;
    # fire.Fire(main)`, a `main(**kwargs)` that sets config fields by name): its options are not this file's to know
    defined = {n.name for n in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)}
    takes_any = any(kind == "fire" and name not in defined for name, kind in entries.items())
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        takes_any = takes_any or (entries.get(node.name) == "fire" and node.args.kwarg is not None)
        found = _click_knobs(node, path, sups)  # type: ignore[arg-type]
        if not found and node.name in entries:
            found = _param_knobs(node, path, sups, entries[node.name])  # type: ignore[arg-type]
        if not found:
            continue
        knobs.extend(found)
        names = frozenset(k.name for k in found)
        scopes.append((node, names))
        loaded = [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
        reads.extend(Read(n.id, path, n.lineno, n.col_offset + 1, True) for n in loaded if n.id in names)
        kwargs = node.args.kwarg.arg if node.args.kwarg is not None else None  # type: ignore[union-attr]
        if kwargs and any(n.id == kwargs for n in loaded):
            # click hands the options the function does not name to its `**kwargs`, which the body
            # passes on (edm's `def main(network_pkl, ..., **sampler_kwargs)`: `--rho` reaches
            # `edm_sampler(rho=7)` through `sampler_fn(..., **sampler_kwargs)`)
            named = {a.arg for a in node.args.args + node.args.kwonlyargs}  # type: ignore[union-attr]
            reads.extend(Read(k.name, path, node.lineno, node.col_offset + 1, True) for k in found if k.name not in named)
    return knobs, reads, scopes, takes_any


__all__ = ["extract", "UNKNOWN"]


_CLI_CALLS = {"CLI", "auto_cli"}


def signatures(tree: ast.Module) -> list[tuple[str, tuple[tuple[str, object, int, str, bool, bool], ...]]]:
    """(function, ((param, default, line, annotation, read in the body, required), ...)) of module-level
    functions: a jsonargparse `CLI` in another module may run them, which only linking can tell."""
    out = []
    loads: dict[str, list[tuple[int, int]]] | None = None
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
            continue
        args = node.args.args + node.args.kwonlyargs
        defaults: list[ast.expr | None] = [None] * (len(node.args.args) - len(node.args.defaults))
        defaults += list(node.args.defaults) + list(node.args.kw_defaults)
        if loads is None:
            loads = _loads_by_name(tree, _public_params(tree))
        # the function's source span, decorators included, holds exactly the names under it: the
        # statements of a module do not overlap (a walk of each function was 4% of a cold run)
        start = min([(node.lineno, node.col_offset)] + [(d.lineno, d.col_offset) for d in node.decorator_list])
        end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        loaded = {a.arg for a in args if _between(loads.get(a.arg), start, end)}
        params = []
        for arg, default in zip(args, defaults):
            if arg.arg in ("self", "cls"):
                continue
            value = literal(default) if default is not None else None
            ann = arg.annotation
            ann_name = ann.id if isinstance(ann, ast.Name) else ann.attr if isinstance(ann, ast.Attribute) else ""
            params.append((arg.arg, value, arg.lineno, ann_name, arg.arg in loaded, default is None))
        out.append((node.name, tuple(params)))
    return out


def _public_params(tree: ast.Module) -> set[str]:
    return {a.arg for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for a in node.args.args + node.args.kwonlyargs}


def _loads_by_name(tree: ast.Module, wanted: set[str]) -> dict[str, list[tuple[int, int]]]:
    """Name -> the sorted (line, column) of each place it is loaded, for the wanted names."""
    out: dict[str, list[tuple[int, int]]] = {}
    for n in nodes(tree, ast.Name):
        if n.id in wanted and isinstance(n.ctx, ast.Load):
            out.setdefault(n.id, []).append((n.lineno, n.col_offset))
    for places in out.values():
        places.sort()
    return out


def _between(places: list[tuple[int, int]] | None, start: tuple[int, int], end: tuple[int, int]) -> bool:
    if not places:
        return False
    i = bisect_left(places, start)
    return i < len(places) and places[i] < end


def cli_targets(tree: ast.Module) -> list[tuple[str, str]]:
    """(module or "", function) of what `jsonargparse.CLI(...)` runs: a function, or the values of a
    `{"name": function}` dict; "" means this module."""
    from .variants import _aliases

    aliases = _aliases(tree)
    dicts = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name) and isinstance(node.value, ast.Dict)}
    out: list[tuple[str, str]] = []

    def add(name_node: ast.expr) -> None:
        if isinstance(name_node, ast.Name):
            ref = aliases.get(name_node.id)
            if ref and "." in ref:
                out.append((ref.rsplit(".", 1)[0], ref.rsplit(".", 1)[1]))
            elif ref is None:
                out.append(("", name_node.id))
        elif isinstance(name_node, ast.Dict):
            for v in name_node.values:
                add(v)
        elif isinstance(name_node, (ast.List, ast.Tuple)):
            for v in name_node.elts:
                add(v)

    for node in nodes(tree, ast.Call):
        if call_name(node) in _CLI_CALLS and (chain(node.func) or [""])[-1] in _CLI_CALLS and node.args:
            first = node.args[0]
            add(dicts.get(first.id, first) if isinstance(first, ast.Name) else first)
    return out

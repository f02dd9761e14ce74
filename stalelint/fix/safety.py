"""Per-system reasons a flag's removal may break something stalelint cannot fold (plan.py asks).

Each function returns the reasons, as messages naming the place; none means nothing was found.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable

from ..index.astutil import chain, kwarg, literal
from ..model import Knob
from .params import PARAM_SYSTEMS

# systems whose flags are spelled on a command line (a command built in code may pass them)
CLI_SYSTEMS = ("argparse", "click", "typer", "fire", "jsonargparse", "absl")

Tree = Callable[[str], "ast.Module | None"]
Text = Callable[[str], "str | None"]


def _binds(node: ast.AST, name: str) -> bool:
    """Whether `node` (one AST node) binds or deletes the variable `name`."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return node.id == name
    if isinstance(node, ast.arg):
        return node.arg == name
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return name in node.names
    if isinstance(node, ast.alias):
        return (node.asname or node.name.split(".")[0]) == name
    if isinstance(node, ast.ExceptHandler):
        return node.name == name
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.MatchAs, ast.MatchStar)):
        return node.name == name
    return False


def _param_function(tree: ast.Module, k: Knob) -> tuple[ast.FunctionDef | None, str, int]:
    """(the function whose parameter is knob k, the name callers call it by, the parameter's position)."""
    leaf = k.name.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for fn in node.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                    for n, a in enumerate(fn.args.args):
                        if a.arg == leaf and a.lineno == k.line:
                            return fn, node.name, n - 1  # self
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = node.args.posonlyargs + node.args.args
            for n, a in enumerate(positional + node.args.kwonlyargs):
                if a.arg == leaf and (a.lineno == k.line or k.system == "click"):
                    if k.system == "click" and node.name != k.owner:
                        continue
                    return node, node.name, n if n < len(positional) else 10 ** 6  # type: ignore[return-value]
    return None, "", 0


def bare_name(tree: ast.Module, k: Knob) -> list[str]:
    """A flag read by its bare name (a module global, a parameter): anything else binding that name
    in the same scope would be folded too, or hide the fold; `locals()` would see it go."""
    leaf = k.name.rsplit(".", 1)[-1]
    out = []
    if k.system == "globals":
        for node in ast.walk(tree):
            if _binds(node, leaf) and getattr(node, "lineno", None) != k.line:
                out.append(f"{k.path}:{node.lineno} also binds `{leaf}`")  # type: ignore[attr-defined]
        return out
    fn, _, _ = _param_function(tree, k)
    if fn is None:
        kind = "a field of a gin-configurable class" if k.system == "gin" else "not a parameter stalelint can find"
        return [f"{k.path}:{k.line}: `{k.name}` is {kind}; edit it by hand"]
    for stmt in fn.body:
        for node in ast.walk(stmt):
            if _binds(node, leaf):
                out.append(f"{k.path}:{node.lineno} also binds `{leaf}` in {fn.name}()")  # type: ignore[attr-defined]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("locals", "vars") and not node.args:
                out.append(f"{k.path}:{node.lineno} reads {node.func.id}() in {fn.name}(), which would lose it")
    return out


def callers(k: Knob, own: ast.Module, calls: dict[str, list[tuple[str, ast.Call]]]) -> list[str]:
    """Calls that pass a parameter flag's function this parameter (by keyword, by position or
    from `**kwargs`): without the parameter they would fail. `calls`: every call, by callee name."""
    fn, name, position = _param_function(own, k)
    if fn is None:
        return []
    leaf = k.name.rsplit(".", 1)[-1]
    out = []
    for path, node in calls.get(name, ()):
        how = None
        if any(kw.arg == leaf for kw in node.keywords):
            how = f"with {leaf}="
        elif any(kw.arg is None for kw in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            how = "with arguments unpacked from *args/**kwargs"
        elif len(node.args) > position:
            how = "with it by position"
        if how:
            out.append(f"{path}:{node.lineno} calls {name}(...) {how}")
    return out


def _option_calls(k: Knob, tree: ast.Module) -> ast.Call | None:
    """The `@click.option(...)` decorator or `typer.Option(...)` default that defines k."""
    leaf = k.name.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node, "lineno", 0) == k.line and k.system == "click" \
                and (chain(node.func) or [""])[-1] == "option":
            return node
    if k.system == "typer":
        fn, _, _ = _param_function(tree, k)
        if fn is not None:
            args = fn.args.posonlyargs + fn.args.args
            defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
            pairs = list(zip(args, defaults)) + list(zip(fn.args.kwonlyargs, fn.args.kw_defaults))
            for a, d in pairs:
                if a.arg == leaf and isinstance(d, ast.Call):
                    return d
    return None


def option_call(k: Knob, tree: ast.Module) -> list[str]:
    """click/typer options whose value is not just their default: an environment variable, a
    callback, several values, or a string default converted by `type=`."""
    call = _option_calls(k, tree)
    if call is None:
        return []
    out = []
    where = f"{k.path}:{call.lineno}"
    if kwarg(call, "envvar") is not None or kwarg(call, "auto_envvar_prefix") is not None:
        out.append(f"{where}: it reads an environment variable, which a run may set")
    if kwarg(call, "callback") is not None:
        out.append(f"{where}: its callback may change the value")
    for many in ("multiple", "nargs", "count"):
        v = kwarg(call, many)
        if v is not None and literal(v) not in (False, 1, None):
            out.append(f"{where}: it takes `{many}=`, so its value is not its default as written")
    if kwarg(call, "type") is not None and isinstance(k.default, str):
        out.append(f"{where}: it converts its string default with type=")
    return out


def option_strings_in_code(k: Knob, literals: dict[str, list[tuple[str, int, str]]],
                           defined: set[tuple[str, int]] = frozenset()) -> list[str]:
    """Python files that spell one of the flag's options in a string (a command built in code, a
    test calling the parser): they would pass an option that is gone. `literals`: option -> each
    (path, line, text) that spells it; `defined`: (path, line) of flag definitions, which are not uses."""
    if k.system not in CLI_SYSTEMS:
        return []
    out = []
    for o in k.option_strings:
        spelled = literals.get(o, []) if o.startswith("-") and len(o) > 2 else []
        got = next((g for g in spelled if g[0] != k.path and (g[0], g[1]) not in defined), None)
        if got:
            out.append(f"{got[0]}:{got[1]} spells {got[2]} in code")
    return out


def absl_references(k: Knob, calls: dict[str, list[tuple[str, ast.Call]]], files: Iterable[str],
                    text: Text) -> list[str]:
    """absl calls that name the flag by string (`flags.mark_flag_as_required("x")`, validators,
    aliases, `FLAGS["x"]`): they fail at import once it is gone."""
    out = []
    for callee, found in calls.items():
        if callee.startswith("DEFINE_") and callee != "DEFINE_alias":
            continue
        for path, node in found:
            parts = chain(node.func) or []
            if len(parts) < 2 or not {"flags", "FLAGS", "absl_flags"} & set(parts[:-1]):
                continue
            if any(isinstance(a, ast.Constant) and a.value == k.name for a in ast.walk(node)):
                out.append(f"{path}:{node.lineno} names it in {'.'.join(parts)}()")
    quoted = (f'FLAGS["{k.name}"]', f"FLAGS['{k.name}']")
    for path in files:
        t = text(path) if path.endswith(".py") else None
        if t and any(q in t for q in quoted):
            out.append(f"{path} reads FLAGS[{k.name!r}]")
    return out


def assignment_statement(k: Knob, tree: ast.Module) -> list[str]:
    """yacs and ml_collections: only a whole `root.a.b = value` statement can go on its own."""
    if k.owner == "config.get":
        return [f"{k.path}:{k.line}: `{k.name}` is defined only by the fallback of `config.get(...)`, "
                "which is a read, not a definition; edit it by hand"]
    leaf = (k.option_strings[0] if k.system == "yacs" and k.option_strings else k.name).rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno == k.line:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and (chain(targets[0]) or [""])[-1] == leaf:
                return []
    return [f"{k.path}:{k.line}: `{k.name}` is set inside a larger literal (a dict or `CN({{...}})`), "
            "not by a statement of its own; edit it by hand"]


def hydra_key(k: Knob, text: str | None) -> list[str]:
    """A YAML key in a section with `_target_` is an argument `instantiate()` passes to a class:
    without it, the class's own default applies, which may differ."""
    if text is None:
        return [f"{k.path} cannot be read back"]
    try:
        import yaml

        data = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - the index read it; a failure here only means "unsafe"
        return [f"{k.path} cannot be read back"]
    from ..evidence.configs import BadConfig, NotAConfig, read_settings

    try:
        keys = [s.key for s in read_settings(k.path, text) if s.line == k.line]
    except (BadConfig, NotAConfig):
        keys = []
    if len(keys) != 1:
        return [f"{k.path}:{k.line}: more than one key on this line"]
    node, parts = data, keys[0].split(".")
    for p in parts[:-1]:
        if isinstance(node, dict) and "_target_" in node:
            break
        node = node.get(p) if isinstance(node, dict) else None
    if isinstance(node, dict) and "_target_" in node:
        return [f"{k.path}:{k.line}: its section has `_target_: {node['_target_']}`, so `instantiate()` passes it "
                "as an argument, and without it the class's own default applies"]
    return []


__all__ = ["PARAM_SYSTEMS", "bare_name", "callers", "option_call", "option_strings_in_code", "absl_references",
           "assignment_statement", "hydra_key"]

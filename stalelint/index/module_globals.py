"""nanoGPT-style globals: module-level literals that an `exec`'d configurator overrides
(`exec(open('configurator.py').read())`, or `config_keys = [k for k, v in globals().items() ...]`).
Each literal assigned before that point is a flag read by its bare name."""
from __future__ import annotations

import ast

from ..model import UNKNOWN, Knob, Read, Suppression
from .astutil import call_name, keep_for, literal, nodes


def _override_line(tree: ast.Module) -> int | None:
    """The line where the module hands its globals to a configurator, if it does."""
    if not any(call_name(n) in ("exec", "globals") for n in nodes(tree, ast.Call)):
        return None  # most modules: no need to walk each statement again
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # a function's `exec(code, globals_dict)` runs code in a sandbox (PRIME's test runner), not a configurator
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and call_name(node) == "exec":
                return stmt.lineno
            if isinstance(node, ast.Call) and call_name(node) == "globals" and isinstance(stmt, ast.Assign) \
                    and not any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets):
                # (detectron2's `__all__ = [k for k in globals().keys() ...]` lists what a star
                # import takes: its module's constants are imported by name, not overridden)
                return stmt.lineno
    return None


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> tuple[list[Knob], list[Read]]:
    until = _override_line(tree)
    if until is None:
        return [], []
    knobs: dict[str, Knob] = {}
    for stmt in tree.body:
        if stmt.lineno >= until:
            break
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            target, value = stmt.target.id, stmt.value
        else:
            continue
        default = literal(value)
        if target.startswith("_") or default is UNKNOWN or not isinstance(default, (int, float, bool, str, type(None))):
            continue
        end = stmt.end_lineno or stmt.lineno
        knobs[target] = Knob(name=target, kind="flag", system="globals", path=path, line=stmt.lineno,
                             column=stmt.col_offset + 1, end_line=end, default=default,
                             option_strings=(f"--{target}",), owner="<module>", keep=keep_for(sups, stmt.lineno, end))
    reads = [Read(node.id, path, node.lineno, node.col_offset + 1, True) for node in nodes(tree, ast.Name)
             if isinstance(node.ctx, ast.Load) and node.id in knobs]
    return list(knobs.values()), reads

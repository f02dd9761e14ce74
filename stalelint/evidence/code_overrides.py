"""Overrides written in code as literal lists: yacs/fvcore `cfg.merge_from_list(["MODEL.DEPTH", 101, ...])`.
Each call is one experiment of the file it is in (a tool or a test that runs a configuration); a
list built at run time (`merge_from_list(args.opts)`) is a launch's business, not evidence here."""
from __future__ import annotations

import ast
import warnings

from ..index.astutil import literal
from ..model import Setting


def merge_lists(path: str, text: str) -> list[tuple[int, list[Setting]]]:
    """(line, settings) of every `merge_from_list` call with a literal list of key, value pairs."""
    if "merge_from_list" not in text:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the index reports the file
    out: list[tuple[int, list[Setting]]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "merge_from_list" and node.args
                and isinstance(node.args[0], (ast.List, ast.Tuple))):
            continue
        elts = node.args[0].elts
        keys = [literal(e) for e in elts[0::2]]
        if len(elts) % 2 or not all(isinstance(k, str) for k in keys):
            continue
        settings = [Setting(k, literal(v), node.lineno) for k, v in zip(keys, elts[1::2])]
        if settings:
            out.append((node.lineno, settings))
    return out

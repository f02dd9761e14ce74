"""yacs / fvcore / detectron2 CfgNode configs: `_C = CN()`, `_C.MODEL = CN()`, `_C.MODEL.DEPTH = 50`.

Each leaf assignment under a CfgNode root is a knob named by its dotted path in lower case
(`model.depth`), since experiments spell it `MODEL.DEPTH` in YAML and `opts` lists and the one
normaliser lower-cases; the spelling as written is kept in `option_strings` for messages.

Roots are names assigned a `CN()`/`CfgNode()` call, and the `cfg` parameter of functions that
extend a config (`def add_pointrend_config(cfg): _C = cfg; _C.MODEL.POINT_HEAD = CN()`), the
detectron2 convention for project configs. Other assignments through `cfg` in code (`cfg.MODEL.
WEIGHTS = args.weights` in a training script) are code deciding a value, not definitions.
"""
from __future__ import annotations

import ast
import re

from ..model import UNKNOWN, Knob, Suppression
from .astutil import call_name, chain, keep_for, literal, nodes

_NODE_CALLS = {"CN", "CfgNode", "ConfigNode"}
OPEN = "new_allowed"  # the action of a knob standing for a `CN(new_allowed=True)` section
# functions that extend a config in place: add_x_config(cfg), add_config(cfg), extend_cfg(cfg)
_EXTENDER = re.compile(r"^(add|extend|register)_?\w*_?(config|cfg)s?$|_(config|cfg)_defaults?$", re.IGNORECASE)


def _is_node_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and call_name(node) in _NODE_CALLS


def _dict_leaves(node: ast.expr, prefix: str) -> list[tuple[str, ast.expr]]:
    """`CN({"A": 1, "B": {"C": 2}})` -> [("prefix.A", 1), ("prefix.B.C", 2)]."""
    out: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Call) and _is_node_call(node):
        node = node.args[0] if node.args else ast.Dict(keys=[], values=[])
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                if isinstance(v, ast.Dict) or _is_node_call(v):
                    out.extend(_dict_leaves(v, f"{prefix}.{k.value}"))
                else:
                    out.append((f"{prefix}.{k.value}", v))
    return out


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, sups: tuple[Suppression, ...]):
        self.path, self.sups = path, sups
        self.roots: list[set[str]] = [set()]
        self.given: list[set[str]] = [set()]  # roots that are an extender's parameter (a config made elsewhere)
        self.knobs: dict[str, Knob] = {}
        self.defined: set[str] = set()  # dotted names (as written) defined here
        self.targets: set[tuple[int, int]] = set()  # (line, column) of the assignment targets that define

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        roots, given = set(self.roots[-1]), set(self.given[-1])
        if _EXTENDER.search(node.name):
            given |= {a.arg for a in node.args.args if a.arg in ("cfg", "config", "_C", "C")}
            roots |= given
        self.roots.append(roots)
        self.given.append(given)
        self.generic_visit(node)
        self.roots.pop()
        self.given.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assign(target, node.value, node)
        self.generic_visit(node)

    def _assign(self, target: ast.expr, value: ast.expr, stmt: ast.stmt) -> None:
        roots = self.roots[-1]
        if isinstance(target, ast.Name):
            if _is_node_call(value):
                roots.add(target.id)
                for dotted, v in _dict_leaves(value, ""):
                    self._knob(dotted.lstrip("."), v, stmt)
            elif isinstance(value, ast.Name) and value.id in roots:
                roots.add(target.id)  # `_C = cfg`
                if value.id in self.given[-1]:
                    self.given[-1].add(target.id)
            return
        parts = chain(target)
        if not parts or parts[0] not in roots or len(parts) < 2:
            return
        dotted = ".".join(parts[1:])
        self.targets.add((target.lineno, target.col_offset))
        if _is_node_call(value):
            for sub, v in _dict_leaves(value, dotted):
                self._knob(sub, v, stmt)
            self.defined.add(dotted)
            if any(k.arg == "new_allowed" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in value.keywords):  # type: ignore[union-attr]
                # an open section: experiments add keys of their own under it (a mapping of names)
                self._knob(dotted, ast.Dict(keys=[], values=[]), stmt, action=OPEN)
            return
        section = dotted.rsplit(".", 1)[0] if "." in dotted else ""
        # `cfg.SOLVER.WEIGHT_DECAY_EMBED = 0.0` on a config made elsewhere, whose SOLVER this file
        # never made: a key added to the library's section
        foreign = section if parts[0] in self.given[-1] and section and section not in self.defined else ""
        self._knob(dotted, value, stmt, library_section=foreign)

    def _knob(self, dotted: str, value: ast.expr, stmt: ast.stmt, action: str | None = None,
              library_section: str = "") -> None:
        self.defined.add(dotted)
        end = stmt.end_lineno or stmt.lineno
        default = literal(value)
        name = dotted.lower()
        # a later assignment of the same key (a project overriding a default) keeps the first definition
        if name in self.knobs:
            return
        self.knobs[name] = Knob(
            name=name, kind="flag", system="yacs", path=self.path, line=stmt.lineno, column=stmt.col_offset + 1,
            end_line=end, default=default, type_name=type(default).__name__ if default is not UNKNOWN else None,
            option_strings=(dotted,), owner="CfgNode", keep=keep_for(self.sups, stmt.lineno, end), action=action,
            library_section=library_section,
        )


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) \
        -> tuple[list[Knob], set[str], set[tuple[int, int]]]:
    """(CfgNode knobs, the dotted names this file defines, and where: the (line, column) of each
    assignment target through a root, so that only those are not taken for code writes. Swin's
    `update_config(config, args)` assigns `config.DATA.BATCH_SIZE = args.batch_size` in the file
    that defines `_C.DATA.BATCH_SIZE = 128`: code deciding the value, not a second definition.)"""
    # a root comes only from a CN() call or a config-extending function: most files have neither,
    # and skipping the scope-tracking visit for them was 14% of a cold check of timm
    if not any(call_name(n) in _NODE_CALLS for n in nodes(tree, ast.Call)) \
            and not any(_EXTENDER.search(n.name) for n in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [], set(), set()
    v = _Visitor(path, sups)
    v.visit(tree)
    # a section assigned a CN() is not itself a knob; an open one is, also where it defines keys of
    # its own (CvT's `_C.AUG.TIMM_AUG = CN(new_allowed=True)` then `_C.AUG.TIMM_AUG.USE_LOADER = False`:
    # its recipes add `RE_PROB`, `HFLIP`, ... which yacs merges and build.py reads)
    sections = {k for k, knob in v.knobs.items() if knob.action != OPEN
                and any(other.startswith(k + ".") for other in v.knobs)}
    return [k for n, k in v.knobs.items() if n not in sections], v.defined, v.targets


__all__ = ["extract", "UNKNOWN"]

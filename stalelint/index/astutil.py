"""Small helpers over `ast` nodes shared by the extractors."""
from __future__ import annotations

import ast
import re
from typing import Any, Iterable

from ..model import UNKNOWN, Suppression

# names that conventionally hold a parsed config or argument namespace
CONFIG_NAMES = frozenset({
    "args", "arg", "opt", "opts", "option", "options", "cfg", "config", "conf", "configs", "hparams",
    "hp", "hps", "hparam", "params", "hyperparams", "hyperparameters", "flags", "FLAGS", "cli_args",
    "train_args", "training_args", "model_args", "data_args", "script_args", "parsed_args", "settings",
    "train_config", "training_config", "model_config", "data_config", "run_config", "exp_config",
    "train_cfg", "model_cfg", "data_cfg", "args_cli", "cmd_args", "namespace",
})


_ARITH = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
          ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}


# fields never worth visiting: expression contexts and operators are shared singletons that no
# extractor looks for (a third of all nodes), and a Name's or Constant's other fields hold no nodes
_SKIP_FIELDS = frozenset({"ctx", "op", "ops"})
_LEAVES = (ast.Name, ast.Constant)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_NODE = ast.AST.__instancecheck__

_WALKS: dict[int, tuple[ast.AST, list[ast.AST], dict[type, list[int]]]] = {}


def _walk(tree: ast.AST) -> tuple[list[ast.AST], dict[type, list[int]]]:
    hit = _WALKS.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1], hit[2]
    out: list[ast.AST] = [tree]
    positions: dict[type, list[int]] = {}
    append, extend, AST, fields_of, is_node = out.append, out.extend, ast.AST, _CHILD_FIELDS, _IS_NODE
    i = 0
    for node in out:  # the list grows while it is iterated: breadth-first
        kind = type(node)
        at = positions.get(kind)
        if at is None:
            positions[kind] = [i]
        else:
            at.append(i)
        i += 1
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = () if kind in _LEAVES else \
                tuple(f for f in kind._fields if f not in _SKIP_FIELDS)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                append(value)
            elif type(value) is list:
                extend(filter(is_node, value))
    _WALKS[id(tree)] = (tree, out, positions)  # holding the tree keeps its id from being reused
    return out, positions


def walk(tree: ast.AST) -> list[ast.AST]:
    """Every node under `tree` in `ast.walk`'s breadth-first order, as one list, computed once per
    tree while a file is indexed (`index_file` calls `forget_walks` around each file; a fix keeps the
    walk of the text the next fix starts from, fix/engine.py `make`). Expression
    contexts and operators (`ast.Load`, `ast.Add`, ...) are left out: read them from their parent.

    Every extractor walks the module: seven separate `ast.walk`s were 55% of a cold check
    (py-spy on pytorch-image-models). One shared walk, without `ast.walk`'s generator per node,
    costs less than one of them."""
    return _walk(tree)[0]


def nodes(tree: ast.AST, *types: type) -> list[Any]:
    """The nodes of exactly these types under `tree`, in `walk` order. The walk records where each
    type occurs, so an extractor looks only at the nodes it reads (a Call-only pass over timm sees
    5% of the nodes) instead of testing every node of the module."""
    out, positions = _walk(tree)
    if len(types) == 1:
        at = positions.get(types[0], ())
    else:
        at = sorted([i for t in types for i in positions.get(t, ())])
    return list(map(out.__getitem__, at))


def subtree(node: ast.AST) -> list[ast.AST]:
    """`walk` of a small part of a tree (a decorator, a comparison), not remembered."""
    out: list[ast.AST] = [node]
    append, extend, AST, fields_of, is_node = out.append, out.extend, ast.AST, _CHILD_FIELDS, _IS_NODE
    for node in out:
        kind = type(node)
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = () if kind in _LEAVES else \
                tuple(f for f in kind._fields if f not in _SKIP_FIELDS)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                append(value)
            elif type(value) is list:
                extend(filter(is_node, value))
    return out


def forget_walks(keep: Iterable[ast.AST] = ()) -> None:
    """Let go of the walks (but those of the trees in `keep`, which the caller will walk again)."""
    kept = [(id(t), hit) for t in keep if (hit := _WALKS.get(id(t))) is not None and hit[0] is t]
    _WALKS.clear()
    _WALKS.update(kept)


def literal(node: ast.AST | None) -> Any:
    """The value of a literal expression, `dict(a=1)` calls and arithmetic on numbers (`5 * 8`,
    `6e-4 / 10`) included; UNKNOWN otherwise. Never evaluates anything else."""
    if node is None:
        return UNKNOWN
    kind = type(node)
    # the common cases without literal_eval, whose failure on a name costs an exception
    if kind is ast.Constant:
        return node.value  # type: ignore[attr-defined]
    if kind is ast.Name or kind is ast.Attribute:
        return UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        left, right = literal(node.left), literal(node.right)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)) \
                and not isinstance(left, bool) and not isinstance(right, bool):
            try:
                value = _ARITH[type(node.op)](left, right)
            except (ZeroDivisionError, OverflowError):
                return UNKNOWN
            return value
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("dict", "list", "tuple") \
            and not any(k.arg is None for k in node.keywords):
        if node.func.id == "dict" and not node.args:
            out = {k.arg: literal(k.value) for k in node.keywords}
            return UNKNOWN if any(v is UNKNOWN for v in out.values()) else out
        if not node.keywords and len(node.args) <= 1:
            inner = literal(node.args[0]) if node.args else ()
            if inner is UNKNOWN:
                return UNKNOWN
            try:
                return {"dict": dict, "list": list, "tuple": tuple}[node.func.id](inner)
            except (TypeError, ValueError):
                return UNKNOWN
        return UNKNOWN
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def chain(node: ast.AST) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; None when the chain does not start at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def call_name(node: ast.Call) -> str:
    """`parser.add_argument(...)` -> "add_argument"; `foo(...)` -> "foo"."""
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def kwarg(node: ast.Call, name: str) -> ast.expr | None:
    for k in node.keywords:
        if k.arg == name:
            return k.value
    return None


def segment(source_lines: list[str], node: ast.AST) -> str:
    """The source text of a node, on one line."""
    try:
        lines = source_lines[node.lineno - 1: node.end_lineno]
        if len(lines) == 1:
            return lines[0][node.col_offset: node.end_col_offset]
        lines = [lines[0][node.col_offset:]] + lines[1:-1] + [lines[-1][: node.end_col_offset]]
        return " ".join(s.strip() for s in lines)
    except (AttributeError, TypeError, IndexError):
        return ""


_KEEP = re.compile(r"#\s*stalelint:\s*keep\b(?:\s*[\[:(]?\s*((?:STL\d*[\s,]*)+)[\])]?)?", re.IGNORECASE)


def suppressions(source: str) -> tuple[Suppression, ...]:
    """`# stalelint: keep` (every code) or `# stalelint: keep[STL102, STL301]` on a line."""
    out = []
    if "stalelint" not in source:
        return ()
    for i, text in enumerate(source.splitlines(), 1):
        if "#" not in text:
            continue
        m = _KEEP.search(text)
        if m:
            codes = tuple(c.upper() for c in re.findall(r"STL\d*", m.group(1) or "", re.IGNORECASE))
            out.append(Suppression(i, codes))
    return tuple(out)


def keep_for(sups: tuple[Suppression, ...], start: int, end: int) -> tuple[str, ...] | None:
    """The codes kept for a definition spanning lines start..end (None when not kept)."""
    kept: list[str] = []
    found = False
    for s in sups:
        if start <= s.line <= end:
            if not s.codes:
                return ()
            found = True
            kept.extend(s.codes)
    return tuple(kept) if found else None


def module_name(path: str) -> str:
    """`src/pkg/train.py` -> `src.pkg.train`; `pkg/__init__.py` -> `pkg`."""
    mod = path[:-3] if path.endswith(".py") else path
    mod = mod.replace("/", ".")
    if mod.endswith(".__init__"):
        mod = mod[: -len(".__init__")]
    return mod

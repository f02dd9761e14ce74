"""How deeply libcst would nest a file's tree, measured before libcst is given it.

libcst's native parser recurses once per level, on the C stack: a chain of 10,000 `or`s, which
`ast` keeps flat, overflows it and kills the process (a segfault, no exception to catch). Its
visitors recurse in Python, several frames a level: 300 nested subscripts, which `ast` accepts,
raise RecursionError in a fix's transformer. The deepest of 439 files in four real research repos
(timm, cleanrl, nanoGPT, lightning-hydra-template) is 29 levels; LIMIT leaves room over that.
"""
from __future__ import annotations

import ast

LIMIT = 100


def depth(tree: ast.AST) -> int:
    """The deepest path through the tree, counting each operand of an `and`/`or` chain as a level
    (libcst nests them two at a time). Iterative: the tree may be deeper than Python's stack."""
    deepest = 0
    todo = [(tree, 0)]
    while todo:
        node, d = todo.pop()
        d += 1 + (len(node.values) - 2 if isinstance(node, ast.BoolOp) else 0)
        deepest = max(deepest, d)
        todo.extend((child, d) for child in ast.iter_child_nodes(node))
    return deepest


def too_deep(text: str, tree: ast.Module | None = None) -> str | None:
    """Why libcst must not be given `text`, or None (`tree`: its `ast.parse`, if the caller has it)."""
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return "Python cannot parse it"
    levels = depth(tree)
    return f"it nests {levels:,} levels deep, over the {LIMIT:,} libcst can rewrite safely" if levels > LIMIT else None

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
    (libcst nests them two at a time). Iterative: the tree may be deeper than Python's stack.
    The children are those of `ast.iter_child_nodes`, read without its two generators a node (asked
    of every file a fix touches: 1.61 -> 0.59 s over the 712 Python files of the benchmark repos and
    stalelint, the same depth for each)."""
    deepest = 0
    todo = [(tree, 0)]
    pop, push, node_type = todo.pop, todo.append, ast.AST
    while todo:
        node, d = pop()
        d += 1 + (len(node.values) - 2 if isinstance(node, ast.BoolOp) else 0)
        if d > deepest:
            deepest = d
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                push((value, d))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        push((item, d))
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

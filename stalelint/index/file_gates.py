"""`index_file(path, source, tree).gates`, without the rest of the index.

A fix that removes a branch finds its gate again in the text the fixes before it left (fix/engine.py
`_remove_arm`); the whole index of that text cost a tenth of a cleanrl `fix --apply` (25 files, 44
fixes), and a gate needs five of its twenty-odd extractors. The gates are the same list, in the same
order, from the same extractors given the same inputs, each computed as `_index_file` computes it.
"""
from __future__ import annotations

import ast

from ..model import Gate
from . import functions, gates, module_globals
from . import gin as gin_params
from .astutil import suppressions
from .file_reads import parsed, strong_names


def file_gates(path: str, source: str, tree: ast.Module | None = None) -> tuple[Gate, ...]:
    """The gates `index_file` gives the file (`tree`: its `ast.parse`, if the caller has it)."""
    tree = parsed(path, source, tree)
    if tree is None:
        return ()  # index_file: an STL901 error, no gates
    try:
        sups = suppressions(source)
        lines = source.splitlines()
        strong = strong_names(tree, path, sups)
        global_names = frozenset(k.name for k in module_globals.extract(tree, path, sups)[0])
        scopes = functions.extract(tree, path, sups)[2]
        gated = gates.extract(tree, path, strong, lines, global_names, gates.local_aliases(tree, strong, global_names))
        seen = {(g.line, g.column, g.name, g.op) for g in gated}
        for scope, names in scopes:
            gated += [g for g in gates.extract(scope, path, strong, lines, names)
                      if (g.line, g.column, g.name, g.op) not in seen]
        gin_gates = gin_params.extract(tree, path, sups, lines)[2]
    except RecursionError:
        # index_file has none then; only what this skips could differ, so ask it
        from . import index_file

        return index_file(path, source, tree).gates
    return tuple(gated + gin_gates)

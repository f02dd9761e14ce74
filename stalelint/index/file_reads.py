"""`index_file(path, source, tree).reads`, without the rest of the index.

A fix asks what a file reads after every rewrite (fix/orphans.py: did it leave a flag unread?);
the whole index of a file costs about twice its reads (argparse's flags, the whole-config uses,
gates and variants are not needed for them). The reads are the same list, in the same order, from
the same extractors given the same inputs: each input a read depends on is computed as
`_index_file` computes it (the strong names from this file's config classes), and the inputs that
only change what else the extractors return (`reads.extract`'s known views and definitions decide
its splat flag and its writes) are left out.
"""
from __future__ import annotations

import ast
import warnings
from typing import Callable

from ..model import Read, Suppression
from . import absl as absl_flags
from . import dataclass as dataclass_fields
from . import functions, module_globals, reads
from . import gin as gin_params
from . import pydantic as pydantic_fields
from .astutil import suppressions


def parsed(path: str, source: str, tree: ast.Module | None) -> ast.Module | None:
    """`tree`, else the source parsed as `_index_file` parses it; None where it reports STL901."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tree or ast.parse(source, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def strong_names(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> set[str]:
    """The names holding a config, as `_index_file` finds them: from the file's own config classes."""
    _, classes, *_ = dataclass_fields.extract(tree, path, sups)
    _, model_classes = pydantic_fields.extract(tree, path, sups)
    return reads.config_names(tree, {c for c, _ in classes + model_classes})


def file_reads(path: str, source: str, tree: ast.Module | None = None,
               extract: Callable[[ast.Module, str, set[str]], list[Read]] | None = None) -> tuple[Read, ...]:
    """The reads `index_file` gives the file (the shared walk is left to the caller: the tree is
    often walked again by the fix that made it). `extract`: `reads.extract`'s reads, where the
    caller keeps them."""
    tree = parsed(path, source, tree)
    if tree is None:
        return ()  # index_file: an STL901 error, no reads
    try:
        sups = suppressions(source)
        strong = strong_names(tree, path, sups)
        found = list(extract(tree, path, strong) if extract else reads.extract(tree, path, strong)[0])
        global_reads = module_globals.extract(tree, path, sups)[1]
        param_reads = functions.extract(tree, path, sups)[1] + dataclass_fields.body_reads(tree, path)
        holder_reads = absl_flags.extract(tree, path, sups)[1]
        gin_reads = gin_params.extract(tree, path, sups, source.splitlines())[1]
    except RecursionError:
        # index_file has none then; only what this skips could differ, so ask it
        from . import index_file

        return index_file(path, source, tree).reads
    return tuple(found + global_reads + param_reads + holder_reads + gin_reads)

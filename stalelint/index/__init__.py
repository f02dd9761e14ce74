"""Static extraction with the standard library's `ast`: fast, and a pure function of a file's text
(so it can be cached and run in parallel). Never imports or executes the analysed code."""
from __future__ import annotations

import ast
import warnings
from dataclasses import replace

from ..model import FileIndex, Index, Knob, Problem
from . import argparse as argparse_flags
from . import dataclass as dataclass_fields
from . import gates, reads
from .astutil import module_name, suppressions, walk


def _imports(tree: ast.Module, path: str, nodes: list[ast.AST] | None = None) -> list[str]:
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    out: list[str] = []
    for node in walk(tree) if nodes is None else nodes:
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            out.append(prefix)
            out.extend(f"{prefix}.{a.name}" if prefix else a.name for a in node.names if a.name != "*")
    return sorted({m for m in out if m})


def index_file(path: str, source: str) -> FileIndex:
    """Everything stalelint needs from one Python file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in the analysed code
            tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        return FileIndex(path=path, errors=(Problem("STL901", path, f"cannot parse Python ({where}): {exc.msg}",
                                                    exc.lineno),))
    except (ValueError, MemoryError, RecursionError) as exc:
        return FileIndex(path=path, errors=(Problem("STL901", path, f"cannot parse Python: {exc}"),))
    try:
        sups = suppressions(source)
        lines = source.splitlines()
        nodes = walk(tree)  # one walk shared by every extractor
        flags, known_args = argparse_flags.extract(tree, path, sups, nodes)
        fields, classes = dataclass_fields.extract(tree, path, sups, nodes)
        strong = reads.config_names(tree, {c for c, _ in classes}, nodes)
        found, splat, params = reads.extract(tree, path, strong, nodes)
        gated = gates.extract(tree, path, strong, lines, nodes)
        imported = _imports(tree, path, nodes)
    except RecursionError:
        return FileIndex(path=path, errors=(Problem("STL901", path, "too deeply nested to analyse"),))
    return FileIndex(path=path, knobs=tuple(flags + fields), reads=tuple(found), gates=tuple(gated),
                     imports=tuple(imported), suppressions=sups, splats=splat,
                     parameters=tuple(params), known_args=known_args, config_classes=tuple(classes))


def _nested_names(files: list[FileIndex]) -> dict[str, list[str]]:
    """Config class -> the dotted prefixes it is reached by (`TrainConfig.model: ModelConfig` gives
    ModelConfig the prefix `model`). Top-level classes have the prefix ''."""
    fields_of = {cls: fields for f in files for cls, fields in f.config_classes}
    parents: dict[str, list[tuple[str, str]]] = {}
    for cls, fields in fields_of.items():
        for field_name, type_name in fields:
            if type_name in fields_of and type_name != cls:
                parents.setdefault(type_name, []).append((cls, field_name))
    prefixes: dict[str, list[str]] = {}

    def resolve(cls: str, depth: int = 0) -> list[str]:
        if cls in prefixes:
            return prefixes[cls]
        if depth > 10 or cls not in parents:
            return [""]
        out = [f"{p}.{field}" if p else field for parent, field in parents[cls] for p in resolve(parent, depth + 1)]
        prefixes[cls] = out
        return out

    return {cls: resolve(cls) for cls in fields_of}


def _module_files(paths: list[str]) -> dict[str, str]:
    """Every dotted module name a file can be imported by (`src/pkg/a.py` as `src.pkg.a`, `pkg.a`, `a`)."""
    out: dict[str, str] = {}
    for p in sorted(paths, key=lambda p: p.count("/"), reverse=True):
        parts = module_name(p).split(".")
        for i in range(len(parts)):
            out[".".join(parts[i:])] = p
    return out


def link(files: list[FileIndex], errors: list[Problem]) -> Index:
    prefixes = _nested_names(files)
    sections = {(cls, name) for f in files for cls, fields in f.config_classes for name, t in fields if t in prefixes}
    knobs: list[Knob] = []
    for f in files:
        for k in f.knobs:
            if k.system == "dataclass":
                if (k.owner, k.name) in sections:
                    continue  # a nested config section, not a flag: its fields are the knobs
                for prefix in prefixes.get(k.owner, [""])[:1]:
                    if prefix:
                        k = replace(k, name=f"{prefix}.{k.name}", aliases=k.aliases + (k.name,))
            knobs.append(k)
    modules = _module_files([f.path for f in files])
    imports = {f.path: tuple(sorted({modules[m] for m in f.imports if m in modules} - {f.path})) for f in files}
    file_errors = [e for f in files for e in f.errors]
    return Index(files=tuple(files), knobs=tuple(knobs), imports=imports, errors=tuple(errors + file_errors))

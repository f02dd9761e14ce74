"""Static extraction with the standard library's `ast`: fast, and a pure function of a file's text
(so it can be cached and run in parallel). Never imports or executes the analysed code."""
from __future__ import annotations

import ast
import warnings
from dataclasses import replace

from ..graph import closure
from ..model import FileIndex, Index, Knob, Problem, Read, evolve
from ..names import normalize
from ..newer_syntax import explain
from . import absl as absl_flags
from . import argparse as argparse_flags
from . import dataclass as dataclass_fields
from . import bases as class_bases
from . import class_uses, dicts, functions, gates, holders, hydra, module_globals, reads, self_writes, variants, wholes
from . import gin as gin_params
from . import mlcollections, omegaconf_trees, yacs
from . import pydantic as pydantic_fields
from .astutil import forget_walks, module_name, nodes, suppressions
from .dataclass import Classes


def _imports(tree: ast.Module, path: str) -> list[str]:
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    out: list[str] = []
    for node in nodes(tree, ast.Import, ast.ImportFrom):
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


def _factories(tree: ast.Module, path: str, written: tuple[str, ...]) -> tuple[str, ...]:
    """The dotted names of imported functions that made a parser this file adds options to
    (`from detectron2.engine import default_argument_parser`); one defined here is left out."""
    if not written:
        return ()
    imported = holders.imported_names(tree, path)
    out = set()
    for w in written:
        head, _, rest = w.partition(".")
        if head in imported:
            out.add(imported[head] + ("." + rest if rest else ""))
    return tuple(sorted(out))


def _is_entry(tree: ast.Module) -> bool:
    """A script rather than a library module: a `__main__` guard, or calls made at import time."""
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "__main__" in ast.dump(stmt.test):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return True
    return False


def index_file(path: str, source: str, tree: ast.Module | None = None) -> FileIndex:
    """Everything stalelint needs from one Python file (`tree`: its `ast.parse`, if the caller has it;
    nothing here changes it)."""
    forget_walks()
    try:
        return _index_file(path, source, tree)
    finally:
        forget_walks()  # the shared walk holds the whole tree: let it go with the file


def _index_file(path: str, source: str, tree: ast.Module | None = None) -> FileIndex:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in the analysed code
            tree = tree or ast.parse(source, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        why = explain(exc, source) or exc.msg
        return FileIndex(path=path, errors=(Problem("STL901", path, f"cannot parse Python ({where}): {why}",
                                                    exc.lineno),))
    except (ValueError, MemoryError, RecursionError) as exc:
        # MemoryError is CPython's parser running out of its own stack: it has no message
        return FileIndex(path=path, errors=(Problem("STL901", path,
                                                    f"cannot parse Python: {str(exc) or 'too deeply nested'}"),))
    try:
        sups = suppressions(source)
        lines = source.splitlines()
        flags, known_args, extended, factories = argparse_flags.extract(tree, path, sups)
        factories = _factories(tree, path, factories)
        fields, classes, parsed, constructs, maybe_fields, maybe_classes, bases = \
            dataclass_fields.extract(tree, path, sups)
        models, model_classes = pydantic_fields.extract(tree, path, sups)
        classes = classes + model_classes
        strong = reads.config_names(tree, {c for c, _ in classes})
        imported = holders.imported_names(tree, path)
        whole_uses, known_views = wholes.extract(tree, imported, strong)
        cfg_nodes, _, node_targets = yacs.extract(tree, path, sups)
        found, splat, params, writes = reads.extract(tree, path, strong, known_views, node_targets)
        global_flags, global_reads = module_globals.extract(tree, path, sups)
        param_flags, param_reads, scopes, takes_any_option = functions.extract(tree, path, sups)
        dict_flags = dicts.extract(tree, path, sups)
        flags = flags + global_flags + param_flags + dict_flags
        found = found + global_reads + param_reads + dataclass_fields.body_reads(tree, path)
        global_names = frozenset(k.name for k in global_flags)
        aliased = gates.local_aliases(tree, strong, global_names)
        gated = gates.extract(tree, path, strong, lines, global_names, aliased)
        seen = {(g.line, g.column, g.name, g.op) for g in gated}
        for scope, names in scopes:
            gated += [g for g in gates.extract(scope, path, strong, lines, names)
                      if (g.line, g.column, g.name, g.op) not in seen]
        registered, defined, code_strings, names_used = variants.extract(tree, path, sups)
        absl, holder_reads = absl_flags.extract(tree, path, sups)
        mlc, mlc_defs, config_flags, fallbacks = mlcollections.extract(tree, path, sups)
        gin, gin_reads, gin_gates = gin_params.extract(tree, path, sups, lines)
        omegaconf_loads = omegaconf_trees.extract(tree, path, source)
        origins = class_bases.extract(tree, imported)
        own_writes = self_writes.extract(tree)
    except RecursionError:
        return FileIndex(path=path, errors=(Problem("STL901", path, "too deeply nested to analyse"),))
    # assignments that define a ConfigDict entry are definitions, not code deciding a value (a
    # CfgNode's are told apart by where they are, above: the same key may be written by code too)
    writes = [w for w in writes if w not in mlc_defs]
    return FileIndex(path=path, knobs=tuple(flags + fields + models + absl + cfg_nodes + mlc + fallbacks + gin),
                     reads=tuple(found + holder_reads + gin_reads), gates=tuple(gated + gin_gates),
                     imports=tuple(_imports(tree, path)), suppressions=sups, splats=splat,
                     parameters=tuple(params), known_args=known_args, extended_parser=extended,
                     takes_any_option=takes_any_option,
                     parser_factories=factories, config_classes=tuple(classes),
                     parsed_classes=tuple(parsed), constructs=tuple(constructs), writes=tuple(writes),
                     variants=tuple(registered), defined=tuple(defined), code_strings=tuple(code_strings),
                     names_used=tuple(names_used), hydra_mains=tuple(hydra.mains(tree)),
                     dispatches=tuple(variants.dynamic_dispatch(tree, strong, aliased)),
                     top_defs=tuple(variants.top_definitions(tree)),
                     signatures=tuple(functions.signatures(tree)), cli_targets=tuple(functions.cli_targets(tree)),
                     is_entry=_is_entry(tree),
                     config_flags=tuple(config_flags), config_module=bool(mlc or mlc_defs),
                     omegaconf_loads=omegaconf_loads,
                     candidate_knobs=tuple(maybe_fields), candidate_classes=tuple(maybe_classes),
                     class_bases=tuple(bases), class_origins=tuple(origins), whole_uses=tuple(whole_uses),
                     self_writes=tuple(own_writes))


def _nested_names(classes: Classes) -> dict[str, list[str]]:
    """Config class -> the dotted prefixes it is reached by (`TrainConfig.model: ModelConfig` gives
    ModelConfig the prefix `model`). Top-level classes have the prefix ''."""
    fields_of = dict(classes)
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


def _holders(classes: Classes) -> dict[str, set[str]]:
    """Config class -> the classes that hold it as a nested section, transitively."""
    direct: dict[str, set[str]] = {}
    for holder, fields in classes:
        for _, type_name in fields:
            if type_name and type_name != holder:
                direct.setdefault(type_name, set()).add(holder)
    return closure(direct)


class _Classes:
    """What decides a config class's fields across the repo: which classes are configs (named,
    parsed, or promoted candidates), their sections and prefixes, and who parses or builds them."""

    def __init__(self, files: list[FileIndex], also: set[str] = frozenset()) -> None:
        configs = [c for f in files for c in f.config_classes]
        candidates = [c for f in files for c in f.candidate_classes]
        self.bases = {cls: bases for f in files for cls, bases in f.class_bases}
        self.promoted = dataclass_fields.promoted(configs, candidates, self.bases, also) | set(also)
        classes = configs + [c for c in candidates if c[0] in self.promoted]
        self.prefixes = _nested_names(classes)
        self.sections = {(cls, name) for cls, fields in classes for name, t in fields if t in self.prefixes}
        self.parsed = {c for f in files for c in f.parsed_classes}
        self.built: dict[str, set[str]] = {}
        self.splatted: set[str] = set()
        for f in files:
            for cls, keywords, splat in f.constructs:
                self.built.setdefault(cls, set()).update(keywords)
                if splat:
                    self.splatted.add(cls)
        self.holders = _holders(classes)
        # a field's place among its class's own fields, for classes built with positional arguments
        # (a class with bases takes theirs first: its places are not known here)
        self.places = {cls: {name: f"#{n}" for n, (name, _) in enumerate(fields)}
                       for cls, fields in classes if not self.bases.get(cls)}
        self.subclasses = dataclass_fields.subclasses(self.bases) if self.bases else {}
        self.written = {w.rsplit(".", 1)[-1] for f in files for w in f.writes}

    def field(self, k: Knob) -> Knob | None:
        """A dataclass or pydantic field as a knob, or None for a nested section (its fields are the knobs)."""
        if (k.owner, k.name) in self.sections:
            return None
        # a nested class is parsed when the class holding it is; an inherited field when the
        # class inheriting it is, and code that builds a subclass with it builds it too
        family = {k.owner} | self.subclasses.get(k.owner, set())
        owners = family | {h for c in family for h in self.holders.get(c, ())}
        # a pydantic BaseSettings reads the environment: experiments set it without a parser
        cli = (k.system == "pydantic" and k.cli) or bool(owners & self.parsed)
        place = self.places.get(k.owner, {}).get(k.name)
        set_in_code = bool(family & self.splatted) or any(k.name in self.built.get(c, ()) for c in family) \
            or place is not None and place in self.built.get(k.owner, ())
        if (cli, set_in_code) != (k.cli, k.set_in_code):
            k = evolve(k, cli=cli, set_in_code=set_in_code)
        for prefix in self.prefixes.get(k.owner, [""])[:1]:
            if prefix:
                k = evolve(k, name=f"{prefix}.{k.name}", aliases=k.aliases + (k.name,))
        if k.name.rsplit(".", 1)[-1] in self.written and not k.set_in_code:
            k = evolve(k, set_in_code=True)
        return k


def _cli_functions(files: list[FileIndex], knobs: list[Knob], modules: dict[str, str]) \
        -> tuple[list[Knob], FileIndex | None]:
    """Parameters of the functions a jsonargparse `CLI(...)` runs are flags (`--precision bf16`); a
    parameter typed with a config dataclass puts that class's fields under its name (`--train.epochs 3`)."""
    by_path = {f.path: f for f in files}
    sections: dict[str, str] = {}
    added: list[Knob] = []
    reads: list[Read] = []
    seen: set[tuple[str, str]] = set()
    for f in files:
        for module, function in f.cli_targets:
            target = f.path if not module else modules.get(module)
            if target is None or (target, function) in seen or target not in by_path:
                continue
            seen.add((target, function))
            for name, params in by_path[target].signatures:
                if name != function:
                    continue
                for param, default, line, annotation, read, required in params:
                    if annotation and any(k.owner == annotation and k.system == "dataclass" for k in knobs):
                        sections[annotation] = param
                        continue
                    added.append(Knob(name=param, kind="flag", system="jsonargparse", path=target, line=line,
                                      column=1, end_line=line, default=default, option_strings=(f"--{param}",),
                                      owner=function, required=required))
                    if read:
                        reads.append(Read(param, target, line, 1, True))
    if not sections and not added:
        return knobs, None
    out = []
    for k in knobs:
        if k.system == "dataclass" and k.owner in sections and "." not in k.name:
            k = evolve(k, name=f"{sections[k.owner]}.{k.name}", aliases=k.aliases + (k.name,), cli=True,
                        option_strings=(f"--{sections[k.owner]}.{k.name}",))
        out.append(k)
    return out + added, FileIndex(path="<jsonargparse parameters>", reads=tuple(reads))


def module_files(paths: list[str]) -> dict[str, str]:
    """Every dotted module name a file can be imported by (`src/pkg/a.py` as `src.pkg.a`, `pkg.a`, `a`)."""
    out: dict[str, str] = {}
    for p in sorted(paths, key=lambda p: p.count("/"), reverse=True):
        parts = module_name(p).split(".")
        for i in range(len(parts)):
            out[".".join(parts[i:])] = p
    return out


def _imported(importer: str, module: str, modules: dict[str, str], listed: set[str]) -> str | None:
    """The repo file an import names: a module beside the importing file first, as Python finds it
    for a script run from its folder (DeepSpeedExamples' BingBertSquad/nvidia_run_squad_baseline.py:
    `from utils import get_argument_parser` is BingBertSquad/utils.py, one of many utils.py), else
    the module by its dotted name."""
    folder = importer.rsplit("/", 1)[0] if "/" in importer else ""
    if folder and "." not in module:
        for beside in (f"{folder}/{module}.py", f"{folder}/{module}/__init__.py"):
            if beside in listed:
                return beside
    return modules.get(module)


def mlcollections_defaults(files: list[FileIndex]) -> dict[str, str]:
    """Config modules that a script's `DEFINE_config_file(flag, "path")` names as its default -> flag."""
    modules = [f.path for f in files if f.config_module]
    out: dict[str, str] = {}
    for f in files:
        for flag, default in f.config_flags:
            target = default.split(":", 1)[0].lstrip("./")
            if not target:
                continue
            hits = [m for m in modules if m == target or m.endswith("/" + target)
                    or target.endswith("/" + m)]
            for m in hits[:1]:
                out[m] = flag
    return out


def link(files: list[FileIndex], errors: list[Problem]) -> Index:
    classes = _Classes(files)
    written = classes.written
    written_nodes = {normalize(w) for f in files for w in f.writes}
    defaults = mlcollections_defaults(files)
    built = classes.built
    knobs: list[Knob] = []
    for f in files:
        own = f.knobs
        if classes.promoted and f.candidate_knobs:
            own = own + tuple(k for k in f.candidate_knobs if k.owner in classes.promoted)
        for k in own:
            if k.system == "ml_collections" and k.owner == "get_config":
                if f.path not in defaults:
                    continue  # a config module that is not a script's default is an experiment, not knobs
                flag = defaults[f.path]
                k = evolve(k, option_strings=(f"--{flag}.{k.name}",))
            if k.system in ("yacs", "ml_collections", "gin"):
                # their names are full paths: only a code write of the same path decides them
                if normalize(k.name) in written_nodes:
                    k = evolve(k, set_in_code=True)
                # a gin class that code builds with this argument (`DQNAgent(num_actions=n)`): code decides it
                if k.system == "gin" and "." in k.name and k.name.rsplit(".", 1)[1] in built.get(k.owner, ()):
                    k = evolve(k, set_in_code=True)
                knobs.append(k)
                continue
            if k.system in ("dataclass", "pydantic"):
                field = classes.field(k)
                if field is None:
                    continue  # a nested config section, not a flag: its fields are the knobs
                knobs.append(field)
                continue
            if k.name.rsplit(".", 1)[-1] in written:
                k = evolve(k, set_in_code=True)
            knobs.append(k)
    modules = module_files([f.path for f in files])
    knobs, param_reads = _cli_functions(files, knobs, modules)
    if param_reads is not None:
        files = files + [param_reads]
    listed = {f.path for f in files}
    imports = {f.path: tuple(sorted({_imported(f.path, m, modules, listed) for m in f.imports} - {None, f.path}))
               for f in files}
    # a script loads the config module its `DEFINE_config_file` names as default, as if it imported it
    for module, _ in defaults.items():
        for f in files:
            if any(d and module.endswith(d.split(":", 1)[0].lstrip("./")) for _, d in f.config_flags):
                imports[f.path] = tuple(sorted(set(imports[f.path]) | {module}))
    # what code does with config objects as wholes, and which classes extend a library's class
    uses = class_uses.Uses(files, modules, imports)
    knobs = [uses.apply(k) for k in knobs]
    knobs = _dicts_imported(files, knobs, modules)
    file_errors = [e for f in files for e in f.errors]
    # a registering decorator counts when its registry (`MODELS`, `register_model`) is the repo's own
    defined = {n for f in files for n in f.defined}
    found = [v for f in files for v in f.variants if v.system != "registry" or v.owner in defined]
    # `getattr(models, args.arch)`: every public function and class of that module is a variant,
    # selected by the flag's value
    by_path = {f.path: f for f in files}
    for f in files:
        for module, flag, _ in f.dispatches:
            target = modules.get(module)
            if target is None or target not in by_path:
                continue
            for name, first, last in by_path[target].top_defs:
                found.append(Knob(name=name, kind="variant", system="getattr", path=target, line=first, column=1,
                                  end_line=last, owner=flag, selected_by=(flag, f.path)))
    return Index(files=tuple(files), knobs=tuple(knobs), imports=imports, errors=tuple(errors + file_errors),
                 variants=tuple(found), unknown_wholes=tuple(uses.unknown))


def add_config_trees(idx: Index, root, paths: tuple[str, ...], max_size: int) -> Index:
    """Index the YAML config trees of Hydra scripts and of plain OmegaConf loads and join them to the
    Python index: their keys become knobs, Hydra's group options variants, and each script reaches
    its tree's files."""
    if any(f.hydra_mains for f in idx.files):
        idx = _add_hydra(idx, root, paths, max_size)
    if any(f.omegaconf_loads for f in idx.files):
        idx = _add_omegaconf(idx, root, paths, max_size)
    return idx


def _add_hydra(idx: Index, root, paths: tuple[str, ...], max_size: int) -> Index:
    tree = hydra.index_tree(root, paths, idx.files, max_size)
    imports = dict(idx.imports)
    for entry, folder in tree.entries.items():
        prefix = f"{folder}/" if folder else ""
        own = tuple(p for p, role in tree.roles.items() if role == "definition" and p.startswith(prefix))
        imports[entry] = tuple(sorted(set(imports.get(entry, ())) | set(own)))
    synthetic = FileIndex(path="<hydra interpolations>",
                          reads=tuple(Read(r, "<yaml>", 0, 0, True) for r in sorted(tree.reads)))
    return replace(idx, files=idx.files + (synthetic,), knobs=idx.knobs + tuple(tree.knobs),
                   variants=idx.variants + tuple(tree.variants), imports=imports,
                   errors=idx.errors + tuple(tree.problems), config_roles=dict(tree.roles),
                   hydra_entries=dict(tree.entries),
                   hydra_groups={k: frozenset(v) for k, v in tree.groups.items()},
                   hydra_nodes=frozenset(tree.meta_nodes))


def _dicts_imported(files: list[FileIndex], knobs: list[Knob], modules: dict[str, str]) -> list[Knob]:
    """A module-level dict config that another module imports by name (jukebox's vendored
    tensorboardX: `from .shared_config import DEFAULT_CONFIG`, then `write_pickle(DEFAULT_CONFIG, ...)`)
    may be handed on whole there: its keys are not "never read" for certain."""
    owners = {(k.path, k.owner) for k in knobs if k.system == "dict" and not k.passed_whole}
    if not owners:
        return knobs
    by: dict[tuple[str, str], str] = {}
    for f in files:
        for m in f.imports:
            module, _, name = m.rpartition(".")
            target = modules.get(module)
            if target is not None and (target, name) in owners and target != f.path:
                by.setdefault((target, name), f.path)
    if not by:
        return knobs
    return [evolve(k, passed_whole=f"`{k.owner}` is imported by {by[(k.path, k.owner)]}, which may hand it on whole")
            if k.system == "dict" and (k.path, k.owner) in by else k for k in knobs]


def _add_omegaconf(idx: Index, root, paths: tuple[str, ...], max_size: int) -> Index:
    """A YAML file code loads and merges over defines knobs; the modules that load it reach it (as
    if they imported it), so the scripts that import them bind its keys."""
    tree = omegaconf_trees.index_tree(root, paths, idx.files, idx.imports, max_size, dict(idx.config_roles))
    if not tree.roles:
        return idx
    # a key code assigns (`cfg.optim.lr = ...`) or spells as an override (`"train.output_dir=..."`):
    # code decides its value too
    written = {normalize(w) for f in idx.files for w in f.writes}
    written |= {normalize(v) for f in idx.files for kind, v, _ in f.omegaconf_loads if kind == "sets"}
    knobs = [evolve(k, set_in_code=True) if normalize(k.name) in written else k for k in tree.knobs]
    imports = dict(idx.imports)
    for definition, loaders in tree.loaders.items():
        for path in loaders:
            imports[path] = tuple(sorted(set(imports.get(path, ())) | {definition}))
    synthetic = FileIndex(path="<omegaconf interpolations>",
                          reads=tuple(Read(r, "<yaml>", 0, 0, True) for r in sorted(tree.reads)))
    return replace(idx, files=idx.files + (synthetic,), knobs=idx.knobs + tuple(knobs), imports=imports,
                   errors=idx.errors + tuple(tree.problems), config_roles={**idx.config_roles, **tree.roles})


def promote_by_use(idx: Index, experiments) -> Index:
    """Add the fields of candidate dataclasses that experiments show to be configs (see
    `dataclass.by_use`), with the sections they hold, to an index linked without them. Run once
    the experiments are read, before they are bound to knobs."""
    files = [f for f in idx.files if f.candidate_classes]
    if not files:
        return idx
    owners = {k.owner for k in idx.knobs if k.system in ("dataclass", "pydantic")}
    left = {cls: [k for k in f.candidate_knobs if k.owner == cls]
            for f in files for cls, _ in f.candidate_classes if cls not in owners}
    if not left:
        return idx
    known = {normalize(n).rsplit(".", 1)[-1] for k in idx.knobs for n in (k.name, *k.aliases)}
    used = dataclass_fields.by_use(left, known, experiments)
    if not used:
        return idx
    classes = _Classes(list(idx.files), also=used)
    uses = class_uses.Uses(list(idx.files), module_files([f.path for f in idx.files]), dict(idx.imports))
    added = []
    for f in files:
        for k in f.candidate_knobs:
            if k.owner not in owners and (k.owner in used or k.owner in classes.promoted):
                field = classes.field(k)
                if field is not None:
                    added.append(uses.apply(field))
    return replace(idx, knobs=idx.knobs + tuple(added))

"""Hydra / OmegaConf: the config tree of a `@hydra.main(config_path=..., config_name=...)` script.

The YAML files under the config path are *definitions*: every leaf key of the primary config and of
the default option of each config group (`defaults: [model: mnist]`) is a flag named by its package
(`model/mnist.yaml`'s `optimizer.lr` is `model.optimizer.lr`; `# @package _global_` puts keys at the
top). Each option of a group is a variant (`model=resnet` selects it). Files of experiment groups
(`experiment/`, `hparams_search/`, ...) are experiments, not definitions: their keys are global and
their `override /group: option` lines select variants. This runs once per repo, after the Python
files are indexed, since it needs both the scripts and the YAML files."""
from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..discover import read_text
from ..lazy import module as _lazy_module
from ..model import Knob, Problem, Setting
from .astutil import chain, keep_for, kwarg, literal, nodes, suppressions

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

# Hydra's own command-line options: True when the option takes a value
OPTIONS = {"-m": False, "--multirun": False, "-r": False, "--run": False, "--resolve": False,
           "--cfg": True, "-c": True, "--config-name": True, "-cn": True, "--config-path": True, "-cp": True,
           "--config-dir": True, "-cd": True, "--package": True, "-p": True, "--info": False, "-i": False,
           "--hydra-help": False, "--shell-completion": False, "-sc": False}
EXPERIMENT_GROUPS = {"experiment", "experiments", "exp", "exps", "hparams_search", "sweep", "sweeps"}
_SKIP_GROUPS = {"hydra"}  # Hydra's own settings (launcher, sweeper, job dirs)
_PACKAGE = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)
_YAML = (".yaml", ".yml")


@dataclass
class HydraTree:
    """What one repo's Hydra config trees define."""

    knobs: list[Knob] = field(default_factory=list)
    variants: list[Knob] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # yaml path -> "definition" | "experiment"
    entries: dict[str, str] = field(default_factory=dict)  # entry script -> config dir
    groups: dict[str, set[str]] = field(default_factory=dict)  # config dir -> group names
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)  # config dir -> group -> default option
    problems: list[Problem] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)  # keys read through `${...}` interpolation
    # nodes whose keys are all Hydra's own (`state_hook: {_name_: null}`): keys of the config, no knobs
    meta_nodes: set[str] = field(default_factory=set)


def _package(text: str, group: str, chosen: str | None = None) -> str:
    """Where a group option's keys go: its `# @package` header, else the package the primary
    config's defaults list gives the group (`task@_global_`), else the group's path."""
    m = _PACKAGE.search(text[:2000])
    pkg = m.group(1) if m else chosen
    if pkg:
        if pkg == "_global_":
            return ""
        if pkg != "_group_":
            return pkg
    return group.replace("/", ".")


def is_meta(key: str) -> bool:
    return any(part.startswith("_") and part.endswith("_") for part in key.split("."))


def read_yaml(rel: str, text: str) -> tuple[dict | None, list[Setting], list[tuple[str, str | None, str]], str | None]:
    """(data, leaf settings with lines, defaults list entries (group, option, "override" or
    "optional" or ""), error)."""
    from ..evidence.configs import NOT_A_MAPPING, BadConfig, NotAConfig, read_settings

    try:
        settings = read_settings(rel, text)
    except NotAConfig:
        return {}, [], [], None
    except BadConfig as exc:
        if str(exc) == NOT_A_MAPPING:
            return {}, [], [], None  # a list node: Hydra composes a group option that is a list (s4's layers)
        return None, [], [], str(exc)
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:  # read_settings accepted it, so this is unexpected; say so
        return None, [], [], f"invalid YAML: {exc}"
    entries: list[tuple[str, str | None, str]] = []
    if isinstance(data, dict) and isinstance(data.get("defaults"), list):
        for item in data["defaults"]:
            if isinstance(item, dict):
                for key, value in item.items():
                    key = str(key)
                    # `override /model: x` in experiments; `optional local: default` may be missing
                    marker = key.split()[0] if " " in key else ""
                    key = key.split()[-1].lstrip("/")
                    if isinstance(value, list):  # `callbacks: [base, checkpoint]`: several options of a group
                        entries += [(key, str(v), marker) for v in value if v is not None]
                    else:
                        entries.append((key, None if value is None else str(value), marker))
            elif isinstance(item, str) and item != "_self_":
                entries.append(("", item, ""))
    return data if isinstance(data, dict) else {}, settings, entries, None


def experiment_settings(rel: str, text: str) -> list[Setting]:
    """The settings an experiment-group file makes: its keys (global) and its group selections."""
    data, settings, entries, error = read_yaml(rel, text)
    out = [s for s in settings if not is_meta(s.key)]
    out += [Setting(group.split("@")[0], option) for group, option, _ in entries if group and option]
    return out


def mains(tree: ast.Module) -> list[tuple[str, str]]:
    """(config_path, config_name) of each `@hydra.main(...)` in a module."""
    out = []
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        for d in node.decorator_list:
            called = chain(d.func) if isinstance(d, ast.Call) else None
            # dora's `hydra_main` (audiocraft) wraps hydra.main with the same arguments
            if called and (called[-1] == "hydra_main" or called[-1] == "main" and "hydra" in called):
                path, name = kwarg(d, "config_path"), kwarg(d, "config_name")
                path_v = literal(path) if path is not None else None
                name_v = literal(name) if name is not None else None
                if isinstance(name_v, str):
                    out.append((path_v if isinstance(path_v, str) else ".", name_v))
    return out


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")


def interpolations(text: str) -> set[str]:
    """Keys a YAML file reads through `${a.b}`."""
    return set(_INTERPOLATION.findall(text))


def load(root: Path, rel: str, max_size: int, problems: list[Problem]
         ) -> tuple[str, list[Setting], list[tuple[str, str | None, str]]] | None:
    """A config file's text, leaf settings and defaults list entries (read_yaml); None, with the
    problem recorded, when it cannot be read or parsed."""
    text, problem = read_text(root, rel, max_size)
    if problem:
        problems.append(problem)
        return None
    _, settings, entries, error = read_yaml(rel, text or "")
    if error:
        problems.append(Problem("STL903", rel, error))
        return None
    return text or "", settings, entries


def option_settings(root: Path, folder: str, group: str, option: str, max_size: int) -> list[Setting]:
    """The keys a selected group option sets (`trainer=gpu` sets gpu.yaml's `trainer.accelerator`),
    named by the option's package; empty when the option file is missing or unreadable (the tree's
    own check reports those)."""
    prefix = f"{folder}/" if folder else ""
    rel = f"{prefix}{group}/{option}.yaml"
    text, problem = read_text(root, rel, max_size)
    if problem or text is None:
        return []
    _, settings, _, error = read_yaml(rel, text)
    if error:
        return []
    package = _package(text, group)
    return [Setting(f"{package}.{s.key}" if package else s.key, s.value, s.line or 1)
            for s in settings if not is_meta(s.key)]


def _mains(files) -> list[tuple[str, str, str]]:
    return [(f.path, cp, cn) for f in files for cp, cn in f.hydra_mains]


def index_tree(root: Path, paths: tuple[str, ...], files, max_size: int) -> HydraTree:
    tree = HydraTree()
    listed = set(paths)
    pulled_in: dict[tuple[str, str], set[str]] = {}
    for entry, config_path, config_name in _mains(files):
        folder = posixpath.normpath(posixpath.join(posixpath.dirname(entry), config_path))
        folder = "" if folder == "." else folder
        prefix = f"{folder}/" if folder else ""
        yamls = sorted(p for p in listed if p.startswith(prefix) and p.endswith(_YAML))
        name = config_name if config_name.endswith(_YAML) else f"{config_name}.yaml"
        primary = f"{prefix}{name}"
        if primary not in listed:
            continue
        tree.entries[entry] = folder
        # a second script on the same tree (eval.py beside train.py) adds only its primary config
        first = folder not in tree.groups
        groups: dict[str, list[str]] = {}
        for p in yamls:
            group = posixpath.dirname(p[len(prefix):])
            if group:
                groups.setdefault(group, []).append(p)
        tree.groups[folder] = tree.groups.get(folder, set()) | set(groups)
        loaded = load(root, primary, max_size, tree.problems)
        if loaded is None:
            continue
        # `model: ???` is Hydra's "choose it on the command line", no option of the group
        # `task@_global_: quadruped_walk` selects `task/quadruped_walk.yaml` and puts its keys at the top
        packages = {g.split("@")[0]: g.split("@", 1)[1] for g, _, _ in loaded[2] if "@" in g}
        entries = [(g.split("@")[0], o, m) for g, o, m in loaded[2] if o != "???"]
        chosen = {g: o for g, o, _ in entries if g and o}
        optional = {g for g, _, marker in entries if marker == "optional"}
        tree.defaults.setdefault(folder, chosen)
        for group, option in sorted({(g, o) for g, o, _ in entries if g and o}):
            if group not in groups or f"{prefix}{group}/{option}.yaml" not in listed:
                if group not in optional and group.split("/")[0] not in _SKIP_GROUPS:
                    tree.problems.append(Problem("STL903", primary, f"the defaults list names `{group}: {option}`, "
                                                 f"but {prefix}{group}/{option}.yaml does not exist"))
        for p in yamls:
            if not first and p != primary:
                continue
            rel_group = posixpath.dirname(p[len(prefix):])
            top = rel_group.split("/")[0]
            if top in EXPERIMENT_GROUPS:
                tree.roles[p] = "experiment"
                continue
            tree.roles[p] = "definition"
            if top in _SKIP_GROUPS:
                continue
            option = posixpath.splitext(posixpath.basename(p))[0]
            in_default = p == primary or chosen.get(rel_group) == option
            loaded = load(root, p, max_size, tree.problems)
            if loaded is None:
                continue
            text, settings, option_defaults = loaded
            tree.reads |= interpolations(text)
            package = "" if p == primary else _package(text, rel_group, packages.get(rel_group))
            sups = suppressions(text)
            for s in settings:
                if is_meta(s.key):
                    node = s.key.rsplit(".", 1)[0] if "." in s.key else ""
                    if node and not is_meta(node):
                        tree.meta_nodes.add(f"{package}.{node}" if package else node)
                    continue
                full = f"{package}.{s.key}" if package else s.key
                line = s.line or 1
                tree.knobs.append(Knob(name=full, kind="flag", system="hydra", path=p, line=line, column=1,
                                       end_line=line, default=s.value, owner=rel_group or "<primary>",
                                       keep=keep_for(sups, line, line), cli=in_default))
            # an option's own defaults list pulls in its siblings (`callbacks/default.yaml` lists
            # `- model_checkpoint`): selecting it selects them
            for group, included, _ in option_defaults:
                if not group and included and rel_group:
                    pulled_in.setdefault((rel_group, included), set()).add(option)
            if rel_group and len(groups.get(rel_group, [])) >= 2:
                lines = text.count("\n") + 1
                tree.variants.append(Knob(name=option, kind="variant", system="hydra-group", path=p, line=1,
                                          column=1, end_line=lines, owner=rel_group,
                                          default=chosen.get(rel_group), keep=keep_for(sups, 1, 3)))
    # record, on each option, the options that pull it in (as aliases: selecting one selects it)
    tree.variants = [replace(v, aliases=tuple(sorted(pulled_in.get((v.owner, v.name), ()))))
                     if v.system == "hydra-group" else v for v in tree.variants]
    return tree

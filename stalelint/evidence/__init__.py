"""Evidence: every experiment the repo shows, each dated. One module per source; this one only
gathers them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from ..config import TRACKERS
from ..discover import DOCUMENTS, FileSet, find_named, glob_match, inside, read_text
from ..history import History
from ..index import hydra
from ..lazy import module as _lazy_module
from ..model import UNKNOWN, Experiment, Index, Problem, Setting, Window
from ..names import normalize
from . import (code_overrides, configs, dumps, dvc_runs, gin, hydra_runs, ignored, inherit, launch, lightning_runs,
               mlflow_files, mlflow_server, mlflow_sqlite, overrides, runs, sacred_runs, sweeps, tensorboard_runs,
               wandb_runs)

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

# the tracker sources, by the name `trackers = [...]` enables them with; each looks for its own
# records on disk and reads nothing when it finds none
TRACKERS: tuple[tuple[str, Callable[[runs.Context], Iterable[Experiment]]], ...] = (
    ("mlflow", mlflow_files.read), ("mlflow", mlflow_sqlite.read), ("mlflow", mlflow_server.read),
    ("wandb", wandb_runs.read), ("hydra", hydra_runs.read), ("lightning", lightning_runs.read),
    ("sacred", sacred_runs.read), ("dvc", dvc_runs.read), ("dumps", dumps.read),
    ("tensorboard", tensorboard_runs.read),
)
TRACKER_NAMES = TRACKERS  # the names `trackers = [...]` accepts: config.py's schema


@dataclass(frozen=True)
class TrackerOptions:
    window: Window
    mlflow_uri: str = ""
    timeout: float = 10.0
    enabled: tuple[str, ...] = ()  # empty: every source whose records are found

if TYPE_CHECKING:
    from ..cache import IndexCache


@dataclass(frozen=True)
class Gathered:
    experiments: tuple[Experiment, ...]
    problems: tuple[Problem, ...]
    sources: int  # files that gave at least one experiment
    blind: frozenset[str] = frozenset()  # config systems some of whose evidence could not be read
    notices: tuple[str, ...] = ()
    incomplete: tuple[str, ...] = ()  # evidence sources that could not be read, or not all of it
    # files git does not track that gave experiments (dated by modification time), and those of them
    # git ignores (read from disk: evidence/ignored.py)
    untracked: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()


class _Reader:
    """Reads config files once each, for their own experiment and for launches that include them;
    a file's settings include what it inherits (`_BASE_`, gin `include`, see inherit.py)."""

    def __init__(self, root: Path, max_size: int, index: Index, files: set[str], store: "IndexCache | None" = None):
        self.root, self.max_size, self.roles, self.index = root, max_size, index.config_roles, index
        self.files = files
        self.folders = sorted(set(index.hydra_entries.values()), key=len, reverse=True)
        self.store = store
        self.cache: dict[str, tuple[list[Setting] | None, list[str], Problem | None]] = {}
        self.resolved: dict[str, tuple[list[Setting] | None, Problem | None]] = {}
        self.blind: set[str] = set()  # config systems some of whose evidence could not be read

    def own(self, rel: str) -> tuple[list[Setting] | None, list[str], Problem | None]:
        if rel not in self.cache:
            # 10k experiment configs are 10k YAML parses a run: the on-disk cache keeps what each
            # file's content gave, as it does for the Python index. Only for plain config files:
            # a Hydra experiment's settings depend on other files of its config tree
            plain = self.roles.get(rel) not in ("definition", "experiment")
            digest = self.store.file_hash(self.root, rel, self.max_size) if self.store is not None and plain else None
            if digest is not None:
                hit, got = self.store.load_settings(rel, digest)  # type: ignore[union-attr]
                if hit:
                    self.cache[rel] = got
                    return got
            text, problem = read_text(self.root, rel, self.max_size)
            if problem:
                self.cache[rel] = (None, [], problem)
            elif self.roles.get(rel) == "definition":
                self.cache[rel] = (None, [], None)  # a Hydra default: it defines knobs, it is no experiment
            elif self.roles.get(rel) == "experiment":
                own = hydra.experiment_settings(rel, text or "")
                folder = next((f for f in self.folders if rel.startswith(f"{f}/" if f else "")), "")
                picked = _selected_options(self.root, self.index, folder, own, self.max_size)
                self.cache[rel] = (picked + own, [], None)
            else:
                try:
                    self.cache[rel] = (configs.read_settings(rel, text or ""), inherit.parents(rel, text or ""), None)
                except configs.BadConfig as exc:
                    self.cache[rel] = (None, [], configs.problem(rel, exc))
                except configs.NotAConfig:
                    self.cache[rel] = (None, [], None)
                if digest is not None:
                    self.store.store_settings(rel, digest, *self.cache[rel])  # type: ignore[union-attr]
        return self.cache[rel]

    def settings(self, rel: str) -> tuple[list[Setting] | None, Problem | None]:
        if rel not in self.resolved:
            found, refs, problem = self.own(rel)
            if problem is None and found is not None and refs:
                try:
                    found = inherit.effective(rel, self.own, self.files)
                except inherit.Broken as exc:
                    found, problem = None, Problem("STL903", rel, str(exc))
            elif found is not None and rel.endswith(".gin"):
                found = gin.resolve_macros(found)
            if problem is not None and inherit.system_of(rel):
                self.blind.add(inherit.system_of(rel))  # type: ignore[arg-type]
            self.resolved[rel] = (found, problem)
        return self.resolved[rel]


def _resolve(ref: str, near: str, files: set[str], modules: launch.Modules | None = None,
             cwd: str | None = None) -> str | None:
    """A path or module named in a command, as a repo file: from the root, from the launching
    file's folder, or (if unique) by its tail; a module as `python -m` finds it (launch.Modules).
    After a `cd` (cwd: from the launching file's folder), from that folder first."""
    if modules is not None:
        return modules.resolve(ref)
    folder = inside(f"{near.rsplit('/', 1)[0] if '/' in near else ''}/{cwd}") if cwd is not None else None
    if folder is not None:  # (out of the repo: as if there were no `cd`)
        return find_named(ref, f"{folder}/_" if folder else "_", files, near_first=True)
    # a document's command runs from the document's folder where the script is beside it (wanda's
    # image_classifiers/README.md: `python main.py` is image_classifiers/main.py, not the root's);
    # a shell script's runs from the root, where scripts are launched
    return find_named(ref, near, files, near_first=near.lower().endswith(DOCUMENTS))



def _arity(index: Index, entry: str | None) -> Callable[[str], bool | str | None]:
    if entry is None:
        return lambda option: None
    if entry in index.hydra_entries:
        return lambda option: hydra.OPTIONS.get(option, False)
    reach = index.reachable(entry)
    table: dict[str, bool | str] = {}
    for k in index.knobs:
        if k.path in reach and k.system in ("argparse", "absl"):
            for o in k.option_strings:
                table[o] = launch.arity(k.action, k.nargs)
    return lambda option: table.get(option)


def _positional_settings(index: Index, entry: str, words: list[str]) -> list[Setting]:
    """The command's positional words as settings of the entry's positional argparse arguments, in
    the order they are defined (llama2.c's `python tinystories.py download` sets `stage`). Only where
    the match is plain: one positional argument, or as many words as arguments, each taking one."""
    if not words:
        return []
    found = sorted((k for k in index.knobs if k.path == entry and k.positional and k.system == "argparse"),
                   key=lambda k: (k.line, k.column))
    if not found or (len(found) != 1 and len(found) != len(words)) or any(k.nargs not in (None, "?") for k in found):
        return []
    return [Setting(k.option_strings[0] if k.option_strings else k.name, UNKNOWN if "\0unknown" in w else w)
            for k, w in zip(found, words)]


def _by_tail(listed: set[str]) -> Callable[[str | None], str | None]:
    """A path a run recorded (often absolute, from another machine) as a repo file: the longest
    tail of it that names a file in the repo."""
    def resolve(ref: str | None) -> str | None:
        if not ref:
            return None
        parts = ref.replace("\\", "/").split("/")
        for i in range(len(parts)):
            tail = "/".join(p for p in parts[i:] if p not in ("", "."))
            if tail in listed:
                return tail
        return None
    return resolve


def _sweep_plans(files: FileSet, paths: tuple[str, ...], ctx: runs.Context, experiment_globs: tuple[str, ...],
                 max_size: int, problems: list[Problem],
                 store: "IndexCache | None" = None) -> tuple[list[Experiment], set[str]]:
    """Sweep plans among the experiment configs and files named *sweep*.yaml; they are read as
    plans, not as a config file whose `parameters.lr.values` would be nonsense keys."""
    found: list[Experiment] = []
    plans: set[str] = set()
    for rel in paths:
        if not rel.endswith((".yaml", ".yml")):
            continue
        if not (glob_match(rel, experiment_globs) or "sweep" in rel.rsplit("/", 1)[-1].lower()):
            continue
        # the cache knows which contents are no plan: 10k experiment configs are not read twice a run
        # (a file over the size limit is never hashed: read_text skips it unread)
        digest = store.file_hash(files.root, rel, max_size) if store is not None else None
        if digest is not None and store.is_sweep(rel, digest) is False:  # type: ignore[union-attr]
            continue
        text, problem = read_text(files.root, rel, max_size)
        if problem or not text:
            continue
        if not sweeps.is_sweep(text):
            if digest is not None:
                store.store_sweep(rel, digest, False)  # type: ignore[union-attr]
            continue
        plans.add(rel)
        try:
            found.extend(sweeps.read_file(ctx, rel, text))
        except yaml.YAMLError as exc:
            problems.append(Problem(sweeps.CODE, rel, f"invalid sweep YAML: {str(exc).splitlines()[0]}"))
    return found, plans


def gather(files: FileSet, index: Index, history: History, experiment_globs: tuple[str, ...],
           launch_globs: tuple[str, ...], max_size: int, trackers: TrackerOptions | None = None,
           store: "IndexCache | None" = None) -> Gathered:
    listed = set(files.files)
    # indexed when first asked, by which time `listed` holds the ignored launch files too
    modules = launch.Modules(listed)
    ctx = runs.Context(root=files.root, window=trackers.window, mlflow_uri=trackers.mlflow_uri,
                       timeout=trackers.timeout, enabled=trackers.enabled,
                       arity=lambda entry: _arity(index, entry), resolve=_by_tail(listed), files=files.files,
                       module=modules.resolve,
                       date_of=history.date_of,
                       records=store.records if store is not None else (lambda source, version: None)) \
        if trackers else None
    # launch scripts and configs git ignores are evidence too, found in the run-folder search's
    # folders (without git, discover's walk listed them already)
    unlisted: list[str] = []
    if files.git:
        folders = ctx.folders() if ctx is not None else runs.walk_dirs(files.root, prune=runs._OWNED)
        unlisted = ignored.find(files.root, folders, listed, experiment_globs + launch_globs, files.exclude,
                                files.submodules)
        listed.update(unlisted)
    paths = tuple(sorted((*files.files, *unlisted))) if unlisted else files.files
    reader = _Reader(files.root, max_size, index, listed, store)
    experiments: list[Experiment] = []
    problems: list[Problem] = []
    sources = 0
    # ml_collections config modules are experiments wherever they live (big_vision/configs/...)
    config_modules = {f.path for f in index.files if f.config_module}
    plans: set[str] = set()
    if ctx is not None and ctx.wants("sweeps"):
        planned, plans = _sweep_plans(files, paths, ctx, experiment_globs, max_size, problems, store)
        experiments.extend(planned)
        sources += len(plans)
    for rel in paths:
        if rel in plans:
            continue
        if rel.endswith(configs.SUFFIXES) and (glob_match(rel, experiment_globs) or rel in config_modules
                                               or index.config_roles.get(rel) == "experiment"):
            found, problem = reader.settings(rel)
            if problem:
                problems.append(problem)
            elif found is not None:
                when, how = history.date_of(rel)
                experiments.append(Experiment(rel, None, "config", when, how, tuple(found)))
                sources += 1
    if any(k.system == "yacs" for k in index.knobs):
        for f in index.files:
            text, problem = read_text(files.root, f.path, max_size)
            for line, found in code_overrides.merge_lists(f.path, text or "") if not problem else ():
                when, how = history.date_of(f.path)
                experiments.append(Experiment(f.path, line, "config", when, how, tuple(found)))

    def _include(ref: str, near: str) -> str | None:
        """The text of a file a command names (an absl flagfile), or None."""
        target = _resolve(ref, near, listed)
        if target is None:
            return None
        text, problem = read_text(files.root, target, max_size)
        if problem:
            if problem not in problems:
                problems.append(problem)
            reader.blind.add("absl")
        return text

    wrappers: dict[str, launch.Forward | None] = {}

    def forwards(script: str) -> launch.Forward | None:
        """What a shell script of the repo hands its arguments to (read once per script)."""
        if script not in wrappers:
            text, problem = read_text(files.root, script, max_size)
            wrappers[script] = launch.forward(script, text) if text and not problem else None
        return wrappers[script]

    def add(rel: str, cmds: list[launch.Command]) -> None:
        """The experiments of a launch file's commands."""
        nonlocal sources
        before = len(experiments)
        when, how = history.date_of(rel)
        for cmd in cmds:
            near = rel
            if cmd.shell:
                wrapper = _resolve(cmd.entry, rel, listed, cwd=cmd.cwd)
                fwd = forwards(wrapper) if wrapper is not None else None
                if fwd is None:
                    continue  # not a script of this repo, or not one that hands its arguments to python
                called.add(wrapper)
                cmd, near = launch.through(cmd, fwd), wrapper
            entry = _resolve(cmd.entry, near, listed, modules if cmd.module else None, cmd.cwd)
            if entry is None:
                continue  # runs no code of this repo (`python -m pip install ...`, another project's script)
            arity = _arity(index, entry)
            words: list[str] = []
            cli, named = launch.parse_args(cmd.args, arity, words)
            cli += _positional_settings(index, entry, words)
            # each config system's own override syntax: flagfiles, gin bindings, yacs opts, env vars
            cli, more = overrides.expand(cmd, cli, arity, lambda ref: _include(ref, rel))
            named = named + more
            merged: list[Setting] = []
            included: list[str] = []
            if entry in index.hydra_entries:
                cli = [_sweep(s) for s in cli]
                named += _hydra_includes(index, entry, cli)
                merged.extend(_selected_options(files.root, index, index.hydra_entries[entry], cli, max_size))
            for ref in named:
                target = _resolve(ref, rel, listed, cwd=cmd.cwd)
                if target is None:
                    continue
                found, problem = reader.settings(target)
                if problem and problem not in problems:
                    problems.append(problem)
                if found:
                    merged.extend(found)
                    included.append(target)
            experiments.append(Experiment(rel, cmd.line, "launch", when, how, tuple(merged + cli),
                                          entry=entry, command=" ".join(cmd.text.split()), includes=tuple(included)))
        sources += len(experiments) > before

    called: set[str] = set()  # wrapper scripts some launch file of the repo calls
    own: dict[str, list[launch.Command]] = {}  # a wrapper's own commands, run as they are if nothing calls it
    for rel in paths:
        if not glob_match(rel, launch_globs) or rel.endswith(".py"):
            continue
        text, problem = read_text(files.root, rel, max_size)
        if problem:
            problems.append(problem)
            continue
        cmds = launch.commands(rel, text or "", scripts=True)
        if any(c.wraps for c in cmds):
            own[rel] = [c for c in cmds if c.wraps]
            cmds = [c for c in cmds if not c.wraps]
        if cmds:
            add(rel, cmds)
    for rel in sorted(set(own) - called):
        add(rel, own[rel])
    untracked = frozenset(e.source for e in experiments if files.git and e.source not in files.tracked)
    notices = [_untracked_notice(experiments, untracked, set(unlisted))] if untracked else []
    if ctx is None:
        return Gathered(tuple(experiments), tuple(problems), sources, frozenset(reader.blind), tuple(notices),
                        untracked=untracked, ignored=untracked & set(unlisted))
    for name, read in TRACKERS:
        if ctx.wants(name):
            before = len(experiments)
            experiments.extend(read(ctx))
            sources += len({e.source for e in experiments[before:]})
    problems.extend(ctx.problems)
    return Gathered(tuple(experiments), tuple(problems), sources, frozenset(reader.blind),
                    tuple(notices + ctx.notices), tuple(ctx.unavailable), untracked=untracked,
                    ignored=untracked & set(unlisted))


def _untracked_notice(experiments: list[Experiment], untracked: frozenset[str], ignored_files: set[str]) -> str:
    """Says which experiments a fresh clone would not have: they come from files git does not track."""
    n = sum(1 for e in experiments if e.source in untracked)
    hidden = sorted(untracked & ignored_files)
    names = ", ".join(sorted(untracked)[:3]) + (", ..." if len(untracked) > 3 else "")
    also = f"; {len(hidden)} ignored by git" if hidden else ""
    return (f"{n} experiment{'s' if n != 1 else ''} from {len(untracked)} file{'s' if len(untracked) != 1 else ''} "
            f"git does not track ({names}{also}): dated by modification time, and a fresh clone does not have them")


def _sweep(s: Setting) -> Setting:
    """Hydra's `key=1,2,3` sweeps every value: a list of the values it runs; `glob(*)`,
    `range(...)`, `choice(...)`, `interval(...)` run values not known here."""
    if isinstance(s.value, str) and re.match(r"^(glob|range|choice|interval|tag|shuffle|sort)\(", s.value):
        return Setting(s.key, UNKNOWN, s.line, s.form)
    if isinstance(s.value, str) and "," in s.value and not s.value.startswith(("[", "{", "'", '"')) \
            and not s.key.startswith("-"):
        return Setting(s.key, [v.strip() for v in s.value.split(",")], s.line, s.form)
    return s


def _selected_options(root: Path, index: Index, folder: str, settings: list[Setting] | tuple[Setting, ...],
                      max_size: int) -> list[Setting]:
    """The keys that the group options an experiment selects set (`trainer=gpu`)."""
    groups = index.hydra_groups.get(folder, frozenset())
    out: list[Setting] = []
    for s in settings:
        group = s.key.lstrip("+~").replace(".", "/")
        if group not in groups or group.split("/")[0] in hydra.EXPERIMENT_GROUPS or s.value is UNKNOWN:
            continue
        for option in s.value if isinstance(s.value, list) else [s.value]:
            out.extend(hydra.option_settings(root, folder, group, str(option), max_size))
    return out


def _hydra_includes(index: Index, entry: str, cli: list[Setting]) -> list[str]:
    """Experiment-group files a Hydra command selects (`experiment=example`)."""
    folder = index.hydra_entries[entry]
    prefix = f"{folder}/" if folder else ""
    out = []
    for s in cli:
        if s.key.startswith("-") or normalize(s.key) not in hydra.EXPERIMENT_GROUPS:
            continue
        if s.value is UNKNOWN:
            continue
        for option in s.value if isinstance(s.value, list) else [s.value]:
            rel = f"{prefix}{s.key.lstrip('+')}/{option}.yaml"
            if index.config_roles.get(rel) == "experiment":
                out.append(rel)
    return out


__all__ = ["gather", "Gathered", "normalize"]

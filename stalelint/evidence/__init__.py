"""Evidence: every experiment the repo shows, each dated. One module per source; this one only
gathers them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..discover import FileSet, glob_match, read_text
from ..history import History
from ..index.astutil import module_name
from ..model import Experiment, Index, Problem, Setting
from ..names import normalize
from . import configs, launch

if TYPE_CHECKING:
    from ..cache import IndexCache


@dataclass(frozen=True)
class Gathered:
    experiments: tuple[Experiment, ...]
    problems: tuple[Problem, ...]
    sources: int  # files that gave at least one experiment


class _Reader:
    """Reads config files once each, for their own experiment and for launches that include them."""

    def __init__(self, root: Path, max_size: int, store: "IndexCache | None" = None):
        self.root, self.max_size, self.store = root, max_size, store
        self.cache: dict[str, tuple[list[Setting] | None, Problem | None]] = {}

    def settings(self, rel: str) -> tuple[list[Setting] | None, Problem | None]:
        if rel not in self.cache:
            # 10k experiment configs are 10k YAML parses a run: the on-disk cache keeps what each
            # file's content gave, as it does for the Python index
            digest = self.store.file_hash(self.root, rel) if self.store is not None else None
            if digest is not None:
                hit, got = self.store.load_settings(rel, digest)  # type: ignore[union-attr]
                if hit:
                    self.cache[rel] = got
                    return got
            text, problem = read_text(self.root, rel, self.max_size)
            if problem:
                self.cache[rel] = (None, problem)
                return self.cache[rel]
            try:
                self.cache[rel] = (configs.read_settings(rel, text or ""), None)
            except configs.BadConfig as exc:
                self.cache[rel] = (None, configs.problem(rel, exc))
            except configs.NotAConfig:
                self.cache[rel] = (None, None)
            if digest is not None:
                self.store.store_settings(rel, digest, *self.cache[rel])  # type: ignore[union-attr]
        return self.cache[rel]


def _resolve(ref: str, near: str, files: set[str], modules: dict[str, str] | None = None) -> str | None:
    """A path or module named in a command, as a repo file: from the root, from the launching
    file's folder, or (if unique) by its tail."""
    if modules is not None:
        return modules.get(ref)
    ref = ref.lstrip("./") if ref.startswith("./") else ref
    folder = near.rsplit("/", 1)[0] if "/" in near else ""
    for candidate in (ref, f"{folder}/{ref}" if folder else ref):
        parts: list[str] = []
        for p in candidate.split("/"):
            if p == "..":
                if parts:
                    parts.pop()
            elif p not in ("", "."):
                parts.append(p)
        joined = "/".join(parts)
        if joined in files:
            return joined
    tails = [f for f in files if f.endswith("/" + ref)]
    return tails[0] if len(tails) == 1 else None


def _arity(index: Index, entry: str | None) -> Callable[[str], bool | None]:
    if entry is None:
        return lambda option: None
    reach = index.reachable(entry)
    table: dict[str, bool] = {}
    for k in index.knobs:
        if k.path in reach and k.system == "argparse":
            for o in k.option_strings:
                table[o] = k.takes_value
    return lambda option: table.get(option)


def gather(files: FileSet, index: Index, history: History, experiment_globs: tuple[str, ...],
           launch_globs: tuple[str, ...], max_size: int, store: "IndexCache | None" = None) -> Gathered:
    reader = _Reader(files.root, max_size, store)
    listed = set(files.files)
    experiments: list[Experiment] = []
    problems: list[Problem] = []
    sources = 0
    for rel in files.files:
        if rel.endswith(configs.SUFFIXES) and glob_match(rel, experiment_globs):
            found, problem = reader.settings(rel)
            if problem:
                problems.append(problem)
            elif found is not None:
                when, how = history.date_of(rel)
                experiments.append(Experiment(rel, None, "config", when, how, tuple(found)))
                sources += 1
    modules = {module_name(p): p for p in listed if p.endswith(".py")}
    for rel in files.files:
        if not glob_match(rel, launch_globs) or rel.endswith(".py"):
            continue
        text, problem = read_text(files.root, rel, max_size)
        if problem:
            problems.append(problem)
            continue
        cmds = launch.commands(rel, text or "")
        if not cmds:
            continue
        sources += 1
        when, how = history.date_of(rel)
        for cmd in cmds:
            entry = _resolve(cmd.entry, rel, listed, modules if cmd.module else None)
            cli, named = launch.parse_args(cmd.args, _arity(index, entry))
            merged: list[Setting] = []
            included: list[str] = []
            for ref in named:
                target = _resolve(ref, rel, listed)
                if target is None:
                    continue
                found, problem = reader.settings(target)
                if problem and problem not in problems:
                    problems.append(problem)
                if found:
                    merged.extend(found)
                    included.append(target)
            experiments.append(Experiment(rel, cmd.line, "launch", when, how, tuple(merged + cli),
                                          entry=entry or cmd.entry, command=" ".join(cmd.text.split()), includes=tuple(included)))
    return Gathered(tuple(experiments), tuple(problems), sources)


__all__ = ["gather", "Gathered", "normalize"]

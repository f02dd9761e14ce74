"""Knobs x experiments x window -> the facts every rule judges from.

Binding an experiment's settings to knobs is the one place names meet: a launch command's
`--use-ema` binds to the argparse flag its script defines, a config's `model.use_ema` to the
dataclass field reached as `model.use_ema`, and a setting that binds to nothing is kept for
STL103."""
from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .graph import reachable
from .discover import is_test_code
from .history import History, introduced
from .model import UNKNOWN, Experiment, Gate, Index, Knob, Setting, Window, read_names
from .evidence.launch import negated
from .names import nested_value, normalize, parse_value, same_value, spelled_parts, subchains, suffixes

# flags that are a function's parameters (click, typer, fire, jsonargparse)
_FUNCTION_FLAGS = {"click", "typer", "fire", "jsonargparse"}
_BARE = {"store_true": True, "store_false": False, "BooleanOptionalAction": True}


@dataclass(frozen=True)
class Binding:
    experiment: Experiment
    setting: Setting
    value: Any


@dataclass
class Facts:
    index: Index
    experiments: tuple[Experiment, ...]  # those dated at or before as_of
    window: Window
    history: History
    keep: tuple[str, ...]
    blind: frozenset[str] = frozenset()  # config systems some of whose evidence could not be read
    bindings: dict[int, list[Binding]] = field(default_factory=dict)  # knob position -> bindings
    unbound: list[tuple[Experiment, Setting, float]] = field(default_factory=list)  # + share of file bound
    # id(experiment) -> parent sections (`model` of `model.depth`, "" at the top) of its bound keys
    bound_parents: dict[int, set[str]] = field(default_factory=dict)
    library_parents: dict[int, set[str]] = field(default_factory=dict)  # of those, a library's sections
    covers: dict[str, list[Experiment]] = field(default_factory=dict)  # file -> experiments that apply
    read_keys: set[str] = field(default_factory=set)
    strong_read_keys: set[str] = field(default_factory=set)
    splat_params: set[str] = field(default_factory=set)
    known_args_files: set[str] = field(default_factory=set)
    open_cli_files: set[str] = field(default_factory=set)  # entry points that accept any option
    # whether the documentation or tests name a file (mentions.py); None: nothing is named
    mentioned: Callable[[str], bool] | None = None
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_option: dict[str, list[int]] = field(default_factory=dict)
    by_leaf: dict[str, list[int]] = field(default_factory=dict)
    _introduced: dict[tuple[str, int], dt.datetime | None] = field(default_factory=dict)
    graced: set[tuple[str, int]] = field(default_factory=set)  # definitions the grace period kept from judgement
    _gates: dict[int, list[Gate]] | None = None
    _reach: dict[str, set[str]] = field(default_factory=dict)
    _importers: dict[str, set[str]] | None = None
    _lookups: dict[tuple[str, int, bool], tuple[set[str] | None, list[int]]] = field(default_factory=dict)
    _grouped: dict[tuple[str, str], dict[str, list[int]]] = field(default_factory=dict)
    _recent: dict[tuple[str, dt.datetime | None], list[Experiment]] = field(default_factory=dict)
    _values: dict[int, dict[int, Any]] = field(default_factory=dict)  # knob -> id(experiment) -> value
    _owners: dict[tuple, tuple[str, set[str]]] = field(default_factory=dict)
    _arms_at: dict[tuple[str, int, int], list[Gate]] | None = None
    _entries: set[str] | None = None
    _bound_classes: set[tuple[str, str]] | None = None
    _dispatch: dict[tuple[str, int, int], list[Gate]] | None = None
    _code_strings: set[str] | None = None  # string constants of code anywhere (variants used by code)
    _code_names: set[str] | None = None  # bare names loaded anywhere
    # what several rules judge from, worked out once per run (rules/flag_use.py's verdicts)
    shared: dict[str, Any] = field(default_factory=dict)
    _options: list[str] | None = None  # every option string, sorted (argparse abbreviations)
    _cli_names: list[str] | None = None  # names of parsed dataclass fields, sorted (their abbreviations)
    _sections: set[str] | None = None  # normalised names some knob's name continues (`model` of `model.depth`)
    _file_strings: dict[str, set[str]] | None = None  # file -> the string constants its code uses

    def reach(self, path: str) -> set[str]:
        if path not in self._reach:
            self._reach[path] = self.index.reachable(path)
        return self._reach[path]

    # ---- lookups -------------------------------------------------------------------------
    def knob(self, i: int) -> Knob:
        return self.index.knobs[i]

    def lookup(self, key: str, scope: set[str] | None = None, exact: bool = False) -> list[int]:
        """Knobs a key names: exactly, then by dropping leading sections, then by its last part
        when that is unambiguous. `scope` limits to knobs in those files when given; `exact`
        (Hydra overrides, which name the full path) allows only the exact name.

        Memoised per (key, scope): thousands of experiments set the same few keys, and every gate
        of a file looks its names up in the same scope (scopes are the cached `reach` sets)."""
        memo = self._lookups.get((key, id(scope), exact))
        if memo is not None and memo[0] is scope:
            return list(memo[1])
        found = self._lookup(key, scope, exact)
        self._lookups[(key, id(scope), exact)] = (scope, found)  # holding scope keeps its id unique
        return list(found)

    def _lookup(self, key: str, scope: set[str] | None, exact: bool) -> list[int]:
        if exact:
            return self._within("name", self.by_name, normalize(key), scope) or self._holder(key, scope, exact=True)

        if key.startswith("-"):
            hit = self._within("option", self.by_option, key, scope) or self._abbreviated(key, scope)
            if hit:
                return hit
        for n, suffix in enumerate(suffixes(key)):
            hit = self._within("name", self.by_name, suffix, scope)
            if not hit and n == 0 and "." in suffix:
                # `optimizer.params.lr` is inside the mapping `optimizer: dict` holds, not the flag `lr`
                hit = self._holder(key, scope, mapping=True)
            if hit:
                return hit
        leaf = normalize(key).rsplit(".", 1)[-1]
        hit = self._within("leaf", self.by_leaf, leaf, scope)
        knobs = self.index.knobs
        if len({knobs[i].name for i in hit}) == 1:
            return hit
        # a key under a knob that stands for a whole section: a yacs `CN(new_allowed=True)` (experiments
        # add keys there) or an ml_collections `config.get("mixup")` (a config setting `mixup.p` sets it)
        parts = normalize(key).split(".")
        for n in range(len(parts) - 1, 0, -1):
            hit = [i for i in self._within("name", self.by_name, ".".join(parts[:n]), scope)
                   if knobs[i].action in ("new_allowed", "subtree")]
            if hit:
                return hit
        return self._holder(key, scope)

    def sections(self) -> set[str]:
        """Normalised names some knob's name continues (`model` of `model.depth`)."""
        if self._sections is None:
            self._sections = {".".join(p[:n]) for k in self.index.knobs
                              for p in [normalize(k.name).split(".")] for n in range(1, len(p))}
            # and a Hydra node of only meta keys (hyena-dna's `train.pretrained_model_state_hook: {_name_:
            # null}`), which a command may set whole (`train.pretrained_model_state_hook=null`)
            self._sections |= {normalize(n) for n in self.index.hydra_nodes}
        return self._sections

    def _holder(self, key: str, scope: set[str] | None, exact: bool = False, mapping: bool = False) -> list[int]:
        """A flag a leading part of the key names, the rest of the key being inside its value: a
        config's `zero_optimization: {stage: 1}` (read as `zero_optimization.stage`) sets the flag
        `zero_optimization`. Never a section (`model` of a knob `model.depth`: its keys bind at leaf
        level) nor a knob that binds the keys under it itself (yacs `new_allowed`, `subtree`).
        `mapping`: only a flag declared to hold a mapping."""
        sections = self.sections()
        knobs = self.index.knobs
        parts = normalize(key).split(".")
        for n in range(1, len(parts)):
            prefix = ".".join(parts[:n])
            for name in [prefix] if exact else suffixes(prefix):
                hit = [i for i in self._within("name", self.by_name, name, scope)
                       if knobs[i].action not in ("new_allowed", "subtree")
                       and normalize(knobs[i].name) not in sections and (not mapping or _holds_mapping(knobs[i]))]
                if hit:
                    return hit
        return []

    def _abbreviated(self, key: str, scope: set[str] | None) -> list[int]:
        """argparse takes a unique prefix of a long option (`--batch` for `--batch-size`) unless the
        parser says allow_abbrev=False (rare): the argparse flags in scope whose option starts so,
        when they are one flag."""
        if not key.startswith("--") or len(key) < 4:
            return []
        hit: list[int] = []
        spelled: set[str] = set()
        for option, ids in self._starting(key, scope):
            got = [i for i in ids if self.knob(i).system == "argparse" or self.knob(i).cli]  # HfArgumentParser too
            hit += got
            spelled |= {option} if got else set()
        if len(spelled) == 1:
            # one option spelled so, though several scripts in reach define it (FastChat's
            # `--max-num` for the `--max-num-files` of three monitor scripts)
            return hit
        if not hit:
            # a dataclass a command-line parser builds (HfArgumentParser and its subclasses, which
            # the index may not know as one) spells `--field_name`
            if self._cli_names is None:
                self._cli_names = sorted({normalize(k.name) for k in self.index.knobs if _parsable(k)})
            want = normalize(key[2:])
            at = bisect.bisect_left(self._cli_names, want)
            while at < len(self._cli_names) and self._cli_names[at].startswith(want):
                hit += [i for i in self._within("name", self.by_name, self._cli_names[at], scope)
                        if _parsable(self.knob(i))]
                at += 1
        return hit if len({(self.knob(i).path, self.knob(i).name) for i in hit}) == 1 else []

    def options_starting(self, key: str, scope: set[str] | None) -> list[str]:
        """The option strings of argparse flags in `scope` that `key` is a prefix of (what an
        abbreviation may stand for, when `lookup` found it names more than one flag)."""
        return [option for option, ids in self._starting(key, scope) if ids]

    def _starting(self, key: str, scope: set[str] | None) -> list[tuple[str, list[int]]]:
        """Each option string `key` is a prefix of, with its knobs in `scope` (none: too short)."""
        if not key.startswith("--") or len(key) < 4:
            return []
        if self._options is None:
            self._options = sorted(self.by_option)
        at = bisect.bisect_left(self._options, key)
        out = []
        while at < len(self._options) and self._options[at].startswith(key):
            out.append((self._options[at], self._within("option", self.by_option, self._options[at], scope)))
            at += 1
        return out

    def _within(self, table: str, ids_of: dict[str, list[int]], key: str, scope: set[str] | None) -> list[int]:
        """ids_of[key] limited to knobs in `scope`, in index order. A common leaf (`dropout` of
        900 config classes) has long lists, so those are grouped by file once and only the
        scope's files are visited, instead of filtering the whole list on every lookup."""
        ids = ids_of.get(key, ())
        knobs = self.index.knobs
        if scope is None:
            return list(ids)
        if len(ids) <= 16 or len(scope) >= len(ids):
            return [i for i in ids if knobs[i].path in scope]
        groups = self._grouped.get((table, key))
        if groups is None:
            groups = {}
            for i in ids:
                groups.setdefault(knobs[i].path, []).append(i)
            self._grouped[(table, key)] = groups
        return sorted(i for path in scope if path in groups for i in groups[path])

    def judgeable(self, i: int) -> bool:
        """Whether experiments decide knob i's value, so that their silence means disuse.

        A dataclass that no command-line parser reads is set by code or config files only: it is
        judged when some experiment sets one of its fields. A field code builds the class with
        (`Cfg(depth=3)`, `Cfg(**d)`) is decided by code, not experiments."""
        k = self.knob(i)
        if k.set_in_code:
            return False
        if k.system in self.blind:
            return False  # some of this system's evidence could not be read
        if k.system == "hydra":
            return k.cli  # keys of a group option that is not in the default composition
        if k.system not in ("dataclass", "pydantic") or k.cli:
            return True
        if self._bound_classes is None:
            self._bound_classes = {(self.knob(j).path, self.knob(j).owner)
                                   for j, bs in self.bindings.items() if bs and self.knob(j).system in ("dataclass", "pydantic")}
        return (k.path, k.owner) in self._bound_classes

    def recent(self, path: str, since: dt.datetime | None = None) -> list[Experiment]:
        """The experiments that apply to a file and count as recent: dated from `since` (default:
        the window's start) to as_of, and every documentation example written since (the docs as
        they are now say how the code is meant to be run). Memoised: every knob of the file asks, and a file of a
        popular script is covered by thousands of experiments."""
        got = self._recent.get((path, since))
        if got is None:
            got = [e for e in self.covers.get(path, ()) if self.counts(e, since)]
            self._recent[(path, since)] = got
        return list(got)

    def counts(self, e: Experiment, since: dt.datetime | None = None) -> bool:
        """Whether an experiment is recent for a definition judged from `since` (see recent); the
        documentation counts whatever its date, but not from before the definition was written."""
        if e.date is None or e.date > self.window.as_of:
            return False
        if since is not None:
            return e.date >= since
        return e.is_example or e.date >= self.window.start

    def introduced(self, path: str, line: int) -> dt.datetime | None:
        """When a definition line was written, if inside the window or the grace period (else None)."""
        key = (path, line)
        if key not in self._introduced:
            self._introduced[key] = introduced(self.history, path, line, line, self.window.history_start)
        return self._introduced[key]

    def since(self, path: str, line: int) -> dt.datetime | None:
        """From when experiments count for a definition: the window's start, or the day it was
        introduced when that is later (older experiments could not have set it). None: the
        window's start."""
        when = self.introduced(path, line)
        return when if when is not None and when > self.window.start else None

    def unjudged(self, path: str, line: int) -> bool:
        """Whether a definition is left out of judgement: test code's fixtures, or too new."""
        return is_test_code(path) or self.in_grace(path, line)

    def in_grace(self, path: str, line: int) -> bool:
        """Whether a definition is too new to judge (younger than the grace period); remembered,
        so the run can say how many the grace period kept out."""
        when = self.introduced(path, line)
        young = when is not None and when >= self.window.grace_start
        if young:
            self.graced.add((path, line))
        return young

    def value_in(self, i: int, e: Experiment) -> Any:
        """The value knob i had in experiment e: what it set, else the default."""
        return self.values_in(i, (e,))[0]

    def values_in(self, i: int, experiments: Iterable[Experiment]) -> list[Any]:
        """value_in for each experiment, from one map per knob: a scan of the knob's bindings per
        experiment was quadratic (100k experiments: 7 s of a warm run in the trick and variant rules)."""
        by_experiment = self._values.get(i)
        if by_experiment is None:
            by_experiment = {}
            for b in self.bindings.get(i, ()):
                by_experiment.setdefault(id(b.experiment), b.value)  # the first binding, as a scan finds it
            self._values[i] = by_experiment
        default = self.knob(i).default
        return [by_experiment.get(id(e), default) for e in experiments]

    def is_group(self, e: Experiment, key: str) -> bool:
        """Whether a setting selects a Hydra config group option (`model=resnet`, `override /model`)."""
        if not self.index.hydra_groups:
            return False
        folder = self.index.hydra_entries.get(e.entry or "")
        folders = [folder] if folder is not None else list(self.index.hydra_groups)
        name = key.lstrip("+~").replace(".", "/")
        return any(name in self.index.hydra_groups.get(f, ()) for f in folders)

    def is_read(self, k: Knob) -> bool:
        if k.read_whole:
            return True  # read by reflection with the rest of its object (index/wholes.py)
        names = {normalize(k.name), normalize(k.name).rsplit(".", 1)[-1]} | {normalize(a) for a in k.aliases}
        if names & self.read_keys or names & self.splat_params:
            return True
        # a yacs node its own file spells as a string reads by key from the YAML it loads: Swin's
        # `_C.BASE`, consumed by `yaml_cfg.setdefault('BASE', [''])`
        return k.system == "yacs" and bool(set(k.option_strings) & self._strings_of(k.path))

    def _strings_of(self, path: str) -> set[str]:
        if self._file_strings is None:
            self._file_strings = {f.path: set(f.code_strings) for f in self.index.files if f.code_strings}
        return self._file_strings.get(path, set())

    def last_non_default(self, i: int, since: dt.datetime | None = None) -> tuple[Binding | None, int]:
        """The most recent binding that set knob i to something other than its default, and how
        many recent experiments (from `since`, see recent) set it at all."""
        k = self.knob(i)
        best: Binding | None = None
        recent_sets = 0
        for b in self.bindings.get(i, ()):
            if self.counts(b.experiment, since):
                recent_sets += 1
            if not same_value(b.value, k.default) or k.default is UNKNOWN:
                if best is None or (b.experiment.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc)) > \
                        (best.experiment.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc)):
                    best = b
        return best, recent_sets

    def owners(self, per_setting: list[list[int]]) -> tuple[str, set[str]]:
        """The script that reaches knobs for most of these settings, and the files it reaches.
        Memoised by the settings' knobs: thousands of experiment files set the same keys."""
        key = tuple(sorted(tuple(sorted(set(hits))) for hits in per_setting))
        got = self._owners.get(key)
        if got is None:
            got = self._owners[key] = self._owners_of(per_setting)
        return got

    def _owners_of(self, per_setting: list[list[int]]) -> tuple[str, set[str]]:
        paths = Counter(self.knob(i).path for hits in per_setting for i in set(hits))
        if not paths:
            return "", set()
        entries = self._entry_points()
        n = len(per_setting)
        if not any(real_overlap(self._own(c, per_setting), n) for c in paths if c in entries):
            # no entry point defines a real share of these keys itself: they are keys of modules
            # the scripts import (gpt-neox's NeoXArgs, a yacs config.py, dinov2's default config),
            # and a key or two some script defines too (`--log-interval`, `--seed`) is a chance
            # collision. When several scripts reach those modules, which one runs the config is
            # not known: it belongs to the modules alone, not to whichever script reaches fewest
            # files (dinov2's train configs went to eval/knn.py, gpt-neox's to a data tool)
            modules = [[i for i in hits if self.knob(i).path not in entries] for hits in per_setting]
            if any(modules):
                scripts = [c for c in self._tied(modules) if c in entries]
                if len(scripts) == 1:
                    return scripts[0], self.reach(scripts[0])
                if scripts:
                    shared = set.intersection(*(self.reach(c) for c in scripts)) - set(scripts)
                    defined = Counter(self.knob(i).path for hits in modules for i in set(hits))
                    best = min((p for p in defined if p in shared), key=lambda p: (-defined[p], p), default="")
                    return best, shared
        # among scripts that reach as many of the keys, the most specific entry point wins
        # (`finetune/lora.py`, not the `__main__.py` that dispatches to every subcommand); with no
        # entry point among them, the one that reaches more (the script, not the helper it imports)
        tied = self._tied(per_setting)
        scripts = [c for c in tied if c in entries]
        if not scripts:
            best = max(tied, key=lambda c: len(self.reach(c)))
        else:
            # the entry point that defines most of them itself (`finetune/lora.py` over
            # `finetune/full.py` when each imports the other's modules), then the most specific
            most = max(paths.get(c, 0) for c in scripts)
            best = min((c for c in scripts if paths.get(c, 0) == most), key=lambda c: len(self.reach(c)))
        return best, self.reach(best)

    def _entry_points(self) -> set[str]:
        if self._entries is None:
            # the function a jsonargparse CLI runs is the most specific entry point of all
            commands = {k.path for k in self.index.knobs if k.system == "jsonargparse"}
            self._entries = commands or {f.path for f in self.index.files if f.is_entry}
        return self._entries

    def _tied(self, per_setting: list[list[int]]) -> list[str]:
        """The files that reach knobs for the most of these settings, sorted."""
        if self._importers is None:
            self._importers = {}
            for f, targets in self.index.imports.items():
                for t in targets:
                    self._importers.setdefault(t, set()).add(f)
        # every file that reaches one of them, through any number of imports: a project's
        # train_net.py reaches its config through its package's __init__ (detectron2 projects)
        importers = self._importers
        candidates = reachable({self.knob(i).path for hits in per_setting for i in hits},
                               lambda path: importers.get(path, ()))
        scores = {c: sum(1 for hits in per_setting if any(self.knob(i).path in self.reach(c) for i in hits))
                  for c in candidates}
        top = max(scores.values())
        return sorted(c for c, m in scores.items() if m == top)

    def _own(self, entry: str, per_setting: list[list[int]]) -> int:
        """How many of these settings bind a knob the entry point defines and none of the modules
        it reaches defines too (gpt-neox's data tools have a `--vocab-file` like its NeoXArgs)."""
        reach = self.reach(entry)
        return sum(1 for hits in per_setting
                   if any(self.knob(i).path == entry for i in hits)
                   and not any(self.knob(i).path != entry and self.knob(i).path in reach for i in hits))

    def gates_for(self, i: int) -> list[Gate]:
        """The gates (strong tests of a known config object) that test knob i."""
        if self._gates is None:
            self._gates = {}
            for f in self.index.files:
                for g in f.gates:
                    if g.strong:
                        j = self.gate_knob(g)
                        if j is not None:
                            self._gates.setdefault(j, []).append(g)
        return self._gates.get(i, [])

    def dispatch(self) -> dict[tuple[str, int, int], list[Gate]]:
        """String dispatch chains: (path, chain line, knob) -> arms comparing the knob with string
        literals, where a chain has at least two such arms (`if a == "x": ... elif a == "y": ...`,
        `match a: case "x": ...`). Each arm is a variant (STL201), not a trick."""
        if self._dispatch is None:
            groups: dict[tuple[str, int, int], list[Gate]] = {}
            for f in self.index.files:
                for g in f.gates:
                    if not g.strong or g.combine or g.form == "ternary":
                        continue
                    literal_arm = (g.op == "==" and isinstance(g.value, str)) or (
                        g.op == "in" and isinstance(g.value, (tuple, list)) and g.value
                        and all(isinstance(v, str) for v in g.value))
                    if literal_arm:
                        j = self.gate_knob(g)
                        if j is not None:
                            groups.setdefault((g.path, g.chain, j), []).append(g)
            self._dispatch = {key: arms for key, arms in groups.items() if len(arms) >= 2}
        return self._dispatch

    def is_dispatch_arm(self, g: Gate) -> bool:
        # by position first: a scan of every arm per gate was 170 s of a 50k-file repo's warm run
        if self._arms_at is None:
            self._arms_at = {}
            for arms in self.dispatch().values():
                for a in arms:
                    self._arms_at.setdefault((a.path, a.line, a.column), []).append(a)
        return any(a == g for a in self._arms_at.get((g.path, g.line, g.column), ()))

    def gate_knob(self, g: Gate) -> int | None:
        """The knob a gate tests: one in the gate's own file or the files it imports first."""
        scope = self.reach(g.path)
        hit = self.lookup(g.name, scope) or self.lookup(g.name)
        # a CfgNode's keys are read as spelled: TimeSformer's `cfg['num_classes'] == 1001` tests
        # timm's `default_cfg` dict, not its yacs `MODEL.NUM_CLASSES`
        leaf = g.name.rsplit(".", 1)[-1]
        hit = [i for i in hit if _spelled_as(self.knob(i), leaf)]
        names = {self.knob(i).name for i in hit}
        return hit[0] if len(names) == 1 else None


def _spelled_as(k: Knob, leaf: str) -> bool:
    """Whether code spelling a key's last part `leaf` may read knob k: a yacs key only as defined."""
    return not (k.system == "yacs" and k.option_strings and k.option_strings[0].rsplit(".", 1)[-1] != leaf)


def parent(key: str) -> str:
    """The section a dotted key sits in: `model.depth` -> `model`, `lr` -> ``."""
    key = normalize(key)
    return key.rsplit(".", 1)[0] if "." in key else ""


_MAPPING_TYPE = re.compile(r"\b(?:dict|Dict|Mapping|MutableMapping|DictConfig|json\.loads)\b")


def _parsable(k: Knob) -> bool:
    """A field a command-line parser may build options from (`--field_name`)."""
    return not k.option_strings and (k.cli or k.system in ("dataclass", "pydantic")) and "." not in k.name


def _holds_mapping(k: Knob) -> bool:
    return isinstance(k.default, dict) or bool(k.type_name and _MAPPING_TYPE.search(k.type_name))


def _as_whole(k: Knob, s: Setting, e: Experiment) -> Setting | None:
    """When a key under a flag binds to it (see Facts._holder), the setting of the flag itself:
    its whole value, from every key of the experiment under the same prefix. None for a key that
    names the knob."""
    key = normalize(s.key)
    if "." not in key or k.action in ("new_allowed", "subtree"):
        return None
    names = {normalize(n) for n in (k.name, *k.aliases)}
    parts = key.split(".")
    # as lookup decides: the full name first, then (for a flag declared to hold a mapping) the
    # flag a leading part names, then the key's shorter spellings (`model.fp16` is the flag `fp16`)
    if key in names or (not _holds_mapping(k) and any(".".join(parts[m:]) in names for m in range(len(parts)))):
        return None
    for n in range(1, len(parts)):
        if any(".".join(parts[m:n]) in names for m in range(n)):
            prefix = ".".join(parts[:n])
            return Setting(".".join(spelled_parts(s.key)[:n]), nested_value(e.settings, prefix), s.line, s.form)
    return None


def real_overlap(bound: int, keys: int) -> bool:
    """Whether a config file whose `bound` of `keys` settings bind to one script's knobs belongs to
    that script: at least 2 of them (or all, in a file of one key) and at least a third of the file.
    gpt-neox's 58-key training configs bind 8 keys before its NeoXArgs dataclasses are indexed, one of
    them (`log_interval`) a flag of a data tool; latent-diffusion's configs bind one key of 33-62
    (`data.params.train` to main.py's `--train`): neither is that script's experiment."""
    return bound > 0 and (bound >= 2 or bound == keys) and 3 * bound >= keys


def _bind_value(k: Knob, s: Setting, e: Experiment) -> Any:
    if s.form == "bare":
        if k.nargs == "?" or k.action == "store_const":
            return k.const  # what argparse stores for `--x` alone (None when no const is given)
        return _BARE.get(k.action or "", True if k.action is None else UNKNOWN)
    if s.form == "negated":
        return False
    if e.kind == "launch" and isinstance(s.value, str) and k.type_name not in ("str", "Path", "pathlib.Path"):
        return parse_value(s.value)  # a command line is all strings: `--autotune False` means False
    return s.value


def build(index: Index, experiments: Iterable[Experiment], window: Window, history: History,
          keep: tuple[str, ...] = (), blind: frozenset[str] = frozenset()) -> Facts:
    exps = tuple(e for e in experiments if not window.is_future(e.date))
    facts = Facts(index=index, experiments=exps, window=window, history=history, keep=keep, blind=blind)
    for i, k in enumerate(index.knobs):
        for name in {k.name, *k.aliases}:
            facts.by_name.setdefault(normalize(name), []).append(i)
        facts.by_leaf.setdefault(normalize(k.name).rsplit(".", 1)[-1], []).append(i)
        for o in k.option_strings:
            facts.by_option.setdefault(o, []).append(i)
    # a repo's reads repeat the same few names thousands of times: expand each distinct
    # (name, strong) once into every dotted sub-path it reads
    seen_reads: set[tuple[str, bool]] = set()
    for f in index.files:
        for name, strong in read_names(f.reads) - seen_reads:
            seen_reads.add((name, strong))
            keys = subchains(name)
            facts.read_keys.update(keys)
            if strong:
                facts.strong_read_keys.update(keys)
        if f.known_args:
            facts.known_args_files.add(f.path)
        # a fire entry with `**kwargs`; a launcher whose parser hands what follows the script it
        # runs to that script (`training_script_args` of nargs=REMAINDER: xla_spawn.py, launch.py)
        if f.takes_any_option or any(k.nargs and k.nargs.endswith("REMAINDER") for k in f.knobs):
            facts.open_cli_files.add(f.path)
    if any(f.splats for f in index.files):
        # any splat makes every file's parameters count (each distinct name normalised once)
        facts.splat_params.update(map(normalize, {p for f in index.files for p in f.parameters}))

    for e in exps:
        # a launch command or run record that names its script binds to that script's knobs
        scope = facts.reach(e.entry) if e.entry is not None and e.entry in index.imports else None
        exact = e.kind == "launch" and e.entry in index.hydra_entries
        if index.config_roles.get(e.source) == "experiment":
            # a Hydra experiment file belongs to the scripts of its config tree; its keys are full paths
            tree_entry = next((en for en, folder in sorted(index.hydra_entries.items())
                               if e.source.startswith(f"{folder}/" if folder else "")), None)
            if tree_entry is not None:
                scope, exact = facts.reach(tree_entry), True
        applies: set[str] = set(scope or ())
        defined: set[int] = set()
        bound_here: list[tuple[Setting, list[int]]] = []
        for s in e.settings:
            key = s.key
            hits: list[int] = []
            if s.form == "negated":
                plain = negated(key) or "--" + key.lstrip("-")[3:]
                hits = facts.lookup(key, scope)
                if hits and normalize(facts.knob(hits[0]).name) == normalize(key):
                    s = Setting(s.key, True, s.line, "bare")  # a knob literally named no_x
                elif not hits:
                    hits = facts.lookup(plain, scope)  # `--no-x` sets x to False
            else:
                hits = facts.lookup(key, scope, exact=exact and (s.line is None or e.kind == "config"))
                if not hits and s.form == "bare" and key.startswith("--no") and len(key) > 4:
                    # absl's negation of a boolean: `--nouse_ema` (no dash after `no`)
                    plain_hits = [i for i in facts.lookup("--" + key[4:], scope) if facts.knob(i).system == "absl"]
                    if plain_hits:
                        hits, s = plain_hits, Setting(s.key, True, s.line, "negated")
            if not hits and scope is not None and not key.startswith("-") and not exact:
                hits = facts.lookup(key)
            bound_here.append((s, hits))
        if scope is None:
            # a config file names no script: it belongs to the script whose flags (its own and
            # those of the modules it imports) cover most of its keys, so `model: x` does not make
            # every script with a --model flag its target
            best, owners = facts.owners([hits for _, hits in bound_here])

            def belongs(i: int) -> bool:
                # a function's parameters belong to that function's script alone; parsers built
                # in helper modules and config classes belong to every script that imports them
                k = facts.knob(i)
                return k.path == best or (k.path in owners and k.system not in _FUNCTION_FLAGS)

            # a key some knob defines, though not one of this config's script, is no unknown key
            # (STL103 says "no knob in the code defines it")
            defined = {id(s) for s, hits in bound_here if hits}
            bound_here = [(s, [i for i in hits if belongs(i)]) for s, hits in bound_here]
            if e.kind == "config" and not real_overlap(sum(1 for _, hits in bound_here if hits), len(bound_here)):
                # a few incidental names (`seed`, `dry_run`) shared with some utility script: the
                # config is no experiment of it, and its keys bind to nothing
                bound_here = [(s, []) for s, _ in bound_here]
            else:
                applies |= {best} | {facts.knob(i).path for _, hits in bound_here for i in hits}
        wholes: set[int] = set()  # knobs bound to a mapping of this experiment's keys, once each
        keys: list[tuple[Setting, list[int]]] = []  # bound_here with such a mapping's keys as one key
        for s, hits in bound_here:
            shown: Setting | None = None if hits else s
            for i in hits:
                whole = _as_whole(facts.knob(i), s, e)
                if whole is not None and i in wholes:
                    continue
                if whole is not None:
                    wholes.add(i)
                shown = whole or s
                facts.bindings.setdefault(i, []).append(Binding(e, shown, _bind_value(facts.knob(i), shown, e)))
                applies.add(facts.knob(i).path)
            if shown is not None:
                keys.append((shown, hits))
        # knobs known only from reads with a fallback (`config.get("x", d)`) are not a full list of the
        # keys code defines, so binding to them does not make a config's other keys unknown
        share = sum(1 for _, h in keys if any(facts.knob(i).action != "subtree" for i in h)) \
            / len(keys) if keys else 0.0
        facts.bound_parents[id(e)] = {parent(s.key) for s, h in keys
                                      if any(facts.knob(i).action != "subtree" for i in h)}
        # sections only keys a project added to a library's section bind (`SOLVER` of detectron2)
        facts.library_parents[id(e)] = {parent(s.key) for s, h in keys if h and all(facts.knob(i).library_section
                                                                                   for i in h)} \
            - {parent(s.key) for s, h in keys if h and not all(facts.knob(i).library_section for i in h)}
        for s, hits in keys:
            if not hits and id(s) not in defined:
                facts.unbound.append((e, s, share))
        for path in applies:
            facts.covers.setdefault(path, []).append(e)
    return facts


def evaluate(op: str, left: Any, right: Any) -> bool | None:
    """The truth of a gate's test for one value; None when it cannot be told."""
    if left is UNKNOWN:
        return None
    try:
        if op == "truthy":
            return bool(left)
        if op == "falsy":
            return not left
        if op in ("==", "is"):
            return same_value(left, right)
        if op in ("!=", "is not"):
            return not same_value(left, right)
        if op == "in":
            return any(same_value(left, r) for r in right)
        if op == "not in":
            return not any(same_value(left, r) for r in right)
        if isinstance(left, bool) or not isinstance(left, (int, float)) or not isinstance(right, (int, float)):
            return None
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except (TypeError, ValueError, KeyError):
        return None

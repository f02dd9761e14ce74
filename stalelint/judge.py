"""Knobs x experiments x window -> the facts every rule judges from.

Binding an experiment's settings to knobs is the one place names meet: a launch command's
`--use-ema` binds to the argparse flag its script defines, a config's `model.use_ema` to the
dataclass field reached as `model.use_ema`, and a setting that binds to nothing is kept for
STL103."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .history import History, is_newer_than
from .model import UNKNOWN, Experiment, Gate, Index, Knob, Setting, Window
from .names import normalize, same_value, suffixes

_BARE = {"store_true": True, "store_false": False}


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
    bindings: dict[int, list[Binding]] = field(default_factory=dict)  # knob position -> bindings
    unbound: list[tuple[Experiment, Setting, float]] = field(default_factory=list)  # + share of file bound
    covers: dict[str, list[Experiment]] = field(default_factory=dict)  # file -> experiments that apply
    read_keys: set[str] = field(default_factory=set)
    strong_read_keys: set[str] = field(default_factory=set)
    splat_params: set[str] = field(default_factory=set)
    known_args_files: set[str] = field(default_factory=set)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_option: dict[str, list[int]] = field(default_factory=dict)
    by_leaf: dict[str, list[int]] = field(default_factory=dict)
    _grace: dict[tuple[str, int], bool] = field(default_factory=dict)
    _gates: dict[int, list[Gate]] | None = None
    _reach: dict[str, set[str]] = field(default_factory=dict)
    _importers: dict[str, set[str]] | None = None
    _lookups: dict[tuple[str, int], tuple[set[str] | None, list[int]]] = field(default_factory=dict)
    _grouped: dict[tuple[str, str], dict[str, list[int]]] = field(default_factory=dict)
    _recent: dict[str, list[Experiment]] = field(default_factory=dict)

    def reach(self, path: str) -> set[str]:
        if path not in self._reach:
            self._reach[path] = self.index.reachable(path)
        return self._reach[path]

    # ---- lookups -------------------------------------------------------------------------
    def knob(self, i: int) -> Knob:
        return self.index.knobs[i]

    def lookup(self, key: str, scope: set[str] | None = None) -> list[int]:
        """Knobs a key names: exactly, then by dropping leading sections, then by its last part
        when that is unambiguous. `scope` limits to knobs in those files when given.

        Memoised per (key, scope): thousands of experiments set the same few keys, and every gate
        of a file looks its names up in the same scope (scopes are the cached `reach` sets)."""
        memo = self._lookups.get((key, id(scope)))
        if memo is not None and memo[0] is scope:
            return list(memo[1])
        found = self._lookup(key, scope)
        self._lookups[(key, id(scope))] = (scope, found)  # holding scope keeps its id unique
        return list(found)

    def _lookup(self, key: str, scope: set[str] | None) -> list[int]:
        if key.startswith("-"):
            hit = self._within("option", self.by_option, key, scope)
            if hit:
                return hit
        for suffix in suffixes(key):
            hit = self._within("name", self.by_name, suffix, scope)
            if hit:
                return hit
        leaf = normalize(key).rsplit(".", 1)[-1]
        hit = self._within("leaf", self.by_leaf, leaf, scope)
        knobs = self.index.knobs
        return hit if len({knobs[i].name for i in hit}) == 1 else []

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

    def recent(self, path: str) -> list[Experiment]:
        """The recent experiments that apply to a file. Memoised: every knob of the file asks, and a
        file of a popular script is covered by thousands of experiments."""
        got = self._recent.get(path)
        if got is None:
            start, end = self.window.start, self.window.as_of
            got = [e for e in self.covers.get(path, ()) if e.date is not None and start <= e.date <= end]
            self._recent[path] = got
        return list(got)

    def value_in(self, i: int, e: Experiment) -> Any:
        """The value knob i had in experiment e: what it set, else the default."""
        for b in self.bindings.get(i, ()):
            if b.experiment is e:
                return b.value
        return self.knob(i).default

    def is_read(self, k: Knob) -> bool:
        names = {normalize(k.name), normalize(k.name).rsplit(".", 1)[-1]} | {normalize(a) for a in k.aliases}
        return bool(names & self.read_keys) or bool(names & self.splat_params)

    def in_grace(self, path: str, line: int) -> bool:
        key = (path, line)
        if key not in self._grace:
            self._grace[key] = is_newer_than(self.history, path, line, line, self.window.start)
        return self._grace[key]

    def last_non_default(self, i: int) -> tuple[Binding | None, int]:
        """The most recent binding that set knob i to something other than its default, and how
        many recent experiments set it at all."""
        k = self.knob(i)
        best: Binding | None = None
        recent_sets = 0
        for b in self.bindings.get(i, ()):
            if self.window.is_recent(b.experiment.date):
                recent_sets += 1
            if not same_value(b.value, k.default) or k.default is UNKNOWN:
                if best is None or (b.experiment.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc)) > \
                        (best.experiment.date or dt.datetime.min.replace(tzinfo=dt.timezone.utc)):
                    best = b
        return best, recent_sets

    def owners(self, hits: list[int]) -> set[str]:
        """The files reachable from the script that defines most of these knobs."""
        paths = Counter(self.knob(i).path for i in set(hits))
        if not paths:
            return set()
        if self._importers is None:
            self._importers = {}
            for f, targets in self.index.imports.items():
                for t in targets:
                    self._importers.setdefault(t, set()).add(f)
        candidates = set(paths)
        for p in paths:
            candidates |= self._importers.get(p, set())
        # ties go to the script that reaches more (the entry point, not the helper it imports)
        best = max(sorted(candidates), key=lambda c: (sum(n for p, n in paths.items() if p in self.reach(c)),
                                                       len(self.reach(c))))
        return self.reach(best)

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

    def gate_knob(self, g: Gate) -> int | None:
        """The knob a gate tests: one in the gate's own file or the files it imports first."""
        scope = self.reach(g.path)
        hit = self.lookup(g.name, scope) or self.lookup(g.name)
        names = {self.knob(i).name for i in hit}
        return hit[0] if len(names) == 1 else None


def _bind_value(k: Knob, s: Setting) -> Any:
    if s.form == "bare":
        return _BARE.get(k.action or "", True if k.action is None else UNKNOWN)
    if s.form == "negated":
        return False
    return s.value


def build(index: Index, experiments: Iterable[Experiment], window: Window, history: History,
          keep: tuple[str, ...] = ()) -> Facts:
    exps = tuple(e for e in experiments if not window.is_future(e.date))
    facts = Facts(index=index, experiments=exps, window=window, history=history, keep=keep)
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
        for r in f.reads:
            if (r.name, r.strong) in seen_reads:
                continue
            seen_reads.add((r.name, r.strong))
            parts = normalize(r.name).split(".")
            keys = {".".join(parts[a:b]) for a in range(len(parts)) for b in range(a + 1, len(parts) + 1)}
            facts.read_keys.update(keys)
            if r.strong:
                facts.strong_read_keys.update(keys)
        if f.splats:
            facts.splat_params.update(normalize(p) for p in f.parameters)
        if f.known_args:
            facts.known_args_files.add(f.path)
    if any(f.splats for f in index.files):
        facts.splat_params.update(normalize(p) for f in index.files for p in f.parameters)

    for e in exps:
        scope = facts.reach(e.entry) if e.kind == "launch" and e.entry in index.imports else None
        applies: set[str] = set(scope or ())
        bound_here: list[tuple[Setting, list[int]]] = []
        for s in e.settings:
            key = s.key
            hits: list[int] = []
            if s.form == "negated":
                plain = "--" + key.lstrip("-")[3:]
                hits = facts.lookup(key, scope)  # a knob literally named no_x wins
                if hits:
                    s = Setting(s.key, True, s.line, "bare")
                else:
                    hits = facts.lookup(plain, scope)
            else:
                hits = facts.lookup(key, scope)
            if not hits and scope is not None and not key.startswith("-"):
                hits = facts.lookup(key)
            bound_here.append((s, hits))
        if scope is None:
            # a config file names no script: it belongs to the script whose flags (its own and
            # those of the modules it imports) cover most of its keys, so `model: x` does not make
            # every script with a --model flag its target
            owners = facts.owners([i for _, hits in bound_here for i in hits])
            applies |= owners
            bound_here = [(s, [i for i in hits if facts.knob(i).path in owners]) for s, hits in bound_here]
        for s, hits in bound_here:
            for i in hits:
                facts.bindings.setdefault(i, []).append(Binding(e, s, _bind_value(facts.knob(i), s)))
                applies.add(facts.knob(i).path)
        share = sum(1 for _, h in bound_here if h) / len(bound_here) if bound_here else 0.0
        for s, hits in bound_here:
            if not hits:
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

"""Flags a fix left unread: their only reads were in the code it removed (`--wandb-project` read
only under `if args.track:`). The next `check` would call them STL101, so they go with the fix that
orphaned them, which keeps `fix --apply` idempotent. A flag a launch command passes stays (removing
it would break that command; the next run reports it, as unsafe)."""
from __future__ import annotations

from ..index.file_reads import file_reads
from ..judge import Facts
from ..model import Knob
from ..names import normalize, subchains
from .configs import remove_keys
from .params import remover_for
from .source import Trees


# systems whose unread flag can go without a caller noticing: set only from the command line or a
# config file (a gin or fire parameter may also be passed by a caller; a YAML key is not code)
_SYSTEMS = ("argparse", "dataclass", "pydantic", "absl", "globals", "yacs", "click", "typer")


def read_keys(path: str, text: str, trees: Trees | None = None) -> set[str]:
    """Every knob name a file reads, as the judge counts them (each part of each chain)."""
    key = (path, text)
    if key not in _READ_KEYS:
        # asked twice of every text a fix leaves (whether it orphans a flag, then to record what the
        # file now reads): indexing a large file is most of that
        if len(_READ_KEYS) >= 32:
            del _READ_KEYS[next(iter(_READ_KEYS))]
        _READ_KEYS[key] = _read_keys(path, text, trees)
    return set(_READ_KEYS[key])


_READ_KEYS: dict[tuple[str, str], frozenset[str]] = {}


def _read_keys(path: str, text: str, trees: Trees | None) -> frozenset[str]:
    keys: set[str] = set()
    tree = trees.parsed(path, text) if trees is not None else None
    for r in file_reads(path, text, tree, trees.reads if trees is not None and tree is not None else None):
        keys |= subchains(r.name)
    return frozenset(keys)


class Seen:
    """What a run of fixes looked at of the rest of the repo (workers.py: a run made ahead, in
    another process, holds only if nothing it looked at was changed by the fixes before it).

    Each look is kept with the number of the fix (in the run) that made it, the first time it was
    made: when a look no longer holds, the fixes before the first such fix still do, and only the
    rest of the run is made again."""

    def __init__(self) -> None:
        self.at = 0  # the fix being made, counted from 0 (the runner sets it)
        self.texts: dict[str, int] = {}  # files whose text was read
        # "does anything still read one of these names?": (the names, whether a splatted parameter
        # does, the files that do, the fix)
        self.read_names: list[tuple[frozenset[str], bool, frozenset[str], int]] = []
        self.removed: dict[tuple[str, str], int] = {}  # flags (path, name) it went on as not gone yet
        # "does this file name this word?" (cascade.py asks every file): (word, file, outside its
        # import, the answer, the fix)
        self.words: list[tuple[str, str, bool, bool, int]] = []

    def text(self, path: str) -> None:
        self.texts.setdefault(path, self.at)

    def went(self, flag: tuple[str, str]) -> None:
        self.removed.setdefault(flag, self.at)


class Reads:
    """Which files read which keys, kept up to date as fixes change files."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.seen: Seen | None = None
        self.by_file: dict[str, set[str]] = {}
        for f in facts.index.files:
            keys: set[str] = set()
            for r in f.reads:
                keys |= subchains(r.name)
            self.by_file[f.path] = keys
        self._by_key: dict[str, list[int]] | None = None

    def candidates(self, lost: set[str]) -> list[int]:
        """In index order, the knobs an orphan check may remove when the keys `lost` lose their
        last read: of a system it removes, not positional, its name or leaf one of `lost`. Asked
        after every fix: testing each of the repo's knobs against each fix's lost keys was a
        quarter of the check (cleanrl: 424k tests for 437 fixes)."""
        if self._by_key is None:
            self._by_key = {}
            for i, k in enumerate(self.facts.index.knobs):
                if k.positional or k.system not in _SYSTEMS:
                    continue
                name = normalize(k.name)
                for key in {name, name.rsplit(".", 1)[-1]}:
                    self._by_key.setdefault(key, []).append(i)
        return sorted({i for key in lost for i in self._by_key.get(key, ())})

    def is_read(self, k: Knob) -> bool:
        if k.read_whole:
            return True  # read by reflection with its whole object, which no fix removes
        names = {normalize(k.name), normalize(k.name).rsplit(".", 1)[-1]} | {normalize(a) for a in k.aliases}
        if self.seen is not None:
            splat, files = bool(names & self.facts.splat_params), frozenset(
                p for p, keys in self.by_file.items() if not names.isdisjoint(keys))
            self.seen.read_names.append((frozenset(names), splat, files, self.seen.at))
            return splat or bool(files)
        return bool(names & self.facts.splat_params) or any(names & keys for keys in self.by_file.values())


def orphans(reads: Reads, changed: dict[str, str], read, removed: set[tuple[str, str]],
            trees: Trees | None = None) -> list[str]:
    """Remove (in `changed`) the definitions of flags no longer read once `changed` is written;
    returns what went. `removed` holds (path, name) of flags already gone; it is updated."""
    facts = reads.facts
    trees = trees or Trees(reuse=False)
    was = {p: reads.by_file.get(p, set()) for p in changed if p.endswith(".py")}
    now = {p: read_keys(p, changed[p], trees) for p in was}
    lost = set().union(*was.values()) - set().union(*now.values()) if was else set()
    if not lost:
        return []
    saved = {p: reads.by_file.get(p) for p in now}
    reads.by_file.update(now)
    went: list[str] = []
    try:
        for i in reads.candidates(lost):
            k = facts.index.knobs[i]
            if (k.path, k.name) in removed:
                continue
            if reads.is_read(k) or any(b.experiment.kind == "launch" for b in facts.bindings.get(i, ())):
                continue
            text = changed.get(k.path) or read(k.path)
            if text is None:
                continue
            remover = remover_for(k)
            new = trees.rewrite(trees.cst(text), remover)
            if remover.found != 1 or remover.problem:
                continue
            edits = {k.path: new}
            ok = True
            for source in sorted({b.experiment.source for b in facts.bindings.get(i, ())}):
                cur = changed.get(source) or read(source)
                names = {normalize(k.name), *(normalize(a) for a in k.aliases)}
                new_cfg, problem, _ = remove_keys(source, cur or "", names)
                if problem or new_cfg is None:
                    ok = False
                    break
                edits[source] = new_cfg
            if not ok:
                continue
            changed.update(edits)
            if reads.seen is not None:
                reads.seen.went((k.path, k.name))  # had a fix before removed it, it would stay
            removed.add((k.path, k.name))
            went.append(f"{k.path}: flag `{k.name}`, no longer read")
    finally:
        for p, keys in saved.items():
            if keys is None:
                reads.by_file.pop(p, None)
            else:
                reads.by_file[p] = keys
    return went

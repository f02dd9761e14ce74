"""The frozen records every stage passes to the next, and nothing else.

files -> index (Knob, Read, Gate) -> evidence (Experiment) -> judgement (Finding) -> report.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from .graph import reachable


class _Unknown:
    """A value that exists but cannot be known statically (`--lr $LR`, `default=compute()`)."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Knob:
    """Something an experiment can choose; here a flag with a default."""

    name: str  # full dotted name as experiments spell it: "use_ema", "model.use_ema"
    kind: str  # "flag" (variants and tricks come from other records)
    system: str  # "argparse", "dataclass", ...
    path: str
    line: int
    column: int
    end_line: int
    default: Any = None  # UNKNOWN when the default is not a literal
    required: bool = False
    positional: bool = False
    action: str | None = None  # argparse action: store_true, store_false, ...
    nargs: str | None = None  # argparse nargs as written: "?", "*", "+", "2", "argparse.REMAINDER"
    const: Any = None  # argparse const: the value of a bare `--x` with nargs="?" or a *_const action
    choices: tuple | None = None
    type_name: str | None = None
    option_strings: tuple[str, ...] = ()
    owner: str = ""  # the parser function or config class that holds it
    keep: tuple[str, ...] | None = None  # codes kept inline; () keeps all; None = not kept
    aliases: tuple[str, ...] = ()  # other names that reach the same knob (dest vs. option)
    external_base: bool = False  # config class inherits from a class outside the repo
    library_base: str = ""  # that class, as imported (`transformers.TrainingArguments`), where known
    # a yacs key a project adds to a section of a library's config (detectron2's `SOLVER`, extended by
    # `add_x_config(cfg)`): that section, whose other keys the library defines
    library_section: str = ""
    # dataclass fields: the class is handed to a command-line parser (HfArgumentParser, tyro, ...)
    cli: bool = True
    # code assigns it (`args.x = ...`) or builds its class with it (`Cfg(x=3)`, `Cfg(**d)`), so
    # code, not only experiments, decides its value
    set_in_code: bool = False
    # variants chosen by `getattr(module, args.arch)`: (flag name, file that dispatches)
    selected_by: tuple[str, str] | None = None
    # where code uses the object holding it as a whole (index/wholes.py), as a reason: reads every
    # field by reflection (a weak read: never "unread"), hands it to a library callable that may read
    # it, or only records it (printed, logged, dumped)
    read_whole: str = ""
    passed_whole: str = ""
    recorded_whole: str = ""
    # its class's code sets fields by a name computed at run time (index/self_writes.py), as a reason
    set_by_name: str = ""

    @property
    def takes_value(self) -> bool:
        return self.action not in ("store_true", "store_false", "store_const", "count", "help", "version")


@dataclass(frozen=True)
class Read:
    """A place where a knob's value is read."""

    name: str  # attribute chain after the config object: "use_ema", "model.use_ema"
    path: str
    line: int
    column: int
    strong: bool  # the object is known to be a config/args object, not matched by name alone


def evolve(record: Any, **changes: Any) -> Any:
    """`dataclasses.replace` for the records here, without its per-field checks and `__init__`
    call: linking a 10k-file repo replaces ~45k knobs on every run, and replace() costs ~10 us
    each. The records have no `__post_init__` and are frozen, so copying the field dict is all
    replace() would do."""
    fields = type(record).__dataclass_fields__
    for name in changes:
        if name not in fields:
            raise TypeError(f"{type(record).__name__} has no field {name!r}")
    new = object.__new__(type(record))
    state = new.__dict__
    state.update(record.__dict__)
    state.update(changes)
    return new


class LazyReads(Sequence["Read"]):
    """A file's reads as the cache stores them, by column, made into Read records only when
    something walks them one by one (fix does). A warm `check` only asks which names are read
    (`names()`): building timm's 34k Read records was a tenth of such a run. Equal to the tuple of
    the same records, so a cached FileIndex equals a freshly extracted one."""

    __slots__ = ("_columns", "_count", "_records")

    def __init__(self, count: int, columns: Sequence[Sequence[Any]]):
        self._count = count
        self._columns: Sequence[Sequence[Any]] | None = columns  # one per Read field, in order
        self._records: tuple[Read, ...] | None = None

    def records(self) -> tuple["Read", ...]:
        if self._records is None:
            assert self._columns is not None
            self._records = tuple(map(Read, *self._columns))
            self._columns = None
        return self._records

    def names(self) -> set[tuple[str, bool]]:
        """The distinct (name, strong) pairs read."""
        if self._columns is not None:
            return set(zip(self._columns[0], self._columns[4]))
        return {(r.name, r.strong) for r in self._records or ()}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: Any) -> Any:
        return self.records()[i]

    def __iter__(self) -> Iterator["Read"]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, LazyReads)):
            return self.records() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.records())

    def __repr__(self) -> str:
        return repr(self.records())

    def __reduce__(self) -> Any:
        return (tuple, (self.records(),))


def read_names(reads: Sequence["Read"]) -> set[tuple[str, bool]]:
    """The distinct (name, strong) pairs of a file's reads, without building records that are not built yet."""
    if isinstance(reads, LazyReads):
        return reads.names()
    return {(r.name, r.strong) for r in reads}


@dataclass(frozen=True)
class Gate:
    """A branch whose execution depends on one knob's value: the simplest form of trick."""

    name: str  # the knob read in the test
    path: str
    line: int
    column: int
    op: str  # "truthy", "falsy", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"
    value: Any  # the literal compared with (None for truthy/falsy)
    body: tuple[int, int]  # lines run when the test is true
    orelse: tuple[int, int] | None  # lines run when it is false (else arm, not elif)
    form: str  # "if", "elif", "ternary", "case"
    test: str  # the test's source text, for messages
    strong: bool = True
    chain: int = 0  # line of the first `if` (or `match`) of the chain this arm belongs to
    # "and": one conjunct of the test (never true -> the body is dead; nothing follows for the else)
    # "or": one disjunct (always true -> the else is dead; nothing follows for the body)
    combine: str = ""


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: tuple[str, ...]  # () means every code


@dataclass(frozen=True)
class FileIndex:
    """Everything static extraction found in one Python file; a pure function of its content."""

    path: str
    knobs: tuple[Knob, ...] = ()
    reads: tuple[Read, ...] | LazyReads = ()
    gates: tuple[Gate, ...] = ()
    imports: tuple[str, ...] = ()  # dotted module names imported (absolute, resolved)
    suppressions: tuple[Suppression, ...] = ()
    splats: bool = False  # `**vars(args)` / `**asdict(cfg)`: fields may be read as parameters
    parameters: tuple[str, ...] = ()  # function parameter names (reads through a splat)
    known_args: bool = False  # uses parse_known_args: unknown options are passed on elsewhere
    takes_any_option: bool = False  # a fire entry point with `**kwargs`: every option is accepted
    extended_parser: bool = False  # hands a parser to code that adds options (`Trainer.add_argparse_args(p)`)
    parser_factories: tuple[str, ...] = ()  # imported functions that made a parser it adds options to
    config_classes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # class, (field, type)
    parsed_classes: tuple[str, ...] = ()  # classes handed to a command-line parser in this file
    writes: tuple[str, ...] = ()  # names code assigns on a config object (`args.x = ...`)
    variants: tuple[Knob, ...] = ()  # registered variants (kind "variant")
    defined: tuple[str, ...] = ()  # module-level names this file defines
    code_strings: tuple[str, ...] = ()  # string constants code uses: `create_model("vit")` uses vit
    names_used: tuple[str, ...] = ()  # bare names loaded anywhere in the file
    hydra_mains: tuple[tuple[str, str], ...] = ()  # (config_path, config_name) of @hydra.main
    dispatches: tuple[tuple[str, str, int], ...] = ()  # (module, flag, line): getattr(module, args.arch)
    top_defs: tuple[tuple[str, int, int], ...] = ()  # public module-level functions and classes
    # (function, ((param, default, line, annotation, read in its body, required), ...)) of module-level
    # functions
    signatures: tuple[tuple[str, tuple[tuple[str, Any, int, str, bool, bool], ...]], ...] = ()
    cli_targets: tuple[tuple[str, str], ...] = ()  # (module or "", function) run by jsonargparse.CLI
    is_entry: bool = False  # a script: `if __name__ == "__main__":` or statements run at import
    constructs: tuple[tuple[str, tuple[str, ...], bool], ...] = ()  # class, keywords, has **splat
    errors: tuple["Problem", ...] = ()
    # ml_collections: `DEFINE_config_file(flag, default)` calls here as (flag, default path or ""), and
    # whether this file is a config module (a `get_config` building a ConfigDict)
    config_flags: tuple[tuple[str, str], ...] = ()
    config_module: bool = False
    # plain OmegaConf: the YAML files this module loads and merges over (index/omegaconf_trees.py)
    omegaconf_loads: tuple[tuple[str, str, str], ...] = ()
    # dataclasses not named or parsed as configs, which may be ones all the same (gpt-neox's
    # `NeoXArgsModel`): their fields and (field, type) pairs, for `link` and `promote_by_use` to decide
    candidate_knobs: tuple[Knob, ...] = ()
    candidate_classes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    class_bases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # dataclass -> its base class names
    # every class -> its bases with where each name comes from (index/bases.py)
    class_origins: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # uses of a config object as a whole (index/wholes.py) and fields set by a class's own code
    # (index/self_writes.py), as the tagged tuples those modules describe
    whole_uses: tuple[tuple[str, str, str, str, str, int, str], ...] = ()
    self_writes: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class Setting:
    """One key an experiment sets."""

    key: str  # as spelled in the experiment: "--use-ema", "model.use_ema", "MODEL.USE_EMA"
    value: Any
    line: int | None = None
    # "value" (`--lr 0.1`, `lr: 0.1`), "bare" (`--use-ema` with no value: the action decides), or
    # "negated" (`--no-use-ema`: x=False unless a knob `no_use_ema` exists), "inherited" (a value
    # a config file takes from its `_BASE_` or gin `include`), or "local" (a Python config's variable
    # the file itself uses: mmdetection's `train_pipeline`)
    form: str = "value"


@dataclass(frozen=True)
class Experiment:
    """One piece of evidence that a configuration was run or planned, at a time."""

    source: str  # repo-relative path of the file it came from
    line: int | None
    kind: str  # "config" or "launch"
    date: dt.datetime | None
    date_source: str  # "commit", "mtime"
    settings: tuple[Setting, ...] = ()
    entry: str | None = None  # the script a launch command runs, repo-relative
    command: str | None = None  # the launch command as written
    includes: tuple[str, ...] = ()  # config files the command pulled in

    @property
    def label(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    @property
    def is_example(self) -> bool:
        """A command in documentation (a README's shell block): an example of how to run, not a
        run. It says the knob is meant to be used, whatever its date, but proves little on its own."""
        return self.kind == "launch" and self.source.lower().endswith(DOC_SUFFIXES)


DOC_SUFFIXES = (".md", ".mdx", ".markdown", ".rst", ".txt")
PARAM_SYSTEMS = ("click", "typer", "fire", "jsonargparse", "gin")  # systems whose flags are function parameters


@dataclass(frozen=True)
class Problem:
    """A file or source that could not be read (STL9xx)."""

    code: str
    path: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class LastSet:
    source: str
    date: dt.datetime | None
    value: Any


@dataclass(frozen=True)
class Evidence:
    recent_experiments: int
    total_experiments: int
    recent_settings: int = 0  # recent experiments that set the knob at all
    last_set: LastSet | None = None  # last time it was set to a non-default value


@dataclass(frozen=True)
class Finding:
    code: str
    rule: str
    kind: str  # "flag", "variant", "trick"
    name: str
    path: str
    line: int
    column: int
    message: str
    confidence: int
    removable_lines: int
    evidence: Evidence | None = None
    end_line: int | None = None
    # what, within one knob of one file, the finding is about when a rule can report several (a
    # trick's test text); part of the fingerprint, which must not depend on line numbers
    subject: str = ""
    # judged while some evidence source could not be read: a finding that needed evidence may be
    # wrong, so `fix` does not apply it unless told to
    incomplete: bool = False


@dataclass(frozen=True)
class Window:
    as_of: dt.datetime
    since_days: int
    # a knob younger than this is not judged; one older is judged against the experiments made
    # since it was introduced, when that is later than the window's start
    grace_days: int = 30

    @property
    def start(self) -> dt.datetime:
        return self.as_of - dt.timedelta(days=self.since_days)

    @property
    def grace_start(self) -> dt.datetime:
        return self.as_of - dt.timedelta(days=self.grace_days)

    @property
    def history_start(self) -> dt.datetime:
        """How far back line ages are needed: to the window's start, or the grace period's if longer."""
        return min(self.start, self.grace_start)

    def is_recent(self, when: dt.datetime | None) -> bool:
        return when is not None and self.start <= when <= self.as_of

    def is_future(self, when: dt.datetime | None) -> bool:
        return when is not None and when > self.as_of


@dataclass(frozen=True)
class Result:
    """What a check produced: the input of every report format."""

    root: str
    window: Window
    findings: tuple[Finding, ...]
    errors: tuple[Problem, ...]
    notices: tuple[str, ...]
    experiments_total: int
    experiments_recent: int
    knobs: int
    files: int
    counts: Mapping[str, int] = field(default_factory=dict)
    hidden: int = 0  # findings below min_confidence, left out
    hidden_thin: int = 0  # of those, the ones hidden for thin evidence (the rest: a doubt each names)
    min_confidence: int = 0


@dataclass(frozen=True)
class Index:
    """The whole repo's static facts, linked across files."""

    files: tuple[FileIndex, ...]
    knobs: tuple[Knob, ...]
    imports: Mapping[str, tuple[str, ...]]  # file -> repo files it imports
    errors: tuple[Problem, ...] = ()
    variants: tuple[Knob, ...] = ()  # registry variants whose registry is defined in the repo
    config_roles: Mapping[str, str] = field(default_factory=dict)  # yaml -> "definition" | "experiment"
    hydra_entries: Mapping[str, str] = field(default_factory=dict)  # entry script -> its config folder
    hydra_groups: Mapping[str, frozenset[str]] = field(default_factory=dict)  # config folder -> groups
    hydra_nodes: frozenset[str] = frozenset()  # Hydra nodes that hold only its own keys (`hook: {_name_: null}`)
    # config objects read or passed whole where their class is not known (a repo-wide doubt)
    unknown_wholes: tuple[str, ...] = ()

    def reachable(self, entry: str) -> set[str]:
        """Files an entry script reaches through imports, itself included."""
        return reachable((entry,), lambda path: self.imports.get(path, ()))


@dataclass(frozen=True)
class Fix:
    """The planned removal of one finding's knob or dead branch, with its applicability."""

    finding: Finding
    safe: bool
    reasons: tuple[str, ...]  # why it is unsafe (empty when safe)
    knob: Knob | None = None  # the flag whose definition goes (STL101, STL102)
    fold: bool = False  # its reads are replaced by its default (STL102)
    fold_files: tuple[str, ...] = ()  # files whose strong reads are folded
    gate: Gate | None = None  # the gate whose test is forced (STL301)
    gate_value: bool = False  # the value the gate's test is forced to
    gate_ordinal: int = 0  # which of the same-looking gates in its file
    configs: tuple[str, ...] = ()  # experiment config files whose keys for the knob go
    introduced_line: int | None = None  # the line whose blame says who wrote it
    supported: bool = True  # False: a finding fix has no rewrite for yet (shown, never made)
    variant: Knob | None = None  # the registered or chosen variant whose definition goes (STL201)
    variant_whole: bool = True  # its whole function or class goes, not only its registration
    choice_of: Knob | None = None  # the flag whose `choices` entry `choice` goes (STL201)
    choice: Any = None


@dataclass(frozen=True)
class FixOutcome:
    """What became of one planned fix: the texts before and after, or why it was not made."""

    fix: Fix
    status: str  # "applied" (or would be, in a dry run), "unsafe", "failed", "refused"
    message: str = ""
    before: Mapping[str, str] = field(default_factory=dict)
    after: Mapping[str, str] = field(default_factory=dict)
    cascade: tuple[str, ...] = ()  # what went with it because it became unused
    emptied: tuple[str, ...] = ()  # config files left with no settings

"""One run of the pipeline: files -> index -> evidence -> judgement -> Result."""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path
from typing import Callable

from . import evidence, index, judge, rules
from .config import Settings
from .cache import IndexCache, content_hash
from .discover import FileSet, decode_text, discover, read_text
from .mentions import Mentions
from .history import History
from dataclasses import replace

from .evidence import TrackerOptions
from .model import FileIndex, Finding, Index, Problem, Result, Window
from .parse_pool import index_many
from .names import matches_any


def _under(rel: str, prefixes: tuple[str, ...]) -> bool:
    return any(p in ("", ".") or rel == p or rel.startswith(p.rstrip("/") + "/") for p in prefixes)


def build_index(files: FileSet, settings: Settings, use_cache: bool = False, jobs: int | None = None,
                store: IndexCache | None = None) -> Index:
    """Index every Python file: from the cache where its content was indexed before, the rest
    parsed (in parallel when there is enough of it). With `store`, the caller saves it."""
    own = store is None and use_cache
    if own:
        store = IndexCache(files.root, settings)
    slots: list[FileIndex | None] = []
    todo: list[tuple[int, str, str, str | None]] = []  # slot, path, text, content hash
    problems: list[Problem] = []
    for rel in files.files:
        if not rel.endswith(".py") or not _under(rel, settings.paths):
            continue
        full = os.path.join(files.root, rel)
        try:
            st = os.stat(full)
        except OSError:
            st = None
        if st is None or st.st_size > settings.max_file_size or store is None:
            text, problem = read_text(files.root, rel, settings.max_file_size)
            if problem:
                problems.append(problem)
            else:
                todo.append((len(slots), rel, text or "", None))
                slots.append(None)
            continue
        store.seen(rel)
        digest = store.known_hash(rel, st)
        record = store.load(rel, digest) if digest else None
        if record is None:
            try:
                with open(full, "rb") as fh:
                    data = fh.read()
            except OSError:
                text, problem = read_text(files.root, rel, settings.max_file_size)  # for its message
                problems.append(problem or Problem("STL902", rel, "cannot read"))
                continue
            digest = content_hash(data)
            store.remember(rel, st, digest)
            record = store.load(rel, digest)
            if record is None:
                text, problem = decode_text(rel, data)
                if problem:
                    problems.append(problem)
                    continue
                todo.append((len(slots), rel, text or "", digest))
        slots.append(record)
    for (slot, rel, _, digest), record in zip(todo, index_many([(rel, text) for _, rel, text, _ in todo], jobs)):
        slots[slot] = record
        if store is not None and digest is not None:
            store.store(rel, digest, record)
    if own and store is not None:
        store.save()
    linked = index.link([s for s in slots if s is not None], problems)
    return index.add_config_trees(linked, files.root, files.files, settings.max_file_size)


def _quiet(stage: str) -> None:
    pass


def run(root: Path, settings: Settings, window: Window, only: tuple[str, ...] = (),
        progress: Callable[[str], None] = _quiet, use_cache: bool = True, jobs: int | None = None) -> Result:
    """Analyse the repo at `root`; report findings under the `only` paths (all when empty).
    `progress` is told the name of each stage as it starts (for a status line)."""
    return analyse(root, settings, window, only, progress, use_cache, jobs)[0]


def analyse(root: Path, settings: Settings, window: Window, only: tuple[str, ...] = (),
            progress: Callable[[str], None] = _quiet, use_cache: bool = True,
            jobs: int | None = None) -> tuple[Result, judge.Facts]:
    """`run`, and the facts it judged from (the fixer needs the index and the bindings)."""
    progress("finding files")
    files = discover(root, settings.exclude)
    progress(f"indexing {len(files.files)} files")
    store = IndexCache(root, settings) if use_cache else None
    idx = build_index(files, settings, jobs=jobs, store=store)
    progress("reading git history")
    history = History.read(root, files.tracked, files.git, use_cache)
    progress("reading experiments")
    gathered = evidence.gather(files, idx, history, settings.experiments, settings.launch, settings.max_file_size,
                               trackers_of(settings, window), store=store)
    if store is not None:
        store.save()
    idx = index.promote_by_use(idx, gathered.experiments)  # dataclasses whose fields experiments set
    progress("judging")
    facts = judge.build(idx, gathered.experiments, window, history, settings.keep, gathered.blind)
    facts.mentioned = Mentions(files, settings.max_file_size)
    notices = list(history.notices) + list(gathered.notices)
    if files.submodules:
        shown = ", ".join(files.submodules[:5]) + (", ..." if len(files.submodules) > 5 else "")
        notices.append(f"{len(files.submodules)} git submodule{'s' if len(files.submodules) != 1 else ''} not "
                       f"scanned ({shown}): each is its own repository; run stalelint in it")
    blind = Counter(k.system for k in idx.knobs if k.system in gathered.blind)
    for system, n in sorted(blind.items()):
        notices.append(f"{n} {system} knobs not judged stale: some {system} experiment files could not be read "
                       f"(see the errors), and missing evidence is not evidence of disuse")

    def on(code: str) -> bool:
        return rules.selected(code, settings.select, settings.ignore, settings.extend_select)

    findings: list[Finding] = []
    if on(rules.unread_flag.CODE):
        findings.extend(rules.unread_flag.check(facts))
    if not facts.experiments:
        notices.append("no experiments found (no config files under the experiment globs, no launch commands "
                       "in scripts or READMEs): only STL101 is reported, since missing evidence is not "
                       "evidence of disuse")
    else:
        findings.extend(judged(facts, on, notices))
    history.save()  # the line ages this run worked out, for the next
    findings = mark_incomplete(findings, gathered, notices)
    shown = [f for f in findings if on(f.code) and not matches_any(f.name, settings.keep)
             and (not only or _under(f.path, only))]
    findings = [f for f in shown if f.confidence >= settings.min_confidence]
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    errors = sorted(set(files.problems) | set(idx.errors) | set(gathered.problems),
                    key=lambda p: (p.path, p.code, p.line or 0))
    errors = [e for e in errors if on(e.code) and (not only or _under(e.path, only))]
    recent = sum(1 for e in facts.experiments if window.is_recent(e.date))
    return Result(root=str(root), window=window, findings=tuple(findings), errors=tuple(errors),
                  notices=tuple(notices), experiments_total=len(facts.experiments), experiments_recent=recent,
                  knobs=len(idx.knobs), files=len(idx.files),
                  counts=dict(Counter(f.code for f in findings)), hidden=len(shown) - len(findings),
                  hidden_thin=sum(1 for f in shown if f.confidence < settings.min_confidence
                                  and "thin evidence" in f.message),
                  min_confidence=settings.min_confidence), facts


def judged(facts: judge.Facts, on: Callable[[str], bool], notices: list[str]) -> list[Finding]:
    """The rules that judge knobs against experiments, and the notices of what they left unjudged."""
    idx = facts.index
    out: list[Finding] = []
    stale = list(rules.stale_flag.check(facts)) if on(rules.stale_flag.CODE) else []
    never = list(rules.never_varied.check(facts))
    if on(rules.never_varied.CODE):
        stale += never
    elif never:
        notices.append(f"{len(never)} flag{'s' if len(never) != 1 else ''} never set to anything but "
                       f"{'their' if len(never) != 1 else 'its'} default by any experiment (STL104 never-varied, "
                       f"off by default: `--extend-select STL104` shows them)")
    out.extend(stale)
    if on(rules.unknown_setting.CODE):
        out.extend(rules.unknown_setting.check(facts))
    if on(rules.stale_variant.CODE):
        out.extend(rules.stale_variant.check(facts))
    if on(rules.stale_trick.CODE):
        # a stale flag's finding counts the lines of the branches it gates: not reported twice
        stale_at = {(f.path, f.line, f.column) for f in stale}
        stale_ids = {i for i, k in enumerate(idx.knobs) if (k.path, k.line, k.column) in stale_at}
        out.extend(rules.stale_trick.check(facts, stale_ids))
    if on(rules.stale_entry_point.CODE):
        out.extend(rules.stale_entry_point.check(facts))
    unjudged = Counter(k.path for k in idx.knobs if not k.positional and k.path not in facts.covers)
    if unjudged:
        names = ", ".join(sorted(unjudged)[:5]) + (", ..." if len(unjudged) > 5 else "")
        # (STL101 still looks at them: "never read" needs no experiment, and two labellers took
        # "not judged stale" beside an STL101 finding of the same file for a contradiction)
        files = "file" if len(unjudged) == 1 else "files"
        notices.append(f"{sum(unjudged.values())} flags in {len(unjudged)} {files} not judged against experiments "
                       f"(only whether code reads them): no experiment sets any of them or runs their script ({names})")
    idle = Counter(k.path for k in idx.knobs if k.kind == "flag" and not k.positional and k.path in facts.covers
                   and not facts.recent(k.path))
    if idle:
        names = ", ".join(sorted(idle)[:5]) + (", ..." if len(idle) > 5 else "")
        notices.append(f"{sum(idle.values())} flags in {len(idle)} files not judged one by one: no recent experiment "
                       f"sets any of them or runs their script ({names}); STL401 (off by default: "
                       "`--extend-select STL401`) reports such scripts")
    if facts.graced:
        n = len(facts.graced)
        notices.append(f"{n} definition{'s' if n != 1 else ''} younger than the grace period "
                       f"({facts.window.grace_days} days) not judged against experiments yet (`--grace` sets it; "
                       "whether code reads them is judged at any age)")
    return out


def trackers_of(settings: Settings, window: Window) -> TrackerOptions:
    return TrackerOptions(window=window, mlflow_uri=settings.mlflow_uri, timeout=float(settings.tracker_timeout),
                          enabled=settings.trackers)


def mark_incomplete(findings: list[Finding], gathered: evidence.Gathered, notices: list[str]) -> list[Finding]:
    """The one place findings learn that some evidence was missing: when a tracker source or an
    experiment file could not be read, every finding that needed evidence may be wrong (the unread
    runs may have used the knob), so it is marked, says so, and `fix` leaves it alone unless told."""
    missing = list(gathered.incomplete)
    unread_files = sum(1 for p in gathered.problems if p.code in ("STL902", "STL903") and p.path.endswith(
        (".yaml", ".yml", ".json", ".toml", ".sh", ".bash", ".slurm", ".sbatch", ".md", "Makefile")))
    if unread_files:
        missing.append(f"{unread_files} experiment file{'s' if unread_files != 1 else ''}")
    if not missing:
        return findings
    what = ", ".join(missing)
    notices.append(f"some evidence could not be read ({what}): findings that need experiments are judged on "
                   f"incomplete evidence and marked so; `fix` will not apply them unless told to")
    return [replace(f, incomplete=True, message=f"{f.message} [judged on incomplete evidence: {what} unreadable]")
            if f.code in NEEDS_EVIDENCE else f for f in findings]


# the rules whose verdict rests on experiments (STL103 reports what an experiment set: still true)
NEEDS_EVIDENCE = {"STL102", "STL104", "STL201", "STL301", "STL401"}


def experiments(root: Path, settings: Settings, window: Window, use_cache: bool = True):
    """Every experiment found, with its date and whether it is recent (for `stalelint experiments`)."""
    files = discover(root, settings.exclude)
    store = IndexCache(root, settings) if use_cache else None
    idx = build_index(files, settings, store=store)
    history = History.read(root, files.tracked, files.git, use_cache)
    gathered = evidence.gather(files, idx, history, settings.experiments, settings.launch, settings.max_file_size,
                               trackers_of(settings, window), store=store)
    if store is not None:
        store.save()
    return gathered, history


def today() -> dt.datetime:
    now = dt.datetime.now(dt.timezone.utc)
    return now


def window_for(as_of: str | None, since_days: int, grace_days: int = 30) -> Window:
    if as_of:
        when = dt.datetime.fromisoformat(as_of)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        if len(as_of) == 10:  # a date means the end of that day
            when = when + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    else:
        when = today()
    return Window(as_of=when, since_days=since_days, grace_days=grace_days)

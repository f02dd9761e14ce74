"""`stalelint fix`: plan a fix per finding, make them on an in-memory copy, show or write them.

plan.py decides safety, engine.py makes each fix (definitions.py, fold.py + simplify.py,
configs.py, then cascade.py), write.py puts files back atomically.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..check import analyse
from ..config import Settings
from ..discover import discover
from ..model import FixOutcome, Window
from ..names import normalize
from .engine import Workspace, make_all
from .orphans import Reads
from .patch import unified
from .plan import plan
from .write import dirty_files_later, write_together


@dataclass
class Run:
    root: Path
    outcomes: list[FixOutcome]
    texts: dict[str, str]  # final text of every file the kept fixes changed
    originals: dict[str, str]  # what those files held before

    @property
    def applied(self) -> list[FixOutcome]:
        return [o for o in self.outcomes if o.status == "applied"]


def _wanted(name: str, knobs: tuple[str, ...]) -> bool:
    n = normalize(name)
    return any(normalize(k) in (n, n.rsplit(".", 1)[-1]) for k in knobs)


def run(root: Path, settings: Settings, window: Window, scope: tuple[str, ...] = (), knobs: tuple[str, ...] = (),
        unsafe: bool = False, force: bool = False, ours: frozenset[str] = frozenset(), show: bool = True,
        reuse: bool = True, progress: Callable[[str], None] = lambda stage: None, jobs: int | None = None,
        record: bool = False) -> Run:
    """`ours`: files an earlier round of this same `fix --apply` wrote, which are uncommitted only
    because of it (so they are not refused as the user's uncommitted changes). `reuse=False`: parse
    and rewrite whole files for every fix (source.py), the reference the fast way must equal.
    `progress` is told each stage (a status line); `jobs`: processes that make fixes (workers.py);
    `record`: the kept fixes will go to the graveyard (their patches back are worked out with them)."""
    dirty_now = dirty_files_later(root)  # answered while the repo is analysed
    result, facts = analyse(root, settings, window, scope, progress)
    progress("planning fixes")
    findings = tuple(f for f in result.findings if not knobs or _wanted(f.name, knobs))
    fixes = plan(root, facts, findings)
    files = discover(root, settings.exclude).files
    classes = {c for fi in facts.index.files for c, _ in fi.config_classes}
    ws = Workspace(root, files, classes, Reads(facts), reuse)
    ws.recorded = record
    dirty = (dirty_now() or set()) - ours
    # a config git ignores (read from disk: evidence/ignored.py) has no history to restore it from;
    # like an untracked one, it is touched only with --force
    dirty |= {p for f in fixes for p in f.configs} - set(files) - ours
    outcomes = make_all(ws, fixes, dirty, force, unsafe, show, progress, jobs)
    originals: dict[str, str] = {}
    for o in outcomes:
        if o.status == "applied":
            for p, t in o.before.items():
                originals.setdefault(p, t)
    return Run(root, outcomes, {p: ws.texts[p] for p in originals}, originals)


def write(run: Run, also: dict[str, tuple[str | None, str]] | None = None) -> list[str]:
    """Write every kept fix's files, and `also` (the graveyard: path -> (old, new text)), as one
    transaction (see write.py); returns the fixed paths written."""
    changes: dict[str, tuple[str | None, str]] = {
        p: (run.originals[p], run.texts[p]) for p in sorted(run.texts) if run.texts[p] != run.originals[p]}
    write_together(run.root, {**changes, **(also or {})})
    return list(changes)


def render(run: Run) -> str:
    """Every fix as a marked unified diff: what it is, whether it is safe and why."""
    out = []
    for o in run.outcomes:
        f = o.fix.finding
        label = {"applied": "safe" if o.fix.safe else "unsafe, made because of --unsafe",
                 "unsafe": "unsafe, not made without --unsafe", "failed": "not made",
                 "refused": "refused", "skipped": "already removed", "unsupported": "no automatic fix yet"}[o.status]
        out.append(f"# {f.code} {f.name} ({f.path}:{f.line}) [{label}]\n")
        out.append(f"#   why stale: {f.message}\n")
        if o.status == "unsupported":
            out.append(f"#   {o.message}\n\n")
            continue
        if not o.fix.safe:
            for r in o.fix.reasons:
                out.append(f"#   unsafe: {r}\n")
        if o.message:
            out.append(f"#   {o.message}\n")
        elif o.status == "unsafe" and not o.after:
            out.append("#   not made, so no diff here: `stalelint fix` without --apply shows it\n")
        for c in o.cascade:
            out.append(f"#   also removed, now unused: {c}\n")
        for c in o.emptied:
            out.append(f"#   {c} now sets nothing else: consider deleting it\n")
        for path in sorted(o.after):
            out.append(unified(path, o.before[path], o.after[path]))
        out.append("\n")
    return "".join(out)

"""Baselines, for adopting stalelint in an old repo: record today's findings by fingerprint, then
report only what is new. Also the comparison of two results (a pull request against its base)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .fingerprint import fingerprints
from .model import Finding, Result

DEFAULT_FILE = ".stalelint-baseline.json"
VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str = ""
    path: str = ""
    name: str = ""


def entries(result: Result) -> list[Entry]:
    return [Entry(fp, f.code, f.path, f.name) for f, fp in zip(result.findings, fingerprints(result.findings))]


def dumps(result: Result) -> str:
    rows = sorted(entries(result), key=lambda e: (e.path, e.code, e.name, e.fingerprint))
    doc = {"version": VERSION, "tool": "stalelint", "as_of": result.window.as_of.date().isoformat(),
           "findings": [{"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "name": e.name} for e in rows]}
    return json.dumps(doc, indent=2) + "\n"


def write(result: Result, path: Path) -> int:
    """Write the baseline atomically; returns how many findings it holds."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(result), encoding="utf-8")
    tmp.replace(path)
    return len(result.findings)


def load(path: Path) -> list[Entry]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found; `stalelint baseline` writes one") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: the baseline is not valid JSON ({exc})") from None
    rows = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("fingerprint"), str)
                                             for r in rows):
        raise BaselineError(f"{path}: not a stalelint baseline (expected {{\"findings\": [{{\"fingerprint\": "
                            f"...}}, ...]}})")
    if doc.get("version", VERSION) != VERSION:
        raise BaselineError(f"{path}: baseline version {doc.get('version')!r} is not supported (expected {VERSION})")
    return [Entry(r["fingerprint"], str(r.get("code", "")), str(r.get("path", "")), str(r.get("name", "")))
            for r in rows]


def apply(result: Result, baseline: list[Entry], label: str,
          considered: Callable[[str, str], bool] = lambda code, path: True) -> Result:
    """The result without the findings the baseline holds, with a notice saying how many were hidden
    and how many baseline entries (of the codes and paths this run looks at) match nothing now."""
    known = {e.fingerprint for e in baseline}
    fps = fingerprints(result.findings)
    kept = [f for f, fp in zip(result.findings, fps) if fp not in known]
    current = set(fps)
    stale = sum(1 for e in baseline if e.fingerprint not in current and considered(e.code, e.path))
    hidden = len(result.findings) - len(kept)
    notice = f"baseline {label}: {hidden} known finding{'s' if hidden != 1 else ''} hidden"
    if stale:
        notice += (f"; {stale} baseline entr{'ies' if stale != 1 else 'y'} no longer match any finding "
                   f"(fixed or changed; `stalelint baseline` refreshes the file)")
    return replace(result, findings=tuple(kept), counts=dict(Counter(f.code for f in kept)),
                   notices=(*result.notices, notice))


@dataclass(frozen=True)
class Comparison:
    """Findings of a head result against a base result, by fingerprint."""

    new: tuple[Finding, ...]  # stale in head, not in base: what the change makes stale
    gone: tuple[Finding, ...]  # in base, not in head: what the change revives or removes


def compare(head: Result, base: Result) -> Comparison:
    head_fps, base_fps = fingerprints(head.findings), fingerprints(base.findings)
    in_head, in_base = set(head_fps), set(base_fps)
    new = tuple(f for f, fp in zip(head.findings, head_fps) if fp not in in_base)
    gone = tuple(f for f, fp in zip(base.findings, base_fps) if fp not in in_head)
    return Comparison(new, gone)

"""JSON: a contract CI scripts rely on. Keys are only ever added, never renamed or removed."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..fingerprint import fingerprints, problem_fingerprints
from ..model import UNKNOWN, Finding, Result

VERSION = 1


def _value(v: Any) -> Any:
    if v is UNKNOWN:
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _value(x) for k, x in v.items()}
    return repr(v)


def _date(when: dt.datetime | None) -> str | None:
    return when.date().isoformat() if when else None


def finding(f: Finding, fingerprint: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f.code, "rule": f.rule, "kind": f.kind, "name": f.name, "path": f.path, "line": f.line,
        "column": f.column, "end_line": f.end_line or f.line, "message": f.message, "confidence": f.confidence,
        "removable_lines": f.removable_lines, "evidence": None, "incomplete": f.incomplete,
    }
    if f.evidence is not None:
        e = f.evidence
        out["evidence"] = {
            "recent_experiments": e.recent_experiments, "total_experiments": e.total_experiments,
            "recent_settings": e.recent_settings,
            "last_set": {"source": e.last_set.source, "date": _date(e.last_set.date), "value": _value(e.last_set.value)}
            if e.last_set else None,
        }
    if fingerprint is not None:
        out["fingerprint"] = fingerprint
    return out


def document(result: Result) -> dict[str, Any]:
    return {
        "version": VERSION,
        "as_of": result.window.as_of.date().isoformat(),
        "since_days": result.window.since_days,
        "grace_days": result.window.grace_days,
        "experiments": {"total": result.experiments_total, "recent": result.experiments_recent},
        "findings": [finding(f, fp) for f, fp in zip(result.findings, fingerprints(result.findings))],
        "errors": [{"code": p.code, "path": p.path, "line": p.line, "message": p.message, "fingerprint": fp}
                   for p, fp in zip(result.errors, problem_fingerprints(result.errors))],
        "notices": list(result.notices),
        "summary": {"files": result.files, "knobs": result.knobs, "counts": dict(sorted(result.counts.items())),
                    "hidden": result.hidden, "min_confidence": result.min_confidence},
    }


def render(result: Result) -> str:
    return json.dumps(document(result), indent=2) + "\n"

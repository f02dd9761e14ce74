"""The one place a finding's fingerprint is made: a stable id that survives line moves.

A fingerprint hashes what a finding is about, never where it sits: the rule code, the kind, the
file, the knob's name and the finding's subject (a trick's test). Findings that would still share
all of these (the same flag defined by two parsers in one file) are told apart by their order of
occurrence in the file, which edits elsewhere in the file do not change. JSON, SARIF, baselines and
the pull-request comment all use these ids.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from typing import Iterable, Sequence

from .model import Finding, Problem

VERSION = "v1"


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _ordered(keys: Sequence[tuple[str, ...]], order: Sequence[tuple]) -> tuple[str, ...]:
    """The digest of each key plus its occurrence number among equal keys, counted in `order`."""
    seen: Counter[tuple[str, ...]] = Counter()
    out: list[str] = [""] * len(keys)
    for i in sorted(range(len(keys)), key=lambda i: order[i]):
        key = keys[i]
        out[i] = _digest((VERSION, *key, str(seen[key])))
        seen[key] += 1
    return tuple(out)


def fingerprints(findings: Sequence[Finding]) -> tuple[str, ...]:
    """One fingerprint per finding, in the same order."""
    keys = [(f.code, f.kind, f.path, f.name, f.subject) for f in findings]
    return _ordered(keys, [(f.path, f.line, f.column, f.code) for f in findings])


def problem_fingerprints(problems: Sequence[Problem]) -> tuple[str, ...]:
    """One fingerprint per error (STL9xx): its code and file."""
    keys = [(p.code, "error", p.path) for p in problems]
    return _ordered(keys, [(p.path, p.line or 0, p.code) for p in problems])

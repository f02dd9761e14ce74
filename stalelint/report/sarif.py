"""SARIF 2.1.0, as GitHub code scanning accepts it: rule metadata from each rule's DOC, one result
per finding and per error (STL9xx), repo-relative locations, and stable partial fingerprints."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__, rules
from ..fingerprint import fingerprints, problem_fingerprints
from ..model import Finding, Problem, Result
from .json_format import finding as json_finding

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "stalelint/v1"
ROOT = "%SRCROOT%"


def _sections(doc: str) -> dict[str, str]:
    """`What: ...` / `Why: ...` paragraphs of a rule's DOC, by label (continuation lines joined)."""
    out: dict[str, str] = {}
    label = ""
    for line in doc.strip().splitlines():
        m = re.match(r"^([A-Z][A-Za-z ]{1,20}):\s+(.*)$", line)
        if m:
            label = m.group(1)
            out[label] = m.group(2)
        elif label:
            out[label] += " " + line.strip()
    return out


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _help_markdown(doc: str) -> str:
    parts = _sections(doc)
    if not parts:
        return doc
    return "\n\n".join(f"**{label}:** {text}" for label, text in parts.items())


def _rule(code: str, name: str, doc: str, level: str, kind: str) -> dict[str, Any]:
    parts = _sections(doc)
    what = _sentence(parts.get("What", doc.strip().splitlines()[0] if doc.strip() else name))
    full = " ".join(_sentence(p) for p in (parts.get("What"), parts.get("Why")) if p) or doc.strip()
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": what},
        "fullDescription": {"text": full},
        "help": {"text": doc.strip(), "markdown": _help_markdown(doc)},
        "defaultConfiguration": {"level": level, "enabled": rules.on_by_default(code)},
        "properties": {"tags": ["maintainability", kind]},
    }


def rule_descriptors() -> list[dict[str, Any]]:
    """Every rule stalelint has, findings first, then the error codes."""
    out = [_rule(r.CODE, r.NAME, r.DOC, "warning", r.KIND) for r in rules.RULES]
    out += [_rule(code, name, doc, "error", "error") for code, (name, doc) in rules.ERRORS.items()]
    return out


def _location(path: str, line: int | None, column: int | None = None, end_line: int | None = None) -> dict:
    region: dict[str, int] = {"startLine": max(line or 1, 1)}
    if column:
        region["startColumn"] = max(column, 1)
    if end_line and end_line >= region["startLine"]:
        region["endLine"] = end_line
    return {"physicalLocation": {"artifactLocation": {"uri": quote(path), "uriBaseId": ROOT}, "region": region}}


def _finding(f: Finding, fp: str, index: dict[str, int]) -> dict[str, Any]:
    detail = json_finding(f)
    props = {"kind": f.kind, "name": f.name, "confidence": f.confidence, "removableLines": f.removable_lines}
    if detail["evidence"] is not None:
        props["evidence"] = detail["evidence"]
    return {
        "ruleId": f.code,
        **({"ruleIndex": index[f.code]} if f.code in index else {}),
        "level": "warning",
        "message": {"text": f.message},
        "locations": [_location(f.path, f.line, f.column, f.end_line or f.line)],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
        "rank": float(f.confidence),
        "properties": props,
    }


def _problem(p: Problem, fp: str, index: dict[str, int]) -> dict[str, Any]:
    return {
        "ruleId": p.code,
        **({"ruleIndex": index[p.code]} if p.code in index else {}),
        "level": "error",
        "message": {"text": p.message},
        "locations": [_location(p.path, p.line)],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
    }


def document(result: Result) -> dict[str, Any]:
    descriptors = rule_descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = [_finding(f, fp, index) for f, fp in zip(result.findings, fingerprints(result.findings))]
    results += [_problem(p, fp, index) for p, fp in zip(result.errors, problem_fingerprints(result.errors))]
    root = Path(result.root).resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "stalelint", "version": __version__, "semanticVersion": __version__,
                                "rules": descriptors}},
            "originalUriBaseIds": {ROOT: {"uri": root}},
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "note", "message": {"text": n}} for n in result.notices],
            }],
            "results": results,
            "properties": {
                "asOf": result.window.as_of.date().isoformat(), "sinceDays": result.window.since_days,
                "experiments": {"total": result.experiments_total, "recent": result.experiments_recent},
                "knobs": result.knobs, "files": result.files,
            },
        }],
    }


def render(result: Result) -> str:
    return json.dumps(document(result), indent=2) + "\n"

"""Delete a removed knob's keys from experiment config files, keeping the rest of each file as it was.

YAML goes through ruamel.yaml's round-trip mode (it keeps comments, quoting and key order; PyYAML
would drop every comment); JSON, TOML and Python-assignment configs lose just the key's line. Every
edit is checked by reading the file back: its settings must be exactly the old ones minus the
removed keys, or the edit is refused with a message rather than guessed at.
"""
from __future__ import annotations

import difflib
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..evidence.configs import BadConfig, NotAConfig, read_settings
from ..names import normalize


def _settings(path: str, text: str) -> dict[str, Any] | None:
    try:
        return {s.key: repr(s.value) for s in read_settings(path, text)}
    except (BadConfig, NotAConfig):
        return None


def _match(key: str, removed: set[str]) -> bool:
    return normalize(key) in removed


def _yaml(text: str, keys: list[str]) -> str | None:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        data = yaml.load(text)
    except (YAMLError, RecursionError):  # ruamel recurses per level: 300 levels PyYAML read are too deep for it
        return None
    for key in keys:
        node, parts = data, key.split(".")
        for p in parts[:-1]:
            node = node.get(p) if hasattr(node, "get") else None
        if hasattr(node, "pop"):
            node.pop(parts[-1], None)
        # a section left empty goes too
        for depth in range(len(parts) - 1, 0, -1):
            parent = data
            for p in parts[: depth - 1]:
                parent = parent.get(p) if hasattr(parent, "get") else None
            child = parent.get(parts[depth - 1]) if hasattr(parent, "get") else None
            if hasattr(child, "keys") and not len(child):
                parent.pop(parts[depth - 1], None)
    out = io.StringIO()
    try:
        yaml.dump(data, out)
    except RecursionError:
        return None
    return out.getvalue()


def _drop_lines(path: str, text: str, keys: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    found = {s.key: s.line for s in read_settings(path, text)}
    doomed = {found[k] for k in keys if found.get(k)}
    if path.endswith((".yaml", ".yml")):
        doomed = {i + 1 for i in _key_lines(text, doomed)}
    for line in sorted(doomed, reverse=True):
        gone = lines.pop(line - 1)
        if path.endswith(".json") and not gone.rstrip().endswith(","):
            # the last entry of its object went: the one before it must lose its comma
            for i in range(line - 2, -1, -1):
                if lines[i].strip():
                    stripped = lines[i].rstrip()
                    if stripped.endswith(","):
                        lines[i] = stripped[:-1] + lines[i][len(stripped):]
                    break
    return "".join(lines)


def _key_lines(text: str, lines: set[int]) -> set[int]:
    """0-based lines a removed key may take: its own line and the more indented ones under it."""
    rows = text.splitlines()
    out: set[int] = set()
    for line in lines:
        i = line - 1
        out.add(i)
        indent = len(rows[i]) - len(rows[i].lstrip())
        j = i + 1
        while j < len(rows) and rows[j].strip() and len(rows[j]) - len(rows[j].lstrip()) > indent:
            out.add(j)
            j += 1
    # a YAML section left with nothing under it goes too (`model:` once `model.use_rope` went), and
    # so, in turn, its parent: one pass from the bottom, where each line's entry says whether it and
    # everything under it goes (a pass per level over every line was cubic on deep nesting)
    below: list[tuple[int, bool]] = []  # (indent, it and all under it go) of lines not yet under a parent
    for i in range(len(rows) - 1, -1, -1):
        row = rows[i]
        if not row.strip():
            continue
        indent = len(row) - len(row.lstrip())
        under, gone = False, True
        while below and below[-1][0] > indent:
            under = True
            gone = below.pop()[1] and gone
        if under and gone and row.rstrip().endswith(":"):
            out.add(i)
        below.append((indent, i in out and gone))
    return out | _described(rows, out)


def _described(rows: list[str], out: set[int]) -> set[int]:
    """Lines that go with removed YAML lines `out`: the comments right above a removed block when the
    block ends its group (a blank line, the end, or a shallower line follows), as for Python
    statements, and then one blank line of the two the removal would leave together."""
    more: set[int] = set()
    i = 0
    while i < len(rows):
        if i not in out:
            i += 1
            continue
        start = i
        while i < len(rows) and i in out:
            i += 1
        indent = len(rows[start]) - len(rows[start].lstrip())
        after = rows[i] if i < len(rows) else ""
        ends = not after.strip() or len(after) - len(after.lstrip()) < indent
        j = start - 1
        if ends:
            while j >= 0 and rows[j].lstrip().startswith("#") and len(rows[j]) - len(rows[j].lstrip()) == indent:
                more.add(j)
                j -= 1
        before = rows[j] if j >= 0 else None
        if before is not None and not before.strip() and (i >= len(rows) or not after.strip()):
            more.add(j)  # `a\n\n<removed>\n\nb` keeps one blank line; a removed tail leaves none
    return more


def _only_deletions(old: str, new: str, allowed: set[int]) -> bool:
    """Whether `new` is `old` with only `allowed` lines deleted and nothing else touched (a JSON
    comma aside): a comment or a neighbour's line going too is refused."""
    a, b = old.splitlines(), new.splitlines()
    # of two blank lines side by side, which one went is the diff's choice, not the edit's
    spare_blanks = sum(1 for i in allowed if i < len(a) and not a[i].strip())
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete" and all(i in allowed or not a[i].strip() for i in range(i1, i2)):
            spare_blanks -= sum(1 for i in range(i1, i2) if i not in allowed)
            if spare_blanks < 0:
                return False
            continue
        if tag == "replace" and all(x.rstrip(",") == y.rstrip(",") for x, y in zip(a[i1:i2], b[j1:j2])) \
                and i2 - i1 >= j2 - j1:
            continue
        return False
    return True


def remove_keys(path: str, text: str, names: set[str]) -> tuple[str | None, str | None, bool]:
    """(new text, why it could not be edited, whether nothing is left in it) for a config file
    whose keys naming any of `names` (normalised) must go."""
    before = _settings(path, text)
    if before is None:
        return None, f"{path}: cannot read it back as a config", False
    keys = [k for k in before if _match(k, names)]
    if not keys:
        return text, None, False
    expected = {k: v for k, v in before.items() if k not in keys}
    allowed = _key_lines(text, {s.line for s in read_settings(path, text) if s.key in keys and s.line})
    # line by line first (it takes a removed key's comments with it); a round trip through ruamel.yaml
    # when that is not enough (a flow mapping `{a: 1, b: 2}` on one line)
    tries = [lambda: _drop_lines(path, text, keys)]
    if path.endswith((".yaml", ".yml")):
        tries.append(lambda: _yaml(text, keys))
    for attempt in tries:
        new = attempt()
        if new is None or not _only_deletions(text, new, allowed):
            continue
        if (not new.strip() and not expected) or _settings(path, new) == expected:
            return new, None, not expected
    return None, f"{path}: could not delete {', '.join(keys)} without changing other settings; edit it by hand", False

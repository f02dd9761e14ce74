"""gin-config files: `fn.param = value` bindings (with optional `scope/` and module path),
`include 'other.gin'`, `import module` lines, and macros (`LR = 0.1`, `train.lr = %LR`).

A binding is a setting keyed as written (`scope/module.fn.param`; the normaliser turns `/` into `.`,
so the judge's suffix lookup finds the knob `fn.param`). A macro is kept as a setting keyed `%NAME`
and a value that refers to one as `Macro(NAME)`; `resolve_macros` substitutes them after the
included files' settings have been merged in, since an included file may define the macro.
Values are read with `ast.literal_eval`, never evaluated; `@fn` / `@fn()` references stay strings.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from ..model import UNKNOWN, Setting

_KEY = re.compile(r"^([A-Za-z_][\w./]*)\s*=(?!=)\s*(.*)$", re.DOTALL)
_INCLUDE = re.compile(r"""^include\s+(['"])(.+)\1\s*$""")
_REFERENCE = re.compile(r"@[A-Za-z_][\w./]*(?:\(\))?")
_MACRO = re.compile(r"%[A-Za-z_][\w./]*")


class GinSyntaxError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"invalid gin (line {line}): {message}")
        self.line = line


@dataclass(frozen=True)
class Macro:
    name: str


def _statements(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each statement: comments dropped, bracketed values joined."""
    out: list[tuple[int, str]] = []
    buf, start, depth, quote = "", 0, 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        kept = []
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\":
                    kept.append(line[i: i + 2])
                    i += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                break
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth < 0:
                    raise GinSyntaxError(number, f"unmatched {ch!r}")
            kept.append(ch)
            i += 1
        piece = "".join(kept).rstrip()
        if quote and not piece.endswith("\\"):
            raise GinSyntaxError(number, "unterminated string")
        if not buf and not piece.strip():
            continue
        if not buf:
            start = number
        buf += (" " if buf else "") + piece.strip()
        if depth == 0 and not piece.endswith("\\"):
            out.append((start, buf))
            buf = ""
    if buf or depth:
        raise GinSyntaxError(start, "unclosed bracket at end of file")
    return out


def parse_value(text: str, line: int) -> Any:
    text = text.strip()
    if not text:
        raise GinSyntaxError(line, "binding has no value")
    if _MACRO.fullmatch(text):
        return Macro(text[1:])
    if _REFERENCE.fullmatch(text):
        return text
    quoted = _MACRO.sub(lambda m: repr(m.group(0)), _REFERENCE.sub(lambda m: repr(m.group(0)), text))
    try:
        return ast.literal_eval(quoted)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise GinSyntaxError(line, f"cannot read value {text[:40]!r}") from None


def read(text: str) -> tuple[list[Setting], list[str]]:
    """(settings, included files as written) of a gin file. Raises GinSyntaxError."""
    settings: list[Setting] = []
    includes: list[str] = []
    for line, stmt in _statements(text):
        if stmt.startswith(("import ", "from ")):
            continue
        m = _INCLUDE.match(stmt)
        if m:
            includes.append(m.group(2))
            continue
        m = _KEY.match(stmt)
        if not m:
            raise GinSyntaxError(line, f"expected `name.param = value`, `include` or `import`, got {stmt[:40]!r}")
        key, value = m.group(1), parse_value(m.group(2), line)
        if "." not in key.rsplit("/", 1)[-1]:
            settings.append(Setting("%" + key, value, line))  # a macro definition
        else:
            settings.append(Setting(key, value, line))
    return settings, includes


def binding(text: str) -> list[Setting]:
    """Settings of a `--gin_bindings` value (one or more bindings, newline separated)."""
    return read(text)[0]


def resolve_macros(settings: list[Setting]) -> list[Setting]:
    """Substitute `%MACRO` values with the (last) definition; drop the definitions."""
    macros = {s.key[1:]: s.value for s in settings if s.key.startswith("%")}
    out = []
    for s in settings:
        if s.key.startswith("%"):
            continue
        value, seen = s.value, set()
        while isinstance(value, Macro) and value.name not in seen:
            seen.add(value.name)
            value = macros.get(value.name, UNKNOWN)
        out.append(Setting(s.key, UNKNOWN if isinstance(value, Macro) else value, s.line, s.form))
    return out

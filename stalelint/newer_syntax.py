"""Say so when a file fails to parse only because it is written for a newer Python than the one
stalelint runs on (`def f[T](x: T)` on 3.11), so the error reads as "run a newer Python", not
"your code is broken".

Recognised from the SyntaxError and the line it points at, which is free and never wrong about a
file that parses. libcst's parser knows newer grammar and could confirm it, but it cannot give the
extractors the `ast` tree they need (so no findings either way), it costs ~9x an `ast.parse`, and
its native parser can overflow the C stack on hostile input that `ast` rejected (fix/nesting.py).
"""
from __future__ import annotations

import re
import sys

# (first Python that reads it, what it is, the SyntaxError line it shows on, or the error message)
_TYPE_PARAMS = re.compile(r"^\s*(?:(?:async\s+)?def|class)\s+\w+\s*\[|^\s*type\s+\w+\s*(?:\[[^=]*\])?\s*=")
_TYPE_PARAM_DEFAULT = re.compile(r"^\s*(?:(?:async\s+)?def|class|type)\s+\w+\s*\[[^\]]*=")
_BARE_EXCEPT_TUPLE = re.compile(r"^\s*except\*?\s+[\w.]+\s*,")
_EXCEPT_STAR = re.compile(r"^\s*except\s*\*")
_TEMPLATE_STRING = re.compile(r"(?<![\w'\"])[tT][rR]?['\"]")


def _feature(msg: str, line: str) -> tuple[tuple[int, int], str] | None:
    if _TYPE_PARAM_DEFAULT.match(line):
        return (3, 13), "type parameter defaults (PEP 696)"
    if _TYPE_PARAMS.match(line):
        return (3, 12), "type parameters or a `type` alias (PEP 695)"
    if msg.startswith("f-string"):  # before 3.12 f-strings had their own, narrower grammar
        return (3, 12), "an f-string that older Pythons cannot read (PEP 701)"
    if _EXCEPT_STAR.match(line):
        return (3, 11), "`except*` for exception groups (PEP 654)"
    if _BARE_EXCEPT_TUPLE.match(line) and "parenthesized" in msg:
        return (3, 14), "`except` of several types without brackets (PEP 758)"
    if msg == "invalid syntax" and _TEMPLATE_STRING.search(line):
        return (3, 14), "a template string (PEP 750)"
    return None


def explain(exc: SyntaxError, source: str) -> str | None:
    """Why `source` failed to parse, when the reason is a newer Python's syntax; else None."""
    lines = source.splitlines() if exc.lineno else []
    line = exc.text or (lines[exc.lineno - 1] if exc.lineno and exc.lineno <= len(lines) else "")
    found = _feature(exc.msg or "", line)
    if found is None or sys.version_info[:2] >= found[0]:
        return None
    (major, minor), what = found
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return (f"uses syntax newer than the Python {running} stalelint runs on ({what}, Python {major}.{minor}+); "
            f"run stalelint on Python {major}.{minor} or later to analyse it")

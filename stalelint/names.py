"""One normaliser for knob names, one parser for values as records store them.

The same knob is spelled `--use-mixup`, `args.use_mixup`, `use_mixup=true`, `model.use_mixup`,
`model/use_mixup`, `MODEL.USE_MIXUP` or `+model.use_mixup`; every stage compares names through
`normalize` so that they meet. Values come back from launch scripts and trackers as strings
(`"True"`, `"None"`, `"1e-3"`, `"{'a': 1}"`); `parse_value` turns them back into Python values and
`same_value` compares them with a default the way a person would (1 == 1.0, "True" == True).
"""
from __future__ import annotations

import ast
import functools
import json
import math
import re
from typing import Any, Iterable

from .model import UNKNOWN

_PREFIX = re.compile(r"^(?:--?|\+\+|\+|~)")


_DOTS = re.compile(r"\.+")


@functools.lru_cache(maxsize=1 << 16)
def normalize(name: str) -> str:
    """Canonical comparison key of a knob name: lower case, `_` for `-`, `.` for `/`.

    Memoised: the judge normalises every read of every file, mostly the same few hundred names."""
    name = name.strip()
    name = _PREFIX.sub("", name)
    name = name.replace("/", ".").replace("-", "_")
    name = _DOTS.sub(".", name).strip(".")
    return name.lower()


@functools.lru_cache(maxsize=1 << 16)
def subchains(name: str) -> frozenset[str]:
    """Every run of consecutive parts of a normalised name (`a.b.c`: a, b, c, a.b, b.c, a.b.c): the
    keys a read of it counts for. Memoised: a fix asks them of every read of each text it leaves."""
    parts = normalize(name).split(".")
    return frozenset(".".join(parts[a:b]) for a in range(len(parts)) for b in range(a + 1, len(parts) + 1))


def option_to_dest(option: str) -> str:
    """argparse's rule: `--a-b` -> `a_b`, `-x` -> `x`."""
    return option.lstrip("-").replace("-", "_")


def suffixes(name: str) -> list[str]:
    """`a.b.c` -> [`a.b.c`, `b.c`, `c`]: the ways a nested key may be spelled without its section."""
    parts = normalize(name).split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def spelled_parts(key: str) -> list[str]:
    """A key's dotted parts as the experiment spells them (`normalize` lowers and joins them)."""
    return [p for p in _PREFIX.sub("", key.strip()).replace("/", ".").split(".") if p]


def nested_value(settings: Iterable[Any], prefix: str) -> dict[str, Any]:
    """The mapping that settings' keys under `prefix` (normalised) spell: `zero_optimization.stage: 1`
    and `zero_optimization.offload.device: cpu` under `zero_optimization` are
    `{"stage": 1, "offload": {"device": "cpu"}}`, keys as the experiment spells them (a default
    mapping is compared key by key). The first of two settings of the same key wins, as a binding
    does; a key that is both a value and a section keeps the value."""
    depth = prefix.count(".") + 1
    out: dict[str, Any] = {}
    for s in settings:
        if not normalize(s.key).startswith(prefix + "."):
            continue
        parts = spelled_parts(s.key)[depth:]
        node = out
        for p in parts[:-1]:
            child = node.setdefault(p, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(parts[-1], s.value)
    return out


_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_NONE = {"none", "null", "~", "nil"}
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_value(text: Any) -> Any:
    """Turn a recorded string back into the value it stood for. Non-strings pass through."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    if low in _NONE or s == "":
        return None if s else ""
    if _NUMBER.match(s):
        try:
            return int(s.replace("_", ""))
        except ValueError:
            try:
                return float(s.replace("_", ""))
            except ValueError:
                return s
    if low in ("inf", "+inf", "-inf", "nan"):
        return float(low)
    if s[0] in "[{(":
        for loader in (json.loads, ast.literal_eval):
            try:
                return loader(s)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
    return s


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        value = parse_value(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return repr(value)
        return float(value)
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    return value


def same_value(a: Any, b: Any) -> bool:
    """True when two values are the same setting. UNKNOWN is never the same as anything."""
    if a is UNKNOWN or b is UNKNOWN:
        return False
    ca, cb = _canonical(a), _canonical(b)
    if isinstance(ca, bool) != isinstance(cb, bool):
        return False
    try:
        return bool(ca == cb)
    except (TypeError, ValueError):
        return False


def show(value: Any) -> str:
    """A value as a person reads it in a message."""
    if value is UNKNOWN:
        return "a value not known statically"
    if isinstance(value, str):
        return repr(value)
    return repr(value)


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether a knob name matches one of the `keep` patterns (globs on the normalised name)."""
    from fnmatch import fnmatchcase

    key = normalize(name)
    return any(fnmatchcase(key, normalize(p)) or fnmatchcase(key.rsplit(".", 1)[-1], normalize(p))
               for p in patterns)

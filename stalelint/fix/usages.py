"""Commands written inside Python code that pass a flag: a test's
`subprocess.run("python cleanrl/c51.py --save-model ...")`, a driver that builds launch lines.

They are not experiments (a test exercises a flag, it does not choose a value for research), so they
do not make a flag recent; but removing the flag would make them fail, so they make its fix unsafe.
"""
from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..discover import find_named
from ..index.astutil import nodes
from ..evidence import launch
from ..names import normalize

if TYPE_CHECKING:
    from ..judge import Facts
    from ..model import Knob
    from .plan import Sources

# a file can only hold a python command in a string if it names a .py file
_MAYBE = re.compile(r"\.py\b|-m\s+[\w.]+")


@dataclass(frozen=True)
class Call:
    path: str  # the file the command is written in
    line: int
    entry: str  # the repo file it runs
    keys: frozenset[str]  # normalized names of the options and overrides it passes


def _strings(tree: ast.AST):
    """(line, text) of each string that may be a command: constants, f-strings with their
    placeholders as `X`, and argv lists of string constants (`["python", "a.py", "--x"]`)."""
    for node in nodes(tree, ast.Constant, ast.JoinedStr, ast.List, ast.Tuple):  # in ast.walk's order
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "X"
                                       for v in node.values)
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            yield node.lineno, shlex.join(e.value for e in node.elts)  # type: ignore[attr-defined]


def calls(src: "Sources", facts: "Facts") -> list[Call]:
    """Every python command written in a string of the repo's Python files (read once per plan)."""
    listed = {f.path for f in facts.index.files}
    # `python -m pkg.mod` resolved as evidence.gather resolves it
    modules = launch.Modules(listed)
    out: list[Call] = []
    whole = frozenset(listed)  # what a command resolves against, besides the file's own text
    for f in facts.index.files:
        text = src.text(f.path)
        if not text or not _MAYBE.search(text) or "-" not in text:
            continue
        kept = src.kept(f.path)
        if kept.get("usages", (None,))[0] != whole:
            kept["usages"] = (whole, _calls_in(src, f.path, listed, modules))
        out += kept["usages"][1]
    return out


def _calls_in(src: "Sources", path: str, listed: set[str], modules: launch.Modules) -> list[Call]:
    out: list[Call] = []
    tree = src.tree(path)
    if tree is not None:
        for line, s in _strings(tree):
            if " -" not in s or (".py" not in s and "-m " not in s):
                continue
            for cmd in launch.commands("cmd.sh", s):
                entry = modules.resolve(cmd.entry) if cmd.module else find_named(cmd.entry, path, listed, near_first=False)
                if entry is None:
                    continue
                settings, _ = launch.parse_args(cmd.args, lambda option: None)
                keys = frozenset(normalize(s.key) for s in settings)
                if keys:
                    out.append(Call(path, line, entry, keys))
    return out


def passing(found: list[Call], facts: "Facts", k: "Knob", names: set[str]) -> list[str]:
    """Why the knob's fix is unsafe: each command in code that passes it to a script reaching it."""
    out = []
    for c in found:
        if not c.keys & names:
            continue
        if c.entry != k.path and (k.path not in facts.reach(c.entry) or _own(facts, c.entry, names)):
            continue  # the script does not reach the knob, or parses a flag of that name itself
        key = sorted(c.keys & names)[0]
        out.append(f"{c.path}:{c.line} runs {c.entry} with `{key}`; that command would fail without the flag")
    return out


def _own(facts: "Facts", path: str, names: set[str]) -> bool:
    return any(normalize(j.name) in names for j in facts.index.knobs if j.path == path)

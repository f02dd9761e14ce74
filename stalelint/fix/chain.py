"""A file's fixes as one chain of line changes, so any of them can be undone however the others stand.

The graveyard stores, per fix and file, the text before and after it. When the fixes of one run
follow each other (each one's text before is the one before it left), every line that ever was in
the file gets an identity: the first version's lines, then the lines each fix wrote. Each fix deletes
some identities and adds others, at known places in one order of all of them. The file with any set
of the fixes undone is then the identities the remaining fixes leave, in that order: no merge, so a
flag removed beside another removed flag comes back alone (git's three-way merge calls changes to
adjacent lines a conflict). A fix whose written lines a later fix changed cannot be undone without it,
nor a line whose section or block header (the line above it indented less) a later fix removed: it
would come back under another one (nanoT5: `mlm_probability` under `model:` once `data:` was gone).
"""
from __future__ import annotations

import difflib


class Chain:
    """The versions of one file through consecutive fixes: `versions[0]` before the first, and
    `versions[k]` after fix k (1-based)."""

    def __init__(self, versions: list[str]) -> None:
        first = versions[0].splitlines(keepends=True)
        self.text: list[str] = list(first)  # identity -> its line
        self.order: list[int] = list(range(len(first)))  # every identity, in file order
        self.by: dict[int, int] = {}  # identity -> the fix that wrote it (first version's: none)
        self.gone: dict[int, int] = {}  # identity -> the fix that deleted it
        # identity -> the line it was under when deleted (the closest line above it indented less:
        # its YAML section, its Python block); None at the top level or for a blank line
        self.parent: dict[int, int | None] = {}
        live = list(range(len(first)))
        for k in range(1, len(versions)):
            a, b = versions[k - 1].splitlines(keepends=True), versions[k].splitlines(keepends=True)
            out: list[int] = []
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
                if tag == "equal":
                    out += live[i1:i2]
                    continue
                for at in range(i1, i2):
                    self.gone[live[at]] = k
                    self.parent[live[at]] = self._parent(live, at)
                new = list(range(len(self.text), len(self.text) + j2 - j1))
                self.text += b[j1:j2]
                for ident in new:
                    self.by[ident] = k
                # the written lines go where the hunk's first line after it is, after what it deleted
                at = self.order.index(live[i2]) if i2 < len(live) else len(self.order)
                self.order[at:at] = new
                out += new
            live = out

    def _parent(self, live: list[int], at: int) -> int | None:
        depth = _indent(self.text[live[at]])
        if depth is None or depth == 0:
            return None
        for ident in reversed(live[:at]):
            d = _indent(self.text[ident])
            if d is not None and d < depth:
                return ident
        return None

    def text_without(self, undone: set[int]) -> str | None:
        """The file with the fixes numbered in `undone` not made; None when a fix made after one of
        them changed lines it wrote (it cannot be undone alone), or removed the line a line coming
        back was under (a YAML section a later fix emptied and removed: the key would land in the
        section above)."""
        for ident, k in self.gone.items():
            if k not in undone and self.by.get(ident) in undone:
                return None
            if k in undone and (up := self.parent.get(ident)) is not None and up in self.gone \
                    and self.gone[up] not in undone:
                return None
        return "".join(self.text[i] for i in self.order
                       if self.by.get(i) not in undone
                       and (i not in self.gone or self.gone[i] in undone))


def _indent(line: str) -> int | None:
    """How far a line is indented; None for a blank one."""
    body = line.lstrip(" \t")
    return None if not body.strip() else len(line) - len(body)

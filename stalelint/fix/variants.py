"""Stale variants: a registered function or class (`@register_model`, `@MODELS.register_module()`),
an entry of a dict registry (`MODELS = {"a": A, "b": B}`), a function chosen by
`getattr(module, args.arch)`, and a value of a flag's `choices`.

A registered or chosen function goes whole when nothing else in the repo names it (the cascade then
takes what only it used); otherwise only its registration goes, which plan.py calls unsafe.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from typing import Any

import libcst as cst

from .definitions import RemoveStatements, chain
from .params import click_options, drop, drop_bracketed
from .simplify import literal_value
from .source import longest_word


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def registration(d: cst.Decorator) -> tuple[str, str | None] | None:
    """(registry symbol, explicit name) of a registering decorator, as index/variants.py reads it."""
    target = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
    parts = chain(target, partial=True)
    if not parts or "register" not in parts[-1].lower():
        return None
    symbol = parts[0] if len(parts) > 1 else parts[-1]
    name = None
    if isinstance(d.decorator, cst.Call):
        named = next((a.value for a in d.decorator.args if a.keyword and a.keyword.value == "name"), None)
        name = _string(named)
        if name is None:
            strings = [s for a in d.decorator.args if a.keyword is None and (s := _string(a.value)) is not None]
            name = strings[-1] if strings else None
    return symbol, name


class RemoveVariant(RemoveStatements):
    """Remove variant `name` of `owner`: for "registry" the decorated definition (whole, or only the
    decorator when `whole` is False), for "getattr" the module-level definition, for
    "registry-dict" the entry of the dict assigned to `owner`."""

    def __init__(self, system: str, name: str, owner: str, whole: bool = True) -> None:
        super().__init__()
        self.system, self.name, self.owner, self.whole = system, name, owner, whole
        self.found = 0
        self.defined: str | None = None  # the name of the definition that went (or lost its decorator)
        self.problem: str | None = None
        self._depth = 0

    def keys(self) -> set[str] | None:
        word = longest_word(self.owner if self.system == "registry-dict" else self.name)
        return {word} if word else None

    def visit_FunctionDef(self, node) -> None:
        self._depth += 1

    visit_ClassDef = visit_FunctionDef

    def _definition(self, updated):
        self._depth -= 1
        if self._depth:
            return updated
        if self.system == "getattr":
            if updated.name.value == self.name:
                self.found += 1
                self.defined = updated.name.value
                return self.doom(updated)
            return updated
        if self.system != "registry":
            return updated
        for d in updated.decorators:
            got = registration(d)
            if got and got[0] == self.owner and (got[1] or updated.name.value) == self.name:
                self.found += 1
                self.defined = updated.name.value
                if self.whole:
                    return self.doom(updated)
                rest = [x for x in updated.decorators if x is not d]
                if rest and d is updated.decorators[0]:
                    rest[0] = rest[0].with_changes(leading_lines=[*d.leading_lines, *rest[0].leading_lines])
                return updated.with_changes(decorators=rest)
        return updated

    def leave_FunctionDef(self, original, updated):
        return self._definition(updated)

    leave_ClassDef = leave_FunctionDef

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if self.system != "registry-dict" or self._depth or len(updated.targets) != 1 \
                or not isinstance(updated.targets[0].target, cst.Name) \
                or updated.targets[0].target.value != self.owner or not isinstance(updated.value, cst.Dict):
            return updated
        doomed = lambda e: isinstance(e, cst.DictElement) and _string(e.key) == self.name  # noqa: E731
        hits = [e for e in updated.value.elements if doomed(e)]
        if not hits:
            return updated
        self.found += 1
        d = updated.value
        kept, ws = drop_bracketed(d.elements, doomed, d.rbrace.whitespace_before)
        if not kept:
            self.problem = f"it is the last entry of `{self.owner}`"
            return updated
        return updated.with_changes(value=d.with_changes(elements=kept, rbrace=d.rbrace.with_changes(
            whitespace_before=ws)))


def _container(call: cst.Call, system: str, options: set[str], name: str) -> cst.Arg | None:
    """The argument holding a flag's choices in its defining call, if that call is this flag's."""
    parts = chain(call.func, partial=True)
    last = parts[-1] if parts else ""
    if system == "argparse" and last == "add_argument":
        opts = {s for a in call.args if a.keyword is None and (s := _string(a.value))}
        if opts == options:
            return next((a for a in call.args if a.keyword and a.keyword.value == "choices"), None)
    if system == "absl" and last in ("DEFINE_enum", "DEFINE_multi_enum"):
        positional = [a for a in call.args if a.keyword is None]
        first = positional[0].value if positional else next(
            (a.value for a in call.args if a.keyword and a.keyword.value == "name"), None)
        if _string(first) == name:
            return positional[2] if len(positional) > 2 else next(
                (a for a in call.args if a.keyword and a.keyword.value == "enum_values"), None)
    return None


class RemoveChoice(cst.CSTTransformer):
    """Remove `value` from the literal `choices` of a flag's definition (argparse `choices=[...]`,
    click `type=click.Choice([...])`, absl `DEFINE_enum(name, default, [...])`)."""

    def __init__(self, system: str, name: str, options: tuple[str, ...], value: Any) -> None:
        super().__init__()
        self.system, self.name, self.options, self.value = system, name, set(options), value
        self.found = 0
        self.problem: str | None = None

    def keys(self) -> set[str] | None:
        word = longest_word(self.name if self.system == "absl" else " ".join(sorted(self.options)))
        return {word} if word else None

    def _drop(self, arg: cst.Arg) -> cst.Arg:
        seq = arg.value
        if not isinstance(seq, (cst.List, cst.Tuple, cst.Set)):
            self.problem = "its choices are not written as a list"
            return arg
        doomed = lambda e: isinstance(e, cst.Element) and literal_value(e.value) == self.value  # noqa: E731
        if not any(doomed(e) for e in seq.elements):
            return arg
        self.found += 1
        if isinstance(seq, cst.List):
            bracket, attr = seq.rbracket, "rbracket"
        elif isinstance(seq, cst.Set):
            bracket, attr = seq.rbrace, "rbrace"
        else:
            bracket, attr = (seq.rpar[0] if seq.rpar else None), "rpar"
        if bracket is not None:
            kept, ws = drop_bracketed(seq.elements, doomed, bracket.whitespace_before)
        else:
            kept, ws = drop(seq.elements, doomed), None
        if not kept:
            self.problem = "it is the only choice"
            return arg
        if isinstance(seq, cst.Tuple) and len(kept) == 1 and not isinstance(kept[0].comma, cst.Comma):
            kept[0] = kept[0].with_changes(comma=cst.Comma())  # ("a",) stays a tuple
        changes: dict[str, Any] = {"elements": kept}
        if bracket is not None:
            new = bracket.with_changes(whitespace_before=ws)
            changes[attr] = [new, *seq.rpar[1:]] if attr == "rpar" else new
        return arg.with_changes(value=seq.with_changes(**changes))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        arg = _container(updated, self.system, self.options, self.name)
        if arg is None:
            return updated
        return updated.with_changes(args=[self._drop(a) if a is arg else a for a in updated.args])

    def leave_Decorator(self, original: cst.Decorator, updated: cst.Decorator) -> cst.Decorator:
        if self.system != "click" or click_options(updated) != self.options:
            return updated
        call = updated.decorator
        assert isinstance(call, cst.Call)
        for a in call.args:
            if a.keyword and a.keyword.value == "type" and isinstance(a.value, cst.Call) \
                    and chain(a.value.func, partial=True)[-1:] == ["Choice"] and a.value.args:
                inner = a.value.with_changes(args=[self._drop(a.value.args[0]), *a.value.args[1:]])
                new = a.with_changes(value=inner)
                return updated.with_changes(decorator=call.with_changes(
                    args=[new if x is a else x for x in call.args]))
        return updated


def referenced(name: str, path: str, text: str, words: Counter) -> bool:
    """Whether anything but its own definition names `name`, given how often each word occurs in the
    repo's searched files (`words`, which count `text` too)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return True
    node = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and n.name == name), None)
    if node is None:
        return True
    lines = text.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    own = "".join(lines[start - 1: node.end_lineno])
    return words.get(name, 0) - len(re.findall(r"\b" + re.escape(name) + r"\b", own)) > 0

"""Flags that are function parameters (click, typer, fire, jsonargparse, gin): the parameter goes
from the signature and, for click, its `@click.option(...)` decorator with it.

The function is found by what it is (its name, or the class or gin name it is registered under),
never by line, so earlier fixes in the file need no line arithmetic. Items of a comma-separated
list (parameters, list and dict elements) are dropped so the layout of the rest stays as written:
a removed last item hands its trailing comma and the whitespace before the closing bracket to the
item before it, and a comment on the line of the item before it stays there.
"""
from __future__ import annotations

from typing import Callable, Sequence, TypeVar

import libcst as cst

from ..model import PARAM_SYSTEMS, Knob
from .definitions import RemoveDefinition

T = TypeVar("T", bound=cst.CSTNode)
YAML_SYSTEMS = ("hydra", "omegaconf")  # flags defined by a key of a YAML config


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _merge_comma(keep: cst.Comma, gone: cst.Comma) -> cst.Comma:
    """`keep`'s comma, but ending where `gone`'s did (before the closing bracket)."""
    a, b = keep.whitespace_after, gone.whitespace_after
    if isinstance(a, cst.ParenthesizedWhitespace) and isinstance(b, cst.ParenthesizedWhitespace):
        return keep.with_changes(whitespace_after=a.with_changes(indent=b.indent, last_line=b.last_line))
    if isinstance(a, cst.ParenthesizedWhitespace):
        return keep.with_changes(whitespace_after=a.with_changes(last_line=cst.SimpleWhitespace("")))
    return keep.with_changes(whitespace_after=b)


def drop(items: Sequence[T], doomed: Callable[[T], bool]) -> list[T]:
    """`items` (nodes with a `comma`) without the doomed ones, commas and layout kept sensible."""
    out: list[T] = []
    tail: cst.Comma | cst.MaybeSentinel | None = None  # the comma of the last item, when it went
    tail_ws = None
    for item in items:
        if doomed(item):
            tail = item.comma  # type: ignore[attr-defined]
            tail_ws = getattr(item, "whitespace_after_param", None)
            continue
        tail = None
        out.append(item)
    if out and tail is not None:
        last = out[-1]
        own = last.comma  # type: ignore[attr-defined]
        if isinstance(tail, cst.Comma):
            comma = _merge_comma(own, tail) if isinstance(own, cst.Comma) else tail
        elif isinstance(own, cst.Comma) and isinstance(own.whitespace_after, cst.ParenthesizedWhitespace) \
                and own.whitespace_after.first_line.comment is not None:
            comma = _merge_comma(own, cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
                last_line=cst.SimpleWhitespace(""), indent=False)))  # keep the comment: a trailing comma
        else:
            comma = tail
        changes = {"comma": comma}
        if tail_ws is not None and not isinstance(comma, cst.Comma):
            changes["whitespace_after_param"] = tail_ws
        out[-1] = last.with_changes(**changes)
    return out


def drop_bracketed(items: Sequence[T], doomed: Callable[[T], bool], ws: cst.BaseParenthesizableWhitespace) \
        -> tuple[list[T], cst.BaseParenthesizableWhitespace]:
    """`drop` in a container whose closing bracket holds the whitespace before it (`ws`): when the
    last item went, the comment on its line (which the bracket holds) goes with it. Returns the
    kept items and the bracket's new whitespace."""
    kept = drop(items, doomed)
    if not items or not kept or not doomed(items[-1]) or not isinstance(ws, cst.ParenthesizedWhitespace):
        return kept, ws
    comma = getattr(kept[-1], "comma", None)
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        # the kept item's line already ends with its newline: the bracket's indentation moves there
        after = comma.whitespace_after.with_changes(indent=ws.indent, last_line=ws.last_line)
        kept[-1] = kept[-1].with_changes(comma=comma.with_changes(whitespace_after=after))
        return kept, cst.SimpleWhitespace("")
    return kept, ws.with_changes(first_line=cst.TrailingWhitespace())


def click_options(decorator: cst.Decorator) -> set[str] | None:
    """The option strings of `@click.option("--a/--no-a", "-a", ...)` (`/` pairs split), else None."""
    d = decorator.decorator
    if not isinstance(d, cst.Call):
        return None
    f = d.func
    if (f.attr.value if isinstance(f, cst.Attribute) else f.value if isinstance(f, cst.Name) else "") != "option":
        return None
    out: set[str] = set()
    for a in d.args:
        decl = _string(a.value) if a.keyword is None else None
        if decl is None:
            continue
        for part in decl.split("/"):
            part = part.strip()
            if part.startswith("-"):
                out.add(part)
    return out


def _registered_as(node: cst.FunctionDef | cst.ClassDef) -> set[str]:
    """Names a decorator registers it under (`@gin.configurable("Model")`)."""
    out = set()
    for d in node.decorators:
        if isinstance(d.decorator, cst.Call):
            for a in d.decorator.args[:1]:
                if a.keyword is None and (s := _string(a.value)):
                    out.add(s)
            for a in d.decorator.args:
                if a.keyword is not None and a.keyword.value == "name" and (s := _string(a.value)):
                    out.add(s)
    return out


def owns(fn: cst.FunctionDef, classes: list[cst.ClassDef], owner: str) -> bool:
    """Whether `fn` is the function whose parameters are the knobs of `owner`: the function of that
    name (or registered under it), or `__init__` of such a class."""
    if fn.name.value == owner or owner in _registered_as(fn):
        return True
    if fn.name.value == "__init__" and classes:
        cls = classes[-1]
        return cls.name.value == owner or owner in _registered_as(cls)
    return False


def _params(p: cst.Parameters) -> list[cst.Param]:
    return [*p.posonly_params, *p.params, *p.kwonly_params]


def param_default_code(param: cst.Param) -> str | None:
    """The default a typer/fire/gin parameter is given, as written (`typer.Option(3, ...)` -> `3`)."""
    value = param.default
    if isinstance(value, cst.Call):
        f = value.func
        callee = f.attr.value if isinstance(f, cst.Attribute) else f.value if isinstance(f, cst.Name) else ""
        if callee in ("Option", "Argument"):
            positional = [a for a in value.args if a.keyword is None and not a.star]
            value = positional[0].value if positional else next(
                (a.value for a in value.args if a.keyword and a.keyword.value == "default"), None)
    return cst.Module([]).code_for_node(value).strip() if value is not None else None


class RemoveParameter(cst.CSTTransformer):
    """Remove the parameter `name` of the function `owner` (and, given `options`, the
    `@click.option` decorator with exactly those option strings)."""

    def __init__(self, name: str, owner: str, options: set[str] | None = None) -> None:
        super().__init__()
        self.name, self.owner, self.options = name, owner, options
        self.found = 0
        self.problem: str | None = None
        self.default_code: str | None = None
        self.holder: str | None = None
        self._classes: list[cst.ClassDef] = []

    def keys(self) -> set[str]:
        return {self.name}  # the function whose parameter it is holds it

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, original, updated):
        self._classes.pop()
        return updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if not owns(original, self._classes, self.owner):
            return updated
        params = updated.params
        hit = [p for p in _params(params) if p.name.value == self.name]
        if not hit:
            return updated
        self.found += 1
        decorators = list(updated.decorators)
        if self.options is not None:
            ours = [d for d in decorators if click_options(d) == self.options]
            if len(ours) != 1:
                self.problem = f"found {len(ours)} `@click.option` decorators for {', '.join(sorted(self.options))}"
                return updated
            call = ours[0].decorator
            default = next((a.value for a in call.args if a.keyword and a.keyword.value == "default"), None)  # type: ignore[union-attr]
            self.default_code = cst.Module([]).code_for_node(default).strip() if default is not None else None
            decorators = [d for d in decorators if d is not ours[0]]
            if ours[0] is updated.decorators[0] and decorators:
                # the lines above the first decorator (comments of the function) stay with it
                decorators[0] = decorators[0].with_changes(
                    leading_lines=[*ours[0].leading_lines, *decorators[0].leading_lines])
        else:
            self.default_code = param_default_code(hit[0])
        gone = lambda p: p.name.value == self.name  # noqa: E731
        changes = {"posonly_params": drop(params.posonly_params, gone), "params": drop(params.params, gone),
                   "kwonly_params": drop(params.kwonly_params, gone)}
        if params.kwonly_params and not changes["kwonly_params"] and isinstance(params.star_arg, cst.ParamStar):
            # `def f(a, *, b)` without b: the bare `*` must go too, and the comma before it
            changes["star_arg"] = cst.MaybeSentinel.DEFAULT
            if changes["params"] and params.star_kwarg is None:
                changes["params"] = [*changes["params"][:-1], changes["params"][-1].with_changes(
                    comma=cst.MaybeSentinel.DEFAULT)]
        new = params.with_changes(**changes)
        return updated.with_changes(params=new, decorators=decorators)


def remover_for(k: Knob) -> RemoveDefinition | RemoveParameter:
    """The transformer that removes a knob's definition from its Python file."""
    leaf = k.name.rsplit(".", 1)[-1]
    if k.system in PARAM_SYSTEMS:
        return RemoveParameter(leaf, k.owner, set(k.option_strings) if k.system == "click" else None)
    return RemoveDefinition(k.system, leaf, k.option_strings, k.owner,
                            dotted=k.name if k.system == "ml_collections" else "")

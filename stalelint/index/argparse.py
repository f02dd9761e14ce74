"""argparse flags: `add_argument` on parsers, groups and subparsers, in any function."""
from __future__ import annotations

import ast
import re

from ..model import UNKNOWN, Knob, Suppression
from ..names import option_to_dest
from .astutil import call_name, keep_for, kwarg, literal, nodes

_IMPLICIT_DEFAULT = {"store_true": False, "store_false": True}


def _action(node: ast.Call) -> str | None:
    value = kwarg(node, "action")
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute):  # argparse.BooleanOptionalAction
        return value.attr
    if isinstance(value, ast.Name):
        return value.id
    return "custom"


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, sups: tuple[Suppression, ...]):
        self.path, self.sups = path, sups
        self.scope: list[str] = []
        self.knobs: list[Knob] = []
        self.set_defaults: dict[str, object] = {}
        self.loops: list[tuple[str, tuple[str, ...]]] = []  # loop variables over literal strings, innermost last
        self.options_of: dict[str, int] = {}  # parser name -> how many options the file adds to it
        self.known_on: list[str | None] = []  # the parser of each parse_known_args (None: not a name)
        self.parsed_on: set[str | None] = set()  # the parsers parse_args is called on
        self.extended = False  # a parser handed to code that adds its own options
        self.made: dict[str, str] = {}  # name -> the callee (as written) whose result it holds
        self.factories: set[str] = set()  # callees whose parser this file adds options to

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)  # the value first: `args = args.parse_args()` parses what `args` held
        if isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            callee = node.value.func
            written = ast.unparse(callee) if isinstance(callee, (ast.Name, ast.Attribute)) else None
            if written and written.rsplit(".", 1)[-1] != "ArgumentParser":
                self.made[node.targets[0].id] = written
            else:
                self.made.pop(node.targets[0].id, None)

    def _scoped(self, node: ast.AST) -> None:
        self.scope.append(getattr(node, "name", "?"))
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        if name == "ArgumentParser":
            # ODISE's `argparse.ArgumentParser(parents=[default_argument_parser()])`: the parent's
            # options are the parser's too, as a factory's are (one made here is indexed here)
            parents = next((k.value for k in node.keywords if k.arg == "parents"), None)
            for p in parents.elts if isinstance(parents, (ast.List, ast.Tuple)) else ():
                if isinstance(p, ast.Call) and isinstance(p.func, (ast.Name, ast.Attribute)):
                    self.factories.add(ast.unparse(p.func))
                elif isinstance(p, ast.Name) and p.id in self.made:
                    self.factories.add(self.made[p.id])
        if name == "add_argument" and isinstance(node.func, ast.Attribute):
            holder = node.func.value
            if isinstance(holder, ast.Name) and holder.id in self.made:
                self.factories.add(self.made[holder.id])
            if isinstance(holder, ast.Name):
                self.options_of[holder.id] = self.options_of.get(holder.id, 0) + 1
            for spelled in self._spellings(node):
                knob = self._knob(spelled)
                if knob is not None:
                    self.knobs.append(knob)
        elif name == "set_defaults" and isinstance(node.func, ast.Attribute):
            for k in node.keywords:
                if k.arg:
                    self.set_defaults[k.arg] = literal(k.value)
        if name in ("parse_args", "parse_known_args") and isinstance(node.func, ast.Attribute):
            holder = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            (self.known_on.append if name == "parse_known_args" else self.parsed_on.add)(holder)
        if name in ("parse_args", "parse_known_args") and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, (ast.Name, ast.Attribute)):
            written = ast.unparse(node.func.value.func)  # `default_argument_parser().parse_args()`
            if written.rsplit(".", 1)[-1] != "ArgumentParser":
                self.factories.add(written)
        elif name in ("parse_args", "parse_known_args") and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in self.made:
            self.factories.add(self.made[node.func.value.id])  # `p = default_argument_parser(); p.parse_args()`
        elif _EXTENDER.fullmatch(name or "") and isinstance(node.func, ast.Attribute) and node.args:
            # `Trainer.add_argparse_args(parser)`, `deepspeed.add_config_arguments(parser)`: another
            # module's options join the parser (a repo helper's own are indexed where it is defined)
            self.extended = True
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        # `for prefix in ("actor", "critic"): parser.add_argument(f"--{prefix}.adam.lr")` (OpenRLHF)
        values = literal(node.iter) if isinstance(node.iter, (ast.Tuple, ast.List)) else None
        if isinstance(node.target, ast.Name) and isinstance(values, (list, tuple)) and values \
                and all(isinstance(v, str) for v in values):
            self.loops.append((node.target.id, tuple(values)))
            self.generic_visit(node)
            self.loops.pop()
        else:
            self.generic_visit(node)

    def _spellings(self, node: ast.Call) -> list[ast.Call]:
        """The call once per value of the loops around it whose variables its option names (f-strings)
        use, with those names written out; the call itself when it names none."""
        if not self.loops or not any(isinstance(a, ast.JoinedStr) for a in node.args):
            return [node]
        loops = dict(self.loops)
        out = []
        names = {v.value.id for a in node.args if isinstance(a, ast.JoinedStr) for v in a.values
                 if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)}
        if not names or not names <= set(loops) or len(names) > 1:
            return [node]
        (name,) = names
        for value in loops[name]:
            def spelled(arg: ast.expr) -> ast.expr:
                if not isinstance(arg, ast.JoinedStr):
                    return arg
                text = "".join(v.value if isinstance(v, ast.Constant) else value for v in arg.values)  # type: ignore[misc]
                return ast.copy_location(ast.Constant(text), arg)
            if all(isinstance(v, ast.Constant) or isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
                   and v.conversion == -1 and v.format_spec is None
                   for a in node.args if isinstance(a, ast.JoinedStr) for v in a.values):
                keywords = [ast.keyword(k.arg, spelled(k.value)) if k.arg == "dest" else k for k in node.keywords]
                out.append(ast.copy_location(ast.Call(node.func, [spelled(a) for a in node.args], keywords), node))
        return out or [node]

    def _knob(self, node: ast.Call) -> Knob | None:
        options = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if not options or len(options) != len(node.args):
            return None
        longs = [o for o in options if o.startswith("--")]
        positional = not options[0].startswith("-")
        dest_node = kwarg(node, "dest")
        if isinstance(dest_node, ast.Constant) and isinstance(dest_node.value, str):
            dest = dest_node.value
        elif positional:
            dest = options[0]
        else:
            dest = option_to_dest(longs[0] if longs else options[0])
        if not dest.isidentifier() and "." not in dest:
            dest = dest.replace("-", "_")
        action = _action(node)
        if action in ("help", "version"):
            return None
        default_node = kwarg(node, "default")
        if default_node is not None:
            default = literal(default_node)
        elif action in _IMPLICIT_DEFAULT:
            default = _IMPLICIT_DEFAULT[action]
        else:
            default = None
        required = kwarg(node, "required")
        choices = literal(kwarg(node, "choices")) if kwarg(node, "choices") is not None else None
        if choices is UNKNOWN or not isinstance(choices, (list, tuple, set, frozenset)):
            choices = None
        type_node = kwarg(node, "type")
        type_name = ast.unparse(type_node) if type_node is not None else None
        nargs = kwarg(node, "nargs")
        optional_positional = positional and isinstance(nargs, ast.Constant) and nargs.value in ("?", "*")
        const_node = kwarg(node, "const")
        end = node.end_lineno or node.lineno
        aliases = tuple(sorted({option_to_dest(o) for o in options if o.startswith("-")} - {dest}))
        return Knob(
            name=dest, kind="flag", system="argparse", path=self.path, line=node.lineno,
            column=node.col_offset + 1, end_line=end, default=default,
            required=(isinstance(required, ast.Constant) and required.value is True)
            or (positional and not optional_positional),
            positional=positional, action=action, choices=tuple(choices) if choices else None,
            nargs=None if nargs is None else str(nargs.value) if isinstance(nargs, ast.Constant) else ast.unparse(nargs),
            const=literal(const_node) if const_node is not None else None,
            type_name=type_name, option_strings=tuple(o for o in options if o.startswith("-")),
            owner=".".join(self.scope) or "<module>", keep=keep_for(self.sups, node.lineno, end),
            aliases=aliases,
        )


_CALLS = {"add_argument", "set_defaults", "parse_known_args", "parse_args"}
_EXTENDER = re.compile(r"add_\w*(args|arguments)")


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]) -> tuple[list[Knob], bool, bool, tuple[str, ...]]:
    """The argparse flags defined in a module, whether it uses parse_known_args, whether it
    hands a parser to code that adds options of its own, and the functions (as written) that made
    a parser this file adds options to (`parser = default_argument_parser()`: detectron2's, whose
    options the repo does not define)."""
    if not any(call_name(n) in _CALLS for n in nodes(tree, ast.Call)):
        return [], False, False, ()  # most files define no flags: skip the scope-tracking visit of the whole tree
    v = _Visitor(path, sups)
    v.visit(tree)
    knobs = v.knobs
    # parse_known_args hands unknown options on, unless it is a pre-parse: a parser of one option
    # (`--config`) read first, the rest parsed by another parser's parse_args (timm's train.py,
    # open_lm's maybe_load_config), which rejects what it does not know
    known_args = any(h is None or v.options_of.get(h, 0) > 1 or not (v.parsed_on - {h}) for h in v.known_on)
    if v.set_defaults:
        from dataclasses import replace

        knobs = [replace(k, default=v.set_defaults[k.name]) if k.name in v.set_defaults else k for k in knobs]
    return knobs, known_args, v.extended, tuple(sorted(v.factories))

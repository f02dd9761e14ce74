"""What an object in a file holds, for wholes.py: the class of `self` in a method, of an annotated
parameter, of a name assigned from a parser (`parse_args()`, `tyro.cli(Args)`, the dataclass tuple of
`HfArgumentParser(...).parse_args_into_dataclasses()`) or from a constructor (`cfg = TrainConfig()`),
one level through a local function that returns such a name (Swin-Transformer's `parse_option()`
returns `args, config`). Also the file's imports, scopes and node parents, worked out only in a
file where a whole use is found, and only as far as one is asked for."""
from __future__ import annotations

import ast

from .astutil import call_name, chain, module_name, nodes, subtree

# argparse's parse calls: the namespace holds the flags of a parser
_ARGPARSE = {"parse_args", "parse_known_args", "parse_intermixed_args"}
# calls that build an instance of the class they are given (tyro, simple_parsing, OmegaConf)
_CLASS_PARSE = {"cli", "parse", "structured"}
# calls that return a copy of their first argument (`dataclasses.replace(cfg, lr=...)` too)
_COPIES = {"deepcopy", "copy", "replace"}
# HfArgumentParser and its kin: one instance per dataclass of the tuple the parser was made with
_TUPLE_PARSE = {"parse_args_into_dataclasses", "parse_args_and_config", "parse_dict", "parse_yaml_file",
                "parse_json_file"}
# names an annotation holds that are not classes of the repo
_TYPING = {"Optional", "Union", "List", "Dict", "Tuple", "Any", "None", "list", "dict", "tuple", "type", "Type",
           "Sequence", "Mapping", "typing", "str", "int", "float", "bool", "Callable", "Annotated", "Literal"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def imported_names(tree: ast.Module, path: str) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for every import in the file (inside
    functions too: scripts import lazily), relative imports resolved against the file's package."""
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    out: dict[str, str] = {}
    for node in nodes(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        else:
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = f"{prefix}.{a.name}" if prefix else a.name
    return out


_LEAVES = (ast.Name, ast.Constant)
_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    """id(child) -> parent for every node under `root` (expression contexts and operators left out)."""
    table: dict[int, ast.AST] = {}
    todo = [root]
    AST = ast.AST
    for node in todo:
        kind = type(node)
        fields = _FIELDS_OF.get(kind)
        if fields is None:
            fields = _FIELDS_OF[kind] = () if kind in _LEAVES else \
                tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                table[id(value)] = node
                todo.append(value)
            elif type(value) is list:
                for v in value:
                    if isinstance(v, AST):
                        table[id(v)] = node
                        todo.append(v)
    return table


def _annotation_classes(ann: ast.expr | None) -> list[str]:
    if ann is None:
        return []
    out = []
    for n in subtree(ann):
        if isinstance(n, ast.Name) and n.id not in _TYPING:
            out.append(n.id)
        elif isinstance(n, ast.Attribute) and n.attr not in _TYPING and not isinstance(n.ctx, ast.Store):
            out.append(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isidentifier() \
                and n.value not in _TYPING:
            out.append(n.value)
    return [c for c in dict.fromkeys(out) if c[:1].isupper()]


def _section(got: tuple[str, str], attrs: list[str]) -> tuple[str, str]:
    """The holder of a section (`cfg.harness`) of an object held by `got`: each class with the
    attribute path after it; nothing known of a section of a parser's namespace."""
    if not attrs:
        return got
    if got[0] != "class":
        return "unknown", ""
    return "class", "|".join(f"{c}.{'.'.join(attrs)}" for c in got[1].split("|"))


class File:
    """The scopes, parents and name bindings of one file, worked out only where a use is found."""

    def __init__(self, tree: ast.Module, strong: set[str]) -> None:
        self.tree, self.strong = tree, strong
        self.scopes = nodes(tree, *_SCOPES)
        self._parents: dict[int, dict[int, ast.AST]] = {}
        self._binds: dict[int, dict[str, list[tuple[ast.expr, int, int]]]] = {}
        self._functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self._holders: dict[tuple, tuple[str, str]] = {}
        self._calls: dict[str, list[ast.Call]] | None = None

    # ---- where a node is ---------------------------------------------------------------------
    def enclosing(self, node: ast.AST, kinds: tuple[type, ...]) -> ast.AST | None:
        line = getattr(node, "lineno", 0)
        best = None
        for s in self.scopes:
            if isinstance(s, kinds) and s.lineno <= line <= (s.end_lineno or s.lineno) and s is not node:
                if best is None or s.lineno >= best.lineno:
                    best = s
        return best

    def scope(self, node: ast.AST) -> ast.AST:
        return self.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or self.tree

    def parent(self, node: ast.AST, scope: ast.AST) -> ast.AST | None:
        """The node holding `node`, from a table of the one statement of the scope's body that
        holds it (a module's top-level code can be most of a file; a use is in one statement)."""
        for table in self._parents.values():  # climbing: the node's statement is already tabled
            got = table.get(id(node))
            if got is not None:
                return got
        line = getattr(node, "lineno", 0)  # (a `comprehension` or `keyword` has none: found above)
        body = scope.body if isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else []
        stmt = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if stmt is None or id(stmt) in self._parents:
            return None
        table = self._parents[id(stmt)] = _parents(stmt)
        table[id(stmt)] = scope
        return table.get(id(node))

    # ---- what a name holds ---------------------------------------------------------------------
    def _bindings(self, scope: ast.AST) -> dict[str, list[tuple[ast.expr, int, int]]]:
        """name -> (value, position in a tuple target (-1: the whole value), line) of its assignments:
        those inside a function's lines, or, for the module, those outside every function."""
        got = self._binds.get(id(scope))
        if got is not None:
            return got
        got = {}
        if scope is self.tree:
            spans = [(s.lineno, s.end_lineno or s.lineno) for s in self.scopes
                     if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
            inside = lambda n: not any(a <= n.lineno <= b for a, b in spans)  # noqa: E731
        else:
            first, last = scope.lineno, scope.end_lineno or scope.lineno
            inside = lambda n: first <= n.lineno <= last  # noqa: E731
        for n in nodes(self.tree, ast.Assign, ast.AnnAssign):
            if not inside(n):
                continue
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Name):
                        got.setdefault(t.id, []).append((n.value, -1, n.lineno))
                    elif isinstance(t, (ast.Tuple, ast.List)):
                        for i, e in enumerate(t.elts):
                            if isinstance(e, ast.Name):
                                got.setdefault(e.id, []).append((n.value, i, n.lineno))
            elif isinstance(n.target, ast.Name):
                if n.value is not None:
                    got.setdefault(n.target.id, []).append((n.value, -1, n.lineno))
                classes = _annotation_classes(n.annotation)
                if classes:
                    got.setdefault(n.target.id, []).append((ast.Name(id="|".join(classes)), -2, n.lineno))
        self._binds[id(scope)] = got
        return got

    def holder(self, parts: list[str], at: ast.AST, depth: int = 0) -> tuple[str, str]:
        """(kind, holder) of the object an attribute chain names at a node (see the module doc),
        worked out once per name and scope (a script passes `args` to dozens of calls)."""
        if depth > 3:
            return "unknown", ""
        fn = self.scope(at)
        cls = self.enclosing(at, (ast.ClassDef,)) if parts[:1] == ["self"] or parts[:1] == ["cls"] else None
        key = (tuple(parts), id(fn), id(cls), depth)
        got = self._holders.get(key)
        if got is None:
            got = self._holders[key] = self._holder(parts, at, fn, depth)
        return got

    def _holder(self, parts: list[str], at: ast.AST, fn: ast.AST, depth: int) -> tuple[str, str]:
        if parts == ["self"] or parts == ["cls"]:
            cls = self.enclosing(at, (ast.ClassDef,))
            return ("class", cls.name) if cls is not None else ("unknown", "")
        if len(parts) >= 2 and parts[0] == "self":
            cls = self.enclosing(at, (ast.ClassDef,))
            got = self._attribute_holder(cls, parts[1]) if cls is not None else None
            return _section(got, parts[2:]) if got else ("unknown", "")
        if len(parts) != 1:
            # `cfg.harness` of a known class: the class of its field `harness`, worked out where
            # files are linked (class_uses.py), as `EvalArgs.harness`
            return _section(self.holder(parts[:1], at, depth), parts[1:])
        name = parts[0]
        scopes = [fn] if fn is self.tree else [fn, self.tree]
        for scope in scopes:
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = scope.args
                for p in a.posonlyargs + a.args + a.kwonlyargs:
                    if p.arg == name:
                        classes = _annotation_classes(p.annotation)
                        if classes == ["Namespace"]:
                            # `args: argparse.Namespace`: a parser's namespace, which parser unknown
                            return "parser", ""
                        if classes:
                            return "class", "|".join(classes)
                        return self._passed_in(scope, p.arg, depth) or ("unknown", "")
            for value, pos, _ in self._bindings(scope).get(name, ()):
                got = self._value_holder(value, pos, scope, depth)
                if got is not None:
                    return got
        return "unknown", ""

    def _passed_in(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str,
                   depth: int) -> tuple[str, str] | None:
        """What the callers in this file give a module-level function's unannotated parameter:
        `args = parser.parse_args(); main(args)` makes `args` of `def main(args)` the parser's
        namespace (deit's and mae's `main(args)` shape). The first caller whose argument is known."""
        if depth >= 2 or self._functions.get(fn.name) is not fn:
            return None
        params = [p.arg for p in fn.args.posonlyargs + fn.args.args]
        at = params.index(param) if param in params else -1
        for call in self._calls_of(fn.name):
            arg = next((k.value for k in call.keywords if k.arg == param), None)
            if arg is None and 0 <= at < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args):
                arg = call.args[at]
            parts = chain(arg) if arg is not None else None
            if parts and len(parts) == 1:
                got = self.holder(parts, call, depth + 1)
                if got[0] != "unknown":
                    return got
        return None

    def _calls_of(self, name: str) -> list[ast.Call]:
        if self._calls is None:
            self._calls = {}
            for n in nodes(self.tree, ast.Call):
                if isinstance(n.func, ast.Name) and n.func.id in self._functions:
                    self._calls.setdefault(n.func.id, []).append(n)
        return self._calls.get(name, [])

    def _attribute_holder(self, cls: ast.ClassDef, attr: str) -> tuple[str, str] | None:
        """`self.args` in a class: its annotation in the class body, or the annotated parameter
        an `__init__`-like method stores in it."""
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
                classes = _annotation_classes(stmt.annotation)
                if classes:
                    return "class", "|".join(classes)
        for fn in cls.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = {p.arg: p for p in fn.args.args + fn.args.kwonlyargs}
            for n in subtree(fn):
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id in params \
                        and any((chain(t) or []) == ["self", attr] for t in n.targets):
                    classes = _annotation_classes(params[n.value.id].annotation)
                    if classes:
                        return "class", "|".join(classes)
        return None

    def _value_holder(self, value: ast.expr, pos: int, scope: ast.AST, depth: int) -> tuple[str, str] | None:
        if pos == -2:  # an annotated assignment's annotation, as a name
            return "class", value.id  # type: ignore[attr-defined]
        if isinstance(value, ast.Name):
            return self.holder([value.id], value, depth + 1) if pos == -1 else None
        if not isinstance(value, ast.Call):
            return None
        name = call_name(value)
        if name in _COPIES and pos == -1 and value.args and isinstance(value.args[0], ast.Name) \
                and (chain(value.func) or [""])[0] in ("copy", "dataclasses", name):
            # stanford_alpaca's `batch_args = copy.deepcopy(decoding_args)`: a copy is of its original's class
            got = self.holder([value.args[0].id], value, depth + 1)
            return got if got[0] != "unknown" else None
        if name in _ARGPARSE:
            if pos not in (-1, 0):
                return None
            owners = self._parser_owners(value.func.value, scope) if isinstance(value.func, ast.Attribute) else set()
            return "parser", "|".join(sorted(owners))
        if name in _CLASS_PARSE and value.args and isinstance(value.args[0], ast.Name) \
                and value.args[0].id[:1].isupper():
            return ("class", value.args[0].id) if pos == -1 else None
        if name in _TUPLE_PARSE and isinstance(value.func, ast.Attribute):
            classes = self._parser_classes(value.func.value, scope)
            if classes:
                at = 0 if pos == -1 else pos
                return ("class", classes[at]) if at < len(classes) else None
            return None
        if name[:1].isupper() and pos == -1 and not name.endswith("Parser"):
            return "class", name  # `cfg = TrainConfig(...)` (a parser is not its namespace)
        if isinstance(value.func, ast.Subscript) and isinstance(value.func.value, ast.Name) and pos == -1:
            # llama-cookbook's `config = configs[names.index(method)]()` over `configs = (lora_config,
            # prefix_config)`: an instance of one of the classes of the table
            classes = self._table_of_classes(value.func.value.id, scope)
            if classes:
                return "class", "|".join(classes)
        if isinstance(value.func, ast.Name) and value.func.id in self._functions and depth < 2:
            return self._returned(self._functions[value.func.id], pos, depth)
        return None

    def _table_of_classes(self, name: str, scope: ast.AST) -> list[str]:
        """The names of a tuple or list of plain names a name is bound to once in the scope (or the
        module), where the table is a table of classes: more than one name, none called."""
        for where in ([scope, self.tree] if scope is not self.tree else [self.tree]):
            bound = self._bindings(where).get(name, ())
            if len(bound) == 1 and bound[0][1] == -1 and isinstance(bound[0][0], (ast.Tuple, ast.List)):
                items = bound[0][0].elts
                if len(items) > 1 and all(isinstance(e, ast.Name) for e in items):
                    return [e.id for e in items]  # type: ignore[attr-defined]
                return []
        return []

    def _parser_owners(self, parser: ast.expr, scope: ast.AST) -> set[str]:
        """The functions whose `add_argument` calls fill an argparse parser (the `owner` of its
        flags): where it is made (`argparse.ArgumentParser()` in `parse_option`), the function that
        returns it (`get_args_parser()`), and the functions it is handed to (`add_model_args(parser)`).
        Empty when that cannot be told (a parser given as a parameter): then every parser's flags of
        the file and what it imports count. Lightning's `Trainer.add_argparse_args(parser)` in
        latent-diffusion fills a parser with no flag of the repo, and `vars()` of it reads none."""
        if not isinstance(parser, ast.Name):
            return set()
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and any(p.arg == parser.id for p in scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs):
            return set()
        owners: set[str] = set()
        for s in ([scope, self.tree] if scope is not self.tree else [scope]):
            where = s.name if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) else "<module>"
            for value, pos, _ in self._bindings(s).get(parser.id, ()):
                if pos != -1 or not isinstance(value, ast.Call):
                    return set()  # bound from something else: not known
                name = call_name(value)
                if name.endswith("ArgumentParser"):
                    # made here, maybe from `parents=[get_args_parser()]` (deit, mae)
                    owners.add(where)
                    owners.update(call_name(n) for n in subtree(value) if isinstance(n, ast.Call) and n is not value)
                else:
                    owners.add(name)
            if owners:
                body = subtree(s) if s is not self.tree else nodes(self.tree, ast.Call)
                for n in body:
                    if isinstance(n, ast.Call) and any(isinstance(a, ast.Name) and a.id == parser.id for a in n.args):
                        owners.add(call_name(n))
                return owners
        return set()

    def _parser_classes(self, parser: ast.expr, scope: ast.AST) -> list[str]:
        """The dataclasses of `HfArgumentParser((A, B))`, also through `parser = ...` and a name bound
        to the tuple."""
        if isinstance(parser, ast.Name):
            for s in ([scope, self.tree] if scope is not self.tree else [scope]):
                for value, pos, _ in self._bindings(s).get(parser.id, ()):
                    if pos == -1 and isinstance(value, ast.Call):
                        return self._parser_classes(value, s)
            return []
        if not isinstance(parser, ast.Call) or not parser.args:
            return []
        types = parser.args[0]
        if isinstance(types, ast.Name):
            for s in ([scope, self.tree] if scope is not self.tree else [scope]):
                for value, pos, _ in self._bindings(s).get(types.id, ()):
                    if pos == -1 and isinstance(value, (ast.Tuple, ast.List)):
                        types = value
                        break
        if isinstance(types, (ast.Tuple, ast.List)):
            names = [(chain(e) or [""])[-1] for e in types.elts]
            return names if all(names) else []
        if isinstance(types, (ast.Name, ast.Attribute)):
            got = (chain(types) or [""])[-1]
            return [got] if got[:1].isupper() else []
        return []

    def _returned(self, fn: ast.AST, pos: int, depth: int) -> tuple[str, str] | None:
        """The holder of what a local function returns (at a tuple position)."""
        for n in subtree(fn):
            if isinstance(n, ast.Return) and n.value is not None:
                value = n.value
                if isinstance(value, ast.Tuple) and pos >= 0 and pos < len(value.elts):
                    value = value.elts[pos]
                elif pos >= 0:
                    continue
                if isinstance(value, ast.Name):
                    got = self.holder([value.id], n, depth + 1)
                    if got[0] != "unknown":
                        return got
                elif isinstance(value, ast.Call):  # `return parser.parse_args()`
                    got = self._value_holder(value, -1, fn, depth + 1)
                    if got is not None:
                        return got
        return None

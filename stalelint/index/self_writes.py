"""Fields a config class's own methods set: `self.precision = ...`, `setattr(self, "precision", v)`,
and through helpers that take the name (gpt-neox's `NeoXArgsTemplate.update_value(self, key, value)`
does `setattr(self, key, value)`; `update_values(self, d)` calls it for every key of `d`). Code then
decides such a field's value, not only the experiments (`set_in_code`).

A helper is followed to its callers: a call with the name as a string literal
(`self.update_value("precision", "fp16")`, `neox_args.update_value("x", v)` in another file) or with a
dict literal whose keys are the names (`self.update_values({"lr": ...})`) sets those fields. A
by-name write whose name is none of these (a variable over many names) sets fields stalelint cannot
list: the class's findings get a lower confidence instead of a claim for each field. Calls from other
files with a computed name are not seen (only the helper's own file is searched for them).

Records (tagged tuples, joined across files when linking):
- ("field", class, name): the class's method sets the field;
- ("helper", class, method, position, kind): the method sets a field named by its argument at
  `position` (call-site position, `self` not counted); kind "name" (the argument is the name) or
  "keys" (a dict whose keys are the names);
- ("forward", class, method, position, kind, callee, callee position): the method passes that
  argument on to `self.<callee>(...)`, a helper if the callee is one;
- ("call", method, position, kind, name): a call `x.<method>(...)` with a literal name there;
- ("varcall", class, method, position): `self.<method>(...)` with a computed name there;
- ("dynamic", class, line): a by-name write on `self` whose name cannot be followed.
"""
from __future__ import annotations

import ast

from .astutil import chain, nodes, subtree
from .dataclass import _CONFIG_NAME

Record = tuple
# methods called with a string that are never by-name writers of a config: kept out of the records
_NOT_WRITERS = {"get", "pop", "setdefault", "startswith", "endswith", "replace", "split", "rsplit", "join", "format",
                "getLogger", "getenv", "add_argument", "register_buffer", "register_parameter", "add_module",
                "parametrize", "index", "count", "find", "rfind", "strip", "lstrip", "rstrip", "encode", "decode",
                "info", "debug", "warning", "error", "log", "print", "write", "append", "extend", "remove",
                "add", "discard", "get_parameter", "get_submodule", "getattr", "hasattr", "__getattr__",
                "from_pretrained", "import_module", "environ", "add_parser", "add_argument_group", "device",
                "to", "astype", "at_level", "simplefilter", "filterwarnings", "skip", "skipif", "fixture", "mark"}


def _is_config_class(node: ast.ClassDef) -> bool:
    """A class whose plain `self.x = ...` assignments may set its fields: a dataclass, a pydantic
    model, or one named as a config (other classes hold state, not fields)."""
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if (chain(target) or [""])[-1] in ("dataclass", "dataclasses", "define", "frozen"):
            return True
    if any((chain(b) or [""])[-1] in ("BaseModel", "BaseSettings") for b in node.bases):
        return True
    return bool(_CONFIG_NAME.search(node.name))


def _reads_self(value: ast.expr | None, attr: str) -> bool:
    """Whether a value is computed from `self.<attr>` itself: `self.beta = self.beta[0]` normalises
    what the experiment set, it does not decide it."""
    return value is not None and any(isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name)
                                     and n.value.id == "self" for n in subtree(value))


def _literal_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
        return node.value
    return None


def _dict_keys(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Dict) and node.keys and all(k is not None and _literal_name(k) for k in node.keys):
        return [k.value for k in node.keys]  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" \
            and not node.args and node.keywords and all(k.arg for k in node.keywords):
        return [k.arg for k in node.keywords]  # type: ignore[misc]
    return None


def _sources(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, tuple[int, str]]:
    """Names in a method that carry a field name from its caller: a parameter (kind "name"), or
    the key of a loop over a dict parameter (`for k, v in d.items()`, kind "keys"); -> (call-site
    position, kind)."""
    params = [p.arg for p in fn.args.posonlyargs + fn.args.args]
    shift = 1 if params and params[0] in ("self", "cls") else 0
    out = {p: (i - shift, "name") for i, p in enumerate(params) if i >= shift}
    for n in subtree(fn):
        if isinstance(n, ast.For):
            it = n.iter
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "keys"):
                it = it.func.value
            if isinstance(it, ast.Name) and it.id in out and out[it.id][1] == "name":
                target = n.target.elts[0] if isinstance(n.target, ast.Tuple) and n.target.elts else n.target
                if isinstance(target, ast.Name):
                    out[target.id] = (out[it.id][0], "keys")
    return out


def _methods(tree: ast.Module) -> list[tuple[ast.ClassDef, ast.FunctionDef | ast.AsyncFunctionDef]]:
    return [(cls, fn) for cls in nodes(tree, ast.ClassDef) for fn in cls.body
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _around(methods, line: int):
    """The innermost method (with its class) whose lines hold `line`."""
    best = None
    for cls, fn in methods:
        if fn.lineno <= line <= (fn.end_lineno or fn.lineno) and (best is None or fn.lineno >= best[1].lineno):
            best = (cls, fn)
    return best


def extract(tree: ast.Module) -> list[Record]:
    """The records of one file (see the module doc). Only the statements that can matter are looked
    at: assignments to `self.x`, `setattr(self, ...)` calls, and method calls given a literal name;
    a method's own walk is made only in a file that has a by-name writer."""
    out: list[Record] = []
    methods: list | None = None
    Name, Attribute = ast.Name, ast.Attribute
    classes = nodes(tree, ast.ClassDef)
    configs = [c for c in classes if _is_config_class(c)]
    assigns = [n for n in nodes(tree, ast.Assign, ast.AugAssign, ast.AnnAssign)
               if any(type(t) is Attribute and type(t.value) is Name and t.value.id == "self"
                      for t in (n.targets if type(n) is ast.Assign else [n.target]))] if configs else []
    calls = nodes(tree, ast.Call)
    setattrs = [n for n in calls if type(n.func) is Name and n.func.id == "setattr" and len(n.args) >= 2
                and type(n.args[0]) is Name and n.args[0].id == "self"] if classes else []
    if configs:
        # only the methods of config classes: a model's `self.x = ...` in `forward` sets no field
        config_methods = [(c, fn) for c in configs for fn in c.body
                          if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))]
        spans = [(c.lineno, c.end_lineno or c.lineno) for c in configs]
        for n in assigns:
            if not any(a <= n.lineno <= b for a, b in spans):
                continue
            got = _around(config_methods, n.lineno)
            if got is None or got[1].name == "__init__":
                continue
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" \
                        and not (isinstance(n, ast.Assign) and _reads_self(n.value, t.attr)):
                    out.append(("field", got[0].name, t.attr))
    writers: list[tuple[ast.ClassDef, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    if setattrs:
        methods = _methods(tree)
    for n in setattrs:
        got = _around(methods or [], n.lineno)
        if got is None:
            continue
        cls, fn = got
        key = n.args[1]
        name = _literal_name(key)
        if name is not None:
            out.append(("field", cls.name, name))
            continue
        sources = _sources(fn)
        if isinstance(key, ast.Name) and key.id in sources:
            pos, kind = sources[key.id]
            out.append(("helper", cls.name, fn.name, pos, kind))
            writers.append((cls, fn))
        else:
            out.append(("dynamic", cls.name, n.lineno))
    if writers:
        out.extend(_forwards(tree, methods or [], {fn.name for _, fn in writers}))
    Constant, Dict = ast.Constant, ast.Dict
    for n in calls:
        f = n.func
        if type(f) is not Attribute or not n.args or f.attr in _NOT_WRITERS:
            continue
        for q, a in enumerate(n.args[:3]):
            kind = type(a)
            if kind is Constant:
                name = _literal_name(a)
                if name is not None:
                    out.append(("call", f.attr, q, "name", name))
            elif kind is Dict or kind is ast.Call:
                keys = _dict_keys(a)
                if keys:
                    out.extend(("call", f.attr, q, "keys", k) for k in keys)
    return sorted(set(out), key=repr)


def _forwards(tree: ast.Module, methods, helpers: set[str]) -> list[Record]:
    """In a file with by-name writers: methods that pass a name they are given on to
    `self.<method>(...)` ("forward"), and calls there with a computed name ("varcall"). Followed in
    the writer's own file only."""
    out: list[Record] = []
    varcalls: list[tuple[str, str, int]] = []
    for cls, fn in methods:
        sources: dict[str, tuple[int, str]] | None = None
        for n in subtree(fn):
            if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == "self" and n.func.attr not in _NOT_WRITERS):
                continue
            sources = _sources(fn) if sources is None else sources
            for q, a in enumerate(n.args):
                if isinstance(a, ast.Name) and a.id in sources:
                    pos, kind = sources[a.id]
                    out.append(("forward", cls.name, fn.name, pos, kind, n.func.attr, q))
                elif _literal_name(a) is None and _dict_keys(a) is None and not isinstance(a, ast.Starred):
                    varcalls.append((cls.name, n.func.attr, q))
    forwarded = helpers | {r[2] for r in out}
    out.extend(("varcall", c, m, q) for c, m, q in varcalls if m in forwarded)
    return out


# ---- linking ---------------------------------------------------------------------------------

def link(records: list[tuple[str, Record]]) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], str]]:
    """(class -> the field names its methods or its helpers' callers set, class -> why some of its
    fields are set by a name stalelint cannot follow), for (path, record) pairs of the whole repo.
    Classes are (file, name) keys of the class whose method writes; the caller widens them to the
    class's family."""
    helpers: dict[tuple[str, int], tuple[tuple[str, str], str]] = {}  # (method, position) -> (class, kind)
    for path, r in records:
        if r[0] == "helper":
            helpers.setdefault((r[2], r[3]), ((path, r[1]), r[4]))
    forwards = [(path, r) for path, r in records if r[0] == "forward"]
    changed = True
    while changed and forwards:
        changed = False
        for path, (_, cls, method, pos, kind, callee, q) in forwards:
            target = helpers.get((callee, q))
            if target is not None and target[1] == "name" and (method, pos) not in helpers:
                helpers[(method, pos)] = ((path, cls), kind)
                changed = True
    fields: dict[tuple[str, str], set[str]] = {}
    dynamic: dict[tuple[str, str], str] = {}
    for path, r in records:
        if r[0] == "field":
            fields.setdefault((path, r[1]), set()).add(r[2])
        elif r[0] == "call":
            got = helpers.get((r[1], r[2]))
            if got is not None and got[1] == r[3]:
                fields.setdefault(got[0], set()).add(r[4])
        elif r[0] == "varcall":
            got = helpers.get((r[2], r[3]))
            if got is not None:
                dynamic.setdefault(got[0], f"`{r[2]}` sets fields of `{got[0][1]}` by a name computed at run time")
        elif r[0] == "dynamic":
            dynamic.setdefault((path, r[1]), f"`{r[1]}` sets its fields with `setattr(self, <computed name>, ...)`")
    return fields, dynamic

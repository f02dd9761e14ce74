"""Where knobs are read: `args.x`, `cfg.model.x`, `getattr(args, "x")`, `vars(args)["x"]`,
`args.__dict__["x"]`, `cfg["x"]`, `cfg.get("x")`.

A read is *strong* when the object is known to hold a config (assigned from `parse_args()`, a
parameter annotated with a config class, or a conventional name such as `args`/`cfg`/`opt`), and
*weak* when only the attribute name matches; the judge says which in its confidence.
"""
from __future__ import annotations

import ast
import builtins
import re

from ..model import Read
from .astutil import CONFIG_NAMES, call_name, chain, nodes
from .holders import imported_names

_PARSE_CALLS = {"parse_args", "parse_known_args", "parse_args_into_dataclasses", "parse_dict",
                "parse_json_file", "parse_yaml_file", "cli", "get_config", "load", "merge", "create",
                "instantiate", "to_object", "parse_config", "load_config", "get_cfg", "setup_cfg"}
_DICT_VIEWS = {"vars", "asdict", "to_dict", "to_container", "__dict__"}
_BY_NAME = ("getattr", "hasattr", "setattr", "delattr")


def config_names(tree: ast.Module, config_classes: set[str]) -> set[str]:
    """Names in this module that hold a parsed config or namespace."""
    names = set(CONFIG_NAMES)
    for node in nodes(tree, ast.Assign, ast.arg):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and call_name(node.value) in _PARSE_CALLS:
            for target in node.targets:
                elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                for e in elts:
                    if isinstance(e, ast.Name):
                        names.add(e.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            ann = node.annotation
            ann_name = ann.id if isinstance(ann, ast.Name) else ann.attr if isinstance(ann, ast.Attribute) else ""
            if ann_name in config_classes or ann_name in ("Namespace", "DictConfig", "ConfigDict", "CfgNode"):
                names.add(node.arg)
    return names


def attribute_read(node: ast.Attribute, strong_names: set[str]) -> tuple[str, bool] | None:
    """The knob name an attribute chain reads and whether its object is a known config.

    `args.use_ema` -> ("use_ema", True); `self.cfg.model.depth` -> ("model.depth", True);
    `model.head.dropout` -> ("head.dropout", False).
    """
    parts = chain(node)
    if not parts or len(parts) < 2:
        return None
    base, rest = parts[0], parts[1:]
    if base in strong_names:
        return ".".join(rest), True
    if base == "self" and len(rest) >= 2 and rest[0] in strong_names:
        return ".".join(rest[1:]), True
    return ".".join(rest), False


def _is_dict_view(node: ast.expr, strong_names: set[str]) -> tuple[bool, bool]:
    """(is a dict view of an object, that object is a known config) for `vars(args)`/`args.__dict__`."""
    if isinstance(node, ast.Call) and call_name(node) in _DICT_VIEWS and node.args:
        parts = chain(node.args[0])
        return True, bool(parts and parts[-1] in strong_names)
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        parts = chain(node.value)
        return True, bool(parts and parts[-1] in strong_names)
    parts = chain(node)
    if parts:
        return True, parts[-1] in strong_names
    return False, False


def _parsed_config(node: ast.expr, strong_names: set[str]) -> bool:
    """A config object: a known config name (`args`, `cfg.model`), or a parser's result
    (`parser.parse_args()`, `parser.parse_known_args()[0]`)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call):
        return call_name(node) in ("parse_args", "parse_known_args")
    parts = chain(node)
    return bool(parts) and parts[-1] in strong_names


def _splats_config(node: ast.expr, strong_names: set[str]) -> bool:
    """Whether `**node` may unpack a config's fields: `**vars(args)`, `**asdict(cfg)`, `**cfg.model`;
    not `**runner.log_buffer.output` (ConvNeXt's mmcv hook), which no config name is part of."""
    if isinstance(node, ast.Name) or not _is_dict_view(node, strong_names)[0]:
        return False
    if isinstance(node, ast.Call) or isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return True
    return bool(set(chain(node) or ()) & strong_names)


def extract(tree: ast.Module, path: str, strong_names: set[str], known_views: set[int] = frozenset(),
            definitions: set[tuple[int, int]] = frozenset()) -> tuple[list[Read], bool, list[str], list[str]]:
    """(reads, whether a config is splatted as `**vars(x)`/`**asdict(x)`, parameter names, names
    that code assigns on a config object: `args.batch_size = ...` makes batch_size computed, not chosen).

    `known_views`: ids of the views whose object's class wholes.py knows (their fields are claimed
    there, so splatting one is no repo-wide doubt); `definitions`: (line, column) of assignment
    targets that define a config entry (yacs' `_C.MODEL.DEPTH = 50`), which are not writes."""
    reads: list[Read] = []
    writes: set[str] = set()
    dynamic: list[tuple[ast.expr, str, int]] = []  # (object, variable, line) of `getattr(args, name)`
    splat = False
    params: set[str] = set()
    outer: set[int] = set()  # inner nodes of a chain already recorded by its outermost attribute
    params.update(node.arg for node in nodes(tree, ast.arg))
    # names assigned a whole view of a parsed config (`args = vars(parser.parse_args())`)
    view_names = {t.id for node in nodes(tree, ast.Assign) if isinstance(node.value, ast.Call)
                  and call_name(node.value) in _DICT_VIEWS and node.value.args
                  and _parsed_config(node.value.args[0], strong_names)
                  for t in node.targets if isinstance(t, ast.Name)}
    local_functions = {f.name: f for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))} \
        if view_names else {}
    bound_here: set[str] = set()  # names a callee may be rooted at whose object is known: imports, this module's defs
    if view_names:
        view_names |= _handed_views(tree, view_names, local_functions)
        bound_here = _statically_bound(tree, path)
    for node in nodes(tree, ast.Dict):
        splat = splat or any(k is None and _splats_config(v, strong_names) and id(v) not in known_views
                             for k, v in zip(node.keys, node.values))
    for node in nodes(tree, ast.Attribute, ast.Call, ast.Subscript):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            got = attribute_read(node, strong_names)
            if got and got[1] and (node.lineno, node.col_offset) not in definitions:
                writes.add(got[0])
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in outer:
            sub = node.value
            while isinstance(sub, ast.Attribute):
                outer.add(id(sub))
                sub = sub.value
            got = attribute_read(node, strong_names)
            if got and got[0] != "__dict__":
                reads.append(Read(got[0], path, node.lineno, node.col_offset + 1, got[1]))
        elif isinstance(node, ast.Call):
            name = call_name(node)
            if name in _BY_NAME and len(node.args) >= 2:
                key = node.args[1]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    parts = chain(node.args[0]) or []
                    strong = bool(parts) and parts[-1] in strong_names
                    if name in ("getattr", "hasattr"):
                        reads.append(Read(key.value, path, node.lineno, node.col_offset + 1, strong))
                    elif strong:
                        # code that sets or deletes a flag by name touches it: a weak read (never
                        # "unread"); setting it is a write too (code decides its value)
                        if name == "setattr":
                            writes.add(key.value)
                        reads.append(Read(key.value, path, node.lineno, node.col_offset + 1, False))
                elif isinstance(key, ast.Name) and _maybe_config(node.args[0], strong_names):
                    dynamic.append((node.args[0], key.id, node.lineno))
            elif name == "__getattribute__" and isinstance(node.func, ast.Attribute) and node.args:
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    # direct, but no fold rewrites it: weak, so a fix that would need it is unsafe
                    reads.append(Read(key.value, path, node.lineno, node.col_offset + 1, False))
                elif isinstance(key, ast.Name) and _maybe_config(node.func.value, strong_names):
                    dynamic.append((node.func.value, key.id, node.lineno))
            elif name == "eval" and node.args:
                got = _eval_access(node.args[0], strong_names)
                if got:
                    dynamic.append(got + (node.lineno,))
            elif name in ("get", "pop") and isinstance(node.func, ast.Attribute) and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                is_view, strong = _is_dict_view(node.func.value, strong_names)
                if is_view:
                    reads.append(Read(node.args[0].value, path, node.lineno, node.col_offset + 1, strong))
            else:
                reads.extend(_named_beside(node, path, strong_names, view_names))
            if view_names:
                taken, passed_on = _splatted_into(node, path, view_names, local_functions, bound_here)
                reads.extend(taken)
                splat = splat or passed_on
            for k in node.keywords:
                if k.arg is None and _splats_config(k.value, strong_names) and id(k.value) not in known_views:
                    splat = True
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                is_view, strong = _is_dict_view(node.value, strong_names)
                if is_view:
                    reads.append(Read(key.value, path, node.lineno, node.col_offset + 1, strong))
    if dynamic:
        reads.extend(by_name(tree, path, strong_names, dynamic))
        splat = splat or _by_signature(tree, dynamic)
    return reads, splat, sorted(params), sorted(writes)


def _by_signature(tree: ast.Module, dynamic: list[tuple[ast.expr, str, int]]) -> bool:
    """Whether a `getattr(args, key)` takes its key from a callable's parameters: sscd's
    `call_using_args(Model, args)` builds `{key: getattr(args, key) for key in
    inspect.signature(function).parameters}`. Which callable, the helper's callers say; any
    function's parameters may be read, as where a config is unpacked into a call (`**vars(args)`)."""
    if not any(call_name(n) == "signature" for n in nodes(tree, ast.Call)):
        return False
    for node in nodes(tree, ast.For, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
        for g in [node] if isinstance(node, ast.For) else node.generators:
            if not isinstance(g.target, ast.Name) or not any(
                    isinstance(n, ast.Attribute) and n.attr == "parameters" for n in ast.walk(g.iter)):
                continue
            first, last = node.lineno, node.end_lineno or node.lineno
            if any(var == g.target.id and first <= line <= last for _, var, line in dynamic):
                return True
    return False


_KEY_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _named_beside(call: ast.Call, path: str, strong_names: set[str], view_names: set[str] = frozenset()) -> list[Read]:
    """Weak reads of the keys a call names by string beside a config it is handed:
    detectron2's `_try_get_key(cfg, "CUDNN_BENCHMARK", "train.cudnn_benchmark", default=False)`,
    `OmegaConf.select(cfg, "model.depth")`, or beside a view of one kept in a name (pytorch_GAN_zoo's
    `kwargs = vars(parser.parse_args())`, `getVal(kwargs, 'interpolationPath', None)`). The helper
    reads them by name; where, the call does not say."""
    values = list(call.args) + [k.value for k in call.keywords if k.arg is not None]
    if not any((parts := chain(v)) and (parts[-1] in strong_names or len(parts) == 1 and parts[0] in view_names)
               for v in values):
        return []
    return [Read(v.value, path, v.lineno, v.col_offset + 1, False) for v in values
            if isinstance(v, ast.Constant) and isinstance(v.value, str) and _KEY_PATH.fullmatch(v.value)]


def _is_view(node: ast.expr, view_names: set[str]) -> bool:
    """A view kept in a name, or a dict display that unpacks one (BigGAN's `{**config, 'batch_size': n}`)."""
    if isinstance(node, ast.Dict):
        return any(k is None and _is_view(v, view_names) for k, v in zip(node.keys, node.values))
    return isinstance(node, ast.Name) and node.id in view_names


def _handed_views(tree: ast.Module, view_names: set[str],
                  functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> set[str]:
    """Parameters of this module's functions that a call hands a view positionally: BigGAN's
    `config = vars(parser.parse_args())` then `run(config)`, where `def run(config)` unpacks it."""
    found: set[str] = set()
    for call in nodes(tree, ast.Call):
        fn = functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if fn is None:
            continue
        params = fn.args.posonlyargs + fn.args.args
        found.update(params[i].arg for i, a in enumerate(call.args[:len(params)]) if _is_view(a, view_names))
    return found


def _statically_bound(tree: ast.Module, path: str) -> set[str]:
    """Names whose object the code says: imports (a library's callable or the repo's own, decided by
    neither here), this module's functions and classes, and builtins (`dict(**args)`)."""
    bound = set(dir(builtins)) | set(imported_names(tree, path))
    bound.update(n.name for n in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    return bound


def _splatted_into(call: ast.Call, path: str, view_names: set[str],
                   functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
                   bound: set[str]) -> tuple[list[Read], bool]:
    """(weak reads of the parameters of a function of this module that a view of the parsed config
    is unpacked into, whether the rest goes on by name): mesh-transformer-jax's `args =
    vars(parser.parse_args())` then `process_args(**args)` reads `input_ckpt` and `cpu`. Not a
    repo-wide doubt, as `**vars(x)` handed to an unknown callee is: the callee is here, and its
    parameters say what it takes, unless its `**kwargs` is used (then any key may be).

    A callee whose object no import or definition names (BigGAN's `model = __import__(config['model'])`
    then `model.Generator(**config)`, a method of `self`) is unknown: any parameter of the repo may
    take a flag by name, the repo-wide doubt. One rooted at an import is left alone: it may be a
    library's (llama-cookbook hands `params = asdict(config)` to one), which reads no flag by name."""
    if not any(k.arg is None and _is_view(k.value, view_names) for k in call.keywords):
        return [], False
    fn = functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
    if fn is None:
        parts = chain(call.func)
        return [], not parts or parts[0] not in bound
    a = fn.args
    rest = a.kwarg.arg if a.kwarg else None
    passed_on = rest is not None and any(isinstance(n, ast.Name) and n.id == rest for n in ast.walk(fn))
    return [Read(p.arg, path, call.lineno, call.col_offset + 1, False)
            for p in a.posonlyargs + a.args + a.kwonlyargs], passed_on


# ---- flags named by a string that reaches getattr through a variable --------------------------
# Swin-Transformer reads every flag with `def _check_args(name): return hasattr(args, name) and
# eval(f"args.{name}")` and `_check_args("zip")`: the name is a string at the call, the access is
# a variable in the helper. Such a read is weak (the fold cannot rewrite it, so a fix that needs it
# is unsafe) but it is a read: the flag is never "defined but never read". Only files with such a
# dynamic access pay for the search below.

def _maybe_config(obj: ast.expr, strong_names: set[str]) -> bool:
    """A known config, or a plain name that may be a helper's parameter standing for one."""
    parts = chain(obj)
    return bool(parts) and (parts[-1] in strong_names or (len(parts) == 1 and parts[0] not in ("self", "cls")))


def _eval_access(arg: ast.expr, strong_names: set[str]) -> tuple[ast.expr, str] | None:
    """(config object, variable) of `eval(f"args.{name}")` or `eval("args." + name)`."""
    prefix = var = None
    if isinstance(arg, ast.JoinedStr) and len(arg.values) == 2:
        first, second = arg.values
        if isinstance(first, ast.Constant) and isinstance(second, ast.FormattedValue) \
                and isinstance(second.value, ast.Name):
            prefix, var = first.value, second.value.id
    elif isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add) and isinstance(arg.left, ast.Constant) \
            and isinstance(arg.right, ast.Name):
        prefix, var = arg.left.value, arg.right.id
    if not isinstance(prefix, str) or not prefix.endswith(".") or var is None:
        return None
    parts = prefix[:-1].split(".")
    if not all(p.isidentifier() for p in parts) or parts[-1] not in strong_names:
        return None
    return ast.Name(id=parts[-1], ctx=ast.Load()), var


def _strings(node: ast.expr) -> list[str] | None:
    """The strings of a literal list, tuple or set of strings."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts \
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args]


def _names_of(node: ast.expr, tables: dict[str, ast.expr]) -> list[str] | None:
    """The names a loop takes from a literal: a list, tuple or set of strings, a dict's string keys
    (or its `.keys()`/`.items()`), directly or through a module-level name bound to one."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("keys", "items") \
            and not node.args:
        node = node.func.value
    if isinstance(node, ast.Name) and node.id in tables:
        node = tables[node.id]
    if isinstance(node, ast.Dict) and node.keys \
            and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return [k.value for k in node.keys]  # type: ignore[union-attr]
    return _strings(node)


def _loops(tree: ast.Module) -> list[tuple[str, list[str], int, int, ast.expr]]:
    """(variable, names, first line, last line, iterable) of loops and comprehensions over a
    literal list of names: `for k in ("lr", "wd"):`, `[getattr(args, k) for k in ["a", "b"]]`, and
    over a module's table of them (open-instruct's `for arg_name, key in ARG_TO_PLACEHOLDER_MAP.items():`)."""
    bound: dict[str, list[ast.expr]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            bound.setdefault(stmt.targets[0].id, []).append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            bound.setdefault(stmt.target.id, []).append(stmt.value)
    tables = {name: values[0] for name, values in bound.items() if len(values) == 1}
    out = []
    for node in nodes(tree, ast.For, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
        gens = [node] if isinstance(node, ast.For) else node.generators
        for g in gens:
            names = _names_of(g.iter, tables)
            target = g.target
            if isinstance(target, ast.Tuple) and target.elts and isinstance(g.iter, ast.Call) \
                    and isinstance(g.iter.func, ast.Attribute) and g.iter.func.attr == "items":
                target = target.elts[0]  # `for name, value in table.items():`
            if names is not None and isinstance(target, ast.Name):
                out.append((target.id, names, node.lineno, node.end_lineno or node.lineno, g.iter))
    return out


def by_name(tree: ast.Module, path: str, strong_names: set[str],
            dynamic: list[tuple[ast.expr, str, int]]) -> list[Read]:
    """Weak reads of the flags named by string where `getattr(obj, var)` (`hasattr`, `setattr`,
    `obj.__getattribute__(var)`, `eval(f"obj.{var}")`) takes its name from a variable: `var` is a
    parameter of a helper whose callers pass the name (`_check_args("zip")`), or the target of a
    loop over literal names (`for k in ("lr", "wd"): getattr(args, k)`). The object must be a known
    config, or a parameter of the helper that its caller fills with one."""
    out: list[Read] = []
    # helper name -> (index and name of its name parameter, of its object parameter (-1: none), a method)
    helpers: dict[str, list[tuple[int, str, int, str, bool]]] = {}
    functions = nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)
    loops: list[tuple[str, list[str], int, int, ast.expr]] | None = None
    for obj, var, line in dynamic:
        parts = chain(obj) or []
        strong = bool(parts) and parts[-1] in strong_names
        # the innermost helper around the access that takes `var` as a parameter
        around = [fn for fn in functions if fn.lineno <= line <= (fn.end_lineno or fn.lineno) and var in _params(fn)]
        if around:
            fn = max(around, key=lambda f: f.lineno)
            params = _params(fn)
            holder = params.index(parts[0]) if not strong and len(parts) == 1 and parts[0] in params else -1
            if strong or holder >= 0:
                method = bool(params) and params[0] in ("self", "cls")
                helpers.setdefault(fn.name, []).append((params.index(var), var, holder, parts[0], method))
            continue
        if not strong:
            continue
        if loops is None:
            loops = _loops(tree)
        for target, names, first, last, where in loops:
            if target == var and first <= line <= last:
                out.extend(Read(n, path, where.lineno, where.col_offset + 1, False) for n in names)
    if not helpers:
        return out
    for node in nodes(tree, ast.Call):
        f = node.func
        callee = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        for at, var, holder, holder_name, method in helpers.get(callee, ()):
            # `self.helper("x")`: its `self` is not among the arguments written
            shift = 1 if method and isinstance(f, ast.Attribute) else 0
            args = {i + shift: a for i, a in enumerate(node.args)}
            if any(isinstance(a, ast.Starred) for a in node.args):
                continue
            key = args.get(at, next((k.value for k in node.keywords if k.arg == var), None))
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if holder >= 0:
                obj_arg = args.get(holder, next((k.value for k in node.keywords if k.arg == holder_name), None))
                parts = chain(obj_arg) if obj_arg is not None else None
                if not parts or parts[-1] not in strong_names:
                    continue
            out.append(Read(key.value, path, node.lineno, node.col_offset + 1, False))
    return out

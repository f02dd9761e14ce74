"""Uses of a config object as a whole: code that may read every field without naming one.

- *reads by reflection*: a dict view of the object (`vars(args)`, `args.__dict__`, `asdict(cfg)`,
  `cfg.to_dict()`, `OmegaConf.to_container(cfg)`) that is iterated, splatted into a call
  (`f(**asdict(cfg))`), returned, stored or passed on; `for f in fields(self): getattr(self, f.name)`.
- *records*: a view (or the object) only dumped or given to a tracker (`yaml.safe_dump(args.__dict__)`
  written to `args.yaml`, `wandb.init(config=vars(args))`, `writer.add_text(...)` of a table of it).
  Nothing decides a value from it, but a run's record may use a flag as a label (runs grouped by
  it), so "never read" is less certain. Only printed or logged for a person (`print(args)`,
  `logger.info(json.dumps(vars(args)))`), it is no use at all.
- *passes*: the object itself given to a callable this file imports (`create_optimizer(args)`,
  `Trainer(args=training_args)`, `UNet.from_config(cfg)`): if the callable is outside the repo
  it may read any attribute. Whether it is outside is decided when files are linked.

Each use names whose fields it reaches (its *holder*, holders.py): the class of `self` in a
method, of an annotated parameter, of a name assigned from a parser or a constructor. Where the
holder is unknown and the object is only a config by its name (`args`), a read by reflection keeps
the old repo-wide lowering instead of claiming fields, and a pass is not recorded (`params` handed
to `torch.optim.AdamW` is a model's parameters).

A record is (how, holder kind, holder, object, callee, line, text):
- how: "read", "record", "view-call" (a view passed to an imported callable) or "object-call"
  (the object passed to one): a pass when the callable is outside the repo; when it is the repo's
  own, its reads are seen where it reads, and the call is no use;
- holder kind: "class" (holder: `Name=origin` entries joined by "|", origin "local", the dotted
  import, or ""), "parser" (argparse flags of the file and what it imports), "unknown" (a
  conventional config name, class not known);
- callee: the dotted name of the imported callable, resolved through the file's imports.
"""
from __future__ import annotations

import ast

from .astutil import call_name, chain, nodes, subtree
from .holders import File

Use = tuple[str, str, str, str, str, int, str]

# calls whose result is a dict of an object's fields (the object is the argument, or the receiver
# of a method call without arguments: `cfg.to_dict()`)
_VIEWS = {"vars", "asdict", "astuple", "to_dict", "to_container", "model_dump", "as_dict"}
_FIELDS = {"fields"}  # dataclasses.fields(x): names only, a read when the loop getattr()s them
# calls that keep a view a view: what they return holds the same fields
_SAME = {"sorted", "list", "dict", "tuple", "set", "enumerate", "zip", "iter", "reversed", "copy", "deepcopy",
         "OrderedDict", "items", "keys", "values", "flatten", "to_yaml"}
# calls that only print or log a line for a person: a flag shown at startup is still never read
_PRINTS = {"print", "pprint", "info", "debug", "warning", "warn", "error", "critical", "exception", "log",
           "print_rank_0", "log_rank_0", "print0", "rank_zero_info", "echo", "secho"}
# calls that make text of what they are given: where the text goes decides
_FORMATS = {"format", "join", "str", "repr", "pformat", "dumps"}
# calls that keep a record of a run (a dump to a file, a tracker's config): a flag only recorded may
# still label runs, so "never read" is less certain
_RECORD = {"dump", "safe_dump", "save", "write", "add_text", "log_params", "log_hyperparams", "add_hparams",
           "save_hyperparameters", "log_dict", "save_config"}
_TRACKERS = {"wandb", "mlflow", "neptune", "comet_ml", "aim", "clearml", "swanlab", "tensorboard"}
# calls given a config that do not read its fields for what they configure
_INERT = {"deepcopy", "copy", "isinstance", "issubclass", "hasattr", "getattr", "setattr", "delattr", "vars",
          "asdict", "astuple", "fields", "replace", "id", "type", "len", "super", "partial", "is_dataclass",
          "dataclass", "cast"}
# calls that convert a config to another container (lingua's `dump_config(cfg)`: `OmegaConf.structured(cfg)`,
# then dumped): a function handing its parameter to one of these does not hand it to code it configures
_CONVERTS = {"structured", "create", "to_container", "to_yaml", "to_object", "merge", "masked_copy"}


def _object_of_view(node: ast.AST) -> tuple[ast.expr, str] | None:
    """(object, kind) of a view: `vars(x)`/`asdict(x)`/`x.to_dict()`/`x.__dict__` -> (x, "view");
    `fields(x)`/`x.__dataclass_fields__` -> (x, "fields")."""
    if isinstance(node, ast.Call):
        name = call_name(node)
        if name in _VIEWS:
            if node.args:
                return node.args[0], "view"
            if isinstance(node.func, ast.Attribute) and name not in ("vars", "asdict", "astuple"):
                return node.func.value, "view"
        elif name in _FIELDS and node.args:
            return node.args[0], "fields"
    elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        if node.attr == "__dict__":
            return node.value, "view"
        if node.attr == "__dataclass_fields__":
            return node.value, "fields"
    return None


def _dotted(func: ast.expr, imported: dict[str, str]) -> str | None:
    """The imported dotted name a callee spells (`timm.optim.create_optimizer`), or None when
    its first name is not an import."""
    parts = chain(func)
    if not parts or parts[0] not in imported:
        return None
    return ".".join([imported[parts[0]]] + parts[1:])


def _sink(func: ast.expr) -> str | None:
    """What a callee does with what it is given: "record" (a dump, a tracker: `yaml.safe_dump`,
    `wandb.init`, `writer.add_hparams`), "print" (`print`, `logger.info`), "format" (makes text of
    it: `json.dumps`, `"{}".format`, `"sep".join`), or None (anything else)."""
    leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    parts = chain(func)
    if (parts and parts[0] in _TRACKERS) or leaf in _RECORD:
        return "record"
    if leaf in _PRINTS:
        return "print"
    if leaf in _FORMATS or (isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Constant, ast.JoinedStr))):
        return "format"
    return None


def _consumer(f: File, node: ast.AST, scope: ast.AST, imported: dict[str, str], local: set[str],
              formatted: bool = False) -> tuple[str, str, ast.AST] | None:
    """What the code does with a view (or, `formatted`, with text made of one): ("read" | "record" |
    "view-call", callee, the node that decided), or None when it reads named keys only, writes,
    prints or drops it."""
    for _ in range(12):
        up = f.parent(node, scope)
        if up is None:
            break
        call = up
        if isinstance(up, ast.keyword):
            call = f.parent(up, scope)
            if up.arg is None and not formatted:
                return "read", "", up  # `f(**asdict(cfg))`: f reads every field it takes by name
        if isinstance(call, ast.Call) and (call is not up or node is not up.func):
            sink = _sink(call.func)
            if sink == "print":
                return None  # shown to a person: nothing reads it
            if sink == "record":
                return "record", "", call
            if sink == "format":
                formatted, node = True, call
                continue
            if call_name(call) in _SAME and not isinstance(up, ast.keyword):
                node = call
                continue
            if formatted:
                return "record", "", call  # text of it handed on
            got = _call_consumer(call, imported, local)
            return got + (call,) if got is not None else None
        if isinstance(up, ast.Call):
            return "read", "", up  # `vars(args)(...)`: not a view after all; say read
        if isinstance(up, ast.Attribute):
            call = f.parent(up, scope)
            method = up.attr
            if method in ("items", "keys", "values", "copy") and isinstance(call, ast.Call) and call.func is up:
                node = call
                continue
            if method in ("get", "pop") and isinstance(call, ast.Call) and call.func is up and call.args \
                    and isinstance(call.args[0], ast.Constant):
                return None  # a named read, seen by reads.py
            if method in ("update", "setdefault", "clear", "__setitem__", "__delitem__"):
                return None  # a write into the object
            if isinstance(call, ast.Call) and call.func is up and (formatted or _sink(up) == "format"):
                formatted, node = True, call  # a string method of text made of it: `"{}".format(args).replace(...)`
                continue
            return ("record" if formatted else "read"), "", up
        if isinstance(up, ast.Subscript):
            if isinstance(up.slice, ast.Constant) or isinstance(up.ctx, (ast.Store, ast.Del)):
                return None
            return "read", "", up
        if isinstance(up, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Starred, ast.IfExp, ast.BoolOp)):
            node = up
            continue
        if isinstance(up, ast.comprehension):
            if node is up.iter:
                node = f.parent(up, scope) or up  # the comprehension's result holds the values
                continue
            return "read", "", up
        if isinstance(up, (ast.FormattedValue, ast.JoinedStr)):
            formatted, node = True, up
            continue
        if isinstance(up, ast.BinOp) and isinstance(up.op, (ast.Mod, ast.Add)) \
                and (formatted or isinstance(up.left, (ast.Constant, ast.JoinedStr))):
            formatted, node = True, up
            continue
        if isinstance(up, ast.Expr):
            return None  # computed and dropped
        return ("record" if formatted else "read"), "", node
    return ("record" if formatted else "read"), "", node


def _call_consumer(call: ast.Call, imported: dict[str, str], local: set[str]) -> tuple[str, str] | None:
    dotted = _dotted(call.func, imported)
    if dotted is not None:
        return "view-call", dotted
    if isinstance(call.func, ast.Name) and call.func.id in local:
        return None  # this file's function: its reads of the keys it wants are seen where it reads them
    return "read", ""  # a method of some object: it may read any key


def _loop_getattrs(loop: ast.AST, obj: list[str]) -> bool:
    """Whether a loop or comprehension over an object's fields reads them with `getattr(obj, ...)`."""
    for n in subtree(loop):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "getattr" and n.args \
                and chain(n.args[0]) == obj:
            return True
    return False


def extract(tree: ast.Module, imported: dict[str, str], strong: set[str]) -> tuple[list[Use], set[int]]:
    """(whole uses, ids of the views whose holder is known: splatting one (`**vars(args)`) needs
    no repo-wide lowering, its fields are claimed instead)."""
    views: list[tuple[ast.AST, ast.expr, str]] = []
    passes: list[tuple[ast.Call, ast.expr]] = []
    Name, Attribute = ast.Name, ast.Attribute
    # one pass over the calls (a tenth of timm's nodes): views, and calls given a config object
    # (`f(args)`, `Trainer(args=args)`, `f(self.cfg)`, `f(self)` in a method: the linker keeps those
    # of config classes)
    for node in nodes(tree, ast.Call):
        f = node.func
        kind = type(f)
        name = f.attr if kind is Attribute else f.id if kind is Name else ""
        if name in _VIEWS or name in _FIELDS:
            got = _object_of_view(node)
            if got is not None:
                views.append((node, *got))
        args = node.args
        if node.keywords:
            args = args + [k.value for k in node.keywords if k.arg is not None]
        for arg in args:
            kind = type(arg)
            if kind is Name:
                if arg.id in strong or arg.id == "self":
                    passes.append((node, arg))
            elif kind is Attribute and type(arg.value) is Name and arg.value.id == "self" and arg.attr in strong:
                passes.append((node, arg))
            elif kind is Attribute and (chain(arg) or [""])[0] in strong:
                passes.append((node, arg))  # a section, `setup_env(args.env)`: kept if it holds a config class
    for node in nodes(tree, ast.Attribute):
        if node.attr == "__dict__" or node.attr == "__dataclass_fields__":
            got = _object_of_view(node)
            if got is not None:
                views.append((node, *got))
    if not views and not passes:
        return [], set()
    f = File(tree, strong)
    local = {c.name for c in nodes(tree, ast.ClassDef)}
    defined = local | {n.name for n in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)}

    def qualified(kind: str, holder: str) -> str:
        """Each class of a holder with where its name comes from: `Args=local`, `SFTConfig=trl.SFTConfig`."""
        if kind != "class":
            return holder
        out = []
        for c in holder.split("|"):
            root = c.split(".")[0]  # `EvalArgs.harness`: where `EvalArgs` comes from
            out.append(f"{c}={'local' if root in local else imported.get(root, '')}")
        return "|".join(out)
    out: list[Use] = []
    known: set[int] = set()
    for node, obj, kind in views:
        parts = chain(obj)
        if not parts:
            continue
        scope = f.scope(node)
        holder_kind, holder = f.holder(parts, node)
        if holder_kind == "unknown" and len(parts) > 1 + (parts[0] == "self"):
            # `asdict(self.args.logging.wandb)` of an object of a class not known here: whichever
            # config class holds a section at that path of fields (class_uses.py)
            holder_kind, holder = "fields", ".".join(parts[1 + (parts[0] == "self"):])
        elif holder_kind == "unknown" and not _strong(parts, strong):
            fn = f.scope(node)
            if len(parts) != 1 or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    or parts[0] not in {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}:
                continue
            # `def setup_env(env_args): asdict(env_args)`: what its callers hand it (`setup_env(args.env)`
            # in another file) is read whole; linked where files are (class_uses.py)
            holder_kind, holder = "param", fn.name
        if holder_kind in ("class", "parser"):
            known.add(id(node))  # (a section or parameter linked across files may not be found)
        text = _text(node)
        if kind == "fields":
            loop = f.parent(node, scope)
            while loop is not None and not isinstance(loop, (ast.For, ast.comprehension)) \
                    and isinstance(loop, (ast.Call, ast.Attribute)):
                loop = f.parent(loop, scope)
            if isinstance(loop, ast.comprehension):
                loop = f.parent(loop, scope)
            if loop is not None and isinstance(loop, (ast.For, ast.ListComp, ast.SetComp, ast.DictComp,
                                                      ast.GeneratorExp)) and _loop_getattrs(loop, parts):
                out.append(("read", holder_kind, qualified(holder_kind, holder), ".".join(parts), "", node.lineno,
                            text))
            continue
        got = _consumer(f, node, scope, imported, defined)
        if got is None:
            continue
        how, callee, site = got
        if how == "record":
            text = _text(site)
        out.append((how, holder_kind, qualified(holder_kind, holder), ".".join(parts), callee, node.lineno, text))
    for call, arg in passes:
        # the callee first: most calls given `cfg` are the file's own functions, and working out
        # what a name holds is the costly part
        sink = _sink(call.func)
        dotted = None if sink else _dotted(call.func, imported)
        if sink == "print" or (not sink and (dotted is None or (chain(call.func) or [""])[-1] in _INERT)):
            continue
        parts = chain(arg) or []
        holder_kind, holder = f.holder(parts, call)
        fn = f.scope(call) if holder_kind == "unknown" and len(parts) == 1 and dotted and not sink \
            and dotted.rsplit(".", 1)[-1] not in _CONVERTS else None
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                and parts[0] in {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}:
            # `def train(args): misc.init_distributed_mode(args)`: what the function's callers hand it
            # goes on to that callee (linked where files are, class_uses.py: if the callee's code is
            # not in the tree, a caller's config is read by code we cannot see)
            holder_kind, holder = "param", fn.name
        elif holder_kind == "unknown":
            # a config only by its name: `params` handed to `torch.optim.AdamW` is a model's
            # parameters; claiming nothing is better than doubting every flag of the repo
            continue
        site: ast.AST = call
        if sink == "format":  # `"{}".format(args)`: where the text goes decides
            got = _consumer(f, call, f.scope(call), imported, defined, formatted=True)
            if got is None:
                continue
            site = got[2]
        out.append(("record" if sink else "object-call", holder_kind, qualified(holder_kind, holder),
                    ".".join(parts), dotted or "", call.lineno, _text(site)))
    return sorted(set(out), key=lambda u: (u[5], u)), known


def _strong(parts: list[str], strong: set[str]) -> bool:
    return (len(parts) == 1 and parts[0] in strong) or (len(parts) == 2 and parts[0] == "self" and parts[1] in strong)


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):
        return ""
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."

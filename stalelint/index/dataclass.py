"""Dataclass config fields: `@dataclass` classes used as configs, HfArgumentParser's included."""
from __future__ import annotations

import ast
import re

from ..graph import closure
from ..model import UNKNOWN, Knob, Read, Suppression
from .astutil import call_name, chain, keep_for, kwarg, literal, nodes

_CONFIG_NAME = re.compile(r"(config|cfg|conf|args|arguments|params|parameters|options|opts|settings|"
                          r"hparams|hyperparameters|hyperparams|flags)$", re.IGNORECASE)
# callables that turn a dataclass into command-line flags or config files (simple_parsing's and
# jsonargparse's `parser.add_arguments(Cls)` / `add_class_arguments(Cls)` too)
_PARSERS = {"HfArgumentParser", "cli", "parse", "ArgumentParser", "from_dict", "structured", "store",
            "add_arguments", "add_class_arguments", "add_dataclass_arguments"}
# field types no config holds: a dataclass with such a field is a record of data (a batch, a model
# output), never a config, whatever links it to one
_DATA_TYPES = re.compile(r"(Tensor|\bndarray|\b(ND)?Array(Like)?|\bDataFrame|\bModule|\bParameter|\bImage|"
                         r"Tokenizer(Fast|Base)?)\b")
_FACTORIES = {"list": [], "dict": {}, "set": set(), "tuple": ()}


def _is_dataclass(node: ast.ClassDef) -> bool:
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        parts = chain(target) or []
        if parts and parts[-1] in ("dataclass", "dataclasses", "define", "frozen"):
            return True
    return False


def _scan(tree: ast.Module) -> tuple[set[str], list[ast.ClassDef], list[tuple[str, tuple[str, ...], bool]]]:
    """One walk: class names handed to HfArgumentParser/tyro.cli and the like, the class
    definitions, and calls that build a capitalised class with keywords (`Cfg(depth=3)`, `Cfg(**d)`)."""
    parsed: set[str] = set()
    classes: list[ast.ClassDef] = nodes(tree, ast.ClassDef)
    constructs: list[tuple[str, tuple[str, ...], bool]] = []
    for node in nodes(tree, ast.Call):
        name = call_name(node)
        if name in _PARSERS:
            for arg in list(node.args) + [k.value for k in node.keywords]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Name) and sub.id[:1].isupper():
                        parsed.add(sub.id)
        elif name[:1].isupper() and (node.keywords or node.args):
            # positional arguments by place (`TPUConfig("v4-8", 4, 1)`: a record a table fills in)
            places = () if any(isinstance(a, ast.Starred) for a in node.args) else \
                tuple(f"#{n}" for n in range(len(node.args)))
            constructs.append((name, tuple(k.arg for k in node.keywords if k.arg) + places,
                               any(k.arg is None for k in node.keywords)))
    return parsed, classes, constructs


def _field_default(value: ast.expr | None) -> tuple[object, bool, str | None]:
    """(default, required, nested class name) of a field's right-hand side."""
    if value is None:
        return None, True, None
    if isinstance(value, ast.Call) and call_name(value) == "field":
        d = kwarg(value, "default")
        if d is not None:
            return literal(d), False, None
        factory = kwarg(value, "default_factory")
        if factory is None:
            return None, True, None
        if isinstance(factory, ast.Name):
            if factory.id in _FACTORIES:
                return _FACTORIES[factory.id], False, None
            return UNKNOWN, False, factory.id
        if isinstance(factory, ast.Lambda):
            return literal(factory.body), False, None
        return UNKNOWN, False, None
    return literal(value), False, None


def _annotation_class(ann: ast.expr) -> str | None:
    # `Optional[WandbArgs]`, `WandbArgs | None`: a section that may be left out is still a section
    if isinstance(ann, ast.Subscript) and (chain(ann.value) or [""])[-1] == "Optional":
        return _annotation_class(ann.slice)
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        sides = [s for s in (ann.left, ann.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return _annotation_class(sides[0]) if len(sides) == 1 else None
    if isinstance(ann, ast.Name):
        return ann.id
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str) and ann.value.isidentifier():
        return ann.value
    if isinstance(ann, ast.Attribute):
        return ann.attr
    return None


def _lists(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level lists and tuples of names (`BASE_CLASSES = [A, B]`), for `class C(*BASE_CLASSES)`."""
    out: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, (ast.List, ast.Tuple)) and node.value.elts:
            names = [(chain(e) or [""])[-1] for e in node.value.elts]
            if all(names):
                out[node.targets[0].id] = names
    return out


def _bases(node: ast.ClassDef, lists: dict[str, list[str]] | None) -> list[str]:
    out: list[str] = []
    for b in node.bases:
        if isinstance(b, ast.Starred) and isinstance(b.value, ast.Name) and lists is not None:
            out.extend(lists.get(b.value.id, ()))
        elif (parts := chain(b)):
            out.append(parts[-1])
    return out


def extract(tree: ast.Module, path: str, sups: tuple[Suppression, ...]):
    """(knobs named by field, config classes with their (field, type) pairs, classes handed to a
    command-line parser here, keyword constructions of capitalised classes here, and the same
    knobs and classes of *candidate* dataclasses, with every dataclass's bases).

    A candidate is a dataclass whose name does not say it is a config and that no parser is handed
    here. It may still be one (gpt-neox's `NeoXArgsModel`, merged into `NeoXArgs(*BASE_CLASSES)`):
    linking decides from the classes of the whole repo (`link` promotes bases, subclasses and nested
    sections of configs), and `promote_by_use` from the keys experiments set. A candidate with a
    field no config holds (a tensor, an array, a module) is a data record and not kept at all."""
    parsed, class_defs, constructs = _scan(tree)
    local = {n.name for n in class_defs}
    knobs: list[Knob] = []
    classes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    maybe_knobs: list[Knob] = []
    maybe_classes: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    bases: list[tuple[str, tuple[str, ...]]] = []
    lists: dict[str, list[str]] | None = None
    for node in class_defs:
        if not _is_dataclass(node):
            continue
        if any(isinstance(b, ast.Starred) for b in node.bases) and lists is None:
            lists = _lists(tree)
        named = _bases(node, lists)
        if named:
            bases.append((node.name, tuple(named)))
        candidate = not (_CONFIG_NAME.search(node.name) or node.name in parsed)
        if candidate and any(isinstance(s, ast.AnnAssign) and _DATA_TYPES.search(ast.unparse(s.annotation))
                             for s in node.body):
            continue
        # fields of a class built on a library's class (transformers' TrainingArguments, ...) may be
        # read by that library, which stalelint does not see
        external = [b for b in node.bases if not (isinstance(b, ast.Name) and b.id in local | {"object"})]
        fields: list[tuple[str, str]] = []
        start = len(knobs)
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            ann = ast.unparse(stmt.annotation)
            if "ClassVar" in ann or "InitVar" in ann:
                continue
            name = stmt.target.id
            default, required, nested = _field_default(stmt.value)
            nested = nested or _annotation_class(stmt.annotation)
            fields.append((name, nested or ""))
            end = stmt.end_lineno or stmt.lineno
            knobs.append(Knob(
                name=name, kind="flag", system="dataclass", path=path, line=stmt.lineno,
                column=stmt.col_offset + 1, end_line=end, default=default, required=required,
                type_name=ann, owner=node.name, keep=keep_for(sups, stmt.lineno, end),
                external_base=bool(external),
            ))
        if candidate:
            if fields:
                maybe_knobs.extend(knobs[start:])
                maybe_classes.append((node.name, tuple(fields)))
            del knobs[start:]
            continue
        classes.append((node.name, tuple(fields)))
    return knobs, classes, sorted(parsed), constructs, maybe_knobs, maybe_classes, bases


# ---- which candidate dataclasses are configs ---------------------------------------------------
# A dataclass is a config, whatever its name, when its fields are a config's fields: it is merged
# into one (a base of a config class: gpt-neox's `NeoXArgs(*BASE_CLASSES)` inherits all of
# `NeoXArgsModel`, `NeoXArgsTraining`...), it inherits from one that is named or parsed as a config,
# or it is a section of one (the type of a config's field). Only those directions: a class that
# merely shares a base with a config (`Sample(Base)` next to `TrainConfig(Base)`) is not one.
# What is left is decided by use (`by_use`): experiments set its fields and nothing else defines
# those keys. A data record (`Batch`, `Sample`, a model output) has tensor-typed fields and was
# never a candidate; one without them is still not promoted, since nothing above links it to a
# config, and so its fields never become knobs nor STL101 "unread" noise.

Classes = list[tuple[str, tuple[tuple[str, str], ...]]]


def subclasses(bases_of: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Class -> every class that inherits from it, transitively."""
    direct: dict[str, set[str]] = {}
    for cls, bases in bases_of.items():
        for b in bases:
            if b != cls:
                direct.setdefault(b, set()).add(cls)
    return closure(direct)


def promoted(configs: Classes, candidates: Classes, bases_of: dict[str, tuple[str, ...]],
             also: set[str] = frozenset()) -> set[str]:
    """The candidate classes that are configs by their place among the config classes (or among
    `also`: candidates experiments showed to be configs)."""
    if not candidates:
        return set()
    fields_of = dict(candidates)
    fields_of.update(configs)
    maybe = {cls for cls, _ in candidates}
    under = subclasses(bases_of)
    out: set[str] = set()
    # (class, whether its subclasses are configs too): not for a base reached upwards, whose other
    # subclasses are only siblings of the config
    todo = [(cls, True) for cls, _ in configs] + [(cls, True) for cls in also]
    seen = {cls for cls, _ in todo}
    while todo:
        cls, down = todo.pop()
        related = [(b, False) for b in bases_of.get(cls, ())]
        related += [(t, True) for _, t in fields_of.get(cls, ()) if t]
        if down:
            related += [(c, True) for c in under.get(cls, ())]
        for other, other_down in related:
            if other in maybe and other not in seen:
                seen.add(other)
                out.add(other)
                todo.append((other, other_down))
    return out


def by_use(candidates: dict[str, list[Knob]], known: set[str], experiments) -> set[str]:
    """Candidate classes whose fields experiments set: one experiment sets at least two of its
    fields under keys that no knob defines (keys that would otherwise be unknown settings), and
    most of its fields have defaults (a record built from computed values has none)."""
    from ..names import normalize

    leaves: dict[str, set[str]] = {}  # field leaf -> classes that have it
    for cls, fields in candidates.items():
        if len(fields) < 2 or sum(1 for k in fields if k.required) * 2 > len(fields):
            continue
        for k in fields:
            leaves.setdefault(normalize(k.name), set()).add(cls)
    if not leaves:
        return set()
    out: set[str] = set()
    for e in experiments:
        hits: dict[str, set[str]] = {}
        for s in e.settings:
            leaf = normalize(s.key).rsplit(".", 1)[-1]
            if leaf in known:
                continue
            for cls in leaves.get(leaf, ()):
                hits.setdefault(cls, set()).add(leaf)
        out.update(cls for cls, got in hits.items() if len(got) >= 2)
    return out


def body_reads(tree: ast.Module, path: str) -> list[Read]:
    """Fields a dataclass's own body uses as the default of a later field (Open-Reasoner-Zero's
    `ref_num_nodes: int = total_num_nodes`): read there, at class creation; deleting one breaks the
    class. Methods are not the body: there a field is `self.x`, which reads.py sees."""
    out: list[Read] = []
    for node in nodes(tree, ast.ClassDef):
        if not _is_dataclass(node):
            continue
        fields = {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        for stmt in node.body:
            if isinstance(stmt, (ast.AnnAssign, ast.Assign)) and stmt.value is not None:
                out += [Read(n.id, path, n.lineno, n.col_offset + 1, True) for n in ast.walk(stmt.value)
                        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in fields]
    return out

"""STL201 stale-variant: a variant no recent experiment selects."""
from __future__ import annotations

from typing import Callable, Iterator

from ..judge import Binding, Facts, evaluate
from ..model import UNKNOWN, Evidence, Experiment, Finding, Knob, LastSet
from ..names import matches_any, normalize, same_value
from .common import THIN_CONFIDENCE, capped, day, display, kept, operational_cap, shipped, thin, window_text

CODE = "STL201"
NAME = "stale-variant"
KIND = "variant"
DOC = """\
What: one of several alternatives chosen by name that no experiment of the window selects: a
registered model (`@register_model def vit_tiny_v3`, `@MODELS.register_module()`,
`@BACKBONE_REGISTRY.register()`, an entry of a `MODELS = {"name": Class}` dict), a `choices=[...]`
value, or an arm of a string dispatch (`if args.model == "vit":` / `elif ...`, `match args.model:`).
Why: variants accumulate; each one is code every refactor must keep working.
Example: `@register_model def mlp_mixer()` while every recent experiment runs resnet18 or vit_tiny.
Evidence: an experiment selects a variant when one of its settings has the variant's name as its
value (or, for choices and dispatch, when the selecting flag has that value, its default included).
A registered name that code passes as a string (`create_model("vit_tiny")`) or a registered
function or class that code calls directly is used by code and not reported.
Confidence: 40 (hidden by default) for a variant last selected by a recipe the repo keeps (a config
or launch script the documentation or tests name, or an experiment config or launch command still in
the tree outside an archive folder such as `configs/old/`): deleting it breaks that recipe.
Fix safety: safe for dispatch arms and choices (no recent experiment reaches them); for registry
entries the confidence is lower in large registries, whose entries may be selected from outside the
repo (a library's users).
"""

_LARGE = 30


def _match_keys(value: object) -> set[str]:
    """The normalised names a value selects: itself, its first dotted part, its last path part
    (`resnet.a1_in1k` and `configs/resnet` select `resnet`); any of a list's items."""
    if isinstance(value, str):
        v = normalize(value)
        return {v, v.split(".")[0], v.rsplit("/", 1)[-1]}
    if isinstance(value, (list, tuple)):
        return set().union(*map(_match_keys, value)) if value else set()
    return set()


def _names_match(value: object, name: str) -> bool:
    return normalize(name) in _match_keys(value)


def _latest(items: list[Experiment]) -> Experiment | None:
    dated = [e for e in items if e.date]
    return max(dated, key=lambda e: e.date) if dated else None  # type: ignore[arg-type,return-value]


def _message(what: str, n: int, since: str, last: Experiment | None) -> str:
    tail = f"last selected by {last.label} on {day(last.date)}" if last else "never selected by any experiment found"
    return f"{what} is never selected by any of {n} recent experiment{'s' if n != 1 else ''} {since}; {tail}"


def _confidence(facts: Facts, base: int, recent: list[Experiment], last: Experiment | None, value: object,
                large: int = 0) -> tuple[int, str]:
    """A variant's confidence from the evidence: thin evidence, an option no experiment ever chose
    (one offered, like a template's loggers, as likely as one abandoned), a name for how a run is
    operated (resume, eval), or a large registry that users outside the repo select from all say
    little, and are hidden by the default `min_confidence`."""
    return capped(base, operational_cap(value), thin(recent), shipped(facts, last),
                  (THIN_CONFIDENCE, "an option no experiment ever chose may be one offered rather than one tried")
                  if last is None else None,
                  (THIN_CONFIDENCE, f"one of {large} entries, which users outside the repo may select")
                  if large > _LARGE else None)


def _flag_variants(facts: Facts) -> Iterator[Finding]:
    """Dispatch arms and choices values, judged through the flag that selects them."""
    reported: set[tuple[int, str]] = set()
    for (path, _, i), arms in sorted(facts.dispatch().items(), key=lambda kv: (kv[0][0], kv[0][1])):
        k = facts.knob(i)
        if kept(k, CODE) or not facts.judgeable(i):
            continue
        values = facts.values_in(i, facts.recent(k.path))
        if not values or any(v is UNKNOWN for v in values):
            continue
        for g in arms:
            if any(evaluate(g.op, v, g.value) for v in values) or facts.unjudged(g.path, g.line):
                continue
            since = facts.since(g.path, g.line)
            recent = facts.recent(k.path, since)
            if not recent:
                continue
            chosen = [g.value] if g.op == "==" else list(g.value)  # type: ignore[arg-type]
            reported.update((i, str(c)) for c in chosen)
            ever = [b.experiment for b in facts.bindings.get(i, ()) if evaluate(g.op, b.value, g.value)]
            name = ", ".join(map(str, chosen))
            last = _latest(ever)
            msg = _message(f"`{g.form} {g.test}:` (variant `{name}` of `{display(k)}`)", len(recent),
                           window_text(facts, since, recent), last)
            confidence, note = _confidence(facts, 90, recent, last, chosen[0] if len(chosen) == 1 else None)
            yield Finding(CODE, NAME, KIND, name, g.path, g.line, g.column, msg + note, confidence,
                          g.body[1] - g.body[0] + 1,
                          Evidence(len(recent), len(facts.covers.get(k.path, [])), 0,
                                   LastSet(last.label, last.date, name) if last else None), g.body[1],
                          subject=f"{k.name}: {g.test}")
    registered = {normalize(v.name) for v in facts.index.variants}
    for i, k in enumerate(facts.index.knobs):
        if not k.choices or kept(k, CODE) or not facts.judgeable(i):
            continue
        values = facts.values_in(i, facts.recent(k.path))
        if not values or any(v is UNKNOWN for v in values):
            continue
        if all(any(same_value(v, c) for v in values) for c in k.choices) or facts.unjudged(k.path, k.line):
            continue
        since = facts.since(k.path, k.line)
        recent = facts.recent(k.path, since)
        if not recent:
            continue
        for choice in k.choices:
            if (i, str(choice)) in reported or any(same_value(v, choice) for v in values):
                continue
            if isinstance(choice, str) and normalize(choice) in registered:
                continue  # the registry entry is the code to go; it is reported there
            ever = [b.experiment for b in facts.bindings.get(i, ()) if same_value(b.value, choice)]
            last = _latest(ever)
            msg = _message(f"choice {choice!r} of `{display(k)}`", len(recent), window_text(facts, since, recent), last)
            confidence, note = _confidence(facts, 80, recent, last, choice)
            yield Finding(CODE, NAME, KIND, str(choice), k.path, k.line, k.column, msg + note, confidence, 0, Evidence(len(recent), len(facts.covers.get(k.path, [])), 0,
                                      LastSet(last.label, last.date, choice) if last else None), k.end_line,
                          subject=k.name)


def _used_by_code(facts: Facts, v: Knob) -> bool:
    if facts._code_strings is None:  # noqa: SLF001 - a cache the judge owns
        facts._code_strings = {s for f in facts.index.files for s in f.code_strings}
        facts._code_names = {n for f in facts.index.files for n in f.names_used}
    if v.name in facts._code_strings:
        return True
    return any(a in facts._code_names for a in (v.name, *v.aliases))  # type: ignore[operator]


def _registry_variants(facts: Facts) -> Iterator[Finding]:
    recent = [e for e in facts.experiments if facts.counts(e)]
    if not recent:
        return
    sizes: dict[tuple[str, str], int] = {}
    for v in facts.index.variants:
        sizes[(v.path, v.owner)] = sizes.get((v.path, v.owner), 0) + 1
    selected = selector(facts)

    for v in facts.index.variants:
        if v.system in ("hydra-group", "getattr"):
            continue
        if kept(v, CODE) or matches_any(v.name, facts.keep) or _used_by_code(facts, v):
            continue
        if facts.unjudged(v.path, v.line):
            continue

        key = normalize(v.name)
        if any(key in selected(e) for e in recent):
            continue
        since = facts.since(v.path, v.line)
        mine = [e for e in recent if facts.counts(e, since)] if since else recent
        if not mine:
            continue
        last = _latest([e for e in facts.experiments if key in selected(e)])
        confidence, note = _confidence(facts, 80, mine, last, v.name, sizes[(v.path, v.owner)])
        msg = _message(f"variant `{v.name}` of `{v.owner}`", len(mine), window_text(facts, since, mine), last) + note
        yield Finding(CODE, NAME, KIND, v.name, v.path, v.line, v.column, msg, confidence,
                      v.end_line - v.line + 1, Evidence(len(mine), len(facts.experiments), 0,
                                                         LastSet(last.label, last.date, v.name) if last else None),
                      v.end_line)


def unbuilt(facts: Facts, path: str, line: int) -> Knob | None:
    """The registered variant (class or function) around a line that no recent experiment selects
    and no code names: code inside it ran in none of them, whatever their flags say."""
    if "registered_by_path" not in facts.shared:
        # every registered class, a library's registry too (detectron2's SEM_SEG_HEADS_REGISTRY)
        by_path: dict[str, list[Knob]] = {}
        for f in facts.index.files:
            for v in f.variants:
                if v.system == "registry":
                    by_path.setdefault(v.path, []).append(v)
        facts.shared["registered_by_path"] = by_path
    around = [v for v in facts.shared["registered_by_path"].get(path, ()) if v.line <= line <= v.end_line]
    if not around:
        return None
    if "recently_selected" not in facts.shared:
        selected = selector(facts)
        facts.shared["recently_selected"] = set().union(*(selected(e) for e in facts.experiments if facts.counts(e)))
    for v in around:
        if not _used_by_code(facts, v) and normalize(v.name) not in facts.shared["recently_selected"]:
            return v
    return None


def selector(facts: Facts) -> Callable[[Experiment], set[str]]:
    """The variant names an experiment selects (once per run, shared by the rules that ask)."""
    if "variant_selector" not in facts.shared:
        facts.shared["variant_selector"] = _selector(facts)
    return facts.shared["variant_selector"]


def _selector(facts: Facts) -> Callable[[Experiment], set[str]]:
    defaults: dict[str, list[tuple[int, set[str]]]] = {}  # path -> (knob, names its default selects)
    for i, k in enumerate(facts.index.knobs):
        if isinstance(k.default, str):
            defaults.setdefault(k.path, []).append((i, _match_keys(k.default)))
    covered: dict[int, list[str]] = {}  # id(experiment) -> the files it applies to that hold such defaults
    for path in defaults:
        for e in facts.covers.get(path, ()):
            covered.setdefault(id(e), []).append(path)
    memo: dict[int, set[str]] = {}

    def selected(e: Experiment) -> set[str]:
        """The variant names an experiment selects: by a setting's value, or by a flag left at a
        default that names the variant (the value it has there must name it too). Worked out once
        per experiment, not once per variant and experiment."""
        got = memo.get(id(e))
        if got is None:
            got = set().union(*(_match_keys(s.value) for s in e.settings)) if e.settings else set()
            for path in covered.get(id(e), ()):
                for i, names in defaults[path]:
                    got |= names & _match_keys(facts.value_in(i, e))
            memo[id(e)] = got
        return got

    return selected


def _group_variants(facts: Facts) -> Iterator[Finding]:
    """Hydra config-group options: selected by `group=option` (or `override /group: option`), or by
    being the group's default in an experiment that does not choose another."""
    for v in facts.index.variants:
        if v.system != "hydra-group" or kept(v, CODE) or matches_any(v.name, facts.keep):
            continue
        group = normalize(v.owner.replace("/", "."))

        names = (v.name, *v.aliases)  # itself, and the options whose defaults list pulls it in

        def selects(e: Experiment) -> bool:
            chosen = [s.value for s in e.settings if normalize(s.key) == group]
            if not chosen:
                return v.default in names
            return any(c is UNKNOWN or any(_names_match(c, n) for n in names) for c in chosen)

        tree = facts.covers.get(v.path, [])
        recent = facts.recent(v.path)
        if not recent or any(selects(e) for e in recent) or facts.unjudged(v.path, v.line):
            continue
        since = facts.since(v.path, v.line)
        recent = facts.recent(v.path, since)
        if not recent:
            continue
        last = _latest([e for e in tree if selects(e)])
        msg = _message(f"option `{v.name}` of config group `{v.owner}`", len(recent), window_text(facts, since, recent), last)
        confidence, note = _confidence(facts, 90, recent, last, v.name)
        yield Finding(CODE, NAME, KIND, f"{v.owner}={v.name}", v.path, v.line, v.column, msg + note,
                      confidence, v.end_line - v.line + 1,
                      Evidence(len(recent), len(tree), 0, LastSet(last.label, last.date, v.name) if last else None),
                      v.end_line)


def _dynamic_variants(facts: Facts) -> Iterator[Finding]:
    """Functions and classes of a module chosen by `getattr(module, args.arch)`."""
    for v in facts.index.variants:
        if v.system != "getattr" or v.selected_by is None or kept(v, CODE) or matches_any(v.name, facts.keep):
            continue
        flag, where = v.selected_by
        hits = facts.lookup(flag, facts.reach(where))
        if len(hits) != 1 or _used_by_code(facts, v) or facts.unjudged(v.path, v.line):
            continue
        i = hits[0]
        k = facts.knob(i)
        values = facts.values_in(i, facts.recent(k.path))
        if not values or any(x is UNKNOWN for x in values) or any(_names_match(x, v.name) for x in values):
            continue
        since = facts.since(v.path, v.line)
        recent = facts.recent(k.path, since)
        if not recent:
            continue
        last = _latest([b.experiment for b in facts.bindings.get(i, ()) if _names_match(b.value, v.name)])
        msg = _message(f"`{v.name}` (chosen by `getattr(..., {display(k)})`)", len(recent), window_text(facts, since, recent),
                       last)
        confidence, note = _confidence(facts, 70, recent, last, v.name)
        yield Finding(CODE, NAME, KIND, v.name, v.path, v.line, v.column, msg + note, confidence,
                      v.end_line - v.line + 1,
                      Evidence(len(recent), len(facts.covers.get(k.path, [])), 0,
                               LastSet(last.label, last.date, v.name) if last else None), v.end_line)


def check(facts: Facts) -> Iterator[Finding]:
    yield from _flag_variants(facts)
    yield from _registry_variants(facts)
    yield from _group_variants(facts)
    yield from _dynamic_variants(facts)


__all__ = ["check", "Binding"]

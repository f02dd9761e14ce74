"""Sweep plans: W&B sweep YAMLs (`method:` and `parameters:`, each parameter a `value`, `values` or
a distribution). A plan is evidence that its values were meant to run, dated by the file's commit.
A plan of N values for its widest parameter becomes N experiments, the i-th setting every
parameter to its i-th value (cycling shorter lists): every planned value is seen, without
expanding the grid. A distribution (min/max) counts as set to a value not known statically."""
from __future__ import annotations

import re
from typing import Any, Iterator

from ..lazy import module as _lazy_module
from ..model import UNKNOWN, Experiment, Setting
from . import runs

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "sweeps"
CODE = "STL903"
_METHOD = re.compile(r"^method\s*:", re.MULTILINE)
_PARAMETERS = re.compile(r"^parameters\s*:", re.MULTILINE)


def is_sweep(text: str) -> bool:
    """Cheap test before parsing: a top-level `method:` and `parameters:`."""
    return bool(_METHOD.search(text) and _PARAMETERS.search(text))


def _values(spec: Any, prefix: str) -> Iterator[tuple[str, list[Any]]]:
    if not isinstance(spec, dict):
        yield prefix, [spec]
    elif "value" in spec:
        yield prefix, [spec["value"]]
    elif "values" in spec and isinstance(spec["values"], list) and spec["values"]:
        yield prefix, list(spec["values"])
    elif "parameters" in spec and isinstance(spec["parameters"], dict):  # nested parameters
        for k, v in spec["parameters"].items():
            yield from _values(v, f"{prefix}.{k}")
    elif "min" in spec or "max" in spec or "distribution" in spec:
        yield prefix, [UNKNOWN]


def plan(ctx: runs.Context, rel: str, data: dict) -> list[Experiment]:
    params = data.get("parameters")
    if not isinstance(params, dict):
        return []
    table = [kv for k, v in params.items() for kv in _values(v, str(k))]
    if not table:
        return []
    when, how = ctx.date_of(rel)
    program = data.get("program")
    entry = ctx.resolve(program) if isinstance(program, str) else None
    width = max(len(vs) for _, vs in table)
    return [Experiment(rel, None, "sweep", when, how,
                       tuple(Setting(k, vs[i % len(vs)]) for k, vs in table), entry=entry,
                       command=f"sweep value {i + 1} of {width}")
            for i in range(width)]


def read_file(ctx: runs.Context, rel: str, text: str) -> list[Experiment]:
    """Raises yaml.YAMLError."""
    data = yaml.safe_load(text)
    return plan(ctx, rel, data) if isinstance(data, dict) else []

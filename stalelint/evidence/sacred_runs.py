"""sacred's FileStorageObserver: `<basedir>/<N>/config.json` and `run.json` (its `start_time`, and
the script in `experiment.mainfile`). A folder is a sacred run when it holds both files and
run.json names an experiment."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from ..model import Experiment
from . import runs

NAME = "sacred"
CODE = "STL906"


def run_dirs(ctx: runs.Context) -> Iterator[Path]:
    for folder in ctx.folders():
        if runs.is_sacred(folder):
            yield folder


def read_run(ctx: runs.Context, folder: Path) -> Experiment | None:
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    if not isinstance(info, dict) or "experiment" not in info:
        return None
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise ValueError("config.json is not an object")
    # seed is a real knob (sacred adds it, but a script may read it); __doc__ and the like are not
    config = {k: v for k, v in config.items() if not k.startswith("__")}
    experiment = info.get("experiment") or {}
    entry = ctx.resolve(experiment.get("mainfile")) if isinstance(experiment, dict) and experiment.get("mainfile") else None
    when = runs.from_iso(info.get("start_time"))
    how = "start_time"
    if when is None:
        when, how = runs.file_time(folder / "run.json"), "mtime"
    return runs.run(ctx.rel(folder), when, how, runs.settings_of(config), entry=entry)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for folder in run_dirs(ctx):
        try:
            found = read_run(ctx, folder)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = runs.reason(exc)
            ctx.problem(CODE, ctx.rel(folder), f"cannot read sacred run: {reason}", NAME)
            continue
        if found is not None:
            yield found

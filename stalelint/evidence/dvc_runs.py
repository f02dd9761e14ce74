"""DVC: `dvc.lock` (each stage's `cmd` and the values of the `params` it depends on, as of the
commit that last changed the lock file) and DVC experiments kept in git under `refs/exps/` (each
a commit whose `params.yaml` is one experiment, dated by its commit). `params.yaml` itself is the
defaults file DVC stages read; it is evidence only through the lock file and experiment refs."""
from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any, Iterator

from ..lazy import module as _lazy_module
from ..model import Experiment, Setting
from . import launch, runs

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "dvc"
CODE = "STL906"
_GIT_TIMEOUT = 60


def _lock_stages(ctx: runs.Context, rel: str, data: Any) -> Iterator[Experiment]:
    when, how = ctx.date_of(rel)
    stages = data.get("stages") if isinstance(data, dict) else None
    for name, stage in (stages or {}).items():
        if not isinstance(stage, dict):
            continue
        settings: list[Setting] = []
        for params in (stage.get("params") or {}).values():
            if isinstance(params, dict):
                settings.extend(runs.settings_of(params))
        entry = None
        cmd = stage.get("cmd")
        for command in launch.commands("dvc.sh", cmd if isinstance(cmd, str) else "\n".join(cmd or ())):
            entry = ctx.module(command.entry) if command.module else ctx.resolve(command.entry)
            found, _ = launch.parse_args(command.args, ctx.arity(entry))
            settings.extend(found)
        yield Experiment(rel, None, "run", when, how, tuple(settings), entry=entry,
                         command=f"dvc stage {name}")


def _git(ctx: runs.Context, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(ctx.root), *args], capture_output=True, text=True,
                          timeout=_GIT_TIMEOUT, check=True)
    return done.stdout


def _experiment_refs(ctx: runs.Context) -> Iterator[Experiment]:
    if not (ctx.root / ".git").exists():
        return
    listing = _git(ctx, "for-each-ref", "--format=%(refname) %(committerdate:unix)", "refs/exps/")
    for line in listing.splitlines():
        ref, _, stamp = line.rpartition(" ")
        try:
            text = _git(ctx, "show", f"{ref}:params.yaml")
        except subprocess.CalledProcessError:
            continue  # an experiment without params.yaml sets nothing
        data = yaml.safe_load(text)
        if isinstance(data, dict):
            yield Experiment(ref, None, "run", dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc),
                             "commit", runs.settings_of(data))


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for rel in ctx.files:
        if rel == "dvc.lock" or rel.endswith("/dvc.lock"):
            try:
                data = yaml.safe_load((ctx.root / rel).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                reason = runs.reason(exc)
                ctx.problem(CODE, rel, f"cannot read dvc.lock: {reason}", NAME)
                continue
            yield from _lock_stages(ctx, rel, data)
    try:
        yield from _experiment_refs(ctx)
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        ctx.problem(CODE, "refs/exps", f"cannot read DVC experiment refs: {str(exc).splitlines()[0]}", NAME)

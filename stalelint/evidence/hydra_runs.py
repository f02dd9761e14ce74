"""Hydra job folders: every `.hydra/` folder under `outputs/` or `multirun/` (or wherever
`hydra.run.dir` put it) with `config.yaml` (the composed config), `overrides.yaml` (what the command
line changed) and `hydra.yaml` (its `runtime.choices`: the config-group option each group took,
recorded as a setting `group=option`, the evidence for variants). Dated by the folder name
(`outputs/2026-05-01/10-11-12`, `multirun/2026-05-01/10-11-12/3`), else the file time."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterator

from ..lazy import module as _lazy_module
from ..model import Experiment, Setting
from ..names import parse_value
from . import runs

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "hydra"
CODE = "STL906"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}-\d{2}-\d{2}$")


def job_dirs(ctx: runs.Context) -> Iterator[Path]:
    for hydra in runs.find_dirs(ctx.root, {".hydra"}):
        yield hydra.parent


def _date(job: Path) -> tuple[dt.datetime | None, str]:
    parts = job.parts
    for i in range(len(parts) - 1):
        if _DAY.match(parts[i]) and _TIME.match(parts[i + 1]):
            when = dt.datetime.strptime(f"{parts[i]} {parts[i + 1]}", "%Y-%m-%d %H-%M-%S")
            return when.replace(tzinfo=dt.timezone.utc), "folder name"
    return runs.file_time(job / ".hydra" / "config.yaml"), "mtime"


def _load(path: Path) -> Any:
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_job(ctx: runs.Context, job: Path) -> Experiment:
    config = _load(job / ".hydra" / "config.yaml") or {}
    hydra = _load(job / ".hydra" / "hydra.yaml") or {}
    overrides = _load(job / ".hydra" / "overrides.yaml") or []
    if not isinstance(config, dict):
        raise ValueError("config.yaml is not a mapping")
    settings = list(runs.settings_of(config, skip=frozenset({"hydra"})))
    known = {s.key for s in settings}
    section = hydra.get("hydra", hydra) if isinstance(hydra, dict) else {}
    choices = (section.get("runtime") or {}).get("choices") or {}
    for group, option in choices.items():
        if not str(group).startswith("hydra/") and option is not None:
            settings.append(Setting(str(group), option))
    # an override of a key the composed config lacks (a `~key` deletion, say) is still evidence
    for item in overrides if isinstance(overrides, list) else []:
        key, sep, value = str(item).partition("=")
        key = key.lstrip("+~")
        if sep and key not in known and key not in choices and not key.startswith("hydra"):
            settings.append(Setting(key, parse_value(value)))
    job_cfg = section.get("job") or {}
    entry = ctx.resolve(f"{job_cfg['name']}.py") if job_cfg.get("name") else None
    when, how = _date(job)
    return runs.run(ctx.rel(job / ".hydra"), when, how, tuple(settings), entry=entry)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for job in job_dirs(ctx):
        try:
            yield read_job(ctx, job)
        except (OSError, UnicodeDecodeError, ValueError, AttributeError, yaml.YAMLError) as exc:
            reason = runs.reason(exc)
            ctx.problem(CODE, ctx.rel(job / ".hydra"), f"cannot read Hydra job record: {reason}", NAME)

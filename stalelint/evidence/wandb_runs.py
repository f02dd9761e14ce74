"""Weights & Biases run folders: `wandb/run-*/` and `wandb/offline-run-*/`.

A synced run has `files/config.yaml` (each key's value under `value:`, wandb's own `_wandb` key
skipped) and `files/wandb-metadata.json` (the command line's `args`, parsed like a launch command,
the script `program`, and `startedAt`). An offline run keeps its config only in the binary
`run-*.wandb` file; that is decoded with the wandb package's schema (extra `stalelint[wandb]`);
without it those runs are skipped, and a notice says so."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..lazy import module as _lazy_module
from ..model import Experiment, Setting
from . import launch, runs, wandb_log

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "wandb"
CODE = "STL906"
_RUN_DIR = re.compile(r"^(?:offline-)?run-(\d{8})_(\d{6})-\w+$")
_SKIP = frozenset({"_wandb", "wandb_version"})


def run_dirs(ctx: runs.Context) -> Iterator[Path]:
    for folder in runs.find_dirs(ctx.root, {"wandb"}):
        try:
            subs = sorted(p for p in folder.iterdir() if _RUN_DIR.match(p.name) and p.is_dir() and not p.is_symlink())
        except OSError:
            continue
        yield from subs


def _folder_date(run_dir: Path) -> dt.datetime | None:
    m = _RUN_DIR.match(run_dir.name)
    try:
        return dt.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone.utc) if m else None
    except ValueError:
        return None


def _config_yaml(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError("config.yaml is not a mapping")
    # {key: {desc: ..., value: v}} in every wandb version; a bare value is taken as it is
    return {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in doc.items() if k not in _SKIP}


def _from_args(ctx: runs.Context, args: list[str], program: str | None) -> tuple[str | None, tuple[Setting, ...]]:
    entry = ctx.resolve(program) if program else None
    found, _ = launch.parse_args(tuple(str(a) for a in args), ctx.arity(entry))
    return entry, tuple(found)


def _from_log(path: Path) -> tuple[dict[str, Any], list[str], str | None, dt.datetime | None]:
    """(config, args, program, start) from a binary run file."""
    config: dict[str, Any] = {}
    args: list[str] = []
    program, start = None, None
    for record in wandb_log.records(path):
        kind = record.WhichOneof("record_type")
        updates = record.run.config.update if kind == "run" else record.config.update if kind == "config" else ()
        for item in updates:
            if item.key in _SKIP:
                continue
            try:
                value = json.loads(item.value_json)
            except ValueError:
                value = item.value_json
            key = ".".join(item.nested_key) if item.nested_key else item.key
            config[key] = value
        if kind == "run" and record.run.start_time.seconds:
            start = dt.datetime.fromtimestamp(record.run.start_time.seconds, tz=dt.timezone.utc)
        if kind == "environment" and record.environment.program:
            args, program = list(record.environment.args), record.environment.program
    return config, args, program, start


def read_run(ctx: runs.Context, run_dir: Path, skipped: list[Path]) -> Experiment | None:
    files = run_dir / "files"
    config: dict[str, Any] = {}
    args: list[str] = []
    program: str | None = None
    when: dt.datetime | None = None
    if (files / "config.yaml").is_file():
        config = _config_yaml(files / "config.yaml")
    meta_path = files / "wandb-metadata.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        args, program = meta.get("args") or [], meta.get("program") or meta.get("codePath")
        when = runs.from_iso(meta.get("startedAt"))
    if not config:
        logs = sorted(run_dir.glob("run-*.wandb"))
        if logs:
            if not wandb_log.available():
                skipped.append(run_dir)
                return None
            config, log_args, log_program, start = _from_log(logs[0])
            args, program, when = args or log_args, program or log_program, when or start
    entry, from_args = _from_args(ctx, args, program)
    settings = runs.settings_of(config) + from_args
    date, how = (when, "start_time") if when else (_folder_date(run_dir), "folder name")
    if date is None:
        date, how = runs.file_time(run_dir), "mtime"
    return runs.run(ctx.rel(run_dir), date, how, settings, entry=entry)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    skipped: list[Path] = []
    for run_dir in run_dirs(ctx):
        try:
            found = read_run(ctx, run_dir, skipped)
        except wandb_log.Truncated as exc:
            ctx.problem(CODE, ctx.rel(run_dir), f"W&B run file is truncated or corrupt: {exc}", NAME)
            continue
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            reason = runs.reason(exc)
            ctx.problem(CODE, ctx.rel(run_dir), f"cannot read W&B run: {reason}", NAME)
            continue
        if found is not None:
            yield found
    if skipped:
        ctx.notices.append(f"{len(skipped)} offline W&B runs skipped: their config is only in the binary .wandb "
                           f"file, which needs the wandb package (pip install 'stalelint[wandb]')")
        if NAME not in ctx.unavailable:
            ctx.unavailable.append(NAME)

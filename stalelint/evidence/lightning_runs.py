"""PyTorch Lightning logs: `lightning_logs/version_N/hparams.yaml` (what `save_hyperparameters()`
wrote) and the `config.yaml` LightningCLI's SaveConfigCallback writes beside it. Dated by the
TensorBoard event file's name (`events.out.tfevents.<epoch>.<host>...`), else the file time."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterator

from ..lazy import module as _lazy_module
from ..model import Experiment
from . import runs, yamlsafe

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "lightning"
CODE = "STL906"
_VERSION = re.compile(r"^version_\d+$")
_EVENTS = re.compile(r"^events\.out\.tfevents\.(\d{9,11})(?:\.\d+)?\.")


def version_dirs(ctx: runs.Context) -> Iterator[Path]:
    for logs in runs.find_dirs(ctx.root, {"lightning_logs"}):
        for sub in runs.walk_dirs(logs, max_depth=3):
            if _VERSION.match(sub.name):
                yield sub


def _date(folder: Path) -> tuple[dt.datetime | None, str]:
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        names = []
    for name in names:
        m = _EVENTS.match(name)
        if m:
            return dt.datetime.fromtimestamp(int(m.group(1)), tz=dt.timezone.utc), "event file name"
    for name in ("hparams.yaml", "config.yaml"):
        if (folder / name).is_file():
            return runs.file_time(folder / name), "mtime"
    return None, "mtime"


def read_version(ctx: runs.Context, folder: Path) -> Experiment | None:
    settings: list = []
    found = False
    for name in ("config.yaml", "hparams.yaml"):
        path = folder / name
        if runs.is_file(path):
            found = True
            data = yamlsafe.load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                settings.extend(runs.settings_of(data, skip=frozenset({"trainer", "seed_everything", "ckpt_path"})
                                                 if name == "config.yaml" else frozenset()))
    if not found:
        return None
    when, how = _date(folder)
    return runs.run(ctx.rel(folder), when, how, tuple(settings))


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for folder in version_dirs(ctx):
        try:
            found = read_version(ctx, folder)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            reason = runs.reason(exc)
            ctx.problem(CODE, ctx.rel(folder), f"cannot read Lightning hparams: {reason}", NAME)
            continue
        if found is not None:
            yield found

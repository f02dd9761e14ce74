"""Argument dumps written next to checkpoints: `args.yaml`, `args.json`, `config.yaml`,
`flags.json`, `training_options.json`, `hparams.json`, `hparams.yaml`. A file of one of these names
counts only in a folder that also holds a checkpoint (`*.ckpt`, `*.pt`, `*.pth`, `*.safetensors`,
`*.bin`, `*.h5`, or a `checkpoints/` folder), so a committed `config.yaml` elsewhere is not taken for
a run. Dated by the file's modification time."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

from ..lazy import module as _lazy_module
from ..model import Experiment
from . import runs, yamlsafe

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

NAME = "dumps"
CODE = "STL906"
NAMES = ("args.yaml", "args.json", "config.yaml", "config.json", "flags.json", "training_options.json",
         "hparams.json", "hparams.yaml", "opt.yaml")
_CHECKPOINTS = (".ckpt", ".pt", ".pth", ".safetensors", ".bin", ".h5", ".pkl")


def _has_checkpoint(names: list[str]) -> bool:
    return "checkpoints" in names or any(n.endswith(_CHECKPOINTS) for n in names)


def dump_files(ctx: runs.Context) -> Iterator[Path]:
    for folder in ctx.folders():
        if folder.name == ".hydra" or folder.parent.name == "lightning_logs" or runs.is_sacred(folder):
            continue  # read by their own sources
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if not _has_checkpoint(names):
            continue
        for name in NAMES:
            if name in names and runs.is_file(folder / name):
                yield folder / name


def read_dump(ctx: runs.Context, path: Path) -> Experiment | None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yamlsafe.load(text)
    if not isinstance(data, dict) or not data:
        return None
    return runs.run(ctx.rel(path), runs.file_time(path), "mtime", runs.settings_of(data))


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for path in dump_files(ctx):
        try:
            found = read_dump(ctx, path)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            reason = runs.reason(exc)
            ctx.problem(CODE, ctx.rel(path), f"cannot read argument dump: {reason}", NAME)
            continue
        if found is not None:
            yield found

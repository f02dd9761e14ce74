"""MLflow's file store: `mlruns/<experiment>/<run>/meta.yaml` with `params/<key>` files (a key with
`/` is a nested folder) and `tags/`. Deleted runs and experiments (lifecycle_stage: deleted, or moved
to `.trash`) are skipped. One run is read at a time, so memory does not grow with the store."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

from ..model import Experiment, Setting
from ..names import parse_value
from . import runs

NAME = "mlflow"
CODE = "STL906"  # a run record that could not be read
_LINE = re.compile(r"^([A-Za-z_]+):\s*(.*)$")
_SOURCE_TAG = "mlflow.source.name"


class BadParam(ValueError):
    """A params or tags file that cannot be read as text."""


def stores(ctx: runs.Context) -> list[Path]:
    """File stores to read: `mlruns/` folders under the root, or the one `mlflow_uri` names."""
    uri = ctx.mlflow_uri
    if uri and not uri.startswith(("http://", "https://", "sqlite:", "databricks")):
        path = Path(uri[len("file:"):] if uri.startswith("file:") else uri)
        path = path if path.is_absolute() else ctx.root / path
        return [path] if path.is_dir() else []
    return list(runs.find_dirs(ctx.root, {"mlruns"}))


def _meta(path: Path) -> dict[str, str]:
    """The top-level scalars of a meta.yaml MLflow wrote. A line scan, not a YAML parse: MLflow
    writes flat `key: value` lines, and a full parse of 10,000 files is several times slower."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = _LINE.match(line)
            if m:
                value = m.group(2).strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                out[m.group(1)] = value
    return out


def _read_tree(folder: Path, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) of the files under params/ or tags/; a sub-folder is a key with `/`."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        return
    for e in entries:
        key = f"{prefix}/{e.name}" if prefix else e.name
        if e.is_dir(follow_symlinks=False):
            yield from _read_tree(Path(e.path), key)
        elif e.is_file(follow_symlinks=False):
            with open(e.path, "rb") as fh:
                data = fh.read()
            try:
                yield key, data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadParam(f"params file {key} is not valid UTF-8 (byte {exc.start}: "
                               f"{data[exc.start:exc.start + 1]!r})") from None


def _experiment_dirs(store: Path) -> Iterator[Path]:
    with os.scandir(store) as it:
        for e in sorted(it, key=lambda e: e.name):
            # .trash holds deleted experiments; models/ holds registered models, not runs
            if e.is_dir(follow_symlinks=False) and not e.name.startswith(".") and e.name != "models":
                yield Path(e.path)


def _run_dirs(exp: Path) -> Iterator[Path]:
    with os.scandir(exp) as it:
        for e in sorted(it, key=lambda e: e.name):
            if e.is_dir(follow_symlinks=False) and e.name not in ("models", "datasets", "traces", "tags"):
                yield Path(e.path)


def read_run(ctx: runs.Context, run_dir: Path) -> Experiment | None:
    """One run folder as an experiment; None for a deleted run. Raises OSError/UnicodeDecodeError."""
    meta = _meta(run_dir / "meta.yaml")
    if meta.get("lifecycle_stage", "active") == "deleted":
        return None
    params = tuple(Setting(k, parse_value(v)) for k, v in _read_tree(run_dir / "params"))
    source = None
    tag = run_dir / "tags" / _SOURCE_TAG
    if tag.is_file():
        source = ctx.resolve(tag.read_text(encoding="utf-8", errors="replace").strip())
    when = runs.from_millis(meta.get("start_time"))
    return runs.run(ctx.rel(run_dir), when, "start_time", params, entry=source)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for store in stores(ctx):
        try:
            experiments = list(_experiment_dirs(store))
        except OSError as exc:
            ctx.problem(CODE, ctx.rel(store), f"cannot list the MLflow store: {exc.strerror or exc}", NAME)
            continue
        for exp in experiments:
            exp_meta = exp / "meta.yaml"
            try:
                if exp_meta.is_file() and _meta(exp_meta).get("lifecycle_stage") == "deleted":
                    continue
                run_dirs = list(_run_dirs(exp))
            except (OSError, UnicodeDecodeError) as exc:
                ctx.problem(CODE, ctx.rel(exp), f"cannot read MLflow experiment: {_reason(exc)}", NAME)
                continue
            for run_dir in run_dirs:
                if not (run_dir / "meta.yaml").exists():
                    if (run_dir / "params").is_dir():
                        ctx.problem(CODE, ctx.rel(run_dir), "MLflow run has no meta.yaml; its date and "
                                    "whether it was deleted are unknown, so it was skipped", NAME)
                    continue
                try:
                    found = read_run(ctx, run_dir)
                except (OSError, UnicodeDecodeError, BadParam) as exc:
                    ctx.problem(CODE, ctx.rel(run_dir), f"cannot read MLflow run: {_reason(exc)}", NAME)
                    continue
                if found is not None:
                    yield found


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"meta.yaml is not valid UTF-8 (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)

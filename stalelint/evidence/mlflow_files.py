"""MLflow's file store: `mlruns/<experiment>/<run>/meta.yaml` with `params/<key>` files (a key with
`/` is a nested folder) and `tags/`. Deleted runs and experiments (lifecycle_stage: deleted, or moved
to `.trash`) are skipped. One run is read at a time, so memory does not grow with the store.

With the cache on, each run's raw record (lifecycle, start time, params, source tag) is kept under
the stats of its meta.yaml, its source tag and its params folders: a run none of them changed in is
not read again (10,000 runs are 200,000 small files). MLflow never changes a logged param, so a new
param (a new file: its folder's mtime changes) and a finished or deleted run (meta.yaml rewritten)
are what can change, and both change the stamp."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

from ..model import Experiment, Setting
from ..names import parse_value
from . import runs

NAME = "mlflow"
CODE = "STL906"  # a run record that could not be read
_LINE = re.compile(r"^([A-Za-z_]+):\s*(.*)$")
_SOURCE_TAG = "mlflow.source.name"
_RECORD_VERSION = "1"  # of the raw records kept in the cache (see _raw_run)


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


def _stamp(run_dir: Path) -> tuple[list, int]:
    """What a run's record is a function of, as stats, and the newest change time among them."""
    parts: list = []
    newest = 0
    for path in (os.path.join(run_dir, "meta.yaml"), os.path.join(run_dir, "tags", _SOURCE_TAG)):
        try:
            st = os.stat(path)
        except OSError:
            parts.append(None)
            continue
        parts.append([st.st_size, st.st_mtime_ns, st.st_ino])
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    base = str(run_dir)
    folders = [os.path.join(base, "params")]  # a param with `/` in its key is a file in a sub-folder
    while folders:
        folder = folders.pop()
        try:
            st = os.stat(folder)
            with os.scandir(folder) as it:
                subs = [e.path for e in it if e.is_dir(follow_symlinks=False)]
        except OSError:
            parts.append(None)
            continue
        parts.append([folder[len(base) + 1:], st.st_mtime_ns, st.st_ino])
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
        folders.extend(sorted(subs, reverse=True))
    return parts, newest


def _valid_raw(raw: Any) -> bool:
    return type(raw) is list and len(raw) == 4 and all(type(x) in (str, type(None)) for x in (raw[0], raw[1], raw[3])) \
        and type(raw[2]) is list and all(type(p) is list and len(p) == 2 and type(p[0]) is str and type(p[1]) is str
                                         for p in raw[2])


def _raw_run(run_dir: Path, memo: Any, key: str) -> list:
    """[lifecycle stage, start time, [[param, text], ...], source tag text]: from the memo when
    the run's stamp is unchanged, else read (and kept)."""
    stamp, newest = _stamp(run_dir) if memo is not None else ([], 0)
    if memo is not None:
        raw = memo.get(key, stamp)
        if _valid_raw(raw):
            return raw
    meta = _meta(run_dir / "meta.yaml")
    tag = run_dir / "tags" / _SOURCE_TAG
    raw = [meta.get("lifecycle_stage"), meta.get("start_time"), [[k, v] for k, v in _read_tree(run_dir / "params")],
           tag.read_text(encoding="utf-8", errors="replace") if tag.is_file() else None]
    if memo is not None:
        memo.put(key, stamp, raw, newest)
    return raw


def read_run(ctx: runs.Context, run_dir: Path, memo: Any = None) -> Experiment | None:
    """One run folder as an experiment; None for a deleted run. Raises OSError/UnicodeDecodeError."""
    rel = ctx.rel(run_dir)
    stage, start, params, tag = _raw_run(run_dir, memo, rel)
    if (stage or "active") == "deleted":
        return None
    source = ctx.resolve(tag.strip()) if tag is not None else None
    return runs.run(rel, runs.from_millis(start), "start_time",
                    tuple(Setting(k, parse_value(v)) for k, v in params), entry=source)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    found_stores = stores(ctx)
    memo = ctx.records("mlflow-files", _RECORD_VERSION) if found_stores else None
    for store in found_stores:
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
                    found = read_run(ctx, run_dir, memo)
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

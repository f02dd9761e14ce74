"""MLflow's SQLite store (`mlflow.db`, MLflow 3's default backend): the runs, params, tags and
experiments tables, read with the standard library, read-only (`file:...?mode=ro`), never
migrated or written. One query streams params ordered by run, grouped a run at a time."""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from ..lazy import module as _lazy_module
from ..model import Experiment, Setting
from ..names import parse_value
from . import runs

sqlite3 = _lazy_module("sqlite3")  # only a repo with an mlflow.db needs it

NAME = "mlflow"
CODE = "STL906"

# active runs of active experiments, their params, and the script that ran them; ordered by run so
# that rows group into one run at a time
_QUERY = """
SELECT r.run_uuid, r.start_time,
       (SELECT t.value FROM tags t WHERE t.run_uuid = r.run_uuid AND t.key = 'mlflow.source.name'),
       p.key, p.value
FROM runs r
JOIN experiments e ON e.experiment_id = r.experiment_id
LEFT JOIN params p ON p.run_uuid = r.run_uuid
WHERE r.lifecycle_stage = 'active' AND e.lifecycle_stage = 'active'
ORDER BY r.run_uuid
"""


def databases(ctx: runs.Context) -> list[Path]:
    uri = ctx.mlflow_uri
    if uri.startswith("sqlite:"):
        path = Path(uri.split(":///", 1)[-1] if ":///" in uri else uri[len("sqlite:"):])
        return [path if path.is_absolute() else ctx.root / path]
    if uri:
        return []
    found = [ctx.root / "mlflow.db"] if runs.is_file(ctx.root / "mlflow.db") else []
    for folder in runs.find_dirs(ctx.root, {"mlflow", "mlruns_db", ".mlflow"}, max_depth=3):
        candidate = folder / "mlflow.db"
        if runs.is_file(candidate):
            found.append(candidate)
    return found


def read_db(ctx: runs.Context, path: Path) -> Iterator[Experiment]:
    """Raises sqlite3.Error (not a database, locked, no such table)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=ctx.timeout)
    try:
        rows = conn.execute(_QUERY)
        label = ctx.rel(path)
        for run_id, start, source, group in _by_run(rows):
            params = tuple(Setting(k, parse_value(v)) for k, v in group if k is not None)
            yield runs.run(f"{label}#{run_id}", runs.from_millis(start), "start_time", params,
                           entry=ctx.resolve(source) if source else None)
    finally:
        conn.close()


def _by_run(rows) -> Iterator[tuple[str, int, str | None, list[tuple[str | None, str | None]]]]:
    for run_id, group in itertools.groupby(rows, key=lambda r: r[0]):
        first, *rest = list(group)
        yield run_id, first[1], first[2], [(r[3], r[4]) for r in (first, *rest)]


def read(ctx: runs.Context) -> Iterator[Experiment]:
    for path in databases(ctx):
        if not path.is_file():
            ctx.problem(CODE, ctx.rel(path), "MLflow SQLite store not found", NAME)
            continue
        try:
            yield from read_db(ctx, path)
        except sqlite3.DatabaseError as exc:
            ctx.problem(CODE, ctx.rel(path), f"cannot read MLflow SQLite store: {exc}", NAME)

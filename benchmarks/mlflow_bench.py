"""stalelint's MLflow readers against MLflow's own `mlflow.search_runs`, over the same 10,000 runs,
in the same run of this script: an MLflow file store, and a local `mlflow server` (SQLite backend).

How the runs are made (fast, and in MLflow's own format):
- file store: MLflow's FileStore (the class `mlflow` uses for `file:` URIs) writes TEMPLATES runs
  with create_run + log_batch (20 params each); the rest are copies of those run folders under new
  run ids, with meta.yaml's run id and start time rewritten. Writing all 10,000 with FileStore takes
  ~18 ms a run (3 minutes); copying takes seconds and gives the same files.
- server: MLflow's SqlAlchemyStore creates the SQLite backend (its migrations) and writes TEMPLATES
  runs with create_run + log_batch; the rest are cloned inside the database with INSERT ... SELECT
  (runs, params, tags) under new run ids. Then a real `mlflow server` serves that database.

Each reader is timed REPEATS times, alternating (stalelint, MLflow, stalelint, ...), and the medians
are compared. Both read every run (all are inside the window) with the same start-time filter.

    python benchmarks/mlflow_bench.py [--runs 10000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps the file store in maintenance mode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

TEMPLATES = 100
PARAMS = 20
NOW = dt.datetime.now(dt.timezone.utc)
START_MS = int((NOW - dt.timedelta(days=30)).timestamp() * 1000)


def params(i: int):
    from mlflow.entities import Param

    return [Param(f"p{j}", str((i + j) % 7)) for j in range(PARAMS - 2)] + [
        Param("optim/wd", "0.05"), Param("use_ema", str(i % 2 == 0))]


def make_file_store(root: Path, n: int) -> Path:
    from mlflow.store.tracking.file_store import FileStore

    store = FileStore(str(root / "mlruns"))
    exp = store.create_experiment("bench")
    made = []
    for i in range(min(n, TEMPLATES)):
        run = store.create_run(exp, "bench", START_MS + i, [], f"run{i}")
        store.log_batch(run.info.run_id, [], params(i), [])
        made.append(run.info.run_id)
    exp_dir = root / "mlruns" / exp
    for i in range(len(made), n):
        template = made[i % len(made)]
        new = uuid.uuid4().hex
        shutil.copytree(exp_dir / template, exp_dir / new)
        meta = (exp_dir / new / "meta.yaml").read_text()
        meta = meta.replace(template, new).replace(f"start_time: {START_MS + i % len(made)}", f"start_time: {START_MS + i}")
        (exp_dir / new / "meta.yaml").write_text(meta)
    return root / "mlruns"


def make_sqlite_store(root: Path, n: int) -> Path:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    db = root / "backend.db"
    store = SqlAlchemyStore(f"sqlite:///{db}", str(root / "artifacts"))
    exp = store.create_experiment("bench")
    made = []
    for i in range(min(n, TEMPLATES)):
        run = store.create_run(exp, "bench", START_MS + i, [], f"run{i}")
        store.log_batch(run.info.run_id, [], params(i), [])
        made.append(run.info.run_id)
    store.engine.dispose()
    conn = sqlite3.connect(db)
    run_cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    for i in range(len(made), n):
        template, new = made[i % len(made)], uuid.uuid4().hex
        cols = ", ".join(run_cols)
        picks = ", ".join("?" if c == "run_uuid" else ("? " if c == "start_time" else c) for c in run_cols)
        args = [new if c == "run_uuid" else START_MS + i for c in run_cols if c in ("run_uuid", "start_time")]
        conn.execute(f"INSERT INTO runs ({cols}) SELECT {picks} FROM runs WHERE run_uuid = ?", (*args, template))
        conn.execute("INSERT INTO params (key, value, run_uuid) SELECT key, value, ? FROM params WHERE run_uuid = ?",
                     (new, template))
        conn.execute("INSERT INTO tags (key, value, run_uuid) SELECT key, value, ? FROM tags WHERE run_uuid = ?",
                     (new, template))
    conn.commit()
    conn.close()
    return db


def ctx_for(root: Path, uri: str = ""):
    from stalelint.evidence import runs
    from stalelint.model import Window

    return runs.Context(root=root, window=Window(NOW, 180), mlflow_uri=uri, timeout=120)


def time_it(fn) -> tuple[float, int]:
    started = time.perf_counter()
    count = fn()
    return time.perf_counter() - started, count


def compare(label: str, ours: dict, theirs, repeats: int) -> None:
    """Alternate: each of our variants, then MLflow, `repeats` times; print medians and ratios."""
    times: dict[str, list[float]] = {name: [] for name in [*ours, "mlflow"]}
    counts = set()
    for _ in range(repeats):
        for name, fn in [*ours.items(), ("mlflow", theirs)]:
            t, c = time_it(fn)
            times[name].append(t)
            counts.add((name, c))
    theirs_median = statistics.median(times["mlflow"])
    print(f"{label}: mlflow.search_runs {theirs_median:.2f} s (median of {repeats}); runs read {sorted(counts)}")
    for name in ours:
        m = statistics.median(times[name])
        print(f"  stalelint {name}: {m:.2f} s; ratio stalelint/mlflow = {m / theirs_median:.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--page-sizes", default="1000,5000", help="runs/search page sizes to time stalelint with")
    ap.add_argument("--skip-file-store", action="store_true")
    opts = ap.parse_args(argv)

    import mlflow

    from stalelint.evidence import mlflow_files, mlflow_server
    from trackers_helpers import mlflow_server as serve

    print(f"mlflow {mlflow.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{opts.runs} runs x {PARAMS} params", flush=True)
    since = f"attributes.start_time >= {int((NOW - dt.timedelta(days=180)).timestamp() * 1000)}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "repo").mkdir()
        if not opts.skip_file_store:
            started = time.perf_counter()
            store = make_file_store(root / "repo", opts.runs)
            print(f"file store made in {time.perf_counter() - started:.1f} s", flush=True)
            ctx = ctx_for(root / "repo")
            uri = f"file:{store}"
            exp_ids = [e.experiment_id for e in mlflow.MlflowClient(uri).search_experiments()]

            def ours_files() -> int:
                return sum(1 for _ in mlflow_files.read(ctx))

            def theirs_files() -> int:
                mlflow.set_tracking_uri(uri)
                return len(mlflow.search_runs(exp_ids, since, output_format="list"))

            compare("file store", {"file reader": ours_files}, theirs_files, opts.repeats)

        started = time.perf_counter()
        make_sqlite_store(root / "server", opts.runs)
        print(f"SQLite backend made in {time.perf_counter() - started:.1f} s", flush=True)
        with serve(root / "server") as url:
            sctx = ctx_for(root / "repo", url)
            server_ids = [e.experiment_id for e in mlflow.MlflowClient(url).search_experiments()]

            def ours_server(size: int):
                return lambda: sum(1 for _ in mlflow_server.read_server(sctx, url, page_size=size))

            def theirs_server() -> int:
                mlflow.set_tracking_uri(url)
                return len(mlflow.search_runs(server_ids, since, output_format="list"))

            sizes = [int(s) for s in opts.page_sizes.split(",")]
            compare("server (REST, SQLite backend)", {f"pages of {n}": ours_server(n) for n in sizes},
                    theirs_server, opts.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

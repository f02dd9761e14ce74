"""MLflow evidence from records the real MLflow client wrote: the file store, the SQLite store and
a real tracking server. labrepo's train.py: --use-ema and --warmup are never set by its configs or
scripts (stale in the baseline); here logged runs decide."""
import datetime as dt

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags
from trackers_helpers import log_runs, mlflow_server

pytest.importorskip("mlflow")

RECENT = dt.datetime(2026, 5, 1, 9, tzinfo=dt.timezone.utc)
OLD = dt.datetime(2025, 3, 1, 9, tzinfo=dt.timezone.utc)
RUNS = [
    # a run of train.py (named by its source tag, an absolute path on another machine) using EMA
    {"start": RECENT, "source": "/home/ada/labrepo/train.py",
     "params": {"use_ema": True, "warmup": 0, "no_color": False, "lr": 0.001, "arch": "vit_b"}},
    # finetune.py's nested dataclass field, logged with MLflow's `/` spelling (a nested params folder)
    {"start": RECENT, "params": {"model/use_rope": True, "model/depth": 24, "epochs": 3}},
    # deleted: its warmup=5 does not count
    {"start": RECENT, "source": "/home/ada/labrepo/train.py", "params": {"warmup": 5}, "deleted": True},
    # old: outside the window
    {"start": OLD, "source": "/home/ada/labrepo/train.py", "params": {"no_color": True}},
]


@pytest.fixture
def allow_file_store(monkeypatch):
    # MLflow 3 keeps the file store in maintenance mode and asks for this to write one
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


def verdicts(doc):
    stale = stale_flags(doc)
    return {name: name in stale for name in ("use_ema", "warmup", "no_color", "model.use_rope")}


EXPECTED = {"use_ema": False, "warmup": True, "no_color": True, "model.use_rope": False}


def test_file_store_written_by_mlflow(build, allow_file_store):
    repo = build("labrepo")
    log_runs(f"file:{repo / 'mlruns'}", RUNS)
    doc = check_json(repo, *ALL)
    assert verdicts(doc) == EXPECTED
    assert doc["errors"] == [] and not any(f["incomplete"] for f in doc["findings"])
    assert doc["experiments"]["total"] == 10 + 3  # 3 runs not deleted
    warmup = stale_flags(doc)["warmup"]
    assert warmup["evidence"]["recent_experiments"] > 7  # the recent runs of train.py count
    no_color = stale_flags(doc)["no_color"]
    assert "last set to True by mlruns/" in no_color["message"] and "2025-03-01" in no_color["message"]


def test_file_store_runs_are_not_read_again(build, allow_file_store, monkeypatch):
    """A warm check takes unchanged runs' records from the cache (10,000 runs are 200,000 small
    files); a run that gains a param or is deleted is read again, and --no-cache agrees throughout."""
    from stalelint import cache as cache_mod
    from stalelint.evidence import mlflow_files

    monkeypatch.setattr(cache_mod, "_RACY_NS", 0)  # as if the runs were written long ago
    repo = build("labrepo")
    ids = log_runs(f"file:{repo / 'mlruns'}", RUNS)
    cold = check_json(repo, *ALL)
    assert verdicts(cold) == EXPECTED
    reads = []
    real = mlflow_files._meta
    # (an experiment's own meta.yaml is read every time: one per experiment, not per run)
    monkeypatch.setattr(mlflow_files, "_meta", lambda path: (path.parent.name in ids and reads.append(path.parent.name))
                        or real(path))
    assert check_json(repo, *ALL) == cold and reads == []  # every run from the cache
    run_dirs = {p.name: p for p in (repo / "mlruns").glob("*/*") if p.is_dir()}
    # the EMA run logs one more param (a new file in params/), and the first old run is deleted
    (run_dirs[ids[0]] / "params" / "dropout").write_text("0.1")
    meta = run_dirs[ids[3]] / "meta.yaml"
    meta.write_text(meta.read_text().replace("lifecycle_stage: active", "lifecycle_stage: deleted"))
    warm = check_json(repo, *ALL)
    assert sorted(reads) == sorted([ids[0], ids[3]])  # only the two changed runs were read
    assert warm == check_json(repo, "--no-cache", *ALL) != cold
    assert warm["experiments"]["total"] == cold["experiments"]["total"] - 1
    # a damaged memo is ignored
    memo = repo / ".stalelint_cache" / "records" / "mlflow-files.json"
    memo.write_bytes(memo.read_bytes()[:-10])
    assert check_json(repo, *ALL) == warm


def test_file_store_bad_records(build, allow_file_store):
    repo = build("labrepo")
    ids = log_runs(f"file:{repo / 'mlruns'}", RUNS[:2] + [
        {"start": RECENT, "params": {"lr": 0.5}}, {"start": RECENT, "params": {"dropout": 0.3}}])
    run_dirs = {p.name: p for p in (repo / "mlruns").glob("*/*") if p.is_dir()}
    (run_dirs[ids[2]] / "meta.yaml").unlink()
    (run_dirs[ids[3]] / "params" / "dropout").write_bytes(b"0.\xff\xfe3")
    doc = check_json(repo, *ALL)
    errors = {e["path"]: e for e in doc["errors"]}
    missing = errors[f"mlruns/{run_dirs[ids[2]].parent.name}/{ids[2]}"]
    assert missing["code"] == "STL906" and "no meta.yaml" in missing["message"]
    bad = errors[f"mlruns/{run_dirs[ids[3]].parent.name}/{ids[3]}"]
    assert bad["code"] == "STL906" and "dropout is not valid UTF-8" in bad["message"]
    # the other runs were still read, and findings that needed evidence say they may be wrong
    assert verdicts(doc) == EXPECTED
    stale = stale_flags(doc)
    assert stale["warmup"]["incomplete"] is True and "incomplete evidence" in stale["warmup"]["message"]
    assert all(f["incomplete"] is False for f in doc["findings"] if f["code"] == "STL101")
    assert any("could not be read (mlflow)" in n for n in doc["notices"])


def test_sqlite_store_written_by_mlflow(build):
    repo = build("labrepo")
    log_runs(f"sqlite:///{repo / 'mlflow.db'}", RUNS)
    doc = check_json(repo, *ALL)
    assert verdicts(doc) == EXPECTED and doc["errors"] == []
    # not a database, and a store pointed to that does not exist: errors with the reason
    (repo / "mlflow.db").write_bytes(b"this is not sqlite" * 100)
    doc = check_json(repo, *ALL)
    assert "file is not a database" in doc["errors"][0]["message"]
    assert doc["errors"][0]["code"] == "STL906"
    assert stale_flags(doc)["use_ema"]["incomplete"] is True


def test_sqlite_store_locked(build):
    import sqlite3

    repo = build("labrepo")
    log_runs(f"sqlite:///{repo / 'mlflow.db'}", RUNS[:1])
    holder = sqlite3.connect(repo / "mlflow.db")
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        doc = check_json(repo, "--tracker-timeout", "0.2", *ALL)
    finally:
        holder.rollback()
        holder.close()
    assert "database is locked" in doc["errors"][0]["message"]
    assert "use_ema" in stale_flags(doc)  # the run that used it could not be read ...
    assert stale_flags(doc)["use_ema"]["incomplete"] is True  # ... and the finding says so


def test_real_mlflow_server(build, tmp_path):
    repo = build("labrepo")
    with mlflow_server(tmp_path / "server") as url:
        log_runs(url, RUNS + [{"start": RECENT, "experiment": "other", "params": {"dropout": 0.5}}])
        doc = check_json(repo, "--mlflow-uri", url, *ALL)
        # paging: a page size of 1 gives the same answer (and each page is read on its own)
        from stalelint.evidence import mlflow_server as reader
        original = reader.PAGE
        reader.PAGE = 1
        try:
            paged = check_json(repo, "--mlflow-uri", url, *ALL)
        finally:
            reader.PAGE = original
        listed = run("experiments", repo, "--as-of", "2026-06-30", "--mlflow-uri", url, "--output-format", "json")
    assert doc["errors"] == [], doc["errors"]
    # a flag used only by a logged run is alive; one no run uses is stale
    assert verdicts(doc) == EXPECTED
    assert paged["findings"] == doc["findings"]
    import json
    rows = [r for r in json.loads(listed.output) if r["source"].startswith("mlflow:")]
    # only runs inside the window are fetched (the old one is filtered by the server), none deleted
    assert len(rows) == 3 and all(r["recent"] for r in rows)
    assert {r["entry"] for r in rows} == {"train.py", None}


def test_paging_requests_one_page_at_a_time(build, monkeypatch):
    """A fake server that pages 2 runs at a time: every page is asked for with the window filter and
    the previous page's token, and the reader stops when there is no next token."""
    import json
    from stalelint.evidence import mlflow_server as reader
    from trackers_helpers import fake_server

    asked = []

    def answer(h):
        body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
        asked.append((h.path, body))
        if h.path.endswith("experiments/search"):
            doc = {"experiments": [{"experiment_id": "1"}]}
        else:
            page = int(body.get("page_token") or 0)
            runs = [{"info": {"run_id": f"r{page + i}", "start_time": 1777000000000},
                     "data": {"params": [{"key": "use_ema", "value": "True"}]}} for i in range(2)]
            doc = {"runs": runs, **({"next_page_token": str(page + 2)} if page < 4 else {})}
        data = json.dumps(doc).encode()
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    monkeypatch.setattr(reader, "PAGE", 2)
    repo = build("labrepo")
    with fake_server(answer) as url:
        doc = check_json(repo, "--mlflow-uri", url, *ALL)
    searches = [b for p, b in asked if p.endswith("runs/search")]
    assert [b.get("page_token") for b in searches] == [None, "2", "4"]
    start = dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc) - dt.timedelta(days=180, microseconds=1)
    assert all(b["max_results"] == 2 and b["filter"] == f"attributes.start_time >= {int(start.timestamp() * 1000)}"
               for b in searches)
    assert doc["experiments"]["total"] == 10 + 6 and "use_ema" not in stale_flags(doc)
    # a generator: the first run comes out before the second page is asked for
    from stalelint.evidence import runs
    from stalelint.model import Window
    asked.clear()
    with fake_server(answer) as url:
        ctx = runs.Context(root=repo, window=Window(dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc), 180))
        first = next(reader.read_server(ctx, url))
        assert first.settings[0].value is True
        assert sum(p.endswith("runs/search") for p, _ in asked) == 1


def _unavailable(doc):
    errors = [e for e in doc["errors"] if e["code"] == "STL905"]
    assert len(errors) == 1, doc["errors"]
    assert stale_flags(doc)["use_ema"]["incomplete"] is True
    return errors[0]["message"]


def test_server_down(build):
    from trackers_helpers import free_port

    repo = build("labrepo")
    url = f"http://ada:s3cret-pass@127.0.0.1:{free_port()}"
    doc = check_json(repo, "--mlflow-uri", url, *ALL)
    message = _unavailable(doc)
    assert "cannot connect" in message and "refused" in message.lower()
    text = run("check", repo, "--as-of", "2026-06-30", "--mlflow-uri", url).output
    assert "s3cret" not in text and "s3cret" not in str(doc) and "ada:" not in text


def test_server_slow(build):
    import time
    from trackers_helpers import fake_server

    def slow(h):
        time.sleep(3)

    repo = build("labrepo")
    with fake_server(slow) as url:
        started = time.monotonic()
        doc = check_json(repo, "--mlflow-uri", url, "--tracker-timeout", "0.5", *ALL)
        took = time.monotonic() - started
    assert "did not answer within 0.5 s" in _unavailable(doc)
    assert took < 3  # one timeout, no retries


def test_server_error_never_shows_credentials(build, monkeypatch):
    from trackers_helpers import fake_server

    def error(h):
        # a misbehaving proxy that echoes the request's Authorization header in its error page
        data = f"internal error; request had Authorization: {h.headers['Authorization']}".encode()
        h.send_response(500)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-123456-secret")
    repo = build("labrepo")
    with fake_server(error) as url:
        doc = check_json(repo, "--mlflow-uri", url, *ALL)
        text = run("check", repo, "--as-of", "2026-06-30", "--mlflow-uri", url).output
    message = _unavailable(doc)
    assert "HTTP 500" in message
    assert "tok-123456" not in str(doc) and "tok-123456" not in text

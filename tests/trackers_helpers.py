"""Writing run records with the real tracker libraries, and small local servers for bad-server tests."""
from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def log_runs(uri: str, runs: list[dict]) -> list[str]:
    """Log runs with the real MLflow client: each {start, params, source?, deleted?, experiment?}."""
    from mlflow.entities import Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    ids: dict[str, str] = {}
    out = []
    for r in runs:
        name = r.get("experiment", "lab")
        if name not in ids:
            found = client.get_experiment_by_name(name)
            ids[name] = found.experiment_id if found else client.create_experiment(name)
        tags = {"mlflow.source.name": r["source"]} if r.get("source") else None
        run = client.create_run(ids[name], start_time=ms(r["start"]), tags=tags)
        client.log_batch(run.info.run_id, params=[Param(k, str(v)) for k, v in r["params"].items()])
        client.set_terminated(run.info.run_id)
        if r.get("deleted"):
            client.delete_run(run.info.run_id)
        out.append(run.info.run_id)
    return out


@contextlib.contextmanager
def mlflow_server(tmp: Path):
    """A real `mlflow server` on 127.0.0.1 with a temporary SQLite backend; killed at the end."""
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{tmp / 'backend.db'}",
         "--default-artifact-root", str(tmp / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mlflow server did not start:\n" + (tmp / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


@contextlib.contextmanager
def fake_server(handler_body):
    """A local HTTP server whose POST handler is `handler_body(request_handler)`."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            handler_body(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

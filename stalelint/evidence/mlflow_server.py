"""An MLflow tracking server over its REST API: `experiments/search` for the experiment ids, then
`runs/search` filtered on `attributes.start_time` >= the window's start, page by page
(`max_results`, `page_token`). Only one page of raw records is held at a time. Every request has a
timeout and none is retried: a server that is down, slow or erroring is reported (STL905) and the
check goes on without it. Credentials (user:token@ in the URI, MLFLOW_TRACKING_TOKEN, or
MLFLOW_TRACKING_USERNAME/PASSWORD) go in the Authorization header and never into a message."""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

from ..model import Experiment, Setting
from ..names import parse_value
from . import runs

NAME = "mlflow"
CODE = "STL905"  # a tracker server that could not be read
PAGE = 5000  # runs per page: fewer re-run queries on the server (measured in benchmarks/MLFLOW_RESULTS.md); a page of
# 5,000 runs with 20 params is a few MB of JSON. The server allows up to 50,000.
IDS_PER_SEARCH = 100  # experiment ids per runs/search request


class Unavailable(Exception):
    """The server could not be read; the message says why (and holds no credentials)."""


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def _split_credentials(uri: str) -> tuple[str, dict[str, str]]:
    """(the URI without userinfo, the auth headers to send)."""
    parts = urlsplit(uri)
    headers: dict[str, str] = {"Content-Type": "application/json"}
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    user, password = parts.username, parts.password
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if user and password is None:  # https://TOKEN@host
        token, user = user, None
    user = user or os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = password or os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif user and password:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), headers


def _secrets(uri: str) -> list[str]:
    """Every form in which the credentials for `uri` could come back in a server's answer."""
    parts = urlsplit(uri)
    user = parts.username or os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = parts.password or os.environ.get("MLFLOW_TRACKING_PASSWORD")
    found = [s for s in (parts.password, parts.username if parts.password is None else None,
                         os.environ.get("MLFLOW_TRACKING_TOKEN"), os.environ.get("MLFLOW_TRACKING_PASSWORD")) if s]
    if user and password:
        found.append(base64.b64encode(f"{user}:{password}".encode()).decode())
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def scrub(text: str, uri: str) -> str:
    """`text` without the credentials of `uri` (runs.redact then removes the generic forms)."""
    for secret in _secrets(uri):
        text = text.replace(secret, "***")
    return text


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


def _opener():
    """An opener that follows a redirect only on the server's own host: urllib would carry the
    Authorization header to any host a redirect names. Built on first use (urllib is imported lazily)."""
    import urllib.request

    class SameOriginRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if _origin(newurl) != _origin(req.full_url):
                return None  # urllib then raises the redirect as an HTTPError
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    global _OPENER
    if _OPENER is None:
        _OPENER = urllib.request.build_opener(SameOriginRedirects())
    return _OPENER


_OPENER = None


class Client:
    def __init__(self, uri: str, timeout: float):
        self.base, self.headers = _split_credentials(uri)
        self.timeout = timeout

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        # imported here: only a run with a server URI needs them, and they (http, ssl, email) were
        # a tenth of the start-up of every check
        import socket
        import urllib.error
        import urllib.request

        url = f"{self.base}/api/2.0/mlflow/{endpoint}"
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=self.headers, method="POST")
        try:
            with _opener().open(request, timeout=self.timeout) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                scheme, host = _origin(exc.headers.get("Location", "") if exc.headers else "")
                raise Unavailable(f"{endpoint} answered with a redirect to another server ({scheme}://{host}); "
                                  "not followed, so the credentials are not sent there") from None
            detail = exc.read(300).decode("utf-8", "replace").strip()
            raise Unavailable(f"{endpoint} answered HTTP {exc.code} {exc.reason}"
                              + (f": {detail}" if detail else "")) from None
        except (TimeoutError, socket.timeout):
            raise Unavailable(f"{endpoint} did not answer within {self.timeout:g} s (tracker_timeout)") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise Unavailable(f"{endpoint} did not answer within {self.timeout:g} s (tracker_timeout)") from None
            raise Unavailable(f"cannot connect: {getattr(reason, 'strerror', None) or reason}") from None
        except OSError as exc:  # connection reset mid-answer and the like
            raise Unavailable(f"{endpoint}: {exc.strerror or exc}") from None
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise Unavailable(f"{endpoint} answered with something that is not JSON") from None
        if not isinstance(doc, dict):
            raise Unavailable(f"{endpoint} answered with unexpected JSON")
        return doc

    def pages(self, endpoint: str, body: dict[str, Any], key: str) -> Iterator[list[dict[str, Any]]]:
        token = None
        seen: set[str] = set()
        while True:
            doc = self.post(endpoint, dict(body, page_token=token) if token else body)
            yield doc.get(key, [])
            token = doc.get("next_page_token")
            if not token or token in seen:  # a server that repeats a token would loop forever
                return
            seen.add(token)


def experiment_ids(client: Client) -> Iterator[str]:
    for page in client.pages("experiments/search", {"max_results": PAGE, "view_type": "ACTIVE_ONLY"},
                             "experiments"):
        for e in page:
            yield str(e["experiment_id"])


def _experiment(ctx: runs.Context, label: str, record: dict[str, Any]) -> Experiment:
    info, data = record.get("info", {}), record.get("data", {})
    params = tuple(Setting(p["key"], parse_value(p.get("value"))) for p in data.get("params", ()))
    tags = {t["key"]: t.get("value") for t in data.get("tags", ())}
    source = tags.get("mlflow.source.name")
    run_id = info.get("run_id") or info.get("run_uuid")
    return runs.run(f"{label}#{run_id}", runs.from_millis(info.get("start_time")), "start_time", params,
                    entry=ctx.resolve(source) if source else None)


def read_server(ctx: runs.Context, uri: str, page_size: int | None = None) -> Iterator[Experiment]:
    """Raises Unavailable."""
    page_size = page_size or PAGE
    client = Client(uri, ctx.timeout)
    label = f"mlflow:{client.base}"
    since = int(ctx.window.start.timestamp() * 1000)
    ids = list(experiment_ids(client))  # ids only: a few bytes per experiment
    for i in range(0, len(ids), IDS_PER_SEARCH):
        body = {"experiment_ids": ids[i:i + IDS_PER_SEARCH], "filter": f"attributes.start_time >= {since}",
                "max_results": page_size, "run_view_type": "ACTIVE_ONLY"}
        for page in client.pages("runs/search", body, "runs"):
            for record in page:
                yield _experiment(ctx, label, record)


def read(ctx: runs.Context) -> Iterator[Experiment]:
    if not is_server(ctx.mlflow_uri):
        return
    try:
        yield from read_server(ctx, ctx.mlflow_uri)
    except Unavailable as exc:
        base, _ = _split_credentials(ctx.mlflow_uri)
        ctx.problem(CODE, f"mlflow:{base}", scrub(f"MLflow server unavailable: {exc}", ctx.mlflow_uri), NAME)

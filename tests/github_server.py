"""A local stand-in for the few GitHub REST endpoints `stalelint comment` uses, recording every request.

    GET   /repos/{owner}/{repo}/issues/{n}/comments   (paginated with a Link header)
    POST  /repos/{owner}/{repo}/issues/{n}/comments
    PATCH /repos/{owner}/{repo}/issues/comments/{id}

`script` holds canned answers (status, headers, body) served, first in first out, before the normal
handling of a request: that is how the tests produce 403s, 404s, rate limits and server errors.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str  # with the query
    authorization: str | None
    body: Any


@dataclass
class FakeGitHub:
    repository: str = "lab/repo"
    token: str = "ghs_s3cr3t-t0ken"
    page_size: int = 100  # the server's cap on per_page, to force pagination
    comments: dict[int, list[dict]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    script: list[tuple[int, dict, Any]] = field(default_factory=list)
    next_link_host: str | None = None  # serve Link rel=next on another host (must not be followed)
    next_id: int = 1000

    def __post_init__(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeGitHub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add(self, number: int, body: str, login: str = "someone") -> dict:
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": {"login": login, "type": "User"},
                   "html_url": f"https://github.com/{self.repository}/pull/{number}#issuecomment-{self.next_id}"}
        self.comments.setdefault(number, []).append(comment)
        return comment

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: Any, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append(Seen(self.command, self.path, self.headers.get("Authorization"), body))
                if fake.script:
                    status, headers, answer = fake.script.pop(0)
                    return self._reply(status, answer, headers)
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._reply(401, {"message": "Bad credentials"})
                parts = urlsplit(self.path)
                prefix = f"/repos/{fake.repository}/issues/"
                m_list = re.fullmatch(re.escape(prefix) + r"(\d+)/comments", parts.path)
                m_edit = re.fullmatch(re.escape(prefix) + r"comments/(\d+)", parts.path)
                if m_list and self.command == "GET":
                    return self._list(int(m_list.group(1)), parse_qs(parts.query))
                if m_list and self.command == "POST":
                    comment = fake.add(int(m_list.group(1)), body["body"], login="github-actions[bot]")
                    return self._reply(201, comment)
                if m_edit and self.command == "PATCH":
                    for comments in fake.comments.values():
                        for c in comments:
                            if c["id"] == int(m_edit.group(1)):
                                c["body"] = body["body"]
                                return self._reply(200, c)
                return self._reply(404, {"message": "Not Found"})

            def _list(self, number: int, query: dict) -> None:
                per_page = min(int(query.get("per_page", ["30"])[0]), fake.page_size)
                page = int(query.get("page", ["1"])[0])
                items = fake.comments.get(number, [])
                chunk = items[(page - 1) * per_page: page * per_page]
                headers = {}
                if page * per_page < len(items):
                    host = fake.next_link_host or fake.url
                    path = urlsplit(self.path).path
                    headers["Link"] = (f'<{host}{path}?per_page={per_page}&page={page + 1}>; rel="next", '
                                       f'<{host}{path}?per_page={per_page}&page={-(-len(items) // per_page)}>; rel="last"')
                self._reply(200, chunk, headers)

            do_GET = do_POST = do_PATCH = _handle

        return Handler

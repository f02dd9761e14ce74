"""The few GitHub REST calls `stalelint comment` makes (list, create and update issue comments),
with the standard library only.

Every failure becomes a GitHubError with a message a person can act on; the token never appears in
one. Rate limits are waited out only when the wait is short (`max_wait`), and every request is tried
at most `attempts` times; pagination follows `Link: rel="next"` for at most `max_pages` pages and
never sends the token to another host than the API's.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from . import __version__

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class GitHubError(Exception):
    """A GitHub API call failed; the message says why and what to do, without the token."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect (a renamed repository) only on the API's own host: urllib would otherwise
    carry the Authorization header anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            return None  # urllib then raises the redirect as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Client:
    def __init__(self, token: str, repository: str, api_url: str = DEFAULT_API, *, timeout: float = 30.0,
                 max_wait: float = 60.0, attempts: int = 3, max_pages: int = 50,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        if not _REPOSITORY.match(repository):
            raise GitHubError(f"GITHUB_REPOSITORY must look like owner/name, got {repository!r}")
        if urlsplit(api_url).scheme not in ("http", "https"):
            raise GitHubError(f"GITHUB_API_URL must be an http(s) URL, got {api_url!r}")
        self._token = token
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self.timeout, self.max_wait, self.attempts, self.max_pages = timeout, max_wait, max(attempts, 1), max_pages
        self.sleep, self.clock = sleep, clock
        self._opener = urllib.request.build_opener(_SameOriginRedirects())

    # -- the endpoints ------------------------------------------------------------------------

    def _repo_url(self, tail: str) -> str:
        owner, name = self.repository.split("/")
        return f"{self.api_url}/repos/{quote(owner)}/{quote(name)}/{tail}"

    def list_comments(self, number: int) -> list[dict[str, Any]]:
        """Every comment on issue or pull request `number`, following the pages."""
        url: str | None = self._repo_url(f"issues/{number}/comments?per_page=100")
        out: list[dict[str, Any]] = []
        for _ in range(self.max_pages):
            if url is None:
                return out
            data, headers = self._request("GET", url, what=f"listing the comments of pull request #{number}")
            if not isinstance(data, list):
                raise GitHubError(f"unexpected answer listing the comments of pull request #{number}: not a list")
            out.extend(c for c in data if isinstance(c, dict))
            url = self._next(headers.get("Link", ""))
        if url is not None:
            raise GitHubError(f"pull request #{number} has more than {self.max_pages} pages of comments; "
                              f"stopped listing them")
        return out

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        data, _ = self._request("POST", self._repo_url(f"issues/{number}/comments"), {"body": body},
                                what=f"commenting on pull request #{number}")
        return data if isinstance(data, dict) else {}

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        data, _ = self._request("PATCH", self._repo_url(f"issues/comments/{int(comment_id)}"), {"body": body},
                                what=f"updating comment {comment_id}")
        return data if isinstance(data, dict) else {}

    # -- plumbing -----------------------------------------------------------------------------

    def _next(self, link: str) -> str | None:
        for url, rel in _LINK.findall(link):
            if rel == "next":
                if _origin(url) != _origin(self.api_url):
                    raise GitHubError(f"the next page of comments is on another host ({_origin(url)[1]}); "
                                      f"not sending the token there")
                return url
        return None

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _request(self, method: str, url: str, payload: Any = None, *, what: str) -> tuple[Any, Any]:
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"stalelint/{__version__}",
            "Authorization": f"Bearer {self._token}",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        # a POST that failed on the server or the wire may still have created the comment: retrying it
        # could post a duplicate, so only rate-limit answers (never processed) are retried for it
        idempotent = method != "POST"
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return (json.loads(raw) if raw.strip() else None), response.headers
            except urllib.error.HTTPError as err:
                status, message = err.code, self._redact(_message(err))
                wait = self._rate_limit_wait(status, err.headers, message)
                last = attempt == self.attempts
                if wait is not None:
                    if wait > self.max_wait:
                        raise GitHubError(f"GitHub API rate limit hit while {what} ({status}: {message}); it resets "
                                          f"in {wait:.0f}s, longer than the {self.max_wait:.0f}s stalelint waits; "
                                          f"try again later") from None
                    if last:
                        raise GitHubError(f"GitHub API rate limit hit while {what}, still after {self.attempts} "
                                          f"attempts ({status}: {message}); try again later") from None
                    self.sleep(max(wait, 0.0))
                    continue
                if status >= 500 and idempotent and not last:
                    self.sleep(min(2.0 ** attempt, self.max_wait))
                    continue
                raise GitHubError(self._explain(status, message, what)) from None
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise GitHubError(f"GitHub answered {what} with something that is not JSON") from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                reason = getattr(err, "reason", err)
                if attempt == self.attempts or not idempotent:
                    raise GitHubError(self._redact(f"cannot reach {self.api_url} while {what}: {reason}")) from None
                self.sleep(min(2.0 ** attempt, self.max_wait))
        raise GitHubError(f"gave up {what} after {self.attempts} attempts")  # pragma: no cover

    def _rate_limit_wait(self, status: int, headers: Any, message: str) -> float | None:
        """Seconds to wait before retrying when the answer is a rate limit; None when it is not."""
        if status not in (403, 429):
            return None
        retry_after = headers.get("Retry-After") if headers else None
        if retry_after:
            value = retry_after.strip()
            if value.isdigit():
                return float(value)
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return 60.0
            return max(when.timestamp() - self.clock(), 0.0)
        remaining = headers.get("x-ratelimit-remaining") if headers else None
        reset = headers.get("x-ratelimit-reset") if headers else None
        if remaining == "0" and reset and reset.strip().isdigit():
            return max(float(reset) - self.clock(), 0.0)
        if status == 429 or "rate limit" in message.lower():
            return 60.0  # GitHub's advice for a secondary rate limit without headers: wait a minute
        return None

    def _explain(self, status: int, message: str, what: str) -> str:
        if status == 401:
            return (f"GitHub rejected the token while {what} (401: {message}): GITHUB_TOKEN is missing, "
                    f"expired or not a valid token")
        if status == 403:
            return (f"GitHub refused {what} (403: {message}): the token may not write to this pull request. "
                    f"A workflow run for a pull request from a fork gets a read-only GITHUB_TOKEN; give the job "
                    f"`permissions: pull-requests: write`, or run the comment step only for pull requests from "
                    f"this repository")
        if status == 404:
            return (f"not found while {what} (404: {message}): check GITHUB_REPOSITORY ({self.repository}) and "
                    f"the pull request number; a token that cannot see a private repository also gets 404")
        if 300 <= status < 400:
            return f"GitHub redirected {what} to another host ({status}); not following it with the token"
        return f"GitHub API error while {what} ({status}: {message})"


def _message(err: urllib.error.HTTPError) -> str:
    """GitHub's `message` from an error body, or the start of the body, or the reason phrase."""
    try:
        raw = err.read()
    except (OSError, http.client.HTTPException):
        raw = b""
    text = raw.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text) if text else None
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return doc["message"]
    return " ".join(text.split())[:200] or str(err.reason or "no message")


def upsert_comment(client: Client, number: int, body: str, marker: str) -> tuple[str, dict[str, Any]]:
    """Update the comment that starts with `marker` (the oldest, if several) or create it; returns
    ("updated" | "created", the comment)."""
    mine = [c for c in client.list_comments(number)
            if isinstance(c.get("body"), str) and c["body"].lstrip().startswith(marker) and isinstance(c.get("id"), int)]
    if mine:
        target = min(mine, key=lambda c: c["id"])
        return "updated", client.update_comment(target["id"], body)
    return "created", client.create_comment(number, body)

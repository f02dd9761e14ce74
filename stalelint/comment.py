"""`stalelint comment`: one summary comment on a pull request, kept up to date.

The body compares the pull request's findings with its base revision by fingerprint: what it makes
stale (new findings) and what it revives (findings gone), then the full count and the top findings.
The base revision is analysed in a temporary shared clone, so the user's checkout, index and
worktree list are never touched.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import quote

from . import __version__
from .baseline import Comparison
from .model import Result
from .report import markdown

MARKER = "<!-- stalelint -->"
LIMIT = 65_536  # GitHub's limit on a comment's length


class CommentError(Exception):
    """A problem with the environment or the base revision; the CLI exits 2 with this message."""


# -- the base revision --------------------------------------------------------------------------

def _git_env() -> dict[str, str]:
    # a hook or a caller may point git elsewhere; these commands must act on the paths given
    return {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, env=_git_env(), check=False)


def resolve(root: Path, ref: str) -> str:
    """The commit `ref` names in the repo at `root`."""
    if ref.startswith("-"):
        raise CommentError(f"--base {ref!r} is not a git revision")
    done = _git("-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise CommentError(f"--base {ref!r} is not a commit of {root}; fetch it first (in GitHub Actions, "
                           f"actions/checkout with `fetch-depth: 0`)")
    return done.stdout.strip()


@contextmanager
def revision(root: Path, sha: str) -> Iterator[Path]:
    """A temporary checkout of commit `sha` with its history: a clone sharing the repo's objects
    (nothing is written into the repo itself), removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="stalelint-base-"))
    try:
        dest = tmp / "repo"
        for args in (("clone", "--quiet", "--shared", "--no-checkout", str(root), str(dest)),
                     ("-C", str(dest), "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", sha)):
            done = _git(*args)
            if done.returncode != 0:
                raise CommentError(f"could not check out the base revision {sha[:12]}: {done.stderr.strip()}")
        yield dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the Actions environment --------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    token: str
    repository: str
    number: int
    api_url: str
    head_sha: str | None = None
    server_url: str = "https://github.com"

    def __repr__(self) -> str:  # never show the token
        return f"Target(repository={self.repository!r}, number={self.number}, api_url={self.api_url!r})"


def read_event(env: Mapping[str, str]) -> dict:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommentError(f"cannot read GITHUB_EVENT_PATH {path}: {exc}") from None
    return doc if isinstance(doc, dict) else {}


def pull_request_number(event: dict) -> int | None:
    pr = event.get("pull_request")
    if isinstance(pr, dict) and isinstance(pr.get("number"), int):
        return pr["number"]
    issue = event.get("issue")  # issue_comment on a pull request
    if isinstance(issue, dict) and issue.get("pull_request") and isinstance(issue.get("number"), int):
        return issue["number"]
    return None


def target(env: Mapping[str, str], number: int | None = None) -> Target:
    """Where to post, from GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL."""
    token = env.get("GITHUB_TOKEN", "")
    repository = env.get("GITHUB_REPOSITORY", "")
    missing = [k for k, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repository)) if not v]
    if missing:
        raise CommentError(f"{' and '.join(missing)} not set: `stalelint comment` runs in GitHub Actions "
                           f"(pass `env: GITHUB_TOKEN: ${{{{ github.token }}}}`), or use --dry-run to print the comment")
    event = read_event(env)
    number = number if number is not None else pull_request_number(event)
    if number is None:
        raise CommentError("no pull request number: the workflow event is not a pull request "
                           "(GITHUB_EVENT_PATH has no pull_request.number); pass --pr NUMBER")
    pr = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
    sha = env.get("STALELINT_HEAD_SHA") or (head.get("sha") if isinstance(head.get("sha"), str) else None)
    return Target(token, repository, number, env.get("GITHUB_API_URL") or "https://api.github.com", sha,
                  env.get("GITHUB_SERVER_URL") or "https://github.com")


def linker(t: Target | None) -> markdown.Link | None:
    """Links to the lines at the pull request's head commit, when it is known."""
    if t is None or not t.head_sha:
        return None
    base = f"{t.server_url.rstrip('/')}/{t.repository}/blob/{t.head_sha}"
    return lambda path, line: f"{base}/{quote(path)}" + (f"#L{line}" if line else "")


# -- the body -----------------------------------------------------------------------------------

def body(head: Result, comparison: Comparison | None = None, base_label: str = "",
         link: markdown.Link | None = None) -> str:
    """The comment: the marker, the comparison with the base (when given), the count, the findings."""
    out = [MARKER, "## stalelint", ""]
    budget = markdown.BUDGET
    if comparison is not None:
        new, gone = comparison.new, comparison.gone
        against = f" compared with {markdown.cell(base_label)}" if base_label else ""
        if not new and not gone:
            out.append(f"This pull request brings no new finding and clears none{against}.")
        else:
            out.append(f"This pull request brings **{len(new)}** new finding{'s' if len(new) != 1 else ''} and "
                       f"clears **{len(gone)}**{against}.")
        if new:
            text = markdown.table(markdown.ranked(new), link, budget // 3)
            out += ["", f"### Made stale by this pull request ({len(new)})", "", text]
            budget -= len(text)
        if gone:
            text = markdown.table(markdown.ranked(gone), None, budget // 4)
            out += ["", f"### Revived or removed by this pull request ({len(gone)})", "", text]
            budget -= len(text)
        out.append("")
        out.append("### All findings")
        out.append("")
    out.append(markdown.counts(head))
    start = head.window.start.date().isoformat()
    footer = ["", f"<sub>stalelint {__version__} · experiments since {start} count as recent · "
                  f"as of {head.window.as_of.date().isoformat()}</sub>", ""]
    section = markdown.findings_section(head, link, budget=max(budget, 5_000))
    text = "\n".join(out + (["", section] if section else []) + footer)
    if len(text) > LIMIT:  # many long errors or notes: keep the comparison and the count only
        text = "\n".join(out + ["", "The full list is too long for a comment; `stalelint check` prints it."] + footer)
    return text

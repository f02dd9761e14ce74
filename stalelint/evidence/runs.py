"""What the tracker sources share: where run folders are looked for, how a record's nested values
become settings, how run dates are read, and how credentials are kept out of messages.

Run folders (mlruns/, wandb/, outputs/, lightning_logs/ ...) are usually git-ignored, so tracker
sources do not use the discovered file list: they look for their folders on disk under the root,
with os.scandir, never following symlinks (a link could lead out of the repo or round in a loop)."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..model import Experiment, Problem, Setting, Window
from ..names import parse_value

_UTC = dt.timezone.utc
# folders never descended into when looking for run records: they hold code or environments, not runs
_SKIP_DIRS = {".git", ".venv", "venv", "env", "node_modules", "site-packages", "__pycache__", ".tox",
              ".mypy_cache", ".pytest_cache", ".stalelint_cache", "build", "dist", ".eggs"}
_OWNED = frozenset({"mlruns", "wandb", "lightning_logs", "multirun"})
# how deep a run folder may sit under the root (outputs/2026-01-02/10-11-12/.hydra is 4)
MAX_DEPTH = 8


@dataclass
class Context:
    """What a tracker source needs, and where it reports what it could not read."""

    root: Path
    window: Window
    mlflow_uri: str = ""
    timeout: float = 10.0
    enabled: tuple[str, ...] = ()  # empty: every source whose files are found
    arity: Callable[[str | None], Callable[[str], bool | str | None]] = lambda entry: (lambda option: None)
    resolve: Callable[[str | None], str | None] = lambda ref: None
    module: Callable[[str], str | None] = lambda name: None  # the repo file `python -m name` runs
    files: tuple[str, ...] = ()  # the discovered (committed or not ignored) files
    # (source, format version) -> a cache.RecordMemo of raw run records, or None without a cache
    records: Callable[[str, str], Any] = lambda source, version: None
    date_of: Callable[[str], tuple[dt.datetime | None, str]] = lambda rel: (None, "undated")
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # sources that could not be read (in part)

    _folders: list[Path] | None = None

    def folders(self) -> list[Path]:
        """Every folder under the root, once for all sources, not descending into the folders
        other sources own (mlruns/, wandb/, lightning_logs/) or hidden ones."""
        if self._folders is None:
            self._folders = list(walk_dirs(self.root, prune=_OWNED))
        return self._folders

    def wants(self, name: str) -> bool:
        return not self.enabled or name in self.enabled

    def problem(self, code: str, path: str, message: str, source: str) -> None:
        """Record a problem with a source; findings that needed evidence become incomplete."""
        self.problems.append(Problem(code, path, redact(message)))
        if source not in self.unavailable:
            self.unavailable.append(source)

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def walk_dirs(root: Path, max_depth: int = MAX_DEPTH, prune: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every folder under root (root included), not following symlinks, skipping code folders."""
    todo: list[tuple[Path, int]] = [(root, 0)]
    while todo:
        folder, depth = todo.pop()
        yield folder
        if depth >= max_depth:
            continue
        try:
            with os.scandir(folder) as it:
                subs = [Path(e.path) for e in it
                        if e.is_dir(follow_symlinks=False) and e.name not in _SKIP_DIRS and e.name not in prune
                        and not (prune and e.name.startswith("."))]
        except OSError:
            continue  # unreadable folder: no runs can be read from it, nor any claimed
        todo.extend((s, depth + 1) for s in sorted(subs, reverse=True))


def find_dirs(root: Path, names: set[str], max_depth: int = MAX_DEPTH) -> Iterator[Path]:
    """Folders named one of `names` under root, not descending into them."""
    todo: list[tuple[Path, int]] = [(root, 0)]
    while todo:
        folder, depth = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.name in names:
                yield Path(e.path)
            elif e.name not in _SKIP_DIRS and depth + 1 < max_depth:
                todo.append((Path(e.path), depth + 1))


def is_sacred(folder: Path) -> bool:
    return folder.name.isdigit() and is_file(folder / "run.json") and is_file(folder / "config.json")


def reason(exc: BaseException) -> str:
    """Why a record could not be read, in one line: the OS's words for an OSError, else the
    exception's first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def flatten(data: Any, prefix: str = "", skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, Any]]:
    """Nested dicts as dotted keys; lists and scalars are values."""
    if isinstance(data, dict) and data:
        for k, v in data.items():
            key = str(k)
            if not prefix and key in skip:
                continue
            yield from flatten(v, f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix, data


def settings_of(data: dict, skip: frozenset[str] = frozenset(), parse: bool = False) -> tuple[Setting, ...]:
    """A record's nested mapping as settings; `parse` for stores that keep every value a string."""
    return tuple(Setting(k, parse_value(v) if parse else v) for k, v in flatten(data, skip=skip))


def from_millis(ms: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(ms) / 1000, tz=_UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_UTC)


def file_time(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat(follow_symlinks=False).st_mtime, tz=_UTC)
    except OSError:
        return None


def run(source: str, when: dt.datetime | None, how: str, settings: tuple[Setting, ...],
        entry: str | None = None, command: str | None = None) -> Experiment:
    return Experiment(source, None, "run", when, how, settings, entry=entry, command=command)


# user:password@ in URLs, and token-like query parameters or headers echoed in messages
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_SCHEME = re.compile(r"(?i)\b(Basic|Bearer|Token|Digest)\s+[^\s,;\"']{4,}")  # an echoed Authorization header
_TOKEN = re.compile(r"(?i)((?:token|password|secret|api[_-]?key|authorization)[\"']?\s*[=:]\s*[\"']?)([^\s&\"',}]+)")


def redact(text: str) -> str:
    """Text with credentials replaced by ***: URL userinfo, token parameters, and the values of the
    environment's MLflow credentials wherever they appear."""
    text = _USERINFO.sub("***@", text)
    text = _SCHEME.sub(lambda m: m.group(1) + " ***", text)
    text = _TOKEN.sub(lambda m: m.group(1) + "***", text)
    for var in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_PASSWORD", "WANDB_API_KEY"):
        secret = os.environ.get(var)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text

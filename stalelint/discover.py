"""Which files to read: `git ls-files` where there is git (one process), a walk elsewhere.

Symlinks are never followed out of the repo, and a link that loops or points outside is reported,
not read. A tracked file deleted from the working tree is left out (an uncommitted deletion, not an
error), and a submodule, which git lists as one entry, is left to its own repository's check.
Files git ignores are not listed; evidence/ignored.py looks on disk for the launch scripts and
configs among them.
"""
from __future__ import annotations

import codecs
import errno
import functools
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .model import Problem

_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache",
              ".pytest_cache", ".stalelint_cache", ".ruff_cache", ".eggs"}


@functools.lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> str:
    """The regex source of a glob on repo-relative posix paths: `*` within a segment, `**/` any
    number of folders. Not compiled: only the alternation of all globs is (compiling each as well
    was a tenth of a warm run)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + r"\Z"


@functools.lru_cache(maxsize=64)
def _globs_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """Many globs as one alternation: every file is matched against ~60 experiment and launch
    globs, and one regex match per file is ~30x cheaper than a Python loop over them."""
    parts = [_glob_regex(p.lstrip("./") if p.startswith("./") else p) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts) if parts else r"(?!)")


def glob_match(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return _globs_regex(tuple(patterns)).match(path) is not None


@functools.lru_cache(maxsize=16)
def name_tests(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str], Callable[[str], object] | None]:
    """What a file's name must pass for its path to match one of the globs (their last segments),
    as (suffixes, names, regex match or None): a cheap first test for a walk that meets many files
    no glob names. `*.yaml` is a suffix test (str.endswith over a dataset's 300k names is ~4x
    cheaper than a regex), `Makefile` a name, anything else a regex."""
    suffixes, exact, other = [], set(), []
    for p in patterns:
        last = p.rsplit("/", 1)[-1] or "*"
        if last.startswith("*") and not any(c in last[1:] for c in "*?["):
            suffixes.append(last[1:])
        elif not any(c in last for c in "*?["):
            exact.add(last)
        else:
            other.append(_glob_regex(last))
    rest = re.compile("|".join(f"(?:{r})" for r in other)).match if other else None
    return tuple(suffixes), frozenset(exact), rest


@dataclass(frozen=True)
class FileSet:
    root: Path
    files: tuple[str, ...]  # repo-relative posix paths, sorted
    tracked: frozenset[str]
    git: bool  # listed by git
    problems: tuple[Problem, ...]
    submodules: tuple[str, ...] = ()  # folders git lists as one entry: another repository, not scanned
    exclude: tuple[str, ...] = ()  # the globs that left files out (evidence looked for on disk obeys them too)


def is_test_code(path: str) -> bool:
    """A file of the test suite: anything under a `tests/` folder, `conftest.py`, or a pytest file
    (`test_x.py`, `x_test.py`) under `test/`. Config classes and flags there are fixtures of the tests
    (`unsupported_field: int = 0` to check that an error is raised), not knobs; an evaluation script
    `tools/test_net.py` is not test code."""
    parts = path.split("/")
    name = parts[-1]
    if name == "conftest.py" or "tests" in parts[:-1]:
        return True
    return (name.startswith("test_") or name.endswith("_test.py")) and "test" in parts[:-1]


def _git_ls_files(root: Path) -> tuple[list[str], set[str]] | None:
    # one process lists both: `-t` tags each path, "?" for untracked (one `git` process fewer per
    # run: ~10 ms of a 0.25 s warm run)
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-t", "--cached", "--others",
                              "--exclude-standard", "--full-name"],
                             capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files: list[str] = []
    tracked: set[str] = set()
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        tag, _, path = entry.partition(" ")
        if not path:
            continue
        files.append(path)
        if tag != "?":
            tracked.add(path)
    return files, tracked


def _walk(root: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        rel = Path(dirpath).relative_to(root)
        for name in filenames:
            found.append((rel / name).as_posix() if str(rel) != "." else name)
        # symlinked folders are listed as links (os.walk puts them among dirnames without descending)
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                found.append((rel / d).as_posix() if str(rel) != "." else d)
                dirnames.remove(d)
    return found


def git_root(path: Path) -> Path | None:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"],
                             capture_output=True, check=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _check_link(root: Path, rel: str) -> Problem | None:
    full = root / rel
    try:
        target = full.resolve(strict=True)
    except RuntimeError:
        return Problem("STL902", rel, "symlink loop; not followed")
    except OSError as exc:
        # Python 3.13 raises OSError (ELOOP) for a loop where earlier versions raised RuntimeError
        if exc.errno == errno.ELOOP:
            return Problem("STL902", rel, "symlink loop; not followed")
        return Problem("STL902", rel, "broken symlink; not followed")
    try:
        target.relative_to(root.resolve())
    except ValueError:
        return Problem("STL902", rel, "symlink points outside the repository; not followed")
    return None


def discover(root: Path, exclude: tuple[str, ...], use_git: bool = True) -> FileSet:
    listed = _git_ls_files(root) if use_git else None
    if listed is not None:
        names, tracked = listed
    else:
        names, tracked = _walk(root), set()
    problems: list[Problem] = []
    files, submodules = [], []
    for rel in sorted(set(names)):
        if glob_match(rel, exclude) or rel.endswith(".stalelint-tmp"):  # fix/write.py's, if a kill left one
            continue
        # os.lstat on a string, not pathlib: with 10k experiment files a Path per file was 8% of a warm run
        try:
            mode = os.lstat(os.path.join(root, rel)).st_mode
        except OSError:
            continue  # listed by git, deleted from the working tree since: nothing to read
        if stat.S_ISLNK(mode):
            full = root / rel
            problem = _check_link(root, rel)
            if problem:
                problems.append(problem)
                continue
            if full.is_dir():  # a link to a folder inside the repo: its files are listed already
                continue
        elif stat.S_ISDIR(mode):
            submodules.append(rel)
            continue
        files.append(rel)
    return FileSet(root=root, files=tuple(files), tracked=frozenset(tracked), git=listed is not None,
                   problems=tuple(problems), submodules=tuple(submodules), exclude=tuple(exclude))


def read_text(root: Path, rel: str, max_size: int) -> tuple[str | None, Problem | None]:
    """A file's text, or the problem that stopped it being read."""
    full = root / rel
    try:
        size = full.stat().st_size
        if size > max_size:
            return None, Problem("STL904", rel, f"file is {size:,} bytes, over the {max_size:,}-byte limit; skipped")
        data = full.read_bytes()
    except FileNotFoundError:
        return None, Problem("STL902", rel, "file disappeared while scanning")
    except PermissionError:
        return None, Problem("STL902", rel, "permission denied")
    except OSError as exc:
        return None, Problem("STL902", rel, f"cannot read: {exc.strerror or exc}")
    return decode_text(rel, data)


# documents (prose with commands in it), not code or config
DOCUMENTS = (".md", ".markdown", ".mdx", ".rst", ".txt", ".ipynb")


def decode_text(rel: str, data: bytes) -> tuple[str | None, Problem | None]:
    """A file's bytes as text, or the problem that stopped them being decoded."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and rel.lower().endswith(DOCUMENTS):
        # a document saved as UTF-16 with its byte-order mark (DAB-DETR's README.md), which editors on
        # Windows write; code and config files stay UTF-8 (Python and TOML say so, and a config that is
        # not is named as an STL902 error)
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return None, Problem("STL902", rel, f"not valid UTF-16 (byte {exc.start})")
    try:
        return decode_source(data), None
    except UnicodeDecodeError as exc:
        return None, Problem("STL902", rel, f"not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})")
    except LookupError as exc:
        return None, Problem("STL902", rel, f"unknown encoding: {exc}")
    except UnicodeError as exc:  # a codec that decodes nothing (`coding: undefined`)
        return None, Problem("STL902", rel, f"cannot decode: {exc}")


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def decode_source(data: bytes) -> str:
    """UTF-8 (with or without BOM), or the PEP 263 encoding a Python file declares."""
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    for line in data.split(b"\n", 2)[:2]:
        m = _COOKIE.match(line)
        if m:
            encoding = m.group(1).decode("ascii")
            if bom and codecs.lookup(encoding).name != "utf-8":
                # Python refuses such a file too: which of the two is meant?
                raise UnicodeError(f"a UTF-8 byte order mark and a coding cookie for {encoding}")
            return data.decode(encoding)
    return data.decode("utf-8")


def inside(path: str) -> str | None:
    """A repo-relative path with its `.` and `..` steps taken (`demo/../configs/a.yaml` ->
    `configs/a.yaml`); None when it climbs out of the repo."""
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if not parts:
                return None
            parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


def find_named(ref: str, near: str, files: set[str], near_first: bool) -> str | None:
    """The repo file a path written in `near` names: relative to the root and to `near`'s folder
    (in the order asked), then to the folders above `near`'s, then, if unique, by its tail. A path
    that climbs out of the repo with `..` names nothing."""
    folder = near.rsplit("/", 1)[0] if "/" in near else ""
    beside = f"{folder}/{ref}" if folder else ref
    for candidate in ((beside, ref) if near_first else (ref, beside)):
        joined = inside(candidate)
        if joined is not None and joined in files:
            return joined
    # a script in `image/scripts/` run from `image/` (uda's README: `cd image; bash scripts/run.sh`,
    # whose `python main.py` is image/main.py): the folders above the launching file's, nearest first
    up = folder.split("/")[:-1] if folder else []
    while up:
        joined = inside(f"{'/'.join(up)}/{ref}")
        if joined is not None and joined in files:
            return joined
        up.pop()
    tail = ref.lstrip("./") if ref.startswith("./") else ref
    tails = [f for f in files if f.endswith("/" + tail)]
    if len(tails) == 1:
        return tails[0]
    if tails:
        return None
    # written from the folder above the checkout (open_flamingo's `python open_flamingo/open_flamingo/
    # train/train.py`) or as an absolute path: the longest tail that is a repo path of a folder and
    # a file. Not past a `..`, which leaves for another project.
    parts = [p for p in ref.split("/") if p not in ("", ".")]
    for i in range(1, len(parts) - 1):
        if ".." in parts[:i]:
            break
        candidate = "/".join(parts[i:])
        if candidate in files:
            return candidate
    return None

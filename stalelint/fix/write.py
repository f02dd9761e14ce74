"""Writing files back: atomically (temp file in the same folder, fsync, os.replace), several files
as one transaction that a crash cannot leave half done, and only files without uncommitted changes
unless told otherwise.

A transaction first writes a journal holding every file's new text and a digest of its old one,
then replaces the files one by one, then removes the journal. A run killed at any point leaves
each file wholly old or wholly new (os.replace), and either no journal (nothing was written yet,
or everything was) or a journal from which `finish_interrupted` writes the rest. The journal lives
in the git folder where there is one, so it is never committed and never shows in `git status`.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Callable

TMP_SUFFIX = ".stalelint-tmp"
JOURNAL_NAME = "fix-journal.json"


class Interrupted(Exception):
    """A journal left by a killed run cannot be finished; the message says why and what to do."""


def write_atomic(path: Path, text: str) -> None:
    """Replace `path`'s content in one step: a reader sees the old file or the new, never half."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):  # only when something failed before the rename
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (a crash of the machine, not only of the process)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _digest(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def text_of(path: Path) -> str | None:
    """A file's text exactly as its bytes hold it (None when it does not exist): `read_text` turns
    CRLF into LF, and a restore merged or written back from that changed every line ending of a
    Windows-style file (and conflicted with the fix's own CRLF versions: pix2pixHD)."""
    data = _current(path)
    return None if data is None else data.decode("utf-8")


def _current(path: Path) -> bytes | None:
    """A file's bytes; None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def journal_path(root: Path) -> Path:
    """Inside the git folder (per worktree), else in `.stalelint/`."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--absolute-git-dir"], capture_output=True,
                             timeout=60)
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.decode("utf-8", "surrogateescape").strip()) / "stalelint" / JOURNAL_NAME
    return root / ".stalelint" / JOURNAL_NAME


def _inside(root: Path, rel: str) -> Path:
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or "\\" in rel or ".." in p.parts:
        raise Interrupted(f"the journal names {rel!r}, which is not a path inside the repository; not replayed")
    full = root / rel
    try:
        full.resolve().relative_to(root.resolve())
    except ValueError:
        raise Interrupted(f"the journal names {rel!r}, which resolves outside the repository; not replayed") from None
    return full


def _remove_temps(path: Path) -> None:
    """Temp files a killed write_atomic of `path` left beside it."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(f".{path.name}.") and name.endswith(TMP_SUFFIX):
            try:
                os.unlink(path.parent / name)
            except OSError:
                pass


def write_together(root: Path, changes: dict[str, tuple[str | None, str]]) -> list[str]:
    """Write `changes` (path -> (old text or None, new text)) as one transaction; returns the paths."""
    if not changes:
        return []
    journal = journal_path(root)
    if journal.exists():
        raise Interrupted(f"an interrupted write is pending in {journal}; `stalelint fix --apply` finishes it")
    journal.parent.mkdir(parents=True, exist_ok=True)
    doc = {"version": 1, "files": [{"path": p, "before": _digest(old), "after": new}
                                   for p, (old, new) in changes.items()]}
    write_atomic(journal, json.dumps(doc))  # escaped: a path of bytes that are no UTF-8 holds surrogates
    for rel, (_, new) in changes.items():
        full = root / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(full, new)
    journal.unlink()
    _fsync_dir(journal.parent)
    return list(changes)


def pending(root: Path) -> Path | None:
    """The journal of an interrupted write, if there is one."""
    journal = journal_path(root)
    return journal if journal.exists() else None


def finish_interrupted(root: Path) -> list[str] | None:
    """Finish the transaction a killed run left: None when there was none, else the paths written
    now. Raises Interrupted, writing nothing, when a file changed since in another way."""
    journal = journal_path(root)
    _remove_temps(journal)
    if not journal.exists():
        return None
    try:
        doc = json.loads(journal.read_text(encoding="utf-8"))
        files = [(f["path"], f["before"], f["after"]) for f in doc["files"]]
        if not all(isinstance(p, str) and isinstance(a, str) for p, _, a in files):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise Interrupted(f"{journal} (left by an interrupted `stalelint fix --apply`) cannot be read; "
                          "delete it to go on") from None
    todo, changed = [], []
    for rel, before, after in files:
        full = _inside(root, rel)
        _remove_temps(full)
        try:
            now = _digest(_current(full))
        except OSError as exc:
            raise Interrupted(f"cannot finish the interrupted write of {rel}: {exc.strerror or exc}") from None
        if now == _digest(after):
            continue
        if now == before:
            todo.append((full, rel, after))
        else:
            changed.append(rel)
    if changed:
        raise Interrupted(f"an interrupted `stalelint fix --apply` left {journal}, but {', '.join(changed)} "
                          "changed since, so it was not finished and nothing was written; delete the journal to "
                          "abandon it (the files it had written stay as they are)")
    for full, _, after in todo:
        full.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(full, after)
    journal.unlink()
    _fsync_dir(journal.parent)
    return [rel for _, rel, _ in todo]


_STATUS = ["-c", "core.quotePath=false", "status", "--porcelain=v1", "-z", "--untracked-files=all"]


def dirty_files_later(root: Path) -> Callable[[], set[str] | None]:
    """Files with uncommitted changes (staged, unstaged or untracked; None outside git), asked of
    `git status` now and answered when the returned function is called: `git status`
    of a large tree takes a fifth of a second or more, which a fix run spends analysing meanwhile.
    A process, not a thread: the fix workers are forked, and a fork beside a running thread can
    inherit a lock it holds."""
    try:
        proc = subprocess.Popen(["git", "-C", str(root), *_STATUS], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    except OSError:
        return lambda: None

    def answer() -> set[str] | None:
        try:
            out, _ = proc.communicate(timeout=120)
        except subprocess.SubprocessError:
            proc.kill()
            proc.communicate()
            return None
        return _dirty(out) if proc.returncode == 0 else None

    return answer


def _dirty(out: bytes) -> set[str]:
    entries = out.decode("utf-8", "surrogateescape").split("\0")
    dirty: set[str] = set()
    skip = False
    for e in entries:
        if skip:
            skip = False
            continue
        if len(e) > 3:
            dirty.add(e[3:])
            skip = e[0] in "RC"  # a rename's source path follows
    return dirty

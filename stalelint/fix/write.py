"""Writing files back: atomically (temp file in the same folder, fsync, os.replace), and only
files without uncommitted changes unless told otherwise."""
from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Replace `path`'s content in one step: a reader sees the old file or the new, never half."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".stalelint-tmp")
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


def dirty_files(root: Path) -> set[str] | None:
    """Files with uncommitted changes (staged, unstaged or untracked); None outside git."""
    try:
        out = subprocess.run(["git", "-C", str(root), "-c", "core.quotePath=false", "status", "--porcelain=v1", "-z",
                              "--untracked-files=all"], capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
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

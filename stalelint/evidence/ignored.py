"""Launch scripts and experiment configs that git ignores.

Researchers keep launch scripts and local configs on disk and out of git (Swin-Transformer's
`.gitignore` has `*.sh` under "# launch bash"). `git ls-files` does not list them, so they are
looked for on disk the way tracker run folders are (runs.py): in the folders of the run-folder
search, which skips code and environment folders (`.venv`, `node_modules`, `site-packages`,
`build`...), hidden folders and the tracker-owned ones (`mlruns/`, `wandb/`...) and goes at most
runs.MAX_DEPTH deep; folders and files the `exclude` globs name are left alone, a symlink (file or
folder) is never followed, and a folder with more than MAX_ENTRIES entries (a dataset's images, a
run's checkpoints) is not listed for them. Their experiments are dated by modification time, as an
untracked file's are."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from ..discover import glob_match, name_tests

# a folder this full holds data or outputs, not launch scripts; reading its names would cost
# as much as the rest of the search
MAX_ENTRIES = 5000


def find(root: Path, folders: Iterable[Path], listed: set[str], globs: tuple[str, ...],
         exclude: tuple[str, ...], others: Iterable[str] = ()) -> list[str]:
    """Repo-relative paths of the files under `folders` that the `globs` name, that git did not
    list (`listed`) and that `exclude` does not name, sorted. Nothing under `others` (submodules)
    or under a folder holding its own `.git` (a repository cloned inside this one) is ours."""
    found: list[str] = []
    ends, exact, rest = name_tests(globs)
    foreign = tuple(f"{o.rstrip('/')}/" for o in others)
    for folder in folders:
        rel_folder = "" if folder == root else folder.relative_to(root).as_posix()
        if rel_folder and (folder.name.endswith(".egg-info") or glob_match(rel_folder + "/", exclude)
                           or f"{rel_folder}/".startswith(foreign)):
            continue
        try:
            listing = os.listdir(folder)  # names only: a data folder's thousands of files cost little
        except OSError:
            continue  # an unreadable folder: nothing in it can be read
        if rel_folder and ".git" in listing:
            foreign += (f"{rel_folder}/",)
            continue
        if len(listing) > MAX_ENTRIES:
            continue
        for name in [n for n in listing if n.endswith(ends) or n in exact or (rest is not None and rest(n))]:
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if rel in listed or not glob_match(rel, globs) or glob_match(rel, exclude):
                continue
            try:
                if stat.S_ISREG(os.lstat(folder / name).st_mode):  # a symlink is not followed, nor read
                    found.append(rel)
            except OSError:
                continue
    return sorted(found)

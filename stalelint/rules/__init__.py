"""The rules, one module per code. Each carries CODE, NAME, KIND, DOC and `check(facts)`."""
from __future__ import annotations

from types import ModuleType

from . import stale_flag, stale_trick, stale_variant, unknown_setting, unread_flag

RULES: tuple[ModuleType, ...] = (unread_flag, stale_flag, unknown_setting, stale_variant, stale_trick)

# errors: a file or evidence source that could not be read
ERRORS = {
    "STL901": ("syntax-error", "a Python file could not be parsed; its knobs, reads and gates are unknown"),
    "STL902": ("unreadable-file", "a file could not be read: not UTF-8, permission denied, vanished, or a "
               "symlink that loops or leaves the repository"),
    "STL903": ("bad-experiment", "an experiment file (YAML, JSON, TOML, Python config) is malformed or empty"),
    "STL904": ("file-too-large", "a file over `max_file_size` bytes was skipped"),
    "STL905": ("tracker-unavailable", "a tracker server (MLflow) could not be read: down, too slow "
               "(`tracker_timeout`), or it answered with an error; findings that need evidence are "
               "marked incomplete"),
    "STL906": ("bad-run-record", "a run record (MLflow run folder or store, W&B run, Hydra job, Lightning "
               "hparams, sacred run, argument dump, dvc.lock) could not be read; findings that need "
               "evidence are marked incomplete"),
}

NEEDS_EXPERIMENTS = {"STL102", "STL103", "STL201", "STL301"}


def by_code() -> dict[str, ModuleType]:
    return {r.CODE: r for r in RULES}


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff's rule: a code is on when some select prefix matches (all when none given) and no
    longer-or-equal ignore prefix matches."""
    chosen = [s for s in select if code.startswith(s)] if select else [""]
    if not chosen:
        return False
    best = max(len(s) for s in chosen)
    return not any(code.startswith(i) and len(i) >= best for i in ignore)

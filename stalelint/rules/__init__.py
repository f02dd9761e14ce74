"""The rules, one module per code. Each carries CODE, NAME, KIND, DOC and `check(facts)`."""
from __future__ import annotations

from types import ModuleType

from . import never_varied, stale_entry_point, stale_flag, stale_trick, stale_variant, unknown_setting, unread_flag

RULES: tuple[ModuleType, ...] = (unread_flag, stale_flag, unknown_setting, never_varied, stale_variant, stale_trick,
                                 stale_entry_point)

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

NEEDS_EXPERIMENTS = {"STL102", "STL103", "STL104", "STL201", "STL301", "STL401"}


def by_code() -> dict[str, ModuleType]:
    return {r.CODE: r for r in RULES}


def on_by_default(code: str) -> bool:
    rule = by_code().get(code)
    return rule is None or getattr(rule, "DEFAULT", True)


# what an empty `select` means: every rule on by default, and the errors
DEFAULT_SELECT = tuple(r.CODE for r in RULES if getattr(r, "DEFAULT", True)) + ("STL9",)


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...], extend: tuple[str, ...] = ()) -> bool:
    """ruff's rule: a code is on when some prefix of `select` (the default rules when none is
    given) or `extend` matches, and no longer-or-equal ignore prefix does. A prefix turns on every
    rule under it (`STL1` includes the off-by-default STL104). The default rules are chosen by the
    empty prefix, so any ignore beats them (`--ignore STL3` turns STL301 off)."""
    if select:
        chosen = [s for s in select if code.startswith(s)]
    else:
        chosen = [""] if any(code.startswith(d) for d in DEFAULT_SELECT) else []
    chosen += [s for s in extend if code.startswith(s)]
    if not chosen:
        return False
    best = max(len(s) for s in chosen)
    return not any(code.startswith(i) and len(i) >= best for i in ignore)

"""`[tool.stalelint]` in pyproject.toml. The DEFAULTS table is the schema: an unknown key or a value
of another type than its default's is an error, reported with the file and the key."""
from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


DEFAULT_EXPERIMENT_DIRS = ("configs", "config", "conf", "cfg", "cfgs", "experiments", "exp", "exps",
                           "sweeps", "hparams", "recipes")
DEFAULT_EXPERIMENTS = tuple(f"{d}/**/*.{ext}" for d in DEFAULT_EXPERIMENT_DIRS
                            for ext in ("yaml", "yml", "json", "toml", "py")) + ("**/*.gin",)
DEFAULT_LAUNCH = ("**/*.sh", "**/*.bash", "**/*.slurm", "**/*.sbatch", "**/Makefile", "**/*.md", "**/*.mdx")

DEFAULTS: dict[str, Any] = {
    # files to analyse, relative to the project root
    "paths": ["."],
    # globs (on repo-relative paths) never read
    "exclude": [".git/**", ".venv/**", "venv/**", "**/site-packages/**", "build/**", "dist/**",
                "**/node_modules/**", ".stalelint_cache/**", "**/__pycache__/**", ".tox/**",
                # run records: the tracker sources read them directly (they are usually git-ignored)
                "**/mlruns/**", "**/wandb/**", "**/lightning_logs/**", "**/.hydra/**",
                # vendored code is another project's knobs; notes for coding agents and CI set-up
                # run commands that are not experiments
                "**/third_party/**", "**/third-party/**", "**/3rdparty/**", "**/vendor/**", "**/vendored/**",
                "**/AGENTS.md", "**/CLAUDE.md", "**/GEMINI.md", "**/.claude/**", "**/.cursor/**", ".github/**"],
    "extend_exclude": [],
    # experiment config files: each file is one experiment
    "experiments": list(DEFAULT_EXPERIMENTS),
    "extend_experiments": [],
    # files whose commands launch experiments (shell, slurm, Makefile recipes, Markdown shell blocks)
    "launch": list(DEFAULT_LAUNCH),
    "extend_launch": [],
    # the window: an experiment older than this does not count as recent (180d, 26w, 1y)
    "since": "180d",
    # a knob whose definition is younger than this is not judged yet: new code gets time to be used
    "grace": "30d",
    # rule codes or prefixes to report; empty: the rules on by default (`stalelint rules` says which)
    "select": [],
    # more codes or prefixes, added to `select` (or to the default rules): `extend_select = ["STL104"]`
    "extend_select": [],
    "ignore": [],
    # knob names (globs) never reported
    "keep": [],
    # files larger than this many bytes are skipped with STL904
    "max_file_size": 2_000_000,
    # findings below this confidence (0-100) are not reported (nor fixed): thin evidence is hidden
    "min_confidence": 50,
    # an MLflow tracking server (http[s]://host:port), SQLite store (sqlite:///path/mlflow.db) or
    # file store folder to read runs from; local mlruns/ and mlflow.db are found without it
    "mlflow_uri": "",
    # seconds a tracker server may take to answer one request before it is reported unavailable
    "tracker_timeout": 10.0,
    # tracker sources to read (mlflow, wandb, hydra, lightning, sacred, dvc, dumps, sweeps);
    # empty: every source whose records are found
    "trackers": [],
}


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Settings:
    paths: tuple[str, ...]
    exclude: tuple[str, ...]
    experiments: tuple[str, ...]
    launch: tuple[str, ...]
    since_days: int
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    keep: tuple[str, ...]
    max_file_size: int
    min_confidence: int
    mlflow_uri: str = ""
    tracker_timeout: float = 10.0
    trackers: tuple[str, ...] = ()
    grace_days: int = 30
    extend_select: tuple[str, ...] = ()
    source: str | None = None  # the file the settings came from

    def with_overrides(self, **changes: Any) -> "Settings":
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in changes.items() if k in known and v is not None})


_DURATION = re.compile(r"^\s*(\d+)\s*([dwy]?)\s*$")


def parse_since(text: str, what: str = "window") -> int:
    """`180d`, `26w`, `1y` (or a bare number of days) -> days."""
    m = _DURATION.match(str(text))
    if not m:
        raise ConfigError(f"invalid {what} {text!r}: use a number of days, weeks or years like 180d, 26w, 1y")
    n, unit = int(m.group(1)), m.group(2) or "d"
    return n * {"d": 1, "w": 7, "y": 365}[unit]


_CODE = re.compile(r"^STL\d{0,3}$")


def _check_codes(values: list[str], key: str, where: str) -> tuple[str, ...]:
    out = []
    for v in values:
        v = v.strip().upper()
        if not _CODE.match(v):
            raise ConfigError(f"{where}: `{key}` has {v!r}, which is not a rule code or prefix (like STL102 or STL1)")
        out.append(v)
    return tuple(out)


def _typecheck(key: str, value: Any, where: str) -> None:
    default = DEFAULTS[key]
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return  # a whole number of seconds is a number of seconds
    elif isinstance(default, bool) or not isinstance(value, type(default)) or isinstance(value, bool):
        raise ConfigError(f"{where}: `{key}` must be {type(default).__name__}, got {type(value).__name__} {value!r}")


TRACKERS = ("mlflow", "wandb", "hydra", "lightning", "sacred", "dvc", "dumps", "sweeps", "tensorboard")


def _check_trackers(values: list[str], where: str) -> tuple[str, ...]:
    for v in values:
        if v not in TRACKERS:
            raise ConfigError(f"{where}: `trackers` has {v!r}; known trackers: {', '.join(TRACKERS)}")
    return tuple(values)


def from_table(table: dict[str, Any], where: str) -> Settings:
    merged = dict(DEFAULTS)
    for key, value in table.items():
        norm = key.replace("-", "_")
        if norm not in DEFAULTS:
            hint = difflib.get_close_matches(norm, DEFAULTS, n=1)
            also = f"; did you mean `{hint[0]}`?" if hint else ""
            raise ConfigError(f"{where}: unknown key `{key}` in [tool.stalelint]{also}")
        _typecheck(norm, value, where)
        merged[norm] = value
    if merged["tracker_timeout"] <= 0:
        raise ConfigError(f"{where}: `tracker_timeout` must be a positive number of seconds")
    if not 0 <= merged["min_confidence"] <= 100:
        raise ConfigError(f"{where}: `min_confidence` must be between 0 and 100")
    return Settings(
        paths=tuple(merged["paths"]),
        exclude=tuple(merged["exclude"]) + tuple(merged["extend_exclude"]),
        experiments=tuple(merged["experiments"]) + tuple(merged["extend_experiments"]),
        launch=tuple(merged["launch"]) + tuple(merged["extend_launch"]),
        since_days=parse_since(merged["since"]),
        select=_check_codes(merged["select"], "select", where),
        extend_select=_check_codes(merged["extend_select"], "extend_select", where),
        grace_days=parse_since(merged["grace"], "grace period"),
        ignore=_check_codes(merged["ignore"], "ignore", where),
        keep=tuple(merged["keep"]),
        max_file_size=merged["max_file_size"],
        min_confidence=merged["min_confidence"],
        mlflow_uri=merged["mlflow_uri"],
        tracker_timeout=merged["tracker_timeout"],
        trackers=_check_trackers(merged["trackers"], where),
        source=where if table else None,
    )


def load(root: Path, explicit: Path | None = None) -> Settings:
    """Settings from `explicit` or root/pyproject.toml; defaults when there is no table."""
    path = explicit or root / "pyproject.toml"
    if explicit is None and not path.is_file():
        return from_table({}, str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("stalelint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.stalelint] must be a table")
    return from_table(table, str(path))


def parse_codes(text: str | None) -> tuple[str, ...] | None:
    """`--select STL1,STL301` -> ("STL1", "STL301")."""
    if text is None:
        return None
    return _check_codes([c for c in re.split(r"[,\s]+", text) if c], "select/ignore", "command line")

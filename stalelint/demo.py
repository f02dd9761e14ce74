"""`stalelint demo`: the bundled demo research repo, built with a real dated git history."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from . import fixture_repo


def source_dir() -> Path:
    """The demo's files: inside the installed package, or fixtures/demo in a source checkout."""
    try:
        import stalelint.demo_repo as shipped

        for p in getattr(shipped, "__path__", []):
            if (Path(p) / "history.toml").is_file():
                return Path(p)
    except ImportError:
        pass
    here = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
    if (here / "history.toml").is_file():
        return here
    raise FileNotFoundError("the demo repo's files are missing from this installation")


def build(dest: Path | None, now: dt.datetime) -> Path:
    if dest is None:
        dest = Path(tempfile.mkdtemp(prefix="stalelint-demo-")) / "tinyvision"
    elif dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty")
    return fixture_repo.build(source_dir(), dest, now).resolve()

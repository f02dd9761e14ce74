"""`fix --apply` as a user runs it (default settings) on copies of real repos: its time beside a cold
`check`, then whether what it wrote compiles, whether a second `fix --apply` finds nothing left, and
whether `restore --all` gives back every tracked file.

    python benchmarks/fix_roundtrip.py --bin .venv/bin/stalelint /path/to/clone ...
    python benchmarks/fix_roundtrip.py --bin ... --fix-args "--min-confidence 0 --unsafe" --single /path/to/clone ...

`--single` restores each entry on its own first, in a shuffled order, then the rest with --all;
`--each` restores each entry alone on a copy of the fixed tree (what a user restoring one knob meets).

Each repo is judged as of its last commit + 1 day, its window widened (180d, 1y, 2y, 3y) only while
it holds no recent experiment, as the held-out sets are measured. Each clone is copied (cp -a) to
--work first; the clone itself is never touched.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _run(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - start, proc


def _window(binary: str, repo: Path) -> list[str]:
    last = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%cs"], capture_output=True, text=True,
                          check=True, env=ENV).stdout.strip()
    as_of = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    for since in ("180d", "1y", "2y", "3y"):
        _, proc = _run([binary, "check", "--as-of", as_of, "--since", since, "--output-format", "json",
                        "--no-cache"], repo)
        if json.loads(proc.stdout)["experiments"]["recent"]:
            break
    return ["--as-of", as_of, "--since", since]


def _compiles(source: bytes, path: str) -> bool:
    try:
        compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _ids(repo: Path) -> list[str]:
    path = repo / ".stalelint/graveyard.jsonl"
    return [json.loads(line)["id"] for line in path.read_text().splitlines()] if path.exists() else []


def _fixed(output: str) -> int:
    for line in output.splitlines():
        if line.startswith("Fixed "):
            return int(line.split()[1])
    return 0


def roundtrip(binary: str, clone: Path, work: Path, extra: tuple[str, ...] = (), single: bool = False,
              each: bool = False) -> dict:
    repo = work / clone.name
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(clone, repo, symlinks=True)
    shutil.rmtree(repo / ".stalelint_cache", ignore_errors=True)
    window = _window(binary, repo)
    shutil.rmtree(repo / ".stalelint_cache", ignore_errors=True)
    check, _ = _run([binary, "check", *window], repo)
    shutil.rmtree(repo / ".stalelint_cache", ignore_errors=True)
    apply, proc = _run([binary, "fix", "--apply", *window, *extra], repo)
    changed = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "--", "*.py"], capture_output=True,
                             text=True, env=ENV).stdout.split()
    broken = [p for p in changed if _compiles(subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{p}"],
                                                             capture_output=True, env=ENV).stdout, p)
              and not _compiles((repo / p).read_bytes(), p)]  # files that compiled before the fix
    _, again = _run([binary, "fix", "--apply", *window, *extra], repo)
    alone = 0
    if each:
        # each entry restored alone on a copy of the fixed tree: what a user restoring one knob meets
        for ident in _ids(repo):
            copy = work / f"{clone.name}.each"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(repo, copy, symlinks=True)
            alone += _run([binary, "restore", ident], copy)[1].returncode != 0
            shutil.rmtree(copy)
    conflicts = 0
    if single:
        # each entry on its own, in a shuffled order, each on top of the ones before
        ids = _ids(repo)
        random.Random(0).shuffle(ids)
        for ident in ids:
            conflicts += _run([binary, "restore", ident], repo)[1].returncode != 0
    _, restore = _run([binary, "restore", "--all"], repo)
    left = [line for line in subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                            capture_output=True, text=True, env=ENV).stdout.splitlines()
            if ".stalelint/" not in line]
    return {"repo": clone.name, "window": window, "check": check, "apply": apply, "ratio": apply / check,
            "fixed": _fixed(proc.stderr), "fixed_again": _fixed(again.stderr), "uncompilable": broken,
            "left_after_restore": left, "restore_exit": restore.returncode, "single_conflicts": conflicts,
            "refused_alone": alone}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/stalelint-fix-roundtrip"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--single", action="store_true", help="Restore each entry on its own first (shuffled), "
                    "then the rest with --all.")
    ap.add_argument("--each", action="store_true", help="Also restore each entry alone on a copy of the fixed "
                    "tree.")
    ap.add_argument("--fix-args", default="", help="More options for both `fix --apply` runs (the check stays default).")
    ap.add_argument("clones", nargs="+", type=Path)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for clone in args.clones:
        r = roundtrip(args.bin, clone.resolve(), args.work, tuple(shlex.split(args.fix_args)), args.single,
                      args.each)
        rows.append(r)
        print(f"{r['repo']:26s} {r['window'][3]:4s} check {r['check']:5.2f} s  fix --apply {r['apply']:5.2f} s "
              f"({r['ratio']:.1f}x)  fixed {r['fixed']:3d}  again {r['fixed_again']}  "
              f"uncompilable {len(r['uncompilable'])}  changed after restore {len(r['left_after_restore'])}"
              + (f"  single restores refused {r['single_conflicts']}" if args.single else "")
              + (f"  refused alone {r['refused_alone']}" if args.each else ""), flush=True)
    ratios = [r["ratio"] for r in rows]
    print(f"\n{len(rows)} repos: fix --apply {min(ratios):.1f}-{max(ratios):.1f}x a cold check "
          f"(median {statistics.median(ratios):.1f}x); fixed {sum(r['fixed'] for r in rows)}, "
          f"{sum(bool(r['fixed_again']) for r in rows)} repos with more to fix the second time, "
          f"{sum(bool(r['uncompilable']) for r in rows)} with a file that does not compile, "
          f"{sum(bool(r['left_after_restore']) for r in rows)} not given back whole by restore --all")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

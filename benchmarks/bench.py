"""stalelint against vulture on one repo: cold, warm and one-file-edited runs, alternated.

    python benchmarks/bench.py /path/to/repo --runs 5

Works on a temporary `git clone` of the repo (same commit) so your checkout is never touched;
`--in-place` benchmarks the checkout itself (the edited file is restored, the cache removed).

One untimed run of each tool warms the OS page cache and writes bytecode caches (the children
run without PYTHONDONTWRITEBYTECODE). Each round then runs, in this order: vulture, stalelint with an empty cache (cold: `stalelint clean`
first, untimed), stalelint again (warm: nothing changed), then stalelint after appending a comment
to one .py file (the largest, the worst case to re-parse), which is then restored. Wall times are
medians over the rounds; ratios are against vulture's median in the same run, so a busy machine
slows both sides. Peak memory is ru_maxrss of each child process from os.wait4 (Linux counts a
process's waited-for children in it, so it covers stalelint's parse workers one at a time, not
their sum).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


# children run as users run them: with bytecode caches (some CI images set this to 1, which would
# make every run of either tool compile itself from source)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, user+sys CPU seconds, peak RSS in KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 1, 3):  # vulture exits 3 and stalelint 1 when they find something
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def largest_py(repo: Path) -> Path:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "*.py"], capture_output=True, check=True).stdout
    files = [repo / p for p in out.decode().split("\0") if p]
    return max(files, key=lambda p: p.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--in-place", action="store_true", help="benchmark the checkout itself, not a clone")
    ap.add_argument("--stalelint", default=f"{sys.executable} -m stalelint", help="command that runs stalelint")
    ap.add_argument("--vulture", default=f"{sys.executable} -m vulture", help="command that runs vulture")
    ap.add_argument("--as-of", help="pass --as-of to stalelint (default: now)")
    ap.add_argument("--check-args", default="",
                    help="more options for `stalelint check`, e.g. \"--config timm.toml --since 3y\" (a config "
                         "whose experiments make every rule run)")
    args = ap.parse_args(argv)

    source = args.repo.resolve()
    tmp = None
    if args.in_place:
        repo = source
    else:
        tmp = Path(tempfile.mkdtemp(prefix="stalelint-bench-"))
        repo = tmp / source.name
        subprocess.run(["git", "clone", "-q", str(source), str(repo)], check=True)
        head = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", head], check=True)
    stalelint = args.stalelint.split()
    check = [*stalelint, "check", str(repo), *(["--as-of", args.as_of] if args.as_of else []),
             *shlex.split(args.check_args)]
    vulture = [*args.vulture.split(), str(repo)]
    edited = largest_py(repo)
    original = edited.read_bytes()
    had_cache = (repo / ".stalelint_cache").exists()
    results: dict[str, list[tuple[float, float, int]]] = {"vulture": [], "cold": [], "warm": [], "edited": []}
    try:
        timed(vulture)  # warm-up, untimed: bytecode caches and the OS page cache, for both tools
        timed(check)
        for n in range(args.runs):
            results["vulture"].append(timed(vulture))
            subprocess.run([*stalelint, "clean", str(repo)], check=True, capture_output=True)
            results["cold"].append(timed(check))
            results["warm"].append(timed(check))
            with open(edited, "ab") as f:
                f.write(f"\n# benchmark edit {n} {time.time()}\n".encode())
            results["edited"].append(timed(check))
            edited.write_bytes(original)
            print(f"round {n + 1}/{args.runs}: " + ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in results.items()),
                  file=sys.stderr)
    finally:
        edited.write_bytes(original)
        if not had_cache:
            subprocess.run([*stalelint, "clean", str(repo)], capture_output=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    commit = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%H %cs"], capture_output=True,
                            text=True).stdout.strip()
    py_files = subprocess.run(["git", "-C", str(source), "ls-files", "*.py"], capture_output=True,
                              text=True).stdout.split()
    versions = {name: subprocess.run([*cmd, "--version"], capture_output=True, text=True).stdout.strip()
                for name, cmd in (("stalelint", stalelint), ("vulture", args.vulture.split()))}
    base = statistics.median(r[0] for r in results["vulture"])
    base_mem = max(r[2] for r in results["vulture"])
    print(f"repo: {source.name} @ {commit} ({len(py_files)} .py files); edited file: {edited.relative_to(repo)}")
    print(f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; cores: {os.cpu_count()}; "
          f"load average at end: {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}; "
          f"{versions['stalelint']}; vulture {versions['vulture']}; {args.runs} rounds"
          + (f"; check {' '.join(check[len(stalelint) + 2:])}" if len(check) > len(stalelint) + 2 else ""))
    print(f"| run | median wall s | min-max s | median CPU s | x vulture (wall) | peak RSS MiB | x vulture (RSS) |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        walls = [r[0] for r in rows]
        med = statistics.median(walls)
        mem = max(r[2] for r in rows)
        print(f"| {name} | {med:.3f} | {min(walls):.2f}-{max(walls):.2f} | {statistics.median(r[1] for r in rows):.3f}"
              f" | {med / base:.3f} | {mem / 1024:.1f} | {mem / base_mem:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

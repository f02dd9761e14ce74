"""Time `stalelint fix` (dry run), `fix --apply` and `restore --all` beside `check` on the same tree,
for several stalelint installs (before / after a change), rounds alternated, medians printed.

    python benchmarks/fix_bench.py --runs 3 \\
        --bin before /path/to/old/venv/bin/stalelint --bin after .venv/bin/stalelint \\
        --repo cleanrl /work/repos/cleanrl "--as-of 2026-04-27" \\
        --repo timm /work/repos/pytorch-image-models "--as-of 2026-08-09 --since 3y --config /tmp/timm.toml"

Each install works on its own clone of each repo (`git clone` into --work), put back with
`git checkout` + `git clean -fdx` before every run, so every run starts with an empty index cache:
`check` is cold, and so are `fix` and `fix --apply`. Wall time, and CPU time (user + system of the
process and every process it waited for: parse workers, fix workers, git). `restore --all` runs
after each `--apply` where the install has it; `--restore-each` also times restoring one process
per entry (the only way before --all; slow) once per repo and install.

Also checked, not timed: the dry run's stdout, the tree after --apply (with the graveyard, its
timestamps left out) and the tree after restoring are each the same for every install.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _run(cmd: list[str], cwd: Path) -> tuple[float, float, bytes, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout, proc.returncode


def _reset(repo: Path) -> None:
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True, env=ENV)
    subprocess.run(["git", "clean", "-qfdx"], cwd=repo, check=True, env=ENV)


def _tree(repo: Path, graveyard: bool = True) -> str:
    """A digest of every file but .git and the cache; the graveyard without its timestamps (or not
    at all)."""
    h = hashlib.sha256()
    for path in sorted(p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts
                       and ".stalelint_cache" not in p.parts and (graveyard or ".stalelint" not in p.parts)):
        rel = path.relative_to(repo).as_posix()
        data = path.read_bytes()
        if rel == ".stalelint/graveyard.jsonl":
            rows = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
            data = json.dumps([{k: v for k, v in r.items() if k not in ("removed_at", "restored_at")}
                               for r in rows], sort_keys=True).encode()
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:12]


def _has_restore_all(binary: str) -> bool:
    out = subprocess.run([binary, "restore", "--help"], capture_output=True, text=True, env=ENV).stdout
    return "--all" in out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", nargs=2, action="append", metavar=("LABEL", "STALELINT"), required=True)
    ap.add_argument("--repo", nargs=3, action="append", metavar=("NAME", "PATH", "ARGS"), required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/stalelint-fix-bench"))
    ap.add_argument("--restore-each", action="store_true")
    ap.add_argument("--json", type=Path, help="Also write every measurement here.")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    seen: dict[tuple[str, str, str], set[str]] = {}
    clones: dict[tuple[str, str], Path] = {}
    for name, path, _ in args.repo:
        for label, _ in args.bin:
            dest = args.work / f"{name}-{label}"
            if dest.exists():
                shutil.rmtree(dest)
            subprocess.run(["git", "clone", "-q", path, str(dest)], check=True, env=ENV)
            clones[name, label] = dest
    restore_all = {label: _has_restore_all(binary) for label, binary in args.bin}

    def timed(name: str, label: str, what: str, cmd: list[str]) -> bytes:
        wall, cpu, out, code = _run(cmd, clones[name, label])
        if code not in (0, 1):
            sys.exit(f"{name} {label} {what}: exit {code}")
        times.setdefault((name, label, what), []).append((wall, cpu))
        print(f"  {name:10} {label:8} {what:14} {wall:8.2f} s wall {cpu:8.2f} s CPU", file=sys.stderr, flush=True)
        return out

    for r in range(args.runs):
        print(f"round {r + 1}/{args.runs}", file=sys.stderr)
        for name, _, extra in args.repo:
            order = args.bin if r % 2 == 0 else list(reversed(args.bin))  # alternated: neither always first
            for label, binary in order:
                repo, opts = clones[name, label], shlex.split(extra)
                _reset(repo)
                timed(name, label, "check", [binary, "check", *opts])
                _reset(repo)
                out = timed(name, label, "fix", [binary, "fix", *opts])
                seen.setdefault((name, "fix stdout", ""), set()).add(hashlib.sha256(out).hexdigest()[:12])
                _reset(repo)
                seen.setdefault((name, "tree after restore (and before --apply)", ""), set()).add(
                    _tree(repo, graveyard=False))
                timed(name, label, "fix --apply", [binary, "fix", *opts, "--apply"])
                seen.setdefault((name, "tree after --apply", ""), set()).add(_tree(repo))
                if restore_all[label]:
                    timed(name, label, "restore --all", [binary, "restore", "--all"])
                    seen.setdefault((name, "tree after restore (and before --apply)", ""), set()).add(
                        _tree(repo, graveyard=False))
                elif args.restore_each and r == 0:
                    start, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
                    listing = subprocess.run([binary, "graveyard", "--output-format", "json"], cwd=repo,
                                             capture_output=True, text=True, env=ENV).stdout
                    for e in reversed(json.loads(listing)):  # newest first, as each was made on the one before
                        if e["status"] == "removed":
                            subprocess.run([binary, "restore", e["id"]], cwd=repo, capture_output=True, env=ENV)
                    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
                    times.setdefault((name, label, "restore, each"), []).append((time.perf_counter() - start, cpu))
                    seen.setdefault((name, "tree after restore (and before --apply)", ""), set()).add(
                        _tree(repo, graveyard=False))
    print("| repo | install | run | wall s (median) | CPU s (median) | x check wall | runs |")
    print("|---|---|---|---|---|---|---|")
    for name, _, _ in args.repo:
        for label, _ in args.bin:
            check = statistics.median(w for w, _ in times[name, label, "check"])
            for what in ("check", "fix", "fix --apply", "restore --all", "restore, each"):
                got = times.get((name, label, what))
                if not got:
                    continue
                wall, cpu = statistics.median(w for w, _ in got), statistics.median(c for _, c in got)
                print(f"| {name} | {label} | {what} | {wall:.2f} | {cpu:.2f} | {wall / check:.1f} | {len(got)} |")
    print()
    for (name, what, _), digests in sorted(seen.items()):
        same = "identical for every install" if len(digests) == 1 else "DIFFERS: " + ", ".join(sorted(digests))
        print(f"- {name}: {what} {same}")
    if args.json:
        args.json.write_text(json.dumps({" / ".join(k): v for k, v in times.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

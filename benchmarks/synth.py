"""A synthetic research repo of any size, with a real, dated git history, and a scaling table.

    python benchmarks/synth.py build /tmp/synth --files 1000 --experiments 100
    python benchmarks/synth.py table --files 1000,10000 --experiments 100,10000 --runs 3

The repo: `--files` Python modules in packages of 100; one module in ten is a training script with
an argparse parser of eight flags (store_true tricks gated with `if args.x:`, numbers compared in
`elif`s, a choice), the others are model/helper modules with a config dataclass, reads and imports.
`--experiments` YAML files in configs/ each set three to six keys of one script's flags. History:
git fast-import of `--commits` commits with pinned dates two years back to 2026-06-01 (code first,
then edits to one file in twenty and experiment configs in batches), so dates, the window and the
grace period all have work to do. The same arguments always give the same repo.

`table` builds each combination, then times `stalelint check` cold (empty cache), warm and with
one file edited (medians of --runs), and vulture once on the same tree, and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

END = 1780315200  # 2026-06-01T12:00:00Z: the last commit; judge --as-of 2026-06-30
DAY = 86400
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("GIT_")}


def _script(i: int, rng: random.Random, helpers: list[str]) -> str:
    flags = [f"use_trick{i}_{j}" for j in range(4)]
    lines = ["import argparse", *(f"import {h}" for h in helpers), "", "",
             "def get_parser():", "    p = argparse.ArgumentParser()"]
    for f in flags:
        lines.append(f"    p.add_argument('--{f.replace('_', '-')}', action='store_true')")
    lines += [f"    p.add_argument('--lr{i}', type=float, default=0.1)",
              f"    p.add_argument('--depth{i}', type=int, default={rng.randint(2, 48)})",
              f"    p.add_argument('--arch{i}', default='vit', choices=['vit', 'resnet', 'convnext'])",
              f"    p.add_argument('--unused{i}', default=None)",
              "    return p", "", "",
              "def main():", "    args = get_parser().parse_args()", "    model = None"]
    for f in flags:
        lines += [f"    if args.{f}:", f"        model = ('{f}', model)", "        print(model)"]
    lines += [f"    if args.depth{i} > 24:", "        print('deep')", f"    elif args.depth{i} > 12:", "        print('mid')",
              f"    if args.arch{i} == 'resnet':", "        print('resnet')",
              f"    elif args.arch{i} == 'convnext':", "        print('convnext')",
              f"    return args.lr{i} * 2", "", "", "if __name__ == '__main__':", "    main()", ""]
    return "\n".join(lines)


def _module(i: int, rng: random.Random, imports: list[str]) -> str:
    fields = [f"width{j}: int = {rng.randint(1, 512)}" for j in range(3)] + ["dropout: float = 0.1",
                                                                          "norm: str = 'layer'"]
    body = [f"import {m}" for m in imports] + ["from dataclasses import dataclass", "", "",
                                                "@dataclass", f"class Block{i}Config:"]
    body += [f"    {f}" for f in fields] + ["", ""]
    for k in range(rng.randint(2, 6)):
        body += [f"def layer_{i}_{k}(cfg, x):", "    y = x * cfg.width0 + cfg.width1",
                 "    if cfg.dropout > 0:", "        y = y * (1 - cfg.dropout)",
                 "    for _ in range(cfg.width2 % 7):", "        y = y + 1", "    return y", "", ""]
    return "\n".join(body) + "\n"


def _yaml(i: int, script: int, rng: random.Random) -> str:
    keys = [f"use_trick{script}_{rng.randint(0, 1)}: true", f"lr{script}: {rng.choice([0.1, 0.01, 0.003])}",
            f"depth{script}: {rng.choice([6, 12, 30])}", f"arch{script}: {rng.choice(['vit', 'resnet'])}",
            f"seed: {i}"]
    return "\n".join(rng.sample(keys, rng.randint(3, len(keys)))) + "\n"


def build(dest: Path, files: int, experiments: int, commits: int = 40, seed: int = 0) -> Path:
    """Create dest as a git repo as described in the module docstring."""
    rng = random.Random(seed)
    n_scripts = max(1, files // 10)
    paths, texts = [], []
    for i in range(files):
        pkg = f"pkg{i // 100:03d}"
        if i % 10 == 0:
            s = i // 10
            helpers = [f"pkg{(i + 1) // 100:03d}.m{i + 1:05d}"] if i + 1 < files else []
            paths.append(f"{pkg}/train{s:05d}.py")
            texts.append(_script(s, rng, helpers))
        else:
            imports = [f"pkg{(i - 1) // 100:03d}.m{i - 1:05d}"] if (i - 1) % 10 else []
            paths.append(f"{pkg}/m{i:05d}.py")
            texts.append(_module(i, rng, imports))
    inits = sorted({p.split("/")[0] + "/__init__.py" for p in paths})
    exps = [(f"configs/exp{j:06d}.yaml", _yaml(j, rng.randrange(n_scripts), rng)) for j in range(experiments)]

    dest.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=ENV)
    stream: list[bytes] = []
    mark = 0

    def blob(data: str) -> int:
        nonlocal mark
        mark += 1
        raw = data.encode()
        stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(raw), raw))
        return mark

    start = END - 730 * DAY
    step = (END - start) // max(1, commits - 1)
    code_commit = max(1, commits // 4)  # code arrives in the first quarter, experiments after
    per_exp = max(1, -(-len(exps) // max(1, commits - code_commit)))
    done_exp = 0
    prev = None
    for c in range(commits):
        when = start + c * step if c < commits - 1 else END
        changes: list[tuple[str, int]] = []
        if c == 0:
            changes += [(p, blob(t)) for p, t in zip(paths, texts)] + [(p, blob("")) for p in inits]
        elif c < code_commit or c % 3 == 0:  # edits: a new helper line in one file in twenty
            for k in range(c % 20, files, 20 * max(1, commits // 4)):
                texts[k] += f"\n\ndef added_in_commit_{c}():\n    return {c}\n"
                changes.append((paths[k], blob(texts[k])))
        if c >= code_commit:
            for p, t in exps[done_exp: done_exp + per_exp]:
                changes.append((p, blob(t)))
            done_exp += per_exp
        if c == commits - 1:
            changes += [(p, blob(t)) for p, t in exps[done_exp:]]
        mark += 1
        msg = f"commit {c}".encode()
        head = b"commit refs/heads/main\nmark :%d\nauthor Synth <s@lab> %d +0000\ncommitter Synth <s@lab> %d +0000\n" \
               b"data %d\n%s\n" % (mark, when, when, len(msg), msg)
        if prev is not None:
            head += b"from :%d\n" % prev
        stream.append(head + b"".join(b"M 100644 :%d %s\n" % (m, p.encode()) for p, m in changes) + b"\n")
        prev = mark
    subprocess.run(["git", "-C", str(dest), "fast-import", "--quiet"], input=b"".join(stream), check=True, env=ENV)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "-f", "main"], check=True, env=ENV)
    return dest


def _time(cmd: list[str]) -> tuple[float, int, float]:
    """(wall s, peak RSS KiB, user+sys CPU s) of one child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {proc.stderr.read().decode() if proc.stderr else ''}")
    return time.perf_counter() - start, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def table(files: list[int], experiments: list[int], runs: int, stalelint: list[str], vulture: list[str] | None) -> None:
    print("wall seconds (CPU seconds), medians; peak RSS of the cold run", file=sys.stderr)
    print(f"| files | experiments | build s | cold s | warm s | one edited s | vulture s | peak RSS MiB (cold) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in files:
        for m in experiments:
            tmp = Path(tempfile.mkdtemp(prefix="stalelint-synth-"))
            try:
                t0 = time.perf_counter()
                repo = build(tmp / "repo", n, m)
                built = time.perf_counter() - t0
                check = [*stalelint, "check", str(repo), "--as-of", "2026-06-30"]
                edited = repo / "pkg000" / "m00001.py"
                original = edited.read_bytes()
                cold, warm, edit, mem = [], [], [], 0
                for r in range(runs):
                    subprocess.run([*stalelint, "clean", str(repo)], check=True, capture_output=True, env=ENV)
                    got = _time(check)
                    cold.append(got)
                    mem = max(mem, got[1])
                    warm.append(_time(check))
                    edited.write_bytes(original + f"\n# edit {r}\n".encode())
                    edit.append(_time(check))
                    edited.write_bytes(original)

                def med(rows: list[tuple[float, int, float]]) -> str:
                    return f"{statistics.median(r[0] for r in rows):.2f} ({statistics.median(r[2] for r in rows):.2f})"

                vt = med([_time([*vulture, str(repo)])]) if vulture else "-"
                print(f"| {n:,} | {m:,} | {built:.1f} | {med(cold)} | {med(warm)} | {med(edit)} | {vt} | {mem / 1024:.0f} |",
                      flush=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("dest", type=Path)
    b.add_argument("--files", type=int, default=1000)
    b.add_argument("--experiments", type=int, default=100)
    b.add_argument("--commits", type=int, default=40)
    b.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("table")
    t.add_argument("--files", default="1000,10000")
    t.add_argument("--experiments", default="100,10000")
    t.add_argument("--runs", type=int, default=3)
    t.add_argument("--stalelint", default=f"{sys.executable} -m stalelint")
    t.add_argument("--vulture", default=f"{sys.executable} -m vulture", help="'' to skip vulture")
    args = ap.parse_args(argv)
    if args.cmd == "build":
        build(args.dest, args.files, args.experiments, args.commits, args.seed)
        print(args.dest)
    else:
        table([int(x) for x in args.files.split(",")], [int(x) for x in args.experiments.split(",")], args.runs,
              args.stalelint.split(), args.vulture.split() if args.vulture else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

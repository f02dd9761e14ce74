"""Seeded mutations of the fixture repos' own files, for the fuzz tests (tests/test_fuzz.py).

A mutation is a pure function of (rng, bytes, suffix): the same seed makes the same hostile file,
so a failure found in CI can be replayed exactly (`Case.name` says which seed and mutation made it).
"""
from __future__ import annotations

import ast
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUFFIXES = (".py", ".yaml", ".yml", ".json", ".toml", ".gin", ".sh", ".md", ".cfg")


def corpus() -> list[tuple[str, bytes]]:
    """(fixture-relative path, bytes) of every source and config file in fixtures/, sorted."""
    out = []
    for p in sorted(FIXTURES.rglob("*")):
        if p.is_file() and (p.suffix in SUFFIXES or p.name == "Makefile") and ".history" not in p.parts:
            out.append((p.relative_to(FIXTURES).as_posix(), p.read_bytes()))
    return out


@dataclass(frozen=True)
class Case:
    name: str  # "<seed>:<mutation>:<source file>", to replay it
    suffix: str
    data: bytes


def _truncate(rng: random.Random, data: bytes, suffix: str) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip(rng: random.Random, data: bytes, suffix: str) -> bytes:
    b = bytearray(data or b"x")
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


_NASTY = [b"\x00", b"\r", b"\x0c", b"\x0b", b"\x1c", b"\x85", b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbb\xbf",
          b"\xff\xfe", b"\x1b[31m", b"\t", b"\\", b"\"\"\"", b"'''", b"#", b":", b"- ", b"&a ", b"*a", b"!!python/name:os.system",
          b"{", b"}", b"[", b"]", b"(", b")", b"=", b"\\\n", b"%", b"${", b"${oc.env:HOME}", b"\xed\xa0\x80",
          b"\xf0\x9f\x98\x80", b"\xe2\x80\xae", b"`", b"$(", b"'", b'"', b"---\n", b"...\n", b"?", b"@"]


def _insert(rng: random.Random, data: bytes, suffix: str) -> bytes:
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(data) + 1)
        piece = rng.choice(_NASTY) if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        data = data[:i] + piece + data[i:]
    return data


def _splice(rng: random.Random, data: bytes, suffix: str) -> bytes:
    """Delete, duplicate or move a span of lines: code that is broken in the way edits break it."""
    lines = data.splitlines(keepends=True) or [b""]
    a = rng.randrange(len(lines))
    b = rng.randrange(a, min(len(lines), a + 8) + 1)
    span = lines[a:b]
    how = rng.randrange(3)
    if how == 0:
        del lines[a:b]
    elif how == 1:
        lines[b:b] = span
    else:
        del lines[a:b]
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = span
    return b"".join(lines)


def _nest(rng: random.Random, data: bytes, suffix: str) -> bytes:
    n = rng.choice([50, 200, 1000, 3000, 10_000])
    closed = rng.random() < 0.7
    if suffix in (".yaml", ".yml"):
        if rng.random() < 0.5:
            block = b"".join(b"  " * i + b"k%d:\n" % i for i in range(min(n, 3000))) + b"  " * min(n, 3000) + b"x: 1\n"
            return data + b"\n" + block
        return data + b"\ndeep: " + b"[" * n + (b"]" * n if closed else b"") + b"\n"
    if suffix == ".json":
        return b'{"deep": ' + b"[" * n + (b"]" * n if closed else b"") + b"}"
    if suffix == ".toml":
        return data + b"\ndeep = " + b"[" * n + (b"]" * n if closed else b"") + b"\n"
    opener, closer = rng.choice([(b"[", b"]"), (b"(", b")"), (b"{", b"}"), (b"-(", b")"), (b"not (", b")")])
    if rng.random() < 0.3:  # nested blocks rather than brackets
        body = b"".join(b" " * i + b"if x:\n" for i in range(min(n, 200))) + b" " * min(n, 200) + b"pass\n"
        return data + b"\n" + body
    expr = opener * n + b"1" + (closer * n if closed else b"")
    if rng.random() < 0.5:  # chains: deep in the ast (`+`), or flat in ast and deep in libcst (`or`)
        expr = b"a" + rng.choice([b" + a", b" or a", b" and not a", b".b", b"()", b"[0]"]) * n
    return data + b"\ndeep = " + expr + b"\n"


def _huge(rng: random.Random, data: bytes, suffix: str) -> bytes:
    # 4300 digits is Python's default limit for int <-> str conversion; go either side of it
    digits = rng.choice([4299, 4301, 5000, 20_000])
    number = b"1" + b"7" * (digits - 1)
    if rng.random() < 0.5:
        number = b"-" + number
    if rng.random() < 0.3:
        number = number + b".5e" + b"9" * rng.choice([3, 400])
    long_string = b"a" * rng.choice([10_000, 200_000])
    value = number if rng.random() < 0.6 else b'"' + long_string + b'"'
    if suffix == ".json":
        return b'{"big": ' + value + b', "lr": 0.1}'
    if suffix in (".yaml", ".yml"):
        return data + b"\nbig: " + value + b"\n"
    if suffix == ".toml":
        return data + b"\nbig = " + value + b"\n"
    if suffix == ".py":
        return data + b"\nBIG = " + value + b"\nparser_big = " + value + b"\n"
    return data + b"\nbig = " + value + b"\n"


def _encoding(rng: random.Random, data: bytes, suffix: str) -> bytes:
    text = data.decode("utf-8", "replace")
    how = rng.randrange(8)
    if how == 0:  # latin-1 with a cookie that says so
        body = text.replace("lr", "l\u00e9r").encode("latin-1", "replace")
        return b"# -*- coding: latin-1 -*-\n" + body
    if how == 1:  # latin-1 bytes without the cookie
        return ("# caf\u00e9\n" + text).encode("latin-1", "replace")
    if how == 2:  # UTF-16 with BOM
        return text.encode("utf-16")
    if how == 3:  # UTF-16 without BOM, but a cookie in it
        return ("# -*- coding: utf-16-le -*-\n" + text).encode("utf-16-le")
    if how == 4:  # a cookie naming no codec
        return b"# -*- coding: " + rng.choice([b"no-such-codec", b"utf-42", b"rot13", b"base64", b"hex", b"zlib",
                                              b"undefined", b"unicode_escape", b"idna", b"punycode"]) + b" -*-\n" + data
    if how == 5:  # BOM plus a cookie that contradicts it
        return b"\xef\xbb\xbf# coding: latin-1\n" + data
    if how == 6:  # cookie on line 2 after a shebang, cp1252 smart quotes in a string
        return b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n" + data + b"\nQ = '\x93q\x94'\n"
    return b"# coding=utf-8\n" + text.encode("utf-8") + b"\nS = '\xe9'\n"  # cookie says utf-8, bytes are not


def _line_endings(rng: random.Random, data: bytes, suffix: str) -> bytes:
    how = rng.randrange(4)
    if how == 0:
        return data.replace(b"\n", b"\r\n")
    if how == 1:
        return data.replace(b"\n", b"\r")
    if how == 2:  # mixed
        return b"".join(line + rng.choice([b"\n", b"\r\n", b"\r", b"\n\r"]) for line in data.split(b"\n"))
    # unicode line breaks that str.splitlines() splits on but Python's tokenizer does not
    seps = [b"\x0c", b"\x0b", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9"]
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        j = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:j] + rng.choice(seps) + lines[i][j:]
    return b"\n".join(lines)


def _indent(rng: random.Random, data: bytes, suffix: str) -> bytes:
    lines = data.split(b"\n")
    out = []
    for line in lines:
        stripped = line.lstrip(b" ")
        n = len(line) - len(stripped)
        if n and rng.random() < 0.5:
            line = (b"\t" * (n // 4) + b" " * (n % 4)) if rng.random() < 0.5 else b" " * (n // 4) + b"\t" * (n // 4 + 1)
            line += stripped
        out.append(line)
    return b"\n".join(out)


_UNICODE_NAMES = ["\u03bb", "\u00e9t\u00e9", "\u0434\u0430\u043d\u043d\u044b\u0435", "\u5b66\u4e60\u7387",
                  "\ufb01le", "\u212bngstrom", "x\u0301", "\U0001d4c1\U0001d4c7", "\u2160", "a\u200db", "_\u00b2"]


def _unicode_names(rng: random.Random, data: bytes, suffix: str) -> bytes:
    text = data.decode("utf-8", "replace")
    words = sorted(set(re.findall(r"\b[a-z_][a-z_0-9]{2,}\b", text)))
    for w in rng.sample(words, min(len(words), rng.randint(1, 4))):
        text = re.sub(rf"\b{w}\b", w + rng.choice(_UNICODE_NAMES), text)
    return text.encode("utf-8")


def _nul(rng: random.Random, data: bytes, suffix: str) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\x00" * rng.randint(1, 3) + data[i:]


def _empty(rng: random.Random, data: bytes, suffix: str) -> bytes:
    return rng.choice([b"", b"\n", b" ", b"\xef\xbb\xbf", b"\r\n\r\n", b"#", b"\x00", b"---", b"{}", b"[]", b"null",
                       b"~", b"\"\"", b"0"])


def _garbage(rng: random.Random, data: bytes, suffix: str) -> bytes:
    n = rng.choice([1, 16, 512, 4096])
    return bytes(rng.randrange(256) for _ in range(n))


MUTATIONS = {
    "truncate": _truncate, "flip": _flip, "insert": _insert, "splice": _splice, "nest": _nest, "huge": _huge,
    "encoding": _encoding, "line_endings": _line_endings, "indent": _indent, "unicode_names": _unicode_names,
    "nul": _nul, "empty": _empty, "garbage": _garbage,
}
# byte noise finds the parser errors; the structured ones are the inputs that reach the extractors
WEIGHTS = {"truncate": 3, "flip": 3, "insert": 3, "splice": 3, "nest": 2, "huge": 1, "encoding": 2,
           "line_endings": 3, "indent": 2, "unicode_names": 3, "nul": 1, "empty": 1, "garbage": 1}


def cases(seed: int, count: int, files: list[tuple[str, bytes]] | None = None) -> list[Case]:
    """`count` mutated files, each from one corpus file and one or two mutations."""
    rng = random.Random(seed)
    files = files or corpus()
    names = list(MUTATIONS)
    weights = [WEIGHTS[n] for n in names]
    out = []
    for i in range(count):
        rel, data = files[rng.randrange(len(files))]
        suffix = Path(rel).suffix or ".sh"
        chosen = rng.choices(names, weights, k=1 if rng.random() < 0.7 else 2)
        for m in chosen:
            data = MUTATIONS[m](rng, data, suffix)
        out.append(Case(f"{seed}:{i}:{'+'.join(chosen)}:{rel}", suffix, data))
    return out


def parses(data: bytes) -> bool:
    """Whether CPython itself would accept these bytes as a module (an oracle for STL901/902)."""
    try:
        ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError, LookupError):
        return False
    return True


def config_reads(suffix: str, data: bytes) -> bool:
    """Whether a plain reader accepts this config file (an oracle for STL902/903)."""
    if re.search(rb"^[ \t\f]*#.*?coding[:=]", b"\n".join(data.split(b"\n", 2)[:2]), re.MULTILINE):
        return True  # stalelint honours a PEP 263 cookie in any file; TOML and YAML say UTF-8 only
    try:
        text = data.decode("utf-8")
        if suffix in (".yaml", ".yml"):
            yaml.safe_load(text)
        elif suffix == ".json":
            json.loads(text)
        elif suffix == ".toml":
            tomllib.loads(text)
        else:
            return True
    except Exception:  # noqa: BLE001 - any failure of the plain reader means "bad file"
        return False
    return True


# A script no mutation touches, defining a flag nothing reads: its STL101 finding must survive every
# batch, which shows the files around the hostile ones were still analysed.
SENTINEL_PATH = "zz_fuzz_sentinel.py"
SENTINEL_NAME = "fuzz_sentinel_unread"
SENTINEL = (b"import argparse\n\nparser = argparse.ArgumentParser()\n"
            b"parser.add_argument('--fuzz-sentinel-unread', type=int, default=3)\n"
            b"parser.add_argument('--fuzz-sentinel-read', type=int, default=3)\n"
            b"args = parser.parse_args()\nprint(args.fuzz_sentinel_read)\n")


def targets(batch: list[Case], in_place: int) -> list[tuple[str, Case]]:
    """Where each case goes in its repo: the first `in_place` replace the file they came from (so the
    mutated file plays its real part: a Hydra tree, the script a config names); the rest are added
    beside it under a new name. Each path is used once."""
    out: dict[str, Case] = {}
    for i, case in enumerate(batch):
        rel = case.name.split(":", 3)[3].split("/", 1)[1]  # path inside its fixture
        if i >= in_place:
            folder, _, name = rel.rpartition("/")
            rel = f"{folder}/fz{i}_{name}" if folder else f"fz{i}_{name}"
        out.setdefault(rel, case)
    return list(out.items())


def place(repo: Path, batch: list[tuple[str, Case]]) -> None:
    for rel, case in batch:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(case.data)
    (repo / SENTINEL_PATH).write_bytes(SENTINEL)


def snapshot(repo: Path) -> dict[str, bytes]:
    out = {}
    for p in repo.rglob("*"):
        rel = p.relative_to(repo)
        if rel.parts[0] in (".git", ".stalelint_cache") or p.is_symlink() or not p.is_file():
            continue
        out[rel.as_posix()] = p.read_bytes()
    return out


def diff_paths(output: str) -> set[str]:
    """The files a `stalelint fix` diff says it changes."""
    return set(re.findall(r"^diff --git a/(.+?) b/", output, re.MULTILINE))

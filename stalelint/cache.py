"""The per-file index cache in `.stalelint_cache/` at the repo root.

Layout (the folder ignores itself through its own `.gitignore`, so `git status` stays clean):

    .stalelint_cache/
      .gitignore          `*`
      CACHEDIR.TAG        so backup tools skip it
      stat.json           path -> (size, mtime_ns, inode, ctime_ns, content hash): lets a warm run
                          skip reading files whose stat has not changed
      index/<key>.json    one FileIndex; key = hash(fingerprint, path, content hash)
      facts.json          small per-file facts in one file, by the same kind of key: the settings
                          an experiment config gave, whether a YAML file is a sweep plan (10k
                          experiment configs were 10k entry files to open on every run)
      history/v2-<head>.json  the `git log` dates of HEAD (see history.py)
      records/<source>.json   raw run records of a tracker source (MLflow's file store), each under
                          the stat stamp of the files it came from: unchanged runs are not read again
      history/young-<key>.json which lines of clean tracked files are younger than the window start,
                          for the latest window only; key = hash(the window's commits, which of them
                          are inside it, line_ages.py's source)

Format: JSON of plain data, not pickle. The cache sits inside the analysed repo, where anyone who
can commit can plant files; unpickling runs code named by the data, so a planted pickle would run
on every `stalelint check`, and no checksum prevents that (an attacker computes it too). `json.loads`
only ever builds dicts, lists, strings and numbers; records are rebuilt from an allow-list of model
classes with their field types checked. Each file starts with a header line
(`stalelint-cache <format> <fingerprint> <blake2b of the payload>`): a truncated, corrupt or
foreign file fails it and is treated as a miss, re-indexed and rewritten. Writes go to a temp file
and `os.replace`, so a reader never sees half a file, and two concurrent runs at worst both write.

The fingerprint covers the stalelint version, the format, and the source of the extraction code
itself (model.py, index/*.py, this file): an editable install whose extractor changed never serves
records the old code made. Extraction is a pure function of (path, content) today, so no settings
enter the key; `extraction_settings` is where one goes when that changes.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import fields
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from . import __version__
from .model import UNKNOWN, FileIndex, Gate, Knob, LazyReads, Problem, Read, Setting, Suppression

DIRNAME = ".stalelint_cache"
FORMAT = "2"
_MAGIC = "stalelint-cache"
# a stat entry is trusted only for files last changed at least this long before it was recorded:
# a file written again within the same timestamp tick would otherwise keep an old stat-key
_RACY_NS = 2_000_000_000


class Corrupt(ValueError):
    """A cache file that fails validation; it is ignored and rebuilt."""


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def extraction_settings(settings: Any) -> tuple:
    """The settings that change what `index_file` returns for a file: none yet."""
    return ()


def fingerprint(settings: Any = None) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{FORMAT}\0{extraction_settings(settings)!r}\0".encode())
    here = Path(__file__).resolve().parent
    for src in [here / "model.py", here / "cache.py", here / "names.py", *sorted((here / "evidence").glob("*.py")),
                *sorted((here / "index").glob("*.py"))]:
        try:
            h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
        except OSError:  # installed without sources (zipapp, frozen): the version alone decides
            h.update(src.name.encode() + b"\0?\0")
    return h.hexdigest()


# ---- files with a checked header --------------------------------------------------------------

def _pack(fp: str, payload: Any) -> bytes:
    # a lone surrogate is a valid Python string (`"\ud800"` in code, a file name of bytes that are no
    # UTF-8, decoded with surrogateescape): kept as it is, not a crash
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    return f"{_MAGIC} {FORMAT} {fp} {content_hash(body)}\n".encode() + body


def _unpack(raw: bytes, fp: str) -> Any:
    head, sep, body = raw.partition(b"\n")
    parts = head.decode("ascii", "replace").split(" ")
    if not sep or len(parts) != 4 or parts[0] != _MAGIC or parts[1] != FORMAT or parts[2] != fp:
        raise Corrupt("foreign or old header")
    if parts[3] != content_hash(body):
        raise Corrupt("checksum mismatch (truncated or corrupt)")
    try:
        return json.loads(body.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Corrupt(str(exc)) from None


def _write_atomic(path: Path, data: bytes) -> None:
    # a name no other process uses (pid + clock), created exclusively; `tempfile` would do the
    # same but costs its import (random, ...) on every run
    tmp = path.parent / f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:  # even Ctrl-C: remove the temp file, then let it propagate
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---- records <-> plain data ---------------------------------------------------------------------

_RECORDS = {cls.__name__: cls for cls in (FileIndex, Knob, Read, Gate, Suppression, Problem, Setting)}
_FIELDS = {name: tuple(f.name for f in fields(cls)) for name, cls in _RECORDS.items()}
# the field annotations that are plain types are checked on load; the others hold values
_CHECK = {name: tuple({"str": str, "int": int, "bool": bool}.get(str(f.type)) for f in fields(cls))
          for name, cls in _RECORDS.items()}
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_SET = frozenset(_SCALARS)
_SAME = frozenset({str, int, bool})  # the types a column stored once may have
_LIST = frozenset({list})


def encode(value: Any) -> Any:
    """Plain JSON data for a record or a literal value. Tuples are JSON lists (records are made of
    tuples); every other container is tagged: {"list": [...]}, {"dict": [[k, v], ...]}, ..."""
    t = type(value)
    if t in _SCALARS:
        return value
    if t is LazyReads:
        value, t = value.records(), tuple
    if t is tuple:
        kind = type(value[0]) if value else None
        if kind is not None and kind.__name__ in _RECORDS and _RECORDS[kind.__name__] is kind \
                and all(type(v) is kind for v in value):
            # a run of records of one class (a file's reads, knobs, ...) is stored by column:
            # smaller, and rebuilt with one C-level map() instead of a decode call per record.
            # A column of one scalar throughout (every read's path) is stored once: {"same": v}
            columns: list[Any] = [len(value)]
            for f in _FIELDS[kind.__name__]:
                column = [getattr(v, f) for v in value]
                first = column[0]
                if len(column) > 1 and type(first) in _SAME and all(type(c) is type(first) and c == first for c in column):
                    columns.append({"same": first})
                else:
                    columns.append([encode(c) for c in column])
            return {"@" + kind.__name__ + "*": columns}
        return [encode(v) for v in value]
    if value is UNKNOWN:
        return {"unknown": 0}
    if t.__name__ in _RECORDS and _RECORDS[t.__name__] is t:
        return {"@" + t.__name__: [encode(getattr(value, f)) for f in _FIELDS[t.__name__]]}
    if t is list:
        return {"list": [encode(v) for v in value]}
    if t is dict:
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if t is set or t is frozenset:
        return {t.__name__: [encode(v) for v in value]}
    if t is bytes:
        return {"bytes": value.hex()}
    if t is complex:
        return {"complex": [value.real, value.imag]}
    if value is Ellipsis:
        return {"ellipsis": 0}
    raise TypeError(f"cannot cache a {t.__name__}")


def decode(data: Any) -> Any:
    t = type(data)
    if t in _SCALARS:
        return data
    if t is list:
        kinds = set(map(type, data))
        if kinds <= _SCALAR_SET:
            return tuple(data)
        if kinds == _LIST and set(map(type, chain.from_iterable(data))) <= _SCALAR_SET:
            return tuple(map(tuple, data))  # a list of flat lists (parameters, spans): no call per item
        return tuple([decode(v) for v in data])
    if t is not dict or len(data) != 1:
        raise Corrupt(f"unexpected {t.__name__}")
    (tag, inner), = data.items()
    if tag[:1] == "@" and tag[-1:] == "*":
        name = tag[1:-1]
        if name not in _RECORDS or type(inner) is not list or len(inner) != len(_FIELDS[name]) + 1 \
                or type(inner[0]) is not int or inner[0] < 1:
            raise Corrupt(f"bad records {tag}")
        count = inner[0]
        lazy = name == "Read"  # columns kept as they are, records made on first walk
        columns: list[Any] = []
        for column, want in zip(inner[1:], _CHECK[name]):
            if type(column) is dict:
                if len(column) != 1 or type(column.get("same")) not in _SAME \
                        or (want is not None and type(column["same"]) is not want):
                    raise Corrupt(f"bad column in {tag}")
                columns.append([column["same"]] * count if lazy else repeat(column["same"], count))
                continue
            if type(column) is not list or len(column) != count:
                raise Corrupt(f"bad records {tag}")
            kinds = set(map(type, column))
            if want is not None and kinds - {want}:
                raise Corrupt(f"bad field type in {tag}")
            if kinds <= _SCALAR_SET:
                columns.append(column)
            elif kinds == _LIST and set(map(type, chain.from_iterable(column))) <= _SCALAR_SET:
                columns.append(list(map(tuple, column)))  # (line, line) spans, alias lists: no call per value
            else:
                columns.append([decode(v) for v in column])
        if lazy:
            return LazyReads(count, columns)
        return tuple(map(_RECORDS[name], *columns))
    if tag[:1] == "@":
        name = tag[1:]
        if name not in _RECORDS or type(inner) is not list or len(inner) != len(_FIELDS[name]):
            raise Corrupt(f"bad record {tag}")
        values = [v if type(v) in _SCALARS else decode(v) for v in inner]
        for v, want in zip(values, _CHECK[name]):
            if want is not None and type(v) is not want:
                raise Corrupt(f"bad field type in {tag}")
        return _RECORDS[name](*values)
    if tag in ("unknown", "ellipsis"):
        return UNKNOWN if tag == "unknown" else Ellipsis
    if tag == "bytes" and type(inner) is str:
        try:
            return bytes.fromhex(inner)
        except ValueError:
            raise Corrupt("bad bytes") from None
    if type(inner) is not list:
        raise Corrupt(f"bad {tag}")
    items = [decode(v) for v in inner]
    try:
        if tag == "list":
            return items
        if tag == "dict":
            return {k: v for k, v in items}
        if tag == "set":
            return set(items)
        if tag == "frozenset":
            return frozenset(items)
        if tag == "complex":
            return complex(*items)
    except (TypeError, ValueError):  # unhashable key, wrong arity
        raise Corrupt(f"bad {tag}") from None
    raise Corrupt(f"unknown tag {tag!r}")


# ---- the index cache ------------------------------------------------------------------------------

class IndexCache:
    """Lookups by stat (no read), then by content hash; stores what was indexed anew."""

    def __init__(self, root: Path, settings: Any = None):
        self.dir = root / DIRNAME
        self._index_dir = os.path.join(self.dir, "index")
        self.fp = fingerprint(settings)
        self.stats: dict[str, list] = {}
        self._stats_changed = False
        self.hits = self.misses = self.stat_hits = 0
        self._used: set[str] = set()  # entry file names this run read or wrote
        self._present: set[str] = set()  # files hashed through file_hash (kept in the stat table)
        self._wrote = False
        self._dirs_made = False
        self._writable = True
        self._facts: dict[str, Any] | None = None  # facts.json, read on first use
        self._facts_used: set[str] = set()
        self._facts_changed = False
        self._memos: list[RecordMemo] = []
        self._load_stats()

    def _load_stats(self) -> None:
        try:
            data = _unpack((self.dir / "stat.json").read_bytes(), "stat")
        except (OSError, Corrupt):
            return
        if type(data) is not dict:
            return
        for rel, entry in data.items():
            if type(entry) is list and len(entry) == 5 and all(type(x) is int for x in entry[:4]) \
                    and type(entry[4]) is str:
                self.stats[rel] = entry

    @staticmethod
    def _stat_key(st: os.stat_result) -> list:
        return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]

    def known_hash(self, rel: str, st: os.stat_result) -> str | None:
        """The content hash of a file whose stat is unchanged since it was hashed, else None."""
        entry = self.stats.get(rel)
        if entry is not None and entry[:4] == self._stat_key(st):
            self.stat_hits += 1
            return entry[4]
        return None

    def remember(self, rel: str, st: os.stat_result, digest: str) -> None:
        recorded = time.time_ns()
        if max(st.st_mtime_ns, st.st_ctime_ns) > recorded - _RACY_NS:
            if rel in self.stats:  # too fresh to trust its stat: hash it again next time
                del self.stats[rel]
                self._stats_changed = True
            return
        entry = self._stat_key(st) + [digest]
        if self.stats.get(rel) != entry:
            self.stats[rel] = entry
            self._stats_changed = True

    # plain strings and os calls, not pathlib, on these per-file paths: with 10k experiment
    # configs, pathlib's joins were a quarter of a warm run
    def _entry_name(self, rel: str, digest: str, kind: str = "index") -> str:
        key = hashlib.blake2b(f"{self.fp}\0{kind}\0{rel}\0{digest}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return f"{key}.json"

    def _entry(self, rel: str, digest: str, kind: str = "index") -> Path:
        return self.dir / "index" / self._entry_name(rel, digest, kind)

    def _read_entry(self, name: str) -> Any:
        """The decoded payload of an index/ entry; raises OSError or Corrupt."""
        with open(os.path.join(self._index_dir, name), "rb") as fh:
            raw = fh.read()
        try:
            return decode(_unpack(raw, self.fp))
        except RecursionError:
            raise Corrupt("too deeply nested") from None

    def file_hash(self, root: Path, rel: str, max_size: float = float("inf")) -> str | None:
        """A file's content hash: from the stat table when its stat is unchanged, else read. None
        for a file over max_size (it is never read, so never hashed) or one that cannot be read."""
        full = os.path.join(root, rel)
        try:
            st = os.stat(full)
            if st.st_size > max_size:
                return None
            digest = self.known_hash(rel, st)
            if digest is None:
                with open(full, "rb") as fh:
                    digest = content_hash(fh.read())
                self.remember(rel, st, digest)
        except OSError:
            return None
        self._present.add(rel)
        return digest

    def _load_facts(self) -> dict[str, Any]:
        if self._facts is None:
            self._facts = {}
            try:
                data = _unpack((self.dir / "facts.json").read_bytes(), self.fp)
            except (OSError, Corrupt):
                data = None
            if type(data) is dict:
                self._facts = data
        return self._facts

    def _fact(self, name: str) -> Any:
        """The decoded fact stored under an entry name; raises KeyError or Corrupt."""
        try:
            return decode(self._load_facts()[name])
        except RecursionError:
            raise Corrupt("too deeply nested") from None

    def _store_fact(self, name: str, value: Any) -> None:
        try:
            encoded = encode(value)
        except (TypeError, RecursionError):  # a YAML date, or nesting past the stack: redo it every time
            return
        facts = self._load_facts()
        if facts.get(name) != encoded:
            facts[name] = encoded
            self._facts_changed = True
        self._facts_used.add(name)

    def is_sweep(self, rel: str, digest: str) -> bool | None:
        """Whether a YAML file of this content is a sweep plan, when a run found out before."""
        name = self._entry_name(rel, digest, "sweep")
        try:
            verdict = self._fact(name)
        except (KeyError, Corrupt):
            return None
        if type(verdict) is not bool:
            return None
        self._facts_used.add(name)
        return verdict

    def store_sweep(self, rel: str, digest: str, verdict: bool) -> None:
        self._store_fact(self._entry_name(rel, digest, "sweep"), verdict)

    def load_settings(self, rel: str, digest: str) -> tuple[bool, tuple[list[Setting] | None, list[str], Problem | None]]:
        """(hit, what reading the config file gave: its settings or None, the files it inherits
        from, its problem or None)."""
        name = self._entry_name(rel, digest, "settings")
        miss: tuple[bool, tuple[list[Setting] | None, list[str], Problem | None]] = (False, (None, [], None))
        try:
            data = self._fact(name)
        except (KeyError, Corrupt):
            return miss
        if type(data) is not tuple or len(data) != 3:
            return miss
        found, parents, problem = data
        if not (found is None or (type(found) is tuple and all(type(x) is Setting for x in found))) \
                or not (type(parents) is tuple and all(type(x) is str for x in parents)) \
                or not (problem is None or type(problem) is Problem):
            return miss
        self._facts_used.add(name)
        return True, (list(found) if found is not None else None, list(parents), problem)

    def store_settings(self, rel: str, digest: str, found: list[Setting] | None, parents: list[str],
                       problem: Problem | None) -> None:
        self._store_fact(self._entry_name(rel, digest, "settings"),
                         (tuple(found) if found is not None else None, tuple(parents), problem))

    def load(self, rel: str, digest: str) -> FileIndex | None:
        name = self._entry_name(rel, digest)
        try:
            record = self._read_entry(name)
        except (OSError, Corrupt):
            record = None
        if not isinstance(record, FileIndex) or record.path != rel:
            self.misses += 1
            return None
        self.hits += 1
        self._used.add(name)
        return record

    def store(self, rel: str, digest: str, record: FileIndex) -> None:
        self._write(self._entry(rel, digest), record)

    def _write(self, path: Path, record: Any) -> None:
        if not self._writable:
            return
        try:
            data = _pack(self.fp, encode(record))
        except (TypeError, RecursionError):  # a value of a type the format does not hold (a YAML date),
            return  # or nested deeper than Python's stack: redo it every time
        try:
            if not self._dirs_made:  # once a run, not once per entry
                ensure_dir(self.dir)
                path.parent.mkdir(exist_ok=True)
                self._dirs_made = True
            _write_atomic(path, data)
            self._used.add(path.name)
            self._wrote = True
        except OSError:
            self._writable = False  # a read-only checkout: run without writing, say nothing

    def seen(self, rel: str) -> None:
        """rel exists in this run (its stat entry is kept)."""
        self._present.add(rel)

    def records(self, source: str, version: str) -> "RecordMemo":
        """The memo of a tracker source's raw run records, written by save()."""
        memo = RecordMemo(self.dir.parent, source, version, writable=self._writable)
        self._memos.append(memo)
        return memo

    def save(self) -> None:
        """Write the stat table (dropping files this run did not see) when it changed."""
        for memo in self._memos:
            memo.save()
        gone = [rel for rel in self.stats if rel not in self._present]
        for rel in gone:
            del self.stats[rel]
        if self._wrote:
            self._prune()
        self._save_facts()
        if not (self._stats_changed or gone) or not self._writable:
            return
        try:
            ensure_dir(self.dir)
            _write_atomic(self.dir / "stat.json", _pack("stat", self.stats))
        except OSError:
            self._writable = False

    def _save_facts(self) -> None:
        """Write facts.json when this run added to it. Facts this run did not use are dropped once
        they are as many as those it did, as index entries are (see _prune)."""
        if not self._facts_changed or not self._writable or self._facts is None:
            return
        unused = [n for n in self._facts if n not in self._facts_used]
        if len(unused) >= len(self._facts_used):
            for name in unused:
                del self._facts[name]
        try:
            ensure_dir(self.dir)
            _write_atomic(self.dir / "facts.json", _pack(self.fp, self._facts))
        except OSError:
            self._writable = False

    def _prune(self) -> None:
        """Drop entries this run did not use once they are as many as those it did (old versions
        of edited files, records of an older stalelint). Only after a run that wrote entries, so a
        warm run never lists the folder; entries of another branch survive while they are fewer
        than the current ones."""
        try:
            names = os.listdir(self.dir / "index")
        except OSError:
            return
        stale = [n for n in names if n not in self._used]
        if len(stale) < len(self._used):
            return
        for name in stale:
            try:
                os.unlink(self.dir / "index" / name)
            except OSError:
                pass


def ensure_dir(cache_dir: Path) -> None:
    """Create the cache folder with the `.gitignore` that hides it from git."""
    if (cache_dir / ".gitignore").is_file():
        return
    cache_dir.mkdir(exist_ok=True)
    _write_atomic(cache_dir / ".gitignore", b"# created by stalelint; the whole folder is a cache\n*\n")
    _write_atomic(cache_dir / "CACHEDIR.TAG", b"Signature: 8a477f597d28d172789f06886806bc55\n"
                                              b"# stalelint's cache; see https://bford.info/cachedir/\n")


class RecordMemo:
    """Raw records of one tracker source kept between runs, each under a stamp (the stats of the
    files it was read from): a run whose stamp is unchanged is not read again. A store of 10,000
    MLflow runs is 200,000 small files to open on every check otherwise. Loaded on first use,
    written when it changed; records this run did not ask for are dropped. The caller validates
    what it gets back (the file sits in the repo, like every cache file)."""

    def __init__(self, root: Path, source: str, version: str, writable: bool = True):
        self.root, self.name = root, f"records/{source}.json"
        self.fp = f"records-{source}-{version}-{__version__}"
        self.writable = writable
        self._data: dict[str, Any] | None = None
        self._seen: set[str] = set()
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            data = load_json(self.root, self.name, self.fp)
            self._data = data if type(data) is dict else {}
        return self._data

    def get(self, key: str, stamp: list) -> Any:
        """The record stored under key with this very stamp, else None."""
        entry = self._load().get(key)
        self._seen.add(key)
        if type(entry) is list and len(entry) == 2 and entry[0] == stamp:
            return entry[1]
        return None

    def put(self, key: str, stamp: list, record: Any, newest_ns: int) -> None:
        """Keep a record unless one of its files changed too recently for its stat to be trusted
        (a rewrite within the same timestamp tick would keep the stamp)."""
        self._seen.add(key)
        if newest_ns > time.time_ns() - _RACY_NS:
            return
        self._load()[key] = [stamp, record]
        self._changed = True

    def save(self) -> None:
        if self._data is None:
            return
        gone = [k for k in self._data if k not in self._seen]
        for k in gone:
            del self._data[k]
        if (self._changed or gone) and self.writable:
            save_json(self.root, self.name, self.fp, self._data)


def load_json(root: Path, name: str, fp: str) -> Any:
    """A checked plain-data file from the cache (history dates), or None."""
    try:
        return _unpack((root / DIRNAME / name).read_bytes(), fp)
    except (OSError, Corrupt):
        return None


def save_json(root: Path, name: str, fp: str, payload: Any) -> None:
    path = root / DIRNAME / name
    try:
        ensure_dir(root / DIRNAME)
        path.parent.mkdir(exist_ok=True)
        _write_atomic(path, _pack(fp, payload))
    except OSError:
        pass  # read-only checkout: the cache is an optimisation


def clean(root: Path) -> bool:
    """Remove the cache folder; True when there was one."""
    target = root / DIRNAME
    if target.is_symlink():
        target.unlink()
        return True
    if not target.is_dir():
        return False
    import shutil

    shutil.rmtree(target)
    return True

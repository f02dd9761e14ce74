"""The graveyard: a committed record of every knob a fix removed, and how to bring it back.

One JSON object per line in `.stalelint/graveyard.jsonl`: adding entries never changes the lines
already there, two branches that each remove a knob merge without conflict (two added lines), and
`grep use_ema` finds an entry. Restoring marks an entry restored; it is never deleted.

The file is written whole (temp file and rename) in the same transaction as the files a fix or a
restore changes (fix/write.py), never appended to in place: an append killed mid-write leaves a torn
last line, a rename cannot. So the reader stays strict: a line that is not JSON was made by hand or
by a merge, and is reported rather than skipped (skipping would lose the record of a removal).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from .fix.chain import Chain
from .fix.patch import patch_paths, removed_ranges, unified
from .fix.write import text_of, write_together
from .model import FixOutcome
from .names import show

PATH = ".stalelint/graveyard.jsonl"


class GraveyardError(Exception):
    """The graveyard cannot be read or an entry cannot be restored; the message says why."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=120)


def _blob(root: Path, text: str) -> str | None:
    """Store a file version in git's object database, so a later restore can merge against it."""
    r = _git(root, "hash-object", "-w", "--stdin", stdin=text.encode("utf-8"))
    return r.stdout.decode().strip() if r.returncode == 0 else None


def _blobs(root: Path, texts: list[str]) -> dict[str, str | None]:
    """`_blob` of many texts with one git process (a fix of 250 knobs stores ~500 versions)."""
    unique = list(dict.fromkeys(texts))
    if len(unique) < 2:
        return {t: _blob(root, t) for t in unique}
    with tempfile.TemporaryDirectory(prefix="stalelint-blobs-") as tmp:
        paths = []
        for n, text in enumerate(unique):
            p = Path(tmp) / str(n)
            p.write_bytes(text.encode("utf-8"))
            paths.append(str(p))
        # --no-filters: stored as given, as `--stdin` stores it
        r = _git(root, "hash-object", "-w", "--no-filters", "--stdin-paths", stdin=os.fsencode("\n".join(paths)) + b"\n")
    ids = r.stdout.decode().split() if r.returncode == 0 else []
    if len(ids) != len(unique):
        return {t: _blob(root, t) for t in unique}
    return dict(zip(unique, ids))


def head(root: Path) -> str | None:
    r = _git(root, "rev-parse", "HEAD")
    return r.stdout.decode().strip() if r.returncode == 0 else None


def introduced(root: Path, path: str, line: int | None) -> dict[str, str] | None:
    """Who wrote the definition line and when (git blame of HEAD)."""
    if not line:
        return None
    r = _git(root, "blame", "--porcelain", "-L", f"{line},{line}", "HEAD", "--", path)
    if r.returncode != 0:
        return None
    info: dict[str, str] = {}
    lines = r.stdout.decode("utf-8", "replace").splitlines()
    if lines:
        info["commit"] = lines[0].split(" ")[0]
    for ln in lines[1:]:
        _author(info, ln)
    return info


def _author(info: dict[str, str], line: str) -> None:
    key, _, value = line.partition(" ")
    if key == "author":
        info["author"] = value
    elif key == "author-mail":
        info["email"] = value.strip("<>")
    elif key == "author-time":
        info["date"] = dt.datetime.fromtimestamp(int(value), tz=dt.timezone.utc).isoformat()


def introduced_lines(root: Path, path: str, lines: set[int]) -> dict[int, dict[str, str]] | None:
    """`introduced` of several lines of one file with one `git blame`; None when it fails (a line
    past the end, a file not in HEAD), and then each line is asked on its own."""
    args = [a for n in sorted(lines) for a in ("-L", f"{n},{n}")]
    r = _git(root, "blame", "--porcelain", *args, "HEAD", "--", path)
    if r.returncode != 0:
        return None
    infos: dict[str, dict[str, str]] = {}  # commit -> who and when (told once, at its first line)
    owner: dict[int, str] = {}
    current: dict[str, str] | None = None
    for ln in r.stdout.decode("utf-8", "replace").splitlines():
        if ln.startswith("\t"):
            current = None  # the line's text ends its header
            continue
        head = ln.split(" ")
        if current is None and len(head) >= 3 and len(head[0]) >= 40 and head[1].isdigit() and head[2].isdigit():
            owner[int(head[2])] = head[0]
            current = infos.setdefault(head[0], {"commit": head[0]})
            continue
        if current is not None:
            _author(current, ln)
    if set(owner) != lines:
        return None
    return {n: dict(infos[c]) for n, c in owner.items()}


def entries_for(root: Path, outcomes: list[FixOutcome], removed_in: str | None,
                now: dt.datetime) -> list[dict[str, Any]]:
    """An entry per made fix: its file versions stored with one git process, its definition's
    author found with one `git blame` per file."""
    blobs = _blobs(root, [t for o in outcomes for p in sorted(o.after) for t in (o.before[p], o.after[p])])
    wanted: dict[str, set[int]] = {}
    for o in outcomes:
        if o.fix.introduced_line:
            wanted.setdefault(o.fix.finding.path, set()).add(o.fix.introduced_line)
    blamed = _blame_all(root, wanted)
    out = []
    for o in outcomes:
        path, line = o.fix.finding.path, o.fix.introduced_line
        found = blamed.get(path)
        who = (found.get(line) if found is not None else introduced(root, path, line)) if line else None
        out.append(entry_for(root, o, removed_in, now, blobs, who))
    return out


def _blame_all(root: Path, wanted: dict[str, set[int]]) -> dict[str, dict[int, dict[str, str]] | None]:
    """`introduced_lines` of each file, several `git blame`s at once: one a file is mostly git
    starting and reading history while this process waits (1,000 files of synth1k: 5.7 s one after
    another, over a fifth of its `fix --apply`). Each answer is the same whatever runs beside it."""
    if len(wanted) < 2:
        return {path: introduced_lines(root, path, lines) for path, lines in wanted.items()}
    from concurrent.futures import ThreadPoolExecutor

    from .parse_pool import workers

    # twice the cores: half of a blame's time is process start-up, not CPU (4 on 2 cores: 2.2x)
    with ThreadPoolExecutor(max_workers=min(len(wanted), 2 * workers())) as pool:
        return dict(zip(wanted, pool.map(lambda item: introduced_lines(root, *item), wanted.items())))


_ASK = object()


def entry_for(root: Path, outcome: FixOutcome, removed_in: str | None, now: dt.datetime,
              blobs: dict[str, str | None] | None = None, who: Any = _ASK) -> dict[str, Any]:
    fix, f = outcome.fix, outcome.fix.finding
    files, removed_text, patch = [], {}, []
    blob = (lambda text: blobs[text]) if blobs is not None else (lambda text: _blob(root, text))
    for path in sorted(outcome.after):
        before, after = outcome.before[path], outcome.after[path]
        ranges, text = removed_ranges(before, after)
        files.append({"path": path, "lines": ranges, "before_blob": blob(before), "after_blob": blob(after)})
        removed_text[path] = text
        patch.append(unified(path, after, before))
    reverse = "".join(patch)
    ev = f.evidence.last_set if f.evidence else None
    last = ({"source": ev.source, "date": ev.date.isoformat() if ev.date else None, "value": show(ev.value)}
            if ev else None)
    ident = hashlib.sha1(f"{f.code}\0{f.name}\0{f.path}\0{removed_in}\0{reverse}".encode("utf-8", "surrogatepass")).hexdigest()[:10]
    k = fix.knob or fix.variant or fix.choice_of
    return {
        "id": ident, "code": f.code, "name": f.name, "kind": f.kind,
        "system": k.system if k else None, "path": f.path, "line": f.line,
        "status": "removed", "why": f.message,
        "files": files, "removed_text": removed_text, "reverse_patch": reverse,
        "cascade": list(outcome.cascade), "configs_emptied": list(outcome.emptied),
        "removed_in": removed_in, "removed_at": now.isoformat(),
        "introduced": introduced(root, f.path, fix.introduced_line) if who is _ASK else who,
        "last_used": last,
    }


def load(root: Path, path: str = PATH) -> list[dict[str, Any]]:
    file = root / path
    if not file.exists():
        return []
    out = []
    for n, line in enumerate((text_of(file) or "").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise GraveyardError(f"{path}:{n}: not a JSON object ({exc.msg})") from None
    return out


def _dump(entries: list[dict[str, Any]]) -> str:
    return "".join(_line(e) for e in entries)


def _line(entry: dict[str, Any]) -> str:
    """One entry as a line of JSON, readable as written, escaped only where it must be: a path
    of bytes that are no UTF-8 holds surrogates (os.fsdecode), which UTF-8 cannot write."""
    text = json.dumps(entry, sort_keys=False, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(entry, sort_keys=False)
    return text + "\n"


def appended(root: Path, entries: list[dict[str, Any]], path: str = PATH) -> tuple[str | None, str]:
    """(the graveyard's text now or None, its text with `entries` added), for write_together.

    The whole file is replaced, not appended to: a rename cannot leave a torn last line, where an
    append killed mid-write can, and the file stays small (one line per removed knob). Entries
    already there (by id: an interrupted run finished since) are not added twice."""
    file = root / path
    old = text_of(file)
    have = {e.get("id") for e in load(root, path)} if old is not None else set()
    text = old or ""
    if text and not text.endswith("\n"):
        text += "\n"
    return old, text + _dump([e for e in entries if e["id"] not in have])


def find(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Entries by id (or a prefix of at least 4 characters), else by knob name; removed ones first."""
    hits = [e for e in entries if e["id"] == key or (len(key) >= 4 and e["id"].startswith(key))]
    if not hits:
        hits = [e for e in entries if e["name"] == key]
    return sorted(hits, key=lambda e: e["status"] != "removed")


def safe_path(root: Path, rel: str) -> Path:
    """The file `rel` names inside the repo; refuses absolute paths, `..` and links out of it."""
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or "\\" in rel or ".." in p.parts or rel.startswith("~"):
        raise GraveyardError(f"refusing to restore {rel!r}: not a path inside the repository")
    full = (root / rel).resolve()
    try:
        full.relative_to(root.resolve())
    except ValueError:
        raise GraveyardError(f"refusing to restore {rel!r}: it resolves outside the repository") from None
    return full


def _show_blob(root: Path, blob: str | None) -> str | None:
    if not blob:
        return None
    r = _git(root, "cat-file", "blob", blob)
    return r.stdout.decode("utf-8") if r.returncode == 0 else None


def _merge(root: Path, ours: str, base: str, theirs: str) -> tuple[str, int]:
    """git merge-file: (merged text, number of conflicts)."""
    with tempfile.TemporaryDirectory(prefix="stalelint-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp) / name
            p.write_bytes(text.encode("utf-8"))
            paths.append(str(p))
        r = subprocess.run(["git", "merge-file", "-p", "-L", "current", "-L", "after fix", "-L", "restored",
                            *paths], capture_output=True, timeout=120)
    if r.returncode < 0 or r.returncode > 127:
        raise GraveyardError(f"git merge-file failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout.decode("utf-8"), r.returncode


def _targets(root: Path, entry: dict[str, Any]) -> dict[str, Path]:
    """The files an entry restores, each checked to be inside the repo and named by its patch."""
    if entry.get("status") != "removed":
        raise GraveyardError(f"entry {entry['id']} ({entry['name']}) is already {entry.get('status')}")
    files = entry.get("files") or []
    targets = {f["path"]: safe_path(root, f["path"]) for f in files}
    for p in patch_paths(entry.get("reverse_patch", "")):
        if p != "/dev/null" and p not in targets:
            safe_path(root, p)
            raise GraveyardError(f"entry {entry['id']}: its patch names {p!r}, which its file list does not")
    return targets


def restore(root: Path, entry: dict[str, Any], path: str = PATH) -> list[str]:
    """Bring an entry's knob back; returns the files written. Raises GraveyardError with the
    conflicts (and writes nothing) when the files changed since in a way that overlaps."""
    targets = _targets(root, entry)
    files = entry.get("files") or []
    results: dict[str, str] = {}
    conflicts: list[str] = []
    for f in files:
        full = targets[f["path"]]
        current = text_of(full) or ""
        after, before = _show_blob(root, f.get("after_blob")), _show_blob(root, f.get("before_blob"))
        if after is None or before is None:
            results.update(_apply_patch(root, entry, f["path"]))
            continue
        if current == after:
            results[f["path"]] = before
            continue
        merged, n = _merge(root, current, after, before)
        if n and (alone := _chain_undo(root, f["path"], current, {entry["id"]}, path)) is not None:
            merged, n = alone, 0
        if n:
            conflicts.append(f"{f['path']}: {n} conflicting hunk{'s' if n != 1 else ''}")
        else:
            results[f["path"]] = merged
    if conflicts:
        raise GraveyardError(f"cannot restore {entry['name']} ({entry['id']}) cleanly; nothing was written. "
                             "Conflicts: " + "; ".join(conflicts) + _with_newer(root, entry, conflicts, path))
    # the restored files and the entry marked restored, as one transaction a crash cannot halve
    changes: dict[str, tuple[str | None, str]] = {}
    for rel, text in results.items():
        changes[rel] = (text_of(targets[rel]), text)
    changes[path] = marked(root, entry["id"], path)
    write_together(root, changes)
    return sorted(results)


def _chain_undo(root: Path, rel: str, current: str, ids: set[str], path: str) -> str | None:
    """`current` with the entries `ids` undone in `rel`, through the chain of the graveyard's
    versions of it (fix/chain.py): for what a three-way merge refuses because another entry took
    out the line next to one of them. None when the entries are not all in one run of consecutive
    fixes of the file, or a later fix changed lines one of them wrote, or edits since conflict."""
    runs = _consecutive([(e, f) for e in load(root, path) for f in e.get("files") or [] if f.get("path") == rel])
    found = [run for run in runs if ids & {e["id"] for e, _ in run}]
    if len(found) != 1 or not ids <= {e["id"] for e, _ in found[0]}:
        return None
    run = found[0]
    blobs = _show_blobs(root, [run[0][1].get("before_blob")] + [f.get("after_blob") for _, f in run])
    versions = [blobs.get(run[0][1].get("before_blob"))] + [blobs.get(f.get("after_blob")) for _, f in run]
    if any(v is None for v in versions):
        return None
    chain = Chain(versions)  # type: ignore[arg-type]
    if chain.text_without(set()) != versions[-1]:
        return None
    undone = {k for k, (e, _) in enumerate(run, 1) if e.get("status") == "restored"}
    expected = chain.text_without(undone)
    wanted = chain.text_without(undone | {k for k, (e, _) in enumerate(run, 1) if e["id"] in ids})
    if expected is None or wanted is None:
        return None
    if current == expected:
        return wanted
    merged, n = _merge(root, current, expected, wanted)  # edits made since, kept where they do not touch
    return None if n else merged


Change = tuple[dict[str, Any], dict[str, Any]]  # (an entry, one of its files)


def _consecutive(changes: list[Change]) -> list[list[Change]]:
    """Changes to one file, oldest first, in runs where each started from the text the one before
    it left (one fix run's, one after another)."""
    runs: list[list[Change]] = []
    for e, f in changes:
        if runs and runs[-1][-1][1].get("after_blob") == f.get("before_blob"):
            runs[-1].append((e, f))
        else:
            runs.append([(e, f)])
    return runs


def _with_newer(root: Path, entry: dict[str, Any], conflicts: list[str], path: str) -> str:
    """A hint for a conflict: the entries removed after this one from the same files. Most often one
    of them took out the line next to it (git's merge calls changes to adjacent lines a conflict),
    and restored together, newest first, each merge starts from the text its fix left."""
    files = {c.split(": ", 1)[0] for c in conflicts}
    entries = load(root, path)
    at = next((n for n, e in enumerate(entries) if e["id"] == entry["id"]), len(entries))
    newer = [e for e in entries[at + 1:] if e.get("status") == "removed"
             and files & {f.get("path") for f in e.get("files") or []}]
    if not newer:
        return ""
    return (f". {len(newer)} entr{'ies' if len(newer) != 1 else 'y'} removed after it from the same "
            f"file{'s' if len(files) != 1 else ''} may be in the way; to restore them with it: "
            f"stalelint restore {' '.join(e['id'] for e in [entry, *newer])}")


def restore_many(root: Path, entries: list[dict[str, Any]], path: str = PATH) -> list[tuple[dict[str, Any], list[str]]]:
    """Bring back several entries in one transaction: per file, the entries newest first, a run of
    them that removed one after another from the same text (one fix run's) undone by one three-way
    merge. Returns (entry, its files) each. Writes nothing and raises GraveyardError when any file
    conflicts. Entries whose stored file versions are gone are restored one at a time instead."""
    targets = {e["id"]: _targets(root, e) for e in entries}
    order = {e["id"]: n for n, e in enumerate(load(root, path))}
    entries = sorted(entries, key=lambda e: order.get(e["id"], -1))  # as they were removed
    ids = [b for e in entries for f in e.get("files") or [] for b in (f.get("before_blob"), f.get("after_blob"))]
    blobs = _show_blobs(root, ids)
    if any(not b or blobs.get(b) is None for b in ids):
        return [(e, restore(root, e, path)) for e in reversed(entries)]
    by_file: dict[str, list[Change]] = {}
    for e in entries:
        for f in e.get("files") or []:
            by_file.setdefault(f["path"], []).append((e, f))
    results: dict[str, str] = {}
    conflicts: list[str] = []
    for rel, items in by_file.items():
        full = targets[items[0][0]["id"]][rel]
        current = now = text_of(full) or ""
        # newest first, each run's files newest first: undone in the order they were made, reversed
        runs = [[f for _, f in reversed(run)] for run in reversed(_consecutive(items))]
        for run in runs:
            after, before = blobs[run[0]["after_blob"]], blobs[run[-1]["before_blob"]]
            if current == after:
                current = before
                continue
            merged, n = _merge(root, current, after, before)
            if n:
                alone = _chain_undo(root, rel, now, {e["id"] for e, _ in items}, path)
                if alone is None:
                    conflicts.append(f"{rel}: {n} conflicting hunk{'s' if n != 1 else ''}")
                else:
                    current = alone
                break
            current = merged
        results[rel] = current
    if conflicts:
        raise GraveyardError(f"cannot restore {len(entries)} entries cleanly; nothing was written. "
                             "Conflicts: " + "; ".join(conflicts))
    changes: dict[str, tuple[str | None, str]] = {}
    for rel, text in results.items():
        full = next(t[rel] for t in targets.values() if rel in t)
        changes[rel] = (text_of(full), text)
    changes[path] = marked(root, {e["id"] for e in entries}, path)
    write_together(root, changes)
    return [(e, sorted(f["path"] for f in e.get("files") or [])) for e in reversed(entries)]


def _show_blobs(root: Path, ids: list[str | None]) -> dict[str, str | None]:
    """`_show_blob` of many blobs with one `git cat-file --batch`."""
    wanted = [b for b in dict.fromkeys(ids) if b]
    if not wanted:
        return {}
    r = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
    out: dict[str, str | None] = {b: None for b in wanted}
    if r.returncode != 0:
        return out
    data, at = r.stdout, 0
    for b in wanted:
        end = data.find(b"\n", at)
        if end < 0:
            break
        head = data[at:end].split()
        at = end + 1
        if len(head) != 3 or head[1] != b"blob":
            continue  # "<id> missing"
        size = int(head[2])
        try:
            out[b] = data[at:at + size].decode("utf-8")
        except UnicodeDecodeError:
            out[b] = None
        at += size + 1
    return out


def _apply_patch(root: Path, entry: dict[str, Any], rel: str) -> dict[str, str]:
    """Fallback without the stored file versions: `git apply --check`, then read the result."""
    patch = entry["reverse_patch"].encode("utf-8", "surrogateescape")
    check = _git(root, "apply", "--check", "--include", rel, "-", stdin=patch)
    if check.returncode != 0:
        raise GraveyardError(f"cannot restore {entry['name']} ({entry['id']}): {rel} changed since and the "
                             f"file versions needed for a three-way merge are gone: "
                             f"{check.stderr.decode(errors='replace').strip()}")
    done = _git(root, "apply", "--include", rel, "-", stdin=patch)
    if done.returncode != 0:
        raise GraveyardError(f"git apply failed: {done.stderr.decode(errors='replace').strip()}")
    return {rel: text_of(root / rel) or ""}


def marked(root: Path, ident: str | set[str], path: str = PATH) -> tuple[str, str]:
    """(the graveyard's text now, its text with entry `ident` (or each of a set) marked restored)."""
    old = text_of(root / path) or ""
    entries = load(root, path)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    idents = {ident} if isinstance(ident, str) else ident
    for e in entries:
        if e["id"] in idents:
            e["status"], e["restored_at"] = "restored", now
    return old, _dump(entries)


def commit(root: Path, outcomes: list[FixOutcome], entries: list[dict[str, Any]], path: str = PATH) -> str:
    """One commit for the fix: what went, and a `Stalelint-Removed: <id> <name>` trailer each."""
    files = sorted({p for o in outcomes for p in o.after} | {path})
    lines = [f"stalelint: remove {len(entries)} stale knob{'s' if len(entries) != 1 else ''}", ""]
    for e in entries:
        lines.append(f"- {e['code']} {e['name']} ({e['path']}:{e['line']}): {e['why']}")
    lines += ["", *[f"Stalelint-Removed: {e['id']} {e['name']}" for e in entries]]
    add = _git(root, "add", "--", *files)
    if add.returncode != 0:
        raise GraveyardError(f"git add failed: {add.stderr.decode(errors='replace').strip()}")
    r = _git(root, "commit", "-q", "-m", "\n".join(lines), "--", *files)
    if r.returncode != 0:
        raise GraveyardError(f"git commit failed: {r.stderr.decode(errors='replace').strip()}")
    return head(root) or ""


def summary(e: dict[str, Any]) -> str:
    where = ", ".join(f"{f['path']}:" + ",".join(f"{a}-{b}" if a != b else str(a) for a, b in f["lines"])
                      for f in e.get("files", []))
    when = (e.get("removed_at") or "")[:10]
    sha = (e.get("removed_in") or "")[:7]
    return f"{e['id']}  {e['status']:<8}  {e['code']}  {e['name']:<20}  removed {when} from {sha}  {where}"



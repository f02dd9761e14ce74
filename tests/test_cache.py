"""The per-file index cache: hits, misses, damage, versions, --no-cache, clean; parallel == serial."""
import json
import os
import subprocess

import pytest

from conftest import AS_OF, check_json, run
from stalelint import cache as cache_mod
from stalelint import parse_pool
from stalelint.check import build_index
from stalelint.config import from_table
from stalelint.discover import discover
from stalelint.index import index_file
from stalelint.model import UNKNOWN

SETTINGS = from_table({}, "test")


def _index(repo, **kw):
    files = discover(repo, SETTINGS.exclude)
    return build_index(files, SETTINGS, **kw)


def _entries(repo):
    return sorted((repo / ".stalelint_cache" / "index").glob("*.json"))


def _spy(monkeypatch):
    """Count calls of index_file (the parse) made by build_index."""
    calls = []

    def counting(items, jobs=None):
        calls.extend(path for path, _ in items)
        return [index_file(path, text) for path, text in items]

    monkeypatch.setattr("stalelint.check.index_many", counting)
    return calls


def test_hit_then_miss_on_content_change(build, monkeypatch):
    repo = build("labrepo")
    calls = _spy(monkeypatch)
    first = _index(repo, use_cache=True)
    n = len(calls)
    assert n == len(first.files) and len(_entries(repo)) == n
    second = _index(repo, use_cache=True)
    assert len(calls) == n  # nothing parsed again
    assert second == first
    (repo / "train.py").write_text((repo / "train.py").read_text() + "\n# edited\n")
    third = _index(repo, use_cache=True)
    assert calls[n:] == ["train.py"]  # only the edited file
    assert third == first  # a comment changes no record, but the file was parsed again to know that


def test_stat_unchanged_file_is_not_read(build, monkeypatch):
    repo = build("labrepo")
    first = _index(repo, use_cache=True)
    # files written within the last two seconds are hashed again next time (a same-tick rewrite
    # would keep its stat), so a fresh checkout has no trusted stats yet
    assert cache_mod.IndexCache(repo).stats == {}
    monkeypatch.setattr(cache_mod, "_RACY_NS", 0)  # as if the files were old
    _index(repo, use_cache=True)
    assert "train.py" in cache_mod.IndexCache(repo).stats

    def no_hashing(data):
        raise AssertionError("a file with an unchanged stat was read and hashed")

    monkeypatch.setattr("stalelint.check.content_hash", no_hashing)
    assert _index(repo, use_cache=True) == first
    monkeypatch.undo()
    (repo / "train.py").write_text((repo / "train.py").read_text() + "\nprint(args.fresh_read)\n")
    again = _index(repo, use_cache=True)  # a changed stat is read and hashed again
    assert any(r.name == "fresh_read" for f in again.files for r in f.reads)


def test_cache_matches_no_cache_end_to_end(build):
    repo = build("labrepo")
    plain = check_json(repo, "--no-cache")
    assert not (repo / ".stalelint_cache").exists()  # --no-cache writes nothing
    cold = check_json(repo)
    warm = check_json(repo)
    assert plain == cold == warm


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "foreign", "wrong_type", "empty"])
def test_damaged_entry_is_ignored_and_rebuilt(build, monkeypatch, damage):
    repo = build("labrepo")
    good = _index(repo, use_cache=True)
    entries = _entries(repo)
    for e in entries:
        raw = e.read_bytes()
        head, _, body = raw.partition(b"\n")
        if damage == "truncate":
            e.write_bytes(raw[: len(raw) // 2])
        elif damage == "flip":
            e.write_bytes(raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:])
        elif damage == "garbage":
            e.write_bytes(os.urandom(200))
        elif damage == "foreign":  # another version's header
            e.write_bytes(head.replace(f"stalelint-cache {cache_mod.FORMAT} ".encode(), b"stalelint-cache 0 ") + b"\n" + body)
        elif damage == "wrong_type":  # a valid checksum over well-formed JSON of the wrong shape
            fp = head.split(b" ")[2].decode()
            e.write_bytes(cache_mod._pack(fp, {"@FileIndex": [1, 2, 3]}))
        else:
            e.write_bytes(b"")
    calls = _spy(monkeypatch)
    again = _index(repo, use_cache=True)
    assert again == good
    assert len(calls) == len(good.files)  # every damaged entry was re-indexed
    assert all(cache_mod._unpack(e.read_bytes(), cache_mod.fingerprint()) for e in _entries(repo))  # and rewritten


def test_pickle_in_the_cache_is_never_loaded(build, tmp_path):
    repo = build("labrepo")
    _index(repo, use_cache=True)
    import pickle
    marker = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for e in _entries(repo):
        e.write_bytes(pickle.dumps(Boom()))
    _index(repo, use_cache=True)
    assert not marker.exists()


def test_version_change_invalidates(build, monkeypatch):
    repo = build("labrepo")
    _index(repo, use_cache=True)
    before = set(_entries(repo))
    monkeypatch.setattr(cache_mod, "__version__", "99.0")
    calls = _spy(monkeypatch)
    files = _index(repo, use_cache=True).files
    assert len(calls) == len(files)  # nothing of the old version was used
    assert set(_entries(repo)) - before
    assert not set(_entries(repo)) & before and len(_entries(repo)) == len(files)  # old records pruned


def test_no_cache_and_clean_commands(build):
    repo = build("labrepo")
    assert run("check", repo, "--as-of", AS_OF, "--no-cache").exit_code == 1
    assert not (repo / ".stalelint_cache").exists()
    assert run("check", repo, "--as-of", AS_OF).exit_code == 1
    assert (repo / ".stalelint_cache" / ".gitignore").is_file()
    out = run("clean", repo)
    assert out.exit_code == 0 and "removed" in out.output
    assert not (repo / ".stalelint_cache").exists()
    assert "no cache" in run("clean", repo).output


def test_read_only_repo_still_checks(build):
    repo = build("labrepo")
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    os.chmod(repo, 0o555)
    try:
        assert run("check", repo, "--as-of", AS_OF).exit_code == 1
    finally:
        os.chmod(repo, 0o755)


def test_values_round_trip():
    values = [None, True, 0, -1, 10**30, 1.5, float("inf"), "s", b"\x00b", 1 + 2j, (1, "a"), [1, [2]],
              {"a": 1, 2: (3,)}, {1, 2}, frozenset({"x"}), Ellipsis, UNKNOWN, (), [], {}]
    for v in values:
        assert cache_mod.decode(json.loads(json.dumps(cache_mod.encode(v)))) == v
        assert type(cache_mod.decode(json.loads(json.dumps(cache_mod.encode(v))))) is type(v)
    with pytest.raises(TypeError):
        cache_mod.encode(object())


def test_history_dates_cached_by_head(build):
    from stalelint.history import History
    repo = build("labrepo")
    files = discover(repo, ())
    cold = History.read(repo, files.tracked, files.git, use_cache=True)
    warm = History.read(repo, files.tracked, files.git, use_cache=True)
    assert warm.last_change == cold.last_change
    assert cold.git_calls == 3 and warm.git_calls == 2  # the log is read from the cache
    subprocess.run(["git", "-C", repo, "commit", "-q", "--allow-empty", "-m", "x"], check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
                        "GIT_COMMITTER_EMAIL": "a@b"})
    assert History.read(repo, files.tracked, files.git, use_cache=True).git_calls == 3  # new HEAD: read again


def test_parallel_equals_serial(build, monkeypatch):
    repo = build("labrepo")
    serial = _index(repo, jobs=1)
    parallel = _index(repo, jobs=2)
    assert parallel == serial
    files = discover(repo, ())
    items = [(rel, (repo / rel).read_text()) for rel in files.files if rel.endswith(".py")]
    assert parse_pool.index_many(items * 3, jobs=2) == parse_pool.index_many(items * 3, jobs=1)


def test_experiment_configs_are_not_read_again(build, monkeypatch):
    """facts.json keeps what each experiment config gave and that it is no sweep plan: a warm run
    reads none of them, and one edited into a sweep plan is read, and read as a plan."""
    import stalelint.evidence as evidence

    repo = build("labrepo")
    cold = check_json(repo)
    assert (repo / ".stalelint_cache" / "facts.json").is_file()
    reads = []
    real = evidence.read_text

    def spy(root, rel, max_size):
        reads.append(rel)
        return real(root, rel, max_size)

    monkeypatch.setattr(evidence, "read_text", spy)
    assert check_json(repo) == cold
    assert not [r for r in reads if r.endswith((".yaml", ".yml", ".json", ".toml"))]
    (repo / "configs" / "vit_ft.yaml").write_text("method: grid\nparameters:\n  lr:\n    values: [0.1, 0.01]\n")
    cached = check_json(repo)
    assert "configs/vit_ft.yaml" in reads
    assert cached == check_json(repo, "--no-cache") != cold


def test_cached_reads_are_built_on_first_walk_and_equal_fresh_ones(build):
    import pickle

    from stalelint.model import LazyReads, read_names

    repo = build("labrepo")
    fresh = _index(repo, use_cache=False)
    _index(repo, use_cache=True)
    cached = _index(repo, use_cache=True)
    assert cached == fresh
    lazy = [f for f in cached.files if isinstance(f.reads, LazyReads) and len(f.reads) > 1]
    assert lazy, "the cache gave plain tuples: nothing here is lazy"
    by_path = {f.path: f for f in fresh.files}
    for f in lazy:
        want = by_path[f.path].reads
        assert type(want) is tuple
        assert read_names(f.reads) == {(r.name, r.strong) for r in want}  # from the columns
        assert f.reads == want and want == f.reads and hash(f.reads) == hash(want)
        assert list(f.reads) == list(want) and f.reads[0] == want[0] and len(f.reads) == len(want)
        assert read_names(f.reads) == read_names(want)  # and again from the records
        assert pickle.loads(pickle.dumps(f.reads)) == want  # parse workers send records by pickle
        assert cache_mod.decode(cache_mod.encode(f.reads)) == want


def test_a_warm_run_with_no_yaml_does_not_import_pyyaml(tmp_path):
    """PyYAML's import is ~12 ms, a twentieth of a warm run on a 300-file repo; it is imported on
    first use. (A subprocess: this test session has imported it long ago.)"""
    import sys

    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "train.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                   "p.add_argument('--lr', type=float, default=0.1)\nargs = p.parse_args()\n"
                                   "print(args.lr)\n")
    (repo / "run.sh").write_text("python train.py --lr 0.2\n")
    probe = ("import sys\nfrom stalelint.cli import main\n"
             "try:\n    main(['check', sys.argv[1], '--as-of', '2026-06-30'])\nexcept SystemExit:\n    pass\n"
             "print('PYYAML', 'yaml.reader' in sys.modules, 'sqlite3.dbapi2' in sys.modules)\n")
    outs = [subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]  # cold, then warm
    assert all("PYYAML" in o for o in outs), outs
    assert outs[1].rstrip().endswith("PYYAML False False"), outs[1]
    # and where there is YAML to read, it is read
    (repo / "configs").mkdir()
    (repo / "configs" / "exp.yaml").write_text("lr: 0.3\n")
    out = subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, check=True).stdout
    assert out.rstrip().endswith("PYYAML True False"), out

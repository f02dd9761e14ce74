"""Mutation fuzzing of `check` and `fix` on hostile copies of the fixture repos' own files.

Each batch puts ~100 mutated files (truncated, bytes flipped, deep nesting, huge literals, odd
encodings, CRLF, tabs, unicode names, NUL bytes, empty, binary garbage) into one copy of a fixture
repo, so the repo and process set-up is paid once per batch. The mutations are seeded: a run is
the same every time, and a case's name replays it. `pytest --slow` runs 10x the batches.

Properties: `check`, `fix` (diff) and `fix --apply` never raise; every bad file is an STL9xx error
naming it; the files around it are still analysed; `fix --apply` changes only the files its diff
named, and every Python file it writes still parses.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess

import pytest

from stalelint import fixture_repo

import fuzz_helpers as fz
from conftest import AS_OF, FIXTURES, NOW, run

# (fixture, mutated copies of any fixture file, mutated files of this fixture's own in place)
REPOS = ["demo", "labrepo", "hydrarepo", "ginrepo", "mlcrepo", "yacsrepo", "abslrepo", "variants", "codecfg",
         "pydanticrepo", "subcommands", "systems"]
BATCHES = 12  # per property (check; fix), times --slow's factor
PER_BATCH = 100
IN_PLACE = 6
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Each fixture repo with its git history, built once for the module."""
    built: dict[str, object] = {}

    def get(name: str):
        if name not in built:
            built[name] = fixture_repo.build(FIXTURES / name, tmp_path_factory.mktemp("tpl") / name, NOW)
        return built[name]
    return get


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_batch(templates, tmp_path, n: int, commit: bool):
    fixture = REPOS[n % len(REPOS)]
    repo = tmp_path / f"b{n}"
    shutil.copytree(templates(fixture), repo, symlinks=True)
    own = [(rel, data) for rel, data in fz.corpus()
           if rel.startswith(fixture + "/") and (repo / rel.split("/", 1)[1]).is_file()]
    batch = fz.cases(1000 + n, IN_PLACE, own) + fz.cases(2000 + n, PER_BATCH - IN_PLACE)
    placed = fz.targets(batch, IN_PLACE)
    fz.place(repo, placed)
    if commit:
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.name=F", "-c", "user.email=f@x", "commit", "-q", "--no-verify", "-m", "fuzz")
    return repo, placed


def _expected_errors(placed):
    """Files a plain reader rejects: stalelint must name each of them in an STL9xx error."""
    out = {}
    for rel, case in placed:
        if rel.endswith(".py") and not fz.parses(case.data):
            out[rel] = case.name
        elif rel.startswith("configs/") and rel.endswith(CONFIG_SUFFIXES) and not fz.config_reads(rel, case.data):
            out[rel] = case.name
    return out


def scale(request) -> int:
    return 10 if request.config.getoption("--slow") else 1


def batches(request):
    return range(BATCHES * scale(request))


def test_check_never_crashes_and_names_every_bad_file(templates, tmp_path, request):
    total = bad = 0
    for n in batches(request):
        repo, placed = make_batch(templates, tmp_path, n, commit=False)
        names = [c.name for _, c in placed]
        result = run("check", repo, "--as-of", AS_OF, "--output-format", "json")
        assert result.exit_code in (0, 1), (names, result.output[-3000:])
        doc = json.loads(result.output)
        assert all(e["code"].startswith("STL9") for e in doc["errors"])
        named = {e["path"] for e in doc["errors"]}
        expected = _expected_errors(placed)
        missing = {rel: name for rel, name in expected.items() if rel not in named}
        assert not missing, missing
        assert any(f["name"] == fz.SENTINEL_NAME and f["code"] == "STL101" for f in doc["findings"]), names
        total += len(placed)
        bad += len(expected)
        shutil.rmtree(repo)
    print(f"fuzz check: {total} mutated files, {bad} of them unreadable by a plain parser")


def test_fix_diff_and_apply_change_only_what_they_say(templates, tmp_path, request):
    total = written = 0
    for n in batches(request):
        repo, placed = make_batch(templates, tmp_path, 100 + n, commit=True)
        names = [c.name for _, c in placed]
        before = fz.snapshot(repo)
        shown = run("fix", repo, "--as-of", AS_OF, "--unsafe")
        assert shown.exit_code in (0, 1), (names, shown.output[-3000:])
        assert fz.snapshot(repo) == before
        applied = run("fix", repo, "--as-of", AS_OF, "--unsafe", "--apply", "--force")
        assert applied.exit_code in (0, 1), (names, applied.output[-3000:])
        after = fz.snapshot(repo)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        meant = fz.diff_paths(shown.output) | {".stalelint/graveyard.jsonl"}
        assert changed <= meant, (changed - meant, names)
        for p in changed:
            if p.endswith(".py"):
                ast.parse(after[p])  # a fix never leaves a file Python cannot read
        total += len(placed)
        written += len(changed)
        shutil.rmtree(repo)
    print(f"fuzz fix: {total} mutated files, {written} files rewritten")


CONFIG_FILES = [(rel, data) for rel, data in fz.corpus() if "/configs/" in rel and rel.endswith(CONFIG_SUFFIXES)]


def test_removing_keys_from_mutated_configs(request):
    """The config half of a fix on its own (ruamel round trip, line deletion, read-back check):
    it edits or refuses with a reason, never raises, and what it writes reads back without the keys."""
    import random

    from stalelint.discover import decode_text
    from stalelint.evidence.configs import BadConfig, NotAConfig, read_settings
    from stalelint.fix.configs import remove_keys
    from stalelint.names import normalize

    edited = 0
    cases = fz.cases(3000, 150 * scale(request), CONFIG_FILES)
    for case in cases:
        path = "configs/x" + case.suffix
        text, _ = decode_text(path, case.data)
        try:
            keys = [s.key for s in read_settings(path, text)] if text else []
        except (BadConfig, NotAConfig):
            continue
        if not keys:
            continue
        rng = random.Random(case.name)
        names = {normalize(k) for k in rng.sample(keys, min(len(keys), rng.randint(1, 3)))}
        new, problem, emptied = remove_keys(path, text, names)
        if new is not None and problem is None and new != text:
            edited += 1
            if emptied and not new.strip():
                continue  # by design: the fix says the file now sets nothing and may be deleted
            try:
                left = {normalize(s.key) for s in read_settings(path, new)}
            except NotAConfig:
                left = set()
            assert not left & names, case.name
    print(f"fuzz config fix: {len(cases)} mutated configs, {edited} edited")

"""Launch scripts and configs that git ignores are read from disk, dated by modification time, and
`stalelint experiments` says which experiments came from files git does not track (issue 13,
part 2: Swin-Transformer's `.gitignore` has `*.sh` under "# launch bash")."""
import datetime as dt
import json
import os
import subprocess

from stalelint.check import analyse, window_for
from stalelint.config import load
from stalelint.evidence import ignored

from conftest import AS_OF, run

WHEN = dt.datetime(2026, 6, 20, 12, tzinfo=dt.timezone.utc)  # recent at AS_OF
UNTRACKED = ("run_ema.sh", "configs/local/deep.yaml", "scratch/try.sh", "extra/run.bash")


def _repo(build, tmp_path):
    repo = build("ignoredrepo")
    outside = tmp_path / "outside"
    (outside / "runs").mkdir(parents=True)
    (outside / "smooth.sh").write_text("python train.py --label-smoothing 0.1\n")
    (outside / "runs" / "drop.sh").write_text("python train.py --dropout 0.5\n")
    os.symlink(outside / "smooth.sh", repo / "smooth.sh")  # an ignored (*.sh) link to a file
    os.symlink(outside / "runs", repo / "linked")  # a link to a folder: never descended
    os.symlink(repo / "run_ema.sh", repo / "configs" / "ema_link.sh")  # a link inside the repo
    for rel in UNTRACKED:
        os.utime(repo / rel, (WHEN.timestamp(), WHEN.timestamp()))
    return repo


def _experiments(repo) -> dict[str, dict]:
    result = run("experiments", repo, "--as-of", AS_OF, "--output-format", "json")
    assert result.exit_code == 0, result.output
    return {row["source"]: row for row in json.loads(result.output)}


def test_ignored_launch_scripts_and_configs_are_experiments_dated_by_mtime(build, tmp_path):
    rows = _experiments(_repo(build, tmp_path))
    assert set(rows) == {"configs/base.yaml", "run_ema.sh", "configs/local/deep.yaml", "extra/run.bash"}
    for source in ("run_ema.sh", "configs/local/deep.yaml", "extra/run.bash"):
        assert rows[source]["dated_by"] == "mtime" and rows[source]["date"] == WHEN.isoformat(), rows[source]
        assert rows[source]["recent"] is True
    assert rows["configs/base.yaml"]["dated_by"] == "commit"
    # which file git ignores, which it merely does not track, and which it tracks
    assert rows["run_ema.sh"]["git"] == "ignored" and rows["configs/local/deep.yaml"]["git"] == "ignored"
    assert rows["extra/run.bash"]["git"] == "untracked" and rows["configs/base.yaml"]["git"] == "tracked"
    assert rows["run_ema.sh"]["entry"] == "train.py"


def test_experiments_text_marks_untracked_and_ignored_files(build, tmp_path):
    repo = _repo(build, tmp_path)
    result = run("experiments", repo, "--as-of", AS_OF)
    lines = {line.split()[2]: line for line in result.output.splitlines() if line[:4].isdigit()}
    assert "[ignored by git]" in lines["run_ema.sh:3"] and "[ignored by git]" in lines["configs/local/deep.yaml"]
    assert "[untracked]" in lines["extra/run.bash:1"]
    assert "[untracked]" not in lines["configs/base.yaml"] and "[ignored" not in lines["configs/base.yaml"]
    assert ("3 experiments from 3 files git does not track (configs/local/deep.yaml, extra/run.bash, run_ema.sh; "
            "2 ignored by git): dated by modification time") in result.output


def test_an_ignored_scripts_command_binds_to_its_scripts_flags(build, tmp_path):
    repo = _repo(build, tmp_path)
    _, facts = analyse(repo, load(repo), window_for(AS_OF, 180), use_cache=False)
    by_name = {k.name: i for i, k in enumerate(facts.index.knobs)}

    def bound(name):
        return {(b.experiment.source, b.value, b.experiment.date) for b in facts.bindings.get(by_name[name], ())}

    assert bound("use_ema") == {("run_ema.sh", True, WHEN)}
    assert ("run_ema.sh", 0.05, WHEN) in bound("lr")
    assert ("configs/local/deep.yaml", 24, WHEN) in bound("depth")
    assert bound("mixup") == {("extra/run.bash", 0.2, WHEN)}  # untracked, not ignored: the same
    # excluded (scratch/**), a symlinked file, a symlinked folder: never read
    assert bound("warmup") == bound("label_smoothing") == bound("dropout") == set()
    assert not [e for e in facts.experiments if e.source.startswith(("scratch/", "linked/", "smooth", "configs/ema"))]


def test_ignored_files_found_on_disk_obey_excludes_links_and_full_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(ignored, "MAX_ENTRIES", 10)
    (tmp_path / "a" / "big").mkdir(parents=True)
    (tmp_path / "a" / "run.sh").write_text("x")
    (tmp_path / "a" / "notes.txt").write_text("x")
    (tmp_path / "a" / "known.sh").write_text("x")
    os.symlink(tmp_path / "a" / "run.sh", tmp_path / "a" / "link.sh")
    for n in range(ignored.MAX_ENTRIES + 1):  # a folder this full holds data, not launch scripts
        (tmp_path / "a" / "big" / f"{n}.sh").touch()
    folders = [tmp_path, tmp_path / "a", tmp_path / "a" / "big"]
    assert ignored.find(tmp_path, folders, {"a/known.sh"}, ("**/*.sh",), ()) == ["a/run.sh"]
    assert ignored.find(tmp_path, folders, set(), ("**/*.sh",), ("a/**",)) == []


def test_fix_touches_an_ignored_config_only_with_force(build, tmp_path):
    # --warmup was tried (a committed config of 2025) and dropped; the ignored local config still
    # spells its default, so the fix would delete that key from a file git has no copy of
    repo = _repo(build, tmp_path)
    (repo / "configs" / "local" / "deep.yaml").write_text("warmup: 0\ndepth: 24\n")
    os.utime(repo / "configs" / "local" / "deep.yaml", (WHEN.timestamp(), WHEN.timestamp()))
    (repo / "configs" / "old.yaml").write_text("warmup: 5\n")
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-06-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2025-06-01T12:00:00+00:00",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["add", "configs/old.yaml"], ["-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "old"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    # (configs/old.yaml still ships, so the finding is below the default confidence: asked for by name)
    shown = run("fix", repo, "--as-of", AS_OF, "--knob", "warmup", "--min-confidence", "0").output
    assert "[refused]" in shown and "configs/local/deep.yaml has uncommitted changes" in shown, shown
    forced = run("fix", repo, "--as-of", AS_OF, "--knob", "warmup", "--force", "--min-confidence", "0").output
    assert "--- a/configs/local/deep.yaml" in forced and "-warmup: 0" in forced and "[refused]" not in forced


def test_ignored_files_of_another_repository_are_not_ours(tmp_path):
    # a repository cloned inside this one (its own .git) and a submodule: their scripts are theirs
    for rel in ("vendor/apex/.git/HEAD", "vendor/apex/tools/run.sh", "sub/run.sh", "mine/run.sh"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    from stalelint.evidence import runs

    folders = list(runs.walk_dirs(tmp_path, prune=runs._OWNED))
    assert ignored.find(tmp_path, folders, set(), ("**/*.sh",), (), others=("sub",)) == ["mine/run.sh"]

"""W&B evidence: an offline run written by the real wandb package (WANDB_MODE=offline), whose config
lives only in the binary run-*.wandb file; a synced run folder (config.yaml + wandb-metadata.json);
a truncated run file; and wandb missing."""
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags

pytest.importorskip("wandb")


def _utc_day() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()

LOGGER = """
import wandb
run = wandb.init(project="lab", config={"use_ema": True, "warmup": 0, "model": {"depth": 3}})
run.config.update({"no_color": False})
run.log({"loss": 1.0})
run.finish()
"""


@pytest.fixture
def offline_run(build, tmp_path):
    repo = build("labrepo")
    script = tmp_path / "logger.py"
    script.write_text(LOGGER)
    env = dict(os.environ, WANDB_MODE="offline", WANDB_DIR=str(repo), WANDB_SILENT="true",
               WANDB_DISABLE_GIT="true")
    # offline runs are stamped with the real clock: judge as of the day the run ended (a run
    # started just before midnight is dated the day before, still inside the window)
    before = _utc_day()
    subprocess.run([sys.executable, str(script), "--lr", "0.002", "--arch", "vit_s"], cwd=repo, env=env,
                   check=True, timeout=120)
    [run_dir] = (repo / "wandb").glob("offline-run-*")
    return repo, run_dir, (before, _utc_day())


def test_offline_run_read_from_the_binary_file(offline_run):
    repo, run_dir, (before, today) = offline_run
    assert not (run_dir / "files" / "config.yaml").exists()  # the config is only in run-*.wandb
    listed = json.loads(run("experiments", repo, "--as-of", today, "--output-format", "json").output)
    [row] = [r for r in listed if r["source"].startswith("wandb/")]
    assert row["dated_by"] == "start_time" and before <= row["date"][:10] <= today
    assert row["settings"] == {"use_ema": True, "warmup": 0, "model.depth": 3, "no_color": False,
                               "--lr": "0.002", "--arch": "vit_s"}
    doc = check_json(repo, "--as-of", today, *ALL)
    stale = stale_flags(doc)
    assert "use_ema" not in stale and "warmup" in stale and "no_color" in stale
    assert doc["errors"] == []


def test_truncated_run_file(offline_run):
    repo, run_dir, (_, today) = offline_run
    [log] = run_dir.glob("run-*.wandb")
    data = log.read_bytes()
    log.write_bytes(data[: len(data) // 2])
    doc = check_json(repo, "--as-of", today, *ALL)
    [error] = doc["errors"]
    assert error["code"] == "STL906" and error["path"] == run_dir.relative_to(repo).as_posix()
    assert "truncated or corrupt" in error["message"] and "byte" in error["message"]
    assert stale_flags(doc)["warmup"]["incomplete"] is True


def test_without_wandb_offline_runs_are_skipped_with_a_notice(offline_run, monkeypatch):
    from stalelint.evidence import wandb_log

    repo, _, (_, today) = offline_run
    monkeypatch.setattr(wandb_log, "available", lambda: False)
    doc = check_json(repo, "--as-of", today, *ALL)
    assert any("1 offline W&B runs skipped" in n and "stalelint[wandb]" in n for n in doc["notices"])
    assert stale_flags(doc)["use_ema"]["incomplete"] is True


def test_synced_run_folder(build):
    # the layout wandb 0.31 writes for an online run (files/config.yaml, files/wandb-metadata.json);
    # written here by hand because an online run needs a W&B server
    repo = build("labrepo")
    files = repo / "wandb" / "run-20260510_101112-abc123" / "files"
    files.mkdir(parents=True)
    (files / "config.yaml").write_text(
        "_wandb:\n  value:\n    cli_version: 0.31.0\nwandb_version: 1\n"
        "use_ema:\n  desc: null\n  value: true\nwarmup:\n  value: 0\n")
    (files / "wandb-metadata.json").write_text(json.dumps({
        "program": "/home/ada/labrepo/train.py", "args": ["--no-color", "--lr", "0.01"],
        "startedAt": "2026-05-10T10:11:12.123456Z"}))
    listed = json.loads(run("experiments", repo, "--as-of", "2026-06-30", "--output-format", "json").output)
    [row] = [r for r in listed if r["source"].startswith("wandb/")]
    assert row["entry"] == "train.py" and row["date"].startswith("2026-05-10T10:11:12")
    assert row["settings"] == {"use_ema": True, "warmup": 0, "--no-color": True, "--lr": "0.01"}
    stale = stale_flags(check_json(repo, *ALL))
    assert "use_ema" not in stale and "no_color" not in stale and "warmup" in stale

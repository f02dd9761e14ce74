"""The smaller run-record sources: sacred (written by the real sacred package), Lightning hparams,
argument dumps next to checkpoints, dvc.lock and DVC experiment refs, and W&B sweep plans."""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags


def commit(repo, rel, text, when="2026-06-10T10:00:00+00:00"):
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)
    env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_AUTHOR_NAME="a",
               GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@b",
               GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", "-C", str(repo), "add", rel], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", f"add {rel}"], check=True, env=env)


def listed(repo, as_of="2026-06-30"):
    return json.loads(run("experiments", repo, "--as-of", as_of, "--output-format", "json").output)


SACRED = """
from sacred import Experiment
from sacred.observers import FileStorageObserver
ex = Experiment("train")
ex.observers.append(FileStorageObserver("runs"))


@ex.config
def cfg():
    use_ema = False
    warmup = 0
    optim = {"wd": 0.05}


@ex.automain
def main(use_ema, warmup):
    pass
"""


def test_sacred_run_written_by_sacred(build, tmp_path):
    pytest.importorskip("sacred")
    repo = build("labrepo")
    (tmp_path / "exp.py").write_text(SACRED)
    before = dt.datetime.now(dt.timezone.utc).date().isoformat()  # the run is stamped with the real clock
    subprocess.run([sys.executable, str(tmp_path / "exp.py"), "with", "use_ema=True"], cwd=repo, check=True,
                   capture_output=True, timeout=120)
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    [row] = [r for r in listed(repo, today) if r["source"] == "runs/1"]
    assert row["dated_by"] == "start_time" and before <= row["date"][:10] <= today  # a run across midnight
    assert row["settings"]["use_ema"] is True and row["settings"]["optim.wd"] == 0.05 and "seed" in row["settings"]
    stale = stale_flags(check_json(repo, "--as-of", today, *ALL))
    assert "use_ema" not in stale and "warmup" in stale


def test_lightning_hparams(build):
    # the layout Lightning 2.x writes: save_hyperparameters() dumps with yaml.dump, so a tuple
    # carries a !!python/tuple tag; the event file's name holds the start time (written by hand:
    # Lightning needs torch, too heavy for the test extra)
    repo = build("labrepo")
    version = repo / "lightning_logs" / "version_3"
    version.mkdir(parents=True)
    (version / "hparams.yaml").write_text("use_ema: true\nwarmup: 0\nbetas: !!python/tuple\n- 0.9\n- 0.999\n")
    stamp = int(dt.datetime(2026, 6, 5, tzinfo=dt.timezone.utc).timestamp())
    (version / f"events.out.tfevents.{stamp}.gpu-node.12345.0").write_bytes(b"")
    [row] = [r for r in listed(repo) if r["source"] == "lightning_logs/version_3"]
    assert row["dated_by"] == "event file name" and row["date"].startswith("2026-06-05")
    assert row["settings"] == {"use_ema": True, "warmup": 0, "betas": [0.9, 0.999]}
    assert "use_ema" not in stale_flags(check_json(repo, *ALL))


def test_lightning_record_written_by_lightning(build):
    """A run written by Lightning 2.6.6 with torch 2.13.0 (CPU) and TensorBoardLogger, by
    tests/data/lightning-2.6.6/gen.py.txt; the host name in the event file's name was replaced by
    `host`. The event file also holds the hparams, but lightning_logs/ is the Lightning source's: the
    run counts once."""
    import shutil
    repo = build("labrepo")
    shutil.copytree(Path(__file__).parent / "data" / "lightning-2.6.6" / "version_0",
                    repo / "lightning_logs" / "version_0")
    rows = [r for r in listed(repo, "2026-11-28") if r["source"].startswith("lightning_logs")]
    assert [(r["source"], r["dated_by"], r["date"][:10]) for r in rows] == [
        ("lightning_logs/version_0", "event file name", "2026-11-27")]
    assert rows[0]["settings"] == {"use_ema": True, "warmup": 0, "betas": [0.9, 0.999]}
    assert "use_ema" not in stale_flags(check_json(repo, "--as-of", "2026-11-28", *ALL))


def test_argument_dump_next_to_a_checkpoint(build):
    repo = build("labrepo")
    ckpt = repo / "checkpoints" / "exp7"
    ckpt.mkdir(parents=True)
    (ckpt / "args.json").write_text(json.dumps({"use_ema": True, "warmup": 0, "lr": 0.1}))
    (ckpt / "model_best.pth").write_bytes(b"\0")
    elsewhere = repo / "notes"
    elsewhere.mkdir()
    (elsewhere / "config.yaml").write_text("no_color: true\n")  # no checkpoint beside it: not a run
    when = dt.datetime(2026, 6, 20, tzinfo=dt.timezone.utc).timestamp()
    os.utime(ckpt / "args.json", (when, when))
    [row] = [r for r in listed(repo) if r["source"].startswith(("checkpoints", "notes"))]
    assert row["source"] == "checkpoints/exp7/args.json" and row["dated_by"] == "mtime"
    assert row["date"].startswith("2026-06-20")
    stale = stale_flags(check_json(repo, *ALL))
    assert "use_ema" not in stale and "no_color" in stale


def test_dvc_lock_and_experiment_refs(build):
    repo = build("labrepo")
    commit(repo, "params.yaml", "train:\n  warmup: 0\n")
    commit(repo, "dvc.lock", "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py --use-ema\n"
                             "    params:\n      params.yaml:\n        train.warmup: 0\n")
    # `dvc exp run` keeps each experiment as a commit under refs/exps/; made here with git itself
    subprocess.run(["git", "-C", str(repo), "checkout", "-qb", "exp"], check=True)
    commit(repo, "params.yaml", "train:\n  no_color: true\n", when="2026-06-15T10:00:00+00:00")
    sha = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    subprocess.run(["git", "-C", str(repo), "update-ref", "refs/exps/ab/cdef/exp-1", sha], check=True)
    subprocess.run(["git", "-C", str(repo), "branch", "-qD", "exp"], check=True)
    rows = {r["source"]: r for r in listed(repo)}
    lock = rows["dvc.lock"]
    assert lock["entry"] == "train.py" and lock["date"].startswith("2026-06-10")
    assert lock["settings"] == {"train.warmup": 0, "--use-ema": True}
    ref = rows["refs/exps/ab/cdef/exp-1"]
    assert ref["dated_by"] == "commit" and ref["date"].startswith("2026-06-15")
    stale = stale_flags(check_json(repo, *ALL))
    assert "use_ema" not in stale and "no_color" not in stale and "warmup" in stale


def test_wandb_sweep_plan(build):
    repo = build("labrepo")
    commit(repo, "sweeps/ema.yaml", "program: train.py\nmethod: grid\nparameters:\n"
                                    "  use_ema:\n    values: [true, false]\n  warmup:\n    value: 0\n"
                                    "  lr:\n    min: 0.0001\n    max: 0.1\n")
    rows = [r for r in listed(repo) if r["source"] == "sweeps/ema.yaml"]
    assert len(rows) == 2 and all(r["kind"] == "sweep" and r["entry"] == "train.py" for r in rows)
    assert [r["settings"]["use_ema"] for r in rows] == [True, False]
    assert rows[0]["date"].startswith("2026-06-10")
    doc = check_json(repo, *ALL)
    stale = stale_flags(doc)
    assert "use_ema" not in stale and "warmup" in stale
    assert not [f for f in doc["findings"] if f["code"] == "STL103" and f["path"] == "sweeps/ema.yaml"]

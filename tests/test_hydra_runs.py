"""Hydra evidence from job folders written by a real @hydra.main app (hydra-core), run as a
subprocess: a single run under outputs/ and a multirun sweep under multirun/."""
import json
import subprocess
import sys

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags

pytest.importorskip("hydra")

APP = """
import hydra


@hydra.main(config_path="conf", config_name="config", version_base=None)
def main(cfg):
    print(cfg.use_ema, cfg.model.depth)


if __name__ == "__main__":
    main()
"""


@pytest.fixture
def hydra_repo(build, tmp_path):
    repo = build("labrepo")
    app = tmp_path / "app"
    (app / "conf" / "model").mkdir(parents=True)
    (app / "app.py").write_text(APP)
    (app / "conf" / "config.yaml").write_text(
        "defaults:\n  - model: resnet\n  - _self_\nuse_ema: false\nwarmup: 0\narch: resnet50\n")
    (app / "conf" / "model" / "resnet.yaml").write_text("depth: 50\n")
    (app / "conf" / "model" / "vit.yaml").write_text("depth: 12\n")

    def hydra(*args):
        subprocess.run([sys.executable, str(app / "app.py"), *args], cwd=repo, check=True, timeout=120,
                       capture_output=True)

    hydra("model=vit", "use_ema=true", "hydra.run.dir=outputs/2026-06-01/10-00-00")
    hydra("-m", "arch=resnet50,vit_b", "hydra.sweep.dir=multirun/2026-06-02/09-00-00")
    return repo


def test_hydra_job_folders(hydra_repo):
    listed = json.loads(run("experiments", hydra_repo, "--as-of", "2026-06-30", "--output-format", "json").output)
    rows = {r["source"]: r for r in listed if "/.hydra" in r["source"]}
    assert set(rows) == {"outputs/2026-06-01/10-00-00/.hydra", "multirun/2026-06-02/09-00-00/0/.hydra",
                         "multirun/2026-06-02/09-00-00/1/.hydra"}
    single = rows["outputs/2026-06-01/10-00-00/.hydra"]
    assert single["dated_by"] == "folder name" and single["date"].startswith("2026-06-01T10:00:00")
    # the composed config, and runtime.choices as the variant evidence `model=vit`
    assert single["settings"] == {"use_ema": True, "warmup": 0, "arch": "resnet50", "model.depth": 12,
                                  "model": "vit"}
    assert {rows[f"multirun/2026-06-02/09-00-00/{i}/.hydra"]["settings"]["arch"] for i in (0, 1)} == \
        {"resnet50", "vit_b"}
    assert rows["multirun/2026-06-02/09-00-00/1/.hydra"]["date"].startswith("2026-06-02T09:00:00")


def test_hydra_runs_judge_train_flags(hydra_repo):
    doc = check_json(hydra_repo, *ALL)
    stale = stale_flags(doc)
    assert "use_ema" not in stale and "warmup" in stale
    assert doc["errors"] == []


def test_bad_hydra_record_is_reported(hydra_repo):
    (hydra_repo / "outputs/2026-06-01/10-00-00/.hydra/config.yaml").write_text("use_ema: [unclosed\n")
    doc = check_json(hydra_repo, *ALL)
    [error] = doc["errors"]
    assert error["code"] == "STL906" and error["path"] == "outputs/2026-06-01/10-00-00/.hydra"
    assert "cannot read Hydra job record" in error["message"]
    assert stale_flags(doc)["use_ema"]["incomplete"] is True


def test_hydra_job_of_the_repos_own_app_keeps_a_variant_alive(build, tmp_path):
    """hydrarepo's own src/train.py, run by hydra-core: its job record selects model=tiny and sets
    use_amp, both stale in the baseline (STL201, STL102)."""
    repo = build("hydrarepo")
    before = check_json(repo, *ALL)
    assert "model=tiny" in by_code(before, "STL201") and "use_amp" in stale_flags(before)
    (tmp_path / "nets.py").write_text("class Net:\n    def __init__(self, **kw):\n        self.kw = kw\n")
    env = dict(__import__("os").environ, PYTHONPATH=str(tmp_path))
    subprocess.run([sys.executable, "src/train.py", "model=tiny", "use_amp=true",
                    "hydra.run.dir=outputs/2026-06-01/10-00-00"], cwd=repo, env=env, check=True, timeout=120,
                   capture_output=True)
    after = check_json(repo, *ALL)
    assert "model=tiny" not in by_code(after, "STL201")
    assert "use_amp" not in stale_flags(after)
    assert after["errors"] == []

"""Cases found on held-out research repos of set M (drqv2), reduced to small repos: a defaults
list entry that names the group's package (`task@_global_: walk`)."""
import json

from conftest import AS_OF, run, write_files
from stalelint import check, config


def test_a_defaults_entry_with_a_package_selects_the_groups_option(tmp_path):
    """drqv2's `- task@_global_: quadruped_walk`: the option is `task/quadruped_walk.yaml` (no error
    that `task@_global_/quadruped_walk.yaml` is missing), it is the default choice (no stale variant),
    and its keys sit at the top of the config (`task_name`, not `task.task_name`)."""
    write_files(tmp_path, {
        "cfgs/config.yaml": "defaults:\n  - _self_\n  - task@_global_: walk\nlr: 0.1\n",
        "cfgs/task/walk.yaml": "defaults:\n  - medium\n  - _self_\ntask_name: walk\n",
        "cfgs/task/run.yaml": "defaults:\n  - hard\n  - _self_\ntask_name: run\n",
        "cfgs/task/medium.yaml": "frames: 10\n",
        "cfgs/task/hard.yaml": "frames: 30\n",
        "train.py": """\
            import hydra

            @hydra.main(config_path="cfgs", config_name="config")
            def main(cfg):
                print(cfg.lr, cfg.task_name, cfg.frames)

            main()
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert not [e for e in doc["errors"] if e["code"] == "STL903"], doc["errors"]
    variants = {f["name"] for f in doc["findings"] if f["code"] == "STL201"}
    assert "walk" not in variants and "medium" not in variants  # the default, and what it pulls in
    settings = config.load(tmp_path)
    facts = check.analyse(tmp_path, settings, check.window_for(AS_OF, settings.since_days), use_cache=False)[1]
    names = {k.name for k in facts.index.knobs if k.system == "hydra"}
    assert "task_name" in names and "task.task_name" not in names

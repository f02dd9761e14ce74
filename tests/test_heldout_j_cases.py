"""Cases found on held-out research repos of set J (HALOs, omni3d), reduced to small repos: an
override whose value is a launch script's argument, Hydra's `???` in a defaults list, and a key a
project re-pins in a library's config section."""
import json

from conftest import run, write_files
from stalelint.evidence import launch


def test_an_override_set_from_a_scripts_argument_is_set_to_an_unknown_value():
    """HALOs' `LR=$2` then `launch.py ... ++lr=${LR}`: `lr` is set (its value is not known here),
    not left at its default; a whole argument not known (`$4`) sets nothing."""
    from stalelint.model import UNKNOWN
    [cmd] = launch.commands("run.sh", "LR=$2\npython launch.py loss=kto ++lr=${LR} $4 --seed $5\n")
    settings, _ = launch.parse_args(cmd.args, lambda o: None)
    assert [(s.key, s.value) for s in settings] == [("loss", "kto"), ("++lr", UNKNOWN), ("--seed", UNKNOWN)]


def test_hydra_missing_marker_and_a_repinned_library_key(tmp_path):
    write_files(tmp_path, {
        "conf/config.yaml": "defaults:\n  - model: ???\n  - _self_\nlr: 0.1\n",
        "conf/model/small.yaml": "width: 8\n",
        "train.py": """\
            import hydra

            @hydra.main(config_path="conf", config_name="config")
            def main(cfg):
                print(cfg.lr, cfg.model.width)

            main()
            """,
        "cubercnn/__init__.py": "",
        "cubercnn/config.py": """\
            from detectron2.config import CfgNode as CN

            def get_cfg_defaults(cfg):
                cfg.TEST.DETECTIONS_PER_IMAGE = 100
                cfg.MODEL.CUBE = CN()
                cfg.MODEL.CUBE.UNREAD_KNOB = 1
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert not [e for e in doc["errors"] if "???" in e["message"]], doc["errors"]
    unread = {f["name"]: f for f in doc["findings"] if f["code"] == "STL101"}
    assert unread["test.detections_per_image"]["confidence"] == 40
    assert "a section of a library's config" in unread["test.detections_per_image"]["message"]
    assert unread["model.cube.unread_knob"]["confidence"] == 90


def test_a_wrapper_nothing_calls_is_run_as_it_is(tmp_path):
    """tree-of-thought-llm's scripts/game24/bfs.sh: `python run.py --task game24 ... ${@}`, which no
    script of the repo calls: it is run as it is, an experiment with its own options. A wrapper a
    README calls (`bash scripts/train.sh --lr 2`) is an experiment through its callers only."""
    write_files(tmp_path, {
        "run.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--task", default="text")
            p.add_argument("--lr", type=float, default=1.0)
            args = p.parse_args()
            print(args.task, args.lr)
            """,
        "scripts/bfs.sh": "python run.py --task game24 ${@}\n",
        "scripts/train.sh": "python run.py --task text \"$@\"\n",
        "README.md": "```\nbash scripts/train.sh --lr 2\n```\n",
    })
    found = json.loads(run("experiments", tmp_path, "--output-format", "json").output)
    got = sorted((e["source"], e["entry"], sorted(e["settings"].items())) for e in found)
    assert got == [("README.md", "run.py", [("--lr", "2"), ("--task", "text")]),
                   ("scripts/bfs.sh", "run.py", [("--task", "game24")])], got


def test_a_code_block_opened_and_closed_on_one_line_holds_a_command():
    """HALOs' README: ```accelerate launch ... launch.py loss=sft model=llama``` on one line."""
    text = ("To SFT a model, run\n\n```accelerate launch --config_file a.yaml launch.py loss=sft model=llama```\n\n"
            "```bash\npython x.py --lr 1\n```\n``````\n")
    assert [(c.entry, c.args) for c in launch.commands("README.md", text)] == [
        ("launch.py", ("loss=sft", "model=llama")), ("x.py", ("--lr", "1"))]

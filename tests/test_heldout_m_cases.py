"""Cases found on held-out research repos of set M (drqv2), reduced to small repos: a defaults
list entry that names the group's package (`task@_global_: walk`)."""
import json

from conftest import AS_OF, git, run, write_files
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


def test_a_script_path_written_from_the_folder_above_the_checkout_is_found():
    """open_flamingo's slurm scripts run `python open_flamingo/open_flamingo/train/train.py` from
    the folder holding the checkout: the repo's `open_flamingo/train/train.py`. An absolute path
    finds its repo tail too; a path through `..` names another project's file, not this one's."""
    from stalelint.discover import find_named
    files = {"open_flamingo/train/train.py", "train.py", "scripts/run.sh"}
    assert find_named("open_flamingo/open_flamingo/train/train.py", "scripts/run.sh", files, False) \
        == "open_flamingo/train/train.py"
    assert find_named("/home/me/code/open_flamingo/train/train.py", "scripts/run.sh", files, False) \
        == "open_flamingo/train/train.py"
    assert find_named("../other/train.py", "scripts/run.sh", files, False) is None
    assert find_named("../other/open_flamingo/train/train.py", "run.sh", files, False) is None
    assert find_named("elsewhere/train.py", "scripts/run.sh", files, False) is None  # a bare file name is too weak


def _unknown_option_confidence(tmp_path, parse: str) -> int:
    write_files(tmp_path, {
        "params.py": f"""\
            import argparse

            def parse_args(argv):
                config_parser = argparse.ArgumentParser()
                config_parser.add_argument("--config", type=str)
                parser = argparse.ArgumentParser()
                parser.add_argument("--global-batch-size", type=int, default=8)
                parser.add_argument("--lr", type=float, default=0.1)
                {parse}
                return args
            """,
        "main.py": "import sys\nfrom params import parse_args\nargs = parse_args(sys.argv[1:])\n"
                   "print(args.global_batch_size, args.lr)\n",
        "train.sh": "python main.py --batch-size 16 --lr 0.2\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    [found] = [f for f in doc["findings"] if f["code"] == "STL103"]
    return found["confidence"]


def test_a_config_pre_parse_does_not_pass_unknown_options_on(tmp_path):
    """open_lm (and timm's train.py): `config_parser.parse_known_args` reads only `--config`; the
    rest goes to the real parser's parse_args, which rejects `--batch-size` (renamed
    `--global-batch-size`): a sure STL103, not "may pass the option on"."""
    pre = ("args, rest = config_parser.parse_known_args(argv)\n"
           "                args = parser.parse_args(rest)")
    assert _unknown_option_confidence(tmp_path, pre) == 90


def test_parse_known_args_on_the_real_parser_still_may_pass_options_on(tmp_path):
    assert _unknown_option_confidence(tmp_path, "args, rest = parser.parse_known_args(argv)") == 40


def test_a_markdown_command_after_a_triple_chevron_prompt_is_read():
    """open_lm's README: an unlabelled code block of `>>> export ...` / `>>> torchrun ... \\`."""
    from stalelint.evidence import launch
    text = "```\n>>> export CUDA_VISIBLE_DEVICES=0,1\n>>> torchrun --nproc-per-node 4 -m open_lm.main \\\n --model m3b \\\n --lr 3e-4\n```\n"
    [cmd] = launch.commands("README.md", text)
    assert (cmd.entry, cmd.module, cmd.args) == ("open_lm.main", True, ("--model", "m3b", "--lr", "3e-4"))


def test_commands_in_an_html_pre_block_are_read():
    """BLIP's README holds its commands in `<pre>...</pre>`, on one line or several."""
    from stalelint.evidence import launch
    text = ("To install, run <pre/>pip install -r requirements.txt</pre>\n"
            "<pre>python -m torch.distributed.run --nproc_per_node=8 train_retrieval.py \\\n"
            "--config ./configs/retrieval_coco.yaml \\\n--evaluate</pre> \n"
            "Then <pre>python train_vqa.py --lr 1e-5 &amp;&amp; python eval.py</pre>\n"
            "python prose.py --is-not-a-command\n")
    found = [(c.entry, c.args) for c in launch.commands("README.md", text)]
    assert found == [("train_retrieval.py", ("--config", "./configs/retrieval_coco.yaml", "--evaluate")),
                     ("train_vqa.py", ("--lr", "1e-5")), ("eval.py", ())]


def test_shell_brace_expansion_selects_every_option(tmp_path):
    """s4's models/s4/experiments.md: `experiment=forecasting/s4-informer-{etth,ecl}` is two
    selections, so neither dataset those experiment files pick is an unused variant."""
    from stalelint.evidence import launch
    assert launch.braces("x=a-{b,c}") == ["x=a-b", "x=a-c"]
    assert launch.braces("model={a:1,b:2}") == ["model={a:1,b:2}"]  # a Hydra dict, not a brace group
    assert launch.braces("${X}") == ["${X}"]
    [cmd] = launch.commands("run.sh", "python -m train experiment=forecasting/s4-informer-{etth,ecl} d=1\n")
    assert cmd.args == ("experiment=forecasting/s4-informer-etth", "experiment=forecasting/s4-informer-ecl", "d=1")


def test_a_hydra_override_of_a_key_the_selected_experiment_sets_is_known(tmp_path):
    """s4's configs/experiment/s4nd/README.md: `experiment=s4nd/vit model.use_cls_token=true`, a key
    only the experiment file adds; and `train.state_hook._name_=x`, a Hydra meta key. Neither is an
    unknown key; a key neither the config nor the experiment has still is."""
    write_files(tmp_path, {
        "configs/config.yaml": "defaults:\n  - _self_\n  - model: base\ntrain:\n  lr: 0.1\n  state_hook:\n    _name_: null\n",
        "configs/model/base.yaml": "depth: 2\n",
        "configs/experiment/vit.yaml": "# @package _global_\nmodel:\n  use_cls_token: false\n",
        "train.py": """\
            import hydra

            @hydra.main(config_path="configs", config_name="config")
            def main(cfg):
                print(cfg.train.lr, cfg.model.depth, cfg.model.get("use_cls_token"))

            main()
            """,
        "README.md": "```bash\npython train.py experiment=vit model.use_cls_token=true train.state_hook._name_=x "
                     "train.epochs=3\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103") == ["train.epochs"]


def test_inline_code_commands_in_prose_are_read():
    """s4's configs/README.md: "e.g.: `python -m train pipeline=cifar model=transformer`"."""
    from stalelint.evidence import launch
    text = ("Any pipeline with any model, e.g.: `python -m train pipeline=cifar model=transformer`.\n"
            "Set `--lr` or run `CUDA_VISIBLE_DEVICES=0 python train.py --x 1`; not ```python a.py```x.\n")
    assert [(c.entry, c.args) for c in launch.commands("README.md", text)] == [
        ("train", ("pipeline=cifar", "model=transformer")), ("train.py", ("--x", "1"))]


def test_notes_for_coding_agents_are_no_experiments_anywhere(tmp_path):
    """torchtitan's torchtitan/experiments/rl/.claude/skills/.../SKILL.md: a nested `.claude` folder."""
    from stalelint.discover import glob_match
    from stalelint.config import DEFAULTS
    assert glob_match("torchtitan/experiments/rl/.claude/skills/x/SKILL.md", DEFAULTS["exclude"])
    assert glob_match(".claude/skills/x/SKILL.md", DEFAULTS["exclude"])


def test_a_variant_last_selected_by_a_shipped_experiment_config_is_hidden(tmp_path):
    """s4's `model/layer=performer`, selected only by configs/experiment/sc/transformer-sc.yaml
    (2022), which still ships: a paper's recipe, so 40 and hidden; an option selected only by a
    config under an archive folder (`configs/experiment/old/`) is still the headline."""
    write_files(tmp_path, {
        "configs/config.yaml": "defaults:\n  - _self_\n  - layer: s4\nlr: 0.1\n",
        "configs/layer/s4.yaml": "d: 1\n",
        "configs/layer/performer.yaml": "d: 2\n",
        "configs/layer/lstm.yaml": "d: 3\n",
        "configs/experiment/sc.yaml": "# @package _global_\ndefaults:\n  - override /layer: performer\n",
        "configs/experiment/old/rnn.yaml": "# @package _global_\ndefaults:\n  - override /layer: lstm\n",
        "train.py": """\
            import hydra

            @hydra.main(config_path="configs", config_name="config")
            def main(cfg):
                print(cfg.lr, cfg.layer.d)

            main()
            """,
    })
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "old", date="2025-01-10T12:00:00")
    for n in range(3):
        (tmp_path / "configs" / "experiment" / f"run{n}.yaml").write_text(f"# @package _global_\nlr: 0.{n + 2}\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "recent", date="2026-01-10T12:00:00")
    doc = json.loads(run("check", tmp_path, "--as-of", "2026-02-01", "--output-format", "json",
                         "--min-confidence", "0").output)
    got = {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL201"}
    assert got == {"layer=performer": 40, "layer=lstm": 90}, got


def test_draccus_choice_type_keys_are_known(tmp_path):
    """levanter: `model: {type: llama}` picks a registered subclass of a draccus ChoiceRegistry
    config; 77 of its 85 STL103 findings were such `type` keys. Other unknown keys still count."""
    write_files(tmp_path, {
        "train.py": """\
            from dataclasses import dataclass, field
            import draccus

            @dataclass
            class ModelConfig(draccus.ChoiceRegistry):
                hidden: int = 8

            @dataclass
            class TrainConfig:
                model: ModelConfig = field(default_factory=ModelConfig)
                lr: float = 0.1

            @draccus.wrap()
            def main(cfg: TrainConfig):
                print(cfg.lr, cfg.model.hidden)
            """,
        "config/run.yaml": "lr: 0.2\nmodel:\n  type: llama\n  hidden: 16\n  hiddne: 3\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103") == ["model.hiddne"]


def test_a_config_class_a_table_fills_in_by_position_is_a_record(tmp_path):
    """levanter's `TPUConfig("v4-8", 4, 1, 1, 4)` table: the class is built by code, positionally;
    its unread fields may be data, not knobs (40, hidden), as for `Cfg(depth=3)`."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class TPUConfig:
                name: str
                chip_count: int
                host_count: int

            @dataclass
            class RunConfig:
                lr: float = 0.1
                unused_knob: int = 3

            TABLE = [TPUConfig("v4-8", 4, 1), TPUConfig("v4-16", 8, 2)]
            p = argparse.ArgumentParser()
            p.add_argument("--tpu", default="v4-8")
            args = p.parse_args()
            print([t.name for t in TABLE if t.name == args.tpu], RunConfig().lr)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    unread = {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL101"}
    assert unread.get("chip_count") == 40 and unread.get("host_count") == 40, unread


def test_where_a_job_runs_is_operational():
    """levanter's infra/push_docker.py `--image levanter-cluster`: the container a job runs in."""
    from stalelint.model import Knob
    from stalelint.rules.common import operational_flag

    def capped(name):
        return operational_flag(Knob(name, "flag", "argparse", "push.py", 1, 1, 1)) is not None
    assert all(capped(n) for n in ("image", "docker_file", "zone", "tpu_zone", "region", "cluster", "hf_save_steps",
                                   "initialize_from_hf", "init_from", "resume_from_checkpoint"))
    assert not any(capped(n) for n in ("image_size", "images_per_batch", "num_clusters", "use_log_scale"))

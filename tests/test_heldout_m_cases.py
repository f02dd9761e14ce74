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

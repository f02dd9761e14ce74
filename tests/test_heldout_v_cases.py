"""Cases found on held-out research repos of set V (direct-preference-optimization, llama2.c),
reduced to small repos: commands in an indented Markdown code block, and a positional argparse
argument set by a command's positional word."""
import json

from conftest import git, run, write_files


def test_commands_in_an_indented_code_block_are_read():
    """DPO's README keeps its commands in indented (4-space) code blocks, CommonMark's older form;
    a list item's indented prose and an indented line after prose are no commands."""
    from stalelint.evidence import launch
    text = ("Run SFT:\n\n    python -u train.py model=pythia69 loss=sft \\\n        batch_size=64\n\n"
            "Then DPO:\n\n\t$ python -u train.py loss=dpo loss.beta=0.1\n    python eval.py --n 2\n\n"
            "1. Install\n\n    the requirements with pip first\n"
            "Some prose\n    python prose.py --is-a-paragraph-continuation\n")
    found = [(c.entry, c.args) for c in launch.commands("README.md", text)]
    assert found == [("train.py", ("model=pythia69", "loss=sft", "batch_size=64")),
                     ("train.py", ("loss=dpo", "loss.beta=0.1")), ("eval.py", ("--n", "2"))]


def test_a_commands_positional_word_sets_the_scripts_positional_argument(tmp_path):
    """llama2.c's README runs `python tinystories.py download` / `train_vocab` / `pretokenize`, the
    choices of `parser.add_argument("stage", choices=[...])` that the script dispatches on: all three
    are selected; a choice no command names is the one unselected variant."""
    write_files(tmp_path, {
        "tinystories.py": """\
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument("stage", type=str, choices=["download", "pretokenize", "train_vocab", "legacy"])
            parser.add_argument("--vocab_size", type=int, default=0)
            args = parser.parse_args()
            if args.stage == "download":
                print("d")
            elif args.stage == "train_vocab":
                print("v", args.vocab_size)
            elif args.stage == "pretokenize":
                print("p")
            elif args.stage == "legacy":
                print("l")
            """,
        "README.md": "```bash\npython tinystories.py download\npython tinystories.py train_vocab --vocab_size=512\n"
                     "python tinystories.py pretokenize --vocab_size 512\n```\n",
    })
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "stages")
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0",
                         "--as-of", "2026-03-01").output)
    unselected = sorted(f["name"] for f in doc["findings"] if f["code"] == "STL201")
    assert unselected == ["legacy"], unselected


def test_an_unknown_option_in_an_archived_script_is_doubtful(tmp_path):
    """open-instruct's docs/archived_dev_scripts/ keeps old launch scripts "for historical reference
    and not runnable": their removed options are 30, not 90; the same option in a live script is 90."""
    write_files(tmp_path, {
        "train.py": "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float, default=0.1)\n"
                    "print(p.parse_args().lr)\n",
        "scripts/run.sh": "python train.py --lr 0.2 --eval_mixer a\n",
        "docs/archived_dev_scripts/olmo.sh": "python train.py --lr 0.3 --eval_mixer b\n",
    })
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "scripts")
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0",
                         "--as-of", "2026-03-01").output)
    got = sorted((f["path"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL103")
    assert got == [("docs/archived_dev_scripts/olmo.sh", 30), ("scripts/run.sh", 90)]


def test_whether_a_run_reports_to_a_tracker_is_operational():
    from stalelint.rules.common import _OPERATIONAL_FLAG, archived
    for name in ("with_tracking", "track", "use_wandb", "enable_tensorboard"):
        assert _OPERATIONAL_FLAG.fullmatch(name), name
    for name in ("track_running_stats", "tracker_decay", "use_tbptt"):
        assert not _OPERATIONAL_FLAG.fullmatch(name), name
    assert archived("docs/archived_dev_scripts/x.sh") and archived("configs/old/a.yaml")
    assert not archived("scripts/oldies.sh") and not archived("configs/golden/a.yaml")


def test_a_usage_synopsis_brackets_are_no_part_of_the_options():
    """SegFormer's docs/useful_tools.md: `python tools/pytorch2onnx.py ${CONFIG} [--shape ${SHAPE} --verify]`:
    the options are `--shape` and `--verify`, not `[--shape` and `--verify]`; a Hydra list value keeps its brackets."""
    from stalelint.evidence import launch
    settings, _ = launch.parse_args(("cfg.py", "datasets=[hh]", "[--shape", "512", "--verify]", "[--opt=1]"),
                                    lambda option: None)
    assert [(s.key, s.value) for s in settings] == [("datasets", "[hh]"), ("--shape", "512"), ("--verify", True),
                                                   ("--opt", "1")]

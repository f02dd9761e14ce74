"""Cases found on held-out research repos of set I (Detic), reduced to a small repo: a script whose
parser a library's function makes and that adds no option of its own."""
import json

from conftest import run, write_files


def test_options_of_a_parser_a_library_function_made_are_the_librarys(tmp_path):
    """Detic's train_net.py: `args = default_argument_parser(); args = args.parse_args()`, run by
    MODEL_ZOO.md with `--config-file`, `--num-gpus`, `--eval-only`: detectron2's options."""
    write_files(tmp_path, {
        "train_net.py": """\
            from detectron2.engine import default_argument_parser
            from demo_args import get_parser  # a module with flags of its own, in the script's reach

            if __name__ == "__main__":
                args = default_argument_parser()
                args = args.parse_args()
                print(args.config_file, args.num_gpus)
            """,
        "demo_args.py": """\
            import argparse

            def get_parser():
                parser = argparse.ArgumentParser()
                parser.add_argument("--webcam", action="store_true")
                return parser
            """,
        "tools/own.py": """\
            import argparse

            def make_parser():
                return argparse.ArgumentParser()

            if __name__ == "__main__":
                parser = make_parser()
                parser.add_argument("--lr", type=float)
                args = parser.parse_args()
                print(args.lr)
            """,
        "MODEL_ZOO.md": "```\npython train_net.py --config-file a.yaml --num-gpus 8 --eval-only\n"
                        "python tools/own.py --lr 1 --lrr 2\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL103",
                         "--min-confidence", "0").output)
    got = {f["name"]: f["confidence"] for f in doc["findings"]}
    assert got == {"config-file": 30, "num-gpus": 30, "eval-only": 30, "lrr": 90}, got


def test_a_script_path_through_a_variable_and_options_held_in_one(tmp_path):
    """gsplat's benchmarks: `EXAMPLES_DIR=$SDIR/..` (SDIR from `$(cd ...)`), then `python
    $EXAMPLES_DIR/simple_trainer.py ... --packed`; AV_TRAINER.md's `$COMMON` holds several options;
    bd3lms's `loss_mode=$5` is the wrapper's fifth argument, not the text `$5`."""
    from stalelint.evidence import launch
    text = ('SDIR=$(cd -- "$(dirname "$0")" && pwd -P)\nEXAMPLES_DIR=$SDIR/..\n'
            'COMMON="--scene a --max-steps 10"\nloss_mode=$5\n'
            "python $EXAMPLES_DIR/simple_trainer.py default --packed $COMMON --loss_mode ${loss_mode} --seed $1\n"
            "D=examples\npython $D/t.py --lr 1\n")
    assert [(c.entry, c.args) for c in launch.commands("run.sh", text)] == [
        ("simple_trainer.py", ("default", "--packed", "--scene", "a", "--max-steps", "10",
                               "--loss_mode", "\0unknown", "--seed", "\0unknown")),
        ("examples/t.py", ("--lr", "1"))]


def test_a_branch_for_a_choice_no_experiment_made_is_an_option_offered(tmp_path):
    """gsplat's `if cfg.post_processing == "ppisp" and ...:` while runs choose `bilateral_grid` or
    nothing: a choice offered, hidden like a variant no experiment chose; the demo's
    `if args.batch_size > 1024:` while runs use 256 and 512 stays a dead trick."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--post_processing", default=None)
            p.add_argument("--batch_size", type=int, default=128)
            args = p.parse_args()
            if args.post_processing == "ppisp" and args.batch_size != 1:
                raise ValueError("ppisp needs batch size 1")
            if args.batch_size > 1024:
                print("scale the learning rate")
            """,
        **{f"runs/{n}.sh": f"python train.py --post_processing bilateral_grid --batch_size {b}\n"
           for n, b in (("a", 256), ("b", 512), ("c", 256))},
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL301",
                         "--min-confidence", "0", "--grace", "0d").output)
    got = {(f["name"], f["line"]): f for f in doc["findings"]}
    assert got[("post_processing", 6)]["confidence"] == 40
    assert "no experiment ever chose 'ppisp'" in got[("post_processing", 6)]["message"]
    assert got[("batch_size", 8)]["confidence"] == 90


def test_a_nested_negated_switch_sets_its_flag_to_false():
    """lm-human-preference-details (tyro): `--reward.no_use_tensorflow_adam` sets
    `reward.use_tensorflow_adam` to False."""
    from stalelint.evidence import launch
    assert launch.negated("--reward.no_use_tensorflow_adam") == "--reward.use_tensorflow_adam"
    assert launch.negated("--no-ema") == "--ema" and launch.negated("--notes") is None
    settings, _ = launch.parse_args(("--reward.no_use_tensorflow_adam", "--lr", "1"), lambda o: None)
    assert [(s.key, s.form) for s in settings][0] == ("--reward.no_use_tensorflow_adam", "negated")

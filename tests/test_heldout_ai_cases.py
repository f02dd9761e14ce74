"""Cases found on held-out research repos of set AI, reduced to small repos: a short option with
its value written on (SfmLearner-Pytorch's README: `-b4 -m0.2 -s0.1`), a Python config's helper
variables (QueryInst, an mmdetection fork: `train_pipeline`)."""
import json

from conftest import run, write_files


def test_a_short_option_with_its_value_attached_is_that_option(tmp_path):
    """argparse reads `-b4` as `-b 4`: no unknown option `b4`, and `--batch-size` is set to 4. A
    token the script defines whole (`-ab`) or a short option that takes no value (`-v1`) is left
    as it is."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("-b", "--batch-size", type=int, default=8)
            p.add_argument("-m", "--mask-loss-weight", type=float, default=0.0)
            p.add_argument("-v", "--verbose", action="store_true")
            args = p.parse_args()
            print(args.batch_size, args.mask_loss_weight, args.verbose)
            """,
        "README.md": "```\npython train.py -b4 -m0.2 --verbose\npython train.py -v1\n```\n",
    })
    found = json.loads(run("experiments", tmp_path, "--output-format", "json").output)
    got = sorted((e["line"], e["settings"]) for e in found)
    assert got == [(2, {"-b": "4", "-m": "0.2", "--verbose": True}), (3, {"-v1": True})]
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    unknown = sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103")
    assert unknown == ["v1"]


def test_a_python_configs_helper_variables_are_no_unknown_keys(tmp_path):
    """mmdetection's configs: `train_pipeline = [...]` then `data = dict(train=dict(pipeline=
    train_pipeline))`, `input_size = 512` used below it. They are keys of the config it makes, but
    helpers of the file, which no code need define; a key the file does not use is still checked."""
    write_files(tmp_path, {
        "tools/train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("config")
            p.add_argument("--work_dir", default="out")
            p.add_argument("--seed", type=int, default=0)
            p.add_argument("--gpus", type=int, default=1)
            p.add_argument("--total_epochs", type=int, default=12)
            args = p.parse_args()
            print(args.config, args.work_dir, args.seed, args.gpus, args.total_epochs)
            """,
        "configs/ssd512.py": """\
            input_size = 512
            train_pipeline = [dict(type="Resize", img_scale=(input_size, input_size))]
            data = dict(train=dict(pipeline=train_pipeline))
            work_dir = "work_dirs/ssd512"
            seed = 1
            gpus = 8
            total_epochs = 24
            warmup_ratoi = 0.001
            """,
    })
    from stalelint.evidence.configs import read_settings
    text = (tmp_path / "configs/ssd512.py").read_text()
    forms = {s.key: s.form for s in read_settings("configs/ssd512.py", text)}
    assert forms["input_size"] == forms["train_pipeline"] == "local"
    assert forms["data"] == forms["seed"] == forms["warmup_ratoi"] == "value"
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    unknown = sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103")
    assert "input_size" not in unknown and "train_pipeline" not in unknown
    assert "warmup_ratoi" in unknown, unknown


def test_an_integer_coded_modes_arm_no_run_chose_is_an_option_offered(tmp_path):
    """VMZ's extract_features.py: `if args.sanity_check == 1: ... elif args.sanity_check == 2:`, with
    runs at 0 and 1: the `== 2` arm is one of the modes the chain offers (40), as a string dispatch's
    arm would be. A lone threshold on a number (`if args.epochs == 300:`) is still a trick (90)."""
    write_files(tmp_path, {
        "extract.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--sanity_check", type=int, default=0)
            p.add_argument("--epochs", type=int, default=100)
            args = p.parse_args()
            if args.sanity_check == 1:
                print("clip accuracy")
            elif args.sanity_check == 2:
                print("auc")
            if args.epochs == 300:
                print("long schedule")
            """,
        "run.sh": "python extract.py --sanity_check 1 --epochs 100\n" * 3 + "python extract.py --epochs 200\n" * 3,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0", "--grace", "0").output)
    tricks = {f["name"]: f for f in doc["findings"] if f["code"] == "STL301"}
    assert tricks["sanity_check"]["confidence"] == 40
    assert "one of the modes" in tricks["sanity_check"]["message"]
    assert tricks["epochs"]["confidence"] == 90

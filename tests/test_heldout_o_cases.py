"""Cases found on held-out research repos of set O (tab-ddpm, dust3r), reduced to small repos: a
config key code reads by a string subscript, and a namespace a function hands on to a module
missing from the tree (a git submodule not checked out)."""
import json

from conftest import run, write_files


def unknown_config_keys(tmp_path, reads: str, keys: str, confidence: bool = False) -> list:
    """STL103 names of exp/adult/config.toml, whose `seed`, `device` and `parent_dir` bind to an
    unrelated baseline script's flags by name (as tab-ddpm's did), with `keys` added to it, read by
    scripts/pipeline.py's `reads` (the lines after loading the TOML as `raw`)."""
    write_files(tmp_path, {
        "scripts/pipeline.py": "import argparse, types, tomli\nparser = argparse.ArgumentParser()\n"
                               "parser.add_argument(\"--config\")\nargs = parser.parse_args()\n"
                               "raw = tomli.load(open(args.config, \"rb\"))\n" + reads,
        "baseline.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--seed", type=int, default=0)
            p.add_argument("--device", default="cuda")
            p.add_argument("--parent_dir", default="exp")
            a = p.parse_args()
            print(a.seed, a.device, a.parent_dir)
            """,
        "exp/adult/config.toml": 'seed = 1\ndevice = "cuda:1"\nparent_dir = "exp/adult"\n' + keys,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = [f for f in doc["findings"] if f["code"] == "STL103"]
    return sorted((f["name"], f["confidence"]) if confidence else f["name"] for f in got)


def test_a_config_key_code_reads_by_subscript_is_no_unknown_key(tmp_path):
    """tab-ddpm: `raw_config = lib.load_config(path)` then `raw_config['num_numerical_features']`;
    the config's other keys bind by name to flags of unrelated scripts. The key code names in a
    string is read, so not STL103; a key no code names stays unknown."""
    assert unknown_config_keys(tmp_path, 'print(raw["seed"], raw["device"], raw["num_numerical_features"])\n',
                               "num_numerical_features = 6\nnum_numerical_featrues = 6\n") == ["num_numerical_featrues"]


def test_a_namespace_handed_on_to_a_module_missing_from_the_tree_may_be_read_there(tmp_path):
    """dust3r's `def train(args): misc.init_distributed_mode(args)` with `import croco.utils.misc as
    misc` from a submodule not checked out: `--dist_url` is read there (40, hidden), not "never read"."""
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/training.py": """\
            import argparse
            import croco.utils.misc as misc

            def get_args_parser():
                parser = argparse.ArgumentParser()
                parser.add_argument("--dist_url", default="env://")
                parser.add_argument("--lr", type=float, default=0.1)
                return parser

            def train(args):
                misc.init_distributed_mode(args)
                print(args.lr)
            """,
        "train.py": """\
            from pkg.training import get_args_parser, train
            args = get_args_parser()
            args = args.parse_args()
            train(args)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    [unread] = [f for f in doc["findings"] if f["code"] == "STL101"]
    assert unread["name"] == "dist_url" and unread["confidence"] == 40, unread
    assert "code outside the tree" in unread["message"]


# ---- cases from held-out set Q (LLaVA-NeXT, OLMo-core, Open-Reasoner-Zero) -------------------

def test_a_class_named_as_the_library_class_it_extends_extends_a_library(tmp_path):
    """LLaVA-NeXT: `class TrainingArguments(transformers.TrainingArguments)` in two scripts, with a
    nested folder named `transformers` (EasyR1's verl/models/transformers) in the repo: the
    parser takes the library's options (`--deepspeed`, `--bf16`): STL103 30, not 90."""
    write_files(tmp_path, {
        "vendor/verl/models/transformers/__init__.py": "",
        "llava/__init__.py": "",
        "llava/train/__init__.py": "",
        "llava/train/train.py": """\
            from dataclasses import dataclass, field
            import transformers

            @dataclass
            class TrainingArguments(transformers.TrainingArguments):
                mm_lr: float = field(default=1e-5)

            def train():
                parser = transformers.HfArgumentParser((TrainingArguments,))
                (args,) = parser.parse_args_into_dataclasses()
                print(args.mm_lr)
            """,
        "llava/train/train_dpo.py": """\
            from dataclasses import dataclass, field
            import transformers

            @dataclass
            class TrainingArguments(transformers.TrainingArguments):
                beta: float = field(default=0.1)
            """,
        "train.sh": "python llava/train/train.py --deepspeed zero3.json --bf16 True --mm_lr 2e-5\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    unknown = {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL103"}
    assert unknown == {"deepspeed": 30, "bf16": 30}, unknown


def test_the_words_after_a_launchers_double_dash_are_the_wrapped_programs():
    """OLMo-core's `python src/scripts/launch_test.py --gpus 2 -- pytest -v -s tests/x.py`."""
    from stalelint.evidence import launch
    [cmd] = launch.commands("run.sh", "python src/scripts/launch_test.py --gpus 2 -- pytest -v -s tests/x.py\n")
    assert cmd.args == ("--gpus", "2")


def test_a_dataclass_field_its_body_uses_as_a_default_is_read(tmp_path):
    """Open-Reasoner-Zero: `ref_num_nodes: int = total_num_nodes` in the config class body."""
    write_files(tmp_path, {
        "exp.py": """\
            from dataclasses import dataclass

            @dataclass
            class PPOExpConfig:
                total_num_nodes: int = 8
                ref_num_nodes: int = total_num_nodes
                dead_field: int = 3

            cfg = PPOExpConfig()
            print(cfg.ref_num_nodes)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL101") == ["dead_field"]


def test_an_exec_inside_a_function_is_no_configurator(tmp_path):
    """PRIME's eval/utils/execution.py: `BASE_IMPORTS = "..."` at module level and
    `exec(check_program, exec_globals)` in a function: a sandbox, not nanoGPT's configurator."""
    write_files(tmp_path, {
        "execution.py": 'BASE_IMPORTS = "import math"\nTIMEOUT = 3\n\n'
                        'def run(code):\n    g = {}\n    exec(code, g)\n    return g\n',
        "train.py": "batch_size = 8\nexec(open('configurator.py').read())\nprint(batch_size)\n",
        "configurator.py": "import sys\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert not [f for f in doc["findings"] if f["path"] == "execution.py"], doc["findings"]


def test_a_script_in_a_scripts_folder_runs_from_the_folder_above():
    """uda: image/scripts/run_cifar10_gpu.sh runs `python main.py` (image/main.py; text/main.py
    exists too, so the name alone is ambiguous); the root's file comes first where there is one."""
    from stalelint.discover import find_named
    files = {"image/main.py", "text/main.py", "image/scripts/run.sh", "train.py", "exp/scripts/go.sh"}
    assert find_named("main.py", "image/scripts/run.sh", files, False) == "image/main.py"
    assert find_named("train.py", "exp/scripts/go.sh", files, False) == "train.py"

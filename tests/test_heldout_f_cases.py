"""Cases found on held-out research repos of set F (LoRA, mmf) and set E (FastChat), each reduced
to a small repo: a config handed whole to a library through an `argparse.Namespace` parameter, a
config handed to a module missing from the tree, a launcher that forwards the rest of its command
to the script it runs, and an abbreviation several flags in reach start with."""
import json

from conftest import run, write_files


def _findings(root, *args):
    doc = json.loads(run("check", root, "--output-format", "json", "--min-confidence", "0", *args).output)
    return {(f["path"], f["name"]): f for f in doc["findings"]}


def test_a_namespace_parameter_handed_to_a_library_may_have_any_flag_read(tmp_path):
    """LoRA's lightning_base.py: `def generic_train(model, args: argparse.Namespace)` hands `args`
    to `pl.Trainer.from_argparse_args(args)`, which reads `--n_tpu_cores`'s `tpu_cores`."""
    write_files(tmp_path, {
        "base.py": """\
            import argparse
            import pytorch_lightning as pl

            def add_generic_args(parser):
                parser.add_argument("--n_tpu_cores", dest="tpu_cores", type=int)
                parser.add_argument("--seed", type=int, default=1)

            def generic_train(model, args: argparse.Namespace):
                pl.seed_everything(args.seed)
                return pl.Trainer.from_argparse_args(args, weights_summary=None)
            """,
        "plain.py": """\
            import argparse

            def fit(args: argparse.Namespace):
                print(args.seed)

            parser = argparse.ArgumentParser()
            parser.add_argument("--seed", type=int)
            parser.add_argument("--unused", type=int)
            fit(parser.parse_args())
            """,
    })
    got = _findings(tmp_path, "--select", "STL101")
    tpu = got[("base.py", "tpu_cores")]
    assert tpu["confidence"] == 40 and "pytorch_lightning.Trainer.from_argparse_args" in tpu["message"]
    assert got[("plain.py", "unused")]["confidence"] == 90  # handed to nothing outside the file


def test_a_config_handed_to_a_module_missing_from_the_tree_may_have_any_flag_read(tmp_path):
    """mmf's sweep library: `from .fblearner import main as backend_main` names a module its public
    copy lacks, and `backend_main(args)` may read every flag; `.slurm`'s main is there to see."""
    sweeps = """\
        import argparse

        def get_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--backend", default="slurm")
            parser.add_argument("--oncall", default="team")
            return parser.parse_args()

        def main():
            args = get_args()
            from .slurm import main as backend_main
            {other}backend_main(args)
        """
    write_files(tmp_path, {
        # the same library, once with a backend missing from the tree and once without
        "sweeps/__init__.py": sweeps.format(other="if args.backend != 'slurm':\n                from .fblearner import main as backend_main\n            "),
        "sweeps/slurm.py": "def main(args):\n    print(args.backend)\n",
        "local/__init__.py": sweeps.format(other=""),
        "local/slurm.py": "def main(args):\n    print(args.backend)\n",
    })
    got = _findings(tmp_path, "--select", "STL101")
    assert got[("sweeps/__init__.py", "oncall")]["confidence"] == 40
    assert "sweeps.fblearner.main" in got[("sweeps/__init__.py", "oncall")]["message"]
    assert got[("local/__init__.py", "oncall")]["confidence"] == 90


def test_options_a_launcher_forwards_to_its_script_are_not_its_own(tmp_path):
    """LoRA's `python xla_spawn.py --num_cores 8 run_glue.py --do_train ...`: xla_spawn.py takes the
    script and hands it everything after it (`nargs=REMAINDER`)."""
    write_files(tmp_path, {
        "xla_spawn.py": """\
            import sys
            from argparse import REMAINDER, ArgumentParser

            parser = ArgumentParser()
            parser.add_argument("--num_cores", type=int, default=1)
            parser.add_argument("training_script", type=str)
            parser.add_argument("training_script_args", nargs=REMAINDER)
            args = parser.parse_args()
            sys.argv = [args.training_script] + args.training_script_args
            print(args.num_cores)
            """,
        "run.py": """\
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument("--lr", type=float)
            print(parser.parse_args().lr)
            """,
        "README.md": "```\npython xla_spawn.py --num_cores 8 run.py --do_train --learning_rate 1e-4\n"
                     "python run.py --lr 1 --learnig_rate 2\n```\n",
    })
    assert set(_findings(tmp_path, "--select", "STL103")) == {("README.md", "learnig_rate")}


def test_an_abbreviation_several_flags_in_reach_start_with_is_doubtful(tmp_path):
    """FastChat's `python3 -m fastchat.serve.test_message --model vicuna-13b`: the script's parser
    has `--model-name`; a module it imports has `--model-path`. argparse takes `--model` for the
    one its parser has, which the index cannot tell apart."""
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/adapter.py": """\
            def add_model_args(parser):
                parser.add_argument("--model-path", default="x")
            """,
        "pkg/test_message.py": """\
            import argparse
            from pkg.adapter import add_model_args

            parser = argparse.ArgumentParser()
            parser.add_argument("--model-name", required=True)
            args = parser.parse_args()
            print(args.model_name, add_model_args)
            """,
        "README.md": "```\npython3 -m pkg.test_message --model vicuna --mdoel-name x\n```\n",
    })
    got = _findings(tmp_path, "--select", "STL103")
    assert got[("README.md", "model")]["confidence"] == 30
    assert "abbreviates `--model-name`, `--model-path`" in got[("README.md", "model")]["message"]
    assert got[("README.md", "mdoel-name")]["confidence"] == 90


def test_paths_after_a_cd_start_in_that_folder(tmp_path):
    """maskrcnn-benchmark's README: `cd demo` then `python webcam.py --config-file
    ../configs/caffe2/e2e_mask_rcnn_R_50_FPN_1x_caffe2.yaml`; the config is the experiment's."""
    from stalelint.evidence import launch
    text = ("```bash\ncd demo\npython webcam.py --config-file ../configs/a.yaml\n"
            "cd .. && python train.py\n```\n\n```\npython train.py\n```\n")
    assert [c.cwd for c in launch.commands("README.md", text)] == ["demo", "", None]
    write_files(tmp_path, {
        "demo/webcam.py": """\
            import argparse
            from lib.config import cfg
            parser = argparse.ArgumentParser()
            parser.add_argument("--config-file", default="")
            args = parser.parse_args()
            cfg.merge_from_file(args.config_file)
            print(cfg.MODEL.MASK_ON)
            """,
        "webcam.py": "print('a different script')\n",
        "lib/__init__.py": "",
        "lib/config.py": """\
            from yacs.config import CfgNode as CN
            cfg = CN()
            cfg.MODEL = CN()
            cfg.MODEL.MASK_ON = False
            """,
        "configs/a.yaml": "MODEL:\n  MASK_ON: True\n",
        "README.md": "```bash\ncd demo\npython webcam.py --config-file ../configs/a.yaml\n```\n",
    })
    found = json.loads(run("experiments", tmp_path, "--output-format", "json").output)
    readme = [e for e in found if e["source"] == "README.md"]
    assert [(e["entry"], e["includes"], e["settings"].get("MODEL.MASK_ON")) for e in readme] == [
        ("demo/webcam.py", ["configs/a.yaml"], True)]

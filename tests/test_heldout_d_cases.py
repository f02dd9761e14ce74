"""Cases found on a second round of held-out research repos (audiocraft, modded-nanogpt), each
reduced to a small repo: Hydra overrides after `torchrun ... -m pkg.mod`, a Markdown command whose
last line ends in a backslash, dora's `hydra_main`, and config classes defined by test code."""
import ast
import json
import textwrap

from conftest import git, run, write_files
from stalelint.discover import is_test_code
from stalelint.evidence import launch
from stalelint.index import hydra


def test_overrides_after_a_module_launched_by_torchrun_are_not_environment():
    text = ("torchrun --nnodes=1 --nproc_per_node=4 -m shampoo.examples.cifar10 \\\n"
            "    optimizer=shampoo parallelism=ddp\n"
            "CUDA_VISIBLE_DEVICES=0 python -m shampoo.examples.cifar10 optimizer=adam\n")
    found = launch.commands("run.sh", text)
    assert [(c.entry, c.module, c.args, c.env) for c in found] == [
        ("shampoo.examples.cifar10", True, ("optimizer=shampoo", "parallelism=ddp"), ()),
        ("shampoo.examples.cifar10", True, ("optimizer=adam",), (("CUDA_VISIBLE_DEVICES", "0"),))]


def test_a_backslash_on_the_last_line_of_a_code_block_ends_the_command():
    """open_clip's README: a block's last line ended in `\\`, and the next block's command was read
    as more arguments of it."""
    text = ("```bash\npython train.py --lr 0.1 \\\n```\n\nThen look at the logs:\n\n"
            "```bash\ntensorboard --logdir=logs/tensorboard/ --port=7777\npython eval.py --ckpt a\n```\n")
    found = launch.commands("README.md", text)
    assert [(c.entry, c.args) for c in found] == [("train.py", ("--lr", "0.1")), ("eval.py", ("--ckpt", "a"))]


def test_dora_hydra_main_is_a_hydra_entry_point():
    tree = ast.parse(textwrap.dedent("""\
        from dora import hydra_main
        import hydra

        @hydra_main(config_path="../config", config_name="config", version_base="1.1")
        def main(cfg):
            pass

        @hydra.main(config_path="conf", config_name="train")
        def other(cfg):
            pass

        @functools.lru_cache(maxsize=None)
        def not_hydra():
            pass
        """))
    assert hydra.mains(tree) == [("../config", "config"), ("conf", "train")]


def test_test_code_is_told_apart():
    assert is_test_code("tests/helpers.py") and is_test_code("pkg/tests/x_test.py")
    assert is_test_code("conftest.py") and is_test_code("test/test_model.py")
    assert not is_test_code("tools/test_net.py") and not is_test_code("test.py")
    assert not is_test_code("test/evaluate.py") and not is_test_code("latest/train.py")


def test_config_classes_and_flags_of_test_code_are_not_knobs(tmp_path):
    """modded-nanogpt's copy of distributed_shampoo: test classes define `unsupported_field: int = 0`
    to check an error is raised; they are fixtures, not knobs. The same class outside tests is one."""
    code = textwrap.dedent("""\
        import argparse
        from dataclasses import dataclass

        @dataclass
        class ProbeConfig:
            unsupported_field: int = 0

        parser = argparse.ArgumentParser()
        parser.add_argument("--legacy-init", action="store_true")
        args = parser.parse_args()
        """)
    for name in ("tests/shampoo_test.py", "pkg/tests/helpers.py", "pkg/probe.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    out = run("check", tmp_path, "--output-format", "json", "--select", "STL101", "--min-confidence", "0").output
    found = {(f["path"], f["name"]) for f in json.loads(out)["findings"]}
    assert found == {("pkg/probe.py", "unsupported_field"), ("pkg/probe.py", "legacy_init")}


def test_keys_named_beside_a_config_handed_to_a_helper_are_read(tmp_path):
    """detectron2: `_try_get_key(cfg, "CUDNN_BENCHMARK", "train.cudnn_benchmark", default=False)`
    reads the key through `OmegaConf.select(cfg, k)` inside the helper."""
    write_files(tmp_path, {"defaults.py": """\
        from yacs.config import CfgNode as CN
        _C = CN()
        _C.CUDNN_BENCHMARK = False
        _C.SEED = -1
        _C.VIS_PERIOD = 0

        def _try_get_key(cfg, *keys, default=None):
            for k in keys:
                p = OmegaConf.select(cfg, k, default=None)
                if p is not None:
                    return p
            return default

        def setup(cfg):
            torch.backends.cudnn.benchmark = _try_get_key(cfg, "CUDNN_BENCHMARK", "train.cudnn_benchmark", default=False)
            print(cfg.SEED)
            logger.info("Running with full config", cfg)
        """})
    out = run("check", tmp_path, "--output-format", "json", "--select", "STL101", "--min-confidence", "0").output
    assert {f["name"] for f in json.loads(out)["findings"]} == {"vis_period"}


def test_an_option_with_a_value_named_like_version_is_a_run_and_fire_kwargs_take_any_option(tmp_path):
    """LLaVA: `deepspeed train_mem.py ... --version v1` is a training run, not `--version` printing
    a version; `fire.Fire(main)` with `def main(task, **kwargs)` accepts every option."""
    found = launch.commands("finetune.sh", "deepspeed train.py --version v1 --lr 2e-5\npython train.py --version\n")
    assert [(c.entry, c.args) for c in found] == [("train.py", ("--version", "v1", "--lr", "2e-5"))]
    write_files(tmp_path, {
        "convert.py": """\
            import fire

            def convert(base_dir, split, prompt_format="QCM"):
                print(base_dir, split, prompt_format)

            def main(task, **kwargs):
                globals()[task](**kwargs)

            if __name__ == "__main__":
                fire.Fire(main)
            """,
        "strict.py": """\
            import fire

            def main(task, limit=3):
                print(task, limit)

            fire.Fire(main)
            """,
        "README.md": "```\npython convert.py convert --base-dir x --split test\npython strict.py a --limt 4\n```\n",
    })
    out = run("check", tmp_path, "--output-format", "json", "--select", "STL103", "--min-confidence", "0").output
    assert {(f["path"], f["name"]) for f in json.loads(out)["findings"]} == {("README.md", "limt")}


def test_unpacking_an_object_that_is_no_config_is_no_doubt_about_unread_flags(tmp_path):
    """ConvNeXt's mmcv hook `dict(log_dict, **runner.log_buffer.output)` made every unread flag of the
    repo 70 ("some config is unpacked into a call"); unpacking `vars(args)` still does."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument("--resplit", action="store_true")
            args = parser.parse_args()
            """,
        "hook.py": "def after(runner, log_dict):\n    return dict(log_dict, **runner.log_buffer.output)\n",
    })
    def confidence():
        out = run("check", tmp_path, "--output-format", "json", "--select", "STL101", "--min-confidence", "0").output
        return [f["confidence"] for f in json.loads(out)["findings"]]
    assert confidence() == [90]
    (tmp_path / "hook.py").write_text("def after(args, build):\n    return build(**vars(args))\n")
    assert confidence() == [70]


def test_where_a_resumed_run_starts_and_how_it_evaluates_are_operational():
    """OLMo's `epoch` (the epoch a resumed run starts at) and `eval_subset_num_batches`; `epochs`
    (how long a run trains) and `eval_metric_weight`-like research choices elsewhere stay judged."""
    from stalelint.model import Knob
    from stalelint.rules.common import operational_flag

    def capped(name):
        return operational_flag(Knob(name, "flag", "dataclass", "config.py", 1, 1, 1)) is not None
    assert all(capped(n) for n in ("epoch", "trainer.start_epoch", "resume_step", "eval_subset_num_batches"))
    assert not any(capped(n) for n in ("epochs", "max_epochs", "label_smoothing", "evaluator_temperature"))


# ---- cases from held-out set E (maskrcnn-benchmark, tdmpc2, FastChat, batch_rl) ----------------

def test_launcher_programs_after_a_colon_and_abbreviations_shared_by_scripts():
    """FastChat: `mpirun -n 1 numactl -N 0 python -m x ... : -n 1 numactl -N 1 python -m x ...`."""
    text = "mpirun -n 1 numactl -N 0 --localalloc python -m fastchat.serve.cli --xft-dtype bf16 : -n 1 numactl -N 1 python -m fastchat.serve.cli --xft-dtype bf16\n"
    assert [c.args for c in launch.commands("run.sh", text)] == [("--xft-dtype", "bf16")]


def test_environment_absl_libraries_and_gin_library_configurables_are_not_unknown(tmp_path):
    write_files(tmp_path, {
        "train.py": """\
            from absl import app, flags
            import gin
            from dopamine.discrete_domains import train as base_train
            flags.DEFINE_string("agent_name", "dqn", "agent")
            FLAGS = flags.FLAGS

            @gin.configurable
            class Agent:
                def __init__(self, gamma=0.99, eps=0.1, lr=0.001):
                    self.gamma, self.eps, self.lr = gamma, eps, lr

            def main(_):
                print(FLAGS.agent_name, FLAGS.base_dir)
            app.run(main)
            """,
        "strict.py": """\
            from absl import app, flags
            flags.DEFINE_integer("steps", 10, "steps")
            FLAGS = flags.FLAGS
            app.run(lambda _: print(FLAGS.steps))
            """,
        "configs/c51.gin": "Agent.gamma = 0.9\nAgent.eps = 0.2\nAgent.lr = 0.01\nRainbowAgent.gamma = 0.99\n"
                           "RainbowAgent.vmax = 10.\nAgent.gama = 0.5\n",
        "README.md": "```\nexport MS2_ASSET_DIR=~/data\npython train.py --base_dir /tmp --agent_name c51\n"
                     "python strict.py --stpes 3\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL103",
                         "--min-confidence", "0").output)
    got = {(f["path"], f["name"]): f["confidence"] for f in doc["findings"]}
    assert got[("README.md", "base_dir")] == 30 and got[("README.md", "stpes")] == 90
    assert not [k for k in got if "MS2_ASSET_DIR" in k[1] or k[1].startswith("RainbowAgent")]


_git = git


def test_a_flag_last_set_by_a_recipe_the_docs_or_tests_name_is_hidden(tmp_path):
    """maskrcnn-benchmark: STL102 named knobs of model-zoo configs that MODEL_ZOO.md lists or that
    tests/test_configs.py loads by a glob. Any config still shipped outside an archive folder is a
    recipe kept (sets D-M: 38 of 39 such findings rejected); an old config in `configs/old/` that
    nothing names is the trial left behind, the headline."""
    write_files(tmp_path, {
        "train.py": """\
            import yaml, sys
            cfg = {"use_gn": False, "use_ema": False, "lr": 0.1}
            cfg.update(yaml.safe_load(open(sys.argv[1])))
            if cfg["use_gn"]:
                print("gn")
            if cfg["use_ema"]:
                print("ema")
            print(cfg["lr"])
            """,
        "configs/gn_baseline_R50.yaml": "use_gn: true\n",
        "configs/old/ema_trial.yaml": "use_ema: true\n",
    })
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "old", date="2025-01-10T12:00:00")
    for n in range(3):
        (tmp_path / "configs" / f"run{n}.yaml").write_text(f"lr: 0.{n + 2}\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "recent", date="2026-01-10T12:00:00")

    def stale(*extra):
        for rel, text in extra:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(text)
        if extra:
            _git(tmp_path, "add", "-A")
            _git(tmp_path, "commit", "-qm", "docs", date="2026-01-11T12:00:00")
        out = run("check", tmp_path, "--as-of", "2026-02-01", "--output-format", "json", "--select", "STL102,STL301",
                  "--min-confidence", "0").output
        return {f["name"]: f["confidence"] for f in json.loads(out)["findings"] if f["code"] == "STL102"}
    assert stale() == {"use_gn": 40, "use_ema": 90}
    assert stale(("MODEL_ZOO.md", "| gn_baseline_R50 | 38.2 |\n")) == {"use_gn": 40, "use_ema": 90}
    assert stale(("tests/test_configs.py", "import glob\nfiles = glob.glob('configs/**/*.yaml')\n")) == \
        {"use_gn": 40, "use_ema": 40}

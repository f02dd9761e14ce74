"""Cases found on a second round of held-out research repos (audiocraft, modded-nanogpt), each
reduced to a small repo: Hydra overrides after `torchrun ... -m pkg.mod`, a Markdown command whose
last line ends in a backslash, dora's `hydra_main`, and config classes defined by test code."""
import ast
import json
import textwrap

from conftest import run
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


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_keys_named_beside_a_config_handed_to_a_helper_are_read(tmp_path):
    """detectron2: `_try_get_key(cfg, "CUDNN_BENCHMARK", "train.cudnn_benchmark", default=False)`
    reads the key through `OmegaConf.select(cfg, k)` inside the helper."""
    _write(tmp_path, {"defaults.py": """\
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
    _write(tmp_path, {
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
    _write(tmp_path, {
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

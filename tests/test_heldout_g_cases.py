"""Cases found on held-out research repos of set G (lingua, Mask2Former), each reduced to a small
repo: dataclass sections unpacked into a library call (`**asdict(cfg.harness)`,
`**asdict(self.args.logging.wandb)` with `wandb: Optional[WandbArgs]`), and a section handed to
the repo's own function that uses its parameter whole (`setup_env(args.env)`)."""
import json

from conftest import run, write_files


def _unread(root):
    doc = json.loads(run("check", root, "--output-format", "json", "--select", "STL101",
                         "--min-confidence", "0").output)
    return {(f["path"], f["name"]): f for f in doc["findings"]}


LOGGING = """\
    from dataclasses import asdict, dataclass
    from typing import Any, Optional
    import wandb

    @dataclass
    class WandbArgs:
        project: Optional[str] = None
        tags: Optional[str] = None

    @dataclass
    class LoggingArgs:
        freq: int = 10
        wandb: Optional[WandbArgs] = None

    class MetricLogger:
        def __init__(self, args: Optional[Any] = None):
            self.args = args

        def open(self):
            if self.args is not None and self.args.logging.wandb is not None:
                wandb.init(config=asdict(self.args), **asdict(self.args.logging.wandb))
    """

TRAIN = """\
    import os
    from dataclasses import asdict, dataclass, field
    from lm_eval import simple_evaluate
    from pkg.logging import LoggingArgs, MetricLogger
    from pkg.env import setup_env

    @dataclass
    class HarnessArgs:
        tasks: str = "hellaswag"
        bootstrap_iters: int = 1000

    @dataclass
    class EnvArgs:
        OMP_NUM_THREADS: str = "1"
        NCCL_DEBUG: str = "INFO"

    @dataclass
    class TrainArgs:
        steps: int = 10
        legacy_knob: int = 3
        harness: HarnessArgs = field(default_factory=HarnessArgs)
        env: EnvArgs = field(default_factory=EnvArgs)
        logging: LoggingArgs = field(default_factory=LoggingArgs)

    def train(cfg: TrainArgs):
        setup_env(cfg.env)
        MetricLogger(cfg).open()
        print(cfg.steps, cfg.logging.freq)
        simple_evaluate(None, **asdict(cfg.harness))
    """


def test_sections_of_a_config_unpacked_or_handed_whole_have_every_field_read(tmp_path):
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/logging.py": LOGGING,
        "pkg/env.py": """\
            import os
            from dataclasses import asdict

            def setup_env(env_args):
                for name, value in asdict(env_args).items():
                    os.environ[name] = str(value)
            """,
        "pkg/train.py": TRAIN,
    })
    got = _unread(tmp_path)
    assert set(got) == {("pkg/train.py", "legacy_knob")}, sorted(got)
    # shown: a section unpacked whose class is found only where files are linked still lowers
    # every unread flag a little (`**...` may read any of them by name)
    assert got[("pkg/train.py", "legacy_knob")]["confidence"] == 70


def test_a_section_handed_to_a_function_that_reads_only_named_fields_is_no_whole_read(tmp_path):
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/logging.py": LOGGING,
        "pkg/env.py": """\
            import os

            def setup_env(env_args):
                os.environ["OMP_NUM_THREADS"] = env_args.OMP_NUM_THREADS
            """,
        "pkg/train.py": TRAIN,
    })
    got = _unread(tmp_path)
    assert set(got) == {("pkg/train.py", "legacy_knob"), ("pkg/train.py", "env.NCCL_DEBUG")}, sorted(got)


def _commit(repo, message, author, committer):
    import os
    import subprocess
    env = dict(os.environ, GIT_AUTHOR_DATE=author, GIT_COMMITTER_DATE=committer, GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    env = {k: v for k, v in env.items() if not k.startswith("GIT_DIR")}
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_an_experiment_is_dated_when_it_was_written_not_when_it_was_pushed(tmp_path):
    """dopamine's public mirror: configs written in 2024 were committed (exported) in one batch in
    2026; the author date says when the experiment was made."""
    import subprocess
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--lr", type=float, default=0.1)
            p.add_argument("--use-ema", action="store_true")
            args = p.parse_args()
            print(args.lr, args.use_ema)
            """,
        "old.sh": "python train.py --use-ema --lr 0.2\n",
    })
    _commit(tmp_path, "first", "2023-01-01T12:00:00", "2023-01-01T12:00:00")
    write_files(tmp_path, {"new.sh": "python train.py --lr 0.3\n"})
    _commit(tmp_path, "exported", "2024-11-12T12:00:00", "2026-03-24T12:00:00")
    found = json.loads(run("experiments", tmp_path, "--as-of", "2026-03-25", "--output-format", "json").output)
    assert {e["source"]: e["date"][:10] for e in found} == {"old.sh": "2023-01-01", "new.sh": "2024-11-12"}
    assert not any(e["recent"] for e in found)


def test_keys_of_a_library_section_a_project_extends_are_not_unknown(tmp_path):
    """Mask2Former's `add_maskformer2_config(cfg)` adds `cfg.SOLVER.WEIGHT_DECAY_EMBED` to
    detectron2's SOLVER; a config's `SOLVER.STEPS` is detectron2's key, not a typo. A section the
    project makes itself (`cfg.MODEL.MASK_FORMER = CN()`) still has its typos reported."""
    write_files(tmp_path, {
        "proj/__init__.py": "",
        "proj/config.py": """\
            from detectron2.config import CfgNode as CN

            def add_proj_config(cfg):
                cfg.SOLVER.WEIGHT_DECAY_EMBED = 0.0
                cfg.MODEL.MASK_FORMER = CN()
                cfg.MODEL.MASK_FORMER.DEEP_SUPERVISION = True
                cfg.MODEL.MASK_FORMER.NHEADS = 8
            """,
        "train_net.py": """\
            from detectron2.config import get_cfg
            from proj.config import add_proj_config
            cfg = get_cfg()
            add_proj_config(cfg)
            cfg.merge_from_file("configs/a.yaml")
            print(cfg.SOLVER.WEIGHT_DECAY_EMBED, cfg.MODEL.MASK_FORMER.DEEP_SUPERVISION, cfg.MODEL.MASK_FORMER.NHEADS)
            """,
        "configs/a.yaml": "SOLVER:\n  WEIGHT_DECAY_EMBED: 0.05\n  STEPS: (1, 2)\n"
                          "MODEL:\n  MASK_FORMER:\n    NHEADS: 4\n    DEEP_SUPERVISON: False\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL103",
                         "--min-confidence", "0").output)
    got = {f["name"]: f["confidence"] for f in doc["findings"]}
    assert got.get("MODEL.MASK_FORMER.DEEP_SUPERVISON") == 70 and got.get("SOLVER.STEPS") == 30, got


def test_unused_parameters_and_precision_flags(tmp_path):
    """dopamine's `def identity_epsilon(unused_decay_period, unused_step, unused_warmup_steps,
    epsilon)` is a callback's fixed signature; swav's `use_fp16` is the hardware's choice."""
    write_files(tmp_path, {
        "agent.py": """\
            import gin

            @gin.configurable
            def identity_epsilon(unused_decay_period, unused_step, unused_warmup_steps, epsilon, stale_knob=3):
                return epsilon
            """,
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--use_fp16", type=bool, default=True)
            p.add_argument("--use_mixup", type=bool, default=True)
            args = p.parse_args()
            if args.use_fp16:
                print("scaled")
            else:
                print("fp32")
            if args.use_mixup:
                print("mixup")
            else:
                print("plain")
            """,
        "run.sh": "python train.py --use_fp16 true --use_mixup true\n" * 4,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0",
                         "--grace", "0d").output)
    got = {(f["code"], f["name"]): f["confidence"] for f in doc["findings"]}
    assert ("STL101", "identity_epsilon.stale_knob") in got
    assert not [k for k in got if "unused" in k[1]]
    # (use_mixup: never moved from its default by any run, so its else arm is as likely an option offered)
    assert got[("STL301", "use_fp16")] == 30 and got[("STL301", "use_mixup")] == 40, got


def test_a_branch_inside_a_registered_class_no_experiment_builds_is_no_stale_trick(tmp_path):
    """Mask2Former's `PerPixelBaselinePlusHead` (registered, selected by no config) tests
    `TRANSFORMER_IN_FEATURE`; the experiments build `MaskFormerHead`, so their values say nothing
    of the branch in the head they never built."""
    write_files(tmp_path, {
        "heads.py": """\
            from detectron2.modeling import SEM_SEG_HEADS_REGISTRY

            @SEM_SEG_HEADS_REGISTRY.register()
            class PlusHead:
                def __init__(self, cfg):
                    if cfg.MODEL.IN_FEATURE == "transformer_encoder":
                        self.a = 1
                    else:
                        self.a = 2

            @SEM_SEG_HEADS_REGISTRY.register()
            class MainHead:
                def __init__(self, cfg):
                    if cfg.MODEL.USE_AUX:
                        self.b = 1
            """,
        "config.py": """\
            from yacs.config import CfgNode as CN
            _C = CN()
            _C.MODEL = CN()
            _C.MODEL.IN_FEATURE = "multi_scale"
            _C.MODEL.USE_AUX = False
            _C.MODEL.HEAD = "MainHead"
            """,
        "train.py": """\
            from config import _C as cfg
            cfg.merge_from_file("configs/a.yaml")
            print(cfg.MODEL.HEAD)
            """,
        **{f"configs/{n}.yaml": "MODEL:\n  HEAD: MainHead\n  IN_FEATURE: multi_scale\n" for n in "abcd"},
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL301",
                         "--min-confidence", "0", "--grace", "0d").output)
    got = {(f["path"], f["name"]) for f in doc["findings"]}
    assert ("heads.py", "model.use_aux") in got and ("heads.py", "model.in_feature") not in got, got


def test_a_prompt_with_env_and_folder_before_a_command_is_not_part_of_it():
    """diffusion_policy's README: `(robodiff)[diffusion_policy]$ python train.py ...`."""
    from stalelint.evidence import launch
    text = ("```console\n(robodiff)[diffusion_policy]$ python train.py --config-name=x training.seed=42\n"
            "user@host:~/code$ python eval.py --ckpt a\n$HOME/bin/python run.py --lr 1\n```\n")
    assert [(c.entry, c.args) for c in launch.commands("README.md", text)] == [
        ("train.py", ("--config-name=x", "training.seed=42")), ("eval.py", ("--ckpt", "a")), ("run.py", ("--lr", "1"))]


def test_a_precision_mode_is_how_a_run_is_operated():
    """CoOp's `if cfg.TRAINER.COOP.PREC == "amp":`: fp16, fp32 and amp are the hardware's choice."""
    from stalelint.model import Knob
    from stalelint.rules.common import operational_flag
    knob = lambda name: Knob(name=name, kind="flag", system="yacs", path="c.py", line=1, column=1, end_line=1)  # noqa: E731
    assert all(operational_flag(knob(n)) for n in ("trainer.coop.prec", "use_fp16", "compute_dtype", "amp"))
    assert not operational_flag(knob("use_mixup")) and not operational_flag(knob("preconditioner"))

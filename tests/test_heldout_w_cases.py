"""Cases found on held-out research repos of set W (InternVL, Open-Sora-Plan), reduced to small
repos: a launch script of an older release still in the tree is a recipe kept, a branch the flag's
default runs is no trick abandoned, and a parser's library class is the library's even where a
vendored copy of another project defines a class of the same name."""
import json

from conftest import git, run, write_files

TRAIN = """\
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--use_ema", action="store_true")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--num_frames", type=int, default=1)
    args = p.parse_args()
    if args.use_ema:
        print("ema")
    if args.num_frames == 1:
        print("save an image")
    print(args.lr)
    """


def _findings(tmp_path, old_script: str) -> dict:
    write_files(tmp_path, {"train.py": TRAIN, old_script: "python train.py --use_ema --lr 0.2\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "v1 recipes", date="2025-01-10T12:00:00")
    for n in range(3):
        write_files(tmp_path, {f"scripts/v2_{n}.sh": f"python train.py --lr 0.{n + 3} --num_frames 9{n}\n"})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "v2 recipes", date="2026-02-10T12:00:00")
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0",
                         "--as-of", "2026-03-01").output)
    return {(f["code"], f["name"]): f for f in doc["findings"]}


def test_a_knob_last_set_by_a_launch_script_still_in_the_tree_is_kept_by_that_recipe(tmp_path):
    """InternVL's shell/internvl1.2/*.sh still set `--vision_path` though no InternVL3 script does: the
    old release's script is a recipe kept, so STL102 is 40 (hidden); archived, the recipe is gone: 90."""
    got = _findings(tmp_path, "scripts/v1_ema.sh")
    assert got[("STL102", "use_ema")]["confidence"] == 40
    assert "launch recipe kept" in got[("STL102", "use_ema")]["message"]


def test_a_knob_last_set_by_an_archived_launch_script_is_tried_and_abandoned(tmp_path):
    got = _findings(tmp_path, "scripts/archive/v1_ema.sh")
    assert got[("STL102", "use_ema")]["confidence"] == 90


def test_the_branch_a_flags_default_runs_is_no_trick_abandoned(tmp_path):
    """Open-Sora-Plan's sampler: `if args.num_frames == 1:` saves an image, and `--num_frames` defaults
    to 1; every scripted run asks for video frames, but a user who leaves the flag gets that branch."""
    got = _findings(tmp_path, "scripts/archive/v1_ema.sh")
    trick = got[("STL301", "num_frames")]
    assert trick["confidence"] == 40 and "`num_frames`'s default (1) runs" in trick["message"]


def test_a_parsers_library_class_is_the_librarys_beside_a_vendored_class_of_that_name(tmp_path):
    """InternVL: `from transformers import TrainingArguments` handed to HfArgumentParser, while its
    vendored LLaVA copy defines `class TrainingArguments(transformers.TrainingArguments)`; and a local
    `class DPOConfig(DPOConfigTRL)` over `from trl import DPOConfig as DPOConfigTRL`. Options the
    library defines (`--save_steps`, `--rpo_alpha`) are doubtful (30), not unknown (90)."""
    write_files(tmp_path, {
        "internvl/train/finetune.py": """\
            from dataclasses import dataclass, field
            from transformers import HfArgumentParser, TrainingArguments

            @dataclass
            class ModelArguments:
                model_name_or_path: str = field(default="x")

            parser = HfArgumentParser((ModelArguments, TrainingArguments))
            model_args, training_args = parser.parse_args_into_dataclasses()
            print(model_args.model_name_or_path, training_args)
            """,
        "internvl/train/mpo.py": """\
            from dataclasses import dataclass, field
            from transformers import HfArgumentParser
            from trl import DPOConfig as DPOConfigTRL

            @dataclass
            class ModelArguments:
                model_name_or_path: str = field(default="x")

            class DPOConfig(DPOConfigTRL):
                loss_type: str = "sigmoid"

            parser = HfArgumentParser((ModelArguments, DPOConfig))
            model_args, dpo_args = parser.parse_args_into_dataclasses()
            print(model_args.model_name_or_path, dpo_args.loss_type)
            """,
        "llava/train/train.py": """\
            from dataclasses import dataclass, field
            import transformers

            @dataclass
            class TrainingArguments(transformers.TrainingArguments):
                lazy_preprocess: bool = False
            """,
        "shell/ft.sh": "python internvl/train/finetune.py --model_name_or_path m --save_steps 100 --bogus_flag 1\n",
        "shell/mpo.sh": "python internvl/train/mpo.py --model_name_or_path m --rpo_alpha 1\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL103")
    assert got == [("bogus_flag", 30), ("rpo_alpha", 30), ("save_steps", 30)]


def test_where_a_run_loads_its_weights_is_operational():
    from stalelint.rules.common import _OPERATIONAL_FLAG
    assert _OPERATIONAL_FLAG.fullmatch("model_name_or_path") and _OPERATIONAL_FLAG.fullmatch("name_or_path")


def test_bash_arrays_of_options_are_expanded_where_a_command_uses_them():
    """CogVideo's finetune/train_ddp_i2v.sh builds its options in arrays over several lines, with
    comments, and runs `accelerate launch train.py "${MODEL_ARGS[@]}" "${VALIDATION_ARGS[@]}"`."""
    from stalelint.evidence import launch
    text = ('MODEL_ARGS=(\n    --model_type "i2v"  # ["t2v"]\n    # --image_column "images.txt"\n'
            '    --training_type lora\n)\nSEEDS=(1 2)\nVALIDATION_ARGS=(--do_validation false --gen_fps "$FPS")\n'
            'accelerate launch train.py \\\n    "${MODEL_ARGS[@]}" \\\n    "${VALIDATION_ARGS[@]}" --seed ${SEEDS[0]}\n')
    [cmd] = launch.commands("train.sh", text, scripts=True)
    assert cmd.entry == "train.py"
    assert cmd.args[:8] == ("--model_type", "i2v", "--training_type", "lora", "--do_validation", "false",
                            "--gen_fps", "\0unknown")
    assert cmd.args[8:] == ("--seed", "\0unknown")  # one element of an array: not worked out


def test_flags_read_by_a_loop_over_a_modules_table_of_their_names_are_read(tmp_path):
    """open-instruct's scripts/data/build_hardcoded.py: `for arg_name, key in ARG_TO_PLACEHOLDER_MAP.items():
    getattr(args, arg_name, None)` over a module-level dict of the flags' names; and SegFormer's docs
    pass argparse's own `-h` in a synopsis. Neither is a finding; a flag outside the table still is."""
    write_files(tmp_path, {
        "build.py": """\
            import argparse
            NAMES = {"model_name": "<|MODEL|>", "license": "<|LICENSE|>"}
            p = argparse.ArgumentParser()
            p.add_argument("--model_name")
            p.add_argument("--license")
            p.add_argument("--unused")
            args = p.parse_args()
            for arg_name, key in NAMES.items():
                print(key, getattr(args, arg_name, None))
            """,
        "README.md": "```shell\npython build.py [-h] [--license MIT]\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted((f["code"], f["name"]) for f in doc["findings"] if f["code"] in ("STL101", "STL103")) == \
        [("STL101", "unused")]

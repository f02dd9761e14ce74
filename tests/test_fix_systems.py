"""`stalelint fix` on each config system's fixture repo: what goes, what stays unsafe and why, and
the invariants (every file compiles, a second run changes nothing, restore gives the bytes back)."""
import json
import subprocess

import pytest

from conftest import ALL, run

AS_OF = "2026-06-30"


def tracked(repo):
    files = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True, check=True).stdout
    return {f: (repo / f).read_bytes() for f in files.split()}


def fix(repo, *args):
    return run("fix", repo, "--as-of", AS_OF, *ALL, *args)


def entries(repo):
    path = repo / ".stalelint/graveyard.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("name", ["systems", "abslrepo", "ginrepo", "yacsrepo", "pydanticrepo", "hydrarepo",
                                  "mlcrepo", "variants", "subcommands", "tricks"])
def test_apply_compiles_is_idempotent_and_restores(build, name):
    repo = build(name)
    before = tracked(repo)
    assert fix(repo, "--apply").exit_code in (0, 1)
    after = tracked(repo)
    assert after != before and entries(repo)
    for path, data in after.items():
        if path.endswith(".py"):
            compile(data.decode(), path, "exec")
    again = fix(repo, "--apply", "--force")
    assert "[safe]" not in again.output, again.output
    assert tracked(repo) == after
    for e in reversed(entries(repo)):
        result = run("restore", e["id"], "--path", repo)
        assert result.exit_code == 0, result.output
    assert tracked(repo) == before


def test_click_typer_jsonargparse_and_globals(build):
    repo = build("systems")
    fix(repo, "--apply")
    assert (repo / "cli.py").read_text() == (
        'import click\n\n\n@click.command()\n@click.option("--use-ema/--no-use-ema", default=True)\n'
        '@click.option("--fast", is_flag=True)\ndef main(use_ema, fast):\n    print(fast)\n\n\n'
        'if __name__ == "__main__":\n    main()\n')
    assert "def main(ckpt: str, shots: int = 5):\n    print(ckpt, shots" in (repo / "evaluate.py").read_text()
    assert "def setup(precision: str = \"bf16\", train: TrainArgs = TrainArgs()):\n" \
        "    print(precision, None, train.epochs" in (repo / "lit.py").read_text()
    assert (repo / "train.py").read_text() == (
        "# nanoGPT-style: globals overridden by an exec'd configurator\nbatch_size = 12\nlearning_rate = 6e-4\n"
        "compile = True\nexec(open(\"configurator.py\").read())\n\nif compile:\n    print(\"compiling\")\n"
        "print(batch_size, learning_rate, 40)\n")
    got = {e["name"]: e["system"] for e in entries(repo)}
    assert got["warmup"] == "click" and got["tta"] == "typer" and got["quantize"] == "jsonargparse"
    assert got["grad_accum"] == got["use_flash"] == "globals"


def test_absl_gin_yacs_pydantic(build):
    absl = build("abslrepo")
    fix(absl, "--apply")
    train = (absl / "train.py").read_text()
    assert 'DEFINE_list("layers"' not in train and 'DEFINE_bool("use_ema"' in train  # a launch passes use_ema
    assert "print(0.5, FLAGS.eval_steps)" in (absl / "evaluate.py").read_text()
    gin = build("ginrepo")
    fix(gin, "--apply")
    text = (gin / "lab/train.py").read_text()
    assert "def train(steps=1000, lr=0.1, clip=None):\n    return steps, lr, clip\n" in text
    assert "def finetune():\n    return 0.01\n" in text and "def __init__(self, depth=12, dropout=0.0):" in text
    assert (gin / "configs/old/ema.gin").read_text() == ""
    yacs = build("yacsrepo")
    fix(yacs, "--apply")
    defaults = (yacs / "lab/config/defaults.py").read_text()
    assert "USE_EMA" not in defaults and "UNUSED_KNOB" not in defaults and "_C.MODEL.DEPTH = 50\n" in defaults
    net = (yacs / "train_net.py").read_text()
    assert "cfg.MODEL.USE_EMA" not in net and "def ema(" not in net and "cfg.MODEL.NAME" in net
    assert "    return a\n\n\ndef crop(m):" in net  # two blank lines between functions, as before
    assert (yacs / "configs/old/ema.yaml").read_text() == '_BASE_: "../Base.yaml"\n'
    pyd = build("pydanticrepo")
    fix(pyd, "--apply")
    assert "use_lookahead" not in (pyd / "app/settings.py").read_text() + (pyd / "train.py").read_text()
    assert "print(settings.seed, 64)" in (pyd / "evaluate.py").read_text()


def test_hydra_default_key_and_unsafe_reasons(build):
    repo = build("hydrarepo")
    out = fix(repo).output
    assert "# STL104 use_amp (configs/train.yaml:11) [safe]" in out
    assert "its section has `_target_: nets.Net`, so `instantiate()` passes it as an argument" in out
    fix(repo, "--apply")
    assert (repo / "configs/train.yaml").read_text().endswith("seed: 42\n")
    assert "use_amp" not in (repo / "src/train.py").read_text()
    assert "depth: 4" in (repo / "configs/model/small.yaml").read_text()


def test_ml_collections_entry_in_a_dict_is_unsafe(build):
    repo = build("mlcrepo")
    out = fix(repo).output
    assert "`data.name` is set inside a larger literal (a dict or `CN({...})`), not by a statement of its own" in out
    assert "configs/default.py:12 assigns to it" not in out  # its own definition is not a write


def test_variants_registrations_choices_and_chosen_functions(build):
    repo = build("variants")
    out = fix(repo).output
    # no experiment ever chose `attn` or `wide_cnn`, and one is thin evidence: shown, made only when asked
    assert "# STL201 attn (nets/backbones.py:32) [unsafe, not made without --unsafe]" in out
    assert "unsafe: the finding's confidence is 40% (an option no experiment ever chose" in out
    fix(repo, "--apply", "--unsafe", "--knob", "attn", "--knob", "wide_cnn", "--knob", "ConvNeXt")
    backbones = (repo / "nets/backbones.py").read_text()
    assert "class ConvNeXt" not in backbones and "class Swin" in backbones
    assert 'HEADS = {"linear": LinearHead, "mlp": MLPHead}' in backbones
    assert 'choices=["linear", "mlp"])' in (repo / "train.py").read_text()  # `attn` went from --head too
    assert "def wide_cnn" not in (repo / "nets/archs.py").read_text()  # chosen by getattr, named nowhere else
    got = {e["name"]: e["system"] for e in entries(repo)}
    assert got["ConvNeXt"] == "registry" and got["attn"] == "registry-dict" and got["wide_cnn"] == "getattr"


def test_a_subcommand_a_recent_experiment_runs_stays(build):
    repo = build("subcommands")
    # `chat` is judged from one recent experiment: thin evidence, made only when asked for
    assert "# STL201 chat (main.py:6) [unsafe, not made without --unsafe]" in fix(repo).output
    # `fix --apply` lists it with its reasons, and does not make it (not even to show a diff)
    listed = fix(repo, "--apply", "--knob", "chat").output
    assert "not made, so no diff here: `stalelint fix` without --apply shows it" in listed
    assert (repo / "cmds/chat.py").read_text().strip()
    out = fix(repo, "--unsafe", "--knob", "chat", "--knob", "finetune").output
    assert "unsafe: configs/lora.yaml sets `lora_r`, an option of `setup`, so it runs it" in out
    # and removing both would have emptied the registry: the second is not made
    assert "it is the last entry of `COMMANDS`" in out
    fix(repo, "--apply", "--unsafe", "--knob", "chat")
    assert 'COMMANDS = {"finetune": finetune_fn}' in (repo / "main.py").read_text()
    assert not (repo / "cmds/chat.py").read_text().strip()  # its only function went with its registration


def test_guards_cases_and_an_always_true_ternary(build):
    repo = build("tricks")
    out = fix(repo, "--apply").output
    assert "# STL301 skip_odd (train.py:18) [safe]" in out and "# STL201 gn (train.py:28) [safe]" in out
    assert (repo / "train.py").read_text() == (
        'import argparse\n\nparser = argparse.ArgumentParser()\nparser.add_argument("--skip-odd", action="store_true")\n'
        'parser.add_argument("--norm", default="bn")\nargs = parser.parse_args()\n\n\ndef step(batch):\n'
        '    for x in batch:\n        continue\n    return 0\n\n\nmatch args.norm:\n    case "bn":\n'
        '        print("batch norm")\n    case _:\n        print("no norm")\n\nscale = 2\nstep([1, 2 * scale])\n')


def test_two_keys_of_one_yaml_file_are_each_found_by_name(build):
    repo = build("hydrarepo")
    fix(repo, "--unsafe", "--apply", "--knob", "model.depth", "--knob", "model.dropout")
    # the second key's line moved up once the first went: it is found by its key, not its old line
    assert (repo / "configs/model/small.yaml").read_text() == "_target_: nets.Net\nwidth: 64\n"


def test_a_registry_entry_whose_key_another_table_names_is_unsafe(build):
    """timm's NAME_TO_OP lost 'TranslateX' while LEVEL_TO_ARG kept it: an entry whose key is named
    elsewhere would leave that naming an entry that is gone."""
    repo = build("variants")
    # a table of functions, as timm's are: its keys register its own entries (a string used any other
    # way in code would make `attn` used, not stale)
    (repo / "nets/dims.py").write_text('HEAD_DIMS = {"linear": lin_dim, "mlp": mlp_dim, "attn": attn_dim}\n')
    for cmd in (["add", "nets/dims.py"], ["-c", "user.email=t@x", "-c", "user.name=T", "commit", "-qm", "dims"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    out = fix(repo).output
    assert "`attn` is named elsewhere in the repo too" in out, out
    assert "# STL201 attn (nets/backbones.py:32) [unsafe" in out

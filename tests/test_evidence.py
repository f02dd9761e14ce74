import textwrap

import pytest

from stalelint.evidence import configs, launch
from stalelint.model import UNKNOWN


def settings(path, text):
    return {s.key: (s.value, s.line) for s in configs.read_settings(path, textwrap.dedent(text))}


def test_yaml_nested_keys_lines_and_anchors():
    got = settings("c.yaml", '''
        defaults:
          - model: vit
        base: &b
          lr: 0.1
        optim:
          <<: *b
          wd: 0.05
        use_ema: true
        tags: [a, b]
        empty:
    ''')
    assert got["optim.lr"] == (0.1, 5)  # merge keys resolved; line of the key that set it
    assert got["optim.wd"] == (0.05, 8)
    assert got["use_ema"] == (True, 9)
    assert got["tags"][0] == ["a", "b"]
    assert got["empty"][0] is None
    assert "defaults" not in got and not any(k.startswith("defaults") for k in got)


def test_json_toml_python():
    assert settings("c.json", '{"model": {"depth": 6}, "lr": 0.1}') == {"model.depth": (6, 1), "lr": (0.1, 1)}
    got = settings("c.toml", '''
        lr = 0.1
        [model]
        depth = 6
    ''')
    assert got == {"lr": (0.1, 2), "model.depth": (6, 4)}
    got = settings("c.py", '''
        """doc"""
        import time
        out_dir = "out"
        batch_size: int = 12
        model = dict(depth=6, act="gelu")
        run_name = "x" + str(time.time())
        _private = 1
    ''')
    assert got["out_dir"] == ("out", 4) and got["batch_size"] == (12, 5)
    assert got["model.depth"] == (6, 6) and got["model.act"] == ("gelu", 6)
    assert got["run_name"][0] is UNKNOWN and "_private" not in got


def test_python_tags_are_never_constructed():
    # yacs configs compute lists with `!!python/object/apply:eval`: the file is read, the value is
    # not known statically, and nothing is ever run
    got = configs.read_settings("c.yaml", "a: !!python/object/apply:os.system ['echo hi']\nb: 1\n")
    assert [(s.key, s.value) for s in got] == [("a", UNKNOWN), ("b", 1)]


def test_python_code_is_not_a_config():
    with pytest.raises(configs.NotAConfig):
        configs.read_settings("configs/__init__.py", "def f():\n    pass\n")
    with pytest.raises(configs.NotAConfig):
        configs.read_settings("configs/__init__.py", "")


@pytest.mark.parametrize("path,text,needle", [
    ("c.yaml", "a: 1\n\tb: 2\n", "tab on line 2"),
    ("c.yaml", "a: [1, 2\n", "invalid YAML"),
    ("c.yaml", "- a\n- b\n", "not a mapping"),
    ("c.json", "   \n", "empty"),
    ("c.json", '{"a": 1,,}', "invalid JSON (line 1)"),
    ("c.json", "[1]", "not an object"),
    ("c.toml", "a = = 1", "invalid TOML"),
    ("c.py", "x = (", "cannot parse Python"),
])
def test_bad_configs_say_why(path, text, needle):
    with pytest.raises(configs.BadConfig) as err:
        configs.read_settings(path, text)
    assert needle in str(err.value)


def cmds(text, path="run.sh"):
    return launch.commands(path, textwrap.dedent(text))


def test_launch_prefixes_and_continuations():
    found = cmds('''
        #!/bin/bash
        #SBATCH --gres=gpu:8
        # python train.py --commented
        CUDA_VISIBLE_DEVICES=0,1 torchrun --nproc_per_node=2 train.py \\
            --lr 0.1 \\
            --use-ema
        python -m torch.distributed.launch --nproc_per_node 8 tools/train.py --x 1
        accelerate launch --config_file acc.yaml train.py --y=2
        srun python3 -u train.py --z 3 && echo done
        python -m pkg.train --w 4
        cd src; python train.py
        echo python train.py --not-a-run
        python -c "print(1)"
    ''')
    assert [(c.line, c.entry, c.module) for c in found] == [
        (5, "train.py", False), (8, "tools/train.py", False), (9, "train.py", False), (10, "train.py", False),
        (11, "pkg.train", True), (12, "train.py", False)]
    assert found[0].args == ("--lr", "0.1", "--use-ema")


def test_shell_variables_and_loops():
    found = cmds('''
        LR=0.1
        export BS=64
        for seed in 1 2 3; do
          python train.py --lr $LR --bs ${BS} --seed $seed --name "$UNSET"
        done
    ''')
    args = found[0].args
    assert args[:4] == ("--lr", "0.1", "--bs", "64")
    assert "\0unknown" in args[5] and "\0unknown" in args[7]


def test_makefile_and_markdown():
    mk = cmds("train:\n\tpython train.py --a 1\nnot_recipe = python x.py\n", "Makefile")
    assert [c.args for c in mk] == [("--a", "1")]
    md = cmds('''
        ```bash
        $ python train.py --b 2
        ```
        ```python
        python train.py --not-shell
        ```
        ```
        python train.py --c 3
        ```
    ''', "README.md")
    assert [c.args for c in md] == [("--b", "2"), ("--c", "3")]


def test_parse_args_forms():
    arity = {"--use-ema": False, "--lr": True, "--tags": True}.get
    got, cfgs = launch.parse_args(
        ("--use-ema", "--lr", "-1e-3", "--x=5", "--no-aug", "--unknown", "pos", "+model.d=3", "a.b=c",
         "--tags", "x", "y", "configs/exp.yaml", "--config", "c.py", "--v", "\0unknown", "--last"), arity)
    pairs = [(s.key, s.value, s.form) for s in got]
    assert ("--use-ema", True, "bare") in pairs
    assert ("--lr", "-1e-3", "value") in pairs
    assert ("--x", "5", "value") in pairs
    assert ("--no-aug", True, "negated") in pairs
    assert ("--unknown", "pos", "value") in pairs  # arity unknown: a following word is its value
    assert ("+model.d", "3", "value") in pairs and ("a.b", "c", "value") in pairs
    assert ("--tags", ["x", "y"], "value") in pairs
    assert ("--config", "c.py", "value") in pairs
    assert ("--v", UNKNOWN, "value") in pairs and ("--last", True, "bare") in pairs
    assert cfgs == ["configs/exp.yaml", "c.py"]


def test_wrappers_help_and_nested_commands():
    found = cmds('''
        torchrun --nproc_per_node=$N train.py "$@"
        python train.py --help
        python -m bench --env-ids a b --command "poetry run python ppo.py --track --lr 3"
    ''')
    assert [(c.entry, c.args) for c in found] == [
        ("ppo.py", ("--track", "--lr", "3")),
        ("bench", ("--env-ids", "a", "b", "--command", "poetry run python ppo.py --track --lr 3"))]


def test_control_characters_in_yaml_are_a_bad_config():
    with pytest.raises(configs.BadConfig) as err:
        configs.read_settings("c.yaml", "a: 1\x00\nb: \x07\n")
    assert "unacceptable character" in str(err.value)


@pytest.mark.parametrize("path,text", [("c.py", "x = " + "[" * 5000 + "]" * 5000 + "\n"),
                                       ("c.json", "[" * 100000 + "]" * 100000),
                                       ("c.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")])
def test_deep_nesting_is_a_bad_config_not_a_crash(path, text):
    with pytest.raises((configs.BadConfig, configs.NotAConfig)):
        configs.read_settings(path, text)


def test_wrapper_forwarding_its_arguments_after_shift():
    fwd = launch.forward("dist.sh", textwrap.dedent('''
        #!/bin/bash
        NUM_PROC=$1
        shift
        torchrun --nproc_per_node=$NUM_PROC train.py --amp "$@" --seed 1
    '''))
    assert (fwd.entry, fwd.module, fwd.head, fwd.skip, fwd.tail) == ("train.py", False, ("--amp",), 1, ("--seed", "1"))
    assert cmds("./dist.sh 8 --lr 0.4 --model resnet50\n") == []  # without scripts=True: python launches only
    call = launch.commands("run.sh", "./dist.sh 8 --lr 0.4\nbash tools/x.sh\nsbatch -N 2 job.sh a\n", scripts=True)
    assert [(c.entry, c.args, c.shell) for c in call] == [
        ("./dist.sh", ("8", "--lr", "0.4"), True), ("tools/x.sh", (), True), ("job.sh", ("a",), True)]
    assert launch.through(call[0], fwd).args == ("--amp", "--lr", "0.4", "--seed", "1")


@pytest.mark.parametrize("body, skip", [
    ('python -m pkg.train "${@:3}"', 2),
    ("shift 2\npython train.py $@", 2),
    ("python train.py $*", 0),
])
def test_wrapper_forms(body, skip):
    assert launch.forward("w.sh", body + "\n").skip == skip


def test_wrapper_with_two_python_commands_is_not_followed():
    assert launch.forward("w.sh", 'python a.py "$@"\npython b.py "$@"\n') is None
    assert launch.forward("w.sh", "python a.py --x 1\n") is None


def test_callers_of_a_wrapper_script_are_experiments_of_its_python_entry(tmp_path):
    import json
    import subprocess
    from tests.conftest import run

    (tmp_path / "scripts").mkdir()
    (tmp_path / "train.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                       "p.add_argument('--lr', type=float, default=0.1)\nargs = p.parse_args()\n")
    (tmp_path / "scripts/dist.sh").write_text('#!/bin/bash\nN=$1\nshift\ntorchrun --nproc_per_node=$N train.py "$@"\n')
    (tmp_path / "README.md").write_text("```bash\n./scripts/dist.sh 8 --lr 0.4\nbash scripts/missing.sh 1\n```\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"], cwd=tmp_path,
                   check=True)
    result = run("experiments", tmp_path, "--output-format", "json")
    assert result.exit_code == 0, result.output
    (exp,) = json.loads(result.output)
    assert (exp["line"], exp["entry"], exp["settings"]) == (2, "train.py", {"--lr": "0.4"})

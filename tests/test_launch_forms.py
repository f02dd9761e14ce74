"""How launch commands are read and tied to scripts: module-form launches (`python -m pkg.train`,
`torchrun -m`, `accelerate launch -m`, `srun`) in a src layout, bare `nargs="?"` flags followed by
another option, and install/test commands that are no experiments (fixtures/modlaunch)."""
import json

import pytest

from stalelint import check, config, judge
from stalelint.evidence import launch
from stalelint.model import UNKNOWN
from tests.conftest import ALL, AS_OF, check_json, run, stale_flags


@pytest.fixture
def repo(build):
    return build("modlaunch")


def _experiments(repo) -> list[dict]:
    result = run("experiments", repo, "--as-of", AS_OF, "--output-format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_module_launches_resolve_to_the_script_the_module_names(repo):
    rows = [(e["source"], e["line"], e["entry"], e["settings"]) for e in _experiments(repo)]
    assert rows == [
        ("README.md", 17, "src/mypkg/train.py", {"--lr": "1e-3"}),
        ("README.md", 18, "src/mypkg/train.py", {"--epochs": "3"}),  # torchrun -m
        ("README.md", 19, "src/mypkg/train.py", {"--warmup": "5"}),  # accelerate launch -m
        ("README.md", 20, "src/mypkg/train.py", {"--tags": ["a", "b"], "--lr": "0.2"}),  # torch.distributed.run -m
        ("README.md", 21, "src/mypkg/train.py", {"--track": True, "--capture-video": True}),
        ("README.md", 22, "src/mypkg/train.py", {"--resume": True, "--epochs": "4"}),
        ("README.md", 23, "cli/__main__.py", {"--mode": "slow"}),  # `-m cli` runs the package's __main__
        ("scripts/launch.sh", 3, "src/mypkg/serve/__main__.py", {"--port": "9000"}),  # srun python -m
        ("scripts/launch.sh", 4, "src/mypkg/train.py", {"--epochs": "20"}),  # srun's own -m is no module
    ]


def test_install_and_test_commands_are_no_experiments(repo):
    # pip install, python -m pip, python setup.py, pytest, python -m pytest, a test file run directly
    rows = _experiments(repo)
    assert not {e["entry"] for e in rows} & {"setup.py", "tests/test_train.py"}
    assert min(e["line"] for e in rows if e["source"] == "README.md") == 17  # the install block is lines 6-13


def test_flags_set_by_module_launches_are_alive(repo):
    stale = stale_flags(check_json(repo, *ALL))
    for name in ("lr", "epochs", "warmup", "tags", "track", "capture_video", "resume", "port", "mode"):
        assert name not in stale, stale.get(name)
    assert "seed" in stale  # no experiment of src/mypkg/train.py sets it


def test_a_bare_nargs_optional_flag_binds_its_const(repo):
    settings = config.load(repo)
    _, facts = check.analyse(repo, settings, check.window_for(AS_OF, settings.since_days), use_cache=False)
    values = {facts.knob(i).name: [b.value for b in bs] for i, bs in facts.bindings.items()
              if facts.knob(i).path == "src/mypkg/train.py"}
    assert values["track"] == [True] and values["capture_video"] == [True]
    assert values["resume"] == ["latest"]  # `--resume` alone: argparse stores const="latest"
    doc = check_json(repo, *ALL)
    assert not [f for f in doc["findings"] if f["code"] == "STL301"]  # so `if args.resume == "latest":` ran


@pytest.mark.parametrize("args, arity, expected", [
    # an option is never the value of the option before it, whatever that option's arity
    (("--track", "--capture_video"), launch.ONE, [("--track", True), ("--capture_video", True)]),
    (("--track", "--capture_video"), True, [("--track", True), ("--capture_video", True)]),
    (("--track", "-v"), None, [("--track", True), ("-v", True)]),
    (("--track", "--"), launch.ONE, [("--track", True)]),
    # negative numbers, stdin and a quoted word with spaces are values
    (("--lr", "-1e-3", "--x", "-.5", "--y", "-1"), launch.ONE, [("--lr", "-1e-3"), ("--x", "-.5"), ("--y", "-1")]),
    (("--input", "-"), launch.ONE, [("--input", "-")]),
    (("--cflags", "-O3 -g"), launch.ONE, [("--cflags", "-O3 -g")]),
    # one value: the words after it are not its values; nargs="+": they are, up to the next option
    (("--epochs", "3", "data/train"), launch.ONE, [("--epochs", "3")]),
    (("--tags", "a", "b", "--lr", "1"), True, [("--tags", ["a", "b"]), ("--lr", "1")]),
    (("--betas", "0.9", "-0.99", "--lr", "1"), True, [("--betas", ["0.9", "-0.99"]), ("--lr", "1")]),
])
def test_parse_args_arity(args, arity, expected):
    got, _ = launch.parse_args(args, lambda option: arity)
    assert [(s.key, s.value) for s in got] == expected


def test_arity_of_argparse_definitions():
    assert launch.arity("store_true", None) is False
    assert launch.arity("BooleanOptionalAction", None) is False
    assert launch.arity("store_const", None) is False
    assert launch.arity(None, None) == launch.ONE
    assert launch.arity(None, "?") == launch.ONE
    assert launch.arity(None, "+") is True and launch.arity(None, "*") is True and launch.arity(None, "2") is True
    assert launch.arity("custom", "argparse.REMAINDER") is True


@pytest.mark.parametrize("command, entry", [
    ("python -m pkg.train --lr 1", "pkg.train"),
    ("python3 -u -m pkg.train --lr 1", "pkg.train"),
    ("torchrun --nproc_per_node 8 -m pkg.train --lr 1", "pkg.train"),
    ("torchrun --nproc_per_node=8 --module pkg.train --lr 1", "pkg.train"),
    ("accelerate launch --config_file a.yaml -m pkg.train --lr 1", "pkg.train"),
    ("deepspeed --num_gpus 8 --module pkg.train --lr 1", "pkg.train"),
    ("python -m torch.distributed.run --nproc_per_node 8 -m pkg.train --lr 1", "pkg.train"),
    ("python -m composer.cli.launcher -n 8 -m pkg.train --lr 1", "pkg.train"),
    ("srun --ntasks 8 python -m pkg.train --lr 1", "pkg.train"),
    ("srun -m block torchrun -m pkg.train --lr 1", "pkg.train"),
    ("srun -m block python train.py --lr 1", "train.py"),
    ("CUDA_VISIBLE_DEVICES=0 uv run -m pkg.train --lr 1", "pkg.train"),
])
def test_module_form_commands(command, entry):
    (cmd,) = launch.commands("run.sh", command + "\n")
    assert cmd.entry == entry and cmd.module == (not entry.endswith(".py"))
    assert cmd.args == ("--lr", "1")


@pytest.mark.parametrize("command", [
    "python -m pip install -e .", "python -m pytest tests -x", "python setup.py develop",
    "python -m unittest discover", "python tests/test_model.py --lr 1", "pip install -r requirements.txt",
    "pytest -x tests", "torchrun -m pytest tests",
])
def test_install_and_test_commands(command):
    assert launch.commands("run.sh", command + "\n") == []


def test_an_evaluation_script_named_test_is_an_experiment():
    (cmd,) = launch.commands("run.sh", "python tools/test_net.py --cfg a.yaml\n")
    assert cmd.entry == "tools/test_net.py"


def test_module_resolution():
    modules = launch.Modules(["src/pkg/__init__.py", "src/pkg/train.py", "src/pkg/serve/__main__.py",
                              "src/pkg/serve/__init__.py", "tools/__init__.py", "tools/__main__.py",
                              "lib/__init__.py", "a/util.py", "b/util.py", "train.py", "deep/x/train.py",
                              "README.md"])
    assert modules.resolve("pkg.train") == "src/pkg/train.py"  # src layout
    assert modules.resolve("pkg.serve") == "src/pkg/serve/__main__.py"  # a package runs its __main__
    assert modules.resolve("tools") == "tools/__main__.py"
    assert modules.resolve("lib") == "lib/__init__.py"  # no __main__.py: the package itself
    assert modules.resolve("train") == "train.py"  # from the root first
    assert modules.resolve("util") is None  # two folders have one: not known which
    assert modules.resolve("pip") is None and modules.resolve("README") is None


def test_code_strings_resolve_modules_the_same_way(repo):
    """fix/usages.py reads `python -m` commands in code with the same resolver."""
    from stalelint.fix import usages

    (repo / "src/mypkg/smoke.py").write_text(
        'import subprocess\nsubprocess.run("python -m mypkg.train --warmup 2 --epochs 1", shell=True)\n')
    settings = config.load(repo)
    _, facts = check.analyse(repo, settings, check.window_for(AS_OF, settings.since_days), use_cache=False)

    class Src:
        def text(self, path):
            return (repo / path).read_text()

        def tree(self, path):
            import ast
            return ast.parse(self.text(path))

        def kept(self, path):
            return {}  # nothing kept from a plan before

    found = usages.calls(Src(), facts)
    assert [(c.path, c.entry, sorted(c.keys)) for c in found] == [
        ("src/mypkg/smoke.py", "src/mypkg/train.py", ["epochs", "warmup"])]


def test_unknown_stays_unknown():
    got, _ = launch.parse_args(("--lr", "\0unknown", "--x"), lambda option: launch.ONE)
    assert [(s.key, s.value) for s in got] == [("--lr", UNKNOWN), ("--x", True)]


def test_a_bare_store_true_flag_binds_true():
    from stalelint.model import Experiment, Knob, Setting

    k = Knob("verbose", "flag", "argparse", "a.py", 1, 1, 1, default=False, action="store_true")
    e = Experiment("r.sh", 1, "launch", None, "undated", ())
    assert judge._bind_value(k, Setting("--verbose", True, None, "bare"), e) is True


def test_a_launcher_script_runs_the_command_after_its_double_dash():
    text = ("python mason.py --cluster ai2/x --gpus 8 -- accelerate launch --num_processes 8 "
            "open_instruct/finetune.py --learning_rate 2e-5 --seed 3\n"
            "python train.py --lr 0.1 -- --extra\n")
    wrapped, plain = launch.commands("run.sh", text)
    # the launcher's own options (cluster, gpus) say where it runs, not what: the inner script is the experiment
    assert (wrapped.entry, wrapped.args) == ("open_instruct/finetune.py", ("--learning_rate", "2e-5", "--seed", "3"))
    assert (plain.entry, plain.args) == ("train.py", ("--lr", "0.1", "--", "--extra"))  # no command after `--`


def test_an_option_named_for_a_config_file_pulls_it_in():
    (cmd,) = launch.commands("run.sh", "python train.py --cfg-path projects/blip2/caption.yaml --model_config m.json\n")
    _, configs = launch.parse_args(cmd.args, lambda option: None)
    assert configs == ["projects/blip2/caption.yaml", "m.json"]


def test_a_variable_holding_the_script_or_interpreter_names_it():
    text = ('SCRIPT="records/x/train_gpt.py"\nPY=python3\n'
            'torchrun --nproc_per_node="$NPROC" "$SCRIPT" --seed 1\n'
            '$PY train.py --lr 0.1\n'
            'NAME="two words"\npython "$UNSET" --x 1\npython train.py --name "$NAME"\n')
    found = launch.commands("run.sh", text)
    assert [(c.entry, c.args) for c in found] == [
        ("records/x/train_gpt.py", ("--seed", "1")),
        ("train.py", ("--lr", "0.1")),
        # a value with spaces is not spread over the words before the script: the argument keeps it whole
        ("train.py", ("--name", "two words")),
    ]

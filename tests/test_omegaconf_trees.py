"""Plain OmegaConf config trees (no `@hydra.main`) on fixtures/omegaconfrepo, shaped like dinov2: a
default YAML that code loads through a loader function and merges experiments over, train/*.yaml
merged over it with `--config-file`, and `key=value` opts on the launch commands."""
import ast
import datetime as dt

import pytest
from conftest import ALL, AS_OF, by_code, check_json, run

from stalelint import check
from stalelint.config import load
from stalelint.evidence import launch, overrides
from stalelint.index import omegaconf_trees
from stalelint.model import Setting

DEFAULT = "proj/configs/default.yaml"


def _analyse(repo):
    _, facts = check.analyse(repo, load(repo), check.window_for(AS_OF, 180), use_cache=False)
    return facts


def _knobs(facts):
    return {k.name: (i, k) for i, k in enumerate(facts.index.knobs) if k.system == "omegaconf"}


def _bound(facts, name):
    i, _ = _knobs(facts)[name]
    return {(b.experiment.label, b.value) for b in facts.bindings.get(i, ())}


def test_definition_keys_are_knobs(build):
    facts = _analyse(build("omegaconfrepo"))
    knobs = _knobs(facts)
    assert set(knobs) == {"train.lr", "train.batch_size", "train.epochs", "train.output_dir", "model.arch",
                          "model.depth", "model.use_ema", "model.drop_path", "optim.warmup", "optim.base_lr",
                          "optim.decay", "ema.decay", "aug.mixup", "aug.cutmix"}
    assert {n: (k.path, k.line, k.default) for n, (_, k) in knobs.items() if n in ("train.lr", "model.use_ema", "aug.mixup")} == {
        "train.lr": (DEFAULT, 3, 0.001), "model.use_ema": (DEFAULT, 10, False), "aug.mixup": (DEFAULT, 19, 0.0)}
    assert knobs["optim.base_lr"][1].default == "${train.lr}"
    # `args.opts += [f"train.output_dir={...}"]`: code decides it
    assert knobs["train.output_dir"][1].set_in_code
    assert not knobs["train.lr"][1].set_in_code
    roles = facts.index.config_roles
    assert roles == {DEFAULT: "definition", "proj/configs/train/old_mixup.yaml": "experiment",
                     "proj/configs/train/big.yaml": "experiment", "proj/configs/train/ema.yaml": "experiment"}
    # the loader module reaches the definition, so the script that imports it does
    assert DEFAULT in facts.index.imports["proj/configs/__init__.py"]
    assert DEFAULT in facts.index.reachable("proj/train.py")


def test_plain_yaml_is_not_a_definition(build):
    facts = _analyse(build("omegaconfrepo"))
    paths = {k.path for _, k in _knobs(facts).values()}
    # eval/classes.yaml is loaded by code but nothing is merged over it; data/datasets.yaml is not
    # loaded at all; configs/labels.yaml sits beside the definition but sets none of its keys
    assert paths == {DEFAULT}
    for rel in ("proj/eval/classes.yaml", "proj/data/datasets.yaml", "proj/configs/labels.yaml"):
        assert rel not in facts.index.config_roles


def test_experiments_bind_full_paths(build):
    facts = _analyse(build("omegaconfrepo"))
    # an old experiment set a non-default value; recent ones set others
    assert _bound(facts, "aug.mixup") == {("proj/configs/train/old_mixup.yaml", 0.8)}
    old = next(b for b in facts.bindings[_knobs(facts)["aug.mixup"][0]])
    assert old.experiment.date.date() == dt.date(2025, 2, 1)
    assert ("proj/configs/train/ema.yaml", True) in _bound(facts, "model.use_ema")
    assert ("scripts/train.sh:3", True) in _bound(facts, "model.use_ema")  # --config-file pulls ema.yaml in
    assert ("proj/configs/train/big.yaml", 24) in _bound(facts, "model.depth")
    # `key=value` opts on the launch command (OmegaConf.from_cli(args.opts))
    assert _bound(facts, "train.epochs") == {("scripts/train.sh:2", 50)}
    assert _bound(facts, "model.drop_path") == {("scripts/train.sh:2", 0.2)}
    assert _bound(facts, "train.lr") == {("scripts/train.sh:4", 0.002)}
    assert _bound(facts, "ema.decay") == set() and _bound(facts, "optim.decay") == set()
    configs = {e.source for e in facts.experiments if e.kind == "config"}
    assert configs == {"proj/configs/train/old_mixup.yaml", "proj/configs/train/big.yaml",
                       "proj/configs/train/ema.yaml"}


def test_check_reports_abandoned_key_and_not_alive_ones(build):
    doc = check_json(build("omegaconfrepo"), "--select", "STL1", "--min-confidence", "0")
    stale = by_code(doc, "STL102")
    assert stale["aug.mixup"]["path"] == DEFAULT and stale["aug.mixup"]["line"] == 19
    assert stale["aug.mixup"]["evidence"]["last_set"]["source"] == "proj/configs/train/old_mixup.yaml"
    for alive in ("model.use_ema", "model.arch", "model.depth", "model.drop_path", "train.epochs",
                  "train.batch_size", "train.lr", "train.output_dir"):
        assert alive not in stale, alive
    # YAML keys are not judged unread (sections may be read whole), and experiment files may add keys
    assert not [f for f in doc["findings"] if f["code"] in ("STL101", "STL103") and f["path"].endswith(".yaml")]


def test_fix_removes_the_key_and_folds_its_reads(build):
    repo = build("omegaconfrepo")
    # the old experiment still ships (proj/configs/train/), so the finding is below the default confidence
    result = run("fix", repo, "--as-of", AS_OF, "--knob", "aug.mixup", "--min-confidence", "0")
    out = result.output
    assert "# STL102 aug.mixup (proj/configs/default.yaml:19) [safe]" in out
    assert "-  mixup: 0.0\n" in out  # from the definition
    assert "-aug:\n-  mixup: 0.8\n" in out  # from the old experiment, with its section left empty
    assert "-        if cfg.aug.mixup > 0:\n" in out  # its branch is dead once the default is folded
    # a read of a key with the same leaf under another section is not this knob's
    result = run("fix", repo, "--as-of", AS_OF, "--knob", "optim.decay", *ALL)  # never varied: STL104
    assert "[safe]" in result.output, result.output
    assert "-    weight_decay = cfg.optim.decay\n+    weight_decay = 0.05\n" in result.output
    changed = [line for line in result.output.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert not [line for line in changed if "ema" in line], changed


def test_fix_does_not_fold_an_interpolation(build):
    repo = build("omegaconfrepo")
    result = run("fix", repo, "--as-of", AS_OF, "--knob", "optim.base_lr", "--unsafe", *ALL)
    assert "is an interpolation" in result.output
    assert "'${train.lr}' *" not in result.output


def _records(source: str, path: str = "pkg/cfg.py") -> set:
    return set(omegaconf_trees.extract(ast.parse(source), path, source))


@pytest.mark.parametrize("source, expected", [
    ("from omegaconf import OmegaConf\n"
     "cfg = OmegaConf.merge(OmegaConf.load('configs/default.yaml'), OmegaConf.from_cli())\n",
     "cwd:configs/default.yaml"),
    ("import os\nfrom omegaconf import OmegaConf\n"
     "DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'configs', 'default.yaml')\n"
     "def get(args):\n    base = OmegaConf.load(DEFAULT)\n"
     "    return OmegaConf.merge(base, OmegaConf.load(args.config_file))\n",
     "repo:pkg/configs/default.yaml"),
    ("from pathlib import Path\nfrom omegaconf import OmegaConf\n"
     "def get(args):\n    cfg = OmegaConf.load(Path(__file__).parent / 'configs' / 'default.yaml')\n"
     "    cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(args.opts))\n    return cfg\n",
     "repo:pkg/configs/default.yaml"),
    ("import importlib.resources\nfrom omegaconf import OmegaConf\n"
     "def get():\n    default = OmegaConf.load(importlib.resources.files('lab.configs') / 'default.yaml')\n"
     "    return OmegaConf.merge(default, OmegaConf.from_cli())\n",
     "pkg:lab/configs/default.yaml"),
    ("import pkg_resources\nimport omegaconf\n"
     "def get(extra):\n    path = pkg_resources.resource_filename(__name__, 'configs/base.yaml')\n"
     "    return omegaconf.OmegaConf.merge(omegaconf.OmegaConf.load(path), extra)\n",
     "repo:pkg/configs/base.yaml"),
    ("from omegaconf import OmegaConf as om\nDEFAULT = 'configs/default.yaml'\n"
     "def get():\n    with open(DEFAULT) as f:\n        cfg = om.load(f)\n    cfg.merge_with_cli()\n    return cfg\n",
     "cwd:configs/default.yaml"),
    ("from omegaconf import OmegaConf\n"
     "def load_config(name):\n    return OmegaConf.load(f'configs/{name}.yaml')\n"
     "defaults = load_config('default')\n"
     "def get(path):\n    return OmegaConf.merge(OmegaConf.create(defaults), OmegaConf.load(path))\n",
     "cwd:configs/default.yaml"),
])
def test_paths_of_merged_bases(source, expected):
    assert ("base", expected, "") in _records(source)


def test_a_config_file_argument_is_no_definition():
    records = _records("from omegaconf import OmegaConf\n"
                       "def get(args):\n    cfg = OmegaConf.load(args.config)\n"
                       "    return OmegaConf.merge(cfg, OmegaConf.from_cli())\n")
    assert not [r for r in records if r[0] in ("base", "load")]
    assert ("merges", "", "") in records


def test_files_without_omegaconf_give_nothing():
    assert _records("import yaml\ncfg = yaml.safe_load(open('configs/default.yaml'))\n") == set()
    # a function of the same name on another object is not OmegaConf's
    assert _records("from omegaconf import OmegaConf\nimport json\ncfg = json.load(open('configs/x.json'))\n") == set()


def test_definitions_join_an_imported_base_and_a_default_name():
    from stalelint.model import FileIndex
    loader = FileIndex(path="lab/configs/__init__.py", omegaconf_loads=(
        ("export", "repo:lab/configs/ssl_default.yaml", "ssl_defaults"),))
    user = FileIndex(path="lab/utils/config.py", omegaconf_loads=(("merges", "", ""), ("base-name", "ssl_defaults", "")))
    named = FileIndex(path="tools/run.py", omegaconf_loads=(("merges", "", ""), ("load", "cwd:tools/default_cfg.yaml", "cfg")))
    unmerged = FileIndex(path="tools/eval.py", omegaconf_loads=(("load", "cwd:tools/default_eval.yaml", "default"),))
    yamls = {"lab/configs/ssl_default.yaml", "tools/default_cfg.yaml", "tools/default_eval.yaml"}
    imports = {"lab/utils/config.py": ("lab/configs/__init__.py",)}
    found = omegaconf_trees.definitions([loader, user, named, unmerged], imports, yamls)
    assert found == {"lab/configs/ssl_default.yaml": {"lab/configs/__init__.py"},
                     "tools/default_cfg.yaml": {"tools/run.py"}}


def test_opts_option_sets_the_key_it_names():
    cmd = launch.commands("run.sh", "python eval.py --config-file a.yaml --opts train.lr=0.1 model.depth=3\n")[0]
    cli, named = launch.parse_args(cmd.args, lambda option: True if option in ("--opts", "--config-file") else None)
    settings, _ = overrides.expand(cmd, cli, lambda option: None, lambda ref: None)
    assert Setting("train.lr", "0.1") in settings and Setting("model.depth", "3") in settings
    assert named == ["a.yaml"]

"""yacs / fvcore CfgNode end to end on fixtures/yacsrepo: `_C.A.B = default` knobs, `_BASE_`
inheritance, `opts` pairs on the command line, `merge_from_list` in code, and bad input."""
import json
import textwrap

from conftest import ALL, by_code, check_json, run, stale_flags

from stalelint.evidence import code_overrides
from stalelint.index import index_file


def test_cfgnode_definitions():
    f = index_file("d.py", textwrap.dedent('''
        from fvcore.common.config import CfgNode as CN
        _C = CN()
        _C.MODEL = CN()
        _C.MODEL.DEPTH = 50
        _C.MODEL.DEPTH = 101  # a later override keeps the first definition
        _C.INPUT = CN({"CROP": {"ENABLED": False}})
        _C.SOLVER = CN(new_allowed=True)
        _C.SOLVER.STEPS = (10, 20)

        def add_x_config(cfg):
            _C = cfg
            _C.MODEL.X = CN()
            _C.MODEL.X.ON = True

        def setup(args):
            cfg = get_cfg()
            cfg.MODEL.WEIGHTS = args.weights  # code deciding a value, not a definition
    '''))
    knobs = {k.name: k for k in f.knobs}
    # an open section stands for the keys experiments add under it, also where it defines some itself
    assert set(knobs) == {"model.depth", "input.crop.enabled", "solver", "solver.steps", "model.x.on"}
    assert knobs["solver"].action == "new_allowed"
    assert knobs["model.depth"].default == 50 and knobs["model.depth"].option_strings == ("MODEL.DEPTH",)
    assert knobs["solver.steps"].default == (10, 20)
    assert "MODEL.WEIGHTS" in f.writes and "MODEL.X.ON" not in f.writes


def test_merge_from_list_literals():
    got = code_overrides.merge_lists("t.py", 'cfg.merge_from_list(["A.B", 1, "C.D", "x"])\ncfg.merge_from_list(opts)\n')
    assert [(line, [(s.key, s.value) for s in ss]) for line, ss in got] == [(1, [("A.B", 1), ("C.D", "x")])]


def test_yacsrepo(build):
    doc = check_json(build("yacsrepo"), *ALL)
    assert doc["experiments"] == {"total": 7, "recent": 5}
    stale = stale_flags(doc)
    # MODEL.NAME and SOLVER.NAME share a leaf: only SOLVER.NAME is set (in the inherited base)
    assert set(stale) == {"model.use_ema", "model.name", "model.head.layers", "seed"}
    ema = stale["model.use_ema"]
    assert ema["message"].startswith("flag `MODEL.USE_EMA` is never set by any of 5 recent experiments")
    assert ema["evidence"]["last_set"]["source"] == "configs/old/ema.yaml"
    assert ema["removable_lines"] == 3  # the definition and `if cfg.MODEL.USE_EMA:`
    # alive: SOLVER.WARMUP only through _BASE_ (Base.yaml itself is old), TEST.AUG only through
    # opts pairs on a command line, DEBUG.VERBOSE only through merge_from_list in code
    assert not {"solver.warmup", "solver.name", "test.aug", "debug.verbose", "input.crop.enabled",
                "input.size", "model.depth", "solver.lr"} & set(stale)
    assert set(by_code(doc, "STL101")) == {"unused_knob"}
    trick = by_code(doc, "STL301")["solver.name"]
    assert (trick["path"], trick["line"], trick["removable_lines"]) == ("train_net.py", 25, 3)
    unknown = by_code(doc, "STL103")
    assert set(unknown) == {"MODEL.DEPHT"} and "did you mean `model.depth`" in unknown["MODEL.DEPHT"]["message"]
    assert unknown["MODEL.DEPHT"]["path"] == "configs/r50_crop.yaml" and unknown["MODEL.DEPHT"]["line"] == 7
    assert doc["errors"] == []


def test_cyclic_base_is_an_error_and_yacs_knobs_are_not_judged(build):
    repo = build("yacsrepo")
    (repo / "configs/cyc_a.yaml").write_text('_BASE_: "cyc_b.yaml"\nMODEL:\n  DEPTH: 18\n')
    (repo / "configs/cyc_b.yaml").write_text('_BASE_: "cyc_a.yaml"\n')
    (repo / "configs/orphan.yaml").write_text('_BASE_: "missing.yaml"\n')
    doc = check_json(repo, *ALL)
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert "cyclic base/include: configs/cyc_a.yaml -> configs/cyc_b.yaml -> configs/cyc_a.yaml" in \
        errors["configs/cyc_a.yaml"]
    assert "not in the repository: missing.yaml" in errors["configs/orphan.yaml"]
    stale = stale_flags(doc)
    assert set(stale) == {"seed"}  # the run goes on: argparse flags are still judged
    assert any("yacs knobs not judged stale" in n for n in doc["notices"])
    assert set(by_code(doc, "STL101")) == {"unused_knob"}  # static facts need no experiments


def test_malformed_yaml_marks_yacs_knobs_unjudgeable(build):
    repo = build("yacsrepo")
    (repo / "configs/broken.yaml").write_text("MODEL:\n  DEPTH: [1, 2\n")
    doc = check_json(repo, *ALL)
    assert any(e["path"] == "configs/broken.yaml" and "invalid YAML" in e["message"] for e in doc["errors"])
    assert set(stale_flags(doc)) == {"seed"}


def test_opts_pairs_after_an_option_that_takes_them_all():
    from stalelint.evidence.overrides import _opts

    # Swin-Transformer: `--opts` is nargs='+' and handed to merge_from_list; its first pair counts too
    args = ("--cfg", "configs/swin.yaml", "--opts", "TRAIN.EPOCHS", "100", "TRAIN.WARMUP_EPOCHS", "5", "--eval")
    got = [(s.key, s.value) for s in _opts(args, lambda option: True)]
    assert got == [("TRAIN.EPOCHS", "100"), ("TRAIN.WARMUP_EPOCHS", "5")]
    # an option's value that only looks like a key, with no value after it, is still its value
    assert _opts(("--tag", "EXP.V1", "--eval"), lambda option: True) == []


def test_nodes_written_from_flags_in_their_defining_file_are_set_in_code(build):
    """Swin-Transformer's `update_config(config, args)` sets `config.DATA.BATCH_SIZE = args.batch_size`
    in the file that defines `_C.DATA.BATCH_SIZE = 128`: code decides it (from a flag), and that
    write is not a second definition."""
    from stalelint.check import analyse
    from stalelint.config import load
    from stalelint.fix.definitions import RemoveDefinition
    from stalelint.model import Window
    import datetime as dt
    import libcst as cst

    root = build("swinlike")
    window = Window(dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc), 180)
    _, facts = analyse(root, load(root), window, use_cache=False)
    nodes = {k.name: k for k in facts.index.knobs if k.system == "yacs"}
    assert nodes["data.batch_size"].set_in_code and nodes["data.zip_mode"].set_in_code
    assert not nodes["model.drop_rate"].set_in_code and not nodes["model.type"].set_in_code
    doc = check_json(root, *ALL)
    assert not {"data.batch_size", "data.zip_mode", "throughput_mode"} & set(stale_flags(doc))
    # the definition is the `_C` line alone: the remover finds it once and leaves the write
    text = (root / "config.py").read_text()
    remover = RemoveDefinition("yacs", "data.batch_size", ("DATA.BATCH_SIZE",), "CfgNode")
    after = cst.parse_module(text).visit(remover).code
    assert remover.found == 1 and remover.problem is None
    assert "_C.DATA.BATCH_SIZE" not in after and "config.DATA.BATCH_SIZE = args.batch_size" in after


def test_a_node_its_file_reads_by_key_from_the_yaml_is_read(tmp_path):
    """Swin-Transformer's `_C.BASE = ['']` is consumed by `yaml_cfg.setdefault('BASE', [''])` when a
    config file is loaded: the loader reads it by key, so it is no unread flag."""
    (tmp_path / "config.py").write_text(
        "import yaml\nfrom yacs.config import CfgNode as CN\n_C = CN()\n_C.BASE = ['']\n_C.UNUSED = 1\n"
        "def load(path):\n    with open(path) as f:\n        yaml_cfg = yaml.safe_load(f)\n"
        "    for cfg in yaml_cfg.setdefault('BASE', ['']):\n        print(cfg)\n")
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--select", "STL101").output)
    assert {f["name"] for f in doc["findings"]} == {"unused"}

"""Reads a flag's name reaches only as a string (a helper such as Swin-Transformer's
`_check_args("zip")`, `hasattr`, `setattr`, loops over names), and gates and dispatch through a
local alias (`model_type = config.MODEL.TYPE`, then `if model_type == "swin":`)."""
import datetime as dt
import os
import textwrap
from pathlib import Path

from conftest import AS_OF, by_code, check_json, run

from stalelint.check import analyse
from stalelint.config import load
from stalelint.fix.plan import plan as plan_fixes
from stalelint.fix.engine import Workspace, make_all
from stalelint.fix.orphans import Reads
from stalelint.index import index_file
from stalelint.model import Finding, Window

WINDOW = Window(dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc), 180)


def idx(src: str, path: str = "m.py"):
    return index_file(path, textwrap.dedent(src))


def reads(src: str) -> set[tuple[str, bool]]:
    return {(r.name, r.strong) for r in idx(src).reads}


# ---- string-name reads ----------------------------------------------------------------------

def test_swin_check_args_helper_reads_each_flag_weakly():
    got = reads('''
        def update_config(config, args):
            def _check_args(name):
                if hasattr(args, name) and eval(f'args.{name}'):
                    return True
                return False
            if _check_args('zip'):
                config.DATA.ZIP_MODE = True
            if _check_args(name='throughput'):
                config.THROUGHPUT_MODE = True
    ''')
    assert ("zip", False) in got and ("throughput", False) in got


def test_helpers_loops_and_by_name_calls():
    got = reads('''
        def fetch(obj, key):
            return getattr(obj, key)

        def ev(name):
            return eval("args." + name)

        class Runner:
            def flag(self, name):
                return getattr(self.args, name)

            def go(self, args, model):
                self.flag("via_method")
                fetch(args, "via_param_object")
                fetch(model, "not_a_config")  # the object the helper gets is not a config
                ev("via_concat")
                for k in ("loop_a", "loop_b"):
                    print(getattr(args, k))
                picked = [getattr(args, k2) for k2 in ["comp_a"]]
                setattr(args, "set_by_name", 1)
                delattr(args, "deleted_by_name")
                args.__getattribute__("via_getattribute")
                hasattr(args, "asked")
    ''')
    for name in ("via_method", "via_param_object", "via_concat", "loop_a", "loop_b", "comp_a", "set_by_name",
                 "deleted_by_name", "via_getattribute"):
        assert (name, False) in got, name
    assert ("asked", True) in got  # a direct hasattr on a known config, as before
    assert not any(n == "not_a_config" for n, _ in got)


def test_dynamic_getattr_of_unrelated_objects_reads_nothing():
    got = reads('''
        def load(module, names):
            for name in names:
                setattr(module, name, getattr(module, name))
        def f(x):
            return getattr(self, x)
        f("weights")
    ''')
    assert not any(n in ("weights",) for n, _ in got)


def test_setattr_by_name_is_a_write_and_a_weak_read():
    f = idx('''
        def f(args):
            setattr(args, "lr", 0.1)
    ''')
    assert "lr" in f.writes and ("lr", False) in {(r.name, r.strong) for r in f.reads}


def test_swinlike_flags_read_by_name_are_not_unread(build):
    root = build("swinlike")
    doc = check_json(root, "--select", "STL101", "--min-confidence", "0")
    unread = by_code(doc, "STL101")
    assert "zip" not in unread and "throughput" not in unread
    assert "legacy_init" in unread  # read by nothing at all: still reported


def _plan(root: Path, code: str, name: str, path: str, line: int):
    """The fix planned for a finding made by hand (whatever the rules decide about it)."""
    result, facts = analyse(root, load(root), WINDOW, use_cache=False)
    f = Finding(code, "x", "flag", name, path, line, 5, "why", 90, 1)
    return plan_fixes(root, facts, (f,))[0]


def test_fix_treats_a_flag_read_by_string_as_unsafe(build):
    root = build("swinlike")
    fix = _plan(root, "STL102", "zip", "main.py", 10)
    assert not fix.safe
    assert any("names `zip` as a string" in r for r in fix.reasons), fix.reasons


# ---- local aliases: gates and dispatch ------------------------------------------------------

def test_gates_through_a_local_alias():
    f = idx('''
        def build_model(config):
            model_type = config.MODEL.TYPE
            if model_type == 'swin':
                m = 1
            elif model_type == 'swinv2':
                m = 2
            return m

        def tta(args):
            reduce_factor = args.tta
            if reduce_factor > 1:
                pass
    ''')
    got = {(g.name, g.op, g.value, g.form, g.test, g.strong) for g in f.gates}
    assert ("MODEL.TYPE", "==", "swin", "if", "model_type == 'swin'", True) in got
    assert ("MODEL.TYPE", "==", "swinv2", "elif", "model_type == 'swinv2'", True) in got
    assert ("tta", ">", 1, "if", "reduce_factor > 1", True) in got


def test_names_that_may_hold_another_value_are_not_aliases():
    f = idx('''
        G = None
        def loop(cfg):
            t = cfg.a
            for t in range(3):
                pass
            if t == 'x': pass
        def augmented(cfg):
            w = cfg.b
            w += 1
            if w == 3: pass
        def reassigned(cfg):
            r = cfg.c
            if cond:
                r = 'other'
            if r == 'y': pass
        def param(cfg, p=None):
            p = cfg.d
            if p == 'z': pass
        def before_assignment(cfg):
            while True:
                if k == 'a': pass
                k = cfg.e
        def declared(cfg):
            global G
            G = cfg.f
            if G: pass
        def closure(cfg):
            c = cfg.g
            def inner():
                if c == 'x': pass
        def deleted(cfg):
            d = cfg.h
            del d
            if d: pass
        def weak(model):
            m = model.kind
            if m == 'x': pass
    ''')
    assert not f.gates, [(g.name, g.test) for g in f.gates]


def test_module_level_alias_and_getattr_dispatch():
    f = idx('''
        import nets
        args = parser.parse_args()
        arch = args.arch
        if arch == "vit":
            print(1)
        model = getattr(nets, arch)()
    ''')
    assert [(g.name, g.value) for g in f.gates] == [("arch", "vit")]
    assert f.dispatches == (("nets", "arch", 7),)


def test_alias_dispatch_arm_reported_and_fixed(build):
    root = build("swinlike")
    doc = check_json(root, "--select", "STL201", "--min-confidence", "0")
    arms = {f["name"]: f for f in by_code(doc, "STL201").values() if f["path"] == "models/build.py"}
    assert set(arms) == {"swin_mlp"}  # swin and swinv2 are selected by recent configs
    assert arms["swin_mlp"]["line"] == 12
    result = run("fix", root, "--as-of", AS_OF, "--select", "STL201")
    assert "# STL201 swin_mlp (models/build.py:12) [safe]" in result.output
    assert '-    elif model_type == "swin_mlp":' in result.output
    assert '     elif model_type == "swinv2":' in result.output  # the other arms stay
    applied = run("fix", root, "--as-of", AS_OF, "--select", "STL201", "--apply")
    assert applied.exit_code in (0, 1), applied.output
    text = (root / "models/build.py").read_text()
    assert "swin_mlp" not in text and 'elif model_type == "swinv2":' in text
    compile(text, "build.py", "exec")


def _write_tta_repo(root: Path) -> None:
    (root / "train.py").write_text(textwrap.dedent('''\
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("--tta", type=int, default=0)
        parser.add_argument("--lr", type=float, default=0.1)
        args = parser.parse_args()


        def validate(output):
            reduce_factor = args.tta
            if reduce_factor > 1:
                output = output[::reduce_factor]
            return output * args.lr
        '''))
    (root / "run.sh").write_text("python train.py --lr 0.2\npython train.py --lr 0.3\npython train.py --lr 0.4\n")
    when = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc).timestamp()
    for name in ("train.py", "run.sh"):
        os.utime(root / name, (when, when))


def test_folding_a_flag_forces_the_gates_of_its_alias(tmp_path):
    _write_tta_repo(tmp_path)
    result, facts = analyse(tmp_path, load(tmp_path), WINDOW, use_cache=False)
    f = Finding("STL102", "stale-flag", "flag", "tta", "train.py", 4, 1, "why", 90, 1)
    fixes = plan_fixes(tmp_path, facts, (f,))
    assert fixes[0].safe, fixes[0].reasons
    ws = Workspace(tmp_path, ["train.py", "run.sh"], set(), Reads(facts))
    out = make_all(ws, fixes, set(), False, False)
    assert out[0].status == "applied", out[0].message
    after = out[0].after["train.py"]
    assert "reduce_factor = 0" in after and "if " not in after and "output[::" not in after
    assert "--tta" not in after

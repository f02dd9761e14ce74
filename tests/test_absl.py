"""absl.flags end to end on fixtures/abslrepo: DEFINE_* knobs, FLAGS.x and holder reads, `--x=v`,
`--x v`, `--nox`, `--x=false` and flagfiles."""
import textwrap

from conftest import ALL, by_code, check_json, stale_flags

from stalelint.index import index_file


def test_define_forms():
    f = index_file("t.py", textwrap.dedent('''
        from absl import flags
        import tensorflow as tf
        flags.DEFINE_bool("ema", True, "h")
        flags.DEFINE_enum(name="opt", default="sgd", enum_values=["sgd", "adam"], help="h")
        flags.DEFINE_list("layers", "a,b", "h")
        flags.DEFINE_multi_string("gin_bindings", [], "h")
        tf.compat.v1.flags.DEFINE_integer("steps", 3, "h", short_name="s")
        _WD = flags.DEFINE_float("wd", 0.0, "h")
        config_flags.DEFINE_config_file("config", None)  # ml_collections: one flag, the whole config
        parser.DEFINE_thing("x", 1)
        print(_WD.value)
    '''))
    k = {k.name: k for k in f.knobs}
    assert set(k) == {"ema", "opt", "layers", "gin_bindings", "steps", "wd", "config"}  # config: ml_collections
    assert k["ema"].default is True and not k["ema"].takes_value and k["ema"].option_strings == ("--ema",)
    assert k["opt"].choices == ("sgd", "adam") and k["layers"].default == ["a", "b"]
    assert k["steps"].option_strings == ("--steps", "-s") and k["steps"].type_name == "int"
    assert any(r.name == "wd" and r.strong for r in f.reads)


def test_abslrepo(build):
    doc = check_json(build("abslrepo"), *ALL)
    assert doc["experiments"] == {"total": 4, "recent": 3}
    stale = stale_flags(doc)
    # evaluate.py's --lr is another knob than train.py's, which `--lr 0.05` keeps alive
    assert {(f["path"], n) for n, f in stale.items()} == {("evaluate.py", "lr"), ("train.py", "use_ema"),
                                                          ("train.py", "debug")}
    assert "last set to True by scripts/old.sh:1 on 2025-01-10" in stale["use_ema"]["message"]
    assert "set only to its default (False)" in stale["debug"]["message"]  # `--debug=false`
    # alive: optimizer and batch_size from a flagfile, augment by --noaugment, steps (read as
    # _STEPS.value) by --steps=200, data_dir by `--data_dir /scratch/data`
    assert set(by_code(doc, "STL101")) == {"layers"}
    trick = by_code(doc, "STL301")["augment"]
    assert (trick["line"], trick["removable_lines"]) == (21, 3)
    assert "have `augment` in {False}" in trick["message"]
    assert by_code(doc, "STL103") == {} and doc["errors"] == []  # --flagfile is absl's own flag


def test_module_launch_with_combined_options():
    from stalelint.evidence import launch
    (cmd,) = launch.commands("README.md", "```\npython -um pkg.train --gin_files a.gin\n```\n")
    assert (cmd.entry, cmd.module, cmd.args) == ("pkg.train", True, ("--gin_files", "a.gin"))

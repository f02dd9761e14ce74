"""ml_collections end to end on fixtures/mlcrepo: the default config module's assignments are the
knobs, every config module is an experiment, `--config.a.b=v` and `--config=path.py:arg` overrides."""
import textwrap

from conftest import ALL, by_code, check_json, stale_flags

from stalelint.evidence import mlcollections as mlc_evidence
from stalelint.index import index_file


def test_config_module_and_fallback_reads():
    f = index_file("configs/x.py", textwrap.dedent('''
        import ml_collections as mlc
        def get_config():
            config = mlc.ConfigDict()
            config.model = mlc.ConfigDict(dict(depth=3, act={"name": "gelu"}))
            config.lr = mlc.FieldReference(0.1)
            config.total = mlc.config_dict.placeholder(int)
            config.model.depth = 4  # a later assignment is a setting, not another knob
            return config
    '''))
    assert {k.name: k.default for k in f.knobs} == {"model.depth": 3, "model.act.name": "gelu", "lr": 0.1,
                                                    "total": None}
    assert f.config_module and f.writes == ()  # definitions are not code writes
    script = index_file("train.py", textwrap.dedent('''
        from ml_collections import config_flags
        config_flags.DEFINE_config_file("config", None)
        def main(config):
            if config.get("mixup"):
                pass
            steps = config.input.get("steps", 10)
    '''))
    assert {k.name: k.default for k in script.knobs} == {"config": None, "mixup": None, "input.steps": 10}
    got = mlc_evidence.read("c.py", "def get_config():\n  c = ConfigDict()\n  c.a.b = 2\n  c.d = f()\n  return c\n")
    assert [(s.key, s.value) for s in got][:1] == [("a.b", 2)] and len(got) == 2


def test_mlcrepo(build):
    doc = check_json(build("mlcrepo"), *ALL)
    assert doc["experiments"] == {"total": 5, "recent": 3}
    stale = stale_flags(doc)
    # model.name is set by vit.py; data.name (same leaf) is not
    assert set(stale) == {"model.use_ema", "data.name", "seed"}
    ema = stale["model.use_ema"]
    assert ema["path"] == "configs/default.py" and ema["message"].startswith("flag `--config.model.use_ema`")
    assert ema["evidence"]["last_set"]["source"] == "configs/old/ema.py" and ema["removable_lines"] == 3
    # alive by `--config.optim.lr=0.01`, `--config.optim.warmup=500`, and vit.py (pulled in by
    # `--config=configs/vit.py:b16` and an experiment of its own)
    assert not {"optim.lr", "optim.warmup", "model.depth", "data.batch_size", "config"} & set(stale)
    assert set(by_code(doc, "STL101")) == {"unused"}
    trick = by_code(doc, "STL301")["model.name"]
    assert (trick["path"], trick["line"], trick["removable_lines"]) == ("train.py", 14, 3)
    assert by_code(doc, "STL103") == {} and doc["errors"] == []


def test_broken_config_module(build):
    repo = build("mlcrepo")
    (repo / "configs/broken.py").write_text("def get_config():\n    config = ConfigDict(\n")
    doc = check_json(repo, *ALL)
    assert any(e["path"] == "configs/broken.py" and e["code"] == "STL903" and e["line"] == 2
               for e in doc["errors"])
    assert stale_flags(doc) == {}  # ml_collections knobs are not judged
    assert set(by_code(doc, "STL101")) == {"unused"}

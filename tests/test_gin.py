"""gin-config end to end on fixtures/ginrepo: `@gin.configurable` parameters, `.gin` bindings with
`include` and macros, scopes, `--gin_file` and `--gin_bindings` on a command line, and a gin file
with a syntax error."""
import pytest
from conftest import ALL, by_code, check_json, stale_flags

from stalelint.evidence import gin


def test_gin_file_forms():
    settings, includes = gin.read(
        "import lab.train\n"
        "include 'configs/base.gin'\n"
        "LAYERS = [\n  64,  # one\n  128,\n]\n"
        "Model.layers = %LAYERS\n"
        "train/Model.act = @gelu\n"
        "lab.train.train.opt = @Adam()\n"
        "train.names = {'a': '#not a comment'}\n")
    assert includes == ["configs/base.gin"]
    got = {s.key: s.value for s in gin.resolve_macros(settings)}
    assert got == {"Model.layers": [64, 128], "train/Model.act": "@gelu", "lab.train.train.opt": "@Adam()",
                   "train.names": {"a": "#not a comment"}}
    assert {s.key: s.value for s in gin.resolve_macros(gin.binding("a.b = %MISSING"))}["a.b"] is not None


@pytest.mark.parametrize("text,line", [("a.b = 1\nc.d = (1,\n", 2), ("a.b = 1\nthis is not gin\n", 2),
                                       ("a.b = \n", 1), ("a.b = foo(\n)\n", 1)])
def test_gin_syntax_errors_name_the_line(text, line):
    with pytest.raises(gin.GinSyntaxError) as exc:
        gin.read(text)
    assert exc.value.line == line and str(exc.value).startswith(f"invalid gin (line {line})")


def test_ginrepo(build):
    doc = check_json(build("ginrepo"), *ALL)
    assert doc["experiments"] == {"total": 4, "recent": 2}
    stale = stale_flags(doc)
    # finetune.lr shares its leaf with train.lr, which `--gin_bindings="train.lr = 0.05"` sets
    assert set(stale) == {"train.use_ema", "train.optimizer", "finetune.lr", "loader.shuffle"}
    assert "last set to True by configs/old/ema.gin on 2025-02-01" in stale["train.use_ema"]["message"]
    # alive: loader.batch_size only through a macro of the (old) included base.gin, Model.dropout
    # through a scoped binding, train.clip through --gin_bindings
    assert not {"loader.batch_size", "Model.depth", "Model.dropout", "train.steps", "train.lr",
                "train.clip"} & set(stale)
    assert set(by_code(doc, "STL101")) == {"Model.width"}
    trick = by_code(doc, "STL301")["train.steps"]
    assert (trick["line"], trick["removable_lines"]) == (15, 3)
    assert by_code(doc, "STL103") == {} and doc["errors"] == []


def test_gin_syntax_error_marks_gin_knobs_unjudgeable(build):
    repo = build("ginrepo")
    (repo / "configs/broken.gin").write_text("train.steps = 10\ntrain.lr = [0.1,\n")
    doc = check_json(repo, *ALL)
    assert [(e["path"], e["code"], e["line"]) for e in doc["errors"]] == [("configs/broken.gin", "STL903", 2)]
    assert "invalid gin (line 2)" in doc["errors"][0]["message"]
    assert stale_flags(doc) == {} and by_code(doc, "STL301") == {}
    assert set(by_code(doc, "STL101")) == {"Model.width"}  # the run goes on
    assert any("gin knobs not judged stale" in n for n in doc["notices"])


def test_configurable_forms():
    from stalelint.index import index_file
    f = index_file("nets.py", "\n".join([
        "import gin",
        "from gin import configurable as cfgable",
        "from detectron2.config import configurable",
        "import flax.linen as nn",
        "@gin.configurable",
        "class Net(nn.Module):",
        "    width: int = 8",
        "    depth: int",
        "@cfgable('opt', denylist=['params'])",
        "def make(params, lr=0.1, **kwargs):",
        "    return lr, kwargs",
        "@configurable",  # detectron2's decorator, not gin's
        "def head(dim=3):",
        "    return dim",
    ]))
    got = {k.name: (k.default, k.required, k.action) for k in f.knobs}
    assert got == {"Net.width": (8, False, None), "Net.depth": (None, True, None), "opt.lr": (0.1, False, None),
                   "opt": ({}, True, "new_allowed")}


def test_arguments_code_passes_are_not_judged():
    from stalelint.index import index_file, link
    a = index_file("agent.py", "import gin\n@gin.configurable\nclass Agent:\n"
                               "    def __init__(self, num_actions=2, gamma=0.99):\n        self.g = gamma\n")
    b = index_file("run.py", "from agent import Agent\nagent = Agent(num_actions=env.n)\n")
    knobs = {k.name: k.set_in_code for k in link([a, b], []).knobs}
    assert knobs == {"Agent.num_actions": True, "Agent.gamma": False}

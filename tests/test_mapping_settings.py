"""Dict-, list- and None-valued settings of a flag are settings of that flag, compared with its
default as a value (issue 13, part 1: gpt-neox's `zero_optimization: {...}` counted as setting
nothing). Nested config sections still bind at leaf level."""
from stalelint import judge
from stalelint.check import analyse, window_for
from stalelint.config import load
from stalelint.evidence import configs
from stalelint.names import nested_value, same_value
from stalelint.model import Setting

from conftest import AS_OF, by_code, check_json


def _facts(repo):
    return analyse(repo, load(repo), window_for(AS_OF, 180), use_cache=False)[1]


def _bound(facts, name):
    """{experiment label: [(setting key, value)]} of the knob called `name`."""
    (i,) = [i for i, k in enumerate(facts.index.knobs) if k.name == name]
    out: dict[str, list] = {}
    for b in facts.bindings.get(i, ()):
        out.setdefault(b.experiment.label, []).append((b.setting.key, b.value))
    return facts.knob(i), out


def test_a_mapping_binds_whole_to_its_flag_once(build):
    facts = _facts(build("mappings"))
    k, bound = _bound(facts, "optimizer")
    # one binding per experiment, the whole mapping, not one per leaf (`type`, `params.lr`, ...)
    assert bound["configs/a.yaml"] == [("optimizer", {"type": "Adam", "params": {"lr": 0.1, "betas": [0.9, 0.95]}})]
    assert not same_value(bound["configs/a.yaml"][0][1], k.default)
    # `optimizer: null` sets it to its default None
    assert bound["configs/b.json"] == [("optimizer", None)] and same_value(None, k.default)


def test_a_mapping_equal_to_the_default_is_the_default(build):
    facts = _facts(build("mappings"))
    k, bound = _bound(facts, "zero")
    assert k.default == {"stage": 0}
    values = {label: v for label, [(key, v)] in bound.items()}
    assert values == {"configs/a.yaml": {"stage": 0}, "configs/b.json": {"stage": 2}, "configs/c.py": {"stage": 0}}
    assert same_value(values["configs/a.yaml"], k.default) and same_value(values["configs/c.py"], k.default)
    assert not same_value(values["configs/b.json"], k.default)
    last, recent = facts.last_non_default(facts.index.knobs.index(k))
    assert last is not None and last.experiment.source == "configs/b.json" and recent == 3


def test_none_and_empty_values_are_settings(build):
    facts = _facts(build("mappings"))
    k, bound = _bound(facts, "schedule")
    # `schedule: null` of a flag whose default is "cosine" is a non-default setting
    assert bound["configs/a.yaml"] == [("schedule", None)] and not same_value(None, k.default)
    assert bound["configs/c.py"] == [("schedule", "cosine")]
    k, bound = _bound(facts, "extra")
    assert bound == {"configs/a.yaml": [("extra", {})]} and not same_value({}, k.default)
    k, bound = _bound(facts, "layers")
    assert bound == {"configs/a.yaml": [("layers", [1, 2])]} and same_value([1, 2], k.default)


def test_nested_sections_still_bind_at_leaf_level(build):
    facts = _facts(build("mappings"))
    assert not [k for k in facts.index.knobs if k.name == "model"]  # a section, not a flag
    _, depth = _bound(facts, "model.depth")
    _, width = _bound(facts, "model.width")
    assert depth == {"configs/a.yaml": [("model.depth", 24)]}
    assert width == {"configs/b.json": [("model.width", 256)]}


def test_command_line_strings_of_mappings_and_none(build):
    facts = _facts(build("mappings"))
    k, bound = _bound(facts, "ds_config")
    # a JSON or Python dict literal on a command line is the dict it spells
    assert [v for [(_, v)] in bound.values()] == [{"stage": 3}, {"stage": 3}]
    k, bound = _bound(facts, "opt_level")
    assert bound["scripts/run.sh:1"] == [("--opt-level", None)] and not same_value(None, k.default)


def test_an_untyped_flag_named_by_a_section_takes_its_mapping(build):
    # `aug: {p: 0.5}` binds nothing at leaf level; `--aug` (default None, no type) is what it sets
    facts = _facts(build("mappings"))
    k, bound = _bound(facts, "aug")
    assert bound == {"configs/d.yaml": [("aug", {"p": 0.5})]}


def test_mapping_flags_are_alive_and_their_keys_not_unknown(build):
    doc = check_json(build("mappings"), "--select", "STL102,STL103", "--min-confidence", "0")
    stale = by_code(doc, "STL102")
    for name in ("optimizer", "zero", "schedule", "extra", "ds_config", "opt_level", "aug", "model.depth"):
        assert name not in stale, stale[name]["message"]
    assert by_code(doc, "STL103") == {}


def test_flatten_keeps_lists_empty_mappings_and_nulls_whole():
    assert list(configs._flatten({"a": {}, "b": [{"x": 1}], "c": None, "d": {"e": {"f": 1}}})) == [
        ("a", {}), ("b", [{"x": 1}]), ("c", None), ("d.e.f", 1)]
    got = configs.read_settings("x.yaml", "a: {}\nb:\n  - x: 1\nc: null\nd: {e: {f: 1}}\n")
    assert [(s.key, s.value) for s in got] == [("a", {}), ("b", [{"x": 1}]), ("c", None), ("d.e.f", 1)]


def test_nested_value_keeps_spelling_and_first_setting():
    settings = [Setting("zero.Stage", 1), Setting("zero/offload.device", "cpu"), Setting("zero.Stage", 2),
                Setting("other", 3), Setting("zero", 9)]
    assert nested_value(settings, "zero") == {"Stage": 1, "offload": {"device": "cpu"}}


def test_as_whole_names_the_flag_not_a_shorter_spelling():
    from stalelint.model import Experiment, Knob

    e = Experiment("c.yaml", None, "config", None, "commit",
                   (Setting("fp16.fp16", True), Setting("fp16.enabled", True)))
    mapping = Knob("fp16", "flag", "dataclass", "t.py", 1, 1, 1, default=None, type_name="dict")
    whole = judge._as_whole(mapping, e.settings[0], e)
    assert whole == Setting("fp16", {"fp16": True, "enabled": True}, None, "value")
    # a flag not declared to hold a mapping is named by the key's last part: `model.fp16` sets it
    plain = Knob("fp16", "flag", "argparse", "t.py", 1, 1, 1, default=False)
    assert judge._as_whole(plain, Setting("model.fp16", True), e) is None

import math

import pytest

from stalelint.model import UNKNOWN
from stalelint.names import normalize, option_to_dest, parse_value, same_value, suffixes


@pytest.mark.parametrize("spelling", ["--use-ema", "use_ema", "--use_ema", "USE_EMA", "+use_ema", "++use-ema",
                                      "~use_ema"])
def test_flat_spellings_meet(spelling):
    assert normalize(spelling) == "use_ema"


@pytest.mark.parametrize("spelling", ["model.use_ema", "model/use_ema", "MODEL.USE_EMA", "+model.use-ema",
                                      "model//use_ema"])
def test_nested_spellings_meet(spelling):
    assert normalize(spelling) == "model.use_ema"


def test_option_to_dest_is_argparse_rule():
    assert option_to_dest("--batch-size") == "batch_size"
    assert option_to_dest("-b") == "b"


def test_suffixes():
    assert suffixes("a.b.c") == ["a.b.c", "b.c", "c"]


@pytest.mark.parametrize("text,value", [
    ("True", True), ("true", True), ("yes", True), ("False", False), ("off", False),
    ("None", None), ("null", None), ("~", None), ("3", 3), ("-3", -3), ("1e-3", 1e-3), ("0.5", 0.5),
    (".5", 0.5), ("1_000", 1000), ("{'a': 1}", {"a": 1}), ('{"a": [1, 2]}', {"a": [1, 2]}), ("[1, 2]", [1, 2]),
    ("(1, 2)", (1, 2)), ("'quoted'", "quoted"), ("resnet50", "resnet50"), ("", ""), ("[unclosed", "[unclosed"),
])
def test_parse_value(text, value):
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_parse_value_special_floats():
    assert math.isinf(parse_value("inf"))
    assert math.isnan(parse_value("nan"))


def test_parse_value_passes_non_strings():
    assert parse_value(3) == 3 and parse_value(None) is None


@pytest.mark.parametrize("a,b", [(1, 1.0), ("True", True), ("0.001", 1e-3), ([1, 2], (1, 2)), ("None", None),
                                 ({"a": "1"}, {"a": 1}), ("1e-3", 0.001),
                                 # MLflow's and a command line's strings of mappings and lists
                                 ("{'stage': 0}", {"stage": 0}), ('{"a": {"b": [1, 2]}}', {"a": {"b": [1, 2]}}),
                                 ("[0.9, 0.95]", [0.9, 0.95]), ("{}", {})])
def test_same_value(a, b):
    assert same_value(a, b)


@pytest.mark.parametrize("a,b", [(True, 1), (False, 0), ("True", 1), (0.1, 0.2), ("x", "y"), (None, 0),
                                 (UNKNOWN, UNKNOWN), (UNKNOWN, 1),
                                 # a null setting of a flag with a default, a mapping unlike the default
                                 (None, "cosine"), ("None", {}), ({}, None), ({"stage": 2}, {"stage": 0}),
                                 ("{'stage': 2}", {"stage": 0}), ({"stage": 0, "x": 1}, {"stage": 0})])
def test_different_value(a, b):
    assert not same_value(a, b)

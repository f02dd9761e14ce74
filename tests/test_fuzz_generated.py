"""Property-based tests with generated Python and YAML (hypothesis, derandomized: CI runs the same
examples every time, with no example database). `pytest --slow` runs 10x the examples.

Python: argparse scripts whose flags are used in every statement form (match, walrus, f-strings,
lambdas, comprehensions, decorators), written with any indentation and line endings and unicode
names: indexing never raises, and finds every flag. YAML: nested mappings dumped in any style are
read back as exactly their dotted keys. Batches of generated scripts go through `check` as a repo.
"""
from __future__ import annotations

import ast
import json
import keyword
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalelint.discover import decode_text
from stalelint.evidence.configs import BadConfig, NotAConfig, read_settings
from stalelint.index import index_file
from stalelint.names import normalize

import conftest
import fuzz_helpers as fz
from conftest import AS_OF, run



def examples(n: int):
    """Deterministic: CI runs the same examples every time, and keeps no database."""
    return settings(max_examples=n * conftest.FUZZ_SCALE, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


identifier = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    st.text(st.characters(categories=["Ll", "Lo", "Nl"]), min_size=1, max_size=6),
).filter(lambda s: s.isidentifier() and not keyword.iskeyword(s) and not keyword.issoftkeyword(s)
         and s not in ("args", "parser", "argparse", "print", "main"))

default = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=False).map(lambda f: f if math.isfinite(f) else "float('inf')"),
    st.text(max_size=20), st.lists(st.integers(-5, 5), max_size=3),
).map(lambda v: v if isinstance(v, str) and v.startswith("float(") else repr(v))

USES = [
    "if args.{n}:\n{i}print(1)\n",
    "match args.{n}:\n{i}case 1 | 2:\n{i}{i}pass\n{i}case [x, *rest] if x:\n{i}{i}print(rest)\n{i}case _:\n{i}{i}pass\n",
    "if (v := args.{n}) is not None:\n{i}print(v)\n",
    "print(f\"{{args.{n}!r:>{{10}}}} {{'a' if args.{n} else 'b'}}\")\n",
    "f = lambda x=args.{n}: x\n",
    "vals = [args.{n} for _ in range(2) if args.{n}]\n",
    "@(lambda fn: fn)\ndef use_{k}(x, /, *, y=args.{n}):\n{i}return x\n",
    "while args.{n}:\n{i}break\nelse:\n{i}pass\n",
    "x = args.{n} if args.{n} else None\n",
]


@st.composite
def script(draw, unread_prefix: str = ""):
    """(source, flags read, flags never read) of a generated argparse script."""
    names = draw(st.lists(identifier, min_size=1, max_size=6, unique_by=normalize))
    unread = draw(st.lists(identifier, max_size=3, unique_by=normalize))
    unread = [f"{unread_prefix}{u}" for u in unread if normalize(u) not in {normalize(n) for n in names}]
    indent = draw(st.sampled_from(["    ", "  ", "\t", " " * 8, " "]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["import argparse", "", "parser = argparse.ArgumentParser()"]
    for n in names + unread:
        dashed = n.replace("_", "-") if draw(st.booleans()) else n
        lines.append(f"parser.add_argument('--{dashed}', default={draw(default)})")
    lines.append("args = parser.parse_args()")
    body = "\n".join(lines) + "\n"
    for k, n in enumerate(names):
        use = draw(st.sampled_from(USES))
        body += use.format(n=n, i=indent, k=k)
    return body.replace("\n", eol), names, unread


def _knob_names(source: str) -> set[str]:
    return {normalize(k.name) for k in index_file("gen.py", source).knobs}


@examples(150)
@given(script())
def test_generated_scripts_index_without_errors_and_find_every_flag(generated):
    source, names, unread = generated
    ast.parse(source)  # the generator writes valid Python
    found = index_file("gen.py", source)
    assert found.errors == ()
    assert {normalize(n) for n in names + unread} <= {normalize(k.name) for k in found.knobs}


@examples(150)
@given(script(), st.integers(0, 10**6), st.sampled_from(list(fz.MUTATIONS)))
def test_mutated_generated_scripts_never_crash_the_index(generated, seed, mutation):
    import random
    data = fz.MUTATIONS[mutation](random.Random(seed), generated[0].encode("utf-8"), ".py")
    text, _ = decode_text("gen.py", data)
    if text is not None:
        index_file("gen.py", text)  # never raises: a bad file is an error in the result
        try:
            read_settings("configs/gen.py", text)
        except (BadConfig, NotAConfig):
            pass


yaml_key = st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters=".\ufeff"),
                   min_size=1, max_size=8).filter(
    lambda k: k.strip() == k and k.lower() not in ("defaults", "_base_", "__base__", "base", "_target_",
                                                    "_partial_", "_recursive_", "_convert_", "__include__",
                                                    "hydra", "_self_"))
yaml_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
yaml_tree = st.recursive(yaml_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                              st.dictionaries(yaml_key, inner, max_size=4)),
                         max_leaves=20)


def _flat(data, prefix=""):
    if isinstance(data, dict) and data:
        for k, v in data.items():
            yield from _flat(v, f"{prefix}.{k}" if prefix else k)
    elif prefix:
        yield prefix, data


@examples(200)
@given(st.dictionaries(yaml_key, yaml_tree, min_size=1, max_size=6), st.booleans(), st.booleans(),
       st.sampled_from(["\n", "\r\n"]), st.integers(2, 8))
def test_generated_yaml_reads_back_as_its_dotted_keys(data, flow, unicode, eol, indent):
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=flow, allow_unicode=unicode, indent=indent,
                          line_break=eol)
    got = read_settings("configs/gen.yaml", text)
    # PyYAML's own reading is the reference: its dumper does not round-trip everything (a NEL, \x85,
    # in a string comes back a space)
    assert [(s.key, s.value) for s in got] == list(_flat(yaml.safe_load(text)))
    assert [s.key for s in got] == [k for k, _ in _flat(data)]


@examples(8)
@given(st.lists(script(unread_prefix="zz_unread_"), min_size=4, max_size=12))
def test_generated_repo_check_reports_every_unread_flag(tmp_path_factory, scripts):
    repo = tmp_path_factory.mktemp("gen")
    expected = set()
    for i, (source, _, unread) in enumerate(scripts):
        # one file per script, each its own entry point: a name read in one never counts for another
        (repo / f"s{i}.py").write_bytes(source.encode("utf-8"))
        expected |= {(f"s{i}.py", normalize(u)) for u in unread}
    result = run("check", repo, "--as-of", AS_OF, "--output-format", "json", "--no-cache")
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.output)
    assert doc["errors"] == []
    got = {(f["path"], normalize(f["name"])) for f in doc["findings"] if f["code"] == "STL101"}
    assert expected <= got

"""fix/engine.py finds a branch to remove among `file_gates`: they must be `index_file`'s gates."""
import textwrap

import pytest

from stalelint.index import index_file
from stalelint.index.file_gates import file_gates
from tests.test_file_reads import ROOT, SNIPPETS, SOURCES

GATE_SNIPPETS = [
    # argparse flags tested directly, through a local alias, in a ternary, an early exit, a match
    '''
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="a")
    p.add_argument("--tta", type=int, default=0)
    args = p.parse_args()
    reduce_factor = args.tta
    if reduce_factor > 1:
        pass
    if args.mode == "a":
        x = 1
    elif args.mode == "b":
        x = 2
    y = 3 if args.mode == "c" else 4
    def go():
        if not args.tta:
            return
        print(1)
    match args.mode:
        case "a":
            pass
    ''',
    # a function's parameters as knobs (click, fire) gate its body; nanoGPT globals gate the module
    '''
    import click
    @click.command()
    @click.option("--fast", is_flag=True)
    def main(fast):
        if fast:
            print("fast")
    compile = True
    exec(open("configurator.py").read())
    if compile:
        pass
    ''',
    # a dataclass's fields gate through the object built from it
    '''
    from dataclasses import dataclass
    @dataclass
    class Cfg:
        use_ema: bool = False
    def train(cfg: Cfg):
        if cfg.use_ema and cfg.use_ema != 3:
            pass
    ''',
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_gates_of_files(path):
    text = path.read_text("utf-8")
    assert file_gates(str(path), text) == index_file(str(path), text).gates


@pytest.mark.parametrize("src", SNIPPETS + GATE_SNIPPETS)
def test_gates_of_snippets(src):
    text = textwrap.dedent(src)
    assert file_gates("m.py", text) == index_file("m.py", text).gates


def test_snippets_have_gates():
    """The gate snippets hold gates of each kind, so the comparison above is not of empty lists."""
    found = [index_file("m.py", textwrap.dedent(s)).gates for s in GATE_SNIPPETS]
    assert all(found)
    assert {g.form for gs in found for g in gs} >= {"if", "elif", "ternary", "guard", "case"}

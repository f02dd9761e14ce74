"""fix/orphans.py asks `file_reads` what a file reads after each fix: it must be `index_file`'s reads."""
import textwrap
from pathlib import Path

import pytest

from stalelint.index import index_file
from stalelint.index.file_reads import file_reads

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for d in ("fixtures", "stalelint") for p in (ROOT / d).rglob("*.py"))

SNIPPETS = [
    # a helper reading flags by name, its callers naming them (reads.by_name)
    '''
    def _check_args(name):
        return hasattr(args, name) and eval(f"args.{name}")
    if _check_args("zip"): pass
    for k in ("lr", "wd"):
        print(getattr(args, k))
    ''',
    # a config class of this file makes its parameter strong; setattr on it is a read
    '''
    from dataclasses import dataclass
    @dataclass
    class Trainer:
        depth: int = 3
    def run(t: Trainer):
        setattr(t, "depth", 4)
        return t.depth, vars(t)["width"], t.get("x")
    ''',
    # pydantic, absl holders, gin, nanoGPT globals
    '''
    from pydantic import BaseModel
    from absl import flags
    import gin
    class Opts(BaseModel):
        lr: float = 0.1
    _STEPS = flags.DEFINE_integer("steps", 1, "")
    @gin.configurable
    def train(batch=32):
        return batch
    batch_size = 12
    exec(open("configurator.py").read())
    def go(o: Opts):
        return o.lr + _STEPS.value + batch_size
    ''',
    "def broken(:\n",
    "x = 1\0\n",
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_reads_of_files(path):
    text = path.read_text("utf-8")
    assert file_reads(str(path), text) == index_file(str(path), text).reads


@pytest.mark.parametrize("src", SNIPPETS)
def test_reads_of_snippets(src):
    text = textwrap.dedent(src)
    assert file_reads("m.py", text) == index_file("m.py", text).reads

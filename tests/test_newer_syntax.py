"""Source written for newer Pythons: what the running Python can parse is analysed (and fixed) as
usual; what it cannot is one clear STL901 naming the file and the Python it needs, and the run goes on."""
import ast
import subprocess
import sys

import pytest

from stalelint import demo
from stalelint.check import window_for
from stalelint.index import index_file

from conftest import by_code, check_json, run

MODERN = '''\
import argparse
import functools

parser = argparse.ArgumentParser()
parser.add_argument("--mode", default="train")
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--unread-knob", type=int, default=0)
args = parser.parse_args()
registry = [functools.cache]


@registry[0]  # PEP 614: any expression as a decorator
def step(x, /, scale=1, *, bias=0):  # positional-only and keyword-only parameters
    return x * scale + bias


match args.mode:
    case "train" if (n := args.steps) > 0:
        print(step(n))
    case "eval" | "test":
        print(f"{'eval'!r:>{args.steps}}")
    case {"nested": [first, *rest]}:
        print(first, rest)
    case _:
        pass
'''
EXCEPT_STAR = '''
try:
    step(1)
except* ValueError as group:
    print(group.exceptions)
'''


def test_match_walrus_and_friends_are_read(tmp_path):
    (tmp_path / "modern.py").write_text(MODERN)
    (tmp_path / "groups.py").write_text(MODERN.replace("--unread-knob", "--unread-too") + EXCEPT_STAR)
    doc = check_json(tmp_path)
    unread = set(by_code(doc, "STL101"))
    if sys.version_info >= (3, 11):
        assert doc["errors"] == [] and "unread_too" in unread
    else:
        [error] = doc["errors"]
        assert error["path"] == "groups.py" and "PEP 654" in error["message"] and "Python 3.11+" in error["message"]
    assert unread - {"unread_too"} == {"unread_knob"}  # mode and steps are read, in the match
    assert {k.name for k in index_file("modern.py", MODERN).knobs} >= {"mode", "steps", "unread_knob"}


PEP695 = {
    "generic_def.py": "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
    "generic_class.py": "class Box[T]:\n    item: T\n",
    "type_alias.py": "type Vector = list[float]\n",
    "fstring_nesting.py": 'x = 1\ns = f"{f"{x}"}"\n',
    "fstring_backslash.py": "s = f\"{'\\n'.join([])}\"\n",
}


@pytest.mark.parametrize("name", sorted(PEP695))
def test_python_312_syntax_is_read_or_named(tmp_path, name):
    (tmp_path / name).write_text("import argparse\n" + PEP695[name] + "p = argparse.ArgumentParser()\n"
                                 "p.add_argument('--in-new-file', type=int, default=0)\n")
    (tmp_path / "old.py").write_text("import argparse\np = argparse.ArgumentParser()\n"
                                     "p.add_argument('--in-old-file', type=int, default=0)\n")
    doc = check_json(tmp_path)
    unread = by_code(doc, "STL101")
    assert "in_old_file" in unread  # the rest of the repo is analysed either way
    if sys.version_info >= (3, 12):
        assert doc["errors"] == [] and "in_new_file" in unread
    else:
        [error] = doc["errors"]
        assert error["path"] == name and error["code"] == "STL901"
        assert f"newer than the Python 3.{sys.version_info[1]} stalelint runs on" in error["message"]
        assert "Python 3.12+" in error["message"]
        assert ("PEP 701" if name.startswith("fstring") else "PEP 695") in error["message"]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="Python 3.13 reads type parameter defaults")
def test_python_313_syntax_on_an_older_python(tmp_path):
    (tmp_path / "defaults.py").write_text("def f[T = int](x: T) -> T:\n    return x\n")
    [error] = check_json(tmp_path)["errors"]
    assert "PEP 696" in error["message"] and "Python 3.13+" in error["message"]


def test_a_plain_syntax_error_is_not_blamed_on_a_newer_python(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\nclass C[T:\n")
    [error] = check_json(tmp_path)["errors"]
    assert "newer" not in error["message"] and "cannot parse Python (line 1)" in error["message"]


AS_OF = "2026-11-27"
MATCH_ARMS = '''

def report(args):
    match args.aug:
        case "mixup" | "cutmix":
            print("mixed batches")
        case _:
            if args.use_ema:
                print("ema in a match arm")
'''


def test_fix_apply_in_match_arms(tmp_path, monkeypatch):
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "T")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "t@x")
    repo = demo.build(tmp_path / "demo", window_for(AS_OF, 180).as_of)
    train = repo / "train.py"
    train.write_text(train.read_text() + MATCH_ARMS)
    subprocess.run(["git", "-C", repo, "commit", "-qam", "report", "--date", "2025-01-01T00:00:00"], check=True)
    result = run("fix", repo, "--as-of", AS_OF, "--apply")
    assert result.exit_code == 0, result.output
    text = train.read_text()
    tree = ast.parse(text)
    assert "use_ema" not in text and "ema in a match arm" not in text
    [match] = [n for n in ast.walk(tree) if isinstance(n, ast.Match)]
    assert [ast.unparse(c.pattern) for c in match.cases] == ["'mixup' | 'cutmix'", "_"]
    assert 'print("mixed batches")' in text
    assert [type(s).__name__ for s in match.cases[1].body] == ["Pass"]  # the emptied arm stays valid

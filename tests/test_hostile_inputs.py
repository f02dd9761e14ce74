"""Crashes the fuzz tests (tests/test_fuzz.py) found, each reduced to the input that caused it:
every one is now an STL9xx error naming the file, or read correctly, and the run goes on."""
import os
import re
import subprocess

import pytest

from stalelint.evidence import configs
from stalelint.index import index_file

from conftest import ALL, by_code, check_json, run, stale_flags


def errors(doc):
    return {(e["path"], e["code"]): e["message"] for e in doc["errors"]}


def test_a_cookie_naming_a_codec_that_decodes_nothing(build):
    repo = build("labrepo")
    (repo / "odd.py").write_bytes(b"# -*- coding: undefined -*-\nx = 1\n")
    doc = check_json(repo, *ALL)
    assert "cannot decode" in errors(doc)[("odd.py", "STL902")]
    assert "use_ema" in stale_flags(doc)


BIG = "1" + "7" * 4400  # over Python's 4300-digit limit for int <-> str


@pytest.mark.parametrize("path,text", [("c.yaml", f"lr: 0.1\nbig: {BIG}\n"), ("c.json", f'{{"big": {BIG}}}'),
                                       ("c.toml", f"big = {BIG}\n")])
def test_numbers_over_the_digit_limit_are_a_bad_config(path, text):
    with pytest.raises(configs.BadConfig, match=r"limit \(4300( digits)?\) for integer string conversion"):
        configs.read_settings(path, text)


def _commit(repo, message, date):
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@b", GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", repo, "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", repo, "commit", "-qm", message], check=True, env=env)


def test_record_separators_in_committed_code_and_messages(build):
    # git's log is read as records that start with \x1e: the same byte in a file or a commit
    # subject must not start a record
    repo = build("labrepo")
    (repo / "lab/sep.py").write_bytes(b"SEP = '\x1e1700000000'\n\x1e = 1\n")
    _commit(repo, "separator \x1e in a subject", "2026-06-10T10:00:00")
    doc = check_json(repo, *ALL)
    assert "use_ema" in stale_flags(doc)
    assert "debug_every" not in by_code(doc, "STL101")  # still young: added 2026-06-01
    assert ("lab/sep.py", "STL901") in errors(doc)


def test_a_bom_and_a_cookie_for_another_encoding(build):
    repo = build("labrepo")
    (repo / "both.py").write_bytes(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n")
    (repo / "agree.py").write_bytes(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\nx = 1\n")
    got = errors(check_json(repo, *ALL))
    assert "byte order mark and a coding cookie for latin-1" in got[("both.py", "STL902")]
    assert not any(p == "agree.py" for p, _ in got)


def test_fix_does_not_hand_libcst_a_chain_that_overflows_its_stack(build):
    # 10,000 `or`s are flat in `ast` but nest 10,000 deep in libcst, whose native parser then
    # overflows the C stack: a segfault, so the fix runs in a child process here
    import sys
    repo = build("demo")
    train = repo / "train.py"
    train.write_text(train.read_text() + "\nANY = a" + " or a" * 10_000 + "\n")
    _commit(repo, "a long chain", "2026-01-01T10:00:00")
    done = subprocess.run([sys.executable, "-m", "stalelint", "fix", str(repo), "--as-of", "2026-06-30"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "train.py cannot be rewritten: it nests 10,00" in done.stdout
    assert "over the 100 libcst can rewrite safely" in done.stdout


@pytest.mark.parametrize("text", ["x = " + "not " * 100_000 + "1\n", "x = " + "-" * 100_000 + "1\n"])
def test_python_config_deeper_than_the_parser_stack(text):
    # CPython's parser raises MemoryError (not RecursionError) when its own stack runs out
    with pytest.raises(configs.BadConfig, match="too deeply nested|too complex"):
        configs.read_settings("configs/deep.py", text)
    [error] = index_file("deep.py", text).errors
    assert re.search("too deeply nested|too complex", error.message)


def test_yaml_config_too_deep_for_ruamel_loses_its_key_by_lines():
    from stalelint.fix.configs import remove_keys
    text = "lr: 0.1\nmodel: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(400)) + "  " * 400 + "x: 1\n"
    new, problem, _ = remove_keys("configs/deep.yaml", text, {"lr"})
    assert problem is None and new == text.replace("lr: 0.1\n", "")


def test_fix_leaves_a_file_too_deep_for_libcst_visitors_alone(build):
    # 300 nested subscripts are deep in `ast` too; libcst's visitors recurse several Python frames a
    # level and raised RecursionError. The fix of train.py is made; its cleanup skips utils.py.
    repo = build("demo")
    utils = repo / "utils.py"  # where the fix would remove ModelEma, left unused
    utils.write_text(utils.read_text() + "\nDEEP = a" + "[0]" * 300 + "\n")
    _commit(repo, "deep", "2026-01-01T10:00:00")
    before = utils.read_bytes()
    result = run("fix", repo, "--as-of", "2026-06-30", "--apply", "--force", *ALL)
    assert result.exit_code in (0, 1), result.output
    assert "use_ema" not in (repo / "train.py").read_text()
    assert utils.read_bytes() == before


def test_a_value_nested_too_deeply_to_cache_is_not_cached(tmp_path):
    # Python 3.12 reads a YAML list nested 1,000 deep that 3.11 gives up on; the cache's encoder
    # then recursed past the limit
    from stalelint.cache import IndexCache
    from stalelint.config import from_table
    from stalelint.model import Setting

    nested: list = []
    for _ in range(5000):
        nested = [nested]
    store = IndexCache(tmp_path, from_table({}, "test"))
    store.store_settings("configs/deep.yaml", "0" * 64, [Setting("a", nested, 1)], [], None)
    store.save()
    assert store.load_settings("configs/deep.yaml", "0" * 64)[0] is False  # a miss: read again next time

"""Fingerprints survive line moves; `stalelint baseline` and `check --baseline` report only what is new."""
import json
import os
import subprocess

from conftest import ALL, AS_OF, NOW, check_json, run
from stalelint import baseline, fingerprint
from stalelint.model import Finding


def commit(repo, message, date="2026-06-15T10:00:00+00:00"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@x",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@x", GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", message], check=True, env=env)


def prepend(path, text):
    path.write_text(text + path.read_text())


def fingerprints(doc):
    return {(f["code"], f["name"]): (f["fingerprint"], f["line"]) for f in doc["findings"]}


def test_fingerprints_survive_line_moves(build):
    repo = build("labrepo")
    before = fingerprints(check_json(repo, *ALL))
    prepend(repo / "train.py", "# moved\n# down\n# three lines\n")
    prepend(repo / "lab/optim.py", "# one more line\n")
    commit(repo, "comments at the top")
    after = fingerprints(check_json(repo, *ALL))
    assert set(after) == set(before)
    for key, (fp, line) in after.items():
        assert fp == before[key][0], key
    assert after[("STL104", "use_ema")][1] == before[("STL104", "use_ema")][1] + 3
    assert after[("STL201", "poly")][1] == before[("STL201", "poly")][1] + 1  # a dispatch arm in lab/optim.py
    assert after[("STL301", "dropout")][1] == before[("STL301", "dropout")][1] + 3  # a ternary in train.py


def test_fingerprint_tells_apart_what_would_collide():
    def f(name, line, subject="", code="STL102", path="a.py"):
        return Finding(code, "r", "flag", name, path, line, 1, "m", 90, 1, subject=subject)

    same = [f("x", 3), f("x", 30)]  # one flag name in two parsers of one file
    a, b = fingerprint.fingerprints(same)
    assert a != b and fingerprint.fingerprints(list(reversed(same))) == (b, a)
    # two tricks on one knob differ by their test, wherever they sit
    t1, t2 = fingerprint.fingerprints([f("aug", 5, "args.aug == 'a'", "STL301"), f("aug", 9, "args.aug == 'b'", "STL301")])
    (t2_moved,) = fingerprint.fingerprints([f("aug", 40, "args.aug == 'b'", "STL301")])
    assert t1 != t2 and t2 == t2_moved
    # the path, the code and the name each matter; the message (with its counts and dates) does not
    base = fingerprint.fingerprints([f("x", 3)])[0]
    assert base != fingerprint.fingerprints([f("x", 3, path="b.py")])[0]
    assert base != fingerprint.fingerprints([f("x", 3, code="STL101")])[0]
    assert base != fingerprint.fingerprints([f("y", 3)])[0]
    other_message = Finding("STL102", "r", "flag", "x", "a.py", 3, 1, "different counts", 70, 9)
    assert base == fingerprint.fingerprints([other_message])[0]


def test_baseline_then_only_new_findings(build):
    repo = build("labrepo")
    n = len(check_json(repo, *ALL)["findings"])
    result = run("baseline", repo, "--as-of", AS_OF, *ALL)
    assert result.exit_code == 0, result.output
    assert f"Wrote {n} findings to" in result.output
    written = json.loads((repo / ".stalelint-baseline.json").read_text())
    assert written["version"] == 1 and len(written["findings"]) == n
    assert {"fingerprint", "code", "path", "name"} == set(written["findings"][0])

    out = run("check", repo, "--as-of", AS_OF, "--baseline", repo / ".stalelint-baseline.json", *ALL)
    assert out.exit_code == 0, out.output
    assert "note: baseline" in out.output and f"{n} known findings hidden" in out.output
    assert "Found 0 findings" in out.output

    # a new stale flag and a fixed one
    options = repo / "lab/options.py"
    text = options.read_text()
    assert '"--warmup"' in text
    options.write_text(text.replace("def add_optim_args(parser):",
                                    "def add_optim_args(parser):\n    parser.add_argument('--brand-new', type=int, default=1)"))
    (repo / "lab/config.py").write_text((repo / "lab/config.py").read_text().replace("unused_knob", "unused_knob_renamed"))
    commit(repo, "a new flag", "2025-03-01T10:00:00+00:00")
    doc = check_json(repo, "--baseline", repo / ".stalelint-baseline.json", *ALL)
    names = {f["name"] for f in doc["findings"]}
    assert names == {"unused_knob_renamed", "brand_new"}  # both unread (STL101); the others are known
    assert doc["summary"]["counts"] == {"STL101": 2}
    note = next(n for n in doc["notices"] if n.startswith("baseline"))
    assert "1 baseline entry no longer match" in note


def test_baseline_output_and_selection(build, tmp_path):
    repo = build("labrepo")
    dest = tmp_path / "base.json"
    assert run("baseline", repo, "--as-of", AS_OF, "--select", "STL102", "--output", dest,
               "--min-confidence", "0").exit_code == 0
    all_codes = {f["code"] for f in check_json(repo, *ALL)["findings"]}
    assert len(json.loads(dest.read_text())["findings"]) == check_json(repo, *ALL)["summary"]["counts"]["STL102"]
    doc = check_json(repo, "--baseline", dest, *ALL)
    assert {f["code"] for f in doc["findings"]} == all_codes - {"STL102"}
    # entries of codes this run does not look at are not called stale
    doc = check_json(repo, "--baseline", dest, "--select", "STL101", *ALL)
    note = next(n for n in doc["notices"] if n.startswith("baseline"))
    assert "no longer match" not in note and "0 known findings hidden" in note


def test_bad_baseline_files_are_usage_errors(build, tmp_path):
    repo = build("noexp")
    for content, words in ((None, "not found"), ("{", "not valid JSON"), ('{"findings": [1]}', "not a stalelint baseline"),
                           ('{"version": 9, "findings": []}', "version 9")):
        path = tmp_path / "b.json"
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(content)
        result = run("check", repo, "--as-of", AS_OF, "--baseline", path)
        assert result.exit_code == 2 and words in result.output, result.output


def test_compare_by_fingerprint():
    def res(*findings):
        from stalelint.model import Result, Window
        return Result("/r", Window(NOW, 180), tuple(findings), (), (), 0, 0, 0, 0)

    a = Finding("STL102", "stale-flag", "flag", "a", "t.py", 3, 1, "m", 90, 1)
    b = Finding("STL102", "stale-flag", "flag", "b", "t.py", 4, 1, "m", 90, 1)
    c = Finding("STL102", "stale-flag", "flag", "c", "t.py", 5, 1, "m", 90, 1)
    moved_b = Finding("STL102", "stale-flag", "flag", "b", "t.py", 40, 1, "other counts", 70, 1)
    cmp = baseline.compare(res(moved_b, c), res(a, b))
    assert cmp.new == (c,) and cmp.gone == (a,)

"""SARIF, GitHub workflow commands and Markdown: valid, and in step with text and JSON."""
import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import ALL, AS_OF, FIXTURES, NOW, run
from stalelint import fixture_repo, rules
from stalelint.report import github, markdown, sarif

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def labrepo(tmp_path_factory):
    repo = fixture_repo.build(FIXTURES / "labrepo", tmp_path_factory.mktemp("formats") / "labrepo", NOW)
    (repo / "broken.py").write_text("def f(:\n    pass\n")  # an STL901 error, reported with the findings
    return repo


def output(repo, fmt, *args):
    result = run("check", repo, "--as-of", AS_OF, "--output-format", fmt, *ALL, *args)
    assert result.exit_code == 1, result.output
    return result.output


def test_sarif_is_valid_and_complete(labrepo):
    doc = json.loads(output(labrepo, "sarif"))
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)  # raises with the path of the first error
    assert doc["version"] == "2.1.0" and doc["$schema"] == SCHEMA["id"]
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "stalelint"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.CODE for r in rules.RULES] + list(rules.ERRORS)
    stale = driver["rules"][ids.index("STL102")]
    assert stale["name"] == "stale-flag"
    assert stale["shortDescription"]["text"].startswith("A flag that an older experiment set to another value")
    assert "Why:" in stale["help"]["text"] and "**Fix safety:**" in stale["help"]["markdown"]
    assert stale["fullDescription"]["text"] != stale["shortDescription"]["text"]
    results = run_["results"]
    js = json.loads(output(labrepo, "json"))
    assert len(results) == len(js["findings"]) + len(js["errors"]) and len(js["errors"]) == 1
    ema = next(r for r in results if r["properties"].get("name") == "use_ema")
    assert ema["ruleId"] == "STL104" and ema["level"] == "warning" and ids[ema["ruleIndex"]] == "STL104"
    loc = ema["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "train.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 12, "startColumn": 5, "endLine": 12}
    fp = next(f["fingerprint"] for f in js["findings"] if f["name"] == "use_ema")
    assert ema["partialFingerprints"] == {"stalelint/v1": fp}
    assert ema["properties"]["evidence"]["recent_experiments"] == 7
    broken = next(r for r in results if r["ruleId"] == "STL901")
    assert broken["level"] == "error"
    assert broken["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert not Path(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).is_absolute()


def test_sarif_paths_are_uri_encoded(labrepo):
    from stalelint.model import Finding

    loc = sarif._location("dir with space/a#b.py", 3, 1, 5)["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "dir%20with%20space/a%23b.py"
    assert Finding  # the record every format reads


def test_github_annotations(labrepo):
    lines = output(labrepo, "github").splitlines()
    ema = next(line for line in lines if "use-ema" in line)
    assert ema.startswith("::warning file=train.py,line=12,col=5,title=STL104 never-varied::flag `--use-ema` is never")
    assert ema.endswith("(confidence 90%25)")
    js = json.loads(output(labrepo, "json"))
    block = next(f for f in js["findings"] if f["end_line"] > f["line"])  # a branch: its end line is given
    assert any(line.startswith(f"::warning file={block['path']},line={block['line']},col={block['column']},"
                               f"endLine={block['end_line']},title={block['code']} {block['rule']}::")
               for line in lines)
    assert any(line.startswith("::error file=broken.py,line=1,title=STL901 syntax-error::") for line in lines)
    n = len(js["findings"])
    assert lines[-1].startswith(f"Found {n} findings")
    assert sum(line.startswith("::warning ") for line in lines) == n


def test_github_escaping():
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = github.command("warning", "x: y, z\nw", file="dir,1/a:b.py", line=3, col=None, title="T, t")
    assert line == "::warning file=dir%2C1/a%3Ab.py,line=3,title=T%2C t::x: y, z%0Aw"
    assert github.command("notice", "plain") == "::notice::plain"


def test_markdown_in_step_with_text_and_json(labrepo):
    md = output(labrepo, "markdown")
    text = output(labrepo, "text")
    js = json.loads(output(labrepo, "json"))
    # every finding of text and JSON is a row of the Markdown, with its place
    places = {(f["path"], f["line"]) for f in js["findings"]}
    text_places = {(m.group(1), int(m.group(2))) for m in re.finditer(r"^(\S+?):(\d+):\d+: STL[1-8]", text, re.M)}
    n = len(js["findings"])
    assert places == text_places and len(places) == n > markdown.TOP
    for path, line in places:
        assert f"`{path}:{line}`" in md
    assert md.count("\n| STL") == n
    counts = ", ".join(f"{code} ×{k}" for code, k in js["summary"]["counts"].items())
    assert f"**{n} findings** ({counts}) and **1 error**" in md
    top, rest = md.split("<details>\n<summary>", 1)  # the top ten, then the rest collapsed
    assert top.count("\n| STL") == markdown.TOP and rest.startswith(f"{n - markdown.TOP} more finding")
    assert "**Errors**" in md and "`broken.py:1`" in md


def test_markdown_top_table_and_collapsed_rest(labrepo):
    from stalelint.check import run as analyse, window_for
    from stalelint.config import load

    settings = load(labrepo).with_overrides(min_confidence=0, extend_select=("STL104",))
    result = analyse(labrepo, settings, window_for(AS_OF, 180))
    n = len(result.findings)
    small = markdown.findings_section(result, top=3)
    top, collapsed = small.split("<details>", 1)
    assert top.count("\n| STL") == 3 and f"<summary>{n - 3} more findings</summary>" in collapsed
    assert collapsed.count("\n| STL") == n - 3
    # the top rows are the most worth acting on: tried and abandoned first, then dead tricks and
    # variants, ..., never-varied flags last; each group by lines removable
    order = markdown.ranked(result.findings)
    assert [f.code for f in order] == ["STL102", "STL102", "STL201", "STL301", "STL101", "STL103", "STL103",
                                       "STL104", "STL104", "STL104", "STL104"]
    assert [f.removable_lines for f in order[:2]] == sorted((f.removable_lines for f in order[:2]), reverse=True)
    assert f"`{order[0].path}:{order[0].line}`" in top


def test_markdown_cells_cannot_break_the_table_or_forge_html():
    assert markdown.cell("a | b\nc") == "a \\| b c"
    assert markdown.cell("x <!-- stalelint --> `a|b` `<tag>`") == "x &lt;!-- stalelint --&gt; `a\\|b` `<tag>`"
    assert markdown.cell("odd ` tick <b>") == "odd \\` tick &lt;b&gt;"


def test_markdown_is_cut_to_fit_a_comment(labrepo):
    from stalelint.check import run as analyse, window_for
    from stalelint.config import load

    import dataclasses
    # every finding, hidden ones too: more than a comment's budget holds
    result = analyse(labrepo, dataclasses.replace(load(labrepo), min_confidence=0), window_for(AS_OF, 180))
    cut = markdown.table(result.findings, budget=600)
    assert "more not shown here" in cut and len(cut) < 800


def test_json_keeps_its_keys_and_adds_fingerprints(labrepo):
    js = json.loads(output(labrepo, "json"))
    for f in js["findings"]:
        assert set(f) == {"code", "rule", "kind", "name", "path", "line", "column", "end_line", "message",
                          "confidence", "removable_lines", "evidence", "fingerprint", "incomplete"}
    fps = [f["fingerprint"] for f in js["findings"]] + [e["fingerprint"] for e in js["errors"]]
    assert len(set(fps)) == len(fps) and all(len(fp) == 20 for fp in fps)

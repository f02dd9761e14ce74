"""The judge's verdicts on fixtures/judgerepo: tried and abandoned (STL102) versus never varied
(STL104), evidence strength and confidence, documentation, operational flags, the grace period
and the window after a knob was added, abandoned scripts (STL401), and what `fix` applies."""
import json

import pytest

from conftest import ALL, AS_OF, by_code, check_json, run, stale_flags


@pytest.fixture(scope="module")
def judgerepo(tmp_path_factory):
    from conftest import FIXTURES, NOW
    from stalelint import fixture_repo
    return fixture_repo.build(FIXTURES / "judgerepo", tmp_path_factory.mktemp("judge") / "judgerepo", NOW)


def findings(doc):
    return {(f["code"], f["name"]): f for f in doc["findings"]}


def test_the_default_view_is_what_enough_runs_show(judgerepo):
    doc = check_json(judgerepo)
    assert set(findings(doc)) == {("STL102", "use_mixup")}  # STL401 is off by default
    mixup = findings(doc)[("STL102", "use_mixup")]
    assert mixup["confidence"] == 90 and mixup["evidence"]["recent_experiments"] == 7  # 6 runs and the README
    assert "last set to True by configs/old/mixup.yaml on 2025-02-01" in mixup["message"]
    # probe.py --depth (2 runs), doc_only.py --temperature (the README only), --output-dir
    # (operational) are counted, not shown (eval_tool.py, 2 old runs, is STL401's: off by default)
    assert doc["summary"]["hidden"] == 3
    assert any(n.startswith("2 flags never set to anything but their default") and "--extend-select STL104" in n
               for n in doc["notices"])
    out = run("check", judgerepo, "--as-of", AS_OF).output
    assert "3 more below confidence 50 hidden (2 on thin evidence, 1 with a doubt it names): `--min-confidence 0` shows them." in out


def test_tried_and_abandoned_is_told_from_never_varied(judgerepo):
    got = findings(check_json(judgerepo, *ALL))
    assert {name for code, name in got if code == "STL102"} == {"use_mixup", "depth", "temperature", "output_dir"}
    assert {name for code, name in got if code == "STL104"} == {"beta1", "warmup"}
    assert "never set to another value by any experiment found" in got[("STL104", "beta1")]["message"]
    assert got[("STL104", "beta1")]["evidence"]["last_set"] is None
    assert ("STL104", "beta1") not in findings(check_json(judgerepo, "--min-confidence", "0"))  # off by default
    assert ("STL104", "beta1") in findings(check_json(judgerepo, "--select", "STL104"))


def test_evidence_strength_sets_the_confidence(judgerepo):
    got = findings(check_json(judgerepo, *ALL))
    depth = got[("STL102", "depth")]
    assert depth["confidence"] == 40 and "thin evidence: only 2 recent experiments besides documentation" in \
        depth["message"]
    temperature = got[("STL102", "temperature")]
    assert temperature["confidence"] == 30 and "only documentation examples, which are not runs" in \
        temperature["message"]
    output = got[("STL102", "output_dir")]
    assert output["confidence"] == 30 and "sets how a run is operated" in output["message"]


def test_documentation_and_abbreviations_keep_flags_alive(judgerepo):
    names = {name for _, name in findings(check_json(judgerepo, *ALL))}
    assert "documented_flag" not in names  # set by the README, last edited in 2025: the docs as they are now
    assert "batch_size" not in names  # `--batch 64`: argparse takes a unique prefix of an option
    assert "lr" not in names and "width" not in names and "steps" not in names


def test_a_knob_is_judged_by_the_experiments_since_it_was_added(judgerepo):
    warmup = findings(check_json(judgerepo, *ALL))[("STL104", "warmup")]
    # added 2026-03-15: the three runs of 2026-04-01 judge it, not the configs of 2026-03-01
    assert "since it was added (or last edited) on 2026-03-15" in warmup["message"]
    assert warmup["evidence"]["recent_experiments"] == 3


def test_the_grace_period_is_its_own_setting(judgerepo):
    doc = check_json(judgerepo, *ALL)
    assert "label_smoothing" not in stale_flags(doc)  # added 2026-06-20: ten days old
    assert any(n.startswith("1 definition younger than the grace period (30 days)") for n in doc["notices"])
    assert doc["grace_days"] == 30
    # a window of all of history does not make every knob a grace-period knob
    doc = check_json(judgerepo, "--since", "3y", *ALL)
    assert "use_mixup" not in stale_flags(doc)  # the 2025 mixup config is inside this window: alive
    assert {"beta1", "warmup"} <= set(stale_flags(doc))
    assert any(n.startswith("1 definition younger") for n in doc["notices"])
    # a grace period of 5 days judges label_smoothing, by the experiments since 2026-06-20: none
    doc = check_json(judgerepo, "--grace", "5d", *ALL)
    assert "label_smoothing" not in stale_flags(doc) and not any("grace period" in n for n in doc["notices"])
    # a grace period longer than the window keeps warmup (2026-03-15) out too
    doc = check_json(judgerepo, "--since", "30d", "--grace", "200d", *ALL)
    assert "warmup" not in stale_flags(doc)
    assert run("check", judgerepo, "--grace", "soon").exit_code == 2


def test_grace_in_pyproject(judgerepo, tmp_path):
    config = tmp_path / "stalelint.toml"
    config.write_text('[tool.stalelint]\ngrace = "5d"\nextend_select = ["STL104"]\nmin_confidence = 0\n')
    doc = check_json(judgerepo, "--config", config)
    assert doc["grace_days"] == 5 and not any("grace period" in n for n in doc["notices"])
    assert "beta1" in by_code(doc, "STL104")
    config.write_text('[tool.stalelint]\ngrace = 5\n')
    result = run("check", judgerepo, "--as-of", AS_OF, "--config", config)
    assert result.exit_code == 2 and "`grace` must be str" in result.output


def test_a_script_no_recent_experiment_runs_is_one_finding(judgerepo):
    got = findings(check_json(judgerepo, *ALL))
    old = got[("STL401", "old_train.py")]
    assert old["kind"] == "script" and old["confidence"] == 70 and old["removable_lines"] == 8
    assert "the last of its 3 experiments was scripts/old_runs.sh" in old["message"]
    assert old["evidence"]["recent_experiments"] == 0 and old["evidence"]["total_experiments"] == 3
    assert got[("STL401", "eval_tool.py")]["confidence"] == 40  # run twice, ever: thin
    # and its flags are not reported one by one
    assert not any(f["path"] in ("old_train.py", "eval_tool.py") and f["code"] != "STL401"
                   for f in check_json(judgerepo, *ALL)["findings"])


def test_fix_applies_what_check_shows(judgerepo, tmp_path):
    import shutil
    import subprocess
    repo = tmp_path / "repo"
    shutil.copytree(judgerepo, repo, symlinks=True)
    out = run("fix", repo, "--as-of", AS_OF).output
    assert "# STL102 use_mixup (train.py:6) [safe]" in out
    assert "# STL102 output_dir" not in out and "# STL102 depth" not in out  # hidden: below the default confidence
    # asked for, a low-confidence finding is fixed like any other (folding its default keeps every run)
    out = run("fix", repo, "--as-of", AS_OF, "--min-confidence", "0").output
    assert "# STL102 output_dir (train.py:8) [safe]" in out
    assert run("fix", repo, "--as-of", AS_OF, "--apply").exit_code == 0
    entries = [json.loads(line) for line in (repo / ".stalelint/graveyard.jsonl").read_text().splitlines()]
    assert [e["name"] for e in entries] == ["use_mixup"]
    assert subprocess.run(["git", "-C", repo, "diff", "--name-only"], capture_output=True, text=True).stdout.split() \
        == ["configs/old/mixup.yaml", "train.py"]


def test_text_orders_findings_by_value(judgerepo):
    out = run("check", judgerepo, "--as-of", AS_OF, *ALL).output
    codes = [line.split()[1] for line in out.splitlines() if ".py:" in line.split(" ")[0]]
    assert codes == ["STL102", "STL102", "STL102", "STL102", "STL401", "STL401", "STL104", "STL104"]
    first = next(line for line in out.splitlines() if "STL102" in line)
    assert first.startswith("train.py:6:1: STL102 flag `--use-mixup`")  # 4 lines removable: the most


def test_rules_say_which_are_on_by_default():
    out = run("rules").output
    assert "STL104  off  never-varied" in out and "STL102  on   stale-flag" in out
    assert "STL401  off  stale-entry-point" in out
    assert "off by default; `--extend-select STL104` turns it on" in run("rules", "STL104").output


def test_an_unknown_option_a_library_may_define_is_not_shown(tmp_path):
    """latent-diffusion's main.py hands its parser to `Trainer.add_argparse_args(parser)`, and trl's
    scripts parse a config class that extends `TrainingArguments`: `--gpus` and `--output_dir` are the
    library's options, which the index cannot see."""
    import datetime as dt
    (tmp_path / "main.py").write_text(
        "import argparse\nfrom pytorch_lightning import Trainer\np = argparse.ArgumentParser()\n"
        "p.add_argument('--base', default='a.yaml')\np = Trainer.add_argparse_args(p)\nargs = p.parse_args()\n"
        "print(args.base)\n")
    (tmp_path / "plain.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--base', default='a.yaml')\n"
        "args = p.parse_args()\nprint(args.base)\n")
    (tmp_path / "run.sh").write_text("python main.py --base b.yaml --gpus 0,1\npython plain.py --gpus 2\n")
    today = dt.date.today().isoformat()
    doc = json.loads(run("check", tmp_path, "--as-of", today, "--output-format", "json", "--min-confidence", "0",
                         "--select", "STL103").output)
    got = {(f["path"], f["line"]): f for f in doc["findings"]}
    assert got[("run.sh", 1)]["confidence"] == 30 and "add_argparse_args" in got[("run.sh", 1)]["message"]
    assert got[("run.sh", 2)]["confidence"] == 90  # plain.py's parser has no such option: the run failed
    shown = json.loads(run("check", tmp_path, "--as-of", today, "--output-format", "json").output)
    assert [(f["code"], f["path"], f["line"]) for f in shown["findings"]] == [("STL103", "run.sh", 2)]

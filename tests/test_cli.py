import json
import os
import subprocess
import sys
from pathlib import Path

import stalelint
from conftest import ALL, AS_OF, by_code, check_json, run, stale_flags


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and stalelint.__version__ in result.output


def test_no_experiments_reports_only_unread(build):
    repo = build("noexp")
    doc = check_json(repo, *ALL)
    assert [f["code"] for f in doc["findings"]] == ["STL101"]
    assert doc["experiments"]["total"] == 0
    assert any("no experiments found" in n for n in doc["notices"])
    out = run("check", repo, "--as-of", AS_OF).output
    assert "note: no experiments found" in out


def test_outside_git_uses_modification_times(build):
    repo = build("labrepo", git=False)
    import datetime as dt
    old = dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc).timestamp()
    recent = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc).timestamp()
    for p in repo.rglob("*"):
        os.utime(p, (old if p.suffix == ".py" and "configs" not in p.parts else recent,) * 2)
    os.utime(repo / "configs/legacy/rope.yaml", (old, old))
    doc = check_json(repo, *ALL)
    assert any("not a git repository" in n for n in doc["notices"])
    assert doc["experiments"] == {"total": 10, "recent": 9}
    assert "model.use_rope" in stale_flags(doc)
    # without git, a definition is as old as its file: debug_every is no longer in its grace period
    assert "debug_every" in stale_flags(doc)
    os.utime(repo / "lab/options.py")  # edited just now: its flags are new again
    assert "warmup" not in stale_flags(check_json(repo, *ALL))


def test_config_table_is_the_schema(tmp_path, build):
    repo = build("noexp")
    (repo / "pyproject.toml").write_text('[tool.stalelint]\nsinse = "30d"\n')
    result = run("check", repo)
    assert result.exit_code == 2
    assert "pyproject.toml: unknown key `sinse` in [tool.stalelint]; did you mean `since`?" in result.output
    (repo / "pyproject.toml").write_text('[tool.stalelint]\nkeep = "never_read"\n')
    result = run("check", repo)
    assert result.exit_code == 2 and "`keep` must be a list of strings" in result.output
    (repo / "pyproject.toml").write_text('[tool.stalelint]\nsince = "soon"\n')
    assert run("check", repo).exit_code == 2
    (repo / "pyproject.toml").write_text('[tool.stalelint\n')
    result = run("check", repo)
    assert result.exit_code == 2 and "invalid TOML" in result.output


def test_config_keep_select_and_command_line_override(build):
    repo = build("labrepo")
    (repo / "pyproject.toml").write_text('[tool.stalelint]\nkeep = ["use_ema", "model.*"]\nselect = ["STL102"]\n'
                                         'since = "1y"\n')
    doc = check_json(repo, "--min-confidence", "0")
    assert doc["since_days"] == 365
    names = {f["name"] for f in doc["findings"]}
    assert {f["code"] for f in doc["findings"]} == {"STL102"}
    assert "use_ema" not in names and not any(n.startswith("model.") for n in names)
    doc = check_json(repo, "--since", "180d", "--select", "STL101", "--min-confidence", "0")
    assert doc["since_days"] == 180 and {f["code"] for f in doc["findings"]} == {"STL101"}


def test_bad_as_of_and_path_are_usage_errors(tmp_path):
    assert run("check", tmp_path, "--as-of", "yesterday").exit_code == 2
    assert run("check", tmp_path / "missing").exit_code == 2


def test_rules_command():
    out = run("rules").output
    for code in ("STL101", "STL102", "STL103", "STL301", "STL901"):
        assert code in out
    assert "Fix safety" in run("rules", "stl301").output
    assert run("rules", "STL999").exit_code == 2


def test_demo_shows_every_baseline_rule(tmp_path):
    result = run("demo", tmp_path / "demo", "--as-of", "2026-11-27")
    assert result.exit_code == 0, result.output
    for code in ("STL101", "STL102", "STL103", "STL201", "STL301"):
        assert f" {code} " in result.output, code
    assert (tmp_path / "demo" / ".git").is_dir()
    assert "evaluate.py" in result.output  # the script with no experiment is named, not judged
    assert run("demo", tmp_path / "demo").exit_code == 2  # refuses a folder that is not empty


def _installed(name):
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else None


def test_console_script_and_module_entry(tmp_path):
    env = dict(os.environ, NO_COLOR="1")
    out = subprocess.run([sys.executable, "-m", "stalelint", "--version"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and stalelint.__version__ in out.stdout
    exe = _installed("stalelint")
    assert exe, "the console script is not installed beside this Python"
    out = subprocess.run([exe, "demo", str(tmp_path / "d"), "--as-of", "2026-11-27"], capture_output=True,
                         text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "STL301" in out.stdout
    out = subprocess.run([exe, "check", str(tmp_path / "d"), "--as-of", "2026-11-27", "--output-format", "json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 1 and json.loads(out.stdout)["version"] == 1

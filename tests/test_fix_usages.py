"""A command written in Python code (a test's `subprocess.run("python train.py --save-model")`)
that passes a stale flag makes its removal unsafe: cleanrl's own tests caught this, after a fix
removed `--save-model` from c51.py that tests/test_classic_control_gymnasium.py passes."""
import subprocess

from conftest import ALL, run

TRAIN = '''import argparse
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--save-model", action="store_true")
p.add_argument("--seed", type=int, default=1)
args = p.parse_args()
print(args.lr, args.seed)
if args.save_model:
    print("saving")
'''
TEST = '''import subprocess

def test_save():
    subprocess.run("python train.py --save-model --lr 0.5", shell=True, check=True)

def test_argv():
    subprocess.run(["python", "-m", "pkg.other", "--steps", "3"], check=True)
'''
RUNS = "python train.py --lr 0.2\npython train.py --lr 0.3\npython train.py --lr 0.4\n"


def make(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "pkg/other.py").write_text(TRAIN.replace("save-model", "dry-run").replace("save_model", "dry_run")
                                           .replace("seed", "steps"))
    (tmp_path / "tests/test_train.py").write_text(TEST)
    commit(tmp_path, "2025-06-01", ["init", "-q"])
    (tmp_path / "runs.sh").write_text(RUNS + RUNS.replace("train.py", "-m pkg.other"))
    commit(tmp_path, "2026-06-01")
    return tmp_path


def commit(repo, day, *before):
    """Commit everything on a pinned day (the flags are old; the experiments recent)."""
    env = {"GIT_AUTHOR_DATE": f"{day}T12:00:00Z", "GIT_COMMITTER_DATE": f"{day}T12:00:00Z",
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin"}
    for cmd in (*before, ["add", "-A"], ["commit", "-qm", day]):
        subprocess.run(["git", *cmd], cwd=repo, env=env, check=True)


def test_a_flag_a_test_passes_is_not_removed_safely(tmp_path):
    repo = make(tmp_path)
    result = run("fix", repo, "--as-of", "2026-06-30", *ALL)
    out = result.output
    assert "# STL104 save_model (train.py:4) [unsafe" in out, out
    assert "tests/test_train.py:4 runs train.py with `save_model`; that command would fail without the flag" in out
    # the seed flag is stale too, and no test passes it; one passes --steps to pkg/other.py, through
    # `-m` in an argv list
    assert "# STL104 seed (train.py:5) [safe]" in out
    assert "tests/test_train.py:7 runs pkg/other.py with `steps`" in out


def test_a_flag_only_a_test_passes_is_still_stale(tmp_path):
    """A test exercises a flag; it does not choose it for research, so it does not make it recent."""
    repo = make(tmp_path)
    result = run("check", repo, "--as-of", "2026-06-30", *ALL)
    assert "train.py:4:1: STL104 flag `--save-model`" in result.output, result.output


def test_another_scripts_definition_of_the_same_option_is_not_a_use(tmp_path):
    """timm's inference.py and validate.py each define --num-gpu: each definition spelled the other's
    option "in code", so neither was safe until a second `fix --apply` (not idempotent)."""
    script = TRAIN.replace("save-model", "num-gpu").replace('action="store_true"', "type=int, default=1") \
        .replace("if args.save_model:", "if args.num_gpu > 1:")
    (tmp_path / "a.py").write_text(script)
    (tmp_path / "b.py").write_text(script)
    commit(tmp_path, "2025-06-01", ["init", "-q"])
    (tmp_path / "runs.sh").write_text(RUNS.replace("train.py", "a.py") + RUNS.replace("train.py", "b.py"))
    commit(tmp_path, "2026-06-01")
    out = run("fix", tmp_path, "--as-of", "2026-06-30", *ALL).output
    assert "# STL104 num_gpu (a.py:4) [safe]" in out and "# STL104 num_gpu (b.py:4) [safe]" in out, out
    assert "spells" not in out
    result = run("fix", tmp_path, "--as-of", "2026-06-30", "--apply", *ALL)
    assert result.exit_code == 0, result.output
    again = run("fix", tmp_path, "--as-of", "2026-06-30", "--apply", "--force", *ALL)
    assert "Fixed 0 findings" in again.output

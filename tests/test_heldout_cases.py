"""Cases found on held-out research repos after the judgement work (#13), each reduced to a small
repo: a parser made by a library's function (detr's d2/train_net.py), a Hydra section set whole
(s4's `wandb=null`), list-valued defaults and list-valued group options (s4), a trick gated by an
operational field (OLMo's `time_limit`, `dry_run`), an unread field that configs set (nanotron),
and an inner command chained after a launcher's `--` (open-instruct's mason.py)."""
import datetime as dt
import json
import textwrap

from conftest import run
from stalelint.evidence import launch


def _repo(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _check(repo, *args):
    today = dt.date.today().isoformat()
    out = run("check", repo, "--as-of", today, "--output-format", "json", *args).output
    return json.loads(out)


def test_a_parser_a_library_function_made_may_define_the_option(tmp_path):
    repo = _repo(tmp_path, {
        "train_net.py": """\
            from detectron2.engine import default_argument_parser
            from util import helper
            args = default_argument_parser().parse_args()
            print(args.config_file, helper)
            """,
        "util.py": """\
            import argparse
            helper = argparse.ArgumentParser()
            helper.add_argument("--lr", type=float, default=0.1)
            """,
        "tool.py": """\
            from detectron2.engine import default_argument_parser
            parser = default_argument_parser()
            parser.add_argument("--depth", type=int, default=2)
            args = parser.parse_args()
            print(args.depth)
            """,
        "local.py": """\
            from util import make_parser
            parser = make_parser()
            parser.add_argument("--width", type=int, default=2)
            print(parser.parse_args().width)
            """,
        "README.md": "```\npython train_net.py --config x.yaml --num-gpus 8\npython tool.py --eval-only\n"
                     "python local.py --widht 3\n```\n",
    })
    (repo / "util.py").write_text((repo / "util.py").read_text() + "def make_parser():\n    return argparse.ArgumentParser()\n")
    doc = _check(repo, "--select", "STL103", "--min-confidence", "0")
    got = {(f["path"], f["line"], f["name"]): f["confidence"] for f in doc["findings"]}
    assert got[("README.md", 2, "config")] == got[("README.md", 2, "num-gpus")] == 30
    assert got[("README.md", 3, "eval-only")] == 30
    assert got[("README.md", 4, "widht")] == 90  # the repo's own make_parser() defines nothing more


def test_a_hydra_section_set_whole_and_list_valued_groups(tmp_path):
    repo = _repo(tmp_path, {
        "train.py": """\
            import hydra

            @hydra.main(config_path="configs", config_name="config")
            def main(cfg):
                print(cfg.lr, cfg.wandb.project, cfg.model)

            if __name__ == "__main__":
                main()
            """,
        "configs/config.yaml": """\
            defaults:
              - callbacks: [base, ckpt]
              - model: small
            lr: 0.1
            wandb:
              project: demo
              mode: online
            """,
        "configs/callbacks/base.yaml": "progress: true\n",
        "configs/callbacks/ckpt.yaml": "every: 10\n",
        "configs/model/small.yaml": "width: 64\n",
        "configs/model/layers/stack.yaml": "- _name_: conv\n  width: 3\n- _name_: ff\n",
        "README.md": "```\npython train.py wandb=null lr=0.2\npython train.py wnadb.mode=offline\n```\n",
    })
    doc = _check(repo, "--min-confidence", "0")
    assert doc["errors"] == []  # several options of a group, and a group option that is a list: valid Hydra
    unknown = [f["name"] for f in doc["findings"] if f["code"] == "STL103"]
    assert unknown == ["wnadb.mode"]  # `wandb=null` sets (drops) a section the config has


def test_an_operational_field_gating_a_trick_is_low_confidence_and_a_set_field_is_kept(tmp_path):
    import subprocess
    repo = _repo(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--time-limit", type=float, default=None)
            p.add_argument("--use-ema", action="store_true")
            p.add_argument("--legacy-scale", type=float, default=1.0)
            args = p.parse_args()
            if args.time_limit is not None:
                print("stopping at", args.time_limit)
            if args.use_ema:
                print("ema")
            """,
        "runs/a.sh": "python train.py --legacy-scale 2\n",
        "runs/b.sh": "python train.py --legacy-scale 3\n",
        "runs/c.sh": "python train.py --legacy-scale 4\n",
    })
    env = {"GIT_AUTHOR_DATE": "2026-01-01T00:00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00"}
    for cmd in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, env={**__import__("os").environ, **env})
    today = "2026-03-01"
    doc = json.loads(run("check", repo, "--as-of", today, "--output-format", "json", "--min-confidence", "0").output)
    tricks = {f["name"]: f for f in doc["findings"] if f["code"] == "STL301"}
    assert tricks["time_limit"]["confidence"] == 30 and "how a run is operated" in tricks["time_limit"]["message"]
    # never set by any run: as likely an option offered as a trick tried
    assert tricks["use_ema"]["confidence"] == 40 and "option offered" in tricks["use_ema"]["message"]
    # `--legacy-scale` is read nowhere, but three runs set it: deleting it breaks them
    unread = {f["name"]: f for f in doc["findings"] if f["code"] == "STL101"}
    assert unread["legacy_scale"]["confidence"] == 40 and "and 2 more set it: deleting it would break those experiments" in unread["legacy_scale"]["message"]


def test_an_escaped_and_glued_to_the_command_a_launcher_runs():
    text = r"python mason.py --gpus 8 -- source setup.sh \&\& source api.sh \&\&python train.py --beta 0.0" + "\n"
    found = launch.commands("run.sh", text)
    # (the words after `--` are the wrapped program's, `source setup.sh`, not mason.py's options)
    assert [(c.entry, c.args) for c in found] == [("mason.py", ("--gpus", "8")),
                                                  ("train.py", ("--beta", "0.0"))]


def test_an_abbreviated_field_of_a_dataclass_a_parser_subclass_builds(tmp_path):
    """open-instruct: `ArgumentParserPlus((Args, TokenizerConfig))` (an HfArgumentParser subclass)
    takes `--chat_template` for the field `chat_template_name`, as argparse takes a unique prefix."""
    repo = _repo(tmp_path, {
        "cfg.py": """\
            from dataclasses import dataclass

            @dataclass
            class TokenizerConfig:
                chat_template_name: str = "tulu"
            """,
        "train.py": """\
            import argparse
            from cfg import TokenizerConfig
            from utils import ArgumentParserPlus
            p = argparse.ArgumentParser()
            p.add_argument("--lr", type=float, default=0.1)
            tc = ArgumentParserPlus((TokenizerConfig,)).parse()
            print(tc.chat_template_name, p.parse_args().lr)
            """,
        "README.md": "```\npython train.py --chat_template olmo --lr 0.2\npython train.py --chat_tmplate x\n```\n",
    })
    doc = _check(repo, "--select", "STL103", "--min-confidence", "0")
    assert [f["name"] for f in doc["findings"]] == ["chat_tmplate"]

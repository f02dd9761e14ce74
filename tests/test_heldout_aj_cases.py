"""Cases found on held-out research repos of sets AJ and AK, reduced to small documents: a command
written one option a line without backslashes (textual_inversion, Dreambooth-Stable-Diffusion,
XLM)."""
from stalelint.evidence import launch


def test_a_command_written_one_option_a_line_is_one_command():
    """textual_inversion's README: `python main.py --base x.yaml` then `-t`, `--actual_resume ...`
    on the lines below it, without backslashes; a shell would run them as commands of their own, a
    reader reads one command. A prose line, a blank line or another command ends it."""
    text = ("```\npython main.py --base configs/ft.yaml\n               -t\n"
            "               --actual_resume /path/model.ckpt\n               --init_word cat\n```\n"
            "```\npython main.py --base a.yaml\n\n--lr 1\n```\n"
            "```\npython main.py --base b.yaml\npython main.py -t\n```\n")
    found = [(c.line, c.args) for c in launch.commands("README.md", text)]
    assert found == [(2, ("--base", "configs/ft.yaml", "-t", "--actual_resume", "/path/model.ckpt", "--init_word", "cat")),
                     (8, ("--base", "a.yaml")), (13, ("--base", "b.yaml")), (14, ("-t",))]


def test_a_shell_script_keeps_its_lines():
    text = "python main.py --base a.yaml\n--lr 1\n"
    assert [c.args for c in launch.commands("run.sh", text)] == [("--base", "a.yaml")]


def test_two_conjuncts_on_one_flag_make_one_finding(tmp_path):
    """LAMA's `if args.template and args.template != "":` (set AL): both conjuncts test `template`,
    whose every run value is "", so the branch never runs; one finding, not two of the same."""
    import json
    from conftest import run, write_files
    write_files(tmp_path, {
        "eval.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--template", default="")
            p.add_argument("--lr", type=float, default=0.1)
            args = p.parse_args()
            if args.template and args.template != "":
                print("templated")
            print(args.lr)
            """,
        "run.sh": "python eval.py --lr 1\n" * 4,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0", "--grace", "0").output)
    assert [f["name"] for f in doc["findings"] if f["code"] == "STL301"] == ["template"]

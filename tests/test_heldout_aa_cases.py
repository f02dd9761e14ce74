"""Cases found on held-out research repos of set AA (DAB-DETR), reduced to small repos: a README
saved as UTF-16, and a run-annotation flag only recorded with the run."""
import json

from conftest import run, write_files

TRAIN = """\
    import argparse, json
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--note", default="", help="add some notes to the experiment")
    p.add_argument("--remove_difficult", action="store_true")
    args = p.parse_args()
    json.dump(vars(args), open("config.json", "w"))
    print(args.lr)
    """


def test_a_readme_saved_as_utf16_is_read(tmp_path):
    """DAB-DETR's README.md is UTF-16LE with its byte-order mark: its commands are experiments, not
    an STL902 error."""
    write_files(tmp_path, {"main.py": TRAIN})
    (tmp_path / "README.md").write_bytes("```sh\npython main.py --lr 0.2\n```\n".encode("utf-16"))
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert not [e for e in doc["errors"] if e["path"] == "README.md"], doc["errors"]
    assert run("experiments", tmp_path).output.count("main.py --lr 0.2") == 1


def test_a_note_only_recorded_with_the_run_is_doubtful(tmp_path):
    """`--note` is written out with every run's `json.dump(vars(args))`: a label for the record (40);
    another flag only recorded so stays 70."""
    write_files(tmp_path, {"main.py": TRAIN})
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL101")
    assert got == [("note", 40), ("remove_difficult", 70)]


def test_a_run_name_only_recorded_with_the_run_is_doubtful(tmp_path):
    """wise-ft's `--exp_name` ("for organization purposes only"), written into every results row
    with `vars(args)`: 40, as a note is (set AJ)."""
    write_files(tmp_path, {"main.py": TRAIN.replace('"--note", default="", help="add some notes to the experiment"',
                                                    '"--exp_name", default=None')})
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL101")
    assert got == [("exp_name", 40), ("remove_difficult", 70)]


def test_commands_in_a_block_of_another_language_and_prompted_lines_in_code_are_read():
    """YOLOS' README fences its eval commands as ```eval; SimCLR's puts `$ python run.py ...` in a
    ```python block. Code lines of a python block and prose of an unknown block are no commands."""
    from stalelint.evidence import launch
    text = ("```eval\npython -m torch.distributed.launch --nproc_per_node=8 main.py --eval \\\n    --batch_size 2\n"
            "note: needs 8 GPUs\n```\n"
            "```python\nimport run\n$ python run.py -data ./datasets --epochs 100\nrun.main()\n```\n"
            "```yaml\npython: 3.8\n```\n")
    found = [(c.entry, c.args) for c in launch.commands("README.md", text)]
    assert found == [("main.py", ("--eval", "--batch_size", "2")), ("run.py", ("-data", "./datasets", "--epochs", "100"))]


def test_an_experiment_name_beside_a_whole_use_of_unknown_class_is_doubtful(tmp_path):
    """wise-ft: `--exp_name` is written into every results row by `info = vars(args)` in a helper
    whose `args` the index cannot tie to the parser: 40; another unread flag keeps that doubt's 70."""
    write_files(tmp_path, {
        "args.py": """\
            import argparse

            def parse_arguments():
                p = argparse.ArgumentParser()
                p.add_argument("--lr", type=float, default=0.1)
                p.add_argument("--exp_name", default=None, help="for organization purposes only")
                p.add_argument("--legacy_init", action="store_true")
                return p.parse_args()
            """,
        "evaluate.py": """\
            import json

            def evaluate(model, args):
                info = vars(args)
                with open("results.jsonl", "a") as f:
                    f.write(json.dumps(info) + "\\n")
            """,
        "main.py": """\
            from args import parse_arguments
            args = parse_arguments()
            print(args.lr)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL101")
    assert got == [("exp_name", 40), ("legacy_init", 70)]

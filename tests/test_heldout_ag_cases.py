"""Cases found on held-out research repos of set AG, reduced to small repos: flags read by a
callable's signature (sscd-copy-detection)."""
import json

from conftest import run, write_files

UTIL = """\
    import inspect

    def call_using_args(function, args):
        signature = inspect.signature(function)
        arguments = {key: getattr(args, key) for key in signature.parameters}
        return function(**arguments)
    """
TRAIN = """\
    import argparse
    from util import call_using_args
    from model import Model

    parser = argparse.ArgumentParser()
    parser.add_argument("--backbone", default="r50")
    parser.add_argument("--pool_param", type=float, default=3.0)
    parser.add_argument("--legacy", action="store_true")
    args = parser.parse_args()
    model = call_using_args(Model, args)
    """
MODEL = """\
    class Model:
        def __init__(self, backbone: str, pool_param: float):
            self.backbone, self.p = backbone, pool_param
    """


def _unread(tmp_path):
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    return {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL101"}


def test_flags_read_by_a_callables_signature_are_read(tmp_path):
    """sscd's `call_using_args(Model, args)`: `{key: getattr(args, key) for key in
    inspect.signature(function).parameters}` reads the flags `Model.__init__` names; another flag
    keeps the doubt any such reflection gives (70)."""
    write_files(tmp_path, {"util.py": UTIL, "train.py": TRAIN, "model.py": MODEL})
    assert _unread(tmp_path) == {"legacy": 70}


def test_a_loop_over_a_tuple_of_names_is_no_signature(tmp_path):
    write_files(tmp_path, {"util.py": UTIL.replace("signature.parameters", '("backbone",)'),
                           "train.py": TRAIN, "model.py": MODEL})
    assert _unread(tmp_path) == {"pool_param": 90, "legacy": 90}


def test_a_message_says_how_many_counted_examples_predate_the_window(tmp_path):
    """VideoPose3D, votenet, YOLOX: "all 11 recent experiments since 2020-02-08" while `stalelint
    experiments` lists 1 of them as recent. The documentation's examples count whatever their date
    (it says how the code is run now); the message now says so."""
    from conftest import git
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--lr", type=float, default=0.1)
            p.add_argument("--mixup", type=float, default=0.0)
            args = p.parse_args()
            if args.mixup > 0.5:
                print("strong mixup")
            print(args.lr)
            """,
        "README.md": "```\npython train.py --lr 1 --mixup 0.2\npython train.py --lr 2 --mixup 0.1\n```\n",
    })
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first", date="2025-01-01T12:00:00")
    write_files(tmp_path, {"scripts/run.sh": "python train.py --lr 3 --mixup 0.3\n" * 3})
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "runs", date="2026-06-01T12:00:00")
    doc = json.loads(run("check", tmp_path, "--as-of", "2026-06-30", "--output-format", "json",
                         "--min-confidence", "0").output)
    trick = next(f for f in doc["findings"] if f["code"] == "STL301")
    assert "all 5 recent experiments since 2026-01-01 (counting 2 documentation examples from before it)" \
        in trick["message"], trick["message"]

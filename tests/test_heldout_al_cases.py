"""Cases found on held-out research repos of set AL, reduced to small repos: a parser built with
`parents=[...]` (ODISE)."""
import json

from conftest import run, write_files


def test_a_parent_parser_from_a_library_may_define_the_option(tmp_path):
    """ODISE's tools/train_net.py: `argparse.ArgumentParser(parents=[default_argument_parser()])`,
    detectron2's parser with `--config-file`, `--num-gpus`, ...: its documented commands set none
    of them at 90 (30: the library's parser may define them). A parent made in the repo's own file
    is indexed there, and an option neither defines is still unknown at 90."""
    write_files(tmp_path, {
        "tools/train_net.py": """\
            import argparse
            from detectron2.engine import default_argument_parser

            def parse_args():
                parser = argparse.ArgumentParser("train", parents=[default_argument_parser()], add_help=False)
                parser.add_argument("--wandb", action="store_true")
                return parser.parse_args()

            if __name__ == "__main__":
                args = parse_args()
                print(args.wandb, args.config_file, args.num_gpus)
            """,
        "tools/eval.py": """\
            import argparse

            base = argparse.ArgumentParser(add_help=False)
            base.add_argument("--seed", type=int, default=0)
            parser = argparse.ArgumentParser(parents=[base])
            parser.add_argument("--split", default="val")
            args = parser.parse_args()
            print(args.seed, args.split)
            """,
        "GETTING_STARTED.md": "```\npython tools/train_net.py --config-file a.py --num-gpus 8 --wandb\n"
                              "python tools/eval.py --seed 1 --split test --nms 0.5\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    unknown = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL103")
    assert unknown == [("config-file", 30), ("nms", 90), ("num-gpus", 30)]

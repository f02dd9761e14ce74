"""Cases found on held-out research repos of set AB, reduced to small repos (contrastive-unpaired-
translation: a template's example option, an option its launcher reads from a command's text)."""
import json

from conftest import run, write_files

OPTIONS = """\
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--easy_label", default="experiment_name", help="Interpretable name")
    p.add_argument("--evaluation_freq", type=int, default=5000, help="see --easy_label")
    p.add_argument("--legacy_init", action="store_true")
    args = p.parse_args()
    print(args.lr)
    """
LAUNCHER = """\
    import re

    def label(cmd):
        found = re.search(r'--easy_label "([^"]+)"', cmd)
        return found.group(1) if found else None
    """
TEMPLATE = """\
    class TemplateDataset:
        @staticmethod
        def modify_commandline_options(parser, is_train):
            parser.add_argument("--new_dataset_option", type=float, default=1.0)
            return parser
    """


def _unread(tmp_path):
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    return {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL101"}


def test_an_option_code_spells_at_the_start_of_a_string_is_doubtful(tmp_path):
    """CUT's launcher reads `--easy_label` from a command's text with a regex: 40. A help text that
    mentions an option (`"see --easy_label"`) starts with a word and reads nothing."""
    write_files(tmp_path, {"train.py": OPTIONS, "experiments/launcher.py": LAUNCHER})
    got = _unread(tmp_path)
    assert got["easy_label"] == 40
    assert got["evaluation_freq"] == 90 and got["legacy_init"] == 90


def test_without_the_launcher_the_option_is_unread(tmp_path):
    write_files(tmp_path, {"train.py": OPTIONS})
    assert _unread(tmp_path)["easy_label"] == 90


def test_an_option_of_a_template_file_is_doubtful(tmp_path):
    """`data/template_dataset.py` shows a user how to add a dataset's option: 40, not 90; the same
    option in another file is reported."""
    write_files(tmp_path, {"train.py": OPTIONS, "data/template_dataset.py": TEMPLATE,
                           "data/aligned_dataset.py": TEMPLATE.replace("TemplateDataset", "AlignedDataset")
                           .replace("new_dataset_option", "crop_margin")})
    got = _unread(tmp_path)
    assert got["new_dataset_option"] == 40
    assert got["crop_margin"] == 90


def _check(tmp_path, *more):
    return json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0", *more).output)


CVT_TRAIN = """\
    from config import cfg

    def build(cfg):
        timm_cfg = cfg.AUG.TIMM_AUG
        if timm_cfg.USE_LOADER:
            return dict(re_prob=timm_cfg.RE_PROB, hflip=timm_cfg.HFLIP)
        return cfg.TRAIN.LR

    if __name__ == "__main__":
        cfg.merge_from_file("experiments/a.yaml")
        print(build(cfg))
    """


def test_keys_an_open_yacs_section_adds_are_known_where_it_defines_some_itself(tmp_path):
    """CvT's `_C.AUG.TIMM_AUG = CN(new_allowed=True)` then `_C.AUG.TIMM_AUG.USE_LOADER = False`: its
    recipes add `RE_PROB`, `HFLIP`, which yacs merges; a key under a closed section is still unknown."""
    write_files(tmp_path, {
        "config.py": """\
            from yacs.config import CfgNode as CN
            _C = CN()
            _C.TRAIN = CN()
            _C.TRAIN.LR = 0.1
            _C.AUG = CN()
            _C.AUG.TIMM_AUG = CN(new_allowed=True)
            _C.AUG.TIMM_AUG.USE_LOADER = False
            cfg = _C
            """,
        "train.py": CVT_TRAIN,
        "experiments/a.yaml": "TRAIN:\n  LR: 0.2\n  LRR: 3\nAUG:\n  TIMM_AUG:\n    USE_LOADER: true\n    RE_PROB: 0.25\n    HFLIP: 0.5\n",
    })
    unknown = {f["name"] for f in _check(tmp_path)["findings"] if f["code"] == "STL103"}
    assert unknown == {"TRAIN.LRR"}


def test_the_else_arm_of_a_number_set_in_every_run_is_the_off_switch(tmp_path):
    """Swin's `if config.TRAIN.CLIP_GRAD: clip else: get_grad_norm` with clip_grad 5.0 or 3.0 in every
    run: the else arm is how a run turns clipping off (40). The else arm of a flag every run sets True
    is no off switch (it is capped here for another reason: its default runs it)."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            p = argparse.ArgumentParser()
            p.add_argument("--clip_grad", type=float, default=5.0)
            p.add_argument("--use_ema", type=int, default=0)
            p.add_argument("--mixup", action="store_true")
            args = p.parse_args()
            if args.clip_grad:
                norm = clip(args.clip_grad)
            else:
                norm = grad_norm()
            if args.mixup:
                scaler = 1
            else:
                scaler = 0
            print(args.use_ema)
            """,
        "run.sh": "python train.py --clip_grad 3.0 --mixup\n" * 3 + "python train.py --mixup\n" * 3,
    })
    trick = {f["name"]: f for f in _check(tmp_path, "--grace", "0")["findings"] if f["code"] == "STL301"}
    assert trick["clip_grad"]["confidence"] == 40
    assert "off switch" in trick["clip_grad"]["message"]
    assert "off switch" not in trick["mixup"]["message"]


def test_a_parser_from_a_module_no_file_is_may_define_the_option(tmp_path):
    """YOLOX's tools/visualize_assign.py: `from yolox.tools.train import make_parser`, a module a
    meta-path finder loads from tools/train.py; no file of the repo is `yolox/tools/train.py`, so an
    option its docs pass is 30, not an unknown one at 90. A parser from a module the repo has is
    still checked."""
    write_files(tmp_path, {
        "yolox/__init__.py": "",
        "yolox/tools/__init__.py": "import sys\n",
        "yolox/helpers.py": """\
            import argparse

            def base_parser():
                p = argparse.ArgumentParser()
                p.add_argument("--batch", type=int, default=8)
                return p
            """,
        "tools/visualize_assign.py": """\
            from yolox.tools.train import make_parser

            if __name__ == "__main__":
                parser = make_parser()
                parser.add_argument("--max-batch", type=int, default=1)
                args = parser.parse_args()
                print(args.max_batch)
            """,
        "tools/eval.py": """\
            from yolox.helpers import base_parser

            if __name__ == "__main__":
                parser = base_parser()
                parser.add_argument("--conf", type=float, default=0.1)
                args = parser.parse_args()
                print(args.conf, args.batch)
            """,
        "README.md": "```\npython tools/visualize_assign.py -f exp.py -d 1 --max-batch 2\n"
                     "python tools/eval.py --conf 0.2 --nmsthre 0.6\n```\n",
    })
    unknown = {(f["path"], f["name"]): f["confidence"] for f in _check(tmp_path)["findings"] if f["code"] == "STL103"}
    assert unknown == {("README.md", "f"): 30, ("README.md", "d"): 30, ("README.md", "nmsthre"): 90}


def test_a_click_option_is_not_spelled_in_code_by_its_own_definition(tmp_path):
    """dclm's `@click.option("--max_rows")` never used in the body: the option string of its own
    definition is no read (90), while a launcher elsewhere spelling it is (40)."""
    write_files(tmp_path, {"expdb.py": """\
        import click

        @click.command()
        @click.option("--max_rows", default=None, help="Max number of rows to display")
        @click.option("--width", default=10)
        def main(max_rows=None, width=10):
            print(width)

        if __name__ == "__main__":
            main()
        """})
    assert _unread(tmp_path)["max_rows"] == 90
    write_files(tmp_path, {"launch.py": 'import sys\nprint("--max_rows" in sys.argv)\n'})
    assert _unread(tmp_path)["max_rows"] == 40


def test_a_table_looked_up_by_a_computed_key_is_no_set_of_unread_flags(tmp_path):
    """pytorch-cifar's `cfg = {'VGG11': [...], 'VGG16': [...]}` read as `cfg[vgg_name]`: any entry may
    be named (40); the same table read only by constant keys has its unread entries reported."""
    table = """\
        cfg = {
            'VGG11': [64, 'M', 128],
            'VGG16': [64, 64, 'M', 128, 128],
        }

        class VGG:
            def __init__(self, vgg_name):
                self.layers = READ
        """
    write_files(tmp_path, {"models/vgg.py": table.replace("READ", "cfg[vgg_name]")})
    assert _unread(tmp_path) == {"VGG11": 40, "VGG16": 40}
    write_files(tmp_path, {"models/vgg.py": table.replace("READ", "cfg['VGG11']")})
    assert _unread(tmp_path) == {"VGG16": 90}

"""A config used as a whole: read by reflection (`vars(args)` iterated, `f(**asdict(cfg))`,
`getattr(self, f.name)` over `fields(self)`), handed whole to a library callable
(`create_optimizer(args)`), only recorded (`logger.info(json.dumps(vars(args)))`); fields a config
class's own code sets (`self.update_value("precision", ...)`); and library bases decided across files."""
import textwrap

from conftest import ALL, by_code, check_json

from stalelint.index import index_file, link


def f(path: str, src: str):
    return index_file(path, textwrap.dedent(src))


def knobs(*files):
    return {(k.owner, k.name): k for k in link(list(files), []).knobs}


# ---- reads by reflection ------------------------------------------------------------------------

CFG = f("cfg.py", '''
    from dataclasses import dataclass, fields, asdict

    @dataclass
    class TrainConfig:
        lr: float = 0.1
        label: str = "run"

        def describe(self):
            return {f.name: getattr(self, f.name) for f in fields(self)}

    @dataclass
    class EvalConfig:
        split: str = "val"
''')


def test_fields_loop_on_self_reads_every_field_of_its_class_only():
    got = knobs(CFG)
    assert got[("TrainConfig", "lr")].read_whole and got[("TrainConfig", "label")].read_whole
    assert "cfg.py:10" in got[("TrainConfig", "lr")].read_whole
    assert not got[("EvalConfig", "split")].read_whole  # another class of the same file


PLAIN = f("cfg.py", '''
    from dataclasses import dataclass

    @dataclass
    class TrainConfig:
        lr: float = 0.1
        label: str = "run"

    @dataclass
    class EvalConfig:
        split: str = "val"
''')


def test_views_of_a_known_object_read_every_field():
    script = f("train.py", '''
        import argparse
        import json
        from cfg import EvalConfig, TrainConfig

        def run(lr, label, split):
            pass

        def main(cfg: TrainConfig, ev: EvalConfig):
            run(**asdict(cfg), split=ev.split)

        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=3)
        parser.add_argument("--tag", default="")
        args = parser.parse_args()
        hparams = {k: v for k, v in vars(args).items()}
    ''')
    got = knobs(PLAIN, script)
    assert got[("TrainConfig", "label")].read_whole.startswith("`asdict(cfg)` at train.py:10")
    assert not got[("EvalConfig", "split")].read_whole
    epochs = [k for (o, n), k in got.items() if n == "epochs"][0]
    assert epochs.read_whole.startswith("`vars(args)` at train.py:16")
    # a splat whose object's class is known claims that class's fields: no repo-wide doubt
    assert not script.splats


def test_a_copy_of_a_known_object_is_of_its_class():
    # stanford_alpaca's utils.py: `batch_args = copy.deepcopy(decoding_args)`, then
    # `openai.Completion.create(**batch_args.__dict__)` hands every decoding field to the API
    script = f("gen.py", '''
        import copy
        import dataclasses
        from cfg import EvalConfig, TrainConfig

        def complete(prompt, decoding: TrainConfig, ev: EvalConfig):
            batch = copy.deepcopy(decoding)
            api_call(prompt, **batch.__dict__)
            other = dataclasses.replace(ev)
            name = prompt.replace(ev, "x")
            return other, name
    ''')
    got = knobs(PLAIN, script)
    assert got[("TrainConfig", "lr")].read_whole.startswith("`batch.__dict__` at gen.py:8")
    assert not got[("EvalConfig", "split")].read_whole  # a copy only, never viewed
    assert not script.splats  # the splat's class is known: no repo-wide doubt


def test_named_reads_writes_and_dropped_views_are_not_whole_reads():
    script = f("train.py", '''
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=3)
        args = parser.parse_args()
        n = vars(args)["epochs"]
        m = vars(args).get("epochs")
        vars(args).update({"epochs": 4})
        args.__dict__["epochs"] = 5
    ''')
    assert not script.whole_uses


def test_same_class_name_in_two_scripts_is_two_classes():
    a = f("a.py", '''
        from dataclasses import dataclass
        @dataclass
        class Args:
            seed: int = 1
        args = tyro.cli(Args)
        for k, v in vars(args).items():
            setup(k, v)
    ''')
    b = f("b.py", '''
        from dataclasses import dataclass
        @dataclass
        class Args:
            seed: int = 1
            dead: int = 0
        args = tyro.cli(Args)
        print(args.seed)
    ''')
    got = {(k.path, k.name): k for k in link([a, b], []).knobs}
    assert got[("a.py", "seed")].read_whole and not got[("b.py", "dead")].read_whole


def test_holder_through_a_local_function_returning_the_parser_result():
    script = f("main.py", '''
        import argparse, json, logging
        logger = logging.getLogger()

        def parse_option():
            parser = argparse.ArgumentParser()
            parser.add_argument("--zip", action="store_true")
            args, unparsed = parser.parse_known_args()
            return args, None

        if __name__ == "__main__":
            args, config = parse_option()
            logger.info(json.dumps(vars(args)))  # shown to a person: no use
            print("{}".format(args).replace(", ", ",\\n"))
            with open("args.json", "w") as fh:
                json.dump(vars(args), fh)  # a record of the run
    ''')
    assert [u[:3] for u in script.whole_uses] == [("record", "parser", "parse_option")]
    (zip_,) = link([script], []).knobs
    assert not zip_.read_whole
    assert zip_.recorded_whole.startswith("`args` is recorded whole at main.py:16 (`json.dump(vars(args), fh)`)")


def test_a_parser_filled_elsewhere_reads_only_its_own_flags():
    """latent-diffusion compares `vars(args)` of a parser Lightning's `Trainer.add_argparse_args` fills
    with the script's options: none of the script's own flags is read by that."""
    script = f("main.py", '''
        import argparse
        from pytorch_lightning import Trainer

        def get_parser():
            parser = argparse.ArgumentParser()
            parser.add_argument("--project", help="never read")
            add_data_args(parser)
            return parser

        def add_data_args(parser):
            parser.add_argument("--data", default="x")

        def nondefault_trainer_args(opt):
            parser = argparse.ArgumentParser()
            parser = Trainer.add_argparse_args(parser)
            args = parser.parse_args([])
            return sorted(k for k in vars(args) if getattr(opt, k) != getattr(args, k))

        if __name__ == "__main__":
            parser = get_parser()
            opt = parser.parse_args()
            wandb.config.update(vars(opt))
            report(opt.data)
    ''')
    got = {k.name: k for k in link([script], []).knobs}
    assert not got["project"].read_whole
    assert got["project"].recorded_whole.startswith(
        "`opt` is recorded whole at main.py:23 (`wandb.config.update(vars(opt))`)")
    assert got["data"].recorded_whole  # added by a helper the parser is handed to


def test_unknown_holder_lowers_repo_wide_instead_of_claiming():
    helper = f("utils.py", '''
        def save(args):
            for k, v in vars(args).items():
                store(k, v)
    ''')
    script = f("train.py", '''
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--dead", type=int, default=0)
        args = parser.parse_args()
    ''')
    idx = link([helper, script], [])
    assert not idx.knobs[0].read_whole
    assert idx.unknown_wholes and "utils.py:3" in idx.unknown_wholes[0]


def test_pretrained_config_subclass_fields_are_read():
    got = knobs(f("configuration.py", '''
        from dataclasses import dataclass
        from transformers import PretrainedConfig

        @dataclass
        class TinyConfig(PretrainedConfig):
            hidden: int = 8
    '''))
    k = got[("TinyConfig", "hidden")]
    assert k.external_base and "transformers.PretrainedConfig" in k.read_whole


# ---- handed whole to a library ------------------------------------------------------------------

def test_config_passed_to_an_outside_callable_may_be_read():
    script = f("train.py", '''
        import argparse
        from timm.optim import create_optimizer
        from helpers import build  # the repo's own: its reads are seen

        parser = argparse.ArgumentParser()
        parser.add_argument("--opt-eps", type=float, default=None)
        args = parser.parse_args()
        optimizer = create_optimizer(args, model)
        build(args)
    ''')
    helpers = f("helpers.py", "def build(cfg):\n    return cfg.width\n")
    (eps,) = [k for k in link([script, helpers], []).knobs]
    assert eps.passed_whole == "`args` is passed whole to `timm.optim.create_optimizer` (train.py:9), which may read it"
    assert not eps.read_whole


def test_a_namespace_passed_to_main_then_to_a_library_callable():
    """deit's shape: `args = parser.parse_args(); main(args)` and `create_optimizer(args, model)` in
    `main`; the parser made from `parents=[get_args_parser()]`."""
    script = f("main.py", '''
        import argparse
        from timm.optim import create_optimizer

        def get_args_parser():
            parser = argparse.ArgumentParser("DeiT", add_help=False)
            parser.add_argument("--opt-eps", default=1e-8, type=float)
            return parser

        def main(args):
            model = build()
            optimizer = create_optimizer(args, model)

        if __name__ == "__main__":
            parser = argparse.ArgumentParser("DeiT", parents=[get_args_parser()])
            args = parser.parse_args()
            main(args)
    ''')
    (eps,) = link([script], []).knobs
    assert eps.passed_whole == "`args` is passed whole to `timm.optim.create_optimizer` (main.py:12), which may read it"


def test_config_passed_only_to_the_repos_own_callables_is_not_a_pass():
    script = f("train.py", '''
        import argparse
        from helpers import build

        parser = argparse.ArgumentParser()
        parser.add_argument("--dead", type=int, default=0)
        args = parser.parse_args()
        build(args)
    ''')
    helpers = f("helpers.py", "def build(cfg):\n    return cfg.width\n")
    (dead,) = link([script, helpers], []).knobs
    assert not dead.passed_whole and not dead.read_whole


# ---- library bases decided across files --------------------------------------------------------

TEMPLATE = f("neox/template.py", '''
    from dataclasses import dataclass
    import logging

    @dataclass
    class ArgsTemplate:
        def update_value(self, key, value):
            if hasattr(self, key):
                setattr(self, key, value)
            else:
                logging.error(key)

        def update_values(self, d):
            for k, v in d.items():
                self.update_value(k, v)
''')


def test_a_base_defined_elsewhere_in_the_repo_is_not_a_library_class():
    model = f("neox/neox_args.py", '''
        from dataclasses import dataclass
        from transformers import TrainingArguments
        from .template import ArgsTemplate

        @dataclass
        class ModelArgs(ArgsTemplate):
            depth: int = 2

        @dataclass
        class MyTrainingArgs(TrainingArguments):
            warmup: int = 0

        @dataclass
        class LocalArgs(MyTrainingArgs):  # extends a library class through a repo class
            extra: int = 0
    ''')
    assert [k.external_base for k in model.knobs] == [True, True, False]  # per file: what it can see
    got = knobs(TEMPLATE, model)
    assert not got[("ModelArgs", "depth")].external_base
    assert got[("MyTrainingArgs", "warmup")].external_base and got[("LocalArgs", "extra")].external_base
    assert got[("LocalArgs", "extra")].library_base == "transformers.TrainingArguments"


# ---- fields a config's own code sets -------------------------------------------------------------

def test_fields_set_by_name_on_self_are_set_in_code():
    model = f("neox/neox_args.py", '''
        from dataclasses import dataclass
        from .template import ArgsTemplate

        @dataclass
        class ModelArgs(ArgsTemplate):
            precision: str = None
            batch_size: int = None
            curriculum: int = None
            beta: float = 0.1
            steps: int = 0
            depth: int = 2

            def derive(self):
                self.update_value("precision", "fp16")
                self.update_values({"batch_size": 8})
                self.beta = self.beta * 1  # normalises what was set: not code deciding it
                self.steps = self.depth * 10
    ''')
    other = f("model.py", '''
        def grow(neox_args):
            neox_args.update_value("curriculum", 5)
    ''')
    got = knobs(TEMPLATE, model, other)
    decided = {n for (o, n), k in got.items() if k.set_in_code}
    assert decided == {"precision", "batch_size", "curriculum", "steps"}
    assert not any(k.set_by_name for k in got.values())


def test_writes_by_a_computed_name_lower_the_class_instead_of_claiming_fields():
    model = f("cfg.py", '''
        from dataclasses import dataclass

        @dataclass
        class RunConfig:
            depth: int = 2

            def load(self, d):
                for key in d:
                    setattr(self, key.lower(), d[key])

        @dataclass
        class OtherConfig:
            width: int = 2
    ''')
    got = knobs(model)
    assert "setattr(self, <computed name>" in got[("RunConfig", "depth")].set_by_name
    assert not got[("RunConfig", "depth")].set_in_code
    assert not got[("OtherConfig", "width")].set_by_name


# ---- end to end ------------------------------------------------------------------------------------

def test_wholes_repo(build):
    doc = check_json(build("wholes"), *ALL)
    unread = by_code(doc, "STL101")
    # read only through `fields(self)`: not unread; the ordinary unread field is, with full confidence
    assert "label" not in unread
    assert unread["dead"]["confidence"] == 90, unread["dead"]["message"]
    assert "library class" not in unread["dead"]["message"]  # its base is the repo's own template
    eps = unread["opt_eps"]
    assert eps["confidence"] == 40
    assert eps["message"].endswith("`args` is passed whole to `timm.optim.create_optimizer` (train.py:18), "
                                   "which may read it")
    # set by the class's own code: not judged by the experiments
    stale = {**by_code(doc, "STL102"), **by_code(doc, "STL104")}
    assert "precision" not in stale and "width" in stale
    default = check_json(build("wholes"))
    assert "opt_eps" not in by_code(default, "STL101")  # below the default min_confidence
    # registry names code spells elsewhere (a test's parametrize list, a list of names) are used
    assert set(by_code(doc, "STL201")) == {"old"}

"""Dataclass configs recognised by their place and use, whatever their names: bases merged into a
config (gpt-neox's `NeoXArgs(*BASE_CLASSES)`), subclasses and sections of one, and classes whose
fields experiments set. Plain data dataclasses stay out of the index."""
import datetime as dt
import textwrap

from conftest import by_code, check_json

from stalelint.check import analyse
from stalelint.config import load
from stalelint.index import index_file, link, promote_by_use
from stalelint.model import Experiment, Setting, Window

WINDOW = Window(dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc), 180)


def f(path: str, src: str):
    return index_file(path, textwrap.dedent(src))


NEOX = [
    f("neox/template.py", '''
        from dataclasses import dataclass
        @dataclass
        class ArgsTemplate:
            def update_value(self, key, value):
                setattr(self, key, value)
    '''),
    f("neox/neox_args.py", '''
        from dataclasses import dataclass, field
        from .template import ArgsTemplate
        @dataclass
        class NeoXArgsModel(ArgsTemplate):
            num_layers: int = None
            norm: str = "layernorm"
        @dataclass
        class NeoXArgsOptimizer(ArgsTemplate):
            lr: float = None
            sched: "Schedule" = field(default_factory=lambda: Schedule())
        @dataclass
        class Schedule:
            warmup: int = 0
        @dataclass
        class Sibling(ArgsTemplate):  # shares a base with configs, is not merged into one
            scratch: int = 0
    '''),
    f("neox/arguments.py", '''
        from dataclasses import dataclass
        from .neox_args import NeoXArgsModel, NeoXArgsOptimizer
        BASE_CLASSES = [NeoXArgsModel, NeoXArgsOptimizer]
        @dataclass
        class NeoXArgs(*BASE_CLASSES):
            pass
        @dataclass
        class LocalArgs(NeoXArgs):
            pass
        @dataclass
        class Tweaks(LocalArgs):  # inherits from a config
            extra: int = 1
    '''),
]

DATA = f("data.py", '''
    from dataclasses import dataclass
    import torch
    @dataclass
    class Batch:
        tokens: torch.Tensor
        mask: "torch.Tensor" = None
    @dataclass
    class Output:  # a model output: every field has a default, and each is a tensor or an array
        loss: Optional[torch.FloatTensor] = None
        logits: "np.ndarray" = None
    @dataclass
    class Meter:
        count: int = 0
        total: float = 0.0
    @dataclass
    class Sample:
        path: str
        label: int
        weight: float = 1.0
''')


def test_bases_of_a_config_subclasses_and_sections_are_configs():
    knobs = {k.name: k for k in link(NEOX + [DATA], []).knobs}
    assert set(knobs) == {"num_layers", "norm", "lr", "sched.warmup", "extra"}
    assert knobs["num_layers"].owner == "NeoXArgsModel" and knobs["norm"].default == "layernorm"
    assert knobs["sched.warmup"].owner == "Schedule" and knobs["sched.warmup"].aliases == ("warmup",)
    assert not knobs["lr"].cli  # no parser reads NeoXArgs: judged only when an experiment sets its fields


def test_data_records_are_not_candidates():
    assert [c for c, _ in DATA.candidate_classes] == ["Meter", "Sample"]  # Batch and Output hold tensors
    assert {k.owner for k in DATA.candidate_knobs} == {"Meter", "Sample"}
    assert not DATA.knobs


def test_inherited_fields_are_parsed_and_built_with_their_subclass():
    main = f("main.py", '''
        from neox.arguments import LocalArgs, NeoXArgs
        args = HfArgumentParser(LocalArgs).parse_args_into_dataclasses()
        other = NeoXArgs(lr=3)
    ''')
    knobs = {k.name: k for k in link(NEOX + [main], []).knobs}
    assert knobs["num_layers"].cli and knobs["lr"].cli
    assert knobs["lr"].set_in_code and not knobs["norm"].set_in_code


def _exp(*keys: str) -> Experiment:
    return Experiment("configs/x.yml", None, "config", None, "commit", tuple(Setting(k, 1) for k in keys))


SAMPLING = f("generate.py", '''
    from dataclasses import dataclass, field
    @dataclass
    class Beam:
        width: int = 1
        length_penalty: float = 1.0
    @dataclass
    class Sampling:
        temperature: float = 1.0
        top_k: int = 0
        beam: Beam = field(default_factory=Beam)
''')


def test_a_dataclass_whose_fields_experiments_set_is_a_config():
    idx = link([SAMPLING, DATA], [])
    assert not idx.knobs
    used = promote_by_use(idx, [_exp("temperature", "top_k", "beam.width")])
    assert {k.name for k in used.knobs} == {"temperature", "top_k", "beam.width", "beam.length_penalty"}
    # one field per experiment, or the fields of a record most of whose fields have no default
    # (built from computed values): not enough to call the class a config
    assert not promote_by_use(idx, [_exp("temperature"), _exp("top_k")]).knobs
    assert not promote_by_use(idx, [_exp("path", "label", "weight")]).knobs
    # Meter (all defaults, no tensors) is left out only because no experiment sets its fields
    assert not promote_by_use(idx, [_exp("temperature", "lr", "epochs")]).knobs


def test_keys_another_knob_defines_do_not_make_a_class_a_config():
    flags = f("train.py", '''
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("--temperature", type=float, default=1.0)
        p.add_argument("--top-k", type=int, default=0)
        args = p.parse_args()
    ''')
    idx = link([SAMPLING, flags], [])
    assert {k.name for k in promote_by_use(idx, [_exp("temperature", "top_k")]).knobs} == {"temperature", "top_k"}


def test_byuse_repo_judges_merged_classes_and_leaves_data_alone(build):
    root = build("byuse")
    result, facts = analyse(root, load(root), WINDOW, use_cache=False)
    names = {k.name: k for k in facts.index.knobs}
    assert set(names) == {"num_layers", "hidden_size", "norm", "lr", "optimizer_type",
                          "temperature", "top_k", "top_p", "beam.width", "beam.length_penalty"}
    bound = {facts.knob(i).name: {b.experiment.source for b in bs} for i, bs in facts.bindings.items()}
    assert bound["num_layers"] == {"configs/125M.yml", "configs/350M.yml", "configs/760M.yml", "configs/old/rms.yml"}
    assert bound["norm"] == {"configs/old/rms.yml"} and bound["beam.width"] == {"configs/sample/beam.yml"}
    doc = check_json(root, "--min-confidence", "0")
    stale = by_code(doc, "STL102")
    assert "norm" in stale  # tried (rmsnorm) and abandoned
    assert "num_layers" not in stale and "optimizer_type" not in stale and "temperature" not in stale
    reported = {x["name"] for x in doc["findings"]}
    assert not reported & {"count", "total", "best", "tokens", "labels"}  # data dataclasses: never knobs
    assert not by_code(doc, "STL103")

import textwrap

from stalelint.index import index_file, link
from stalelint.model import UNKNOWN


def idx(src: str, path: str = "m.py"):
    return index_file(path, textwrap.dedent(src))


def knobs(src: str):
    return {k.name: k for k in idx(src).knobs}


def test_argparse_forms():
    k = knobs('''
        import argparse
        p = argparse.ArgumentParser()
        g = p.add_argument_group("x")
        p.add_argument("--batch-size", "-b", type=int, default=32)
        g.add_argument("--lr", dest="learning_rate", type=float, default=1e-3)
        p.add_argument("--use-ema", action="store_true")
        p.add_argument("--no-aug", dest="aug", action="store_false")
        p.add_argument("--const", action="store_const", const=3)
        p.add_argument("--arch", choices=["a", "b"], default="a")
        p.add_argument("--need", required=True)
        p.add_argument("data")
        p.add_argument("--computed", default=compute())
        p.add_argument("-h2", "--help2", action="help")
        p.set_defaults(lr_unused=1, arch="b")
        args = p.parse_args()
    ''')
    assert k["batch_size"].default == 32 and k["batch_size"].option_strings == ("--batch-size", "-b")
    assert k["batch_size"].type_name == "int" and k["batch_size"].aliases == ("b",)
    assert k["learning_rate"].default == 1e-3 and "lr" in k["learning_rate"].aliases
    assert k["use_ema"].default is False and not k["use_ema"].takes_value
    assert k["aug"].default is True and k["aug"].action == "store_false"
    assert k["const"].default is None and k["const"].action == "store_const"
    assert k["arch"].choices == ("a", "b") and k["arch"].default == "b"  # set_defaults wins
    assert k["need"].required and k["data"].positional and k["data"].required
    assert k["computed"].default is UNKNOWN
    assert "help2" not in k


def test_helper_function_owner_and_known_args():
    f = idx('''
        def add_args(parser):
            parser.add_argument("--x", default=1)
        args, rest = parser.parse_known_args()
    ''')
    assert f.known_args
    assert f.knobs[0].owner == "add_args"


def test_dataclass_fields_and_nesting():
    f = idx('''
        from dataclasses import dataclass, field

        @dataclass
        class ModelConfig:
            depth: int = 12
            width: int = field(default=384, metadata={"help": "w"})
            tags: list = field(default_factory=list)
            ratio: tuple = field(default_factory=lambda: (1, 2))
            required_thing: str

        @dataclass
        class TrainConfig:
            model: ModelConfig = field(default_factory=ModelConfig)
            lr: float = 0.1
            K: "ClassVar[int]" = 3

        @dataclass
        class Batch:  # not a config
            x: int = 0
    ''', "cfg.py")
    linked = {k.name: k for k in link([f], []).knobs}
    assert linked["model.depth"].default == 12 and linked["model.width"].default == 384
    assert linked["model.tags"].default == [] and linked["model.ratio"].default == (1, 2)
    assert linked["model.required_thing"].required
    assert linked["lr"].default == 0.1
    assert "model" not in linked and "x" not in linked and "K" not in linked


def test_hf_argument_parser_marks_any_dataclass_as_config():
    f = idx('''
        from dataclasses import dataclass
        @dataclass
        class Extra:
            foo: int = 1
        parser = HfArgumentParser((Extra,))
    ''')
    assert [k.name for k in f.knobs] == ["foo"]


def test_reads_every_form():
    f = idx('''
        def run(args, cfg, thing):
            a = args.alpha
            b = getattr(args, "beta")
            c = vars(args)["gamma"]
            d = args.__dict__["delta"]
            e = cfg.model.depth
            f = self.args.eps
            g = thing.weak
            h = cfg.get("zeta")
            args.written = 1
    ''')
    reads = {(r.name, r.strong) for r in f.reads}
    for name in ("alpha", "beta", "gamma", "delta", "model.depth", "zeta"):
        assert (name, True) in reads, name
    assert ("weak", False) in reads
    assert ("args.eps", False) not in reads and any(r.name == "eps" and r.strong for r in f.reads)
    assert not any(r.name == "written" for r in f.reads)


def test_parse_result_names_are_strong():
    f = idx('''
        o = parser.parse_args()
        print(o.zzz)
    ''')
    assert any(r.name == "zzz" and r.strong for r in f.reads)


def test_splat_detected():
    assert idx("def f(args):\n    g(**vars(args))\n").splats
    assert not idx("def f(kw):\n    g(**kw)\n").splats


def test_gates_forms_and_spans():
    f = idx('''
        def f(args):
            if args.use_ema:
                a = 1
                b = 2
            if not args.aug:
                pass
            if args.mode == "a":
                x = 1
            elif args.mode == "b":
                x = 2
            else:
                x = 3
            if 0 < args.ls:
                pass
            y = 1 if args.p is None else 2
            if args.use_ema and other:
                pass
    ''')
    g = {(x.name, x.op, repr(x.value), x.form): x for x in f.gates}
    ema = [x for x in f.gates if x.name == "use_ema" and not x.combine][0]
    assert ema.body == (3, 5) and ema.orelse is None
    assert ("aug", "falsy", "None", "if") in g
    a = g[("mode", "==", "'a'", "if")]
    assert a.orelse == (10, 13)
    b = g[("mode", "==", "'b'", "elif")]
    assert b.body == (10, 11) and b.orelse == (12, 13)
    assert ("ls", ">", "0", "if") in g  # flipped
    assert ("p", "is", "None", "ternary") in g
    both = ema
    assert len(f.gates) == 7
    assert [x.combine for x in f.gates if x.line == 17] == ["and"]  # one simple part of `a and other`
    assert b.chain == a.line  # the elif arm knows its chain
    assert both.combine == ""


def test_suppression_comment():
    k = knobs('''
        p.add_argument("--a")  # stalelint: keep
        p.add_argument("--b")  # stalelint: keep[STL102, STL301]
        p.add_argument("--c",
                       default=1)  # stalelint: keep STL101
        p.add_argument("--d")
    ''')
    assert k["a"].keep == () and k["b"].keep == ("STL102", "STL301") and k["c"].keep == ("STL101",)
    assert k["d"].keep is None


def test_syntax_error_is_reported():
    f = idx("def broken(:\n")
    assert f.errors[0].code == "STL901" and "line 1" in f.errors[0].message


def test_modern_syntax_parses():
    f = idx('''
        match args.mode:
            case "a":
                pass
        type Alias = list[int]
        def g[T](x: T) -> T:
            return x
        s = f"{f'{args.inner}'}"
    ''')
    assert not f.errors or f.errors[0].code == "STL901"  # 3.10/3.11 cannot parse PEP 695: reported, not raised


def test_imports_resolve_relative(tmp_path):
    a = index_file("pkg/a.py", "from . import b\nfrom .sub.c import x\nimport os\n")
    b = index_file("pkg/b.py", "")
    c = index_file("pkg/sub/c.py", "")
    linked = link([a, b, c], [])
    assert set(linked.imports["pkg/a.py"]) == {"pkg/b.py", "pkg/sub/c.py"}
    assert linked.reachable("pkg/a.py") == {"pkg/a.py", "pkg/b.py", "pkg/sub/c.py"}


def test_code_decided_fields_and_parsed_classes():
    cfg = index_file("cfg.py", textwrap.dedent('''
        from dataclasses import dataclass

        @dataclass
        class NetConfig:
            depth: int = 3
            width: int = 8
            act: str = "relu"

        @dataclass
        class DataArgs:
            root: str = "data"

        @dataclass
        class ArchCfg:
            heads: int = 4
    '''))
    main = index_file("main.py", textwrap.dedent('''
        from cfg import NetConfig, DataArgs, ArchCfg
        (data,) = HfArgumentParser((DataArgs,)).parse_args_into_dataclasses()
        net = NetConfig(depth=4)
        arch = ArchCfg(**table)
        def run(args):
            args.width = 16
            setattr(args, "act", "gelu")
    '''))
    k = {x.name: x for x in link([cfg, main], []).knobs}
    assert k["depth"].set_in_code and k["width"].set_in_code and k["act"].set_in_code
    assert k["heads"].set_in_code  # built from a dict: every field is decided by code
    assert k["root"].cli and not k["root"].set_in_code
    assert not k["depth"].cli


def test_match_statement_arms():
    f = idx('''
        def f(args):
            match args.arch:
                case "vit":
                    a = 1
                case "cnn" | "resnet":
                    a = 2
                case _:
                    a = 3
    ''')
    arms = [(x.op, x.value, x.body, x.form) for x in f.gates]
    assert arms == [("==", "vit", (4, 5), "case"), ("in", ("cnn", "resnet"), (6, 7), "case"),
                    ("not in", ("vit", "cnn", "resnet"), (8, 9), "case")]


def test_arithmetic_defaults_are_literals():
    from stalelint.index.astutil import literal
    import ast as _ast
    assert literal(_ast.parse("5 * 8", mode="eval").body) == 40
    assert abs(literal(_ast.parse("6e-4 / 10", mode="eval").body) - 6e-5) < 1e-12
    assert literal(_ast.parse("'a' + 'b'", mode="eval").body) == "ab"
    assert literal(_ast.parse("1 / 0", mode="eval").body) is UNKNOWN
    assert literal(_ast.parse("x * 2", mode="eval").body) is UNKNOWN
    assert literal(_ast.parse("2 ** 10000", mode="eval").body) is UNKNOWN  # no power: no huge numbers


def test_module_globals_click_typer_fire_dicts():
    f = idx('''
        import click, typer, fire
        batch_size = 12
        grad_accum = 5 * 8
        compile = True
        exec(open("configurator.py").read())
        later = 3
        if compile:
            pass

        DEFAULTS = {"lr": 0.1, "model": {"depth": 6}}

        @click.command()
        @click.option("--use-ema/--no-use-ema", default=False)
        @click.option("--lr", default=0.1, type=float)
        @click.option("--fast", is_flag=True)
        def train(use_ema, lr, fast):
            if use_ema:
                print(lr)

        app = typer.Typer()
        @app.command()
        def evaluate(ckpt: str, tta: bool = False, n: int = typer.Option(5, help="n")):
            print(tta, n)

        def sample(temperature=0.8, top_k=200):
            return temperature
        fire.Fire(sample)
    ''')
    k = {x.name: x for x in f.knobs}
    assert k["batch_size"].system == "globals" and k["grad_accum"].default == 40 and "later" not in k
    assert k["use_ema"].system == "click" and k["use_ema"].option_strings == ("--use-ema", "--no-use-ema")
    assert k["use_ema"].action == "BooleanOptionalAction" and k["fast"].action == "store_true"
    assert k["lr"].default == 0.1
    assert k["tta"].system == "typer" and k["tta"].option_strings == ("--tta", "--no-tta")
    assert k["ckpt"].required and k["n"].default == 5
    assert k["temperature"].system == "fire" and k["top_k"].default == 200
    assert k["model.depth"].system == "dict"
    reads = {r.name for r in f.reads if r.strong}
    assert {"compile", "use_ema", "lr", "tta", "n", "temperature"} <= reads
    gated = {(g.name, g.op) for g in f.gates}
    assert ("compile", "truthy") in gated and ("use_ema", "truthy") in gated


def test_weighted_loss_terms_are_gates():
    f = idx("""
        def step(cfg, loss, aux, kd):
            loss += cfg.aux_weight * aux
            total = loss + kd * cfg.kd_weight
            plain = loss + aux
    """)
    terms = {(g.name, g.form, g.body) for g in f.gates}
    assert terms == {("aux_weight", "term", (3, 3)), ("kd_weight", "term", (4, 4))}


def test_early_exit_guards_own_the_rest_of_their_block():
    f = idx("""
        def step(args, batch):
            for x in batch:
                if args.skip_odd:
                    continue
                print(x)
                print(x * 2)
            if not args.use_aux:
                return 0
            return aux(batch)
    """)
    g = {x.name: x for x in f.gates}
    assert g["skip_odd"].form == "guard" and g["skip_odd"].orelse == (6, 7)
    assert g["use_aux"].form == "guard" and g["use_aux"].orelse == (10, 10)


def test_evolve_is_replace_without_the_cost():
    import dataclasses

    import pytest

    from stalelint.model import Knob, evolve

    k = Knob(name="lr", kind="flag", system="argparse", path="train.py", line=3, column=1, end_line=3, default=0.1)
    changed = evolve(k, set_in_code=True, aliases=("learning_rate",))
    assert changed == dataclasses.replace(k, set_in_code=True, aliases=("learning_rate",))
    assert hash(changed) == hash(dataclasses.replace(k, set_in_code=True, aliases=("learning_rate",)))
    assert k.set_in_code is False and k.aliases == ()  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.name = "x"  # still frozen
    with pytest.raises(TypeError, match="no field 'nope'"):
        evolve(k, nope=1)

"""Before/after pairs for each libcst rewrite: fold, simplify, remove a definition, force a gate."""
import textwrap

import libcst as cst
import pytest

from stalelint.fix.definitions import RemoveDefinition
from stalelint.fix.fold import Fold, GateTarget, foldable


def _run(src: str, transformer) -> str:
    return cst.MetadataWrapper(cst.parse_module(textwrap.dedent(src))).visit(transformer).code


def fold(src: str, value, names=("use_ema",), strong=("args", "cfg")) -> str:
    return _run(src, Fold(set(names), value, set(strong)))


FOLDS = [
    # reads become the literal
    ("x = args.use_ema\n", False, "x = False\n"),
    ("x = getattr(args, 'use_ema')\n", False, "x = False\n"),
    ("x = getattr(args, 'use_ema', True)\n", False, "x = False\n"),
    ("x = vars(args)['use_ema']\n", False, "x = False\n"),
    ("x = args.__dict__['use_ema']\n", False, "x = False\n"),
    ("x = vars(args).get('use_ema')\n", False, "x = False\n"),
    ("x = self.args.use_ema\n", False, "x = False\n"),
    ("x = model.use_ema\n", False, "x = model.use_ema\n"),  # not a config object: untouched
    ("x = args.use_ema_decay\n", False, "x = args.use_ema_decay\n"),  # another flag
    # if False vanishes, if True is dedented into place, else arms follow
    ("if args.use_ema:\n    a()\nb()\n", False, "b()\n"),
    ("if args.use_ema:\n    a()\nelse:\n    c()\nb()\n", False, "c()\nb()\n"),
    ("if not args.use_ema:\n    a()\n    d()\nelse:\n    c()\n", False, "a()\nd()\n"),
    ("# lead\nif args.use_ema:\n    a()  # keep\n", True, "# lead\na()  # keep\n"),
    ("if args.use_ema: a()\n", True, "a()\n"),
    # elif chains keep their structure
    ("if x:\n    a()\nelif args.use_ema:\n    b()\nelse:\n    c()\n", False, "if x:\n    a()\nelse:\n    c()\n"),
    ("if x:\n    a()\nelif args.use_ema:\n    b()\nelif y:\n    c()\n", False, "if x:\n    a()\nelif y:\n    c()\n"),
    ("if x:\n    a()\nelif args.use_ema:\n    b()\nelif y:\n    c()\n", True, "if x:\n    a()\nelse:\n    b()\n"),
    ("if args.use_ema:\n    a()\nelif y:\n    b()\nelse:\n    c()\n", False, "if y:\n    b()\nelse:\n    c()\n"),
    # ternaries
    ("x = a if args.use_ema else b\n", True, "x = a\n"),
    ("x = a if args.use_ema else b\n", False, "x = b\n"),
    ("x = (p + q if args.use_ema else b).m\n", True, "x = (p + q).m\n"),
    # boolean operators
    ("if x and args.use_ema:\n    a()\n", True, "if x:\n    a()\n"),
    ("y = x and args.use_ema\n", True, "y = x and True\n"),  # as a value, `x and True` is not `x`
    ("y = args.use_ema and f()\n", True, "y = f()\n"),
    ("y = args.use_ema and f()\n", False, "y = False\n"),
    ("if x or args.use_ema:\n    a()\n", False, "if x:\n    a()\n"),
    ("if x.y and args.use_ema:\n    a()\nb()\n", False, "b()\n"),
    ("if f() and args.use_ema:\n    a()\n", False, "if f() and False:\n    a()\n"),  # f() may matter
    ("z = not args.use_ema\n", False, "z = True\n"),
    # comparisons of two literals
    ("if args.use_ema == 'cutmix':\n    a()\nb()\n", "none", "b()\n"),
    ("if args.use_ema != 'cutmix':\n    a()\n", "none", "a()\n"),
    ("if args.use_ema > 0:\n    a()\n", 0.1, "a()\n"),
    ("if args.use_ema is not None:\n    a()\nb()\n", None, "b()\n"),
    ("if args.use_ema in ('a', 'b'):\n    a()\nb()\n", "c", "b()\n"),
    # a comment heading the group a dead `if` starts stays for what follows (timm's train.py)
    ("x = 1\n\n# create the datasets\nif args.use_ema:\n    a()\nb()\n", False,
     "x = 1\n\n# create the datasets\nb()\n"),
    # ... and one that ends its group goes with it
    ("x = 1\n\n# ema only\nif args.use_ema:\n    a()\n\nb()\n", False, "x = 1\n\nb()\n"),
    # a block left empty gets a pass
    ("def f():\n    if args.use_ema:\n        a()\n", False, "def f():\n    pass\n"),
    # strings go inside f-strings with the other quote
    ("print(f'{args.use_ema}')\n", "x", "print(f'{\"x\"}')\n"),
    # a pre-existing constant test is not the fix's business
    ("if False:\n    a()\nx = args.use_ema\n", 1, "if False:\n    a()\nx = 1\n"),
]


@pytest.mark.parametrize("before,value,after", FOLDS)
def test_fold_and_simplify(before, value, after):
    assert fold(before, value) == after
    compile(after, "<after>", "exec")


def test_fold_keeps_the_default_as_written():
    f = Fold({"lr"}, 0.00025, {"args"}, code="2.5e-4")
    assert _run("x = args.lr\ny = f'{args.lr}'\n", f) == "x = 2.5e-4\ny = f'{0.00025}'\n"
    assert Fold({"lr"}, 1, {"args"}, code="1.0").code is None  # not the same value: repr(1) is used


def test_definition_reports_default_as_written():
    r = RemoveDefinition("argparse", "lr", ("--lr",), "")
    _run("p.add_argument('--lr', type=float, default=2.5e-4)\n", r)
    assert r.default_code == "2.5e-4"
    r = RemoveDefinition("dataclass", "lr", (), "Config")
    _run("class Config:\n    lr: float = field(default=1e-3)\n", r)
    assert r.default_code == "1e-3"


def test_dotted_names_fold_whole_chain():
    assert fold("d = cfg.model.depth\nm = cfg.model\n", 12, names=("model.depth",)) == "d = 12\nm = cfg.model\n"


def test_foldable_values():
    assert foldable(0.5) is None and foldable("x") is None and foldable((1, 2)) is None
    assert "mutable" in foldable([1])
    assert foldable(float("inf"))


DEFINITIONS = [
    ("argparse", "use_ema", ("--use-ema",),
     "p = argparse.ArgumentParser()\np.add_argument('--lr')\np.add_argument('--use-ema', action='store_true')\n"
     "p.add_argument('--seed')\n",
     "p = argparse.ArgumentParser()\np.add_argument('--lr')\np.add_argument('--seed')\n"),
    # comments above a flag that ends its group go with it; above a blank line they stay
    ("argparse", "use_ema", ("--use-ema",),
     "p.add_argument('--lr')\n\n# model options\n\n# ema:\np.add_argument('--use-ema')\n\np.add_argument('--x')\n",
     "p.add_argument('--lr')\n\n# model options\n\np.add_argument('--x')\n"),
    # ... but may head a group that goes on, so they stay there
    ("argparse", "use_ema", ("--use-ema",),
     "# optimizer\np.add_argument('--use-ema')\np.add_argument('--wd')\n",
     "# optimizer\np.add_argument('--wd')\n"),
    ("argparse", "use_ema", ("--use-ema", "-e"),
     "p.add_argument('--lr')\np.add_argument(\n    '-e',\n    '--use-ema',\n    action='store_true',\n)\n",
     "p.add_argument('--lr')\n"),
    ("dataclass", "use_ema", (),
     "@dataclass\nclass Other:\n    use_ema: bool = True\n\n\n@dataclass\nclass Config:\n    use_ema: bool = False  # why\n    lr: float = 0.1\n",
     "@dataclass\nclass Other:\n    use_ema: bool = True\n\n\n@dataclass\nclass Config:\n    lr: float = 0.1\n"),
    ("dataclass", "use_ema", (),
     "@dataclass\nclass Config:\n    use_ema: bool = False\n",
     "@dataclass\nclass Config:\n    pass\n"),
    # the field's attribute docstring (cleanrl's tyro help) goes with it; the next field's stays
    ("dataclass", "use_ema", (),
     '@dataclass\nclass Config:\n    seed: int = 1\n    """seed"""\n    use_ema: bool = True\n    """if toggled, EMA"""\n'
     '    lr: float = 0.1\n    """the lr"""\n',
     '@dataclass\nclass Config:\n    seed: int = 1\n    """seed"""\n    lr: float = 0.1\n    """the lr"""\n'),
]


@pytest.mark.parametrize("system,name,options,before,after", DEFINITIONS)
def test_remove_definition(system, name, options, before, after):
    remover = RemoveDefinition(system, name, options, "Config")
    assert _run(before, remover) == after
    assert remover.found == 1


def test_remove_definition_refuses_shared_line():
    remover = RemoveDefinition("argparse", "a", ("--a",), "")
    src = "p.add_argument('--a'); p.add_argument('--b')\n"
    assert _run(src, remover) == src
    assert remover.found and "shares its line" in remover.problem


def test_remove_definition_counts_duplicates():
    remover = RemoveDefinition("argparse", "a", ("--a",), "")
    _run("p.add_argument('--a')\nq.add_argument('--a')\n", remover)
    assert remover.found == 2


GATES = [
    ("if args.aug == 'mixup':\n    a()\nelif args.aug == 'cutmix':\n    b()\nc()\n",
     GateTarget(0, "args.aug == 'cutmix'", False, "elif"), "if args.aug == 'mixup':\n    a()\nc()\n"),
    ("if args.aug:\n    a()\nelse:\n    b()\n", GateTarget(0, "args.aug", True, "if"), "a()\n"),
    ("x = 1 if args.ls > 0 else 2\n", GateTarget(0, "args.ls > 0", False, "ternary"), "x = 2\n"),
    # the flag itself and other reads stay
    ("if args.aug == 'x':\n    a(args.aug)\ny = args.aug\n", GateTarget(0, "args.aug == 'x'", False, "if"),
     "y = args.aug\n"),
    # the second of two identical gates, counted in source order
    ("if args.aug:\n    a()\nif args.aug:\n    b()\n", GateTarget(1, "args.aug", False, "if"), "if args.aug:\n    a()\n"),
]


@pytest.mark.parametrize("before,gate,after", GATES)
def test_force_gate(before, gate, after):
    f = Fold(set(), None, set(), (gate,))
    assert _run(before, f) == after
    assert f.gates_hit == 1


def test_removing_fields_with_docstrings_touches_nothing_else():
    """Statements are marked for removal by id, so every marked node must stay alive for the pass:
    a docstring marked and freed had its id reused by a node built later, and cleanrl's ppo.py
    lost `super().__init__()` in the next class (seen on 1 of 253 fixes)."""
    fields = "".join(f'    f{i}: int = {i}\n    """field {i}"""\n' for i in range(12))
    src = f"@dataclass\nclass Config:\n{fields}\n\nclass Agent:\n    def __init__(self):\n        super().__init__()\n"
    for i in range(0, 12, 3):
        remover = RemoveDefinition("dataclass", f"f{i}", (), "Config")
        assert _run(src, remover) == src.replace(f'    f{i}: int = {i}\n    """field {i}"""\n', "")
        assert remover._doomed == {id(n) for n in remover._alive}
SYSTEM_DEFINITIONS = [
    ("absl", "use_ema", (), "",
     "flags.DEFINE_float('lr', 0.1, 'LR.')\nflags.DEFINE_bool('use_ema', False, 'EMA.')  # why\nx = 1\n",
     "flags.DEFINE_float('lr', 0.1, 'LR.')\nx = 1\n", "False"),
    ("absl", "steps", (), "",
     "_STEPS = flags.DEFINE_integer(name='steps', default=100, help='Steps.')\n_LR = flags.DEFINE_float('lr', 1)\n",
     "_LR = flags.DEFINE_float('lr', 1)\n", "100"),
    ("globals", "use_flash", (), "<module>",
     "batch = 12\nuse_flash = False\nexec(open('c.py').read())\n\ndef f():\n    use_flash = 1\n",
     "batch = 12\nexec(open('c.py').read())\n\ndef f():\n    use_flash = 1\n", "False"),
    ("yacs", "use_ema", ("MODEL.USE_EMA",), "CfgNode",
     "_C.MODEL = CN()\n_C.MODEL.DEPTH = 50\n_C.MODEL.USE_EMA = False\n_C.USE_EMA = True\n",
     "_C.MODEL = CN()\n_C.MODEL.DEPTH = 50\n_C.USE_EMA = True\n", "False"),
    ("pydantic", "use_ema", (), "Config",
     "class Config(BaseModel):\n    lr: float = 0.1\n    use_ema: bool = Field(False, description='x')\n",
     "class Config(BaseModel):\n    lr: float = 0.1\n", "False"),
]


@pytest.mark.parametrize("system,name,options,owner,before,after,default", SYSTEM_DEFINITIONS)
def test_remove_definition_of_each_system(system, name, options, owner, before, after, default):
    remover = RemoveDefinition(system, name, options, owner)
    assert _run(before, remover) == after
    assert remover.found == 1 and remover.default_code == default


def test_ml_collections_entry_only_inside_get_config():
    src = ("def get_config():\n    config = ConfigDict()\n    config.model.use_ema = False\n    return config\n\n\n"
           "def other(config):\n    config.model.use_ema = True\n")
    remover = RemoveDefinition("ml_collections", "use_ema", (), "get_config", dotted="model.use_ema")
    assert _run(src, remover) == src.replace("    config.model.use_ema = False\n", "")
    assert remover.found == 1


def test_absl_holder_is_reported():
    remover = RemoveDefinition("absl", "steps", (), "")
    _run("_STEPS = flags.DEFINE_integer('steps', 100, 'x')\n", remover)
    assert remover.holder == "_STEPS"


PARAMETERS = [
    # click: the decorator and the parameter
    ("warmup", "main", {"--warmup"},
     "@click.command()\n@click.option('--lr', default=0.1)\n@click.option('--warmup', default=0, type=int)\n"
     "def main(lr, warmup):\n    pass\n",
     "@click.command()\n@click.option('--lr', default=0.1)\ndef main(lr):\n    pass\n", "0"),
    # a `--x/--no-x` pair and a first decorator whose comment stays with the function
    ("use_ema", "main", {"--use-ema", "--no-use-ema"},
     "# the entry point\n@click.option('--use-ema/--no-use-ema', default=True)\n@click.option('--fast', is_flag=True)\n"
     "def main(use_ema, fast):\n    pass\n",
     "# the entry point\n@click.option('--fast', is_flag=True)\ndef main(fast):\n    pass\n", "True"),
    # typer: the parameter and its Option default; a middle one
    ("tta", "main", None,
     "def main(ckpt: str, tta: bool = typer.Option(False, help='x'), shots: int = 5):\n    pass\n",
     "def main(ckpt: str, shots: int = 5):\n    pass\n", "False"),
    # one per line, trailing comma: comments of the others stay
    ("shuffle", "loader", None,
     "def loader(\n    data,  # the data\n    batch_size=32,  # per device\n    shuffle=True,  # each epoch\n):\n    pass\n",
     "def loader(\n    data,  # the data\n    batch_size=32,  # per device\n):\n    pass\n", "True"),
    # one per line, no trailing comma
    ("shuffle", "loader", None,
     "def loader(\n    data,\n    shuffle=True\n):\n    pass\n",
     "def loader(\n    data\n):\n    pass\n", "True"),
    # gin: a class registered under another name, and the bare `*` left with nothing after it
    ("width", "Model", None,
     "@gin.configurable('Model')\nclass Net:\n    def __init__(self, depth=12, *, width=256):\n        pass\n",
     "@gin.configurable('Model')\nclass Net:\n    def __init__(self, depth=12):\n        pass\n", "256"),
]


@pytest.mark.parametrize("name,owner,options,before,after,default", PARAMETERS)
def test_remove_parameter(name, owner, options, before, after, default):
    from stalelint.fix.params import RemoveParameter

    remover = RemoveParameter(name, owner, options)
    assert _run(before, remover) == after
    assert remover.found == 1 and remover.problem is None and remover.default_code == default
    compile(after, "<after>", "exec")


def test_bare_fold_stays_in_its_function():
    from stalelint.fix.params import owns

    src = ("use_ema = 3\n\n\ndef main(fast):\n    if use_ema:\n        a()\n    x = f(use_ema=1).use_ema\n\n\n"
           "def other(use_ema):\n    return use_ema\n")
    f = Fold(set(), False, set(), bare={"use_ema"}, scope=lambda fn, classes: owns(fn, classes, "main"))
    assert _run(src, f) == ("use_ema = 3\n\n\ndef main(fast):\n    x = f(use_ema=1).use_ema\n\n\n"
                            "def other(use_ema):\n    return use_ema\n")


def test_bare_fold_of_a_module_global_and_absl_holder():
    f = Fold(set(), 40, set(), bare={"accum"})
    assert _run("print(accum, x.accum)\nif accum > 1:\n    a()\n", f) == "print(40, x.accum)\na()\n"
    f = Fold({"steps"}, 100, {"FLAGS"}, holders={"_STEPS"})
    assert _run("for _ in range(_STEPS.value):\n    pass\nn = FLAGS.steps\n", f) == \
        "for _ in range(100):\n    pass\nn = 100\n"


VARIANTS = [
    # a registered function goes whole, a comment above the next one stays with it
    ("registry", "mlp", "register_model", True,
     "@register_model\ndef vit():\n    pass\n\n\n@register_model\ndef mlp():\n    pass\n\n\n# the default\ndef build():\n    pass\n",
     "@register_model\ndef vit():\n    pass\n\n\n# the default\ndef build():\n    pass\n"),
    # registered under another name; only the registration goes when code still names it
    ("registry", "big", "MODELS", False,
     "@torch.no_grad()\n@MODELS.register_module(name='big')\nclass BigNet:\n    pass\n",
     "@torch.no_grad()\nclass BigNet:\n    pass\n"),
    ("getattr", "wide", "arch", True, "def small():\n    pass\n\n\ndef wide():\n    pass\n", "def small():\n    pass\n"),
    # a dict registry entry, on one line or one per line
    ("registry-dict", "attn", "HEADS", True, "HEADS = {'linear': A, 'attn': B, 'mlp': C}\n",
     "HEADS = {'linear': A, 'mlp': C}\n"),
    ("registry-dict", "mlp", "HEADS", True, "HEADS = {\n    'linear': A,  # default\n    'mlp': C,  # old\n}\n",
     "HEADS = {\n    'linear': A,  # default\n}\n"),
]


@pytest.mark.parametrize("system,name,owner,whole,before,after", VARIANTS)
def test_remove_variant(system, name, owner, whole, before, after):
    from stalelint.fix.variants import RemoveVariant

    remover = RemoveVariant(system, name, owner, whole)
    assert _run(before, remover) == after
    assert remover.found == 1 and remover.problem is None


def test_last_dict_entry_is_refused():
    from stalelint.fix.variants import RemoveVariant

    remover = RemoveVariant("registry-dict", "a", "M", True)
    assert _run("M = {'a': A}\n", remover) == "M = {'a': A}\n" and "last entry" in remover.problem


CHOICES = [
    ("argparse", "aug", ("--aug",), "cutmix",
     "p.add_argument('--aug', default='none', choices=['none', 'mixup', 'cutmix'])\n",
     "p.add_argument('--aug', default='none', choices=['none', 'mixup'])\n"),
    ("argparse", "aug", ("--aug",), "a", "p.add_argument('--aug', choices=('a', 'b'))\n",
     "p.add_argument('--aug', choices=('b',))\n"),
    ("click", "opt", ("--opt",), "adam", "@click.option('--opt', type=click.Choice(['sgd', 'adam']))\ndef f(opt):\n    pass\n",
     "@click.option('--opt', type=click.Choice(['sgd']))\ndef f(opt):\n    pass\n"),
    ("absl", "optimizer", ("--optimizer",), "adam", "flags.DEFINE_enum('optimizer', 'sgd', ['sgd', 'adam'], 'Opt.')\n",
     "flags.DEFINE_enum('optimizer', 'sgd', ['sgd'], 'Opt.')\n"),
]


@pytest.mark.parametrize("system,name,options,value,before,after", CHOICES)
def test_remove_choice(system, name, options, value, before, after):
    from stalelint.fix.variants import RemoveChoice

    remover = RemoveChoice(system, name, options, value)
    assert _run(before, remover) == after
    assert remover.found == 1 and remover.problem is None


def test_last_item_one_per_line_without_trailing_comma():
    from stalelint.fix.variants import RemoveChoice

    src = "p.add_argument(\n    '--aug',\n    choices=[\n        'none',  # default\n        'cutmix'  # old\n    ],\n)\n"
    remover = RemoveChoice("argparse", "aug", ("--aug",), "cutmix")
    assert _run(src, remover) == "p.add_argument(\n    '--aug',\n    choices=[\n        'none',  # default\n    ],\n)\n"


GUARDS_AND_CASES = [
    # an early exit that always exits: it becomes unconditional and the rest of its block goes
    ("def f(x):\n    if not args.aux:\n        return 0\n    # with aux\n    return g(x)\n",
     GateTarget(0, "not args.aux", True, "if"), "def f(x):\n    return 0\n"),
    ("for x in xs:\n    if args.skip:\n        continue\n    print(x)\nprint(1)\n",
     GateTarget(0, "args.skip", True, "if"), "for x in xs:\n    continue\nprint(1)\n"),
    # a case no experiment reaches goes; a match left with none goes too
    ("match args.norm:\n    case 'bn':\n        a()\n    case 'gn' | 'in':\n        b()\n    case _:\n        c()\n",
     GateTarget(0, "'gn' | 'in'", False, "case"), "match args.norm:\n    case 'bn':\n        a()\n    case _:\n        c()\n"),
    ("match args.norm:\n    case 'gn':\n        b()\nd()\n", GateTarget(0, "'gn'", False, "case"), "d()\n"),
]


@pytest.mark.parametrize("before,gate,after", GUARDS_AND_CASES)
def test_force_guard_and_case(before, gate, after):
    f = Fold(set(), None, set(), (gate,))
    assert _run(before, f) == after
    assert f.gates_hit == 1


def test_fold_that_makes_a_guard_unconditional_drops_the_rest():
    assert fold("def f():\n    if not args.use_ema:\n        return 1\n    return 2\n", False) == "def f():\n    return 1\n"
    # an exit that stays conditional keeps what follows
    assert fold("def f():\n    if x and not args.use_ema:\n        return 1\n    return 2\n", False) == \
        "def f():\n    if x:\n        return 1\n    return 2\n"


def test_a_variant_named_only_by_its_own_definition_is_unreferenced():
    import re
    from collections import Counter

    from stalelint.fix.variants import referenced

    text = "@register_model\ndef mlp(pretrained=False):\n    return mlp_impl()  # mlp\n\n\ndef other():\n    pass\n"
    words = Counter(re.findall(r"\w+", text))
    assert not referenced("mlp", "m.py", text, words)
    assert referenced("mlp", "m.py", text, words + Counter({"mlp": 1}))  # named once more elsewhere
    assert referenced("gone", "m.py", text, words)  # not defined here: never called unreferenced


def test_a_field_takes_its_docstring_with_it():
    src = ('@dataclass\nclass Args:\n    capture_video: bool = False\n    """capture videos"""\n'
           '    save_model: bool = False\n    """whether to save the model"""\n    seed: int = 1\n\n    """not its docstring"""\n')
    remover = RemoveDefinition("dataclass", "save_model", (), "Args")
    assert _run(src, remover) == ('@dataclass\nclass Args:\n    capture_video: bool = False\n    """capture videos"""\n'
                                  '    seed: int = 1\n\n    """not its docstring"""\n')
    remover = RemoveDefinition("dataclass", "seed", (), "Args")
    assert '"""not its docstring"""' in _run(src, remover)

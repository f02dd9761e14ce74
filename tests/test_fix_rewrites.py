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

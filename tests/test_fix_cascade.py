"""Cascade cleanup: what a fix left unused goes, only if nothing in the repo still names it."""
import pytest

from stalelint.fix.cascade import cascade
from stalelint.fix.configs import remove_keys


def run_cascade(repo: dict[str, str], path: str, after: str):
    """Files of a repo, one of them changed by a fix to `after`: (files after the cascade, what went)."""
    before = {path: repo[path]}
    texts = {path: after}
    modules = {p[:-3].replace("/", "."): p for p in repo if p.endswith(".py")}
    went = cascade(before, texts, {path}, list(repo), lambda p: texts.get(p, repo.get(p)), modules)
    return {**repo, **texts}, went


def test_unused_import_goes_other_names_stay():
    repo = {"train.py": "import os\nfrom data import cutmix, mixup\nif a:\n    cutmix(x)\nmixup(x)\n"}
    out, went = run_cascade(repo, "train.py", "import os\nfrom data import cutmix, mixup\nmixup(x)\n")
    assert out["train.py"] == "import os\nfrom data import mixup\nmixup(x)\n"  # os was unused before: kept
    assert went == ["train.py: unused import `cutmix`"]


def test_whole_import_statement_goes():
    repo = {"t.py": "import copy\nimport math\n\nx = copy.deepcopy(y)\nmath.pi\n"}
    out, _ = run_cascade(repo, "t.py", "import copy\nimport math\n\nmath.pi\n")
    assert out["t.py"] == "import math\n\nmath.pi\n"


def test_helper_in_same_file_and_what_only_it_used():
    repo = {"t.py": "import copy\n\nSCALE = 2\n\n\ndef helper(m):\n    return copy.copy(m) * SCALE\n\n\n"
                    "def main():\n    if flag:\n        helper(1)\n    return 0\n"}
    after = "import copy\n\nSCALE = 2\n\n\ndef helper(m):\n    return copy.copy(m) * SCALE\n\n\ndef main():\n    return 0\n"
    out, went = run_cascade(repo, "t.py", after)
    assert out["t.py"] == "def main():\n    return 0\n"
    assert {"t.py: unused `helper`", "t.py: unused `SCALE`", "t.py: unused import `copy`"} <= set(went)


def test_helper_in_imported_module_goes_with_its_import():
    repo = {"train.py": "from utils import Ema, seed\nseed()\nif f:\n    Ema()\n",
            "utils.py": "import copy\n\n\ndef seed():\n    pass\n\n\nclass Ema:\n    def __init__(self):\n"
                        "        self.m = copy.copy(1)\n"}
    out, went = run_cascade(repo, "train.py", "from utils import Ema, seed\nseed()\n")
    assert out["train.py"] == "from utils import seed\nseed()\n"
    assert out["utils.py"] == "def seed():\n    pass\n"
    assert "import copy" not in out["utils.py"]
    assert "utils.py: unused `Ema`" in went


@pytest.mark.parametrize("other", [
    "from utils import Ema\nEma()\n",  # another module still uses it
    "# see utils.Ema for the old trick\n",  # even a mention keeps it: errs on keeping
    "_target_: utils.Ema\n",
])
def test_helper_kept_when_referenced_elsewhere(other):
    repo = {"train.py": "from utils import Ema\nif f:\n    Ema()\n",
            "utils.py": "class Ema:\n    pass\n",
            "other.py" if not other.startswith("_") else "conf.yaml": other}
    out, _ = run_cascade(repo, "train.py", "from utils import Ema\n")
    assert out["train.py"].strip() == ""  # its own import goes
    assert out["utils.py"] == "class Ema:\n    pass\n"


def test_decorated_and_exported_helpers_stay():
    src = "__all__ = ['b']\n\n\n@register\ndef a():\n    pass\n\n\ndef b():\n    pass\n\n\nif f:\n    a()\n    b()\n"
    repo = {"m.py": src}
    after = "__all__ = ['b']\n\n\n@register\ndef a():\n    pass\n\n\ndef b():\n    pass\n"
    out, went = run_cascade(repo, "m.py", after)
    assert out["m.py"] == after and went == []


def test_impure_constant_stays():
    repo = {"m.py": "X = load()\nif f:\n    print(X)\n"}
    out, went = run_cascade(repo, "m.py", "X = load()\n")
    assert out["m.py"] == "X = load()\n"


CONFIGS = [
    ("c.yaml", "# EMA run\nmodel: resnet  # the net\nuse_ema: true   # on\nema_decay: 0.99\n",
     "# EMA run\nmodel: resnet  # the net\nema_decay: 0.99\n", False),
    ("c.yaml", "model:\n  depth: 12\n  use_ema: true\n# end\n", "model:\n  depth: 12\n# end\n", False),
    ("c.yaml", "lr: 0.1\nuse_ema:\n  - 1\n  - 2\nx: 1\n", "lr: 0.1\nx: 1\n", False),
    ("c.yaml", "use_ema: true\n", "", True),
    ("c.yaml", "model:\n  use_ema: true\nlr: 0.1\n", "lr: 0.1\n", False),
    # the comment above a key that ends its group goes with it, and so does the blank line it leaves
    ("c.yaml", "lr: 0.1\n\n# exponential moving average\nuse_ema: true\n\nx: 1\n", "lr: 0.1\n\nx: 1\n", False),
    ("c.yaml", "lr: 0.1\n\n# path to working directory\nuse_ema: true\n", "lr: 0.1\n", False),
    ("c.yaml", "# optimizer\nuse_ema: true\nlr: 0.1\n", "# optimizer\nlr: 0.1\n", False),  # it heads a group
    ("c.json", '{\n  "lr": 0.1,\n  "use_ema": true\n}\n', '{\n  "lr": 0.1\n}\n', False),
    ("c.json", '{\n  "use_ema": true,\n  "lr": 0.1\n}\n', '{\n  "lr": 0.1\n}\n', False),
    ("c.toml", "# run\nlr = 0.1\nuse_ema = true\n\n[data]\nx = 1\n", "# run\nlr = 0.1\n\n[data]\nx = 1\n", False),
    ("c.py", "lr = 0.1\nuse_ema = True\n", "lr = 0.1\n", False),
]


@pytest.mark.parametrize("path,before,after,empty", CONFIGS)
def test_config_keys_removed(path, before, after, empty):
    new, problem, emptied = remove_keys(path, before, {"use_ema", "model.use_ema"})
    assert problem is None
    assert new == after
    assert emptied is empty


def test_config_edit_refused_when_it_cannot_be_done_cleanly():
    new, problem, _ = remove_keys("c.json", '{"lr": 0.1, "use_ema": true}\n', {"use_ema"})
    assert new is None and "could not delete use_ema" in problem

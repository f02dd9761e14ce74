"""Cases found on held-out research repos of set U (Open-Sora), reduced to small repos: a config
section built by a registry from its `type` (mmengine's `dict(type="dc_ae", from_scratch=True)`),
whose other keys are the keywords of the registered callable, and a key code reads through an
f-string (`cfg.get(f"plugin{suffix}")`)."""
import json

from conftest import run, write_files
from test_heldout_o_cases import unknown_config_keys

REGISTRY = """\
from dataclasses import dataclass

@dataclass
class AEConfig:  # the sections' other keys bind to its fields by name, as Open-Sora's do
    use_tiling: bool = False
    tile_size: int = 256
    overlap: float = 0.25
    channels: int = 3

class Registry:
    def register_module(self, name=None):
        return lambda f: f
MODELS = Registry()

@MODELS.register_module("dc_ae")
def DC_AE(model_name: str, from_scratch: bool = False):
    return model_name, from_scratch
"""


def test_keys_of_a_section_a_registry_builds_are_its_callables_keywords(tmp_path):
    """`[ae] type = "dc_ae"` names a registered function: its parameters `model_name` and
    `from_scratch` are known keys; a key it does not take stays unknown (70), and a key of a section
    whose `type` the repo does not register (a library's class) is doubtful (30)."""
    write_files(tmp_path, {
        "models.py": REGISTRY,
        "train.py": "import sys, tomli\nfrom models import AEConfig, MODELS\n"
                    "cfg = tomli.load(open(sys.argv[1], 'rb'))\nprint(AEConfig(**cfg['ae']))\n",
        "configs/exp.toml": '[ae]\nuse_tiling = true\ntile_size = 128\noverlap = 0.5\nchannels = 4\ntype = "dc_ae"\nfrom_scratch = true\n'
                            'model_name = "f32"\nfrom_scrach = true\n'
                            '[vae]\nuse_tiling = true\ntile_size = 128\noverlap = 0.5\nchannels = 4\ntype = "AutoencoderKL"\nscaling = 0.18\n',
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL103")
    assert got == [("ae.from_scrach", 70), ("vae.scaling", 30), ("vae.type", 30)]


def test_a_key_an_f_string_of_code_may_make_is_no_unknown_key(tmp_path):
    """Open-Sora's `get_booster(cfg, ae=True)` reads `cfg.get(f"plugin{suffix}")` with suffix `_ae`:
    `plugin_ae` is read; a key no f-string starts stays unknown."""
    got = unknown_config_keys(tmp_path, 'suffix = "_ae"\nprint(raw["seed"], raw["device"], raw.get(f"plugin{suffix}"))\n',
                              'plugin_ae = "hybrid"\nplgin_ae = "hybrid"\n', confidence=True)
    assert got == [("plgin_ae", 70)]


"""Cases found on held-out research repos of set Y (hyena-dna), reduced to a small repo: a Hydra
node that holds only Hydra's own keys is a key of the config, which a command may set whole."""
import json

from conftest import run, write_files


def test_a_hydra_node_of_only_meta_keys_set_whole_is_no_unknown_key(tmp_path):
    """hyena-dna's README: `train.pretrained_model_state_hook=null` over configs/config.yaml's
    `pretrained_model_state_hook: {_name_: null}` (its only key is Hydra's `_name_`); a key the config
    lacks still is unknown."""
    write_files(tmp_path, {
        "configs/config.yaml": "defaults:\n  - _self_\ntrain:\n  lr: 0.1\n  state_hook:\n    _name_: null\n",
        "train.py": """\
            import hydra

            @hydra.main(config_path="configs", config_name="config")
            def main(cfg):
                print(cfg.train.lr, cfg.train.state_hook)

            main()
            """,
        "README.md": "```bash\npython train.py train.state_hook=null train.epochs=3\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103") == ["train.epochs"]


def test_a_dict_config_another_module_imports_may_be_handed_on_whole_there(tmp_path):
    """jukebox's vendored tensorboardX: beholder/shared_config.py's `DEFAULT_CONFIG = {...}`, imported
    by beholder.py and pickled whole (`write_pickle(DEFAULT_CONFIG, path)`): its unread keys are 40,
    not 90; a dict no other module imports, with a key its module never reads, is still 90."""
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/shared_config.py": "DEFAULT_CONFIG = {'mode': 'variance', 'colormap': 'magma'}\n",
        "pkg/beholder.py": "import pickle\nfrom .shared_config import DEFAULT_CONFIG\n\n\n"
                           "def save(path):\n    pickle.dump(DEFAULT_CONFIG, open(path, 'wb'))\n",
        "other.py": "config = {'lr': 0.1, 'unused': 1}\nprint(config['lr'])\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = sorted((f["name"], f["confidence"]) for f in doc["findings"] if f["code"] == "STL101")
    assert got == [("colormap", 40), ("mode", 40), ("unused", 90)]


def test_a_command_quoted_as_a_markdown_block_quote_is_read():
    """stylegan2-pytorch's README writes its commands as block quotes: `> python train.py --arch swagan
    --batch BATCH_SIZE LMDB_PATH`; a quoted line of prose is no command."""
    from stalelint.evidence import launch
    text = "> python train.py --arch swagan --batch 16 LMDB\n\n> Python is used here.\n> bash run.sh\n"
    found = [(c.entry, c.args) for c in launch.commands("README.md", text)]
    assert found == [("train.py", ("--arch", "swagan", "--batch", "16", "LMDB"))]

"""Cases found on held-out research repos of set R (co-tracker, oat), reduced to small repos: a
Hydra structured config's own `hydra` key, a README span closed on its line with prose after it,
and shell substitutions inside a command."""
import json

from conftest import run, write_files
from test_heldout_o_cases import unknown_config_keys
from stalelint.evidence import launch
from stalelint.model import UNKNOWN


def test_a_structured_configs_hydra_key_is_hydras(tmp_path):
    """co-tracker's evaluate.py: `hydra: dict = field(default_factory=lambda: {"run": ...})`."""
    write_files(tmp_path, {
        "evaluate.py": """\
            from dataclasses import dataclass, field
            import hydra
            from hydra.core.config_store import ConfigStore

            @dataclass
            class DefaultConfig:
                exp_dir: str = "./outputs"
                dead: int = 0
                hydra: dict = field(default_factory=lambda: {"run": {"dir": "."}})

            cs = ConfigStore.instance()
            cs.store(name="default_config_eval", node=DefaultConfig)

            @hydra.main(config_path="./configs/", config_name="default_config_eval")
            def evaluate(cfg: DefaultConfig):
                print(cfg.exp_dir)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL101") == ["dead"]


def test_a_span_closed_on_its_line_opens_no_block():
    """co-tracker's README: "```pip install imageio[ffmpeg]```, then:" before a ```python block; read
    as an opening fence, it flipped every block after it (prose read as shell, commands skipped)."""
    text = ("```pip install imageio[ffmpeg]```, then:\n```python\nimport torch\n```\n"
            "```bash\npython train.py --x 1\n```\nRun `python eval.py --y 2` after.\n")
    assert [(c.line, c.entry, c.args) for c in launch.commands("README.md", text)] == [
        (6, "train.py", ("--x", "1")), (8, "eval.py", ("--y", "2"))]


def test_a_substitution_in_a_command_is_one_unknown_word():
    """oat's `--lora_alpha $(( $1 * 2 ))`: the parentheses ended the command, losing every flag after."""
    [cmd] = launch.commands("run.sh", "python train.py --a $(( $B / $G )) --b 2 --c $(date +%s) --test_split aime\n")
    settings, _ = launch.parse_args(cmd.args, lambda o: None)
    assert [s.key for s in settings] == ["--a", "--b", "--c", "--test_split"]


def test_hydras_own_options_on_a_config_store_entry_are_known(tmp_path):
    """co-tracker: `python evaluate.py --config-name eval_tapvid_davis_first exp_dir=./out`, whose
    `@hydra.main` config lives in a ConfigStore, not a YAML file of the tree."""
    write_files(tmp_path, {
        "evaluate.py": """\
            import argparse
            from dataclasses import dataclass
            import hydra
            from hydra.core.config_store import ConfigStore

            @dataclass
            class DefaultConfig:
                exp_dir: str = "./outputs"

            ConfigStore.instance().store(name="default_config_eval", node=DefaultConfig)

            @hydra.main(config_path="./configs/", config_name="default_config_eval")
            def evaluate(cfg: DefaultConfig):
                print(cfg.exp_dir)

            def helper_cli():
                p = argparse.ArgumentParser()
                p.add_argument("--verbose", action="store_true")
                return p.parse_args().verbose
            """,
        "README.md": "```bash\npython evaluate.py --config-name eval_davis exp_dir=./out\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert not [f for f in doc["findings"] if f["code"] == "STL103" and f["name"] == "config-name"], doc["findings"]


# ---- cases from held-out set S (DPR, dlrm) ----------------------------------------------------

def test_a_documentation_placeholder_with_spaces_is_one_unknown_value():
    """DPR's README: `gold_passages_src={path to data.gold_passages_info.nq_train file}`; the dotted
    word inside was read as a Hydra key. A JSON value and a brace group are untouched."""
    text = ("python train_reader.py train_files={path to downloaded data} "
            "gold_passages_src={path to data.gold_passages_info.nq_train file} --ds '{\"stage\": 3}' "
            "--out <path to out dir> x={a,b}\n")
    [cmd] = launch.commands("run.sh", text)
    settings, _ = launch.parse_args(cmd.args, lambda o: None)
    assert [s.key for s in settings] == ["train_files", "gold_passages_src", "--ds", "--out", "x", "x"]
    assert settings[2].value == '{"stage": 3}'


def test_a_command_built_in_variables_and_run_by_eval_is_read():
    """DeepSpeed-Domino's pretrain_gpt3_2.7b.sh: `GPT_ARGS="` over several lines, then
    `cmd="deepspeed --num_gpus $WORLD_SIZE pretrain_gpt.py $GPT_ARGS"` and `eval $cmd`, where
    WORLD_SIZE=$(( ... )) is not known here: the flags are set, that one to an unknown value."""
    text = ('WORLD_SIZE=$(($GPUS*$NODES))\nGPT_ARGS="\n    --num-layers 12 \\\n    --max-position-embeddings 512 \\\n'
            '    --tensor-model-parallel-size $WORLD_SIZE\n"\n'
            'cmd="deepspeed --num_gpus $WORLD_SIZE \\\n    pretrain_gpt.py \\\n    $GPT_ARGS\n    "\necho $cmd\neval $cmd\n')
    [cmd] = launch.commands("pretrain.sh", text)
    settings, _ = launch.parse_args(cmd.args, lambda o: None)
    assert cmd.entry == "pretrain_gpt.py"
    assert [s.key for s in settings] == ["--num-layers", "--max-position-embeddings", "--tensor-model-parallel-size"]
    assert settings[2].value is UNKNOWN


def test_a_usage_line_with_bracketed_placeholders_sets_no_odd_keys():
    """DeepSpeedExamples' README: `--model [model name/path] ... --use_kernel[enable kernel injection]`."""
    [cmd] = launch.commands("run.sh", "python ds-hf-compare.py --model [model name/path] --print_outputs "
                                      "--use_kernel[enable kernel injection] --layers=[1,2]\n")
    settings, _ = launch.parse_args(cmd.args, lambda o: None)
    assert [s.key for s in settings] == ["--model", "--print_outputs", "--use_kernel", "--layers"]
    assert settings[-1].value == "[1,2]"


def test_an_import_beside_the_script_is_the_sibling_module(tmp_path):
    """DeepSpeedExamples' BingBertSquad/nvidia_run_squad_baseline.py: `from utils import
    get_argument_parser` is BingBertSquad/utils.py, one of many utils.py in the repo."""
    write_files(tmp_path, {
        "a/utils.py": "def helper():\n    return 1\n",
        "squad/utils.py": """\
            import argparse
            def get_argument_parser():
                p = argparse.ArgumentParser()
                p.add_argument("--bert_model", default="bert-base")
                return p
            """,
        "squad/run.py": "from utils import get_argument_parser\nargs = get_argument_parser().parse_args()\n"
                        "print(args.bert_model)\n",
        "squad/run.sh": "python run.py --bert_model bert-large --bert_modle x\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103") == ["bert_modle"]


# ---- cases from held-out set T (pegasus) ------------------------------------------------------

def test_a_config_key_code_reads_as_an_attribute_is_no_unknown_key(tmp_path):
    """pegasus: configs/pegasus_base.py sets `config.optimizer_type` over a defaults module the index
    takes for no definition; optimizer.py reads `config.optimizer_type`. Reduced: a config file whose
    other keys bind to an unrelated script's flags, and code that reads the key as an attribute of a
    config object: known, not STL103; a key nothing reads stays unknown."""
    reads = "config = types.SimpleNamespace(**raw)\nprint(config.seed, config.device, config.optimizer_type)\n"
    assert unknown_config_keys(tmp_path, reads, 'optimizer_type = "adam"\noptimizer_typo = 6\n') == ["optimizer_typo"]

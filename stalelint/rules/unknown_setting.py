"""STL103 unknown-setting: an experiment sets a key that no code defines."""
from __future__ import annotations

import difflib
import sys
from typing import Iterator

from ..discover import is_test_code
from ..judge import Facts, parent
from ..model import Experiment, Finding, Knob
from ..index import hydra
from ..index import module_files
from ..index.bases import in_repo
from ..names import normalize
from .common import archived, day, display

CODE = "STL103"
NAME = "unknown-setting"
KIND = "flag"
DOC = """\
What: an experiment (a launch command or a config file) sets a key that no knob in the code defines.
Why: the run either failed (argparse rejects unknown options) or silently ignored the setting, so the
experiment does not mean what it says; often the flag was renamed or deleted and the config was not.
Example: `python train.py --warmup 5` where train.py defines `--warmup-epochs`.
Reported for launch commands of scripts whose command-line flags stalelint indexed (argparse, or a
dataclass handed to a command-line parser), and for keys of config files most of whose keys are
knobs it knows, when a neighbour in the same section is a knob (a section of another system's keys is
left alone).
Confidence: 90 for an option the script's parser rejects; 40 when the script uses
parse_known_args (it may pass the option on); 30 when its config class extends a library's
(`TrainingArguments`), its parser is handed to library code that adds options
(`Trainer.add_argparse_args(parser)`) or made by a library's function (detectron2's
`default_argument_parser()`), any of which may define the option; 30 too for an absl flag of a
script that imports a library (absl flags are global: dopamine's `train` module defines `--base_dir`
for every script that imports it). Not reported: environment variables (`export X=...` before a
command serves any program), gin bindings of a configurable the repo does not define (a library's,
as dopamine's `RainbowAgent.vmax`), options of a fire entry point that takes `**kwargs`, a config key
code names in a string or starts an f-string with (`cfg.get(f"plugin{suffix}")`), and a key of a section
a registry builds (`ae = dict(type="dc_ae", from_scratch=True)`, mmengine's form) that is a parameter of
a callable of the repo; where the section's `type` is no class the repo registers, its keys are 30.
Fix safety: display only; the setting needs a person to decide whether to rename or delete it.
"""

# share of a config file's keys that must bind to knobs before its other keys are called unknown
_CONFIG_SHARE = 0.5


def check(facts: Facts) -> Iterator[Finding]:
    seen: set[tuple[str, int | None, str]] = set()
    names = sorted({normalize(k.name) for k in facts.index.knobs})
    # `wandb=null`, `model=null`: a whole section set (or dropped) is a key the config has
    sections = facts.sections()
    cli_files = {k.path for k in facts.index.knobs if k.system == "argparse" or k.cli}
    jsonargparse_files = {k.path for k in facts.index.knobs if k.system == "jsonargparse"}
    # a parsed config class that extends a library's (`TrainingArguments`): the library defines options too
    library_files = {k.path for k in facts.index.knobs if k.external_base and k.cli}
    library_files |= {f.path for f in facts.index.files if f.extended_parser}
    # a library's config class handed to a parser as it is (DeepSpeedExamples' MoQ/run_glue.py:
    # `HfArgumentParser((ModelArguments, DataTrainingArguments, TrainingArguments))`, the last from transformers)
    # (the launched script's own parser only: a helper in reach that parses a library class for
    # another purpose says nothing of this script's options)
    repo_classes = {cls for f in facts.index.files for cls in f.defined} \
        | {cls for f in facts.index.files for cls, _ in f.class_bases + f.config_classes + f.candidate_classes}
    # (by where the file imports the class from: InternVL's `from transformers import TrainingArguments` is
    # the library's, though a vendored LLaVA copy in the same repo defines a `class TrainingArguments`)
    parsing = [f for f in facts.index.files if f.parsed_classes]
    # a parser made by a library's function (detectron2's `default_argument_parser()`) has its options
    made = [f for f in facts.index.files if f.parser_factories]
    absl_files = {k.path for k in facts.index.knobs if k.system == "absl"}
    modules = module_files([f.path for f in facts.index.files if not f.path.startswith("<")]) \
        if parsing or made or absl_files else {}
    library_parsers = {f.path for f in parsing if any(_library_class(f, c, repo_classes, modules)
                                                      for c in f.parsed_classes)}
    library_files |= {f.path for f in made if any(not in_repo(m, modules) for m in f.parser_factories)}
    unseen_factories = {f.path: m for f in made for m in f.parser_factories
                        if in_repo(m, modules) and not _module_in_repo(m, modules)}
    outside = _importers_of_libraries(facts, modules) if absl_files else set()
    configurables = {k.name.rsplit(".", 1)[0].rsplit("/", 1)[-1] for k in facts.index.knobs if k.system == "gin"}
    # per script and per key, not per setting: 10k experiments repeat the same few scripts and
    # unknown keys, and a fuzzy match against every knob name is the costliest step here
    has_flags: dict[str | None, bool] = {}
    composed: dict[int, set[str]] = {}  # per experiment: the keys its experiment files set
    hydra_mains = {f.path for f in facts.index.files if f.hydra_mains}
    strings: set[str] | None = None  # string constants of the repo's code, asked for config keys only
    prefixes: tuple[str, ...] = ()  # the leading words of f-strings of the repo's code (with `strings`)
    params: set[str] | None = None  # parameter names of the repo's callables, asked for registry-built sections only
    registered: set[str] = set()
    # draccus picks a registered subclass of a config by a `type` key (levanter's `model: {type: llama}`)
    draccus = any(m.split(".")[0] == "draccus" for f in facts.index.files for m in f.imports)
    hints: dict[tuple[str | None, str], list[str]] = {}
    unknown_options: dict[int, set[str]] = {}  # per launch: the options no flag defines
    set_by: dict[int, set[str]] = {}  # per experiment: the normalised keys it sets
    first_knob: dict[str, Knob] = {}  # normalised name -> the first knob of that name (a hint's spelling)
    pools: dict[str | None, list[str]] = {}
    for e, s, share in facts.unbound:
        if e.kind in ("run", "sweep"):
            # run records log everything the program knew (derived values, library settings);
            # an unbound key there is not a mistake in a file someone can edit
            continue
        if s.key.startswith("env:"):
            continue  # an environment variable: the program may not read it, but others do
        if draccus and s.key.lstrip("-").rsplit(".", 1)[-1] == "type":
            continue
        if e.source.endswith(".gin") and parent(s.key).rsplit("/", 1)[-1] not in configurables:
            continue  # a library's configurable (dopamine's `RainbowAgent.vmax`): its parameters are its own
        if facts.is_group(e, s.key) or s.key.lstrip("+~").startswith(("hydra.", "hydra/")) \
                or s.key.startswith(("+", "~")):
            continue  # a group selection, Hydra's own settings, or a key added (+) or removed (~) on purpose
        if not s.key.startswith("-") and normalize(s.key.lstrip("+~")) in sections:
            continue
        if {"class_path", "init_args"} & set(normalize(s.key).split(".")):
            continue  # jsonargparse/LightningCLI instantiate these sections whole
        hydra_entry = e.entry in facts.index.hydra_entries
        if s.key in hydra.OPTIONS and (hydra_entry or e.entry in hydra_mains):
            continue  # Hydra's own options, also where its config lives in a ConfigStore (co-tracker)
        if e.kind == "launch" and hydra_entry and not s.key.startswith("-"):
            if s.line is not None:
                continue  # pulled in from an experiment file (`experiment=x`), which may add keys
            if id(e) not in composed:
                composed[id(e)] = _composed(e)
            if hydra.is_meta(s.key) or normalize(s.key) in composed[id(e)]:
                # `_name_`/`_target_` keys are no knobs; a key the command's experiment file sets is
                # in the config Hydra composes, so overriding it is no mistake
                continue
            # Hydra refuses an override of a key the composed config lacks (a typo, or a renamed key)
            where, line, script, tail, confidence = e.source, e.line or 1, e.entry, "", 80
        elif e.kind == "launch":
            reach = facts.reach(e.entry) if e.entry in facts.index.imports else set()
            if e.entry not in has_flags:
                has_flags[e.entry] = bool(reach & cli_files)
            if not has_flags[e.entry] or not s.key.startswith("-"):
                continue
            if e.entry in facts.open_cli_files:
                continue  # takes any option: fire's `**kwargs`, a launcher's REMAINDER
            if s.key in ("-h", "--help"):
                continue  # argparse's own (SegFormer's docs: `print_config.py ${CONFIG} [-h]`)
            known_args = bool(reach & facts.known_args_files)
            spelled = facts.options_starting(s.key, reach)
            if s.key in ("--config", "--print_config", "--print-config") and reach & jsonargparse_files:
                continue  # jsonargparse's own options
            where, line = e.source, e.line or 1
            script = e.entry
            if spelled:
                # several flags in reach start so (`--model`: `--model-name` here, `--model-path` in a
                # module it imports): argparse takes it where the script's parser has one of them
                some = ", ".join(f"`{o}`" for o in spelled[:3])
                confidence, tail = 30, f"; it abbreviates {some}, which argparse accepts if the parser has only one of them"
            elif reach & library_files or e.entry in library_parsers:
                confidence, tail = 30, ("; its parser takes options from library code (a config class that extends "
                                        "a library's, `add_argparse_args(parser)`, or a parser a library's "
                                        "function made), which may define it")
            elif reach & unseen_factories.keys():
                made_by = unseen_factories[min(reach & unseen_factories.keys())]
                confidence, tail = 30, (f"; its parser is made by `{made_by}`, from a module no file of the repo "
                                        "is (loaded some other way), which may define it")
            elif reach & absl_files and reach & outside:
                confidence, tail = 30, "; absl flags are global, and a library the script imports may define it"
            elif known_args:
                # parse_known_args hands what it does not know to another parser (or to nothing)
                confidence, tail = 40, "; the script uses parse_known_args, so it may pass the option on"
            elif share == 0 and (n := _unknown_options(facts, e, reach, unknown_options)) >= 2:
                # stylegan2-ada-pytorch's README runs "dataset_tool.py from the TensorFlow version"
                # (another repo's script of the same name): a command none of whose options the
                # script has is more likely for another script or version than wrong in each option
                confidence, tail = 40, (f"; none of the command's {n} options is a flag of "
                                        f"{e.entry}, so it may be meant for another version or copy of the script")
            else:
                confidence, tail = 90, ""
        else:
            if share < _CONFIG_SHARE or facts.index.config_roles.get(e.source) == "experiment":
                continue  # Hydra config files may add keys to sections that are instantiated whole
            if s.form == "inherited":
                continue  # an inherited key is reported where it is set, if that file is an experiment
            if s.form == "local":
                continue  # a Python config's helper variable, which the file itself uses (`train_pipeline`)
            if parent(s.key) not in facts.bound_parents.get(id(e), ()):
                continue  # none of its neighbours is a knob stalelint knows: another system's section
            if strings is None:
                strings = {t for f in facts.index.files if not is_test_code(f.path) for t in f.code_strings}
                # and the attributes code reads off config objects (pegasus' `config.optimizer_type`, a key
                # of an ml_collections defaults module the index does not take for the definition)
                strings |= {normalize(r.name).rsplit(".", 1)[-1] for f in facts.index.files
                            if not is_test_code(f.path) for r in f.reads if r.strong}
                prefixes = tuple(t[:-2] for t in strings if t.endswith("{}"))
            leaf, normal_leaf = s.key.rsplit(".", 1)[-1], normalize(s.key).rsplit(".", 1)[-1]
            if leaf in strings or normal_leaf in strings or leaf.startswith(prefixes):
                # code names the key in a string (tab-ddpm's `raw_config['num_numerical_features']` of a
                # config loaded as a plain dict), starts an f-string it may make (Open-Sora's
                # `cfg.get(f"plugin{suffix}")`), or reads it as an attribute: so no unknown key
                continue
            confidence, where, line, script, tail = 70, e.source, s.line or 1, None, ""
            built = _built_by_type(e, s.key)
            if built is not None:
                # Open-Sora's `ae = dict(type="dc_ae", from_scratch=True, ...)`: a registry builds the
                # section's `type` with its other keys as keywords, so a parameter of some callable of
                # the repo is taken for one; a type the repo does not register is a library's class
                if params is None:
                    params = {normalize(p) for f in facts.index.files for p in f.parameters}
                    registered = {normalize(n) for v in facts.index.variants for n in (v.name, *v.aliases)}
                known = normalize(built) in registered
                if known and leaf == "type" or normal_leaf in params:
                    continue  # the registry's own key, naming what it registered; a keyword it takes
                if not known:
                    confidence, tail = 30, f"; its section is built as `{built}` (its `type`), a class the repo does not register, whose constructor may take it"
            if parent(s.key) in facts.library_parents.get(id(e), ()):
                confidence, tail = 30, (f"; the repo only adds keys to `{parent(s.key)}`, a section of a library's "
                                        "config (`add_x_config(cfg)`), which may define it")
        if archived(e.source) and confidence > 30:
            # open-instruct's docs/archived_dev_scripts/: kept "for historical reference and not runnable"
            confidence, tail = 30, tail + "; the experiment is in an archive folder, kept for the record"
        key = (where, line, s.key)
        if key in seen:
            continue
        seen.add(key)
        # suggest only names the experiment could have meant: the launched script's own flags
        # (pools and matches memoised per script and key: thousands of experiments repeat them)
        entry = e.entry if e.kind == "launch" and e.entry in facts.index.imports else None
        if entry not in pools:
            pools[entry] = sorted({normalize(k.name) for k in facts.index.knobs if k.path in facts.reach(entry)}) \
                if entry is not None else names
        wanted = normalize(s.key)
        if (entry, wanted) not in hints:
            hints[(entry, wanted)] = difflib.get_close_matches(wanted, pools[entry], n=3, cutoff=0.75)
        # not an option the same command sets already (instruct-pix2pix's `--partitions` beside
        # `--partition=0`); a config's keys include what it inherits, so a config keeps every match
        close = [c for c in hints[(entry, wanted)] if e.kind != "launch" or c not in _set_by(e, set_by)]
        hint = f"; did you mean `{_spelled(close[0], s.key.startswith('-'), facts, first_knob)}`?" if close else ""
        what = f"no flag of {script} defines it" if script else "no knob in the code defines it"
        if hydra_entry and e.kind == "launch" and not s.key.startswith("-"):
            what = f"the config of {script} has no such key (Hydra needs `+{s.key}` to add one)"
        yield Finding(CODE, NAME, KIND, s.key.lstrip("-+~") if not s.key.startswith("--") else s.key.lstrip("-"),
                      where, line, 1, f"`{s.key}` is set by this experiment ({day(e.date)}) but {what}{hint}{tail}",
                      confidence, 0, None)


def _set_by(e: Experiment, memo: dict[int, set[str]]) -> set[str]:
    if id(e) not in memo:
        memo[id(e)] = {normalize(x.key) for x in e.settings}
    return memo[id(e)]


def _spelled(name: str, option: bool, facts: Facts, memo: dict[str, Knob]) -> str:
    """A suggested knob as the experiment would write it: pix2pixHD's `---netG` gets `--netG`,
    not the normalised `netg`; a config key keeps its dotted name."""
    if not memo:
        for k in sorted(facts.index.knobs, key=lambda k: (k.path, k.line)):
            memo.setdefault(normalize(k.name), k)
    k = memo.get(name)
    if k is None:
        return name
    return display(k) if option and k.option_strings else k.name


def _unknown_options(facts: Facts, e: Experiment, reach: set[str], memo: dict[int, set[str]]) -> int:
    """How many options of a launch no flag in the script's reach defines; 0 where one of them may
    abbreviate one (then the command may be the script's after all)."""
    if not memo:  # one pass over the unbound settings, grouped per launch
        for x, s, _ in facts.unbound:
            if x.kind == "launch" and s.key.startswith("-"):
                memo.setdefault(id(x), set()).add(s.key)
    keys = memo.get(id(e), set())
    return 0 if any(facts.options_starting(k, reach) for k in keys) else len(keys)


def _library_class(f, name: str, repo_classes: set[str], modules: dict[str, str]) -> bool:
    """Whether a class a file hands to a parser is a library's: where the file imports it from, or,
    for a name it neither defines nor imports by that name, whether no repo class has the name."""
    if name in f.defined:
        # InternVL's `class DPOConfig(DPOConfigTRL)` over `from trl import DPOConfig as DPOConfigTRL`:
        # a subclass adds to the library's options, it does not list them all
        return any(o and o != "local" and not in_repo(o, modules)
                   for cls, bases in f.class_origins if cls == name for _, o in bases)
    origin = next((m for m in f.imports if m.rsplit(".", 1)[-1] == name and "." in m), None)
    if origin is not None:
        return not in_repo(origin, modules)
    return name not in repo_classes


def _module_in_repo(function: str, modules: dict[str, str]) -> bool:
    """Whether the module a function is imported from is a file of the repo. YOLOX's
    `from yolox.tools.train import make_parser` names a module no file is (a meta-path finder of
    `yolox/tools/__init__.py` loads `tools/train.py`): the repo's package, but a parser we cannot see."""
    module = function.rsplit(".", 1)[0]
    return module in modules or function in modules


def _built_by_type(e: Experiment, key: str) -> str | None:
    """The `type` a setting's section names, where the experiment sets one beside it (mmengine's
    `dict(type="dc_ae", ...)`), else None."""
    section = parent(key)
    if not section:
        return None
    want = f"{section}.type"
    for s in e.settings:
        if s.key == want and isinstance(s.value, str):
            return s.value
    return None


def _composed(e: Experiment) -> set[str]:
    """The keys the experiment files a command selects set (their settings carry a line)."""
    return {normalize(s.key) for s in e.settings if s.line is not None}


# libraries known not to define absl flags of their own (imported by most absl scripts)
_FLAGLESS = {"absl", "numpy", "scipy", "pandas", "matplotlib", "torch", "jax", "jaxlib", "flax", "optax", "gin",
             "ml_collections", "tqdm", "PIL", "cv2", "sklearn", "six", "yaml", "chex", "einops"}


def _importers_of_libraries(facts: Facts, modules: dict[str, str]) -> set[str]:
    """Files importing a third-party module that may define absl flags (not the standard library,
    not one of the repo's `modules`)."""
    stdlib = sys.stdlib_module_names
    out = set()
    for f in facts.index.files:
        for m in f.imports:
            top = m.split(".")[0]
            if top not in stdlib and top not in _FLAGLESS and top != "__future__" and not in_repo(m, modules):
                out.add(f.path)
                break
    return out

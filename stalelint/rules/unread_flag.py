"""STL101 unread-flag: a flag defined and never read anywhere."""
from __future__ import annotations

import re
from typing import Iterator

from ..discover import is_test_code
from ..judge import Facts
from ..model import PARAM_SYSTEMS, Finding
from .common import YAML_TREES, display, kept

CODE = "STL101"
NAME = "unread-flag"
KIND = "flag"
DOC = """\
What: a flag is defined (an argparse option, a config dataclass field) but nothing in the repo
reads it: no `args.x`, `cfg.x`, `getattr(args, "x")`, `vars(args)["x"]`, ...
Why: setting it changes nothing, so every experiment that sets it is misleading its reader.
Example: `parser.add_argument("--legacy-init", action="store_true")` with no `args.legacy_init`.
Not reported for keys of YAML config trees (Hydra), which code reads whole, as constructor keywords
(`instantiate(cfg.model)`, `Trainer(**cfg.trainer)`).
Not reported either for a field read by reflection with the rest of its object (`for f in
fields(self): getattr(self, f.name)`, `f(**asdict(cfg))`, `{k: v for k, v in vars(args).items()}`),
nor for the fields of a transformers `PretrainedConfig` subclass, which the library saves whole,
nor for flags defined by test code (under `tests/`), which are the tests' fixtures, nor for a function's
parameters named unused on purpose (`unused_step`, `_step`: a callback's fixed signature).
Confidence: 40 where an experiment sets it (its config would break without it, and someone
thinks it does something). Fix safety: safe when no code outside the repo reads it; the confidence drops where the config is
handed whole to a library callable (`create_optimizer(args)`, `Trainer(args=training_args)`), where a
config class extends a library's class, where its class sets fields by a computed name, or for names
launchers inject (`--local_rank`); and, less, where the config is only recorded whole (logged, dumped:
a run's record may use it as a label) or splatted into calls (`**vars(args)`) where its class is not
known. Needs no experiments.
"""

# keys of a structured config that Hydra itself reads (its own settings, the defaults list)
_HYDRA_KEYS = {"hydra", "defaults"}
# flags that annotate a run for its record rather than configure it
_ANNOTATION = re.compile(r"(run_|exp_|experiment_)?(notes?|comments?|description|desc|tags?|remarks?|memo)|"
                         r"(exp|experiment)_?name")  # wise-ft's `--exp_name`, "for organization purposes only"
# (not `run_name`: cleanrl-style scripts derive it, `run_name = f"{args.exp_name}__{args.seed}"`, and
# leave a field of that name unread: lm-human-preference-details' two, labelled true positives)
# names launchers pass to every script; a parser defines them only to accept them
_INJECTED = {"local_rank", "local-rank", "deepspeed", "deepspeed_config", "world_size", "rank"}


def check(facts: Facts) -> Iterator[Finding]:
    loaded_by_path = _loaded_by_path(facts)
    spelled = _spelled_in_code(facts)
    hydra_files = {f.path for f in facts.index.files if any(m.split(".")[0] == "hydra" for m in f.imports)}
    for i, k in enumerate(facts.index.knobs):
        if k.kind != "flag" or k.system in YAML_TREES or kept(k, CODE) or facts.is_read(k) or is_test_code(k.path):
            continue
        if k.system == "dict" and (k.path, k.owner) in loaded_by_path:
            continue
        if k.name.rsplit(".", 1)[-1] in _HYDRA_KEYS and k.path in hydra_files:
            continue  # co-tracker's `hydra: dict = field(...)` in a structured config: Hydra reads it
        if k.system in PARAM_SYSTEMS and k.name.rsplit(".", 1)[-1].startswith(("unused", "_")):
            continue  # `def identity_epsilon(unused_decay_period, ...)`: a callback's signature, unused on purpose
        confidence, why = 90, ""
        # configs that set it would break where they are loaded strictly (a schema, a checkpoint's
        # config), and a run that sets it is evidence someone thinks it does something
        setters = sorted({b.experiment.label for b in facts.bindings.get(i, ()) if b.experiment.kind not in ("run", "sweep")})
        if setters:
            more = f" and {len(setters) - 1} more" if len(setters) > 1 else ""
            what = "that experiment" if len(setters) == 1 else "those experiments"
            confidence, why = 40, f"; {setters[0]}{more} set{'s' if len(setters) == 1 else ''} it: deleting it would break {what}"
        elif k.external_base:
            base = f" (`{k.library_base}`)" if k.library_base else ""
            confidence, why = 40, f"; its class extends a library class{base}, which may read it"
        elif k.library_section:
            # omni3d's `cfg.TEST.DETECTIONS_PER_IMAGE = 100`: detectron2's own key, re-pinned, which
            # the library's classes read (`FastRCNNOutputLayers.from_config`)
            confidence, why = 40, f"; it is set in `{k.library_section}`, a section of a library's config, whose code may read it"
        elif k.set_in_code:
            confidence, why = 40, "; code builds its class with it, so it may be a data field rather than a knob"
        elif k.passed_whole:
            confidence, why = 40, f"; {k.passed_whole}"
        elif k.set_by_name:
            confidence, why = 40, f"; {k.set_by_name}, so any of its fields may be set or read by name"
        elif _TEMPLATE.search(k.path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()):
            # the CycleGAN family's `data/template_dataset.py`: `--new_dataset_option` shows a user
            # how to add one, in a file that is there to be copied
            confidence, why = 40, f"; it is defined in a template (`{k.path}`), which shows how to add one"
        elif (where := _spelled_elsewhere(k, spelled)) is not None:
            # CUT's launcher labels its runs by `grab_pattern(r'--easy_label "([^"]+)"', cmd)`: code
            # that starts a string with the option reads it from a command's text, not from `args`
            confidence, why = 40, f"; code in `{where}` spells the option in a string, so it may read it from a command's text"
        elif k.name.rsplit(".", 1)[-1] in _INJECTED:
            confidence, why = 40, "; launchers pass this to every script, so the parser may only need to accept it"
        elif (k.recorded_whole or facts.index.unknown_wholes) \
                and _ANNOTATION.fullmatch(k.name.rsplit(".", 1)[-1].lstrip("-").replace("-", "_")):
            # DAB-DETR's `--note` ("add some notes to the experiment"), written out with every run's
            # `json.dump(vars(args))`, and wise-ft's `--exp_name`, in every results row through `info =
            # vars(args)` in a helper whose `args` the index cannot tie to the parser: a label for the
            # record is what it is for
            confidence, why = 40, (f"; {k.recorded_whole}, and a note or tag is there to be recorded" if k.recorded_whole
                                   else f"; some config of unknown class is used whole ({facts.index.unknown_wholes[0]}), "
                                   "and a run's name, note or tag is there to be recorded")
        elif k.recorded_whole:
            confidence, why = 70, f"; {k.recorded_whole}"
        elif facts.splat_params:
            confidence, why = 70, "; some config is unpacked into a call (`**vars(...)`), which may read it by name"
        elif facts.index.unknown_wholes:
            confidence, why = 70, f"; some config of unknown class is used whole: {facts.index.unknown_wholes[0]}"
        lines = k.end_line - k.line + 1
        yield Finding(CODE, NAME, KIND, k.name, k.path, k.line, k.column,
                      f"flag `{display(k)}` is defined but never read{why}", confidence, lines, None, k.end_line)


_TEMPLATE = re.compile(r"(^|_)template($|_)")  # a file's stem: template_model, dataset_template
_OPTION_START = re.compile(r"--[A-Za-z][\w-]*")


def _spelled_in_code(facts: Facts) -> dict[str, list[tuple[str, bool]]]:
    """`--option` -> (file, whether the string is the option alone) for each file whose code has a
    string starting with it (`"--easy_label"`, `r'--easy_label "([^"]+)"'`, `"--fp16" in sys.argv`).
    argparse's option strings are not among them; click's are (`@click.option("--max_rows")`), so the
    option alone in its own file says nothing. A help text mentioning an option starts with a word."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for f in facts.index.files:
        if is_test_code(f.path):
            continue
        for s in f.code_strings:
            m = _OPTION_START.match(s)
            if m and (m.end() == len(s) or not (s[m.end()].isalnum() or s[m.end()] in "_-")):
                found.setdefault(m.group(), []).append((f.path, m.end() == len(s)))
    return found


def _spelled_elsewhere(k, spelled: dict[str, list[tuple[str, bool]]]) -> str | None:
    """A file whose code spells one of the flag's long options at the start of a string, other than
    the option alone in the flag's own file (a click definition); None where none does."""
    return next((p for o in k.option_strings if o.startswith("--") for p, exact in spelled.get(o, ())
                 if p != k.path or not exact), None)


def _loaded_by_path(facts: Facts) -> set[tuple[str, str]]:
    """(file, name) of module-level dicts no code of the repo can read by name: their module uses
    them nowhere and no repo module imports it. Such a file is loaded by its path (rl-baselines3-zoo's
    `hyperparams/python/ppo_config_example.py`, run by `exec` or importlib from `--conf-file`) and
    its dict handed on whole (`PPO(**hyperparams[env_id])`): an experiment's config, not unread flags."""
    imported = {f for files in facts.index.imports.values() for f in files}
    used = {f.path: set(f.names_used) for f in facts.index.files}
    return {(k.path, k.owner) for k in facts.index.knobs
            if k.system == "dict" and k.path not in imported and k.owner not in used.get(k.path, set())}


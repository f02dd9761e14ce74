"""What the rules share: how a knob is named in a message, how dates read, and the lines a
knob's dead branches cover."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Sequence

from ..judge import Binding, Facts, evaluate
from ..model import UNKNOWN, Experiment, Knob, LastSet
from ..names import show

# config systems whose knobs are keys of YAML trees: code reads their sections whole (as keyword
# arguments, `instantiate(cfg.model)`), so a key no code names may still be read
YAML_TREES = ("hydra", "omegaconf")

# fewer recent experiments than this (documentation examples aside) is thin evidence: a judgement
# from one or two runs says what those runs did, not what the code is for
THIN = 3
# the confidence of a judgement from thin evidence: below the default `min_confidence` (50), so
# such findings are hidden unless asked for, and `fix --apply` leaves them alone
THIN_CONFIDENCE = 40
EXAMPLES_CONFIDENCE = 30


def capped(confidence: int, *caps: tuple[int, str] | None) -> tuple[int, str]:
    """A confidence lowered to the lowest of the caps that apply, and that cap's reason (one
    reason: the one that decided it), as a message tail."""
    low = min((c for c in caps if c is not None and c[0] < confidence), default=None, key=lambda c: c[0])
    return (confidence, "") if low is None else (low[0], f"; {low[1]}")


SHIPPED_CONFIDENCE = 40


# folders whose name says what they hold is kept only for the record: a config there is a trial left behind
_ARCHIVES = {"old", "olds", "archive", "archived", "archives", "deprecated", "legacy", "unused", "attic",
             "obsolete", "backup", "backups", "trash", "stale"}


def archived(path: str) -> bool:
    """A file in an archive folder (`configs/old/`, `docs/archived_dev_scripts/`): kept for the record."""
    return any(p.lower() in _ARCHIVES or p.lower().startswith(("archived_", "old_", "deprecated_", "legacy_"))
               for p in path.split("/")[:-1])


def shipped(facts: Facts, b: Binding | Experiment | None) -> tuple[int, str] | None:
    """The cap on "tried and abandoned" when the trying is a recipe the repo still ships: a config
    or launch script that the documentation or tests name (a model zoo's configs, a paper's launch
    scripts), or any experiment config or launch command still in the tree outside an archive folder
    (`configs/old/`). The fix would change or break what that recipe runs. On held-out repos (sets D-M), labellers
    rejected 46 of the 48 STL102/STL201 findings last chosen by a config the repo still ships (both
    accepts are one knob, s4's `qautomusic`; the rejects include s4's experiment configs, dopamine's
    agent gin files and maskrcnn-benchmark's model zoo): papers' recipes are kept on purpose."""
    e = b.experiment if isinstance(b, Binding) else b
    if e is None or e.kind not in ("config", "launch"):
        return None
    if facts.mentioned is not None and facts.mentioned(e.source):
        return SHIPPED_CONFIDENCE, (f"{e.label} chose it, a recipe the documentation or tests name: "
                                    "deleting it changes what that recipe runs (stale only if the recipe is)")
    if e.kind == "config" and not archived(e.source):
        return SHIPPED_CONFIDENCE, (f"{e.label} chose it and still ships in the repo, a recipe kept: "
                                    "deleting it changes what that config runs (stale only if the config is)")
    if e.kind == "launch" and not archived(e.source):
        # InternVL keeps the launch scripts of each model it released (shell/internvl1.2/...) beside the
        # new ones: on sets D-W labellers accepted none of the 7 STL102/STL201 findings last chosen by a
        # launch script still in the tree (and InternVL's 11 more, outside its sample, read as rejects)
        return SHIPPED_CONFIDENCE, (f"{e.label} chose it and still ships in the repo, a launch recipe kept: "
                                    "deleting it breaks that command (stale only if the command is)")
    return None


def thin(recent: Sequence[Experiment]) -> tuple[int, str] | None:
    """The cap thin evidence puts on a judgement: runs, configs and launch scripts count;
    documentation examples show intent, not runs."""
    runs = sum(1 for e in recent if not e.is_example)
    if recent and not runs:
        return EXAMPLES_CONFIDENCE, "thin evidence: only documentation examples, which are not runs"
    if runs < THIN:
        return THIN_CONFIDENCE, f"thin evidence: only {runs} recent experiment{'s' if runs != 1 else ''} " \
            "besides documentation"
    return None


def window_text(facts: Facts, since: dt.datetime | None, recent: list | None = None) -> str:
    """`since 2026-05-31`, or `since it was added on 2026-09-01` for a definition younger than the window;
    with how many of `recent` are documentation examples from before the window, which count as
    recent (the documentation says how the code is run now) though `stalelint experiments` lists
    them as old."""
    if since is not None:
        return f"since it was added (or last edited) on {day(since)}"
    older = sum(1 for e in recent or () if e.date is not None and e.date < facts.window.start)
    if not older:
        return f"since {day(facts.window.start)}"
    return (f"since {day(facts.window.start)} (counting {older} documentation example{'s' if older != 1 else ''} "
            "from before it)")


# values that name how a run is operated rather than what is researched: runs that resume from a
# checkpoint or only evaluate are rarely recorded as experiments, so "no recent experiment chose it"
# says little (nanoGPT's `init_from == 'resume'` arm would have gone)
_MODES = re.compile(r"(resume|restart|continue|eval|evaluate|evaluation|val|validate|test|predict|inference|infer|"
                    r"debug|export|sample|sampling|demo|benchmark|profile|dry[_-]?run|finetune|fine[_-]tune)",
                    re.IGNORECASE)
OPERATIONAL_CONFIDENCE = 30


def operational(value: Any) -> str | None:
    """Why removing a branch or variant for this value is doubtful, if it names an operational mode."""
    if isinstance(value, str) and _MODES.fullmatch(value.strip()):
        return (f"`{value}` names how a run is operated (resuming, evaluating, exporting...), not a research "
                "choice; such runs are rarely recorded as experiments")
    return None


# flags that say where a run reads and writes, how it logs, on what hardware and how it is driven,
# rather than what it researches: a researcher rarely records them in an experiment, so "no recent
# experiment changes it" says little (the defaults serve), and deleting one takes a tool away
_OPERATIONAL_FLAG = re.compile(
    r"(.*_(dir|root|file|folder|url|uri)|(data|dataset|output|out|save|load|model|pretrained|ckpt|checkpoint|config|"
    r"cache|log|resume|init|work|result|tokenizer|vocab|train|val|valid|test|eval)_path|"
    r"(out|output|save|load|log|logging|ckpt|checkpoint|cache|work|result|results|tmp|export|upload|hub|wandb|tb|"
    r"tensorboard|mlflow|dist|master|slurm|print|trace|debug)(_.*)?|"
    r"eval(_.*)?|"
    # where a resumed run starts counting (OLMo's `epoch`), not how long it trains (`epochs`)
    r"epoch|(start|init|initial|resume)_(epoch|step|iter|iteration)|"
    # whether a run reports to a tracker (open-instruct's `with_tracking`, cleanrl's `track`)
    r"(with_|use_|enable_)?track(ing)?|(with_|use_|enable_)(wandb|tensorboard|tb|mlflow)|"
    r".*_(freq|frequency|interval|every|workers|threads|timeout|port|rank|backend|device|devices|gpus|nodes)|"
    r"seed|device|cuda|gpu|gpus|ngpus|n_gpu|num_gpus|world_size|rank|local_rank|nodes|num_nodes|partition|account|"
    r"qos|timeout|port|workers|num_workers|pin_mem|pin_memory|verbose|quiet|capture_video|project|entity|"
    r"run_name|exp_name|experiment_name|name|tags?|notes|overwrite|dry_run|compile|deterministic|benchmark|resume|"
    r"evaluate|test|eval_only|push_to_hub|logdir|outdir|workdir|"
    # where the job runs: a container image and the cloud it is pushed to (levanter's push_docker.py)
    r"image|docker(_.*)?|container(_.*)?|(.*_)?zone|region|cluster|queue|"
    # where a run's starting weights come from (levanter's `initialize_from_hf`, `init_from`)
    r"(initialize|init|load|resume|restore|warm_start)_from(_.*)?|from_pretrained|(.*_)?name_or_path|"
    # how often a run saves or logs, whatever it saves to (levanter's `hf_save_steps`)
    r".*_(save|log|logging|ckpt|checkpoint)_(steps|every|freq|frequency|interval)|"
    # run control: when to stop, skip ahead, profile or reshard a run, not what it studies
    r"(.*_)?time_limit|max_duration|stop_(after|at)(_.*)?|(.*_)?profil(e|er|ing)(_.*)?|fast_forward(_.*)?|"
    r"early_stopping(_.*)?|.*_unsharded|try_load(_.*)?|"
    # numeric precision: what the hardware does well, not what a run studies (swav's `use_fp16`)
    r"(use_|enable_)?(fp16|bf16|fp8|tf32|amp|half|mixed_precision|precision|prec|(.*_)?dtype))")


def operational_flag(k: Knob) -> tuple[int, str] | None:
    """The cap on a judgement of a flag that drives how a run is operated (paths, logging,
    hardware, numeric precision, seeds, evaluation): see _OPERATIONAL_FLAG."""
    leaf = k.name.rsplit(".", 1)[-1].lower().replace("-", "_").lstrip("_")
    if _OPERATIONAL_FLAG.fullmatch(leaf):
        return OPERATIONAL_CONFIDENCE, (f"`{display(k)}` sets how a run is operated (paths, logging, hardware, "
                                        "seeding, evaluation), which experiments rarely record")
    return None


def operational_cap(value: Any) -> tuple[int, str] | None:
    why = operational(value)
    return (OPERATIONAL_CONFIDENCE, why) if why else None


def display(k: Knob) -> str:
    longs = [o for o in k.option_strings if o.startswith("--")]
    if longs:
        return longs[0]
    if k.option_strings:
        return k.option_strings[0]
    return k.name


def day(when: dt.datetime | None) -> str:
    return when.date().isoformat() if when else "an unknown date"


def last_set(b: Binding | None) -> LastSet | None:
    if b is None:
        return None
    return LastSet(b.experiment.label, b.experiment.date, b.value)


def last_set_text(b: Binding | None, what: str = "set to another value") -> str:
    if b is None:
        return f"never {what} by any experiment found"
    value = "" if b.value is UNKNOWN else f" to {show(b.value)}"
    verb = "set" if what.startswith("set") else what.split()[0]
    return f"last {verb}{value} by {b.experiment.label} on {day(b.experiment.date)}"


def dead_lines(facts: Facts, i: int, value: Any) -> int:
    """Lines of the branches gated on knob i that never run when it holds `value`."""
    total = 0
    for g in facts.gates_for(i):
        taken = evaluate(g.op, value, g.value)
        if taken is False and g.combine != "or":
            total += g.body[1] - g.body[0] + 1
        elif taken is True and g.orelse and g.combine != "and":
            total += g.orelse[1] - g.orelse[0] + 1
    return total


def kept(k: Knob, code: str) -> bool:
    return k.keep is not None and (not k.keep or any(code.startswith(c) for c in k.keep))

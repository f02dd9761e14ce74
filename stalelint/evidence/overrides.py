"""Override syntaxes of particular config systems on a launch command, on top of the generic
`--flag v` / `key=value` parsing of launch.py:

- absl flagfiles: `--flagfile=path`, a file of `--x=v` lines (which may name further flagfiles);
- gin: `--gin_bindings "fn.p=v"` (one or more bindings) and `--gin_file x.gin` / `--gin_config`;
- ml_collections: `--config=path/cfg.py:arg` pulls the config module in (`--config.a.b=v` needs
  nothing here: the judge finds `a.b` by dropping the leading `config` section);
- yacs `opts`: `train_net.py --config-file x.yaml MODEL.DEPTH 101 SOLVER.LR 0.1`, key-value pairs
  after the options;
- environment variables (`APP_LR=0.1 python train.py`), as settings keyed `env:APP_LR` that only
  pydantic `BaseSettings` fields bind to;
- OmegaConf dotlists handed over by an option (`--opts train.lr=0.1`, read with
  `OmegaConf.from_dotlist(args.opts)`): the first `key=value` is the option's value, and sets `key`
  too (the ones after it are `key=value` words launch.py reads anyway).
"""
from __future__ import annotations

import re
import shlex
from typing import Callable

from ..model import UNKNOWN, Setting
from . import gin
from .launch import SUFFIX_CONFIG, Command, parse_args

_GIN_FILES = {"--gin_file", "--gin_files", "--gin_config", "--gin_configs", "--gin-file", "--gin-config",
              "--gin_search_paths"}
_GIN_BINDINGS = {"--gin_bindings", "--gin_param", "--gin_params", "--gin-bindings", "--gin.bindings"}
_FLAGFILE = "--flagfile"
# absl's own flags, which every absl program accepts; they set no knob of the repo
_ABSL_BUILTINS = {"--flagfile", "--undefok", "--alsologtostderr", "--logtostderr", "--stderrthreshold",
                  "--showprefixforinfo", "--only_check_args", "--pdb_post_mortem", "--run_with_pdb"}
# a yacs key: dotted, each part an identifier (`MODEL.RESNETS.DEPTH`, `SOLVER.BASE_LR`)
_NODE_KEY = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_MODULE_CONFIG = re.compile(r"^(.+\.py)(?::.*)?$")
_MAX_FLAGFILES = 20
# options whose values are `key=value` overrides of a config (dinov2's `--opts`, mmcv's `--cfg-options`)
_DOTLIST_OPTIONS = {"--opts", "--opt", "--options", "--cfg-options", "--cfg_options", "--overrides", "--override",
                    "--set", "--dotlist"}
_DOTLIST_ITEM = re.compile(r"^([A-Za-z_][\w.\-/]*)=(.*)$")


def _opts(args: tuple[str, ...], takes_value: Callable[[str], bool | str | None]) -> list[Setting]:
    """yacs `opts` pairs: positional `KEY VALUE` tokens after the options. A token that is the value
    of an option (`--config-file x.yaml`) is skipped; an option whose arity is not known takes the
    next token unless that token is an upper-case yacs key, and no option takes an upper-case yacs
    key followed by a value (`--opts KEY VALUE`)."""
    out: list[Setting] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1 and not a[1:2].isdigit():
            if "=" in a or takes_value(a) is False or i + 1 >= len(args):
                i += 1
                continue
            nxt = args[i + 1]
            upper_key = _NODE_KEY.match(nxt) and nxt.split(".")[0].isupper()
            # `--opts TRAIN.EPOCHS 100 ...` (Swin's nargs='+' flag handed to merge_from_list): the
            # option's values are the pairs, the first one included
            pair = upper_key and i + 2 < len(args) and not args[i + 2].startswith("-")
            i += 1 if (takes_value(a) is None and (nxt.startswith("-") or upper_key)) or pair else 2
            continue
        if _NODE_KEY.match(a) and not a.endswith(SUFFIX_CONFIG) and i + 1 < len(args) \
                and not args[i + 1].startswith("--"):
            value = args[i + 1]
            out.append(Setting(a, UNKNOWN if "\0unknown" in value else value))
            i += 2
            continue
        i += 1
    return out


def _flagfile(ref: str, read: Callable[[str], str | None], takes_value: Callable[[str], bool | str | None],
              seen: set[str]) -> list[Setting]:
    if ref in seen or len(seen) >= _MAX_FLAGFILES:
        return []
    seen.add(ref)
    text = read(ref)
    if text is None:
        return []
    tokens: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "//")):
            try:
                tokens.extend(shlex.split(line))
            except ValueError:
                continue
    found, _ = parse_args(tuple(tokens), takes_value)
    out: list[Setting] = []
    for s in found:
        if s.key == _FLAGFILE and isinstance(s.value, str):
            out.extend(_flagfile(s.value, read, takes_value, seen))
        else:
            out.append(s)
    return out


def expand(cmd: Command, cli: list[Setting], takes_value: Callable[[str], bool | str | None],
           read: Callable[[str], str | None]) -> tuple[list[Setting], list[str]]:
    """(the command's settings with its system-specific overrides expanded, more config files named).
    `read(ref)` gives the text of a file the command names, or None."""
    settings: list[Setting] = [s for s in cli if s.key not in _ABSL_BUILTINS]
    named: list[str] = []
    for s in cli:
        if not isinstance(s.value, str):
            continue
        if s.key in _DOTLIST_OPTIONS and (m := _DOTLIST_ITEM.match(s.value)):
            settings.append(Setting(m.group(1), m.group(2)))
        elif s.key == _FLAGFILE:
            settings.extend(_flagfile(s.value, read, takes_value, set()))
        elif s.key in _GIN_FILES:
            named.extend(v for v in s.value.split(",") if v.endswith(".gin"))
        elif s.key in _GIN_BINDINGS:
            try:
                settings.extend(gin.resolve_macros(gin.binding(s.value)))
            except gin.GinSyntaxError:
                continue  # not a binding stalelint can read; the flag itself is still a setting
        else:
            m = _MODULE_CONFIG.match(s.value)
            # `--config path.py` is pulled in by launch.py already; `path.py:arg` only here
            if m and ":" in s.value and s.key.startswith("--") and "config" in s.key.lower():
                named.append(m.group(1))
    settings.extend(_opts(cmd.args, takes_value))
    settings.extend(Setting(f"env:{name}", UNKNOWN if "\0unknown" in value else value)
                    for name, value in cmd.env)
    return settings, named

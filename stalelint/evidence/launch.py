"""Launch commands in shell scripts, slurm/sbatch files, Makefile recipes and fenced shell blocks
in Markdown: `python train.py --lr 0.1 --use-ema`, with `torchrun`/`accelerate launch`/`srun`/
`python -m torch.distributed.launch` prefixes, `--flag=v`, `--no-flag`, `key=value` overrides, line
continuations, and a config-file argument that pulls that file's settings in.

A wrapper script that passes its own arguments on (`torchrun train.py "$@"` after a `shift`, as
timm's distributed_train.sh does) is followed: its callers (`./distributed_train.sh 8 --lr 0.1`)
are the experiments, run with the wrapper's python entry."""
from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass
from typing import Callable, Iterable

from ..model import UNKNOWN, Setting
from ..discover import is_test_code

_PYTHON = re.compile(r"^(?:.*/)?(?:python|pypy)(?:\d+(?:\.\d+)?)?$")
_LAUNCHERS = {"torchrun", "deepspeed", "horovodrun", "mpirun", "mpiexec", "srun", "accelerate", "composer",
              "lightning", "nohup", "time", "env", "exec", "xvfb-run", "ipython", "uv", "poetry", "pdm", "conda",
              "CUDA_VISIBLE_DEVICES"}
_LAUNCH_MODULES = {"torch.distributed.launch", "torch.distributed.run", "accelerate.commands.launch",
                   "deepspeed.launcher.runner", "composer.cli.launcher"}
# launchers whose `-m`/`--module` means "the script is a module": `torchrun -m pkg.train`,
# `accelerate launch -m pkg.train`, `deepspeed --module pkg.train`, `uv run -m pkg.train` (srun's `-m`
# is its task distribution, `srun -m block python ...`, so srun is not one of them)
_MODULE_LAUNCHERS = {"torchrun", "accelerate", "deepspeed", "composer", "uv"}
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
# commands that install or test the code, not experiments: `python -m pip install`, `python -m pytest`,
# `python setup.py develop`
_TOOL_MODULES = {"pip", "pytest", "unittest", "doctest", "setuptools", "build", "twine", "tox", "nox", "venv",
                 "virtualenv", "ensurepip", "pre_commit", "pipx"}
_CONFIG_OPTIONS = {"--config", "--cfg", "--config-file", "--config_file", "--config-path", "--cfg-file",
                   "--cfg_file", "--configs", "-c", "--config-name", "--config_name", "--exp", "--experiment"}
# and any option named for a config file: `--cfg-path`, `--model_config`, `--train-cfg`
_CONFIG_OPTION = re.compile(r"(cfg|config)([-_](path|file|name))?$")
_SHELL_WORDS = {"do", "then", "else", "{", "!", "time", "command", "builtin"}
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
# a named variable, or a positional or special one (`$5`, `${1}`, `$@`: a script's arguments) or a
# command's output (`$(pwd)`), never known here
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*)|\{?[0-9@*#?!$]+\}?|\()")
_NUMBER = re.compile(r"^-\d|^-\.\d")
# a yacs `opts` key (`MODEL.WEIGHTS x.pkl` after the options) ends an option's list of values
_OPTS_KEY = re.compile(r"^[A-Z_][A-Z0-9_]*(?:\.[A-Za-z0-9_]+)+$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_PROMPT = re.compile(r"^(?:\([\w.-]+\)\s*)?[\w.@:~/\[\]-]*\$\s+")
# an HTML preformatted block, which older READMEs hold their commands in (BLIP's `<pre>python -m
# torch.distributed.run ... train_caption.py --evaluate</pre>`)
_PRE_OPEN = re.compile(r"<pre\b[^>]*?/?>", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.IGNORECASE)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
# inline code read as a command only when it starts as one: an interpreter or a launcher
_INLINE_COMMAND = re.compile(r"^\s*(?:[\w.-]+=\S*\s+)*(?:python[\d.]*|torchrun|accelerate|deepspeed|srun|mpirun|bash|sh)\s")
# fenced languages whose lines are code or data, not commands (a prompted `$ ` line aside)
_CODE_LANGS = {"python", "py", "python3", "ipython", "pycon", "yaml", "yml", "json", "jsonc", "toml", "ini", "cfg",
               "c", "cpp", "c++", "cuda", "java", "javascript", "js", "ts", "typescript", "html", "xml", "latex",
               "tex", "bibtex", "bib", "diff", "r", "go", "rust", "lua", "csv", "markdown", "md", "dockerfile",
               "makefile", "sql", "mermaid", "math", "protobuf", "proto", "jinja", "yaml+jinja"}
_SHELL_LANGS = {"", "sh", "bash", "shell", "console", "zsh", "shell-session", "bash-session", "sh-session", "text",
                "commandline", "cmd", "terminal"}


@dataclass(frozen=True)
class Command:
    line: int
    text: str  # as written, continuations joined
    entry: str  # script path or `-m` module, as written
    module: bool  # entry is a module name
    args: tuple[str, ...]
    # environment the command runs with: `APP_LR=0.1 python ...` prefixes and earlier `export`s
    env: tuple[tuple[str, str], ...] = ()
    # entry is a shell script (`./dist_train.sh 8 --lr 0.1`): an experiment if it forwards to python
    shell: bool = False
    # the folder an earlier `cd` moved to, relative to the launching file's folder ("" there; None: no
    # `cd`, or one to a folder not known here, `cd $WORK`): the command's relative paths start there
    cwd: str | None = None
    # a wrapper's own command, its forwarded `"$@"` left out (`python run.py --task game24 ${@}`): an
    # experiment where no script of the repo calls the wrapper (it is then run as it is)
    wraps: bool = False


@dataclass(frozen=True)
class Forward:
    """A wrapper script's python command that passes on the wrapper's own arguments."""
    entry: str
    module: bool
    head: tuple[str, ...]  # its arguments before `"$@"`
    skip: int  # the wrapper's leading arguments it consumed (`shift`, `"${@:2}"`)
    tail: tuple[str, ...]  # its arguments after `"$@"`


def _logical_lines(lines: list[tuple[int, str]], markdown: bool = False) -> list[tuple[int, str]]:
    """Join `\\` continuations; drop comment lines (which include `#SBATCH` directives). In a
    document (`markdown`), a quote still open where a block ends (a blank line) goes no further:
    transfuser's README lists a folder tree with "ego-agent's" in an untagged block, whose stray
    quote took every later command of the README into one word."""
    out: list[tuple[int, str]] = []
    buf, start, last = "", 0, -1  # `last`: the line the previous logical line ended on
    for number, raw in lines:
        text = raw.rstrip("\r\n")
        stripped = text.strip()
        if markdown and buf and not stripped and _open_quote(buf):
            out.append((start, buf))
            buf = ""
            continue
        if markdown and not buf and out and out[-1][1].strip() and _OPTION_LINE.match(text) \
                and _INLINE_COMMAND.match(out[-1][1]) and last == number - 1:
            # a document's command written one option a line without backslashes (textual_inversion's
            # `python main.py --base x.yaml` then `-t`, `--actual_resume ...` on the lines below it):
            # a line that starts with an option is no command of its own
            out[-1] = (out[-1][0], out[-1][1].rstrip() + " " + _uncommented(text).strip())
            last = number
            continue
        if not buf and stripped.startswith("#"):
            continue
        if buf and stripped.startswith("#"):
            continue  # a commented line inside a continued command: bash would end it; be lenient
        if not buf:
            start = number
        if text.rstrip().endswith("\\"):
            buf += text.rstrip()[:-1] + " "
            continue
        if buf and _ARRAY_OPEN.match(buf) and number - start < _MAX_QUOTED_LINES:
            buf += _uncommented(text) + " "  # a line of an array's list
            if _ARRAY_CLOSE.search(buf):
                out.append((start, buf))
                buf = ""
            continue
        if not buf and _ARRAY_OPEN.match(text) and not _ARRAY_CLOSE.search(_uncommented(text)):
            # a bash array over several lines (`MODEL_ARGS=(` ... `)`, CogVideo's finetune scripts)
            buf = _uncommented(text) + " "
            continue
        buf += text
        if _open_quote(buf) and number - start < _MAX_QUOTED_LINES:
            # a quoted value over several lines (`GPT_ARGS="` ... `"`, `bash -c "` ... `"`): one word, as
            # bash reads it; its lines stay lines (a script handed to `bash -c` is read line by line)
            buf += "\n"
            continue
        out.append((start, buf))
        buf, last = "", number
    if buf:
        out.append((start, buf))
    return out


_MAX_QUOTED_LINES = 200  # a stray quote does not swallow the rest of a long file
_OPTION_LINE = re.compile(r"^\s*--?[A-Za-z][\w.-]*(?:[=\s]|$)")
_ARRAY_NAME = r"^\s*(?:export\s+|declare\s+-a\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=\("  # `NAME=(`
_ARRAY_OPEN = re.compile(_ARRAY_NAME)
_ARRAY_CLOSE = re.compile(r"\)\s*$")
# a whole bash array: `NAME=(word word ...)`
_ARRAY = re.compile(_ARRAY_NAME + r"(.*)\)\s*$", re.DOTALL)


def _scan(text: str) -> tuple[int, str]:
    """(where a comment starts, or the text's length; the quote still open at the end, or "")."""
    quote, escaped = "", False
    for n, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (n == 0 or text[n - 1].isspace()):
            return n, ""  # a comment: its quotes are prose
    return len(text), quote


def _uncommented(line: str) -> str:
    """A shell line without its trailing comment (`--seed 42 # random seed`)."""
    return line[:_scan(line)[0]].rstrip()


def _open_quote(text: str) -> bool:
    """Whether a shell text ends inside a quoted string."""
    return bool(_scan(text)[1])


def shell_lines(path: str, text: str) -> list[tuple[int, str]]:
    """The (line number, text) pairs that may hold commands, by kind of file."""
    lines = text.splitlines()
    name = path.rsplit("/", 1)[-1]
    if name == "Makefile" or name.endswith(".mk"):
        return [(i, s.lstrip("\t").lstrip("@-+")) for i, s in enumerate(lines, 1) if s.startswith("\t")]
    if name.lower().endswith((".md", ".markdown", ".mdx")):
        out, fence, lang, pre, going = [], None, "", False, False
        indented, blank = False, True  # in an indented code block; the line before was blank
        for i, s in enumerate(lines, 1):
            one = s.strip()
            if fence is None and not pre and (indented or blank) and one \
                    and len(s.expandtabs(4)) - len(s.expandtabs(4).lstrip()) >= 4:
                # an indented code block, where older READMEs keep their commands (DPO's "    python -u
                # train.py model=pythia69 loss=sft"): read from a line that starts as a command
                indented = indented or _starts_command(_prompted(s))
                if indented:
                    out.append((i, _prompted(s)))
                    blank = False
                    continue
            elif one and indented:
                indented = False
                out.append((i, ""))  # the block ends its command
            blank = not one
            if fence is None and (pre or _PRE_OPEN.search(s)):
                if not pre:
                    s = s[_PRE_OPEN.search(s).end():]  # type: ignore[union-attr]
                closed = _PRE_CLOSE.search(s)
                pre = closed is None
                out.append((i, _prompted(html.unescape(s[:closed.start()] if closed else s))))
                if closed:
                    out.append((i, ""))  # the block ends its command
                continue
            if fence is None and len(one) > 6 and one.startswith("```") and one.endswith("```") \
                    and not one[3:-3].strip().startswith("`"):
                # a block opened and closed on one line (HALOs' README: ```accelerate launch ... ```)
                out += [(i, one.strip("`").strip()), (i, "")]
                continue
            m = _FENCE.match(s)
            if m and fence is None and "```" in one[3:]:
                # a span closed on its line with prose after it (co-tracker's "```pip install x```, then:"):
                # no block opens here; the span is a command if it reads as one
                span = one[3:one.index("```", 3)].strip()
                if _starts_command(span):
                    out += [(i, span), (i, "")]
                continue
            if m and fence is None:
                fence, lang, going = m.group(1), m.group(2).lower(), False
                continue
            if m and fence is not None and s.strip().startswith(fence[:3]):
                if lang in _SHELL_LANGS or going:
                    out.append((i, ""))  # a backslash on a block's last line does not go on into the next block
                fence = None
                continue
            if fence is not None and lang in _SHELL_LANGS:
                out.append((i, _prompted(s)))
            elif fence is not None and (going or (lang not in _CODE_LANGS or one.startswith("$ "))
                                        and _starts_command(_prompted(s))):
                # a block of a language no shell's (YOLOS' ```eval```), or a prompted line in a code
                # block (SimCLR's ```python with `$ python run.py ...`): the lines that start as a
                # command, and their continuations
                out.append((i, _prompted(s)))
                going = one.endswith("\\")
                if not going:
                    out.append((i, ""))
            elif fence is None and one.startswith("> ") and _starts_command(one[2:].lstrip()):
                # a command quoted as a block (stylegan2-pytorch's README: `> python train.py --arch swagan`)
                out += [(i, one[2:].lstrip()), (i, "")]
            elif fence is None and "`" in s:
                # a command in prose's inline code (s4's configs/README.md: "e.g.: `python -m train
                # pipeline=cifar model=transformer`"), each span a block of its own
                for span in _INLINE.findall(s):
                    if _INLINE_COMMAND.match(span):
                        out += [(i, span), (i, "")]
        return out
    return list(enumerate(lines, 1))


def _starts_command(text: str) -> bool:
    """Whether a document's line (or a span of it) starts as a command: an interpreter or a launcher."""
    return bool(_INLINE_COMMAND.match(text + " "))


def _prompted(line: str) -> str:
    """A shell line of a document without its prompt."""
    stripped = line.lstrip()
    if stripped.startswith(("$ ", "% ", "> ")):
        return stripped[2:]
    if stripped.startswith(">>> "):  # open_lm's README marks its shell commands so
        return stripped[4:]
    # a prompt with the env and folder: `(robodiff)[diffusion_policy]$ python train.py`
    return _PROMPT.sub("", stripped, count=1)


def _substituted(token: str, variables: dict[str, str], partial: bool = False) -> str:
    """`$NAME` substituted; `\0unknown` where a variable's value is not known statically (with
    `partial`, its partly known value where one was kept for an `eval`)."""
    def value(m: re.Match) -> str:
        name = m.group(1) or m.group(2) or "\0"
        if name in variables:
            return variables[name]
        return variables.get(_PARTIAL + name, "\0unknown") if partial else "\0unknown"
    return _VAR.sub(value, token)


_ARRAY_MARK = "\0array:"  # the variable of that name is a bash array (`ARGS=(--lr 1 --seed 2)`)
_PARTIAL = "\0partial:"  # a variable's value with the parts not known here marked `\0unknown`


def _partial(token: str, variables: dict[str, str]) -> str:
    """`$NAME` substituted, by a partly known value where that is all there is."""
    return _substituted(token, variables, partial=True)


def _expand(token: str, variables: dict[str, str]) -> str | None:
    """Substitute `$NAME`; None when a variable's value is not known statically."""
    out = _substituted(token, variables)
    return None if "\0unknown" in out or "$" in out else out  # (`X=$(cmd)` reaches here split: `X=$`)


# `\&\&python`: an operator escaped for a launcher's shell, glued to the word after it
_GLUED = re.compile(r"(&&|\|\||;)(?=[^;&|()])")


# `$(( $BATCH / $GPUS ))` and `$(cmd)` (not nested): a value not known here, one word, not the end of
# the command that the parentheses would make of it for the lexer (oat's `--lora_alpha $(( $1 * 2 ))`)
_SUBSTITUTION = re.compile(r"\$\(\([^()]*\)\)|\$\([^()]*\)")


# a documentation placeholder with spaces (DPR's README: `gold_passages_src={path to
# data.gold_passages_info.nq_train file}`): one value not known here, not words of the command
_PLACEHOLDER = re.compile(r"\{[^{}:\"'\n]*\s[^{}:\"'\n]*\}|<[A-Za-z][^<>\n]*\s[^<>\n]*[A-Za-z]>|"
                          r"\[[A-Za-z][A-Za-z /_-]*\s[A-Za-z /_-]*\]")  # `--model [model name/path]`


def _split(text: str) -> list[list[str]] | None:
    text = _SUBSTITUTION.sub("${__substituted}", text) if "$(" in text else text
    if "{" in text or "<" in text or "[" in text:
        # (a bracket glued to its option, `--use_kernel[enable kernel injection]`, is its value)
        text = _PLACEHOLDER.sub(lambda m: (" " if m.group().startswith("[") else "") + "${__placeholder}", text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        return None
    commands, cur = [], []
    for t in tokens:
        glued = _GLUED.match(t)
        if glued and cur:
            commands.append(cur)
            cur, t = [], t[glued.end():]
        if t and set(t) <= set(";&|()"):
            if cur:
                commands.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        commands.append(cur)
    return commands


def _find_entry(tokens: list[str]) -> tuple[str, bool, list[str]] | None:
    """(script or module, is a module, its arguments) of a python launch, else None."""
    i, n, launched, modular = 0, len(tokens), False, False
    while i < n:
        t = tokens[i]
        base = t.rsplit("/", 1)[-1]
        if _PYTHON.match(base):
            launched = True
            i += 1
            while i < n and tokens[i].startswith("-"):
                if re.fullmatch(r"-[a-zA-Z]*m", tokens[i]) and i + 1 < n:  # `-m`, and `-um` (unbuffered)
                    module = tokens[i + 1]
                    if module in _LAUNCH_MODULES or module.split(".")[0] in ("accelerate", "deepspeed"):
                        i += 2
                        modular = True
                        break
                    return _module_entry(module, _own_args(tokens[:i], tokens[i + 2:]))
                if tokens[i] == "-c":
                    return None
                i += 1
            continue
        if t in _SHELL_WORDS or _ASSIGN.match(t):
            i += 1
            continue
        if base in _LAUNCHERS:
            launched = launched or base not in ("env", "nohup", "exec")
            modular = modular or base in _MODULE_LAUNCHERS
            i += 1
            continue
        if modular and t in ("-m", "--module") and i + 1 < n and _MODULE_NAME.match(tokens[i + 1]):
            return _module_entry(tokens[i + 1], _own_args(tokens[:i], tokens[i + 2:]))  # `torchrun ... -m pkg.train`
        if t.endswith(".py") and (launched or t.startswith("./")):  # `./train_net.py` runs itself
            return None if _is_tool_script(t) else (t, False, _own_args(tokens[:i], tokens[i + 1:]))
        if launched:
            i += 1  # an option of the launcher (`--nproc_per_node 8`) or its value
            continue
        return None
    return None


def _own_args(before: list[str], args: list[str]) -> list[str]:
    """The script's arguments: under `mpirun`, a bare `:` starts the next program of a multi-program
    launch (`mpirun -n 1 python a.py --x 1 : -n 1 numactl -N 0 python a.py`), whose words are not its."""
    if ":" in args and any(t.rsplit("/", 1)[-1] in ("mpirun", "mpiexec") for t in before):
        return args[:args.index(":")]
    return args


# a program's name after a launcher's `--` (`pytest`, `bash`, `./run`), not an option or a value
_PROGRAM = re.compile(r"(?:\./)?[A-Za-z][\w.-]*")


def _inner(entry: tuple[str, bool, list[str]]) -> tuple[str, bool, list[str]]:
    """The command a launcher script runs after `--` (`python mason.py --cluster x --gpus 8 --
    accelerate launch train.py --lr 1e-5`, submitit-style wrappers): that is the experiment; the
    launcher's own options before `--` are where it runs, not what."""
    script, module, args = entry
    for at, a in enumerate(args):
        if a == "--":
            inner = _find_entry(args[at + 1:])
            if inner is not None:
                return _inner(inner)
            if at + 1 < len(args) and _PROGRAM.fullmatch(args[at + 1]):
                # another program the launcher wraps (OLMo-core's `launch_test.py ... -- pytest -v -s`):
                # its words are not the script's options
                return script, module, args[:at]
            break
    return entry



def _module_entry(module: str, args: list[str]) -> tuple[str, bool, list[str]] | None:
    return None if module.split(".")[0] in _TOOL_MODULES else (module, True, args)


def _is_tool_script(path: str) -> bool:
    """A script that installs or tests the code: `setup.py`, or a pytest file under a tests folder
    (`tests/test_model.py`; an evaluation script `tools/test_net.py` is an experiment)."""
    name = path.rsplit("/", 1)[-1]
    return name == "setup.py" or is_test_code(path) and (name.startswith("test_") or name.endswith(("_test.py", "conftest.py")))


class Modules:
    """The repo file `python -m NAME` runs: `NAME.py`, or `NAME/__main__.py` for a package (its
    `__init__.py` when it has no `__main__.py`), from the root; else from the shallowest folder
    that has one, when that is unique (`src/NAME.py` in a src layout, `python/NAME.py`). Shared by
    the launch commands of evidence and the commands in code strings of fix (fix/usages.py)."""

    def __init__(self, paths: Iterable[str]):
        self._paths = paths
        self._tails: dict[str, list[tuple[int, int, str]]] | None = None

    def _index(self) -> dict[str, list[tuple[int, int, str]]]:
        # dotted tail -> (depth of the folder it is found from, preference, file)
        tails: dict[str, list[tuple[int, int, str]]] = {}
        for p in self._paths:
            if not p.endswith(".py"):
                continue
            parts = p[:-3].split("/")
            rank = 0
            if parts[-1] in ("__main__", "__init__"):
                rank = 1 if parts[-1] == "__init__" else 0  # `-m pkg` runs pkg/__main__.py
                parts = parts[:-1]
            for depth in range(len(parts)):
                tails.setdefault(".".join(parts[depth:]), []).append((depth, rank, p))
        return tails

    def resolve(self, name: str) -> str | None:
        if self._tails is None:
            self._tails = self._index()
        found = self._tails.get(name)
        if not found:
            return None
        best = min(found)[:2]
        at = [p for depth, rank, p in found if (depth, rank) == best]
        return at[0] if len(at) == 1 else None


_INFO_OPTIONS = {"-h", "--help", "--version", "--helpfull", "--helpshort"}
# `"$@"`, `$@`, `"${@}"`, `"${@:2}"` (from the second argument on) as one whole word
_FORWARD = re.compile(r"\$@|\$\{@(?::(\d+))?\}|\$\*|\$\{\*\}")
_SHIFTED = "\0shifted"  # how many of the wrapper's arguments `shift` consumed, kept with the variables
_CWD = "\0cwd"  # the folder `cd` moved to (Command.cwd), kept with the variables
_SCRIPT_SUFFIXES = (".sh", ".bash", ".slurm", ".sbatch")
_SHELLS = {"bash", "sh", "zsh", "sbatch", "source", "."}


def commands(path: str, text: str, scripts: bool = False) -> list[Command]:
    """Every python launch command in a file, with shell variables it assigns substituted; with
    `scripts`, also calls of shell scripts (`shell=True`), which may be wrappers of a python entry."""
    found: list[Command] = []
    variables: dict[str, str] = {}
    exported: set[str] = set()
    markdown = path.lower().endswith((".md", ".markdown", ".mdx"))
    for line, logical in _logical_lines(shell_lines(path, text), markdown):
        if markdown and not logical.strip():
            variables.pop(_CWD, None)  # the end of a code block: the next one starts where the reader is
        _commands_in(line, logical, variables, found, nested=True, exported=exported)
    return found if scripts else [c for c in found if not c.shell and not c.wraps]


def forward(path: str, text: str) -> Forward | None:
    """The python command a wrapper script hands its arguments to, when it has exactly one."""
    found: list[Forward] = []
    variables: dict[str, str] = {}
    for line, logical in _logical_lines(shell_lines(path, text)):
        _commands_in(line, logical, variables, [], nested=True, exported=set(), forwards=found)
    return found[0] if len(found) == 1 else None


def through(cmd: Command, fwd: Forward) -> Command:
    """A call of a wrapper script as the python command the wrapper runs."""
    return Command(cmd.line, cmd.text, fwd.entry, fwd.module, fwd.head + cmd.args[fwd.skip:] + fwd.tail, cmd.env)


def _find_shell_script(tokens: list[str]) -> tuple[str, list[str]] | None:
    """(script, its arguments) of a call of a shell script: `./dist_train.sh 8 ...`,
    `bash scripts/train.sh ...`, `sbatch --nodes 2 job.sh ...`; else None."""
    launched = False
    for i, t in enumerate(tokens):
        if t.endswith(_SCRIPT_SUFFIXES) and not t.startswith("-") and "$" not in t:
            return t, tokens[i + 1:]
        base = t.rsplit("/", 1)[-1]
        if t in _SHELL_WORDS or _ASSIGN.match(t):
            continue
        if base in _SHELLS or base in _LAUNCHERS:
            launched = True
            continue
        if launched:
            continue  # an option of the launcher or its value
        return None
    return None


def _environment(tokens: list[str], variables: dict[str, str], exported: set[str]) -> tuple[tuple[str, str], ...]:
    """Exported variables, then `NAME=value` prefixes before the interpreter or script."""
    env = {n: variables[n] for n in sorted(exported) if n in variables}
    for t in tokens:
        # `torchrun -m pkg.train a=1`: after the module its `a=1` are the experiment's overrides
        if _PYTHON.match(t.rsplit("/", 1)[-1]) or t.endswith(".py") or t in ("-m", "--module"):
            break
        m = _ASSIGN.match(t)
        if m:
            value = _expand(m.group(2), variables)
            env[m.group(1)] = value if value is not None else "\0unknown"
    return tuple(env.items())


def _commands_in(line: int, logical: str, variables: dict[str, str], found: list[Command], nested: bool,
                 exported: set[str] | None = None, forwards: list[Forward] | None = None) -> None:
    exported = set() if exported is None else exported
    array = _ARRAY.match(logical)
    if array is not None:
        # its words, as `"${NAME[@]}"` hands them to a command: one value the command's words take apart
        try:
            words = shlex.split(array.group(2))
        except ValueError:
            return
        if any("$" in w for w in words):
            words = [_known(w, variables) for w in words]
        variables[array.group(1)] = " ".join(shlex.quote(w) for w in words)
        variables[_ARRAY_MARK + array.group(1)] = ""
        variables.pop(_PARTIAL + array.group(1), None)
        return
    split = _split(logical)
    if split is None:
        return
    for tokens in split:
        if len(tokens) == 1 and _ASSIGN.match(tokens[0]) or (len(tokens) == 2 and tokens[0] == "export"
                                                              and _ASSIGN.match(tokens[1])):
            name, value = _ASSIGN.match(tokens[-1]).groups()  # type: ignore[union-attr]
            expanded = _expand(value, variables)
            if expanded is not None:
                variables[name] = expanded
                variables.pop(_PARTIAL + name, None)
            else:
                variables.pop(name, None)
                variables[_PARTIAL + name] = _partial(value, variables)  # for an `eval` of it
            if tokens[0] == "export":
                exported.add(name)
            continue
        if tokens and tokens[0] == "eval" and len(tokens) > 1:
            # a command built in variables and run by `eval $cmd` (DeepSpeed-Domino's pretrain scripts,
            # LESS's `eval "$header" "$training_args"`): its text, with what is not known marked so
            _commands_in(line, " ".join(_partial(t, variables) for t in tokens[1:]), variables, found,
                         nested=False, exported=exported, forwards=forwards)
            continue
        if tokens and tokens[0] == "for" and len(tokens) > 1:
            variables.pop(tokens[1], None)  # loop variable: each value is one experiment, not known here
            continue
        if nested:
            # a command handed to a runner as one string: `benchmark --command "python ppo.py --track"`
            for t in tokens:
                if "\n" in t:  # a script in a string (`srun ... bash -c "` over several lines `"`)
                    for n, piece in _logical_lines(list(enumerate(t.split("\n")))):
                        _commands_in(line + n, piece, variables, found, nested=False, exported=exported, forwards=forwards)
                elif " " in t and ".py" in t:
                    _commands_in(line, t, variables, found, nested=False, exported=exported, forwards=forwards)
        if tokens and tokens[0] in ("cd", "pushd"):
            _change_folder(tokens[1:], variables)
            continue
        if tokens and tokens[0] == "shift":
            by = tokens[1] if len(tokens) > 1 and tokens[1].isdigit() else "1"
            variables[_SHIFTED] = str(int(variables.get(_SHIFTED, "0")) + int(by))
            continue
        probe = _known_words(tokens, variables)
        entry = _find_entry(probe)
        if entry is None:
            called = _find_shell_script(probe) if forwards is None else None
            if called is not None:
                expanded = tuple(_known(a, variables) for a in called[1])
                found.append(Command(line, logical.strip(), called[0], False, expanded,
                                     _environment(tokens, variables, exported), shell=True))
            continue
        script, module, args = _inner(entry)
        at = next((n for n, a in enumerate(args) if _FORWARD.fullmatch(a)), None)
        if at is not None or any("$@" in a or "${@" in a for a in args):
            # a wrapper that forwards its own arguments: the real experiments are its callers
            if at is not None and forwards is not None:
                m = _FORWARD.fullmatch(args[at])
                skip = variables.get(_SHIFTED, "0")
                start = int(m.group(1)) - 1 if m and m.group(1) else 0
                forwards.append(Forward(script, module, tuple(args[:at]), int(skip) + start, tuple(args[at + 1:])))
            elif at is not None and "$" not in script and not any("$@" in a or "${@" in a for a in args[:at] + args[at + 1:]):
                own = tuple(w for a in args[:at] + args[at + 1:] for w in _words(a, variables))
                if own:  # (a bare `torchrun train.py "$@"` sets nothing of its own: no run to count)
                    found.append(Command(line, logical.strip(), script, module, own,
                                         _environment(tokens, variables, exported), cwd=variables.get(_CWD), wraps=True))
            continue
        if any(a in _INFO_OPTIONS and (n + 1 == len(args) or args[n + 1].startswith("-")) for n, a in enumerate(args)):
            continue  # `--help` prints and exits: nothing was run (LLaVA's `--version v1` is an option with a value)
        expanded_args = tuple(b for a in args for w in _words(a, variables) for b in braces(w))
        if "$" in script and not module:
            # `python $EXAMPLES_DIR/simple_trainer.py`: the folder as assigned, else the path after
            # it (found by its tail, if the repo has one such file)
            script = _expand(script, variables) or script.rsplit("$", 1)[-1].partition("/")[2] or script
        found.append(Command(line, logical.strip(), script, module, expanded_args,
                             _environment(tokens, variables, exported), cwd=variables.get(_CWD)))


def _known(word: str, variables: dict[str, str]) -> str:
    """A word with its variables substituted, or `\0unknown` where one is not known here."""
    return word if "$" not in word else (_expand(word, variables) or "\0unknown")


def _known_words(tokens: list[str], variables: dict[str, str]) -> list[str]:
    """The words with each variable whose value is known substituted, one word for one (`SCRIPT=
    records/x/train.py`, then `torchrun --nproc_per_node=8 "$SCRIPT" --seed 1`), so that the
    interpreter, launcher or script a variable names is found. A value with spaces stays a variable
    here: quoted it is one word, unquoted several, and which one the shell saw is lost by now."""
    out = []
    for t in tokens:
        value = _expand(t, variables) if "$" in t else None
        out.append(value if value and not any(c.isspace() for c in value) else t)
    return out


# `{etth,ettm}`: a brace group the shell expands (not `${x}`, not a Hydra dict `{a:1,b:2}`)
_BRACES = re.compile(r"(?<!\$)\{([^{}:\s'\"$=]*,[^{}:\s'\"$=]*)\}")


def braces(word: str) -> list[str]:
    """The words the shell's brace expansion makes of one: `experiment=s4-informer-{etth,ecl}` is
    `experiment=s4-informer-etth experiment=s4-informer-ecl` (s4's README)."""
    m = _BRACES.search(word)
    if m is None:
        return [word]
    return [w for part in m.group(1).split(",")
            for w in braces(word[:m.start()] + part + word[m.end():])]


def _words(arg: str, variables: dict[str, str]) -> list[str]:
    """An argument with its variables substituted: `\0unknown` where one is not known, and the words
    of a variable that holds several options (`COMMON="--scene x --max-steps 10"`, used as `$COMMON`),
    as the shell splits an unquoted one."""
    if "$" not in arg:
        return [arg]
    whole = _VAR.fullmatch(arg)
    if whole is not None and _ARRAY_MARK + (whole.group(1) or "") in variables:
        if "[@]" in arg or "[*]" in arg:
            return shlex.split(variables[whole.group(1)])  # `"${ARGS[@]}"`: each word of the array, as it is
        return ["\0unknown"]  # one element (`${SEEDS[0]}`, `$SEEDS`): not worked out here
    value = _expand(arg, variables)
    if value is None:
        # the known part stays: `++lr=${LR}` is a setting of `lr`, to a value not known here
        return [_substituted(arg, variables)]
    if _VAR.fullmatch(arg) and value.lstrip().startswith("-") and any(c.isspace() for c in value.strip()):
        try:
            return shlex.split(value)
        except ValueError:
            return [value]
    return [value]


def _change_folder(args: list[str], variables: dict[str, str]) -> None:
    """Follow `cd demo`, `cd ..` (from the folder so far); forget the folder at one not known here
    (`cd $WORK`, `cd ~/x`, `cd /abs`, `cd -`)."""
    if len(args) != 1 or any(c in args[0] for c in "$~`") or args[0].startswith(("/", "-")):
        variables.pop(_CWD, None)
        return
    parts = [p for p in variables.get(_CWD, "").split("/") if p]
    for p in args[0].split("/"):
        if p == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append("..")
        elif p not in ("", "."):
            parts.append(p)
    variables[_CWD] = "/".join(parts)


# `takes_value(option)` of an option known to take exactly one value (argparse nargs None or "?",
# absl flags): further words after that value are not its values
ONE = "one"
# argparse actions that take no value (the action decides what a bare option sets)
_SWITCHES = {"store_true", "store_false", "store_const", "append_const", "count", "help", "version",
             "BooleanOptionalAction"}


def arity(action: str | None, nargs: str | None) -> bool | str:
    """What `takes_value` says of an option defined with this action and nargs: False (a switch),
    ONE (one value, or none with nargs="?"), True (one or more values)."""
    if action in _SWITCHES:
        return False
    return ONE if nargs in (None, "?") else True


def negated(key: str) -> str | None:
    """The option a `--no-x` switch sets to False (`--x`), tyro's nested `--policy.no_use_adam` too
    (`--policy.use_adam`); None for any other key."""
    head, dot, last = key.lstrip("-").rpartition(".")
    if not key.startswith("--") or not last.startswith(("no-", "no_")) or len(last) <= 3:
        return None
    return "--" + head + dot + last[3:]


def is_option(token: str) -> bool:
    """`-x`, `--lr`, `--lr=1`: an option, never the value of the option before it. A negative
    number (`-1`, `-1e-3`, `-.5`), `-` (stdin) and a word with spaces (`"-O3 -g"`) are values."""
    return len(token) > 1 and token[0] == "-" and not _NUMBER.match(token) and " " not in token


# a document's choice among values (glow's README: `--flow_permutation [0/1/2] --seed [0/1/2]`): runs
# of each, so no one value is known
_ALTERNATIVES = re.compile(r"^\[[^\[\]\s,]+(?:[/|][^\[\]\s,/|]+)+\]$")


def _value(word: str) -> object:
    """An option's value as written, or UNKNOWN for one not known here (a variable's) or a choice
    among values."""
    return UNKNOWN if "\0unknown" in word or _ALTERNATIVES.match(word) else word


def _attached(token: str, takes_value: Callable[[str], bool | str | None]) -> bool:
    """`-b4`: a short option that takes a value (`-b`, the script's) with the value written on (argparse
    reads it as `-b 4`), where the whole token is no option of the script itself."""
    return len(token) > 2 and token[1] != "-" and token[1].isalpha() \
        and takes_value(token[:2]) in (True, ONE) and takes_value(token) is None


def parse_args(args: tuple[str, ...], takes_value: Callable[[str], bool | str | None],
               words: list[str] | None = None) -> tuple[list[Setting], list[str]]:
    """(settings, config files named) of a script's arguments; `words` gets the words that are no
    option, no option's value and no `key=value` (a positional argument's values), in order.

    `takes_value(option)` says whether an option consumes the next token (True: one or more, ONE:
    exactly one), is a switch (False), or is not known (None: a following non-option token is taken
    as its value). An option followed by another option (or by nothing) is bare, whatever its
    arity: `--track --capture_video` sets `--track` bare (argparse gives an nargs="?" flag its const).
    """
    settings: list[Setting] = []
    configs: list[str] = []
    # a usage synopsis's optional parts (SegFormer's docs: `[--shape ${INPUT_SHAPE} --verify]`)
    args = tuple(a.lstrip("[").rstrip("]") if a.startswith("[-") or (a.startswith("-") and a.endswith("]")
                                                                      and "[" not in a) else a for a in args)
    i = 0
    while i < len(args):
        a = args[i]
        value: object
        if a == "--":
            i += 1
            continue
        if a.startswith("-") and not _NUMBER.match(a) and len(a) > 1:
            if "=" in a:
                key, raw = a.split("=", 1)
                value = _value(raw)
                i += 1
            elif _attached(a, takes_value):
                # SfmLearner's README: `-b4 -m0.2 -s0.1`, argparse's short option with its value attached
                key, raw = a[:2], a[2:]
                value = UNKNOWN if "\0unknown" in raw else raw
                i += 1
            else:
                key = a
                wants = takes_value(key)
                nxt = args[i + 1] if i + 1 < len(args) else None
                if wants is False or nxt is None or nxt == "--" or is_option(nxt):
                    form = "negated" if negated(key) else "bare"
                    settings.append(Setting(key, True, None, form))
                    i += 1
                    continue
                value = _value(nxt)
                i += 2
                # nargs='+' style lists: further non-option tokens after the value
                extra = []
                while wants is True and i < len(args) and not is_option(args[i]) and args[i] != "--" \
                        and "=" not in args[i] and not args[i].endswith(SUFFIX_CONFIG) and not _OPTS_KEY.match(args[i]):
                    extra.append(args[i])
                    i += 1
                if extra and value is not UNKNOWN:
                    value = [value] + extra
            if (key in _CONFIG_OPTIONS or _CONFIG_OPTION.search(key)) and isinstance(value, str) \
                    and value.endswith(SUFFIX_CONFIG):
                configs.append(value)
            settings.append(Setting(key, value))
            continue
        m = re.match(r"^([+~]{0,2}[A-Za-z_][\w.\-/]*)=(.*)$", a)
        if m:
            # `++lr=${LR}` with LR a script's argument: set, to a value not known here (never "unset":
            # HALOs' most-tuned setting would look left at its default)
            settings.append(Setting(m.group(1), UNKNOWN if "\0unknown" in m.group(2) else m.group(2)))
        else:
            if words is not None:
                words.append(a)
            if "\0unknown" not in a and a.endswith(SUFFIX_CONFIG):
                configs.append(a)
        i += 1
    return settings, configs


SUFFIX_CONFIG = (".yaml", ".yml", ".json", ".toml", ".py", ".cfg", ".gin")

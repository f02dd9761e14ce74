"""Experiment config files: YAML, JSON, TOML, and Python files made only of assignments (read with
`ast`, never run). Each file is one experiment; nested keys become dotted names."""
from __future__ import annotations

import ast
import functools
import json
import re
import sys
from typing import Any, Iterator

from ..index.astutil import literal
from ..lazy import module as _lazy_module
from ..model import UNKNOWN, Problem, Setting
from ..newer_syntax import explain
from . import gin, mlcollections

yaml = _lazy_module("yaml")  # imported on first use: a warm run reads no YAML

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".py", ".gin")
# keys that steer config machinery rather than set a knob
_META_KEYS = {"defaults", "_base_", "__base__", "base", "_target_", "_partial_", "_recursive_", "_convert_",
              "__include__", "hydra", "_self_"}


@functools.lru_cache(maxsize=None)
def safe_loaders() -> tuple[type, type | None]:
    """(TolerantLoader, TolerantCLoader): safe YAML in which a tag it will not construct (yacs
    configs use `!!python/object/apply:eval` for computed lists) reads as a value not known
    statically instead of failing the file; the second is the same on libyaml's parser where PyYAML
    was built with it (~10x faster, and 10k experiment configs may be read in one run). Built on
    first use, so that a run reading no YAML never imports PyYAML."""
    class TolerantLoader(yaml.SafeLoader):
        pass

    TolerantLoader.add_constructor(None, lambda loader, node: UNKNOWN)  # type: ignore[arg-type]
    c_loader = None
    if hasattr(yaml, "CSafeLoader"):
        class TolerantCLoader(yaml.CSafeLoader):  # type: ignore[misc]
            pass

        TolerantCLoader.add_constructor(None, lambda loader, node: UNKNOWN)  # type: ignore[arg-type]
        c_loader = TolerantCLoader
    return TolerantLoader, c_loader


class BadConfig(Exception):
    """The file is not a readable experiment config; the message says why."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class NotAConfig(Exception):
    """The file is code, not an experiment (a `configs/__init__.py` with functions, say)."""


def _flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict) and data:
        for k, v in data.items():
            key = str(k)
            if not prefix and key.lower() in _META_KEYS:
                continue
            yield from _flatten(v, f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix, data


def _yaml_settings(text: str) -> list[Setting]:
    loader, c_loader = safe_loaders()
    if c_loader is not None:
        # a file libyaml rejects is read again by the Python parser, whose error messages say
        # more (and are the ones tested)
        try:
            return _yaml_settings_with(text, c_loader)
        except BadConfig:
            pass
    return _yaml_settings_with(text, loader)


NOT_A_MAPPING = "YAML file is not a mapping of keys to values"


def _yaml_settings_with(text: str, loader_class: Any) -> list[Setting]:
    if "\t" in text and re.search(r"^\t", text, re.MULTILINE):
        # PyYAML's own message for a tab in indentation is obscure; say it plainly
        line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("\t"))
        raise BadConfig(f"YAML indentation uses a tab on line {line}")
    try:
        loader = loader_class(text)  # the reader rejects control characters here, before parsing
    except yaml.YAMLError as exc:
        raise BadConfig(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise NotAConfig("a YAML file of comments only sets nothing")
        out: list[Setting] = []

        def walk(n: yaml.Node, prefix: str) -> None:
            if isinstance(n, yaml.MappingNode) and n.value:
                loader.flatten_mapping(n)
                for key_node, value_node in n.value:
                    key = str(loader.construct_object(key_node, deep=True))
                    if not prefix and key.lower() in _META_KEYS:
                        continue
                    full = f"{prefix}.{key}" if prefix else key
                    if isinstance(value_node, yaml.MappingNode) and value_node.value:
                        walk(value_node, full)
                    else:
                        out.append(Setting(full, loader.construct_object(value_node, deep=True),
                                           key_node.start_mark.line + 1))
            elif prefix:
                out.append(Setting(prefix, loader.construct_object(n, deep=True), n.start_mark.line + 1))

        if not isinstance(node, yaml.MappingNode):
            raise BadConfig(NOT_A_MAPPING)
        walk(node, "")
        return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BadConfig(f"invalid YAML{where}: {problem}") from None
    except ValueError as exc:  # an int over Python's 4300-digit conversion limit
        raise BadConfig(f"invalid YAML: {_first(exc)}") from None
    finally:
        loader.dispose()


def _first(exc: Exception) -> str:
    """An exception's message without Python's advice to the programmer ("; use sys.set_int_...")."""
    return str(exc).split(";")[0]


def _line_of(text: str, key: str, pattern: str) -> int | None:
    leaf = re.escape(key.rsplit(".", 1)[-1])
    m = re.search(pattern.format(leaf), text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _json_settings(text: str) -> list[Setting]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadConfig(f"invalid JSON (line {exc.lineno}): {exc.msg}") from None
    except RecursionError:
        raise BadConfig("JSON nested too deeply") from None
    except ValueError as exc:  # an int over Python's 4300-digit conversion limit
        raise BadConfig(f"invalid JSON: {_first(exc)}") from None
    if not isinstance(data, dict):
        raise BadConfig("JSON file is not an object of keys to values")
    return [Setting(k, v, _line_of(text, k, r'"{}"\s*:')) for k, v in _flatten(data)]


def _toml_settings(text: str) -> list[Setting]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadConfig(f"invalid TOML: {exc}") from None
    except ValueError as exc:  # an int over Python's 4300-digit conversion limit
        raise BadConfig(f"invalid TOML: {_first(exc)}") from None
    return [Setting(k, v, _line_of(text, k, r'^[ \t]*"?{}"?[ \t]*=')) for k, v in _flatten(data)]


def _python_settings(text: str, path: str) -> list[Setting]:
    """Module-level assignments of a config module; any other statement means it is code."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise BadConfig(f"cannot parse Python (line {exc.lineno}): {explain(exc, text) or exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # MemoryError: the parser's stack, on deep nesting
        raise BadConfig(f"cannot parse Python: {str(exc) or 'too deeply nested'}") from None
    out: list[Setting] = []
    # a name the module itself reads is a helper of the config (mmdetection's `train_pipeline = [...]`
    # then `data = dict(train=dict(pipeline=train_pipeline))`): still a key of what it sets, but
    # one no code need define
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            raise NotAConfig(f"line {stmt.lineno}: {type(stmt).__name__} is not an assignment")
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names:
            raise NotAConfig(f"line {stmt.lineno}: assignment to something other than a name")
        v = literal(value)
        for name in names:
            if name.startswith("_"):
                continue
            form = "local" if name in used else "value"
            if isinstance(v, dict) and v:
                out.extend(Setting(k, x, stmt.lineno, form) for k, x in _flatten(v, name))
            else:
                out.append(Setting(name, v, stmt.lineno, form))
    if not out:
        raise NotAConfig("no assignments")
    return out


def read_settings(path: str, text: str) -> list[Setting]:
    """The settings a config file makes. Raises BadConfig or NotAConfig."""
    try:
        return _read_settings(path, text)
    except RecursionError:
        # every reader here recurses over nesting; a hostile file must not stop the run
        raise BadConfig("nested too deeply to read") from None


def _read_settings(path: str, text: str) -> list[Setting]:
    if not text.strip():
        if path.endswith((".py", ".yaml", ".yml", ".toml")):
            # valid and deliberate (Hydra's `callbacks/none.yaml`, an empty `__init__.py`): it sets nothing
            raise NotAConfig("empty file")
        raise BadConfig("empty file")
    if path.endswith((".yaml", ".yml")):
        return _yaml_settings(text)
    if path.endswith(".json"):
        return _json_settings(text)
    if path.endswith(".toml"):
        return _toml_settings(text)
    if path.endswith(".gin"):
        try:
            return gin.read(text)[0]
        except gin.GinSyntaxError as exc:
            raise BadConfig(str(exc), exc.line) from None
    if path.endswith(".py") and mlcollections.is_config_module(text):
        try:
            found = mlcollections.read(path, text)
        except SyntaxError as exc:
            raise BadConfig(f"cannot parse Python (line {exc.lineno}): {exc.msg}", exc.lineno) from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise BadConfig(f"cannot parse Python: {str(exc) or 'too deeply nested'}") from None
        if found is not None:
            return found
    if path.endswith(".py"):
        return _python_settings(text, path)
    raise NotAConfig("not a config file type")


def problem(path: str, exc: BadConfig) -> Problem:
    return Problem("STL903", path, str(exc), exc.line)


__all__ = ["read_settings", "BadConfig", "NotAConfig", "SUFFIXES", "UNKNOWN"]

"""The libcst and `ast` trees of the texts fixes work on, each built once, and rewrites that cost
what the statements they touch cost, not what the file costs.

A fix used to parse its file with libcst (~0.1 s for a 500-line script), run its transformer over
every node (~0.1 s) and generate the whole file again (~0.03 s), several times over: cleanrl's 803
shown fixes took minutes. Here:

- A text is parsed once; the tree a rewrite produces is kept as the tree of the text it generates,
  so the next fix of the same file starts from it without parsing.
- A rewrite visits only the statements that contain a word the transformer looks for
  (`keys()` on each transformer: a flag's name, an option's words, a gate's test); the others are
  handed back untouched, as their own objects. Statements hold no state a transformer needs from
  a statement it does not change, so the result is the one a full visit gives.
- Code is generated from a memo: an untouched statement in the same indentation gives back the
  text it gave before, so only the statements a fix rebuilt are generated again.

`Trees(reuse=False)` does none of this (parse every time, visit everything, generate everything):
the way fixes were made before, kept so tests can hold the two to the same output.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import re
import warnings
from typing import Any, Callable, TypeVar

import libcst as cst
from libcst._nodes.internal import CodegenState

from ..index import reads

T = TypeVar("T")
_WORD = re.compile(r"\w+")
REUSE = True  # tests set it False to make every fix the old way, as the reference
# trees kept, least recently used dropped first: a fix needs its file's newest text, and the fixes
# shown on top of the safe ones each go back to the same texts (one per file)
_KEEP = 64


def longest_word(text: str) -> str | None:
    """The most selective word a match of `text` (an option, a dotted name, a gate's test) must
    contain, or None when it has none."""
    found = _WORD.findall(text)
    return max(found, key=len) if found else None


class _Memo(CodegenState):
    """Generates code, taking each statement's text from the memo when it was generated before in
    the same indentation."""

    memo: dict  # set by Trees: (id, indents, newline, indent, kwargs) -> (text but last token, last token)
    texts: dict  # id(statement) -> its text, for the words it holds
    alive: dict  # id -> statement: an id stays its node's while the memo is in use

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Any = None, end_node: Any = None) -> Any:
        # libcst's is a generator-based context manager that records nothing here, entered for most
        # nodes generated (cleanrl: 343k times, a third of generating code)
        return _NOTHING

    def statement(self, node: cst.BaseStatement, kwargs: dict[str, Any]) -> None:
        key = (id(node), tuple(self.indent_tokens), self.default_newline, self.default_indent,
               tuple(sorted(kwargs.items())))
        hit = self.memo.get(key)
        if hit is not None:
            self.tokens.extend(hit)
            return
        start = len(self.tokens)
        _PLAIN(node, self, **kwargs)
        made = self.tokens[start:]
        if not made:
            return
        # collapsed to two tokens: the last is the newline Module.pop_trailing_newline may take
        done = ("".join(made[:-1]), made[-1])
        self.tokens[start:] = done
        self.memo[key] = done
        self.alive[id(node)] = node
        self.texts.setdefault(id(node), done[0] + done[1])


_PLAIN = cst.CSTNode._codegen
_NOTHING = contextlib.nullcontext()


def _codegen(self: cst.CSTNode, state: CodegenState, **kwargs: Any) -> None:
    if type(state) is _Memo:
        state.statement(self, kwargs)  # type: ignore[arg-type]
    else:
        _PLAIN(self, state, **kwargs)


# every statement's code goes through the memo when a _Memo generates it; any other CodegenState
# (Module.code, libcst's position provider) generates as libcst does
cst.BaseStatement._codegen = _codegen  # type: ignore[method-assign]


class _Pruned(cst.CSTTransformer):
    """Runs `inner` on the statements that contain one of `keys`; hands the others back as they are."""

    def __init__(self, inner: cst.CSTTransformer, keys: frozenset[str], trees: "Trees") -> None:
        super().__init__()
        self.inner, self.keys, self.trees = inner, keys, trees
        self.skipped: set[int] = set()
        # asked of every node and attribute a rewrite visits (cleanrl: 250k nodes, 300k attributes),
        # and fixed by the transformer's class
        self._trivia = frozenset() if _trivia_hooks(type(inner)) else _TRIVIA
        self._attributes = _attribute_hooks(type(inner))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) in self._trivia:
            return False  # whitespace, commas, operators: nothing here for a transformer to change
        if isinstance(node, cst.BaseStatement):
            held = self.trees.statement_words(node)
            if held is not None and self.keys.isdisjoint(held):
                self.skipped.add(id(node))
                return False
        return self.inner.on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
        if id(original) in self.skipped or type(original) in self._trivia:
            return updated
        return self.inner.on_leave(original, updated)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if self._attributes:
            self.inner.on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original: cst.CSTNode, attribute: str) -> None:
        if self._attributes:
            self.inner.on_leave_attribute(original, attribute)


@functools.lru_cache(maxsize=None)
def _attribute_hooks(kind: type) -> bool:
    """Whether a transformer defines a hook on a node's attribute (`visit_If_test`); the fix's own
    define none, and asking libcst's no-op ones on every attribute of every node costs a fifth of
    a rewrite."""
    return any(_HOOK.match(name) and getattr(kind, name) is not getattr(cst.CSTTransformer, name, None)
               for name in dir(kind))


_HOOK = re.compile(r"^(visit|leave)_[A-Z][A-Za-z]*_\w+$")

# nodes that hold only layout (and other such nodes): a third of the nodes a rewrite would visit
_TRIVIA = frozenset(
    kind for kind in vars(cst).values()
    if isinstance(kind, type) and issubclass(kind, cst.CSTNode) and (
        issubclass(kind, (cst.BaseParenthesizableWhitespace, cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp,
                          cst.BaseUnaryOp, cst.BaseAugOp))
        or kind in (cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment, cst.Comma, cst.Dot,
                    cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftParen, cst.RightParen,
                    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace)))


@functools.lru_cache(maxsize=None)
def _trivia_hooks(kind: type) -> bool:
    """Whether a transformer has a hook on one of the _TRIVIA nodes (the fix's own have none)."""
    names = (f"{hook}_{t.__name__}" for t in _TRIVIA for hook in ("visit", "leave"))
    return any(getattr(kind, n, None) is not getattr(cst.CSTTransformer, n, None) for n in names)


def _parse_module(text: str) -> cst.Module:
    """`cst.parse_module`, without libcst validating each node its parser builds: the parser builds
    valid ones (libcst's own PERF note in CSTNode.__post_init__), and checking them was a sixth of
    parsing a file (cleanrl: 28 -> 22 ms a file). Nodes a transform builds are still checked. No
    other thread builds nodes meanwhile (the threads a fix run starts run git)."""
    saved = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = saved  # type: ignore[method-assign]


def _unchecked(self: cst.CSTNode) -> None:
    pass


class Trees:
    """libcst modules and `ast` trees by text, for one fix run."""

    def __init__(self, reuse: bool = True) -> None:
        self.reuse = reuse and REUSE
        self._cst: dict[str, cst.Module] = {}
        self._ast: dict[tuple[str, str], ast.Module] = {}
        self._memo: dict = {}
        self._made: dict[int, tuple[cst.Module, str]] = {}
        self._texts: dict[int, str] = {}
        self._alive: dict[int, cst.CSTNode] = {}
        self._words: dict[int, frozenset[str] | None] = {}
        self._compiled: dict[tuple[str, str], str | None] = {}
        self._derived: dict[tuple[int, Callable], tuple[ast.Module, Any]] = {}
        self._reads: dict[tuple[int, str, frozenset[str]], tuple[ast.Module, list]] = {}

    # ---- libcst --------------------------------------------------------------------------
    def cst(self, text: str) -> cst.Module:
        """The module of `text` (raises libcst's ParserSyntaxError as parse_module does)."""
        if not self.reuse:
            return cst.parse_module(text)
        module = self._get(self._cst, text)
        if module is None:
            module = _parse_module(text)
            # what each statement generates, for the memo and the words it holds; and a check that
            # the memo gives back what libcst gives (its codegen is not a public interface)
            if self.code(module) != text:
                self.reuse = False  # the old way from here on
                return module
            self._keep(self._cst, text, module)
        return module

    def code(self, module: cst.Module) -> str:
        if not self.reuse:
            return module.code
        made = self._get(self._made, id(module))
        if made is not None and made[0] is module:
            return made[1]
        state = _Memo(default_indent=module.default_indent, default_newline=module.default_newline)
        state.memo, state.texts, state.alive = self._memo, self._texts, self._alive
        module._codegen(state)
        text = "".join(state.tokens)
        self._keep(self._made, id(module), (module, text))
        return text

    def rewrite(self, module: cst.Module, transformer: cst.CSTTransformer) -> str:
        """The code of `module` rewritten by `transformer`; its tree is kept for that text."""
        return self.code(self.transform(module, transformer))

    def transform(self, module: cst.Module, transformer: cst.CSTTransformer, adopt: bool = True) -> cst.Module:
        """`module` visited by `transformer`; `adopt=False` for a tree that only another transform
        will use (its code is never asked: generating it cost a fifth of the code fixes generate)."""
        if not self.reuse:
            return module.visit(transformer)
        keys = transformer.keys() if hasattr(transformer, "keys") else None
        new = module.visit(transformer if keys is None else _Pruned(transformer, frozenset(keys), self))
        return self.adopt(new) if adopt else new

    def adopt(self, module: cst.Module) -> cst.Module:
        """Keep `module` as the tree of the text it generates."""
        if self.reuse:
            self._keep(self._cst, self.code(module), module)
        return module

    def statement_words(self, node: cst.BaseStatement) -> frozenset[str] | None:
        """The words in a statement's code (comments above it included); None when unknown or when
        a backslash (an escape in a string, a continued line) could spell a word another way."""
        got = self._words.get(id(node), False)
        if got is False:
            text = self._texts.get(id(node))
            if text is None:
                # not generated (yet): not remembered, as the node may go and its id be reused
                return None
            got = None if "\\" in text else frozenset(_WORD.findall(text))
            self._words[id(node)] = got
        return got  # type: ignore[return-value]

    # ---- ast -----------------------------------------------------------------------------
    def ast(self, path: str, text: str) -> ast.Module:
        """`ast.parse(text, path)` (SyntaxWarnings silenced), once per text: raises what it raises."""
        key = (path, text)
        tree = self._get(self._ast, key)
        if tree is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=path)
            self._keep(self._ast, key, tree)
        return tree

    def reads(self, tree: ast.Module, path: str, strong: set[str]) -> list:
        """`reads.extract(tree, path, strong)`'s reads, once per tree and strong names (a fix asks
        them of the text it leaves, and orphans.py of the same text, mostly with the same names)."""
        key = (id(tree), path, frozenset(strong))
        hit = self._get(self._reads, key)
        if hit is not None and hit[0] is tree:
            return hit[1]
        found = reads.extract(tree, path, strong)[0]
        self._keep(self._reads, key, (tree, found))
        return found

    def parsed_before(self, path: str, text: str) -> ast.Module | None:
        """The `ast` of a text if it is kept, without parsing it."""
        return self._ast.get((path, text))

    def derived(self, tree: ast.Module, what: Callable[[ast.Module], T]) -> T:
        """`what(tree)`, once per tree (what a fix learns of a text, the next fix asks again)."""
        key = (id(tree), what)
        hit = self._get(self._derived, key)
        if hit is not None and hit[0] is tree:
            return hit[1]
        value = what(tree)
        self._keep(self._derived, key, (tree, value))
        return value

    def parsed(self, path: str, text: str) -> ast.Module | None:
        """`ast` of a text, or None where it does not parse."""
        try:
            return self.ast(path, text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None

    def compile_error(self, path: str, text: str) -> str | None:
        """Why `text` does not compile, or None (compiled from its `ast`, once per text)."""
        key = (path, text)
        if key in self._compiled:
            return self._compiled[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if self.reuse:
                    compile(self.ast(path, text), path, "exec", dont_inherit=True)
                else:
                    compile(text, path, "exec", dont_inherit=True)
                why = None
            except (SyntaxError, ValueError) as exc:
                why = f"{path} would not compile: {exc}"
        self._keep(self._compiled, key, why)
        return why

    @staticmethod
    def _get(store: dict, key: Any) -> Any:
        value = store.pop(key, None)
        if value is not None:
            store[key] = value  # now the most recently used
        return value

    @staticmethod
    def _keep(store: dict, key: Any, value: Any) -> None:
        store[key] = value
        if len(store) > _KEEP:
            del store[next(iter(store))]

"""Which files the repo's documentation and tests name: a config or launch script named there
(MODEL_ZOO.md's table, a README's `--config-file configs/x.yaml`, a test that builds every model
from its config) is a recipe the maintainers publish, not a trial left behind."""
from __future__ import annotations

import posixpath
import re

from .discover import FileSet, is_test_code, read_text

_DOCS = (".md", ".mdx", ".markdown", ".rst", ".txt", ".ipynb")
# a stem shorter than this (`base`, `small`) is named in prose by chance
_MIN_STEM = 8
# a test that loads every config by a glob (maskrcnn-benchmark's `glob.glob(root + "/**/*.yaml")`)
_GLOB = re.compile(r"\*\.(yaml|yml|json|toml|gin|py)\b")


class Mentions:
    """Read once, on the first question (most runs never ask)."""

    def __init__(self, files: FileSet, max_size: int) -> None:
        self._files, self._max = files, max_size
        self._text: str | None = None
        self._globbed: set[str] = set()  # suffixes a test loads every file of

    def _corpus(self) -> str:
        if self._text is None:
            parts = []
            for rel in self._files.files:
                if rel.lower().endswith(_DOCS) or rel.endswith(".py") and is_test_code(rel):
                    text, _ = read_text(self._files.root, rel, self._max)
                    if text:
                        parts.append(text)
                        if rel.endswith(".py") and "glob" in text:
                            self._globbed.update("." + m for m in _GLOB.findall(text))
            self._text = "\0".join(parts)
        return self._text

    def __call__(self, path: str) -> bool:
        """Whether documentation or tests name the file (by its name, or its name without suffix), or
        a test globs every file of its kind."""
        name = posixpath.basename(path)
        stem = posixpath.splitext(name)[0]
        corpus = self._corpus()
        return name in corpus or (len(stem) >= _MIN_STEM and stem in corpus) \
            or posixpath.splitext(name)[1] in self._globbed

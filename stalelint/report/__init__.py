"""Output formats, one module per format; each has `render(result) -> str`."""
from __future__ import annotations

from types import ModuleType

from . import github, json_format, markdown, sarif, text

FORMATS: dict[str, ModuleType] = {
    "text": text, "json": json_format, "sarif": sarif, "github": github, "markdown": markdown,
}

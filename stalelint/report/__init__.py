"""Output formats, one module per format; each has `render(result) -> str`."""
from __future__ import annotations

from types import ModuleType

from . import json_format, text

FORMATS: dict[str, ModuleType] = {"text": text, "json": json_format}

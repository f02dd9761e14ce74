"""A status line on stderr while a run takes more than a moment: `stalelint: reading git history… 2.1s`.

Shown only when the stream is a terminal (never in a pipe, a CI log or machine-readable output,
which goes to stdout anyway), only once the run has taken longer than `delay`, rewritten in place
with `\\r`, and cleared when the run ends.
"""
from __future__ import annotations

import os
import threading
import time
from typing import IO


def wanted(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Progress:
    """Use as a context manager; call it with the name of each stage as the run reaches it."""

    def __init__(self, stream: IO[str], enabled: bool | None = None, delay: float = 0.5, interval: float = 0.1):
        self.stream = stream
        self.enabled = wanted(stream) if enabled is None else enabled
        self.delay, self.interval = delay, interval
        self.stage = "starting"
        self.shown = 0  # width of the line on screen
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str) -> None:
        self.stage = stage
        if self.enabled and time.monotonic() - self._start >= self.delay:
            self._draw()

    def __enter__(self) -> "Progress":
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, name="stalelint-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self.shown:
                self.stream.write("\r" + " " * self.shown + "\r")
                self.stream.flush()
                self.shown = 0

    def _tick(self) -> None:
        if self._done.wait(self.delay):
            return
        while not self._done.is_set():
            self._draw()
            self._done.wait(self.interval)

    def _draw(self) -> None:
        with self._lock:
            if self._done.is_set():
                return
            line = f"stalelint: {self.stage}… {time.monotonic() - self._start:.1f}s"
            self.stream.write("\r" + line + " " * max(self.shown - len(line), 0))
            self.stream.flush()
            self.shown = max(self.shown, len(line))

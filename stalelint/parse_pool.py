"""Index many files across cores, when there is enough to parse to pay for the workers.

`index_file` is a pure function of (path, text), so the order of work does not matter and the
results are those of a serial run; they come back in the order given.
"""
from __future__ import annotations

import os
import sys

from .index import index_file
from .model import FileIndex

# Below this much source (bytes) a serial loop wins: forking two workers and shipping the texts
# and records between processes costs ~0.1 s, about what parsing 100-200 kB takes. Measured on a
# 2-core Linux machine (benchmarks/RESULTS.md: 79 kB 1.31x slower with 2 workers, 120-200 kB
# even, 0.4-1.6 MB 0.70-0.77x). Spawn-based platforms start workers far slower.
MIN_BYTES = 200_000 if sys.platform.startswith("linux") else 4_000_000


def _index_chunk(chunk: list[tuple[str, str]]) -> list[FileIndex]:
    return [index_file(path, text) for path, text in chunk]


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def index_many(items: list[tuple[str, str]], jobs: int | None = None) -> list[FileIndex]:
    """FileIndex of each (path, text), in order. `jobs`: 1 forces serial; None decides by size."""
    auto = jobs is None
    jobs = workers() if jobs is None else jobs
    if jobs <= 1 or len(items) < 2 or (auto and sum(len(text) for _, text in items) < MIN_BYTES):
        return _index_chunk(items)
    jobs = min(jobs, len(items))
    # balance by size: big files first, dealt round-robin, so no worker gets all the giants
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
    chunks: list[list[int]] = [[] for _ in range(jobs * 4)]
    for n, i in enumerate(order):
        chunks[n % len(chunks)].append(i)
    chunks = [c for c in chunks if c]
    # imported here: concurrent.futures and multiprocessing cost a warm run ~40 ms to import
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = None
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")  # no re-import of stalelint in each worker
    out: list[FileIndex | None] = [None] * len(items)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for chunk, records in zip(chunks, pool.map(_index_chunk, [[items[i] for i in c] for c in chunks])):
            for i, record in zip(chunk, records):
                out[i] = record
    return out  # type: ignore[return-value]

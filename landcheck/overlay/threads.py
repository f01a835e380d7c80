"""How the kernel spreads work over threads: the number of threads, chunks of sorted pairs that
never split one geometry's run, and a runner that keeps results in order and reports progress.

No geometry knowledge here: callers pass the work as a function over items.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np

from ..progress import Advance

#: Chunks of work per thread: enough for an even load, few enough to keep the overhead small.
CHUNKS_PER_THREAD = 4


def n_threads(threads: int | None) -> int:
    """Worker threads: `threads`, or every core this process may use when None."""
    if threads is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not Linux
            return max(1, os.cpu_count() or 1)
    if threads < 1:
        raise ValueError("threads must be >= 1")
    return int(threads)


def run(fn: Callable[[Any], Any], items: Sequence[Any], threads: int, progress: Advance | None = None) -> list[Any]:
    """fn over items, on a thread pool when threads > 1 (results in the order of items); `progress`
    hears of every finished item."""
    n = len(items)
    if progress:
        progress(0, n)
    if threads <= 1 or n <= 1:
        out = []
        for k, x in enumerate(items, 1):
            out.append(fn(x))
            if progress:
                progress(k, n)
        return out
    with ThreadPoolExecutor(max_workers=min(threads, n)) as ex:
        futures = [ex.submit(fn, x) for x in items]
        if progress:
            for k, _ in enumerate(as_completed(futures), 1):
                progress(k, n)
        return [f.result() for f in futures]


def chunks_by_key(key: np.ndarray, n_chunks: int) -> list[tuple[int, int]]:
    """Split positions 0..len(key) of a sorted key array into ~n_chunks ranges of similar length
    that never cut a run of equal keys (so one geometry is prepared in one chunk only)."""
    n = len(key)
    if n == 0:
        return []
    n_chunks = max(1, min(n_chunks, n))
    targets = (np.arange(1, n_chunks) * n) // n_chunks
    cuts = np.searchsorted(key, key[targets], side="left")
    bounds = np.unique(np.concatenate([[0], cuts, [n]]))
    return [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]

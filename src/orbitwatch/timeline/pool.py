"""One worker-pool helper: map a batch function over chunks of items in worker processes.

Serial below a threshold (ORBIT_POOL_THRESHOLD) or on one core; knows nothing of events.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

POOL_THRESHOLD = 4000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4
CHUNK = 1000  # items a worker handles per task
PROGRESS_EVERY = 500  # serial items between two progress calls


def pool_threshold() -> int:
    """ORBIT_POOL_THRESHOLD overrides it (tests use 1 to drive the worker path)."""
    try:
        return int(os.environ.get("ORBIT_POOL_THRESHOLD", POOL_THRESHOLD))
    except ValueError:
        return POOL_THRESHOLD


def map_pooled(
    items: Sequence[Item],
    one: Callable[[Item], Result],
    batch: Callable[[Sequence[Item]], list[bytes]],
    rebuild: Callable[[bytes, Item], Result],
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """[one(item) for item in items], in order; in worker processes when there are many.

    A worker runs `batch` (a picklable module-level function, or a partial of one) on a chunk
    and hands back one compact blob per item, which the parent turns back with `rebuild`: blobs
    cross the process boundary faster than nested objects. If the pool cannot start or breaks,
    everything is done serially instead.
    """
    total = len(items)
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if total < pool_threshold() or workers < 2:
        results: list[Result] = []
        for position, item in enumerate(items):
            results.append(one(item))
            if progress is not None and position % PROGRESS_EVERY == 0:
                progress(position, total)
        return results
    import concurrent.futures

    chunks = [items[i : i + CHUNK] for i in range(0, total, CHUNK)]
    results = []
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk, blobs in zip(chunks, pool.map(batch, chunks), strict=True):
                results.extend(rebuild(blob, item) for blob, item in zip(blobs, chunk, strict=True))
                if progress is not None:
                    progress(len(results), total)
    except (OSError, concurrent.futures.process.BrokenProcessPool):
        return [one(item) for item in items]
    return results

"""The garbage collector's settings for a serving process (measured: bench/speed.py).

A mock's heap is mostly long-lived: parsed specs, compiled generators, Faker, pools, and bounded
caches of generated items. CPython's default policy scans all of it in every full (generation 2)
collection, every few thousand requests that fill caches: 200-330 ms pauses on this machine, a
quarter of the CPU time of requests that generate new collections, and most of the p99 at 64
connections. Two changes, both standard library:

- `gc.freeze()` once the app is built: what start-up made lives as long as the process, so it
  moves to the permanent generation and is never scanned again;
- a full collection at most every 500 generation-1 collections (the default is 10). Cache entries
  are freed by reference counting when evicted (they form no cycles), so little waits for the
  full collection; it still runs, and garbage cycles are still collected;
- a generation-1 collection every 2 generation-0 ones (the default is 10). Evicted cache entries
  offset new ones, so generation 0 fills slowly and the young objects of some 60 requests wait
  for each generation-1 collection: 30,000 of them, 60-90 ms. Collected five times as often, the
  longest pause is 18-27 ms, for the same total (full collections come as often as before: 500 x 2
  is 100 x 10).

Measured on new-collection requests (in-process, the same run): 20-25% less CPU per request and
the longest pause 18-31 ms instead of 310-320 ms.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 500  # generation-1 collections between full ones (CPython's default: 10)
YOUNG_COLLECTION_EVERY = 2  # generation-0 collections between generation-1 ones (CPython's default: 10)


def settle() -> None:
    """Call once the app is built, before serving."""
    gc.collect()
    gc.freeze()
    threshold0, _, _ = gc.get_threshold()
    gc.set_threshold(threshold0, YOUNG_COLLECTION_EVERY, FULL_COLLECTION_EVERY)

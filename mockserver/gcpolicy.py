"""The garbage collector's settings for a serving process (measured: bench/speed.py).

A mock's heap is mostly long-lived: parsed specs, compiled generators, Faker, pools, and bounded
caches of generated items. CPython's default policy scans all of it in every full (generation 2)
collection, every few thousand requests that fill caches: 200-330 ms pauses on this machine, a
quarter of the CPU time of requests that generate new collections, and most of the p99 at 64
connections. Three changes, all standard library:

- `gc.freeze()` once the app is built: what start-up made lives as long as the process, so it
  moves to the permanent generation and is never scanned again;
- a full collection once every FULL_COLLECTION_SECONDS (10 minutes) at most, from `tick()`;
  CPython never starts one itself (its generation-2 threshold is set out of reach). A full
  collection scans every live cached object: in-process after 30,000 new collections some 88,000
  tracked objects, 60,000 of them cached items, a 100-150 ms pause (242,000 and 190-260 ms before
  the caches' keys, listings, journal entries and renderings were made of objects the collector
  does not track). With CPython's count-based trigger (5,000 generation-1 collections here) that
  pause came every 80,000 pipeline requests, a minute at full speed: 0.2% of the time, so in the
  p99 of any minute at 64 connections. Only garbage cycles wait for a full collection (cache
  entries are freed by reference counting when evicted: they form none), and serving makes
  none that we have seen (50,000 requests in-process, new collections of three endpoints,
  every bench case and 4xx answers: no cycle found). Ten minutes of
  them is what the bound holds back; a full collection still comes;
- a generation-1 collection every 2 generation-0 ones (the default is 10).

Measured on new-collection requests (in-process, the same run): 20-25% less CPU per request and
the longest pause 18-31 ms instead of 310-320 ms.

One more, because the caches are bounded: once they are full, every new entry evicts an old one,
and freeing an old object counts against generation 0's allocation count as if it were young.
The count then hardly grows, so generation 0 is collected rarely (218 times in 2,500 new
collections at first, 14 times after 20,000) and holds ever more live young objects each time:
the collector's share grew from 30 to 100 us a request and its pauses to 60-100 ms. So a serving
process collects the young generations itself every YOUNG_EVERY_REQUESTS requests that ran the
pipeline (`tick()`, on the thresholds above): 26-55 us a request, the longest young pause 0.2-2.3
ms (in-process, 25,000 new collections).
"""

from __future__ import annotations

import gc
import itertools
import time

FULL_COLLECTION_SECONDS = 600.0  # at most one full collection in this long, started by tick()
NEVER = 1 << 30  # generation 2's threshold: CPython itself never starts a full collection
YOUNG_COLLECTION_EVERY = 2  # generation-0 collections between generation-1 ones (CPython's default: 10)


YOUNG_EVERY_REQUESTS = 8  # pipeline requests between generation-0 collections of a serving process

_requests = itertools.count(1)
_serving = False
_last_full = 0.0


def settle() -> None:
    """Call once the app is built, before serving."""
    global _serving, _last_full
    gc.collect()
    gc.freeze()
    threshold0, _, _ = gc.get_threshold()
    gc.set_threshold(threshold0, YOUNG_COLLECTION_EVERY, NEVER)
    _serving, _last_full = True, time.monotonic()


def tick() -> None:
    """One request ran the pipeline (its items and rendering may stay in the caches)."""
    global _last_full
    if not _serving or next(_requests) % YOUNG_EVERY_REQUESTS:
        return
    now = time.monotonic()
    if now - _last_full >= FULL_COLLECTION_SECONDS:
        _last_full = now
        gc.collect(2)
        return
    _, young, _ = gc.get_count()  # generation-0 collections since generation 1's last one
    gc.collect(1 if young >= YOUNG_COLLECTION_EVERY else 0)

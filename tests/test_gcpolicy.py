"""mockserver/gcpolicy.py: a serving process collects its young generations every few pipeline
requests, because bounded caches that evict as they fill keep CPython's own trigger from firing
(measured there). Run in a subprocess: settle() freezes the interpreter's heap."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import gc
    import sys
    from mockserver import gcpolicy

    kept = []
    def requests(n):
        for _ in range(n):
            kept.append([{"i": 1} for _ in range(50)])  # what a request leaves in a cache
            gcpolicy.tick()

    gcpolicy.FULL_COLLECTION_SECONDS = float(sys.argv[1])
    gcpolicy.settle()
    assert gc.get_threshold()[1:] == (gcpolicy.YOUNG_COLLECTION_EVERY, gcpolicy.NEVER)
    gc.disable()  # only the ticks collect from here on
    before = [s["collections"] for s in gc.get_stats()]
    requests(gcpolicy.YOUNG_EVERY_REQUESTS * 10)
    after = [s["collections"] for s in gc.get_stats()]
    print(after[0] - before[0], after[1] - before[1], after[2] - before[2])
""")


def _collections(full_every_seconds: float) -> tuple[int, int, int]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(full_every_seconds)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    young, older, full = map(int, out.stdout.split())
    return young, older, full


def test_a_serving_process_collects_the_young_every_few_requests():
    young, older, full = _collections(600.0)
    assert young + older == 10  # one collection every YOUNG_EVERY_REQUESTS requests
    assert older == 3  # after YOUNG_COLLECTION_EVERY (2) young-only ones, one takes generation 1 too
    assert full == 0  # a full collection waits for its time, however many requests come


def test_a_full_collection_comes_once_its_time_has_passed():
    young, older, full = _collections(0.0)  # due at every tick
    assert full == 10 and young == older == 0

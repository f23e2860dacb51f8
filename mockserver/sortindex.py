"""Sorts and filters that need every item, on collections too large to generate in a request.

A page in generation order, a range on the ordered field and conditions on cycle fields are
answered by arithmetic (pipeline.py, periodic.py). Anything else (a sort on a field that does not
grow with the index, a filter on a drawn value) needs the value of that field for every item. Up
to INLINE_MAX items the pipeline generates the collection in the request (well under 2 s), as it
always did. Above that, generating a million items takes tens of seconds, and on the event loop it
would stall every other request for as long. So:

- the first such request starts an **index** in a background thread and is answered at once with
  a 503 in the vendor's envelope, with `Retry-After` (the seconds the index still needs);
- the index is the matching items' positions in the requested order (`array('I')`, 4 bytes an
  item): built from each item's fields as far as the ones the query reads (a prefix of the item's
  draws, so exactly the values the whole item has), never holding the items themselves;
- once built, every page of that query costs what a default-order page does (the ranks slice).

Bounds: one build at a time (others queue, at most MAX_QUEUED, then 503 without queueing);
indexes hold at most INDEX_BUDGET positions in all (LRU), 64 MB. The builder yields the GIL every
YIELD_EVERY items, so the event loop keeps answering while it runs.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections import OrderedDict
from typing import Any

from .dotted import getter
from .errors import Problem, RequestError
from .query import Condition, Page, Query, SortKey

INLINE_MAX = 50_000  # items a request may generate itself (about 1-2 s on one core)
INDEX_BUDGET = 16_000_000  # positions held by all indexes together (4 bytes each)
MAX_QUEUED = 4  # queries waiting for the builder; beyond that a 503 without queueing
YIELD_EVERY = 256  # items between GIL hand-overs to the event loop
ITEM_SECONDS = 40e-6  # first estimate of the build cost per item, until a build has measured it


class SortIndexes:
    """Per World: built indexes (LRU by positions held), the queue, and the one builder thread."""

    def __init__(self, budget: int = INDEX_BUDGET):
        self.budget = budget
        self.ready: OrderedDict[tuple, array] = OrderedDict()
        self.held = 0
        self.queue: OrderedDict[tuple, tuple] = OrderedDict()  # key -> build arguments
        self.progress: dict[tuple, int] = {}  # key -> items read so far
        self.item_seconds = ITEM_SECONDS
        self.lock = threading.Lock()
        self.worker: threading.Thread | None = None
        self.generation = 0  # bumped by clear(): a build started before is dropped

    def clear(self) -> None:
        with self.lock:
            self.ready.clear()
            self.queue.clear()
            self.held = 0
            self.generation += 1

    def get(self, key: tuple) -> array | None:
        with self.lock:
            found = self.ready.get(key)
            if found is not None:
                self.ready.move_to_end(key)
            return found

    def _keep(self, key: tuple, ranks: array) -> None:
        with self.lock:
            if len(ranks) > self.budget:
                return
            self.ready[key] = ranks
            self.held += len(ranks)
            while self.held > self.budget:
                _, dropped = self.ready.popitem(last=False)
                self.held -= len(dropped)

    def request(self, key: tuple, job: tuple, items: int) -> int:
        """Queue a build (once per key); the seconds until it should be ready."""
        with self.lock:
            queued = key in self.queue
            if not queued and len(self.queue) >= MAX_QUEUED:
                ahead = sum(j[2] - j[1] for j in self.queue.values())
                return self._eta(ahead)
            if not queued:
                self.queue[key] = job
            ahead = 0
            for k, j in self.queue.items():
                ahead += (j[2] - j[1]) - self.progress.get(k, 0)
                if k == key:
                    break
            if self.worker is None or not self.worker.is_alive():
                self.worker = threading.Thread(target=self._run, name="mockserver-sortindex", daemon=True)
                self.worker.start()
            return self._eta(ahead)

    def _eta(self, items: int) -> int:
        return max(1, math.ceil(items * self.item_seconds))

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.queue:
                    self.worker = None
                    return
                key, job = next(iter(self.queue.items()))
                generation = self.generation
            started = time.process_time()
            try:
                ranks = build(*job, progress=lambda n, k=key: self.progress.__setitem__(k, n))
            except Exception:  # noqa: BLE001 - not kept: the next request queues it again
                ranks = None
            elapsed = time.process_time() - started
            with self.lock:
                self.queue.pop(key, None)
                self.progress.pop(key, None)
                if job[2] > job[1] and elapsed > 0:
                    self.item_seconds = max(1e-6, elapsed / (job[2] - job[1]))
                stale = generation != self.generation
            if ranks is not None and not stale:
                self._keep(key, ranks)


def needed_heads(recipe: Any, fields: list[str]) -> str | None:
    """The top-level property, latest in generation order, among the first segments of `fields`:
    generating each item up to it gives every field the query reads."""
    order = recipe.generation_order
    heads = {f.split(".", 1)[0] for f in fields}
    known = [h for h in heads if h in order]
    if len(known) < len(heads):
        return None  # a field the schema does not have: generate whole items
    return max(known, key=order.index) if known else None


def build(collection: Any, lo: int, hi: int, rest: tuple[Condition, ...], order: tuple[SortKey, ...],
          progress=lambda n: None) -> array:
    """The positions in [lo, hi) whose items meet `rest`, in `order` (nulls last ascending; ties in
    generation order): what filtering and sorting the materialized items gives, item for item."""
    recipe = collection.recipe
    head = needed_heads(recipe, [c.field for c in rest] + [k.field for k in order])
    generate = recipe.prefix_for(head) if head else recipe.generate
    ctx = collection.item_ctx
    tests = [(c, getter(c.field)) for c in rest]
    reads = [getter(k.field) for k in order]
    # Column by column, not a tuple per item: a million (position, value) tuples would cost three
    # times the memory of the values themselves.
    positions = array("I")
    columns: list[list] = [[] for _ in order]
    sleep = time.sleep
    for i in range(lo, hi):
        item = generate(ctx(i))
        if all(c.holds(get(item)) for c, get in tests):
            positions.append(i)
            for column, read in zip(columns, reads):
                column.append(read(item))
        if not i % YIELD_EVERY:
            progress(i - lo)
            sleep(0)  # hand the GIL to the event loop
    if not order:
        return positions
    ranks = list(range(len(positions)))
    for key, column in zip(reversed(order), reversed(columns)):  # stable: the last key first
        if None in column:  # nulls after every value ascending (pipeline.sort_items)
            ranks.sort(key=lambda r, c=column: (c[r] is None, c[r] if c[r] is not None else 0), reverse=key.descending)
        else:
            ranks.sort(key=column.__getitem__, reverse=key.descending)
        column.clear()
    return array("I", [positions[r] for r in ranks])


def page(collection: Any, lo: int, hi: int, rest: list[Condition], order: tuple[SortKey, ...], query: Query) -> Page:
    """A page of a query that needs every item of a large collection: from its index, or a 503
    with Retry-After while the index is being built."""
    indexes: SortIndexes = collection.world.sort_indexes
    key = (collection.cache_key, lo, hi, tuple(rest), order)
    ranks = indexes.get(key)
    if ranks is None:
        seconds = indexes.request(key, (collection, lo, hi, tuple(rest), order), hi - lo)
        raise RequestError(503, [Problem(
            f"this query filters or sorts all {hi - lo:,} items on a field they are not generated in order of; "
            f"its index is being built: retry in {seconds} s (README: Benchmarks and robustness)")],
            headers={"Retry-After": str(seconds)})
    start = query.offset
    return Page(collection.slice(ranks[start:start + query.limit]), len(ranks), query.offset, query.limit)

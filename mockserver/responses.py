"""A bounded cache of rendered responses: the request pipeline is a pure function of the request.

Data is a pure function of (seed, collection, index), so the same request always renders the same
bytes; what varies per request (latency, error rate, rate limit) happens before the lookup. The
cache is cleared whenever pinned records change, and bounded by total bytes held.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendering:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]
    parameters: dict  # the query's parameters, for the journal
    warnings: tuple[str, ...]  # validation problems, for the journal


class ResponseCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_body: int = 1024 * 1024):
        self.max_bytes, self.max_body = max_bytes, max_body
        self.entries: OrderedDict[tuple, Rendering] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    def get(self, key: tuple) -> Rendering | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: tuple, rendering: Rendering) -> None:
        size = len(rendering.body)
        if size > self.max_body or key in self.entries:
            return
        self.entries[key] = rendering
        self.bytes += size
        while self.bytes > self.max_bytes and self.entries:
            _, dropped = self.entries.popitem(last=False)
            self.bytes -= len(dropped.body)

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0

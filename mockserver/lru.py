"""One bounded LRU for every cache of derived data: bounded by total weight, not entry count,
because one entry may be a 25-item page or a 300,000-item collection."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable


class WeightedLRU:
    def __init__(self, max_weight: int, weight: Callable[[Any], int] = len, max_entry: int | None = None):
        self.max_weight, self.weight_of = max_weight, weight
        self.max_entry = max_weight if max_entry is None else max_entry
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.weight = 0

    def get(self, key: tuple) -> Any:
        found = self.entries.get(key)
        if found is not None:
            try:
                self.entries.move_to_end(key)
            except KeyError:  # evicted in between by another thread (the sort-index builder)
                pass
        return found

    def put(self, key: tuple, value: Any) -> None:
        """Keep `value` unless it alone is over `max_entry`; evict the least recently used beyond."""
        weight = self.weight_of(value)
        if weight > self.max_entry or key in self.entries:
            return
        self.entries[key] = value
        self.weight += weight
        while self.weight > self.max_weight:
            _, dropped = self.entries.popitem(last=False)
            self.weight -= self.weight_of(dropped)

    def clear(self) -> None:
        self.entries.clear()
        self.weight = 0

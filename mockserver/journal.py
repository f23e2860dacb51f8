"""A bounded record of every request the mock received, with its validation result.

Clients under test are checked against it (`GET /__mock/requests`, `mockserver verify`). Each
worker process keeps its own journal; run with one worker when verifying a client.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone


@dataclass
class Entry:
    id: int
    at: float  # epoch seconds; printed as RFC 3339 when the journal is read
    method: str
    path: str
    query: str
    operation: str | None
    status: int
    parameters: dict[str, list[str]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    rule: str | None = None  # the fault-script rule that answered (scripts.py)


Parameters = tuple  # ((name, (value, ...)), ...): a query's parameters as the journal keeps them


def frozen_parameters(parameters: dict[str, list[str]]) -> Parameters:
    """A query's parameters (every value under its name, in order) as tuples of strings."""
    return tuple((name, tuple(values)) for name, values in parameters.items())


class Journal:
    """The last `size` requests, oldest first.

    A serving process keeps 10,000 entries, and every full collection scanned each of them: an
    `Entry`, its violations list and its parameters (a dict and a list a name), 3-4 tracked
    objects a request. So an entry is kept as a tuple of strings, numbers and tuples of strings,
    which the collector stops tracking, and made an `Entry` only when the journal is read."""

    def __init__(self, size: int = 10_000):
        self.entries: deque[Entry | tuple] = deque(maxlen=size)
        self._ids = itertools.count(1)

    def add(self, method: str, path: str, query: str, operation: str | None, status: int,
            parameters: dict[str, list[str]] | Parameters, violations: list[str] | tuple[str, ...],
            rule: str | None = None) -> None:
        """`parameters` as a dict, or already frozen (`frozen_parameters`: a cached rendering's)."""
        if type(parameters) is not tuple:
            parameters = frozen_parameters(parameters)
        self.entries.append((next(self._ids), time.time(), method, path, query, operation, status,
                             parameters, tuple(violations), rule))

    def as_json(self) -> dict:
        entries = [{**asdict(e), "at": datetime.fromtimestamp(e.at, timezone.utc).isoformat(timespec="milliseconds")}
                   for e in map(_entry, self.entries)]
        return {"total": len(entries), "violations": sum(1 for e in entries if e["violations"]), "requests": entries}

    def clear(self) -> None:
        self.entries.clear()


def _entry(kept: Entry | tuple) -> Entry:
    """A kept entry as an `Entry` (the proxy's journal keeps `ProxyEntry` objects as they are)."""
    if not isinstance(kept, tuple):
        return kept
    *head, parameters, violations, rule = kept
    return Entry(*head, {name: list(values) for name, values in parameters}, list(violations), rule)

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


class Journal:
    def __init__(self, size: int = 10_000):
        self.entries: deque[Entry] = deque(maxlen=size)
        self._ids = itertools.count(1)

    def add(self, method: str, path: str, query: str, operation: str | None, status: int,
            parameters: dict[str, list[str]], violations: list[str], rule: str | None = None) -> Entry:
        entry = Entry(next(self._ids), time.time(), method, path, query, operation, status, parameters, violations, rule)
        self.entries.append(entry)
        return entry

    def as_json(self) -> dict:
        entries = [{**asdict(e), "at": datetime.fromtimestamp(e.at, timezone.utc).isoformat(timespec="milliseconds")}
                   for e in self.entries]
        return {"total": len(entries), "violations": sum(1 for e in entries if e["violations"]), "requests": entries}

    def clear(self) -> None:
        self.entries.clear()

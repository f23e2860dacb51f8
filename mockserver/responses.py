"""A bounded cache of rendered responses: the request pipeline is a pure function of the request.

Data is a pure function of (seed, collection, index), so the same request always renders the same
bytes; what varies per request (latency, error rate, rate limit) happens before the lookup. The
cache is cleared whenever pinned records change, and bounded by total bytes held. A rendering's
ETag and gzip encoding are computed on first use and then kept with it (the gzip bytes, 13-25% of
a page's size, are not counted against the bound).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import conditional
from .lru import WeightedLRU


class _once:
    """`functools.cached_property` without its lock (Python 3.11 takes an RLock on every first
    read: 2-3 us a request). Racing threads would at worst both compute the same pure value."""

    def __init__(self, func):
        self.func, self.name = func, func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.func(instance)
        # Frozen: past the dataclass's __setattr__. Not through `instance.__dict__`, which would make
        # the instance's attributes a dict of their own: one more tracked object a cached rendering.
        object.__setattr__(instance, self.name, value)
        return value


@dataclass(frozen=True)
class Rendering:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]
    parameters: tuple  # the query's parameters, for the journal (journal.frozen_parameters: not tracked)
    warnings: tuple[str, ...]  # validation problems, for the journal

    @_once
    def etag(self) -> str:
        return conditional.etag_of(self.body)

    @_once
    def gzipped(self) -> bytes:
        return conditional.gzipped(self.body)


def response_cache(max_bytes: int = 64 * 1024 * 1024, max_body: int = 1024 * 1024) -> WeightedLRU:
    """Rendered responses, bounded by the bytes held; bodies over `max_body` are not kept."""
    return WeightedLRU(max_bytes, weight=lambda rendering: len(rendering.body), max_entry=max_body)

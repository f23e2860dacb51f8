"""Filters answered by index arithmetic: conditions on fields whose value repeats in a cycle.

A `cycle:` field (or a `null_cycle:` field's null-ness) depends only on the item's position in a
scrambled cycle of length L, so whether item i matches a condition on it depends only on i mod L.
Several such conditions repeat with period P = lcm(L1, L2, ...). With M the sorted offsets in
[0, P) that match, the matching items are {k*P + m}: counting them and finding the k-th one are
O(1) and O(log |M|), so a filtered page of a million items costs what an unfiltered one does.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from math import lcm
from typing import Any

from .fake import cycle_position
from .query import Condition

MAX_PERIOD = 100_000
NOT_NULL = object()  # stands for "some value" in a null_cycle field


@dataclass(frozen=True)
class CycleField:
    """A field (dotted path) whose value at cycle position p is `values[p]`."""

    path: str
    values: tuple  # for null cycles: None or NOT_NULL per position
    nulls_only: bool = False  # only is_null / not_null can be decided from the cycle

    @property
    def salt(self) -> str:
        return self.path.rsplit(".", 1)[-1]  # the generator salts a cycle with the property's name

    def decides(self, cond: Condition) -> bool:
        if self.nulls_only:
            return cond.op in ("is_null", "not_null")
        return cond.op in ("eq", "in", "is_null", "not_null", "gt", "ge", "lt", "le")


def holds(value: Any, cond: Condition) -> bool:
    """`cond` at one cycle position; NOT_NULL (some value of a null cycle) only decides null-ness."""
    if value is NOT_NULL:
        return cond.op == "not_null"
    return cond.holds(value)


@dataclass(frozen=True)
class Matches:
    period: int
    offsets: tuple[int, ...]  # sorted offsets in [0, period) whose items match

    def count_below(self, index: int) -> int:
        whole, rest = divmod(index, self.period)
        return whole * len(self.offsets) + bisect_left(self.offsets, rest)

    def nth(self, k: int) -> int:
        whole, rest = divmod(k, len(self.offsets))
        return whole * self.period + self.offsets[rest]


def plan(fields: dict[str, CycleField], conditions: list[Condition]) -> list[tuple[CycleField, Condition]] | None:
    """The cycle field deciding each condition, or None if any condition needs the real items."""
    pairs = []
    for cond in conditions:
        field = fields.get(cond.field)
        if field is None or not field.decides(cond):
            return None
        pairs.append((field, cond))
    return pairs


@lru_cache(maxsize=4096)
def matches(pairs: tuple[tuple[CycleField, Condition], ...], seed: int, params_items: tuple) -> Matches | None:
    period = lcm(*(len(f.values) for f, _ in pairs))
    if period > MAX_PERIOD:
        return None
    params = dict(params_items)
    offsets = [r for r in range(period)
               if all(holds(f.values[cycle_position(r, seed, params, len(f.values), f.salt)], c) for f, c in pairs)]
    return Matches(period, tuple(offsets))

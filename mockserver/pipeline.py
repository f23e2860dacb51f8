"""filter -> sort -> page: the vendor-neutral heart of every list endpoint.

Items are generated so that the collection's `ordered_by` field grows with the index. A query that
neither filters nor sorts on anything else is answered in O(page) by index arithmetic, without
generating the rest of the collection (this is what keeps a page of a million items cheap). A range
condition on `ordered_by` is answered by binary search over the index, for the same reason.
Everything else materializes the collection (cached, bounded) and filters and sorts it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import Any, Callable

from . import cursor, periodic, sortindex
from .dataset import Collection
from .dotted import dig, getter
from .query import Condition, Page, Query, SortKey


def matches(item: dict, cond: Condition) -> bool:
    return cond.holds(getter(cond.field)(item))


def sort_items(items: list, keys: tuple[SortKey, ...], get: Callable[[Any], dict] = lambda x: x) -> list:
    """Multi-key sort; ties keep generation order, so the order is total and stable across pages.

    Nulls sort after every value in ascending order (and so first in descending order).
    """
    result = list(items)
    for key in reversed(keys):
        read = getter(key.field)
        result.sort(key=lambda it: _null_last(read(get(it))), reverse=key.descending)
    return result


def _null_last(value: Any) -> tuple:
    return (value is None, value if value is not None else 0)


def select(collection: Collection, query: Query) -> Page:
    """Apply conditions and sort to the whole collection, then cut out the requested page."""
    if query.cursor is not None:  # a page after/before an item: located, then cut as usual
        return cursor.page(collection, query, select)
    ordered_by = collection.ordered_by
    lo, hi = 0, collection.size
    rest: list[Condition] = []
    for cond in query.conditions:
        if cond.field in ordered_by and cond.op in ("gt", "ge", "lt", "le"):
            lo, hi = _narrow(collection, cond, lo, hi)
        else:
            rest.append(cond)
    natural = _natural_direction(query.sort, ordered_by)
    start, stop = query.offset, query.offset + query.limit
    if not rest and natural is not None:
        total = max(hi - lo, 0)
        span = range(lo, hi) if natural == "asc" else range(hi - 1, lo - 1, -1)
        return Page(collection.slice(span[start:stop]), total, query.offset, query.limit)

    if rest and natural is not None and collection.arithmetic:
        page = _periodic(collection, rest, lo, hi, natural, start, stop, query)
        if page is not None:
            return page

    order = query.sort if natural != "asc" else ()
    if hi - lo > sortindex.INLINE_MAX and collection.merged is None:  # too many to generate here: an index
        return sortindex.page(collection, lo, hi, rest, order, query)
    key = (collection.cache_key, lo, hi, tuple(rest), order)
    selected, items = collection.world.selections.get(key), None
    if selected is None:
        items = collection.items()
        positions: Any = range(lo, hi)
        if rest:
            positions = [p for p in positions if all(matches(items[p], c) for c in rest)]
        if order:
            positions = sort_items(positions, order, get=items.__getitem__)
        selected = array("I", positions)  # positions, 4 bytes each: the items stay in their own bounded caches
        collection.world.selections.put(key, selected)
    window = selected[start:stop]
    if items is None:
        items = collection.merged if collection.merged is not None else collection.world.materialized.get(collection.cache_key)
    page = [items[p] for p in window] if items is not None else collection.slice(window)
    return Page(page, len(selected), query.offset, query.limit)


def _periodic(collection: Collection, rest: list[Condition], lo: int, hi: int, natural: str,
              start: int, stop: int, query: Query) -> Page | None:
    """Conditions on cycle fields only: count and locate matches by arithmetic (periodic.py)."""
    pairs = periodic.plan(collection.recipe.cycle_fields, rest)
    if pairs is None:
        return None
    found = periodic.matches(tuple(pairs), collection.world.seed, collection.params_items)
    if found is None:
        return None
    if not found.offsets:
        return Page([], 0, query.offset, query.limit)
    first, last = found.count_below(lo), found.count_below(hi)  # matches in [lo, hi): ranks first..last-1
    total = last - first
    ranks = range(first, last) if natural == "asc" else range(last - 1, first - 1, -1)
    return Page(collection.slice(found.nth(k) for k in ranks[start:stop]), total, query.offset, query.limit)


def _natural_direction(keys: tuple[SortKey, ...], ordered_by: tuple[str, ...]) -> str | None:
    """'asc'/'desc' when the requested order is the generation order (or its reverse).

    The first key decides: an `ordered_by` field is strictly monotonic, so later keys never break a tie.
    """
    if not keys:
        return "asc"
    if keys[0].field in ordered_by:
        return "desc" if keys[0].descending else "asc"
    return None


def _narrow(collection: Collection, cond: Condition, lo: int, hi: int) -> tuple[int, int]:
    """Binary search on the index for a range condition on the monotonic field."""
    view = _FieldView(collection, cond.field)
    if cond.op == "gt":
        lo = max(lo, bisect_right(view, cond.value, lo, hi))
    elif cond.op == "ge":
        lo = max(lo, bisect_left(view, cond.value, lo, hi))
    elif cond.op == "lt":
        hi = min(hi, bisect_left(view, cond.value, lo, hi))
    elif cond.op == "le":
        hi = min(hi, bisect_right(view, cond.value, lo, hi))
    return lo, max(lo, hi)


class _FieldView:
    """A lazy sequence of one field's values, for `bisect` (log2(n) items generated)."""

    def __init__(self, collection: Collection, field: str):
        self.collection, self.field = collection, field

    def __len__(self) -> int:
        return self.collection.size

    def __getitem__(self, index: int) -> Any:
        return dig(self.collection.item(index), self.field)

"""Cursor paging: the page after (or before) one item of the selection, in the list's order.

Stripe-style lists page by an item's identity (`starting_after=promo_123`, `ending_before=...`).
The window is found by locating that item in the filtered, sorted selection, which the pipeline
already knows how to cut into pages: the item is searched a chunk at a time (selections other
than the generation order are cached), then the page around it is one more ordinary cut. Locating
costs a pass over the items before the cursor, so cursor lists suit collections of thousands.
An identity that is not in the selection is refused (400) naming the parameter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from .dataset import Collection
from .dotted import getter
from .errors import bad_request
from .query import Page, Query

CHUNK = 1000


def page(collection: Collection, query: Query, select: Callable[[Collection, Query], Page]) -> Page:
    way, identity, param = query.cursor
    plain = replace(query, cursor=None)
    at = position(collection, plain, identity, select)
    if at is None:
        raise bad_request(f"'{param}': no item with id {identity!r} in this list", param)
    start, stop = (at + 1, at + 1 + query.limit) if way == "after" else (max(0, at - query.limit), at)
    start, stop = start + query.offset, stop + query.offset  # an offset sent too counts from the cursor
    found = select(collection, replace(plain, offset=start, limit=stop - start))
    return Page(found.items, found.total, start, query.limit)


def position(collection: Collection, query: Query, identity: Any, select: Callable[[Collection, Query], Page]) -> int | None:
    """Where the item with this identity stands in the query's selection (None: not in it)."""
    read = getter(collection.recipe.identity or "id")
    wanted = str(identity)
    start, total = 0, None
    while total is None or start < total:
        chunk = select(collection, replace(query, offset=start, limit=CHUNK))
        total = chunk.total
        for i, item in enumerate(chunk.items):
            if str(read(item)) == wanted:
                return start + i
        if not chunk.items:
            return None
        start += CHUNK
    return None

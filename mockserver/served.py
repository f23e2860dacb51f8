"""A whole collection in the order a client paging with no parameters sees it.

Fault scripts place inserted records by this order ("at: 0" is the head of page one) and
`mockserver.testing` says what a correct client ends up with by it. Both ask the operation's own
dialect for its default query, so no vendor's order is written down twice.
"""

from __future__ import annotations

from dataclasses import replace

from .pipeline import select
from .query import Query


def default_query(endpoint, path_params: dict) -> Query:
    """The query of a request with no query string: the documented defaults of every parameter."""
    values = endpoint.validator.parse("", [], path_params)
    media = endpoint.dialect.offered(values)
    if "application/json" in media:
        endpoint.dialect.with_media(values, "application/json")
    return endpoint.dialect.query(values, endpoint.world.now_ms)


def in_default_order(endpoint, path_params: dict, filtered: bool = True) -> list[dict]:
    """Every item, sorted as by default; `filtered` drops what the default filters hide (NuWeb's trashed codes)."""
    query = default_query(endpoint, path_params)
    collection = endpoint.world.collection_for(endpoint.recipe, path_params)
    everything = replace(query, offset=0, limit=max(len(collection), 1),
                         conditions=query.conditions if filtered else ())
    return list(select(collection, everything).items)

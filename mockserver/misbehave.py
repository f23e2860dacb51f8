"""Deliberate bugs, for proving that contract checks catch them (`mockserver serve --misbehave NAME`).

Never on by default. Each fault is one realistic server bug at one step of the pipeline, so a test
can start the mock with it and assert that `contracts run` fails and names the right check.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .dotted import dig
from .errors import RequestError
from .query import Page, Query

FAULTS = {
    "offset-off-by-one": "pages start one item late, so walking the pages skips items",
    "wrong-total": "the reported total is one more than the matching items",
    "ignore-sort": "the requested sort order is ignored",
    "ignore-filter": "filters are ignored (totals and items unfiltered)",
    "ignore-fields": "sparse fieldsets are ignored (every field comes back)",
    "next-on-last-page": "the last page still has a `next` link",
    "more-on-last-page": "the last page of a cursor list still says more follow (`has_more`)",
    "drop-required": "a required field is missing from every item",
    "server-error": "a 500 when the page size is the documented maximum",
    "links-drop-params": "paging links keep only the paging parameters (a sort or filter is lost on the next page)",
}


def check_names(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    return tuple(names)


def on_query(query: Query, faults: tuple[str, ...], dialect: Any) -> Query:
    if "server-error" in faults and query.limit == dialect.limit_bounds[1]:
        raise RequestError(500)
    changes: dict[str, Any] = {}
    if "offset-off-by-one" in faults:
        changes["offset"] = query.offset + 1
    if "ignore-sort" in faults:
        changes["sort"] = ()
    if "ignore-filter" in faults:
        changes["conditions"] = ()
    if "ignore-fields" in faults:
        changes["fields"] = dialect.fieldset({})
    return dataclasses.replace(query, **changes) if changes else query


def on_page(page: Page, faults: tuple[str, ...]) -> Page:
    if "wrong-total" in faults:
        return dataclasses.replace(page, total=page.total + 1)
    if "offset-off-by-one" in faults:
        return dataclasses.replace(page, offset=page.offset - 1)  # report the offset that was asked for
    return page


def on_body(body: Any, faults: tuple[str, ...], dialect: Any, item_schema: dict, identity: str | None = None) -> Any:
    if not isinstance(body, dict):
        return body
    if "next-on-last-page" in faults and isinstance(body.get("links"), dict) and body["links"].get("next") is None:
        links = body["links"]
        links["next"] = links.get("current") or links.get("self")
    if "links-drop-params" in faults and isinstance(body.get("links"), dict):
        paging = {v for k, v in dialect.paging_cfg.items() if k in ("offset", "limit", "page", "page_size")}
        body["links"] = {name: _only_params(link, paging) for name, link in body["links"].items()}
    if "more-on-last-page" in faults:
        path = dialect.envelope_path("$has_more")
        if path and dig(body, ".".join(path)) is False:
            _put(body, path, True)
    if "drop-required" in faults:
        # The first required field, or else the top of the item's identity (rows with no `required`).
        dropped = (item_schema.get("required") or [(identity or "").split(".")[0]])[0]
        items = dialect.items_of(body)
        for i, item in enumerate(items):  # copies: the originals live in the item cache
            items[i] = {k: v for k, v in item.items() if k != dropped}
    return body


def _only_params(link: Any, kept: set[str]) -> Any:
    if not isinstance(link, str) or "?" not in link:
        return link
    from urllib.parse import parse_qsl, urlencode

    base, _, query = link.partition("?")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in kept]
    return f"{base}?{urlencode(pairs, safe='[],:()')}"


def _put(body: dict, path: list[str], value: Any) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value

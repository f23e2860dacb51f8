"""One list operation at concrete path parameters, read the way the mock's dialect writes it.

The semantic checks never parse an envelope themselves: `items_of`, `total_of`, `page_params` and
`limit_bounds` come from the same dialect object the mock renders with, so checks and mock agree on
where a vendor keeps its items, its total and its paging parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from mockserver.dialects import dialect_for
from mockserver.pipeline import dig
from mockserver.spec import Operation

from ..client import ApiClient
from ..results import UnexpectedResponse

MAX_PAGES_PER_WALK = 50


def fill_path(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


@dataclass
class Page:
    response: httpx.Response
    body: Any
    items: list
    total: int
    offset: int | None = None  # the window asked for, when the request asked for one
    limit: int | None = None


@dataclass
class Walk:
    """Every page at one page size, from offset 0 until a short page (or the page bound)."""

    size: int
    pages: list[Page] = field(default_factory=list)
    complete: bool = False

    @property
    def items(self) -> list:
        return [item for page in self.pages for item in page.items]


class ListTarget:
    def __init__(self, op: Operation, client: ApiClient, path_values: dict[str, str], auth_params: dict | None = None):
        self.op = op
        self.dialect = dialect_for(op)
        self.client = client
        self.path_values = dict(path_values)
        self.path = fill_path(op.path, path_values)
        self.identity_path: str = op.mock["collection"]["identity"]
        self.default_limit, self.max_limit = self.dialect.limit_bounds
        self.base_params: dict[str, Any] = dict(auth_params or {})
        format_param = (op.mock.get("format") or {}).get("param")
        if format_param:  # a report that defaults to CSV: the checks read JSON
            self.base_params[format_param] = "json"
        self._walks: dict[int, Walk] = {}
        self.other_pages: list[Page] = []  # pages fetched another way (by page number), for the link checks

    @property
    def label(self) -> str:
        return f"{self.op.method.upper()} {self.path}"

    @property
    def limit_param(self) -> str:
        return self.dialect.paging_cfg["limit"]

    # ------------------------------------------------------------------------------ requests
    def send(self, params: dict | None = None) -> httpx.Response:
        merged = {**self.base_params, **(params or {})}
        query = []
        for name, value in merged.items():
            for v in value if isinstance(value, (list, tuple)) else [value]:
                query.append((name, _text(v)))
        return self.client.get(self.path, params=query)

    def fetch(self, params: dict | None = None, offset: int | None = None, limit: int | None = None) -> Page:
        """A page that must come back 2xx with the documented envelope (else UnexpectedResponse)."""
        params = dict(params or {})
        if limit is not None:
            params.update(self.window(offset or 0, limit))
        response = self.send(params)
        return self.read(response, offset, limit)

    def read(self, response: httpx.Response, offset: int | None = None, limit: int | None = None) -> Page:
        if not 200 <= response.status_code < 300:
            raise UnexpectedResponse(f"{self.label} answers a valid request with 2xx", response, "2xx")
        try:
            body = response.json()
            items = self.dialect.items_of(body)
            total = self.dialect.total_of(body)
        except (ValueError, KeyError, TypeError, IndexError):
            raise UnexpectedResponse(f"{self.label} answers with its documented JSON envelope (items and total)",
                                     response, f"a {self.dialect.name} page") from None
        if not isinstance(items, list) or not isinstance(total, int):
            raise UnexpectedResponse(f"{self.label} answers with a list of items and an integer total", response,
                                     f"a {self.dialect.name} page")
        return Page(response, body, items, total, offset, limit)

    def window(self, offset: int, limit: int) -> dict:
        return self.dialect.page_params(offset, limit)

    def identity(self, item: Any) -> Any:
        value = dig(item, self.identity_path)
        return _hashable(value)

    # --------------------------------------------------------------------------------- walks
    def walk(self, size: int, params: dict | None = None, max_pages: int = MAX_PAGES_PER_WALK) -> Walk:
        """Pages of `size` until one comes back short. Stopping never trusts the reported total, so a
        total that is too small cannot hide items; a server that ignores the offset stops the walk
        as soon as a page brings nothing new."""
        cacheable = not params
        if cacheable and size in self._walks:
            return self._walks[size]
        walk = Walk(size)
        seen: set = set()
        for number in range(max_pages):
            page = self.fetch(params, offset=number * size, limit=size)
            walk.pages.append(page)
            new = {self.identity(item) for item in page.items} - seen
            seen |= new
            if len(page.items) < size or not new:
                walk.complete = True
                break
        if cacheable:
            self._walks[size] = walk
        return walk

    def collection(self) -> Walk:
        """The whole collection at the largest page size (cached: filters and invariants reuse it)."""
        return self.walk(self.max_limit)

    def walked(self) -> list[Walk]:
        return list(self._walks.values())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return repr(value)
    return value

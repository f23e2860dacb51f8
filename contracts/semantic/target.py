"""One list operation at concrete path parameters, read the way its spec declares.

The semantic checks never parse an envelope themselves, and never through the mock's renderer:
where a response keeps its items, total and identities comes from `x-contract.read`, and the paging
parameters from `x-mock.paging` and the limit parameter's schema, the declarations the mock serves
from too. A page without a total (allowed where the vendor's own example has none) reads as
`total=None`; the checks then count what they walked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from mockserver.pipeline import dig
from mockserver.spec import Operation

from ..client import ApiClient
from ..declarations import Contract
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
    total: int | None  # None: the response carries no total
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

    @property
    def total(self) -> int | None:
        """The reported total, or the number of items of a complete walk when none is reported."""
        reported = self.pages[0].total if self.pages else None
        if reported is None and self.complete:
            return len({repr(i) for i in self.items})
        return reported


class ListTarget:
    def __init__(self, op: Operation, client: ApiClient, path_values: dict[str, str], auth_params: dict | None = None,
                 contract: Contract | None = None):
        self.op = op
        self.contract = contract or Contract(op.raw, op.spec.raw.get("x-contract"))
        self.reader = self.contract.reader
        self.client = client
        self.path_values = dict(path_values)
        self.path = fill_path(op.path, path_values)
        self.identity_path: str = self.reader.identity
        self.paging_cfg: dict = op.mock.get("paging") or {}
        self.cursor: dict = self.paging_cfg.get("cursor") or {}  # {after, before}: pages by an item's identity
        self.sort_cfg: dict = op.mock.get("sort") or {}
        self.filter_cfg: dict = op.mock.get("filters") or {}
        limit_schema = op.query_params[self.paging_cfg["limit"]].schema
        self.default_limit = int(limit_schema.get("default", 10))
        self.max_limit = int(limit_schema.get("maximum", 100))
        self.array_form = (self.contract.arrays.get("form") or "repeat")  # how array parameters are sent
        self.without_total: list[httpx.Response] = []  # pages that carried no total
        self.auth_params: dict[str, Any] = dict(auth_params or {})
        self.base_params: dict[str, Any] = dict(self.auth_params)
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
        return self.paging_cfg["limit"]

    # ------------------------------------------------------------------------------ requests
    def send(self, params: dict | None = None) -> httpx.Response:
        merged = {**self.base_params, **(params or {})}
        query = []
        for name, value in merged.items():
            query += serialize(name, value, self.array_form)
        return self.client.get(self.path, params=query)

    def fetch(self, params: dict | None = None, offset: int | None = None, limit: int | None = None) -> Page:
        """A page that must come back 2xx with the documented envelope (else UnexpectedResponse). A
        cursor list reaches a later window the way a client does: by walking to it."""
        if self.cursor and offset and limit:
            walk = self.walk(limit, params)
            number = offset // limit
            if number < len(walk.pages):
                return walk.pages[number]
            return Page(walk.pages[-1].response, walk.pages[-1].body, [], walk.pages[-1].total, offset, limit)
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
            items = self.reader.items_of(body)
            total = self.reader.total_of(body)
        except (ValueError, KeyError, TypeError, IndexError):
            raise UnexpectedResponse(f"{self.label} answers with its documented JSON envelope (items at "
                                     f"`{self.reader.items}`)", response, "a page", basis="envelope.items") from None
        if total is None:
            self.without_total.append(response)
        elif not isinstance(total, int) or isinstance(total, bool):
            raise UnexpectedResponse(f"{self.label} reports an integer total at `{self.reader.total}`", response,
                                     "an integer", basis="envelope.total")
        return Page(response, body, items, total, offset, limit)

    def window(self, offset: int, limit: int) -> dict:
        """Query parameters that ask for this window (by offset when the API pages by offset; after
        the identity of the item before it when the API pages by cursor)."""
        p = self.paging_cfg
        if self.cursor:  # later windows are walked to (fetch)
            return {p["limit"]: limit}
        if p.get("offset"):
            return {p["offset"]: offset, p["limit"]: limit}
        return {p["page"]: offset // limit + 1, p["limit"]: limit}

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
            page = self._next_by_cursor(params, walk, size) if self.cursor else \
                self.fetch(params, offset=number * size, limit=size)
            walk.pages.append(page)
            new = {self.identity(item) for item in page.items} - seen
            seen |= new
            if len(page.items) < size or not new or (self.cursor and self.more_after(page) is False):
                walk.complete = True
                break
        if cacheable:
            self._walks[size] = walk
        return walk

    def _next_by_cursor(self, params: dict | None, walk: Walk, size: int) -> Page:
        """The page after the walk's last item, as a client pages a cursor list: `starting_after`
        its identity, or the `Link: <...>; rel="next"` URL of a token list (Shopify's `page_info`)."""
        query = {**(params or {}), self.paging_cfg["limit"]: size}
        if walk.pages and self.cursor.get("token"):
            page = self.read(self.client.get(link_rel(walk.pages[-1].response, "next")))
        else:
            last = walk.pages[-1].items[-1:] if walk.pages else []
            if last:
                query[self.cursor["after"]] = self.identity(last[0])
            page = self.fetch(query)
        page.offset, page.limit = sum(len(p.items) for p in walk.pages), size
        return page

    def more_after(self, page: Page) -> bool | None:
        """Whether the page says another follows: `has_more`, or a `rel="next"` link; None: silent."""
        if self.cursor.get("token"):
            return link_rel(page.response, "next") is not None
        return self.reader.has_more_of(page.body)

    def collection(self) -> Walk:
        """The whole collection at the largest page size (cached: filters and invariants reuse it)."""
        return self.walk(self.max_limit)

    def walked(self) -> list[Walk]:
        return list(self._walks.values())


def link_rel(response: httpx.Response, rel: str) -> str | None:
    """The URL of one relation in a response's RFC 8288 `Link` header."""
    for part in (response.headers.get("link") or "").split(","):
        url, _, params = part.strip().partition(";")
        if url.startswith("<") and url.endswith(">") and any(p.strip().replace(" ", "") in (f'rel="{rel}"', f"rel={rel}")
                                                             for p in params.split(";")):
            return url[1:-1]
    return None


def serialize(name: str, value: Any, form: str = "repeat") -> list[tuple[str, str]]:
    """One parameter as query pairs. Lists go out in the declared form: `repeat` (`a=1&a=2`),
    `comma` (`a=1,2`) or `brackets` (`a[]=1&a[]=2`)."""
    if not isinstance(value, (list, tuple)):
        return [(name, _text(value))]
    if form == "comma":
        return [(name, ",".join(_text(v) for v in value))]
    key = f"{name}[]" if form == "brackets" else name
    return [(key, _text(v)) for v in value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return repr(value)
    return value

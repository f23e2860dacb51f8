"""The request side every spec shares: the generic `x-mock` blocks read into a `Query`, and links.

`template.py` is the one renderer; it finds where its own envelope keeps items and total (the
fault injector and the proxy's journal use that). `contracts` never reads a response through it:
it reads the spec's `x-contract.read` declarations, so a live API is not read through our renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar
from functools import lru_cache
from urllib.parse import quote_plus, urlencode

from ..errors import RequestError
from ..params import cursor_of, filter_conditions, paging_window, sort_keys
from ..query import Page, Query
from ..spec import Operation


_SAFE = "[],:()"  # left as is in links, as the vendors print them (page[offset], eq(code,X))
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~\-\[\],:()]*")  # what quote_plus(safe=_SAFE) leaves unchanged


@lru_cache(maxsize=256)
def encoded_name(name: str) -> str:
    """A parameter name as links print it (`page[offset]` as is, a space as `+`)."""
    return quote_plus(name, safe=_SAFE)


@dataclass
class RequestInfo:
    """The parts of the request that links are built from."""

    base_url: str  # scheme://host[:port]
    path: str
    query_items: list[tuple[str, str]]
    entity: Callable[[str, str, Any], dict] | None = None  # (spec, entity, id) -> shared record

    def kept_query(self, names: tuple[str, ...]) -> str:
        """The query as sent without the named parameters, encoded as links print it (urlencode's
        output; names and values of characters it leaves as they are are simply joined)."""
        kept = [(k, v) for k, v in self.query_items if k not in names]
        if not kept:
            return ""
        if all(_UNQUOTED.fullmatch(k) and _UNQUOTED.fullmatch(v) for k, v in kept):
            return "&".join([f"{k}={v}" for k, v in kept])
        return urlencode(kept, safe=_SAFE)

    def prefix(self, *names: str) -> str:
        """`url?rest&` (or `url?`): a link to this request with the named parameters replaced
        is this prefix and the new `name=value` pairs."""
        kept = self.kept_query(names)
        return f"{self.base_url}{self.path}?" + (f"{kept}&" if kept else "")

    def linker(self, *names: str) -> Callable[..., str]:
        """Links to this request's URL with the named query parameters replaced: the rest of the
        query is encoded once, not once per link."""
        kept = self.kept_query(names)
        url = f"{self.base_url}{self.path}"
        prefix = f"{url}?" + (f"{kept}&" if kept else "")

        def at(**updates: Any) -> str:
            added = "&".join([f"{encoded_name(k)}={v if type(v) is int else quote_plus(str(v), safe=_SAFE)}"
                              for k, v in updates.items() if v is not None])  # urlencode's output, cheaper: ints as they are
            return prefix + added if added else (f"{url}?{kept}" if kept else url)

        return at


@dataclass
class Rendered:
    body: Any
    media_type: str = "application/json"
    status: int = 200
    headers: dict | None = None  # response headers the spec's `x-mock.headers` template prints (`Link`)


class Dialect:
    name: ClassVar[str] = ""
    validation_status: ClassVar[int] = 400
    # A trailing slash on a documented path: "404" (Django, and any framework that routes strictly)
    # or "same" (Express/NestJS and Laravel route `/x/` as `/x`). Never a redirect.
    trailing_slash: ClassVar[str] = "404"

    def __init__(self, op: Operation):
        self.op = op
        self.cfg = op.mock
        self.paging_cfg: dict = self.cfg.get("paging", {})
        self.sort_cfg: dict = self.cfg.get("sort", {})
        self.filter_cfg: dict = self.cfg.get("filters", {})
        documented = (op.responses.get("200") or {}).get("content") or {}
        self.media_types: list[str] = list(documented) or ["application/json"]

    # ------------------------------------------------------------------ content negotiation
    def offered(self, values: dict) -> list[str]:
        """The media types this request can be answered in, the documented default first."""
        return self.media_types

    def with_media(self, values: dict, media_type: str) -> None:
        """Make the request render as the negotiated media type (one type: nothing to do)."""

    # ----------------------------------------------------------------------- request side
    def query(self, values: dict, now_ms: int) -> Query:
        offset, limit, mode = paging_window(self.paging_cfg, values)
        keys, requested = sort_keys(self.sort_cfg, values)
        conditions = filter_conditions(self.filter_cfg, values, now_ms) + self.conditions(values)
        cursor = cursor_of(self.paging_cfg, values)
        return Query(offset=offset, limit=limit, conditions=tuple(conditions), sort=keys, cursor=cursor,
                     fields=self.fieldset(values), extra={"mode": "cursor" if cursor else mode, "sort": requested,
                                                          "values": values})

    def conditions(self, values: dict) -> list:
        """Conditions from the vendor's own filter language (none by default)."""
        return []

    def fieldset(self, values: dict) -> Any:
        return None

    # ---------------------------------------------------------------------- response side
    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        raise NotImplementedError

    def error_body(self, error: RequestError) -> Any:
        raise NotImplementedError

    # ---------------------------------------------------------------------- contract side
    def items_of(self, body: Any) -> list:
        return body["data"]

    def total_of(self, body: Any) -> int:
        raise NotImplementedError

    def page_params(self, offset: int, limit: int) -> dict:
        """Query parameters that ask for this window (offset-style when the vendor has it)."""
        p = self.paging_cfg
        if p.get("offset"):
            return {p["offset"]: offset, p["limit"]: limit}
        return {p["page"]: offset // limit + 1, p["limit"]: limit}

    @property
    def limit_bounds(self) -> tuple[int, int]:
        """(default, maximum) page size, from the limit parameter's schema."""
        schema = self.op.query_params[self.paging_cfg["limit"]].schema
        return int(schema.get("default", 10)), int(schema.get("maximum", 100))


def pages_for(total: int, limit: int) -> int:
    return -(-total // limit) if limit > 0 else 0

"""`page`/`limit` with `meta: {page, limit, total, totalPages}`, a `fields` projection with dot
notation (unknown names silently dropped), and NestJS-style errors
`{"statusCode": 400, "error": "Bad Request", "message": [...]}`.
"""

from __future__ import annotations

from typing import Any

from .. import fieldsets
from ..errors import RequestError
from ..query import Page, Query
from .base import Dialect, Rendered, RequestInfo, pages_for


class PageLimitDialect(Dialect):
    name = "page-limit"
    trailing_slash = "same"  # Express/NestJS routes `/x/` as `/x`

    def fieldset(self, values: dict) -> Any:
        param = self.cfg.get("fields", {}).get("param")
        raw = values.get(param) if param else None
        if not raw:
            return None
        return [f.strip() for f in raw.split(",") if f.strip()]

    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        items = page.items
        if query.fields is not None:
            items = fieldsets.keep_each(items, query.fields)
        limit = page.limit
        meta = {"page": page.offset // limit + 1, "limit": limit, "total": page.total,
                "totalPages": pages_for(page.total, limit)}
        return Rendered({"data": items, "meta": meta})

    def error_body(self, error: RequestError) -> Any:
        messages = [p.message for p in error.problems] or [error.title]
        return {"statusCode": error.status, "error": error.title,
                "message": messages if error.status in (400, 422) else messages[0]}

    def total_of(self, body: Any) -> int:
        return body["meta"]["total"]

    def page_params(self, offset: int, limit: int) -> dict:
        return {self.paging_cfg["page"]: offset // limit + 1, self.paging_cfg["limit"]: limit}

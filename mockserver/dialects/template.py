"""A vendor's envelope as data: `dialect: template` renders pages and errors from templates in the spec.

    x-mock:
      dialect: template
      envelope: {limit: $limit, offset: $offset, count: $count, total: $total, results: $items}
      errors: {statusCode: $status, message: $message, errors: [{code: InvalidInput, message: $problem.message}]}

Page placeholders: `$items`, `$total`, `$count` (items on this page), `$offset`, `$limit`, `$page`,
`$pages`, and `$links.first|prev|self|next|last` (null where there is no such page). Error
placeholders: `$status`, `$title`, `$message` (all problems in one line), `$messages` (a list), and
in a one-element list template, `$problem.message|parameter|location`, repeated per problem.
`errors_by_status: {"400": ...}` overrides the error template for one status (NestJS lists its 400
messages, but prints one string for a 401), and `trailing_slash: same` serves `/x/` as `/x`.
A string that is not exactly a placeholder is kept as written. `fields: {param}` projects items
with dot notation (unknown names dropped). Paging, sort and filters are the generic `x-mock` blocks.
"""

from __future__ import annotations

from typing import Any

from .. import fieldsets
from ..errors import RequestError
from ..query import Page, Query
from .base import Dialect, Rendered, RequestInfo, pages_for


def fill(template: Any, values: dict) -> Any:
    """The template with each `$name` string replaced by its value."""
    if isinstance(template, str) and template.startswith("$"):
        return values.get(template[1:], template)
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        if len(template) == 1 and "problems" in values and _mentions(template[0], "$problem."):
            return [fill(template[0], {**values, **{f"problem.{k}": v for k, v in p.items()}})
                    for p in values["problems"]]
        return [fill(v, values) for v in template]
    return template


def _mentions(node: Any, prefix: str) -> bool:
    if isinstance(node, str):
        return node.startswith(prefix)
    if isinstance(node, dict):
        return any(_mentions(v, prefix) for v in node.values())
    if isinstance(node, list):
        return any(_mentions(v, prefix) for v in node)
    return False


class TemplateDialect(Dialect):
    name = "template"

    def __init__(self, op):
        super().__init__(op)
        # `/x/` as `/x` (Express, Laravel: `same`) or a 404 (Django: the default), as the vendor's framework routes it
        self.trailing_slash = self.cfg.get("trailing_slash", "404")
        self.envelope = self.cfg.get("envelope") or {"data": "$items", "total": "$total"}
        self.has_links = _mentions(self.envelope, "$links.")  # links cost URL encoding: only when printed

    def fieldset(self, values: dict) -> Any:
        param = (self.cfg.get("fields") or {}).get("param")
        raw = values.get(param) if param else None
        return [f.strip() for f in raw.split(",") if f.strip()] if raw else None

    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        items = page.items if query.fields is None else fieldsets.keep_each(page.items, query.fields)
        limit, offset, total = page.limit, page.offset, page.total
        pages = pages_for(total, limit)
        values = {
            "items": items, "total": total, "count": len(items), "offset": offset, "limit": limit,
            "page": offset // limit + 1 if limit else 1, "pages": pages,
        }
        if self.has_links:
            values.update(self._links(request, offset, limit, total, pages))
        return Rendered(fill(self.envelope, values))

    def _links(self, request: RequestInfo, offset: int, limit: int, total: int, pages: int) -> dict:
        link = request.linker(*[n for n in (self.paging_cfg.get(k) for k in ("offset", "limit", "page", "page_size")) if n])

        def at(start: int) -> str:
            return link(**self.page_params(start, limit))

        return {
            "links.first": at(0), "links.self": at(offset),
            "links.prev": at(max(0, offset - limit)) if offset > 0 else None,
            "links.next": at(offset + limit) if offset + limit < total else None,
            "links.last": at(max(pages - 1, 0) * limit),
        }

    def error_body(self, error: RequestError) -> Any:
        problems = [{"message": p.message, "parameter": p.parameter, "location": p.location} for p in error.problems]
        messages = [p["message"] for p in problems] or [error.title]
        values = {"status": error.status, "title": error.title, "message": "; ".join(messages),
                  "messages": messages, "problems": problems or [{"message": error.title, "parameter": None,
                                                                 "location": None}]}
        by_status = self.cfg.get("errors_by_status") or {}
        template = by_status.get(str(error.status)) or self.cfg.get("errors") or {"status": "$status", "message": "$message"}
        return fill(template, values)

    def items_of(self, body: Any) -> list:
        return _at(body, _path_to(self.envelope, "$items"))

    def total_of(self, body: Any) -> int:
        return _at(body, _path_to(self.envelope, "$total"))


def _path_to(template: Any, placeholder: str) -> list[str] | None:
    """The keys that lead to a placeholder in a template (where a page keeps its items, its total)."""
    if template == placeholder:
        return []
    if isinstance(template, dict):
        for key, value in template.items():
            found = _path_to(value, placeholder)
            if found is not None:
                return [key, *found]
    return None


def _at(body: Any, path: list[str] | None) -> Any:
    if path is None:
        raise KeyError("the envelope template has no such placeholder")
    for key in path:
        body = body[key]
    return body

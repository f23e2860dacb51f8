"""A vendor's shape as data: every bundled spec renders its pages and errors from templates in `x-mock`.

    x-mock:
      envelope: {limit: $limit, offset: $offset, count: $count, total: $total, results: $items}
      errors: {statusCode: $status, message: $message, errors: [{code: InvalidInput, message: $problem.message}]}

Page placeholders: `$items`, `$total`, `$count` (items on this page), `$offset`, `$limit`, `$page`,
`$pages`, `$has_more` (items beyond this page in the direction of travel: backwards after an
`ending_before` cursor), `$links.first|prev|self|next|last` (null where there is no such page;
a cursor list links after its last item and before its first, and `$link_header` joins those as
an RFC 8288 `Link` value),
and with the pieces below `$column_headers` and `$included`.
Error placeholders: `$status`, `$title`, `$message` (all problems in one line), `$parameter` (the
first problem's query or path parameter, or null), `$messages` (a
list), `$messages_by_parameter` (`{parameter: [message, ...]}`; problems naming no parameter go
under `unnamed_problems`), and in a one-element list template `$problem.message|detail|parameter|location`,
repeated per problem (`detail` is null for an error without problems; `message` is then the title).
`$name|string` prints a value as a string (JSON:API's `"status": "422"`). A key ending in `?` is
left out when its value is null (or an object of nulls): `"source?": {parameter: $problem.parameter}`.
A string that is not a placeholder is kept as written.

The rest is a choice of reusable pieces, each selected by its own key:
    errors_by_status: {"400": ...}   another error template for one status
    validation_status: 422           the status of a refused parameter (default 400)
    trailing_slash: same             `/x/` served as `/x` (Express, Laravel); default: a 404
    links: {style: offset|page|as-requested, carry: window|position, last: always|beyond-first}
    headers: {Link: $link_header}    response headers from templates (a cursor list's `Link`)
    fields: {param}                  dot-notation sparse fieldsets (unknown names dropped)
    fieldsets / included / self_links   JSON:API resources (jsonapi.py)
    columns / format / csv_expand       report columns and CSV (columns.py)
    filter                           the `op(field,value)` filter language (calls.py)
Paging, sort and filters are the generic `x-mock` blocks (params.py).
"""

from __future__ import annotations

from typing import Any, Callable

from .. import fieldsets
from ..dotted import getter
from ..errors import RequestError
from ..params import make_token
from ..query import Page, Query
from . import calls, jsonapi
from .base import Dialect, Rendered, RequestInfo, encoded_name, pages_for
from .columns import Columns, FormatParam

_DEFAULT_ENVELOPE = {"data": "$items", "total": "$total"}
_DEFAULT_ERRORS = {"status": "$status", "message": "$message"}


def fill(template: Any, values: dict) -> Any:
    """The template with each `$name` string replaced by its value (compiled for one use)."""
    return compiled(template)(values)


def compiled(template: Any) -> Callable[[dict], Any]:
    """A filler for one template, its structure read once: envelopes, headers and error templates
    are compiled when the dialect is built, so a request only looks its values up."""
    if isinstance(template, str) and template.startswith("$"):
        name, _, conversion = template[1:].partition("|")
        if conversion == "string":
            return lambda values: None if (v := values.get(name, template)) is None else str(v)
        return lambda values: values.get(name, template)
    if isinstance(template, dict):
        parts = [(key.rstrip("?"), key.endswith("?"), compiled(node)) for key, node in template.items()]
        if not any(optional for _, optional, _ in parts):
            return lambda values: {key: make(values) for key, _, make in parts}

        def mapping(values: dict) -> dict:
            out = {}
            for key, optional, make in parts:
                value = make(values)
                if not (optional and _empty(value)):
                    out[key] = value
            return out
        return mapping
    if isinstance(template, list):
        makers = [compiled(node) for node in template]
        if len(template) == 1 and _mentions(template[0], "$problem."):  # one element per problem
            (each,) = makers

            def per_problem(values: dict) -> list:
                if "problems" not in values:
                    return [each(values)]
                return [each({**values, **{f"problem.{k}": v for k, v in p.items()}}) for p in values["problems"]]
            return per_problem
        return lambda values: [make(values) for make in makers]
    return lambda values: template


def flattened(template: Any) -> Callable[[dict], Any]:
    """`compiled(template)` as one generated function: an envelope of five nested objects was five
    dict comprehensions and a lambda per placeholder (5% of a page); here it is one dict display
    with a `values.get` per placeholder. Optional keys and per-problem lists keep their compiled
    closures, called from inside; the answer is the same object for object."""
    constants: list = []

    def constant(obj: Any) -> str:
        constants.append(obj)
        return f"k[{len(constants) - 1}]"

    def expression(node: Any) -> str:
        if isinstance(node, str) and node.startswith("$"):
            name, _, conversion = node[1:].partition("|")
            found = f"g({constant(name)}, {constant(node)})"
            return f"_string({found})" if conversion == "string" else found
        if isinstance(node, dict) and not any(key.endswith("?") for key in node):
            return "{" + ", ".join(f"{constant(key)}: {expression(value)}" for key, value in node.items()) + "}"
        if isinstance(node, list) and not (len(node) == 1 and _mentions(node[0], "$problem.")):
            return "[" + ", ".join(expression(value) for value in node) + "]"
        if isinstance(node, (dict, list)):
            return f"{constant(compiled(node))}(values)"
        return constant(node)  # a literal: the template's own object, as `compiled` returns it

    try:
        namespace = {"k": constants, "_string": _string}
        exec(f"def fill(values):\n    g = values.get\n    return {expression(template)}\n", namespace)
        return namespace["fill"]
    except (SyntaxError, RecursionError, MemoryError):  # a template nested too deep to print as one expression
        return compiled(template)


def _string(value: Any) -> str | None:
    return None if value is None else str(value)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and all(_empty(v) for v in value.values()))


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
        cfg = self.cfg
        self.trailing_slash = cfg.get("trailing_slash", "404")
        self.validation_status = cfg.get("validation_status", 400)
        self.envelope = cfg.get("envelope") or _DEFAULT_ENVELOPE
        self.fill_envelope = flattened(self.envelope)
        self.headers: dict = cfg.get("headers") or {}
        self.fill_headers = flattened(self.headers) if self.headers else None
        self.fill_error = compiled(cfg.get("errors") or _DEFAULT_ERRORS)
        self.fill_error_by_status = {status: compiled(t) for status, t in (cfg.get("errors_by_status") or {}).items()}
        # links cost URL encoding: built only when the envelope or a header prints one
        self.has_links = _mentions(self.envelope, "$links.") or _mentions(self.headers, "$link")
        self.identity = getter((cfg.get("collection") or {}).get("identity") or "id")
        self.links_cfg: dict = cfg.get("links") or {}
        # the parameters a link carrying the whole window replaces
        self._window_names = tuple(n for n in (self.paging_cfg.get(k) for k in ("offset", "limit", "page", "page_size")) if n)
        self.columns = Columns(cfg) if cfg.get("columns") else None
        self.typed = jsonapi.TypedFieldsets(cfg["fieldsets"], self.validation_status) if cfg.get("fieldsets") else None
        self.fields_param = (cfg.get("fields") or {}).get("param")
        self.format = None
        if cfg.get("format"):
            param = cfg["format"]["param"]
            schema = op.query_params[param].schema if param in op.query_params else {}
            self.format = FormatParam(param, schema.get("enum") or [], self.media_types)
        self.json_media = next((m for m in self.media_types if m.endswith("json")), "application/json")

    # ------------------------------------------------------------------ content negotiation
    def offered(self, values: dict) -> list[str]:
        return self.format.offered(values, self.media_types) if self.format else self.media_types

    def with_media(self, values: dict, media_type: str) -> None:
        if self.format:
            self.format.with_media(values, media_type)

    # ----------------------------------------------------------------------- request side
    def conditions(self, values: dict) -> list:
        return calls.conditions(self.cfg["filter"], values) if self.cfg.get("filter") else []

    def fieldset(self, values: dict) -> Any:
        if self.columns:
            return self.columns.chosen(values)
        if self.typed:
            return self.typed.read(values)
        raw = values.get(self.fields_param) if self.fields_param else None
        return [f.strip() for f in raw.split(",") if f.strip()] if raw else None

    # ---------------------------------------------------------------------- response side
    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        if self.format and self.columns and self.format.chosen(query.extra["values"]) == "csv":
            return Rendered(self.columns.csv(page.items, query.fields), media_type="text/csv")
        items = self._items(page.items, query, request)
        limit, offset, total = page.limit, page.offset, page.total
        pages = pages_for(total, limit)
        values = {
            "items": items, "total": total if self._with_total(query) else None, "count": len(items),
            "offset": offset, "limit": limit,
            "page": offset // limit + 1 if limit else 1, "pages": pages,
            # more beyond this page in the direction of travel (backwards for `ending_before`)
            "has_more": offset > 0 if query.cursor and query.cursor[0] == "before" else offset + len(items) < total,
        }
        if self.has_links:
            links = self._cursor_links if self.paging_cfg.get("cursor") else self._links
            values.update(links(request, query, offset, limit, total, pages, page.items))
        if self.columns:
            values["column_headers"] = self.columns.headers(query.fields, query)
        if self.cfg.get("included"):
            resolve = lambda entity, key: request.entity(self.op.spec.name, entity, key)
            included = jsonapi.included(page.items, self.cfg["included"], resolve)
            fields = query.fields if self.typed else None
            values["included"] = [jsonapi.project(r, fields) for r in included] if fields else included
        headers = {k: v for k, v in self.fill_headers(values).items() if v} if self.fill_headers else None
        return Rendered(self.fill_envelope(values), media_type=self.json_media, headers=headers)

    def _with_total(self, query: Query) -> bool:
        """`paging.with_total: withTotal`: a boolean parameter that, false, leaves `$total` null (a
        `"total?"` key is then left out), as commercetools skips counting when asked."""
        name = self.paging_cfg.get("with_total")
        return not name or query.extra["values"].get(name) is not False

    def _items(self, items: list, query: Query, request: RequestInfo) -> list:
        if self.typed:  # (no fieldset: every resource as it is)
            items = [jsonapi.project(it, query.fields) for it in items] if query.fields else list(items)
        elif query.fields is not None:
            items = fieldsets.keep_each(items, query.fields)
        if self.cfg.get("self_links"):
            items = jsonapi.with_self_links(items, f"{request.base_url}{request.path}")
        return items

    def _cursor_links(self, request: RequestInfo, query: Query, offset: int, limit: int, total: int, pages: int,
                      items: list) -> dict:
        """Links of a cursor list: after the page's last item, before its first (the rest of the
        query as sent), and `$link_header`, the RFC 8288 `Link` value Shopify-style APIs page by."""
        cursor = self.paging_cfg["cursor"]
        link = request.linker(*cursor.values())

        def at(way: str, item: dict) -> str:
            key = self.identity(item)
            return link(**({cursor["token"]: make_token(way, key)} if cursor.get("token") else {cursor[way]: key}))

        after = at("after", items[-1]) if items and offset + len(items) < total else None
        before = at("before", items[0]) if items and offset > 0 else None
        rels = [f'<{url}>; rel="{rel}"' for rel, url in (("previous", before), ("next", after)) if url]
        return {"links.first": link(), "links.self": request.linker()(), "links.prev": before, "links.next": after,
                "links.last": None, "link_header": ", ".join(rels) or None}

    def _links(self, request: RequestInfo, query: Query, offset: int, limit: int, total: int, pages: int,
               items: list) -> dict:
        """Links in the paging style the spec names (or the request used), carrying the whole
        window or only the position, the rest of the query as sent."""
        p, cfg = self.paging_cfg, self.links_cfg
        style = cfg.get("style") or ("offset" if p.get("offset") else "page")
        if style == "as-requested":
            style = "page" if query.extra.get("mode") == "page" and p.get("page") else "offset"
        position = p["offset"] if style == "offset" else p["page"]
        window = cfg.get("carry", "window") == "window"
        replaced = self._window_names if window else (position,)
        if type(limit) is int:  # the usual case: every link is the prefix and two integers
            prefix = request.prefix(*replaced)
            pos = encoded_name(position)
            tail = f"&{encoded_name(p['limit'])}={limit}" if window else ""

            def at(start: int) -> str:
                return f"{prefix}{pos}={start if style == 'offset' else start // limit + 1 if limit else 1}{tail}"
        else:
            link = request.linker(*replaced)

            def at(start: int) -> str:
                where = start if style == "offset" else start // limit + 1 if limit else 1
                return link(**{position: where, **({p["limit"]: limit} if window else {})})

        last = max(pages - 1, 0) * limit
        return {
            "links.first": at(0), "links.self": at(offset),
            "links.prev": at(max(0, offset - limit)) if offset > 0 else None,
            "links.next": at(offset + limit) if offset + limit < total else None,
            "links.last": None if cfg.get("last") == "beyond-first" and pages <= 1 else at(last),
        }

    def error_body(self, error: RequestError) -> Any:
        # An error without problems reads as one problem: its title, with no detail and no parameter.
        problems = [{"message": p.message, "detail": p.message, "parameter": p.parameter, "location": p.location}
                    for p in error.problems] or [{"message": error.title, "detail": None, "parameter": None, "location": None}]
        messages = [p["message"] for p in problems]
        by_parameter: dict[str, list[str]] = {}
        unnamed = self.cfg.get("unnamed_problems", "errors")
        for p in problems:
            by_parameter.setdefault(p["parameter"] or unnamed, []).append(p["message"])
        values = {"status": error.status, "title": error.title, "message": "; ".join(messages),
                  "parameter": next((p["parameter"] for p in problems if p["parameter"] and p["location"] != "header"), None),
                  "messages": messages, "messages_by_parameter": by_parameter, "problems": problems}
        return self.fill_error_by_status.get(str(error.status), self.fill_error)(values)

    # ---------------------------------------------------------------------- contract side
    def envelope_path(self, placeholder: str) -> list[str] | None:
        """Where the envelope prints a placeholder (the fault injector flips `$has_more` there)."""
        return _path_to(self.envelope, placeholder)

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
                return [key.rstrip("?"), *found]
    return None


def _at(body: Any, path: list[str] | None) -> Any:
    if path is None:
        raise KeyError("the envelope template has no such placeholder")
    for key in path:
        body = body[key]
    return body

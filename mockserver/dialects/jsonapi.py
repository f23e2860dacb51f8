"""JSON:API in the Laravel manner: `page`/`offset`/`limit` (offset wins), `links`, `meta.total`,
`included` built from the page's relationships, `only`/`except` fieldsets with `resource.attribute`
dot notation (also for included resources), and JSON:API error objects.

    included: {currencies: Currency}     # relationship name -> entity that resolves its ids
    fieldsets: {only: only, except: except, type: discountCodes}
"""

from __future__ import annotations

from typing import Any

from ..errors import RequestError, bad_request
from ..query import Page, Query
from .base import Dialect, Rendered, RequestInfo, pages_for


class JsonApiDialect(Dialect):
    name = "jsonapi"
    trailing_slash = "same"  # Laravel routes `/x/` as `/x`
    validation_status = 422

    # ------------------------------------------------------------------------- fieldsets
    def fieldset(self, values: dict) -> Any:
        cfg = self.cfg.get("fieldsets")
        if not cfg:
            return None
        main = cfg.get("type", "")
        only = by_type(values.get(cfg.get("only", "only")), main)
        exclude = by_type(values.get(cfg.get("except", "except")), main)
        clash = sorted(set(only) & set(exclude))
        if clash:
            raise bad_request(f"'only' and 'except' both reference {', '.join(clash)}; use one per resource",
                              cfg.get("except", "except"), status=self.validation_status)
        if not only and not exclude:
            return None
        return {"only": only, "except": exclude}

    @staticmethod
    def _project(resource: dict, fields: dict | None) -> dict:
        if not fields:
            return resource
        kind = resource.get("type")
        attributes = resource.get("attributes", {})
        if kind in fields["only"]:
            attributes = {k: v for k, v in attributes.items() if k in fields["only"][kind]}
        if kind in fields["except"]:
            attributes = {k: v for k, v in attributes.items() if k not in fields["except"][kind]}
        return {**resource, "attributes": attributes}

    # -------------------------------------------------------------------------- envelope
    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        data = [self._with_self_link(self._project(it, query.fields), request) for it in page.items]
        body = {"data": data, "links": self._links(page, query, request), "meta": {"total": page.total}}
        if self.cfg.get("included"):
            body["included"] = [self._project(r, query.fields) for r in self._included(page.items, request)]
        return Rendered(body, media_type="application/vnd.api+json" if self.cfg.get("media_type") == "jsonapi" else "application/json")

    def _with_self_link(self, resource: dict, request: RequestInfo) -> dict:
        if not self.cfg.get("self_links"):
            return resource
        return {**resource, "links": {"self": f"{request.base_url}{request.path}?id={resource['id']}"}}

    def _included(self, items: list[dict], request: RequestInfo) -> list[dict]:
        seen: dict[tuple, dict] = {}
        for item in items:
            for rel_name, entity in self.cfg["included"].items():
                rel = (item.get("relationships") or {}).get(rel_name)
                if not rel:
                    continue
                refs = rel.get("data", rel)
                for ref in refs if isinstance(refs, list) else [refs]:
                    key = (ref["type"], ref["id"])
                    if key not in seen:
                        seen[key] = request.entity(self.op.spec.name, entity, ref["id"])
        return list(seen.values())

    def _links(self, page: Page, query: Query, request: RequestInfo) -> dict:
        p = self.paging_cfg
        total, offset, limit = page.total, page.offset, page.limit
        last_page = max(pages_for(total, limit), 1)
        if query.extra.get("mode") == "offset":
            link = request.linker(p["offset"])
            at = lambda o: link(**{p["offset"]: o})
            return {"first": at(0), "last": at((last_page - 1) * limit),
                    "prev": at(max(0, offset - limit)) if offset > 0 else None,
                    "next": at(offset + limit) if offset + limit < total else None,
                    "self": at(offset)}
        number = offset // limit + 1
        link = request.linker(p["page"])
        at = lambda n: link(**{p["page"]: n})
        return {"first": at(1), "last": at(last_page),
                "prev": at(number - 1) if number > 1 else None,
                "next": at(number + 1) if offset + limit < total else None,
                "self": at(number)}

    def error_body(self, error: RequestError) -> Any:
        if not error.problems:
            return {"errors": [{"status": str(error.status), "title": error.title}]}
        return {"errors": [
            {"status": str(error.status), "title": error.title, "detail": p.message,
             **({"source": {"parameter": p.parameter}} if p.parameter else {})}
            for p in error.problems
        ]}

    def total_of(self, body: Any) -> int:
        return body["meta"]["total"]


def by_type(raw: str | None, main: str) -> dict[str, set[str]]:
    """`discountCodes.code,currencies.name,code` -> {discountCodes: {code}, currencies: {name}}."""
    out: dict[str, set[str]] = {}
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        kind, dot, attribute = part.rpartition(".")
        out.setdefault(kind if dot else main, set()).add(attribute)
    return out


def fieldsets_clash(query: dict, main: str) -> bool:
    """Whether `only` and `except` name the same resource (documented as not allowed: a 422)."""
    only, exclude = query.get("only"), query.get("except")
    if not isinstance(only, str) or not isinstance(exclude, str):
        return False
    return bool(set(by_type(only, main)) & set(by_type(exclude, main)))

"""JSON:API resources: `included` compound documents, per-resource self links, and `only`/`except`
sparse fieldsets with `resource.attribute` dot notation (also for included resources).

A spec selects each piece in `x-mock`; the envelope prints the compound part with `$included`:

    fieldsets: {only: only, except: except, type: discountCodes}   # parameter names, the main type
    included: {currencies: Currency}     # relationship name -> entity that resolves its ids
    self_links: true                     # each resource gets `links.self` (`?id=` of this path)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from ..errors import bad_request


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


class TypedFieldsets:
    """`only=`/`except=` by resource type; naming one type in both is refused."""

    def __init__(self, cfg: dict, status: int):
        self.only, self.exclude = cfg.get("only", "only"), cfg.get("except", "except")
        self.main, self.status = cfg.get("type", ""), status

    def read(self, values: dict) -> dict | None:
        only = by_type(values.get(self.only), self.main)
        exclude = by_type(values.get(self.exclude), self.main)
        clash = sorted(set(only) & set(exclude))
        if clash:
            raise bad_request(f"'{self.only}' and '{self.exclude}' both reference {', '.join(clash)}; use one per resource",
                              self.exclude, status=self.status)
        if not only and not exclude:
            return None
        return {"only": only, "except": exclude}


def project(resource: dict, fields: dict | None) -> dict:
    """The resource with only the attributes its type's fieldset keeps."""
    if not fields:
        return resource
    kind = resource.get("type")
    attributes = resource.get("attributes", {})
    only, exclude = fields["only"].get(kind), fields["except"].get(kind)
    if type(attributes) is dict and (only is not None or exclude is not None):
        # which attributes stay depends only on the resource's keys: found once per key order
        kept = _kept(tuple(attributes), None if only is None else frozenset(only),
                     None if exclude is None else frozenset(exclude))
        return {**resource, "attributes": {k: attributes[k] for k in kept}}
    if kind in fields["only"]:
        attributes = {k: v for k, v in attributes.items() if k in fields["only"][kind]}
    if kind in fields["except"]:
        attributes = {k: v for k, v in attributes.items() if k not in fields["except"][kind]}
    return {**resource, "attributes": attributes}


@lru_cache(maxsize=1024)
def _kept(keys: tuple, only: frozenset | None, exclude: frozenset | None) -> tuple:
    """The keys, in order, in `only` (when given) and not in `exclude` (when given)."""
    return tuple(k for k in keys if (only is None or k in only) and (exclude is None or k not in exclude))


def with_self_link(resource: dict, base: str) -> dict:
    return {**resource, "links": {"self": f"{base}?id={resource['id']}"}}


def with_self_links(resources: list[dict], base: str) -> list[dict]:
    """`with_self_link` of each, in one comprehension (no call per resource)."""
    return [{**r, "links": {"self": f"{base}?id={r['id']}"}} for r in resources]


def included(items: list[dict], relationships: dict[str, str], resolve: Callable[[str, Any], dict]) -> list[dict]:
    """The distinct resources the page's relationships reference, in first-seen order."""
    seen: dict[tuple, dict] = {}
    named = tuple(relationships.items())
    for item in items:
        related = item.get("relationships") or {}
        for rel_name, entity in named:
            rel = related.get(rel_name)
            if not rel:
                continue
            refs = rel.get("data", rel)
            if not isinstance(refs, list):
                refs = (refs,)
            for ref in refs:
                key = (ref["type"], ref["id"])
                if key not in seen:
                    seen[key] = resolve(entity, ref["id"])
    return list(seen.values())

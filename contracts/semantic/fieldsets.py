"""Fieldsets: only the requested fields come back, every requested field comes back, and the fields
that must always be there stay.

Three syntaxes, each named by its `x-mock` block:
- `columns_param` + `columns` (TeamUp): column keys or their aliases; `required` columns always kept;
- `fields: {param}` (ops): comma-separated dotted paths; unknown names silently dropped;
- `fieldsets: {only, except, type}` (NuWeb): `resource.attribute` names, applied to `attributes` of
  the listed resources and of `included` ones; the resource's own required keys stay.
"""

from __future__ import annotations

from typing import Any

from mockserver.dotted import has_path
from mockserver.pipeline import dig

from ..results import Recorder, SkipCheck
from .target import ListTarget, Page
from .values import covered, leaves

UNKNOWN_FIELD = "zzContractsNoSuchField"


def check_fieldsets(t: ListTarget, rec: Recorder) -> None:
    cfg = t.op.mock
    if cfg.get("columns_param") and cfg.get("columns"):
        with rec.check(f"fieldset.{cfg['columns_param']}") as c:
            check_columns(t, c)
    if (cfg.get("fields") or {}).get("param"):
        with rec.check(f"fieldset.{cfg['fields']['param']}") as c:
            check_field_paths(t, c)
    if cfg.get("fieldsets"):
        fs = cfg["fieldsets"]
        with rec.check(f"fieldset.{fs.get('only', 'only')}") as c:
            check_only(t, c, fs)
        with rec.check(f"fieldset.{fs.get('except', 'except')}") as c:
            check_except(t, c, fs)


def expect_projection(c, page: Page, items: list, allowed: set[str], required: set[str], described: str) -> None:
    extra = sorted({leaf for item in items for leaf in leaves(item) if not covered(leaf, allowed)})
    c.expect(not extra, f"`{described}`: only the requested fields come back",
             expected=f"fields under {sorted(allowed)}", actual=f"also {extra[:6]}", response=page.response)
    missing = sorted({path for item in items for path in required if not has_path(item, path)})
    c.expect(not missing, f"`{described}`: the requested and required fields are present on every item",
             expected=sorted(required), actual=f"missing {missing}", response=page.response)


# ---------------------------------------------------------------------------- TeamUp columns

def check_columns(t: ListTarget, c) -> None:
    cfg = t.op.mock
    param, columns = cfg["columns_param"], cfg["columns"]
    required = {k for k, col in columns.items() if col.get("required")}
    optional = [k for k in columns if k not in required]
    dotted = [k for k in optional if "." in k]
    objects = [k for k in optional if "." not in k]
    aliased = [k for k in optional if columns[k].get("aliases")]
    selections: list[tuple[list[str], list[str]]] = []  # (sent, canonical)
    if dotted:
        selections.append(([dotted[0]], [dotted[0]]))
    if aliased:
        key = aliased[-1]
        selections.append(([columns[key]["aliases"][0]], [key]))
    if len(objects) >= 2:
        selections.append((objects[-2:], objects[-2:]))
    if not selections:
        raise SkipCheck("no optional column to select")
    for sent, canonical in selections:
        page = t.fetch({param: sent}, offset=0, limit=t.default_limit)
        described = "&".join(f"{param}={s}" for s in sent)
        expect_projection(c, page, page.items, set(canonical) | required, set(canonical) | required, described)
        headers = page.body.get("column_headers") if isinstance(page.body, dict) else None
        if isinstance(headers, list):
            keys = {h.get("key") for h in headers if isinstance(h, dict)}
            c.expect(keys == set(canonical) | required, f"`{described}`: column_headers list exactly the columns returned",
                     expected=sorted(set(canonical) | required), actual=sorted(k for k in keys if k), response=page.response)


# ------------------------------------------------------------------------------- ops fields

def check_field_paths(t: ListTarget, c) -> None:
    param = t.op.mock["fields"]["param"]
    sample = _sample(t)
    paths = sorted(leaves(sample))
    top = [p for p in paths if "." not in p]
    nested = [p for p in paths if "." in p]
    chosen = ([top[1] if len(top) > 1 else top[0]] if top else []) + nested[:1]
    if not chosen:
        raise SkipCheck("items have no fields to select")
    page = t.fetch({param: ",".join(chosen)}, offset=0, limit=t.default_limit)
    expect_projection(c, page, page.items, set(chosen), set(chosen), f"{param}={','.join(chosen)}")
    page = t.fetch({param: UNKNOWN_FIELD}, offset=0, limit=t.default_limit)
    c.expect(all(not leaves(i) for i in page.items), f"`{param}={UNKNOWN_FIELD}`: an unknown name is dropped, leaving items empty",
             expected="empty items", actual=f"fields {sorted({l for i in page.items for l in leaves(i)})[:6]}",
             response=page.response)


# ---------------------------------------------------------------------------- NuWeb only/except

def _sample(t: ListTarget) -> Any:
    items = t.collection().items
    if not items:
        raise SkipCheck("the collection is empty: no fields to select")
    return items[0]


def _kept_keys(t: ListTarget) -> set[str]:
    schema = t.op.spec.schema(t.op.mock["collection"]["item"])
    return set(schema.get("required") or [])


def check_only(t: ListTarget, c, fs: dict) -> None:
    param, main = fs.get("only", "only"), fs.get("type", "")
    attributes = sorted((_sample(t).get("attributes") or {}))
    if len(attributes) < 2:
        raise SkipCheck("items have too few attributes to select")
    required = _kept_keys(t) - {"attributes"}
    for sent, attribute in ((f"{main}.{attributes[0]}", attributes[0]), (f"{main}.{attributes[1]}", attributes[1])):
        page = t.fetch({param: sent}, offset=0, limit=t.default_limit)
        allowed = {f"attributes.{attribute}"} | {k for k in leaves_roots(page.items) if k != "attributes"}
        expect_projection(c, page, page.items, allowed, {f"attributes.{attribute}"} | required, f"{param}={sent}")
    bare = t.send({param: attributes[0], **t.window(0, t.default_limit)})
    c.expect(200 <= bare.status_code < 300, f"`{param}={attributes[0]}` (a bare name) means a {main} attribute",
             expected="a 2xx", actual=bare.status_code, response=bare, basis="fieldset.bare-names",
             took="dot-only" if 400 <= bare.status_code < 500 else None)
    for relation in (t.op.mock.get("included") or {}):
        page = t.fetch({}, offset=0, limit=t.default_limit)
        included = page.body.get("included") or []
        names = sorted({k for r in included for k in (r.get("attributes") or {})})
        if not names:
            continue
        sent = f"{relation}.{names[0]}"
        page = t.fetch({param: sent}, offset=0, limit=t.default_limit)
        for resource in page.body.get("included") or []:
            got = sorted(resource.get("attributes") or {})
            c.expect(got == [names[0]], f"`{param}={sent}`: included {relation} keep only that attribute",
                     expected=[names[0]], actual=got, response=page.response)
        full = sorted({k for i in page.items for k in (i.get("attributes") or {})})
        c.expect(full == attributes or not page.items, f"`{param}={sent}` leaves the {main} attributes whole",
                 expected=attributes, actual=full, response=page.response)


def leaves_roots(items: list) -> set[str]:
    return {k for item in items if isinstance(item, dict) for k in item}


def check_except(t: ListTarget, c, fs: dict) -> None:
    param, main = fs.get("except", "except"), fs.get("type", "")
    full = {t.identity(i): i for i in t.collection().items}
    attributes = sorted((_sample(t).get("attributes") or {}))
    dropped = attributes[0]
    sent = f"{main}.{dropped}" if main else dropped
    page = t.fetch({param: sent}, offset=0, limit=t.default_limit)
    for item in page.items:
        before = set((full.get(t.identity(item)) or {}).get("attributes") or {})
        after = set(item.get("attributes") or {})
        if not c.expect(dropped not in after, f"`{param}={sent}`: that attribute is left out",
                        expected=f"no `{dropped}`", actual=f"`{dropped}` = {dig(item, 'attributes.' + dropped)!r}",
                        response=page.response):
            return
        if before and not c.expect(after == before - {dropped}, f"`{param}={sent}`: every other attribute stays",
                                   expected=sorted(before - {dropped}), actual=sorted(after), response=page.response):
            return

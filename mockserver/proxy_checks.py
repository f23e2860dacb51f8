"""What one answer can prove on its own: the proxy's semantic checks (`mockserver proxy`).

`contracts` walks whole collections and asks again; a proxy sees each answer once. So only the
claims one page settles are checked here, each under the claim id `contracts` grades it by (the
operation's `x-contract`), and through the contract checks' own page-level code where there is
some (links, page meta, `included`, field relations):

- `paging.max-limit`  the page holds no more items than asked for, nor than the maximum;
- `paging.total`      a short page is the last one: offset + items = the reported total;
- `paging.links`      links point at the right window of the same query (null where documented);
- `paging.meta`       page number, size and count agree with the request and the total;
- `fieldset.<param>`  a `fields`/`columns` list that was sent: no other fields come back;
- `invariant.*`       `included` complete, path-bound fields, `x-mock.invariants`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.declarations import Contract
from contracts.results import Recorder, SkipCheck
from contracts.semantic.fieldsets import expect_projection
from contracts.semantic.invariants import check_included, check_relation, path_bound_fields
from contracts.semantic.links import check_page_links, link_schema
from contracts.semantic.paging import check_page_meta
from contracts.semantic.target import Page
from contracts.semantic.vendor_rules import invariants, page_meta

from .dotted import dig
from .query import Query
from .spec import Operation


@dataclass
class OneAnswer:
    """One operation at concrete path parameters, as much of a `ListTarget` as one page needs."""

    op: Operation
    path_values: dict[str, str]
    paging_cfg: dict = field(init=False)

    def __post_init__(self) -> None:
        self.paging_cfg = self.op.mock.get("paging") or {}

    def collection(self) -> Any:
        raise SkipCheck("the page reports no total, and one answer cannot count the collection")


def check_page(op: Operation, contract: Contract, rec: Recorder, response: Any, body: Any,
               path_values: dict[str, str], query: Query, maximum: int) -> None:
    """Every single-response check that applies to this page (`query`: what the request asked for,
    read as the mock reads it). A projected page may lack members on purpose, so relations and
    `included` are checked only on whole items."""
    offset, limit, projected = query.offset, query.limit, query.fields is not None
    target = OneAnswer(op, path_values)
    try:
        items = contract.reader.items_of(body)
        total = contract.reader.total_of(body)
    except (KeyError, TypeError):
        return  # no list where the items belong: the schema check has said so already
    page = Page(response=response, body=body, items=items, total=total if isinstance(total, int) else None,
                offset=offset, limit=limit)
    check_size(page, maximum, rec)
    check_total(page, rec)
    schema = link_schema(target)
    if schema and isinstance(body, dict):
        with rec.check("paging.links") as c:
            check_page_links(target, page, schema, c)
    meta = page_meta(op)
    if meta:
        with rec.check("paging.meta") as c:
            if page.total is None:
                raise SkipCheck("the page reports no total")
            check_page_meta(page, meta, c)
    check_fieldset(op, page, query, rec)
    if projected:
        return
    bound = path_bound_fields(target)
    if bound and items:
        with rec.check("invariant.path-bound") as c:
            for name, param in bound.items():
                wrong = [i for i in items if str(dig(i, name)) != str(path_values.get(param))]
                c.expect(not wrong, f"every item's `{name}` is the path's `{param}`", expected=path_values.get(param),
                         actual=f"{len(wrong)} items differ, e.g. {dig(wrong[0], name)!r}" if wrong else "",
                         response=response)
    if op.mock.get("included") and isinstance(body, dict):
        with rec.check("invariant.included") as c:
            check_included(target, page, c)
    relations = invariants(op)
    if relations and items:
        with rec.check("invariant.fields") as c:
            for text in relations:
                check_relation(text, items, c, response)


def check_size(page: Page, maximum: int, rec: Recorder) -> None:
    with rec.check("paging.max-limit") as c:
        most = min(page.limit, maximum)
        c.expect(len(page.items) <= most, f"a page holds at most the {page.limit} items asked for "
                 f"(and never more than the maximum of {maximum})", expected=f"at most {most} items",
                 actual=f"{len(page.items)} items", response=page.response)


def check_total(page: Page, rec: Recorder) -> None:
    """A short page ends the list, so the total is exactly what lies before it plus what it holds;
    a full one cannot hold items beyond the total."""
    if page.total is None:
        return
    with rec.check("paging.total") as c:
        offset, count = page.offset or 0, len(page.items)
        if count == 0 and offset > 0:
            c.expect(page.total <= offset, "an empty page lies beyond the end: the total is at most its offset",
                     expected=f"total <= {offset}", actual=f"total {page.total}", response=page.response)
        elif count < page.limit:
            c.expect(page.total == offset + count, "a short page is the last: the total is its offset plus its items",
                     expected=f"total {offset + count} (offset {offset}, {count} items, limit {page.limit})",
                     actual=f"total {page.total}", response=page.response)
        else:
            c.expect(page.total >= offset + count, "the total counts at least the items up to this page",
                     expected=f"total >= {offset + count}", actual=f"total {page.total}", response=page.response)


def check_fieldset(op: Operation, page: Page, query: Query, rec: Recorder) -> None:
    """A list of dotted field names that was sent (ops `fields`, TeamUp `columns`, required ones
    included as the dialect adds them) bounds what each item carries. NuWeb's per-type `only`/
    `except` need the whole collection's shape, so they are left to `contracts`."""
    param = (op.mock.get("fields") or {}).get("param") or op.mock.get("columns_param")
    values = query.extra.get("values")
    if not param or not isinstance(query.fields, list) or param not in getattr(values, "given", ()):
        return
    with rec.check(f"fieldset.{param}") as c:
        expect_projection(c, page, page.items, set(query.fields), set(), f"{param}={','.join(query.fields)}")

"""Paging: walking every page gives each item exactly once, and the numbers a page reports add up.

Driven by `x-mock.paging` (the parameter names), `x-mock.collection.identity` (what makes an item
unique) and the limit parameter's schema (default and maximum page size).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mockserver.pipeline import dig

from ..results import Recorder
from .target import ListTarget, Walk
from .vendor_rules import page_meta

WALK_PAGES_WANTED = 7  # the small page size is chosen so that a walk takes about this many pages


def pages_for(total: int, limit: int) -> int:
    return -(-total // limit) if limit > 0 else 0


def walk_sizes(total: int, maximum: int) -> list[int]:
    """The largest page size, and a small one that needs several pages (and differs from it)."""
    small = max(1, min(maximum - 1, pages_for(total, WALK_PAGES_WANTED) or 1))
    return [maximum] if small >= maximum else [maximum, small]


def check_paging(t: ListTarget, rec: Recorder) -> None:
    default, maximum = t.default_limit, t.max_limit
    limit = t.limit_param

    with rec.check("paging.default-limit") as c:
        page = t.fetch({})
        c.expect(len(page.items) == min(default, page.total),
                 f"without `{limit}` a page holds the documented default of {default} items (or all, when fewer)",
                 expected=min(default, page.total), actual=f"{len(page.items)} items (total {page.total})",
                 response=page.response)

    with rec.check("paging.max-limit") as c:
        page = t.fetch(offset=0, limit=maximum)
        c.expect(len(page.items) == min(maximum, page.total),
                 f"`{limit}={maximum}` (the documented maximum) returns a full page",
                 expected=min(maximum, page.total), actual=f"{len(page.items)} items (total {page.total})",
                 response=page.response)
        over = t.send(t.window(0, maximum + 1))
        c.expect(400 <= over.status_code < 500,
                 f"`{limit}={maximum + 1}` (over the documented maximum) is rejected",
                 expected=f"4xx (the spec documents {t.dialect.validation_status})",
                 actual=f"{over.status_code} with {_count(t, over)}", response=over)

    walks: list[Walk] = []
    with rec.check("paging.walk") as c:
        walks.append(t.collection())
        check_walk(t, walks[-1], c)
    if walks:
        for size in walk_sizes(walks[0].pages[0].total, maximum)[1:]:
            with rec.check("paging.walk") as c:
                walks.append(t.walk(size))
                check_walk(t, walks[-1], c)

    with rec.check("paging.sizes-agree") as c:
        complete = [w for w in walks if w.complete]
        if len(complete) < 2:
            c.note("only one page size walked to the end")
        else:
            a, b = complete[0], complete[1]
            ids_a, ids_b = {t.identity(i) for i in a.items}, {t.identity(i) for i in b.items}
            c.expect(ids_a == ids_b, f"walking at page size {a.size} and at {b.size} gives the same items",
                     expected=f"{len(ids_a)} items at size {a.size}",
                     actual=f"{len(ids_b)} at size {b.size}; {len(ids_a - ids_b)} only at {a.size}, {len(ids_b - ids_a)} only at {b.size}",
                     response=b.pages[-1].response)

    meta = page_meta(t.op)
    if meta:
        with rec.check("paging.meta") as c:
            for walk in walks:
                for page in walk.pages:
                    check_page_meta(page, meta, c)

    check_page_numbers(t, rec, walks)


def check_walk(t: ListTarget, walk: Walk, c) -> None:
    size, pages = walk.size, walk.pages
    ids = [t.identity(item) for item in walk.items]
    last = pages[-1]
    c.expect(None not in ids, f"every item carries its identity `{t.identity_path}`",
             expected="a value on every item", actual=f"{ids.count(None)} items without it",
             response=next((p.response for p in pages if any(t.identity(i) is None for i in p.items)), last.response))
    repeated = [i for i, n in Counter(ids).items() if n > 1 and i is not None]
    c.expect(not repeated, f"page size {size}: each item comes back once across all pages",
             expected="no item on two pages", actual=f"{len(repeated)} repeated, e.g. {repeated[:3]}",
             response=_page_with(t, pages, repeated[0]).response if repeated else last.response)
    totals = sorted({p.total for p in pages})
    c.expect(len(totals) == 1, f"page size {size}: every page reports the same total",
             expected=totals[0], actual=totals, response=last.response)
    if not walk.complete:
        c.note(f"the walk at page size {size} stopped after {len(pages)} pages (bounded); counts not compared")
        return
    reported = pages[0].total
    c.expect(len(ids) == reported,
             f"page size {size}: walking every page gives as many items as the reported total",
             expected=f"{reported} items (the reported total)", actual=f"{len(ids)} items over {len(pages)} pages",
             response=last.response)
    short = [n for n, p in enumerate(pages[:-1]) if len(p.items) != size]
    c.expect(not short, f"page size {size}: every page but the last is full",
             expected=f"{size} items per page", actual=f"pages {short} hold {[len(pages[n].items) for n in short]}",
             response=pages[short[0]].response if short else last.response)


def check_page_meta(page, meta: dict[str, str], c) -> None:
    """The page number, size and page count a page reports agree with the window and the total."""
    limit, offset, total = page.limit, page.offset or 0, page.total
    expected = {"limit": limit, "offset": offset, "pages": pages_for(total, limit),
                "page": offset // limit + 1 if limit else None}
    for key, path in meta.items():
        if key not in expected or expected[key] is None:
            continue
        got = dig(page.body, path)
        c.expect(got == expected[key], f"`{path}` agrees with the request and the total ({key})",
                 expected=f"{expected[key]} (offset {offset}, limit {limit}, total {total})", actual=got,
                 response=page.response)


def check_page_numbers(t: ListTarget, rec: Recorder, walks: list[Walk]) -> None:
    """Where both page numbers and offsets page the list, page N is the same window as offset (N-1)*size."""
    cfg = t.dialect.paging_cfg
    if not (cfg.get("page") and cfg.get("offset")) or not walks:
        return
    walk = walks[-1]
    if len(walk.pages) < 2:
        return
    with rec.check("paging.page-number") as c:
        size_param = cfg.get("page_size") or cfg["limit"]
        page = t.fetch({cfg["page"]: 2, size_param: walk.size})
        page.offset, page.limit = walk.size, walk.size
        t.other_pages.append(page)
        got = [t.identity(i) for i in page.items]
        want = [t.identity(i) for i in walk.pages[1].items]
        c.expect(got == want, f"`{cfg['page']}=2&{size_param}={walk.size}` is the window at offset {walk.size}",
                 expected=f"{len(want)} items starting {want[:2]}", actual=f"{len(got)} items starting {got[:2]}",
                 response=page.response)


def _page_with(t: ListTarget, pages, identity: Any):
    return next(p for p in reversed(pages) if any(t.identity(i) == identity for i in p.items))


def _count(t: ListTarget, response) -> str:
    try:
        return f"{len(t.dialect.items_of(response.json()))} items"
    except Exception:  # an error body has no items: say so
        return "no page"

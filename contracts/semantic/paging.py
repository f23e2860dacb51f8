"""Paging: walking every page gives each item exactly once, and the numbers a page reports add up.

Driven by `x-mock.paging` (the parameter names), `x-contract.read` (items, total, identity) and the
limit parameter's schema (default and maximum page size). Each claim names its basis in
`x-contract`: the maximum is documented on most pages, what happens above it is a reading.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mockserver.pipeline import dig

from ..results import Recorder
from .target import ListTarget, Walk, link_rel
from .vendor_rules import page_meta

WALK_PAGES_WANTED = 7  # the small page size is chosen so that a walk takes about this many pages


def pages_for(total: int, limit: int) -> int:
    return -(-total // limit) if limit > 0 else 0


def walk_sizes(total: int, maximum: int) -> list[int]:
    """The largest page size; a small one that needs several pages; and one that divides the total
    exactly (where the last page is full: the classic off-by-one in page counts and `next`)."""
    sizes = [maximum]
    small = max(1, min(maximum - 1, pages_for(total, WALK_PAGES_WANTED) or 1))
    if small < maximum:
        sizes.append(small)
    exact = next((d for d in range(min(maximum - 1, total // 2), 1, -1) if total % d == 0), None)
    if exact and exact not in sizes and total // exact <= 2 * WALK_PAGES_WANTED:
        sizes.append(exact)
    return sizes


def exact_sizes(total: int | None, maximum: int, walked: list[int]) -> list[int]:
    """Page sizes that divide the total exactly (1, and the largest up to the maximum, which is the
    total itself for a short list), not walked yet: one page each is enough to check page counts."""
    if not total:
        return []
    largest = next(d for d in range(min(maximum, total), 0, -1) if total % d == 0)
    return [s for s in sorted({1, largest}) if s not in walked]


def check_paging(t: ListTarget, rec: Recorder) -> None:
    default, maximum = t.default_limit, t.max_limit
    limit = t.limit_param

    walks: list[Walk] = []
    with rec.check("paging.walk") as c:
        walks.append(t.collection())
        check_walk(t, walks[-1], c)
    whole = walks[0].total if walks else None

    with rec.check("paging.default-limit") as c:
        page = t.fetch({})
        want = default if whole is None else min(default, whole)
        took = "other-default" if len(page.items) != want else None
        c.expect(len(page.items) == want,
                 f"without `{limit}` a page holds the default of {default} items (or all, when fewer)",
                 expected=want, actual=f"{len(page.items)} items (total {whole})", response=page.response, took=took)

    with rec.check("paging.max-limit") as c:
        page = t.fetch(offset=0, limit=maximum)
        want = maximum if whole is None else min(maximum, whole)
        c.expect(len(page.items) == want, f"`{limit}={maximum}` (the maximum) returns a full page",
                 expected=want, actual=f"{len(page.items)} items (total {whole})", response=page.response,
                 took="lower-max" if len(page.items) < want else None)
        over = t.send(t.window(0, maximum + 1))
        if 200 <= over.status_code < 300:
            count = _count(t, over)
            c.expect(count is not None and count <= maximum,
                     f"`{limit}={maximum + 1}` never returns more than the maximum of {maximum} items",
                     expected=f"at most {maximum} items", actual=f"{count} items", response=over)
        c.expect(400 <= over.status_code < 500, f"`{limit}={maximum + 1}` (over the maximum) is rejected",
                 expected="a 4xx", actual=f"{over.status_code} with {_count(t, over)} items", response=over,
                 basis="paging.over-max", took="clamp" if 200 <= over.status_code < 300 else None)

    if walks:
        for size in walk_sizes(whole or 0, maximum)[1:]:
            with rec.check("paging.walk") as c:
                walks.append(t.walk(size))
                check_walk(t, walks[-1], c)

    with rec.check("paging.sizes-agree") as c:
        complete = [w for w in walks if w.complete]
        if len(complete) < 2:
            c.note("only one page size walked to the end")
        for a, b in zip(complete, complete[1:]):
            ids_a, ids_b = {t.identity(i) for i in a.items}, {t.identity(i) for i in b.items}
            c.expect(ids_a == ids_b, f"walking at page size {a.size} and at {b.size} gives the same items",
                     expected=f"{len(ids_a)} items at size {a.size}",
                     actual=f"{len(ids_b)} at size {b.size}; {len(ids_a - ids_b)} only at {a.size}, {len(ids_b - ids_a)} only at {b.size}",
                     response=b.pages[-1].response)

    if t.reader.total:
        with rec.check("paging.envelope") as c:
            c.expect(not t.without_total, f"every page reports its total at `{t.reader.total}`",
                     expected=f"`{t.reader.total}`", actual=f"{len(t.without_total)} pages without it",
                     response=t.without_total[0] if t.without_total else None, basis="envelope.total",
                     took="no-total" if t.without_total else None)

    meta = page_meta(t.op)
    if meta:
        with rec.check("paging.meta") as c:
            for walk in walks:
                for page in walk.pages:
                    check_page_meta(page, meta, c, whole)
            for size in exact_sizes(whole, maximum, [w.size for w in walks]):  # the last page is full
                check_page_meta(t.fetch(offset=0, limit=size), meta, c, whole)

    check_page_numbers(t, rec, walks)
    check_precedence(t, rec, walks)
    if t.cursor:
        check_cursor(t, rec, walks)
    if t.reader.count:
        with rec.check("paging.count") as c:
            for page in (p for w in walks for p in w.pages):
                count = t.reader.count_of(page.body)
                c.expect(count == len(page.items), f"`{t.reader.count}` is the number of items on the page",
                         expected=len(page.items), actual=count, response=page.response, basis="paging.count")
    with_total = t.paging_cfg.get("with_total")
    if with_total and t.reader.total:
        with rec.check("paging.with-total") as c:
            counted, uncounted = t.fetch({}, offset=0, limit=maximum), t.fetch({with_total: False}, offset=0, limit=maximum)
            c.expect(uncounted.total is None, f"`{with_total}=false` leaves `{t.reader.total}` out",
                     expected="no total", actual=uncounted.total, response=uncounted.response, basis="paging.with-total")
            same = [t.identity(i) for i in counted.items] == [t.identity(i) for i in uncounted.items]
            c.expect(same, f"`{with_total}=false` returns the same items", expected="the same page",
                     actual="another page", response=uncounted.response, basis="paging.with-total")
            if uncounted.total is None:
                t.without_total.remove(uncounted.response)  # asked for: not a page that lost its total


def check_cursor(t: ListTarget, rec: Recorder, walks: list[Walk]) -> None:
    """A cursor list: each page says truthfully whether another follows (`has_more`, or a
    `rel="next"` link), and the way back from a page (`ending_before` its first item, or its
    `rel="previous"` link) gives the page before it (the documented "previous page of the list")."""
    token = bool(t.cursor.get("token"))
    flag = '`Link: rel="next"`' if token else (f"`{t.reader.has_more}`" if t.reader.has_more else None)
    if flag:
        with rec.check("paging.has-more") as c:
            for walk in (w for w in walks if w.complete):
                filled = [p for p in walk.pages if p.items]
                for n, page in enumerate(filled):
                    more, want = t.more_after(page), n < len(filled) - 1
                    said = ("there" if want else "absent") if token else str(want).lower()
                    c.expect(more is want, f"page size {walk.size}: {flag} is {said} on "
                             f"{'every page but the last' if want else 'the last page'}",
                             expected=want, actual=more, response=page.response, basis="paging.has-more")
    before = t.cursor.get("before")
    walk = next((w for w in walks[1:] + walks[:1] if len([p for p in w.pages if p.items]) >= 2), None)
    if not (before or token) or walk is None:
        return
    with rec.check("paging.cursor") as c:
        pages = [p for p in walk.pages if p.items]
        for previous, page in list(zip(pages, pages[1:]))[:3]:
            if token:
                url = link_rel(page.response, "previous")
                c.expect(url is not None, f'a page after the first links `rel="previous"` (page size {walk.size})',
                         expected="a previous link", actual="none", response=page.response, basis="paging.cursor")
                if url is None:
                    continue
                back, how = t.read(t.client.get(url)), 'its `rel="previous"` link'
            else:
                first = t.identity(page.items[0])
                back, how = t.fetch({before: first, t.limit_param: walk.size}), f"`{before}={first}`"
            got, want = [t.identity(i) for i in back.items], [t.identity(i) for i in previous.items]
            c.expect(got == want, f"{how} gives back the page before it (page size {walk.size})",
                     expected=want[:5], actual=got[:5], response=back.response, basis="paging.cursor")


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
    totals = sorted({p.total for p in pages if p.total is not None})
    c.expect(len(totals) <= 1, f"page size {size}: every page reports the same total",
             expected=totals[0] if totals else "", actual=totals, response=last.response, basis="paging.total")
    if not walk.complete:
        c.note(f"the walk at page size {size} stopped after {len(pages)} pages (bounded); counts not compared")
        return
    reported = pages[0].total
    if reported is not None:
        c.expect(len(ids) == reported,
                 f"page size {size}: walking every page gives as many items as the reported total",
                 expected=f"{reported} items (the reported total)", actual=f"{len(ids)} items over {len(pages)} pages",
                 response=last.response, basis="paging.total")
    short = [n for n, p in enumerate(pages[:-1]) if len(p.items) != size]
    c.expect(not short, f"page size {size}: every page but the last is full",
             expected=f"{size} items per page", actual=f"pages {short} hold {[len(pages[n].items) for n in short]}",
             response=pages[short[0]].response if short else last.response)


def check_page_meta(page, meta: dict[str, str], c, whole: int | None = None) -> None:
    """The page number, size and page count a page reports agree with the window and the total."""
    limit, offset = page.limit, page.offset or 0
    total = page.total if page.total is not None else whole
    expected = {"limit": limit, "offset": offset, "pages": pages_for(total, limit) if total is not None else None,
                "page": offset // limit + 1 if limit else None}
    for key, path in meta.items():
        if key not in expected or expected[key] is None:
            continue
        got = dig(page.body, path)
        if got is None:  # one cause, one finding: an absent member is not a wrong number on every page
            c.expect(False, f"the page reports `{path}`", expected="a number", actual="absent", response=page.response,
                     took="absent")
            continue
        c.expect(got == expected[key], f"`{path}` agrees with the request and the total ({key})",
                 expected=f"{expected[key]} (offset {offset}, limit {limit}, total {total})", actual=got,
                 response=page.response)


def check_page_numbers(t: ListTarget, rec: Recorder, walks: list[Walk]) -> None:
    """Where both page numbers and offsets page the list, page N is the same window as offset (N-1)*size."""
    cfg = t.paging_cfg
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


def check_precedence(t: ListTarget, rec: Recorder, walks: list[Walk]) -> None:
    """`offset` and `page` sent together: the one that wins (`x-mock.paging.prefer`) decides the window."""
    cfg = t.paging_cfg
    winner = cfg.get("prefer")
    if not (cfg.get("page") and cfg.get("offset") and winner) or not walks:
        return
    walk = next((w for w in walks if len(w.pages) >= 3), None)
    if walk is None:
        return
    size = walk.size
    by_offset = [t.identity(i) for i in walk.pages[1].items]  # offset=size
    by_page = [t.identity(i) for i in walk.pages[2].items]  # page=3
    with rec.check("paging.precedence") as c:
        page = t.fetch({cfg["offset"]: size, cfg["page"]: 3, cfg["limit"]: size})
        got = [t.identity(i) for i in page.items]
        want, other = (by_page, by_offset) if winner == "page" else (by_offset, by_page)
        loser = "offset" if winner == "page" else "page"
        c.expect(got == want, f"`{cfg['offset']}={size}&{cfg['page']}=3`: `{winner}` decides the window",
                 expected=f"the window of `{winner}` ({want[:2]}...)", actual=f"{got[:2]}...", response=page.response,
                 took=f"{loser}-wins" if got == other else None)


def _page_with(t: ListTarget, pages, identity: Any):
    return next(p for p in reversed(pages) if any(t.identity(i) == identity for i in p.items))


def _count(t: ListTarget, response) -> int | None:
    try:
        return len(t.reader.items_of(response.json()))
    except Exception:  # an error body has no items
        return None

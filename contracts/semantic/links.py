"""Paging links lead where they say, keep the request's other parameters, and are null exactly
where the vendor documents it.

The null rules, from the specs' descriptions and link schemas:
- `next`  is null on the last page only ("`next` is also null on the last page", Elastic Path;
  JSON:API alike) - and so also when there is only one page;
- `prev`  is null on the first page only ("`prev` is null on the first page (offset 0)");
- `first` and `current`/`self` are never null;
- `last`  is null when there is at most one page if its schema allows null ("`links.last` ... null
  when there is only one page", Elastic Path); otherwise it always names the last page.

A link is read as a window with the same `x-mock.paging` names the request used, so an offset link
(`page[offset]=50`) and a page-number link (`page=3`) are both understood.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urljoin, urlsplit

from ..results import Recorder, SkipCheck
from .paging import pages_for
from .target import ListTarget, Page

CURRENT_NAMES = ("current", "self")


def link_schema(t: ListTarget) -> dict:
    schema = t.op.response_schema(200) or {}
    return ((schema.get("properties") or {}).get("links") or {}).get("properties") or {}


def nullable(schema: dict) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind) or schema.get("nullable") is True


def check_links(t: ListTarget, rec: Recorder) -> None:
    names = link_schema(t)
    if not names:
        return
    with rec.check("paging.links") as c:
        pages = [p for walk in t.walked() for p in walk.pages] + t.other_pages
        if not pages:
            raise_skip("no pages were walked")
        for page in pages:
            check_page_links(t, page, names, c)
    with rec.check("paging.links-follow") as c:
        follow_links(t, c)
    with rec.check("paging.links-follow") as c:
        follow_every_link(t, c)


def raise_skip(reason: str) -> None:
    raise SkipCheck(reason)


def expected_windows(t: ListTarget, page: Page) -> dict[str, int | None]:
    """Where each link should point (an offset), or None where it should be null."""
    limit, offset, total = page.limit, page.offset or 0, _total(t, page)
    pages = pages_for(total, limit)
    last_offset = max(pages - 1, 0) * limit
    windows: dict[str, int | None] = {
        "first": 0,
        "next": offset + limit if offset + limit < total else None,
        "prev": max(0, offset - limit) if offset > 0 else None,
        "last": last_offset,
    }
    for name in CURRENT_NAMES:
        windows[name] = offset
    return windows


def check_page_links(t: ListTarget, page: Page, schema: dict, c) -> None:
    links = page.body.get("links") if isinstance(page.body, dict) else None
    if not c.expect(isinstance(links, dict), "the page carries its `links` object", expected="an object",
                    actual="absent" if links is None else type(links).__name__, response=page.response,
                    took="absent" if links is None else None):
        return
    pages = pages_for(_total(t, page), page.limit)
    windows = expected_windows(t, page)
    for name, link_schema_ in schema.items():
        if name not in windows:
            continue
        link = links.get(name)
        want = windows[name]
        if name == "last" and nullable(link_schema_) and pages <= 1:
            want = None
        where = f"offset {page.offset}, limit {page.limit}, total {_total(t, page)}"
        if want is None:
            c.expect(link is None, f"`links.{name}` is null on this page ({where})", expected="null",
                     actual=link, response=page.response)
            continue
        if not c.expect(isinstance(link, str) and bool(link), f"`links.{name}` is a URL on this page ({where})",
                        expected=f"a link to offset {want}", actual=link, response=page.response):
            continue
        got = window_of(t, link, page.limit)
        c.expect(got == (want, page.limit), f"`links.{name}` points to the right window ({where})",
                 expected=f"offset {want}, limit {page.limit}", actual=f"offset {got[0]}, limit {got[1]}: {link}",
                 response=page.response)
        kept = kept_parameters(t, page, link)
        c.expect(not kept, f"`links.{name}` keeps the request's other parameters",
                 expected="the same filters, sort and fieldsets", actual=f"changed: {kept}", response=page.response)
        c.expect(urlsplit(link).path in ("", urlsplit(str(page.response.url)).path),
                 f"`links.{name}` points at the same resource", expected=urlsplit(str(page.response.url)).path,
                 actual=urlsplit(link).path, response=page.response)


def window_of(t: ListTarget, link: str, current_limit: int) -> tuple[int | None, int]:
    cfg = t.paging_cfg
    query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    limit = _int(query.get(cfg.get("page_size") or "")) or _int(query.get(cfg.get("limit") or "")) or current_limit
    if cfg.get("offset") and cfg["offset"] in query:
        return _int(query[cfg["offset"]]), limit
    if cfg.get("page") and cfg["page"] in query:
        number = _int(query[cfg["page"]])
        return ((number - 1) * limit if number else None), limit
    return 0, limit  # no window in the link: the first page


def kept_parameters(t: ListTarget, page: Page, link: str) -> dict:
    """Non-paging parameters of the request that the link drops or changes."""
    cfg = t.paging_cfg
    paging = {cfg.get(k) for k in ("offset", "limit", "page", "page_size")}
    sent = parse_qsl(urlsplit(str(page.response.url)).query, keep_blank_values=True)
    linked = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    changed = {}
    for name in {n for n, _ in sent} - paging:
        mine = sorted(v for n, v in sent if n == name)
        theirs = sorted(v for n, v in linked if n == name)
        if mine != theirs:
            changed[name] = {"sent": mine, "link": theirs}
    return changed


def follow_links(t: ListTarget, c) -> None:
    """Follow `next` from the first page and `last`: they must show the pages the walk saw there."""
    walk = max(t.walked(), key=lambda w: len(w.pages), default=None)
    if walk is None or len(walk.pages) < 2 or not walk.complete:
        raise_skip("no walk with several pages to compare links against")
    first = walk.pages[0]
    links = first.body.get("links") or {}
    base = urlsplit(str(first.response.url))
    filled = [p for p in walk.pages if p.items]
    for name, expected_page in (("next", walk.pages[1]), ("last", filled[-1] if filled else walk.pages[-1])):
        link = links.get(name)
        if not isinstance(link, str):
            continue  # its presence is `paging.links`' business
        url = urljoin(str(first.response.url), link)
        if urlsplit(url)[:2] != base[:2]:
            c.note(f"`links.{name}` points to another origin ({urlsplit(url).netloc}); not followed")
            continue
        page = t.read(t.client.get(url), expected_page.offset, first.limit)
        got = [t.identity(i) for i in page.items]
        want = [t.identity(i) for i in expected_page.items]
        c.expect(got == want, f"following `links.{name}` of the first page gives the page at offset {expected_page.offset}",
                 expected=f"{len(want)} items starting {want[:2]}", actual=f"{len(got)} items starting {got[:2]}",
                 response=page.response)
        if name == "last":
            after = (page.body.get("links") or {}).get("next")
            c.expect(after is None, "the page `links.last` leads to has no `next`", expected="null", actual=after,
                     response=page.response)


def narrowing_params(t: ListTarget) -> dict:
    """Non-paging parameters for a page whose links must keep them: a sort against the default, or
    else a documented filter value."""
    cfg = t.sort_cfg
    fields = list((cfg.get("fields") or {}))
    if not fields:  # no sort: a filter by the first value its parameter documents
        for name in t.filter_cfg:
            param = t.op.query_params.get(name)
            schema = (param.schema.get("items", {}) if param and param.is_array else param.schema if param else {})
            if schema.get("enum") and "x-documented" not in (param.schema if param else {}):
                return {name: [schema["enum"][0]] if param.is_array else schema["enum"][0]}
        return {}
    if "by" in cfg:
        return {cfg["by"]: fields[-1], cfg["order"]: "asc"}
    default = (cfg.get("default") or [fields[0]])[0]
    return {cfg.get("param", "sort"): default[1:] if default.startswith("-") else "-" + default}


def follow_every_link(t: ListTarget, c) -> None:
    """Every link of the second page of a sorted request leads to the same page as the explicit
    request for that window with every other parameter kept."""
    params = narrowing_params(t)
    whole = t.collection().total or 0
    size = max(1, min(t.max_limit - 1, -(-whole // 4)))
    if whole <= size * 2:
        raise_skip("too few items for a page with links on both sides")
    second = t.fetch(params, offset=size, limit=size)
    links = second.body.get("links") if isinstance(second.body, dict) else None
    if not isinstance(links, dict):
        raise_skip("the page carries no links")
    base = urlsplit(str(second.response.url))
    for name, link in links.items():
        if not isinstance(link, str) or name not in expected_windows(t, second):
            continue
        url = urljoin(str(second.response.url), link)
        if urlsplit(url)[:2] != base[:2]:
            continue
        offset, limit = window_of(t, link, size)
        if offset is None:
            continue
        followed = t.read(t.client.get(url), offset, limit)
        explicit = t.fetch(params, offset=offset, limit=limit)
        got, want = [t.identity(i) for i in followed.items], [t.identity(i) for i in explicit.items]
        shown = "&".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in params.items())
        c.expect(got == want, f"following `links.{name}` of a `{shown}` page gives the same page as asking for it",
                 expected=f"{len(want)} items starting {want[:2]} (offset {offset}, limit {limit}, {shown})",
                 actual=f"{len(got)} items starting {got[:2]}", response=followed.response)


def _total(t: ListTarget, page: Page) -> int:
    """The page's reported total, or (where the API reports none) the count of the whole walk."""
    if page.total is not None:
        return page.total
    return t.collection().total or 0


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None

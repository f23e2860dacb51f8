"""Sort: the requested order holds within a page and across the page boundary, for every option
`x-mock.sort.fields` documents, in both directions, and the documented default order holds without
any sort parameter.

Two sort syntaxes, as `mockserver.params` reads them: `{param: sort}` takes `name` / `-name`
(TeamUp, Elastic Path); `{by: sortBy, order: sortOrder}` takes a name and `asc`/`desc` (ops).
Ties may come in any order; nulls are not placed (vendors disagree on where they go).
"""

from __future__ import annotations

from mockserver.pipeline import dig

from ..results import Recorder
from .target import ListTarget
from .values import compare

PAGES_PER_ORDER = 2


def sort_params(cfg: dict, name: str, descending: bool) -> dict:
    if "by" in cfg:
        return {cfg["by"]: name, cfg["order"]: "desc" if descending else "asc"}
    return {cfg.get("param", "sort"): ("-" if descending else "") + name}


def split_sort(text: str) -> tuple[str, bool]:
    return (text[1:], True) if text.startswith("-") else (text.lstrip("+"), False)


def check_sort(t: ListTarget, rec: Recorder) -> None:
    cfg = t.dialect.sort_cfg
    fields: dict = cfg.get("fields") or {}
    if not fields:
        return
    with rec.check("sort.default") as c:
        default = cfg.get("default") or []
        if not default:
            c.note("no default order documented")
        else:
            name, descending = split_sort(default[0])
            check_order(t, c, {}, fields.get(name, name), descending, f"the default order ({default[0]})")
    with rec.check("sort.options") as c:
        for name, path in fields.items():
            for descending in (False, True):
                params = sort_params(cfg, name, descending)
                check_order(t, c, params, path, descending, "&".join(f"{k}={v}" for k, v in params.items()))


def check_order(t: ListTarget, c, params: dict, path: str, descending: bool, described: str) -> None:
    """Fetch the first pages in this order and check every neighbouring pair, across pages too."""
    size = min(t.max_limit, max(2, t.default_limit))
    sequence: list[tuple[object, object]] = []  # (value, response it came in)
    for number in range(PAGES_PER_ORDER):
        page = t.fetch(params, offset=number * size, limit=size)
        sequence += [(dig(item, path), page.response) for item in page.items]
        if len(page.items) < size:
            break
    values = [(v, r) for v, r in sequence if v is not None]
    direction = "ge" if descending else "le"
    for n, ((a, _), (b, response)) in enumerate(zip(values, values[1:])):
        ok = compare(a, direction, b)
        if ok is False:
            c.expect(False, f"{described}: `{path}` is {'descending' if descending else 'ascending'} within and across pages",
                     expected=f"item {n + 1} {'>=' if descending else '<='} item {n + 2}",
                     actual=f"{a!r} then {b!r}", response=response)
            return
    c.expect(True, f"{described}: order holds")

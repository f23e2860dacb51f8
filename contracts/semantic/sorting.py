"""Sort: the requested order holds within a page and across the page boundary, for every option
`x-mock.sort.fields` documents, in both directions, with later keys deciding ties; the default order
holds without any sort parameter; and a report that says how it is sorted (`column_headers[].sorted`)
tells the truth.

Two sort syntaxes, as `mockserver.params` reads them: `{param: sort}` takes `name` / `-name`
(TeamUp, Elastic Path); `{by: sortBy, order: sortOrder}` takes a name and `asc`/`desc` (ops).
Ties may come in any order; nulls are not placed (vendors disagree on where they go).
"""

from __future__ import annotations

from mockserver.pipeline import dig

from ..results import Recorder, SkipCheck
from .target import ListTarget
from .values import comparable, compare

PAGES_PER_ORDER = 2


def sort_params(cfg: dict, name: str, descending: bool) -> dict:
    if "by" in cfg:
        return {cfg["by"]: name, cfg["order"]: "desc" if descending else "asc"}
    return {cfg.get("param", "sort"): sort_key_text(cfg, name, descending)}


def sort_key_text(cfg: dict, name: str, descending: bool) -> str:
    """One key in the vendor's syntax (`x-mock.sort.syntax`): `-name`, or `name desc`."""
    if cfg.get("syntax") == "words":
        return f"{name} {'desc' if descending else 'asc'}"
    return ("-" if descending else "") + name


def split_sort(text: str) -> tuple[str, bool]:
    return (text[1:], True) if text.startswith("-") else (text.lstrip("+"), False)


def check_sort(t: ListTarget, rec: Recorder) -> None:
    cfg = t.sort_cfg
    fields: dict = cfg.get("fields") or {}
    if not fields:
        return
    with rec.check("sort.default") as c:
        default = cfg.get("default") or []
        if not default:
            c.note("no default order documented")
        else:
            name, descending = split_sort(default[0])
            check_order(t, c, {}, [(fields.get(name, name), descending)], f"the default order ({default[0]})",
                        reverse_took="reverse")
    if (cfg.get("by") or cfg.get("param", "sort")) not in t.op.query_params:
        return  # one documented order and no parameter to choose another
    with rec.check("sort.options") as c:
        for name, path in fields.items():
            for descending in (False, True):
                params = sort_params(cfg, name, descending)
                check_order(t, c, params, [(path, descending)], _described(params))
    param = cfg.get("param")
    if param and param in t.op.query_params and (t.op.query_params[param].is_array or cfg.get("separator")):
        with rec.check("sort.multi-key") as c:
            check_later_keys(t, c, param, fields)
    if t.op.mock.get("columns_param"):
        with rec.check("sort.column-headers") as c:
            check_sorted_headers(t, c, fields)


def _described(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs]))


def fetch_sequence(t: ListTarget, params: dict) -> list[tuple[dict, object]]:
    """The first pages in this order, as (item, response it came in)."""
    size = min(t.max_limit, max(2, t.default_limit))
    sequence: list[tuple[dict, object]] = []
    for number in range(PAGES_PER_ORDER):
        page = t.fetch(params, offset=number * size, limit=size)
        sequence += [(item, page.response) for item in page.items]
        if len(page.items) < size:
            break
    return sequence


def first_break(sequence, keys: list[tuple[str, bool]]) -> tuple[int, object, object, object] | None:
    """(position, a, b, response) of the first neighbouring pair out of order, or None."""
    rows = [(tuple(dig(item, path) for path, _ in keys), response) for item, response in sequence]
    rows = [(k, r) for k, r in rows if None not in k]
    for n, ((a, _), (b, response)) in enumerate(zip(rows, rows[1:])):
        for (path, descending), x, y in zip(keys, a, b):
            if compare(x, "eq", y):
                continue
            if compare(x, "ge" if descending else "le", y) is False:
                return n, a, b, response
            break
    return None


def check_order(t: ListTarget, c, params: dict, keys: list[tuple[str, bool]], described: str,
                reverse_took: str | None = None) -> None:
    """Every neighbouring pair of the first pages in this order, across the page boundary too."""
    sequence = fetch_sequence(t, params)
    broken = first_break(sequence, keys)
    if broken is None:
        c.expect(True, f"{described}: order holds")
        return
    n, a, b, response = broken
    took = None
    if reverse_took and first_break(sequence, [(p, not d) for p, d in keys]) is None:
        took = reverse_took
    shown = ", ".join(f"{'-' if d else ''}{p}" for p, d in keys)
    c.expect(False, f"{described}: rows are in `{shown}` order within and across pages",
             expected=f"item {n + 1} before item {n + 2} in that order", actual=f"{a!r} then {b!r}",
             response=response, took=took)


def check_later_keys(t: ListTarget, c, param: str, fields: dict) -> None:
    """Two keys: ties on the first (a field with few values) must be ordered by the second."""
    items = t.collection().items
    counts = {name: len({repr(dig(i, path)) for i in items}) for name, path in fields.items()}
    candidates = [n for n, k in sorted(counts.items(), key=lambda kv: kv[1]) if 1 < k < len(items) / 3]
    if not candidates:
        raise SkipCheck("no sortable field has repeated values, so no tie shows whether the second key is applied")
    first = candidates[0]
    second = next((n for n in (t.sort_cfg.get("default") or []) if split_sort(n)[0] != first), None)
    second = split_sort(second)[0] if second else next(n for n in fields if n != first)
    cfg = t.sort_cfg
    for descending in (False, True):
        sent = [sort_key_text(cfg, first, False), sort_key_text(cfg, second, descending)]
        if cfg.get("separator"):
            sent = cfg["separator"].join(sent)
        keys = [(fields[first], False), (fields[second], descending)]
        check_order(t, c, {param: sent}, keys, _described({param: sent}))


def check_sorted_headers(t: ListTarget, c, fields: dict) -> None:
    """`column_headers[].sorted` "contains information about the sort": the rows must be in the order
    it states, with no sort parameter and with one."""
    param = t.sort_cfg.get("param", "sort")
    first = next(iter(fields))
    for params in ({}, {param: [sort_key_text(t.sort_cfg, first, True)]}):
        page = t.fetch(params, offset=0, limit=t.max_limit)
        headers = page.body.get("column_headers") if isinstance(page.body, dict) else None
        if not isinstance(headers, list):
            continue
        stated = sorted(((h.get("sorted") or {}).get("priority", 0), h.get("key"), (h.get("sorted") or {}).get("order"))
                        for h in headers if isinstance(h, dict) and isinstance(h.get("sorted"), dict))
        if params:
            c.expect(bool(stated) and stated[0][1] in (first, fields[first]) and stated[0][2] == "desc",
                     f"`{_described(params)}`: column_headers say the rows are sorted by `{first}` descending",
                     expected=f"`sorted: {{order: desc}}` on `{fields[first]}`", actual=stated or "no `sorted` column",
                     response=page.response)
        if not stated:
            continue
        keys = [(fields.get(key, key), order == "desc") for _, key, order in stated]
        broken = first_break([(i, page.response) for i in page.items], keys)
        c.expect(broken is None, f"`{_described(params) or 'no sort'}`: rows are in the order column_headers state ({stated})",
                 expected="rows in that order", actual=f"{broken[1]!r} then {broken[2]!r}" if broken else "",
                 response=page.response)


__all__ = ["check_sort", "comparable", "sort_params", "split_sort"]

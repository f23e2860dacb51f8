"""Property tests: walking every page yields each matching item exactly once, in order, and the
count agrees with the reported total — for filtered and sorted queries, at any page size.

Pages are read the way a client reads them, through each dialect's own parameters and envelope.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.dialects import dialect_for
from mockserver.pipeline import dig

from .conftest import EXAMPLE_PATHS, operation

# Queries a client of each vendor would send: plain, filtered, sorted and both.
VARIANTS = {
    "getDiscountCodeUsesReportData": [
        {}, {"sort": "-used_at"}, {"sort": "customer.name,-used_at"}, {"use_types": "class,course"},
        {"used_at_gte": "2025-03-01T00:00:00Z", "sort": "-discount_code_code"}, {"customers": "1,2,3,4,5,6,7,8,9,10"},
    ],
    "getPromotionCodes": [{}],
    "getPromotionCodeUsages": [
        {}, {"sort": "-used_on"}, {"filter": "gt(used_on,2025-01-01)"},
        {"filter": "ge(used_on,2024-06-01):lt(used_on,2025-06-01)", "sort": "-used_on"},
    ],
    "listPromotionUsageHistory": [
        {}, {"sortBy": "createdAt", "sortOrder": "asc"}, {"status": "APPLIED"}, {"status": "REVERSED", "sortOrder": "asc"},
    ],
    "listDiscountCodes": [{}, {"types": "fixed"}, {"withTrashed": "true"}, {"types": "percentage,bxgy", "withTrashed": "true"}],
}
EXTRA = {"getDiscountCodeUsesReportData": {"format": "json"}}


def sort_key_of(op_id: str, query: dict):
    """The (path, descending) pairs a page order must follow, from the spec's own sort block."""
    cfg = operation(op_id).mock.get("sort", {})
    if "by" in cfg:
        by = query.get(cfg["by"], cfg["default"][0].lstrip("-"))
        desc = query.get(cfg["order"], "desc" if cfg["default"][0].startswith("-") else "asc") == "desc"
        return [(cfg["fields"][by], desc)]
    names = query.get(cfg.get("param", "sort"), ",".join(cfg.get("default", []))) if cfg else ""
    return [(cfg["fields"][n.lstrip("-")], n.startswith("-")) for n in names.split(",") if n]


def in_order(items: list, keys: list) -> bool:
    def cmp_key(item):
        return tuple(dig(item, path) for path, _ in keys)

    for a, b in zip(items, items[1:]):
        for path, desc in keys:
            x, y = dig(a, path), dig(b, path)
            if x == y:
                continue
            if x is None or y is None:  # nulls sort last ascending, first descending
                ok = (x is None) == desc
            else:
                ok = (x > y) if desc else (x < y)
            if not ok:
                return False
            break
    return True


def walk(client, op_id: str, query: dict, limit: int):
    op = operation(op_id)
    dialect = dialect_for(op)
    identity = op.mock["collection"]["identity"]
    seen, total, offset = [], None, 0
    while True:
        params = {**query, **EXTRA.get(op_id, {}), **dialect.page_params(offset, limit)}
        response = client.get(f"{EXAMPLE_PATHS[op_id]}?{urlencode(params)}")
        assert response.status_code == 200, response.text
        body = response.json()
        items = dialect.items_of(body)
        page_total = dialect.total_of(body)
        assert total in (None, page_total), "the total changed between pages"
        total = page_total
        assert len(items) <= limit
        seen += items
        offset += limit
        if offset >= total:
            break
        assert len(items) == limit, "a page before the last one was short"
    return seen, total, identity


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pages_are_disjoint_complete_and_ordered(client, data):
    op_id = data.draw(st.sampled_from(sorted(VARIANTS)), label="operation")
    query = data.draw(st.sampled_from(VARIANTS[op_id]), label="query")
    _, maximum = dialect_for(operation(op_id)).limit_bounds
    limit = data.draw(st.integers(min_value=4, max_value=maximum), label="limit")

    items, total, identity = walk(client, op_id, query, limit)
    ids = [dig(item, identity) for item in items]
    assert len(ids) == total, "walking the pages did not yield the reported total"
    assert len(set(ids)) == len(ids), "an item appeared on two pages"
    assert in_order(items, sort_key_of(op_id, query)), "order broke within or across pages"

    # The same query at the largest page size gives the same items in the same order.
    everything, total_again, _ = walk(client, op_id, query, maximum)
    assert total_again == total
    assert [dig(i, identity) for i in everything] == ids


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_filters_apply_before_paging(client, data):
    """A filtered walk equals the unfiltered walk filtered by hand: filters narrow totals honestly."""
    op_id, query, check = data.draw(st.sampled_from([
        ("listPromotionUsageHistory", {"status": "REVERSED"}, lambda i: i["reversedAt"] is not None),
        ("listPromotionUsageHistory", {"status": "APPLIED"}, lambda i: i["reversedAt"] is None),
        ("listDiscountCodes", {"types": "fixed,bxgy"}, lambda i: i["attributes"]["type"] in ("fixed", "bxgy") and i["attributes"]["deletedAt"] is None),
        ("getPromotionCodeUsages", {"filter": "lt(used_on,2025-03-01)"}, lambda i: i["used_on"] < "2025-03-01"),
        ("getDiscountCodeUsesReportData", {"use_types": "membership"}, lambda i: i["use_type"] == "membership"),
    ]))
    limit = data.draw(st.integers(min_value=5, max_value=50))
    filtered, total, identity = walk(client, op_id, query, limit)
    unfiltered, _, _ = walk(client, op_id, {"withTrashed": "true"} if op_id == "listDiscountCodes" else {}, 100)
    expected = [dig(i, identity) for i in unfiltered if check(i)]
    assert 0 < total < len(unfiltered)
    assert sorted(dig(i, identity) for i in filtered) == sorted(expected)


def test_page_past_the_end_is_empty_not_an_error(client):
    for op_id in VARIANTS:
        dialect = dialect_for(operation(op_id))
        params = {**EXTRA.get(op_id, {}), **dialect.page_params(9_900, 100)}
        response = client.get(f"{EXAMPLE_PATHS[op_id]}?{urlencode(params)}")
        assert response.status_code == 200, (op_id, response.text)
        assert dialect.items_of(response.json()) == []
        assert dialect.total_of(response.json()) > 0

"""The independent implementation (tests/independent): envelopes, auth, and every planted bug observable."""

from __future__ import annotations

import csv
import io

import pytest
from starlette.testclient import TestClient

from tests.independent.app import BUGS, create_app

AUTH = {"Authorization": "Bearer test-token"}
TEAMUP = "/api/v2/reports/discount_code_uses/data"
EP_CODES = "/v2/promotions/promo-1/codes"
OPS = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
NUWEB = "/v1/discount-codes"
ALL_PATHS = [TEAMUP, EP_CODES, "/v2/promotions/promo-1/codes/ANY/usages", OPS, NUWEB]

_clients: dict[frozenset[str], TestClient] = {}


def client(*bugs: str) -> TestClient:
    key = frozenset(bugs)
    if key not in _clients:
        _clients[key] = TestClient(create_app(bugs=key))
    return _clients[key]


def get(c: TestClient, path: str, params=None, headers=AUTH):
    return c.get(path, params=params, headers=headers)


def ep_codes(c: TestClient, **params) -> list[dict]:
    body = get(c, EP_CODES, {"page[limit]": 100, **params}).json()
    return [code for wrapper in body["data"] for code in wrapper["data"]["codes"]]


def usages_path(code: str) -> str:
    return f"/v2/promotions/promo-1/codes/{code}/usages"


def busy_code(c: TestClient) -> dict:
    """A code of promo-1 with max_uses and at least 30 usages."""
    for code in ep_codes(c):
        if "max_uses" in code and len(get(c, usages_path(code["code"])).json()["data"]) >= 30:
            return code
    raise AssertionError("no busy code")


# --------------------------------------------------------------------------- envelopes and auth


def test_teamup_defaults_to_csv_and_json_envelope():
    c = client()
    r = get(c, TEAMUP, headers={"Authorization": "Token abc"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0][0] == "Customer ID" and len(lines) == 51
    body = get(c, TEAMUP, {"format": "json"}).json()
    assert set(body) == {"total", "column_headers", "rows"} and 120 <= body["total"] <= 260
    assert len(body["rows"]) == 50
    used = [row["used_at"] for row in body["rows"]]
    assert used == sorted(used, reverse=True)
    sorted_headers = [h for h in body["column_headers"] if "sorted" in h]
    assert sorted_headers == [dict(sorted_headers[0], key="used_at", sorted={"order": "desc", "priority": 0})]


def test_teamup_paging_filters_and_columns():
    c = client()
    all_rows = get(c, TEAMUP, {"format": "json", "limit": 100, "page": 2}).json()
    by_offset = get(c, TEAMUP, {"format": "json", "limit": 100, "offset": 100, "page": 1}).json()
    assert all_rows["rows"] == by_offset["rows"]
    assert get(c, TEAMUP, {"format": "json", "limit": 500}).json()["rows"].__len__() == 100
    assert get(c, TEAMUP, {"format": "json", "limit": 0}).status_code == 422
    body = get(c, TEAMUP, {"format": "json", "columns": "customer_name,used_at", "use_types": ["class", "course"],
                           "sort": ["customer.name", "-used_at"]}).json()
    assert [h["key"] for h in body["column_headers"]] == ["customer.id", "customer.name", "used_at"]
    assert set(body["rows"][0]) == {"customer", "used_at"} and set(body["rows"][0]["customer"]) == {"id", "name"}
    bad = get(c, TEAMUP, {"used_at_timeframe": "1y"})
    assert bad.status_code == 422 and bad.json()["error"]["parameter"] == "used_at_timeframe"


def test_ep_codes_envelope():
    body = get(client(), EP_CODES).json()
    assert set(body) == {"data", "links", "meta"} and len(body["data"]) == 1
    codes = body["data"][0]["data"]["codes"]
    assert len(codes) == 20 and body["meta"]["page"] == {"current": 1, "limit": 20, "offset": 0,
                                                          "total": body["meta"]["page"]["total"]}
    assert body["links"]["prev"] is None and body["links"]["next"].endswith("page[offset]=20&page[limit]=20")
    assert 20 <= body["meta"]["results"]["total"] <= 90
    past = get(client(), EP_CODES, {"page[offset]": 10_000}).json()
    assert past["data"] == [] and past["links"]["next"] is None


def test_ep_usages_envelope_and_consistency():
    c = client()
    code = busy_code(c)
    body = get(c, usages_path(code["code"])).json()
    assert set(body) == {"data"}
    assert all(u["code"] == code["code"] for u in body["data"])
    used_on = [u["used_on"] for u in body["data"]]
    assert used_on == sorted(used_on) and all(u["used_on"] > code["meta"]["timestamps"]["created_at"]
                                              for u in body["data"])
    total_times = sum(u["times_used"] for u in get(c, usages_path(code["code"]), {"page[limit]": 100}).json()["data"])
    if len(body["data"]) < 100:
        assert code["uses"] == code["max_uses"] - total_times
    chain = get(c, usages_path(code["code"]), {"filter": "eq(code,x):eq(id,y)"})
    assert chain.status_code == 422 and chain.json()["error"]["parameter"] == "filter"


def test_ops_envelope():
    c = client()
    body = get(c, OPS).json()
    assert set(body) == {"data", "meta"} and len(body["data"]) == 10
    meta = body["meta"]
    assert meta["page"] == 1 and meta["limit"] == 10 and meta["totalPages"] == -(-meta["total"] // 10)
    for item in body["data"]:
        assert item["discountAmount"] == item["originalAmount"] - item["finalAmount"]
        assert item["createdAt"] <= item["updatedAt"]
    assert get(c, OPS, {"limit": "2.5"}).json()["meta"]["limit"] == 2
    projected = get(c, OPS, {"fields": "orderId,appliedRuleSnapshot.type,nope"}).json()["data"][0]
    assert set(projected) == {"orderId", "appliedRuleSnapshot"} and set(projected["appliedRuleSnapshot"]) == {"type"}
    assert get(c, "/api/v1/ops/promotions/not-a-uuid/usage-history").status_code == 404


def test_nuweb_envelope():
    c = client()
    body = get(c, NUWEB).json()
    assert set(body) == {"data", "links", "meta", "included"} and len(body["data"]) == 100
    assert body["links"]["self"].endswith("?page=1") and body["links"]["prev"] is None
    assert body["data"][0]["type"] == "discountCodes"
    with_trashed = get(c, NUWEB, {"withTrashed": "true"}).json()
    assert with_trashed["meta"]["total"] > body["meta"]["total"]
    bad = get(c, NUWEB, {"only": "code"})
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "only"
    only = get(c, NUWEB, {"only": "discountCodes.code", "limit": 3}).json()
    assert all(set(d["attributes"]) == {"code"} for d in only["data"])
    assert get(c, NUWEB, {"offset": 5, "limit": 5}).json()["links"]["self"].endswith("offset=5")


@pytest.mark.parametrize("path", ALL_PATHS)
def test_401_without_auth(path):
    r = get(client(), path, headers={})
    assert r.status_code == 401
    if path == EP_CODES:
        assert r.json() == {"errors": {"status": 401, "title": "Unauthorized"}}
    else:
        assert r.json()["error"]["code"] == "unauthorized"


def test_fixed_token():
    c = TestClient(create_app(token="s3cret"))
    assert get(c, NUWEB, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert get(c, NUWEB, headers={"Authorization": "Bearer other"}).status_code == 401


def test_unknown_bug_rejected():
    with pytest.raises(ValueError):
        create_app(bugs={"no-such-bug"})


# --------------------------------------------------------------------------- planted bugs


def _teamup_json(c, **params):
    return get(c, TEAMUP, {"format": "json", "limit": 100, **params}).json()


def bug_teamup_total_unfiltered(clean, buggy):
    assert _teamup_json(clean, use_types="class")["total"] < _teamup_json(buggy, use_types="class")["total"]
    assert _teamup_json(buggy, use_types="class")["total"] == _teamup_json(buggy)["total"]


def bug_teamup_second_sort_key_ignored(clean, buggy):
    def ordered(rows):
        return all((a["use_type"], b["used_at"]) <= (b["use_type"], a["used_at"]) for a, b in zip(rows, rows[1:]))
    params = {"sort": ["use_type", "-used_at"]}
    assert ordered(_teamup_json(clean, **params)["rows"])
    assert not ordered(_teamup_json(buggy, **params)["rows"])


def bug_teamup_column_headers_stale(clean, buggy):
    def keys(c):
        return [h["key"] for h in _teamup_json(c, columns="group.name")["column_headers"]]
    assert keys(clean) == ["customer.id", "group.name"] and len(keys(buggy)) == 11


def bug_teamup_json_default(clean, buggy):
    assert get(clean, TEAMUP).headers["content-type"].startswith("text/csv")
    assert get(buggy, TEAMUP).headers["content-type"].startswith("application/json")


def bug_ep_codes_last_link_single_page(clean, buggy):
    assert get(clean, EP_CODES, {"page[limit]": 100}).json()["links"]["last"] is None
    assert isinstance(get(buggy, EP_CODES, {"page[limit]": 100}).json()["links"]["last"], str)


def bug_ep_codes_uses_not_remaining(clean, buggy):
    code = busy_code(clean)
    buggy_code = next(c for c in ep_codes(buggy) if c["code"] == code["code"])
    assert code["uses"] < code["max_uses"] and buggy_code["uses"] == buggy_code["max_uses"]


def bug_ep_usages_ge_as_gt(clean, buggy):
    code = busy_code(clean)["code"]
    usage = get(clean, usages_path(code)).json()["data"][10]
    expr = {"filter": f"ge(used_on,{usage['used_on']})"}
    assert get(clean, usages_path(code), expr).json()["data"][0]["id"] == usage["id"]
    assert usage["id"] not in [u["id"] for u in get(buggy, usages_path(code), expr).json()["data"]]


def bug_ep_usages_wrong_code(clean, buggy):
    code = busy_code(clean)["code"]
    assert {u["code"] for u in get(clean, usages_path(code)).json()["data"]} == {code}
    assert {u["code"] for u in get(buggy, usages_path(code)).json()["data"]} - {code}


def bug_ops_updated_before_created(clean, buggy):
    def bad(c):
        return [i for i in get(c, OPS, {"limit": 100}).json()["data"] if i["updatedAt"] < i["createdAt"]]
    assert not bad(clean) and bad(buggy)


def bug_ops_total_pages_off(clean, buggy):
    clean_meta, buggy_meta = (get(c, OPS, {"limit": 1}).json()["meta"] for c in (clean, buggy))
    assert clean_meta["totalPages"] == clean_meta["total"] and buggy_meta["totalPages"] == buggy_meta["total"] + 1


def bug_ops_auth_not_enforced(clean, buggy):
    assert get(clean, OPS, headers={}).status_code == 401 and get(buggy, OPS, headers={}).status_code == 200


def bug_ops_sort_asc_ignored(clean, buggy):
    def applied(c):
        return [i["appliedAt"] for i in get(c, OPS, {"limit": 50, "sortOrder": "asc"}).json()["data"]]
    assert applied(clean) == sorted(applied(clean)) and applied(buggy) == sorted(applied(buggy), reverse=True)


def _ids(c, **params):
    return [d["id"] for d in get(c, NUWEB, params).json()["data"]]


def bug_nuweb_page_wins_over_offset(clean, buggy):
    assert _ids(clean, page=3, offset=0, limit=10) == _ids(clean, limit=10)
    assert _ids(buggy, page=3, offset=0, limit=10) == _ids(buggy, page=3, limit=10)


def bug_nuweb_included_incomplete(clean, buggy):
    def gap(c):
        body = get(c, NUWEB, {"limit": 20}).json()
        return {d["relationships"]["currencies"]["id"] for d in body["data"]} - {i["id"] for i in body["included"]}
    assert not gap(clean) and gap(buggy)


def bug_nuweb_page_overlap(clean, buggy):
    assert _ids(clean, page=1, limit=10)[-1] != _ids(clean, page=2, limit=10)[0]
    assert _ids(buggy, page=1, limit=10)[-1] == _ids(buggy, page=2, limit=10)[0]


def bug_nuweb_comma_types_ignored(clean, buggy):
    def types(c, value):
        return {d["attributes"]["type"] for d in get(c, NUWEB, {"types": value}).json()["data"]}
    assert types(clean, "fixed,bxgy") == {"fixed", "bxgy"}
    assert "percentage" in types(buggy, "fixed,bxgy")
    assert types(buggy, ["fixed", "bxgy"]) == {"fixed", "bxgy"}


def bug_nuweb_limit_uncapped(clean, buggy):
    assert len(_ids(clean, limit=150)) == 100 and len(_ids(buggy, limit=150)) == 150


BUG_CHECKS = {name: globals()["bug_" + name.replace("-", "_")] for name in BUGS}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_planted_bug_is_observable(bug):
    BUG_CHECKS[bug](client(), client(bug))

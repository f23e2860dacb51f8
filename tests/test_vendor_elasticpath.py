"""Elastic Path Promotions — "Get Promotion Codes" and "Get a Promotion Code Usage", through HTTP.

Every assertion is something the two Elastic Path pages document, or one of the readings listed in
`specs/elasticpath-promotions.yaml` `info.description`.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs
import pytest

from .conftest import operation

CODES_OP = operation("getPromotionCodes")
USAGES_OP = operation("getPromotionCodeUsages")
CODES_SCHEMA = jsonschema_rs.validator_for(CODES_OP.response_schema(200), validate_formats=True)
USAGES_SCHEMA = jsonschema_rs.validator_for(USAGES_OP.response_schema(200), validate_formats=True)
ERRORS_SCHEMA = jsonschema_rs.validator_for(CODES_OP.response_schema(400))

PROMOTION = "promo-1"
CODE = "SUMMER25"
CANDIDATES = [f"promo-{i}" for i in range(1, 41)]


def codes_url(promotion: str) -> str:
    return f"/v2/promotions/{promotion}/codes"


def usages_url(promotion: str, code: str) -> str:
    return f"/v2/promotions/{promotion}/codes/{code}/usages"


# ------------------------------------------------------------------------------------ helpers

def get(client, url: str, **params) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    schema = USAGES_SCHEMA if url.endswith("/usages") else CODES_SCHEMA
    errors = [e.message for e in schema.iter_errors(body)]
    assert not errors, errors
    return body


def page(client, url: str, offset: int | None = None, limit: int | None = None, **params) -> dict:
    if offset is not None:
        params["page[offset]"] = offset
    if limit is not None:
        params["page[limit]"] = limit
    return get(client, url, **params)


def everything(client, url: str, **params) -> list[dict]:
    items: list[dict] = []
    offset = 0
    while True:
        body = page(client, url, offset, 100, **params)
        items += body["data"]
        offset += 100
        if offset >= body["meta"]["results"]["total"]:
            assert len(items) == body["meta"]["results"]["total"]
            return items


def follow(client, link: str) -> dict:
    """A `links` URL is absolute; ask the app for it as given."""
    response = client.get(link)
    assert response.status_code == 200, response.text
    return response.json()


def link_window(link: str) -> tuple[int, int]:
    query = parse_qs(urlsplit(link).query)
    return int(query["page[offset]"][0]), int(query["page[limit]"][0])


def code_of(envelope: dict) -> dict:
    return envelope["data"]["codes"][0]


def rejected(client, url: str, **params) -> list[dict]:
    response = client.get(url, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert not list(ERRORS_SCHEMA.iter_errors(body)), body
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert error["status"] == 400
        assert error["title"] == "Bad Request"
        assert isinstance(error["detail"], str) and error["detail"]
    return body["errors"]


def total_codes(client, promotion: str) -> int:
    return page(client, codes_url(promotion), limit=1)["meta"]["results"]["total"]


@pytest.fixture(scope="module")
def sizes(client) -> dict[str, int]:
    return {p: total_codes(client, p) for p in CANDIDATES}


@pytest.fixture(scope="module")
def big_promotion(sizes) -> str:
    """A promotion with more than one default page of codes."""
    return next(p for p, n in sizes.items() if n > 50)


@pytest.fixture(scope="module")
def small_promotion(sizes) -> str:
    """A promotion whose codes fit on one page."""
    return next(p for p, n in sizes.items() if 2 <= n <= 25)


@pytest.fixture(scope="module")
def empty_promotion(sizes) -> str:
    return next(p for p, n in sizes.items() if n == 0)


@pytest.fixture(scope="module")
def target(client) -> tuple[str, str]:
    """(promotion, code) whose usage history spans several pages: the examples' SUMMER25 in promo-1 if it does."""
    for promotion in CANDIDATES[:10]:
        names = [code_of(e)["code"] for e in page(client, codes_url(promotion), limit=100)["data"]]
        for code in [CODE] + names:
            if page(client, usages_url(promotion, code), limit=1)["meta"]["results"]["total"] >= 60:
                return promotion, code
    pytest.fail("no promotion code with 60 usages or more")


@pytest.fixture(scope="module")
def code(target) -> str:
    return target[1]


@pytest.fixture(scope="module")
def usages_of(target) -> str:
    return usages_url(*target)


@pytest.fixture(scope="module")
def usages(client, usages_of) -> list[dict]:
    return everything(client, usages_of)


# ============================================================================ shared paging

@pytest.fixture(params=["codes", "usages"])
def endpoint(request, big_promotion, usages_of) -> str:
    """Both endpoints page the same way."""
    return codes_url(big_promotion) if request.param == "codes" else usages_of


def test_page_limit_defaults_to_25(client, endpoint):
    body = get(client, endpoint)
    assert body["meta"]["results"]["total"] > 25
    assert len(body["data"]) == 25
    assert body["meta"]["page"] == {"current": 1, "limit": 25, "offset": 0,
                                    "total": math.ceil(body["meta"]["results"]["total"] / 25)}


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_page_limit_sets_the_page_size(client, endpoint, limit):
    body = page(client, endpoint, limit=limit)
    assert len(body["data"]) == min(limit, body["meta"]["results"]["total"])
    assert body["meta"]["page"]["limit"] == limit


@pytest.mark.parametrize("limit", ["101", "0", "-1", "ten", "2.5"])
def test_invalid_page_limit_is_a_400(client, endpoint, limit):
    errors = rejected(client, endpoint, **{"page[limit]": limit})
    assert errors[0].get("source") == "page[limit]"


def test_page_offset_up_to_10000(client, endpoint):
    body = page(client, endpoint, offset=10000)
    assert body["data"] == []  # a page past the end is empty
    assert body["meta"]["page"]["offset"] == 10000
    assert body["meta"]["results"]["total"] > 0


@pytest.mark.parametrize("offset", ["10001", "-1", "x"])
def test_invalid_page_offset_is_a_400(client, endpoint, offset):
    errors = rejected(client, endpoint, **{"page[offset]": offset})
    assert errors[0].get("source") == "page[offset]"


def test_offset_windows_agree_with_the_whole_collection(client, endpoint):
    url = endpoint
    whole = everything(client, url)
    assert page(client, url, 0, 10)["data"] == whole[:10]
    assert page(client, url, 13, 10)["data"] == whole[13:23]
    assert page(client, url, len(whole) - 4, 10)["data"] == whole[-4:]


@pytest.mark.parametrize("offset, limit", [(0, 10), (20, 10), (25, 25), (30, 7), (5, 100)])
def test_meta_page(client, endpoint, offset, limit):
    body = page(client, endpoint, offset, limit)
    total = body["meta"]["results"]["total"]
    assert body["meta"]["page"] == {"current": offset // limit + 1, "limit": limit, "offset": offset,
                                    "total": math.ceil(total / limit)}


@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_following_next_from_the_first_page_visits_every_item_once(client, endpoint, limit):
    url = endpoint
    body = page(client, url, limit=limit)
    total = body["meta"]["results"]["total"]
    items = list(body["data"])
    pages = 1
    while body["links"]["next"] is not None:
        body = follow(client, body["links"]["next"])
        items += body["data"]
        pages += 1
        assert pages <= total + 1
    assert len(items) == total
    assert pages == max(1, math.ceil(total / limit))
    assert items == everything(client, url)  # every item once, in order
    ids = [code_of(i)["code"] if "data" in i else i["id"] for i in items]
    assert len(set(ids)) == len(ids)


def test_links_on_the_first_page(client, endpoint):
    body = page(client, endpoint, limit=10)
    links, total = body["links"], body["meta"]["results"]["total"]
    assert total > 10
    assert links["prev"] is None  # on the first page
    assert link_window(links["current"]) == (0, 10)
    assert link_window(links["first"]) == (0, 10)
    assert link_window(links["next"]) == (10, 10)
    assert link_window(links["last"]) == ((math.ceil(total / 10) - 1) * 10, 10)


def test_links_on_a_middle_page(client, endpoint):
    body = page(client, endpoint, 10, 10)
    links = body["links"]
    assert link_window(links["current"]) == (10, 10)
    assert link_window(links["first"]) == (0, 10)
    assert link_window(links["prev"]) == (0, 10)
    assert link_window(links["next"]) == (20, 10)
    assert follow(client, links["prev"])["data"] == page(client, endpoint, 0, 10)["data"]


def test_links_on_the_last_page(client, endpoint):
    first = page(client, endpoint, limit=10)
    last = follow(client, first["links"]["last"])
    total = first["meta"]["results"]["total"]
    assert last["links"]["next"] is None  # on the last page
    assert last["links"]["prev"] is not None
    assert last["links"]["last"] == last["links"]["current"]
    assert len(last["data"]) == total - (math.ceil(total / 10) - 1) * 10
    assert last["meta"]["page"]["current"] == last["meta"]["page"]["total"]


def test_links_current_and_first_are_always_urls(client, endpoint):
    for offset in (0, 3, 50, 10000):
        links = page(client, endpoint, offset, 10)["links"]
        assert link_window(links["current"]) == (offset, 10)
        assert link_window(links["first"]) == (0, 10)


def test_links_keep_the_other_query_parameters(client, usages_of):
    body = page(client, usages_of, limit=5, sort="-used_on", filter="gt(used_on,2024-01-01)")
    for name in ("current", "first", "next", "last"):
        query = parse_qs(urlsplit(body["links"][name]).query)
        assert query["sort"] == ["-used_on"]
        assert query["filter"] == ["gt(used_on,2024-01-01)"]
    follow_body = follow(client, body["links"]["next"])
    assert follow_body["data"] == page(client, usages_of, 5, 5, sort="-used_on",
                                       filter="gt(used_on,2024-01-01)")["data"]


def test_one_page_links(client, small_promotion):
    body = get(client, codes_url(small_promotion))
    links = body["links"]
    assert 0 < body["meta"]["results"]["total"] <= 25
    assert links["last"] is None and links["next"] is None and links["prev"] is None
    assert link_window(links["current"]) == (0, 25)
    assert link_window(links["first"]) == (0, 25)
    assert body["meta"]["page"]["total"] == 1


def test_exactly_one_full_page_has_no_next_or_last(client, big_promotion):
    total = total_codes(client, big_promotion)
    body = page(client, codes_url(big_promotion), limit=total)  # total <= 80, inside the 100 cap
    assert len(body["data"]) == total
    assert body["links"]["next"] is None and body["links"]["last"] is None


def test_empty_promotion(client, empty_promotion):
    body = get(client, codes_url(empty_promotion))
    assert body["data"] == []
    assert body["meta"]["results"]["total"] == 0
    assert body["links"]["next"] is None and body["links"]["last"] is None and body["links"]["prev"] is None
    assert body["meta"]["page"]["total"] == 0


# ==================================================================================== codes

def test_codes_nest_one_code_per_data_element(client, big_promotion):
    body = page(client, codes_url(big_promotion), limit=100)
    assert len(body["data"]) == body["meta"]["results"]["total"]  # paging counts codes
    for envelope in body["data"]:
        assert set(envelope) == {"data"}
        assert set(envelope["data"]) == {"codes"}
        assert len(envelope["data"]["codes"]) == 1
        code = code_of(envelope)
        assert isinstance(code["code"], str) and code["code"]
        assert code.get("consume_unit", "per_cart") in ("per_cart", "per_item")
        datetime.fromisoformat(code["meta"]["timestamps"]["created_at"].replace("Z", "+00:00"))
        assert "@" in code["created_by"]
        assert set(code) <= {"code", "consume_unit", "user", "uses", "max_uses", "created_by", "meta"}


@pytest.mark.parametrize("promotion", ["promo-1", "promo-2", "promo-7", "promo-26"])
def test_codes_are_unique_within_a_promotion(client, promotion):
    codes = [code_of(e)["code"] for e in everything(client, codes_url(promotion))]
    assert codes and len(codes) == len(set(codes))


def test_different_promotions_have_different_codes(client, sizes):
    populated = [p for p, n in sizes.items() if n > 10][:4]
    seen = [tuple(code_of(e)["code"] for e in everything(client, codes_url(p))) for p in populated]
    assert len(set(seen)) == len(seen)
    lists = [everything(client, codes_url(p)) for p in populated]
    assert all(a != b for i, a in enumerate(lists) for b in lists[i + 1:])


def _codes(client, promotions) -> list[tuple[str, dict]]:
    return [(p, code_of(e)) for p in promotions for e in everything(client, codes_url(p))]


@pytest.fixture(scope="module")
def many_codes(client, sizes) -> list[tuple[str, dict]]:
    return _codes(client, [p for p, n in sizes.items() if n][:12])


def test_codes_created_before_2023_04_27_only_have_uses(many_codes):
    old = [c for _, c in many_codes if c["meta"]["timestamps"]["created_at"] < "2023-04-27"]
    assert len(old) > 10
    for code in old:
        assert "max_uses" not in code
        assert isinstance(code["uses"], int) and code["uses"] >= 0


def test_newer_codes_have_both_or_neither(many_codes):
    newer = [c for _, c in many_codes if c["meta"]["timestamps"]["created_at"] >= "2023-04-27"]
    assert any("max_uses" in c for c in newer)
    for code in newer:
        assert ("max_uses" in code) == ("uses" in code), code


def test_uses_is_max_uses_minus_the_times_used(client, many_codes):
    limited = [(p, c) for p, c in many_codes if "max_uses" in c][:15]
    assert len(limited) == 15
    for promotion, code in limited:
        history = everything(client, usages_url(promotion, code["code"]))
        used = sum(u["times_used"] for u in history)
        assert code["uses"] == code["max_uses"] - used, (promotion, code)
        assert code["uses"] >= 0


def test_the_same_request_gives_the_same_codes(client):
    assert client.get(codes_url(PROMOTION)).json() == client.get(codes_url(PROMOTION)).json()


# =================================================================================== usages

def test_usage_shape(usages, code):
    assert usages
    for usage in usages:
        assert usage["code"] == code
        assert isinstance(usage["times_used"], int) and usage["times_used"] >= 1
        assert isinstance(usage["anonymized"], bool)
        assert "cusomter_id" in usage and "customer_id" not in usage  # the page's spelling
        datetime.fromisoformat(usage["used_on"].replace("Z", "+00:00"))
        assert usage["meta"]["timestamps"]["updated_at"] >= usage["used_on"]


def listed(client, promotion: str) -> list[str]:
    """The codes a promotion lists (only those have usages)."""
    return [c["data"]["codes"][0]["code"] for c in everything(client, codes_url(promotion))]


def test_usages_all_belong_to_the_code_named_in_the_path(client):
    for code in listed(client, PROMOTION)[:3]:
        history = everything(client, usages_url(PROMOTION, code))
        assert history and all(u["code"] == code for u in history)
        assert len({u["code_id"] for u in history}) == 1


def test_customer_fields_are_never_null_by_default_only_in_the_edge_scenario(client):
    """The page never shows `cusomter_id` or `customer_email` as null: default data never does,
    anonymized or not; nulls (our reading of anonymization) belong to `Prefer: scenario=edge`."""
    history = [u for p in ("promo-1", "promo-2", "promo-3") for code in listed(client, p)[:3]
               for u in everything(client, usages_url(p, code))]
    assert any(u["anonymized"] for u in history) and any(not u["anonymized"] for u in history)
    assert all(u["cusomter_id"] and "@" in u["customer_email"] for u in history)
    code = listed(client, "promo-1")[0]
    edge = client.get(usages_url("promo-1", code), headers={"Prefer": "scenario=edge"}).json()["data"]
    assert edge and all(u["cusomter_id"] is None and u["customer_email"] is None for u in edge)
    named = history
    emails: dict[str, str] = {}
    for u in named:  # a customer keeps one e-mail address
        assert emails.setdefault(u["cusomter_id"], u["customer_email"]) == u["customer_email"]


def test_usage_ids_are_unique(usages):
    assert len({u["id"] for u in usages}) == len(usages)


def test_default_sort_is_used_on_ascending(client, usages, usages_of):
    times = [u["used_on"] for u in usages]
    assert times == sorted(times)
    assert everything(client, usages_of, sort="used_on") == usages


def test_sort_descending(client, usages, usages_of):
    assert everything(client, usages_of, sort="-used_on") == list(reversed(usages))


@pytest.mark.parametrize("sort", ["code", "times_used", "+used_on", "used_on,code", ""])
def test_unsupported_sort_is_a_400(client, sort, usages_of):
    errors = rejected(client, usages_of, sort=sort)
    assert errors[0].get("source") == "sort"


def test_different_promotions_give_different_usages(client):
    code = next(c for c in listed(client, "promo-1") if c in listed(client, "promo-2"))
    a = everything(client, usages_url("promo-1", code))
    b = everything(client, usages_url("promo-2", code))
    assert a and b
    assert {u["id"] for u in a}.isdisjoint({u["id"] for u in b})


# ----------------------------------------------------------------------------------- filter

@pytest.fixture(scope="module")
def matching(client, usages_of):
    """The usages that match a filter expression (all pages)."""
    return lambda expression, **params: everything(client, usages_of, filter=expression, **params)


def test_filter_eq_code(client, usages, matching, code):
    assert matching(f"eq(code,{code})") == usages
    assert matching("eq(code,cart1off)") == []


def test_filter_eq_id(client, usages, matching):
    chosen = usages[len(usages) // 2]
    assert matching(f"eq(id,{chosen['id']})") == [chosen]
    assert matching("eq(id,a042bd4b-21a6-4f55-8add-5a3e8b862ddc)") == []


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("op, test", [
    ("gt", lambda t, b: t > b), ("ge", lambda t, b: t >= b), ("lt", lambda t, b: t < b), ("le", lambda t, b: t <= b),
])
def test_filter_used_on_with_a_date(client, usages, op, test, matching):
    date = usages[len(usages) // 2]["used_on"][:10]
    bound = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)  # a date means midnight UTC
    rows = matching(f"{op}({'used_on'},{date})")
    assert rows == [u for u in usages if test(_at(u["used_on"]), bound)]


@pytest.mark.parametrize("op, keeps_the_item", [("gt", False), ("ge", True), ("lt", False), ("le", True)])
def test_filter_used_on_bounds_at_an_exact_time(client, usages, op, keeps_the_item, matching):
    item = usages[len(usages) // 3]
    rows = matching(f"{op}(used_on,{item['used_on']})")
    assert (item in rows) is keeps_the_item
    bound = _at(item["used_on"])
    compare = {"gt": bound.__lt__, "ge": bound.__le__, "lt": bound.__gt__, "le": bound.__ge__}[op]
    assert rows == [u for u in usages if compare(_at(u["used_on"]))]


@pytest.mark.parametrize("suffix", ["T12:30", "T12:30:15", "T12:30:15Z", "T12:30:15.5Z", "T12:30:15.250"])
def test_filter_used_on_with_date_times(client, usages, suffix, matching):
    date = usages[len(usages) // 2]["used_on"][:10]
    text = date + suffix
    bound = datetime.fromisoformat((text.rstrip("Z")) + "+00:00") if len(text) > 16 else \
        datetime.fromisoformat(text + ":00+00:00")
    rows = matching(f"ge(used_on,{text})")
    assert rows == [u for u in usages if _at(u["used_on"]) >= bound]


def test_filter_used_on_with_microseconds(client, usages, matching):
    item = usages[len(usages) // 3]
    finer = item["used_on"].rstrip("Z") + "1Z"  # 0.1 ms after the usage
    assert item in matching(f"lt(used_on,{finer})")
    assert item not in matching(f"ge(used_on,{finer})")


def test_filters_chain_with_colons(client, usages, matching, code):
    lo, hi = usages[10]["used_on"][:10], usages[-10]["used_on"][:10]
    start, end = (datetime.fromisoformat(d).replace(tzinfo=timezone.utc) for d in (lo, hi))
    rows = matching(f"gt(used_on,{lo}):lt(used_on,{hi})")
    assert rows == [u for u in usages if start < _at(u["used_on"]) < end]  # all terms must hold
    assert 0 < len(rows) < len(usages)
    assert matching(f"eq(code,{code}):gt(used_on,{lo})") == matching(f"gt(used_on,{lo})")
    assert matching(f"eq(code,OTHER):gt(used_on,{lo})") == []
    chosen = usages[20]
    assert matching(f"eq(id,{chosen['id']}):ge(used_on,{chosen['used_on']})") == [chosen]
    assert matching(f"eq(id,{chosen['id']}):gt(used_on,{chosen['used_on']})") == []


def test_filter_with_times_chains(client, usages, matching):
    a, b = usages[5]["used_on"], usages[25]["used_on"]
    assert matching(f"ge(used_on,{a}):le(used_on,{b})") == usages[5:26]


def test_filter_and_sort_and_paging_combine(client, usages, usages_of):
    lo = usages[len(usages) // 4]["used_on"][:10]
    expected = [u for u in reversed(usages) if _at(u["used_on"]) >= datetime.fromisoformat(lo).replace(tzinfo=timezone.utc)]
    body = page(client, usages_of, 3, 4, filter=f"ge(used_on,{lo})", sort="-used_on")
    assert body["data"] == expected[3:7]
    assert body["meta"]["results"]["total"] == len(expected)


@pytest.mark.parametrize("expression", [
    "eq(code)", "foo(code,x)", "gt(code,x)", "eq(used_on,2023-07-11)", "gt(used_on,yesterday)",
    "gt(used_on,2023-13-01)", "eq(customer_email,x)", "eq(code,x):", ":eq(code,x)", "eq(code,x)eq(id,y)",
    "eq(code,x);eq(id,y)", "eq code x", "", "eq(code,a,b)", "EQ(code,x)", "lt(used_on,2023-07-11T25:00)",
])
def test_malformed_filters_are_400s(client, expression, usages_of):
    errors = rejected(client, usages_of, filter=expression)
    assert errors[0].get("source") == "filter"


# ------------------------------------------------------------------------------------- auth

@pytest.mark.parametrize("url", [codes_url(PROMOTION), usages_url(PROMOTION, CODE)])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic x"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Token abc"}], ids=str)
def test_unauthorized_envelope(anonymous, url, headers):
    response = anonymous.get(url, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert not list(ERRORS_SCHEMA.iter_errors(body)), body
    assert isinstance(body["errors"], list) and len(body["errors"]) == 1
    assert body["errors"][0]["status"] == 401
    assert body["errors"][0]["title"] == "Unauthorized"


@pytest.mark.parametrize("url", [codes_url(PROMOTION), usages_url(PROMOTION, CODE)])
def test_bearer_token_is_accepted(anonymous, url):
    assert anonymous.get(url, headers={"Authorization": "Bearer XXXX"}).status_code == 200

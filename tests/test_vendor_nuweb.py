"""NuWeb — `GET /v1/discount-codes` (JSON:API style), through HTTP, as a NuWeb client sees it.

Every assertion is something the "Retrieve Discount Codes" page documents, or one of the readings
listed in `specs/nuweb.yaml` `info.description`.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs
import pytest

from .conftest import operation

URL = "/v1/discount-codes"
OP = operation("listDiscountCodes")
DOCUMENT_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(200), validate_formats=True)
ERRORS_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(422))
ATTRIBUTES = {"type", "code", "amount", "applyToNetPrice", "maxUsesPerOrder", "maximumUses", "maxUsesPerCustomer",
              "minimumSpend", "maximumDiscount", "validFrom", "validTo", "boxOfficeOnly", "disabledAt", "createdAt",
              "updatedAt", "deletedAt"}
CURRENCY_ATTRIBUTES = {"name", "code", "symbol"}


# ------------------------------------------------------------------------------------ helpers

def get(client, *items, **params) -> dict:
    """`items` are (name, value) pairs for repeated keys; `params` the rest."""
    response = client.get(URL, params=list(items) + list(params.items()))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(("application/json", "application/vnd.api+json"))
    body = response.json()
    errors = [e.message for e in DOCUMENT_SCHEMA.iter_errors(body)]
    assert not errors, errors
    return body


def everything(client, **params) -> list[dict]:
    items: list[dict] = []
    while True:
        body = get(client, offset=len(items), limit=100, **params)
        items += body["data"]
        if not body["data"] or len(items) >= body["meta"]["total"]:
            assert len(items) == body["meta"]["total"]
            return items


def unprocessable(client, parameter: str | None, *items, **params) -> list[dict]:
    response = client.get(URL, params=list(items) + list(params.items()))
    assert response.status_code == 422, response.text
    body = response.json()
    assert not list(ERRORS_SCHEMA.iter_errors(body)), body
    for error in body["errors"]:
        assert error["status"] == "422"
        assert error["title"] and error["detail"]
    if parameter is not None:
        assert parameter in [e.get("source", {}).get("parameter") for e in body["errors"]], body
    return body["errors"]


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def follow(client, link: str) -> dict:
    response = client.get(link)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def live(client) -> list[dict]:
    """Every discount code that is not soft-deleted, in the default order."""
    return everything(client)


@pytest.fixture(scope="module")
def with_trashed(client) -> list[dict]:
    return everything(client, withTrashed="true")


def ids(items) -> list[int]:
    return [it["id"] for it in items]


# ------------------------------------------------------------------------------------- paging

def test_limit_defaults_to_100(client, live):
    body = get(client)
    assert len(live) > 100
    assert ids(body["data"]) == ids(live[:100])
    assert body["meta"]["total"] == len(live)


@pytest.mark.parametrize("limit", [1, 25, 100])
def test_limit_sets_the_page_size(client, live, limit):
    assert ids(get(client, limit=limit)["data"]) == ids(live[:limit])


@pytest.mark.parametrize("limit", ["101", "0", "-1", "many", "1.5", ""])
def test_invalid_limit_is_a_422(client, limit):
    unprocessable(client, "limit", limit=limit)


@pytest.mark.parametrize("number, limit", [(1, 10), (2, 10), (3, 25), (2, 100)])
def test_page(client, live, number, limit):
    body = get(client, page=number, limit=limit)
    assert ids(body["data"]) == ids(live[(number - 1) * limit:number * limit])


def test_page_past_the_end_is_empty(client, live):
    body = get(client, page=50, limit=10)
    assert body["data"] == [] and body["included"] == []
    assert body["meta"]["total"] == len(live)


@pytest.mark.parametrize("offset", [0, 1, 10, 99, 140])
def test_offset(client, live, offset):
    assert ids(get(client, offset=offset, limit=10)["data"]) == ids(live[offset:offset + 10])


def test_offset_wins_over_page(client, live):
    body = get(client, offset=5, page=3, limit=10)
    assert ids(body["data"]) == ids(live[5:15])
    assert ids(get(client, page=3, offset=0, limit=10)["data"]) == ids(live[:10])


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "-1"}, {"offset": "-1"}, {"page": "two"}, {"offset": "1.0"}], ids=str)
def test_invalid_page_or_offset_is_a_422(client, params):
    unprocessable(client, next(iter(params)), **params)


def test_meta_total_counts_every_page(client, live):
    for params in ({}, {"limit": 1}, {"page": 2, "limit": 7}, {"offset": 33}):
        assert get(client, **params)["meta"]["total"] == len(live)


# -------------------------------------------------------------------------------------- links

def page_links(client, **params) -> dict:
    links = get(client, **params)["links"]
    assert set(links) == {"first", "last", "prev", "next", "self"}
    return links


def test_page_links_on_a_middle_page(client, live):
    links = page_links(client, page=2, limit=10)
    last = math.ceil(len(live) / 10)
    assert query_of(links["first"])["page"] == ["1"]
    assert query_of(links["last"])["page"] == [str(last)]
    assert query_of(links["prev"])["page"] == ["1"]
    assert query_of(links["next"])["page"] == ["3"]
    assert query_of(links["self"])["page"] == ["2"]
    for link in links.values():
        assert query_of(link)["limit"] == ["10"] and "offset" not in query_of(link)


def test_page_links_on_the_first_and_last_pages(client, live):
    first = page_links(client, page=1, limit=10)
    assert first["prev"] is None and first["next"] is not None
    last_number = math.ceil(len(live) / 10)
    last = page_links(client, page=last_number, limit=10)
    assert last["next"] is None and last["prev"] is not None
    assert last["self"] == last["last"] == first["last"]


def test_one_page_has_neither_prev_nor_next(client, live):
    body = get(client, page=1, types="bxgy")
    assert body["meta"]["total"] <= 100
    assert body["links"]["prev"] is None and body["links"]["next"] is None
    assert body["links"]["first"] == body["links"]["last"] == body["links"]["self"]


def test_following_page_links_visits_every_code_once(client, live):
    body = get(client, page=1, limit=30)
    seen = ids(body["data"])
    while body["links"]["next"]:
        body = follow(client, body["links"]["next"])
        seen += ids(body["data"])
    assert seen == ids(live)


def test_offset_links_page_by_offset(client, live):
    links = page_links(client, offset=5, page=4, limit=10)
    assert query_of(links["self"])["offset"] == ["5"]
    assert query_of(links["first"])["offset"] == ["0"]
    assert query_of(links["prev"])["offset"] == ["0"]
    assert query_of(links["next"])["offset"] == ["15"]
    assert int(query_of(links["last"])["offset"][0]) == (math.ceil(len(live) / 10) - 1) * 10
    for link in links.values():
        assert query_of(link)["limit"] == ["10"]
    assert ids(follow(client, links["next"])["data"]) == ids(live[15:25])


def test_following_offset_links_visits_every_code_once(client, live):
    body = get(client, offset=0, limit=40)
    seen = ids(body["data"])
    assert body["links"]["prev"] is None
    while body["links"]["next"]:
        body = follow(client, body["links"]["next"])
        seen += ids(body["data"])
    assert seen == ids(live)


def test_links_keep_the_filters(client):
    links = page_links(client, page=1, limit=5, types="fixed", withTrashed="true", only="code")
    for name in ("first", "last", "next", "self"):
        query = query_of(links[name])
        assert query["types"] == ["fixed"] and query["withTrashed"] == ["true"] and query["only"] == ["code"]


@pytest.mark.parametrize("params", [{}, {"limit": 10}], ids=str)
def test_links_page_by_page_when_no_offset_is_sent(client, params):
    links = page_links(client, **params)
    for name in ("first", "last", "self"):
        assert "offset" not in query_of(links[name])
    assert query_of(links["first"])["page"] == ["1"]
    assert query_of(links["self"])["page"] == ["1"]


def test_resource_self_links(client):
    for item in get(client, limit=20)["data"]:
        link = item["links"]["self"]
        assert urlsplit(link).path == URL
        assert query_of(link) == {"id": [str(item["id"])]}


# -------------------------------------------------------------------------------------- types

@pytest.mark.parametrize("kind", ["fixed", "percentage", "bxgy"])
def test_types_filter(client, live, kind):
    rows = everything(client, types=kind)
    assert rows and all(r["attributes"]["type"] == kind for r in rows)
    assert ids(rows) == [r["id"] for r in live if r["attributes"]["type"] == kind]


def test_types_as_array_bracket_array_and_comma_list(client, live):
    repeated = get(client, ("types", "fixed"), ("types", "bxgy"))
    bracket = get(client, ("types[]", "fixed"), ("types[]", "bxgy"))
    comma = get(client, types="fixed,bxgy")
    strip = lambda body: {k: v for k, v in body.items() if k != "links"}  # links echo the form sent
    assert strip(repeated) == strip(bracket) == strip(comma)
    expected = [r for r in live if r["attributes"]["type"] in ("fixed", "bxgy")]
    assert comma["meta"]["total"] == len(expected)
    assert ids(comma["data"]) == ids(expected[:100])


@pytest.mark.parametrize("value", ["free", "FIXED", "", "fixed,,bxgy"], ids=repr)
def test_unknown_types_are_a_422(client, value):
    unprocessable(client, "types", types=value)


# -------------------------------------------------------------------------------- withTrashed

def test_soft_deleted_codes_are_hidden_by_default(client, live, with_trashed):
    assert all(r["attributes"]["deletedAt"] is None for r in live)
    assert everything(client, withTrashed="false") == live


def test_with_trashed_true_shows_soft_deleted_codes(client, live, with_trashed):
    trashed = [r for r in with_trashed if r["attributes"]["deletedAt"] is not None]
    assert trashed
    assert [r for r in with_trashed if r["attributes"]["deletedAt"] is None] == live
    assert get(client, withTrashed="true")["meta"]["total"] == len(live) + len(trashed)


def test_with_trashed_combines_with_types(client, with_trashed):
    rows = everything(client, withTrashed="true", types="percentage")
    assert ids(rows) == [r["id"] for r in with_trashed if r["attributes"]["type"] == "percentage"]


@pytest.mark.parametrize("value", ["yes", "1", "TRUE "])
def test_with_trashed_takes_true_or_false(client, value):
    unprocessable(client, "withTrashed", withTrashed=value)


# --------------------------------------------------------------------------------- fieldsets

@pytest.mark.parametrize("only, kept", [
    ("discountCodes.code", {"code"}),
    ("code", {"code"}),
    ("discountCodes.code,discountCodes.type,amount", {"code", "type", "amount"}),
    ("code,nope", {"code"}),
])
def test_only_keeps_the_named_code_attributes(client, live, only, kept):
    body = get(client, only=only, limit=20)
    for item, full in zip(body["data"], live):
        assert item["attributes"] == {k: full["attributes"][k] for k in kept}
        assert item["id"] == full["id"] and item["type"] == "discountCodes"
        assert item["relationships"] == full["relationships"]
    for currency in body["included"]:  # only names no currency attribute: currencies untouched
        assert set(currency["attributes"]) == CURRENCY_ATTRIBUTES


@pytest.mark.parametrize("exclude, dropped", [
    ("discountCodes.code", {"code"}),
    ("code,maximumDiscount", {"code", "maximumDiscount"}),
])
def test_except_drops_the_named_code_attributes(client, live, exclude, dropped):
    body = get(client, **{"except": exclude}, limit=20)
    for item, full in zip(body["data"], live):
        assert item["attributes"] == {k: v for k, v in full["attributes"].items() if k not in dropped}


def test_only_applies_to_included_currencies(client, live):
    body = get(client, only="currencies.code", limit=20)
    assert body["included"]
    for currency in body["included"]:
        assert set(currency["attributes"]) == {"code"}
        assert currency["type"] == "currencies"
    for item in body["data"]:  # codes keep every attribute
        assert set(item["attributes"]) == ATTRIBUTES


def test_except_applies_to_included_currencies(client):
    body = get(client, **{"except": "currencies.symbol,currencies.name"}, limit=20)
    assert body["included"]
    assert all(set(c["attributes"]) == {"code"} for c in body["included"])
    assert all(set(item["attributes"]) == ATTRIBUTES for item in body["data"])


def test_only_and_except_on_different_resources(client):
    body = get(client, only="discountCodes.code", **{"except": "currencies.symbol"}, limit=20)
    assert all(set(item["attributes"]) == {"code"} for item in body["data"])
    assert all(set(c["attributes"]) == {"name", "code"} for c in body["included"])


@pytest.mark.parametrize("only, exclude", [
    ("discountCodes.code", "discountCodes.type"),
    ("code", "discountCodes.amount"),
    ("discountCodes.code", "type"),
    ("code", "code"),
    ("currencies.name", "currencies.code"),
    ("code,currencies.name", "currencies.symbol"),
])
def test_only_and_except_on_the_same_resource_is_a_422(client, only, exclude):
    errors = unprocessable(client, None, only=only, **{"except": exclude})
    assert any(e.get("source", {}).get("parameter") in ("only", "except") for e in errors)


@pytest.mark.parametrize("name", ["only", "except"])
def test_empty_only_or_except_includes_every_field(client, live, name):
    body = get(client, **{name: ""}, limit=10)
    assert body["data"] == live[:10]


# ---------------------------------------------------------------------------------- included

def _referenced(items) -> set[tuple[str, int]]:
    return {(it["relationships"]["currencies"]["type"], it["relationships"]["currencies"]["id"]) for it in items}


@pytest.mark.parametrize("params", [
    {"limit": 1}, {"limit": 3}, {"limit": 100}, {"offset": 57, "limit": 5}, {"types": "bxgy"},
    {"page": 2, "limit": 20, "withTrashed": "true"}, {"types": "percentage", "limit": 4},
], ids=str)
def test_included_holds_exactly_the_referenced_currencies(client, params):
    body = get(client, **params)
    included = [(c["type"], c["id"]) for c in body["included"]]
    assert len(included) == len(set(included))  # no duplicates
    assert set(included) == _referenced(body["data"])  # no more, no fewer


def test_included_currencies_look_like_the_page(client):
    for currency in get(client)["included"]:
        assert currency["type"] == "currencies"
        assert set(currency["attributes"]) == CURRENCY_ATTRIBUTES
        assert len(currency["attributes"]["code"]) == 3 and currency["attributes"]["code"].isupper()


def test_a_currency_id_always_means_the_same_currency(client):
    seen: dict[int, dict] = {}
    for params in ({"limit": 100}, {"offset": 100}, {"limit": 2}, {"types": "bxgy"}):
        for currency in get(client, **params)["included"]:
            assert seen.setdefault(currency["id"], currency) == currency


def test_currency_relationship_agrees_with_maximum_discount(client, with_trashed):
    for number in range(1, math.ceil(len(with_trashed) / 100) + 1):
        body = get(client, page=number, withTrashed="true")
        currencies = {c["id"]: c["attributes"]["code"] for c in body["included"]}
        for item in body["data"]:
            code = currencies[item["relationships"]["currencies"]["id"]]
            assert code in item["attributes"]["maximumDiscount"], item


# ---------------------------------------------------------------------------------- resources

def test_codes_are_json_api_resources(live, with_trashed):
    for item in with_trashed:
        assert item["type"] == "discountCodes"
        assert isinstance(item["id"], int)
        assert set(item["attributes"]) == ATTRIBUTES
        assert item["attributes"]["type"] in ("fixed", "percentage", "bxgy")
        assert item["relationships"]["currencies"]["type"] == "currencies"
        for sale_item in item["relationships"]["saleItems"]["data"]:
            assert sale_item["type"] == "saleItems"
    codes = [r["attributes"]["code"] for r in with_trashed]
    assert len(codes) == len(set(codes))
    assert ids(with_trashed) == sorted(ids(with_trashed))


# --------------------------------------------------------------------------------------- auth

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic x"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Token abc"}], ids=str)
def test_unauthorized_envelope(anonymous, headers):
    response = anonymous.get(URL, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert not list(jsonschema_rs.validator_for(OP.response_schema(401)).iter_errors(body)), body
    assert body["errors"][0]["status"] == "401"
    assert body["errors"][0]["title"] == "Unauthorized"


def test_bearer_token_is_accepted(anonymous):
    assert anonymous.get(URL, headers={"Authorization": "Bearer abc"}).status_code == 200


NEVER_NULL_ON_THE_PAGE = ("maxUsesPerOrder", "maximumUses", "maxUsesPerCustomer", "validTo")


def test_fields_the_page_never_shows_null_are_null_only_in_the_edge_scenario(client, live):
    """Documented types only by default: the schema allows null (our reading of "no limit"), but
    only `Prefer: scenario=edge` serves it."""
    assert all(code["attributes"][name] is not None for code in live for name in NEVER_NULL_ON_THE_PAGE)
    edge = client.get(URL, params={"limit": 5}, headers={"Prefer": "scenario=edge"}).json()["data"]
    assert edge and all(code["attributes"][name] is None for code in edge for name in NEVER_NULL_ON_THE_PAGE)

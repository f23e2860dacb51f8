"""Ops platform — `GET /api/v1/ops/promotions/{promotionalId}/usage-history`, through HTTP.

Every assertion is something the "List Promotion Usage History" page documents, or one of the
readings listed in `specs/ops-promotions.yaml` `info.description`.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import jsonschema_rs
import pytest

from .conftest import operation

OP = operation("listPromotionUsageHistory")
PAGE_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(200), validate_formats=True)
ERROR_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(400))
EXAMPLE = "0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a"  # the page's example promotionalId
FIELDS = {"promotionalUsageHistoryId", "promotionalId", "organizationId", "companyId", "customerId", "checkoutId",
          "orderId", "ticketId", "validatedRuleId", "originalAmount", "discountAmount", "finalAmount",
          "discountValue", "appliedRuleSnapshot", "appliedAt", "reversedAt", "createdBy", "createdAt",
          "updatedBy", "updatedAt"}
UUID_FIELDS = {"promotionalUsageHistoryId", "promotionalId", "organizationId", "companyId", "customerId",
               "checkoutId", "orderId", "ticketId", "validatedRuleId", "createdBy", "updatedBy"}


def url_for(promotion: str) -> str:
    return f"/api/v1/ops/promotions/{promotion}/usage-history"


def get(client, url: str, **params) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    errors = [e.message for e in PAGE_SCHEMA.iter_errors(body)]
    assert not errors, errors
    return body


def everything(client, url: str, **params) -> list[dict]:
    items: list[dict] = []
    number = 1
    while True:
        body = get(client, url, page=number, limit=100, **params)
        items += body["data"]
        if number >= body["meta"]["totalPages"]:
            assert len(items) == body["meta"]["total"]
            return items
        number += 1


def rejected(client, url: str, **params) -> list[str]:
    """NestJS's 400: `{"statusCode": 400, "error": "Bad Request", "message": [...]}`; its messages."""
    response = client.get(url, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert not list(ERROR_SCHEMA.iter_errors(body)), body
    assert body["statusCode"] == 400
    assert body["error"] == "Bad Request"
    assert isinstance(body["message"], list) and body["message"]
    assert all(isinstance(m, str) and m for m in body["message"])
    return body["message"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def promotion(client) -> str:
    """The page's example promotion, or (should its history be short) another one with a long history."""
    candidates = [EXAMPLE] + [str(uuid.UUID(int=i, version=4)) for i in range(1, 60)]
    for candidate in candidates:
        if get(client, url_for(candidate), limit=1)["meta"]["total"] >= 60:
            return candidate
    pytest.fail("no promotion with a history of 60 uses or more")


@pytest.fixture(scope="module")
def url(promotion) -> str:
    return url_for(promotion)


@pytest.fixture(scope="module")
def history(client, url) -> list[dict]:
    """The whole history of one promotion, in the default order."""
    return everything(client, url)


# ------------------------------------------------------------------------------------- paging

def test_limit_defaults_to_10_and_page_to_1(client, history, url):
    body = get(client, url)
    assert len(history) > 10
    assert len(body["data"]) == 10
    assert body["data"] == history[:10]
    assert body["meta"] == {"page": 1, "limit": 10, "total": len(history), "totalPages": math.ceil(len(history) / 10)}


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_limit_sets_the_page_size(client, history, limit, url):
    body = get(client, url, limit=limit)
    assert len(body["data"]) == min(limit, len(history))
    assert body["meta"]["limit"] == limit
    assert body["meta"]["totalPages"] == math.ceil(len(history) / limit)


@pytest.mark.parametrize("limit", ["101", "0", "-5", "2.5", "ten", ""])
def test_invalid_limit_is_a_400(client, limit, url):
    messages = rejected(client, url, limit=limit)
    assert any("limit" in m for m in messages)


def test_limit_2_5_is_a_400(client, url):
    rejected(client, url, limit="2.5")


@pytest.mark.parametrize("number, limit", [(1, 7), (2, 7), (3, 20), (2, 10)])
def test_page_selects_a_window(client, history, number, limit, url):
    body = get(client, url, page=number, limit=limit)
    assert body["data"] == history[(number - 1) * limit:number * limit]
    assert body["meta"]["page"] == number
    assert body["meta"]["limit"] == limit


def test_last_page_and_past_the_end(client, history, url):
    pages = math.ceil(len(history) / 10)
    last = get(client, url, page=pages)
    assert last["data"] == history[(pages - 1) * 10:]
    beyond = get(client, url, page=pages + 1)
    assert beyond["data"] == []
    assert beyond["meta"] == {"page": pages + 1, "limit": 10, "total": len(history), "totalPages": pages}


@pytest.mark.parametrize("number", ["0", "-1", "1.5", "one"])
def test_invalid_page_is_a_400(client, number, url):
    rejected(client, url, page=number)


def test_pages_never_overlap(client, history, url):
    ids = [it["promotionalUsageHistoryId"] for it in history]
    assert len(ids) == len(set(ids))
    seen = []
    for number in range(1, math.ceil(len(history) / 9) + 1):
        seen += [it["promotionalUsageHistoryId"] for it in get(client, url, page=number, limit=9)["data"]]
    assert seen == ids


# --------------------------------------------------------------------------------------- sort

def test_default_sort_is_applied_at_descending(client, history, url):
    times = [at(it["appliedAt"]) for it in history]
    assert times == sorted(times, reverse=True)
    assert everything(client, url, sortBy="appliedAt", sortOrder="desc") == history


def test_sort_order_asc(client, history, url):
    rows = everything(client, url, sortOrder="asc")
    assert [at(it["appliedAt"]) for it in rows] == sorted(at(it["appliedAt"]) for it in history)
    assert everything(client, url, sortBy="appliedAt", sortOrder="asc") == rows


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_by_created_at(client, history, order, url):
    rows = everything(client, url, sortBy="createdAt", sortOrder=order)
    keys = [(at(it["createdAt"]), it["promotionalUsageHistoryId"]) for it in rows]
    created = [k[0] for k in keys]
    assert created == sorted(created, reverse=(order == "desc"))
    assert sorted(it["promotionalUsageHistoryId"] for it in rows) == sorted(it["promotionalUsageHistoryId"] for it in history)


def test_sort_by_created_at_defaults_to_descending(client, url):
    rows = everything(client, url, sortBy="createdAt")
    created = [at(it["createdAt"]) for it in rows]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("params", [{"sortBy": "updatedAt"}, {"sortBy": "appliedat"}, {"sortOrder": "DESC"},
                                    {"sortOrder": "ascending"}, {"sortBy": ""}], ids=str)
def test_unknown_sort_values_are_400s(client, params, url):
    rejected(client, url, **params)


# ------------------------------------------------------------------------------------- status

def test_status_applied_means_not_reversed(client, history, url):
    rows = everything(client, url, status="APPLIED")
    assert rows and all(it["reversedAt"] is None for it in rows)
    assert rows == [it for it in history if it["reversedAt"] is None]


def test_status_reversed_means_reversed_at_is_set(client, history, url):
    rows = everything(client, url, status="REVERSED")
    assert rows and all(it["reversedAt"] is not None for it in rows)
    assert rows == [it for it in history if it["reversedAt"] is not None]


def test_applied_and_reversed_partition_the_history(client, history, url):
    applied = get(client, url, status="APPLIED")["meta"]["total"]
    reversed_ = get(client, url, status="REVERSED")["meta"]["total"]
    assert applied + reversed_ == len(history)


def test_status_with_paging_and_sort(client, history, url):
    expected = sorted((it for it in history if it["reversedAt"] is not None), key=lambda it: at(it["appliedAt"]))
    body = get(client, url, status="REVERSED", sortOrder="asc", limit=3, page=2)
    assert body["data"] == expected[3:6]
    assert body["meta"]["total"] == len(expected)
    assert body["meta"]["totalPages"] == math.ceil(len(expected) / 3)


@pytest.mark.parametrize("status", ["applied", "CANCELLED", ""])
def test_unknown_status_is_a_400(client, status, url):
    rejected(client, url, status=status)


# ------------------------------------------------------------------------------------- fields

def test_fields_keeps_only_the_named_fields(client, history, url):
    body = get(client, url, fields="promotionalUsageHistoryId,appliedAt,finalAmount", limit=20)
    assert body["data"] == [{k: it[k] for k in ("promotionalUsageHistoryId", "appliedAt", "finalAmount")}
                            for it in history[:20]]
    assert body["meta"]["total"] == len(history)  # meta is never projected


def test_fields_dot_notation_projects_nested_fields(client, history, url):
    body = get(client, url, fields="orderId,appliedRuleSnapshot.value,appliedRuleSnapshot.label", limit=20)
    for item, full in zip(body["data"], history):
        assert item == {"orderId": full["orderId"],
                        "appliedRuleSnapshot": {"value": full["appliedRuleSnapshot"]["value"],
                                                "label": full["appliedRuleSnapshot"]["label"]}}


def test_fields_whole_object_by_its_name(client, history, url):
    body = get(client, url, fields="appliedRuleSnapshot", limit=5)
    assert body["data"] == [{"appliedRuleSnapshot": it["appliedRuleSnapshot"]} for it in history[:5]]


def test_unknown_fields_are_silently_dropped(client, history, url):
    body = get(client, url, fields="orderId,nope,user.email,trips.route.id", limit=5)
    assert body["data"] == [{"orderId": it["orderId"]} for it in history[:5]]
    # An unknown attribute of a known object: nothing of it is printed (an empty object at most).
    body = get(client, url, fields="orderId,appliedRuleSnapshot.nope", limit=5)
    for item, full in zip(body["data"], history):
        assert item.pop("appliedRuleSnapshot", {}) == {}
        assert item == {"orderId": full["orderId"]}


def test_only_unknown_fields_leave_empty_items(client, history, url):
    body = get(client, url, fields="id,name", limit=5)
    assert body["data"] == [{}] * 5
    assert body["meta"]["total"] == len(history)


def test_dotted_names_under_scalar_fields_are_unknown(client, url):
    body = get(client, url, fields="orderId,appliedAt.value,discountAmount.cents", limit=5)
    assert all(set(item) == {"orderId"} for item in body["data"])


def test_fields_tolerate_spaces_and_empty_names(client, history, url):
    body = get(client, url, fields=" orderId , ,appliedAt,", limit=3)
    assert body["data"] == [{"orderId": it["orderId"], "appliedAt": it["appliedAt"]} for it in history[:3]]


def test_empty_fields_keeps_everything(client, history, url):
    assert get(client, url, fields="", limit=5)["data"] == history[:5]


def test_fields_combine_with_status_and_sort(client, history, url):
    expected = sorted((it for it in history if it["reversedAt"] is None), key=lambda it: at(it["createdAt"]))
    body = get(client, url, fields="promotionalUsageHistoryId,reversedAt", status="APPLIED",
               sortBy="createdAt", sortOrder="asc", limit=100)
    assert body["data"] == [{"promotionalUsageHistoryId": it["promotionalUsageHistoryId"], "reversedAt": None}
                            for it in expected[:100]]


# --------------------------------------------------------------------------------- invariants

def test_items_carry_every_documented_field(history, promotion):
    for item in history:
        assert set(item) == FIELDS
        for name in UUID_FIELDS:
            uuid.UUID(item[name])
        assert item["promotionalId"] == promotion


def test_discount_amount_is_original_minus_final_to_the_cent(history):
    for item in history:
        assert round(item["originalAmount"] - item["finalAmount"], 2) == round(item["discountAmount"], 2), item
        assert item["originalAmount"] >= item["finalAmount"] >= 0
        assert round(item["discountAmount"] * 100) == pytest.approx(item["discountAmount"] * 100, abs=1e-6)  # cents


def test_applied_at_is_not_after_reversed_at(history):
    reversed_ = [it for it in history if it["reversedAt"] is not None]
    assert reversed_
    assert all(at(it["appliedAt"]) <= at(it["reversedAt"]) for it in reversed_)


def test_created_at_is_not_after_updated_at(history):
    assert all(at(it["createdAt"]) <= at(it["updatedAt"]) for it in history)


def test_history_of_another_promotion(client, history):
    other = str(uuid.UUID(int=12345, version=4))
    rows = everything(client, url_for(other))
    assert all(it["promotionalId"] == other for it in rows)
    assert {it["promotionalUsageHistoryId"] for it in rows}.isdisjoint({it["promotionalUsageHistoryId"] for it in history})


def test_the_same_request_gives_the_same_page(client, url):
    assert client.get(url, params={"limit": 50}).json() == client.get(url, params={"limit": 50}).json()


# ------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("bad_id", ["nope", "123", "0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3", "0195e7a18b5c7d3e9f4a2c6b8d0e1f3a-x",
                                       "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
def test_non_uuid_promotion_id_is_a_400(client, bad_id):
    messages = rejected(client, url_for(bad_id))
    assert any("promotionalId" in m for m in messages)


def test_every_problem_is_listed(client):
    messages = rejected(client, url_for("nope"), limit="2.5", status="LOST")
    assert len(messages) == 3


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic x"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Token abc"}], ids=str)
def test_unauthorized_is_a_401_in_nestjs_shape(anonymous, headers, url):
    response = anonymous.get(url, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert not list(jsonschema_rs.validator_for(OP.response_schema(401)).iter_errors(body)), body
    assert body["statusCode"] == 401
    assert body["message"]


def test_bearer_token_is_accepted(anonymous, url):
    assert anonymous.get(url, headers={"Authorization": "Bearer abc"}).status_code == 200

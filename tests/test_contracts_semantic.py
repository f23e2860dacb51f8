"""The semantic checks' building blocks, on hand-made data: each rule fails when it should."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from contracts.client import ApiClient, Politeness
from contracts.results import CheckRun, CheckResult, OperationResult, Recorder, UnexpectedResponse
from contracts.semantic import groups_for
from contracts.semantic.filters import timeframe_span
from contracts.semantic.invariants import check_relation, parse_relation, path_bound_fields
from contracts.semantic.links import expected_windows, kept_parameters, window_of
from contracts.semantic.paging import exact_sizes, walk_sizes
from contracts.semantic.resources import candidate_path_values, parent_of
from contracts.semantic.target import ListTarget, Page
from contracts.semantic.values import compare, covered, leaves
from contracts.semantic.vendor_rules import nuweb_fieldset_clash

from .conftest import operation


def run() -> CheckRun:
    return CheckRun(CheckResult("test"), redact=lambda s: s)


def target(operation_id: str, path_values: dict | None = None, handler=None) -> ListTarget:
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(200, json={})))
    client = ApiClient("http://api.test", Politeness(), transport=transport)
    return ListTarget(operation(operation_id), client, path_values or {})


# ------------------------------------------------------------------------------ invariants

def test_field_relations_hold_or_fail_per_item():
    items = [
        {"discountAmount": 10.0, "originalAmount": 100.0, "finalAmount": 90.0, "appliedAt": "2025-01-01T00:00:00Z",
         "reversedAt": None},
        {"discountAmount": 10.0, "originalAmount": 100.0, "finalAmount": 89.0, "appliedAt": "2025-01-02T00:00:00Z",
         "reversedAt": "2025-01-01T00:00:00Z"},
    ]
    amounts, times = run(), run()
    check_relation("discountAmount == originalAmount - finalAmount ± 0.01", items, amounts, None)
    check_relation("appliedAt <= reversedAt", items, times, None)
    assert amounts.result.failures == 1 and "1 of 2 items break it" in amounts.result.findings[0].actual
    assert times.result.failures == 1  # the null reversedAt of the first item is "not applicable"
    within = run()
    check_relation("discountAmount == originalAmount - finalAmount ± 0.01", items[:1], within, None)
    assert within.result.failures == 0


def test_unreadable_relations_are_refused():
    assert parse_relation("a <= b") == ("a", "le", "b", None, None, 0.0)
    with pytest.raises(ValueError, match="cannot read invariant"):
        parse_relation("a is roughly b")


def test_path_bound_fields_come_from_the_specs_generators():
    assert path_bound_fields(target("getPromotionCodeUsages", {"id": "p", "code-name": "X"})) == {"code": "code-name"}
    assert path_bound_fields(target("listPromotionUsageHistory", {"promotionalId": "u"})) == {"promotionalId": "promotionalId"}
    assert path_bound_fields(target("listDiscountCodes")) == {}


# ----------------------------------------------------------------------------------- links

def page(offset: int, limit: int, total: int, url: str = "http://api.test/x") -> Page:
    response = httpx.Response(200, request=httpx.Request("GET", url))
    return Page(response, {}, [], total, offset, limit)


def test_links_point_to_windows_and_null_where_documented():
    t = target("getPromotionCodes", {"promotionID": "p"})
    assert expected_windows(t, page(0, 10, 25)) == {"first": 0, "next": 10, "prev": None, "last": 20,
                                                    "current": 0, "self": 0}
    last = expected_windows(t, page(20, 10, 25))
    assert last["next"] is None and last["prev"] == 10
    assert window_of(t, "http://api.test/x?page[offset]=30&page[limit]=10", 5) == (30, 10)
    nuweb = target("listDiscountCodes")
    assert window_of(nuweb, "/v1/discount-codes?page=3&limit=20", 20) == (40, 20)  # a page-number link


def test_links_must_keep_the_other_parameters():
    t = target("listDiscountCodes")
    sent = page(0, 10, 30, "http://api.test/v1/discount-codes?types=fixed&offset=0&limit=10")
    assert kept_parameters(t, sent, "http://api.test/v1/discount-codes?types=fixed&offset=10&limit=10") == {}
    assert kept_parameters(t, sent, "http://api.test/v1/discount-codes?offset=10&limit=10") == {
        "types": {"sent": ["fixed"], "link": []}}


# ---------------------------------------------------------------------------------- paging

def test_walks_use_the_maximum_a_small_page_size_and_one_that_divides_the_total():
    assert walk_sizes(300, 100) == [100, 43, 75]  # 75 x 4 = 300: the last page is full
    assert walk_sizes(3, 100) == [100, 1]
    assert walk_sizes(50, 1) == [1]
    assert walk_sizes(137, 100) == [100, 20]  # a prime total: no size divides it
    assert exact_sizes(89, 100, [100, 13]) == [1, 89]  # one page each at sizes dividing it exactly


def test_a_walk_stops_on_a_short_page_not_on_the_reported_total():
    """A total that is too small must not hide the items after it."""
    items = [{"id": n} for n in range(7)]

    def handler(request):
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        return httpx.Response(200, json={"data": items[offset:offset + limit], "links": {}, "meta": {"total": 3}})

    walk = target("listDiscountCodes", handler=handler).walk(3)
    assert len(walk.items) == 7 and walk.complete and len(walk.pages) == 3


def test_a_non_2xx_or_a_foreign_envelope_is_an_unexpected_response():
    broken = target("listDiscountCodes", handler=lambda r: httpx.Response(500, json={"errors": []}))
    with pytest.raises(UnexpectedResponse, match="answers a valid request with 2xx"):
        broken.fetch({})
    foreign = target("listDiscountCodes", handler=lambda r: httpx.Response(200, json={"items": []}))
    with pytest.raises(UnexpectedResponse, match="documented JSON envelope"):
        foreign.fetch({})


def test_an_unexpected_response_becomes_a_finding_with_the_curl_line():
    result = OperationResult("s", "op", "GET", "/x")
    broken = target("listDiscountCodes", handler=lambda r: httpx.Response(503, text="down"))
    with Recorder(result, redact=lambda s: s).check("paging.walk"):
        broken.fetch({})
    finding = result.checks["paging.walk"].findings[0]
    assert finding.actual.startswith("503") and finding.curl.startswith("curl -X GET") and finding.expected == "2xx"


# ------------------------------------------------------------------------------- resources

def test_usages_take_their_code_from_the_codes_endpoint():
    usages = operation("getPromotionCodeUsages")
    parent, mapping, param = parent_of(usages, [operation("getPromotionCodes"), usages])
    assert parent.operation_id == "getPromotionCodes" and mapping == {"promotionID": "id"} and param == "code-name"
    candidates = candidate_path_values(usages, usages.spec.operations, resolve=lambda op: {"promotionID": "promo-1"},
                                       identities_of=lambda op, values: ["SUMMER25", "WINTER10"])
    assert candidates == [{"id": "promo-1", "code-name": "SUMMER25"}, {"id": "promo-1", "code-name": "WINTER10"}]


def test_a_documented_example_comes_first():
    ops = operation("listPromotionUsageHistory")
    candidates = candidate_path_values(ops, ops.spec.operations, resolve=None, identities_of=None)
    assert candidates[0] == {"promotionalId": "0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a"}
    assert len(candidates) == 3  # then fixed UUIDs, in case the example's collection is empty


def test_groups_follow_the_x_mock_blocks():
    assert groups_for(operation("getPromotionCodes")) == ["paging", "invariant", "errors"]
    assert groups_for(operation("listPromotionUsageHistory")) == ["paging", "filter", "sort", "fieldset", "invariant",
                                                                   "errors"]
    assert groups_for(operation("getDiscountCodeUsesReportData")) == ["paging", "filter", "sort", "fieldset", "errors"]


# ---------------------------------------------------------------------------------- values

def test_times_compare_as_instants_whatever_their_print_form():
    assert compare("2024-01-02T00:00:00Z", "eq", "2024-01-02T00:00:00.000000Z")
    assert compare("2024-01-02 00:00:01", "gt", "2024-01-02T00:00:00.999Z")
    assert compare("abc", "lt", "abd")
    assert compare(1, "lt", "x") is None


def test_leaves_and_coverage_of_dotted_paths():
    assert leaves({"customer": {"id": 1, "name": "a"}, "use_type": "class"}) == {"customer.id", "customer.name", "use_type"}
    assert covered("customer.id", {"customer"}) and not covered("customer.email", {"customer.id"})


def test_named_timeframes_have_a_longest_span():
    assert timeframe_span("last_7_days").days == 7 and timeframe_span("this_month").days == 31
    assert timeframe_span("someday") is None


def test_nuweb_only_and_except_on_one_resource_is_kept_out_of_positive_data():
    assert nuweb_fieldset_clash({"only": "code", "except": "discountCodes.amount"})
    assert not nuweb_fieldset_clash({"only": "code", "except": "currencies.name"})
    assert not nuweb_fieldset_clash({"only": "code"})


def test_a_page_that_breaks_the_page_count_fails_paging_meta():
    from contracts.semantic.paging import exact_sizes, check_page_meta

    c = run()
    body = {"meta": {"page": 2, "limit": 10, "totalPages": 4, "total": 25}}
    check_page_meta(SimpleNamespace(limit=10, offset=10, total=25, body=body, response=None),
                    {"page": "meta.page", "limit": "meta.limit", "pages": "meta.totalPages"}, c)
    assert c.result.failures == 1 and "meta.totalPages" in c.result.findings[0].claim

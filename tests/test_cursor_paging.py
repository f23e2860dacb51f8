"""Two vendors added as spec files only: Stripe's cursor-paged promotion codes and commercetools'
discount codes. The mock serves them as their references describe, and `contracts` passes on them
and catches the cursor bugs planted with `--misbehave`."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from contracts.runner import RunOptions, run_contracts
from mockserver.app import Settings, create_app
from mockserver.dialects.template import fill
from mockserver.pytest_plugin import BackgroundServer

SPECS = Path(__file__).resolve().parent.parent / "specs"
STRIPE = str(SPECS / "stripe-promotion-codes.yaml")
COMMERCETOOLS = str(SPECS / "commercetools-discount-codes.yaml")
CODES = "/v1/promotion_codes"
KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}


@pytest.fixture(scope="module")
def stripe():
    with TestClient(create_app(Settings(specs=[STRIPE], seed=11)), headers=BASIC) as api:
        yield api


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["data"]]


def walk(api, **params) -> list[dict]:
    pages, after = [], None
    while True:
        page = api.get(CODES, params={**params, **({"starting_after": after} if after else {})}).json()
        pages.append(page)
        if not page["has_more"]:
            return pages
        after = page["data"][-1]["id"]


def test_the_list_object_and_its_default_page(stripe):
    page = stripe.get(CODES).json()
    assert list(page) == ["object", "url", "has_more", "data"]
    assert page["object"] == "list" and page["url"] == CODES and page["has_more"] is True
    assert len(page["data"]) == 10  # "the default is 10"
    assert all(code["object"] == "promotion_code" and code["id"].startswith("promo_") for code in page["data"])
    created = [code["created"] for code in page["data"]]
    assert created == sorted(created, reverse=True) and all(isinstance(t, int) for t in created)  # newest first


def test_starting_after_walks_every_code_once_and_has_more_ends_it(stripe):
    pages = walk(stripe, limit=7)
    seen = [i for page in pages for i in ids(page)]
    assert len(seen) == len(set(seen)) >= 60
    assert all(len(page["data"]) == 7 for page in pages[:-1]) and 1 <= len(pages[-1]["data"]) <= 7
    assert [p["has_more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert seen[:100] == ids(stripe.get(CODES, params={"limit": 100}).json())
    after_last = stripe.get(CODES, params={"starting_after": seen[-1]}).json()
    assert after_last["data"] == [] and after_last["has_more"] is False  # "the resulting array will be empty"


def test_ending_before_gives_the_previous_page(stripe):
    first, second, third = walk(stripe, limit=5)[:3]
    back = stripe.get(CODES, params={"limit": 5, "ending_before": third["data"][0]["id"]}).json()
    assert ids(back) == ids(second) and back["has_more"] is True
    start = stripe.get(CODES, params={"limit": 5, "ending_before": second["data"][0]["id"]}).json()
    assert ids(start) == ids(first) and start["has_more"] is False  # nothing before the first page


def test_cursors_follow_the_filtered_list(stripe):
    every = [code for page in walk(stripe, limit=100) for code in page["data"]]
    active = [code["id"] for page in walk(stripe, limit=4, active="true") for code in page["data"]]
    assert active == [code["id"] for code in every if code["active"]] and 0 < len(active) < len(every)


@pytest.mark.parametrize("query, param, words", [
    ({"starting_after": "promo_nope"}, "starting_after", "no item with id 'promo_nope'"),
    ({"starting_after": "a", "ending_before": "b"}, "ending_before", "only one of"),
    ({"limit": 101}, "limit", "100"),
    ({"created[gte]": "soon"}, "created[gte]", "integer"),
])
def test_bad_parameters_are_stripe_errors_naming_the_param(stripe, query, param, words):
    response = stripe.get(CODES, params=query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and words in error["message"]


def test_filters_code_ignores_case_and_created_ranges(stripe):
    one = stripe.get(CODES, params={"limit": 1}).json()["data"][0]
    found = stripe.get(CODES, params={"code": one["code"].lower()}).json()["data"]
    assert [c["id"] for c in found] == [one["id"]]
    since = stripe.get(CODES, params={"created[gte]": one["created"], "limit": 100}).json()["data"]
    assert since and all(c["created"] >= one["created"] for c in since) and since[-1]["id"] == one["id"]


def test_no_time_is_after_the_clock_and_redemptions_stay_under_their_maximum():
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    with TestClient(create_app(Settings(specs=[STRIPE], now=now)), headers=BASIC) as api:
        codes = [code for page in walk(api, limit=100) for code in page["data"]]
    assert all(c["created"] <= now.timestamp() and c["coupon"]["created"] <= now.timestamp() for c in codes)
    assert any(c["expires_at"] for c in codes) and all(c["expires_at"] is None or c["expires_at"] > now.timestamp() for c in codes)
    assert all(c["max_redemptions"] is None or c["times_redeemed"] <= c["max_redemptions"] for c in codes)


def test_basic_auth_takes_the_key_as_user_and_a_pinned_key_refuses_others():
    with TestClient(create_app(Settings(specs=[STRIPE], token=KEY))) as api:
        assert api.get(CODES, headers=BASIC).status_code == 200
        assert api.get(CODES, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        wrong = {"Authorization": "Basic " + base64.b64encode(b"sk_test_other:").decode()}
        refused = api.get(CODES, headers=wrong)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
        assert refused.json()["error"]["type"] == "invalid_request_error"
        assert api.get(CODES, headers={"Authorization": "Basic not-base64!"}).status_code == 401


def test_commercetools_with_total_false_leaves_the_total_out():
    with TestClient(create_app(Settings(specs=[COMMERCETOOLS])), headers={"Authorization": "Bearer t"}) as api:
        counted = api.get("/proj/discount-codes", params={"limit": 3}).json()
        uncounted = api.get("/proj/discount-codes", params={"limit": 3, "withTotal": "false"}).json()
    assert counted["total"] >= 30 and "total" not in uncounted
    assert uncounted["results"] == counted["results"] and uncounted["count"] == 3


def test_template_conversions_and_optional_keys():
    template = {"errors": [{"status": "$status|string", "detail?": "$problem.detail",
                            "source?": {"parameter": "$problem.parameter"}}]}
    with_problem = {"status": 422, "problems": [{"detail": "bad", "parameter": "limit"}]}
    without = {"status": 401, "problems": [{"detail": None, "parameter": None}]}
    assert fill(template, with_problem) == {"errors": [{"status": "422", "detail": "bad", "source": {"parameter": "limit"}}]}
    assert fill(template, without) == {"errors": [{"status": "401"}]}


@pytest.mark.parametrize("spec, fault, check", [
    (STRIPE, None, None),
    (COMMERCETOOLS, None, None),
    (STRIPE, "more-on-last-page", "paging.has-more"),
    (STRIPE, "offset-off-by-one", "paging.cursor"),
])
def test_contracts_pass_on_both_and_catch_cursor_bugs(spec, fault, check):
    with BackgroundServer(Settings(specs=[spec], misbehave=(fault,) if fault else ())) as server:
        result = run_contracts(RunOptions(base_url=server.url, specs=[spec], max_examples=3, coverage=False, seed=5),
                               progress=None)
    failed = {c.name for _, c in result.failed_checks}
    if fault is None:
        assert not failed and not result.warned_checks, (failed, result.warned_checks)
        if spec == STRIPE:
            checks = {c.name: c for op in result.operations for c in op.checks.values()}
            assert checks["paging.has-more"].assertions >= 5 and checks["paging.cursor"].status == "passed"
    else:
        assert check in failed, failed


def test_answers_to_urls_no_http_stack_accepts_are_not_graded():
    """Stripe documents 5000-character strings: three of them overflow what HTTP servers accept
    (uvicorn refuses ~64 KB in plain text, nginx 8 KB with a 414), so a refusal says nothing about
    the API. Positive data stays short; negative data over the bound is noted, not graded."""
    from types import SimpleNamespace

    from contracts.conformance import LONG_URL, long_url
    from contracts.declarations import POSITIVE_MAX_LENGTH, documented_view
    import yaml

    assert long_url(SimpleNamespace(query={"code": "a" * LONG_URL})) and not long_url(SimpleNamespace(query={"code": "a" * 500}))
    view = documented_view(yaml.safe_load(Path(STRIPE).read_text()), parameters=False)
    params = {p["name"]: p for p in view["paths"][CODES]["get"]["parameters"]}
    assert "starting_after" not in params and "ending_before" not in params  # no schema makes a valid cursor
    assert params["code"]["schema"]["maxLength"] == POSITIVE_MAX_LENGTH


SHOPIFY = str(Path(__file__).resolve().parent / "specs" / "shopify-discount-codes.yaml")
SHOPIFY_CODES = "/admin/api/2024-01/price_rules/507328175/discount_codes.json"


def rel(response, name: str) -> str | None:
    from contracts.semantic.target import link_rel

    return link_rel(response, name)


def test_page_info_tokens_in_the_link_header_walk_the_list_and_back():
    with TestClient(create_app(Settings(specs=[SHOPIFY])), headers={"X-Shopify-Access-Token": "t"}) as api:
        first = api.get(SHOPIFY_CODES, params={"limit": 6})
        assert rel(first, "previous") is None and "page_info=" in rel(first, "next")
        pages, response = [first], first
        while rel(response, "next"):
            response = api.get(rel(response, "next"))
            pages.append(response)
        seen = [code["id"] for page in pages for code in page.json()["discount_codes"]]
        assert len(seen) == len(set(seen)) >= 20 and seen == sorted(seen)
        assert "link" not in pages[-1].headers or rel(pages[-1], "next") is None
        back = api.get(rel(pages[2], "previous"))
        assert back.json() == pages[1].json()
        refused = api.get(SHOPIFY_CODES, params={"page_info": "not-a-token"})
        assert refused.status_code == 400 and "page token" in refused.json()["errors"]


def test_an_api_key_header_is_part_of_what_a_cached_answer_is_for():
    """Found by `contracts` on the Shopify spec: a 200 cached for one X-Shopify-Access-Token was
    served to a request without any."""
    with TestClient(create_app(Settings(specs=[SHOPIFY]))) as api:
        assert api.get(SHOPIFY_CODES, headers={"X-Shopify-Access-Token": "t"}).status_code == 200
        assert api.get(SHOPIFY_CODES).status_code == 401


@pytest.mark.parametrize("fault", [None, "offset-off-by-one"])
def test_contracts_walk_the_link_header(fault):
    with BackgroundServer(Settings(specs=[SHOPIFY], misbehave=(fault,) if fault else ())) as server:
        result = run_contracts(RunOptions(base_url=server.url, specs=[SHOPIFY], max_examples=2, coverage=False, seed=5),
                               progress=None)
    failed = {c.name for _, c in result.failed_checks}
    assert (not failed and not result.warned_checks) if fault is None else {"paging.cursor", "paging.has-more"} <= failed, failed


def test_routes_says_how_each_list_is_paged():
    from click.testing import CliRunner

    from mockserver.cli import main

    out = CliRunner().invoke(main, ["routes", "--spec", STRIPE, "--spec", SHOPIFY, "--spec", COMMERCETOOLS]).output
    assert "[x-mock collection, paged by cursor starting_after/ending_before]" in out
    assert "[x-mock collection, paged by `page_info` tokens in the Link header]" in out
    assert "[x-mock collection, paged by offset/limit]" in out

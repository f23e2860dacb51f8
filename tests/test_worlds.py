"""`mockserver.testing.worlds` (issue 12): generated worlds catch naive clients and shrink to a small pins file."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jsonschema_rs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import Settings
from mockserver import fixtures
from mockserver.dataset import World as Dataset
from mockserver.fixtures import load_file
from mockserver.dialects import dialect_for
from mockserver.spec import load_specs
from mockserver.testing import edge_fields, sizes_for, worlds
from mockserver.testing import _pristine

FAST = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FAST, max_examples=8)
EP = "elasticpath-promotions"


def get(api, url: str, retries: int = 3) -> dict:
    """A correct client's GET: retries 429/503 on the same URL after Retry-After."""
    for _ in range(retries):
        response = api.get(url)
        if response.status_code not in (429, 503):
            response.raise_for_status()
            return response.json()
        time.sleep(float(response.headers.get("Retry-After", "0")))
    response.raise_for_status()


def sync_codes(api, promotion: str) -> list[str]:
    """Follows Elastic Path's `links.next` until it is null."""
    codes, url = [], f"/v2/promotions/{promotion}/codes"
    while url:
        body = get(api, url)
        codes += [c["data"]["codes"][0]["code"] for c in body["data"]]
        url = body["links"]["next"]
    return codes


def naive_stops_on_a_short_page(api, promotion: str) -> list[str]:
    """Assumes every page but the last is 100 long (the maximum), so it stops after a default page of 25."""
    codes, offset = [], 0
    while True:
        page = api.get(f"/v2/promotions/{promotion}/codes", params={"page[offset]": offset}).json()["data"]
        codes += [c["data"]["codes"][0]["code"] for c in page]
        if len(page) < 100:
            return codes
        offset += len(page)


def naive_restarts_on_503(api, promotion: str) -> list[str]:
    """On a 503 it starts again from page one, keeping what it had: every earlier code twice."""
    codes, url = [], f"/v2/promotions/{promotion}/codes"
    while url:
        response = api.get(url)
        if response.status_code == 503:
            url = f"/v2/promotions/{promotion}/codes"
            continue
        body = response.json()
        codes += [c["data"]["codes"][0]["code"] for c in body["data"]]
        url = body["links"]["next"]
    return codes


def naive_ignores_retry_after(api, promotion: str) -> list[str]:
    for _ in range(3):
        response = api.get(f"/v2/promotions/{promotion}/codes")
        if response.status_code != 429:
            break
    response.raise_for_status()
    return [c["data"]["codes"][0]["code"] for c in response.json()["data"]]


SECOND_PAGE_503 = [{"operation": "getPromotionCodes", "params": {"page[offset]": 25}, "times": 1,
                    "respond": {"status": 503, "headers": {"Retry-After": "0"}}}]


def shrunk(test) -> tuple[dict, str]:
    """Run a Hypothesis test that must fail; the world it shrank to, as the pins file it printed."""
    with pytest.raises(AssertionError) as caught:
        test()
    (pins,) = [n for n in getattr(caught.value, "__notes__", []) if n.startswith("# replay:")]
    return yaml.safe_load(pins), pins + "\n"


# ------------------------------------------------------------------------- clients

@FAST
@given(world=worlds(EP))
def test_a_correct_client_passes(world):
    with world.client() as api:
        assert sync_codes(api, "P") == world.expected("getPromotionCodes", promotionID="P")


@FEW
@given(world=worlds(EP))
def test_a_correct_client_survives_a_503_mid_walk(world):
    with world.client(scripts=SECOND_PAGE_503) as api:
        assert sync_codes(api, "P") == world.expected("getPromotionCodes", promotionID="P")


def test_a_client_that_stops_on_a_short_page_is_caught_and_shrunk(tmp_path):
    @FAST
    @given(world=worlds(EP, children=2))
    def test(world):
        with world.client() as api:
            assert naive_stops_on_a_short_page(api, "P") == world.expected("getPromotionCodes", promotionID="P")

    document, pins = shrunk(test)
    assert pins.startswith("# replay: mockserver serve --spec elasticpath-promotions --seed 0 --fixtures world.yaml")
    (codes,) = [f for f in document["fixtures"] if f["operation"] == "getPromotionCodes"]
    assert len(codes["records"]) == 26  # limit + 1: the smallest world with a second page
    assert all(set(r["data"]["codes"][0]) == {"code"} for r in codes["records"])  # edge values shrunk away
    assert len(pins.splitlines()) < 40
    # the pins file replays: the same codes, in the same order
    (tmp_path / "world.yaml").write_text(pins)
    assert len(load_file(tmp_path / "world.yaml")) == len(document["fixtures"])
    with TestClient(create_app(Settings(specs=[EP], seed=0, fixtures=[str(tmp_path / "world.yaml")])),
                    headers={"Authorization": "Bearer t"}) as api:
        assert sync_codes(api, "P") == [r["data"]["codes"][0]["code"] for r in codes["records"]]


def test_a_client_that_restarts_on_503_is_caught_by_a_script():
    @FAST
    @given(world=worlds(EP, children=1))
    def test(world):
        with world.client(scripts=SECOND_PAGE_503) as api:
            assert naive_restarts_on_503(api, "P") == world.expected("getPromotionCodes", promotionID="P")

    document, _ = shrunk(test)
    (codes,) = [f for f in document["fixtures"] if f["operation"] == "getPromotionCodes"]
    assert len(codes["records"]) == 26


@pytest.mark.mock(specs=[EP], scripts=[{"operation": "getPromotionCodes", "respond": {"status": 429, "retry_after": 1}}])
def test_a_client_that_ignores_retry_after_is_caught_by_a_script(mock_api):
    with pytest.raises(httpx.HTTPStatusError, match="429"):
        naive_ignores_retry_after(mock_api, "P")
    started = time.monotonic()
    assert get(mock_api, "/v2/promotions/P/codes")["data"]  # waits out the second it was told to
    assert time.monotonic() - started >= 0.9


# ------------------------------------------------------------------------- the worlds

def test_sizes_are_around_the_default_page_size():
    ops = {op.operation_id: op for spec in load_specs() for op in spec.operations}
    assert sizes_for(ops["getPromotionCodes"])[:6] == [0, 1, 24, 25, 26, 50]
    assert sizes_for(ops["listPromotionUsageHistory"])[:5] == [0, 1, 9, 10, 11]
    assert sizes_for(ops["getDiscountCodeUsesReportData"])[:5] == [0, 1, 49, 50, 51]


@pytest.mark.parametrize("spec", ["elasticpath-promotions", "ops-promotions", "nuweb", "teamup"])
def test_edge_values_are_allowed_by_the_schema_and_nulls_only_where_allowed(spec):
    for recipe in _pristine(spec, 0).recipes.values():
        fields = edge_fields(recipe)
        assert recipe.identity not in fields and not set(recipe.ordered_by) & set(fields)
        for path, values in fields.items():
            schema = recipe.item_schema
            for part in path.split("."):
                schema = schema["items"] if part.isdigit() else schema["properties"][part]
            hint = schema.get("x-faker") or {}
            if None in values:
                assert "null" in (schema.get("type") or []) or hint.get("nulls") or hint.get("null_cycle"), path
            validator = jsonschema_rs.validator_for({k: v for k, v in schema.items() if k != "x-faker"})
            assert all(validator.is_valid(v) for v in values), path


def path_of(op, params: dict) -> str:
    path = op.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.mark.parametrize("spec", ["elasticpath-promotions", "ops-promotions", "nuweb", "teamup"])
def test_worlds_are_served_valid_with_honest_totals(spec):
    ops = {op.operation_id: op for s in load_specs([spec]) for op in s.operations}

    data = Dataset(load_specs([spec]))

    @settings(FAST, max_examples=20)
    @given(world=worlds(spec))
    def test(world):
        fixtures.apply(data, world.fixtures)  # every check a user's pins file gets: the replay works
        with world.client() as api:
            for fixture in world.fixtures:
                op = ops[fixture["operation"]]
                response = api.get(path_of(op, fixture["params"]), headers={"Accept": "application/json"})
                assert response.status_code == 200, response.text
                body = response.json()
                errors = [e.message for e in jsonschema_rs.validator_for(op.response_schema(200)).iter_errors(body)]
                assert not errors, errors[:3]
                expected = world.expected(fixture["operation"], **fixture["params"])
                assert dialect_for(op).total_of(body) == len(expected)
                if fixture["operation"] == "getPromotionCodeUsages":
                    check_remaining_uses(api, fixture, body)
                if "included" in body:  # JSON:API: exactly the currencies the page references
                    referenced = {(r["relationships"]["currencies"]["type"], r["relationships"]["currencies"]["id"])
                                  for r in body["data"] if "currencies" in r.get("relationships", {})}
                    assert {(i["type"], i["id"]) for i in body["included"]} == referenced

    test()


def check_remaining_uses(api, fixture: dict, usages: dict) -> None:
    params = fixture["params"]
    codes = api.get(f"/v2/promotions/{params['id']}/codes", params={"page[limit]": 100}).json()["data"]
    code = next(c["data"]["codes"][0] for c in codes if c["data"]["codes"][0]["code"] == params["code-name"])
    if "max_uses" in code:
        listed = api.get(f"/v2/promotions/{params['id']}/codes/{params['code-name']}/usages",
                         params={"page[limit]": 100}).json()["data"]
        assert code["max_uses"] - code["uses"] == sum(u["times_used"] for u in listed)


def test_a_world_on_a_port():
    @settings(FAST, max_examples=2)
    @given(world=worlds("ops-promotions"))
    def test(world):
        with world.client(port=True) as api:
            assert isinstance(api, httpx.Client) and api.base_url.host == "127.0.0.1"
            path = "/api/v1/ops/promotions/00000000-0000-4000-8000-000000000001/usage-history"
            total = api.get(path).json()["meta"]["total"]
            assert total == len(world.expected("listPromotionUsageHistory",
                                               promotionalId="00000000-0000-4000-8000-000000000001"))

    test()


def test_a_user_spec_file(tmp_path):
    spec = tmp_path / "my-api.yaml"
    spec.write_text((Path(__file__).parent.parent / "specs" / "ops-promotions.yaml").read_text())

    @settings(FAST, max_examples=3)
    @given(world=worlds(str(spec), params={"promotionalId": "0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a"}))
    def test(world):
        assert world.pins().startswith(f"# replay: mockserver serve --spec {spec} --seed 0")
        with world.client() as api:
            body = api.get("/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history").json()
            assert body["meta"]["total"] == len(world.expected("listPromotionUsageHistory",
                                                              promotionalId="0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a"))

    test()


OPS_ID = "00000000-0000-4000-8000-000000000001"
NEW_AT_THE_HEAD = [{"operation": "listPromotionUsageHistory", "after": 1, "insert": {"at": 0, "records": [{}]}}]


def usage_ids(api, dedupe: bool) -> list[str]:
    """Offset paging (ops' page/limit) while a usage appears at the head: page two repeats page one's last."""
    ids, page = [], 1
    while True:
        body = api.get(f"/api/v1/ops/promotions/{OPS_ID}/usage-history", params={"page": page}).json()
        ids += [u["promotionalUsageHistoryId"] for u in body["data"]]
        if page >= body["meta"]["totalPages"]:
            return list(dict.fromkeys(ids)) if dedupe else ids
        page += 1


def test_a_record_appearing_mid_walk_catches_a_client_that_does_not_dedupe():
    def check(dedupe: bool):
        @FAST
        @given(world=worlds("ops-promotions", children=0))
        def test(world):
            with world.client(scripts=NEW_AT_THE_HEAD) as api:
                # the world as drawn: the new usage came after the walk passed the head
                assert usage_ids(api, dedupe) == world.expected("listPromotionUsageHistory", promotionalId=OPS_ID)
        return test

    check(dedupe=True)()
    document, _ = shrunk(check(dedupe=False))
    assert [len(f["records"]) for f in document["fixtures"]] == [11]  # limit + 1: two pages

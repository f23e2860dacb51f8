"""Data that agrees with itself and with the mock's clock (issue 13, item 5).

- no generated time lies after "now", except fields whose hint says `future: true` (NuWeb's
  `validTo`, the end of a validity period);
- a code is created before its first usage, pinned codes included (the README's `10OFF`);
- a promotion's code usages exist only for the codes the promotion lists (any other code: an empty
  list), and every listed code's `uses` is `max_uses` minus the `times_used` of its usages.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.times import parse_time_ms

from .conftest import AUTH, EXAMPLE_PATHS, SPECS

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
CLOCK_MS = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)  # the default clock
PINS = {"fixtures": [
    {"operation": "getPromotionCodes", "params": {"promotionID": "P"},
     "records": [{"data": {"codes": [{"code": "10OFF", "max_uses": 10}]}}]},
    {"operation": "getPromotionCodeUsages", "params": {"id": "P", "code-name": "10OFF"}, "replace": True,
     "records": [{"used_on": "2025-01-05T10:00:00.000Z"}, {"used_on": "2025-02-10T10:00:00.000Z", "times_used": 2},
                 {"used_on": "2025-03-01T10:00:00.000Z"}]},
]}


def future_fields() -> set[str]:
    """Property names whose `x-faker` hint allows times after now."""
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and isinstance(sub.get("x-faker"), dict) and sub["x-faker"].get("future"):
                    names.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for spec in SPECS:
        walk(spec.raw)
    return names


def times_in(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from times_in(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from times_in(value, path)
    elif isinstance(node, str) and len(node) >= 19 and node[:4].isdigit() and node[4] == "-":
        ms = parse_time_ms(node)
        if ms is not None:
            yield path, ms


@pytest.fixture(scope="module")
def at_now():
    with TestClient(create_app(seed=3, now=NOW), headers=AUTH) as client:
        yield client


def test_validity_ends_are_the_only_future_fields():
    assert future_fields() == {"validTo", "validUntil"}


@pytest.mark.parametrize("name", sorted(set(EXAMPLE_PATHS) - {"listPromotionCodes"}))  # Unix times: test_cursor_paging
@pytest.mark.parametrize("scenario", ["", "edge"])
def test_no_time_is_after_the_clock(at_now, name, scenario):
    path = EXAMPLE_PATHS[name]
    if name == "getPromotionCodeUsages":
        codes = at_now.get("/v2/promotions/promo-1/codes").json()["data"]
        path = f"/v2/promotions/promo-1/codes/{codes[0]['data']['codes'][0]['code']}/usages"
    limit = {"getDiscountCodeUsesReportData": "limit", "getPromotionCodes": "page[limit]",
             "getPromotionCodeUsages": "page[limit]"}.get(name, "limit")
    now_ms = int(NOW.timestamp() * 1000)
    allowed = future_fields()
    seen = 0
    for offset_page in range(1, 4):
        params = {limit: 100, **({"format": "json"} if "reports" in path else {}),
                  **({"page[offset]": (offset_page - 1) * 100} if "page[limit]" == limit else {"page": offset_page})}
        headers = {"Prefer": f"scenario={scenario}"} if scenario else {}
        body = at_now.get(path, params=params, headers=headers).json()
        late = [(field, ms) for field, ms in times_in(body) if field not in allowed and ms > now_ms]
        assert not late, late[:3]
        seen += sum(1 for _ in times_in(body))
    assert seen > 50


def test_generated_codes_are_created_before_their_first_usage(client):
    for promotion in ("promo-1", "promo-2", "promo-7"):
        codes = client.get(f"/v2/promotions/{promotion}/codes", params={"page[limit]": 100}).json()["data"]
        for envelope in codes:
            code = envelope["data"]["codes"][0]
            usages = client.get(f"/v2/promotions/{promotion}/codes/{code['code']}/usages",
                                params={"page[limit]": 1}).json()["data"]
            if usages:
                assert code["meta"]["timestamps"]["created_at"] < usages[0]["used_on"], code


def test_readme_pinned_code_is_created_before_its_usages_and_counts_them():
    app = create_app()
    with TestClient(app, headers=AUTH) as client:
        assert client.post("/__mock/fixtures", json=PINS).status_code == 201
        codes = client.get("/v2/promotions/P/codes", params={"page[limit]": 100}).json()["data"]
        code = next(c["data"]["codes"][0] for c in codes if c["data"]["codes"][0]["code"] == "10OFF")
        usages = client.get("/v2/promotions/P/codes/10OFF/usages").json()["data"]
    assert [u["used_on"] for u in usages][0] == "2025-01-05T10:00:00.000Z"
    assert code["meta"]["timestamps"]["created_at"] < "2025-01-05T10:00:00.000Z"
    assert code["max_uses"] == 10 and code["uses"] == 10 - 4 == code["max_uses"] - sum(u["times_used"] for u in usages)


def test_usages_exist_only_for_codes_the_promotion_lists(client):
    listed = {c["data"]["codes"][0]["code"]: c["data"]["codes"][0]
              for c in client.get("/v2/promotions/promo-3/codes", params={"page[limit]": 100}).json()["data"]}
    assert "MADEUP123" not in listed
    made_up = client.get("/v2/promotions/promo-3/codes/MADEUP123/usages")
    assert made_up.status_code == 200
    assert made_up.json()["data"] == [] and made_up.json()["meta"]["results"]["total"] == 0
    with_usages = 0
    for name, code in listed.items():
        usages, offset = [], 0
        while True:
            body = client.get(f"/v2/promotions/promo-3/codes/{name}/usages",
                              params={"page[limit]": 100, "page[offset]": offset}).json()
            usages += body["data"]
            offset += 100
            if offset >= body["meta"]["results"]["total"]:
                break
        with_usages += bool(usages)
        late = [(f, ms) for f, ms in times_in(usages) if ms > CLOCK_MS]  # updated_at is "after used_on", not after now
        assert not late, (name, late[:3])
        used = sum(u["times_used"] for u in usages)
        if "max_uses" in code:
            assert code["uses"] == code["max_uses"] - used >= 0, name
    assert with_usages >= len(listed) // 2

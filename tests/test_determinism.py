"""Same seed, same data: across app instances, processes and hash seeds; different inputs differ."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

from starlette.testclient import TestClient

from mockserver import create_app

from .conftest import AUTH, EXAMPLE_PATHS

REQUESTS = [
    EXAMPLE_PATHS["getDiscountCodeUsesReportData"] + "?format=json&limit=100&offset=40&sort=customer.name",
    EXAMPLE_PATHS["getDiscountCodeUsesReportData"] + "?limit=30",  # CSV
    EXAMPLE_PATHS["getPromotionCodes"] + "?page[limit]=100",
    EXAMPLE_PATHS["getPromotionCodeUsages"] + "?page[limit]=50&sort=-used_on&filter=gt(used_on,2025-01-01)",
    EXAMPLE_PATHS["listPromotionUsageHistory"] + "?limit=100&page=2&sortBy=createdAt",
    EXAMPLE_PATHS["listDiscountCodes"] + "?limit=40&page=3&withTrashed=true",
]

FINGERPRINT = textwrap.dedent("""
    import hashlib, sys, warnings
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from mockserver import create_app
    client = TestClient(create_app(seed=int(sys.argv[1])), headers={"Authorization": "Bearer t"})
    digest = hashlib.sha256()
    for path in sys.argv[2:]:
        digest.update(client.get(path).content)
    print(digest.hexdigest())
""")


def fingerprint(seed: int, requests=REQUESTS) -> str:
    with TestClient(create_app(seed=seed), headers=AUTH) as client:
        digest = hashlib.sha256()
        for path in requests:
            response = client.get(path)
            assert response.status_code == 200, response.text
            digest.update(response.content)
        return digest.hexdigest()


def test_two_app_instances_serve_identical_bodies():
    assert fingerprint(11) == fingerprint(11)


def test_another_process_with_another_hash_seed_serves_identical_bodies():
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", FINGERPRINT, "11", *REQUESTS], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == fingerprint(11)


def test_a_different_seed_gives_different_data():
    assert fingerprint(11) != fingerprint(12)


def test_request_order_does_not_change_data():
    """Items are pure functions of (seed, collection, index): cache state must not leak into data."""
    with TestClient(create_app(seed=4), headers=AUTH) as warm, TestClient(create_app(seed=4), headers=AUTH) as cold:
        for path in REQUESTS:  # warm up every cache in one app
            warm.get(path)
        for path in reversed(REQUESTS):
            assert warm.get(path).content == cold.get(path).content


def test_different_promotions_have_different_collections(client):
    a = client.get("/v2/promotions/promo-a/codes?page[limit]=100").json()
    b = client.get("/v2/promotions/promo-b/codes?page[limit]=100").json()
    assert a["data"] != b["data"]
    uuid_a = client.get("/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history").json()
    uuid_b = client.get("/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3b/usage-history").json()
    assert uuid_a["data"] != uuid_b["data"] or uuid_a["meta"] != uuid_b["meta"]


def test_collection_sizes_vary_and_some_are_empty(client):
    totals = [client.get(f"/v2/promotions/p{i}/codes").json()["meta"]["results"]["total"] for i in range(60)]
    assert 0 in totals, "no promotion without codes among 60"
    assert len(set(totals)) > 20, "collection sizes barely vary"
    assert max(totals) > 25, "no collection needs a second page at the default page size"


def test_data_looks_real(client):
    body = client.get(EXAMPLE_PATHS["getPromotionCodeUsages"] + "?page[limit]=100").json()
    emails = {u["customer_email"] for u in body["data"] if u["customer_email"]}
    assert all("@" in e and " " not in e for e in emails) and len(emails) > 5
    codes = [c["data"]["codes"][0]["code"] for c in client.get("/v2/promotions/promo-1/codes?page[limit]=100").json()["data"]]
    assert any(code[-2:].isdigit() and code[:-2].isalpha() for code in codes), codes[:5]  # SUMMER25-style
    json.dumps(body)  # plain JSON

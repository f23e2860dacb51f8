"""Sorts and filters over collections too large to generate per request (mockserver/sortindex.py):
a fast 503 in the vendor's envelope with Retry-After while an index is built off the event loop,
then the very pages the materializing pipeline gives. INLINE_MAX is lowered so that a few hundred
items take the index path (the test stays fast; bench/scaling.py runs it at a million)."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from mockserver import create_app, sortindex

AUTH = {"Authorization": "Bearer t"}
OPS = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
QUERIES = [
    f"{OPS}?limit=25&page=3&sortBy=createdAt&sortOrder=asc",
    f"{OPS}?limit=25&page=2&status=REVERSED&sortBy=createdAt&sortOrder=desc&fields=appliedAt",
    "/api/v2/reports/discount_code_uses/data?format=json&limit=25&offset=50&sort=customer.name",
    "/api/v2/reports/discount_code_uses/data?format=json&limit=25&offset=10&customers=1,2",
]
SPECS = ["ops-promotions", "teamup"]


def _until_ready(client: TestClient, path: str) -> tuple:
    first = client.get(path)
    deadline = time.monotonic() + 30
    response = first
    while response.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.05)
        response = client.get(path)
    return first, response


@pytest.fixture(scope="module")
def expected():
    with TestClient(create_app(size=400, specs=SPECS), headers=AUTH) as client:
        return {path: client.get(path) for path in QUERIES}


def test_large_sorts_answer_503_then_the_same_pages(monkeypatch, expected):
    monkeypatch.setattr(sortindex, "INLINE_MAX", 100)
    with TestClient(create_app(size=400, specs=SPECS), headers=AUTH) as client:
        for path in QUERIES:
            first, ready = _until_ready(client, path)
            assert first.status_code == 503, first.text
            assert int(first.headers["Retry-After"]) >= 1
            assert "being built" in first.text and "400 items" in first.text
            assert ready.status_code == 200, ready.text
            assert ready.content == expected[path].content


def test_the_503_is_in_the_vendor_envelope(monkeypatch):
    monkeypatch.setattr(sortindex, "INLINE_MAX", 100)
    with TestClient(create_app(size=400, specs=SPECS), headers=AUTH) as client:
        body = client.get(QUERIES[0]).json()
        assert body["statusCode"] == 503 and body["error"] == "Service Unavailable" and body["message"]


def test_indexes_are_bounded_and_cleared_with_pins(monkeypatch):
    monkeypatch.setattr(sortindex, "INLINE_MAX", 100)
    app = create_app(size=400, specs=SPECS)
    indexes = app.state.world.sort_indexes
    indexes.budget = 500  # positions: room for one 400-item index, not two
    with TestClient(app, headers=AUTH) as client:
        _until_ready(client, QUERIES[0])
        _until_ready(client, QUERIES[2])
        assert indexes.held <= 500 and len(indexes.ready) == 1
        app.state.world.clear_caches()
        assert not indexes.ready and indexes.held == 0

"""Shared test fixtures: the app in-process, a client with a valid token, and spec helpers."""

from __future__ import annotations


import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.spec import bundled_spec_paths, load_specs


TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SPECS = load_specs()
OPERATIONS = [op for spec in SPECS for op in spec.operations]

# Paths with concrete path parameters, for tests that need a non-empty collection.
EXAMPLE_PATHS = {
    "getDiscountCodeUsesReportData": "/api/v2/reports/discount_code_uses/data",
    "getPromotionCodes": "/v2/promotions/promo-1/codes",
    "getPromotionCodeUsages": "/v2/promotions/promo-1/codes/SUMMER25/usages",
    "listPromotionUsageHistory": "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history",
    "listDiscountCodes": "/v1/discount-codes",
    "queryDiscountCodes": "/my-project/discount-codes",
    "listPromotionCodes": "/v1/promotion_codes",
}


@pytest.fixture(scope="session")
def app():
    return create_app(seed=7)


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app, headers=AUTH) as c:
        yield c


@pytest.fixture(scope="session")
def anonymous(app):
    """A client that sends no credentials (each test adds the Authorization header it wants)."""
    with TestClient(app) as c:
        yield c


def operation(operation_id: str):
    return next(op for op in OPERATIONS if op.operation_id == operation_id)


__all__ = ["AUTH", "EXAMPLE_PATHS", "OPERATIONS", "SPECS", "TOKEN", "bundled_spec_paths", "operation"]

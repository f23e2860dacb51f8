"""Overlapping paths resolve the same way everywhere a request is matched to an operation: the
proxy's checks and the readings middleware use the app's order (a static segment before a
parameter), whatever the spec order."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.proxy_conformance import documented_views
from mockserver.proxy_route import build_routes, find
from mockserver.readings import Readings
from mockserver.spec import load_specs

ROOT = Path(__file__).resolve().parent.parent
CT = next(str(p) for p in (ROOT / "specs/commercetools-discount-codes.yaml", ROOT / "tests/specs/commercetools-discount-codes.yaml")
          if p.exists())


@pytest.mark.parametrize("order", [[CT, "nuweb"], ["nuweb", CT]], ids=["commercetools-first", "nuweb-first"])
def test_the_proxy_checks_a_request_against_the_most_literal_path(order):
    specs = load_specs(order)
    routes = build_routes(specs, documented_views(specs))
    nuweb, _, checked = find(routes, "GET", "/v1/discount-codes")
    assert nuweb is not None and nuweb.name == "nuweb:listDiscountCodes" and not checked.problems
    commercetools, params, _ = find(routes, "GET", "/myproj/discount-codes")
    assert commercetools.name.endswith(":queryDiscountCodes") and params == {"projectKey": "myproj"}


@pytest.mark.parametrize("order", [[CT, "nuweb"], ["nuweb", CT]], ids=["commercetools-first", "nuweb-first"])
def test_readings_apply_to_the_operation_the_app_routes_to(order):
    middleware = Readings(None, readings=(), specs=load_specs(order))
    assert middleware.route("/v1/discount-codes").op.operation_id == "listDiscountCodes"
    assert middleware.route("/myproj/discount-codes").op.operation_id == "queryDiscountCodes"

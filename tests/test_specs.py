"""Every bundled spec is valid OpenAPI and documents every status the mock can answer with."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from mockserver.dialects import dialect_for
from mockserver.spec import bundled_spec_paths

from .conftest import OPERATIONS


@pytest.mark.parametrize("path", bundled_spec_paths(), ids=lambda p: p.stem)
def test_spec_is_valid_openapi(path):
    validate(yaml.safe_load(path.read_text()))


def test_all_five_documented_endpoints_are_specified():
    served = {(op.method, op.path) for op in OPERATIONS}
    assert served == {
        ("get", "/api/v2/reports/discount_code_uses/data"),
        ("get", "/v2/promotions/{promotionID}/codes"),
        ("get", "/v2/promotions/{id}/codes/{code-name}/usages"),
        ("get", "/api/v1/ops/promotions/{promotionalId}/usage-history"),
        ("get", "/v1/discount-codes"),
        ("get", "/{projectKey}/discount-codes"),  # the two vendors added as spec files only (issue 9)
        ("get", "/v1/promotion_codes"),
    }


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_status_the_mock_returns_is_documented(op):
    dialect = dialect_for(op)
    documented = set(op.responses)
    assert {"200", "401", str(dialect.validation_status)} <= documented
    for status in documented - {"200"}:
        assert op.response_schema(status), f"{status} has no JSON schema for its error envelope"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_list_parameters_have_documented_bounds(op):
    limit = dialect_for(op).limit_bounds
    assert limit[0] <= limit[1] <= 500  # commercetools documents 500; the others 100

"""A new vendor is a spec: `specs/commercetools-discount-codes.yaml` declares commercetools'
page envelope, error envelope and `field dir` sort syntax as data (`dialect: template`), with no
Python of its own; the mock serves it and `contracts` checks it from the same declarations."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from contracts.runner import RunOptions, run_contracts
from mockserver.app import Settings, create_app
from mockserver.dialects.template import fill
from mockserver.pytest_plugin import BackgroundServer

SPEC = str(Path(__file__).resolve().parent.parent / "specs" / "commercetools-discount-codes.yaml")
URL = "/my-project/discount-codes"
AUTH = {"Authorization": "Bearer t"}


def test_placeholders_fill_values_and_repeat_a_problem_template():
    values = {"status": 400, "message": "a; b", "problems": [{"message": "a"}, {"message": "b"}]}
    template = {"statusCode": "$status", "errors": [{"code": "InvalidInput", "message": "$problem.message"}], "x": "$$"}
    assert fill(template, values) == {"statusCode": 400, "x": "$$",
                                      "errors": [{"code": "InvalidInput", "message": "a"},
                                                 {"code": "InvalidInput", "message": "b"}]}


def test_the_declared_envelopes_are_served():
    with TestClient(create_app(Settings(specs=[SPEC]))) as api:
        page = api.get(URL, params={"limit": 7, "offset": 7, "sort": "createdAt desc"}, headers=AUTH).json()
        assert set(page) == {"limit", "offset", "count", "total", "results"}
        assert page["limit"] == page["offset"] == 7 and page["count"] == len(page["results"]) == 7
        created = [r["createdAt"] for r in page["results"]]
        assert created == sorted(created, reverse=True)
        error = api.get(URL, params={"limit": "abc"}, headers=AUTH)
        assert error.status_code == 400
        assert error.json() == {"statusCode": 400, "message": "'limit' must be an integer, got 'abc'",
                                "errors": [{"code": "InvalidInput", "message": "'limit' must be an integer, got 'abc'"}]}


@pytest.mark.parametrize("fault, check", [(None, None), ("wrong-total", "paging.walk"), ("ignore-sort", "sort.options")])
def test_contracts_check_it_from_the_same_declarations(fault, check):
    with BackgroundServer(Settings(specs=[SPEC], misbehave=(fault,) if fault else ())) as server:
        result = run_contracts(RunOptions(base_url=server.url, specs=[SPEC], max_examples=3, coverage=False, seed=3),
                               progress=None)
    failed = {c.name for _, c in result.failed_checks}
    if fault is None:
        checks = {c.name: c for op in result.operations for c in op.checks.values()}
        assert not failed and not result.warned_checks
        assert checks["sort.options"].assertions >= 4 and checks["paging.walk"].status == "passed"
        assert checks["errors.invalid"].status == "passed"  # the declared error envelope is the one served
    else:
        assert check in failed, failed


def test_link_placeholders_lead_to_the_neighbouring_windows(tmp_path):
    import yaml

    raw = yaml.safe_load(Path(SPEC).read_text())
    mock = raw["paths"]["/{projectKey}/discount-codes"]["get"]["x-mock"]
    mock["envelope"] = {**mock["envelope"], "next": "$links.next", "prev": "$links.prev"}
    spec = tmp_path / "with-links.yaml"
    spec.write_text(yaml.safe_dump(raw, sort_keys=False))
    with TestClient(create_app(Settings(specs=[str(spec)]))) as api:
        first = api.get(URL, params={"limit": 5}, headers=AUTH).json()
        assert first["prev"] is None and "offset=5" in first["next"] and "limit=5" in first["next"]
        second = api.get(first["next"], headers=AUTH).json()
        assert second["offset"] == 5 and "offset=0" in second["prev"]

"""Sort syntax is data (`x-mock.sort.syntax`): `name` / `-name`, or `name asc` / `name desc` as
commercetools writes it; `separator` takes several keys in one value. The mock serves it and
`contracts` sends it, from the same declaration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app

OPS = Path(__file__).resolve().parent.parent / "specs" / "ops-promotions.yaml"
PATH = "/api/v1/ops/promotions/{promotionalId}/usage-history"
URL = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture(scope="module")
def words_spec(tmp_path_factory) -> Path:
    """The ops spec, re-declared with one `sort` parameter in commercetools' `field dir` syntax."""
    raw = yaml.safe_load(OPS.read_text())
    op = raw["paths"][PATH]["get"]
    op["parameters"] = [p for p in op["parameters"] if p["name"] not in ("sortBy", "sortOrder")]
    op["parameters"].append({"name": "sort", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
                             "style": "form", "explode": True})
    op["x-mock"]["sort"] = {"param": "sort", "syntax": "words", "separator": ",", "default": ["-appliedAt"],
                            "fields": {"appliedAt": "appliedAt", "createdAt": "createdAt"},
                            "tie_breaker": "promotionalUsageHistoryId"}
    op["x-contract"]["documented"].pop("sort.default")
    op["x-contract"]["documented"]["sort"] = "sort=createdAt desc (commercetools' syntax, re-declared for this test)"
    path = tmp_path_factory.mktemp("words") / "ops-words.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_field_direction_words_sort_both_ways_and_a_wrong_word_is_a_400(words_spec):
    with TestClient(create_app(Settings(specs=[str(words_spec)]))) as api:
        up = [i["appliedAt"] for i in api.get(URL, params={"sort": "appliedAt asc", "limit": 50}, headers=AUTH).json()["data"]]
        down = [i["appliedAt"] for i in api.get(URL, params={"sort": "appliedAt desc", "limit": 50}, headers=AUTH).json()["data"]]
        assert up == sorted(up) and down == sorted(down, reverse=True) and up != down
        two = api.get(URL, params={"sort": "createdAt asc,appliedAt desc", "limit": 50}, headers=AUTH)
        assert two.status_code == 200
        created = [i["createdAt"] for i in two.json()["data"]]
        assert created == sorted(created)
        wrong = api.get(URL, params={"sort": "appliedAt sideways"}, headers=AUTH)
        assert wrong.status_code == 400 and "expected `field asc` or `field desc`" in wrong.text


def test_contracts_send_the_declared_syntax(words_spec):
    from contracts.runner import RunOptions, run_contracts
    from mockserver.pytest_plugin import BackgroundServer

    with BackgroundServer(Settings(specs=[str(words_spec)])) as server:
        result = run_contracts(RunOptions(base_url=server.url, specs=[str(words_spec)], max_examples=2,
                                          coverage=False, seed=3), progress=None)
    checks = {c.name: c for op in result.operations for c in op.checks.values()}
    assert checks["sort.options"].status == "passed" and checks["sort.options"].assertions >= 4
    assert checks["sort.default"].status == "passed"
    assert not result.failed_checks, [(c.name, [f.claim for f in c.findings]) for _, c in result.failed_checks]

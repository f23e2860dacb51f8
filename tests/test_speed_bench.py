"""The issue 10 harness (bench/speed.py) without load: its new-collection paths are new, listed
and answered; its wrk script is well-formed. The measuring itself lives in bench/, not here."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bench import speed
from bench.cases import MILLION
from mockserver import create_app


@pytest.fixture(scope="module")
def bench_client():
    """Seed 0, as the bench serves."""
    with TestClient(create_app(seed=0), headers={"Authorization": "Bearer t"}) as client:
        yield client


def test_new_collection_paths_are_distinct_and_listed(bench_client):
    client = bench_client
    paths = speed.new_collection_paths(30, 0, ("usages", "codes", "ops"))
    assert len(set(paths)) == 30
    first = speed.Paths(per_run=5)
    assert set(first.take()).isdisjoint(first.take())
    usages = [p for p in paths if "/usages" in p]
    totals = []
    for path in usages:
        promo, code = path.split("/")[3], path.split("/")[5]
        listed = [c["data"]["codes"][0]["code"] for c in client.get(f"/v2/promotions/{promo}/codes?page[limit]=100").json()["data"]]
        assert code in listed or not listed
        totals.append(client.get(path).json()["meta"]["results"]["total"])
    assert any(totals)
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_every_million_shape_is_a_documented_query(bench_client):
    client = bench_client
    for case, _ in MILLION:
        assert client.get(case.path).status_code == 200, case.path


def test_the_wrk_script_reads_its_paths_file():
    script = speed._LUA_FILE % {"file": "/tmp/paths", "header": "Authorization", "value": "Bearer x", "threads": 2}
    assert "io.lines(file)" in script and "%(" not in script and '"Bearer x"' in script

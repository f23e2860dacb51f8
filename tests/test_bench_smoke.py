"""Smoke test of the benchmark harness itself, not of the mock's speed (`make bench` does that).

About a second of load from the bundled client against a real `mockserver serve`, the wrk output
parser on a known line, and ~200 requests from the fuzz generator through the envelope checker.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.cases import CASES
from bench.envelope import EnvelopeChecker
from bench.fuzz import raw_outcomes
from bench.garbage import generate, send_all
from bench.load import parse_wrk, run_httpx
from bench.servers import HOST, mock_server

RECORD_FIELDS = {"tool", "connections", "seconds", "requests", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms",
                 "mean_ms", "status_2xx", "status_4xx", "status_5xx", "errors"}


@pytest.fixture(scope="module")
def mock():
    with mock_server() as server:
        yield server


def test_server_start_is_timed_and_measured(mock):
    assert 0 < mock.startup_seconds < 30
    assert mock.rss_kb() > 10_000  # a Python process with the app loaded: tens of MB


def test_bundled_client_measures_a_live_mock(mock):
    result = run_httpx(mock.base_url, [CASES[0].path, CASES[6].path], connections=4, seconds=1.0)
    record = result.to_dict()
    assert RECORD_FIELDS <= set(record)
    assert result.requests > 0 and result.rps > 0
    assert result.status_2xx == result.requests and result.error_count == 0
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms


def test_wrk_result_line_is_parsed():
    line = ('WRKJSON {"requests":1000,"duration_us":2000000,"connect":0,"read":1,"write":0,"timeout":2,'
            '"mean_us":900.5,"max_us":9000,"p50_us":800,"p90_us":1500,"p99_us":4000,"c2":990,"c4":7,"c5":3}')
    result = parse_wrk(f"Running 2s test\n{line}\n", connections=16)
    assert (result.rps, result.p50_ms, result.p99_ms, result.status_5xx, result.error_count) == (500.0, 0.8, 4.0, 3, 3)


def test_envelope_checker_tells_envelopes_apart():
    checker = EnvelopeChecker()
    nuweb = "/v1/discount-codes?limit=0"
    good = b'{"errors":[{"status":"422","title":"Unprocessable Entity","detail":"x"}]}'
    bad = b'{"errors":[{"status":422,"title":"Unprocessable Entity"}]}'
    assert checker.check(nuweb, 422, "application/json", good).kind == "ok"
    assert checker.check(nuweb, 422, "application/json", bad).kind == "non-envelope"
    assert checker.check(nuweb, 422, "text/plain", b"oops").kind == "non-json"
    assert checker.check(nuweb, 500, "application/json", good).failed
    assert checker.check("/nowhere", 404, "application/json", b'{"detail":"x"}').kind == "unrouted"


def test_fuzz_generator_sends_200_requests_and_judges_every_answer(mock):
    requests = [generate(i, seed=0) for i in range(200)]
    assert generate(7, seed=0).data == requests[7].data  # replayable by index
    assert len({r.data for r in requests}) > 150
    assert {r.category for r in requests} >= {"percent", "huge", "repeated", "path", "header", "method", "value"}
    results = asyncio.run(send_all(HOST, mock.port, requests, concurrency=8, timeout=5.0))
    outcomes = raw_outcomes(results, EnvelopeChecker(), seed=0)
    assert len(outcomes) == 200
    assert sum(o.status is not None for o in outcomes) >= 190  # the sender reads real answers
    assert all(o.reproduce for o in outcomes)


def test_the_item_benchmark_measures_every_recipe():
    """`python -m bench.items` (README: Benchmarks), on a few items: a figure per collection recipe."""
    import subprocess
    import sys

    from mockserver import create_app

    out = subprocess.run([sys.executable, "-m", "bench.items", "--items", "30", "--rounds", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines()[1:] if line.strip()}
    assert set(rows) == set(create_app(seed=0).state.world.recipes)
    assert all(0 < us < 10_000 for us in rows.values()), rows


def test_the_floor_app_answers_the_shape_of_the_page_it_stands_in_for():
    """bench/floor_app.py is only a floor for the mock's new-collection and pipeline rows if it
    answers the same page: the same envelope and item keys, as many items, links naming the Host,
    and (like the mock) the same bytes for the same path and a new page per collection."""
    import orjson

    from bench.floor_app import FloorApp
    from bench.profile import call, scope_for
    from bench.speed import floor_paths, new_collection_paths
    from mockserver import create_app

    mock_path = next(p for p in new_collection_paths(20, 5_000) if "/usages" in p)
    captured = {}

    async def fetch(app, path, host):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope_for(path, host), receive, send)
        return sent[0]["status"], orjson.loads(sent[1]["body"]), sent[1]["body"]

    async def both():
        captured["mock"] = await fetch(create_app(seed=0), mock_path, "a.test")
        floor = FloorApp()
        captured["floor"] = await fetch(floor, floor_paths([mock_path])[0], "a.test")
        captured["again"] = await fetch(floor, floor_paths([mock_path])[0], "a.test")
        captured["other"] = await fetch(floor, floor_paths([mock_path.replace("speed-", "speed-9")])[0], "b.test")

    asyncio.run(both())
    (mock_status, mock_page, _), (floor_status, floor_page, floor_bytes) = captured["mock"], captured["floor"]
    assert mock_status == floor_status == 200
    assert floor_page.keys() == mock_page.keys() and floor_page["links"].keys() == mock_page["links"].keys()
    assert floor_page["meta"]["page"].keys() == mock_page["meta"]["page"].keys()
    assert len(floor_page["data"]) == min(25, floor_page["meta"]["results"]["total"]) > 0
    item, mock_item = floor_page["data"][0], mock_page["data"][0]
    assert item.keys() == mock_item.keys() and item["meta"].keys() == mock_item["meta"].keys()
    assert floor_page["links"]["first"].startswith("http://a.test/floor/new/")
    assert captured["again"][2] == floor_bytes
    assert captured["other"][1]["data"][0]["id"] != item["id"] and "b.test" in captured["other"][1]["links"]["first"]

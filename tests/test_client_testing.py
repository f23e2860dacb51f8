"""What a developer testing their own client gets: fixtures, Prefer, faults, pins, journal, verify.

These tests use the package's pytest plugin exactly as a user would (`mock_api`, `mock_server`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import httpx
import jsonschema_rs
import pytest
from click.testing import CliRunner

from mockserver.cli import main as cli
from mockserver.spec import load_specs

from .conftest import EXAMPLE_PATHS, operation

USAGES = "/v2/promotions/P/codes/10OFF/usages"
OPS = EXAMPLE_PATHS["listPromotionUsageHistory"]


def schema_errors(op_id: str, status: int, body) -> list[str]:
    validator = jsonschema_rs.validator_for(operation(op_id).response_schema(status), validate_formats=True)
    return [e.message for e in validator.iter_errors(body)]


# --------------------------------------------------------------------------- fixtures


def test_mock_api_is_in_process_and_authenticated(mock_api):
    response = mock_api.get("/v1/discount-codes?limit=3")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 3


@pytest.mark.mock(seed=1)
def test_mock_marker_sets_the_seed(mock_api):
    first = mock_api.get("/v1/discount-codes?limit=5").json()
    from starlette.testclient import TestClient
    from mockserver import create_app

    other = TestClient(create_app(seed=2), headers={"Authorization": "Bearer t"}).get("/v1/discount-codes?limit=5").json()
    assert first["data"] != other["data"]


def test_mock_server_serves_non_python_clients(mock_server):
    response = httpx.get(f"{mock_server.url}{OPS}?limit=2", headers=mock_server.headers)
    assert response.status_code == 200 and len(response.json()["data"]) == 2
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-sf", "-H", f"Authorization: Bearer {mock_server.token}",
                              f"{mock_server.url}/v1/discount-codes?limit=1"], capture_output=True, text=True, timeout=10)
        assert json.loads(out.stdout)["meta"]["total"] > 0


# ----------------------------------------------------------------------------- Prefer


def test_prefer_code_gives_the_documented_error_envelope(mock_api):
    response = mock_api.get(USAGES, headers={"Prefer": "code=429"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert not schema_errors("getPromotionCodeUsages", 429, response.json())
    response = mock_api.get(OPS, headers={"Prefer": "code=500"})
    assert response.status_code == 500 and response.json()["statusCode"] == 500


def test_prefer_code_that_is_not_documented_is_a_clear_400(mock_api):
    response = mock_api.get(USAGES, headers={"Prefer": "code=418"})
    assert response.status_code == 400
    assert "not documented" in response.json()["errors"][0]["detail"]


def test_prefer_example_returns_the_named_example(mock_api):
    response = mock_api.get("/v1/discount-codes", headers={"Prefer": "example=documented"})
    assert response.status_code == 200
    assert response.json()["data"][0]["attributes"]["code"] == "FIXED10"  # as printed on NuWeb's page
    missing = mock_api.get("/v1/discount-codes", headers={"Prefer": "example=nope"})
    assert missing.status_code == 422 and "documented" in missing.json()["errors"][0]["detail"]


def test_scenario_empty_and_large(mock_api):
    assert mock_api.get(OPS, headers={"Prefer": "scenario=empty"}).json()["meta"]["total"] == 0
    large = mock_api.get(f"{OPS}?limit=100&page=100", headers={"Prefer": "scenario=large"}).json()
    assert large["meta"]["total"] >= 10_000 and len(large["data"]) == 100
    last = mock_api.get(f"{OPS}?limit=100&page={large['meta']['totalPages']}", headers={"Prefer": "scenario=large"}).json()
    assert 0 < len(last["data"]) <= 100


@pytest.mark.parametrize("op_id", list(EXAMPLE_PATHS))
def test_scenario_edge_is_hostile_but_schema_valid(mock_api, op_id):
    path = EXAMPLE_PATHS[op_id] + ("?format=json&limit=100" if "reports" in EXAMPLE_PATHS[op_id] else "")
    body = mock_api.get(path, headers={"Prefer": "scenario=edge"}).json()
    assert not schema_errors(op_id, 200, body)
    text = json.dumps(body, ensure_ascii=False)
    if op_id in ("getDiscountCodeUsesReportData", "listDiscountCodes", "listPromotionUsageHistory"):
        assert any(ord(ch) > 0x2000 for ch in text) or "null" in text
    again = mock_api.get(path, headers={"Prefer": "scenario=edge"}).json()
    assert again == body, "edge data must be reproducible from the seed"


def test_scenario_edge_has_a_short_last_page(mock_api):
    body = mock_api.get(f"{OPS}?limit=10&page=11", headers={"Prefer": "scenario=edge"}).json()
    assert body["meta"]["total"] == 101 and len(body["data"]) == 1


# ----------------------------------------------------------------------------- faults


def test_prefer_latency_delays_the_response(mock_api):
    started = time.perf_counter()
    assert mock_api.get(OPS, headers={"Prefer": "latency=120"}).status_code == 200
    assert time.perf_counter() - started >= 0.12


@pytest.mark.mock(error_rate=1.0)
def test_error_rate_answers_500_in_the_vendor_envelope(mock_api):
    response = mock_api.get("/v1/discount-codes")
    assert response.status_code == 500
    assert not schema_errors("listDiscountCodes", 500, response.json())


@pytest.mark.mock(rate_limit=2.0)
def test_rate_limit_answers_429_with_retry_after(mock_api):
    statuses = [mock_api.get(OPS).status_code for _ in range(5)]
    assert statuses[:2] == [200, 200] and 429 in statuses
    limited = next(r for r in (mock_api.get(OPS) for _ in range(3)) if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1


# --------------------------------------------------------------------------- pinned records

PINS = {
    "fixtures": [
        {"operation": "getPromotionCodes", "params": {"promotionID": "P"},
         "records": [{"data": {"codes": [{"code": "10OFF", "max_uses": 10, "meta": {"timestamps": {"created_at": "2024-05-01T09:00:00.000Z"}}}]}}]},
        {"operation": "getPromotionCodeUsages", "params": {"id": "P", "code-name": "10OFF"}, "replace": True,
         "records": [{"used_on": "2025-03-01T10:00:00.000Z"}, {"used_on": "2025-01-05T10:00:00.000Z"},
                     {"used_on": "2025-02-10T10:00:00.000Z", "times_used": 2}]},
    ]
}


def _pin(mock_api, document=PINS):
    response = mock_api.post("/__mock/fixtures", content=json.dumps(document))
    assert response.status_code == 201, response.text
    return response


def test_pinned_usages_obey_paging_sort_and_filters(mock_api):
    _pin(mock_api)
    body = mock_api.get(f"{USAGES}?sort=-used_on&page[limit]=2").json()
    assert body["meta"]["results"]["total"] == 3
    assert [u["used_on"][:10] for u in body["data"]] == ["2025-03-01", "2025-02-10"]
    assert all(u["code"] == "10OFF" for u in body["data"])  # filled in by the generator
    assert body["links"]["next"] is not None
    window = mock_api.get(f"{USAGES}?filter=ge(used_on,2025-02-01)").json()
    assert window["meta"]["results"]["total"] == 2


def test_pinned_code_keeps_the_uses_invariant(mock_api):
    _pin(mock_api)
    codes = mock_api.get("/v2/promotions/P/codes?page[limit]=100").json()["data"]
    pinned = [c["data"]["codes"][0] for c in codes if c["data"]["codes"][0]["code"] == "10OFF"]
    assert len(pinned) == 1, "the pinned code replaces any generated code of the same name"
    used = sum(u["times_used"] for u in mock_api.get(USAGES).json()["data"])
    assert used >= 4  # at least 1 + 1 + 2
    assert pinned[0]["max_uses"] == 10 and pinned[0]["uses"] == 10 - used


def test_invalid_pins_are_rejected_and_nothing_changes(mock_api):
    before = mock_api.get(OPS).json()
    bad = {"operation": "listPromotionUsageHistory", "params": {"promotionalId": OPS.split("/")[5]},
           "records": [{"originalAmount": "lots"}]}
    response = mock_api.post("/__mock/fixtures", content=json.dumps(bad))
    assert response.status_code == 400 and "originalAmount" in response.json()["detail"]
    assert mock_api.get(OPS).json() == before
    unknown = mock_api.post("/__mock/fixtures", content=json.dumps({"operation": "nope", "records": []}))
    assert unknown.status_code == 400 and "unknown operation" in unknown.json()["detail"]


def test_delete_fixtures_restores_generated_data(mock_api):
    before = mock_api.get(USAGES).json()
    _pin(mock_api)
    assert mock_api.get(USAGES).json()["meta"]["results"]["total"] == 3
    assert mock_api.delete("/__mock/fixtures").status_code == 204
    assert mock_api.get(USAGES).json() == before


def test_fixtures_file_at_start_up(tmp_path):
    from starlette.testclient import TestClient
    from mockserver import create_app

    path = tmp_path / "pins.yaml"
    path.write_text(json.dumps(PINS))
    client = TestClient(create_app(fixtures=[str(path)]), headers={"Authorization": "Bearer t"})
    assert client.get(USAGES).json()["meta"]["results"]["total"] == 3


# ----------------------------------------------------------------------------- journal, verify


def test_journal_records_requests_and_violations(mock_api):
    mock_api.delete("/__mock/requests")
    mock_api.get(f"{OPS}?limit=5&colour=red")
    mock_api.get(f"{OPS}?limit=500")
    journal = mock_api.get("/__mock/requests").json()
    assert journal["total"] == 2 and journal["violations"] == 2
    first, second = journal["requests"]
    assert first["status"] == 200 and "'colour' is not a documented parameter" in first["violations"]
    assert second["status"] == 400 and "maximum" in second["violations"][0]
    assert mock_api.delete("/__mock/requests").status_code == 204
    assert mock_api.get("/__mock/requests").json()["total"] == 0


@pytest.mark.mock(strict=True)
def test_strict_mode_rejects_undocumented_parameters(mock_api):
    response = mock_api.get(f"{OPS}?colour=red")
    assert response.status_code == 400 and "colour" in response.json()["message"][0]


def test_missing_auth_is_a_violation(mock_api):
    mock_api.delete("/__mock/requests")
    mock_api.get(OPS, headers={"Authorization": ""})
    assert "Authorization" in mock_api.get("/__mock/requests").json()["requests"][0]["violations"][0]


def test_verify_reports_violations_and_coverage(mock_server):
    client = httpx.Client(base_url=mock_server.url, headers=mock_server.headers)
    client.get(f"{OPS}?limit=5&status=APPLIED")
    result = CliRunner().invoke(cli, ["verify", "--url", mock_server.url])
    assert result.exit_code == 0, result.output
    assert "sortBy" in result.output and "REVERSED" in result.output  # never sent
    assert "teamup:getDiscountCodeUsesReportData" in result.output and "never called" in result.output
    client.get(f"{OPS}?limit=0")
    result = CliRunner().invoke(cli, ["verify", "--url", mock_server.url, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["violations"][0]["status"] == 400


@pytest.mark.mock(admin=False)
def test_no_admin_switches_the_admin_endpoints_off(mock_api):
    assert mock_api.get("/__mock/requests").status_code == 404
    assert mock_api.post("/__mock/fixtures", content="[]").status_code == 404
    assert mock_api.get("/__mock/health").status_code == 200


def test_specs_are_served_for_other_tools(mock_api):
    listing = mock_api.get("/__mock/specs").json()
    assert {s["name"] for s in listing} == {s.name for s in load_specs()}
    assert mock_api.get("/__mock/specs/nuweb").text.startswith("openapi:")


# ------------------------------------------------------------------------- processes


def _serve(*args, port):
    return subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait(url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/__mock/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no server at {url}")


def test_workers_serve_identical_data():
    from mockserver.pytest_plugin import free_port

    port = free_port()
    proc = _serve("--workers", "2", "--seed", "9", port=port)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url)
        # A new connection per request, so the requests land on both workers.
        bodies = {httpx.get(f"{url}/v1/discount-codes?limit=50&page=2", headers={"Authorization": "Bearer t"}).content
                  for _ in range(12)}
        assert len(bodies) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_reload_picks_up_spec_changes(tmp_path):
    from mockserver.pytest_plugin import free_port
    from mockserver.spec import resolve_spec_path

    spec = tmp_path / "ops.yaml"
    spec.write_text(resolve_spec_path("ops-promotions").read_text())
    port = free_port()
    proc = _serve("--reload", "--spec", str(spec), port=port)
    url = f"http://127.0.0.1:{port}{OPS}"
    try:
        _wait(f"http://127.0.0.1:{port}")
        assert httpx.get(url, headers={"Authorization": "Bearer t"}).json()["meta"]["limit"] == 10
        spec.write_text(spec.read_text().replace("maximum: 100, default: 10}", "maximum: 100, default: 7}"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, headers={"Authorization": "Bearer t"}, timeout=1).json()["meta"]["limit"] == 7:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the new default page size never showed up")
    finally:
        proc.terminate()
        proc.wait(timeout=10)

"""Fault scripts (issue 12): rules that answer a status, delay, cut a body or change data, by request count."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.cli import main as cli
from mockserver.pytest_plugin import BackgroundServer
from mockserver.app import Settings

AUTH = {"Authorization": "Bearer t"}
CODES = "/v2/promotions/P/codes"
OPS = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
SIMPLEST = {"rules": [{"operation": "getPromotionCodes", "times": 2, "respond": {"status": 503}}]}


@pytest.fixture
def api():
    with TestClient(create_app(specs=["elasticpath-promotions", "ops-promotions"]), headers=AUTH) as client:
        yield client


def statuses(api, path: str, n: int, **kwargs) -> list[int]:
    return [api.get(path, **kwargs).status_code for _ in range(n)]


def test_the_simplest_rule_answers_503_twice_then_200(api):
    assert api.post("/__mock/scripts", json=SIMPLEST).status_code == 201
    first = api.get(CODES)
    assert first.status_code == 503
    assert first.json() == {"errors": [{"status": 503, "title": "Service Unavailable",
                                        "detail": "scripted answer (rule 1: 503)"}]}  # the vendor's envelope
    assert statuses(api, CODES, 3) == [503, 200, 200]
    journal = api.get("/__mock/requests").json()["requests"]
    assert [(e["status"], e["rule"]) for e in journal] == [(503, "rule 1"), (503, "rule 1"), (200, None), (200, None)]
    assert api.get("/__mock/scripts").json()["rules"][0] | {} == {**SIMPLEST["rules"][0], "rule": "rule 1", "seen": 4, "fired": 2}


def test_scripted_answers_bypass_the_response_cache(api):
    assert api.get(CODES).status_code == 200  # now cached
    api.post("/__mock/scripts", json=SIMPLEST)
    assert statuses(api, CODES, 3) == [503, 503, 200]


def test_params_after_every_and_headers(api):
    api.post("/__mock/scripts", json={"rules": [
        {"name": "third page flaky", "operation": "getPromotionCodes", "params": {"page[offset]": 50}, "times": 2,
         "respond": {"status": 503, "headers": {"Retry-After": "0"}}},
        {"operation": "listPromotionUsageHistory", "every": 3, "respond": {"status": 429}},
    ]})
    assert statuses(api, f"{CODES}?page[offset]=25", 2) == [200, 200]
    third = api.get(f"{CODES}?page[offset]=50")
    assert third.status_code == 503 and third.headers["Retry-After"] == "0"
    assert statuses(api, f"{CODES}?page[offset]=50", 2) == [503, 200]
    ops = [api.get(OPS) for _ in range(6)]
    assert [r.status_code for r in ops] == [200, 200, 429, 200, 200, 429]
    assert ops[2].headers["Retry-After"] == "1" and ops[2].json()["statusCode"] == 429  # NestJS envelope
    assert api.get("/__mock/requests").json()["requests"][2]["rule"] == "third page flaky"


def test_retry_after_holds_until_it_is_up(api):
    api.post("/__mock/scripts", json={"rules": [{"operation": "getPromotionCodes", "respond": {"status": 429, "retry_after": 1}}]})
    assert statuses(api, CODES, 3) == [429, 429, 429]  # a client that ignores Retry-After never gets through
    rules = [e["rule"] for e in api.get("/__mock/requests").json()["requests"]]
    assert rules == ["rule 1", "rule 1 (before Retry-After)", "rule 1 (before Retry-After)"]
    time.sleep(1.05)
    assert api.get(CODES).status_code == 200  # one that waits does


def test_delay_then_the_normal_answer(api):
    api.post("/__mock/scripts", json={"rules": [{"operation": "getPromotionCodes", "delay_ms": 300}]})
    started = time.monotonic()
    assert api.get(CODES).status_code == 200
    assert time.monotonic() - started >= 0.3
    api.get(CODES)  # the rule fired once: this one is not delayed
    assert [e["rule"] for e in api.get("/__mock/requests").json()["requests"]] == ["rule 1", None]


def test_drop_and_truncate_in_process(mock_api):
    mock_api.post("/__mock/scripts", json={"rules": [{"operation": "getPromotionCodes", "drop": True},
                                                     {"operation": "getPromotionCodes", "truncate": 20}]})
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            mock_api.get(CODES)
    assert mock_api.get(CODES).status_code == 200


def test_drop_and_truncate_over_tcp_log_no_traceback(capfd):
    rules = [{"operation": "getPromotionCodes", "drop": True}, {"operation": "getPromotionCodes", "truncate": 20}]
    with BackgroundServer(Settings(specs=["elasticpath-promotions"], scripts=rules)) as server:
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.get(f"{server.url}{CODES}", headers={**AUTH, "Accept-Encoding": "identity"})
        assert httpx.get(f"{server.url}{CODES}", headers=AUTH).status_code == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "without completing" not in err, err


def test_insert_at_the_head_after_page_one(api):
    """The duplicate an offset-paginating client sees when a record appears at the head mid-walk."""
    api.post("/__mock/scripts", json={"rules": [
        {"operation": "listPromotionUsageHistory", "after": 1, "insert": {"at": 0, "records": [{"discountAmount": 1.5}]}}]})
    page1 = api.get(f"{OPS}?limit=10").json()
    page2 = api.get(f"{OPS}?limit=10&page=2").json()
    assert page2["meta"]["total"] == page1["meta"]["total"] + 1
    assert page2["data"][0]["promotionalUsageHistoryId"] == page1["data"][-1]["promotionalUsageHistoryId"]  # shifted by one
    head = api.get(f"{OPS}?limit=1").json()["data"][0]
    assert head["discountAmount"] == 1.5 and head["appliedAt"] >= page1["data"][0]["appliedAt"]
    assert api.delete("/__mock/scripts").status_code == 204  # removing the rules undoes their data changes
    assert api.get(f"{OPS}?limit=10").json() == page1


def test_delete_and_the_remaining_uses_invariant(api):
    code = api.get(CODES).json()["data"][0]["data"]["codes"][0]
    usages = f"{CODES}/{code['code']}/usages"
    before = api.get(usages).json()["meta"]["results"]["total"]
    api.post("/__mock/scripts", json={"rules": [{"operation": "getPromotionCodeUsages", "delete": {"at": 0, "count": 2}}]})
    after = api.get(usages).json()
    assert after["meta"]["results"]["total"] == before - 2
    changed = api.get(CODES).json()["data"][0]["data"]["codes"][0]
    if "max_uses" in changed:  # remaining uses still sum the usages the API now lists
        listed = api.get(usages, params={"page[limit]": 100}).json()["data"]
        assert changed["max_uses"] - changed["uses"] == sum(u["times_used"] for u in listed)


@pytest.mark.parametrize("body, field", [
    ({"rules": [{"operation": "nope", "respond": {"status": 503}}]}, "rules[0].operation"),
    ({"rules": [{"operation": "getPromotionCodes", "respond": {"status": "x"}}]}, "rules[0].respond.status"),
    ({"rules": [{"operation": "getPromotionCodes", "respond": {"status": 200}}]}, "rules[0].respond.status"),
    ({"rules": [{"operation": "getPromotionCodes"}]}, "rules[0]: needs an action"),
    ({"rules": [{"operation": "getPromotionCodes", "drop": True, "truncate": 3}]}, "one action per rule"),
    ({"rules": [{"operation": "getPromotionCodes", "times": 0, "drop": True}]}, "rules[0].times"),
    ({"rules": [{"operation": "getPromotionCodes", "drop": True, "tims": 2}]}, "rules[0].tims: unknown field"),
    ({"rules": [{"operation": "getPromotionCodes", "insert": {"at": -1}}]}, "rules[0].insert.at"),
    ({"rules": 3}, "rules: must be a list"),
    ({"rules": [{"operation": "getPromotionCodeUsages", "insert": {"records": [{"times_used": 0}]}}]},
     "rules[0].insert.records: getPromotionCodeUsages: pinned record is invalid at times_used"),
])
def test_bad_rules_are_a_400_naming_the_field(api, body, field):
    response = api.post("/__mock/scripts", json=body)
    assert response.status_code == 400 and field in response.json()["detail"], response.text
    assert api.get("/__mock/scripts").json() == {"rules": []}


def test_a_body_that_is_not_yaml_is_a_400(api):
    response = api.post("/__mock/scripts", content=b"rules: [")
    assert response.status_code == 400 and "not valid JSON or YAML" in response.json()["detail"]


def test_cli_script_file_and_bad_files(tmp_path):
    good = tmp_path / "faults.yaml"
    good.write_text(yaml.safe_dump(SIMPLEST))
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - operation: getPromotionCodes\n    respond: {status: 99}\n")
    result = CliRunner().invoke(cli, ["serve", "--script", str(bad)])
    assert result.exit_code == 2 and "rules[0].respond.status" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("rules: [{operation: nope, drop: true}]\n")
    result = CliRunner().invoke(cli, ["serve", "--script", str(unknown)])
    assert result.exit_code == 2 and "unknown operation 'nope'" in result.output
    result = CliRunner().invoke(cli, ["serve", "--script", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "cannot read it" in result.output


def test_verify_reports_rules_that_never_fired():
    rules = [{"operation": "getPromotionCodes", "times": 1, "respond": {"status": 503}},
             {"name": "never reached", "operation": "getPromotionCodes", "params": {"page[offset]": 9000}, "drop": True}]
    with BackgroundServer(Settings(specs=["elasticpath-promotions"], scripts=rules)) as server:
        httpx.get(f"{server.url}{CODES}", headers=AUTH)
        result = subprocess.run([str(Path(sys.executable).parent / "mockserver"), "verify", "--url", server.url,
                                 "--spec", "elasticpath-promotions"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Script rules that never fired" in result.stdout and "never reached: getPromotionCodes" in result.stdout
    assert "rule 1" not in result.stdout.split("never fired")[1].split("Coverage")[0]


@pytest.mark.mock(specs=["elasticpath-promotions"], scripts=SIMPLEST["rules"])
def test_the_pytest_marker_takes_the_same_rules(mock_api):
    assert statuses(mock_api, CODES, 3) == [503, 503, 200]


def test_a_bad_marker_rule_stops_the_run_in_one_line(tmp_path):
    (tmp_path / "test_bad.py").write_text(
        "import pytest\n\n@pytest.mark.mock(scripts=[{'operation': 'getPromotionCodes', 'respond': {'status': 99}}])\n"
        "def test_x(mock_api):\n    pass\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "scripts: rules[0].respond.status" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr

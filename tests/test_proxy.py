"""`mockserver proxy` (issue 11): live traffic checked both ways, journaled, named, recorded, replayed.

The upstream is real and on a loopback port: the mock itself, the mock with a deliberate fault or
another reading, and small apps that hang, redirect or are not there at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app
from mockserver.dialects import dialect_for
from mockserver.proxy import HEADER, ProxySettings, create_proxy_app
from mockserver.pytest_plugin import BackgroundServer, free_port

BIN = Path(sys.executable).parent
TOKEN = "client-secret-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OPS = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
CODES = "/v2/promotions/promo-1/codes"
NUWEB = "/v1/discount-codes"
TEAMUP = "/api/v2/reports/discount_code_uses/data"
CLEAN = [f"{CODES}?page[limit]=5", f"{CODES}?page[limit]=5&page[offset]=5",
         f"{CODES}/LOYAL5/usages?filter=gt(used_on,2025-06-01)&sort=-used_on",
         f"{NUWEB}?limit=5&types=fixed,bxgy&only=discountCodes.code,currencies.name", f"{NUWEB}?page=2&limit=7",
         f"{OPS}?limit=5&status=REVERSED&fields=appliedAt,reversedAt", f"{OPS}?limit=100&page=2",
         f"{TEAMUP}?limit=5&sort=-used_at", f"{TEAMUP}?format=json&page=3&page_size=50"]


def violations(response: httpx.Response) -> list[dict]:
    return json.loads(response.headers.get(HEADER, "[]"))


def holds(whole, part) -> bool:
    """Every member of `part` is in `whole`, the same (the mock fills in members an upstream left out)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and holds(whole[k], v) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(whole) == len(part) and all(map(holds, whole, part))
    return whole == part


def journal(url: str) -> list[dict]:
    return httpx.get(f"{url}/__mock/requests").json()["requests"]


def proxied(upstream: str, **options):
    return BackgroundServer(app=create_proxy_app(ProxySettings(upstream=upstream, **options)))


@pytest.fixture(scope="module")
def upstream():
    with BackgroundServer(Settings()) as server:
        yield server


@pytest.fixture(scope="module")
def proxy(upstream):
    with proxied(upstream.url) as server:
        yield server


def test_clean_traffic_passes_through_unchanged(upstream, proxy):
    httpx.delete(f"{proxy.url}/__mock/requests")
    for path in CLEAN:
        direct = httpx.get(upstream.url + path, headers=AUTH)
        through = httpx.get(proxy.url + path, headers={**AUTH, "Accept-Encoding": "identity"})
        assert through.status_code == direct.status_code == 200, path
        assert through.content == direct.content, path  # links name the upstream: byte for byte
        assert HEADER not in through.headers, (path, through.headers.get(HEADER))
    plain = subprocess.run(["curl", "-si", "-H", f"Authorization: Bearer {TOKEN}", proxy.url + CLEAN[3]],
                           capture_output=True, timeout=30).stdout
    assert b"content-encoding" not in plain.lower()  # only the client's headers go: none of httpx's own
    gz = httpx.get(proxy.url + CLEAN[3], headers={**AUTH, "Accept-Encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip" and gz.json()["data"]  # passed on as the upstream sent it
    entries = journal(proxy.url)
    assert len(entries) == len(CLEAN) + 2
    assert all(not e["violations"] and not e["findings"] and e["upstream"]["status"] == 200 for e in entries)
    assert httpx.get(f"{proxy.url}/__mock/health").json()["mode"] == "proxy"


def test_path_and_query_are_forwarded_exactly_as_sent(upstream, proxy):
    raw = f"{CODES}?page%5Blimit%5D=3&page[offset]=0"
    through = httpx.get(httpx.URL(proxy.url).copy_with(raw_path=raw.encode()), headers=AUTH)
    seen = [e for e in journal(upstream.url) if e["query"] == raw.split("?", 1)[1]]
    assert through.status_code == 200 and seen, "the upstream saw another query than the client sent"


def test_client_violations_are_journaled_named_and_forwarded(upstream, proxy):
    httpx.delete(f"{proxy.url}/__mock/requests")
    unknown = httpx.get(f"{proxy.url}{NUWEB}?limit=5&colour=red", headers=AUTH)
    assert unknown.status_code == 200  # not strict: the upstream decides
    assert violations(unknown) == [{"side": "client", "message": "'colour' is not a documented parameter"}]
    wrong = httpx.get(f"{proxy.url}{OPS}?limit=abc", headers=AUTH)
    assert wrong.status_code == 400 and wrong.json()["statusCode"] == 400  # the upstream's own answer
    assert violations(wrong)[0] == {"side": "client", "message": "'limit' must be an integer, got 'abc'"}
    anonymous = httpx.get(f"{proxy.url}{TEAMUP}")
    assert anonymous.status_code == 401 and "Authorization" in violations(anonymous)[0]["message"]
    nowhere = httpx.get(f"{proxy.url}/v1/discount-codez", headers=AUTH)
    assert nowhere.status_code == 404 and "no documented operation" in violations(nowhere)[0]["message"]
    entries = journal(proxy.url)
    assert [bool(e["violations"]) for e in entries] == [True] * 4
    assert entries[0]["operation"] == "nuweb:listDiscountCodes" and entries[0]["parameters"]["colour"] == ["red"]
    # the upstream's refusals are documented answers: the API broke nothing
    assert not any(e["findings"] for e in entries if e["status"] < 500)


def test_strict_refuses_in_the_vendor_envelope_without_forwarding(upstream):
    with proxied(upstream.url, strict=True) as strict:
        before = len(journal(upstream.url))
        refused = httpx.get(f"{strict.url}{TEAMUP}?format=json&colour=red", headers=AUTH)
        assert refused.status_code == 400 and refused.json() == {"colour": ["'colour' is not a documented parameter"]}
        nuweb = httpx.get(f"{strict.url}{NUWEB}?limit=0", headers=AUTH)
        assert nuweb.status_code == 422 and nuweb.json()["errors"][0]["source"] == {"parameter": "limit"}
        assert len(journal(upstream.url)) == before, "a refused request reached the upstream"
        assert httpx.get(f"{strict.url}{NUWEB}?limit=2", headers=AUTH).status_code == 200
        assert [e["status"] for e in journal(strict.url)] == [400, 422, 200]


@pytest.mark.parametrize("fault, path, check", [
    ("next-on-last-page", f"{CODES}?page[limit]=100", "paging.links"),
    ("wrong-total", f"{OPS}?limit=20&page=2", "paging.total"),
    ("wrong-total", f"{NUWEB}?limit=100", "paging.total"),
    ("drop-required", f"{NUWEB}?limit=5", "conformance.response_schema_conformance"),
    ("server-error", f"{NUWEB}?limit=100", "conformance.status_code_conformance"),
    ("ignore-fields", f"{OPS}?limit=3&fields=appliedAt", "fieldset.fields"),
])
def test_api_faults_fail_and_are_named(fault, path, check):
    with BackgroundServer(Settings(misbehave=(fault,), size=30)) as faulty, proxied(faulty.url) as proxy:
        response = httpx.get(proxy.url + path, headers=AUTH)
        assert response.status_code == (500 if fault == "server-error" else 200)
        named = violations(response)
        assert [(v["side"], v["kind"], v["check"]) for v in named] == [("api", "fail", check)], named
        (entry,) = journal(proxy.url)
        assert entry["findings"][0]["basis"].startswith(("documented", "implied"))
        assert any(v.startswith(f"response: {check}:") for v in entry["violations"])
        if fault != "next-on-last-page":
            return  # one `verify` run shows the API's violations
        verify = subprocess.run([str(BIN / "mockserver"), "verify", "--url", proxy.url], capture_output=True,
                                text=True, timeout=60)
        assert verify.returncode == 1 and f"response: {check}" in verify.stdout, verify.stdout + verify.stderr


def test_another_reading_is_a_warning_not_a_violation():
    with BackgroundServer(Settings(readings=("data-only",))) as other, proxied(other.url) as proxy:
        response = httpx.get(f"{proxy.url}{CODES}/LOYAL5/usages", headers=AUTH)
        named = violations(response)
        assert named and {v["kind"] for v in named} == {"warn"}, named
        (entry,) = journal(proxy.url)
        assert not entry["violations"] and entry["findings"][0]["kind"] == "warn"


def test_verify_reads_the_proxy_journal(proxy):
    httpx.delete(f"{proxy.url}/__mock/requests")
    httpx.get(f"{proxy.url}{NUWEB}?limit=1&colour=red", headers=AUTH)
    result = subprocess.run([str(BIN / "mockserver"), "verify", "--url", proxy.url], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'colour' is not a documented parameter" in result.stdout
    assert "nuweb:listDiscountCodes" in result.stdout and "1 request(s)" in result.stdout


def test_record_then_replay_serves_the_same_pages(upstream, tmp_path):
    recorded = tmp_path / "staging.yaml"
    walks = {CODES: ("page[offset]", "page[limit]", 12), OPS: ("page", "limit", 100)}
    seen: dict[str, list] = {}
    with proxied(upstream.url, record=str(recorded)) as proxy:
        for path, (window, size_name, size) in walks.items():
            n, bodies = 0, []
            while True:
                at = n * size if window.startswith("page[") else n + 1
                body = httpx.get(f"{proxy.url}{path}", params={window: at, size_name: size}, headers=AUTH).json()
                bodies.append(body)
                if len(body["data"]) < size:
                    break
                n += 1
            seen[path] = bodies
        httpx.get(f"{proxy.url}{CODES}", params={"page[limit]": 3}, headers=AUTH)  # the same items again
        time.sleep(0.3)
    text = recorded.read_text()
    assert TOKEN not in text
    document = yaml.safe_load(text)
    assert {f["operation"] for f in document["fixtures"]} == {"getPromotionCodes", "listPromotionUsageHistory"}
    assert all(f["replace"] is True for f in document["fixtures"])
    codes = next(f for f in document["fixtures"] if f["operation"] == "getPromotionCodes")
    identities = [r["data"]["codes"][0]["code"] for r in codes["records"]]
    assert len(identities) == len(set(identities)) == sum(len(b["data"]) for b in seen[CODES])  # merged, not repeated

    replay = create_app(Settings(fixtures=[str(recorded)]))
    client = TestClient(replay, headers=AUTH)
    for path, (window, size_name, size) in walks.items():
        dialect = dialect_for(next(op for s in replay.state.specs for op in s.operations if op.operation_id in
                                   ("getPromotionCodes", "listPromotionUsageHistory") and path.startswith(op.path.split("{")[0])))
        for n, body in enumerate(seen[path]):
            at = n * size if window.startswith("page[") else n + 1
            again = client.get(path, params={window: at, size_name: size}).json()
            replayed, walked = dialect.items_of(again), dialect.items_of(body)
            assert len(replayed) == len(walked) and all(map(holds, replayed, walked)), (path, n)
            assert dialect.total_of(again) == dialect.total_of(body)


def test_a_recording_grows_across_sessions_and_is_written_atomically(upstream, tmp_path):
    recorded = tmp_path / "pins.json"
    for limit in (2, 4):
        with proxied(upstream.url, record=str(recorded)) as proxy:
            httpx.get(f"{proxy.url}{OPS}", params={"limit": limit}, headers=AUTH)
            time.sleep(0.2)
            health = httpx.get(f"{proxy.url}/__mock/health").json()["recording"]
            assert health == {"file": str(recorded), "items": limit, "skipped": 0}
    (fixture,) = json.loads(recorded.read_text())["fixtures"]
    assert len(fixture["records"]) == 4
    assert not list(tmp_path.glob(".*.tmp")), "a temp file was left behind"


def test_token_env_replaces_the_client_credentials_and_is_never_shown(tmp_path):
    secret = "upstream-only-secret-42"
    recorded = tmp_path / "pins.yaml"
    logged: list[str] = []
    capture = logging.Handler()
    capture.emit = lambda record: logged.append(record.getMessage())
    access = logging.getLogger("mockserver.access")
    level, access.level = access.level, logging.INFO
    access.addHandler(capture)
    with BackgroundServer(Settings(token=secret)) as pinned, \
            proxied(pinned.url, token=secret, record=str(recorded), access_log=True) as proxy:
        response = httpx.get(f"{proxy.url}{NUWEB}?limit=2&api_token={TOKEN}", headers=AUTH)
        assert response.status_code == 200  # the client's token would be refused: the proxy sent its own
        assert httpx.get(f"{proxy.url}{NUWEB}?limit=2").status_code == 200  # no client credentials needed
        time.sleep(0.2)
        shown = httpx.get(f"{proxy.url}/__mock/requests").text
    access.removeHandler(capture)
    access.setLevel(level)
    assert len(logged) >= 3 and "api_token=***" in logged[0], logged
    for text in (shown, recorded.read_text(), "\n".join(logged)):
        assert secret not in text and TOKEN not in text


def test_an_upstream_that_is_down_is_a_502_in_the_vendor_envelope():
    with proxied(f"http://127.0.0.1:{free_port()}", timeout=2) as proxy:
        response = httpx.get(f"{proxy.url}{OPS}", headers=AUTH)
        assert response.status_code == 502
        assert response.json()["statusCode"] == 502 and response.json()["error"] == "Bad Gateway"  # NestJS, as ops
        (entry,) = journal(proxy.url)
        assert entry["status"] == 502 and "could not be reached" in entry["upstream"]["error"]


def moving() -> Starlette:
    async def moved(request):
        return RedirectResponse("http://elsewhere.example/v1/discount-codes", status_code=302)

    return Starlette(routes=[Route(NUWEB, moved)])


def test_a_hanging_upstream_is_a_504_within_the_timeout():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with proxied(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5) as proxy:
            started = time.monotonic()
            response = httpx.get(f"{proxy.url}{OPS}", headers=AUTH, timeout=10)
            assert response.status_code == 504 and time.monotonic() - started < 3
            assert response.json()["error"] == "Gateway Timeout" and "within 0.5 s" in response.json()["message"]
            assert [e["status"] for e in journal(proxy.url)] == [504]


def test_a_redirect_is_passed_back_not_followed():
    with BackgroundServer(app=moving()) as odd, proxied(odd.url) as proxy:
        moved = httpx.get(f"{proxy.url}{NUWEB}", headers=AUTH, follow_redirects=False)
        assert moved.status_code == 302 and moved.headers["location"] == "http://elsewhere.example/v1/discount-codes"
        assert [v["check"] for v in violations(moved)] == ["conformance.status_code_conformance"]
        assert [e["status"] for e in journal(proxy.url)] == [302]


def test_a_bad_flag_is_one_line_and_exit_2():
    result = subprocess.run([str(BIN / "mockserver"), "proxy", "--upstream", "staging.example.com"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "'--upstream'" in result.stderr


# ----------------------------------------------------------------- README: Pointing at staging

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n## Pointing at staging\n", 1)[1].split("\n## ", 1)[0]


def section_commands() -> list[str]:
    (block,) = re.findall(r"^```sh\n(.*?)^```", SECTION, flags=re.M | re.S)
    return [re.split(r"\s#\s", line)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_proxy_synopsis_lists_real_options():
    (synopsis,) = re.findall(r"^```\n(mockserver proxy .*?)^```", SECTION, flags=re.M | re.S)
    help_text = subprocess.run([str(BIN / "mockserver"), "proxy", "--help"], capture_output=True, text=True).stdout
    assert set(re.findall(r"--[a-z][a-z-]+", synopsis)) == set(re.findall(r"^\s+(--[a-z][a-z-]+)", help_text, re.M)) - {"--help"}
    prose = re.sub(r"^```.*?^```", "", SECTION, flags=re.M | re.S)
    spans = [s for s in re.findall(r"`([^`\n]+)`", prose) if re.match(r"(mockserver|curl|make|python -m) ", s)]
    commands = [s for s in spans if s != "mockserver proxy"]  # the command's name, as the synopsis shows it
    assert commands == ["python -m bench.proxy"], "a command in the prose that nothing runs"


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/__mock/health", timeout=1)
            return
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully: the recording is flushed
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def test_the_readme_commands_proxy_verify_and_replay(tmp_path):
    proxy_command, curl_command, verify_command, replay_command = section_commands()
    staging_token = "staging-only-token-7"
    port, replay_port = free_port(), free_port()
    local = f"http://127.0.0.1:{port}"
    with BackgroundServer(Settings(token=staging_token)) as staging:  # refuses any other token
        argv = shlex.split(proxy_command.replace("https://staging.ops.example.com", staging.url))
        assert argv[0] == "OPS_TOKEN=..." and argv[1] == "mockserver"
        env = {**os.environ, "OPS_TOKEN": staging_token}
        proxy = subprocess.Popen([str(BIN / "mockserver"), *argv[2:], "--port", str(port)], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(local, proxy)
            shown = subprocess.run(curl_command.replace("http://127.0.0.1:8000", local), shell=True, capture_output=True,
                                   text=True, timeout=30)
            assert shown.returncode == 0 and "is not a documented parameter" in shown.stdout, shown
            page = httpx.get(f"{local}{OPS}", params={"limit": 50}).json()
            verify = subprocess.run([str(BIN / "mockserver"), *shlex.split(verify_command.replace("http://127.0.0.1:8000", local))[1:]],
                                    capture_output=True, text=True, timeout=60)
            assert verify.returncode == 1 and "'colour' is not a documented parameter" in verify.stdout, verify
            assert "2 request(s) recorded, 1 violation(s)" in verify.stdout
        finally:
            output = stop(proxy)
    assert staging_token not in output and staging_token not in (tmp_path / "staging.yaml").read_text()
    replay = subprocess.Popen([str(BIN / "mockserver"), *shlex.split(replay_command.replace("8001", str(replay_port)))[1:]],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{replay_port}", replay)
        again = httpx.get(f"http://127.0.0.1:{replay_port}{OPS}", params={"limit": 50}, headers=AUTH).json()
    finally:
        stop(replay)
    assert again["meta"]["total"] == len(page["data"]) == 50  # what was seen: the first 5 among the 50, merged
    assert all(map(holds, again["data"], page["data"]))


def test_the_bench_harness_measures_both_ways(upstream, proxy):
    """`python -m bench.proxy` (long-running, not in `make test`): its measuring loop, briefly."""
    from bench.proxy import measure, variants

    port = lambda url: int(url.rsplit(":", 1)[1])
    rows = measure(port(upstream.url), port(proxy.url), [f"{OPS}?limit=25"], requests=6, rounds=2, distinct=True)
    assert [r["path"] for r in rows] == [f"{OPS}?limit=25", "all"] and rows[-1]["requests"] == 6
    assert rows[-1]["proxy_p50_ms"] > 0 and len(variants(f"{CODES}?page[limit]=25", True)) == 96


def raw_request(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_hostile_requests_are_answered_never_a_5xx(proxy):
    for data in (b"GET /api/v2%0A/reports/discount_code_uses/data?format=json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 b"GET " + OPS.encode() + b"?limit=2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer  t  \r\nConnection: close\r\n\r\n"):
        head, _, body = raw_request(proxy.url, data).partition(b"\r\n\r\n")
        status = int(head.split()[1])
        assert status < 500 and json.loads(body), (data, head, body[:200])
    other = httpx.get(f"{proxy.url}/__mock/fixtures")
    assert other.status_code == 404 and "/__mock/health" in other.json()["detail"]  # not forwarded

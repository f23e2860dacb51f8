"""Politeness and secrecy of every request: budget, rate limit, 429 + Retry-After, read-only guard,
timeouts, credentials in the scheme each spec declares, and the redactor."""

from __future__ import annotations

import io
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contracts.auth import PLACEHOLDER_TOKEN, credentials_for, token_source
from contracts.client import (ApiClient, BudgetExhausted, Politeness, WriteRefused, curl_line,
                              parse_retry_after, polite_session)
from contracts.redact import MASK, Redactor
from mockserver.spec import load_specs


class StubServer:
    """A loopback HTTP server answering from a script: a list of (status, headers, body) used in
    turn (the last one repeats), optionally after a delay. Counts what it received."""

    def __init__(self, script, delay: float = 0.0):
        self.script = list(script)
        self.delay = delay
        self.requests: list[tuple[str, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                stub.requests.append((self.command, self.path, dict(self.headers)))
                time.sleep(stub.delay)
                status, headers, body = stub.script[min(len(stub.requests), len(stub.script)) - 1]
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            do_GET = do_DELETE = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


OK = (200, {}, {"data": []})
THROTTLED = (429, {"Retry-After": "0"}, {"error": "slow down"})


# ------------------------------------------------------------------------------ politeness

def test_the_request_budget_is_a_hard_stop():
    polite = Politeness(max_requests=3)
    for _ in range(3):
        polite.admit("GET")
    with pytest.raises(BudgetExhausted, match="budget of 3"):
        polite.admit("GET")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_are_refused_unless_writes_are_allowed(method):
    with pytest.raises(WriteRefused):
        Politeness().admit(method)
    Politeness(allow_writes=True).admit(method)
    for safe in ("GET", "HEAD", "OPTIONS"):
        Politeness().admit(safe)


def test_the_rate_limit_spaces_requests():
    polite = Politeness(rate_limit=50)
    started = time.monotonic()
    for _ in range(11):
        polite.admit("GET")
    assert time.monotonic() - started >= 0.19  # 10 gaps of 20 ms
    unlimited = Politeness()
    started = time.monotonic()
    for _ in range(11):
        unlimited.admit("GET")
    assert time.monotonic() - started < 0.05


def test_rate_limits_read_per_second_or_per_minute():
    from contracts.cli import parse_rate

    assert parse_rate("20/s") == 20 and parse_rate("600/m") == 10 and parse_rate("5") == 5
    assert parse_rate(None) is None


def test_retry_after_is_read_in_both_forms_and_capped():
    assert parse_retry_after("7", default=1) == 7
    assert 3 <= parse_retry_after(formatdate(time.time() + 5, usegmt=True), default=1) <= 5
    assert parse_retry_after("soon", default=2) == 2
    polite = Politeness(max_retry_wait=0.5)
    assert polite.retry_delay(429, {"retry-after": "3600"}, attempt=0) == 0.5
    assert polite.retry_delay(200, {}, attempt=0) is None
    assert polite.retry_delay(429, {}, attempt=polite.max_retries_on_429) is None


def test_httpx_client_waits_out_429_and_gets_the_answer():
    with StubServer([THROTTLED, THROTTLED, OK]) as stub:
        polite = Politeness()
        response = ApiClient(stub.url, polite).get("/x")
    assert response.status_code == 200
    assert polite.throttled == 2 and polite.sent == 3 and polite.successes == 1


def test_schemathesis_session_waits_out_429_and_obeys_the_budget():
    with StubServer([THROTTLED, OK]) as stub:
        polite = Politeness(max_requests=3)
        session = polite_session(polite, timeout=5)
        assert session.get(f"{stub.url}/x").status_code == 200
        assert polite.throttled == 1
        session.get(f"{stub.url}/x")
        with pytest.raises(BudgetExhausted):
            session.get(f"{stub.url}/x")
        with pytest.raises(WriteRefused):
            session.delete(f"{stub.url}/x")
    assert [m for m, _, _ in stub.requests] == ["GET", "GET", "GET"]


def test_a_persistent_429_is_handed_back_after_a_few_retries():
    with StubServer([THROTTLED]) as stub:
        polite = Politeness()
        response = ApiClient(stub.url, polite).get("/x")
    assert response.status_code == 429
    assert polite.sent == 1 + polite.max_retries_on_429


def test_requests_time_out():
    import httpx

    with StubServer([OK], delay=0.5) as stub:
        with pytest.raises(httpx.TimeoutException):
            ApiClient(stub.url, Politeness(), timeout=0.1).get("/slow")


# ---------------------------------------------------------------------------- credentials

SPECS = {spec.name: spec for spec in load_specs()}


def test_the_token_is_sent_in_the_scheme_each_spec_declares(monkeypatch):
    monkeypatch.delenv("CONTRACTS_TOKEN", raising=False)
    monkeypatch.setenv("MY_TOKEN", "abc123")
    source = token_source({}, "MY_TOKEN")
    assert credentials_for(SPECS["teamup"], source) == ({"Authorization": "Token abc123"}, {})  # x-prefixes: [Token, Bearer]
    assert credentials_for(SPECS["nuweb"], source) == ({"Authorization": "Bearer abc123"}, {})
    explicit = token_source({"Authorization": "Bearer zzz999", "X-Trace": "1"}, None)
    assert explicit.token == "zzz999"
    assert credentials_for(SPECS["teamup"], explicit)[0] == {"Authorization": "Bearer zzz999", "X-Trace": "1"}


def test_without_a_token_a_placeholder_is_used_and_said(monkeypatch):
    monkeypatch.delenv("CONTRACTS_TOKEN", raising=False)
    source = token_source({}, None)
    assert source.is_placeholder and source.token == PLACEHOLDER_TOKEN
    monkeypatch.setenv("CONTRACTS_TOKEN", "from-default-env")
    assert token_source({}, None).origin == "environment variable CONTRACTS_TOKEN"
    with pytest.raises(ValueError, match="NOT_SET_ANYWHERE"):
        token_source({}, "NOT_SET_ANYWHERE")


# ------------------------------------------------------------------------------ redaction

def test_the_redactor_masks_every_printed_form_of_a_secret():
    secret = "tok/en+with=symbols"
    redact = Redactor([secret])
    text = f"raw {secret} quoted tok%2Fen%2Bwith%3Dsymbols plus tok%2Fen%2Bwith%3Dsymbols"
    assert secret not in redact(text) and "tok%2F" not in redact(text)
    assert redact(text).count(MASK) == 3


def test_short_secrets_are_masked_as_whole_words_only():
    redact = Redactor(["ab1"])
    assert redact("Bearer ab1, cab1e stays") == f"Bearer {MASK}, cab1e stays"


def test_curl_lines_mask_credential_headers_whatever_the_token():
    line = curl_line("GET", "http://h/x?a=1", {"Authorization": "Token anything", "X-Api-Key": "k", "Accept-Language": "en"})
    assert "Authorization: Token ***" in line and "X-Api-Key: ***" in line and "Accept-Language: en" in line
    assert "anything" not in line


def test_redacting_streams_hold_back_partial_lines():
    target = io.StringIO()
    stream = Redactor(["secret-value"]).stream(target)
    stream.write("token secret-")
    assert target.getvalue() == ""
    stream.write("value\n")
    assert target.getvalue() == "token ***\n"

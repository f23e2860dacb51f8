"""Every request of a run goes through one `Politeness`: a request budget, a rate limit, a guard
against writes, and patience with 429 + Retry-After. The semantic checks use httpx (`ApiClient`);
Schemathesis uses requests, so it gets a `requests.Session` (`PoliteSession`) with the same rules.
"""

from __future__ import annotations

import email.utils
import shlex
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import httpx

from .redact import Redactor, is_sensitive_header, mask_header_value

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BudgetExhausted(RuntimeError):
    """The run reached --max-requests: it stops instead of hammering the API."""


class WriteRefused(RuntimeError):
    """A non-safe method without --allow-writes."""


@dataclass
class Politeness:
    max_requests: int = 5000
    rate_limit: float | None = None  # requests per second; None = as fast as the API answers
    allow_writes: bool = False
    max_retries_on_429: int = 3
    max_retry_wait: float = 30.0  # never sleep longer than this for one Retry-After
    sent: int = 0
    successes: int = 0  # 2xx answers: a run without any proves nothing
    throttled: int = 0  # 429 answers
    statuses: dict[int, int] = field(default_factory=dict)
    _next_slot: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def admit(self, method: str) -> None:
        """Called before every request: refuse writes, enforce the budget, wait for a rate slot."""
        if method.upper() not in SAFE_METHODS and not self.allow_writes:
            raise WriteRefused(f"{method.upper()} is not a safe method; pass --allow-writes to send it")
        with self._lock:
            if self.sent >= self.max_requests:
                raise BudgetExhausted(f"request budget of {self.max_requests} used up (raise it with --max-requests)")
            self.sent += 1
            wait = 0.0
            if self.rate_limit:
                now = time.monotonic()
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / self.rate_limit
                wait = slot - now
        if wait > 0:
            time.sleep(wait)

    def record(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                self.successes += 1
            if status == 429:
                self.throttled += 1

    def retry_delay(self, status: int, headers: Mapping[str, str], attempt: int) -> float | None:
        """Seconds to wait before retrying a 429, or None to give up and hand the 429 to the checks."""
        if status != 429 or attempt >= self.max_retries_on_429:
            return None
        return min(parse_retry_after(headers.get("retry-after"), default=2.0 ** attempt), self.max_retry_wait)


def parse_retry_after(value: str | None, default: float) -> float:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def curl_line(method: str, url: str, headers: Mapping[str, str], redactor: Redactor | None = None) -> str:
    """A shell line that sends the same request, credentials masked."""
    parts = ["curl", "-X", method.upper()]
    for name, value in headers.items():
        if name.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent", "accept"):
            continue
        shown = mask_header_value(value) if is_sensitive_header(name) else value
        parts += ["-H", f"{name}: {shown}"]
    parts.append(url)
    line = " ".join(shlex.quote(p) for p in parts)
    return redactor(line) if redactor else line


def curl_for(request: Any, redactor: Redactor | None = None) -> str:
    """curl for an httpx.Request or a requests.PreparedRequest (header names as they were sent)."""
    raw = getattr(request.headers, "raw", None)
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw} if raw is not None else dict(request.headers)
    return curl_line(str(request.method), str(request.url), headers, redactor)


class ApiClient:
    """httpx, politely: the semantic checks' only way to the API."""

    def __init__(self, base_url: str, politeness: Politeness, headers: Mapping[str, str] | None = None,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.politeness = politeness
        self.http = httpx.Client(headers=dict(headers or {}), timeout=timeout, follow_redirects=False,
                                 transport=transport)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def get(self, path: str, params: Any = None, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params, headers=headers)

    def request(self, method: str, path: str, params: Any = None, headers: Mapping[str, str] | None = None,
                without: tuple[str, ...] = ()) -> httpx.Response:
        """`without` names headers of the client's own (credentials) to leave out of this request."""
        attempt = 0
        while True:
            self.politeness.admit(method)
            request = self.http.build_request(method, self.url(path), params=params, headers=headers)
            for name in without:
                request.headers.pop(name, None)
            response = self.http.send(request)
            self.politeness.record(response.status_code)
            delay = self.politeness.retry_delay(response.status_code, response.headers, attempt)
            if delay is None:
                return response
            attempt += 1
            time.sleep(delay)

    def close(self) -> None:
        self.http.close()


def polite_session(politeness: Politeness, timeout: float):
    """A requests.Session for Schemathesis that obeys the same budget, rate limit and 429 rules."""
    import requests

    class PoliteSession(requests.Session):
        def send(self, request, **kwargs):  # every requests call ends here, probes included
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            attempt = 0
            while True:
                politeness.admit(request.method or "GET")
                response = super().send(request, **kwargs)
                politeness.record(response.status_code)
                delay = politeness.retry_delay(response.status_code, response.headers, attempt)
                if delay is None:
                    return response
                attempt += 1
                time.sleep(delay)

    return PoliteSession()

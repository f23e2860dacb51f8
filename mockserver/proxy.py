"""`mockserver proxy`: forward a client's traffic to a live API and check both sides against the spec.

    client -> validate request (the client's violations) -> upstream -> check the answer (the API's)
           -> journal both -> the upstream's answer, plus `X-Mock-Violations` -> [record the items]

The client gets what the upstream answered, byte for byte, with one added header naming what
either side broke (absent when nothing was). `--strict` refuses a request the client got wrong with
the vendor's 4xx instead of forwarding it. An upstream that is down or silent is answered 502 or
504 in the vendor's envelope. Everything journaled or recorded is redacted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts.auth import TokenSource, credentials_for
from contracts.redact import Redactor, is_sensitive_header, mask_header_value
from contracts.results import OperationResult, Recorder

from .accesslog import AccessLog
from .errors import TITLES, Problem, RequestError
from .journal import Entry, Journal
from .lru import WeightedLRU
from .proxy_checks import check_page
from .proxy_conformance import documented_views
from .proxy_route import Checked, OperationRoute, build_routes, find, owner
from .recording import Recording
from .spec import load_specs
from .upstream import Answer, Upstream, UpstreamFailure

HEADER = "X-Mock-Violations"
ADMIN = ("GET /__mock/health", "GET|DELETE /__mock/requests")
GRADED_ANSWERS = 1024  # findings kept per distinct answer: a client polling a page is graded once
MAX_HEADER_BYTES = 6000  # the header's JSON is cut to fit common proxies' 8 KB header limits
log = logging.getLogger("mockserver.proxy")


@dataclass
class ProxySettings:
    upstream: str
    specs: list[str] | None = None
    record: str | None = None  # the pins file to write (README: Pinned records)
    token: str | None = None  # replaces the client's credentials (--token-env)
    strict: bool = False  # refuse a client violation instead of forwarding it
    timeout: float = 10.0  # seconds for the whole upstream exchange
    access_log: bool = False


@dataclass
class ProxyEntry(Entry):
    """A journal entry with the other side: the API's findings on this answer."""

    upstream: dict = field(default_factory=dict)  # {status, ms, error}
    findings: list[dict] = field(default_factory=list)  # {check, kind: fail|warn, claim, basis, expected, actual}


class ProxyJournal(Journal):
    def add_exchange(self, entry: dict) -> ProxyEntry:
        record = ProxyEntry(next(self._ids), time.time(), **entry)
        self.entries.append(record)
        return record


class UpstreamError(RequestError):
    @property
    def title(self) -> str:
        return {502: "Bad Gateway", 504: "Gateway Timeout"}.get(self.status) or TITLES.get(self.status, "Error")


class Proxy:
    """The ASGI endpoint behind every path but `/__mock/`."""

    def __init__(self, settings: ProxySettings):
        self.settings = settings
        self.specs = load_specs(settings.specs)
        self.routes = build_routes(self.specs, documented_views(self.specs))
        self.upstream = Upstream(settings.upstream, settings.timeout)
        self.journal = ProxyJournal()
        self.redact = Redactor([settings.token] if settings.token else [])
        self.tokens_seen: set[str] = set()
        operations = {op.operation_id: op for spec in self.specs for op in spec.operations}
        self.recording = Recording(settings.record, operations, self.redact) if settings.record else None
        self.graded = WeightedLRU(GRADED_ANSWERS, weight=lambda _: 1)
        self._writing: asyncio.Task | None = None
        self._dirty = False

    # ------------------------------------------------------------------------------ the exchange
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        method, path = request.method, scope["path"]
        if path.startswith("/__mock/"):  # the proxy's own namespace: never forwarded, never journaled
            await _send_json(send, 404, {}, {"detail": f"the proxy serves {', '.join(ADMIN)}; {path} is not one"})
            return
        raw_query = scope.get("query_string", b"")
        query_text = raw_query.decode("latin-1")
        query_items = request.query_params.multi_items()
        self._learn_secrets(request.headers.get("authorization"), query_items)
        route, path_params, checked = find(self.routes, method, path)
        if route is not None:
            checked = route.check(request.headers, query_text, query_items, path_params, self.settings.token is not None)
        entry = self._entry(method, path, query_text, query_items, route, checked)
        if checked.problems and self.settings.strict:
            await self._refuse(route, path, checked, entry, send)
            return
        started = time.perf_counter()
        try:
            answer = await self.upstream.send(method, scope.get("raw_path") or path.encode(), raw_query,
                                              self._headers(request, route), await request.body())
        except UpstreamFailure as failure:
            await self._failed(route, path, failure, entry, time.perf_counter() - started, send)
            return
        findings = self._grade(route, answer, checked, path_params, path, query_text) if route is not None else []
        entry["upstream"] = {"status": answer.status, "ms": round((time.perf_counter() - started) * 1000, 2), "error": None}
        entry["findings"] = findings
        entry["violations"] += [f"response: {f['check']}: {f['claim']}" + (f" (got {f['actual']})" if f["actual"] else "")
                                for f in findings if f["kind"] == "fail"]
        self.journal.add_exchange({**entry, "status": answer.status})
        headers = list(answer.headers)
        length = answer.response.headers.get("content-length") if method == "HEAD" else None  # HEAD: the GET's
        headers.append((b"content-length", (length or str(len(answer.raw))).encode("latin-1")))
        named = _violations_header(checked.messages, findings)
        if named:
            headers.append((HEADER.lower().encode(), named))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else answer.raw})
        if self.recording is not None and route is not None and 200 <= answer.status < 300:
            self._record(route, path_params, answer)

    def _headers(self, request: Request, route: OperationRoute | None) -> list[tuple[bytes, bytes]]:
        headers = list(request.headers.raw)
        if self.settings.token is None:
            return headers
        spec = route.op.spec if route is not None else self.specs[0]
        credentials, _ = credentials_for(spec, TokenSource(self.settings.token, "--token-env", {}))
        replaced = {name.lower() for name in credentials} | {"authorization"}
        return [(k, v) for k, v in headers if k.decode("latin-1").lower() not in replaced] + \
               [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in credentials.items()]

    def _grade(self, route: OperationRoute, answer: Answer, checked: Checked, path_params: dict, path: str,
               query: str) -> list[dict]:
        """The checks are a pure function of the request and the answer: the same answer to the
        same request is graded once (an LRU keyed by a digest of the body)."""
        key = (route.name, path, query, bool(checked.problems), answer.status, answer.content_type,
               answer.response.headers.get("content-encoding"), hashlib.blake2b(answer.raw, digest_size=16).digest())
        found = self.graded.get(key)
        if found is None:
            try:
                found = self._graded(route, answer, checked, path_params)
            except Exception as exc:  # a checker's bug never costs the client its answer
                log.warning("proxy: could not check the answer to %s %s: %r", route.op.method.upper(), path, exc)
                return []
            self.graded.put(key, found)
        return [dict(f) for f in found]

    def _graded(self, route: OperationRoute, answer: Answer, checked: Checked, path_params: dict) -> list[dict]:
        """The API's findings on this answer, graded by the operation's `x-contract`."""
        op = route.op
        rec = Recorder(OperationResult(op.spec.name, op.operation_id, op.method, op.path), self.redact, route.contract)
        content = answer.decoded()
        body = None
        if content is not None:
            body = route.conformance.check(rec, answer.status, answer.content_type, content, answer.response,
                                           valid_request=not checked.problems)
        query = checked.query
        if body is not None and query is not None and 200 <= answer.status < 300:
            check_page(op, route.contract, rec, answer.response, body, path_params, query, route.maximum)
        out = []
        for name, result in rec.operation.checks.items():
            if result.errored:  # a check that could not read this answer: said in the log, not blamed on the API
                log.warning("proxy: check %s could not run on %s %s: %s", name, op.method.upper(), op.path,
                            result.findings[0].claim if result.findings else "")
                continue
            for finding in result.findings:
                out.append({"check": name, "kind": finding.kind, "claim": finding.claim, "basis": finding.basis,
                            "expected": finding.expected, "actual": finding.actual})
        return out

    # ---------------------------------------------------------------------- answers of our own
    async def _refuse(self, route: OperationRoute | None, path: str, checked: Checked, entry: dict, send) -> None:
        """`--strict`: the vendor's 4xx for the client's mistake, as the mock gives it; not forwarded."""
        error = RequestError(checked.status, list(checked.problems))
        status, headers, body = self._error(route, path, error)
        self.journal.add_exchange({**entry, "status": status, "upstream": {"status": None, "ms": 0, "error": "not forwarded (--strict)"}})
        headers[HEADER] = _violations_header(checked.messages, []).decode("latin-1")
        await _send_json(send, status, headers, body)

    async def _failed(self, route, path: str, failure: UpstreamFailure, entry: dict, took: float, send) -> None:
        error = UpstreamError(failure.status, [Problem(str(failure))])
        status, headers, body = self._error(route, path, error)
        self.journal.add_exchange({**entry, "status": status, "violations": entry["violations"] + [f"upstream: {failure}"],
                                   "upstream": {"status": None, "ms": round(took * 1000, 2), "error": str(failure)}})
        headers[HEADER] = _violations_header(entry["violations"] + [f"upstream: {failure}"], []).decode("latin-1")
        await _send_json(send, status, headers, body)

    def _error(self, route: OperationRoute | None, path: str, error: RequestError) -> tuple[int, dict, Any]:
        vendor = route or owner(self.routes, path)
        if vendor is not None:
            return vendor.error(error)
        return error.status, {}, {"errors": [{"status": error.status, "title": error.title, "detail": str(error)}]}

    # ------------------------------------------------------------------------------ redaction
    def _entry(self, method: str, path: str, query: str, query_items: list, route: OperationRoute | None,
               checked: Checked) -> dict:
        """The journal entry's request side, redacted."""
        return {"method": method, "path": self.redact(path), "query": self._scrub_query(query_items, query),
                "operation": route.name if route else None,
                "parameters": {k: [self._scrub_value(k, v) for v in vs] for k, vs in _grouped(query_items).items()},
                "violations": [self.redact(m) for m in checked.messages]}

    def _learn_secrets(self, authorization: str | None, query_items: list[tuple[str, str]]) -> None:
        """Every credential a client sends (its `Authorization`, a `?api_token=`) is kept out of the
        journal, the log and the recording."""
        if authorization:
            self._learn_secret(authorization.strip().partition(" ")[2].strip() or authorization.strip())
        for name, value in query_items:
            if is_sensitive_header(name):
                self._learn_secret(value)

    def _learn_secret(self, secret: str) -> None:
        if secret and secret not in self.tokens_seen and len(self.tokens_seen) < 1000:
            self.tokens_seen.add(secret)
            self.redact.add(secret)

    def _scrub_value(self, name: str, value: str) -> str:
        return mask_header_value(value) if is_sensitive_header(name) else self.redact(value)

    def _scrub_query(self, items: list[tuple[str, str]], text: str) -> str:
        if any(is_sensitive_header(name) for name, _ in items):
            from urllib.parse import urlencode

            return urlencode([(k, self._scrub_value(k, v)) for k, v in items], safe="[],:()*")
        return self.redact(text)

    # ------------------------------------------------------------------------------ recording
    def _record(self, route: OperationRoute, path_params: dict, answer: Answer) -> None:
        """After the answer went out: merge its items, then write the file off the event loop."""
        if "collection" not in route.op.mock or "json" not in answer.content_type:
            return
        try:
            content = answer.decoded()
            items = route.dialect.items_of(orjson.loads(content)) if content else None
            if isinstance(items, list) and self.recording.add(route.op, path_params, items):
                self._dirty = True
                if self._writing is None or self._writing.done():
                    self._writing = asyncio.get_running_loop().create_task(self._flush())
        except Exception as exc:  # recording never changes what the client receives
            log.warning("proxy: could not record %s: %s", route.name, self.redact(str(exc)))

    async def _flush(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await asyncio.to_thread(self.recording.write)
            except OSError as exc:
                log.warning("proxy: could not write %s: %s", self.settings.record, exc)

    async def close(self) -> None:
        if self._writing is not None:
            await self._writing
        if self.recording is not None and self._dirty:
            self.recording.write()
        await self.upstream.close()


def _grouped(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in items:
        out.setdefault(name, []).append(value)
    return out


def _violations_header(client: list[str], findings: list[dict]) -> bytes:
    """`X-Mock-Violations`: a JSON list, the client's first, e.g.
    `[{"side":"client","message":"'foo' is not a documented parameter"},
      {"side":"api","kind":"fail","check":"paging.links","message":"`links.next` is null on this page ..."}]`"""
    entries = [{"side": "client", "message": m} for m in client]
    entries += [{"side": "api", "kind": f["kind"], "check": f["check"],
                 "message": f["claim"] + (f" (got {f['actual']})" if f["actual"] and f["kind"] == "fail" else "")}
                for f in findings]  # a warning's claim already says what the API did
    if not entries:
        return b""
    kept: list[dict] = []
    for n, entry in enumerate(entries):
        entry["message"] = entry["message"][:300]
        if len(json.dumps(kept + [entry])) > MAX_HEADER_BYTES:
            kept.append({"side": "proxy", "message": f"{len(entries) - n} more in /__mock/requests"})
            break
        kept.append(entry)
    return json.dumps(kept, ensure_ascii=True, separators=(",", ":")).encode("latin-1")


class _RedactingFilter(logging.Filter):
    """The access log prints the query as sent; every credential a proxy has seen comes out as ***."""

    redactors: list = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactors:
            text = record.getMessage()
            for redact in self.redactors:
                text = redact(text)
            record.msg, record.args = text, None
        return True


_FILTER = _RedactingFilter()


def _redact_access_log(redact: Redactor) -> None:
    _FILTER.redactors.append(redact)
    access = logging.getLogger("mockserver.access")
    if _FILTER not in access.filters:
        access.addFilter(_FILTER)


async def _send_json(send, status: int, headers: dict, body: Any) -> None:
    content = orjson.dumps(body)
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    raw += [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


def create_proxy_app(settings: ProxySettings) -> Starlette:
    """The proxy as an app: `/__mock/health` and `/__mock/requests`, everything else forwarded."""
    proxy = Proxy(settings)

    async def health(request: Request) -> Response:
        recording = proxy.recording
        recorded = None if recording is None else {"file": str(recording.path), "items": recording.count(),
                                                   "skipped": recording.skipped}
        return Response(orjson.dumps({"status": "ok", "mode": "proxy", "upstream": proxy.upstream.shown,
                                      "operations": len(proxy.routes), "recording": recorded}),
                        media_type="application/json")

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            proxy.journal.clear()
            return Response(status_code=204)
        return Response(orjson.dumps(proxy.journal.as_json()), media_type="application/json")

    @asynccontextmanager
    async def lifespan(app):
        yield
        await proxy.close()

    if settings.access_log:
        _redact_access_log(proxy.redact)
    routes = [Route("/__mock/health", health, methods=["GET"]),
              Route("/__mock/requests", requests, methods=["GET", "DELETE"])]
    app = Starlette(routes=routes, middleware=[Middleware(AccessLog)] if settings.access_log else [], lifespan=lifespan)
    app.router.redirect_slashes = False
    app.router.default = proxy  # every path no admin route takes (any method, any bytes) is forwarded
    app.state.proxy = proxy
    app.state.journal = proxy.journal
    return app



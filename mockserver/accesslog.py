"""The access log (`--access-log`, on at `--log-level info`): one line per request, tokens redacted.

    127.0.0.1:52114 "GET /v1/discount-codes?limit=5 HTTP/1.1" 200 1834 B 1.4 ms auth=Bearer ***

Only the scheme word of `Authorization` is printed, so a client's missing or mistyped scheme
shows without its token ever reaching a log; query parameters named like credentials
(`api_token=`, `key=`, `signature=`...) are printed as `***`.
"""

from __future__ import annotations

import logging
import re
import sys
import time

logger = logging.getLogger("mockserver.access")


_SECRET_PARAM = re.compile(r"(?i)(^|&)([^=&]*(token|key|secret|password|passwd|auth|signature|sig)[^=&]*)=[^&]*")


def redacted_query(query: str) -> str:
    """`limit=2&api_token=abc` -> `limit=2&api_token=***`: credentials some APIs take in the query."""
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}=***", query)


def redacted_auth(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            return f"{scheme} ***" if token else "***"
    return "-"


class AccessLog:
    """ASGI middleware: logs after the response is sent (status and bytes as they went out)."""

    def __init__(self, app):
        self.app = app
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = {"status": 0, "bytes": 0}

        async def counting(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            elif message["type"] == "http.response.body":
                sent["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            client = scope.get("client") or ("-", 0)
            query = redacted_query(scope.get("query_string", b"").decode("latin-1"))
            target = scope["path"] + (f"?{query}" if query else "")
            logger.info('%s:%s "%s %s HTTP/%s" %s %d B %.1f ms auth=%s', client[0], client[1], scope["method"],
                        target, scope.get("http_version", "1.1"), sent["status"] or "-", sent["bytes"],
                        (time.perf_counter() - started) * 1000, redacted_auth(scope.get("headers", [])))

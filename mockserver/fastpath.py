"""A request the mock has answered before, answered again without Starlette (issue 10).

The pipeline is a pure function of the request, so its answer is cached (responses.py). A cache
hit still went through the middleware stack, routing (a regular expression per route until one
matches), a `Request` and the endpoint: 40 us of the 100 a repeated request cost, more than the
work. This layer, in front of Starlette (app.MockApp), keeps what was sent for a request (status, the raw headers as
they left CORS, the body) under everything that can change it: path, query string and every
header (credentials, `Accept`, `Accept-Encoding`, `If-None-Match`, `Origin`). The same request
again is sent those bytes, and journaled exactly as the endpoint journals it.

Only what the endpoint marked as served from its deterministic pipeline is kept (never a fault
script's answer, an injected error or a 503). It steps aside entirely, per request, while
anything makes answers vary by more than the request: fault-script rules, `Prefer`, latency,
error rate, rate limit; readings and the access log turn it off. It is cleared with the
response cache (pins, scripts' data changes).
"""

from __future__ import annotations

from typing import Any

from .lru import WeightedLRU

MARK = "mockserver.fast"  # scope key: (the endpoint's journal entry, its credential check, its two messages), set when the answer may be kept
STEP_ASIDE = (b"prefer",)  # a request with these headers always goes the whole way
MAX_BYTES = 16 * 1024 * 1024


def cache() -> WeightedLRU:
    """Sent answers, bounded by their body bytes."""
    return WeightedLRU(MAX_BYTES, weight=lambda kept: len(kept[3]["body"]) + 512, max_entry=1024 * 1024)


class FastPath:
    def __init__(self, app, world: Any, journal: Any, controls: Any, settings: Any):
        self.app, self.world, self.journal, self.controls, self.settings = app, world, journal, controls, settings

    def _active(self) -> bool:
        settings = self.settings
        return not (self.controls.scripts.rules or settings.latency or settings.error_rate or self.controls.limiter)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self._active():
            return await self.app(scope, receive, send)
        # Every header but `Authorization` is part of the key: Accept, encodings, Origin, an apiKey
        # header or cookie (a client sending a request id per request simply never hits). A kept
        # answer checks the request's own credentials, so a new bearer token per request hits.
        keyed, origin = [], False
        for header in scope["headers"]:  # one pass: the key, whether to step aside, whether CORS answers
            name = header[0]
            if name in STEP_ASIDE:
                return await self.app(scope, receive, send)
            if name != b"authorization":
                keyed.append(header)
                origin = origin or name == b"origin"
        key = (scope["path"], scope["query_string"], scope.get("scheme"), tuple(keyed))
        kept = self.world.fast_responses.get(key)
        if kept is not None and (kept[1] is None or kept[1](scope)):
            entry, _, start, body = kept
            self.journal.add(*entry)
            await send(start)
            await send(body)
            return
        if not origin:  # nothing between here and the endpoint changes its messages: it marks what it sent
            await self.app(scope, receive, send)
            marked = scope.get(MARK)
            if marked is not None:
                self.world.fast_responses.put(key, marked)
            return
        sent: list = []  # CORS adds its headers on the way out: keep the messages as they leave it

        async def capture(message) -> None:
            sent.append(message)
            await send(message)

        await self.app(scope, receive, capture)
        marked = scope.get(MARK)
        if marked is not None and len(sent) == 2 and sent[0]["type"] == "http.response.start" \
                and sent[1]["type"] == "http.response.body" and not sent[1].get("more_body"):
            self.world.fast_responses.put(key, (*marked[:2], sent[0], sent[1]))

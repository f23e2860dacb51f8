"""The floor: the least pure-Python work that answers the speed bench's requests, for comparison.

Issue 10 sets ratios to the bare Starlette baseline. This app shows what any CPython mock on the
same server settings can reach at most: a raw ASGI app with no framework, no spec, no validation,
no journal and no caches but one, answering the same shape of page as the mock's Elastic Path
usages (25 items of ten fields with two UUIDs and two times each, links that name the host, a
strong ETag over the body) from counter-based draws (one blake2b per eight values, as
mockserver/draws.py). It is hand-written for this one page, which no mock of many specs can be.

- `/floor/new/{promotion}/{code}?page[limit]=N`: every item generated, as for a new collection;
- `/floor/warm/{promotion}/{code}?page[limit]=N`: items generated once per collection and kept; the
  envelope, the JSON and the ETag are made per request (the `pipeline` mode: a new `Host` each).

    python -m bench.floor_app --port 9001
"""

from __future__ import annotations

import argparse
import time
from hashlib import blake2b
from struct import Struct

import orjson

from mockserver.conditional import etag_of

_WORDS = Struct("<8Q")
_NOW_MS = 1_767_225_600_000  # a fixed "now" (2026-01-01), as the mock serves with a pinned clock
_SPAN_MS = 60_480_000_000  # usages spread over 700 days before now
_CUSTOMERS = [(f"{k:08x}-0000-4000-8000-{k:012x}", f"customer{k}@example.org") for k in range(60)]
_DAYS: dict[int, str] = {}
_MINUTES = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]


def _day(d: int) -> str:
    text = _DAYS.get(d)
    if text is None:
        text = _DAYS[d] = time.strftime("%Y-%m-%d", time.gmtime(d * 86400))
    return text


def _time(ms: int) -> str:
    s, ms = divmod(ms, 1000)
    d, s = divmod(s, 86400)
    m, s = divmod(s, 60)
    return "%sT%s:%02d.%03dZ" % (_day(d), _MINUTES[m], s, ms)


def _uuid(a: int, b: int) -> str:
    return "%08x-%04x-4%03x-%x%03x-%012x" % (a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF, 8 | (b >> 62), (b >> 48) & 0xFFF,
                                             b & 0xFFFFFFFFFFFF)


def items(promotion: str, code: str, offset: int, limit: int) -> tuple[list[dict], int]:
    """(the page's items, the collection's size): a pure function of the path, as in the mock."""
    key = blake2b(f"{promotion}\x1f{code}".encode(), digest_size=16).digest()
    size = 1 + int.from_bytes(key[:2], "little") % 400
    code_id = _uuid(int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little"))
    out = []
    for i in range(offset, min(offset + limit, size)):
        w = _WORDS.unpack(blake2b(key + i.to_bytes(4, "little")).digest())
        used = _NOW_MS - _SPAN_MS + int((i + (w[4] >> 11) * 2.0 ** -53 * 0.9) * (_SPAN_MS / size))
        customer_id, email = _CUSTOMERS[w[5] % 60]
        out.append({"id": _uuid(w[0], w[1]), "order_id": _uuid(w[2], w[3]), "code_id": code_id, "code": code,
                    "times_used": 1 + w[6] % 3, "used_on": _time(used), "anonymized": w[7] % 25 == 0,
                    "cusomter_id": customer_id, "customer_email": email,
                    "meta": {"timestamps": {"updated_at": _time(used + w[7] % 172_800_000)}}})
    return out, size


def page(items_: list[dict], size: int, offset: int, limit: int, base: str) -> dict:
    def link(at: int) -> str:
        return f"{base}?page[offset]={at}&page[limit]={limit}"

    last = max(0, (size - 1) // limit * limit)
    return {"data": items_,
            "links": {"current": link(offset), "first": link(0), "last": link(last),
                      "next": link(offset + limit) if offset + limit < size else None,
                      "prev": link(max(0, offset - limit)) if offset else None},
            "meta": {"page": {"current": offset // limit + 1, "limit": limit, "offset": offset, "total": -(-size // limit)},
                     "results": {"total": size}}}


class FloorApp:
    """Raw ASGI: the scope read directly, the response sent as two messages."""

    def __init__(self):
        self.kept: dict[tuple, tuple[list[dict], int]] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        parts = scope["path"].split("/")  # ['', 'floor', mode, promotion, code]
        if len(parts) != 5 or parts[1] != "floor":
            await self._send(send, 200 if scope["path"] == "/__mock/health" else 404, b'{"status":"ok"}')
            return
        mode, promotion, code = parts[2], parts[3], parts[4]
        limit, offset = 25, 0
        for pair in scope["query_string"].split(b"&"):
            name, _, value = pair.partition(b"=")
            if name == b"page[limit]":
                limit = int(value)
            elif name == b"page[offset]":
                offset = int(value)
        if mode == "warm":
            kept = self.kept.get((promotion, code, offset, limit))
            if kept is None:
                kept = self.kept[(promotion, code, offset, limit)] = items(promotion, code, offset, limit)
        else:
            kept = items(promotion, code, offset, limit)
        host = next((v for k, v in scope["headers"] if k == b"host"), b"localhost").decode("latin-1")
        body = orjson.dumps(page(kept[0], kept[1], offset, limit, f"http://{host}{scope['path']}"))
        await self._send(send, 200, body)

    @staticmethod
    async def _send(send, status: int, body: bytes) -> None:
        etag = etag_of(body).encode()  # the mock's own ETag
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"etag", etag), (b"content-length", str(len(body)).encode()),
                                (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    # The baseline's settings: auto loop (uvloop), auto http (httptools).
    uvicorn.run(FloorApp(), host=args.host, port=args.port, log_level="warning", loop="auto", http="auto",
                access_log=False)


if __name__ == "__main__":
    main()

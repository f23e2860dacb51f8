"""Malformed requests as raw bytes, and a raw-socket sender that never trusts the server.

Generation is a pure function of (seed, index), so any finding can be replayed exactly
(`python -m bench.fuzz --replay INDEX`). Every request is complete HTTP framing-wise (no promised
body that never comes), so a request that gets no answer in time is the server's hang, not ours.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from .cases import CASES, EP_USAGES, NUWEB, OPS, TEAMUP

# Real operation paths and their documented parameters: garbage is most useful when it nearly fits.
TARGETS: dict[str, list[str]] = {
    TEAMUP: ["limit", "offset", "page", "page_size", "format", "sort", "columns", "customers", "discount_codes",
             "groups", "use_types", "used_at_gte", "used_at_lte", "used_at_timeframe", "id_gt"],
    "/v2/promotions/promo-3/codes": ["page[limit]", "page[offset]"],
    EP_USAGES: ["page[limit]", "page[offset]", "sort", "filter"],
    OPS: ["limit", "page", "status", "sortBy", "sortOrder", "fields"],
    NUWEB: ["limit", "page", "offset", "types", "only", "except", "withTrashed"],
}
PATHS = list(TARGETS)
TEMPLATES = [c.path for c in CASES]

BROKEN_ESCAPES = ["%", "%4", "%G0", "%zz", "%%", "%E2%82", "%C0%AF", "%FF%FE", "%00", "%0A", "%0D%0A", "%2F", "%25",
                  "%252F", "%u0041", "%ED%A0%80", "%F4%90%80%80", "%C3", "+", "%20%", "%7", "%-1", "%+1"]
ODD_VALUES = ["", "-1", "0", "1e3", "1.5", "NaN", "Infinity", "99999999999999999999999", "-0", "0x10", "١٢", "²",
              " 5", "5 ", "true", "null", "[]", "{}", "[1]", "'", '"', "\\", "<script>", "gt(used_on,", "eq(code,)",
              "gt(used_on,2025-13-45)", "lt(used_on,9999-99-99T99:99:99Z)", "eq(id,a):eq(id,b):eq(id,c)", "((((", "))))",
              "eq(code,a)b", "ge(used_on,2025-06-01T00:00:00+14:00)", "-", "--used_at", "+used_at", ",", ",,,", ".",
              "..", "discountCodes.", ".code", "customer..id", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00",
              "2025-06-01T25:61:61Z", "today,yesterday", "APPLIED,REVERSED", "asc,desc", "json,csv", "csv\x00"]
ODD_PATH_PIECES = [b"%00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xc3\xa9", b"\xe2\x82\xac", b"..", b".", b"%2e%2e",
                   b"%2F", b"//", b"\\", b";x=1", b"%3B", b"~", b"%", b"%zz", b"*", b"@", b":", b"!", b"$", b"'"]
METHODS = [b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"HEAD", b"TRACE", b"GETX", b"get", b"CONNECT", b"PRI"]
AUTH_VALUES = [b"", b"Bearer", b"Bearer ", b"bearer x", b"BEARER x", b"Token x", b"Basic eDp5", b"Bearer\tx", b"x",
               b"Bearer " + b"t" * 9000, b"Bearer \x00", b"Bearer \x7f", b"Bearer \xff\xfe", b"Bearer \xc3\xa9",
               b"Bearer  x  ", b"Digest x", b"Bearer x y z", b"  Bearer x"]
CATEGORIES = ["percent", "huge", "repeated", "path", "header", "method", "value", "mixed"]


@dataclass
class RawRequest:
    index: int
    category: str
    data: bytes
    target: str  # request target as text (latin-1), for routing the verdict
    method: str


@dataclass
class RawResult:
    request: RawRequest
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    outcome: str = "ok"  # ok | reset (answered, then reset) | hang | dropped | error
    seconds: float = 0.0
    error: str = ""


def generate(index: int, seed: int = 0) -> RawRequest:
    """The index-th malformed request for this seed."""
    r = random.Random(f"{seed}:{index}")
    category = CATEGORIES[index % len(CATEGORIES)]
    method, target, headers = b"GET", r.choice(TEMPLATES).encode(), [(b"Authorization", b"Bearer fuzz")]
    steps = [category] if category != "mixed" else r.sample(CATEGORIES[:-1], r.randint(2, 3))
    for step in steps:
        method, target, headers = MUTATORS[step](r, method, target, headers)
    head = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    head += [name + b": " + value for name, value in headers]
    head.append(b"Connection: close")
    data = b"\r\n".join(head) + b"\r\n\r\n"
    return RawRequest(index, category, data, target.decode("latin-1"), method.decode("latin-1"))


def _query(r: random.Random, target: bytes) -> tuple[bytes, bytes]:
    path, _, query = target.partition(b"?")
    return path, query


def _param(r: random.Random, path: bytes) -> bytes:
    names = TARGETS.get(path.decode("latin-1"), ["limit"])
    return r.choice(names).encode()


def _percent(r, method, target, headers):
    path, query = _query(r, target)
    bad = r.choice(BROKEN_ESCAPES).encode()
    where = r.random()
    if where < 0.5:
        query += b"&" + _param(r, path) + b"=" + bad + r.choice([b"", b"1", b"x"])
    elif where < 0.75:
        query += b"&" + bad + b"=1"
    else:
        segments = path.split(b"/")
        i = r.randrange(1, len(segments))
        segments[i] += bad
        path = b"/".join(segments)
    return method, path + b"?" + query.lstrip(b"&"), headers


def _huge(r, method, target, headers):
    path, query = _query(r, target)
    kind = r.random()
    size = r.choice([8000, 8193, 9000, 20_000, 65_536, 200_000])
    if kind < 0.4:
        query += b"&" + _param(r, path) + b"=" + b"9" * size
    elif kind < 0.7:
        count = size // 6
        query += b"".join(b"&a%d=1" % i for i in range(count))
    elif kind < 0.85:
        path += b"/" + b"x" * size
    else:
        headers = headers + [(b"X-Huge", b"h" * min(size, 60_000))]
    return method, path + b"?" + query.lstrip(b"&"), headers


def _repeated(r, method, target, headers):
    path, query = _query(r, target)
    name = _param(r, path)
    count = r.choice([2, 3, 10, 100, 500])
    value = r.choice([b"1", b"25", b"json", b"-used_at", b"fixed", b"", b"x"])
    suffix = r.choice([b"", b"[]"])
    query += b"".join(b"&" + name + suffix + b"=" + value for _ in range(count))
    return method, path + b"?" + query.lstrip(b"&"), headers


def _path(r, method, target, headers):
    path, query = _query(r, target)
    segments = path.split(b"/")
    piece = r.choice(ODD_PATH_PIECES)
    i = r.randrange(1, len(segments))
    how = r.random()
    if how < 0.4:
        segments[i] = segments[i] + piece
    elif how < 0.7:
        segments[i] = piece
    else:
        segments.insert(i, piece)
    return method, b"/".join(segments) + (b"?" + query if query else b""), headers


def _header(r, method, target, headers):
    kind = r.random()
    if kind < 0.45:
        headers = [(b"Authorization", r.choice(AUTH_VALUES))]
    elif kind < 0.55:
        headers = []
    elif kind < 0.65:
        headers = headers + [(b"Authorization", r.choice(AUTH_VALUES))]
    elif kind < 0.8:
        odd = r.choice([b"\x01", b"\x7f", b"\x80\xff", b"\xc3\xa9", b"\t", b" ", b"a" * 10_000, b"\x00"])
        headers = headers + [(r.choice([b"Accept", b"X-Odd", b"Accept-Encoding", b"Cookie"]), odd)]
    elif kind < 0.9:
        headers = headers + [(r.choice([b"X\x01Y", b"X Y", b"X:Y", b"\xff", b"(", b"X-\x80"]), b"1")]
    else:
        headers = headers + [(b"Host", r.choice([b"[", b"a b", b"\xff", b"x:99999999", b"", b"h" * 5000]))]
    return method, target, headers


def _method(r, method, target, headers):
    return r.choice(METHODS), target, headers


def _value(r, method, target, headers):
    path, query = _query(r, target)
    value = r.choice(ODD_VALUES).encode("utf-8")
    if r.random() < 0.5:
        value = value.replace(b"%", b"%25").replace(b"&", b"%26").replace(b"#", b"%23").replace(b" ", b"%20")
        value = b"".join(b"%%%02X" % c if c < 0x21 or c > 0x7e else bytes([c]) for c in value)
    return method, path + b"?" + query + b"&" + _param(r, path) + b"=" + value, headers


MUTATORS = {"percent": _percent, "huge": _huge, "repeated": _repeated, "path": _path, "header": _header,
            "method": _method, "value": _value}


# --------------------------------------------------------------------------------- sending

async def send(host: str, port: int, request: RawRequest, timeout: float = 5.0) -> RawResult:
    """Send one request on its own connection and read one response, never waiting past `timeout`."""
    result = RawResult(request)
    started = time.perf_counter()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(request.data)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        result.status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        result.content_type = fields.get("content-type", "")
        length = int(fields.get("content-length", "0") or 0)
        if request.method != "HEAD" and length:
            result.body = await asyncio.wait_for(reader.readexactly(length), timeout)
    except asyncio.TimeoutError:
        result.outcome = "hang"
    except asyncio.IncompleteReadError as exc:
        result.outcome = "dropped"
        result.error = f"connection closed after {len(exc.partial)} bytes"
    except OSError as exc:
        # A server may answer and close while a huge request is still being sent; the kernel then
        # resets the connection and what was unread of the answer is lost. The status line came.
        result.outcome = "reset" if result.status is not None else "error"
        result.error = f"{type(exc).__name__}: {exc}"
    except (ValueError, IndexError) as exc:
        result.outcome = "error"
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()
    result.seconds = time.perf_counter() - started
    return result


async def send_all(host: str, port: int, requests: list[RawRequest], concurrency: int = 16,
                   timeout: float = 5.0) -> list[RawResult]:
    gate = asyncio.Semaphore(concurrency)

    async def one(req: RawRequest) -> RawResult:
        async with gate:
            return await send(host, port, req, timeout)

    return await asyncio.gather(*(one(req) for req in requests))

"""Where the mock spends its time per request: the app alone, in-process, under cProfile.

Requests go straight into the Starlette app as ASGI calls (scope built as uvicorn builds it), so
no client and no socket code is in the profile: what remains is routing, validation, the
pipeline, rendering and serialization. By default every request carries a distinct `Host` (links
name the host, so it keys the response caches; a token does not), so the caches miss and the
pipeline runs, over warm item caches (as
in a server that has generated those items before); `--repeat` sends the identical request (the
cache-hit path); `--cold` also clears the item caches before every request.

    python -m bench.profile [--requests 2000] [--only teamup] [--top 12] [--repeat] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

from .cases import AUTH_HEADER, CASES, Case

PROFILED = [c for c in CASES if c.kind == "first"] + [c for c in CASES if c.name in ("teamup/csv", "ops/sort", "nuweb/fields")]


def scope_for(path: str, host: str = "127.0.0.1:8000") -> dict:
    parts = urlsplit(path)
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(), "root_path": "",
        "headers": [(b"host", host.encode()), (AUTH_HEADER[0].lower().encode(), AUTH_HEADER[1].encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }


async def call(app, path: str, host: str = "127.0.0.1:8000") -> tuple[int, int]:
    scope = scope_for(path, host)
    out = {"status": 0, "bytes": 0}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["bytes"] += len(message.get("body", b""))

    await app(scope, receive, send)
    return out["status"], out["bytes"]


async def loop(app, path: str, n: int, cold: bool, repeat: bool) -> float:
    """CPU seconds (not wall-clock: the machine may be shared) for n requests."""
    world = app.state.world
    hosts = ["127.0.0.1:8000" if repeat else f"h{next(_serial)}.bench" for _ in range(n)]
    started = time.process_time()
    for host in hosts:
        if cold:
            world.clear_caches()
        await call(app, path, host)
    return time.process_time() - started


_serial = itertools.count()


def module_of(filename: str) -> str:
    for marker in ("mockserver/", "starlette/", "bench/", "urllib/", "jsonschema_rs", "orjson", "asyncio/", "random", "json/",
                   "csv", "typing", "dataclasses", "functools", "re/", "enum"):
        if marker in filename:
            rest = filename.split(marker, 1)[1] if marker.endswith("/") else ""
            return marker.rstrip("/") + ("/" + rest.split("/")[0] if rest else "")
    return "builtins" if filename == "~" else filename.rsplit("/", 1)[-1]


def profile_case(app, case: Case, n: int, top: int, cold: bool, repeat: bool) -> dict:
    status, size = asyncio.run(call(app, case.path))
    assert status == 200, (case.name, status)
    asyncio.run(loop(app, case.path, 200, cold, repeat))  # warm up
    plain = asyncio.run(loop(app, case.path, n, cold, repeat)) / n
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(loop(app, case.path, n, cold, repeat))
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())
    by_module: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
        by_module[module_of(filename)] += tt
        rows.append((tt, ct, nc, f"{module_of(filename)}:{func}" + (f":{line}" if line else "")))
    rows.sort(reverse=True)
    return {"case": case.name, "bytes": size, "us_per_request": round(plain * 1e6, 1),
            "modules": sorted(((m, round(t / total * 100, 1)) for m, t in by_module.items()), key=lambda x: -x[1])[:10],
            "top": [(name, round(tt / total * 100, 1), round(ct / total * 100, 1), round(nc / n, 1)) for tt, ct, nc, name in rows[:top]],
            "cumulative": _cumulative(stats, total, n)}


def _cumulative(stats: pstats.Stats, total: float, n: int) -> list:
    """Inclusive time of the pipeline's steps (the functions named in mockserver/app.py's docstring)."""
    wanted = {"parse", "check_auth", "query", "select", "render", "respond", "json_response", "collection_for",
              "_csv", "sort_items", "items", "slice", "materialize", "keep", "link", "_links", "_included", "__call__",
              "dumps", "iter_errors", "multi_items", "query_params", "url", "_headers"}
    out = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
        if func in wanted and ("mockserver" in filename or func in ("dumps", "iter_errors") or "starlette" in filename):
            out.append((f"{module_of(filename)}:{func}", round(ct / total * 100, 1), round(nc / n, 2)))
    return sorted(out, key=lambda x: -x[1])[:14]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile the app in-process, per endpoint.")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", default="")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--cold", action="store_true", help="clear item caches before every request")
    parser.add_argument("--repeat", action="store_true", help="the identical request every time (cache hits)")
    args = parser.parse_args(argv)

    from mockserver.app import create_app

    app = create_app(seed=0)
    for case in [c for c in PROFILED if args.only in c.name]:
        r = profile_case(app, case, args.requests, args.top, args.cold, args.repeat)
        print(f"\n== {r['case']}: {r['us_per_request']} us CPU/request in-process (no profiler), {r['bytes']:,} bytes")
        print("   by module (own time): " + ", ".join(f"{m} {p}%" for m, p in r["modules"]))
        print("   steps (inclusive %, calls/request): " + ", ".join(f"{name} {p}% x{c}" for name, p, c in r["cumulative"]))
        print(f"   {'own %':>6} {'incl %':>6} {'calls/req':>9}  function")
        for name, tt, ct, calls in r["top"]:
            print(f"   {tt:6.1f} {ct:6.1f} {calls:9.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

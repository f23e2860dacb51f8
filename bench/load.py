"""Drive a server with load: `wrk` when installed, else a bundled asyncio + httpx client.

Both give the same `LoadResult`. wrk (C, epoll) is what the figures should come from: a Python
client on one core tops out around a few thousand requests/s and so measures itself, not the
server. The fallback exists so the harness still runs (and its smoke test runs) without wrk.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .cases import AUTH_HEADER
from .servers import taskset


@dataclass
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    status_2xx: int = 0
    status_4xx: int = 0
    status_5xx: int = 0
    errors: dict = field(default_factory=dict)  # connect / read / write / timeout

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_dict(self) -> dict:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_load(base_url: str, paths: list[str], connections: int, seconds: float, cores: list[int] | None = None,
             timeout: float = 10.0, tool: str | None = None, distinct: bool = False,
             new_token: bool = False) -> LoadResult:
    """Load `paths` (in rotation) at `connections` concurrent keep-alive connections.

    `distinct` gives every request a `Host` of its own: the same query, but a different request to
    any cache keyed on the request (the mock's response caches are: its links name the host), so
    each one runs the pipeline. `new_token` gives every request its own bearer token, which the
    mock checks but leaves out of its cache keys (what it serves does not depend on the token).
    """
    tool = tool or ("wrk" if wrk_path() else "httpx")
    if tool == "wrk":
        return run_wrk(base_url, paths, connections, seconds, cores, timeout, distinct, new_token)
    if not getattr(run_load, "_warned", False):
        warnings.warn("wrk is not installed (apt-get install -y wrk): falling back to the bundled Python client, "
                      "which saturates long before the server does; its figures are lower bounds.", stacklevel=2)
        run_load._warned = True  # type: ignore[attr-defined]
    return run_httpx(base_url, paths, connections, seconds, timeout, distinct, new_token)


# -------------------------------------------------------------------------------------- wrk

_LUA = r"""
local paths = {%(paths)s}
local headers = {["%(header)s"] = "%(value)s"}
local distinct = %(distinct)s
local new_token = %(new_token)s
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args) i = 0; c2 = 0; c4 = 0; c5 = 0 end
function request()
  i = i + 1
  if distinct then headers["Host"] = "h" .. tid .. "-" .. i .. ".bench" end
  if new_token then headers["%(header)s"] = "%(value)s-" .. tid .. "-" .. i end
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
function response(status, hdrs, body)
  if status < 400 then c2 = c2 + 1 elseif status < 500 then c4 = c4 + 1 else c5 = c5 + 1 end
end
function done(summary, latency, requests)
  local t2, t4, t5 = 0, 0, 0
  for _, t in ipairs(threads) do t2 = t2 + t:get("c2"); t4 = t4 + t:get("c4"); t5 = t5 + t:get("c5") end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"timeout":%%d,"mean_us":%%.1f,"max_us":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"c2":%%d,"c4":%%d,"c5":%%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), t2, t4, t5))
end
"""


def wrk_script(paths: list[str], distinct: bool = False, new_token: bool = False) -> str:
    quoted = ", ".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings for our paths
    return _LUA % {"paths": quoted, "header": AUTH_HEADER[0], "value": AUTH_HEADER[1],
                   "distinct": "true" if distinct else "false", "new_token": "true" if new_token else "false"}


def run_wrk(base_url: str, paths: list[str], connections: int, seconds: float, cores: list[int] | None = None,
            timeout: float = 10.0, distinct: bool = False, new_token: bool = False) -> LoadResult:
    threads = max(1, min(connections, len(cores) if cores else 1))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(wrk_script(paths, distinct, new_token))
    try:
        argv = taskset(cores or []) + ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                                       f"--timeout={max(1, round(timeout))}s", "-s", fh.name, base_url]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout + 30)
    finally:
        Path(fh.name).unlink(missing_ok=True)
    return parse_wrk(out.stdout + out.stderr, connections)


def parse_wrk(output: str, connections: int) -> LoadResult:
    """Read the one JSON line our Lua `done()` prints (wrk's own text table is not parsed)."""
    line = next((ln for ln in output.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output[-2000:]}")
    r = json.loads(line[len("WRKJSON "):])
    seconds = r["duration_us"] / 1e6
    ms = lambda us: round(us / 1000, 3)
    return LoadResult(
        tool="wrk", connections=connections, seconds=round(seconds, 3), requests=r["requests"],
        rps=round(r["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=ms(r["p50_us"]), p90_ms=ms(r["p90_us"]), p99_ms=ms(r["p99_us"]), max_ms=ms(r["max_us"]),
        mean_ms=ms(r["mean_us"]), status_2xx=r["c2"], status_4xx=r["c4"], status_5xx=r["c5"],
        errors={k: r[k] for k in ("connect", "read", "write", "timeout")},
    )


# ------------------------------------------------------------------------- Python fallback

def run_httpx(base_url: str, paths: list[str], connections: int, seconds: float, timeout: float = 10.0,
              distinct: bool = False, new_token: bool = False) -> LoadResult:
    return asyncio.run(_httpx_load(base_url, paths, connections, seconds, timeout, distinct, new_token))


async def _httpx_load(base_url: str, paths: list[str], connections: int, seconds: float, timeout: float,
                      distinct: bool, new_token: bool) -> LoadResult:
    import httpx

    latencies: list[float] = []
    counts = {"2": 0, "4": 0, "5": 0}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = dict([AUTH_HEADER])
    started = time.perf_counter()
    deadline = started + seconds

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout, headers=headers) as client:
        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                try:
                    extra = {**({"Host": f"h{offset}-{i}.bench"} if distinct else {}),
                             **({AUTH_HEADER[0]: f"{AUTH_HEADER[1]}-{offset}-{i}"} if new_token else {})} or None
                    response = await client.get(path, headers=extra)
                    await response.aread()
                except httpx.TimeoutException:
                    errors["timeout"] += 1
                    continue
                except httpx.ConnectError:
                    errors["connect"] += 1
                    continue
                except httpx.HTTPError:
                    errors["read"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                counts["2" if response.status_code < 400 else "4" if response.status_code < 500 else "5"] += 1

        await asyncio.gather(*(worker(n) for n in range(connections)))
    elapsed = time.perf_counter() - started
    return summarize(latencies, elapsed, connections, counts, errors, tool="httpx")


def summarize(latencies: list[float], elapsed: float, connections: int, counts: dict, errors: dict,
              tool: str) -> LoadResult:
    ordered = sorted(latencies)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3) if ordered else 0.0
    return LoadResult(
        tool=tool, connections=connections, seconds=round(elapsed, 3), requests=len(ordered),
        rps=round(len(ordered) / elapsed, 1) if elapsed else 0.0,
        p50_ms=pick(0.50), p90_ms=pick(0.90), p99_ms=pick(0.99), max_ms=pick(1.0),
        mean_ms=round(sum(ordered) / len(ordered) * 1000, 3) if ordered else 0.0,
        status_2xx=counts["2"], status_4xx=counts["4"], status_5xx=counts["5"], errors=errors,
    )

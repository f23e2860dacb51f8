"""`python -m bench.speed` (from the venv: `.venv/bin/python -m bench.speed`): the figures of issue 10, side by side with the baseline.

    python -m bench.speed [--seconds 5] [--connections 16,64] [--skip-throughput] [--skip-million]
                          [--skip-rss] [--rss-seconds 300] [--million-size 1000000] [--startup-runs 5]
                          [--floor] [--loop asyncio|uvloop]

1. **Throughput** of one Elastic Path usages page (25 items) at 16 and 64 connections, five ways,
   each run next to the others in the same minute:
   - `baseline`: the bare Starlette app (baseline_app.py) answering the mock's bytes;
   - `repeat`: the same request again and again (the mock's response cache answers);
   - `new-token`: a different bearer token per request. The mock checks every token but leaves
     credentials out of its cache keys (what it serves never depends on which token came), so
     this measures the check and the caches;
   - `pipeline`: a different `Host` per request (links name the host, so it is a key of both
     response caches): a miss, the whole pipeline runs over warm item caches;
   - `new-collection`: a new promotion per request (and one of the codes it lists): the listing
     check, the collection's size and every item of the page are generated for the first time.
2. **Million**: every documented query shape (bench/cases.py MILLION) on one
   `mockserver serve --size 1000000`: the first request (cold), then, if that was a 503 while an
   index is built (mockserver/sortindex.py), how long until the query answers 200, then 20 requests
   with distinct `Host`s (warm: data and indexes built, the pipeline runs).
3. **RSS**: new collections at full speed (64 connections) for `--rss-seconds` over three
   endpoints; VmRSS sampled every 5 s. Every cache is bounded (mockserver/dataset.py), so RSS
   levels off once they are full (a minute or two); the run shows where.
4. **Floor** (`--floor`): bench/floor_app.py, a hand-written raw ASGI app that answers the same
   shape of page with the least pure-Python work, in the `pipeline` and `new-collection` modes,
   next to the baseline: what no CPython mock on these server settings can beat. Not a target;
   it says how much of a gap is ours and how much is the language's.
5. **Start-up**: launch of `mockserver serve` to its first 200 (median of 5).

Writes bench/results/speed-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .baseline_app import save_bodies
from .cases import AUTH_HEADER, EP_USAGES, MILLION
from .load import parse_wrk, run_load, wrk_path
from .report import mock_version, results_path, table, write_json
from .run import fetch, quiet_run
from .scaling import RssSampler
from .servers import (HOST, Interference, baseline_server, core_split, floor_server, measure_startup, mock_server, pin_self,
                      stop_servers_on_sigterm, taskset, wait_for_quiet)

PAGE = f"{EP_USAGES}?page[limit]=25"
MODES = ("baseline", "repeat", "new-token", "pipeline", "new-collection")
FLOOR_MODES = ("floor-pipeline", "floor-new-collection")
# Ratio to the baseline at 16 connections. The issue set new-token's for the pipeline over warm data
# (a new token was a cache miss then); `pipeline` is held to the same, so that nothing is hidden.
TARGETS = {"repeat": 0.9, "new-token": 0.6, "pipeline": 0.6, "new-collection": 0.33}
P99_TARGETS = {"repeat": 15.0, "new-token": 15.0, "pipeline": 15.0, "new-collection": 30.0}  # ms at 64 connections

_LUA_FILE = r"""
local file = "%(file)s"
local headers = {["%(header)s"] = "%(value)s"}
local threads = {}
local nthreads = %(threads)d
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args)
  paths = {}
  local n = 0
  for line in io.lines(file) do
    if n %% nthreads == tid then paths[#paths + 1] = line end
    n = n + 1
  end
  i = 0; c2 = 0; c4 = 0; c5 = 0; wrapped = 0
end
function request()
  i = i + 1
  if i > #paths then i = 1; wrapped = 1 end
  return wrk.format("GET", paths[i], headers)
end
function response(status, hdrs, body)
  if status < 400 then c2 = c2 + 1 elseif status < 500 then c4 = c4 + 1 else c5 = c5 + 1 end
end
function done(summary, latency, requests)
  local t2, t4, t5, w = 0, 0, 0, 0
  for _, t in ipairs(threads) do t2 = t2 + t:get("c2"); t4 = t4 + t:get("c4"); t5 = t5 + t:get("c5"); w = w + t:get("wrapped") end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"timeout":%%d,"mean_us":%%.1f,"max_us":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"c2":%%d,"c4":%%d,"c5":%%d,"wrapped":%%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), t2, t4, t5, w))
end
"""


def new_collection_paths(count: int, start: int, kinds: tuple[str, ...] = ("usages",)) -> list[str]:
    """Paths of collections no request has asked for before: a new promotion each, and for usages
    one of the codes that promotion lists, any of them (the k-th, k drawn), so the listing check
    reads as far into the listing as a client's random walk would (1 in 10 promotions list none)."""
    from mockserver.fake import stable_int, unique_code

    out = []
    for k in range(start, start + count):
        promo = f"speed-{k}"
        kind = kinds[k % len(kinds)]
        if kind == "usages":
            listed = _world().collection("getPromotionCodes", {"promotionID": promo}).size
            code = unique_code(promo, stable_int("pick", k) % max(listed, 1))
            out.append(f"/v2/promotions/{promo}/codes/{code}/usages?page[limit]=25")
        elif kind == "codes":
            out.append(f"/v2/promotions/{promo}/codes?page[limit]=25")
        else:  # ops: a promotion id is a UUID
            out.append(f"/api/v1/ops/promotions/5eed0000-0000-4000-8000-{k:012x}/usage-history?limit=25")
    return out


_WORLD: list = []


def _world():
    """The mock's data, in this process: which codes a new promotion lists (the same in any process)."""
    if not _WORLD:
        from mockserver import create_app

        _WORLD.append(create_app(specs=["elasticpath-promotions"]).state.world)
    return _WORLD[0]


def run_paths(base_url: str, paths: list[str], connections: int, seconds: float, cores: list[int],
              timeout: float = 10.0) -> dict:
    """wrk over a file of paths, each requested once (per run) unless the run outlasts them."""
    threads = max(1, min(connections, len(cores) if cores else 1))
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as paths_file:
        paths_file.write("\n".join(paths) + "\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_LUA_FILE % {"file": paths_file.name, "header": AUTH_HEADER[0], "value": AUTH_HEADER[1],
                              "threads": threads})
    try:
        import subprocess

        argv = taskset(cores) + ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                                 f"--timeout={max(1, round(timeout))}s", "-s", fh.name, base_url]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout + 60)
    finally:
        Path(fh.name).unlink(missing_ok=True)
        Path(paths_file.name).unlink(missing_ok=True)
    text = out.stdout + out.stderr
    result = parse_wrk(text, connections).to_dict()
    result["wrapped"] = '"wrapped":0' not in text
    return result


class Paths:
    """Fresh new-collection paths for every run (never two runs over the same collections)."""

    def __init__(self, per_run: int = 60_000):
        self.next, self.per_run = 0, per_run

    def take(self, kinds: tuple[str, ...] = ("usages",)) -> list[str]:
        paths = new_collection_paths(self.per_run, self.next, kinds)
        self.next += self.per_run
        return paths


def collection_run(server, paths: list[str], connections: int, seconds: float, load_cores, server_cores) -> dict:
    """wrk over new-collection paths, with the server's CPU per request and the cores' noise."""
    wait_for_quiet(server_cores + load_cores, max_wait=3.0)
    with Interference(server, server_cores, load_cores) as noise:
        result = run_paths(server.base_url, paths, connections, seconds, load_cores)
    return result | {"noise": round(noise.fraction, 3),
                     "cpu_us_per_request": round(noise.server_cpu_seconds / result["requests"] * 1e6, 1)
                     if result["requests"] else None}


def floor_paths(paths: list[str]) -> list[str]:
    """The floor app's paths for the same collections: /floor/new/{promotion}/{code}?page[limit]=25."""
    out = []
    for path in paths:
        parts, _, query = path.partition("?")
        _, _, _, promotion, _, code, _ = parts.split("/")
        out.append(f"/floor/new/{promotion}/{code}?{query}")
    return out


def throughput(mock, baseline, connections: list[int], seconds: float, load_cores, server_cores, retries: int,
               floor=None) -> list[dict]:
    rows = []
    paths = Paths()
    modes = MODES + (FLOOR_MODES if floor is not None else ())
    run_load(baseline.base_url, ["/baseline/ep-usages.first"], 16, 1, load_cores)  # warm both up
    run_load(mock.base_url, [PAGE], 16, 1, load_cores)
    run_paths(mock.base_url, paths.take(), 16, 1, load_cores)
    for n in connections:
        for mode in modes:
            if mode == "floor-pipeline":
                r = quiet_run(floor, "/floor/warm/promo-15/SUMMER25?page[limit]=25", n, seconds, load_cores, server_cores,
                              "wrk", retries, distinct=True)
            elif mode == "floor-new-collection":
                r = collection_run(floor, floor_paths(paths.take()), n, seconds, load_cores, server_cores)
            elif mode == "baseline":
                r = quiet_run(baseline, "/baseline/ep-usages.first", n, seconds, load_cores, server_cores, "wrk", retries)
            elif mode == "new-collection":
                r = collection_run(mock, paths.take(), n, seconds, load_cores, server_cores)
            else:
                r = quiet_run(mock, PAGE, n, seconds, load_cores, server_cores, "wrk", retries,
                              distinct=mode == "pipeline", new_token=mode == "new-token")
            rows.append({"mode": mode, "connections": n, **r})
            print(f"  {mode:15} c={n:<3} {r['rps']:8,.0f} req/s  p50 {r['p50_ms']:7.2f}  p99 {r['p99_ms']:8.2f} ms  "
                  f"{r['cpu_us_per_request']} us CPU/req  noise {r['noise']:.0%}"
                  + (f"  non-2xx 4xx={r['status_4xx']} 5xx={r['status_5xx']}" if r["status_4xx"] or r["status_5xx"] else "")
                  + ("  (paths wrapped: some collections repeated)" if r.get("wrapped") else ""), flush=True)
    base = {row["connections"]: row for row in rows if row["mode"] == "baseline"}
    floors = {(row["mode"].removeprefix("floor-"), row["connections"]): row for row in rows if row["mode"] in FLOOR_MODES}
    for row in rows:
        b = base.get(row["connections"])
        row["ratio"] = round(row["rps"] / b["rps"], 3) if b and b["rps"] else None
        row["cpu_ratio"] = (round(b["cpu_us_per_request"] / row["cpu_us_per_request"], 3)
                            if b and b["cpu_us_per_request"] and row["cpu_us_per_request"] else None)
        floor = floors.get((row["mode"], row["connections"]))  # the mock's row against the floor's
        row["of_floor"] = round(row["rps"] / floor["rps"], 3) if floor and floor["rps"] else None
    return rows


def _get(conn: http.client.HTTPConnection, path: str, host: str | None = None) -> tuple[int, float, dict]:
    """One request; a `host` of its own makes it a miss in the response caches."""
    t0 = time.perf_counter()
    conn.request("GET", path, headers={AUTH_HEADER[0]: AUTH_HEADER[1], **({"Host": host} if host else {})})
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - t0) * 1000, {k.title(): v for k, v in response.getheaders()}


def million(size: int, server_cores, ready_timeout: float = 300.0, warm_requests: int = 20) -> dict:
    """Every documented query shape on one server with `--size N` (see the module docstring)."""
    rows = []
    with mock_server(server_cores, size=size) as server:
        sampler = RssSampler(server, interval=0.5)
        sampler.start()
        idle = server.rss_kb()
        serial = 0
        for case, cost in MILLION:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
            row = {"case": case.name, "cost": cost}
            try:
                status, cold_ms, headers = _get(conn, case.path)
                row |= {"cold_status": status, "cold_ms": round(cold_ms, 1), "retry_after": headers.get("Retry-After")}
                ready_s, started = None, time.perf_counter()
                while status == 503 and time.perf_counter() - started < ready_timeout:
                    time.sleep(min(2.0, float(headers.get("Retry-After", 1))))
                    serial += 1
                    status, ms, headers = _get(conn, case.path, f"poll-{serial}.bench")
                    row["max_503_ms"] = max(row.get("max_503_ms", 0), round(ms, 1)) if status == 503 else row.get("max_503_ms")
                if row["cold_status"] == 503:
                    ready_s = round(time.perf_counter() - started, 1) if status == 200 else None
                row["ready_s"] = ready_s
                warm = []
                for _ in range(warm_requests):
                    serial += 1
                    st, ms, _ = _get(conn, case.path, f"warm-{serial}.bench")
                    warm.append(ms)
                    row["warm_status"] = st
                warm.sort()
                row |= {"warm_p50_ms": round(statistics.median(warm), 2), "warm_max_ms": round(warm[-1], 2)}
            except (TimeoutError, OSError) as exc:
                row["error"] = repr(exc)
            finally:
                conn.close()
            print(f"  {case.name:24} {cost:11} cold {row.get('cold_status')} {row.get('cold_ms')} ms"
                  f"{' ready after ' + str(row.get('ready_s')) + ' s' if row.get('cold_status') == 503 else ''}"
                  f"  warm p50 {row.get('warm_p50_ms')} ms max {row.get('warm_max_ms')} ms  {row.get('error', '')}", flush=True)
            rows.append(row)
        peak = sampler.stop()
        end = server.rss_kb()
    return {"size": size, "rows": rows, "rss_idle_mb": round(idle / 1024, 1), "rss_peak_mb": round(peak / 1024, 1),
            "rss_end_mb": round(end / 1024, 1)}


def rss_run(seconds: float, server_cores, load_cores, chunk: float = 30.0) -> dict:
    """New collections at full speed (64 connections) for `seconds`; RSS every 5 s."""
    paths = Paths(per_run=120_000)
    samples, requests = [], 0
    with mock_server(server_cores) as mock:
        sampler = RssSampler(mock, interval=5.0)
        sampler.start()
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            left = seconds - (time.perf_counter() - started)
            r = run_paths(mock.base_url, paths.take(("usages", "codes", "ops")), 64, max(1.0, min(chunk, left)), load_cores)
            requests += r["requests"]
            samples.append((round(time.perf_counter() - started), round(mock.rss_kb() / 1024, 1), r["rps"],
                            r["status_5xx"]))
            print(f"  {samples[-1][0]:5d} s  RSS {samples[-1][1]:6.1f} MB  {r['rps']:7,.0f} req/s  5xx {r['status_5xx']}",
                  flush=True)
        peak = sampler.stop()
        healthy = mock.healthy()
    return {"seconds": seconds, "requests": requests, "samples": samples, "rss_peak_mb": round(peak / 1024, 1),
            "rss_end_mb": samples[-1][1] if samples else None, "healthy_after": healthy}


def check(rows: list[dict], big: dict | None, rss: dict | None, startup: list[float]) -> list[dict]:
    out = []
    for mode, want in TARGETS.items():
        for r in [r for r in rows if r["mode"] == mode and r["connections"] == 16]:
            out.append({"target": f"{mode} @16 >= {want} x baseline", "value": r["ratio"], "met": (r["ratio"] or 0) >= want})
    for mode, want in P99_TARGETS.items():
        for r in [r for r in rows if r["mode"] == mode and r["connections"] == 64]:
            out.append({"target": f"{mode} p99 @64 < {want:g} ms", "value": r["p99_ms"], "met": r["p99_ms"] < want})
    if big:
        for r in big["rows"]:
            fast_503 = r.get("cold_status") == 503 and (r.get("cold_ms") or 1e9) < 2000
            cold_ok = (r.get("cold_status") == 200 and (r.get("cold_ms") or 1e9) < 2000) or fast_503
            warm_ok = r.get("warm_status") == 200 and (r.get("warm_p50_ms") or 1e9) < 50
            out.append({"target": f"{big['size']:,}: {r['case']} cold < 2 s (or a fast 503) and warm p50 < 50 ms",
                        "value": f"{r.get('cold_status')} {r.get('cold_ms')} ms / {r.get('warm_p50_ms')} ms",
                        "met": cold_ok and warm_ok})
    if rss:
        out.append({"target": f"RSS < 300 MB after {rss['seconds']:.0f} s of new collections", "value": rss["rss_peak_mb"],
                    "met": (rss["rss_peak_mb"] or 1e9) < 300})
    if startup:
        out.append({"target": "start-up < 1 s (median)", "value": round(statistics.median(startup), 3),
                    "met": statistics.median(startup) < 1.0})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Issue 10's figures: new-token / new-collection throughput, a million items, RSS.")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--million-size", type=int, default=1_000_000)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--rss-seconds", type=float, default=300.0)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default=None,
                        help="the mock's event loop (mockserver serve --loop; the baseline and the floor run on uvloop)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure bench/floor_app.py (the least pure-Python work for the same page)")
    args = parser.parse_args(argv)
    if not wrk_path():
        raise SystemExit("bench.speed: needs wrk (apt-get install -y wrk)")
    stop_servers_on_sigterm()
    server_cores, load_cores = core_split()
    pin_self(load_cores)
    started, version = time.perf_counter(), mock_version()
    print(f"bench.speed: mockserver at {version}; server on cores {server_cores or 'any'}, load on {load_cores or 'any'}")

    rows: list[dict] = []
    if not args.skip_throughput:
        with mock_server(server_cores, loop=args.loop) as mock, tempfile.TemporaryDirectory() as tmp:
            status, body, media = fetch(mock.port, PAGE)
            if status != 200:
                raise SystemExit(f"bench.speed: {PAGE} answered {status}: {body[:200]!r}")
            bodies_file = str(Path(tmp) / "bodies.json")
            save_bodies(bodies_file, {"ep-usages.first": (body, media.split(";")[0])})
            with baseline_server(bodies_file, server_cores) as baseline, \
                    (floor_server(server_cores) if args.floor else contextlib.nullcontext()) as floor:
                print(f"bench.speed: throughput, {PAGE} ({len(body):,} bytes)")
                rows = throughput(mock, baseline, [int(c) for c in args.connections.split(",")], args.seconds,
                                  load_cores, server_cores, args.retries, floor)
    big = None
    if not args.skip_million:
        print(f"bench.speed: every documented query shape at --size {args.million_size:,}")
        big = million(args.million_size, server_cores)
    rss = None
    if not args.skip_rss:
        print(f"bench.speed: RSS over {args.rss_seconds:.0f} s of new collections at 64 connections")
        rss = rss_run(args.rss_seconds, server_cores, load_cores)
    startup = measure_startup(args.startup_runs, server_cores) if args.startup_runs else []
    targets = check(rows, big, rss, startup)

    if rows:
        print("\nThroughput, one Elastic Path usages page (25 items); ratio = req/s / baseline req/s at the same connections")
        print(table(["mode", "conns", "req/s", "ratio", "p50 ms", "p99 ms", "CPU us/req", "CPU ratio", "of floor", "noise"],
                    [[r["mode"], r["connections"], r["rps"], r["ratio"], r["p50_ms"], r["p99_ms"], r["cpu_us_per_request"],
                      r["cpu_ratio"], r.get("of_floor") or "", f"{r['noise']:.0%}"] for r in rows], "lrrrrrrrrr"))
        if any(r.get("of_floor") for r in rows):
            print("of floor = req/s / the floor's req/s in the same mode (bench/floor_app.py: the least pure-Python work)")
    if big:
        print(f"\n{big['size']:,} items: cold = first request; ready = seconds until a 503'd query answers 200; warm = "
              f"distinct Hosts after. RSS idle {big['rss_idle_mb']} MB, peak {big['rss_peak_mb']} MB, end {big['rss_end_mb']} MB")
        print(table(["case", "cost", "cold", "cold ms", "Retry-After", "ready s", "warm p50 ms", "warm max ms"],
                    [[r["case"], r["cost"], r.get("cold_status"), r.get("cold_ms"), r.get("retry_after"), r.get("ready_s"),
                      r.get("warm_p50_ms"), r.get("warm_max_ms")] for r in big["rows"]], "llrrrrrr"))
    if rss:
        print(f"\nRSS: {rss['requests']:,} requests of new collections; peak {rss['rss_peak_mb']} MB, end {rss['rss_end_mb']} MB")
    if startup:
        print(f"Start-up: {', '.join(f'{s:.3f}' for s in startup)} s; median {statistics.median(startup):.3f} s")
    print("\nTargets (issue 10)")
    print(table(["target", "value", "met"], [[t["target"], t["value"], "yes" if t["met"] else "NO"] for t in targets], "lrl"))
    path = write_json(results_path("speed"), {"args": vars(args), "mock": version, "throughput": rows, "million": big,
                                               "rss": rss, "startup_s": startup, "targets": targets,
                                               "seconds": round(time.perf_counter() - started, 1)})
    print(f"\nbench.speed: results in {path} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

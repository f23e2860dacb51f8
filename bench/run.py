"""`make bench`: throughput and latency of the mock against a bare baseline, scaling, start-up.

    python -m bench.run [--seconds 5] [--connections 1,16,64] [--only teamup] [--skip-scaling]
                        [--scaling-sizes 100,10000,1000000] [--scaling-timeout 60] [--workers 1]

Steps: start the mock as a user does (`mockserver serve`, pinned to one core); fetch every case
once (each must answer 200) and give those exact bodies to the baseline (bench/baseline_app.py, same
uvicorn settings); drive both with wrk (pinned to the other cores) at each connection count; then
the scaling run (bench/scaling.py) and start-up timings. Prints tables, checks the targets of
issue #5, and writes everything to bench/results/bench-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .baseline_app import save_bodies
from .cases import AUTH_HEADER, CASES, SCALING, Case
from .load import LoadResult, run_load, wrk_path
from .report import mock_version, results_path, table, write_json
from .scaling import run_scaling
from .servers import (HOST, Interference, Server, baseline_server, core_split, measure_startup, mock_server, pin_self,
                      stop_servers_on_sigterm, wait_for_quiet)

PRISM_RPS = 850  # Prism's dynamic mode on one core (issue #5)
NOISE_LIMIT = 0.05  # re-measure when something else used more than 5% of the server's core


def fetch(port: int, path: str) -> tuple[int, bytes, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=dict([AUTH_HEADER]))
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("content-type", "")
    finally:
        conn.close()


def quiet_run(server: Server, path: str, connections: int, seconds: float, load_cores: list[int],
              server_cores: list[int], tool: str | None, retries: int, distinct: bool = False,
              new_token: bool = False) -> dict:
    """A load run, repeated (up to `retries` times) while other processes disturb our cores.

    Besides what the client saw, it records the server's own CPU time per request: unlike req/s,
    that hardly moves when a neighbour takes the core, so it is the steadier figure of the cost.
    """
    best: dict | None = None
    for _ in range(retries + 1):
        wait_for_quiet(server_cores + load_cores, max_wait=3.0)
        with Interference(server, server_cores, load_cores) as noise:
            result = run_load(server.base_url, [path], connections, seconds, load_cores, tool=tool, distinct=distinct,
                              new_token=new_token)
        run = result.to_dict() | {
            "noise": round(noise.fraction, 3),
            "cpu_us_per_request": round(noise.server_cpu_seconds / result.requests * 1e6, 1) if result.requests else None,
        }
        if best is None or run["noise"] < best["noise"]:
            best = run
        if noise.fraction <= NOISE_LIMIT:
            break
    return best


def measure_cases(mock: Server, baseline: Server, cases: list[Case], connections: list[int], seconds: float,
                  warmup: float, load_cores: list[int], server_cores: list[int], tool: str | None,
                  retries: int = 1) -> list[dict]:
    """Each case at each connection count: the mock repeating one request (its response cache
    answers), the mock with a distinct `Host` per request (every request runs the pipeline), and
    the baseline."""
    rows = []
    for case in cases:
        baseline_path = f"/baseline/{case.name.replace('/', '.')}"
        for server, path in ((mock, case.path), (baseline, baseline_path)):
            run_load(server.base_url, [path], 16, warmup, load_cores, tool=tool)  # fill caches, settle the loop
        for n in connections:
            b = quiet_run(baseline, baseline_path, n, seconds, load_cores, server_cores, tool, retries)
            for mode in ("repeat", "distinct"):
                m = quiet_run(mock, case.path, n, seconds, load_cores, server_cores, tool, retries, mode == "distinct")
                cpu_ratio = (b["cpu_us_per_request"] / m["cpu_us_per_request"]
                             if m["cpu_us_per_request"] and b["cpu_us_per_request"] else None)
                row = {"case": case.name, "mode": mode, "connections": n, "mock": m, "baseline": b,
                       "ratio": round(m["rps"] / b["rps"], 3) if b["rps"] else None,
                       "cpu_ratio": round(cpu_ratio, 3) if cpu_ratio else None, "noise": max(m["noise"], b["noise"])}
                bad = m["status_4xx"] or m["status_5xx"] or any(m["errors"].values())
                print(f"  {case.name:17} {mode:8} c={n:<3} mock {m['rps']:7,.0f} req/s p50 {m['p50_ms']:6.2f} "
                      f"p99 {m['p99_ms']:7.2f} ms {m['cpu_us_per_request']} us CPU/req | baseline {b['rps']:7,.0f} req/s "
                      f"p99 {b['p99_ms']:6.2f} ms {b['cpu_us_per_request']} us | ratio {row['ratio']} (CPU {row['cpu_ratio']}) "
                      f"| noise {row['noise']:.0%}"
                      + (f"  ERRORS {m['errors']} 4xx={m['status_4xx']} 5xx={m['status_5xx']}" if bad else ""), flush=True)
                rows.append(row)
    return rows


def throughput_table(rows: list[dict], sizes: dict[str, int]) -> str:
    body = [[r["case"], r["mode"], sizes.get(r["case"]), r["connections"], r["mock"]["rps"], r["mock"]["p50_ms"], r["mock"]["p99_ms"],
             r["mock"]["cpu_us_per_request"], r["baseline"]["rps"], r["baseline"]["p50_ms"], r["baseline"]["p99_ms"],
             r["baseline"]["cpu_us_per_request"], r["ratio"], r["cpu_ratio"], f"{r['noise']:.0%}"] for r in rows]
    return table(["case", "mode", "bytes", "conns", "mock req/s", "p50 ms", "p99 ms", "CPU us/req", "base req/s", "p50 ms",
                  "p99 ms", "CPU us/req", "ratio", "CPU ratio", "noise"], body, "ll" + "r" * 13)


def scaling_table(points: list[dict]) -> str:
    body = [[p["case"], p["cost"], p["size"], p["status"], p["cold_ms"], p["warm_p50_ms"], p["distinct_p50_ms"],
             p["distinct_max_ms"], p["distinct_requests"], "TIMEOUT" if p["timed_out"] else "", p["rss_idle_mb"],
             p["rss_peak_mb"], p["startup_s"]] for p in points]
    return table(["case", "cost", "items", "status", "cold ms", "repeat p50", "distinct p50", "distinct max", "n", "",
                  "RSS idle MB", "RSS peak MB", "start s"], body, "llrrrrrrrlrrr")


def check_targets(rows: list[dict], points: list[dict], startup: list[float]) -> list[dict]:
    """The targets of issue #5, each with the figure it was judged on, for both modes."""
    out = []
    for mode in ("repeat", "distinct"):
        for r in [r for r in rows if r["case"].endswith("/first") and r["connections"] == 16 and r["mode"] == mode]:
            label = f"{r['case']} ({mode}) @16"
            out.append({"target": f"{label}: >= 1/3 of baseline req/s", "value": r["ratio"], "met": (r["ratio"] or 0) >= 1 / 3})
            out.append({"target": f"{label}: >= 10x Prism ({10 * PRISM_RPS} req/s)", "value": r["mock"]["rps"],
                        "met": r["mock"]["rps"] >= 10 * PRISM_RPS})
            cpu = r["mock"]["cpu_us_per_request"]
            if cpu and r["cpu_ratio"] and r["noise"] > NOISE_LIMIT:  # noisy run: the CPU-time reading of both
                out.append({"target": f"{label}: same, by CPU time: ratio >= 1/3", "value": r["cpu_ratio"],
                            "met": r["cpu_ratio"] >= 1 / 3})
                out.append({"target": f"{label}: same, by CPU time: 1e6/CPU us >= {10 * PRISM_RPS}", "value": round(1e6 / cpu),
                            "met": 1e6 / cpu >= 10 * PRISM_RPS})
        at64 = [r for r in rows if r["connections"] == 64 and r["mode"] == mode]
        if at64:
            worst = max(at64, key=lambda r: r["mock"]["p99_ms"])
            met = sum(r["mock"]["p99_ms"] < 20 for r in at64)
            out.append({"target": f"p99 @64 < 20 ms, {mode} ({met}/{len(at64)} cases; worst {worst['case']})",
                        "value": worst["mock"]["p99_ms"], "met": met == len(at64)})
    by = {(p["case"], p["size"]): p for p in points}
    for case in sorted({p["case"] for p in points if p["case"].endswith("/page")}):  # the default-order pages
        sizes = [s for c, s in by if c == case]
        small, big = by[(case, min(sizes))], by[(case, max(sizes))]
        for key, what in (("distinct_p50_ms", "distinct"), ("warm_p50_ms", "repeat")):
            if small.get(key) and big.get(key):
                ratio = big[key] / small[key]
                out.append({"target": f"{case}: {big['size']:,}-item page within 2x of {small['size']:,} ({what} p50)",
                            "value": round(ratio, 2), "met": ratio <= 2})
    if startup:
        out.append({"target": "start-up < 1.5 s (median)", "value": round(statistics.median(startup), 3),
                    "met": statistics.median(startup) < 1.5})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the mock against a bare baseline (issue #5).")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--only", default="", help="only cases whose name contains this")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--tool", choices=["wrk", "httpx"], default=None, help="default: wrk when installed")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--scaling-sizes", default="100,10000,1000000")
    parser.add_argument("--scaling-timeout", type=float, default=60.0)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--retries", type=int, default=1,
                        help="re-measure a run when other processes used > 5%% of the server's core")
    args = parser.parse_args(argv)

    stop_servers_on_sigterm()
    server_cores, load_cores = core_split()
    pin_self(load_cores)
    connections = [int(c) for c in args.connections.split(",")]
    cases = [c for c in CASES if args.only in c.name]
    tool = args.tool or ("wrk" if wrk_path() else "httpx")
    print(f"bench: {len(cases)} cases x {connections} connections x {args.seconds:.0f} s, load by {tool}; "
          f"server on cores {server_cores or 'any'}, load on {load_cores or 'any'}")
    if tool != "wrk":
        print("bench: WARNING: wrk not found (apt-get install -y wrk); the Python client will be the bottleneck", file=sys.stderr)
    started = time.perf_counter()
    version = mock_version()
    print(f"bench: measuring mockserver at {version}")

    with mock_server(server_cores, workers=args.workers) as mock, tempfile.TemporaryDirectory() as tmp:
        bodies, sizes = {}, {}
        for case in cases:
            status, body, media = fetch(mock.port, case.path)
            if status != 200:
                raise SystemExit(f"bench: {case.name} answered {status}, not 200: {body[:300]!r}")
            bodies[case.name.replace("/", ".")] = (body, media.split(";")[0])
            sizes[case.name] = len(body)
        bodies_file = str(Path(tmp) / "bodies.json")
        save_bodies(bodies_file, bodies)
        with baseline_server(bodies_file, server_cores, args.workers) as baseline:
            rows = measure_cases(mock, baseline, cases, connections, args.seconds, args.warmup, load_cores,
                                 server_cores, tool, args.retries)
        rss_after = mock.rss_kb()

    points = []
    if not args.skip_scaling:
        print("bench: scaling run")
        sizes_list = [int(s) for s in args.scaling_sizes.split(",")]
        points = run_scaling(sizes_list, [(c, k) for c, k in SCALING if args.only in c.name], args.scaling_timeout, server_cores)
    startup = measure_startup(args.startup_runs, server_cores) if args.startup_runs else []
    targets = check_targets(rows, points, startup)

    print("\nThroughput and latency (25-item pages). mode: repeat = the same request again and again (the mock's response"
          " cache answers);\ndistinct = a different Host on every request (a cache miss: the pipeline runs)."
          " ratio = mock req/s / baseline req/s; CPU us/req = server CPU time per"
          " request;\nCPU ratio = baseline CPU/req / mock CPU/req (the ratio on a quiet, dedicated core); noise = CPU share"
          " other processes\ntook on the server's or load generator's core during the run (worst of mock and baseline)")
    print(throughput_table(rows, sizes))
    if points:
        print("\nScaling (same page; fresh server per row; cold = first request; then sequential keep-alive requests,"
              " repeated\n(response cache) and with a distinct Host each (pipeline runs; item caches warm))")
        print(scaling_table(points))
    if startup:
        print(f"\nStart-up (launch of `mockserver serve` to first 200 on /__mock/health): "
              f"{', '.join(f'{s:.3f}' for s in startup)} s; median {statistics.median(startup):.3f} s")
    print(f"Mock RSS after the throughput runs: {rss_after / 1024:.1f} MB")
    print("\nTargets (issue #5)")
    print(table(["target", "value", "met"], [[t["target"], t["value"], "yes" if t["met"] else "NO"] for t in targets], "lrl"))
    if mock_version() != version:
        print(f"bench: WARNING: mockserver changed during the run ({version} -> {mock_version()}); "
              "servers started later ran the newer code")
    path = write_json(results_path("bench"), {
        "args": vars(args), "tool": tool, "server_cores": server_cores, "load_cores": load_cores,
        "body_bytes": sizes, "throughput": rows, "scaling": points, "startup_s": startup,
        "mock_rss_kb_after_throughput": rss_after, "targets": targets,
        "seconds": round(time.perf_counter() - started, 1),
    })
    print(f"\nbench: results in {path} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make soak`: a long run at 64 connections over a mix of every endpoint's typical queries.

Passes when there are zero socket errors, zero non-2xx answers (every request in the mix is valid,
so a 4xx is as wrong as a 5xx), and RSS grows by less than 10% from the end of a warm-up (which
fills the caches: the item LRU and materialized collections) to the end of the run.

    python -m bench.soak [--seconds 60] [--connections 64] [--warmup 10]
"""

from __future__ import annotations

import argparse
import os
import sys

from .cases import SOAK_PATHS
from .load import run_load
from .report import results_path, write_json
from .scaling import RssSampler
from .servers import core_split, stop_servers_on_sigterm, mock_server, pin_self, wait_for_quiet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Soak the mock at 64 connections over a mix of all endpoints.")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 60)))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--max-growth", type=float, default=0.10, help="allowed RSS growth after warm-up (fraction)")
    parser.add_argument("--tool", choices=["wrk", "httpx"], default=None)
    parser.add_argument("--distinct", action="store_true",
                        help="a distinct Host per request: every request misses the response caches")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)

    stop_servers_on_sigterm()
    server_cores, load_cores = core_split()
    pin_self(load_cores)
    wait_for_quiet(server_cores + load_cores)
    with mock_server(server_cores) as server:
        rss_start = server.rss_kb()
        warm = run_load(server.base_url, SOAK_PATHS, args.connections, args.warmup, load_cores, tool=args.tool,
                        distinct=args.distinct)
        rss_warm = server.rss_kb()
        sampler = RssSampler(server, interval=1.0)
        sampler.start()
        result = run_load(server.base_url, SOAK_PATHS, args.connections, args.seconds, load_cores, tool=args.tool,
                          distinct=args.distinct)
        peak = sampler.stop()
        rss_end = server.rss_kb()
        alive = server.healthy()

    growth = (rss_end - rss_warm) / rss_warm if rss_warm else 0.0
    checks = {
        "zero socket errors": result.error_count == 0,
        "zero 5xx": result.status_5xx == 0,
        "zero other non-2xx": result.status_4xx == 0,
        f"RSS growth < {args.max_growth:.0%}": growth < args.max_growth,
        "server healthy after": alive,
    }
    mb = lambda kb: f"{kb / 1024:.1f} MB"
    print(f"soak: {args.seconds:.0f} s at {args.connections} connections over {len(SOAK_PATHS)} queries ({result.tool}"
          f"{', a distinct Host per request' if args.distinct else ''})")
    print(f"  {result.requests:,} requests, {result.rps:,.0f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
          f"max {result.max_ms} ms")
    print(f"  2xx {result.status_2xx:,}  4xx {result.status_4xx}  5xx {result.status_5xx}  socket errors {result.errors}")
    print(f"  RSS: start {mb(rss_start)}, after {args.warmup:.0f} s warm-up {mb(rss_warm)}, end {mb(rss_end)}, "
          f"peak {mb(peak)}; growth after warm-up {growth:+.1%}")
    for name, ok in checks.items():
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}")
    passed = all(checks.values())
    print(f"soak: {'PASS' if passed else 'FAIL'}")
    if not args.no_save:
        path = write_json(results_path("soak"), {
            "args": vars(args), "warmup": warm.to_dict(), "result": result.to_dict(), "checks": checks, "passed": passed,
            "rss_kb": {"start": rss_start, "after_warmup": rss_warm, "end": rss_end, "peak": peak},
            "rss_growth": round(growth, 4), "rss_samples": sampler.samples,
        })
        print(f"soak: results in {path}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

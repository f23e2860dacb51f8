"""What `mockserver proxy` adds to a request: p50 latency through the proxy minus a direct call.

    python -m bench.proxy [--requests 400] [--rounds 5] [--only ops] [--distinct]

The mock is the upstream (`mockserver serve`) and the proxy runs as a user runs it (`mockserver
proxy --upstream ...`), both on loopback and on the server core; the client is one keep-alive
connection per target on the other core, sending one request at a time, so each figure is the
latency of one request, not a throughput. Direct and proxied requests alternate in rounds, so a
noisy neighbour slows both alike; the overhead is the difference (and ratio) of the two p50s
measured in the same run. The proxy grades each distinct answer once (an LRU of findings), so a
repeated request costs only the forwarding; `--distinct` cycles every case through page sizes 5 to
100 (1,536 distinct answers, more than the LRU holds), so every proxied answer is graded afresh.
Every proxied answer is checked to be the direct one, byte for byte,
with no `X-Mock-Violations` (the mock breaks nothing, so every check runs and passes).

Writes bench/results/proxy-<timestamp>.json; exits 1 when the overall p50 overhead is 2 ms or more
(issue 11's target).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import re
import statistics
import sys
import time

from .cases import AUTH_HEADER, CASES
from .report import results_path, table, write_json
from .servers import BIN, HOST, Server, core_split, free_port, mock_argv, pin_self, stop_servers_on_sigterm

TARGET_MS = 2.0
HEADERS = dict([AUTH_HEADER, ("Accept-Encoding", "identity")])


def proxy_argv(port: int, upstream: str) -> list[str]:
    return [str(BIN / "mockserver"), "proxy", "--upstream", upstream, "--host", HOST, "--port", str(port)]


def timed(conn: http.client.HTTPConnection, path: str) -> tuple[float, int, bytes, str | None]:
    started = time.perf_counter()
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, body, response.getheader("X-Mock-Violations")


def variants(path: str, distinct: bool) -> list[str]:
    """The case itself, or (distinct) the case at every page size from 5 to 100."""
    if not distinct:
        return [path]
    return [re.sub(r"((?:^|[?&])(?:limit|page\[limit\])=)25\b", rf"\g<1>{size}", path) for size in range(5, 101)]


def measure(direct_port: int, proxy_port: int, paths: list[str], requests: int, rounds: int,
            distinct: bool = False) -> list[dict]:
    direct = http.client.HTTPConnection(HOST, direct_port, timeout=30)
    proxied = http.client.HTTPConnection(HOST, proxy_port, timeout=30)
    times: dict[str, dict[str, list[float]]] = {p: {"direct": [], "proxy": []} for p in paths}
    cycles = {p: itertools.cycle(variants(p, distinct)) for p in paths}
    per_round = max(1, requests // rounds)
    for path in paths:  # warm up: caches, connections, compiled validators; and the answers agree
        for variant in variants(path, distinct)[:20] * (1 if distinct else 20):
            _, status, want, _ = timed(direct, variant)
            _, _, got, named = timed(proxied, variant)
            if status != 200 or got != want or named:
                raise SystemExit(f"bench.proxy: {variant}: the proxy changed the answer or named violations: {named}")
    for _ in range(rounds):
        for path in paths:
            for _ in range(per_round):
                variant = next(cycles[path])
                times[path]["direct"].append(timed(direct, variant)[0])
                times[path]["proxy"].append(timed(proxied, variant)[0])
    direct.close()
    proxied.close()
    rows = []
    for path in paths:
        d, p = statistics.median(times[path]["direct"]), statistics.median(times[path]["proxy"])
        rows.append({"path": path, "requests": len(times[path]["direct"]), "direct_p50_ms": round(d, 3),
                     "proxy_p50_ms": round(p, 3), "overhead_ms": round(p - d, 3), "ratio": round(p / d, 2)})
    everything_d = [t for path in paths for t in times[path]["direct"]]
    everything_p = [t for path in paths for t in times[path]["proxy"]]
    d, p = statistics.median(everything_d), statistics.median(everything_p)
    rows.append({"path": "all", "requests": len(everything_d), "direct_p50_ms": round(d, 3), "proxy_p50_ms": round(p, 3),
                 "overhead_ms": round(p - d, 3), "ratio": round(p / d, 2)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per case and target")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of direct and proxied blocks")
    parser.add_argument("--only", default=None, help="cases whose endpoint contains this (teamup, ep-codes, ops ...)")
    parser.add_argument("--distinct", action="store_true", help="a different answer each time (page sizes 5..100)")
    args = parser.parse_args(argv)
    stop_servers_on_sigterm()
    server_cores, load_cores = core_split()
    pin_self(load_cores)
    cases = [c for c in CASES if c.kind in ("first", "middle", "filter", "fields") and (not args.only or args.only in c.endpoint)]
    mock_port, proxy_port = free_port(), free_port()
    with Server("mock", mock_argv(mock_port), mock_port, server_cores), \
            Server("proxy", proxy_argv(proxy_port, f"http://{HOST}:{mock_port}"), proxy_port, server_cores):
        rows = measure(mock_port, proxy_port, [c.path for c in cases], args.requests, args.rounds, args.distinct)
    print(table(["case", "requests", "direct p50 ms", "proxy p50 ms", "overhead ms", "ratio"],
                [[next((c.name for c in cases if c.path == r["path"]), r["path"]), r["requests"], r["direct_p50_ms"],
                  r["proxy_p50_ms"], r["overhead_ms"], r["ratio"]] for r in rows]))
    overall = rows[-1]
    verdict = "PASS" if overall["overhead_ms"] < TARGET_MS else "FAIL"
    mode = "distinct answers" if args.distinct else "repeated answers"
    print(f"\np50 overhead ({mode}) {overall['overhead_ms']} ms ({overall['ratio']}x a direct call); "
          f"target < {TARGET_MS} ms: {verdict}")
    path = write_json(results_path("proxy"), {"rows": rows, "mode": mode, "target_ms": TARGET_MS, "verdict": verdict,
                                              "server_cores": server_cores, "load_cores": load_cores})
    print(f"results: {path}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

"""The scaling run: the same 25-item page from collections of 100, 10,000 and 1,000,000 items.

Each (size, query) gets a fresh `mockserver serve --size N`, so its memory figures are its own:
RSS when idle after start-up, and the peak while it answers. The first request is timed on its own
(cold: items generated), then sequential requests on one keep-alive connection for a few seconds:
the same request repeated (the mock's response cache may answer it) and with a distinct `Host` each
(the pipeline runs every time, over warm item caches). A query that makes the mock materialize a huge collection is bounded by a request timeout;
the server is then still busy, so it is killed, never waited for.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from dataclasses import asdict, dataclass

from .cases import AUTH_HEADER, SCALING, Case
from .servers import HOST, mock_server, wait_for_quiet

SIZES = (100, 10_000, 1_000_000)


@dataclass
class ScalingPoint:
    size: int
    case: str
    cost: str  # index | bisect | materialize (what the pipeline does; see mockserver/pipeline.py)
    startup_s: float
    status: int | None
    cold_ms: float | None
    warm_p50_ms: float | None  # the same request repeated (the response cache may answer)
    warm_max_ms: float | None
    warm_requests: int
    distinct_p50_ms: float | None  # a distinct Host per request (a key of the response caches): the pipeline runs every time
    distinct_max_ms: float | None
    distinct_requests: int
    timed_out: bool
    rss_idle_mb: float
    rss_peak_mb: float


class RssSampler(threading.Thread):
    """Polls a server's RSS every `interval` seconds and keeps the peak."""

    def __init__(self, server, interval: float = 0.1):
        super().__init__(daemon=True)
        self.server, self.interval, self.peak_kb = server, interval, server.rss_kb()
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self._stop_event.wait(self.interval):
            rss = self.server.rss_kb()
            self.samples.append((round(time.perf_counter() - started, 2), rss))
            self.peak_kb = max(self.peak_kb, rss)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak_kb = max(self.peak_kb, self.server.rss_kb())
        return self.peak_kb


def probe(port: int, path: str, timeout: float, seconds: float = 2.0, max_requests: int = 200) -> dict:
    """Cold request; then the same request repeated; then with a distinct `Host` per request.

    All on one keep-alive connection, each phase bounded by `seconds` and `max_requests`, every
    request by `timeout`. A timeout ends the probe: the server is still busy and will be killed.
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    out = {"status": None, "cold_ms": None, "warm": [], "distinct": [], "timed_out": False}

    def one(host: str | None) -> tuple[int, float]:
        t0 = time.perf_counter()
        conn.request("GET", path, headers={AUTH_HEADER[0]: AUTH_HEADER[1], **({"Host": host} if host else {})})
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - t0) * 1000

    try:
        out["status"], out["cold_ms"] = one(None)
        for phase in ("warm", "distinct"):
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline and len(out[phase]) < max_requests:
                out[phase].append(one(None if phase == "warm" else f"h{len(out[phase])}.bench")[1])
    except (TimeoutError, OSError):
        out["timed_out"] = True
    finally:
        conn.close()
    return out


def measure(size: int, case: Case, cost: str, timeout: float, cores: list[int] | None) -> ScalingPoint:
    wait_for_quiet(sorted(os.sched_getaffinity(0) | set(cores or [])))
    with mock_server(cores, size=size) as server:
        idle = server.rss_kb()
        sampler = RssSampler(server)
        sampler.start()
        result = probe(server.port, case.path, timeout)
        peak = sampler.stop()
    warm, distinct = sorted(result["warm"]), sorted(result["distinct"])
    return ScalingPoint(
        size=size, case=case.name, cost=cost, startup_s=round(server.startup_seconds, 3), status=result["status"],
        cold_ms=_r(result["cold_ms"]), warm_p50_ms=_median(warm), warm_max_ms=_r(warm[-1]) if warm else None,
        warm_requests=len(warm), distinct_p50_ms=_median(distinct), distinct_max_ms=_r(distinct[-1]) if distinct else None,
        distinct_requests=len(distinct), timed_out=result["timed_out"],
        rss_idle_mb=round(idle / 1024, 1), rss_peak_mb=round(peak / 1024, 1),
    )


def _median(values: list[float]) -> float | None:
    return _r(values[len(values) // 2]) if values else None


def run_scaling(sizes=SIZES, cases=SCALING, timeout: float = 60.0, cores: list[int] | None = None,
                log=print) -> list[dict]:
    points = []
    for case, cost in cases:
        for size in sizes:
            point = measure(size, case, cost, timeout, cores)
            log(f"  scaling {case.name:24} {size:>9,} items: cold {point.cold_ms} ms, repeat p50 {point.warm_p50_ms} ms, "
                f"distinct p50 {point.distinct_p50_ms} ms, RSS {point.rss_idle_mb} -> {point.rss_peak_mb} MB"
                f"{' TIMED OUT' if point.timed_out else ''}", flush=True)
            points.append(asdict(point))
    return points


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

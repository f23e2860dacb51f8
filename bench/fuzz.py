"""`make fuzz`: malformed requests against a live mock; fails on any 5xx, hang, dropped request,
or 4xx that is not JSON in the vendor's documented error envelope.

Two sources: Schemathesis' negative data (values that break each documented parameter schema,
generated from the bundled specs) and raw garbage over raw sockets (bench/garbage.py: broken
percent-encoding, huge and repeated parameters, odd bytes in paths and headers, odd methods).
Loopback only; bounded by count and by a per-request timeout.

    python -m bench.fuzz [--raw 8500] [--schemathesis 400] [--seed 0] [--timeout 5]
    python -m bench.fuzz --replay 1234 --url http://127.0.0.1:8000   # resend one raw request
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from .envelope import EnvelopeChecker, Verdict
from .garbage import RawResult, generate, send, send_all
from .report import results_path, write_json
from .servers import HOST, core_split, stop_servers_on_sigterm, mock_server, pin_self


@dataclass
class Outcome:
    source: str  # schemathesis | raw
    category: str
    status: int | None
    verdict: Verdict
    reproduce: str
    seconds: float = 0.0


@dataclass
class FuzzReport:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: int = 0  # Schemathesis cases the HTTP client refused to send

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict.failed]

    def summary(self) -> dict:
        kinds = Counter(o.verdict.kind for o in self.outcomes)
        statuses = Counter(str(o.status) if o.status else "none" for o in self.outcomes)
        by_source = Counter(o.source for o in self.outcomes)
        return {"requests": len(self.outcomes), "by_source": dict(by_source), "skipped": self.skipped,
                "statuses": dict(sorted(statuses.items())), "verdicts": dict(kinds),
                "status_5xx": sum(1 for o in self.outcomes if o.status and o.status >= 500),
                "hangs": kinds.get("hang", 0), "dropped": kinds.get("dropped", 0),
                "failures": len(self.failures), "max_seconds": round(max((o.seconds for o in self.outcomes), default=0), 3)}


# ------------------------------------------------------------------------------------- raw

def raw_outcomes(results: list[RawResult], checker: EnvelopeChecker, seed: int) -> list[Outcome]:
    out = []
    for res in results:
        req = res.request
        if res.outcome == "reset" and res.content_type.startswith("text/plain") and res.status == 400:
            verdict = Verdict("protocol", f"uvicorn answered 400 text/plain and closed mid-request ({res.error})")
        elif res.outcome != "ok":
            verdict = Verdict(res.outcome if res.outcome in ("hang", "dropped") else "dropped",
                              f"{res.error} (status line: {res.status})")
        else:
            verdict = checker.check(req.target, res.status, res.content_type, res.body, req.method)
        out.append(Outcome("raw", req.category, res.status, verdict, reproduce_raw(req.data, req.index, seed), res.seconds))
    return out


def reproduce_raw(data: bytes, index: int, seed: int) -> str:
    if len(data) <= 600:
        return (f"python3 -c \"import socket; s=socket.create_connection(('127.0.0.1',8000)); "
                f"s.sendall({data!r}); print(s.recv(65536))\"")
    return f"python -m bench.fuzz --replay {index} --seed {seed} --url http://127.0.0.1:8000  # {len(data)}-byte request"


def run_raw(port: int, count: int, seed: int, timeout: float, checker: EnvelopeChecker, concurrency: int = 16) -> list[Outcome]:
    requests = [generate(i, seed) for i in range(count)]
    results = asyncio.run(send_all(HOST, port, requests, concurrency, timeout))
    return raw_outcomes(results, checker, seed)


# ----------------------------------------------------------------------------- schemathesis

def schemathesis_cases(per_operation: int, seed: int) -> list:
    """Negative-mode cases for every documented operation, `per_operation` each (deterministic)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    from mockserver.spec import bundled_spec_paths

    cases = []
    for path in bundled_spec_paths():
        schema = schemathesis.openapi.from_path(path)
        for result in schema.get_all_operations():
            operation = result.ok()
            strategy = operation.as_strategy(GenerationMode.NEGATIVE, headers={"Authorization": "Bearer fuzz"})
            collected: list = []

            @given(strategy)
            @settings(max_examples=per_operation, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.generate])
            def collect(case):
                collected.append(case)

            collect()
            cases += collected[:per_operation]
    return cases


def run_schemathesis(base_url: str, per_operation: int, seed: int, timeout: float, checker: EnvelopeChecker) -> tuple[list[Outcome], int]:
    import requests

    session = requests.Session()
    outcomes, skipped = [], 0
    for case in schemathesis_cases(per_operation, seed):
        started = time.perf_counter()
        try:
            response = case.call(base_url=base_url, session=session, timeout=timeout)
        except requests.Timeout:
            outcomes.append(Outcome("schemathesis", case.operation.label, None, Verdict("hang", "no answer in time"),
                                    case.as_curl_command(), time.perf_counter() - started))
            continue
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            outcomes.append(Outcome("schemathesis", case.operation.label, None, Verdict("dropped", str(exc)[:200]),
                                    case.as_curl_command(), time.perf_counter() - started))
            continue
        except (ValueError, requests.exceptions.InvalidHeader, UnicodeError):
            skipped += 1  # e.g. a header value with a newline: the client refuses to send it
            continue
        target = response.request.path_url
        verdict = checker.check(target, response.status_code, response.headers.get("content-type", ""), response.content,
                                case.method.upper())
        outcomes.append(Outcome("schemathesis", case.operation.label, response.status_code, verdict,
                                case.as_curl_command(), time.perf_counter() - started))
    return outcomes, skipped


# --------------------------------------------------------------------------------- report

def print_report(report: FuzzReport, limit: int = 20) -> None:
    s = report.summary()
    print(f"fuzz: {s['requests']} requests ({', '.join(f'{k} {v}' for k, v in s['by_source'].items())}), "
          f"{s['skipped']} Schemathesis cases not sendable")
    print(f"  statuses: {s['statuses']}")
    print(f"  verdicts: {s['verdicts']}")
    print(f"  5xx: {s['status_5xx']}  hangs: {s['hangs']}  dropped: {s['dropped']}  slowest: {s['max_seconds']} s")
    notes = Counter(o.verdict.kind for o in report.outcomes if o.verdict.kind in ("protocol", "undocumented", "unrouted"))
    for kind, n in notes.items():
        example = next(o for o in report.outcomes if o.verdict.kind == kind)
        print(f"  note: {n} x {kind} ({example.verdict.detail[:120]}), e.g. {example.reproduce[:300]}")
    groups: dict[tuple, list[Outcome]] = {}
    for o in report.failures:
        # One group per kind of mistake: "9042 bytes" ~ "8219 bytes", and quoted values do not count.
        signature = re.sub(r'"[^"]*"|\d+', "_", o.verdict.detail.split(" -- ")[-1])[:80]
        groups.setdefault((o.verdict.kind, o.verdict.operation, o.status, signature), []).append(o)
    if groups:
        print(f"FAILURES ({len(report.failures)}, {len(groups)} distinct):")
    for (kind, op, status, _), items in list(groups.items())[:limit]:
        first = items[0]
        print(f"  [{kind}] {op or '-'} {status} x{len(items)} ({first.source}/{first.category}): {first.verdict.detail[:300]}")
        print(f"      reproduce: {first.reproduce[:600]}")


def replay(url: str, index: int, seed: int, timeout: float) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = generate(index, seed)
    print(f"request #{index} ({request.category}, {len(request.data)} bytes): {request.data[:2000]!r}")
    result = asyncio.run(send(parts.hostname, parts.port or 80, request, timeout))
    print(f"-> {result.outcome} {result.status} {result.content_type} {result.body[:2000]!r} {result.error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz a live mock with malformed requests.")
    parser.add_argument("--raw", type=int, default=8500, help="raw-socket garbage requests")
    parser.add_argument("--schemathesis", type=int, default=400, help="negative cases per operation (5 operations)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a request counts as a hang")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--strict-protocol", action="store_true",
                        help="also fail on uvicorn's plain-text 400 for bytes that are not HTTP")
    parser.add_argument("--replay", type=int, metavar="INDEX", help="resend one raw request to --url and print the answer")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.replay is not None:
        replay(args.url, args.replay, args.seed, args.timeout)
        return 0

    stop_servers_on_sigterm()
    server_cores, load_cores = core_split()
    pin_self(load_cores)
    checker = EnvelopeChecker()
    report = FuzzReport()
    started = time.perf_counter()
    with mock_server(server_cores) as server:
        if args.schemathesis:
            outcomes, report.skipped = run_schemathesis(server.base_url, args.schemathesis, args.seed, args.timeout, checker)
            report.outcomes += outcomes
        report.outcomes += run_raw(server.port, args.raw, args.seed, args.timeout, checker, args.concurrency)
        alive = server.healthy()
    if args.strict_protocol:
        for o in report.outcomes:
            if o.verdict.kind == "protocol":
                o.verdict.kind = "non-json"
    print_report(report)
    summary = report.summary() | {"server_alive_after": alive, "seconds": round(time.perf_counter() - started, 1)}
    ok = not report.failures and alive and summary["requests"] >= 1
    print(f"fuzz: {'PASS' if ok else 'FAIL'} in {summary['seconds']} s (server alive after: {alive})")
    if not args.no_save:
        failures = [{"source": o.source, "category": o.category, "status": o.status, "kind": o.verdict.kind,
                     "operation": o.verdict.operation, "detail": o.verdict.detail, "reproduce": o.reproduce}
                    for o in report.failures]
        path = write_json(results_path("fuzz"), {"summary": summary, "failures": failures, "args": vars(args)})
        print(f"fuzz: results in {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

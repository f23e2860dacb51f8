"""What a run found, in one shape for every check (Schemathesis' and ours) and every writer.

A check is entered with `results.check(name)`; inside it `expect(...)` records one claim. A failed
claim becomes a `Finding` that names the request (as curl), what was expected and what came back,
and the claim's basis (`contracts.declarations`): a broken documented or implied claim is a FAIL, a
reading the API does not share is a WARN naming the reading it took. Equal findings are counted,
not repeated; distinct ones are all kept. An unexpected HTTP answer raised inside the block becomes a
finding of that check; any other exception becomes an *error* of that check, with its traceback,
instead of ending the run.
"""

from __future__ import annotations

import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .client import BudgetExhausted, curl_for
from .declarations import Basis, Contract

MAX_FINDINGS_KEPT = 40  # distinct findings per check; equal ones only raise a count
FAIL, WARN = "fail", "warn"
MAX_SHOWN = 400  # characters of a value or body kept in a finding


def shorten(value: Any, limit: int = MAX_SHOWN) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split()) if "\n" in text and len(text) > limit else text
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"


@dataclass
class Finding:
    claim: str  # what should hold, in words
    expected: str = ""
    actual: str = ""
    curl: str = ""
    detail: str = ""  # extra text: a traceback, a response body
    kind: str = FAIL  # fail | warn
    basis: str = ""  # where the expectation comes from, in words
    count: int = 1
    reading: str = ""  # for a WARN: the reading the API took, in words (one cause across checks)

    @property
    def key(self) -> tuple:
        return (self.kind, self.claim, self.expected, self.actual)

    def lines(self) -> list[str]:
        out = [self.claim + (f" ({self.count} times)" if self.count > 1 else "")]
        if self.basis:
            out.append(f"basis:    {self.basis}")
        if self.expected:
            out.append(f"expected: {self.expected}")
        if self.actual:
            out.append(f"got:      {self.actual}")
        if self.curl:
            out.append(f"request:  {self.curl}")
        if self.detail:
            out.append(self.detail)
        return out


@dataclass
class CheckResult:
    name: str
    assertions: int = 0
    failures: int = 0
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: str = ""  # reason, when the check could not run
    errored: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errored:
            return "error"
        if self.failures:
            return "failed"
        if self.warnings:
            return "warned"
        if self.skipped and not self.assertions:
            return "skipped"
        return "passed"

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == FAIL]

    @property
    def warning(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == WARN]

    def add_finding(self, finding: Finding) -> None:
        if finding.kind == WARN:
            self.warnings += 1
        else:
            self.failures += 1
        for kept in self.findings:
            if kept.key == finding.key:  # one cause, one finding: count it again
                kept.count += 1
                return
        if len(self.findings) < MAX_FINDINGS_KEPT:
            self.findings.append(finding)


@dataclass
class OperationResult:
    spec: str
    operation_id: str
    method: str
    path: str
    checks: dict[str, CheckResult] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.spec}:{self.operation_id}"

    def check_result(self, name: str) -> CheckResult:
        return self.checks.setdefault(name, CheckResult(name))

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks.values() if c.status in ("failed", "error")]

    @property
    def warned(self) -> list[CheckResult]:
        return [c for c in self.checks.values() if c.warnings]


class UnexpectedResponse(Exception):
    """An answer a check cannot go on from (a 500 where a page was due, a body that is not JSON)."""

    def __init__(self, claim: str, response: Any, expected: str, basis: str | None = None, took: str | None = None):
        super().__init__(claim)
        self.claim, self.response, self.expected = claim, response, expected
        self.basis, self.took = basis, took


class SkipCheck(Exception):
    """This check does not apply (no data to draw a value from, an empty collection...)."""


class CheckRun:
    """The handle a check body gets: record claims, findings and notes.

    `basis` names the declaration a claim rests on (default: the check's own name); `took` names the
    alternative reading the API was seen to take, when the check can tell which."""

    def __init__(self, result: CheckResult, redact: Callable[[str], str], contract: Contract | None = None):
        self.result = result
        self.redact = redact
        self.contract = contract

    def basis(self, claim_id: str | None = None) -> Basis | None:
        if self.contract is None:
            return None
        return self.contract.basis(claim_id or self.result.name)

    def expect(self, ok: bool, claim: str, *, expected: Any = "", actual: Any = "", response: Any = None,
               basis: str | None = None, took: str | None = None) -> bool:
        self.result.assertions += 1
        if not ok:
            self.fail(claim, expected=expected, actual=actual, response=response, basis=basis, took=took)
        return bool(ok)

    def fail(self, claim: str, *, expected: Any = "", actual: Any = "", response: Any = None, detail: str = "",
             basis: str | None = None, took: str | None = None) -> None:
        curl = curl_for(response.request, None) if response is not None and getattr(response, "request", None) is not None else ""
        grounds = self.basis(basis)
        kind, said, reading = FAIL, "", ""
        if grounds is not None:
            said = grounds.label()
            if grounds.is_reading:
                kind = WARN
                reading = grounds.took(took, shorten(actual, 160) if actual != '' else '')
                claim = f"{claim}: {reading}"
        self.result.add_finding(Finding(
            claim=self.redact(claim),
            expected=self.redact(shorten(expected)) if expected != "" else "",
            actual=self.redact(shorten(actual)) if actual != "" else "",
            curl=self.redact(curl),
            detail=self.redact(detail),
            kind=kind,
            basis=self.redact(said),
            reading=self.redact(reading),
        ))

    def note(self, text: str) -> None:
        if text not in self.result.notes:
            self.result.notes.append(self.redact(text))


class Recorder:
    """Collects the check results of one operation."""

    def __init__(self, operation: OperationResult, redact: Callable[[str], str], contract: Contract | None = None):
        self.operation = operation
        self.redact = redact
        self.contract = contract

    def run_for(self, name: str) -> CheckRun:
        return CheckRun(self.operation.check_result(name), self.redact, self.contract)

    @contextmanager
    def check(self, name: str) -> Iterator[CheckRun]:
        run = self.run_for(name)
        result = run.result
        try:
            yield run
        except SkipCheck as skip:
            if not result.skipped:
                result.skipped = self.redact(str(skip))
        except UnexpectedResponse as bad:
            result.assertions += 1
            response = bad.response
            server_error = getattr(response, "status_code", 0) >= 500  # never a reading, whatever the claim
            run.fail(bad.claim, expected=bad.expected, actual=describe_response(response), response=response,
                     basis="server-error" if server_error else bad.basis, took=bad.took)
        except BudgetExhausted:
            raise
        except Exception as exc:  # a bug in a check, or a dropped connection: an error, not a crash
            result.errored = True
            result.add_finding(Finding(
                claim=self.redact(f"the check raised {type(exc).__name__}: {shorten(str(exc), 300)}"),
                detail=self.redact("".join(traceback.format_exception(exc)).rstrip()),
            ))


def describe_response(response: Any) -> str:
    """`500 Internal Server Error: {"errors": ...}` for httpx and requests responses alike."""
    status = getattr(response, "status_code", "?")
    reason = (getattr(response, "reason_phrase", None) or getattr(response, "reason", None)
              or getattr(response, "message", None) or "")
    try:
        body = response.text
    except Exception:  # a body that cannot be decoded still deserves a status line
        body = ""
    return f"{status} {reason}".strip() + (f": {shorten(body, 300)}" if body else "")

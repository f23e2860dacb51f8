"""Schemathesis' conformance checks: status codes, content types, headers, response schemas, server
errors, negative-data rejection and auth, on positive and negative data (explicit examples, the
coverage phase's boundary values, then random fuzzing).

Every request goes through the run's polite session. Every check outcome arrives through an
`after_validate` hook and is recorded as `conformance.<check name>`; failures are kept once per
distinct problem, with the request as curl and the response that came back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.spec import Operation

from .client import SAFE_METHODS, BudgetExhausted, WriteRefused
from .results import CheckRun, Recorder, describe_response, shorten
from .semantic.vendor_rules import conformance_query_filter

AUTH_CHECK = "ignored_auth"
PLACEHOLDER_AUTH_NOTE = (
    "a placeholder token was sent, and a mock started without --token accepts every token, so "
    "'invalid credentials are rejected' would prove nothing; pass a real token (--token-env VAR) to run it"
)


@dataclass
class _OperationState:
    recorder: Recorder
    seen: set = field(default_factory=set)
    auth_checked: bool = False
    stopped: BudgetExhausted | None = None
    cases: int = 0
    writes_skipped: int = 0


class Conformance:
    """One spec loaded into Schemathesis, run operation by operation."""

    def __init__(self, spec_path: Path, base_url: str, session: Any, headers: dict[str, str],
                 params: dict[str, str], *, max_examples: int, seed: int | None, placeholder_token: bool,
                 allow_writes: bool = False, coverage: bool = True):
        import schemathesis
        from schemathesis.config import SchemathesisConfig

        self.base_url = base_url
        self.session = session
        self.headers = headers
        self.params = params
        self.max_examples = max_examples
        self.seed = seed
        self.placeholder_token = placeholder_token
        self.allow_writes = allow_writes
        self.coverage = coverage  # the coverage phase: boundary values of every parameter, not bounded by max_examples
        config = SchemathesisConfig.from_dict({"generation": {"mode": "all", "max-examples": max_examples}})
        self.schema = schemathesis.openapi.from_path(str(spec_path), config=config)
        self.operations = {}
        for result in self.schema.get_all_operations():
            if hasattr(result, "ok"):
                operation = result.ok()
                self.operations[(operation.method.lower(), operation.path)] = operation
        self._state: _OperationState | None = None
        self._register_hooks()

    def _register_hooks(self) -> None:
        conformance = self

        @self.schema.hook("after_validate")
        def _record(context, case, response, results) -> None:
            try:
                conformance._record(case, response, results)
            except Exception as exc:  # recording must never abort the generation run
                state = conformance._state
                if state is not None:
                    with state.recorder.check("conformance.recording"):
                        raise exc

        @self.schema.hook("filter_query")
        def _documented_exclusions(context, query) -> bool:
            definition = getattr(getattr(context.operation, "definition", None), "raw", None) or {}
            keep = conformance_query_filter(definition.get("operationId", ""))
            return keep(query) if keep else True

    # ----------------------------------------------------------------------------- running
    def run(self, op: Operation, recorder: Recorder) -> None:
        import hypothesis
        from hypothesis import HealthCheck, Phase
        from schemathesis.generation.hypothesis.builder import (
            HypothesisTestConfig, HypothesisTestMode, create_test)

        operation = self.operations.get((op.method, op.path))
        if operation is None:
            with recorder.check("conformance.schema") as c:
                c.fail("Schemathesis could not load this operation from the spec")
            return
        state = self._state = _OperationState(recorder)
        settings = hypothesis.settings(
            max_examples=self.max_examples, deadline=None, database=None, derandomize=False,
            suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
            verbosity=hypothesis.Verbosity.quiet,
        )
        modes = [m for m in HypothesisTestMode if self.coverage or m != HypothesisTestMode.COVERAGE]
        test = create_test(operation=operation, test_func=self._test_case, config=HypothesisTestConfig(
            project=self.schema.config, modes=modes, settings=settings, seed=self.seed))
        try:
            with recorder.check("conformance.generation") as c:
                test()
                c.expect(state.cases > 0, "Schemathesis generated requests for this operation",
                         expected="at least one case", actual="none")
        finally:
            self._state = None
        if state.writes_skipped:
            recorder.operation.check_result("conformance.generation").notes.append(
                f"{state.writes_skipped} requests with unsafe methods not sent (read-only run; --allow-writes sends them)")
        if self.placeholder_token:
            recorder.operation.check_result(f"conformance.{AUTH_CHECK}").skipped = PLACEHOLDER_AUTH_NOTE
        if state.stopped is not None:
            raise state.stopped

    def _test_case(self, case) -> None:
        """The body Hypothesis calls for each generated case; failures are recorded, never raised."""
        import requests
        from schemathesis.core.failures import FailureGroup
        from schemathesis.specs.openapi.checks import ignored_auth

        state = self._state
        if state is None or state.stopped is not None:
            return
        state.cases += 1
        if case.method.upper() not in SAFE_METHODS and not self.allow_writes:
            state.writes_skipped += 1
            return
        excluded = [ignored_auth] if self.placeholder_token or state.auth_checked else []
        try:
            case.call_and_validate(base_url=self.base_url, session=self.session,
                                   headers=None if _negative_headers(case) else dict(self.headers),
                                   excluded_checks=excluded, **({"params": dict(self.params)} if self.params else {}))
        except FailureGroup:
            pass  # already recorded by the after_validate hook
        except BudgetExhausted as exc:
            state.stopped = exc
        except WriteRefused:
            state.writes_skipped += 1
        except requests.RequestException as exc:
            with state.recorder.check("conformance.network") as c:
                c.fail(f"the request failed: {type(exc).__name__}", actual=shorten(str(exc), 300),
                       response=None)

    def _record(self, case, response, results) -> None:
        from schemathesis.engine import Status

        state = self._state
        if state is None:
            return
        for result in results:
            name = f"conformance.{result.name}"
            check = state.recorder.operation.check_result(name)
            check.assertions += 1
            if result.name == AUTH_CHECK and 200 <= response.status_code < 300:
                state.auth_checked = True  # one confirmation per operation is enough (two probes each)
            if result.status != Status.FAILURE or result.failure is None:
                continue
            failure = result.failure
            key = (result.name, failure.title, next(iter((failure.message or "").splitlines()), ""))
            if key in state.seen:
                check.failures += 1
                continue
            state.seen.add(key)
            CheckRun(check, state.recorder.redact).fail(
                f"{failure.title} ({getattr(failure, 'code', '')})", expected=_expected_line(failure.message),
                actual=describe_response(response), response=response, detail=failure.message.strip())


def _negative_headers(case) -> bool:
    """A case whose headers are deliberately wrong (no or a broken Authorization): send them as they
    are, or overriding them with our token would turn a negative case into a positive one."""
    from schemathesis.core.parameters import ParameterLocation

    meta = getattr(case, "meta", None)
    component = meta.components.get(ParameterLocation.HEADER) if meta is not None else None
    return component is not None and component.mode.is_negative


def _expected_line(message: str) -> str:
    for line in (message or "").splitlines():
        if line.strip().lower().startswith("expected"):
            return line.strip()
    return ""

"""Schemathesis' conformance checks: status codes, content types, headers, response schemas, server
errors, negative-data rejection and auth, on positive and negative data (explicit examples, the
coverage phase's boundary values, then random fuzzing).

Schemathesis checks against what the vendor pages document, not what our mock chose
(`declarations.documented_view`): responses are held to the documented schemas, and errors only to
"a 4xx with a JSON body" where a page prints none. Positive data keeps our (narrower) parameter
schemas, so every value sent is valid under any reading; negative data breaks only documented
constraints. Whether an API refuses invalid input, and with which status, is a reading: such
failures are WARNs, as is a refused value that only our reading allows (a named timeframe).

Every request goes through the run's polite session. Every check outcome arrives through an
`after_validate` hook and is recorded as `conformance.<check name>`; failures are kept once per
distinct problem, with the request as curl and the response that came back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mockserver.spec import Operation

from .client import SAFE_METHODS, BudgetExhausted, WriteRefused
from .declarations import documented_view
from .results import Recorder, describe_response, shorten
from .semantic.vendor_rules import conformance_query_filter

AUTH_CHECK = "ignored_auth"
# Schemathesis checks whose failure means "the API took another reading", not "it broke a promise".
READING_CHECKS = {"negative_data_rejection", "unsupported_method"}
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
    reading_params: set = field(default_factory=set)  # parameters whose schema is narrower than documented


class Conformance:
    """One spec loaded into Schemathesis, run operation by operation."""

    def __init__(self, spec_path: Path, base_url: str, session: Any, headers: dict[str, str],
                 params: dict[str, str], *, max_examples: int, seed: int | None, placeholder_token: bool,
                 allow_writes: bool = False, coverage: bool = True):
        import schemathesis
        import yaml
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
        raw = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))  # with its $refs: the views keep them
        self.views = []  # (mode, schema, {(method, path): operation})
        for mode, view in (("positive", documented_view(raw, parameters=False)), ("negative", documented_view(raw))):
            config = SchemathesisConfig.from_dict({"generation": {"mode": mode, "max-examples": max_examples}})
            schema = schemathesis.openapi.from_dict(view, config=config)
            operations = {}
            for result in schema.get_all_operations():
                if hasattr(result, "ok"):
                    operation = result.ok()
                    operations[(operation.method.lower(), operation.path)] = operation
            self._register_hooks(schema)
            self.views.append((mode, schema, operations))
        self._state: _OperationState | None = None

    def _register_hooks(self, schema) -> None:
        conformance = self

        @schema.hook("after_validate")
        def _record(context, case, response, results) -> None:
            try:
                conformance._record(case, response, results)
            except Exception as exc:  # recording must never abort the generation run
                state = conformance._state
                if state is not None:
                    with state.recorder.check("conformance.recording"):
                        raise exc

        @schema.hook("filter_query")
        def _documented_exclusions(context, query) -> bool:
            definition = getattr(getattr(context.operation, "definition", None), "raw", None) or {}
            keep = conformance_query_filter(definition.get("operationId", ""))
            return keep(query) if keep else True

    # ----------------------------------------------------------------------------- running
    def run(self, op: Operation, recorder: Recorder) -> None:
        import hypothesis
        from hypothesis import HealthCheck, Phase
        from schemathesis.core.control import SkipTest
        from schemathesis.generation.hypothesis.builder import (
            HypothesisTestConfig, HypothesisTestMode, create_test)

        state = self._state = _OperationState(recorder, reading_params=reading_params(op, recorder.contract))
        settings = hypothesis.settings(
            max_examples=self.max_examples, deadline=None, database=None, derandomize=False,
            suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
            verbosity=hypothesis.Verbosity.quiet,
        )
        modes = [m for m in HypothesisTestMode if self.coverage or m != HypothesisTestMode.COVERAGE]
        try:
            for _, schema, operations in self.views:
                operation = operations.get((op.method, op.path))
                if operation is None:
                    with recorder.check("conformance.schema") as c:
                        c.fail("Schemathesis could not load this operation from the spec")
                    return
                test = create_test(operation=operation, test_func=self._test_case, config=HypothesisTestConfig(
                    project=schema.config, modes=modes, settings=settings, seed=self.seed))
                with recorder.check("conformance.generation") as c:
                    try:
                        test()
                    except SkipTest:  # no negative case exists (a path of free strings, no body): not a failure
                        pass
                if state.stopped is not None:
                    break
            with recorder.check("conformance.generation") as c:
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
            if result.name in LONG_URL_CHECKS and long_url(case):
                if LONG_URL_NOTE not in check.notes:
                    check.notes.append(LONG_URL_NOTE)
                continue
            basis, took = grade(result.name, case, state.reading_params)
            bound = sorted(state.reading_params & set(getattr(case, "query", None) or {})) if took == "refuses" else []
            key = (result.name, failure.title, next(iter((failure.message or "").splitlines()), ""), took)
            if key in state.seen:
                for kept in check.findings:  # count it on the finding it repeats
                    if kept.claim.startswith(f"{failure.title} ("):
                        kept.count += 1
                        break
                if took is None:
                    check.failures += 1
                else:
                    check.warnings += 1
                continue
            state.seen.add(key)
            state.recorder.run_for(name).fail(
                f"{failure.title} ({getattr(failure, 'code', '')}): `{_query_text(case)}`"
                + (f" (parameters our reading shapes: {', '.join(bound)})" if bound else ""),
                expected=_expected_line(failure.message), actual=describe_response(response), response=response,
                detail=failure.message.strip(), basis=basis, took=took)


def reading_params(op: Operation, contract) -> set[str]:
    """Parameters whose accepted values are partly our reading: a schema narrower than the page's
    (`x-documented`), or a list whose serialization the page does not fix (`arrays.form`)."""
    names = {p.name for p in op.parameters if isinstance(p.schema, dict) and "x-documented" in p.schema}
    arrays = contract.declared("arrays.form") if contract is not None else None
    if arrays is not None and arrays.is_reading:
        names |= {p.name for p in op.parameters if p.is_array}
    return names


LONG_URL = 8192  # bytes of query string; front ends (nginx: 8 KB lines) refuse longer URLs themselves
LONG_URL_CHECKS = {"positive_data_acceptance", "content_type_conformance", "status_code_conformance",
                   "response_schema_conformance"}
LONG_URL_NOTE = (f"answers to URLs with over {LONG_URL} bytes of query are not graded: HTTP servers and front "
                 "ends refuse them before the API sees them (a 414, or a plain-text 400)")


def long_url(case) -> bool:
    return len(urlencode(dict(getattr(case, "query", None) or {}), doseq=True)) > LONG_URL


def grade(check: str, case, reading_params: set) -> tuple[str, str | None]:
    """(basis, alternative) of a Schemathesis failure. Refusing invalid input is a reading (a blank
    value read as absent, an out-of-range one clamped); so is refusing a value only our reading
    allows. Everything else the documented view says is held as documented."""
    query = dict(getattr(case, "query", None) or {})
    if check in READING_CHECKS:
        blank = any(v in ("", [""]) for v in query.values())
        return f"conformance.{check}", ("blank-is-absent" if blank else "accepts") if check != "unsupported_method" else "other-status"
    if check == "positive_data_acceptance" and reading_params & set(query):
        return "conformance.reading-values", "refuses"
    if check == "positive_data_acceptance" and any(v in ("", [""]) for v in query.values()):
        return "conformance.blank-values", "refuses-blank"
    return f"conformance.{check}", None


def _query_text(case) -> str:
    query = getattr(case, "query", None) or {}
    parts = [f"{k}={v}" for k, vs in query.items() for v in (vs if isinstance(vs, list) else [vs])]
    return "&".join(parts)[:200] or "(no query)"


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

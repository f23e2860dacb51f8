"""One run: find which specs the API serves, then check each operation, group by group.

`Session` is shared by the CLI and the pytest plugin: the CLI runs every group of every operation;
the plugin runs one (operation, group) per test item. Groups are `conformance` (Schemathesis) and
the semantic groups (`paging`, `sort`, `filter`, `fieldset`, `invariant`); every check of a group is
named `<group>.<what>`.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

import httpx

from mockserver.spec import Operation, Spec, load_specs

from .auth import credentials_for, token_source
from .declarations import Contract
from .declarations import problems as declaration_problems
from .client import SAFE_METHODS, ApiClient, BudgetExhausted, Politeness, polite_session
from .redact import Redactor, is_sensitive_header
from .results import OperationResult, Recorder, UnexpectedResponse
from .semantic import GROUPS, ListTarget, groups_for
from .semantic.resources import candidate_path_values, documented_example, fallback_values, parent_of
from .semantic.target import fill_path

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_MAX_REQUESTS = 5000


class UsageError(Exception):
    """Bad options, no such spec, an unreachable or refusing API: exit 2 with this one-line reason."""


@dataclass
class RunOptions:
    base_url: str
    specs: list[str] = field(default_factory=list)  # short names or files; empty = every bundled spec served
    headers: dict[str, str] = field(default_factory=dict)
    token_env: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    rate_limit: float | None = None  # requests per second
    max_requests: int = DEFAULT_MAX_REQUESTS
    timeout: float = 10.0
    allow_writes: bool = False
    coverage: bool = True  # Schemathesis' coverage phase (most of a default run's requests)
    strict_readings: bool = False  # a reading the API does not share fails the run too


@dataclass
class RunResult:
    base_url: str
    seed: int
    token_origin: str
    placeholder_token: bool
    specs: list[str] = field(default_factory=list)
    absent_specs: list[str] = field(default_factory=list)
    operations: list[OperationResult] = field(default_factory=list)
    requests: int = 0
    successes: int = 0
    throttled: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # run-level reasons to fail (no 2xx, budget used up)
    strict_readings: bool = False
    undeclared: dict[str, list[str]] = field(default_factory=dict)  # operation -> claims with no declaration

    @property
    def failed_checks(self) -> list[tuple[OperationResult, object]]:
        return [(op, check) for op in self.operations for check in op.failed]

    @property
    def warned_checks(self) -> list[tuple[OperationResult, object]]:
        return [(op, check) for op in self.operations for check in op.warned]

    @property
    def exit_code(self) -> int:
        if self.failed_checks or self.problems:
            return 1
        return 1 if self.strict_readings and self.warned_checks else 0


class Session:
    def __init__(self, options: RunOptions, progress: TextIO | None = None):
        if not options.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must start with http:// or https://, got {options.base_url!r}")
        self.options = options
        self.progress = progress
        try:
            self.token = token_source(options.headers, options.token_env)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        self.redactor = Redactor([self.token.token, *self._header_secrets(options.headers)])
        self.politeness = Politeness(max_requests=options.max_requests, rate_limit=options.rate_limit,
                                     allow_writes=options.allow_writes)
        self.seed = options.seed if options.seed is not None else random.randrange(1, 2**31)
        self.result = RunResult(options.base_url, self.seed, self.token.origin, self.token.is_placeholder,
                                strict_readings=options.strict_readings)
        self._contracts: dict[int, Contract] = {}
        self._clients: dict[str, ApiClient] = {}
        self._conformance: dict[str, object] = {}
        self._targets: dict[tuple, ListTarget] = {}
        self._resolved: dict[int, dict] = {}
        self._results: dict[int, OperationResult] = {}
        self.specs: list[Spec] = []
        self._started = time.monotonic()

    @staticmethod
    def _header_secrets(headers: dict[str, str]) -> list[str]:
        return [value for name, value in headers.items() if is_sensitive_header(name)]

    def say(self, text: str) -> None:
        if self.progress is not None:
            print(self.redactor(text), file=self.progress, flush=True)

    # ------------------------------------------------------------------------------ setup
    def client_for(self, spec: Spec) -> ApiClient:
        if spec.name not in self._clients:
            headers, _ = credentials_for(spec, self.token)
            for value in self._header_secrets(headers):  # the credential as sent (basic: base64 of the token)
                self.redactor.add(value.partition(" ")[2] or value)
            self._clients[spec.name] = ApiClient(self.options.base_url, self.politeness, headers, self.options.timeout)
        return self._clients[spec.name]

    def auth_params(self, spec: Spec) -> dict:
        return credentials_for(spec, self.token)[1]

    def discover(self) -> list[Spec]:
        """The specs to check: those named, or every bundled spec whose paths the API serves."""
        try:
            specs = load_specs(self.options.specs or None)
        except FileNotFoundError as exc:
            raise UsageError(str(exc).strip('"')) from None
        for spec in specs:  # a misspelt declaration would silently grade a claim as a reading
            found = declaration_problems(spec.raw, str(spec.path))
            if found:
                raise UsageError(found[0] + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""))
        refused, present = [], []
        for spec in specs:
            status, url = self.probe(spec)
            documented = any(str(status) in op.responses for op in self.operations(spec))
            if status == 404 and not documented:
                if self.options.specs:
                    raise UsageError(f"spec {spec.name}: GET {url} answered 404 (no such route); is --base-url right?")
                self.result.absent_specs.append(spec.name)
                continue
            if status in (401, 403):
                refused.append(f"{spec.name} ({status})")
            present.append(spec)
        if not present:
            raise UsageError(f"no bundled spec's paths exist under {self.options.base_url} (every probe answered 404)")
        if len(refused) == len(present):
            given = ("no token was given, so a placeholder was sent; pass one with --token-env VAR"
                     if self.token.is_placeholder else f"the token from {self.token.origin} is not accepted")
            raise UsageError(f"every probe was refused ({', '.join(refused)}): {given}")
        self.specs = present
        self.result.specs = [s.name for s in present]
        if self.token.is_placeholder:
            self.say("contracts: no token given (--token-env VAR or --header 'Authorization: ...'); "
                     "sending a placeholder token, which the mock accepts but a real API will not")
        return present

    def probe(self, spec: Spec) -> tuple[int, str]:
        """GET the spec's first operation at example path values: 404 with no documented route = absent."""
        op = self.operations(spec)[0] if self.operations(spec) else spec.operations[0]
        values = {name: documented_example(op, name) or fallback_values(p)[0] for name, p in op.path_params.items()}
        path = fill_path(op.path, values)
        client = self.client_for(spec)
        try:
            response = client.get(path, params=self.auth_params(spec) or None)
        except httpx.HTTPError as exc:
            raise UsageError(f"cannot reach {self.options.base_url}: {type(exc).__name__}: {exc}") from None
        return response.status_code, client.url(path)

    def operations(self, spec: Spec) -> list[Operation]:
        return [op for op in spec.operations if op.method.upper() in SAFE_METHODS or self.options.allow_writes]

    @staticmethod
    def groups_for(op: Operation) -> list[str]:
        return ["conformance", *groups_for(op)]

    def operation_result(self, op: Operation) -> OperationResult:
        key = id(op)
        if key not in self._results:
            self._results[key] = OperationResult(op.spec.name, op.operation_id, op.method.upper(), op.path)
            self.result.operations.append(self._results[key])
        return self._results[key]

    def contract(self, op: Operation) -> Contract:
        if id(op) not in self._contracts:
            self._contracts[id(op)] = Contract(op.raw, op.spec.raw.get("x-contract"))
        return self._contracts[id(op)]

    # -------------------------------------------------------------------------- resources
    def target(self, op: Operation, values: dict[str, str]) -> ListTarget:
        key = (id(op), tuple(sorted(values.items())))
        if key not in self._targets:
            self._targets[key] = ListTarget(op, self.client_for(op.spec), values, self.auth_params(op.spec),
                                            self.contract(op))
        return self._targets[key]

    def resolve(self, op: Operation) -> dict[str, str]:
        """Path values for the semantic checks: the first candidate whose collection is not empty."""
        if id(op) in self._resolved:
            return self._resolved[id(op)]
        candidates = candidate_path_values(op, op.spec.operations, self.resolve, self._identities)
        chosen = candidates[0]
        for values in candidates:
            try:
                page = self.target(op, values).fetch(offset=0, limit=1)
                if page.items or (page.total or 0) > 0:
                    chosen = values
                    break
            except UnexpectedResponse:
                continue
        self._resolved[id(op)] = chosen
        return chosen

    def _identities(self, op: Operation, values: dict[str, str]) -> list[str]:
        t = self.target(op, values)
        try:
            page = t.fetch(offset=0, limit=min(t.max_limit, 10))
        except UnexpectedResponse:
            return []
        return [str(i) for i in (t.identity(item) for item in page.items) if i is not None]

    def child_target(self, op: Operation, values: dict[str, str]):
        """For cross-operation invariants: identity -> target of the child collection under it."""
        children = [(o, parent_of(o, op.spec.operations)) for o in op.spec.operations]
        child = next(((o, p) for o, p in children if p is not None and p[0] is op), None)
        if child is None:
            return None
        child_op, (_, mapping, param) = child

        def target_for(identity: str) -> ListTarget:
            child_values = {ours: values[theirs] for theirs, ours in mapping.items()}
            child_values[param] = identity
            return self.target(child_op, child_values)

        return target_for

    # ----------------------------------------------------------------------------- running
    def conformance(self, spec: Spec):
        if spec.name not in self._conformance:
            if importlib.util.find_spec("schemathesis") is None:  # only in the `test` extra of this project
                raise UsageError("the conformance checks need Schemathesis: pip install 'promo-mock[test]'")
            from .conformance import Conformance

            headers, params = credentials_for(spec, self.token)
            session = polite_session(self.politeness, self.options.timeout)
            self._conformance[spec.name] = Conformance(
                spec.path, self.options.base_url, session, headers, params,
                max_examples=self.options.max_examples, seed=self.seed,
                placeholder_token=self.token.is_placeholder, allow_writes=self.options.allow_writes,
                coverage=self.options.coverage)
        return self._conformance[spec.name]

    def run_group(self, op: Operation, group: str) -> OperationResult:
        result = self.operation_result(op)
        recorder = Recorder(result, self.redactor, self.contract(op))
        before_requests, before_checks, started = self.politeness.sent, dict(_counts(result)), time.monotonic()
        if group == "conformance":
            self.conformance(op.spec).run(op, recorder)
        else:
            values = None
            with recorder.check(f"{group}.setup"):  # a dropped connection here is an error of the group
                values = self.resolve(op)
            if result.checks[f"{group}.setup"].status == "passed":
                del result.checks[f"{group}.setup"]
            if values is not None:
                GROUPS[group](self.target(op, values), recorder, self.child_target(op, values))
        result.requests += self.politeness.sent - before_requests
        result.seconds += time.monotonic() - started
        self._report_progress(op, group, result, before_checks, time.monotonic() - started)
        return result

    def _report_progress(self, op: Operation, group: str, result: OperationResult, before: dict, seconds: float) -> None:
        after = _counts(result)
        ran = sum(a for a, _, _ in after.values()) - sum(a for a, _, _ in before.values())
        failed = [name for name, (_, f, _) in after.items() if f and before.get(name, (0, 0, 0))[1] != f]
        warned = [name for name, (_, _, w) in after.items() if w and before.get(name, (0, 0, 0))[2] != w]
        skipped = [name for name, c in result.checks.items() if c.status == "skipped" and name not in before]
        parts = ([f"FAIL {', '.join(failed)}"] if failed else []) + ([f"WARN {', '.join(warned)}"] if warned else []) \
            + ([f"SKIP {', '.join(skipped)}"] if skipped else [])
        status = "; ".join(parts) or "ok"
        self.say(f"  {op.spec.name}:{op.operation_id} {group:<11} {ran:5d} assertions  {status}  ({seconds:.1f}s)")

    def run(self) -> RunResult:
        """Every group of every operation of every spec found."""
        if not self.specs:
            self.discover()
        self.say(f"contracts: checking {', '.join(s.name for s in self.specs)} at {self.options.base_url} "
                 f"(seed {self.seed}, up to {self.options.max_examples} examples per mode)")
        if self.result.absent_specs:
            self.say(f"contracts: not served here, skipped: {', '.join(self.result.absent_specs)}")
        try:
            for spec in self.specs:
                for op in self.operations(spec):
                    for group in self.groups_for(op):
                        self.run_group(op, group)
        except BudgetExhausted as exc:
            self.result.problems.append(f"stopped early: {exc}")
        return self.finish()

    def finish(self) -> RunResult:
        r = self.result
        r.requests, r.successes, r.throttled = self.politeness.sent, self.politeness.successes, self.politeness.throttled
        r.seconds = time.monotonic() - self._started
        r.undeclared = {self.operation_result(o).label: sorted(self.contract(o).undeclared)
                        for o in self._op_objects() if self.contract(o).undeclared}
        no_success = "no request got a 2xx answer: wrong token or wrong base URL? nothing was really checked"
        if r.requests and not r.successes and no_success not in r.problems:
            r.problems.append(no_success)
        return r

    def _op_objects(self) -> list[Operation]:
        return [op for spec in self.specs for op in self.operations(spec) if id(op) in self._results]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def _counts(result: OperationResult) -> dict[str, tuple[int, int, int]]:
    return {name: (c.assertions, c.failures, c.warnings) for name, c in result.checks.items()}


def run_contracts(options: RunOptions, progress: TextIO | None = sys.stderr) -> RunResult:
    """Discover, run every check, return the result (raises UsageError for exit-2 situations)."""
    session = Session(options, progress)
    try:
        session.discover()
        return session.run()
    finally:
        session.close()

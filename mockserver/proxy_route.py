"""The client's side of `mockserver proxy`: which operation a request is aimed at, and what it broke.

The same request validation the mock runs (`validate.RequestValidator`, `negotiate`, the dialect's
own query language), but collected instead of answered: a proxy forwards the request anyway,
unless `--strict` says to refuse it in the vendor's envelope as the mock would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import compile_path

from contracts.declarations import Contract

from . import negotiate
from .dialects import Dialect, dialect_for
from .errors import Problem, RequestError
from .proxy_conformance import ResponseConformance
from .query import Query
from .routing import route_key
from .spec import Operation, Spec, safe_name
from .validate import RequestValidator


@dataclass
class Checked:
    """What the request asked for, and what it broke (empty: a valid request)."""

    problems: list[Problem] = field(default_factory=list)
    status: int = 400  # the mock's answer to the first refusing problem (400/401/406)
    query: Query | None = None  # the window and fieldset asked for, when the request parsed

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


class OperationRoute:
    """One documented operation, compiled once: its path pattern, validator, dialect and contract."""

    def __init__(self, op: Operation, view: dict):
        self.op = op
        self.name = f"{op.spec.name}:{op.operation_id}"
        self.dialect: Dialect = dialect_for(op)
        self.validator = RequestValidator(op)
        self.contract = Contract(op.raw, op.spec.raw.get("x-contract"))
        self.conformance = ResponseConformance(op, view)
        self.regex = compile_path(op.route_path)[0]
        self.prefix = op.path.split("{", 1)[0]
        self.path_names = {safe_name(n): n for n in op.path_params}
        self.is_list = "collection" in op.mock and bool((op.mock.get("paging") or {}).get("limit"))
        self.maximum = self.dialect.limit_bounds[1] if self.is_list else 0

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.match(path)
        if found is None and self.dialect.trailing_slash == "same" and path.endswith("/") and len(path) > 1:
            found = self.regex.match(path[:-1])
        if found is None:
            return None
        return {self.path_names[k]: v for k, v in found.groupdict().items()}

    def check(self, headers, raw_query: str, query_items: list[tuple[str, str]], path_params: dict,
              auth_supplied: bool) -> Checked:
        """The mock's own validation, collected: missing auth, wrong types, undocumented parameters."""
        checked = Checked()
        try:
            if not auth_supplied:
                self.validator.check_auth(headers.get("authorization"), headers=headers, query=dict(query_items))
            values = self.validator.parse(raw_query, query_items, path_params)
            offered = self.dialect.offered(values)
            media = negotiate.choose(headers.get("accept"), offered)
            if media is None:
                raise RequestError(406, [Problem(f"Could not satisfy the request Accept header "
                                                 f"({headers.get('accept')!r}); this operation answers "
                                                 f"{' or '.join(offered)}", "Accept", "header")])
            self.dialect.with_media(values, media)
            if self.is_list:
                checked.query = self.dialect.query(values, int(time.time() * 1000))
        except RequestError as error:
            checked.problems, checked.status = list(error.problems), error.status
        unknown = self.validator.unknown_parameters(query_items)
        checked.problems += [Problem(f"'{name}' is not a documented parameter", name) for name in unknown]
        return checked

    def error(self, error: RequestError) -> tuple[int, dict, Any]:
        """(status, headers, body) as the mock answers this error: the vendor's status and envelope."""
        status = self.dialect.validation_status if error.status == 400 else error.status
        error.status = status
        headers = dict(error.headers)
        if status == 401:
            headers.setdefault("WWW-Authenticate", self.validator.challenge)
        return status, headers, self.dialect.error_body(error)


def build_routes(specs: list[Spec], views: dict[str, dict]) -> list[OperationRoute]:
    """Static path segments before parameters, as the mock routes them (routing.py)."""
    routes = [OperationRoute(op, views[spec.name]) for spec in specs for op in spec.operations]
    return sorted(routes, key=lambda route: route_key(route.op.route_path))


def find(routes: list[OperationRoute], method: str, path: str) -> tuple[OperationRoute | None, dict, Checked]:
    """(the operation, its path parameters, what the client broke) for a method and path. An
    undocumented method (405) or path (404) is the client's problem, in the words the mock uses."""
    at_path = None
    for route in routes:
        params = route.match(path)
        if params is None:
            continue
        if route.op.method.upper() == method or (method == "HEAD" and route.op.method == "get"):
            return route, params, Checked()
        at_path = at_path or route
    if at_path is not None:
        return None, {}, Checked([Problem(f"{method} is not documented for {path}")], 405)
    message = f"no documented operation at {method} {path}"
    if path.endswith("/") and any(r.match(path.rstrip("/")) is not None for r in routes):
        message += f" (the documented path has no trailing slash: {path.rstrip('/')})"
    return None, {}, Checked([Problem(message)], 404)


def owner(routes: list[OperationRoute], path: str) -> OperationRoute | None:
    """The operation whose vendor a path belongs to: the longest documented static prefix."""
    best, best_len = None, 0
    for route in routes:
        if route.match(path) is not None:
            return route
        if path.startswith(route.prefix) and len(route.prefix) > best_len:
            best, best_len = route, len(route.prefix)
    return best

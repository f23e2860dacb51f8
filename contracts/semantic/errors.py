"""Errors: auth is enforced, invalid input is refused, and error bodies are in the declared shape.

What the pages state is a FAIL when broken (every page requires its `Authorization` header; Elastic
Path prints its 401 body). Which 4xx an invalid parameter gets, and the error envelope of pages
that print none, are our readings: another choice is a WARN that names the status or shape seen.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from ..declarations import apply_documented, plain_schema
from ..results import Recorder
from .target import ListTarget

CREDENTIAL_HEADERS = ("authorization", "cookie", "x-api-key")
NOT_A_NUMBER = "not-a-number"


def check_errors(t: ListTarget, rec: Recorder) -> None:
    with rec.check("errors.auth") as c:
        query = {k: v for k, v in t.base_params.items() if k not in t.auth_params}
        response = t.client.request("GET", t.path, params=query or None, without=_credential_headers(t))
        c.expect(response.status_code in (401, 403), "a request without credentials is refused",
                 expected="401 (or 403)", actual=f"{response.status_code}", response=response, basis="auth.required")
        if response.status_code in (401, 403):
            check_body(t, c, response, str(response.status_code), "auth")
    with rec.check("errors.invalid") as c:
        limit = t.limit_param
        response = t.send({limit: NOT_A_NUMBER})
        c.expect(400 <= response.status_code < 500, f"`{limit}={NOT_A_NUMBER}` (not an integer) is refused with a 4xx",
                 expected="a 4xx", actual=response.status_code, response=response, basis="errors.rejects")
        if not 400 <= response.status_code < 500:
            return
        ours = validation_status(t)
        c.expect(response.status_code == ours, f"`{limit}={NOT_A_NUMBER}`: an invalid parameter gets {ours}",
                 expected=ours, actual=response.status_code, response=response, basis="errors.status",
                 took=str(response.status_code))
        check_body(t, c, response, str(ours), "errors")
    blank = next((n for n, p in t.op.query_params.items() if p.schema.get("enum") and "" not in p.schema["enum"]
                  and "x-documented" not in p.schema and n != (t.op.mock.get("format") or {}).get("param")), None)
    if blank:
        with rec.check("errors.blank") as c:
            response = t.send({blank: ""})
            c.expect(400 <= response.status_code < 500, f"`{blank}=` (blank, not one of {t.op.query_params[blank].schema['enum']}) is refused",
                     expected="a 4xx", actual=response.status_code, response=response,
                     took="blank-is-absent" if 200 <= response.status_code < 300 else None)
    free = blank_allowed(t)
    if free:
        with rec.check("errors.blank-allowed") as c:
            response = t.send({free: ""})
            c.expect(response.status_code < 500, f"`{free}=` (blank, which its schema allows) gets no 5xx",
                     expected="a 2xx or a 4xx", actual=response.status_code, response=response, basis="server-error")
            if response.status_code < 500:
                c.expect(200 <= response.status_code < 300, f"`{free}=` (blank, which its schema allows) is accepted",
                         expected="a 2xx", actual=response.status_code, response=response,
                         basis="conformance.blank-values", took="refuses-blank")


def blank_allowed(t: ListTarget) -> str | None:
    """The first plain string query parameter whose schema allows `""` (no enum, format, pattern or
    minimum length) and that is not paging, sort, format or auth: sending it blank asks, every run,
    what Schemathesis asks only when it happens to generate one."""
    reserved = {*t.auth_params, (t.op.mock.get("format") or {}).get("param"),
                *_strings(t.paging_cfg), *_strings(t.sort_cfg)}
    for name, param in t.op.query_params.items():
        schema = param.schema
        if (name not in reserved and schema.get("type") == "string" and "x-documented" not in schema
                and not {"enum", "format", "pattern", "const"} & set(schema) and not schema.get("minLength")):
            return name
    return None


def _strings(config: dict) -> set[str]:
    """Every string in a paging or sort declaration: the names of the parameters it uses."""
    found = set()
    for value in config.values():
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            found |= _strings(value)
    return found


def validation_status(t: ListTarget) -> int:
    """The status the spec chose for an invalid parameter: its first documented 4xx other than 401-429."""
    for status in sorted(t.op.responses):
        if status.isdigit() and 400 <= int(status) < 500 and int(status) not in (401, 403, 404, 405, 406, 429):
            return int(status)
    return 400


def check_body(t: ListTarget, c, response, status: str, what: str) -> None:
    """The body is JSON (any API); in the vendor's printed shape where there is one (documented);
    in the shape we chose otherwise (a reading)."""
    try:
        body = response.json()
    except ValueError:
        c.expect(False, f"the {status} body is JSON", expected="a JSON body",
                 actual=response.headers.get("content-type", "no content type"), response=response,
                 basis="errors.json")
        return
    spec_response = t.op.responses.get(status) or {}
    schema = ((spec_response.get("content") or {}).get("application/json") or {}).get("schema")
    if not schema:
        return
    if spec_response.get("x-source"):
        problem = first_error(apply_documented(schema), body)
        c.expect(problem is None, f"the {status} body is in the shape the vendor page prints",
                 expected=spec_response["x-source"], actual=f"{problem}: {_short(body)}", response=response,
                 basis=f"{what}.documented-envelope")
    problem = first_error(schema, body)
    c.expect(problem is None, f"the {status} body is in the error envelope of the spec",
             expected="the spec's error schema", actual=f"{problem}: {_short(body)}", response=response,
             basis="errors.envelope", took="other-envelope")


def first_error(schema: dict, body: Any) -> str | None:
    try:
        validator = jsonschema_rs.validator_for(plain_schema(schema))
    except Exception:  # a schema the validator cannot read: nothing to hold the body to
        return None
    for error in validator.iter_errors(body):
        return str(getattr(error, "message", error))
    return None




def _credential_headers(t: ListTarget) -> tuple[str, ...]:
    return tuple(name for name in t.client.http.headers if name.lower() in CREDENTIAL_HEADERS or
                 any(name.lower() == s.get("name", "").lower() for s in t.op.security_schemes if s.get("in") == "header"))


def _short(body: Any) -> str:
    text = repr(body)
    return text if len(text) <= 200 else text[:190] + "..."

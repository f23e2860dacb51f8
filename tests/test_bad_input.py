"""Garbage in, a documented 4xx out: never a 5xx, and every 4xx body validates against the schema the
spec documents for that status (Django REST framework's for TeamUp, Elastic Path's `errors` array,
NestJS's for the ops platform, JSON:API's for NuWeb).

The cases are derived from each operation's own parameters, so a parameter added to a spec is
covered without touching this file.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlencode

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.spec import Operation, Parameter

from .conftest import AUTH, EXAMPLE_PATHS, OPERATIONS

BY_ID = {op.operation_id: op for op in OPERATIONS}


@pytest.fixture(scope="module")
def raw_client(app):
    """Server exceptions come back as a 500, as a real client would see them."""
    with TestClient(app, headers=AUTH, raise_server_exceptions=False) as c:
        yield c


@lru_cache(maxsize=None)
def validator(operation_id: str, status: int):
    schema = BY_ID[operation_id].response_schema(status)
    return jsonschema_rs.validator_for(schema) if schema else None


def check(op: Operation, response, must_reject: bool) -> None:
    """Never a 5xx; a 4xx is documented and its JSON body matches the documented schema."""
    status = response.status_code
    assert status < 500, f"{status}: {response.text[:300]}"
    if must_reject:
        assert 400 <= status < 500, f"expected a 4xx, got {status}: {response.text[:300]}"
    if 400 <= status < 500:
        assert str(status) in op.responses, f"{status} is not documented for {op.operation_id}"
        assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
        body = response.json()
        errors = [e.message for e in validator(op.operation_id, status).iter_errors(body)]
        assert not errors, f"{status} body {body!r} does not match the documented schema: {errors}"
    elif status == 200 and response.headers["content-type"].startswith("application/json"):
        errors = [e.message for e in validator(op.operation_id, 200).iter_errors(response.json())]
        assert not errors, errors


def call(client, op: Operation, query: str):
    return client.get(EXAMPLE_PATHS[op.operation_id] + ("?" + query if query else ""))


# --------------------------------------------------------------------------- deriving cases

def valid_value(p: Parameter) -> str:
    """One value the parameter accepts (for repeated-key cases)."""
    schema = p.schema["items"] if p.is_array else p.schema
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return str(schema.get("default", max(schema.get("minimum", 1), 1)))
    if schema.get("format") == "date-time":
        return "2025-01-01T00:00:00Z"
    if schema.get("pattern"):
        return "eq(code,x)"
    return "code"


def is_free_text(p: Parameter) -> bool:
    """A plain string parameter: any text is a valid value."""
    s = p.schema
    return s.get("type") == "string" and not ({"enum", "pattern", "format"} & set(s))


WRONG_TYPE = {
    "integer": ["abc", "1.5", "1e3", "0x1F", "true", "NaN", "Infinity", "1_000", "--1", "+-1", "1 2", "one"],
    "string": ["NOPE", "n0pe", "DEFINITELY-NOT-AN-OPTION"],
    "date-time": ["yesterday", "2025-02-30T00:00:00Z", "2025-01-01T24:61:00Z", "1700000000", "2025/01/01"],
    "pattern": ["eq(code)", "foo(code,x)", "gt(code,x)", "eq(code,x):", "eq(code,x))", "()", "eq(,)"],
}
BROKEN_ENCODING = ["%zz", "%", "%E0%A4%A", "%ff", "%C3%28", "%%", "%2", "%u0041"]
CONTROL = ["%00", "%0A", "%0D%0A", "%1B%5B31m", "%E2%80%AE", "%F0%9F%98%80", "%EF%BB%BF", "%7F"]


def rejecting_values(p: Parameter) -> list[tuple[str, str]]:
    """(label, raw encoded value) pairs this parameter must reject."""
    schema = p.schema["items"] if p.is_array else p.schema
    kind = schema.get("type")
    out: list[tuple[str, str]] = []
    if "enum" in schema:
        out += [("unknown-enum", v) for v in WRONG_TYPE["string"] + [str(schema["enum"][0]).upper() + "X"]]
    elif kind == "integer":
        out += [("wrong-type", quote(v)) for v in WRONG_TYPE["integer"]]
        if "minimum" in schema:
            out.append(("below-minimum", str(schema["minimum"] - 1)))
            out.append(("far-below-minimum", str(-10**30)))
        if "maximum" in schema:
            out.append(("above-maximum", str(schema["maximum"] + 1)))
            out.append(("far-above-maximum", str(10**30)))
    elif schema.get("format") == "date-time":
        out += [("wrong-type", quote(v)) for v in WRONG_TYPE["date-time"]]
    elif schema.get("pattern"):
        out += [("bad-pattern", quote(v)) for v in WRONG_TYPE["pattern"]]
    elif schema.get("format") == "uuid":
        out += [("wrong-type", v) for v in ("nope", "123")]
    else:
        return []  # free text: nothing is wrong with any value
    out += [("broken-encoding", v) for v in BROKEN_ENCODING]
    out += [("control-or-unicode", v) for v in CONTROL]
    if "" not in schema.get("enum", []):  # NuWeb documents a blank withTrashed as false
        out.append(("empty", ""))
    return out


def reject_cases():
    for op in OPERATIONS:
        for p in op.query_params.values():
            for label, raw in rejecting_values(p):
                yield pytest.param(op.operation_id, f"{p.name}={raw}", id=f"{op.operation_id}-{p.name}-{label}-{raw}")
            if not p.is_array:
                value = quote(valid_value(p), safe="(),:")
                yield pytest.param(op.operation_id, f"{p.name}={value}&{p.name}={value}",
                                   id=f"{op.operation_id}-{p.name}-repeated")
                yield pytest.param(op.operation_id, f"{p.name}=1&{p.name}=2", id=f"{op.operation_id}-{p.name}-repeated-different")
        big = "x=" + "a" * 20_000
        yield pytest.param(op.operation_id, big, id=f"{op.operation_id}-20kb-query")
        name = next(iter(op.query_params))
        yield pytest.param(op.operation_id, f"{name}={'%F0%9F%98%80' * 2000}", id=f"{op.operation_id}-20kb-unicode-value")


def survive_cases():
    """Odd but not necessarily wrong: any status below 500, and a documented envelope on a 4xx."""
    for op in OPERATIONS:
        for p in op.query_params.values():
            values = ["%zz", "%", "%ff", "%00", "%E2%80%AE", "%F0%9F%98%80", "", "%20", "+", "%2C", ",", "%5B%5D",
                      "%D9%A1", "%EF%BC%95", "1%0A", "%201%20", "%2B1"]
            if not is_free_text(p):
                values += [str(10**20), str(2**63), str(2**63 - 1), str(2**64), "0" * 50 + "1", "-0"]
            for raw in values:
                yield pytest.param(op.operation_id, f"{p.name}={raw}", id=f"{op.operation_id}-{p.name}={raw}")
            yield pytest.param(op.operation_id, f"{p.name}[]=1", id=f"{op.operation_id}-{p.name}[]")
            yield pytest.param(op.operation_id, f"{p.name}[0]=1", id=f"{op.operation_id}-{p.name}[0]")
            yield pytest.param(op.operation_id, f"{p.name}", id=f"{op.operation_id}-{p.name}-no-equals")
        for raw in ["%zz=1", "=", "&&&", "==", "a=b=c", "%00=%00", "x=" + "%E2%80%AE" * 50, "%F0%9F%98%80=1",
                    ";", "?", "#", "x=1;y=2"]:
            yield pytest.param(op.operation_id, raw, id=f"{op.operation_id}-{raw[:20]}")
        if any(is_free_text(p) for p in op.query_params.values()):
            free = next(p for p in op.query_params.values() if is_free_text(p))
            yield pytest.param(op.operation_id, f"{free.name}={'a,' * 4000}", id=f"{op.operation_id}-8kb-free-text")


@pytest.mark.parametrize("operation_id, query", list(reject_cases()))
def test_garbage_is_a_documented_4xx(raw_client, operation_id, query):
    op = BY_ID[operation_id]
    check(op, call(raw_client, op, query), must_reject=True)


@pytest.mark.parametrize("operation_id, query", list(survive_cases()))
def test_odd_input_never_breaks_the_server(raw_client, operation_id, query):
    op = BY_ID[operation_id]
    check(op, call(raw_client, op, query), must_reject=False)


BAD_PATHS = {
    "listPromotionUsageHistory": ["/api/v1/ops/promotions/nope/usage-history",
                                  "/api/v1/ops/promotions/%00/usage-history",
                                  "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a%20/usage-history",
                                  "/api/v1/ops/promotions/" + "a" * 5000 + "/usage-history"],
}
ODD_PATHS = {
    "getPromotionCodes": ["/v2/promotions/%zz/codes", "/v2/promotions/%F0%9F%98%80/codes", "/v2/promotions/%00/codes",
                          "/v2/promotions/" + "p" * 5000 + "/codes", "/v2/promotions/a%2Fb/codes"],
    "getPromotionCodeUsages": ["/v2/promotions/p/codes/%zz/usages", "/v2/promotions/p/codes/%E2%80%AE/usages",
                               "/v2/promotions/%20/codes/%20/usages", "/v2/promotions/p/codes/a%2Fb/usages"],
}


@pytest.mark.parametrize("operation_id, path", [(o, p) for o, ps in BAD_PATHS.items() for p in ps],
                         ids=lambda v: v[:60] if isinstance(v, str) else v)
def test_bad_path_parameters_are_documented_4xx(raw_client, operation_id, path):
    check(BY_ID[operation_id], raw_client.get(path), must_reject=True)


@pytest.mark.parametrize("operation_id, path", [(o, p) for o, ps in ODD_PATHS.items() for p in ps],
                         ids=lambda v: v[:60] if isinstance(v, str) else v)
def test_odd_path_parameters_never_break_the_server(raw_client, operation_id, path):
    response = raw_client.get(path)
    assert response.status_code < 500, response.text
    if response.status_code != 404:  # a path the router does not match is not this operation's
        check(BY_ID[operation_id], response, must_reject=False)


@pytest.mark.parametrize("operation_id", list(BY_ID))
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic eDp5", "Digest x", "x" * 10_000,
                                    "Bearer\ttoken", "Bëarer abc".encode()],
                         ids=lambda h: repr(h)[:20])
def test_bad_credentials_are_a_documented_401(app, operation_id, header):
    op = BY_ID[operation_id]
    if header == "Basic eDp5" and any(s.get("scheme") == "basic" for s in _schemes(op)):
        header = "Basic eDp5!"  # `x:y` is a well-formed basic credential where the spec takes basic: break its base64
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        headers = {} if header is None else {"Authorization": header}
        response = anonymous.get(EXAMPLE_PATHS[operation_id] + "?limit=%zz", headers=headers)
    assert response.status_code == 401, response.text  # auth is checked before the parameters
    check(op, response, must_reject=True)


def _schemes(op: Operation) -> list[dict]:
    schemes = op.spec.raw.get("components", {}).get("securitySchemes", {})
    return [schemes.get(name, {}) for req in op.spec.raw.get("security", []) for name in req]


# ----------------------------------------------------------------------------------- fuzzing

def _names(op: Operation) -> list[str]:
    names = list(op.query_params)
    return names + [n + "[]" for n in names] + ["page[limit]", "page[offset]", "filter", "limit", "x"]


def _value_strategy(op: Operation):
    interesting = set()
    for p in op.query_params.values():
        interesting.add(valid_value(p))
        schema = p.schema["items"] if p.is_array else p.schema
        interesting.update(str(v) for v in schema.get("enum", []))
        for bound in ("minimum", "maximum"):
            if bound in schema:
                interesting.update({str(schema[bound]), str(schema[bound] + 1), str(schema[bound] - 1)})
    return st.one_of(
        st.sampled_from(sorted(interesting)),
        st.integers(min_value=-(2**62), max_value=2**62).map(str),
        st.text(max_size=30),
        st.lists(st.sampled_from(sorted(interesting)), min_size=1, max_size=3).map(",".join),
    )


RAW_CHUNKS = ["%zz", "%", "%ff", "&&", "=", "%E0%A4%A", "limit=1&limit=2", "%00", "a[b]=c"]


def _query_strategy(op: Operation):
    pair = st.tuples(st.one_of(st.sampled_from(_names(op)), st.text(max_size=10)), _value_strategy(op)) \
        .map(lambda kv: urlencode([kv]))
    return st.lists(st.one_of(pair, st.sampled_from(RAW_CHUNKS)), max_size=6).map("&".join)


@pytest.mark.parametrize("operation_id", list(BY_ID))
def test_random_queries_never_break_the_server(raw_client, operation_id):
    op = BY_ID[operation_id]

    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(query=_query_strategy(op))
    def run(query):
        check(op, call(raw_client, op, query), must_reject=False)

    run()

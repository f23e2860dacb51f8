"""Parse and validate a request against its operation: raw strings in, typed values out.

Values are coerced by the parameter's schema type and then checked with the parameter's own JSON
schema (compiled once with jsonschema-rs), so the mock accepts exactly what the spec documents: no
more (Schemathesis' negative tests) and no less (its positive tests).
"""

from __future__ import annotations

import base64

import re
from dataclasses import dataclass
from typing import Any, Iterable

import jsonschema_rs

from .errors import Problem, RequestError
from .spec import Operation, Parameter

MAX_QUERY_BYTES = 16384  # a bound on parsing work; documented string maxima fit (Stripe: three of 5000)
_INT = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class Params(dict):
    """Typed parameter values (defaults filled in); `given` names those the request really sent."""

    given: frozenset = frozenset()


@dataclass
class CheckedParameter:
    param: Parameter
    validator: Any
    item_type: str | None
    split_commas: bool
    # the parameter's own fields, read once (they are properties of the schema: 8 reads a request)
    name: str = ""
    location: str = "query"
    required: bool = False
    default: Any = None
    is_array: bool = False


class RequestValidator:
    """Compiled once per operation."""

    def __init__(self, op: Operation):
        self.op = op
        self.checks: dict[str, CheckedParameter] = {}
        for p in op.parameters:
            if p.location not in ("query", "path"):
                continue
            item_type = (p.schema.get("items") or {}).get("type") if p.is_array else p.schema.get("type")
            self.checks[p.name] = CheckedParameter(
                param=p,
                validator=jsonschema_rs.validator_for(_schema_for_validation(p.schema), validate_formats=True),
                item_type=item_type,
                # "an array or comma separated list": arrays also accept `a,b` (x-comma-separated: false opts out)
                split_commas=p.is_array and p.extensions.get("x-comma-separated", True),
                name=p.name, location=p.location, required=p.required, default=p.default, is_array=p.is_array,
            )
        # (name, read from the path, required, default, check) per parameter, for `parse`'s loop
        self.checked = tuple((c.name, c.location == "path", c.required, c.default, c) for c in self.checks.values())
        self.query_names = {p.name for p in op.parameters if p.location == "query"}
        self.security = op.security_schemes
        self.api_keys = any(s.get("type") == "apiKey" for s in self.security)  # credentials beyond `Authorization`
        # Only http schemes: the words each accepts, lower-cased once, for `check_auth`'s quick yes.
        self.http_words = None
        if not self.api_keys:
            prefixes = [(_words(s), s) for s in self.security]
            if all(isinstance(p, str) for words, _ in prefixes for p in words):
                self.http_words = tuple((frozenset(p.lower() for p in words), s) for words, s in prefixes)
        # The 401's `WWW-Authenticate`: the scheme word the spec documents first (TeamUp's `Token`).
        self.challenge = next((_words(s) for s in self.security if s.get("type") != "apiKey"), ["Bearer"])[0]

    # ------------------------------------------------------------------------------ public
    def check_auth(self, authorization: str | None, pinned_token: str | None = None, *,
                   headers: Any = None, query: Any = None, cookies: Any = None) -> None:
        """Any one documented scheme will do: http (`Bearer`, `Basic` or the spec's `x-prefixes`, e.g.
        TeamUp's `Token`) in `Authorization`, or an apiKey in its header, query parameter or cookie."""
        if not self.security:
            return
        if self.http_words is not None and authorization:  # the usual yes, without building the 401's text
            word, _, token = authorization.strip().partition(" ")
            token = token.strip()
            if token:
                word = word.lower()
                for words, scheme in self.http_words:
                    if word in words and _holds(scheme, token, pinned_token):
                        return
        places = {"header": headers, "query": query, "cookie": cookies}
        expected = []
        for scheme in self.security:
            if scheme.get("type") == "apiKey":
                where, name = scheme.get("in", "header"), scheme.get("name", "")
                found = places.get(where)
                value = found.get(name) if found is not None and name else None
                if value and (pinned_token is None or value == pinned_token):
                    return
                expected.append(f"the {where} {name!r}")
                continue
            prefixes = _words(scheme)
            if authorization:
                word, _, token = authorization.strip().partition(" ")
                token = token.strip()
                if any(word.lower() == p.lower() for p in prefixes) and token and _holds(scheme, token, pinned_token):
                    return
            expected.append("an Authorization header " + " or ".join(f"'{p} <token>'" for p in prefixes))
        raise RequestError(401, [Problem(f"missing or invalid credentials; expected {' or '.join(expected)}",
                                         "Authorization", "header")])

    def parse(self, raw_query: str, query_items: Iterable[tuple[str, str]], path_params: dict) -> Params:
        """Typed values for every documented parameter (defaults filled in)."""
        if len(raw_query) > MAX_QUERY_BYTES:
            raise RequestError(400, [Problem(f"query string is {len(raw_query)} bytes; the limit is {MAX_QUERY_BYTES}")])
        grouped: dict[str, list[str]] = {}
        for name, value in query_items:
            if name.endswith("[]") and name[:-2] in self.query_names:
                name = name[:-2]
            grouped.setdefault(name, []).append(value)
        problems: list[Problem] = []
        values = Params()
        for name, in_path, required, default, check in self.checked:
            raw = [path_params[name]] if in_path and name in path_params else grouped.get(name)
            if raw is None:
                if required:
                    problems.append(Problem(f"'{name}' is required", name, check.location))
                elif default is not None:
                    values[name] = default
                continue
            location = check.location
            try:
                value = self._coerce(check, raw)
            except ValueError as exc:
                problems.append(Problem(f"'{name}' {exc}", name, location))
                continue
            # `is_valid` first: it stops at the first failure and builds no error objects
            error = None if check.validator.is_valid(value) else next(iter(check.validator.iter_errors(value)), None)
            if error is not None:
                problems.append(Problem(f"'{name}': {_describe(error, check.param)}", name, location))
                continue
            values[name] = value
        if problems:
            raise RequestError(400, problems)
        values.given = frozenset(grouped.keys() & self.checks.keys()).union(path_params)
        return values

    def unknown_parameters(self, query_items: Iterable[tuple[str, str]]) -> list[str]:
        return sorted({n for n, _ in query_items if n not in self.query_names and n.removesuffix("[]") not in self.query_names})

    # ----------------------------------------------------------------------------- helpers
    def _coerce(self, check: CheckedParameter, raw: list[str]) -> Any:
        if check.is_array:
            parts: list[str] = []
            for chunk in raw:
                parts.extend(chunk.split(",") if check.split_commas else [chunk])
            return [_scalar(check.item_type, part) for part in parts]
        if len(raw) > 1:
            raise ValueError(f"was given {len(raw)} times; give it once")
        return _scalar(check.item_type, raw[0])


def _schema_for_validation(schema: dict) -> dict:
    """The parameter schema minus OpenAPI-only keywords jsonschema-rs does not know."""
    return {k: v for k, v in schema.items() if not k.startswith("x-") and k not in ("example", "examples")}


def _scalar(kind: str | None, text: str) -> Any:
    if kind == "integer" and text.isascii() and text.isdigit():  # plain digits: what the pattern below accepts
        return int(text)
    if kind == "integer":
        if not _INT.match(text.strip()):
            raise ValueError(f"must be an integer, got {_show(text)}")
        return int(text)
    if kind == "number":
        if not _NUMBER.match(text.strip()):
            raise ValueError(f"must be a number, got {_show(text)}")
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"must be true or false, got {_show(text)}")
        return lowered == "true"
    return text


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _describe(error: Any, param: Parameter) -> str:
    """jsonschema-rs' message, except that a regex nobody can read is replaced by examples."""
    if "pattern" in param.schema and " does not match " in error.message:
        shown = _show(str(error.instance))
        examples = ", ".join(repr(e) for e in param.examples[:2])
        return f"{shown} is not in the documented form" + (f", e.g. {examples}" if examples else "")
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _words(scheme: dict) -> list:
    """The words an http scheme accepts before its token: the spec's `x-prefixes` (TeamUp's `Token`),
    else its own scheme name (`Bearer`, `Basic`)."""
    return scheme.get("x-prefixes") or [str(scheme.get("scheme") or "bearer").capitalize()]


def _holds(scheme: dict, token: str, pinned: str | None) -> bool:
    """Whether a credential in the scheme's form is (any, or the pinned) token. HTTP basic carries
    base64 `user:password`; the token is the pair or the user alone (Stripe's `-u sk_test_...:`)."""
    if str(scheme.get("scheme", "")).lower() != "basic" or scheme.get("x-prefixes"):
        return pinned is None or token == pinned
    try:
        user, colon, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return bool(colon) and (pinned is None or pinned in (user, f"{user}:{password}"))

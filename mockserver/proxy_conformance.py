"""Is one answer what the spec documents? Status, content type and body, graded as `contracts` grades.

The body is held first to the documented view (`contracts.declarations.documented_view`: what the
vendor page alone promises); a mismatch there breaks a documented claim (a FAIL). A body the
documented view accepts but our full schema refuses took another reading of an open point (a
WARN): `errors.envelope` for an error body, `schema.ours` (a generic reading) for a
page. Schemas are compiled once per (operation, status, media type).
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import orjson

from contracts.declarations import documented_view, plain_schema
from contracts.results import CheckRun, Recorder

from .spec import Operation, Spec

HTTP_OWN = {304}  # answers HTTP itself adds to any operation (If-None-Match), body-less
_MISSING = object()


def documented_views(specs: list[Spec]) -> dict[str, dict]:
    return {spec.name: documented_view(spec.raw) for spec in specs}


def _response_for(responses: dict, status: int) -> tuple[str, dict] | None:
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key, responses[key]
    return None


class ResponseConformance:
    """One operation's documented answers, in both views."""

    def __init__(self, op: Operation, view: dict):
        self.op = op
        self.documented: dict = view["paths"][op.path][op.method]["responses"]
        self.ours: dict = op.responses
        self._validators: dict[tuple, Any] = {}

    def _validator(self, which: str, key: str, media: str, response: dict) -> Any:
        cache_key = (which, key, media)
        found = self._validators.get(cache_key, _MISSING)
        if found is _MISSING:
            schema = ((response.get("content") or {}).get(media) or {}).get("schema")
            try:
                found = jsonschema_rs.validator_for(plain_schema(schema)) if schema else None
            except Exception:  # a schema the validator cannot read: nothing to hold the body to
                found = None
            self._validators[cache_key] = found
        return found

    def check(self, rec: Recorder, status: int, content_type: str, content: bytes, response: Any,
              valid_request: bool) -> Any:
        """Records the findings; returns the parsed JSON body (or None when there is none)."""
        documented = _response_for(self.documented, status)
        with rec.check("conformance.status_code_conformance") as c:
            basis = "server-error" if status >= 500 and valid_request else None
            c.expect(documented is not None or status in HTTP_OWN, f"{status} is a status the vendor documents "
                     f"for {self.op.method.upper()} {self.op.path}",
                     expected=", ".join(sorted(self.documented)), actual=status, response=response, basis=basis)
        if documented is None or status in HTTP_OWN or not content:
            return None
        key, spec_response = documented
        media = content_type.split(";", 1)[0].strip().lower()
        offered = list(spec_response.get("content") or {})
        with rec.check("conformance.content_type_conformance") as c:
            c.expect(not offered or media in offered, f"the {status} answer comes as a documented media type",
                     expected=" or ".join(offered), actual=media or "no content type", response=response)
        if not media.endswith("json"):
            return None
        with rec.check("conformance.response_schema_conformance") as c:
            try:
                body = orjson.loads(content)
            except orjson.JSONDecodeError:
                c.expect(False, f"the {status} body is JSON, as its content type says", expected="JSON",
                         actual=content[:80], response=response, basis="errors.json" if status >= 400 else None)
                return None
            problem = self._first_error(self._validator("documented", key, media, spec_response), body)
            c.expect(problem is None, f"the {status} body fits the schema the vendor documents",
                     expected="the documented schema", actual=problem, response=response)
        if problem is None:
            self._check_ours(rec, status, media, body, response)
        return body

    def _check_ours(self, rec: Recorder, status: int, media: str, body: Any, response: Any) -> None:
        ours = _response_for(self.ours, status)
        if ours is None:
            return
        problem = self._first_error(self._validator("ours", ours[0], media, ours[1]), body)
        claim = "errors.envelope" if status >= 400 else "schema.ours"
        run: CheckRun
        with rec.check(claim) as run:
            run.expect(problem is None, f"the {status} body fits our reading of its schema",
                       expected="the spec's full schema", actual=problem, response=response, basis=claim,
                       took="other-envelope" if status >= 400 else None)

    @staticmethod
    def _first_error(validator: Any, body: Any) -> str | None:
        if validator is None:
            return None
        for error in validator.iter_errors(body):
            where = "/".join(map(str, error.instance_path)) or "(body)"
            return f"at {where}: {error.message}"[:300]
        return None

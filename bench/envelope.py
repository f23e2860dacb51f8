"""Is an error response in its vendor's envelope? Judged against the spec, not against the mock.

The request path is routed the way the server routes it (percent-decoded, one segment per path
parameter). A 4xx on a documented operation must be JSON that validates against that operation's
documented schema for the status; a status the operation does not document (a 405, say) is
checked against its validation-error schema, its general error envelope, and noted as undocumented.
Uvicorn's own plain-text answer to bytes that are not HTTP never reaches the app: it is counted as
`protocol`, apart from the app's answers. A 4xx on a path no operation serves must still be JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import jsonschema_rs
import orjson

from mockserver.dialects import dialect_for
from mockserver.routing import route_key
from mockserver.spec import Operation, Spec, load_specs

UVICORN_REJECTION = b"Invalid HTTP request received."


@dataclass
class Verdict:
    kind: str  # ok | undocumented (in envelope) | protocol | unrouted -- or a failure: 5xx | non-json | non-envelope | hang | dropped
    detail: str = ""
    operation: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in ("5xx", "non-json", "non-envelope", "hang", "dropped")


class EnvelopeChecker:
    def __init__(self, specs: list[Spec] | None = None):
        self.routes: list[tuple[re.Pattern, Operation]] = []
        operations = [op for spec in specs or load_specs() for op in spec.operations]
        for op in sorted(operations, key=lambda op: route_key(op.path)):  # as the app routes: static segments first
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(op.path))
            self.routes.append((re.compile(f"^{pattern}$"), op))
        self._validators: dict[tuple[str, str], object] = {}

    def operation_for(self, target: str) -> Operation | None:
        """The operation the server routes `target` (raw path, optional query) to, if any."""
        path = unquote(target.split("?", 1)[0], errors="replace")
        return next((op for pattern, op in self.routes if pattern.match(path)), None)

    def check(self, target: str, status: int, content_type: str, body: bytes, method: str = "GET") -> Verdict:
        if status >= 500:
            return Verdict("5xx", f"{status}: {body[:200]!r}")
        if status < 400 or method == "HEAD":  # a HEAD answer has no body to check
            return Verdict("ok")
        op = self.operation_for(target)
        if body.strip() == UVICORN_REJECTION:
            return Verdict("protocol", "rejected by uvicorn's HTTP parser before reaching the app",
                           op.operation_id if op else "")
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return Verdict("non-json", f"{status} {content_type}: {body[:200]!r}", op.operation_id if op else "")
        if op is None:
            return Verdict("unrouted", f"{status} on a path no operation serves")
        schema, documented = self.schema_for(op, status)
        errors = [e.message for e in self._validator(op, schema).iter_errors(document)][:3]
        if errors:
            where = "" if documented else f" (undocumented status; checked against the {op.operation_id} error envelope)"
            return Verdict("non-envelope", f"{status}{where}: {body[:200]!r} -- {'; '.join(errors)[:300]}", op.operation_id)
        if not documented:
            return Verdict("undocumented", f"{status} is not documented for {op.operation_id}", op.operation_id)
        return Verdict("ok", operation=op.operation_id)

    def schema_for(self, op: Operation, status: int) -> tuple[dict, bool]:
        schema = op.response_schema(status)
        if schema is not None:
            return schema, True
        return op.response_schema(dialect_for(op).validation_status) or {}, False

    def _validator(self, op: Operation, schema: dict):
        key = (op.operation_id, str(id(schema)))
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.validator_for(schema)
        return self._validators[key]

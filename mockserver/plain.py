"""Operations without `x-mock`: any OpenAPI spec serves, as Prism's mock does.

An operation that declares no collection has no paging, filters or envelope to honour, so it
answers with its first documented 2xx JSON response: the response's own example when the spec
has one, else data generated from the response schema (the same `x-faker`-aware generator,
deterministic in seed, operation and path parameters). The request is still validated against
the documented parameters and security, and journaled. Errors are RFC 9457 problem details
(`application/problem+json`), as the spec names no envelope (a reading: Prism answers the same
way).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .errors import RequestError
from .fake import Ctx, SchemaCompiler, rng_for
from .spec import Operation, safe_name
from .validate import RequestValidator

PROBLEM = "application/problem+json"


class ProblemDetails:
    """The error envelope of a spec that declares none (RFC 9457), for the 404/405 handler too."""

    trailing_slash = "404"

    @staticmethod
    def error_body(error: RequestError) -> dict:
        body = {"type": "about:blank", "title": error.title, "status": error.status, "detail": str(error)}
        if error.problems and any(p.parameter for p in error.problems):
            body["errors"] = [{"detail": p.message, "parameter": p.parameter, "in": p.location}
                              for p in error.problems]
        return body


def documented_answer(op: Operation) -> tuple[int, str, dict, Any] | None:
    """(status, media type, schema, example or None) of the first 2xx JSON response."""
    for status in sorted(op.responses):
        if not (status.isdigit() and 200 <= int(status) < 300):
            continue
        for media, content in (op.responses[status].get("content") or {}).items():
            if media == "application/json" or media.endswith("+json"):
                example = content.get("example")
                if example is None and content.get("examples"):
                    first = next(iter(content["examples"].values()))
                    example = first.get("value") if isinstance(first, dict) else None
                schema = content.get("schema") or {}
                if example is None and "example" in schema:
                    example = schema["example"]
                return int(status), media, schema, example
        return int(status), "", {}, None  # a 2xx without a JSON body (204)
    return None


class PlainEndpoint:
    """One operation of a spec without `x-mock`: validate, then the example or generated data."""

    def __init__(self, op: Operation, world, settings, journal):
        self.op, self.world, self.settings, self.journal = op, world, settings, journal
        self.name = f"{op.spec.name}:{op.operation_id}"
        self.validator = RequestValidator(op)
        self.dialect = ProblemDetails()
        self.path_names = {safe_name(p): p for p in op.path_params}
        self.answer = documented_answer(op)
        self.generate = SchemaCompiler(op.spec.entities).compile(self.answer[2]) if self.answer and self.answer[2] else None

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        path_params = {self.path_names.get(k, k): v for k, v in request.path_params.items()}
        try:
            self.validator.check_auth(request.headers.get("authorization"), self.settings.token,
                                      headers=request.headers, query=request.query_params, cookies=request.cookies)
            self.validator.parse(request.url.query, request.query_params.multi_items(), path_params)
            response = self.success(path_params)
        except RequestError as error:
            headers = {"WWW-Authenticate": self.validator.challenge} if error.status == 401 else {}
            response = Response(orjson.dumps(self.dialect.error_body(error)), error.status, headers=headers,
                                media_type=PROBLEM)
        self.journal.add(request.method, request.url.path, request.url.query, self.name, response.status_code,
                         {k: request.query_params.getlist(k) for k in request.query_params}, [])
        await response(scope, receive, send)

    def success(self, path_params: dict) -> Response:
        if self.answer is None:
            return Response(status_code=204)
        status, media, _, example = self.answer
        if not media:
            return Response(status_code=status)
        if example is None and self.generate is not None:
            ctx = Ctx(rng=rng_for(self.world.seed, self.name, *sorted(path_params.items())), index=0, size=0,
                      params=path_params, now_ms=self.world.now_ms, seed=self.world.seed, world=self.world)
            example = self.generate(ctx)
        return Response(orjson.dumps(example), status, media_type=media)

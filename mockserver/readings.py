"""Other readings of the vendor pages (`mockserver serve --reading NAME`).

Where a page is silent the mock serves one reading, and a real API may take another. Each reading
here is a faithful alternative, applied as an ASGI layer around the app (the request is rewritten
before the mock sees it, or the answer after), so client developers can test against the other
choice and `contracts` can prove that it grades such an API WARN, never FAIL.

Which operations a reading applies to is data: the operation's `x-contract` must declare the point
as a reading (`sort.default` for `reverse-default-order`...), so a documented behaviour is never
"re-read". Never on by default.
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

import orjson

from .routing import route_key
from .spec import Operation, Spec

READINGS = {
    "clamp-page-size": "a page size above the maximum is clamped to it instead of refused",
    "validation-422": "invalid parameters get 422 (400 where the spec chose 422) with a plain "
                      "`{\"error\": {\"code\", \"message\"}}` body",
    "reverse-default-order": "with no sort parameter, the default sort runs the other way",
    "other-default-page-size": "without a page size, pages hold 20 items where the default is a reading",
    "data-only": "pages carry only their items (`data`), no `links` or `meta`, where those are a reading",
    "blank-is-absent": "a blank parameter (`name=`) is read as absent",
    "offset-wins": "`offset` wins when both `offset` and `page` are sent, where `page` winning is a reading",
    "comma-arrays": "array parameters are read only as comma-separated lists; repeated keys are refused",
    "strict-timeframes": "named periods (`used_at_timeframe`) of our reading are refused",
    "dot-only-fieldsets": "`only`/`except` take only `resource.attribute` names; bare names are refused",
    "one-wrapper": "a page's nested items come in one wrapper (`data[0].data.codes[...]`), not one each",
    "user-arrays": "Elastic Path `user` comes as an array of customer ids (the page allows either)",
    "no-deleted-at": "soft-deletion times are not shown (`attributes.deletedAt` dropped)",
}


def check_names(names) -> tuple[str, ...]:
    unknown = [n for n in names if n not in READINGS]
    if unknown:
        raise ValueError(f"unknown reading(s) {', '.join(unknown)}; known: {', '.join(READINGS)}")
    return tuple(names)


class _Route:
    def __init__(self, op: Operation):
        self.op = op
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"({[^}]+})", op.path))
        self.regex = re.compile(f"^{pattern}$")
        cfg = op.mock.get("paging") or {}
        self.limit = cfg.get("limit")
        self.maximum = (op.query_params[self.limit].schema.get("maximum") if self.limit in op.query_params else None)
        from contracts.declarations import Contract  # the declarations, read as `contracts` reads them

        self.contract = Contract(op.raw, op.spec.raw.get("x-contract"))

    def is_reading(self, claim: str) -> bool:
        """Whether the spec declares this point open (a reading), so another answer is faithful."""
        basis = self.contract.declared(claim)
        return basis is not None and basis.is_reading


class Readings:
    """ASGI middleware applying the named readings to the operations that declare them open."""

    def __init__(self, app, readings: tuple[str, ...], specs: list[Spec]):
        self.app = app
        self.readings = set(readings)
        # Static path segments before parameters, as the app routes them (routing.py).
        self.routes = sorted((_Route(op) for spec in specs for op in spec.operations), key=lambda r: route_key(r.op.path))

    def route(self, path: str) -> _Route | None:
        return next((r for r in self.routes if r.regex.match(path)), None)

    async def __call__(self, scope, receive, send):
        route = self.route(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None:
            return await self.app(scope, receive, send)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        refused = self.refusal(route, query)
        if refused:
            ours = route.op.mock.get("validation_status", 400)
            return await self._answer(send, 422 if ours == 400 else 400, refused)
        query = self.rewrite(route, query)
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]  # bodies must be readable here
        scope = {**scope, "query_string": urlencode(query, safe="[],:()").encode(), "headers": headers}
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, body, out_headers = self.reanswer(route, start["status"], b"".join(chunks), start["headers"])
            await send({**start, "status": status, "headers": out_headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)

    # ----------------------------------------------------------------------------- requests
    def refusal(self, route: _Route, query: list[tuple[str, str]]) -> str | None:
        op = route.op
        names = [k for k, _ in query]
        if "comma-arrays" in self.readings and route.is_reading("arrays.form"):
            for name, param in op.query_params.items():
                if param.is_array and (names.count(name) > 1 or f"{name}[]" in names):
                    return f"`{name}` takes a comma-separated list"
        if "strict-timeframes" in self.readings and "used_at_timeframe" in names:
            return "`used_at_timeframe` is not supported"
        if "dot-only-fieldsets" in self.readings and route.is_reading("fieldset.bare-names"):
            fs = op.mock.get("fieldsets") or {}
            for name, value in query:
                if name in (fs.get("only"), fs.get("except")) and any(p and "." not in p for p in value.split(",")):
                    return f"`{name}` takes resource.attribute names"
        return None

    def rewrite(self, route: _Route, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
        op, cfg = route.op, route.op.mock.get("paging") or {}
        if "blank-is-absent" in self.readings:
            query = [(k, v) for k, v in query if v != ""]
        names = {k for k, _ in query}
        if "clamp-page-size" in self.readings and route.maximum and route.is_reading("paging.over-max"):
            limits = {cfg.get("limit"), cfg.get("page_size")} - {None}
            query = [(k, str(min(int(v), route.maximum)) if k in limits and v.isdigit() else v) for k, v in query]
        if ("other-default-page-size" in self.readings and route.is_reading("paging.default-limit")
                and route.limit not in names):
            query.append((route.limit, "20"))
        if "offset-wins" in self.readings and route.is_reading("paging.precedence") and cfg.get("offset") in names:
            query = [(k, v) for k, v in query if k != cfg.get("page")]
        sort = op.mock.get("sort") or {}
        if ("reverse-default-order" in self.readings and route.is_reading("sort.default") and sort.get("param")
                and sort["param"] not in names and sort.get("default")):
            first = sort["default"][0]
            query.append((sort["param"], first[1:] if first.startswith("-") else "-" + first))
        return query

    # ---------------------------------------------------------------------------- responses
    def reanswer(self, route: _Route, status: int, body: bytes, headers: list) -> tuple[int, bytes, list]:
        kind = dict(headers).get(b"content-type", b"")
        if not kind.startswith(b"application/json"):
            return status, body, headers
        data = orjson.loads(body)
        op = route.op
        if status in (400, 422) and "validation-422" in self.readings and route.is_reading("errors.status"):
            status = 400 if status == 422 else 422
            data = {"error": {"code": "invalid_parameter", "message": _message(data)}}
        elif 200 <= status < 300 and isinstance(data, dict):
            for name, change in self._body_changes(route):
                if name in self.readings:
                    change(data)
        out = orjson.dumps(data)
        kept = [(k, v) for k, v in headers if k not in (b"content-length", b"etag")]
        return status, out, kept + [(b"content-length", str(len(out)).encode())]

    def _body_changes(self, route: _Route) -> list[tuple[str, Callable[[dict], None]]]:
        op, changes = route.op, []
        if route.is_reading("envelope.total"):
            changes.append(("data-only", lambda d: [d.pop("links", None), d.pop("meta", None)]))
        if route.contract.reader.items.count("[]") > 1:  # items nested in wrappers
            changes.append(("one-wrapper", _one_wrapper))
            changes.append(("user-arrays", _user_arrays))
        if op.mock.get("fieldsets"):
            changes.append(("no-deleted-at", lambda d: [(i.get("attributes") or {}).pop("deletedAt", None)
                                                        for i in d.get("data") or [] if isinstance(i, dict)]))
        return changes

    async def _answer(self, send, status: int, message: str) -> None:
        body = orjson.dumps({"error": {"code": "invalid_parameter", "message": message}})
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _message(error_body: Any) -> str:
    text = orjson.dumps(error_body).decode()
    return text[:300]


def _one_wrapper(body: dict) -> None:
    wrappers = body.get("data") or []
    codes = [c for w in wrappers for c in ((w.get("data") or {}).get("codes") or [])]
    if wrappers:
        body["data"] = [{"data": {"codes": codes}}]


def _user_arrays(body: dict) -> None:
    for wrapper in body.get("data") or []:
        for code in (wrapper.get("data") or {}).get("codes") or []:
            if isinstance(code.get("user"), str):
                code["user"] = [code["user"]]

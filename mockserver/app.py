"""The Starlette app: one route per documented operation, each running the same pipeline

    validate request -> dataset (seed, path params) -> filter -> sort -> page -> fieldsets -> render

around which sit the controls a client's tests need: `Prefer`, faults, the journal and pinned records.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import conditional, control, fastpath, fixtures, gcpolicy, misbehave, negotiate, readings, scripts, trial
from .accesslog import AccessLog
from .admin import admin_routes
from .cors import cors_middleware
from .dataset import DEFAULT_NOW, World
from .dialects import Dialect, Rendered, RequestInfo, dialect_for
from .errors import Problem, RequestError
from .incoming import Incoming
from .journal import Journal, frozen_parameters
from .pipeline import select
from .plain import PlainEndpoint, plan_spec
from .responses import Rendering
from . import routing
from .routing import mount_prefix, routing_order
from .spec import Operation, Spec, SpecError, load_specs, resolve_spec_path, safe_name
from .validate import RequestValidator


@dataclass
class Settings:
    specs: list[str] | None = None  # files or bundled short names; None = all bundled
    seed: int = 0
    now: datetime = DEFAULT_NOW
    size: int | None = None  # fix every collection's size (benchmarks, big-data tests)
    token: str | None = None  # accept only this bearer token
    misbehave: tuple[str, ...] = ()  # deliberate bugs, for testing contract checks (see misbehave.py)
    readings: tuple[str, ...] = ()  # other readings of what the vendor pages leave open (see readings.py)
    latency: tuple[float, float] | None = None  # seconds, per request
    error_rate: float = 0.0  # share of requests answered 500
    rate_limit: float | None = None  # requests per second, then 429 + Retry-After
    strict: bool = False  # unknown query parameters are errors, not just journal warnings
    admin: bool = True  # the /__mock/ endpoints (health stays)
    fixtures: list[str] = field(default_factory=list)  # files of pinned records
    scripts: list = field(default_factory=list)  # fault-script rules (see scripts.py)
    cors: tuple[str, ...] | None = None  # allowed origins; None = loopback pages, () = off
    access_log: bool = False  # one line per request on stderr (tokens redacted)
    reload: bool = False  # rebuild when a spec or fixtures file changes (see reload.py)
    mounts: dict = field(default_factory=dict)  # spec file (resolved path) -> path prefix (see routing.py)

    ENV = "MOCKSERVER_SETTINGS"

    @classmethod
    def from_env(cls) -> "Settings":
        """Settings handed to worker processes (uvicorn --workers / --reload) through the environment."""
        raw = orjson.loads(os.environ.get(cls.ENV, "{}"))
        if raw.get("now"):
            raw["now"] = datetime.fromisoformat(raw["now"])
        for name in ("latency", "misbehave", "cors", "readings"):
            if raw.get(name) is not None:
                raw[name] = tuple(raw[name])
        return cls(**raw)

    def to_env(self) -> dict[str, str]:
        raw = {k: v for k, v in self.__dict__.items()}
        raw["now"] = self.now.isoformat()
        raw["specs"] = [os.path.abspath(s) if os.path.exists(s) else s for s in self.specs] if self.specs else None
        raw["fixtures"] = [os.path.abspath(f) for f in self.fixtures]
        return {self.ENV: orjson.dumps(raw).decode()}


_VARY = (b"vary", b"Accept, Accept-Encoding, Origin")


@lru_cache(maxsize=64)
def _content_type(media_type: str) -> bytes:
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")


def json_bytes(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # integers beyond 64 bits (a client asked for page 10**20): the slow, exact path
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(body: Any, status: int = 200, media_type: str = "application/json", headers: dict | None = None) -> Response:
    return Response(json_bytes(body), status_code=status, media_type=media_type, headers=headers)


def _header_items(headers: dict | None) -> tuple[tuple[str, str], ...]:
    """An answer's own headers as `Response(headers=...)` would hold them (names lower-cased, both
    sides latin-1: a value that is not fails here, inside `render`'s guard, as it did in Response),
    without the two the server adds itself."""
    if not headers:
        return ()
    return tuple((k.lower().encode("latin-1").decode("latin-1"), v.encode("latin-1").decode("latin-1"))
                 for k, v in headers.items() if k.lower() not in ("content-length", "content-type"))


class Controls:
    """Server-wide state behind the faults: one RNG (seeded) and one rate limiter per app."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.limiter = control.RateLimiter(settings.rate_limit) if settings.rate_limit else None
        self.scripts = scripts.Script(None, set())  # fault scripts; create_app gives it the world


class OperationEndpoint:
    """Serves one operation. Everything is compiled here once; each request runs the pipeline."""

    def __init__(self, op: Operation, world: World, settings: Settings, controls: Controls, journal: Journal):
        self.op = op
        self.world = world
        self.settings = settings
        self.controls = controls
        self.journal = journal
        self.validator = RequestValidator(op)
        self.dialect: Dialect = dialect_for(op)
        self.recipe = world.recipe_for(op)
        self.path_names = {safe_name(n): n for n in op.path_params}
        self.documented = {int(s) for s in op.responses if s.isdigit()}
        self.name = f"{op.spec.name}:{op.operation_id}"
        self.cache = world.responses
        # One bound method, made at start-up, for every answer fastpath.py keeps (a new one each
        # time would be one more object a kept answer that every full collection scans).
        self.kept_check = self.credentials_hold if self.validator.security else None

    async def __call__(self, scope, receive, send) -> None:
        if self.controls.scripts.rules:  # fault scripts answer first; `serve` is the operation's own answer
            return await self.controls.scripts.serve(self, scope, receive, send)
        await self.serve(scope, receive, send)

    async def serve(self, scope, receive, send, rule: str | None = None) -> None:
        request = Incoming(scope)  # the scope read once: headers, URL parts, query items
        headers, prefer_headers = request.headers, request.prefer
        try:
            prefer = control.parse_prefer(prefer_headers) if prefer_headers else control.NO_PREFERENCES
            settings = self.settings
            if settings.latency or prefer.latency:
                delay = control.pick_latency(settings.latency, prefer, self.controls.rng)
                if delay:
                    await asyncio.sleep(delay)
            if self.controls.limiter is not None or settings.error_rate or prefer.error_rate is not None:
                self.admit(prefer)
            # Credentials are checked for every request, before the cache: what is served past them
            # never depends on which token, key or cookie was sent, so the key leaves them out.
            self.authenticate(request)
            key = (scope["path"], scope["query_string"], tuple(prefer_headers), headers.get("host"),
                   scope.get("scheme"), headers.get("accept"))
            rendering, cacheable = self.cache.get(key), True
            if rendering is None:
                rendering = self.render(request, prefer)
                gcpolicy.tick()  # what the pipeline made stays in bounded caches: collect the young (gcpolicy.py)
                if rendering.status != 503:  # a 503 (an index being built: sortindex.py) is not the answer for good
                    self.cache.put(key, rendering)
        except RequestError as error:  # from the per-request controls: never cached
            cacheable = False
            rendering = self.rendering(*self.error(error), request, [p.message for p in error.problems if error.status < 500])
        status, body = rendering.status, rendering.body
        # The bytes Starlette's Response would send, without building one (measured: bench/speed.py):
        # the rendering's own headers (distinct, lower-case), then those of the representation.
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in rendering.headers]
        if 200 <= status < 300:
            status, body = self.representation(rendering, headers, raw)
        self.journal.add(request.method, request.path, request.query, self.name, status,
                         rendering.parameters, rendering.warnings, rule=rule)
        if not (status < 200 or status in (204, 304)):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        raw.append((b"content-type", _content_type(rendering.media_type)))
        start = {"type": "http.response.start", "status": status, "headers": raw}
        sent = {"type": "http.response.body", "body": body}
        if cacheable and rule is None and status != 503:  # the same request may be answered by fastpath.py
            scope[fastpath.MARK] = ((request.method, request.path, request.query, self.name, status,
                                     rendering.parameters, rendering.warnings),
                                    self.kept_check, start, sent)
        await send(start)
        await send(sent)

    @staticmethod
    def representation(rendering: Rendering, headers, raw: list) -> tuple[int, bytes]:
        """Strong ETag, `If-None-Match` -> 304 and gzip, each computed once per cached rendering;
        their headers are added to `raw`."""
        etag = rendering.etag
        raw.append(_VARY)
        gzipped = len(rendering.body) >= conditional.MIN_GZIP_BYTES and conditional.wants_gzip(headers.get("accept-encoding"))
        raw.append((b"etag", (conditional.gzip_tag(etag) if gzipped else etag).encode("latin-1")))
        if_none_match = headers.get("if-none-match")
        if if_none_match and conditional.matches(if_none_match, etag):
            return 304, b""
        if gzipped:
            raw.append((b"content-encoding", b"gzip"))
            return rendering.status, rendering.gzipped
        return rendering.status, rendering.body

    def admit(self, prefer: control.Preferences) -> None:
        """What varies per request, before the (cached, deterministic) pipeline: rate limit, error rate."""
        if self.controls.limiter is not None:
            wait = self.controls.limiter.retry_after()
            if wait is not None:
                raise control.too_many_requests(wait)
        error_rate = prefer.error_rate if prefer.error_rate is not None else self.settings.error_rate
        if error_rate and self.controls.rng.random() < error_rate:
            raise control.injected_error()

    def render(self, request: Incoming, prefer: control.Preferences) -> Rendering:
        warnings: list[str] = []
        try:
            response = self.respond(self.run(request, prefer, warnings))
        except RequestError as error:
            response = self.error(error)
            warnings = [p.message for p in error.problems] + warnings
        except Exception as exc:  # a spec hint that fails on an item past those tried at load (trial.py)
            error = RequestError(500, [Problem(f"the mock could not generate this page: {trial.describe(exc)} "
                                               f"(a bug in the spec's x-faker hints, not in the request)")])
            response = self.error(error)
            warnings = [error.problems[0].message] + warnings
        return self.rendering(*response, request, warnings)

    @staticmethod
    def rendering(status: int, body: bytes, media_type: str, headers: tuple, request: Incoming,
                  warnings: list[str]) -> Rendering:
        return Rendering(status, body, media_type, headers, frozen_parameters(request.parameters()), tuple(warnings))

    def authenticate(self, request: Incoming) -> None:
        """401 unless one documented scheme's credentials came (and are the pinned `--token`)."""
        self._check_credentials(request.headers.get("authorization"), lambda: request.request)

    def credentials_hold(self, scope) -> bool:
        """The check of `authenticate` on a raw scope, for an answer the fast path keeps: with only
        http schemes it reads the one header, without reading the whole request (measured: 8 us)."""
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
        try:
            self._check_credentials(authorization, lambda: Request(scope))
        except RequestError:
            return False
        return True

    def _check_credentials(self, authorization: str | None, starlette_request) -> None:
        if self.validator.api_keys:  # a header, query parameter or cookie of the spec's choosing
            request = starlette_request()
            self.validator.check_auth(authorization, self.settings.token, headers=request.headers,
                                      query=request.query_params, cookies=request.cookies)
        else:
            self.validator.check_auth(authorization, self.settings.token)

    def run(self, request: Incoming, prefer: control.Preferences, warnings: list[str]) -> Rendered:
        path_params = {self.path_names[k]: v for k, v in request.path_params.items()}
        query_items = request.items
        values = self.validator.parse(request.query, query_items, path_params)
        offered = self.dialect.offered(values)
        media = negotiate.choose(request.headers.get("accept"), offered)
        if media is None:
            raise RequestError(406, [Problem(f"Could not satisfy the request Accept header "
                                             f"({request.headers.get('accept')!r}); this request is answered as "
                                             f"{' or '.join(offered)}", "Accept", "header")])
        self.dialect.with_media(values, media)
        unknown = self.validator.unknown_parameters(query_items)
        if unknown:
            problems = [Problem(f"'{name}' is not a documented parameter", name) for name in unknown]
            if self.settings.strict:
                raise RequestError(400, problems)
            warnings += [p.message for p in problems]
        if prefer is not control.NO_PREFERENCES and prefer.any:  # (the comparison of `any` costs 1 us)
            preferred = self.preferred(prefer)
            if preferred is not None:
                return preferred

        query = self.dialect.query(values, self.world.now_ms)
        faults = self.settings.misbehave
        if faults:
            query = misbehave.on_query(query, faults, self.dialect)
        collection = self.world.collection_for(self.recipe, path_params, scenario=prefer.scenario)
        page = select(collection, query)
        if faults:
            page = misbehave.on_page(page, faults)
        info = RequestInfo(base_url=request.base_url, path=request.path,
                           query_items=query_items, entity=self.world.entity)
        rendered = self.dialect.render(page, query, info)
        if faults:
            rendered.body = misbehave.on_body(rendered.body, faults, self.dialect, self.recipe.item_schema,
                                              self.recipe.identity)
        return rendered

    def preferred(self, prefer: control.Preferences) -> Rendered | None:
        """`Prefer: code=` / `example=`: a documented status or a named example, never anything else."""
        status = prefer.code or 200
        if status not in self.documented:
            raise RequestError(400, [Problem(f"Prefer: code={status} is not documented for this operation "
                                             f"(documented: {', '.join(map(str, sorted(self.documented)))})", "Prefer", "header")])
        if prefer.example:
            media = (self.op.responses[str(status)].get("content") or {}).get("application/json", {})
            examples = media.get("examples") or {}
            if prefer.example not in examples:
                raise RequestError(400, [Problem(f"Prefer: no example {prefer.example!r} for status {status} "
                                                 f"(examples: {', '.join(examples) or 'none'})", "Prefer", "header")])
            return Rendered(examples[prefer.example]["value"], status=status)
        if status == 200:
            return None
        headers = {"Retry-After": "1"} if status == 429 else {}
        raise RequestError(status, [Problem(f"answered with {status} as requested (Prefer: code={status})")], headers=headers)

    @staticmethod
    def respond(rendered: Rendered) -> tuple[int, bytes, str, tuple]:
        """(status, body, media type, headers): what a Starlette `Response` of the rendered page
        would hold, without building one."""
        body = rendered.body.encode("utf-8") if isinstance(rendered.body, str) else json_bytes(rendered.body)
        return rendered.status, body, rendered.media_type or "application/json", _header_items(rendered.headers)

    def error(self, error: RequestError) -> tuple[int, bytes, str, tuple]:
        status = self.dialect.validation_status if error.status == 400 else error.status
        error.status = status
        headers = dict(error.headers)
        if status == 401:
            headers.setdefault("WWW-Authenticate", self.validator.challenge)
        return status, json_bytes(self.dialect.error_body(error)), "application/json", _header_items(headers)


def build_routes(specs: list[Spec], world: World, settings: Settings, controls: Controls, journal: Journal) -> list[Route]:
    """One route per operation (under its spec's `--mount` prefix), in `routing_order`."""
    routes = []
    for spec in specs:
        prefix = mount_prefix(settings, spec)
        plans, collections = plan_spec(spec), {}
        for op in spec.operations:
            path = prefix + op.route_path
            if "collection" not in op.mock:  # no x-mock: inferred from the schemas (plain.py)
                endpoint = PlainEndpoint(op, world, settings, journal, plans[op.operation_id], collections, controls)
                routes.append(Route(path, endpoint, methods=[op.method.upper()]))
                continue
            endpoint = OperationEndpoint(op, world, settings, controls, journal)
            routes.append(Route(path, endpoint, methods=[op.method.upper()], name=endpoint.name))
            if endpoint.dialect.trailing_slash == "same":  # the vendor's framework routes `/x/` as `/x`
                routes.append(Route(path + "/", endpoint, methods=[op.method.upper()]))
    return routing_order(routes)


def _owner(routes: list[Route], path: str) -> OperationEndpoint | None:
    """The operation at this path (any method), else the one sharing the longest static prefix."""
    best, best_len = None, 0
    for route in routes:
        if route.path_regex.match(path):
            return route.endpoint
        prefix = route.path.split("{", 1)[0]
        if path.startswith(prefix) and len(prefix) > best_len:
            best, best_len = route.endpoint, len(prefix)
    return best


class MockApp(Starlette):
    """The Starlette app, with fastpath.py in front of it when it may answer: a repeated request is
    sent the bytes sent before without Starlette's error middleware (its wrapper of `send` and the
    stack's two calls, 2-3 us of the 30 a repeat costs)."""

    fast = None

    async def __call__(self, scope, receive, send) -> None:
        await (self.fast or self.starlette)(scope, receive, send)

    async def starlette(self, scope, receive, send) -> None:
        await Starlette.__call__(self, scope, receive, send)


def create_app(settings: Settings | None = None, **overrides: Any) -> Starlette:
    settings = settings or Settings(**overrides)
    settings.misbehave = misbehave.check_names(settings.misbehave)
    settings.readings = readings.check_names(settings.readings)
    settings.mounts = routing.normalise(settings.mounts)
    specs = load_specs(routing.served_specs(settings.specs, settings.mounts))
    for spec in specs:
        if not spec.operations:
            raise SpecError(f"{spec.path}: the spec documents no operation (`paths` is empty), so there is nothing to "
                            "serve; add paths (with `x-mock` blocks for lists with real paging: README, How it works)")
    world = World(specs, seed=settings.seed, now=settings.now, size=settings.size)
    trial.check(world, specs)  # every field tried once: a failing expression stops start-up in one line
    for path in settings.fixtures:
        fixtures.apply_file(world, path)
    journal = Journal()
    controls = Controls(settings)
    controls.scripts = scripts.Script(world, set(world.by_operation_id), scripts.options(settings.scripts))

    operation_routes = build_routes(specs, world, settings, controls, journal)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        """404/405 in the envelope of the vendor whose paths the request was aimed at."""
        path = request.url.path
        message = f"no documented operation at {request.method} {path}"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            message = f"{request.method} is not documented for {path}"
            # Every method documented at this path (Starlette names only the first route's).
            allowed = {m for r in operation_routes if r.path_regex.match(path) for m in (r.methods or ())}
            if allowed:
                headers["Allow"] = ", ".join(sorted(allowed))
        elif path.endswith("/") and any(r.path_regex.match(path.rstrip("/")) for r in operation_routes):
            message += f" (the documented path has no trailing slash: {path.rstrip('/')})"
        if not path.startswith("/__mock/"):
            journal.add(request.method, path, request.url.query, None, exc.status_code, {}, [message])
        owner = _owner(operation_routes, path)
        if owner is None:
            body = {"errors": [{"status": exc.status_code, "title": exc.detail, "detail": message}]}
        else:
            body = owner.dialect.error_body(RequestError(exc.status_code, [Problem(message)]))
        return json_response(body, exc.status_code, getattr(owner, "error_media_type", "application/json"),
                             headers=headers or None)

    # Operations first: they take nearly all the traffic, and Starlette tries routes in order.
    # Admin bodies (a journal can be megabytes) go through GZipMiddleware; operations gzip once per
    # cached body themselves, and the middleware would cost every request about 15 us.
    gzip = [Middleware(GZipMiddleware, minimum_size=conditional.MIN_GZIP_BYTES, compresslevel=conditional.GZIP_LEVEL)]
    admin = [Route(r.path, r.endpoint, methods=list(r.methods or ()), middleware=gzip)
             for r in admin_routes(specs, world, journal, settings.seed, settings.admin, json_response)
             + (scripts.admin_routes(controls.scripts, json_response) if settings.admin else [])]
    routes = operation_routes + admin
    middleware = [Middleware(AccessLog)] if settings.access_log else []
    if settings.readings:  # outermost but for the log: it rewrites requests and answers as another API would
        middleware.append(Middleware(readings.Readings, readings=settings.readings, specs=specs))
    middleware += cors_middleware(settings.cors)
    holder: dict = {}  # the router, for `scope["router"]` of dispatched requests
    middleware.append(Middleware(routing.Dispatch, routes=operation_routes, holder=holder))  # innermost
    app = MockApp(routes=routes, middleware=middleware, exception_handlers={404: not_found, 405: not_found})
    if not settings.access_log and not settings.readings:  # in front of Starlette: a repeated request skips the rest
        app.fast = fastpath.FastPath(app.starlette, world=world, journal=journal, controls=controls, settings=settings)
    holder["router"] = app.router
    app.router.redirect_slashes = False  # a trailing slash is the vendor's call (dialect), never a 307
    app.state.specs = specs
    app.state.world = world
    app.state.settings = settings
    app.state.journal = journal
    app.state.scripts = controls.scripts
    return app


def app_from_env():
    """Factory for `uvicorn --factory` (used by `mockserver serve --workers N`); with `--reload`
    each worker rebuilds its own app when a file changes."""
    settings = Settings.from_env()
    if not settings.reload:
        app = create_app(settings)
        from .gcpolicy import settle

        settle()  # each worker: start-up's objects out of the collector's way
        return app
    from .reload import Reloading
    from .spec import bundled_spec_paths

    watched = [resolve_spec_path(s) for s in settings.specs or []] or bundled_spec_paths()
    return Reloading(lambda: create_app(settings), [*watched, *settings.fixtures])

"""The Starlette app: one route per documented operation, each running the same pipeline

    validate request -> dataset (seed, path params) -> filter -> sort -> page -> fieldsets -> render
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .dataset import DEFAULT_NOW, World
from .dialects import Dialect, Rendered, RequestInfo, dialect_for
from .errors import Problem, RequestError
from . import misbehave
from .pipeline import select
from .spec import Operation, Spec, load_specs, safe_name
from .validate import RequestValidator


@dataclass
class Settings:
    specs: list[str] | None = None  # files or bundled short names; None = all bundled
    seed: int = 0
    now: datetime = DEFAULT_NOW
    size: int | None = None  # fix every collection's size (benchmarks, big-data tests)
    token: str | None = None  # accept only this bearer token
    misbehave: tuple[str, ...] = ()  # deliberate bugs, for testing contract checks (see misbehave.py)

    @classmethod
    def from_env(cls) -> "Settings":
        """Settings passed to worker processes (uvicorn --workers / --reload) through the environment."""
        env = os.environ
        specs = [s for s in env.get("MOCKSERVER_SPECS", "").split(os.pathsep) if s] or None
        now = datetime.fromisoformat(env["MOCKSERVER_NOW"]) if env.get("MOCKSERVER_NOW") else DEFAULT_NOW
        size = int(env["MOCKSERVER_SIZE"]) if env.get("MOCKSERVER_SIZE") else None
        faults = tuple(f for f in env.get("MOCKSERVER_MISBEHAVE", "").split(",") if f)
        return cls(specs, int(env.get("MOCKSERVER_SEED", "0")), now, size, env.get("MOCKSERVER_TOKEN") or None, faults)

    def to_env(self) -> dict[str, str]:
        env = {"MOCKSERVER_SEED": str(self.seed), "MOCKSERVER_NOW": self.now.isoformat()}
        if self.specs:
            env["MOCKSERVER_SPECS"] = os.pathsep.join(os.path.abspath(s) if os.path.exists(s) else s for s in self.specs)
        if self.size is not None:
            env["MOCKSERVER_SIZE"] = str(self.size)
        if self.token:
            env["MOCKSERVER_TOKEN"] = self.token
        if self.misbehave:
            env["MOCKSERVER_MISBEHAVE"] = ",".join(self.misbehave)
        return env


def json_response(body: Any, status: int = 200, media_type: str = "application/json", headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


class OperationEndpoint:
    """Serves one operation. Everything compiled here once; each request runs the pipeline."""

    def __init__(self, op: Operation, world: World, settings: Settings):
        self.op = op
        self.world = world
        self.settings = settings
        self.validator = RequestValidator(op)
        self.dialect: Dialect = dialect_for(op)
        self.recipe = world.recipe_for(op)
        self.path_names = {safe_name(n): n for n in op.path_params}

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = self.handle(request)
        await response(scope, receive, send)

    def handle(self, request: Request) -> Response:
        try:
            return self.respond(self.run(request))
        except RequestError as error:
            return self.error(error)

    def run(self, request: Request) -> Rendered:
        self.validator.check_auth(request.headers.get("authorization"), self.settings.token)
        path_params = {self.path_names[k]: v for k, v in request.path_params.items()}
        values = self.validator.parse(request.url.query, request.query_params.multi_items(), path_params)
        query = self.dialect.query(values, self.world.now_ms)
        faults = self.settings.misbehave
        if faults:
            query = misbehave.on_query(query, faults, self.dialect)
        collection = self.world.collection_for(self.recipe, path_params)
        page = select(collection, query)
        if faults:
            page = misbehave.on_page(page, faults)
        info = RequestInfo(base_url=f"{request.url.scheme}://{request.url.netloc}", path=request.url.path,
                           query_items=request.query_params.multi_items(), entity=self.world.entity)
        rendered = self.dialect.render(page, query, info)
        if faults:
            rendered.body = misbehave.on_body(rendered.body, faults, self.dialect, self.recipe.item_schema)
        return rendered

    def respond(self, rendered: Rendered) -> Response:
        if isinstance(rendered.body, str):
            return Response(rendered.body, status_code=rendered.status, media_type=rendered.media_type)
        return json_response(rendered.body, rendered.status, rendered.media_type)

    def error(self, error: RequestError) -> Response:
        status = self.dialect.validation_status if error.status == 400 else error.status
        error.status = status
        headers = dict(error.headers)
        if status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return json_response(self.dialect.error_body(error), status, headers=headers)


def _not_found(request: Request, exc: HTTPException) -> Response:
    message = f"no documented operation at {request.method} {request.url.path}"
    if exc.status_code == 405:
        message = f"{request.method} is not documented for {request.url.path}"
    return json_response({"errors": [{"status": exc.status_code, "title": exc.detail, "detail": message}]},
                         exc.status_code, headers=getattr(exc, "headers", None))


def build_routes(specs: list[Spec], world: World, settings: Settings) -> list[Route]:
    routes = []
    for spec in specs:
        for op in spec.operations:
            if "collection" not in op.mock:
                continue
            endpoint = OperationEndpoint(op, world, settings)
            routes.append(Route(op.route_path, endpoint, methods=[op.method.upper()], name=f"{spec.name}:{op.operation_id}"))
    return routes


def create_app(settings: Settings | None = None, **overrides: Any) -> Starlette:
    settings = settings or Settings(**overrides)
    settings.misbehave = misbehave.check_names(settings.misbehave)
    specs = load_specs(settings.specs)
    world = World(specs, seed=settings.seed, now=settings.now, size=settings.size)

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "operations": sum(len(s.operations) for s in specs), "seed": settings.seed})

    routes = [Route("/__mock/health", health, methods=["GET"])] + build_routes(specs, world, settings)
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.state.specs = specs
    app.state.world = world
    app.state.settings = settings
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` (used by `mockserver serve --workers N` and `--reload`)."""
    return create_app(Settings.from_env())

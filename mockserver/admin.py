"""Admin endpoints under `/__mock/`: health, specs, the request journal and pinned records.

`--no-admin` removes all of them but `/__mock/health`, which load balancers and test harnesses
poll and which reveals nothing.
"""

from __future__ import annotations

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import fixtures
from .dataset import World
from .journal import Journal
from .spec import Spec

ADMIN_ROUTES = [
    ("GET", "/__mock/health", "liveness, seed and operation count"),
    ("GET", "/__mock/specs", "the specs served"),
    ("GET", "/__mock/specs/{name}", "one spec as YAML (point Schemathesis or Prism at it)"),
    ("GET", "/__mock/requests", "the request journal, with validation results"),
    ("DELETE", "/__mock/requests", "clear the journal"),
    ("GET", "/__mock/fixtures", "pinned records"),
    ("POST", "/__mock/fixtures", "pin records (JSON or YAML body)"),
    ("DELETE", "/__mock/fixtures", "remove every pinned record"),
    ("GET", "/__mock/scripts", "fault-script rules, with how often each matched and fired"),
    ("POST", "/__mock/scripts", "add fault-script rules (JSON or YAML body; see scripts.py)"),
    ("DELETE", "/__mock/scripts", "remove every rule and undo its data changes"),
]


def admin_routes(specs: list[Spec], world: World, journal: Journal, seed: int, enabled: bool, json_response) -> list[Route]:
    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "seed": seed, "operations": sum(len(s.operations) for s in specs)})

    routes = [Route("/__mock/health", health, methods=["GET"])]
    if not enabled:
        return routes

    by_name = {s.name: s for s in specs}

    async def list_specs(request: Request) -> Response:
        return json_response([{"name": s.name, "title": s.title, "url": f"/__mock/specs/{s.name}",
                               "operations": [f"{o.method.upper()} {o.path}" for o in s.operations]} for s in specs])

    async def one_spec(request: Request) -> Response:
        spec = by_name.get(request.path_params["name"].removesuffix(".yaml"))
        if spec is None:
            return json_response({"detail": f"no spec named {request.path_params['name']!r}"}, 404)
        return Response(spec.path.read_text(encoding="utf-8"), media_type="application/yaml")

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            journal.clear()
            return Response(status_code=204)
        return json_response(journal.as_json())

    async def pinned(request: Request) -> Response:
        if request.method == "DELETE":
            world.unpin_all()
            return Response(status_code=204)
        if request.method == "GET":
            return json_response({"fixtures": fixtures.describe(world)})
        try:
            document = yaml.safe_load(await request.body())
            count = fixtures.apply(world, fixtures.normalize(document))
        except (yaml.YAMLError, fixtures.FixtureError) as exc:
            return json_response({"detail": str(exc).splitlines()[0][:500]}, 400)
        return json_response({"pinned": count, "fixtures": fixtures.describe(world)}, 201)

    return routes + [
        Route("/__mock/specs", list_specs, methods=["GET"]),
        Route("/__mock/specs/{name}", one_spec, methods=["GET"]),
        Route("/__mock/requests", requests, methods=["GET", "DELETE"]),
        Route("/__mock/fixtures", pinned, methods=["GET", "POST", "DELETE"]),
    ]

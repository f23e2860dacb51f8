"""The baseline: a bare Starlette app on the same server settings, answering precomputed bodies.

It returns, byte for byte, the body the mock gave for each case, so the gap between the two is the
mock's own work (validation, paging, generation, rendering); what both pay is uvicorn, Starlette
and the event loop, which no Python mock can avoid.

    python -m bench.baseline_app --port 9000 --bodies bodies.json   # {name: {body_b64, media_type}}
"""

from __future__ import annotations

import argparse
import base64
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build_app(bodies: dict[str, tuple[bytes, str]]) -> Starlette:
    async def serve(request: Request) -> Response:
        body, media_type = bodies[request.path_params["name"]]
        return Response(body, media_type=media_type)

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/__mock/health", health), Route("/baseline/{name}", serve)])


def load_bodies(path: str) -> dict[str, tuple[bytes, str]]:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return {name: (base64.b64decode(v["body_b64"]), v["media_type"]) for name, v in raw.items()}


def save_bodies(path: str, bodies: dict[str, tuple[bytes, str]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({n: {"body_b64": base64.b64encode(b).decode(), "media_type": m} for n, (b, m) in bodies.items()}, fh)


def app_from_env() -> Starlette:
    """Factory for `--workers N` (uvicorn needs an import string to start worker processes)."""
    return build_app(load_bodies(os.environ["BENCH_BODIES"]))


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--bodies", required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["BENCH_BODIES"] = os.path.abspath(args.bodies)
    # auto loop (uvloop), auto http (httptools): the fastest bare Starlette on these settings (`mockserver serve`
    # runs on asyncio's loop by default, for its tail latency: cli.py --loop).
    uvicorn.run("bench.baseline_app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning", loop="auto", http="auto", access_log=False)


if __name__ == "__main__":
    main()

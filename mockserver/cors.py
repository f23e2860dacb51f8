"""CORS, on by default for pages served from loopback, so a browser front-end can use the mock.

`--cors ORIGIN[,ORIGIN...]` (or `*`) names the origins instead; `--no-cors` switches it off.
Starlette's CORSMiddleware answers the preflight (`OPTIONS` with `Origin` and
`Access-Control-Request-Method`) for every path, documented or not, before routing, so a preflight
never meets a 405; it exposes the headers clients read (`ETag`, `Retry-After`).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

LOOPBACK = r"^(https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?|null)$"  # `null`: pages opened from file://
EXPOSED = ["ETag", "Retry-After", "Content-Encoding", "Vary"]


def parse_origins(text: str) -> tuple[str, ...]:
    """`http://a:3000,http://b` -> ('http://a:3000', 'http://b'); each must be scheme://host[:port] or `*`."""
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and "://" not in origin:
            raise ValueError(f"--cors takes origins like http://localhost:3000 (comma-separated) or *, got {origin!r}")
    if not origins:
        raise ValueError("--cors needs at least one origin, e.g. --cors http://localhost:3000 (or --no-cors)")
    return origins


class BrowserOnly:
    """CORSMiddleware for requests that carry `Origin` (browsers); the rest, nearly all traffic
    from tests and scripts, skip it (it costs about 10 us a request). Operation responses say
    `Vary: Origin` themselves."""

    def __init__(self, app, **options):
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for name, _ in scope["headers"]:  # a loop, not any(generator): half the cost per request
                if name == b"origin":
                    return await self.cors(scope, receive, send)
        await self.app(scope, receive, send)


def cors_middleware(origins: tuple[str, ...] | None) -> list[Middleware]:
    """None: loopback origins; (): off; otherwise exactly these origins (`*`: any)."""
    if origins is not None and not origins:
        return []
    options = {"allow_origin_regex": LOOPBACK} if origins is None else {"allow_origins": list(origins)}
    return [Middleware(BrowserOnly, allow_methods=["GET", "POST", "DELETE", "HEAD", "OPTIONS"],
                       allow_headers=["*"], expose_headers=EXPOSED, max_age=600, **options)]

"""Where operations are routed when several specs are served together.

- **Overlapping paths.** Paths of different specs may match the same request: commercetools'
  `/{projectKey}/discount-codes` also matches NuWeb's `/v1/discount-codes`. Starlette tries
  routes in list order, so `routing_order` sorts them: at the first position where two paths
  differ in kind, a static segment (`v1`) comes before a segment mixing text and a parameter
  (`v{version}`), which comes before a bare parameter (`{projectKey}`). So the most literal path
  wins whatever order the specs were given in; routes of equal rank keep spec order.
- **Dispatch.** Starlette's router tries every route's regular expression in turn (eight tries
  for the last bundled operation, 5% of a request) behind its exception middleware. `Dispatch`
  looks up the routes whose first path segment is that literal (plus those starting with a
  parameter), keeps their order, and hands a full match straight to its endpoint, exactly as
  the router would. Anything else (no match, a method not allowed, a route with middleware of
  its own, admin paths) goes the usual way, so 404/405 answers are Starlette's as before.
- **Mounts.** `mockserver serve --mount SPEC=PREFIX` (repeatable) serves a spec's operations
  under a path prefix (`--mount specs/commercetools-discount-codes.yaml=/ct` serves
  `/ct/{projectKey}/discount-codes`). A mounted spec is served even when `--spec` does not name
  it (and alongside the bundled specs when no `--spec` is given).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from starlette._utils import get_route_path
from starlette.convertors import StringConvertor

from .spec import bundled_spec_paths, resolve_spec_path

_PARAM = re.compile(r"{[^}]*}")


def segment_rank(segment: str) -> int:
    """0 for a static segment, 1 for text with a parameter in it, 2 for a bare parameter."""
    if not _PARAM.search(segment):
        return 0
    return 2 if _PARAM.fullmatch(segment) else 1


def route_key(path: str) -> tuple[int, ...]:
    return tuple(segment_rank(s) for s in path.strip("/").split("/"))


def routing_order(routes: list) -> list:
    """The routes, static segments before parameters at each position (a stable sort)."""
    return sorted(routes, key=lambda route: route_key(route.path))


class Dispatch:
    """ASGI middleware just outside the router: a request for an operation goes to its endpoint
    without the scan of every route and without the exception middleware (an operation endpoint
    answers its own errors; what it does not catch reaches the server-error middleware as before).

    `routes` are the operation routes, in routing order and ahead of every other route, so the first
    full match among the candidates is the router's first full match too."""

    def __init__(self, app, routes: list, holder: dict):
        self.app = app
        self.holder = holder  # {"router": the app's router}, filled once the app exists
        self.by_first: dict[str, tuple] = {}  # first path segment -> candidate routes, in order
        self.open: tuple = ()  # routes whose first segment holds a parameter: candidates for every path
        literal: dict[str, list] = {}
        candidates = []
        for index, route in enumerate(routes):
            if getattr(route, "app", None) is not route.endpoint:  # per-route middleware or a function endpoint
                continue
            first = route.path[1:].split("/", 1)[0]
            candidates.append((index, first if "{" not in first else None, route))
        self.open = tuple(route for _, first, route in candidates if first is None)
        self.as_matched = {id(route) for _, _, route in candidates
                           if all(type(c) is StringConvertor for c in route.param_convertors.values())}
        for _, first, _ in candidates:
            if first is not None:
                literal.setdefault(first, [])
        for name in literal:
            self.by_first[name] = tuple(route for _, first, route in candidates if first in (None, name))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = get_route_path(scope)
            first = path[1:].split("/", 1)[0]
            method = scope["method"]
            for route in self.by_first.get(first, self.open):
                match = route.path_regex.match(path)
                if match is None:
                    continue
                if route.methods and method not in route.methods:
                    break  # the router's 405 (or a later full match): its own way
                params = match.groupdict()
                if id(route) not in self.as_matched:  # a convertor other than str's (which returns the text)
                    convertors = route.param_convertors
                    for key, value in params.items():
                        params[key] = convertors[key].convert(value)
                if "path_params" in scope:
                    params = {**scope["path_params"], **params}
                if "router" not in scope:
                    scope["router"] = self.holder.get("router")
                scope["route"] = route
                scope["endpoint"] = route.endpoint
                scope["path_params"] = params
                return await route.app(scope, receive, send)
        await self.app(scope, receive, send)


class MountError(ValueError):
    """A bad `--mount` value: the message names it and shows the valid form."""


def parse_mount(text: str) -> tuple[str, str]:
    """`SPEC=PREFIX` -> (the spec file's resolved path, the normalised prefix)."""
    spec, sep, prefix = text.partition("=")
    spec, prefix = spec.strip(), prefix.strip()
    if not sep or not spec:
        raise MountError(f"{text!r} is not SPEC=PREFIX; use e.g. specs/commercetools-discount-codes.yaml=/ct")
    try:
        path = resolve_spec_path(spec)
    except FileNotFoundError as exc:
        raise MountError(f"{text!r}: {exc}") from None
    return str(Path(path).resolve()), check_prefix(prefix, text)


def check_prefix(prefix: str, shown: str) -> str:
    if not prefix.startswith("/"):
        raise MountError(f"{shown!r}: the prefix {prefix!r} must start with '/', e.g. /ct")
    if re.search(r"[{}?#\s%]", prefix) or "//" in prefix:
        raise MountError(f"{shown!r}: the prefix {prefix!r} must be plain path segments, e.g. /ct or /vendors/ct")
    prefix = prefix.rstrip("/")
    if prefix == "/__mock" or prefix.startswith("/__mock/"):
        raise MountError(f"{shown!r}: /__mock is the mock's admin path; choose another prefix")
    return prefix


def mounts_from(values: Iterable[str]) -> dict[str, str]:
    """Parse repeated `--mount` values; one spec mounted twice is an error."""
    mounts: dict[str, str] = {}
    for text in values:
        path, prefix = parse_mount(text)
        if path in mounts:
            raise MountError(f"{text!r}: that spec is already mounted at {mounts[path] or '/'}; mount a spec once")
        mounts[path] = prefix
    return mounts


def normalise(mounts: Any) -> dict[str, str]:
    """Mounts as given to Settings (a dict of SPEC -> PREFIX, or a list of `SPEC=PREFIX`)."""
    if not mounts:
        return {}
    if isinstance(mounts, dict):
        return mounts_from(f"{spec}={prefix}" for spec, prefix in mounts.items())
    if isinstance(mounts, (list, tuple)):
        return mounts_from(str(m) for m in mounts)
    raise MountError(f"{mounts!r}: give {{SPEC: PREFIX}} or a list of 'SPEC=PREFIX'")


def _key(spec_path: Any) -> str:
    return str(Path(spec_path).resolve())


def served_specs(specs: list[str] | None, mounts: dict[str, str]) -> list[str] | None:
    """The spec list to load: the given ones (or the bundled ones) plus mounted specs not among them."""
    if not mounts:
        return specs
    chosen = list(specs) if specs else [str(p) for p in bundled_spec_paths()]
    have = set()
    for name in chosen:
        try:
            have.add(_key(resolve_spec_path(name)))
        except FileNotFoundError:
            pass  # load_specs names it
    return chosen + [path for path in mounts if _key(path) not in have]


def mount_prefix(settings: Any, spec: Any) -> str:
    """The path prefix of a spec's routes ("" unless mounted)."""
    mounts = getattr(settings, "mounts", None) or {}
    if not mounts:
        return ""
    return {_key(k): v for k, v in mounts.items()}.get(_key(spec.path), "")

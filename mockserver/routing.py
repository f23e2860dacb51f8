"""Where operations are routed when several specs are served together.

- **Overlapping paths.** Paths of different specs may match the same request: commercetools'
  `/{projectKey}/discount-codes` also matches NuWeb's `/v1/discount-codes`. Starlette tries
  routes in list order, so `routing_order` sorts them: at the first position where two paths
  differ in kind, a static segment (`v1`) comes before a segment mixing text and a parameter
  (`v{version}`), which comes before a bare parameter (`{projectKey}`). So the most literal path
  wins whatever order the specs were given in; routes of equal rank keep spec order.
- **Mounts.** `mockserver serve --mount SPEC=PREFIX` (repeatable) serves a spec's operations
  under a path prefix (`--mount specs/commercetools-discount-codes.yaml=/ct` serves
  `/ct/{projectKey}/discount-codes`). A mounted spec is served even when `--spec` does not name
  it (and alongside the bundled specs when no `--spec` is given).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

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

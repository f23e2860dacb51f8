"""Dotted paths into JSON-like values (`data.codes.0.code`), used by filters, sorts and fieldsets."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable


def dig(value: Any, dotted: str) -> Any:
    """The value at a dotted path; None where the path does not exist."""
    for part in dotted.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def has_path(value: Any, dotted: str) -> bool:
    """Whether a key exists at a dotted path of nested objects (its value may be null)."""
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


@lru_cache(maxsize=4096)
def getter(dotted: str) -> Callable[[Any], Any]:
    """A reader for one dotted path, split once: for hot loops (CSV rows, sort keys, filters)."""
    parts = tuple(dotted.split("."))
    if len(parts) == 1:
        (only,) = parts
        return lambda value: value.get(only) if isinstance(value, dict) else None
    if len(parts) == 2 and not any(p.isdigit() for p in parts):
        first, second = parts

        def two(value: Any) -> Any:
            inner = value.get(first) if isinstance(value, dict) else None
            return inner.get(second) if isinstance(inner, dict) else None

        return two
    return lambda value: dig(value, dotted)

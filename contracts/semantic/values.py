"""Comparing values the way a reader of the API would: times as instants, not as strings.

`2024-01-02T00:00:00Z` and `2024-01-02T00:00:00.000Z` are the same instant, and `validTo` prints
`YYYY-MM-DD HH:MM:SS`; every order and range comparison in the checks goes through `comparable`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any


_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$")


def parse_time(text: str) -> datetime | None:
    if not isinstance(text, str) or not _TIME.match(text.strip()):
        return None
    value = text.strip().replace(" ", "T", 1).replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    whole, dot, rest = value.partition(".")
    if dot:  # fromisoformat wants at most 6 fraction digits
        digits = re.match(r"\d+", rest).group(0)
        value = f"{whole}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def comparable(value: Any) -> Any:
    """Times become datetimes, bools stay bools, everything else is compared as it is."""
    if isinstance(value, str):
        parsed = parse_time(value)
        if parsed is not None:
            return parsed
    return value


def compare(a: Any, op: str, b: Any) -> bool | None:
    """`a op b` for op in eq/ne/lt/le/gt/ge; None when the two cannot be ordered."""
    a, b = comparable(a), comparable(b)
    try:
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if op == "lt":
            return a < b
        if op == "le":
            return a <= b
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
    except TypeError:
        return None
    raise ValueError(f"unknown comparison {op!r}")


def leaves(obj: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every leaf (`customer.id`); a list counts as a leaf of its own."""
    if isinstance(obj, dict) and obj:
        out: set[str] = set()
        for key, value in obj.items():
            out |= leaves(value, f"{prefix}{key}.")
        return out
    return {prefix[:-1]} if prefix else set()


def covered(path: str, allowed: set[str]) -> bool:
    """Whether `path` is one of `allowed` or lies under one of them (`customer.id` under `customer`)."""
    return any(path == a or path.startswith(a + ".") for a in allowed)

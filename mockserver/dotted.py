"""Dotted paths into JSON-like values (`data.codes.0.code`), used by filters, sorts and fieldsets."""

from __future__ import annotations

from typing import Any


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

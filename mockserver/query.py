"""The typed query every dialect parses its vendor's parameters into.

The core pipeline (filter -> sort -> page -> fieldsets) only ever sees this, never raw parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPERATORS = ("eq", "in", "gt", "ge", "lt", "le", "is_null", "not_null")


@dataclass(frozen=True)
class Condition:
    """`field` is a dotted path into the item; `value` is compared with `op`."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass
class Query:
    offset: int = 0
    limit: int = 10
    conditions: tuple[Condition, ...] = ()
    sort: tuple[SortKey, ...] = ()
    fields: Any = None  # dialect-specific; applied by the dialect's `project`
    extra: dict = field(default_factory=dict)  # anything else the dialect wants back at render time


@dataclass
class Page:
    items: list[dict]
    total: int
    offset: int
    limit: int

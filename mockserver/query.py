"""The typed query every dialect parses its vendor's parameters into.

The core pipeline (filter -> sort -> page -> fieldsets) only ever sees this, never raw parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

@dataclass(frozen=True)
class Condition:
    """`field` is a dotted path into the item; `value` is compared with `op`."""

    field: str
    op: str
    value: Any = None

    def holds(self, actual: Any) -> bool:
        """Whether a field value satisfies this condition (None satisfies only `is_null`)."""
        op = self.op
        if op == "is_null":
            return actual is None
        if op == "not_null":
            return actual is not None
        if actual is None:
            return False
        if op == "eq":
            return actual == self.value
        if op == "ieq":  # case-insensitive equality ("this case-insensitive code")
            return str(actual).casefold() == str(self.value).casefold()
        if op == "in":
            return actual in self.value
        try:
            if op == "gt":
                return actual > self.value
            if op == "ge":
                return actual >= self.value
            if op == "lt":
                return actual < self.value
            if op == "le":
                return actual <= self.value
        except TypeError:  # values of different kinds never match
            return False
        raise ValueError(f"unknown operator {op}")


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
    cursor: tuple[str, Any, str] | None = None  # ("after" | "before", an item's identity, parameter): cursor.py
    extra: dict = field(default_factory=dict)  # anything else the dialect wants back at render time


@dataclass
class Page:
    items: list[dict]
    total: int
    offset: int
    limit: int

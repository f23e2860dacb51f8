"""Semantic checks for list operations, driven by the same `x-mock` blocks the mock serves from.

Each group is one module; `GROUPS` lists them in the order they run (paging first: its walk of the
whole collection is reused by the groups after it; filter before sort: it finds the form in which
the API reads lists, which multi-key sorts are sent in).
"""

from __future__ import annotations

from typing import Callable

from mockserver.spec import Operation

from .errors import check_errors
from .fieldsets import check_fieldsets
from .formats import check_formats
from .filters import check_filters
from .invariants import check_invariants, has_invariants
from .links import check_links
from .paging import check_paging
from .sorting import check_sort
from .target import ListTarget

# A group's checks are all named `<group>.<something>`.
GROUPS: dict[str, Callable] = {
    "paging": lambda t, rec, ctx: (check_paging(t, rec), check_links(t, rec)),
    "filter": lambda t, rec, ctx: check_filters(t, rec),
    "sort": lambda t, rec, ctx: check_sort(t, rec),
    "fieldset": lambda t, rec, ctx: (check_fieldsets(t, rec), check_formats(t, rec)),
    "invariant": lambda t, rec, ctx: check_invariants(t, rec, ctx),
    "errors": lambda t, rec, ctx: check_errors(t, rec),
}


def is_list_operation(op: Operation) -> bool:
    """A GET that returns a page of a collection: what every semantic check is about."""
    return op.method == "get" and "collection" in op.mock and bool(op.mock.get("paging"))


def groups_for(op: Operation) -> list[str]:
    """The semantic groups that have something to check on this operation."""
    if not is_list_operation(op):
        return []
    cfg = op.mock
    present = {
        "paging": True,
        "sort": bool((cfg.get("sort") or {}).get("fields")),
        "filter": bool(cfg.get("filters") or cfg.get("filter")),
        "fieldset": bool(cfg.get("columns_param") or cfg.get("fields") or cfg.get("fieldsets") or cfg.get("format")),
        "invariant": has_invariants(op),
        "errors": True,
    }
    return [name for name in GROUPS if present[name]]


__all__ = ["GROUPS", "ListTarget", "groups_for", "is_list_operation"]

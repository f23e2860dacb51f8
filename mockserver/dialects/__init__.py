"""Dialects: the small vendor-specific pieces a spec selects with `x-mock.dialect`."""

from __future__ import annotations

from .base import Dialect, Rendered, RequestInfo
from .elasticpath import ElasticPathDialect
from .jsonapi import JsonApiDialect
from .report import ReportDialect
from .template import TemplateDialect

DIALECTS: dict[str, type[Dialect]] = {
    cls.name: cls for cls in (ElasticPathDialect, JsonApiDialect, ReportDialect, TemplateDialect)
}


def dialect_for(op) -> Dialect:
    try:
        return DIALECTS[op.dialect_name](op)
    except KeyError:
        raise ValueError(f"{op!r}: unknown x-mock dialect {op.dialect_name!r} (known: {', '.join(DIALECTS)})") from None


__all__ = ["DIALECTS", "Dialect", "Rendered", "RequestInfo", "dialect_for"]

"""How a spec's operations read requests and render responses: one declarative dialect.

Every vendor difference is data in `x-mock` (template.py); the pieces some vendors need (a filter
language of calls, JSON:API resources, report columns and CSV) are modules any spec can select.
"""

from __future__ import annotations

from .base import Dialect, Rendered, RequestInfo
from .template import TemplateDialect

DIALECTS: dict[str, type[Dialect]] = {TemplateDialect.name: TemplateDialect}


def dialect_for(op) -> Dialect:
    try:
        return DIALECTS[op.dialect_name](op)
    except KeyError:
        raise ValueError(f"{op!r}: unknown x-mock dialect {op.dialect_name!r} (known: {', '.join(DIALECTS)})") from None


__all__ = ["DIALECTS", "Dialect", "Rendered", "RequestInfo", "dialect_for"]

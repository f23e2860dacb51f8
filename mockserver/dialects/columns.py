"""Reports in the TeamUp manner: `total`, `column_headers`, `rows`; a `columns` selection (both
`customer.id` and `customer_id` forms, required columns always kept), multi-key `sort` mirrored in
`column_headers[].sorted`, CSV or JSON output, and Django REST framework-style errors.

    columns: {customer.id: {label: Customer ID, aliases: [customer_id], sortable: true, required: true}, ...}
    default_columns: [customer.id, ...]
    format: {param: format}
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .. import fieldsets
from ..errors import RequestError
from ..dotted import getter
from ..query import Page, Query
from .base import Dialect, Rendered, RequestInfo

HEADER_FLAGS = ("holds_customer_id", "required")


class ReportDialect(Dialect):
    name = "report"

    def __init__(self, op):
        super().__init__(op)
        self.columns: dict[str, dict] = self.cfg.get("columns", {})
        self.alias: dict[str, str] = {}
        for key, col in self.columns.items():
            self.alias[key] = key
            for alias in col.get("aliases", []):
                self.alias[alias] = key
        self.default_columns: list[str] = self.cfg.get("default_columns", list(self.columns))
        self.required = [k for k, c in self.columns.items() if c.get("required")]
        # `format` values name the documented media types by subtype: csv -> text/csv, json -> application/json.
        self.format_param = self.cfg.get("format", {}).get("param", "format")
        param = op.query_params.get(self.format_param)
        formats = (param.schema.get("enum") if param else None) or []
        self.format_media = {f: m for f in formats for m in self.media_types if m.partition("/")[2] == f}

    def offered(self, values: dict) -> list[str]:
        """`format` decides when sent; otherwise `Accept` picks, the documented default first."""
        fmt = values.get(self.format_param)
        if fmt not in self.format_media:
            return self.media_types
        chosen = self.format_media[fmt]
        if self.format_param in values.given:
            return [chosen]
        return [chosen] + [m for m in self.format_media.values() if m != chosen]

    def with_media(self, values: dict, media_type: str) -> None:
        for fmt, media in self.format_media.items():
            if media == media_type:
                values[self.format_param] = fmt

    def fieldset(self, values: dict) -> list[str]:
        raw = values.get(self.cfg.get("columns_param", "columns"))
        chosen = [self.alias[c] for c in raw] if raw else list(self.default_columns)
        for key in reversed(self.required):
            if key not in chosen:
                chosen.insert(0, key)
        return list(dict.fromkeys(chosen))  # de-duplicated, in the order asked

    def _headers(self, keys: list[str], query: Query) -> list[dict]:
        sorted_on = {}
        for priority, key in enumerate(query.sort):
            sorted_on.setdefault(key.field, {"order": "desc" if key.descending else "asc", "priority": priority})
        headers = []
        for key in keys:
            col = self.columns[key]
            header = {"label": col["label"], "key": key, "sortable": bool(col.get("sortable"))}
            for flag in HEADER_FLAGS:
                if col.get(flag):
                    header[flag] = True
            if key in sorted_on:
                header["sorted"] = sorted_on[key]
            headers.append(header)
        return headers

    def render(self, page: Page, query: Query, request: RequestInfo) -> Rendered:
        keys: list[str] = query.fields
        fmt = query.extra["values"].get(self.cfg.get("format", {}).get("param", "format"), "json")
        if fmt == "csv":
            return Rendered(self._csv(page.items, keys), media_type="text/csv")
        rows = fieldsets.keep_each(page.items, keys)
        return Rendered({"total": page.total, "column_headers": self._headers(keys, query), "rows": rows})

    def _csv(self, items: list[dict], keys: list[str]) -> str:
        """One header row of column labels; object columns spread over one cell per attribute."""
        flat: list[tuple[str, str]] = []  # (label, dotted key)
        for key in keys:
            subkeys = self.cfg.get("csv_expand", {}).get(key)
            if subkeys:
                flat += [(self.columns.get(f"{key}.{s}", {}).get("label") or f"{self.columns[key]['label']} {'ID' if s == 'id' else s.replace('_', ' ').title()}",
                          f"{key}.{s}") for s in subkeys]
            else:
                flat.append((self.columns[key]["label"], key))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label for label, _ in flat])
        readers = [getter(k) for _, k in flat]
        for item in items:
            writer.writerow(["" if (v := read(item)) is None else v for read in readers])
        return out.getvalue()

    def error_body(self, error: RequestError) -> Any:
        if error.status == 400 and error.problems:
            body: dict[str, list[str]] = {}
            for p in error.problems:  # Django REST framework keys problems by field, or `non_field_errors`
                body.setdefault(p.parameter or "non_field_errors", []).append(p.message)
            return body
        return {"detail": "; ".join(p.message for p in error.problems) or error.title}

    def items_of(self, body: Any) -> list:
        return body["rows"]

    def total_of(self, body: Any) -> int:
        return body["total"]

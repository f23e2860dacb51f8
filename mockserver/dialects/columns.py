"""Report columns: a `columns` selection, `column_headers` that mirror the sort, and CSV output.

A report-style API names its columns and lets the client choose them. A spec selects this with
`x-mock.columns`; the envelope prints the headers with `$column_headers` and the rows with `$items`:

    columns: {customer.id: {label: Customer ID, aliases: [customer_id], sortable: true, required: true}, ...}
    columns_param: columns            # the query parameter that picks columns (default `columns`)
    default_columns: [customer.id, ...]
    csv_expand: {customer: [id, name]} # an object column spread over one CSV cell per attribute
    format: {param: format}           # `format=csv|json` picks the documented media type by subtype

Required columns are always kept; `customer_id` and `customer.id` (an alias) name the same column.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from typing import Any, Callable

from ..dotted import getter
from ..query import Query

HEADER_FLAGS = ("holds_customer_id", "required")


class Columns:
    def __init__(self, cfg: dict):
        self.columns: dict[str, dict] = cfg["columns"]
        self.param = cfg.get("columns_param", "columns")
        self.alias: dict[str, str] = {}
        for key, col in self.columns.items():
            self.alias[key] = key
            for alias in col.get("aliases", []):
                self.alias[alias] = key
        self.default: list[str] = cfg.get("default_columns", list(self.columns))
        self.required = [k for k, c in self.columns.items() if c.get("required")]
        self.expand: dict[str, list[str]] = cfg.get("csv_expand", {})

    def chosen(self, values: dict) -> list[str]:
        """The columns asked for (or the default), required ones first, de-duplicated in the order asked."""
        raw = values.get(self.param)
        chosen = [self.alias[c] for c in raw] if raw else list(self.default)
        for key in reversed(self.required):
            if key not in chosen:
                chosen.insert(0, key)
        return list(dict.fromkeys(chosen))

    def headers(self, keys: list[str], query: Query) -> list[dict]:
        """One header per column; `sorted: {order, priority}` on the columns the page is sorted by."""
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

    def csv(self, items: list[dict], keys: list[str]) -> str:
        """One header row of column labels; object columns spread over one cell per attribute."""
        flat: list[tuple[str, str]] = []  # (label, dotted key)
        for key in keys:
            subkeys = self.expand.get(key)
            if subkeys:
                flat += [(self._sublabel(key, s), f"{key}.{s}") for s in subkeys]
            else:
                flat.append((self.columns[key]["label"], key))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label for label, _ in flat])
        rows = _row_reader(tuple(k for _, k in flat))
        lines = []
        for item in items:
            cells = ["" if v is None else str(v) for v in rows(item)]
            line = ",".join(cells)
            if _plain_line(line, cells):
                lines.append(line + "\r\n")
            else:  # a cell to quote: the csv module's own rules
                line_out = io.StringIO()
                csv.writer(line_out, lineterminator="\r\n").writerow(cells)
                lines.append(line_out.getvalue())
        return out.getvalue() + "".join(lines)

    def _sublabel(self, key: str, sub: str) -> str:
        declared = self.columns.get(f"{key}.{sub}", {}).get("label")
        return declared or f"{self.columns[key]['label']} {'ID' if sub == 'id' else sub.replace('_', ' ').title()}"


def _plain_line(line: str, cells: list[str]) -> bool:
    """Whether the csv module (excel dialect, minimal quoting) would print these cells joined by
    commas as they are: no cell holds a comma, a quote or a line break, and the row is not one
    empty cell (printed `""`). `str()` of a cell is what the module prints (`repr` for a float is
    the same text)."""
    return (line.count(",") == len(cells) - 1 and '"' not in line and "\r" not in line and "\n" not in line
            and not (len(cells) == 1 and not line))


@lru_cache(maxsize=256)
def _row_reader(keys: tuple[str, ...]) -> Callable[[Any], list]:
    """The cells of one row, in column order: the values of `getter(key)` for each key, with the
    columns of one object (`customer.id`, `customer.name`, ...) read from it in one step rather
    than one dotted lookup each (13 lookups a TeamUp row)."""
    groups: list[tuple[str | None, tuple[str, ...], Any]] = []  # (object key, its attributes, reader)
    for key in keys:
        parts = key.split(".")
        if len(parts) == 2 and not any(p.isdigit() for p in parts):
            if groups and groups[-1][0] == parts[0]:
                first, subs, _ = groups.pop()
                groups.append((first, subs + (parts[1],), None))
            else:
                groups.append((parts[0], (parts[1],), None))
        else:
            groups.append((None, (), getter(key)))
    plan = tuple((first, subs, len(subs), read) for first, subs, read in groups)

    def row(item: Any) -> list:
        cells: list = []
        get = item.get if isinstance(item, dict) else None
        for first, subs, width, read in plan:
            if first is None:
                cells.append(read(item))
                continue
            inner = get(first) if get is not None else None
            if isinstance(inner, dict):
                cells += [inner.get(s) for s in subs]
            else:
                cells += [None] * width
        return cells

    return row


class FormatParam:
    """`format=csv|json`: a query parameter that picks one of the documented media types by subtype.

    Sent, it decides (and an `Accept` that excludes it is a 406); absent, `Accept` picks among the
    documented types, the documented default first."""

    def __init__(self, param: str, enum: list[str], media_types: list[str]):
        self.param = param
        self.media = {f: m for f in enum for m in media_types if m.partition("/")[2] == f}

    def offered(self, values: Any, media_types: list[str]) -> list[str]:
        fmt = values.get(self.param)
        if fmt not in self.media:
            return media_types
        chosen = self.media[fmt]
        if self.param in getattr(values, "given", ()):
            return [chosen]
        return [chosen] + [m for m in self.media.values() if m != chosen]

    def with_media(self, values: dict, media_type: str) -> None:
        for fmt, media in self.media.items():
            if media == media_type:
                values[self.param] = fmt

    def chosen(self, values: dict) -> str | None:
        return values.get(self.param)

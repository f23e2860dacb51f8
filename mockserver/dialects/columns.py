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
        self._header_of = {key: self._header(key) for key, col in self.columns.items()  # made once, copied per page
                           if isinstance(col, dict) and "label" in col}

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
        # Headers are shared, as the page's items are (bodies are read-only; misbehave edits only
        # links, has_more and the item list); a sorted column's header is a copy with `sorted`.
        made = self._header_of
        return [{**(made.get(key) or self._header(key)), "sorted": sorted_on[key]} if key in sorted_on
                else made.get(key) or self._header(key) for key in keys]

    def _header(self, key: str) -> dict:
        col = self.columns[key]
        header = {"label": col["label"], "key": key, "sortable": bool(col.get("sortable"))}
        for flag in HEADER_FLAGS:
            if col.get(flag):
                header[flag] = True
        return header

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
        row = _row_reader(tuple(k for _, k in flat))
        rows = [row(item) for item in items]
        text = "".join([",".join(cells) + "\r\n" for cells in rows])
        if _plain(text, len(rows), len(flat)):
            return out.getvalue() + text
        writer.writerows(rows)  # a cell to quote: the csv module's own rules, for every row
        return out.getvalue()

    def _sublabel(self, key: str, sub: str) -> str:
        declared = self.columns.get(f"{key}.{sub}", {}).get("label")
        return declared or f"{self.columns[key]['label']} {'ID' if sub == 'id' else sub.replace('_', ' ').title()}"


def _plain(text: str, rows: int, width: int) -> bool:
    """Whether the csv module (excel dialect, minimal quoting) prints these rows of cells as they
    were joined: no cell holds a comma, a quote or a line break (so the text has exactly its
    separators and terminators), and no row is one empty cell (printed `""`)."""
    return (width > 1 and '"' not in text and text.count(",") == rows * (width - 1)
            and text.count("\r") == rows and text.count("\n") == rows)


@lru_cache(maxsize=256)
def _row_reader(keys: tuple[str, ...]) -> Callable[[Any], list]:
    """The cells of one row as the csv module prints them (None as "", anything else as `str`), in
    column order: `getter(key)` of each key, generated as one function that reads each object
    column (`customer`) once and its attributes from it (13 lookups through closures a TeamUp row
    were 2 us; this is one list display)."""
    readers = [getter(k) for k in keys]
    lines, objects, cells = [], {}, []
    for i, key in enumerate(keys):
        parts = key.split(".")
        if len(parts) == 1:
            cells.append(f"g({parts[0]!r})")
        elif len(parts) == 2 and not any(p.isdigit() for p in parts):
            if parts[0] not in objects:  # the object, or {} when it is not one (every attribute None)
                objects[parts[0]] = name = f"o{len(objects)}"
                lines.append(f"    {name} = g({parts[0]!r})")
                lines.append(f"    if not isinstance({name}, dict): {name} = _EMPTY")
            cells.append(f"{objects[parts[0]]}.get({parts[1]!r})")
        else:
            cells.append(f"r[{i}](item)")
    shown = ", ".join(f'"" if (v := {c}) is None else str(v)' for c in cells)
    source = "\n".join(["def row(item):",
                         "    if not isinstance(item, dict):",
                         '        return ["" if (v := read(item)) is None else str(v) for read in r]',
                         "    g = item.get", *lines, f"    return [{shown}]", ""])
    namespace: dict = {"r": readers, "_EMPTY": {}}
    exec(source, namespace)
    return namespace["row"]


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

"""Vendor-neutral readers for the paging, sort and filter parameters a spec declares in `x-mock`.

A new API whose paging, sort and simple filters follow a known pattern needs only these blocks in
its spec; a dialect adds only what is truly its own (a filter language, a fieldset syntax, an
envelope).

    paging:  {offset: NAME, limit: NAME, page: NAME, page_size: NAME, prefer: offset|page}
             {limit: NAME, cursor: {after: NAME, before: NAME}}   # starting_after / ending_before
             {limit: NAME, cursor: {token: NAME}}                  # page_info tokens in a Link header
    sort:    {param: NAME, fields: {vendor name: item path}, default: [-name, ...]}   # "-" = descending
             {by: NAME, order: NAME, fields: {...}, default: [-name]}                 # sortBy/sortOrder
    filters: {param: {field: PATH, op: eq|in|gt|ge|lt|le, time: STYLE}
             |{field: PATH, values: {param value: is_null|not_null|any}}
             |{field: PATH, timeframe: true}}
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from .errors import bad_request
from .times import format_time, parse_time
from .query import Condition, SortKey


# ------------------------------------------------------------------------------------- paging

def paging_window(cfg: dict, values: dict) -> tuple[int, int, str]:
    """(offset, limit, mode) from whichever of offset/limit or page/page_size the request used.

    Sent parameters decide (`prefer` breaks a tie); with neither sent, a vendor that pages by
    number is in page mode (its links then page by number too).
    """
    limit = values.get(cfg["limit"]) if cfg.get("limit") else None
    limit = int(cfg.get("default_limit", 10)) if limit is None else limit
    page_name, size_name, offset_name = cfg.get("page"), cfg.get("page_size"), cfg.get("offset")
    sent = getattr(values, "given", frozenset(values))
    by_page = page_name is not None and (page_name in sent or size_name in sent)
    by_offset = offset_name is not None and offset_name in sent
    if by_page and by_offset:
        by_page = cfg.get("prefer", "offset") == "page"
    if by_page or (page_name is not None and not by_offset):
        size = (values.get(size_name) if size_name in sent else None) or limit  # page_size=0: the default (DRF)
        return (int(values.get(page_name) or 1) - 1) * size, size, "page"
    return int(values.get(offset_name) or 0) if offset_name else 0, limit, "offset"


def cursor_of(cfg: dict, values: dict) -> tuple[str, Any, str] | None:
    """("after" | "before", identity, parameter) from Stripe-style `starting_after` / `ending_before`.

    A page after (or before) the item with that identity, in the list's order; naming both is
    refused, as a client cannot mean both.
    """
    names = cfg.get("cursor") or {}
    token = names.get("token")
    if token and values.get(token) not in (None, ""):
        return read_token(values.get(token), token)
    sent = [(way, names[way]) for way in ("after", "before") if names.get(way) and values.get(names[way]) not in (None, "")]
    if len(sent) > 1:
        raise bad_request(f"only one of {', '.join(repr(n) for _, n in sent)} may be given", sent[1][1])
    return (sent[0][0], values.get(sent[0][1]), sent[0][1]) if sent else None


def make_token(way: str, identity: Any) -> str:
    """An opaque page token (Shopify's `page_info`): which side of which item, base64url JSON."""
    return base64.urlsafe_b64encode(json.dumps([way[0], identity], separators=(",", ":")).encode()).decode().rstrip("=")


def read_token(text: str, param: str) -> tuple[str, Any, str]:
    try:
        way, identity = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return {"a": "after", "b": "before"}[way], identity, param
    except (ValueError, TypeError, KeyError):
        raise bad_request(f"'{param}': {text[:40]!r} is not a page token this API issued; follow the Link header", param) from None


# --------------------------------------------------------------------------------------- sort

def sort_keys(cfg: dict, values: dict) -> tuple[tuple[SortKey, ...], list[tuple[str, bool]]]:
    """Item-level sort keys, and the vendor names they came from (for headers like TeamUp's)."""
    if not cfg:
        return (), []
    fields: dict = cfg.get("fields", {})
    if "by" in cfg:
        by = values.get(cfg["by"])
        order = values.get(cfg.get("order", ""), None)
        default = cfg.get("default", [])
        if by is None and order is None and not default:
            return (), []
        default_name, default_desc = _split_sort(default[0]) if default else (None, False)
        name = by or default_name
        desc = (order == "desc") if order is not None else default_desc
        requested = [(name, desc)]
    else:
        raw = values.get(cfg.get("param", "sort"))
        if raw is None:
            requested = [_split_sort(s) for s in cfg.get("default", [])]
        else:
            requested = requested_sort(cfg, raw)
    keys = []
    for name, desc in requested:
        if name not in fields:
            raise bad_request(f"cannot sort by {name!r}; sortable: {', '.join(fields)}", cfg.get("param") or cfg.get("by"))
        keys.append(_sort_key(fields[name], desc))
    tie = cfg.get("tie_breaker")
    if tie and all(k.field != tie for k in keys):
        keys.append(_sort_key(tie, False))
    return tuple(keys), requested


@lru_cache(maxsize=1024)
def _sort_key(field: str, descending: bool) -> SortKey:
    """One (frozen, so shareable) key per field and direction: a frozen dataclass costs ~1 us to make."""
    return SortKey(field, descending)


def requested_sort(cfg: dict, raw: Any) -> list[tuple[str, bool]]:
    """(field name, descending) per key, in the vendor's syntax (`x-mock.sort.syntax`):
    `prefix` (the default) reads `name` / `-name`; `words` reads `name asc` / `name desc` (commercetools).
    `separator` splits several keys given in one value (`sort=a,-b`)."""
    items = raw if isinstance(raw, list) else [raw]
    separator = cfg.get("separator")
    if separator:
        items = [part for item in items for part in str(item).split(separator)]
    param = cfg.get("param", "sort")
    if cfg.get("syntax", "prefix") == "prefix":
        return [_split_sort(str(s)) for s in items if str(s).strip()]
    out = []
    for text in (str(s).strip() for s in items):
        if not text:
            continue
        name, _, direction = text.partition(" ")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise bad_request(f"'{param}': expected `field asc` or `field desc`, got {text[:60]!r}", param)
        out.append((name, direction == "desc"))
    return out


def _split_sort(text: str) -> tuple[str, bool]:
    text = text.strip()
    if text.startswith("-"):
        return text[1:], True
    return text.lstrip("+"), False


# ------------------------------------------------------------------------------------ filters

def filter_conditions(cfg: dict, values: dict, now_ms: int) -> list[Condition]:
    conditions: list[Condition] = []
    for name, rule in (cfg or {}).items():
        value = values.get(name)
        if value is None:
            continue
        field = rule["field"]
        if "values" in rule:
            op = rule["values"].get(str(value).lower() if isinstance(value, bool) else value)
            if op and op != "any":
                conditions.append(Condition(field, op))
        elif rule.get("timeframe"):
            start, end = timeframe(value, now_ms)
            style = rule.get("time", "ms")
            conditions += [Condition(field, "ge", format_time(start, style)), Condition(field, "lt", format_time(end, style))]
        else:
            op = rule.get("op", "eq")
            if "time" in rule:
                value = normalize_time(value, rule["time"], name)
            conditions.append(Condition(field, op, tuple(value) if isinstance(value, list) else value))
    return conditions


def normalize_time(value: Any, style: str, name: str) -> str:
    try:
        dt = parse_time(str(value))
    except (ValueError, OverflowError):
        raise bad_request(f"'{name}' must be a date or RFC 3339 date-time, got {str(value)[:40]!r}", name) from None
    return format_time(int(dt.timestamp() * 1000), style)


TIMEFRAMES = ("today", "yesterday", "this_week", "last_week", "this_month", "last_month",
              "last_7_days", "last_30_days", "last_90_days", "this_year", "last_year")


def timeframe(name: str, now_ms: int) -> tuple[int, int]:
    """[start, end) in epoch ms for a named timeframe, relative to the mock's clock (UTC)."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = timedelta(days=1)
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    prev_month_start = (month_start - day).replace(day=1)
    year_start = today.replace(month=1, day=1)
    spans = {
        "today": (today, today + day),
        "yesterday": (today - day, today),
        "this_week": (week_start, week_start + 7 * day),
        "last_week": (week_start - 7 * day, week_start),
        "this_month": (month_start, (month_start + 32 * day).replace(day=1)),
        "last_month": (prev_month_start, month_start),
        "last_7_days": (now - 7 * day, now),
        "last_30_days": (now - 30 * day, now),
        "last_90_days": (now - 90 * day, now),
        "this_year": (year_start, year_start.replace(year=year_start.year + 1)),
        "last_year": (year_start.replace(year=year_start.year - 1), year_start),
    }
    start, end = spans[name]
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)

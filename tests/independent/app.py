"""An independent implementation of five vendor endpoints, written from the vendor pages only.

Endpoints (see CHOICES.md for every reading taken where the pages are silent):

* TeamUp        GET /api/v2/reports/discount_code_uses/data
* Elastic Path  GET /v2/promotions/{promotionID}/codes
* Elastic Path  GET /v2/promotions/{id}/codes/{code-name}/usages
* ops           GET /api/v1/ops/promotions/{promotionalId}/usage-history
* NuWeb         GET /v1/discount-codes

``create_app(bugs=..., seed=..., token=...)`` builds the Starlette app; ``BUGS`` lists the planted
defects, each off unless named.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

UTC = timezone.utc
NOW = datetime(2025, 12, 31, 12, 0, 0, tzinfo=UTC)  # the fixed clock; no data after it

BUGS: dict[str, str] = {
    "teamup-total-unfiltered": "TeamUp: `total` ignores the filters",
    "teamup-second-sort-key-ignored": "TeamUp: only the first `sort` key is applied",
    "teamup-column-headers-stale": "TeamUp: `column_headers` always lists the default columns",
    "teamup-json-default": "TeamUp: without `format`, JSON is served instead of CSV",
    "ep-codes-last-link-single-page": "EP codes: `links.last` is a URL even when there is only one page",
    "ep-codes-uses-not-remaining": "EP codes: `uses` equals `max_uses` instead of the remaining count",
    "ep-usages-ge-as-gt": "EP usages: `ge(used_on,X)` excludes usages exactly at X",
    "ep-usages-wrong-code": "EP usages: every 7th usage carries another code than the path's",
    "ops-updated-before-created": "ops: every 5th item has `updatedAt` one hour before `createdAt`",
    "ops-total-pages-off": "ops: `meta.totalPages` is one too many when total divides by limit",
    "ops-auth-not-enforced": "ops: requests without Authorization are served",
    "ops-sort-asc-ignored": "ops: `sortOrder=asc` still sorts descending",
    "nuweb-page-wins-over-offset": "NuWeb: when both `page` and `offset` are sent, `page` is used",
    "nuweb-included-incomplete": "NuWeb: `included` misses the last currency the page references",
    "nuweb-page-overlap": "NuWeb: every page after the first starts one item early",
    "nuweb-comma-types-ignored": "NuWeb: a comma-separated `types` list is ignored (arrays still work)",
    "nuweb-limit-uncapped": "NuWeb: `limit` above 100 returns that many items",
}


# --------------------------------------------------------------------------- errors and parsing


class ApiError(Exception):
    def __init__(self, status: int, parameter: str | None, message: str, code: str = "invalid_parameter"):
        super().__init__(message)
        self.status, self.parameter, self.message, self.code = status, parameter, message, code

    def response(self) -> Response:
        body = {"error": {"code": self.code, "message": self.message, "parameter": self.parameter}}
        return JSONResponse(body, status_code=self.status)


class Unauthorized(Exception):
    pass


_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Query:
    """Query-string access; `status` is the status of a parameter error (422, or 400 for NuWeb)."""

    def __init__(self, request: Request, status: int, blank_is_absent: bool = False):
        self.items = request.query_params.multi_items()
        self.status = status
        self.blank_is_absent = blank_is_absent

    def error(self, name: str, message: str) -> ApiError:
        return ApiError(self.status, name, message)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def get(self, name: str) -> str | None:
        """A scalar parameter: the last occurrence wins."""
        values = self.all(name)
        if not values or (self.blank_is_absent and not values[-1].strip()):
            return None
        return values[-1].strip()

    def int(self, name: str, default: int | None, lo: int | None = None, hi: int | None = None,
            clamp: bool = True) -> int | None:
        raw = self.get(name)
        if raw is None:
            return default
        if not _INT.fullmatch(raw):
            raise self.error(name, f"{name} must be an integer")
        try:
            value = int(raw)
        except ValueError:  # more digits than Python converts
            raise self.error(name, f"{name} is out of range") from None
        if lo is not None and value < lo:
            raise self.error(name, f"{name} must be >= {lo}")
        if hi is not None and value > hi:
            if not clamp:
                raise self.error(name, f"{name} must be <= {hi}")
            value = hi
        return value

    def number(self, name: str, default: int, lo: int, hi: int | None = None) -> int:
        """A `number` parameter, floored to an integer (ops)."""
        raw = self.get(name)
        if raw is None:
            return default
        if not _NUMBER.fullmatch(raw):
            raise self.error(name, f"{name} must be a number")
        value = float(raw)
        if not math.isfinite(value):
            raise self.error(name, f"{name} must be a finite number")
        if value < lo:
            raise self.error(name, f"{name} must be >= {lo}")
        if hi is not None and value > hi:
            return hi
        return math.floor(value)

    def choice(self, name: str, options: tuple[str, ...], default: str | None) -> str | None:
        raw = self.get(name)
        if raw is None:
            return default
        if raw not in options:
            raise self.error(name, f"{name} must be one of: {', '.join(options)}")
        return raw

    def array(self, name: str) -> list[str] | None:
        """Repeated keys and comma-separated lists both work; an empty item is an error."""
        values = self.all(name)
        if not values:
            return None
        items = [item.strip() for v in values for item in v.split(",")]
        if any(not item for item in items):
            raise self.error(name, f"{name} contains an empty item")
        return items

    def datetime(self, name: str) -> datetime | None:
        raw = self.get(name)
        return None if raw is None else parse_datetime(raw, lambda m: self.error(name, f"{name} {m}"))


def parse_datetime(raw: str, fail) -> datetime:
    """RFC 3339 date-time or a plain date (midnight UTC); a naive time is UTC. A '+' offset that
    arrived as a space (unencoded '+' in a query string) is read as '+'."""
    raw = raw.strip()
    raw = re.sub(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", raw)
    if not (_DATE.fullmatch(raw) or _DATETIME.fullmatch(raw)):
        raise fail("must be an ISO 8601 date or date-time")
    try:
        value = datetime.fromisoformat(raw.upper())
    except ValueError:
        raise fail("is not a valid date-time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def check_auth(request: Request, schemes: tuple[str, ...], token: str | None) -> None:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized("missing Authorization header")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() not in schemes or not value or any(c.isspace() for c in value):
        raise Unauthorized("malformed Authorization header")
    if token is not None and value != token:
        raise Unauthorized("invalid token")


# --------------------------------------------------------------------------- data helpers


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # str seeds hash with SHA-512: stable


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _between(rng: random.Random, start: datetime, end: datetime, unit_ms: int = 1) -> datetime:
    """A random instant in [start, end], truncated to `unit_ms` (1 = milliseconds)."""
    span = max(0, int((end - start).total_seconds() * 1000) // unit_ms)
    return start + timedelta(milliseconds=rng.randint(0, span) * unit_ms)


def _ms(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _sec(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}"


FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
         "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Aiden", "Chloe", "Leo", "Zoe", "Maya", "Omar",
         "Priya", "Kenji", "Fatima", "Diego", "Hannah", "Tomás", "Ingrid", "Samuel", "Nadia"]
LAST = ["Smith", "Johnson", "Garcia", "Brown", "Nguyen", "Patel", "Müller", "Rossi", "Kim", "Silva",
        "Okafor", "Cohen", "Dubois", "Larsen", "Novak", "Tanaka", "Walsh", "Reyes", "Haddad", "Moreau"]


def _person(rng: random.Random, n: int) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    ascii_last = last.replace("ü", "u").replace("á", "a")
    email = f"{first.replace('á', 'a').lower()}.{ascii_last.lower()}{n}@example.com"
    return f"{first} {last}", email


# --------------------------------------------------------------------------- TeamUp

TEAMUP_COLUMNS = [  # key, label, sortable
    ("customer.id", "Customer ID", True), ("customer.name", "Customer Name", True),
    ("customer.email", "Customer Email", True), ("discount_code.id", "Discount Code ID", True),
    ("discount_code.name", "Discount Code Name", True), ("discount_code.code", "Discount Code", True),
    ("group.id", "Group ID", True), ("group.name", "Group Name", True), ("use_type", "Use Type", True),
    ("used_for", "Used For", False), ("used_at", "Used At", True),
]
TEAMUP_KEYS = [c[0] for c in TEAMUP_COLUMNS]
TEAMUP_REQUIRED = {"customer.id"}
TEAMUP_ALIASES: dict[str, list[str]] = {}
for _key in TEAMUP_KEYS:
    TEAMUP_ALIASES[_key] = [_key]
    TEAMUP_ALIASES[_key.replace(".", "_")] = [_key]
for _entity in ("customer", "discount_code", "group"):
    TEAMUP_ALIASES[_entity] = [k for k in TEAMUP_KEYS if k.startswith(_entity + ".")]
USE_TYPES = ("class", "course", "membership", "store_order")
TIMEFRAMES = {"7d": NOW - timedelta(days=7), "30d": NOW - timedelta(days=30),
              "90d": NOW - timedelta(days=90), "mtd": NOW.replace(day=1, hour=0, minute=0),
              "ytd": NOW.replace(month=1, day=1, hour=0, minute=0)}
CLASSES = ["Vinyasa Flow", "HIIT Express", "Reformer Pilates", "Spin 45", "Yin Yoga", "Boxing Basics",
           "Barre Burn", "Strength Lab", "Mobility & Stretch", "Kettlebell Club"]
COURSES = ["8-Week Beginner Yoga", "Couch to 5K", "Pilates Foundations", "Teacher Training Module 1"]
MEMBERSHIPS = ["Unlimited Monthly", "10-Class Pack", "Annual Membership", "Student Monthly", "Intro Week"]
CODE_THEMES = [("New Member", "NEWMEMBER"), ("Summer Sale", "SUMMER"), ("Friends & Family", "FRIENDS"),
               ("Black Friday", "BLACKFRI"), ("Student", "STUDENT"), ("Corporate Partner", "CORP"),
               ("Referral", "REFER"), ("Spring Reset", "SPRING"), ("Staff", "STAFF"), ("Comeback", "COMEBACK")]
GROUPS = ["Intro Offers", "Seasonal Campaigns", "Partner Codes", "Member Perks", "Referrals", "Staff"]


@lru_cache(maxsize=8)
def teamup_rows(seed: int) -> list[dict]:
    rng = _rng(seed, "teamup")
    customers = []
    for n, cid in enumerate(sorted(rng.sample(range(1_000_000, 9_999_999), rng.randint(30, 70)))):
        name, email = _person(rng, n)
        customers.append({"id": cid, "name": name, "email": email})
    groups = [{"id": gid, "name": name} for gid, name in
              zip(sorted(rng.sample(range(100, 999), 6)), rng.sample(GROUPS, rng.randint(3, 6)))]
    codes, seen = [], set()
    for cid in sorted(rng.sample(range(20_000, 99_999), rng.randint(8, 20))):
        theme, prefix = rng.choice(CODE_THEMES)
        pct = rng.choice([5, 10, 15, 20, 25, 30, 50])
        code = f"{prefix}{pct}"
        while code in seen:
            code += rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        seen.add(code)
        codes.append({"id": cid, "name": f"{theme} {pct}% Off", "code": code, "group": rng.choice(groups)})
    targets = {"class": [{"id": rng.randint(10_000, 99_999), "label": c, "type": "class"} for c in CLASSES],
               "course": [{"id": rng.randint(1_000, 9_999), "label": c, "type": "course"} for c in COURSES],
               "membership": [{"id": rng.randint(100, 999), "label": m, "type": "membership"}
                              for m in MEMBERSHIPS]}
    span_ms = 540 * 86_400_000
    times = sorted(NOW - timedelta(milliseconds=int(span_ms * rng.random() ** 1.6))
                   for _ in range(rng.randint(120, 260)))
    rows, use_id = [], rng.randint(40_000, 60_000)
    for used_at in times:
        use_id += rng.randint(1, 9)
        customer, code = rng.choice(customers), rng.choice(codes)
        use_type = rng.choices(USE_TYPES + ("unknown",), weights=[40, 15, 25, 15, 5])[0]
        if use_type in targets:
            used_for = dict(rng.choice(targets[use_type]))
        elif use_type == "store_order":
            used_for = {"id": use_id * 3 + 17, "label": f"Order #{use_id * 3 + 17}", "type": "store_order"}
        else:
            used_for = {"id": rng.randint(1, 99_999), "label": "Unknown", "type": "unknown"}
        rows.append({
            "_id": use_id, "_used_at": used_at,
            "customer.id": customer["id"], "customer.name": customer["name"],
            "customer.email": customer["email"], "discount_code.id": code["id"],
            "discount_code.name": code["name"], "discount_code.code": code["code"],
            "group.id": code["group"]["id"], "group.name": code["group"]["name"],
            "use_type": use_type, "used_for": used_for, "used_at": _ms(used_at),
        })
    return rows


def _teamup_sort_value(value):
    return value.casefold() if isinstance(value, str) else value


def teamup_report(app: "IndependentApp", request: Request, q: Query) -> Response:
    bugs = app.bugs
    # columns (canonical order; required columns always present)
    asked = q.array("columns")
    if asked is None:
        columns = list(TEAMUP_KEYS)
    else:
        wanted = set(TEAMUP_REQUIRED)
        for name in asked:
            if name not in TEAMUP_ALIASES:
                raise q.error("columns", f"unknown column: {name}")
            wanted.update(TEAMUP_ALIASES[name])
        columns = [k for k in TEAMUP_KEYS if k in wanted]
    # sort
    sort_keys: list[tuple[str, bool]] = []
    for item in q.array("sort") or []:
        desc = item.startswith("-")
        name = item[1:] if desc else item
        if name not in TEAMUP_ALIASES:
            raise q.error("sort", f"unknown sort column: {name}")
        keys = TEAMUP_ALIASES[name]
        key = keys[0] if len(keys) == 1 else f"{name}.id"
        if not dict((c[0], c[2]) for c in TEAMUP_COLUMNS)[key]:
            raise q.error("sort", f"column {name} is not sortable")
        if any(key == k for k, _ in sort_keys):
            raise q.error("sort", f"column {name} is sorted on twice")
        sort_keys.append((key, desc))
    if not sort_keys:
        sort_keys = [("used_at", True)]
    fmt = q.get("format")
    if fmt is None:
        fmt = "json" if "teamup-json-default" in bugs else "csv"
    elif fmt not in ("csv", "json"):
        raise q.error("format", "format must be csv or json")
    # filters
    filters = []
    for param, key in (("customers", "customer.id"), ("discount_codes", "discount_code.id"),
                       ("groups", "group.id")):
        values = q.array(param)
        if values is not None:
            if not all(_INT.fullmatch(v) and len(v) <= 20 for v in values):
                raise q.error(param, f"{param} must be a list of integers")
            wanted_ids = {int(v) for v in values}
            filters.append(lambda r, key=key, ids=wanted_ids: r[key] in ids)
    id_gt = q.int("id_gt", None)
    if id_gt is not None:
        filters.append(lambda r: r["_id"] > id_gt)
    use_types = q.array("use_types")
    if use_types is not None:
        bad = [u for u in use_types if u not in USE_TYPES]
        if bad:
            raise q.error("use_types", f"unknown use type: {bad[0]}")
        filters.append(lambda r: r["use_type"] in use_types)
    gte, lte = q.datetime("used_at_gte"), q.datetime("used_at_lte")
    frame = q.choice("used_at_timeframe", tuple(TIMEFRAMES), None)
    if gte is not None:
        filters.append(lambda r: r["_used_at"] >= gte)
    if lte is not None:
        filters.append(lambda r: r["_used_at"] <= lte)
    if frame is not None:
        filters.append(lambda r: TIMEFRAMES[frame] <= r["_used_at"] <= NOW)
    # paging: page_size (0..100) wins over limit (1..100); offset wins over page
    limit = q.int("limit", 50, lo=1, hi=100)
    page_size = q.int("page_size", None, lo=0, hi=100)
    size = page_size if page_size is not None else limit
    offset, page = q.int("offset", None, lo=0), q.int("page", None, lo=1)
    if offset is None:
        offset = (page - 1) * size if page is not None else 0

    every = teamup_rows(app.seed)
    rows = [r for r in every if all(f(r) for f in filters)]
    applied = sort_keys[:1] if "teamup-second-sort-key-ignored" in bugs else sort_keys
    rows.sort(key=lambda r: r["_id"])
    for key, desc in reversed(applied):
        rows.sort(key=lambda r, key=key: _teamup_sort_value(r[key]), reverse=desc)
    total = len(every) if "teamup-total-unfiltered" in bugs else len(rows)
    window = rows[offset:offset + size]

    labels = {c[0]: c[1] for c in TEAMUP_COLUMNS}
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([labels[k] for k in columns])
        for row in window:
            writer.writerow([row[k]["label"] if k == "used_for" else row[k] for k in columns])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"X-Total-Count": str(total)})
    header_keys = TEAMUP_KEYS if "teamup-column-headers-stale" in bugs else columns
    sorted_on = {key: (desc, i) for i, (key, desc) in enumerate(sort_keys)}
    headers = []
    for key, label, sortable in TEAMUP_COLUMNS:
        if key not in header_keys:
            continue
        header = {"label": label, "key": key, "sortable": sortable, "holds_customer_id": key == "customer.id"}
        if key in sorted_on:
            desc, priority = sorted_on[key]
            header["sorted"] = {"order": "desc" if desc else "asc", "priority": priority}
        header["required"] = key in TEAMUP_REQUIRED
        headers.append(header)
    out_rows = []
    for row in window:
        out: dict = {}
        for key in columns:
            head, _, tail = key.partition(".")
            if tail:
                out.setdefault(head, {})[tail] = row[key]
            else:
                out[key] = dict(row[key]) if key == "used_for" else row[key]
        out_rows.append(out)
    return JSONResponse({"total": total, "column_headers": headers, "rows": out_rows})


# --------------------------------------------------------------------------- Elastic Path

LEGACY_CUTOFF = datetime(2023, 4, 27, tzinfo=UTC)  # codes created before it have only `uses`
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EP_PREFIXES = ["SAVE", "SPRING", "SUMMER", "VIP", "WELCOME", "FLASH", "CART", "FREESHIP", "LOYAL", "BFCM"]


@lru_cache(maxsize=64)
def ep_promotion(seed: int, promotion_id: str) -> list[dict]:
    """The promotion's codes (created_at ascending), each with its usages (used_on ascending)."""
    rng = _rng(seed, "ep", promotion_id)
    prefix = rng.choice(EP_PREFIXES) + str(rng.choice([5, 10, 15, 20, 25, 30]))
    admins = [_uuid(rng) for _ in range(rng.randint(1, 3))]
    customers = {}
    for n in range(rng.randint(30, 80)):
        customers[_uuid(rng)] = _person(rng, n)[1]
    customer_ids = list(customers)
    start = _between(rng, datetime(2022, 6, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
    codes, names, wanted = [], set(), rng.randint(20, 90)
    while len(codes) < wanted:
        name = prefix + "-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(5))
        if name in names:
            continue
        names.add(name)
        created = _between(rng, start, NOW - timedelta(days=20))
        audience = rng.random()
        user = (None if audience < 0.6 else rng.choice(customer_ids) if audience < 0.85
                else rng.sample(customer_ids, rng.randint(2, 4)))
        codes.append({"name": name, "created_at": created, "created_by": rng.choice(admins), "user": user,
                      "consume_unit": "per_item" if rng.random() < 0.2 else "per_cart",
                      "legacy": created < LEGACY_CUTOFF, "limited": created < LEGACY_CUTOFF or rng.random() < 0.7})
    codes.sort(key=lambda c: (c["created_at"], c["name"]))
    for code in codes:
        crng = _rng(seed, "ep", promotion_id, code["name"])
        count = crng.randint(30, 150) if crng.random() < 0.8 else crng.randint(0, 29)
        allowed = [code["user"]] if isinstance(code["user"], str) else code["user"] or customer_ids
        code_id = _uuid(crng)
        usages = []
        for _ in range(count):
            used_on = _between(crng, code["created_at"] + timedelta(minutes=1), NOW - timedelta(minutes=5))
            customer = crng.choice(allowed)
            anonymized = crng.random() < 0.05
            updated = _between(crng, used_on, min(NOW, used_on + timedelta(days=90 if anonymized else 2)))
            email = f"anon-{customer[:8]}@anonymized.invalid" if anonymized else customers[customer]
            usages.append({"id": _uuid(crng), "order_id": _uuid(crng), "code_id": code_id,
                           "times_used": crng.choice([1, 1, 2, 3]) if code["consume_unit"] == "per_item" else 1,
                           "_used_on": used_on, "used_on": _ms(used_on), "cusomter_id": customer,
                           "customer_email": email, "meta": {"timestamps": {"updated_at": _ms(updated)}},
                           "anonymized": anonymized})
        usages.sort(key=lambda u: (u["_used_on"], u["id"]))
        code["usages"] = usages
        used = sum(u["times_used"] for u in usages)
        code["max_uses"] = used + crng.choice([0, 0, 5, 10, 25, 50, 100]) if code["limited"] else None
    return codes


def _ep_page(q: Query, default: int, maximum: int) -> tuple[int, int]:
    limit = q.int("page[limit]", default, lo=1, hi=maximum)
    offset = q.int("page[offset]", 0, lo=0)
    return limit, offset


def ep_codes(app: "IndependentApp", request: Request, q: Query) -> Response:
    promotion_id = request.path_params["promotionID"]
    limit, offset = _ep_page(q, 20, 100)
    codes = ep_promotion(app.seed, promotion_id)
    out = []
    for code in codes[offset:offset + limit]:
        item: dict = {"code": code["name"], "consume_unit": code["consume_unit"]}
        if code["user"] is not None:
            item["user"] = code["user"]
        if code["max_uses"] is not None:
            remaining = code["max_uses"] - sum(u["times_used"] for u in code["usages"])
            if code["legacy"]:
                item["uses"] = remaining
            else:
                item["uses"] = code["max_uses"] if "ep-codes-uses-not-remaining" in app.bugs else remaining
                item["max_uses"] = code["max_uses"]
        item["created_by"] = code["created_by"]
        item["meta"] = {"timestamps": {"created_at": _ms(code["created_at"])}}
        out.append(item)
    total = len(codes)
    pages = max(1, math.ceil(total / limit))
    base = _base(request)

    def link(off: int) -> str:
        return f"{base}?page[offset]={off}&page[limit]={limit}"

    single = pages == 1
    links = {
        "current": link(offset),
        "first": link(0),
        "last": None if single and "ep-codes-last-link-single-page" not in app.bugs else link((pages - 1) * limit),
        "next": None if single or offset + limit >= total else link(offset + limit),
        "prev": None if offset == 0 else link(max(0, offset - limit)),
    }
    meta = {"page": {"current": offset // limit + 1, "limit": limit, "offset": offset, "total": pages},
            "results": {"total": total}}
    data = [{"data": {"codes": out}}] if out else []
    return JSONResponse({"data": data, "links": links, "meta": meta})


_EXPR = r"(eq|gt|ge|le|lt)\(([A-Za-z_]+),([^()]*)\)"
EP_FILTERABLE = {"code": ("eq",), "id": ("eq",), "used_on": ("gt", "ge", "le", "lt")}


def _ep_usage_filter(q: Query, raw: str, bugs: frozenset[str]):
    raw = raw.strip()
    match = re.fullmatch(_EXPR, raw)
    if match is None:
        if re.fullmatch(f"{_EXPR}(:{_EXPR})+", raw):
            raise q.error("filter", "filter takes a single expression; chained expressions are not supported")
        raise q.error("filter", "filter must be an expression such as eq(code,10OFF) or gt(used_on,2023-07-11)")
    op, attr, value = match.groups()
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if attr not in EP_FILTERABLE:
        raise q.error("filter", f"cannot filter on {attr}; filterable attributes: code, id, used_on")
    if op not in EP_FILTERABLE[attr]:
        raise q.error("filter", f"operator {op} is not supported on {attr}")
    if not value:
        raise q.error("filter", "filter value is empty")
    if attr in ("code", "id"):
        return lambda u, attr=attr: u[attr] == value
    when = parse_datetime(value, lambda m: q.error("filter", f"used_on value {m}"))
    if op == "ge" and "ep-usages-ge-as-gt" in bugs:
        op = "gt"
    return {"gt": lambda u: u["_used_on"] > when, "ge": lambda u: u["_used_on"] >= when,
            "lt": lambda u: u["_used_on"] < when, "le": lambda u: u["_used_on"] <= when}[op]


def ep_usages(app: "IndependentApp", request: Request, q: Query) -> Response:
    promotion_id, code_name = request.path_params["id"], request.path_params["code_name"]
    raw_filter = q.get("filter")
    sort = q.get("sort")
    if sort is not None and sort not in ("used_on", "-used_on"):
        raise q.error("sort", "sort supports used_on or -used_on")
    limit, offset = _ep_page(q, 100, 100)
    flt = _ep_usage_filter(q, raw_filter, app.bugs) if raw_filter is not None else None
    codes = ep_promotion(app.seed, promotion_id)
    position = next((i for i, c in enumerate(codes) if c["name"] == code_name), None)
    usages = []
    if position is not None:
        other = codes[(position + 1) % len(codes)]["name"]
        for i, usage in enumerate(codes[position]["usages"]):
            wrong = "ep-usages-wrong-code" in app.bugs and i % 7 == 6
            usages.append(dict(usage, code=other if wrong else code_name))
    if flt is not None:
        usages = [u for u in usages if flt(u)]
    if sort == "-used_on":
        usages.reverse()
    keys = ("id", "order_id", "code_id", "code", "times_used", "used_on", "cusomter_id", "customer_email",
            "meta", "anonymized")
    data = [{k: u[k] for k in keys} for u in usages[offset:offset + limit]]
    return JSONResponse({"data": data})


# --------------------------------------------------------------------------- ops

OPS_FIELDS = ("promotionalUsageHistoryId", "promotionalId", "organizationId", "companyId", "customerId",
              "checkoutId", "orderId", "ticketId", "validatedRuleId", "originalAmount", "discountAmount",
              "finalAmount", "discountValue", "appliedRuleSnapshot", "appliedAt", "reversedAt", "createdBy",
              "createdAt", "updatedBy", "updatedAt")
RULE_NAMES = ["Spring 15% off", "Loyalty 10%", "Flat 5 off", "Weekend 20%", "First order 10 off", "Bundle 25%"]


@lru_cache(maxsize=64)
def ops_items(seed: int, promotion_id: str) -> list[dict]:
    """Usage history (appliedAt ascending). Amounts are integers in minor units."""
    rng = _rng(seed, "ops", promotion_id)
    organization, company, system = _uuid(rng), _uuid(rng), _uuid(rng)
    operators = [_uuid(rng) for _ in range(rng.randint(2, 4))]
    customers = [_uuid(rng) for _ in range(rng.randint(15, 60))]
    rules = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["PERCENTAGE", "FIXED_AMOUNT"])
        value = rng.choice([5, 10, 15, 20, 25]) if kind == "PERCENTAGE" else rng.choice([500, 1000, 1500, 2500])
        rules.append({"ruleId": _uuid(rng), "name": rng.choice(RULE_NAMES), "type": kind, "value": value,
                      "conditions": {"minOrderAmount": rng.choice([0, 2000, 5000]), "currency": "USD"}})
    start = NOW - timedelta(days=rng.randint(60, 400))
    items = []
    for _ in range(rng.randint(25, 200)):
        rule = rng.choice(rules)
        applied = _between(rng, start, NOW - timedelta(hours=1), unit_ms=1000)
        original = rng.randint(max(1500, rule["conditions"]["minOrderAmount"]), 45_000)
        if rule["type"] == "PERCENTAGE":
            discount = original * rule["value"] // 100
        else:
            discount = min(rule["value"], original)
        created = applied + timedelta(seconds=rng.randint(0, 90))
        reversed_at = None
        if rng.random() < 0.12:
            reversed_at = _between(rng, applied + timedelta(minutes=5),
                                   min(NOW, applied + timedelta(days=30)), unit_ms=1000)
        updated = reversed_at if reversed_at else created + timedelta(seconds=rng.randint(0, 5))
        creator = system if rng.random() < 0.8 else rng.choice(operators)
        items.append({
            "promotionalUsageHistoryId": _uuid(rng), "promotionalId": promotion_id,
            "organizationId": organization, "companyId": company, "customerId": rng.choice(customers),
            "checkoutId": _uuid(rng), "orderId": _uuid(rng), "ticketId": _uuid(rng),
            "validatedRuleId": rule["ruleId"], "originalAmount": original, "discountAmount": discount,
            "finalAmount": original - discount, "discountValue": rule["value"],
            "appliedRuleSnapshot": {**rule, "conditions": dict(rule["conditions"])},
            "_applied": applied, "_created": created, "_updated": updated,
            "appliedAt": _sec(applied), "reversedAt": _sec(reversed_at) if reversed_at else None,
            "createdBy": creator, "createdAt": _sec(created),
            "updatedBy": rng.choice(operators) if reversed_at else creator, "updatedAt": _sec(updated),
        })
    items.sort(key=lambda it: (it["_applied"], it["promotionalUsageHistoryId"]))
    return items


def _project(obj: dict, paths: list[list[str]]) -> dict:
    out = {}
    for key, value in obj.items():
        subs = [p[1:] for p in paths if p[0] == key]
        if not subs:
            continue
        if any(not s for s in subs):
            out[key] = value
        elif isinstance(value, dict):
            inner = _project(value, subs)
            if inner:
                out[key] = inner
    return out


def ops_history(app: "IndependentApp", request: Request, q: Query) -> Response:
    promotion_id = request.path_params["promotionalId"]
    if not _UUID.fullmatch(promotion_id):
        raise ApiError(404, "promotionalId", "promotion not found: promotionalId must be a UUID", "not_found")
    limit = q.number("limit", 10, lo=1, hi=100)
    page = q.number("page", 1, lo=1)
    status = q.choice("status", ("APPLIED", "REVERSED"), None)
    sort_by = q.choice("sortBy", ("appliedAt", "createdAt"), "appliedAt")
    order = q.choice("sortOrder", ("asc", "desc"), "desc")
    fields = q.get("fields")
    paths = None if fields is None else [f.strip().split(".") for f in fields.split(",") if f.strip()]

    items = ops_items(app.seed, promotion_id.lower())
    if "ops-updated-before-created" in app.bugs:
        items = [dict(it, updatedAt=_sec(it["_created"] - timedelta(hours=1))) if i % 5 == 4 else it
                 for i, it in enumerate(items)]
    if status is not None:
        items = [it for it in items if (it["reversedAt"] is None) == (status == "APPLIED")]
    descending = order == "desc" or "ops-sort-asc-ignored" in app.bugs
    key = "_applied" if sort_by == "appliedAt" else "_created"
    items = sorted(items, key=lambda it: (it[key], it["promotionalUsageHistoryId"]), reverse=descending)
    total = len(items)
    window = items[(page - 1) * limit:page * limit]
    data = []
    for it in window:
        public = {k: it[k] for k in OPS_FIELDS}
        data.append(public if paths is None else _project(public, paths))
    pages = total // limit + 1 if "ops-total-pages-off" in app.bugs and total % limit == 0 else math.ceil(total / limit)
    return JSONResponse({"data": data, "meta": {"page": page, "limit": limit, "total": total, "totalPages": pages}})


# --------------------------------------------------------------------------- NuWeb

NUWEB_CURRENCIES = [  # id, name, code, symbol, soft-deleted
    (1, "Pounds", "GBP", "£", False), (2, "Euros", "EUR", "€", False),
    (3, "US Dollars", "USD", "$", False), (4, "Australian Dollars", "AUD", "A$", True),
]
NUWEB_ATTRIBUTES = {
    "discountCodes": ("type", "code", "amount", "applyToNetPrice", "maxUsesPerOrder", "maximumUses",
                      "maxUsesPerCustomer", "minimumSpend", "maximumDiscount", "validFrom", "validTo",
                      "boxOfficeOnly", "disabledAt", "createdAt", "updatedAt"),
    "currencies": ("name", "code", "symbol"),
}
NUWEB_TYPES = ("fixed", "percentage", "bxgy")
NUWEB_WORDS = {"fixed": ["FIXED", "SAVE", "TAKE", "OFF"], "percentage": ["PERCENT", "DEAL", "PROMO", "SALE"],
               "bxgy": ["BOGOF", "TWOFORONE", "BUNDLE", "FREEBIE"]}


def _us(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=8)
def nuweb_codes(seed: int) -> list[dict]:
    rng = _rng(seed, "nuweb")
    codes, seen = [], set()
    created_all = sorted(_between(rng, datetime(2021, 1, 1, tzinfo=UTC), NOW - timedelta(days=30), 1000)
                         for _ in range(rng.randint(150, 250)))
    valid_cap = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
    for i, created in enumerate(created_all, start=1):
        kind = rng.choices(NUWEB_TYPES, weights=[45, 40, 15])[0]
        amount = {"fixed": rng.choice([500, 1000, 1500, 2000, 2500, 5000]),
                  "percentage": rng.choice([5, 10, 15, 20, 25, 30, 50]), "bxgy": rng.choice([50, 100])}[kind]
        code = rng.choice(NUWEB_WORDS[kind]) + str(amount // 100 if kind == "fixed" else amount)
        while code in seen:
            code += rng.choice(CODE_ALPHABET)
        seen.add(code)
        trashed = rng.random() < 0.08
        currency = rng.choice([1, 2, 3, 4] if trashed else [1, 2, 3])
        cap_codes = [c[2] for c in NUWEB_CURRENCIES if c[0] == currency]
        cap_codes += [c[2] for c in NUWEB_CURRENCIES[:3] if c[0] != currency and rng.random() < 0.4]
        valid_from = created + timedelta(seconds=rng.randint(0, 14 * 86400))
        valid_to = min(valid_cap, valid_from + timedelta(days=rng.randint(7, 365)))
        disabled = _between(rng, created, NOW, 1000) if rng.random() < 0.1 else None
        updated = _between(rng, disabled or created, NOW, 1000)
        order_max = rng.randint(1, 5)
        attributes = {
            "type": kind, "code": code, "amount": amount, "applyToNetPrice": rng.random() < 0.3,
            "maxUsesPerOrder": order_max, "maximumUses": rng.choice([50, 100, 250, 500, 1000]),
            "maxUsesPerCustomer": rng.randint(1, order_max), "minimumSpend": rng.choice([0, 1000, 2000, 5000]),
            "maximumDiscount": {c: rng.choice([1000, 2500, 3000, 5000]) for c in cap_codes},
            "validFrom": _us(valid_from), "validTo": valid_to.strftime("%Y-%m-%d %H:%M:%S"),
            "boxOfficeOnly": rng.random() < 0.1, "disabledAt": _us(disabled) if disabled else None,
            "createdAt": _us(created), "updatedAt": _us(updated),
        }
        sale_items = sorted(rng.sample(range(1, 61), rng.randint(0, 3)))
        codes.append({"id": i, "attributes": attributes, "currency": currency,
                      "sale_items": sale_items, "trashed": trashed})
    return codes


def _nuweb_fieldset(q: Query, name: str) -> dict[str, set[str]]:
    chosen: dict[str, set[str]] = {}
    for value in q.all(name):
        if not value.strip():
            continue
        for item in value.split(","):
            item = item.strip()
            match = re.fullmatch(r"([A-Za-z]+)\.([A-Za-z]+)", item)
            if match is None:
                raise q.error(name, f"{name} entries must use dot notation resource.attribute, got {item!r}")
            resource, attribute = match.groups()
            if resource not in NUWEB_ATTRIBUTES:
                raise q.error(name, f"unknown resource: {resource}")
            if attribute not in NUWEB_ATTRIBUTES[resource]:
                raise q.error(name, f"unknown attribute: {item}")
            chosen.setdefault(resource, set()).add(attribute)
    return chosen


def nuweb_list(app: "IndependentApp", request: Request, q: Query) -> Response:
    bugs = app.bugs
    limit = q.int("limit", 100, lo=1, hi=None if "nuweb-limit-uncapped" in bugs else 100)
    offset, page = q.int("offset", None, lo=0), q.int("page", None, lo=1)
    only, excluded = _nuweb_fieldset(q, "only"), _nuweb_fieldset(q, "except")
    if set(only) & set(excluded):
        raise q.error("except", "only and except must not reference the same resource")
    with_trashed = q.get("withTrashed")  # blank means false, as documented
    if with_trashed not in (None, "", "true", "false"):
        raise q.error("withTrashed", "withTrashed must be true or false")
    trashed = with_trashed == "true"
    record_id = q.int("id", None)
    types: set[str] = set()
    for key, value in q.items:
        if key == "types" or re.fullmatch(r"types\[\d*\]", key):
            if not value.strip() or ("," in value and "nuweb-comma-types-ignored" in bugs):
                continue
            for item in value.split(","):
                if item.strip() not in NUWEB_TYPES:
                    raise q.error("types", f"types must be among: {', '.join(NUWEB_TYPES)}")
                types.add(item.strip())

    codes = [c for c in nuweb_codes(app.seed) if trashed or not c["trashed"]]
    if types:
        codes = [c for c in codes if c["attributes"]["type"] in types]
    if record_id is not None:
        codes = [c for c in codes if c["id"] == record_id]
    total = len(codes)
    by_offset = offset is not None
    if by_offset and not (page is not None and "nuweb-page-wins-over-offset" in bugs):
        start = offset
    else:
        current = page or 1
        start = (current - 1) * limit
        if current > 1 and "nuweb-page-overlap" in bugs:
            start -= 1
    window = codes[start:start + limit]

    def attrs(resource: str, values: dict) -> dict:
        return {k: v for k, v in values.items()
                if (resource not in only or k in only[resource])
                and (resource not in excluded or k not in excluded[resource])}

    base = _base(request)
    data, referenced = [], []
    for c in window:
        data.append({
            "type": "discountCodes", "id": c["id"], "attributes": attrs("discountCodes", c["attributes"]),
            "relationships": {"currencies": {"type": "currencies", "id": c["currency"]},
                              "saleItems": {"data": [{"type": "saleItems", "id": s} for s in c["sale_items"]]}},
            "links": {"self": f"{base}?id={c['id']}"},
        })
        if c["currency"] not in referenced:
            referenced.append(c["currency"])
    if "nuweb-included-incomplete" in bugs:
        referenced = referenced[:-1]
    currencies = {c[0]: c for c in NUWEB_CURRENCIES}
    included = [{"type": "currencies", "id": cid,
                 "attributes": attrs("currencies", dict(zip(("name", "code", "symbol"), currencies[cid][1:4])))}
                for cid in referenced if trashed or not currencies[cid][4]]

    kept = [(k, v) for k, v in q.items if k not in ("page", "offset")]

    def link(key: str, value: int | None) -> str | None:
        return None if value is None else f"{base}?{urlencode(kept + [(key, value)], safe=',[]')}"

    pages = max(1, math.ceil(total / limit))
    if by_offset:
        links = {"first": link("offset", 0), "last": link("offset", (pages - 1) * limit),
                 "prev": link("offset", max(0, start - limit)) if start > 0 else None,
                 "next": link("offset", start + limit) if start + limit < total else None,
                 "self": link("offset", start)}
    else:
        current = page or 1
        links = {"first": link("page", 1), "last": link("page", pages),
                 "prev": link("page", current - 1) if current > 1 else None,
                 "next": link("page", current + 1) if current < pages else None,
                 "self": link("page", current)}
    return JSONResponse({"data": data, "links": links, "meta": {"total": total}, "included": included})


# --------------------------------------------------------------------------- the app


class IndependentApp:
    def __init__(self, bugs, seed: int, token: str | None):
        unknown = set(bugs) - set(BUGS)
        if unknown:
            raise ValueError(f"unknown bug(s): {', '.join(sorted(unknown))}")
        self.bugs, self.seed, self.token = frozenset(bugs), seed, token

    def route(self, path: str, handler, schemes: tuple[str, ...], status: int, ep_codes_401: bool = False,
              blank_is_absent: bool = False, auth_optional_bug: str | None = None) -> Route:
        async def endpoint(request: Request) -> Response:
            try:
                missing = "authorization" not in request.headers
                if not (missing and auth_optional_bug in self.bugs):
                    check_auth(request, schemes, self.token)
                return handler(self, request, Query(request, status, blank_is_absent))
            except Unauthorized as exc:
                challenge = {"WWW-Authenticate": f'{schemes[0].capitalize()} realm="api"'}
                if ep_codes_401:
                    return JSONResponse({"errors": {"status": 401, "title": "Unauthorized"}}, 401, challenge)
                body = {"error": {"code": "unauthorized", "message": str(exc), "parameter": "Authorization"}}
                return JSONResponse(body, 401, challenge)
            except ApiError as exc:
                return exc.response()

        return Route(path, endpoint, methods=["GET"])


async def _http_error(request: Request, exc: HTTPException) -> Response:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = {"error": {"code": code, "message": str(exc.detail), "parameter": None}}
    return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _server_error(request: Request, exc: Exception) -> Response:
    body = {"error": {"code": "internal_error", "message": "internal server error", "parameter": None}}
    return JSONResponse(body, status_code=500)


def create_app(bugs: frozenset[str] | set[str] = frozenset(), seed: int = 1, token: str | None = None) -> Starlette:
    app = IndependentApp(bugs, seed, token)
    routes = [
        app.route("/api/v2/reports/discount_code_uses/data", teamup_report, ("token", "bearer"), 422),
        app.route("/v2/promotions/{promotionID}/codes", ep_codes, ("bearer",), 422, ep_codes_401=True),
        app.route("/v2/promotions/{id}/codes/{code_name}/usages", ep_usages, ("bearer",), 422),
        app.route("/api/v1/ops/promotions/{promotionalId}/usage-history", ops_history, ("bearer",), 422,
                  blank_is_absent=True, auth_optional_bug="ops-auth-not-enforced"),
        app.route("/v1/discount-codes", nuweb_list, ("bearer",), 400),
    ]
    starlette = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})
    starlette.state.bugs, starlette.state.seed = app.bugs, seed
    return starlette

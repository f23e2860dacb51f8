"""TeamUp — `GET /api/v2/reports/discount_code_uses/data`, through HTTP, as a TeamUp client sees it.

Every assertion is something the TeamUp "Discount Code Uses › Data" page documents, or one of the
readings listed in `specs/teamup.yaml` `info.description`.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import jsonschema_rs
import pytest

from .conftest import operation

URL = "/api/v2/reports/discount_code_uses/data"
OP = operation("getDiscountCodeUsesReportData")
REPORT_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(200), validate_formats=True)
VALIDATION_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(400))
DETAIL_SCHEMA = jsonschema_rs.validator_for(OP.response_schema(401))

# The documented columns: canonical key -> (display label, sortable, holds a customer id).
COLUMNS = {
    "customer.id": ("Customer ID", True, True),
    "customer": ("Customer", False, True),
    "customer.name": ("Customer Name", True, False),
    "customer.email": ("Customer Email", True, False),
    "discount_code.id": ("Discount Code ID", True, False),
    "discount_code": ("Discount Code", False, False),
    "discount_code.name": ("Discount Code Name", True, False),
    "discount_code.code": ("Discount Code Code", True, False),
    "group.id": ("Group ID", True, False),
    "group": ("Group", False, False),
    "group.name": ("Group Name", True, False),
    "use_type": ("Use Type", True, False),
    "used_for": ("Used For", False, False),
    "used_at": ("Used At", True, False),
}
ALIASES = {"customer_id": "customer.id", "customer_name": "customer.name", "customer_email": "customer.email",
           "discount_code_id": "discount_code.id", "discount_code_name": "discount_code.name",
           "discount_code_code": "discount_code.code", "group_id": "group.id", "group_name": "group.name"}
# Object columns and their attributes, in the documented order (CSV spreads them over one cell each).
OBJECT_COLUMNS = {"customer": ["id", "name", "email"], "discount_code": ["id", "name", "code"],
                  "group": ["id", "name"], "used_for": ["id", "label", "type"]}
SORTABLE = [k for k, (_, sortable, _) in COLUMNS.items() if sortable]


# ------------------------------------------------------------------------------------ helpers

def report(client, **params) -> dict:
    response = client.get(URL, params={"format": "json", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    errors = [e.message for e in REPORT_SCHEMA.iter_errors(body)]
    assert not errors, errors
    return body


def all_rows(client, **params) -> list[dict]:
    """Every row of the report, walking the pages with limit/offset."""
    rows: list[dict] = []
    offset = 0
    while True:
        body = report(client, limit=100, offset=offset, **params)
        rows += body["rows"]
        offset += 100
        if offset >= body["total"]:
            assert len(rows) == body["total"]
            return rows


def dig(row: dict, dotted: str):
    for part in dotted.split("."):
        row = row[part]
    return row


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def rejected(client, param: str, **params) -> list[str]:
    """A 400 in Django REST framework's shape, `{"<param>": ["<problem>", ...]}`; its messages."""
    response = client.get(URL, params={"format": "json", **params})
    assert response.status_code == 400, response.text
    body = response.json()
    assert not list(VALIDATION_SCHEMA.iter_errors(body)), body
    assert param in body, body
    assert all(isinstance(m, str) and m for m in body[param])
    return body[param]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def everything(client) -> list[dict]:
    """The whole report, in its default order (oldest use first)."""
    return all_rows(client)


@pytest.fixture(scope="module")
def now(app) -> datetime:
    """The mock's clock (the reference for `used_at_timeframe`)."""
    return datetime.fromtimestamp(app.state.world.now_ms / 1000, tz=timezone.utc)


# ------------------------------------------------------------------------------------- format

def test_csv_is_the_default_format(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = parse_csv(response.text)
    header, rows = table[0], table[1:]
    assert header[0] == "Customer ID"
    assert "Used At" in header and "Customer Email" in header
    assert len(rows) == 50  # the default limit
    assert all(len(r) == len(header) for r in rows)


def test_format_csv_explicitly_is_the_same_as_the_default(client):
    assert client.get(URL, params={"format": "csv", "limit": 7}).text == client.get(URL, params={"limit": 7}).text


@pytest.mark.parametrize("params", [
    {"limit": 1}, {"limit": 13, "offset": 40}, {"limit": 100}, {"page": 2, "page_size": 25},
    {"columns": "customer,used_at", "limit": 10},
    {"columns": "discount_code_code,group,use_type", "sort": "-used_at", "limit": 9},
], ids=str)
def test_csv_row_count_is_the_page_size(client, params):
    table = parse_csv(client.get(URL, params=params).text)
    expected = params.get("page_size") or params["limit"]
    assert len(table) - 1 == expected


def test_csv_last_page_holds_the_remainder(client, everything):
    total = len(everything)
    table = parse_csv(client.get(URL, params={"limit": 100, "offset": total - 7}).text)
    assert len(table) - 1 == 7
    table = parse_csv(client.get(URL, params={"limit": 100, "offset": total}).text)
    assert len(table) == 1  # the header row, even when there are no rows


@pytest.mark.parametrize("params", [
    {"limit": 30, "offset": 11},
    {"columns": ["customer", "discount_code", "group", "used_for", "used_at"], "limit": 20},
    {"columns": "customer_email,group_name,use_type", "sort": "customer_name,-used_at", "limit": 40},
], ids=str)
def test_csv_values_agree_with_the_json_form_of_the_same_page(client, params):
    body = report(client, **params)
    table = parse_csv(client.get(URL, params=params).text)
    header, cells = table[0], table[1:]
    # The JSON column headers, with object columns spread over one cell per attribute.
    flat: list[str] = []
    for column in body["column_headers"]:
        key = column["key"]
        if key in OBJECT_COLUMNS:
            flat += [f"{key}.{attr}" for attr in OBJECT_COLUMNS[key]]
        else:
            flat.append(key)
            assert header[len(flat) - 1] == column["label"]
    assert len(header) == len(flat)
    assert len(cells) == len(body["rows"])
    for row, line in zip(body["rows"], cells):
        assert line == [str(dig(row, key)) for key in flat]


def test_csv_spreads_object_columns_into_labelled_cells(client):
    header = parse_csv(client.get(URL, params={"columns": "customer", "limit": 1}).text)[0]
    # customer.id is required and so comes first; `customer` then spreads into id, name, email.
    assert header[:1] == ["Customer ID"]
    assert header[1:] == ["Customer ID", "Customer Name", "Customer Email"]


def test_json_body_shape(client):
    body = report(client, limit=5)
    assert set(body) == {"total", "column_headers", "rows"}
    assert isinstance(body["total"], int) and body["total"] >= 5
    assert len(body["rows"]) == 5
    for header in body["column_headers"]:
        assert {"label", "key", "sortable"} <= set(header)
    row = body["rows"][0]
    assert set(row["customer"]) == {"id", "name", "email"}
    assert set(row["discount_code"]) == {"id", "name", "code"}
    assert set(row["group"]) == {"id", "name"}
    assert set(row["used_for"]) == {"id", "label", "type"}
    assert row["use_type"] in {"class", "course", "membership", "store_order", "unknown"}
    ts(row["used_at"])


def test_used_for_type_is_the_use_type(everything):
    assert all(row["used_for"]["type"] == row["use_type"] for row in everything)


# ------------------------------------------------------------------------------------- paging

def test_limit_defaults_to_50(client):
    body = report(client)
    assert body["total"] > 50
    assert len(body["rows"]) == 50


@pytest.mark.parametrize("limit", [1, 17, 100])
def test_limit_sets_the_page_size(client, limit):
    assert len(report(client, limit=limit)["rows"]) == limit


def test_limit_above_100_is_a_400_in_drf_shape(client):
    messages = rejected(client, "limit", limit=101)
    assert any("100" in m for m in messages)


@pytest.mark.parametrize("value", ["0", "-1", "ten", "2.5"])
def test_invalid_limit_is_a_400(client, value):
    rejected(client, "limit", limit=value)


def test_total_counts_every_row_not_only_the_page(client, everything):
    assert report(client, limit=3)["total"] == len(everything)


def test_offset_skips_rows(client, everything):
    assert report(client, offset=0, limit=10)["rows"] == everything[:10]
    assert report(client, offset=37, limit=10)["rows"] == everything[37:47]
    assert report(client, offset=len(everything) - 3, limit=10)["rows"] == everything[-3:]
    assert report(client, offset=len(everything) + 5)["rows"] == []


def test_negative_offset_is_a_400(client):
    rejected(client, "offset", offset=-1)


def test_offset_pages_visit_every_row_once(client, everything):
    seen = []
    for offset in range(0, len(everything), 45):
        seen += report(client, limit=45, offset=offset)["rows"]
    assert seen == everything


def test_page_and_page_size(client, everything):
    assert report(client, page=1, page_size=30)["rows"] == everything[:30]
    assert report(client, page=2, page_size=30)["rows"] == everything[30:60]
    assert report(client, page_size=12)["rows"] == everything[:12]  # page 1 by default


def test_page_without_page_size_uses_the_limit(client, everything):
    assert report(client, page=3)["rows"] == everything[100:150]  # limit defaults to 50
    assert report(client, page=3, limit=20)["rows"] == everything[40:60]


def test_page_wins_over_offset(client, everything):
    assert report(client, page=2, page_size=30, offset=5)["rows"] == everything[30:60]
    assert report(client, page=1, offset=70, limit=10)["rows"] == everything[:10]


def test_page_size_zero_means_the_default(client, everything):
    assert report(client, page=2, page_size=0)["rows"] == everything[50:100]
    assert report(client, page=2, page_size=0, limit=20)["rows"] == everything[20:40]


@pytest.mark.parametrize("params", [{"page": 0}, {"page": -3}, {"page_size": 101}, {"page_size": -1}], ids=str)
def test_invalid_page_parameters_are_400s(client, params):
    rejected(client, next(iter(params)), **params)


# ------------------------------------------------------------------------------------ columns

def test_default_columns(client):
    keys = [h["key"] for h in report(client, limit=1)["column_headers"]]
    assert keys == ["customer.id", "customer.name", "customer.email", "discount_code.id", "discount_code.name",
                    "discount_code.code", "group.id", "group.name", "use_type", "used_for", "used_at"]


@pytest.mark.parametrize("alias, key", sorted(ALIASES.items()))
def test_both_column_name_forms_give_the_same_result(client, alias, key):
    by_alias = report(client, columns=[alias, "used_at"], limit=15)
    by_key = report(client, columns=[key, "used_at"], limit=15)
    assert by_alias == by_key
    assert [h["key"] for h in by_key["column_headers"]] == list(dict.fromkeys(["customer.id", key, "used_at"]))
    assert client.get(URL, params={"columns": [alias], "limit": 15}).text == \
        client.get(URL, params={"columns": [key], "limit": 15}).text


def test_mixed_column_name_forms(client):
    assert report(client, columns="customer_name,discount_code.code,group_id", limit=8) == \
        report(client, columns="customer.name,discount_code_code,group.id", limit=8)


@pytest.mark.parametrize("columns", [["used_at"], ["group"], ["discount_code_code", "use_type"], ["customer_email"]], ids=str)
def test_customer_id_column_is_always_present(client, columns):
    body = report(client, columns=columns, limit=10)
    headers = {h["key"]: h for h in body["column_headers"]}
    assert "customer.id" in headers
    assert headers["customer.id"].get("required") is True
    assert headers["customer.id"].get("holds_customer_id") is True
    assert all(isinstance(row["customer"]["id"], int) for row in body["rows"])
    assert parse_csv(client.get(URL, params={"columns": columns, "limit": 1}).text)[0][0] == "Customer ID"


def test_only_customer_id_is_required(client):
    body = report(client, columns=list(COLUMNS), limit=1)
    assert [h["key"] for h in body["column_headers"] if h.get("required")] == ["customer.id"]


def test_column_headers_follow_the_columns(client):
    requested = ["used_at", "customer", "group_name", "used_for", "use_type", "discount_code"]
    body = report(client, columns=requested, limit=5)
    headers = body["column_headers"]
    canonical = [ALIASES.get(c, c) for c in requested]
    assert [h["key"] for h in headers if h["key"] != "customer.id"] == canonical
    for header in headers:
        label, sortable, holds_customer = COLUMNS[header["key"]]
        assert header["label"] == label
        assert header["sortable"] is sortable
        assert bool(header.get("holds_customer_id")) is holds_customer


def test_every_column_header_label_and_flag(client):
    headers = report(client, columns=list(COLUMNS), limit=1)["column_headers"]
    assert {h["key"]: (h["label"], h["sortable"], bool(h.get("holds_customer_id"))) for h in headers} == COLUMNS


def test_rows_carry_only_the_requested_columns(client):
    body = report(client, columns="customer_name,group_id,use_type", limit=20)
    for row in body["rows"]:
        assert set(row) == {"customer", "group", "use_type"}
        assert set(row["customer"]) == {"id", "name"}
        assert set(row["group"]) == {"id"}


def test_object_column_carries_the_whole_object(client):
    for row in report(client, columns="used_for,discount_code", limit=20)["rows"]:
        assert set(row) == {"customer", "used_for", "discount_code"}
        assert set(row["used_for"]) == {"id", "label", "type"}
        assert set(row["discount_code"]) == {"id", "name", "code"}


def test_columns_accept_repeated_comma_and_bracket_forms(client):
    repeated = client.get(URL, params=[("format", "json"), ("columns", "customer_name"), ("columns", "used_at"), ("limit", "5")])
    comma = client.get(URL, params={"format": "json", "columns": "customer_name,used_at", "limit": 5})
    bracket = client.get(URL, params=[("format", "json"), ("columns[]", "customer_name"), ("columns[]", "used_at"), ("limit", "5")])
    assert repeated.json() == comma.json() == bracket.json()


@pytest.mark.parametrize("columns", ["nope", "customer.phone", "", "customer_id,,used_at"], ids=repr)
def test_unknown_columns_are_a_400(client, columns):
    rejected(client, "columns", columns=columns)


# --------------------------------------------------------------------------------------- sort

def test_default_order_is_oldest_use_first_and_said_in_the_headers(client, everything):
    times = [row["used_at"] for row in everything]
    assert times == sorted(times)
    headers = report(client, limit=1)["column_headers"]
    sorted_headers = {h["key"]: h["sorted"] for h in headers if "sorted" in h}
    assert sorted_headers == {"used_at": {"order": "asc", "priority": 0}}


def test_descending_sort_with_minus(client, everything):
    rows = all_rows(client, sort="-used_at")
    assert rows == list(reversed(everything))
    headers = report(client, sort="-used_at", limit=1)["column_headers"]
    assert {h["key"]: h["sorted"] for h in headers if "sorted" in h} == {"used_at": {"order": "desc", "priority": 0}}


def _sort_key(sort: list[str]):
    """A key that orders rows as `sort` asks (strings compare in reverse via negated code points)."""
    def one(row, spec):
        desc = spec.startswith("-")
        value = dig(row, ALIASES.get(spec.lstrip("-"), spec.lstrip("-")))
        if not desc:
            return (value,)
        if isinstance(value, (int, float)):
            return (-value,)
        return (tuple(-ord(ch) for ch in value) + (1,),)
    return lambda row: tuple(one(row, s) for s in sort)


@pytest.mark.parametrize("sort", [
    ["use_type", "-customer.id"],
    ["-group_name", "customer_email"],
    ["discount_code.code", "-used_at"],
    ["-use_type", "-discount_code_id", "used_at"],
    ["customer_id"],
], ids=",".join)
def test_multi_key_sort_holds_across_pages(client, everything, sort):
    rows = []
    for offset in range(0, len(everything), 40):  # pages of 40, so several boundaries are crossed
        rows += report(client, sort=",".join(sort), limit=40, offset=offset)["rows"]
    assert len(rows) == len(everything)
    key = _sort_key(sort)
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    canon = lambda rs: sorted(repr(sorted(r.items())) for r in rs)
    assert canon(rows) == canon(everything)  # the same rows, only reordered


@pytest.mark.parametrize("sort", [["use_type", "-customer.id"], ["-group_name", "customer_email", "used_at"]], ids=",".join)
def test_sorted_column_headers_mirror_the_sort(client, sort):
    columns = [s.lstrip("-") for s in sort]
    headers = report(client, sort=sort, columns=columns, limit=1)["column_headers"]
    expected = {ALIASES.get(s.lstrip("-"), s.lstrip("-")): {"order": "desc" if s.startswith("-") else "asc", "priority": i}
                for i, s in enumerate(sort)}
    assert {h["key"]: h["sorted"] for h in headers if "sorted" in h} == expected


def test_sort_accepts_both_column_name_forms(client):
    assert report(client, sort="customer_name,-discount_code_id", limit=60) == \
        report(client, sort="customer.name,-discount_code.id", limit=60)


def test_sort_accepts_repeated_and_comma_forms(client):
    repeated = client.get(URL, params=[("format", "json"), ("sort", "use_type"), ("sort", "-customer_id"), ("limit", "50")])
    comma = client.get(URL, params={"format": "json", "sort": "use_type,-customer_id", "limit": 50})
    assert repeated.json() == comma.json()


@pytest.mark.parametrize("sort", ["customer", "-customer", "discount_code", "group", "used_for", "-used_for", "nope", "id"])
def test_sorting_on_a_non_sortable_column_is_a_400(client, sort):
    rejected(client, "sort", sort=sort)


# ------------------------------------------------------------------------------------ filters

def _pick(everything, path, count):
    """`count` distinct values of a field that occur in the report, in order of first use."""
    return list(dict.fromkeys(dig(r, path) for r in everything))[:count]


@pytest.mark.parametrize("param, path", [("customers", "customer.id"), ("discount_codes", "discount_code.id"),
                                         ("groups", "group.id")])
def test_id_filters_narrow_to_the_given_ids(client, everything, param, path):
    chosen = _pick(everything, path, 2)
    rows = all_rows(client, **{param: ",".join(map(str, chosen))})
    assert rows and all(dig(r, path) in chosen for r in rows)
    assert rows == [r for r in everything if dig(r, path) in chosen]
    assert len(rows) < len(everything)


@pytest.mark.parametrize("param, path", [("customers", "customer.id"), ("discount_codes", "discount_code.id"),
                                         ("groups", "group.id"), ("use_types", "use_type")])
def test_array_filters_accept_comma_repeated_and_bracket_forms(client, everything, param, path):
    a, b = _pick(everything, path, 2)
    comma = report(client, **{param: f"{a},{b}"}, limit=100)
    repeated = report(client, **{param: [a, b]}, limit=100)
    bracket = client.get(URL, params=[("format", "json"), (f"{param}[]", str(a)), (f"{param}[]", str(b)), ("limit", "100")]).json()
    assert comma == repeated == bracket
    assert {dig(r, path) for r in comma["rows"]} <= {a, b}


def test_filter_on_an_unknown_id_is_empty(client):
    body = report(client, customers=999999)
    assert body["total"] == 0 and body["rows"] == []


@pytest.mark.parametrize("types", [["class"], ["course", "store_order"], ["membership", "class", "course", "store_order"]], ids=",".join)
def test_use_types_filter(client, everything, types):
    rows = all_rows(client, use_types=",".join(types))
    assert rows and all(r["use_type"] in types for r in rows)
    assert rows == [r for r in everything if r["use_type"] in types]


@pytest.mark.parametrize("bad", ["unknown", "CLASS", "gym"])
def test_use_types_outside_the_documented_values_are_a_400(client, bad):
    rejected(client, "use_types", use_types=bad)


@pytest.mark.parametrize("param, value", [("customers", "abc"), ("customers", "0"), ("discount_codes", "1.5"),
                                          ("groups", "-2"), ("customers", "1,,2")])
def test_id_filters_need_positive_integers(client, param, value):
    rejected(client, param, **{param: value})


def test_used_at_gte_and_lte_are_inclusive_bounds(client, everything):
    lo, hi = everything[40]["used_at"], everything[90]["used_at"]
    rows = all_rows(client, used_at_gte=lo, used_at_lte=hi)
    assert rows == everything[40:91]
    assert all(ts(lo) <= ts(r["used_at"]) <= ts(hi) for r in rows)


def test_used_at_gte_alone_and_lte_alone(client, everything):
    middle = everything[len(everything) // 2]["used_at"]
    after = all_rows(client, used_at_gte=middle)
    before = all_rows(client, used_at_lte=middle)
    assert after == [r for r in everything if ts(r["used_at"]) >= ts(middle)]
    assert before == [r for r in everything if ts(r["used_at"]) <= ts(middle)]
    assert len(after) + len(before) == len(everything) + 1  # the middle row is in both


def test_used_at_bounds_take_offsets(client, everything):
    # 2025-03-01T02:00:00+02:00 is midnight UTC.
    rows = all_rows(client, used_at_gte="2025-03-01T02:00:00+02:00")
    assert rows == [r for r in everything if ts(r["used_at"]) >= datetime(2025, 3, 1, tzinfo=timezone.utc)]


def test_used_at_bounds_far_in_the_past(client, everything):
    assert report(client, used_at_gte="0999-01-01T00:00:00Z", limit=1)["total"] == len(everything)
    assert report(client, used_at_lte="0999-01-01T00:00:00Z", limit=1)["total"] == 0


@pytest.mark.parametrize("value", ["yesterday-ish", "2025-13-01T00:00:00Z", "2025-01-01T25:00:00Z", "1700000000"])
def test_used_at_bounds_must_be_date_times(client, value):
    rejected(client, "used_at_gte", used_at_gte=value)


def _window(name: str, now: datetime) -> tuple[datetime, datetime]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = timedelta(days=1)
    month_start = today.replace(day=1)
    return {
        "today": (today, today + day),
        "yesterday": (today - day, today),
        "last_7_days": (now - 7 * day, now),
        "last_30_days": (now - 30 * day, now),
        "last_90_days": (now - 90 * day, now),
        "this_month": (month_start, (month_start + 32 * day).replace(day=1)),
        "last_month": ((month_start - day).replace(day=1), month_start),
        "this_year": (today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)),
        "last_year": (today.replace(year=today.year - 1, month=1, day=1), today.replace(month=1, day=1)),
    }[name]


@pytest.mark.parametrize("name", ["today", "yesterday", "last_7_days", "last_30_days", "last_90_days",
                                  "this_month", "last_month", "this_year", "last_year"])
def test_used_at_timeframe(client, everything, now, name):
    start, end = _window(name, now)
    rows = all_rows(client, used_at_timeframe=name)
    assert all(start <= ts(r["used_at"]) < end for r in rows)
    assert rows == [r for r in everything if start <= ts(r["used_at"]) < end]


def test_used_at_timeframe_narrows(client, everything):
    assert 0 < report(client, used_at_timeframe="last_90_days")["total"] < len(everything)


def test_unknown_timeframe_is_a_400(client):
    rejected(client, "used_at_timeframe", used_at_timeframe="last_fortnight")


def test_id_gt_keeps_the_later_uses(client, everything):
    # Use ids are not printed, but they grow with used_at: `id_gt` keeps a tail of the report.
    assert all_rows(client, id_gt=0) == everything
    previous = len(everything)
    for id_gt in (60, 300, 600, 900):
        rows = all_rows(client, id_gt=id_gt)
        assert len(rows) <= previous
        assert rows == everything[len(everything) - len(rows):]
        previous = len(rows)
    assert 0 < len(all_rows(client, id_gt=300)) < len(everything)
    assert report(client, id_gt=10**9)["total"] == 0


@pytest.mark.parametrize("value", ["-1", "x", "1.0"])
def test_id_gt_must_be_a_non_negative_integer(client, value):
    rejected(client, "id_gt", id_gt=value)


def test_filters_combine(client, everything):
    customer_ids = _pick(everything, "customer.id", 10)
    since = everything[len(everything) // 3]["used_at"]
    rows = all_rows(client, customers=customer_ids, use_types="class,membership", used_at_gte=since)
    expected = [r for r in everything
                if r["customer"]["id"] in customer_ids and r["use_type"] in ("class", "membership")
                and ts(r["used_at"]) >= ts(since)]
    assert rows == expected


def test_total_counts_the_filtered_rows(client, everything):
    body = report(client, use_types="class", limit=1)
    assert body["total"] == sum(1 for r in everything if r["use_type"] == "class")


# ------------------------------------------------------------------------------------ records

def test_a_customer_id_always_carries_the_same_name_and_email(everything):
    seen: dict[int, tuple[str, str]] = {}
    for row in everything:
        c = row["customer"]
        assert seen.setdefault(c["id"], (c["name"], c["email"])) == (c["name"], c["email"])
    assert len(seen) > 10


def test_a_discount_code_id_always_carries_the_same_name_code_and_group(everything):
    seen: dict[int, tuple] = {}
    for row in everything:
        d = row["discount_code"]
        value = (d["name"], d["code"], row["group"]["id"], row["group"]["name"])
        assert seen.setdefault(d["id"], value) == value


def test_the_same_request_gives_the_same_report(client):
    assert client.get(URL, params={"limit": 100}).text == client.get(URL, params={"limit": 100}).text


# --------------------------------------------------------------------------------------- auth

def _detail(response) -> str:
    assert response.status_code == 401
    body = response.json()
    assert not list(DETAIL_SCHEMA.iter_errors(body)), body
    assert set(body) == {"detail"} and body["detail"]
    return body["detail"]


def test_missing_authorization_is_a_401_with_detail(anonymous):
    _detail(anonymous.get(URL, params={"format": "json"}))
    _detail(anonymous.get(URL))  # even when the body would have been CSV


@pytest.mark.parametrize("header", ["Token abc123", "token abc123", "Bearer abc123"])
def test_token_and_bearer_prefixes_are_accepted(anonymous, header):
    response = anonymous.get(URL, params={"format": "json", "limit": 1}, headers={"Authorization": header})
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 1


@pytest.mark.parametrize("header", ["Basic x", "Basic dXNlcjpwYXNz", "Token", "Token ", "abc123", "JWT"])
def test_other_authorization_headers_are_401s_with_detail(anonymous, header):
    _detail(anonymous.get(URL, params={"format": "json"}, headers={"Authorization": header}))

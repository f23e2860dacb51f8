"""The requests we measure: typical queries per endpoint, each a 25-item page.

Path parameters are chosen (for the default seed 0) so that collections are large enough for a
"middle page" to exist. Every case must answer 200; `run.py` checks that before measuring.
"""

from __future__ import annotations

from dataclasses import dataclass

OPS_ID = "0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a"
TEAMUP = "/api/v2/reports/discount_code_uses/data"
EP_CODES = "/v2/promotions/promo-3/codes"  # 79 codes with seed 0
EP_USAGES = "/v2/promotions/promo-15/codes/SUMMER25/usages"  # 238 usages with seed 0
OPS = f"/api/v1/ops/promotions/{OPS_ID}/usage-history"
NUWEB = "/v1/discount-codes"

AUTH_HEADER = ("Authorization", "Bearer bench")


@dataclass(frozen=True)
class Case:
    endpoint: str  # short endpoint name
    kind: str  # first | middle | filter | sort | csv | fields
    path: str  # path and query string

    @property
    def name(self) -> str:
        return f"{self.endpoint}/{self.kind}"


CASES: list[Case] = [
    Case("teamup", "first", f"{TEAMUP}?format=json&limit=25"),
    Case("teamup", "middle", f"{TEAMUP}?format=json&limit=25&offset=150"),
    Case("teamup", "filter", f"{TEAMUP}?format=json&limit=25&customers=1,2"),
    Case("teamup", "range", f"{TEAMUP}?format=json&limit=25&used_at_gte=2025-06-01T00:00:00Z"),
    Case("teamup", "sort", f"{TEAMUP}?format=json&limit=25&sort=-used_at"),
    Case("teamup", "csv", f"{TEAMUP}?format=csv&limit=25"),
    Case("ep-codes", "first", f"{EP_CODES}?page[limit]=25&page[offset]=0"),
    Case("ep-codes", "middle", f"{EP_CODES}?page[limit]=25&page[offset]=25"),
    Case("ep-usages", "first", f"{EP_USAGES}?page[limit]=25"),
    Case("ep-usages", "middle", f"{EP_USAGES}?page[limit]=25&page[offset]=100"),
    Case("ep-usages", "filter", f"{EP_USAGES}?page[limit]=25&filter=gt(used_on,2025-06-01)"),
    Case("ep-usages", "sort", f"{EP_USAGES}?page[limit]=25&sort=-used_on"),
    Case("ops", "first", f"{OPS}?limit=25"),
    Case("ops", "middle", f"{OPS}?limit=25&page=5"),
    Case("ops", "filter", f"{OPS}?limit=25&status=REVERSED"),
    Case("ops", "sort", f"{OPS}?limit=25&sortBy=createdAt&sortOrder=asc"),
    Case("ops", "fields", f"{OPS}?limit=25&page=2&status=REVERSED&sortBy=createdAt&sortOrder=asc&fields=appliedAt"),
    Case("nuweb", "first", f"{NUWEB}?limit=25"),
    Case("nuweb", "middle", f"{NUWEB}?limit=25&page=4"),
    Case("nuweb", "filter", f"{NUWEB}?limit=25&types=fixed"),
    Case("nuweb", "fields", f"{NUWEB}?limit=25&page=2&types=fixed&only=discountCodes.code"),
]

# The scaling run: the same page (offset 50, 25 items) with and without a filter or a non-default
# sort. `cost` is how mockserver/pipeline.py answers it, as of this writing: by index arithmetic
# (index), binary search on the ordered field (bisect), arithmetic over cycle fields
# (cycle, mockserver/periodic.py), or by materializing and scanning the whole collection.
SCALING: list[tuple[Case, str]] = [
    (Case("teamup", "page", f"{TEAMUP}?format=json&limit=25&offset=50"), "index"),
    (Case("teamup", "range-filter", f"{TEAMUP}?format=json&limit=25&offset=50&used_at_gte=2025-06-01T00:00:00Z"), "bisect"),
    (Case("teamup", "filter", f"{TEAMUP}?format=json&limit=25&offset=50&customers=1,2"), "materialize"),
    (Case("teamup", "sort", f"{TEAMUP}?format=json&limit=25&offset=50&sort=customer.name"), "materialize"),
    (Case("ep-usages", "page", f"{EP_USAGES}?page[limit]=25&page[offset]=50"), "index"),
    (Case("ep-usages", "desc-sort", f"{EP_USAGES}?page[limit]=25&page[offset]=50&sort=-used_on"), "index"),
    (Case("ops", "page", f"{OPS}?limit=25&page=3"), "index"),
    (Case("ops", "filter", f"{OPS}?limit=25&page=3&status=REVERSED"), "cycle"),
    (Case("nuweb", "page", f"{NUWEB}?limit=25&offset=50"), "cycle"),  # withTrashed defaults to false: a filter
    (Case("nuweb", "filter", f"{NUWEB}?limit=25&offset=50&types=fixed"), "cycle"),
]

# The soak mix: every case above, all endpoints, in rotation.
SOAK_PATHS: list[str] = [c.path for c in CASES]

# Issue 10: every documented query shape on a 1,000,000-item collection (bench/speed.py). `cost`
# as above; `index` also covers a sort or filter that needs every item: above
# mockserver/sortindex.py's INLINE_MAX it is answered by a 503 while its index is built, then from it.
MILLION: list[tuple[Case, str]] = [
    (Case("teamup", "page", f"{TEAMUP}?format=json&limit=25&offset=50"), "arithmetic"),
    (Case("teamup", "csv", f"{TEAMUP}?format=csv&limit=25&offset=500000"), "arithmetic"),
    (Case("teamup", "desc-sort", f"{TEAMUP}?format=json&limit=25&sort=-used_at"), "arithmetic"),
    (Case("teamup", "range-filter", f"{TEAMUP}?format=json&limit=25&offset=50&used_at_gte=2025-06-01T00:00:00Z"), "bisect"),
    (Case("teamup", "filter", f"{TEAMUP}?format=json&limit=25&offset=50&customers=1,2"), "sortindex"),
    (Case("teamup", "sort", f"{TEAMUP}?format=json&limit=25&offset=50&sort=customer.name"), "sortindex"),
    (Case("ep-codes", "page", f"{EP_CODES}?page[limit]=25&page[offset]=9975"), "arithmetic"),  # the documented maximum offset is 10,000
    (Case("ep-usages", "page", f"{EP_USAGES}?page[limit]=25&page[offset]=50"), "arithmetic"),
    (Case("ep-usages", "desc-sort", f"{EP_USAGES}?page[limit]=25&page[offset]=50&sort=-used_on"), "arithmetic"),
    (Case("ep-usages", "filter", f"{EP_USAGES}?page[limit]=25&filter=gt(used_on,2025-06-01)"), "bisect"),
    (Case("ops", "page", f"{OPS}?limit=25&page=3"), "arithmetic"),
    (Case("ops", "filter", f"{OPS}?limit=25&page=3&status=REVERSED"), "cycle"),
    (Case("ops", "sort", f"{OPS}?limit=25&sortBy=createdAt&sortOrder=asc"), "sortindex"),
    (Case("ops", "fields", f"{OPS}?limit=25&page=2&status=REVERSED&sortBy=createdAt&sortOrder=asc&fields=appliedAt"), "sortindex"),
    (Case("nuweb", "page", f"{NUWEB}?limit=25&offset=50"), "cycle"),
    (Case("nuweb", "filter", f"{NUWEB}?limit=25&offset=50&types=fixed"), "cycle"),
    (Case("nuweb", "fields", f"{NUWEB}?limit=25&page=2&types=fixed&only=discountCodes.code"), "cycle"),
]

"""How long Hypothesis takes over generated worlds (issue 12): a correct client's full walk, per bundled spec.

    python -m bench.worlds [--examples 200]

Each example draws a world (`mockserver.testing.worlds`), pins it on the in-process app, walks every
page of the spec's top-level collection with a correct client and compares the result with
`world.expected`. The time includes building the app (once per process) and Hypothesis itself.
"""

from __future__ import annotations

import argparse
import time

from hypothesis import given, settings

from mockserver.testing import UUID_PARAM, worlds

OPS = f"/api/v1/ops/promotions/{UUID_PARAM}/usage-history"


def elasticpath(api) -> list:
    codes, url = [], "/v2/promotions/P/codes"
    while url:
        body = api.get(url).json()
        codes += [c["data"]["codes"][0]["code"] for c in body["data"]]
        url = body["links"]["next"]
    return codes


def ops(api) -> list:
    ids, page = [], 1
    while True:
        body = api.get(OPS, params={"page": page}).json()
        ids += [u["promotionalUsageHistoryId"] for u in body["data"]]
        if page >= body["meta"]["totalPages"]:
            return ids
        page += 1


def nuweb(api) -> list:
    ids, url = [], "/v1/discount-codes"
    while url:
        body = api.get(url).json()
        ids += [c["id"] for c in body["data"]]
        url = body["links"]["next"]
    return ids


def teamup(api) -> list:
    rows, offset = [], 0
    while True:
        body = api.get("/api/v2/reports/discount_code_uses/data", params={"format": "json", "offset": offset}).json()
        rows += [r["used_at"] for r in body["rows"]]
        offset += len(body["rows"])
        if not body["rows"] or offset >= body["total"]:
            return rows


CASES = {
    "elasticpath-promotions": (elasticpath, "getPromotionCodes", {"promotionID": "P"}),
    "ops-promotions": (ops, "listPromotionUsageHistory", {"promotionalId": UUID_PARAM}),
    "nuweb": (nuweb, "listDiscountCodes", {}),
    "teamup": (teamup, "getDiscountCodeUsesReportData", {}),
}


def measure(spec: str, examples: int) -> tuple[int, float]:
    client, operation, params = CASES[spec]
    count = [0]

    @settings(max_examples=examples, database=None, deadline=None)
    @given(world=worlds(spec))
    def walk(world):
        count[0] += 1
        with world.client() as api:
            assert client(api) == world.expected(operation, **params)

    started = time.perf_counter()
    walk()
    return count[0], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    for spec in CASES:
        count, seconds = measure(spec, args.examples)
        print(f"{spec:24} {count} examples in {seconds:5.1f} s ({1000 * seconds / max(count, 1):.0f} ms each)", flush=True)


if __name__ == "__main__":
    main()

"""The request pipeline answers byte for byte as it did before it was made faster.

A corpus of requests (every bench case, error cases, CSV, fieldsets, filters, sorts, cursor pages,
`Link` headers, `Prefer`, HEAD/OPTIONS/CORS preflight, gzip, `If-None-Match`) is sent through
`TestClient(create_app(seed=0))`, each request twice (the second time the response caches and the
fast path answer). Status, every header and the body are compared with digests recorded from the
code before the speed work (the ETag as the tag its body had then: its hash changed on purpose); so is the journal (`GET /__mock/requests`, minus the clock).

When generated data changes on purpose (fake.py, draws.py), re-record with
`python -m tests.test_pipeline_equivalence` and paste the printed dict over `EXPECTED`.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from starlette.testclient import TestClient

from bench.cases import CASES
from mockserver import create_app
from mockserver.conditional import etag_of

EP_USAGES = "/v2/promotions/promo-15/codes/SUMMER25/usages"
EP_CODES = "/v2/promotions/promo-3/codes"
TEAMUP = "/api/v2/reports/discount_code_uses/data"
OPS = "/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history"
NUWEB = "/v1/discount-codes"
CT = "/my-project/discount-codes"
STRIPE = "/v1/promotion_codes"
SHOPIFY = "/admin/api/2024-01/price_rules/5/discount_codes.json"
SHOPIFY_SPEC = "tests/specs/shopify-discount-codes.yaml"

BEARER = {"Authorization": "Bearer equivalence"}
TOKEN_HEADER = {"X-Shopify-Access-Token": "shpat_equivalence"}

# (label, method, path and query, headers). `{...}` in a path is filled from an earlier answer.
CORPUS: list[tuple[str, str, str, dict]] = [
    *[(f"bench:{c.name}", "GET", c.path, BEARER) for c in CASES],
    # errors
    ("bad-limit", "GET", f"{EP_USAGES}?page[limit]=abc", BEARER),
    ("limit-too-big", "GET", f"{NUWEB}?limit=100000", BEARER),
    ("limit-twice", "GET", f"{OPS}?limit=5&limit=6", BEARER),
    ("unknown-param", "GET", f"{EP_CODES}?page[limit]=5&colour=red", BEARER),
    ("unknown-param-teamup", "GET", f"{TEAMUP}?limit=5&bogus=1&other[]=2", BEARER),
    ("missing-auth", "GET", f"{EP_USAGES}?page[limit]=5", {}),
    ("wrong-scheme", "GET", f"{OPS}?limit=5", {"Authorization": "Digest abc"}),
    ("teamup-token-scheme", "GET", f"{TEAMUP}?limit=3", {"Authorization": "Token abc"}),
    ("wrong-accept", "GET", f"{NUWEB}?limit=5", {**BEARER, "Accept": "text/html"}),
    ("accept-json-q", "GET", f"{NUWEB}?limit=5", {**BEARER, "Accept": "application/json;q=0.5, text/plain"}),
    ("teamup-accept-csv", "GET", f"{TEAMUP}?limit=5", {**BEARER, "Accept": "text/csv"}),
    ("teamup-format-csv-accept-json", "GET", f"{TEAMUP}?format=csv&limit=5", {**BEARER, "Accept": "application/json"}),
    ("bad-sort", "GET", f"{EP_USAGES}?sort=nope", BEARER),
    ("bad-filter", "GET", f"{EP_USAGES}?filter=gt(nope,1)", BEARER),
    ("bad-filter-syntax", "GET", f"{EP_USAGES}?filter=gt(used_on", BEARER),
    ("bad-enum", "GET", f"{OPS}?status=NOPE", BEARER),
    ("bad-path-param", "GET", "/api/v1/ops/promotions/not-a-uuid/usage-history", BEARER),
    ("not-found", "GET", "/v2/nothing/here", BEARER),
    ("not-found-ep-prefix", "GET", "/v2/promotions/promo-3/nothing", BEARER),
    ("trailing-slash-404", "GET", f"{EP_CODES}/", BEARER),
    ("trailing-slash-same", "GET", f"{NUWEB}/?limit=3", BEARER),
    ("method-not-allowed", "POST", f"{NUWEB}?limit=3", BEARER),
    ("delete-not-allowed", "DELETE", EP_USAGES, BEARER),
    ("long-query", "GET", f"{NUWEB}?limit=3&types=" + "x" * 17000, BEARER),
    ("encoded-path", "GET", "/v2/promotions/promo%2015/codes", BEARER),
    ("encoded-query", "GET", f"{EP_USAGES}?page%5Blimit%5D=3&filter=eq(code,SUM%20MER)", BEARER),
    ("blank-values", "GET", f"{OPS}?limit=&page=", BEARER),
    ("plus-in-query", "GET", f"{STRIPE}?code=A+B&limit=2", BEARER),
    # paging, filters, sorts, fieldsets, CSV
    ("ep-codes-last", "GET", f"{EP_CODES}?page[limit]=25&page[offset]=75", BEARER),
    ("ep-codes-beyond", "GET", f"{EP_CODES}?page[limit]=25&page[offset]=1000", BEARER),
    ("ep-usages-filter-eq", "GET", f"{EP_USAGES}?filter=eq(code,SUMMER25)&page[limit]=3", BEARER),
    ("ep-usages-sort-asc", "GET", f"{EP_USAGES}?sort=used_on&page[limit]=4&page[offset]=10", BEARER),
    ("teamup-csv-columns", "GET", f"{TEAMUP}?format=csv&limit=7&columns=used_at,customer", BEARER),
    ("teamup-page", "GET", f"{TEAMUP}?page=3&page_size=10", BEARER),
    ("teamup-timeframe", "GET", f"{TEAMUP}?limit=5&used_at_timeframe=last_30_days", BEARER),
    ("teamup-arrays", "GET", f"{TEAMUP}?limit=5&customers[]=1&customers[]=2&use_types=1", BEARER),
    ("teamup-sort-multi", "GET", f"{TEAMUP}?limit=5&sort=customer.name,-used_at", BEARER),
    ("ops-fields", "GET", f"{OPS}?limit=5&fields=appliedAt,status", BEARER),
    ("ops-sort-desc", "GET", f"{OPS}?limit=5&sortBy=createdAt&sortOrder=desc&page=2", BEARER),
    ("nuweb-only-except", "GET", f"{NUWEB}?limit=4&except=discountCodes.code", BEARER),
    ("nuweb-trashed", "GET", f"{NUWEB}?limit=4&withTrashed=true&page=2", BEARER),
    ("nuweb-offset-and-page", "GET", f"{NUWEB}?limit=4&offset=8&page=3", BEARER),
    ("ct-first", "GET", f"{CT}?limit=5", BEARER),
    ("ct-sort", "GET", f"{CT}?limit=5&offset=5&sort=createdAt desc", BEARER),
    ("ct-without-total", "GET", f"{CT}?limit=5&withTotal=false", BEARER),
    ("stripe-first", "GET", f"{STRIPE}?limit=3", BEARER),
    ("stripe-after", "GET", STRIPE + "?limit=3&starting_after={stripe_last}", BEARER),
    ("stripe-before", "GET", STRIPE + "?limit=2&ending_before={stripe_after_first}", BEARER),
    ("stripe-both-cursors", "GET", STRIPE + "?starting_after={stripe_last}&ending_before={stripe_last}", BEARER),
    ("stripe-filters", "GET", f"{STRIPE}?limit=3&active=true&created[gte]=1700000000", BEARER),
    ("stripe-basic-auth", "GET", f"{STRIPE}?limit=1", {"Authorization": "Basic c2tfdGVzdF94eXo6"}),
    ("stripe-basic-bad", "GET", f"{STRIPE}?limit=1", {"Authorization": "Basic !!!"}),
    # Prefer
    ("prefer-code-404", "GET", f"{EP_USAGES}?page[limit]=2", {**BEARER, "Prefer": "code=404"}),
    ("prefer-code-undocumented", "GET", f"{EP_USAGES}?page[limit]=2", {**BEARER, "Prefer": "code=418"}),
    ("prefer-code-429", "GET", f"{NUWEB}?limit=2", {**BEARER, "Prefer": "code=429"}),
    ("prefer-scenario", "GET", f"{OPS}?limit=3", {**BEARER, "Prefer": "scenario=empty"}),
    ("prefer-bad", "GET", f"{OPS}?limit=3", {**BEARER, "Prefer": "code=abc"}),
    ("prefer-example-missing", "GET", f"{OPS}?limit=3", {**BEARER, "Prefer": "example=nope"}),
    # HEAD, OPTIONS, CORS
    ("head", "HEAD", f"{EP_USAGES}?page[limit]=3", BEARER),
    ("options", "OPTIONS", f"{EP_USAGES}", BEARER),
    ("preflight", "OPTIONS", f"{EP_USAGES}", {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
                                              "Access-Control-Request-Headers": "authorization"}),
    ("cors-simple", "GET", f"{EP_USAGES}?page[limit]=3", {**BEARER, "Origin": "http://localhost:3000"}),
    ("cors-foreign", "GET", f"{EP_USAGES}?page[limit]=3", {**BEARER, "Origin": "https://evil.example"}),
    # gzip, conditional requests
    ("gzip", "GET", f"{EP_USAGES}?page[limit]=25", {**BEARER, "Accept-Encoding": "gzip"}),
    ("gzip-q0", "GET", f"{EP_USAGES}?page[limit]=25", {**BEARER, "Accept-Encoding": "gzip;q=0"}),
    ("gzip-small", "GET", f"{EP_USAGES}?page[limit]=1", {**BEARER, "Accept-Encoding": "gzip"}),
    ("if-none-match", "GET", f"{EP_USAGES}?page[limit]=25", {**BEARER, "If-None-Match": "{etag}"}),
    ("if-none-match-gzip", "GET", f"{EP_USAGES}?page[limit]=25",
     {**BEARER, "Accept-Encoding": "gzip", "If-None-Match": "{etag}"}),
    ("if-none-match-star", "GET", f"{OPS}?limit=2", {**BEARER, "If-None-Match": "*"}),
    ("if-none-match-other", "GET", f"{OPS}?limit=2", {**BEARER, "If-None-Match": '"abc", W/"def"'}),
    ("other-host", "GET", f"{EP_USAGES}?page[limit]=3", {**BEARER, "Host": "api.example.test:8443"}),
    ("health", "GET", "/__mock/health", {}),
]

SHOPIFY_CORPUS: list[tuple[str, str, str, dict]] = [
    ("shopify-first", "GET", f"{SHOPIFY}?limit=5", TOKEN_HEADER),
    ("shopify-next", "GET", "{shopify_next}", TOKEN_HEADER),
    ("shopify-previous", "GET", "{shopify_previous}", TOKEN_HEADER),
    ("shopify-bad-token", "GET", f"{SHOPIFY}?page_info=garbage", TOKEN_HEADER),
    ("shopify-no-token", "GET", f"{SHOPIFY}?limit=5", {}),
    ("shopify-bad-path", "GET", "/admin/api/2024-01/price_rules/0/discount_codes.json", TOKEN_HEADER),
]


def _link(header: str, rel: str) -> str:
    match = re.search(r'<([^>]*)>; rel="' + rel + '"', header or "")
    assert match, (header, rel)
    return match.group(1).removeprefix("http://testserver")


def _digest(response, former_tags: dict[str, str]) -> str:
    """Status, every header as sent (order and case), and the body. The ETag's hash changed on
    purpose (SHA-1 to XXH3, conditional.py): its value enters as the tag SHA-1 gave the same body."""
    headers = []
    for k, v in response.headers.raw:
        name, value = k.decode("latin-1"), v.decode("latin-1")
        if name.lower() == "etag":
            bare = value.strip('"')
            base = bare.removesuffix("-gzip")
            value = '"' + former_tags[base] + bare[len(base):] + '"'
        headers.append((name, value))
    text = json.dumps([response.status_code, headers, hashlib.sha256(response.content).hexdigest()])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _former_tags(responses: list) -> dict[str, str]:
    """Each tag sent (without `-gzip`) -> SHA-1's tag of its body, from every answer with a body
    (a HEAD or a 304 names the tag of a body some GET here was sent). The tag must be the body's
    XXH3: a validator of the bytes, as before."""
    tags: dict[str, str] = {}
    for response in responses:
        tag = response.headers.get("etag")
        if tag and response.content:
            bare = tag.strip('"').removesuffix("-gzip")
            assert bare == etag_of(response.content).strip('"'), response.url
            tags[bare] = hashlib.sha1(response.content).hexdigest()[:24]
    return tags


def _send(client: TestClient, corpus: list, found: dict) -> dict[str, str]:
    sent: list[tuple[str, object]] = []
    for round_ in (1, 2):
        for label, method, path, headers in corpus:
            path = path.format(**found) if "{" in path else path
            headers = {k: v.format(**found) for k, v in headers.items()}
            response = client.request(method, path, headers=headers)
            sent.append((f"{label}#{round_}", response))
            if label == "stripe-first":
                found["stripe_last"] = response.json()["data"][-1]["id"]
            elif label == "stripe-after":
                found["stripe_after_first"] = response.json()["data"][0]["id"]
            elif label == "shopify-first":
                found["shopify_next"] = _link(response.headers["link"], "next")
            elif label == "shopify-next":
                found["shopify_previous"] = _link(response.headers["link"], "previous")
            elif label == "bench:ep-usages/first":
                found["etag"] = response.headers["etag"]
    former_tags = _former_tags([response for _, response in sent])
    return {label: _digest(response, former_tags) for label, response in sent}


def _journal(client: TestClient) -> str:
    entries = client.get("/__mock/requests").json()
    for entry in entries["requests"]:
        entry.pop("at")
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()[:20]


def observed() -> dict[str, str]:
    found: dict[str, str] = {}
    with TestClient(create_app(seed=0)) as client:
        digests = _send(client, CORPUS, found)
        digests["journal"] = _journal(client)
    with TestClient(create_app(seed=0, specs=[SHOPIFY_SPEC])) as client:
        shopify = _send(client, SHOPIFY_CORPUS, found)
        shopify["journal"] = _journal(client)
    return {**digests, **{f"shopify:{k}": v for k, v in shopify.items()}}


# Recorded from commit 8833d81 (before the pipeline speed work) with the class-label pool fix of 70fca92
# (TeamUp labels no longer follow the wall clock) by `python -m tests.test_pipeline_equivalence`.
EXPECTED: dict[str, str] = {
    'bench:teamup/first#1': '0ca1f94cf60406108af4',
    'bench:teamup/middle#1': '02561ab5b6a28b0dd9b4',
    'bench:teamup/filter#1': '5c17dba8d451b87844a4',
    'bench:teamup/range#1': '7af430c05c50f5493d15',
    'bench:teamup/sort#1': 'b16ab0abda182f3429a0',
    'bench:teamup/csv#1': '179dba31654f6e6b8988',
    'bench:ep-codes/first#1': 'b58adaddc2b098cfaa96',
    'bench:ep-codes/middle#1': 'cb4358c843be777cdaab',
    'bench:ep-usages/first#1': '069fba654ea6237da7fa',
    'bench:ep-usages/middle#1': 'e918bab38d0a75025814',
    'bench:ep-usages/filter#1': '04df647281d8e9788125',
    'bench:ep-usages/sort#1': '226faa644949fe49a5a7',
    'bench:ops/first#1': 'c8805aec929027b75c8b',
    'bench:ops/middle#1': '817054592b02724c7c99',
    'bench:ops/filter#1': '8c7d0f8c3c80b00fe07d',
    'bench:ops/sort#1': '3db453e6743891a828c3',
    'bench:ops/fields#1': 'b464f7797e93b26486d3',
    'bench:nuweb/first#1': 'cf75f1a40ff9a272928d',
    'bench:nuweb/middle#1': '05d56b46675442a66d9b',
    'bench:nuweb/filter#1': '48a19cde9d5d14d18484',
    'bench:nuweb/fields#1': '3ff2f543e836f30b26c8',
    'bad-limit#1': '9016c5dbc510619a3537',
    'limit-too-big#1': '4100771243f88834e7f0',
    'limit-twice#1': '93040c202c06d88dfe34',
    'unknown-param#1': '54dc084059e1a6fcd782',
    'unknown-param-teamup#1': '2e64d234933af6c43e04',
    'missing-auth#1': '16f91afcdb901f5218b6',
    'wrong-scheme#1': '562a136544b4cab43b03',
    'teamup-token-scheme#1': '683f89733623a4af5934',
    'wrong-accept#1': 'e81e293ccefe1b80e6d3',
    'accept-json-q#1': '6cd5d54571276177333d',
    'teamup-accept-csv#1': '2e64d234933af6c43e04',
    'teamup-format-csv-accept-json#1': '5bc669f5587bdf132e7f',
    'bad-sort#1': '686f483740857e341159',
    'bad-filter#1': 'f0393a47f7ea84836c15',
    'bad-filter-syntax#1': 'cc02fd8ef893a9b41ff0',
    'bad-enum#1': '033bffba8a042d8ef6aa',
    'bad-path-param#1': 'd4d6d653b1104cdd295e',
    'not-found#1': 'e0488cdca9f553ce51d5',
    'not-found-ep-prefix#1': '81d63dc3ed2b02e83a53',
    'trailing-slash-404#1': 'c1312a6ca3a9ccdef92e',
    'trailing-slash-same#1': '1b0586dc5665a81d3be4',
    'method-not-allowed#1': '1141568c9179f35c9ee2',
    'delete-not-allowed#1': '8f5f523bfd88d6b8edb9',
    'long-query#1': 'c6a50f439a60d052e2c6',
    'encoded-path#1': 'bfc3e3e38311307435a6',
    'encoded-query#1': '1685bba77a395c71ce97',
    'blank-values#1': '03f2eb1ea0716c118105',
    'plus-in-query#1': 'dea7f4e55a1f23fb3fd1',
    'ep-codes-last#1': 'dee14678b20297dd3023',
    'ep-codes-beyond#1': 'ab9e43e34a9cbda5929d',
    'ep-usages-filter-eq#1': '192beba96353a09633aa',
    'ep-usages-sort-asc#1': '29f05fe274ed2be51e71',
    'teamup-csv-columns#1': '9f2b4eab23196e9c7793',
    'teamup-page#1': '501824560ef4f570c118',
    'teamup-timeframe#1': '7b0670d0eec3e07b02f5',
    'teamup-arrays#1': '26ebaba379529e9593cf',
    'teamup-sort-multi#1': '414345e15749a0be17d3',
    'ops-fields#1': '6c6f00f019d8df4a7a49',
    'ops-sort-desc#1': 'a2efdebe1e4b2ae5ce50',
    'nuweb-only-except#1': '954975222b2b55eef8b6',
    'nuweb-trashed#1': '4719964a257227ab53d9',
    'nuweb-offset-and-page#1': '17c7440de23b27013995',
    'ct-first#1': '619ae251141094a3abd6',
    'ct-sort#1': '858ab076a9038e3aa911',
    'ct-without-total#1': 'eba32cd573c8f609e8e1',
    'stripe-first#1': 'f2b4a9a5eb14cf0388dd',
    'stripe-after#1': 'e783be592ebb6b5acd39',
    'stripe-before#1': '54cef6d34d862c98b583',
    'stripe-both-cursors#1': 'c924769e677fa3b31a8e',
    'stripe-filters#1': 'f2b4a9a5eb14cf0388dd',
    'stripe-basic-auth#1': 'c8785b6ec853438d6f14',
    'stripe-basic-bad#1': '01c1a235d3b5635ac1e3',
    'prefer-code-404#1': 'd391d25a47904f65333e',
    'prefer-code-undocumented#1': 'c968e39c392e28d4120d',
    'prefer-code-429#1': 'd976caf8040e00e341e1',
    'prefer-scenario#1': 'f184aef84f00503b4109',
    'prefer-bad#1': '552eda27138ea35a8add',
    'prefer-example-missing#1': '8c7ee290a4cbaeea888e',
    'head#1': '363e34f5b7ef4555fa07',
    'options#1': '203df92538a8d5a01946',
    'preflight#1': 'b405bdb18248229342c2',
    'cors-simple#1': '437eca1ec0a6dfbcc450',
    'cors-foreign#1': 'e1f4878e0a7a4ec2be4a',
    'gzip#1': '069fba654ea6237da7fa',
    'gzip-q0#1': '26c8ac07288a1448bcdf',
    'gzip-small#1': '3155060e593914971bb0',
    'if-none-match#1': '3df83ba49e6cdf043092',
    'if-none-match-gzip#1': '3df83ba49e6cdf043092',
    'if-none-match-star#1': '8a4fbaa38be03d68c2f4',
    'if-none-match-other#1': '514b150162d2c9a0c745',
    'other-host#1': '648f50ff8341c64fac71',
    'health#1': 'a9bb0199761e594e2fde',
    'bench:teamup/first#2': '0ca1f94cf60406108af4',
    'bench:teamup/middle#2': '02561ab5b6a28b0dd9b4',
    'bench:teamup/filter#2': '5c17dba8d451b87844a4',
    'bench:teamup/range#2': '7af430c05c50f5493d15',
    'bench:teamup/sort#2': 'b16ab0abda182f3429a0',
    'bench:teamup/csv#2': '179dba31654f6e6b8988',
    'bench:ep-codes/first#2': 'b58adaddc2b098cfaa96',
    'bench:ep-codes/middle#2': 'cb4358c843be777cdaab',
    'bench:ep-usages/first#2': '069fba654ea6237da7fa',
    'bench:ep-usages/middle#2': 'e918bab38d0a75025814',
    'bench:ep-usages/filter#2': '04df647281d8e9788125',
    'bench:ep-usages/sort#2': '226faa644949fe49a5a7',
    'bench:ops/first#2': 'c8805aec929027b75c8b',
    'bench:ops/middle#2': '817054592b02724c7c99',
    'bench:ops/filter#2': '8c7d0f8c3c80b00fe07d',
    'bench:ops/sort#2': '3db453e6743891a828c3',
    'bench:ops/fields#2': 'b464f7797e93b26486d3',
    'bench:nuweb/first#2': 'cf75f1a40ff9a272928d',
    'bench:nuweb/middle#2': '05d56b46675442a66d9b',
    'bench:nuweb/filter#2': '48a19cde9d5d14d18484',
    'bench:nuweb/fields#2': '3ff2f543e836f30b26c8',
    'bad-limit#2': '9016c5dbc510619a3537',
    'limit-too-big#2': '4100771243f88834e7f0',
    'limit-twice#2': '93040c202c06d88dfe34',
    'unknown-param#2': '54dc084059e1a6fcd782',
    'unknown-param-teamup#2': '2e64d234933af6c43e04',
    'missing-auth#2': '16f91afcdb901f5218b6',
    'wrong-scheme#2': '562a136544b4cab43b03',
    'teamup-token-scheme#2': '683f89733623a4af5934',
    'wrong-accept#2': 'e81e293ccefe1b80e6d3',
    'accept-json-q#2': '6cd5d54571276177333d',
    'teamup-accept-csv#2': '2e64d234933af6c43e04',
    'teamup-format-csv-accept-json#2': '5bc669f5587bdf132e7f',
    'bad-sort#2': '686f483740857e341159',
    'bad-filter#2': 'f0393a47f7ea84836c15',
    'bad-filter-syntax#2': 'cc02fd8ef893a9b41ff0',
    'bad-enum#2': '033bffba8a042d8ef6aa',
    'bad-path-param#2': 'd4d6d653b1104cdd295e',
    'not-found#2': 'e0488cdca9f553ce51d5',
    'not-found-ep-prefix#2': '81d63dc3ed2b02e83a53',
    'trailing-slash-404#2': 'c1312a6ca3a9ccdef92e',
    'trailing-slash-same#2': '1b0586dc5665a81d3be4',
    'method-not-allowed#2': '1141568c9179f35c9ee2',
    'delete-not-allowed#2': '8f5f523bfd88d6b8edb9',
    'long-query#2': 'c6a50f439a60d052e2c6',
    'encoded-path#2': 'bfc3e3e38311307435a6',
    'encoded-query#2': '1685bba77a395c71ce97',
    'blank-values#2': '03f2eb1ea0716c118105',
    'plus-in-query#2': 'dea7f4e55a1f23fb3fd1',
    'ep-codes-last#2': 'dee14678b20297dd3023',
    'ep-codes-beyond#2': 'ab9e43e34a9cbda5929d',
    'ep-usages-filter-eq#2': '192beba96353a09633aa',
    'ep-usages-sort-asc#2': '29f05fe274ed2be51e71',
    'teamup-csv-columns#2': '9f2b4eab23196e9c7793',
    'teamup-page#2': '501824560ef4f570c118',
    'teamup-timeframe#2': '7b0670d0eec3e07b02f5',
    'teamup-arrays#2': '26ebaba379529e9593cf',
    'teamup-sort-multi#2': '414345e15749a0be17d3',
    'ops-fields#2': '6c6f00f019d8df4a7a49',
    'ops-sort-desc#2': 'a2efdebe1e4b2ae5ce50',
    'nuweb-only-except#2': '954975222b2b55eef8b6',
    'nuweb-trashed#2': '4719964a257227ab53d9',
    'nuweb-offset-and-page#2': '17c7440de23b27013995',
    'ct-first#2': '619ae251141094a3abd6',
    'ct-sort#2': '858ab076a9038e3aa911',
    'ct-without-total#2': 'eba32cd573c8f609e8e1',
    'stripe-first#2': 'f2b4a9a5eb14cf0388dd',
    'stripe-after#2': 'e783be592ebb6b5acd39',
    'stripe-before#2': '54cef6d34d862c98b583',
    'stripe-both-cursors#2': 'c924769e677fa3b31a8e',
    'stripe-filters#2': 'f2b4a9a5eb14cf0388dd',
    'stripe-basic-auth#2': 'c8785b6ec853438d6f14',
    'stripe-basic-bad#2': '01c1a235d3b5635ac1e3',
    'prefer-code-404#2': 'd391d25a47904f65333e',
    'prefer-code-undocumented#2': 'c968e39c392e28d4120d',
    'prefer-code-429#2': 'd976caf8040e00e341e1',
    'prefer-scenario#2': 'f184aef84f00503b4109',
    'prefer-bad#2': '552eda27138ea35a8add',
    'prefer-example-missing#2': '8c7ee290a4cbaeea888e',
    'head#2': '363e34f5b7ef4555fa07',
    'options#2': '203df92538a8d5a01946',
    'preflight#2': 'b405bdb18248229342c2',
    'cors-simple#2': '437eca1ec0a6dfbcc450',
    'cors-foreign#2': 'e1f4878e0a7a4ec2be4a',
    'gzip#2': '069fba654ea6237da7fa',
    'gzip-q0#2': '26c8ac07288a1448bcdf',
    'gzip-small#2': '3155060e593914971bb0',
    'if-none-match#2': '3df83ba49e6cdf043092',
    'if-none-match-gzip#2': '3df83ba49e6cdf043092',
    'if-none-match-star#2': '8a4fbaa38be03d68c2f4',
    'if-none-match-other#2': '514b150162d2c9a0c745',
    'other-host#2': '648f50ff8341c64fac71',
    'health#2': 'a9bb0199761e594e2fde',
    'journal': '2230541f063c1b52c9f4',
    'shopify:shopify-first#1': '2e035bddf0429afcdb71',
    'shopify:shopify-next#1': '3940b13551b57f7ecb91',
    'shopify:shopify-previous#1': '2e035bddf0429afcdb71',
    'shopify:shopify-bad-token#1': '7c7eac4328205a1ee87f',
    'shopify:shopify-no-token#1': '274a5810e96df00b6e6c',
    'shopify:shopify-bad-path#1': '0bc7b777b940ec3c3cd3',
    'shopify:shopify-first#2': '2e035bddf0429afcdb71',
    'shopify:shopify-next#2': '3940b13551b57f7ecb91',
    'shopify:shopify-previous#2': '2e035bddf0429afcdb71',
    'shopify:shopify-bad-token#2': '7c7eac4328205a1ee87f',
    'shopify:shopify-no-token#2': '274a5810e96df00b6e6c',
    'shopify:shopify-bad-path#2': '0bc7b777b940ec3c3cd3',
    'shopify:journal': '07a64e199a755bb46505',
}


@pytest.fixture(scope="module")
def answers() -> dict[str, str]:
    return observed()


def test_corpus_is_recorded(answers):
    assert set(answers) == set(EXPECTED)


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_same_bytes_as_before(answers, label):
    assert answers[label] == EXPECTED[label], label


HOSTS = [None, "testserver", "h1.bench", "API.Example.test:8443", "h:0", "h:00080", "h:65535", "h:65536", "h:123456",
         "[::1]:8000", "[::1", "a b", "h/x", "h?x", "h#x", "user@h", "ü.example", "h\tx", "", ":80"]
PATHS = ["/v1/discount-codes", "/v2/a b/c", "/a?b", "/a#b", "/a\\b", "/a\tb", "//double", "", "x", "/ü/ß"]
QUERIES = [b"", b"a=1", b"a=1&b", b"&&a==b=c&", b"page%5Blimit%5D=3", b"q=a+b", b"x=%ZZ", b"f=#frag", b"t=a\tb",
           b"n=\xc3\xbc", b"s=;x", b"=v"]


@pytest.mark.parametrize("host", HOSTS)
def test_url_parts_as_starlette_reads_them(host):
    """incoming.url_parts and query_items give what `Request.url` and `Request.query_params` give."""
    from starlette.requests import Request

    from mockserver.incoming import query_items, url_parts

    for path in PATHS:
        for query in QUERIES:
            for scheme, server in (("http", ("127.0.0.1", 8000)), ("https", ("::1", 443)), ("http", None)):
                scope = {"type": "http", "method": "GET", "scheme": scheme, "path": path, "query_string": query,
                         "headers": [(b"host", host.encode("utf-8"))] if host is not None else [], "server": server}
                request = Request(scope)
                try:
                    url = request.url
                    expected = (url.scheme, url.netloc, url.path, url.query)
                except Exception as exc:  # the same failure, raised the same way
                    with pytest.raises(type(exc)):
                        url_parts(scope)
                else:
                    assert url_parts(scope) == expected, (host, path, query, scheme)
                assert query_items(query.decode("latin-1")) == request.query_params.multi_items()


def test_csv_as_the_csv_module_prints_it():
    """columns.csv joins cells itself unless one needs quoting; either way the csv module's text."""
    import csv
    import io

    from mockserver.dialects.columns import Columns
    from mockserver.dotted import getter

    columns = Columns({"columns": {"a": {"label": "A"}, "b.x": {"label": "B, x"}, "c": {"label": "C"}, "d.e.f": {"label": "D"}}})
    pages = [[{"a": 1, "b": {"x": "p,q"}, "c": None}], [{"a": 'say "hi"', "b": None, "c": 1.5}],
             [{"a": "l1\nl2", "b": {"x": "\r"}, "c": True}], [{"a": "", "b": {"x": ""}, "c": ""}],
             [{"a": 1, "b": 2, "c": [1, 2], "d": {"e": {"f": 3}}}], ["not an object"],
             [{"a": {"k": 1}, "b": {"x": {"y": 1}}, "c": 10**30}], []]
    for items in pages:
        for keys in (["a", "b.x", "c", "d.e.f"], ["a"], ["b.x"], ["c", "a"]):
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([columns.columns[k]["label"] for k in keys])
            for item in items:
                writer.writerow(["" if (v := getter(k)(item)) is None else v for k in keys])
            assert columns.csv(items, keys) == out.getvalue(), (items, keys)


if __name__ == "__main__":
    print("EXPECTED: dict[str, str] = {")
    for key, value in observed().items():
        print(f"    {key!r}: {value!r},")
    print("}")

"""HTTP conventions a browser or an HTTP library expects (issue 13, items 1 and 6): CORS, gzip,
ETag / If-None-Match, Accept negotiation, the 401 challenge, trailing slashes, `Prefer: code=418`."""

from __future__ import annotations

import gzip
import json

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.negotiate import choose

from .conftest import AUTH, EXAMPLE_PATHS

TEAMUP = EXAMPLE_PATHS["getDiscountCodeUsesReportData"]
EP = EXAMPLE_PATHS["getPromotionCodes"]
OPS = EXAMPLE_PATHS["listPromotionUsageHistory"]
NUWEB = EXAMPLE_PATHS["listDiscountCodes"]
PAGE = "http://localhost:5173"
PREFLIGHT = {"Origin": PAGE, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization, prefer"}


def client_for(**settings) -> TestClient:
    return TestClient(create_app(seed=7, **settings), headers=AUTH)


@pytest.fixture(scope="module")
def fresh():
    """Its own app, so journal assertions see only this module's requests."""
    with client_for() as c:
        yield c


# ------------------------------------------------------------------------------------- CORS

@pytest.mark.parametrize("path", [TEAMUP, EP, OPS, NUWEB, "/__mock/requests", "/not/documented"])
def test_preflight_is_answered_for_every_route(fresh, path):
    response = fresh.options(path, headers=PREFLIGHT)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == PAGE
    assert "GET" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, prefer"


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:4200", "null"])
def test_loopback_pages_may_read_responses_by_default(fresh, origin):
    response = fresh.get(EP, headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert "Retry-After" in response.headers["access-control-expose-headers"]


def test_other_origins_are_not_allowed_by_default(fresh):
    response = fresh.get(EP, headers={"Origin": "https://evil.example"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    assert fresh.options(EP, headers={**PREFLIGHT, "Origin": "https://evil.example"}).status_code == 400


def test_cors_names_the_origins():
    with client_for(cors=("https://app.example",)) as c:
        assert c.get(EP, headers={"Origin": "https://app.example"}).headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-origin" not in c.get(EP, headers={"Origin": PAGE}).headers
    with client_for(cors=("*",)) as c:
        assert c.get(EP, headers={"Origin": "https://any.example"}).headers["access-control-allow-origin"] == "*"


def test_no_cors_switches_it_off():
    with client_for(cors=()) as c:
        assert "access-control-allow-origin" not in c.get(EP, headers={"Origin": PAGE}).headers
        assert c.options(EP, headers=PREFLIGHT).status_code == 405


# ------------------------------------------------------------------------------------- gzip

def test_large_pages_are_gzipped_when_asked(fresh):
    raw = fresh.get(NUWEB, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and len(raw.content) > 60_000
    zipped = fresh.get(NUWEB, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == raw.json()  # httpx decoded it
    assert int(zipped.headers["content-length"]) < len(raw.content) / 4
    assert "Accept-Encoding" in zipped.headers["vary"]


def test_gzip_q0_is_refused_and_small_bodies_stay_plain(fresh):
    assert "content-encoding" not in fresh.get(NUWEB, headers={"Accept-Encoding": "gzip;q=0"}).headers
    small = fresh.get(EP, params={"page[limit]": 1}, headers={"Accept-Encoding": "gzip"})
    assert len(small.content) < 1000 and "content-encoding" not in small.headers


def test_admin_responses_are_gzipped_too(fresh):
    for _ in range(30):
        fresh.get(EP)
    assert fresh.get("/__mock/requests", headers={"Accept-Encoding": "gzip"}).headers.get("content-encoding") == "gzip"


# ------------------------------------------------------------------------------------- ETag

def test_strong_etag_and_304(fresh):
    first = fresh.get(EP, headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert fresh.get(EP, headers={"Accept-Encoding": "identity"}).headers["etag"] == etag
    assert fresh.get(EP, params={"page[limit]": 3}).headers["etag"] != etag
    fresh.delete("/__mock/requests")
    again = fresh.get(EP, headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert fresh.get("/__mock/requests").json()["requests"][-1]["status"] == 304


def test_gzip_has_its_own_tag_and_either_matches(fresh):
    plain = fresh.get(NUWEB, headers={"Accept-Encoding": "identity"}).headers["etag"]
    zipped = fresh.get(NUWEB, headers={"Accept-Encoding": "gzip"}).headers["etag"]
    assert zipped != plain and zipped.strip('"').startswith(plain.strip('"'))
    for tag in (plain, zipped, f'"other", {zipped}', "*"):
        assert fresh.get(NUWEB, headers={"If-None-Match": tag, "Accept-Encoding": "gzip"}).status_code == 304
    assert fresh.get(NUWEB, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_errors_carry_no_etag(fresh):
    response = fresh.get(EP, params={"page[limit]": 0})
    assert response.status_code == 400 and "etag" not in response.headers


# ----------------------------------------------------------------------------------- Accept

def test_teamup_format_default_is_csv_but_accept_json_gets_json(fresh):
    assert fresh.get(TEAMUP).headers["content-type"].startswith("text/csv")
    assert fresh.get(TEAMUP, headers={"Accept": "*/*"}).headers["content-type"].startswith("text/csv")
    as_json = fresh.get(TEAMUP, headers={"Accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json") and "rows" in as_json.json()
    assert as_json.json() == fresh.get(TEAMUP, params={"format": "json"}).json()
    assert fresh.get(TEAMUP, headers={"Accept": "text/csv;q=0.5, application/json"}).headers["content-type"].startswith("application/json")
    assert fresh.get(TEAMUP, headers={"Accept": "text/*"}).headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("params,accept", [({}, "application/xml"), ({"format": "csv"}, "application/json"),
                                           ({"format": "json"}, "text/csv"), ({}, "application/json;q=0, text/csv;q=0")])
def test_teamup_unsatisfiable_accept_is_a_406_in_drf_shape(fresh, params, accept):
    response = fresh.get(TEAMUP, params=params, headers={"Accept": accept})
    assert response.status_code == 406
    assert set(response.json()) == {"detail"} and "Accept" in response.json()["detail"]


def test_json_only_vendors_406_in_their_envelope(fresh):
    ep = fresh.get(EP, headers={"Accept": "application/xml"})
    assert ep.status_code == 406 and ep.json()["errors"][0]["status"] == 406
    nuweb = fresh.get(NUWEB, headers={"Accept": "text/html"})
    assert nuweb.status_code == 406 and nuweb.json()["errors"][0]["status"] == "406"
    ops = fresh.get(OPS, headers={"Accept": "text/csv"})
    assert ops.status_code == 406 and ops.json()["statusCode"] == 406
    assert fresh.get(EP, headers={"Accept": "application/*"}).status_code == 200


def test_negotiation_rules():
    assert choose(None, ["text/csv", "application/json"]) == "text/csv"
    assert choose("application/json, */*;q=0.1", ["text/csv", "application/json"]) == "application/json"
    assert choose("*/*;q=0.1, text/csv;q=0", ["text/csv", "application/json"]) == "application/json"
    assert choose("image/png", ["application/json"]) is None
    axios = "application/json, text/plain, */*"
    assert choose(axios, ["text/csv", "application/json"]) == "application/json"
    assert choose("*/*", ["text/csv", "application/json"]) == "text/csv"
    assert choose("aaaa, \x80\xff", ["text/csv", "application/json"]) == "text/csv"  # unreadable: ignored
    assert choose("*", ["application/json"]) == "application/json"
    assert choose("garbage, image/png", ["application/json"]) is None  # one readable range that admits none


# ------------------------------------------------------------------------- 401, slashes, Prefer

@pytest.mark.parametrize("path,challenge", [(TEAMUP, "Token"), (EP, "Bearer"), (OPS, "Bearer"), (NUWEB, "Bearer")])
def test_401_challenges_with_the_documented_scheme(anonymous, path, challenge):
    response = anonymous.get(path)
    assert response.status_code == 401 and response.headers["www-authenticate"] == challenge


@pytest.mark.parametrize("path", [TEAMUP, EP, EXAMPLE_PATHS["getPromotionCodeUsages"]])
def test_strict_vendors_answer_a_trailing_slash_with_a_journaled_404(fresh, path):
    fresh.delete("/__mock/requests")
    response = fresh.get(path + "/", follow_redirects=False)
    assert response.status_code == 404
    assert path in response.text and "trailing slash" in response.text
    entry = fresh.get("/__mock/requests").json()["requests"][-1]
    assert entry["path"] == path + "/" and entry["status"] == 404 and entry["violations"]


@pytest.mark.parametrize("path", [OPS, NUWEB])
def test_lenient_vendors_serve_a_trailing_slash_as_the_path(fresh, path):
    fresh.delete("/__mock/requests")
    response = fresh.get(path + "/", params={"limit": 3}, follow_redirects=False)
    assert response.status_code == 200
    ids = lambda body: [item.get("id", item.get("promotionalUsageHistoryId")) for item in body["data"]]
    assert ids(response.json()) == ids(fresh.get(path, params={"limit": 3}).json())
    entry = fresh.get("/__mock/requests").json()["requests"][0]
    assert entry["path"] == path + "/" and entry["operation"] and entry["status"] == 200


def test_trailing_slash_needs_auth_like_the_path(anonymous):
    assert anonymous.get(NUWEB + "/").status_code == 401


@pytest.mark.parametrize("path,status", [(NUWEB, 422), (EP, 400), (OPS, 400), (TEAMUP, 400)])
def test_prefer_an_undocumented_code_is_the_validation_status(fresh, path, status):
    response = fresh.get(path, headers={"Prefer": "code=418"})
    assert response.status_code == status and "418" in json.dumps(response.json())


def test_gzip_bytes_are_real_gzip(fresh):
    """The body on the wire is gzip (httpx would hide a mislabelled one)."""
    with fresh.stream("GET", NUWEB, headers={"Accept-Encoding": "gzip"}) as response:
        wire = b"".join(response.iter_raw())
    assert json.loads(gzip.decompress(wire))["meta"]["total"] > 0


def test_every_spec_documents_these_conventions():
    from .conftest import SPECS

    for spec in SPECS:
        description = spec.raw["info"]["description"]
        for topic in ("CORS", "gzip", "ETag", "406", "trailing slash", "401 challenges with"):
            assert topic in description, (spec.name, topic)


def test_the_journal_records_406_and_304_but_not_preflights(fresh):
    fresh.delete("/__mock/requests")
    fresh.options(NUWEB, headers=PREFLIGHT)
    fresh.get(TEAMUP, headers={"Accept": "application/xml"})
    etag = fresh.get(EP).headers["etag"]
    fresh.get(EP, headers={"If-None-Match": etag})
    entries = fresh.get("/__mock/requests").json()["requests"]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 406), ("GET", 200), ("GET", 304)]
    assert "Accept" in entries[0]["violations"][0]


@pytest.mark.parametrize("name,value", [
    ("Accept", ""), ("Accept", ";;;,,"), ("Accept", "*/*;q=abc"), ("Accept", "application/json;q=2"),
    ("Accept", "x" * 5000), ("Accept", "text/csv;q=-1"), ("Accept-Encoding", "gzip;q=abc, *"),
    ("Accept-Encoding", "br;q=1, gzip;q=0.0"), ("If-None-Match", 'W/"'), ("If-None-Match", ",,,"),
    ("If-None-Match", '"' * 300), ("Origin", "http://localhost:99999999"), ("Origin", ""),
])
@pytest.mark.parametrize("path", [TEAMUP, EP, OPS, NUWEB])
def test_hostile_convention_headers_never_500(fresh, path, name, value):
    response = fresh.get(path, headers={name: value})
    assert response.status_code in (200, 304, 406), (response.status_code, response.text[:300])


def test_access_log_redacts_credentials_in_the_header_and_the_query():
    import logging

    from mockserver.accesslog import logger, redacted_query

    assert redacted_query("limit=2&api_token=abc&sort=x") == "limit=2&api_token=***&sort=x"
    assert redacted_query("page%5Blimit%5D=5&filter=eq(code,X)") == "page%5Blimit%5D=5&filter=eq(code,X)"
    lines: list[str] = []
    capture = logging.Handler()
    capture.emit = lambda record: lines.append(record.getMessage())
    with client_for(access_log=True) as c:
        logger.addHandler(capture)
        try:
            c.get(NUWEB, params={"limit": 1, "access_token": "q-secret"}, headers={"Authorization": "Bearer h-secret"})
        finally:
            logger.removeHandler(capture)
    (line,) = lines
    assert '"GET /v1/discount-codes?limit=1&access_token=*** HTTP/1.1" 200' in line and "auth=Bearer ***" in line
    assert "secret" not in line

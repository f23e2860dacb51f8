"""mockserver/fastpath.py: a repeated request is answered with the bytes sent before, journaled as
the endpoint journals it, and never where something else may change the answer."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver import create_app

AUTH = {"Authorization": "Bearer t"}
PAGE = "/v2/promotions/promo-3/codes?page[limit]=5"


def _client(**settings) -> tuple[TestClient, object]:
    app = create_app(seed=2, **settings)
    return TestClient(app, headers=AUTH), app


def test_a_repeat_is_the_same_answer_and_is_journaled():
    client, app = _client()
    with client:
        first = client.get(PAGE, headers={"Origin": "http://localhost:3000", "Accept-Encoding": "gzip"})
        again = client.get(PAGE, headers={"Origin": "http://localhost:3000", "Accept-Encoding": "gzip"})
        assert app.state.world.fast_responses.entries  # the second came from the fast path
        assert again.status_code == first.status_code == 200
        assert again.content == first.content and dict(again.headers) == dict(first.headers)
        assert again.headers["access-control-allow-origin"] == "http://localhost:3000"
        not_modified = client.get(PAGE, headers={"If-None-Match": first.headers["etag"]})
        assert client.get(PAGE, headers={"If-None-Match": first.headers["etag"]}).status_code == not_modified.status_code
        entries = [e for e in client.get("/__mock/requests").json()["requests"] if e["path"] == "/v2/promotions/promo-3/codes"]
        assert len(entries) == 4 and len({e["id"] for e in entries}) == 4
        assert entries[0]["parameters"] == entries[1]["parameters"] == {"page[limit]": ["5"]}


def test_bad_requests_repeat_their_envelope():
    client, _ = _client()
    with client:
        bad = [client.get("/v2/promotions/promo-3/codes?page[limit]=abc") for _ in range(2)]
        assert bad[0].status_code == bad[1].status_code >= 400 and bad[0].content == bad[1].content
        assert client.get(PAGE, headers={"Authorization": "Nope"}).status_code == 401


def test_pins_and_scripts_are_never_answered_from_before():
    client, app = _client()
    with client:
        before = client.get(PAGE).json()
        client.get(PAGE)
        app.state.world.pin("getPromotionCodes", {"promotionID": "promo-3"},
                            [{"data": {"codes": [{"code": "PINNED1"}]}}], replace=True)
        after = client.get(PAGE).json()
        assert after != before and after["data"][0]["data"]["codes"][0]["code"] == "PINNED1"
        rules = {"rules": [{"operation": "getPromotionCodes", "times": 1, "respond": {"status": 503}}]}
        assert client.post("/__mock/scripts", json=rules).status_code < 300
        assert client.get(PAGE).status_code == 503
        assert client.get(PAGE).status_code == 200


def test_prefer_and_latency_go_the_whole_way():
    client, _ = _client()
    with client:
        client.get(PAGE)
        assert client.get(PAGE, headers={"Prefer": "code=429"}).status_code == 429
    client, app = _client(error_rate=1.0)
    with client:
        assert [client.get(PAGE).status_code for _ in range(2)] == [500, 500]
        assert not app.state.world.fast_responses.entries


def test_another_credential_is_another_request(tmp_path):
    """An apiKey in a header: a 200 for one key never answers another (every header is the key)."""
    client, _ = _client()
    with client:
        assert client.get(PAGE).status_code == 200
        assert client.get(PAGE, headers={"Authorization": "Basic eDp5"}).status_code == 401
        assert client.get(PAGE, headers={"X-Other": "1"}).status_code == 200


def test_a_new_token_per_request_is_answered_from_before_and_still_checked():
    """What is served past the credential check never depends on which token came, so a client
    rotating tokens (a JWT per request) is answered from the cache; each token is still checked."""
    client, app = _client(token="s3cret")
    with client:
        first = client.get(PAGE, headers={"Authorization": "Bearer s3cret"})
        assert first.status_code == 200
        for wrong in ("Bearer other", "Bearer ", "Basic czNjcmV0Og==", None):
            refused = client.get(PAGE, headers={"Authorization": wrong} if wrong else {"Authorization": ""})
            assert refused.status_code == 401, wrong
        again = client.get(PAGE, headers={"Authorization": "Bearer s3cret"})
        assert again.content == first.content and again.status_code == 200
    client, app = _client()  # no --token: any bearer token will do, each one new
    with client:
        pages = [client.get(PAGE, headers={"Authorization": f"Bearer t-{i}"}) for i in range(5)]
        assert {p.status_code for p in pages} == {200} and len({p.content for p in pages}) == 1
        assert len(app.state.world.fast_responses.entries) == 1  # one kept answer, not one per token
        assert client.get(PAGE, headers={"Authorization": "Token t-1"}).status_code == 401

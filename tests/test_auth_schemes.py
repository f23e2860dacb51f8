"""Credentials are read the way each spec's `securitySchemes` says: http bearer / basic / a custom
prefix (`x-prefixes`), or an apiKey in a header, query parameter or cookie."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app

SPEC = """
openapi: 3.1.0
info: {title: Keys, version: "1"}
paths:
  /header:
    get:
      operationId: byHeader
      security: [{shopify: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}, example: {ok: 1}}}}}
  /query:
    get:
      operationId: byQuery
      security: [{apiToken: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}, example: {ok: 1}}}}}
  /cookie:
    get:
      operationId: byCookie
      security: [{session: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}, example: {ok: 1}}}}}
  /basic:
    get:
      operationId: byBasic
      security: [{basic: []}, {shopify: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}, example: {ok: 1}}}}}
components:
  securitySchemes:
    shopify: {type: apiKey, in: header, name: X-Shopify-Access-Token}
    apiToken: {type: apiKey, in: query, name: api_token}
    session: {type: apiKey, in: cookie, name: sid}
    basic: {type: http, scheme: basic}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.yaml"
    path.write_text(SPEC)
    with TestClient(create_app(Settings(specs=[str(path)]))) as client:
        yield client


@pytest.mark.parametrize("path, good, bad", [
    ("/header", {"headers": {"X-Shopify-Access-Token": "shpat_1"}}, {"headers": {"Authorization": "Bearer shpat_1"}}),
    ("/query", {"params": {"api_token": "k"}}, {"params": {"token": "k"}}),
    ("/basic", {"headers": {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}},
     {"headers": {"Authorization": "Bearer x"}}),
    ("/basic", {"headers": {"X-Shopify-Access-Token": "shpat_1"}}, {}),  # either scheme will do
])
def test_each_scheme_is_read_where_the_spec_puts_it(api, path, good, bad):
    assert api.get(path, **good).status_code == 200
    refused = api.get(path, **bad)
    assert refused.status_code == 401 and "expected" in refused.json()["detail"]


def test_a_cookie_key(api):
    api.cookies.set("sid", "abc")
    try:
        assert api.get("/cookie").status_code == 200
    finally:
        api.cookies.clear()
    assert api.get("/cookie").status_code == 401


def test_the_401_says_what_was_expected(api):
    detail = api.get("/basic").json()["detail"]
    assert "'Basic <token>'" in detail and "'X-Shopify-Access-Token'" in detail

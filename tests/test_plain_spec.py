"""Any OpenAPI spec serves (as Prism's mock does): a spec without `x-mock` answers every operation
with its documented example, or with data generated from the response schema, after validating the
request; errors are RFC 9457 problem details."""

from __future__ import annotations

import jsonschema_rs
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app
from mockserver.cli import main
from mockserver.plain import json_schema
from mockserver.spec import load_spec, load_specs

PETSTORE = """
openapi: 3.0.3
info: {title: Petstore, version: "1"}
security: [{bearer: []}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        "200":
          description: pets
          content:
            application/json:
              schema: {type: array, minItems: 1, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{petId}:
    get:
      operationId: showPetById
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
              example: {id: 1, name: Rex, tag: dog}
    delete:
      operationId: deletePet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
      responses:
        "204": {description: deleted}
  /status:
    get:
      operationId: getStatus
      responses:
        "200":
          description: the service status
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}, version: {type: string}}}
              example: {ok: true, version: "1.2.3"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        tag: {type: string}
"""
AUTH = {"Authorization": "Bearer t"}
PET = {"type": "object", "required": ["id", "name"],
       "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"type": "string"}}}


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("petstore") / "petstore.yaml"
    path.write_text(PETSTORE)
    return path


@pytest.fixture(scope="module")
def api(spec_file):
    with TestClient(create_app(Settings(specs=[str(spec_file)]))) as client:
        yield client


def test_the_documented_example_is_served_outside_a_collection(api):
    response = api.get("/status", headers=AUTH)
    assert response.status_code == 200 and response.json() == {"ok": True, "version": "1.2.3"}


def test_an_item_route_serves_the_listed_item_not_its_example(api):
    listed = api.get("/pets", headers=AUTH).json()
    response = api.get(f"/pets/{listed[6]['id']}", headers=AUTH)
    assert response.status_code == 200 and response.json() == listed[6] != {"id": 1, "name": "Rex", "tag": "dog"}


def test_without_an_example_the_schema_makes_the_data_the_same_in_every_app(api, spec_file):
    body = api.get("/pets", headers=AUTH).json()
    assert isinstance(body, list) and body
    validator = jsonschema_rs.validator_for({"type": "array", "minItems": 1, "items": PET})
    assert validator.is_valid(body), body
    with TestClient(create_app(Settings(specs=[str(spec_file)]))) as again:
        assert again.get("/pets", headers=AUTH).json() == body  # deterministic, not random per request
    with TestClient(create_app(Settings(specs=[str(spec_file)], seed=9))) as other:
        assert other.get("/pets", headers=AUTH).json() != body  # the seed decides


def test_requests_are_validated_and_errors_are_problem_details(api):
    bad = api.get("/pets", params={"limit": "abc"}, headers=AUTH)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["parameter"] == "limit" and bad.json()["status"] == 400
    assert api.get("/pets", params={"limit": 101}, headers=AUTH).status_code == 400
    anonymous = api.get("/pets")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")


def test_a_2xx_without_a_body_and_the_journal(api):
    assert api.delete("/pets/3", headers=AUTH).status_code == 204
    journal = api.get("/__mock/requests").json()["requests"]
    assert any(e["operation"] == "petstore:deletePet" and e["status"] == 204 for e in journal)


def test_a_path_bound_integer_field_is_an_integer(tmp_path):
    spec = tmp_path / "rules.yaml"
    spec.write_text("""
openapi: 3.1.0
info: {title: Rules, version: "1"}
paths:
  /price_rules/{price_rule_id}/discount_codes:
    get:
      operationId: listCodes
      parameters:
        - {name: price_rule_id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: codes
          content:
            application/json:
              schema:
                type: object
                required: [price_rule_id]
                properties:
                  price_rule_id: {type: integer, x-faker: {path: price_rule_id}}
""")
    with TestClient(create_app(Settings(specs=[str(spec)]))) as client:
        assert client.get("/price_rules/507328175/discount_codes").json() == {"price_rule_id": 507328175}


# --------------------------------------------------- tests/specs/petstore.yaml: a spec with no x-* at all

PETSTORE_FILE = "tests/specs/petstore.yaml"


@pytest.fixture(scope="module")
def pets():
    with TestClient(create_app(Settings(specs=[PETSTORE_FILE])), headers=AUTH) as client:
        yield client


def walk(client, url: str) -> list:
    """Every item of a list, following its `Link: rel="next"` headers."""
    items, seen = [], set()
    while url:
        assert url not in seen, f"the next link loops back to {url}"
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, response.text
        items += response.json()
        url = response.links.get("next", {}).get("url")
    return items


def test_the_list_is_paged_by_its_limit_and_offset(pets):
    first = pets.get("/pets")
    total = int(first.headers["x-total-count"])
    assert len(first.json()) == 20 < total  # `limit`'s documented default, and more than one page
    everything = walk(pets, "/pets?limit=7")
    ids = [p["id"] for p in everything]
    assert len(ids) == len(set(ids)) == total  # disjoint, complete pages with unique identities
    assert walk(pets, "/pets?limit=100") == everything  # the same list at another page size
    assert pets.get("/pets", params={"limit": 5, "offset": 10}).json() == everything[10:15]
    assert pets.get("/pets", params={"offset": total}).json() == []  # past the end: an empty page
    pet_schema = json_schema(load_spec(PETSTORE_FILE).schema("Pet"), request=False)
    assert all(jsonschema_rs.validator_for(pet_schema, validate_formats=True).is_valid(p) for p in everything)


def test_the_limit_maximum_is_honoured(pets):
    refused = pets.get("/pets", params={"limit": 101})
    assert refused.status_code == 400 and refused.json()["errors"][0]["parameter"] == "limit"
    total = int(pets.get("/pets").headers["x-total-count"])
    assert len(pets.get("/pets", params={"limit": 100}).json()) == min(100, total)


def test_an_id_from_the_list_resolves_at_the_item_route(pets):
    listed = pets.get("/pets", params={"limit": 30, "offset": 20}).json()
    for pet in listed[::7]:
        response = pets.get(f"/pets/{pet['id']}")
        assert response.status_code == 200 and response.json() == pet
    total = int(pets.get("/pets").headers["x-total-count"])
    missing = pets.get(f"/pets/{total + 1}")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404 and f"to {total}" in missing.json()["detail"]  # says which ids exist


def test_a_good_post_creates_a_new_pet_from_the_posted_fields(pets):
    total = int(pets.get("/pets").headers["x-total-count"])
    created = pets.post("/pets", json={"name": "Rex", "tag": "dog"})
    assert created.status_code == 201, created.text
    pet = created.json()
    assert pet["name"] == "Rex" and pet["tag"] == "dog" and isinstance(pet["id"], int)
    assert pet["id"] not in {p["id"] for p in walk(pets, "/pets?limit=100")} and pet["id"] == total + 1
    assert created.headers["location"] == f"/pets/{pet['id']}"
    assert pets.post("/pets", json={"name": "Rex", "tag": "dog"}).json() == pet  # deterministic, not stored


@pytest.mark.parametrize("body, pointer, why", [
    ({"tag": "dog"}, "", "required"),
    ({"name": 7}, "/name", "type"),
    ({"name": ""}, "/name", "short"),
    ({"name": "Rex", "colour": "red"}, "", "colour"),
    ({"name": "Rex", "birthDate": "yesterday"}, "/birthDate", "date"),
    ([{"name": "Rex"}], "", "object"),
])
def test_a_bad_post_body_is_a_4xx_problem_with_a_pointer(pets, body, pointer, why):
    response = pets.post("/pets", json=body)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    problems = response.json()["errors"]
    assert any(p["pointer"] == pointer and why in p["detail"] for p in problems), problems


def test_a_body_that_is_not_json_is_refused_clearly(pets):
    malformed = pets.post("/pets", content=b'{"name": "Rex"', headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422 and "not valid JSON" in malformed.json()["detail"]
    missing = pets.post("/pets")
    assert missing.status_code == 422 and "body is required" in missing.json()["detail"]
    form = pets.post("/pets", content=b"name=Rex", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415 and "application/json" in form.json()["detail"]
    huge = pets.post("/pets", content=b'{"name": "' + b"x" * (1 << 20) + b'"}', headers={"Content-Type": "application/json"})
    assert huge.status_code == 413


def test_put_and_delete_act_on_listed_pets_only(pets):
    listed = pets.get("/pets").json()[3]
    updated = pets.put(f"/pets/{listed['id']}", json={"name": "Renamed"})
    assert updated.status_code == 200 and updated.json() == {**listed, "name": "Renamed"}
    assert pets.put(f"/pets/{listed['id']}", json={"name": 3}).status_code == 422
    assert pets.put("/pets/999999", json={"name": "Renamed"}).status_code == 404
    assert pets.delete(f"/pets/{listed['id']}").status_code == 204
    assert pets.delete("/pets/999999").status_code == 404
    assert pets.get(f"/pets/{listed['id']}").json() == listed  # stateless, as Prism: nothing was deleted


def test_the_data_is_a_function_of_the_seed():
    with TestClient(create_app(Settings(specs=[PETSTORE_FILE])), headers=AUTH) as one, \
            TestClient(create_app(Settings(specs=[PETSTORE_FILE])), headers=AUTH) as two, \
            TestClient(create_app(Settings(specs=[PETSTORE_FILE], seed=5)), headers=AUTH) as other:
        assert two.get("/pets/9").json() == one.get("/pets/9").json()  # whatever was asked before
        assert one.get("/pets?offset=8").json()[0] == two.get("/pets/9").json()
        assert other.get("/pets/9").json() != one.get("/pets/9").json()
    with TestClient(create_app(Settings(specs=[PETSTORE_FILE], size=3)), headers=AUTH) as small:
        assert len(walk(small, "/pets")) == 3 and small.get("/pets/4").status_code == 404


HOSTILE = [
    ("GET", "/pets?limit=0", None), ("GET", "/pets?limit=-1", None), ("GET", "/pets?offset=-5", None),
    ("GET", "/pets?offset=" + "9" * 40, None), ("GET", "/pets?limit=1e3", None), ("GET", "/pets?limit=%00", None),
    ("GET", "/pets?limit=1&limit=2", None), ("GET", "/pets/0", None), ("GET", "/pets/-1", None),
    ("GET", "/pets/" + "9" * 40, None), ("GET", "/pets/1.5", None), ("GET", "/pets/%F0%9F%90%B6", None),
    ("GET", "/pets/1%2F2", None), ("GET", "/pets/", None), ("PATCH", "/pets/1", b"{}"),
    ("POST", "/pets", b"null"), ("POST", "/pets", b"[" * 5000), ("POST", "/pets", b'{"name": "\\ud800"}'),
    ("POST", "/pets", b'{"name": 1e999}'), ("POST", "/pets", b"\xff\xfe"), ("POST", "/pets", b'{"name": "x"}' * 3),
    ("PUT", "/pets/abc", b'{"name": "Rex"}'), ("PUT", "/pets/1", b'"Rex"'), ("DELETE", "/pets/abc", None),
    ("POST", "/pets/1", b"{}"), ("GET", "/pets?" + "a=1&" * 3000, None),
    ("POST", "/pets", b"[" * 1000 + b"]" * 1000), ("POST", "/pets", b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ("POST", "/pets", b"[" + b'{"name": 1},' * 50_000 + b"{}]"),
]


@pytest.mark.parametrize("method, url, body", HOSTILE)
def test_hostile_input_never_gets_a_5xx(pets, method, url, body):
    response = pets.request(method, url, content=body, headers={"Content-Type": "application/json"} if body else {})
    assert 400 <= response.status_code < 500 or response.status_code in (200, 201, 204), (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json" and response.json()["status"] == response.status_code


def test_routes_says_how_each_operation_is_served():
    result = CliRunner().invoke(main, ["routes", "--spec", PETSTORE_FILE])
    lines = {line.split()[2]: line for line in result.output.splitlines() if "petstore:" in line}
    assert result.exit_code == 0, result.output
    assert "collection (paged by limit/offset, 20 a page; identity id)" in lines["petstore:listPets"]
    assert "item of listPets" in lines["petstore:showPetById"]
    assert "body-validated write, create in listPets" in lines["petstore:createPet"]
    assert "body-validated write, item of listPets" in lines["petstore:updatePet"]
    assert "delete of an item of listPets" in lines["petstore:deletePet"]


ENVELOPES = """
openapi: 3.1.0
info: {title: Envelopes, version: "1"}
paths:
  /codes:
    get:
      operationId: listCodes
      parameters:
        - {name: page_token, in: query, schema: {type: string}}
        - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 50, default: 10}}
      responses:
        "200":
          description: a page of codes
          content:
            application/json:
              schema:
                type: object
                required: [codes, next_page_token]
                properties:
                  codes: {type: array, items: {$ref: "#/components/schemas/Code"}}
                  next_page_token: {type: [string, "null"]}
                  total_count: {type: integer}
  /codes/{codeId}:
    get:
      operationId: getCode
      parameters:
        - {name: codeId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: one code, wrapped
          content:
            application/json:
              schema: {type: object, properties: {data: {$ref: "#/components/schemas/Code"}}}
  /members:
    get:
      operationId: listMembers
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, maximum: 30}}
      responses:
        "200":
          description: members
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {type: object, properties: {uuid: {type: string, format: uuid}, email: {type: string, format: email}}}}
                  meta: {type: object, properties: {total: {type: integer}, current_page: {type: integer}, last_page: {type: integer}, has_more: {type: boolean}}}
components:
  schemas:
    Code:
      type: object
      required: [code_id, amount]
      properties:
        code_id: {type: string, format: uuid}
        amount: {type: number, exclusiveMinimum: 0, maximum: 100}
        starts: {type: string, format: date}
"""


@pytest.fixture(scope="module")
def envelopes(tmp_path_factory):
    path = tmp_path_factory.mktemp("envelopes") / "envelopes.yaml"
    path.write_text(ENVELOPES)
    with TestClient(create_app(Settings(specs=[str(path)]))) as client:
        yield client


def test_a_cursor_envelope_walks_to_its_end(envelopes):
    codes, token, pages = [], None, 0
    while True:
        body = envelopes.get("/codes", params={"page_token": token} if token else {}).json()
        codes += body["codes"]
        pages += 1
        assert len(body["codes"]) <= 10 and body["total_count"] >= len(codes)
        token = body["next_page_token"]
        if token is None:
            break
    ids = [c["code_id"] for c in codes]
    assert len(set(ids)) == len(ids) == body["total_count"] and pages > 1
    assert all(0 < c["amount"] <= 100 for c in codes)
    wrapped = envelopes.get(f"/codes/{ids[-1]}")
    assert wrapped.status_code == 200 and wrapped.json()["data"] == codes[-1]  # the same item, in its wrapper
    bad = envelopes.get("/codes", params={"page_token": "not-a-token"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["parameter"] == "page_token"


def test_a_page_numbered_envelope_fills_its_meta(envelopes):
    first = envelopes.get("/members").json()
    meta = first["meta"]
    assert len(first["data"]) == 20 and meta["current_page"] == 1 and meta["has_more"] is True
    last = envelopes.get("/members", params={"page": meta["last_page"], "per_page": 20}).json()
    assert last["meta"]["has_more"] is False and 0 < len(last["data"]) <= 20
    assert (meta["last_page"] - 1) * 20 + len(last["data"]) == meta["total"]
    assert envelopes.get("/members", params={"per_page": 31}).status_code == 400


def test_integer_formats_bound_parameters(pets):
    assert pets.get("/pets", params={"offset": 2**31 - 1}).status_code == 200
    refused = pets.get("/pets", params={"offset": 2**31})
    assert refused.status_code == 400 and "int32" in refused.json()["errors"][0]["detail"]
    assert pets.get(f"/pets/{2**63}").status_code == 400 and pets.get(f"/pets/{2**63 - 1}").status_code == 404


def test_405_names_every_documented_method_of_the_path(pets):
    response = pets.patch("/pets", json={})
    assert response.status_code == 405 and response.headers["content-type"] == "application/problem+json"
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_contracts_run_passes_against_the_mock_serving_the_plain_petstore(monkeypatch):
    """The generic declarations (no x-contract anywhere) hold for our own mock: conformance
    (schemas, statuses, content types, Allow, auth) and the writes' negative data."""
    from contracts.cli import main as contracts
    from mockserver.pytest_plugin import BackgroundServer

    monkeypatch.setenv("CONTRACTS_TOKEN", "t")
    with BackgroundServer(Settings(specs=[PETSTORE_FILE], token="t")) as server:
        result = CliRunner().invoke(contracts, ["run", "--base-url", server.url, "--spec", PETSTORE_FILE, "--quiet",
                                                "--max-examples", "5", "--allow-writes", "--seed", "1"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 failed checks, 0 warned checks" in result.output and "5 operations" in result.output


CONSTRUCTS = "tests/specs/plain-constructs.yaml"


@pytest.fixture(scope="module")
def constructs():
    with TestClient(create_app(Settings(specs=[CONSTRUCTS]))) as client:
        yield client


def valid(schema_name: str, value) -> bool:
    schema = json_schema(load_spec(CONSTRUCTS).schema(schema_name), request=False)
    return jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value)


def test_all_of_write_only_and_nullable_are_read_as_openapi_means_them(constructs):
    pets = constructs.get("/pets").json()
    assert pets and all(valid("Pet", p) and "secret" not in p for p in pets)  # allOf merged, writeOnly never answered
    created = constructs.post("/pets", json={"name": "Rex", "secret": "hunter2", "tag": None})
    assert created.status_code == 200 and created.json()["name"] == "Rex" and "secret" not in created.json()
    patch = {"Content-Type": "application/merge-patch+json"}
    patched = constructs.patch("/pets/2", content=b'{"tag": null, "weight": 1, "secret": "s"}', headers=patch).json()
    assert patched["tag"] is None and "weight" not in patched and "secret" not in patched  # only what Pet answers
    refused = constructs.patch("/pets/2", content=b'{"weight": 0}', headers=patch)  # 3.0: exclusiveMinimum: true
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/weight"


def test_a_nested_collection_is_keyed_by_its_parent_and_pages_by_page_and_size(constructs):
    first = constructs.get("/owners/bob/cars").json()
    assert len(first["content"]) == 5 and first["number"] == 0  # `size` default 5; 0-based `page` (minimum 0)
    everything = [c for n in range(first["totalPages"]) for c in constructs.get(f"/owners/bob/cars?page={n}").json()["content"]]
    vins = [c["vin"] for c in everything]
    assert len(set(vins)) == len(vins) == first["totalElements"] and all(valid("Car", c) for c in everything)
    assert all(len(v) == 17 for v in vins)  # unique string identities, padded to the schema's minLength
    assert constructs.get(f"/owners/bob/cars/{vins[-1]}").json() == everything[-1]
    assert constructs.get("/owners/alice/cars/" + vins[0]).json() != everything[0]  # another owner, other cars
    created = constructs.post("/owners/bob/cars", json={"vin": "1" * 17, "price": 5})
    assert created.status_code == 201 and created.json()["data"]["vin"] == "1" * 17  # wrapped, the client's identity
    taken = constructs.post("/owners/bob/cars", json={"vin": vins[3]})
    assert taken.status_code == 409 and taken.json()["errors"][0]["pointer"] == "/vin"


def test_one_of_patterns_and_bounds_give_valid_values(constructs):
    body = constructs.get("/things").json()
    assert body["a"] == "ABC" and body["n"] >= 1_000_000  # the pattern's example; a minimum with no maximum
    assert constructs.get("/blob").status_code == 200


def test_links_and_locations_survive_any_path_parameter_and_a_zero_page_size(constructs):
    owner = "/owners/%F0%9F%90%B6%20%E2%82%AC/cars"  # an emoji, a space and a euro sign
    listed = constructs.get(owner)
    assert listed.status_code == 200 and constructs.get(listed.links["next"]["url"]).status_code == 200
    created = constructs.post(owner, json={"vin": "2" * 17})
    assert created.status_code == 201 and created.headers["location"].isascii()
    empty = constructs.get("/owners/bob/cars", params={"size": 0})
    assert empty.status_code == 200 and empty.json()["content"] == []


def test_a_merge_patch_null_removes_what_the_answer_cannot_hold_as_null(constructs):
    patch = {"Content-Type": "application/merge-patch+json"}
    before = constructs.get("/pets/3").json()
    after = constructs.patch("/pets/3", content=b'{"name": null, "tag": null}', headers=patch).json()
    assert after["name"] == before["name"] and after["tag"] is None  # Pet.name is a required string; tag is nullable
    assert valid("Pet", after)


def test_a_non_json_2xx_answers_in_its_documented_media_type(constructs):
    blob = constructs.get("/blob")
    assert blob.status_code == 200 and blob.headers["content-type"] == "application/octet-stream"


def test_prefer_and_the_server_faults_work_on_plain_specs_too(pets):
    limited = pets.get("/pets", headers={"Prefer": "code=401"})
    assert limited.status_code == 401 and limited.headers["content-type"] == "application/problem+json"
    undocumented = pets.get("/pets", headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400 and "documented: 200, 400, 401" in undocumented.json()["detail"]
    assert pets.get("/pets", headers={"Prefer": "scenario=empty"}).json() == []
    large = pets.get("/pets", headers={"Prefer": "scenario=large"})
    assert large.headers["x-total-count"] == "10000" and len(large.json()) == 20
    assert pets.get("/pets", headers={"Prefer": "error-rate=1"}).status_code == 500
    with TestClient(create_app(Settings(specs=[PETSTORE_FILE], rate_limit=1)), headers=AUTH) as limited:
        statuses = [limited.get("/pets/1").status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses


def random_schema(r, depth: int = 0) -> dict:
    """An OpenAPI 3.0 schema of the kinds vendor specs use (no contradictory keywords)."""
    kind = r.choice(["string", "integer", "number", "boolean"] + (["array", "object"] if depth < 3 else []))
    schema: dict = {"type": kind}
    if r.random() < 0.2:
        schema["nullable"] = True
    if kind == "string":
        if r.random() < 0.3:
            schema["format"] = r.choice(["date", "date-time", "uuid", "email", "uri", "ipv4", "ipv6", "hostname", "byte", "time"])
        elif r.random() < 0.5:
            schema["minLength"] = r.randint(0, 20)
            schema["maxLength"] = schema["minLength"] + r.randint(0, 20)
        elif r.random() < 0.2:
            schema.update(format=r.choice(["password", "binary"]), minLength=12)
    elif kind in ("integer", "number"):
        if r.random() < 0.4:
            schema["minimum"] = r.randint(-10**6, 10**6)
        if r.random() < 0.4:
            schema["maximum"] = schema.get("minimum", -10**6) + r.randint(10, 10**6)
        if r.random() < 0.2 and "minimum" in schema:
            schema["exclusiveMinimum"] = True
        if r.random() < 0.2:
            schema["multipleOf"] = r.choice([2, 5, 10, 0.5]) if kind == "number" else r.choice([2, 5, 10])
    elif kind == "array":
        schema["items"] = random_schema(r, depth + 1)
        if r.random() < 0.4:
            schema["minItems"] = r.randint(0, 6)
            schema["maxItems"] = schema["minItems"] + r.randint(0, 6)
    elif kind == "object":
        schema["properties"] = {f"p{i}": random_schema(r, depth + 1) for i in range(r.randint(0, 4))}
        schema["required"] = list(schema["properties"])[:2]
        if r.random() < 0.2:
            schema = {"allOf": [schema, {"type": "object", "properties": {"extra": random_schema(r, depth + 1)}}]}
        elif r.random() < 0.1:
            schema = {"oneOf": [schema, {"type": "string"}]}
    return schema


def test_generated_values_are_valid_for_the_schemas_vendors_write():
    """allOf, oneOf, 3.0 nullable and exclusive bounds, multipleOf, lengths, formats, array sizes."""
    import random

    from mockserver.fake import Ctx, SchemaCompiler, rng_for
    from mockserver.plain import generatable

    compiler, invalid = SchemaCompiler({}), []
    for seed in range(300):
        schema = random_schema(random.Random(seed))
        generate = compiler.compile(generatable(schema))
        validator = jsonschema_rs.validator_for(json_schema(schema, request=False), validate_formats=True)
        for index in range(3):
            value = generate(Ctx(rng=rng_for(seed, index), index=index, size=10, params={}, now_ms=1_767_225_600_000, seed=0))
            if not validator.is_valid(value):
                invalid.append((schema, value))
    assert not invalid, invalid[:3]


def test_verify_reports_what_a_client_did_wrong_on_a_plain_spec():
    from mockserver.verify import build_report

    with TestClient(create_app(Settings(specs=[PETSTORE_FILE])), headers=AUTH) as client:
        client.get("/pets?limit=3")
        client.post("/pets", json={"nam": "Rex"})
        client.get("/pets?colour=red")
        client.get("/pets", headers={"Prefer": "code=401"})  # asked for: not the client's mistake
        journal = client.get("/__mock/requests").json()
    report = build_report(load_specs([PETSTORE_FILE]), journal, None)
    flagged = {(v["method"], v["path"], v["query"]): v["violations"] for v in report.violations}
    assert set(flagged) == {("POST", "/pets", ""), ("GET", "/pets", "colour=red")}, flagged
    assert any('"name" is a required property' in m for m in flagged[("POST", "/pets", "")])
    assert flagged[("GET", "/pets", "colour=red")] == ["'colour' is not a documented parameter"]
    with TestClient(create_app(Settings(specs=[PETSTORE_FILE], strict=True)), headers=AUTH) as strict:
        assert strict.get("/pets?colour=red").status_code == 400

"""Any OpenAPI spec serves (as Prism's mock does): a spec without `x-mock` answers every operation
with its documented example, or with data generated from the response schema, after validating the
request; errors are RFC 9457 problem details."""

from __future__ import annotations

import jsonschema_rs
import pytest
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app

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

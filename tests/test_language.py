"""The extension language is checked: every mistake `mockserver check` knows is one line on stderr,
`file: path: problem`, with exit status 2 and no traceback, and start-up refuses the same spec with
the same first line. One test per message (docs/spec-extensions.md, "Checking a spec", lists them).

The CLI runs in-process (click's runner); one end-to-end case runs `mockserver serve` as a process."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import yaml
from click.testing import CliRunner

from mockserver.app import Settings, create_app
from mockserver.cli import main
from mockserver.language import problems
from mockserver.spec import SpecError, bundled_spec_paths, load_spec

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# A small spec in the language: one operation, one item schema with a bound entity, one entity.
MINI = yaml.safe_load("""
openapi: 3.1.0
info: {title: mini, version: "1"}
security: [{bearer: []}]
paths:
  /{projectKey}/codes:
    get:
      operationId: listCodes
      parameters:
        - {name: projectKey, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
        - {name: offset, in: query, schema: {type: integer, minimum: 0, default: 0}}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema: {type: object, properties: {results: {type: array, items: {$ref: "#/components/schemas/Code"}}}}
      x-mock:
        dialect: template
        envelope: {results: $items, total: $total}
        collection: {item: Code, identity: id, key: [projectKey], size: {min: 5, max: 9}}
        paging: {offset: offset, limit: limit}
        sort: {param: sort, fields: {createdAt: createdAt}}
      x-contract:
        read: {items: results, total: total}
        documented: {paging: "limit: up to 100"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Code:
      type: object
      x-faker:
        bind:
          customer: {entity: Customer, id: "randint(1, 20)"}
      properties:
        id: {type: string, format: uuid}
        version: {type: integer, x-faker: {range: [1, 9]}}
        amount: {type: number, x-faker: {range: [8, 600], decimals: 2}}
        discount: {type: number, x-faker: {expr: "round(amount / 10, 2)"}}
        final: {type: number, x-faker: {expr: "round(amount - discount, 2)"}}
        code: {type: string, x-faker: {expr: "unique_code(params['projectKey'], index)"}}
        customerId: {type: string, x-faker: {from: customer.id}}
        createdAt: {type: string, format: date-time, x-faker: {timeline: {days: 90}, style: s}}
x-mock:
  entities:
    Customer:
      type: object
      properties:
        id: {type: string, x-faker: {uuid_from: ["'customer'", "params['id']"]}}
        name: {type: string, x-faker: name}
""")
OP = "paths./{projectKey}/codes.get"
CODE = "components.schemas.Code"


def check(*names: str) -> tuple[int, list[str], str]:
    """`mockserver check NAMES...` in-process: (exit status, stderr lines, stdout)."""
    result = CliRunner().invoke(main, ["check", *names])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines(), result.stdout


def write(tmp_path: Path, change: Callable[[dict], None] | None = None, name: str = "mini.yaml") -> Path:
    raw = copy.deepcopy(MINI)
    if change:
        change(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))  # property order is generation order
    return path


def op(raw: dict) -> dict:
    return raw["paths"]["/{projectKey}/codes"]["get"]


def props(raw: dict) -> dict:
    return raw["components"]["schemas"]["Code"]["properties"]


def hint(raw: dict, prop: str) -> dict:
    return props(raw)[prop]["x-faker"]


def said(path: Path, lines: list[str], where: str, message: str) -> None:
    """`lines` holds `file: where: message...` and every line is one `file: path: problem`."""
    assert all(re.match(rf"^{re.escape(str(path))}: \S+: .+$", line) for line in lines), lines
    assert any(line.startswith(f"{path}: {where}: {message}") for line in lines), lines


# (id, change to MINI, path of the problem, start of the message; the line at start-up is the same)
CASES = [
    ("unknown x-faker key", lambda r: hint(r, "version").update({"rnage": hint(r, "version").pop("range")}),
     f"{CODE}.properties.version.x-faker",
     "Additional properties are not allowed ('rnage' was unexpected); known here: after, before, "),
    ("unknown x-mock key", lambda r: op(r)["x-mock"]["paging"].update({"limt": "limit"}),
     f"{OP}.x-mock.paging",
     "Additional properties are not allowed ('limt' was unexpected); known here: "),
    ("unknown root x-mock key", lambda r: r["x-mock"].update({"entitties": {}}),
     "x-mock", "Additional properties are not allowed ('entitties' was unexpected); known here: dialect, entities"),
    ("wrong type", lambda r: hint(r, "version").update({"nulls": "often"}),
     f"{CODE}.properties.version.x-faker.nulls", '"often" is not of type "number"'),
    ("wrong type of a block", lambda r: op(r).update({"x-mock": [1]}), f"{OP}.x-mock", '[1] is not of type "object"'),
    ("not in an enumeration", lambda r: hint(r, "createdAt").update({"style": "seconds"}),
     f"{CODE}.properties.createdAt.x-faker.style", "'seconds' is not one of 'ms', 's', 'us', 'sql'"),
    ("above a maximum", lambda r: hint(r, "version").update({"nulls": 1.5}),
     f"{CODE}.properties.version.x-faker.nulls", "1.5 is greater than the maximum of 1"),
    ("a list too short", lambda r: hint(r, "version").update({"range": [8]}),
     f"{CODE}.properties.version.x-faker.range", "[8] has less than 2 items"),
    ("a required key missing", lambda r: op(r)["x-mock"]["paging"].pop("limit"),
     f"{OP}.x-mock.paging", '"limit" is a required property'),
    ("by without order", lambda r: op(r)["x-mock"].update({"sort": {"by": "sortBy", "fields": {"a": "a"}}}),
     f"{OP}.x-mock.sort", '"order" is a required property when `by` is given (use `by` and `order` together)'),
    ("a status that is not one", lambda r: op(r)["x-mock"].update({"errors_by_status": {"4xx": {}}}),
     f"{OP}.x-mock.errors_by_status", '"4xx" does not match "^[1-5][0-9][0-9]$"'),
    ("a hint that is neither a pool nor hints", lambda r: props(r)["version"].update({"x-faker": 5}),
     f"{CODE}.properties.version.x-faker", "expected a pool name or an object of hints, got 5"),
    ("an expression that does not parse", lambda r: hint(r, "final").update({"expr": "round(amount - , 2)"}),
     f"{CODE}.properties.final.x-faker.expr", "the expression does not parse (invalid syntax): 'round(amount - , 2)'"),
    ("an expression naming a later sibling", lambda r: hint(r, "discount").update({"expr": "round(amount - final, 2)"}),
     f"{CODE}.properties.discount.x-faker",
     "the expression names `final`, which is generated after `discount`; move `final` above it or list it in "
     "`first:` on the object"),
    ("an expression naming nothing known", lambda r: hint(r, "final").update({"expr": "round(amont - discount, 2)"}),
     f"{CODE}.properties.final.x-faker.expr",
     "the expression names `amont`, which is neither a field of this object nor a name expressions see; "
     "did you mean `amount`?"),
    ("a bind id naming nothing known",
     lambda r: r["components"]["schemas"]["Code"]["x-faker"]["bind"]["customer"].update({"id": "randnt(1, 20)"}),
     f"{CODE}.x-faker.bind.customer.id", "the expression names `randnt`"),
    ("an unknown pool", lambda r: props(r)["code"].update({"x-faker": "nmae"}),
     f"{CODE}.properties.code.x-faker", "unknown pool `nmae`; a pool is a Faker provider"),
    ("an unknown pool in hints", lambda r: props(r)["code"].update({"x-faker": {"pool": "promocode"}}),
     f"{CODE}.properties.code.x-faker.pool", "unknown pool `promocode`"),
    ("a bind to an undeclared entity",
     lambda r: r["components"]["schemas"]["Code"]["x-faker"]["bind"]["customer"].update({"entity": "Customr"}),
     f"{CODE}.x-faker.bind.customer.entity", "no entity `Customr` in x-mock.entities (known: Customer)"),
    ("listed_in naming no operation",
     lambda r: r["components"]["schemas"]["Code"]["x-faker"].update(
         {"listed_in": {"operation": "listCode", "params": {"projectKey": "projectKey"}, "identity": "projectKey"}}),
     f"{CODE}.x-faker.listed_in.operation", "no operation with operationId `listCode` (known: listCodes)"),
    ("an item that is no schema", lambda r: op(r)["x-mock"]["collection"].update({"item": "Kode"}),
     f"{OP}.x-mock.collection.item", "no schema `Kode` in components.schemas (known: Code)"),
    ("an unknown dialect", lambda r: op(r)["x-mock"].update({"dialect": "nope"}),
     f"{OP}.x-mock.dialect", "unknown dialect 'nope'; known: "),
    ("an unknown root dialect", lambda r: r["x-mock"].update({"dialect": "nope"}),
     "x-mock.dialect", "unknown dialect 'nope'; known: "),
]


@pytest.mark.parametrize("change, where, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_mistake_is_one_line_with_file_and_path_from_check_and_at_start_up(tmp_path, change, where, message):
    path = write(tmp_path, change)
    status, lines, _ = check(str(path))
    assert status == 2
    said(path, lines, where, message)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    first = str(caught.value)
    assert "\n" not in first and first.split(" (and ")[0] in lines


def test_start_up_names_the_first_problem_and_how_many_more(tmp_path):
    def two(raw):
        hint(raw, "version")["rnage"] = hint(raw, "version").pop("range")
        hint(raw, "createdAt")["style"] = "seconds"

    path = write(tmp_path, two)
    with pytest.raises(SpecError, match=rf"'rnage' was unexpected.* \(and 1 more: `mockserver check {re.escape(str(path))}` lists them\)$"):
        load_spec(path)
    assert len(check(str(path))[1]) == 2


def test_an_unresolvable_ref_is_named(tmp_path):
    path = write(tmp_path, lambda r: op(r)["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
                 ["results"]["items"].update({"$ref": "#/components/schemas/Kode"}))
    status, lines, _ = check(str(path))
    assert status == 2 and lines == [f"{path}: a $ref cannot be resolved ('Kode'); point it at an existing "
                                     "#/components/... entry"]


@pytest.mark.parametrize("change, where, message", [
    (lambda r: op(r)["x-contract"].update({"readings": {"paging.over-max": {"our": "typo"}}}),
     f"{OP}.x-contract.readings.paging.over-max", "Additional properties are not allowed ('our' was unexpected)"),
    (lambda r: op(r)["x-contract"].update({"documented": {"Paging": "x"}}),
     f"{OP}.x-contract.documented", '"Paging" does not match "^[a-z]'),
    (lambda r: op(r)["x-contract"].update({"arrays": {"form": "csv"}}),
     f"{OP}.x-contract.arrays.form", '"csv" is not one of "repeat", "comma"'),
    (lambda r: r.update({"x-contract": {"raed": {}}}), "x-contract", "Additional properties are not allowed ('raed' was unexpected)"),
], ids=["unknown key", "claim id", "array form", "root block"])
def test_a_misspelt_x_contract_is_named_by_check(tmp_path, change, where, message):
    path = write(tmp_path, change)
    status, lines, _ = check(str(path))
    assert status == 2
    said(path, lines, where, message)


@pytest.mark.parametrize("content, message", [
    (b"openapi: 3.0.0\npaths: {}\nfoo: [\n", "not valid YAML at line 4, column 1 ("
                                             "did not find expected node content); fix the file, or pass a bundled spec name"),
    (b"\xff\xfe\x00", "not UTF-8 text; pass an OpenAPI YAML or JSON file"),
    (b"- a list\n", "not an OpenAPI 3 document (no `openapi: 3.x` at the top); pass an OpenAPI spec or a bundled name"),
    (b"swagger: '2.0'\n", "not an OpenAPI 3 document (no `openapi: 3.x` at the top)"),
], ids=["malformed YAML", "not UTF-8", "not a mapping", "Swagger 2"])
def test_a_file_that_is_no_spec_is_one_line(tmp_path, content, message):
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    status, lines, _ = check(str(path))
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"{path}: {message}")
    with pytest.raises(SpecError, match=re.escape(message)):
        load_spec(path)


def test_a_missing_file_and_an_empty_directory_are_named(tmp_path):
    status, lines, _ = check(str(tmp_path / "nope.yaml"), str(tmp_path))
    assert status == 2 and lines == [
        f"{tmp_path / 'nope.yaml'}: no spec file or bundled spec named '{tmp_path / 'nope.yaml'}' (bundled: "
        f"{', '.join(p.stem for p in bundled_spec_paths())})",
        f"{tmp_path}: a directory with no .yaml, .yml or .json file in it"]


def test_a_directory_is_its_specs_and_every_problem_of_every_file_is_listed(tmp_path):
    good = write(tmp_path, name="a.yaml")
    bad = write(tmp_path, lambda r: hint(r, "createdAt").update({"style": "seconds"}), name="b.yaml")
    (tmp_path / "notes.txt").write_text("not a spec")
    status, lines, _ = check(str(tmp_path))
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"{bad}: ")
    assert check(str(good)) == (0, [], "mockserver check: 1 spec(s), no problems\n")


def test_the_bundled_and_test_specs_speak_the_language():
    for path in bundled_spec_paths():
        assert problems(yaml.safe_load(path.read_text()), str(path)) == [], path.name
    assert check() == (0, [], f"mockserver check: {len(bundled_spec_paths())} spec(s), no problems\n")
    count = len(list((ROOT / "tests" / "specs").glob("*.yaml")))
    assert check(str(ROOT / "tests" / "specs")) == (0, [], f"mockserver check: {count} spec(s), no problems\n")


def test_names_bound_in_an_expression_and_fields_listed_first_are_known(tmp_path):
    def change(raw):
        raw["components"]["schemas"]["Code"]["x-faker"]["first"] = ["final"]
        hint(raw, "final")["expr"] = "round(sum(x for x in [index]) + (lambda y: y)(1), 2)"
        hint(raw, "discount")["expr"] = "final / 2"

    path = write(tmp_path, change)
    assert check(str(path))[0] == 0


def test_serve_refuses_a_broken_spec_in_one_line_end_to_end(tmp_path):
    path = write(tmp_path, lambda r: hint(r, "final").update({"expr": "round(amont - discount, 2)"}))
    served = subprocess.run([str(BIN / "mockserver"), "serve", "--spec", str(path), "--port", "1"],
                            capture_output=True, text=True, timeout=60)
    assert served.returncode == 2 and "Traceback" not in served.stderr
    assert served.stderr.strip().splitlines() == [
        f"mockserver serve: {path}: {CODE}.properties.final.x-faker.expr: the expression names `amont`, which is "
        "neither a field of this object nor a name expressions see; did you mean `amount`?"]


@pytest.mark.parametrize("change, message", [
    (lambda r: op(r)["parameters"].append({"name": "x"}), "(KeyError: 'in')"),
    (lambda r: r["paths"].update({"/other": 5}), "(AttributeError: "),
], ids=["a parameter without in", "a path that is no object"])
def test_a_shape_openapi_does_not_allow_is_one_line(tmp_path, change, message):
    path = write(tmp_path, change)
    status, lines, _ = check(str(path))
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith(f"{path}: not a valid OpenAPI 3 document {message}") and lines[0].endswith(
        "check its paths, parameters and responses against the OpenAPI specification")




OPS_SPEC = Path(__file__).resolve().parent.parent / "specs" / "ops-promotions.yaml"
FINAL = 'x-faker: {expr: "round(originalAmount - discountAmount, 2)"}'


def _ops_with(tmp_path: Path, expr: str) -> Path:
    text = OPS_SPEC.read_text()
    assert FINAL in text
    path = tmp_path / "ops.yaml"
    path.write_text(text.replace(FINAL, f'x-faker: {{expr: "{expr}"}}'))
    return path


def test_an_expression_that_raises_on_an_early_item_stops_check_and_start_up(tmp_path):
    path = _ops_with(tmp_path, "round(originalAmount / (index - 2), 2)")
    status, lines, _ = check(str(path))
    assert status == 2 and len(lines) == 1
    assert "item 2 of default data cannot be generated: <x-faker finalAmount> raised ZeroDivisionError" in lines[0]
    with pytest.raises(SpecError, match="item 2 of default data"):
        create_app(Settings(specs=[str(path)]))


def test_an_expression_that_raises_later_is_a_500_in_the_vendor_envelope_naming_the_field(tmp_path):
    from starlette.testclient import TestClient

    path = _ops_with(tmp_path, "round(originalAmount / (index - 30), 2)")
    with TestClient(create_app(Settings(specs=[str(path)], size=100)), raise_server_exceptions=False) as api:
        response = api.get("/api/v1/ops/promotions/0195e7a1-8b5c-7d3e-9f4a-2c6b8d0e1f3a/usage-history",
                           params={"limit": 100, "sortOrder": "asc"}, headers={"Authorization": "Bearer t"})
    assert response.status_code == 500 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["statusCode"] == 500 and "<x-faker finalAmount> raised ZeroDivisionError" in body["message"]

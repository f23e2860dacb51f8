"""The reference of the spec extensions (docs/spec-extensions.md) stays complete and true.

- Every key the JSON Schemas of the language declare (`x-mock`, `x-faker` in mockserver/language.py,
  `x-contract` in contracts/declarations.py) is on the page as `` `key` ``. A new key fails here until
  it is documented.
- Every tagged YAML example on the page is valid: ```yaml x-mock (an operation's block), x-mock-root,
  x-faker, x-contract, schema (a schema whose x-faker hints are checked in context) and openapi (a
  whole spec, which is checked and served). Untagged ```yaml blocks are fragments and are not checked.
- The names the page says expressions see are the names mockserver/fake.py gives them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from contracts import declarations
from mockserver import language

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "spec-extensions.md"
TEXT = PAGE.read_text(encoding="utf-8")
SCHEMAS = {
    "x-mock (an operation's), X_MOCK_OPERATION in mockserver/language.py": language.X_MOCK_OPERATION,
    "x-mock (the spec root's), X_MOCK_ROOT in mockserver/language.py": language.X_MOCK_ROOT,
    "x-faker, X_FAKER in mockserver/language.py": language.X_FAKER,
    "x-contract, SCHEMA in contracts/declarations.py": declarations.SCHEMA,
}
TAGS = ("x-mock", "x-mock-root", "x-faker", "x-contract", "schema", "openapi")


def declared_keys(schema: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(dotted place, key) of every property a schema declares, at any depth ($defs, items, anyOf...),
    and the names a `propertyNames` enum allows (x-mock.paging.meta's page, limit, offset, pages)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    yield f"{where}.{name}".lstrip("."), name
                    yield from declared_keys(sub, f"{where}.{name}")
            elif key == "propertyNames" and isinstance(value, dict) and isinstance(value.get("enum"), list):
                for name in value["enum"]:
                    yield f"{where}.{name}".lstrip("."), name
            else:
                yield from declared_keys(value, where)
    elif isinstance(schema, list):
        for value in schema:
            yield from declared_keys(value, where)


def examples() -> list[tuple[str, int, str]]:
    """(tag, line number, body) of every tagged ```yaml block of the page."""
    found = []
    for match in re.finditer(r"^```yaml ([\w-]+)\n(.*?)^```", TEXT, flags=re.M | re.S):
        found.append((match.group(1), TEXT.count("\n", 0, match.start()) + 1, match.group(2)))
    return found


def test_every_key_of_the_language_is_on_the_reference_page():
    missing = []
    for name, schema in SCHEMAS.items():
        for place, key in declared_keys(schema):
            if f"`{key}`" not in TEXT:
                missing.append(f"`{key}` ({place}; a key of {name})")
    assert not missing, (f"{PAGE.relative_to(ROOT)} does not document: {'; '.join(sorted(set(missing)))}. "
                         "Add each with its type, default, meaning and a ```yaml x-mock / x-faker / x-contract example.")


def test_the_walk_finds_nested_keys_and_defs():
    schema = {"properties": {"a": {"properties": {"b": {}}}}, "$defs": {"d": {"properties": {"c": {}}}},
              "additionalProperties": {"anyOf": [{"properties": {"e": {}}}]}}
    assert {key for _, key in declared_keys(schema)} == {"a", "b", "c", "e"}
    assert {"timeline.days", "listed_in.operation", "bind.entity"} <= {p for p, _ in declared_keys(language.X_FAKER)}


def test_the_page_has_an_example_of_each_kind():
    assert {tag for tag, _, _ in examples()} == set(TAGS), "a tag that is not one of TAGS is never checked"


@pytest.mark.parametrize("tag, line, body", examples(), ids=[f"{t}@{n}" for t, n, _ in examples()])
def test_an_example_on_the_page_is_valid(tmp_path, tag, line, body):
    where = f"{PAGE.relative_to(ROOT)}:{line}"
    document = yaml.safe_load(body)
    assert tag in TAGS, f"{where}: unknown example tag {tag!r}; use one of {', '.join(TAGS)}"
    if tag == "openapi":
        spec = tmp_path / "example.yaml"
        spec.write_text(body)
        assert language.check([str(spec)]) == (1, []), where
        return _served(spec, document)
    if tag == "schema":
        wrapper = {"openapi": "3.1.0", "components": {"schemas": {"Example": document}},
                   "x-mock": {"entities": {"Customer": {"type": "object"}}}}
        assert language.problems(wrapper, where) == []
        return
    key = "x-mock" if tag == "x-mock-root" else tag
    assert isinstance(document, dict) and list(document) == [key], f"{where}: a ```yaml {tag} block is one `{key}:` key"
    block = document[key]
    if tag == "x-contract":
        found = declarations.problems({"x-contract": block}, where)
    elif tag == "x-faker":
        found = language._check("x-faker", block, where, "x-faker") or language._expressions(block, where, "x-faker")
    else:
        kind = "x-mock root" if tag == "x-mock-root" else "x-mock"
        found = language._check(kind, block, where, "x-mock")
        found += language._dialect_problems({"x-mock": block}, where)
    assert found == []


def _served(spec: Path, document: dict) -> None:
    """The worked example serves its first operation: a page in its own envelope, and its own error."""
    from starlette.testclient import TestClient

    from mockserver.app import Settings, create_app

    route, item = next(iter(document["paths"].items()))
    url = re.sub(r"{[^}]+}", "my-project", route)
    with TestClient(create_app(Settings(specs=[str(spec)]))) as api:
        page = api.get(url, params={"limit": 5}, headers={"Authorization": "Bearer t"})
        assert page.status_code == 200, page.text
        envelope = item["get"]["x-mock"]["envelope"]
        assert set(page.json()) == set(envelope) and page.json()["count"] == 5
        error = api.get(url, params={"limit": 0}, headers={"Authorization": "Bearer t"})
        assert error.status_code == 400 and set(error.json()) == set(item["get"]["x-mock"]["errors"])


def test_the_page_lists_every_name_expressions_see():
    """The generator's names (mockserver/fake.py) and what `mockserver check` accepts are the same
    (tests/test_generator_draws.py); the page lists each of them."""
    from mockserver import fake

    assert set(fake.EXPRESSION_NAMES) == set(language.EXPRESSION_NAMES)
    assert set(fake.SAFE_BUILTINS) == set(language.BUILTIN_NAMES) - {"True", "False", "None"}
    unlisted = [n for n in (*language.EXPRESSION_NAMES, *fake.SAFE_BUILTINS) if f"`{n}" not in TEXT]
    assert not unlisted, f"{PAGE.relative_to(ROOT)}, Expressions: list {', '.join(unlisted)}"


def test_the_page_names_every_dialect_and_every_pool_of_ours():
    from mockserver.dialects import DIALECTS
    from mockserver.fake import _CUSTOM_POOLS

    assert [d for d in DIALECTS if f"`{d}`" not in TEXT] == []
    assert [p for p in _CUSTOM_POOLS if f"`{p}`" not in TEXT] == []


def test_the_readme_links_the_page():
    assert "docs/spec-extensions.md" in (ROOT / "README.md").read_text(encoding="utf-8")

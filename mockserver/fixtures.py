"""Pinned records: specific records placed among the generated ones (`--fixtures FILE`, `POST /__mock/fixtures`).

    fixtures:
      - operation: getPromotionCodeUsages          # operationId
        params: {id: P, code-name: 10OFF}          # the collection's path parameters
        replace: true                              # only these records (default: among the generated)
        records:
          - {used_on: "2025-01-05T10:00:00.000Z", times_used: 1}

A record gives some fields; the generator fills in the rest, so derived fields and invariants
(a code's remaining uses, discount = original - final) hold for pinned records too. A pinned record
whose identity equals a generated one's takes its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from .dataset import World


class FixtureError(ValueError):
    pass


def load_file(path: str | Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            return normalize(yaml.safe_load(fh))  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FixtureError(f"{path}: not valid YAML{where} ({getattr(exc, 'problem', None) or 'cannot be parsed'}); "
                           "fix the file (README: Pinned records shows the form)") from None
    except FixtureError as exc:
        raise FixtureError(f"{path}: {exc}") from None


def apply_file(world: World, path: str | Path) -> int:
    """Pin a fixtures file's records; errors name the file."""
    records = load_file(path)
    try:
        return apply(world, records)
    except FixtureError as exc:
        raise FixtureError(f"{path}: {exc}") from None


def normalize(document: Any) -> list[dict]:
    if isinstance(document, dict) and "fixtures" in document:
        document = document["fixtures"]
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not all(isinstance(f, dict) for f in document):
        raise FixtureError("fixtures must be a list of {operation, params, records} objects (or {fixtures: [...]})")
    for fixture in document:
        if not isinstance(fixture.get("operation"), str):
            raise FixtureError("each fixture needs `operation`: an operationId")
        records = fixture.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise FixtureError(f"{fixture['operation']}: `records` must be a list of objects")
        if not isinstance(fixture.get("params", {}), dict):
            raise FixtureError(f"{fixture['operation']}: `params` must be an object of path parameters")
    return document


def apply(world: World, fixtures: list[dict]) -> int:
    """Pin every fixture; all or nothing: on any error the previous pins are restored."""
    saved = dict(world.pins)
    count = 0
    try:
        for fixture in fixtures:
            operation = fixture["operation"].split(":")[-1]
            if operation not in world.by_operation_id:
                known = ", ".join(sorted(world.by_operation_id))
                raise FixtureError(f"unknown operation {operation!r}; known: {known}")
            params = {k: str(v) for k, v in (fixture.get("params") or {}).items()}
            _check_given(world.by_operation_id[operation], fixture["records"])
            try:
                collection = world.pin(operation, params, fixture["records"], bool(fixture.get("replace")))
                _validate(collection)
            except (TypeError, KeyError, AttributeError, ArithmeticError) as exc:
                raise FixtureError(f"{operation}: cannot complete the pinned records: {exc!r}") from None
            count += len(fixture["records"])
    except (FixtureError, ValueError) as exc:
        world.pins.clear()
        world.pins.update(saved)
        world.clear_caches()
        raise FixtureError(str(exc)) from None
    return count


def _check_given(recipe, records: list[dict]) -> None:
    """The given fields alone must fit the item schema (before the generator builds on them)."""
    validator = jsonschema_rs.validator_for(_without_required(recipe.item_schema), validate_formats=True)
    for record in records:
        error = next(iter(validator.iter_errors(record)), None)
        if error is not None:
            where = "/".join(map(str, error.instance_path)) or "(record)"
            raise FixtureError(f"{recipe.op.operation_id}: pinned record is invalid at {where}: {error.message}")


def _without_required(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _without_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [_without_required(v) for v in schema]
    return schema


def _validate(collection) -> None:
    """Pinned values must still make schema-valid items (a client would choke on anything else)."""
    schema = {k: v for k, v in collection.recipe.item_schema.items()}
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    for item in collection.items():
        error = next(iter(validator.iter_errors(item)), None)
        if error is not None:
            where = "/".join(map(str, error.instance_path)) or "(record)"
            raise FixtureError(f"{collection.recipe.op.operation_id}: pinned record is invalid at {where}: {error.message}")


def describe(world: World) -> list[dict]:
    return [
        {"operation": recipe_id.split(":", 1)[1], "params": dict(zip(world.recipes[recipe_id].key_params, key)),
         "replace": pin.replace, "records": list(pin.records)}
        for (recipe_id, key), pin in world.pins.items()
    ]

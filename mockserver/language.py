"""The extension language of the specs, checked: `x-mock` (what to serve) and `x-faker` (how to make it).

A misspelt key (`rnage:`), a value of the wrong type or an expression that does not parse would
otherwise be ignored, or fail on some item long after start-up. `problems(raw, source)` lists each
one as `file: path: problem`; start-up refuses a spec that has any, and `mockserver check SPEC...`
prints them all. The schemas below are the reference of the language; `mockserver/fake.py`'s
docstring says what each hint does. (`x-contract`, what `contracts` expects, has its own schema in
`contracts/declarations.py`.)
"""

from __future__ import annotations

from typing import Any, Iterator

import jsonschema_rs

_STR = {"type": "string", "minLength": 1}
_STRS = {"type": "array", "items": _STR}
_STYLE = {"enum": ["ms", "s", "us", "sql"]}
_EXPR = {"type": "string", "minLength": 1}
_FIELDS = {"anyOf": [_STR, _STRS]}

X_FAKER: dict = {
    "$comment": "x-faker on any schema: a pool name (a string), or an object of hints (mockserver/fake.py)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "pool": _STR, "seq": {"type": "integer"}, "path": _STR, "const": {},
        "choice": {"type": "array", "minItems": 1}, "weights": {"type": "array", "items": {"type": "number"}},
        "cycle": {"type": "array", "minItems": 1},
        "null_cycle": {"type": "array", "minItems": 1, "items": {"type": "boolean"}},
        "range": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
        "decimals": {"type": "integer", "minimum": 0},
        "timeline": {"type": "object", "additionalProperties": False, "required": ["days"],
                     "properties": {"days": {"type": "number", "exclusiveMinimum": 0}}},
        "after": _FIELDS, "before": _FIELDS,
        "min": {"type": "number", "minimum": 0}, "within": {"type": "number", "minimum": 0},
        "expr": _EXPR, "from": _STR, "uuid_from": {"type": "array", "minItems": 1, "items": _EXPR},
        "nulls": {"type": "number", "minimum": 0, "maximum": 1},
        "omit_if": _EXPR, "skip": {"type": "boolean"},
        "count": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer", "minimum": 0}},
        "style": _STYLE, "future": {"type": "boolean"}, "not_after": _EXPR,
        "first": _STRS,
        "listed_in": {"type": "object", "additionalProperties": False, "required": ["operation", "identity"],
                      "properties": {"operation": _STR, "identity": _STR,
                                     "params": {"type": "object", "additionalProperties": _STR}}},
        "bind": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["entity", "id"],
            "properties": {"entity": _STR, "id": {"anyOf": [_EXPR, {"type": "integer"}]}}}},
    },
}

_FILTER = {
    "type": "object", "additionalProperties": False, "required": ["field"],
    "properties": {
        "field": _STR, "op": {"enum": ["in", "eq", "gt", "ge", "lt", "le"]}, "time": _STYLE,
        "timeframe": {"type": "boolean"},
        "values": {"type": "object", "additionalProperties": {"enum": ["is_null", "not_null", "any"]}},
    },
}

X_MOCK_OPERATION: dict = {
    "$comment": "x-mock on an operation: the collection it serves and how it is paged, sorted, filtered",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "dialect": _STR,
        "collection": {
            "type": "object", "additionalProperties": False, "required": ["item"],
            "properties": {
                "item": _STR, "identity": _STR, "key": _STRS, "ordered_by": _STRS,
                "size": {"type": "object", "additionalProperties": False,
                         "properties": {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 0},
                                        "empty": {"type": "number", "minimum": 0, "maximum": 1}}},
            },
        },
        "paging": {
            "type": "object", "additionalProperties": False, "required": ["limit"],
            "properties": {"offset": _STR, "limit": _STR, "page": _STR, "page_size": _STR,
                           "prefer": {"enum": ["page", "offset"]}, "default_limit": {"type": "integer", "minimum": 1},
                           "meta": {"type": "object", "additionalProperties": _STR,
                                    "propertyNames": {"enum": ["page", "limit", "offset", "pages"]}}},
        },
        "sort": {
            "type": "object", "additionalProperties": False,
            "properties": {"param": _STR, "by": _STR, "order": _STR, "default": _STRS,
                           "fields": {"type": "object", "additionalProperties": _STR}, "tie_breaker": _STR,
                           "syntax": {"enum": ["prefix", "words"]}, "separator": _STR},
            "dependentRequired": {"by": ["order"], "order": ["by"]},
        },
        "filters": {"type": "object", "additionalProperties": _FILTER},
        "filter": {
            "type": "object", "additionalProperties": False, "required": ["fields"],
            "properties": {"param": _STR, "fields": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "properties": {"path": _STR, "ops": {"type": "array", "items": {"enum": ["eq", "gt", "ge", "le", "lt"]}},
                               "time": _STYLE}}}},
        },
        "fields": {"type": "object", "additionalProperties": False, "required": ["param"], "properties": {"param": _STR}},
        "fieldsets": {"type": "object", "additionalProperties": False,
                      "properties": {"only": _STR, "except": _STR, "type": _STR}},
        "included": {"type": "object", "additionalProperties": _STR},
        "self_links": {"type": "boolean"},
        "media_type": _STR,
        "invariants": _STRS,
        "format": {"type": "object", "additionalProperties": False, "required": ["param"], "properties": {"param": _STR}},
        "columns_param": _STR,
        "columns": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["label"],
            "properties": {"label": _STR, "aliases": _STRS, "sortable": {"type": "boolean"},
                           "holds_customer_id": {"type": "boolean"}, "required": {"type": "boolean"}}}},
        "default_columns": _STRS,
        "envelope": {"type": "object"},  # dialect: template (mockserver/dialects/template.py)
        "errors": {"type": "object"},
        "errors_by_status": {"type": "object", "propertyNames": {"pattern": "^[1-5][0-9][0-9]$"},
                             "additionalProperties": {"type": "object"}},
        "trailing_slash": {"enum": ["same", "404"]},
        "csv_expand": {"type": "object", "additionalProperties": _STRS},
    },
}

X_MOCK_ROOT: dict = {
    "$comment": "x-mock at the spec root: the dialect all operations share, and shared entities",
    "type": "object",
    "additionalProperties": False,
    "properties": {"dialect": _STR, "entities": {"type": "object", "additionalProperties": {"type": "object"}}},
}

_VALIDATORS = {name: jsonschema_rs.validator_for(schema)
               for name, schema in (("x-faker", X_FAKER), ("x-mock", X_MOCK_OPERATION), ("x-mock root", X_MOCK_ROOT))}
EXPRESSION_KEYS = ("expr", "omit_if", "not_after")


def problems(raw: dict, source: str) -> list[str]:
    """Every problem of the spec's `x-mock` and `x-faker` blocks, as `file: path: problem`."""
    found: list[str] = []
    if "x-mock" in raw:
        found += _check("x-mock root", raw["x-mock"], source, "x-mock")
    for path, item in (raw.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if isinstance(op, dict) and "x-mock" in op:
                found += _check("x-mock", op["x-mock"], source, f"paths.{path}.{method}.x-mock")
    found += _order_problems(raw, source, "")
    for where, hint in _hints(raw, ""):
        if isinstance(hint, str) and hint:
            continue  # a pool name
        if not isinstance(hint, dict):
            found.append(f"{source}: {where}: expected a pool name or an object of hints, got {hint!r}")
            continue
        problems_here = _check("x-faker", hint, source, where)
        found += problems_here
        if not problems_here and isinstance(hint, dict):
            found += _expressions(hint, source, where)
    return found


def _check(kind: str, block: Any, source: str, where: str) -> list[str]:
    out = []
    for error in _VALIDATORS[kind].iter_errors(block):
        inner = ".".join(str(p) for p in error.instance_path)
        out.append(f"{source}: {where}{'.' + inner if inner else ''}: {_said(error, kind)}")
    return out


def _said(error, kind: str) -> str:
    """jsonschema's message; an unknown key also lists the keys that exist there."""
    message = str(getattr(error, "message", error))
    if "was unexpected" in message:
        known = _known_keys(kind, list(error.schema_path))
        if known:
            message += f"; known here: {', '.join(sorted(known))}"
    return message


def _known_keys(kind: str, schema_path: list) -> list[str]:
    schema: Any = {"x-faker": X_FAKER, "x-mock": X_MOCK_OPERATION, "x-mock root": X_MOCK_ROOT}[kind]
    for part in schema_path[:-1]:  # the path ends at `additionalProperties`
        try:
            schema = schema[part]
        except (KeyError, IndexError, TypeError):
            return []
    return list(schema.get("properties", {})) if isinstance(schema, dict) else []


def _hints(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    """(path, hint) of every `x-faker` in the document, outside the `x-mock` and `x-contract` blocks."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if key == "x-faker":
                yield here, value
            elif key not in ("x-contract", "examples", "example"):
                yield from _hints(value, here)
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _hints(value, f"{where}.{n}")


def _expressions(hint: dict, source: str, where: str) -> list[str]:
    """Expressions that do not parse are refused here, not on the item that first evaluates them."""
    texts = [(key, hint[key]) for key in EXPRESSION_KEYS if isinstance(hint.get(key), str)]
    texts += [(f"uuid_from.{n}", text) for n, text in enumerate(hint.get("uuid_from") or []) if isinstance(text, str)]
    texts += [(f"bind.{name}.id", b["id"]) for name, b in (hint.get("bind") or {}).items() if isinstance(b.get("id"), str)]
    out = []
    for key, text in texts:
        try:
            compile(text, "<x-faker>", "eval")
        except SyntaxError as exc:
            out.append(f"{source}: {where}.{key}: the expression does not parse ({exc.msg}): {text!r}")
    return out


def _order_problems(node: Any, source: str, where: str) -> list[str]:
    """An expression that names a sibling generated after it would fail on the items where it runs:
    refuse it here, with the fix (move the field up, or list it in the object's `first:`)."""
    import ast

    out: list[str] = []
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            hint = node.get("x-faker") if isinstance(node.get("x-faker"), dict) else {}
            first = [n for n in hint.get("first", []) if n in props]
            order = first + [n for n in props if n not in first]
            for position, name in enumerate(order):
                faker = props[name].get("x-faker") if isinstance(props[name], dict) else None
                if not isinstance(faker, dict):
                    continue
                texts = [faker[k] for k in EXPRESSION_KEYS if isinstance(faker.get(k), str)]
                texts += [t for t in faker.get("uuid_from") or [] if isinstance(t, str)]
                later = set(order[position + 1:])
                for text in texts:
                    try:
                        names = {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
                    except SyntaxError:
                        continue  # said by _expressions
                    for late in sorted(names & later):
                        out.append(f"{source}: {where}.properties.{name}.x-faker: the expression names `{late}`, "
                                   f"which is generated after `{name}`; move `{late}` above it or list it in "
                                   f"`first:` on the object")
        for key, value in node.items():
            if key not in ("x-contract", "examples", "example"):
                out += _order_problems(value, source, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            out += _order_problems(value, source, f"{where}.{n}")
    return out

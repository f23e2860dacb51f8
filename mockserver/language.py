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

from . import pyast

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
        "field": _STR, "op": {"enum": ["in", "eq", "ieq", "gt", "ge", "lt", "le"]}, "time": _STYLE,
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
                           "with_total": _STR,
                           "cursor": {"type": "object", "additionalProperties": False, "minProperties": 1,
                                      "properties": {"after": _STR, "before": _STR, "token": _STR}},
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
                             "additionalProperties": {"type": ["object", "string"]}},
        "unnamed_problems": _STR,
        "headers": {"type": "object", "additionalProperties": _STR},
        "validation_status": {"type": "integer", "minimum": 400, "maximum": 499},
        "trailing_slash": {"enum": ["same", "404"]},
        "links": {"type": "object", "additionalProperties": False,
                  "properties": {"style": {"enum": ["offset", "page", "as-requested"]},
                                 "carry": {"enum": ["window", "position"]},
                                 "last": {"enum": ["always", "beyond-first"]}}},
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
# What an expression sees besides the object's earlier fields (mockserver/fake.py `_eval`; a test keeps them equal).
EXPRESSION_NAMES = ("params", "index", "size", "seed", "now_ms", "times", "bound", "random", "randint", "uniform",
                    "choice", "stable_int", "pool", "world", "obj", "parent", "unique_code", "email_for", "enclosing")
BUILTIN_NAMES = ("min", "max", "round", "sum", "len", "abs", "int", "float", "str", "bool", "any", "all",
                 "sorted", "set", "list", "dict", "tuple", "range", "enumerate", "zip", "True", "False", "None")


def problems(raw: dict, source: str) -> list[str]:
    """Every problem of the spec's `x-mock` and `x-faker` blocks, as `file: path: problem`."""
    found: list[str] = []
    if "x-mock" in raw:
        found += _check("x-mock root", raw["x-mock"], source, "x-mock")
    for path, method, op in _operations(raw):
        if "x-mock" in op:
            found += _check("x-mock", op["x-mock"], source, f"paths.{path}.{method}.x-mock")
    found += _order_problems(raw, source, "")
    found += _name_problems(raw, source, "")
    pools: list[tuple[str, str]] = []
    for where, hint in _hints(raw, ""):
        if isinstance(hint, str) and hint:
            pools.append((where, hint))  # a pool name
            continue
        if not isinstance(hint, dict):
            found.append(f"{source}: {where}: expected a pool name or an object of hints, got {hint!r}")
            continue
        problems_here = _check("x-faker", hint, source, where)
        found += problems_here
        if not problems_here and isinstance(hint, dict):
            found += _expressions(hint, source, where)
            found += _references(raw, hint, source, where)
            if "pool" in hint:
                pools.append((f"{where}.pool", hint["pool"]))
    found += _pool_problems(pools, source)
    found += _item_problems(raw, source)
    found += _dialect_problems(raw, source)
    return found


def _operations(raw: dict) -> Iterator[tuple[str, str, dict]]:
    """(path, method, operation) of every operation object (other shapes are OpenAPI's to refuse)."""
    paths = raw.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        for method, op in (item.items() if isinstance(item, dict) else ()):
            if isinstance(op, dict):
                yield path, method, op


def check(names: list[str]) -> tuple[int, list[str]]:
    """What `mockserver check` says: (how many spec files were read, every problem line). A name is a
    file, a directory (its *.yaml, *.yml and *.json files) or a bundled spec's name. Besides `x-mock`
    and `x-faker`, each spec's `x-contract` blocks are checked, and `$ref`s must resolve."""
    from pathlib import Path

    from contracts.declarations import problems as contract_problems

    from . import trial
    from .dataset import World
    from .spec import SpecError, _read, bundled_spec_paths, load_spec, resolve_spec_path

    paths, found = [], []
    for name in names:
        try:
            path = resolve_spec_path(name)
        except FileNotFoundError as exc:
            found.append(f"{name}: {str(exc).strip(chr(34))}")
            continue
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
            if not inside:
                found.append(f"{path}: a directory with no .yaml, .yml or .json file in it")
            paths += inside
        else:
            paths.append(path)
    if not names:
        paths = bundled_spec_paths()
    for path in paths:
        try:
            raw = _read(Path(path))
        except (ValueError, OSError) as exc:
            found.append(str(exc).splitlines()[0])
            continue
        try:
            here = problems(raw, str(path)) + contract_problems(raw, str(path))
        except Exception:  # a shape OpenAPI does not allow: load_spec names it in one line
            here = []
        if not here:
            try:
                spec = load_spec(path)
                trial.check(World([spec]), [spec])
            except SpecError as exc:
                here.append(str(exc).splitlines()[0])
        found += here
    return len(paths), found


def _texts(hint: dict) -> list[tuple[str, str]]:
    """(key, expression) of every expression in one hint."""
    texts = [(key, hint[key]) for key in EXPRESSION_KEYS if isinstance(hint.get(key), str)]
    sources = hint.get("uuid_from") if isinstance(hint.get("uuid_from"), list) else []
    texts += [(f"uuid_from.{n}", text) for n, text in enumerate(sources) if isinstance(text, str)]
    return texts


def _name_problems(node: Any, source: str, where: str) -> list[str]:
    """A name that is neither a field of the expression's object nor one expressions see would fail
    (NameError) on every item: refuse it here, with the nearest known name."""
    out: list[str] = []
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            hint = node.get("x-faker") if isinstance(node.get("x-faker"), dict) else {}
            binds = hint.get("bind") if isinstance(hint.get("bind"), dict) else {}
            for name, b in binds.items():  # evaluated before any field of the object
                if isinstance(b, dict) and isinstance(b.get("id"), str):
                    out += _unknown(b["id"], set(), source, f"{where}.x-faker.bind.{name}.id")
            for name, sub in props.items():
                faker = sub.get("x-faker") if isinstance(sub, dict) else None
                if isinstance(faker, dict):
                    for key, text in _texts(faker):
                        out += _unknown(text, set(props), source, f"{where}.properties.{name}.x-faker.{key}")
        for key, value in node.items():
            if key not in ("x-contract", "examples", "example"):
                out += _name_problems(value, source, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            out += _name_problems(value, source, f"{where}.{n}")
    return out


def _unknown(text: str, fields: set, source: str, where: str) -> list[str]:
    import ast
    import difflib

    try:
        tree = pyast.parse(text, mode="eval")
    except SyntaxError:
        return []  # said by _expressions
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}  # lambda parameters
    known = set(EXPRESSION_NAMES) | set(BUILTIN_NAMES) | fields | local
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    out = []
    for name in sorted(used - known):
        near = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean `{near[0]}`?" if near else " (docs/spec-extensions.md lists the names expressions see)"
        out.append(f"{source}: {where}: the expression names `{name}`, which is neither a field of this object "
                   f"nor a name expressions see{hint}")
    return out


def _references(raw: dict, hint: dict, source: str, where: str) -> list[str]:
    """Names a hint gives that must exist elsewhere in the spec: bound entities, listing operations."""
    out = []
    entities = (raw.get("x-mock") or {}).get("entities") or {} if isinstance(raw.get("x-mock"), dict) else {}
    for name, b in (hint.get("bind") or {}).items():
        if b["entity"] not in entities:
            known = f"known: {', '.join(entities)}" if entities else "the spec's root x-mock declares none"
            out.append(f"{source}: {where}.bind.{name}.entity: no entity `{b['entity']}` in x-mock.entities ({known})")
    if "listed_in" in hint:
        ids = [op.get("operationId") for _, _, op in _operations(raw)]
        wanted = hint["listed_in"]["operation"]
        if wanted not in ids:
            out.append(f"{source}: {where}.listed_in.operation: no operation with operationId `{wanted}` "
                       f"(known: {', '.join(i for i in ids if i)})")
    return out


def _pool_problems(pools: list[tuple[str, str]], source: str) -> list[str]:
    """A pool name Faker does not know would fail on the first item that draws from it."""
    if not pools:
        return []
    import difflib

    from faker import Faker

    from .fake import _CUSTOM_POOLS

    fake, out = Faker("en_US"), []
    for where, name in pools:
        if name in _CUSTOM_POOLS or callable(getattr(fake, name, None)):
            continue
        near = difflib.get_close_matches(name, list(_CUSTOM_POOLS) + [p for p in dir(fake) if not p.startswith("_")], n=1)
        out.append(f"{source}: {where}: unknown pool `{name}`; a pool is a Faker provider (name, email, company, word...) "
                   f"or one of {', '.join(_CUSTOM_POOLS)}" + (f"; did you mean `{near[0]}`?" if near else ""))
    return out


def _item_problems(raw: dict, source: str) -> list[str]:
    """`x-mock.collection.item` names a schema of components.schemas."""
    components = raw.get("components") if isinstance(raw.get("components"), dict) else {}
    schemas = components.get("schemas") if isinstance(components.get("schemas"), dict) else {}
    out = []
    for path, method, op in _operations(raw):
        block = op.get("x-mock")
        collection = block.get("collection") if isinstance(block, dict) else None
        name = collection.get("item") if isinstance(collection, dict) else None
        if isinstance(name, str) and name and name not in schemas:
            out.append(f"{source}: paths.{path}.{method}.x-mock.collection.item: no schema `{name}` in "
                       f"components.schemas" + (f" (known: {', '.join(schemas)})" if schemas else ""))
    return out


def _check(kind: str, block: Any, source: str, where: str) -> list[str]:
    out = []
    for error in _VALIDATORS[kind].iter_errors(block):
        inner = ".".join(str(p) for p in error.instance_path)
        out.append(f"{source}: {where}{'.' + inner if inner else ''}: {_said(error, kind)}")
    return out


def _said(error, kind: str) -> str:
    """jsonschema's message; an unknown key also lists the keys that exist there."""
    message = str(getattr(error, "message", error))
    options = getattr(getattr(error, "kind", None), "options", None)
    if type(getattr(error, "kind", None)).__name__ == "Enum" and isinstance(options, list):
        message = f"{error.instance!r} is not one of {', '.join(map(repr, options))}"  # all of them, not "2 other candidates"
    if list(error.schema_path)[-1:] == ["dependentRequired"] and isinstance(error.instance, dict):
        needs = _schema_at(kind, list(error.schema_path)) or {}
        given = [k for k, deps in needs.items() if k in error.instance and any(d not in error.instance for d in deps)]
        if given:
            message += f" when `{given[0]}` is given (use {' and '.join(f'`{k}`' for k in [given[0], *needs[given[0]]])} together)"
    if "was unexpected" in message:
        known = _known_keys(kind, list(error.schema_path))
        if known:
            message += f"; known here: {', '.join(sorted(known))}"
    return message


def _known_keys(kind: str, schema_path: list) -> list[str]:
    schema = _schema_at(kind, schema_path[:-1])  # the path ends at `additionalProperties`
    return list(schema.get("properties", {})) if isinstance(schema, dict) else []


def _schema_at(kind: str, schema_path: list) -> Any:
    schema: Any = {"x-faker": X_FAKER, "x-mock": X_MOCK_OPERATION, "x-mock root": X_MOCK_ROOT}[kind]
    for part in schema_path:
        try:
            schema = schema[part]
        except (KeyError, IndexError, TypeError):
            return None
    return schema


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
                        names = {n.id for n in ast.walk(pyast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
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


def _dialect_problems(raw: dict, source: str) -> list[str]:
    """`dialect:` names one of mockserver/dialects (read here, not in the schema: the dialects import the spec)."""
    from .dialects import DIALECTS

    blocks = [("x-mock", raw.get("x-mock"))]
    for path, method, op in _operations(raw):
        blocks.append((f"paths.{path}.{method}.x-mock", op.get("x-mock")))
    out = []
    for where, block in blocks:
        name = block.get("dialect") if isinstance(block, dict) else None
        if isinstance(name, str) and name and name not in DIALECTS:
            out.append(f"{source}: {where}.dialect: unknown dialect {name!r}; known: {', '.join(sorted(DIALECTS))}")
    return out

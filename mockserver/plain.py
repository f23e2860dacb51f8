"""Operations without `x-mock`: any OpenAPI 3 spec serves, inferred from its schemas.

An operation with no `x-mock.collection` still gets a real answer; what it gets is decided once,
at start-up, from the operation alone (`plan_spec`), and `mockserver routes` prints that decision
for every operation, so nothing is silently skipped:

- **collection**: a GET whose first 2xx JSON response is an array (`[Pet]`), or an object holding
  one array of items (`{data: [Pet], total: 3}`; the array's name is `items`, `data`, `results`,
  ... or the path's last segment, or the operation has paging parameters). Its items form a
  deterministic collection: item *i* is a pure function of (seed, collection, path parameters,
  *i*), generated from the item schema; the collection's size too (`--size N` fixes it). Paging
  is inferred from the query parameters' names:
  `limit`/`per_page`/`page_size`/`size`/`top`... (page size), `offset`/`skip`/`start` (offset),
  `page`/`page_number` (page number, 1-based unless its schema's minimum is 0) and
  `cursor`/`after`/`page_token`/`starting_after` (an opaque cursor, with the page size). The page
  size is the parameter's schema default, else 20 (raised to its minimum, lowered to its maximum
  and to the array's `maxItems`); a value above the parameter's `maximum` is refused as the spec
  says; a page size alone (`limit` with no offset, page or cursor) gives the first page, with
  no links. A paged collection holds between 2 and 4 default pages plus one (so the first page is
  never all of it), an unpaged one 5 to 25 items (within the array's `minItems`/`maxItems`). A
  page past the end is empty. Each page carries a `Link` header (`first`, `prev`, `next`,
  `last`; a cursor list `next`/`prev` only), and an envelope's own paging fields are filled in
  where their names say what they are: `total`/`total_count`/`count` (the total; `count` is the
  page's length when a `total` sits beside it, as commercetools has it), `limit`/`offset`/`page`,
  `total_pages`, `has_more`, and `next`/`previous` (an absolute URL, or the cursor where the name
  says cursor or token; null when there is none and the schema allows null). A bad cursor is a
  400 naming the parameter.
- **identity**: the item property `id`, else the one named like the item route's parameter
  (`petId`, `pet_id`), else the first ending in `id`, else `uuid`/`key`/`code`/`slug`. Integer
  identities are 1, 2, 3... (from the schema's minimum if it is higher), `format: uuid` ones are
  derived from (seed, collection, index), other strings are "1", "2"... (zero-padded to
  `minLength`): unique within a collection. A string identity with a `pattern`, `enum` or other
  format keeps its generated value, which may repeat.
- **item of LIST**: `/pets/{petId}` next to a collection `/pets` (any method) serves the item of
  that collection whose identity is `petId`: the same data the list shows. Where the item
  response's schema is not the list's item schema, the item is wrapped (`{data: Pet}`) or the
  response is generated from its own schema with the fields the two share copied over. An id not
  in the collection is a 404 problem. A documented example is not used for lists and their items:
  their data is the collection's.
- **writes** (POST, PUT, PATCH; DELETE has no body) validate a JSON request body against the
  documented request schema (OpenAPI 3.0's `nullable` and boolean exclusive bounds read as 3.0
  means them, `readOnly` properties never required): malformed JSON, a missing required body or
  a body the schema refuses is a 422 problem (400 where the operation documents 400 and not 422)
  listing each violation with a JSON pointer; a non-JSON content type is a 415, a body over 1 MiB
  a 413. A valid write answers its first documented 2xx:
  a POST to a collection creates: a generated item with the next identity (never one the
  collection already has), the posted fields merged over it, `Location` naming its item route
  (an identity the request schema lets the client choose, not `readOnly`, is kept, and one the
  collection has is a 409);
  PUT/PATCH/DELETE on an item route answer the existing item with the posted fields merged over
  it (the identity kept), or 404; any other write answers its documented example, else generated
  data, with the posted fields merged over it where both are objects. A posted field is merged
  only where the answer's schema declares it and admits its value (a merge-patch `null` removes
  an optional field the answer may not hold as null, and leaves a required one). Writes are not stored: the
  mock is stateless, as Prism is (Mockoon's CRUD routes are not), so a created pet is not listed
  afterwards.
- **example** / **schema**: anything else answers its first documented 2xx: the response's own
  example where the spec has one, else data generated from the response schema, deterministic in
  (seed, operation, path parameters); a 2xx without a JSON body answers its example text, or
  nothing, in its documented media type (a 204 with no body at all).

Generated values follow the schema: `allOf` is merged and `oneOf`/`anyOf` take their first
branch, `writeOnly` properties are left out of answers, numbers stay within their bounds,
strings within their lengths, and `date`, `time`, `uri`, `ipv4`, `ipv6`, `hostname` and `byte`
formats get values of that form (a `pattern` is honoured only through the schema's example).

The request is validated against the documented parameters and security (integer parameters
also against their `int32`/`int64` format's range), and journaled with what the client did wrong
(`mockserver verify` lists it; undocumented query parameters too, refused with `--strict`). A 405 names in `Allow` every
method documented at the path. `Prefer` works as for `x-mock` specs: `code=` a documented status
(its example or schema-made body; an error status as problem details, 429 with `Retry-After`),
`example=` a named example, `scenario=empty|large|edge` a list of 0, 10,000 or 101 items (edge:
hostile but valid values), `latency=` and `error-rate=`; so do `--latency`, `--error-rate` and
`--rate-limit`. Fault scripts and pinned records name `x-mock` collections, so they do not reach
plain operations. Errors
are RFC 9457 problem details (`application/problem+json`), as the spec names no envelope (Prism
answers the same way).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import orjson
from starlette.requests import Request
from starlette.responses import Response

from . import control
from .errors import Problem, RequestError
from .fake import Ctx, SchemaCompiler, derived_uuid, pool, rng_for
from .spec import Operation, Spec, safe_name
from .validate import RequestValidator

PROBLEM = "application/problem+json"
WRITES = ("post", "put", "patch")
MAX_BODY_BYTES = 1 << 20
DEFAULT_PAGE_SIZE = 20
SCENARIO_SIZES = {"empty": 0, "large": 10_000, "edge": 101}  # `Prefer: scenario=`, as for x-mock lists
INT_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class ProblemDetails:
    """The error envelope of a spec that declares none (RFC 9457), for the 404/405 handler too."""

    trailing_slash = "404"

    @staticmethod
    def error_body(error: RequestError) -> dict:
        body = {"type": "about:blank", "title": error.title, "status": error.status, "detail": str(error)}
        if error.problems and any(p.parameter is not None for p in error.problems):
            body["errors"] = [{"detail": p.message, "pointer": p.parameter} if p.location == "body" else
                              {"detail": p.message, "parameter": p.parameter, "in": p.location}
                              for p in error.problems]
        return body


def _dumps(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # integers beyond 64 bits (a client asked for offset 10**30): the slow, exact path
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _ascii(url: str) -> str:
    """A URL fit for a header: what is not ASCII (a path parameter in any script) percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _is_json(media: str) -> bool:
    media = media.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def documented_answer(op: Operation) -> tuple[int, str, dict, Any] | None:
    """(status, media type, schema, example or None) of the first 2xx JSON response."""
    for status in sorted(op.responses):
        if not (status.isdigit() and 200 <= int(status) < 300):
            continue
        for media, content in (op.responses[status].get("content") or {}).items():
            if _is_json(media):
                content = content or {}
                example = content.get("example")
                if example is None and content.get("examples"):
                    first = next(iter(content["examples"].values()))
                    example = first.get("value") if isinstance(first, dict) else None
                schema = content.get("schema") or {}
                if example is None and "example" in schema:
                    example = schema["example"]
                return int(status), media, schema, example
        return int(status), "", {}, None  # a 2xx without a JSON body (204)
    return None


# ------------------------------------------------------------------------------- schemas

def _types(schema: dict) -> list:
    kind = schema.get("type")
    kinds = list(kind) if isinstance(kind, list) else [kind] if kind else []
    if schema.get("nullable") is True and "null" not in kinds:
        kinds.append("null")
    return kinds


def _merge_all_of(schema: dict) -> dict:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        part = _merge_all_of(part) if isinstance(part, dict) else {}
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged.setdefault(key, value)
    return merged


def json_schema(schema: Any, request: bool) -> Any:
    """An OpenAPI schema as JSON Schema for validation: 3.0's `nullable` and boolean exclusive
    bounds in their JSON Schema forms, OpenAPI-only keywords dropped, and `readOnly` properties
    never required of a request (nor `writeOnly` ones of a response)."""
    if isinstance(schema, list):
        return [json_schema(s, request) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in ("example", "examples", "nullable", "discriminator", "xml",
                                            "externalDocs", "deprecated", "readOnly", "writeOnly"):
            continue
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            out[key] = {k: json_schema(v, request) for k, v in value.items()} if isinstance(value, dict) else value
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf", "prefixItems", "contains"):
            out[key] = json_schema(value, request)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in schema:
                out[key] = schema[bound]
        else:
            out[key] = value
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if schema.get(key) is True and bound in out:
            del out[bound]
    if schema.get("nullable") is True:
        kinds = _types(schema)
        if "type" in schema:
            out["type"] = kinds
        elif "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    skip = "readOnly" if request else "writeOnly"
    hidden = {name for name, sub in (schema.get("properties") or {}).items() if isinstance(sub, dict) and sub.get(skip)}
    if hidden and "required" in out:
        out["required"] = [r for r in out["required"] if r not in hidden]
    return out


@lru_cache(maxsize=64)
def _strings(kind: str, low: int, high: int) -> tuple:
    """Values of a string format (or plain words fitted into [low, high] characters)."""
    words = pool("word")[:50]
    if kind == "date":
        return tuple(f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(50))
    if kind == "time":
        return tuple(f"{i % 24:02d}:{(i * 7) % 60:02d}:00Z" for i in range(50))
    if kind in ("uri", "url", "uri-reference", "iri"):
        return tuple(f"https://example.com/{w}" for w in words)
    if kind == "ipv4":
        return tuple(f"192.0.2.{i + 1}" for i in range(50))
    if kind == "ipv6":
        return tuple(f"2001:db8::{i + 1:x}" for i in range(50))
    if kind in ("hostname", "idn-hostname"):
        return tuple(f"{w}.example.com" for w in words)
    if kind == "byte":
        return tuple(base64.b64encode(w.encode()).decode() for w in words)
    fitted = []
    for w in words:
        w = (w * (low // max(len(w), 1) + 1)) if len(w) < low else w
        fitted.append(w[:high] if high >= 0 else w)
    return tuple(fitted)


STRING_FORMATS = ("date", "time", "uri", "url", "uri-reference", "iri", "ipv4", "ipv6", "hostname", "idn-hostname", "byte")


def generatable(schema: Any, response: bool = True) -> Any:
    """A copy of a response schema that the generator makes valid data from: allOf merged,
    oneOf/anyOf at their first branch, bounds and formats as hints (nothing the spec's own
    `x-faker` says is overridden)."""
    if not isinstance(schema, dict):
        return schema
    schema = _merge_all_of(schema)
    for key in ("oneOf", "anyOf"):
        branches = schema.pop(key, None)
        if branches and isinstance(branches[0], dict):
            first = generatable(branches[0], response)
            schema = {**{k: v for k, v in first.items()}, **{k: v for k, v in schema.items() if k not in first}}
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        hidden = "writeOnly" if response else "readOnly"
        out["properties"] = {name: generatable(sub, response) for name, sub in out["properties"].items()
                             if not (isinstance(sub, dict) and sub.get(hidden))}
    if isinstance(out.get("items"), dict):
        out["items"] = generatable(out["items"], response)
    if "x-faker" in out or "enum" in out or "const" in out:
        return out
    if "example" in out and out.get("pattern"):
        out["x-faker"] = {"const": out["example"]}
        return out
    kinds = [k for k in _types(out) if k != "null"]
    kind = kinds[0] if kinds else ("object" if "properties" in out else "array" if "items" in out else None)
    if kind is None and not out.get("properties"):
        out["type"] = "string"
        kind = "string"
    if kind in ("integer", "number"):
        low, high = out.get("minimum"), out.get("maximum")
        ex_low, ex_high = out.get("exclusiveMinimum"), out.get("exclusiveMaximum")
        step = 1 if kind == "integer" else 0.01
        if isinstance(ex_low, (int, float)) and not isinstance(ex_low, bool):
            low = ex_low + step
        elif ex_low is True and low is not None:
            low = low + step
        if isinstance(ex_high, (int, float)) and not isinstance(ex_high, bool):
            high = ex_high - step
        elif ex_high is True and high is not None:
            high = high - step
        if low is None and high is None:
            low, high = 0, 1000
        elif low is None:
            low = min(0, high - 1000)
        elif high is None:
            high = low + 1000
        step = out.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            first, last = -(-low // step), high // step  # the multiples of `step` within the bounds
            if first <= last:
                count = int(last - first) + 1
                picks = range(count) if count <= 50 else sorted({i * (count - 1) // 49 for i in range(50)})
                values = [(first + k) * step for k in picks]
                out["x-faker"] = {"choice": [int(v) if kind == "integer" or float(v).is_integer() and isinstance(step, int)
                                             else round(v, 12) for v in values]}
                return out
        if kind == "integer":
            out["x-faker"] = {"range": [int(-(-low // 1)), int(high // 1)]}
        else:
            out["x-faker"] = {"range": [float(low), float(high)], "decimals": 2}
    elif kind == "array":
        low = int(out.get("minItems", 0) or 0)
        high = out.get("maxItems")
        high = min(int(high), low + 5) if isinstance(high, int) and high >= low else low + 3
        out["x-faker"] = {"count": [low, high]}
    elif kind == "string":
        fmt = out.get("format")
        low, high = int(out.get("minLength", 0)), int(out.get("maxLength", -1))
        if fmt in STRING_FORMATS:
            out["x-faker"] = {"choice": list(_strings(fmt, 0, -1))}
        elif fmt not in ("uuid", "date-time", "email") and not out.get("pattern") and (low > 1 or high >= 0):
            out["x-faker"] = {"choice": list(_strings("", low, high))}
    return out


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, dict) and isinstance(b, dict) and json_schema(a, False) == json_schema(b, False)


# ------------------------------------------------------------------------------- paging

def _norm(name: str) -> str:
    return re.sub(r"[^a-z\[\]]", "", name.lower())


LIMIT_NAMES = {"limit", "perpage", "pagesize", "size", "maxresults", "top", "count", "first", "pagelimit",
               "page[limit]", "page[size]", "take", "rows", "maxitems", "itemsperpage", "num"}
OFFSET_NAMES = {"offset", "skip", "start", "startindex", "from", "page[offset]"}
PAGE_NAMES = {"page", "pagenumber", "pageno", "pagenum", "pageindex", "page[number]"}
CURSOR_NAMES = {"cursor", "after", "startingafter", "pagetoken", "nexttoken", "continuationtoken", "continuation",
                "page[cursor]", "page[after]", "nextcursor", "marker"}
ITEM_ARRAY_NAMES = {"items", "data", "results", "records", "values", "entries", "content", "list", "objects",
                    "elements", "rows", "nodes", "hits", "resources"}


@dataclass
class Paging:
    style: str = ""  # offset | page | cursor | limit | "" (unpaged)
    limit: str | None = None
    offset: str | None = None
    page: str | None = None
    cursor: str | None = None
    default_size: int = DEFAULT_PAGE_SIZE
    max_size: int | None = None
    page_base: int = 1
    ignored: tuple = ()

    @classmethod
    def infer(cls, op: Operation, array_schema: dict) -> "Paging":
        found: dict[str, Any] = {}
        for p in op.query_params.values():
            kinds = _types(p.schema)
            n = _norm(p.name)
            numeric = bool({"integer", "number"} & set(kinds))
            for role, names, ok in (("limit", LIMIT_NAMES, numeric), ("offset", OFFSET_NAMES, numeric),
                                    ("page", PAGE_NAMES, numeric), ("cursor", CURSOR_NAMES, "string" in kinds or not kinds)):
                if n in names and ok and role not in found:
                    found[role] = p
        paging = cls()
        for role, p in found.items():
            setattr(paging, role, p.name)
        limit = found.get("limit")
        if found.get("cursor"):
            paging.style = "cursor"
            paging.ignored = tuple(found[r].name for r in ("offset", "page") if r in found)
        elif found.get("offset"):
            paging.style = "offset"
            paging.ignored = (found["page"].name,) if "page" in found else ()
        elif found.get("page"):
            paging.style = "page"
            page = found["page"].schema
            paging.page_base = 0 if page.get("minimum") == 0 or page.get("default") == 0 else 1
        elif limit is not None:
            paging.style = "limit"
        caps = [c for c in (limit.schema.get("maximum") if limit is not None else None, array_schema.get("maxItems"))
                if isinstance(c, int) and not isinstance(c, bool)]
        paging.max_size = min(caps) if caps else None
        size = limit.schema.get("default") if limit is not None else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            size = DEFAULT_PAGE_SIZE
            low = limit.schema.get("minimum") if limit is not None else None
            if isinstance(low, int) and low > size:
                size = low
        if paging.max_size is not None:
            size = max(1, min(size, paging.max_size))
        paging.default_size = size
        return paging

    def describe(self) -> str:
        if not self.style:
            return "unpaged"
        names = {"offset": [self.offset, self.limit], "page": [self.page, self.limit], "cursor": [self.cursor, self.limit],
                 "limit": [self.limit]}[self.style]
        shown = "/".join(n for n in names if n)
        if self.style == "offset":
            shown = "/".join(n for n in [self.limit, self.offset] if n)
        extra = f"; {', '.join(self.ignored)} ignored" if self.ignored else ""
        return f"paged by {shown}, {self.default_size} a page{extra}"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = raw.partition(":")
    if kind != "offset" or not number.isdigit() or len(number) > 12:
        return None
    return int(number)


# ------------------------------------------------------------------------------- plans

@dataclass
class ListShape:
    items_at: str | None  # the envelope property holding the page; None: the response is the array
    array_schema: dict
    item_schema: dict
    response_schema: dict


def list_shape(op: Operation, schema: dict) -> ListShape | None:
    """Where a list response keeps its items: the response itself, or an envelope's one array."""
    schema = _merge_all_of(schema) if isinstance(schema, dict) else {}
    kinds = _types(schema)
    if "array" in kinds or ("items" in schema and not kinds):
        return ListShape(None, schema, schema.get("items") or {}, schema)
    if "properties" not in schema:
        return None
    arrays = [(name, sub) for name, sub in schema["properties"].items()
              if isinstance(sub, dict) and "array" in _types(_merge_all_of(sub))]
    if len(arrays) != 1:
        return None
    name, sub = arrays[0]
    last = next((s for s in reversed(op.path.split("/")) if s and "{" not in s), "")
    paged = Paging.infer(op, {}).style != ""
    if _norm(name) in ITEM_ARRAY_NAMES or _norm(name) == _norm(last) or paged:
        sub = _merge_all_of(sub)
        return ListShape(name, sub, sub.get("items") or {}, schema)
    return None


def _shape_of(path: str) -> tuple:
    return tuple("{}" if s.startswith("{") and s.endswith("}") else s for s in path.strip("/").split("/"))


def _params_of(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


@dataclass
class Plan:
    kind: str  # collection | item | create | write | example | schema | empty
    op: Operation
    answer: tuple | None
    shape: ListShape | None = None
    paging: Paging | None = None
    list_op: Operation | None = None  # the collection an item route or a create belongs to
    identity: str | None = None
    body: dict | None = None  # the JSON request body's schema (writes)
    body_note: str = ""
    item_param: str | None = None

    def describe(self) -> str:
        list_id = self.list_op.operation_id if self.list_op is not None else ""
        method = self.op.method
        if self.kind == "collection":
            who = f"identity {self.identity}" if self.identity else "no identity"
            return f"collection ({self.paging.describe()}; {who})"
        write = method in WRITES
        note = f" ({self.body_note})" if self.body_note else ""
        prefix = f"body-validated write{note}, " if write and self.body is not None else (f"write{note}, " if write else "")
        if self.kind == "item":
            verb = "delete of an item" if method == "delete" else "item"
            return f"{prefix}{verb} of {list_id}"
        if self.kind == "create":
            return f"{prefix}create in {list_id}"
        return f"{prefix}{self.kind}"


def _identity(item_schema: dict, item_param: str | None) -> str | None:
    props = (_merge_all_of(item_schema) if isinstance(item_schema, dict) else {}).get("properties") or {}
    scalar = [n for n, s in props.items() if isinstance(s, dict) and {"integer", "number", "string"} & set(_types(s))]
    if "id" in scalar:
        return "id"
    if item_param:
        for name in scalar:
            if _norm(name) == _norm(item_param):
                return name
    for name in scalar:
        if name.lower().endswith("id"):
            return name
    return next((n for n in ("uuid", "key", "code", "slug") if n in scalar), None)


def _request_body(op: Operation) -> tuple[dict | None, str]:
    body = op.raw.get("requestBody")
    if not isinstance(body, dict):
        return None, ""
    content = body.get("content") or {}
    for media, entry in content.items():
        if _is_json(media):
            return (entry or {}).get("schema") or {}, ""
    if content:
        return None, f"{', '.join(content)} body not validated"
    return None, ""


def plan_spec(spec: Spec) -> dict[str, Plan]:
    """How each operation without `x-mock.collection` is served (by operationId)."""
    plain = [op for op in spec.operations if "collection" not in op.mock]
    answers = {op.operation_id: documented_answer(op) for op in plain}
    shapes: dict[str, tuple[ListShape, Paging]] = {}
    for op in plain:
        answer = answers[op.operation_id]
        if op.method == "get" and answer and answer[1]:
            shape = list_shape(op, answer[2])
            if shape is not None:
                shapes[op.operation_id] = (shape, Paging.infer(op, shape.array_schema))
    lists: dict[tuple, Operation] = {}
    for op in plain:  # an item route's object response is an item even if it holds one array
        segments = _shape_of(op.path)
        if op.operation_id in shapes and segments[-1:] == ("{}",) and shapes[op.operation_id][0].items_at is not None \
                and any(o.operation_id in shapes and _shape_of(o.path) == segments[:-1] for o in plain):
            del shapes[op.operation_id]
    for op in plain:
        if op.operation_id in shapes:
            lists.setdefault(_shape_of(op.path), op)
    # One identity per collection, named after its item route's parameter where there is one.
    item_params = {}
    for op in plain:
        segments = _shape_of(op.path)
        parent = lists.get(segments[:-1]) if segments[-1:] == ("{}",) else None
        if parent is not None:
            item_params.setdefault(parent.operation_id, _params_of(op.path)[-1])
    identities = {op_id: _identity(shape.item_schema, item_params.get(op_id)) for op_id, (shape, _) in shapes.items()}
    plans: dict[str, Plan] = {}
    for op in plain:
        answer = answers[op.operation_id]
        body, note = _request_body(op) if op.method in WRITES else (None, "")
        plan = Plan("empty", op, answer, body=body, body_note=note)
        segments = _shape_of(op.path)
        parent = lists.get(segments[:-1]) if segments[-1:] == ("{}",) else None
        if op.operation_id in shapes:
            plan.kind = "collection"
            plan.shape, plan.paging = shapes[op.operation_id]
            plan.identity = identities[op.operation_id]
        elif parent is not None and op.method in ("get", "put", "patch", "delete") and identities[parent.operation_id]:
            plan.kind, plan.list_op = "item", parent
            plan.shape, plan.paging = shapes[parent.operation_id]
            plan.identity, plan.item_param = identities[parent.operation_id], _params_of(op.path)[-1]
        elif op.method == "post" and segments in lists:
            owner = lists[segments]
            plan.kind, plan.list_op = "create", owner
            plan.shape, plan.paging = shapes[owner.operation_id]
            plan.identity = identities[owner.operation_id]
        if plan.kind == "empty" and answer is not None and answer[1]:
            plan.kind = "example" if answer[3] is not None else "schema"
        elif plan.kind == "empty" and answer is not None:
            plan.kind = f"no body ({answer[0]})"
        elif plan.kind == "empty":
            plan.kind = "no body (204: no 2xx documented)"
        plans[op.operation_id] = plan
    return plans


def describe(op: Operation, plans: dict[str, Plan] | None = None) -> str:
    """What `mockserver routes` prints for an operation without `x-mock.collection`."""
    plans = plans if plans is not None else plan_spec(op.spec)
    plan = plans.get(op.operation_id)
    return plan.describe() if plan else "plain"


# ------------------------------------------------------------------------------- collections

class PlainCollection:
    """The items of one list operation; item *i* is a pure function of (seed, collection, key, i)."""

    def __init__(self, op: Operation, shape: ListShape, paging: Paging, identity: str | None, world):
        self.op, self.shape, self.paging, self.identity = op, shape, paging, identity
        self.name = f"{op.spec.name}:{op.operation_id}"
        self.seed, self.now_ms, self.world = world.seed, world.now_ms, world
        self.size_override = getattr(world, "size_override", None)
        self.item_schema = generatable(shape.item_schema)
        compiler = SchemaCompiler(op.spec.entities)
        self.generate = compiler.compile(self.item_schema)
        self.id_schema = ((self.item_schema.get("properties") or {}).get(identity) or {}) if identity else {}
        self.id_kind = self._id_kind()
        self.params = _params_of(op.path)
        self.item = lru_cache(maxsize=4096)(self._item)

    def _id_kind(self) -> str:
        if not self.identity:
            return ""
        kinds = _types(self.id_schema)
        if {"integer", "number"} & set(kinds):
            return "int"
        if self.id_schema.get("format") == "uuid":
            return "uuid"
        if self.id_schema.get("pattern") or self.id_schema.get("enum") or self.id_schema.get("format") \
                or "const" in self.id_schema or "x-faker" in self.shape.item_schema.get("properties", {}).get(self.identity, {}):
            return "generated"
        return "str"

    def size(self, key: tuple) -> int:
        if self.size_override is not None:
            return self.size_override
        r = rng_for(self.seed, self.name, *key, "size")
        if self.paging.style:
            page = self.paging.default_size
            return min(r.randint(2 * page + 1, 4 * page + 1), 10_000)
        low, high = 5, 25
        lo_items, hi_items = self.shape.array_schema.get("minItems"), self.shape.array_schema.get("maxItems")
        if isinstance(hi_items, int):
            high = min(high, hi_items)
            low = min(low, high)
        if isinstance(lo_items, int):
            low, high = max(low, lo_items), max(high, lo_items)
        return r.randint(low, high)

    def identity_of(self, key: tuple, index: int) -> Any:
        if self.id_kind == "int":
            low = self.id_schema.get("minimum")
            base = int(low) if isinstance(low, (int, float)) and low > 1 else 1
            return base + index
        if self.id_kind == "uuid":
            return derived_uuid(self.seed, self.name, *key, index)
        if self.id_kind == "str":
            return str(index + 1).zfill(int(self.id_schema.get("minLength", 0)))
        if self.id_kind == "generated":
            return self.item(key, index).get(self.identity)
        return None

    def _item(self, key: tuple, index: int, edge: bool = False) -> Any:
        params = dict(zip(self.params, key))
        ctx = Ctx(rng=rng_for(self.seed, self.name, *key, index, *(["edge"] if edge else [])), index=index,
                  size=self.size(key), params=params, now_ms=self.now_ms, seed=self.seed, world=self.world, edge=edge)
        item = self.generate(ctx)
        if self.identity and self.id_kind not in ("generated", "") and isinstance(item, dict):
            item[self.identity] = self.identity_of(key, index)
        return item

    def span(self, key: tuple) -> str:
        """For a 404: which identities there are (`(1 to 77)`), where that is short to say."""
        size = self.size(key)
        if not size:
            return " (it is empty)"
        if self.id_kind in ("int", "str"):
            return f" (its {self.identity}s run from {self.identity_of(key, 0)} to {self.identity_of(key, size - 1)})"
        return f" ({size} items; GET the list for their {self.identity}s)"

    def index_of(self, key: tuple, value: str) -> int | None:
        """The index of the item whose identity is `value` (the path's text), None if there is none."""
        size = self.size(key)
        if self.id_kind == "int":
            try:
                index = int(float(value)) - self.identity_of(key, 0)
            except (ValueError, OverflowError):
                return None
            return index if 0 <= index < size and str(self.identity_of(key, index)) == str(_number(value)) else None
        if self.id_kind == "str" and value.isascii() and value.isdigit() and len(value) <= 40:
            index = int(value) - 1
            return index if 0 <= index < size and self.identity_of(key, index) == value else None
        if self.id_kind in ("uuid", "generated"):
            return next((i for i in range(size) if str(self.identity_of(key, i)) == value), None)
        return None


def _number(text: str) -> Any:
    number = float(text)
    return int(number) if number.is_integer() else number


# ------------------------------------------------------------------------------- endpoint

def _nullable(schema: dict) -> bool:
    return "null" in _types(schema)


def _fill_paging(body: dict, schema: dict, facts: dict, urls: dict, paging: Paging, depth: int = 0) -> None:
    """Fill an envelope's paging fields (where their names say what they are)."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    names = {_norm(n) for n in props}
    has_total = bool(names & {"total", "totalcount", "totalitems", "totalresults", "totalelements", "totalrecords"})
    for name, sub in props.items():
        if not isinstance(sub, dict) or name == facts.get("items_at") and depth == 0:
            continue
        sub = _merge_all_of(sub)
        n, kinds = _norm(name), _types(sub)
        value: Any = ...
        if "object" in kinds or ("properties" in sub and not kinds):
            if depth == 0 and isinstance(body.get(name), dict):
                _fill_paging(body[name], sub, facts, urls, paging, depth + 1)
            continue
        numeric, text, boolean = bool({"integer", "number"} & set(kinds)), "string" in kinds, "boolean" in kinds
        if n in ("total", "totalcount", "totalitems", "totalresults", "totalelements", "totalrecords", "totalsize") and numeric:
            value = facts["total"]
        elif n == "count" and numeric:
            value = facts["count"] if has_total else facts["total"]
        elif n in ("totalpages", "pagecount", "lastpage", "pages") and numeric:
            value = facts["pages"]
        elif n in LIMIT_NAMES and numeric and n != "count":
            value = facts["limit"]
        elif n in OFFSET_NAMES and numeric:
            value = facts["offset"]
        elif (n in PAGE_NAMES or n in ("currentpage", "number")) and numeric:  # `number`: Spring's page
            value = facts["page"]
        elif n in ("hasmore", "hasnext", "hasnextpage", "more") and boolean:
            value = urls.get("next") is not None
        elif n in ("next", "nexturl", "nextlink", "nextpage", "nextpageurl", "nextcursor", "nextpagetoken", "nexttoken",
                   "prev", "previous", "prevurl", "previousurl", "prevlink", "prevpage", "previouspage", "prevcursor",
                   "previouscursor", "previouspagetoken", "prevpagetoken"):
            which = "next" if n.startswith("next") else "prev"
            if text:
                value = urls.get(f"{which}_cursor") if ("cursor" in n or "token" in n or paging.style == "cursor") else urls.get(which)
            elif numeric:
                value = urls.get(f"{which}_number")
            else:
                continue
            if value is None and not _nullable(sub):
                if name in required:
                    value = ""
                    if numeric:
                        value = 0
                else:
                    body.pop(name, None)
                    continue
        if value is not ...:
            body[name] = value


class _Controls:
    """The faults' RNG and rate limiter, when no app shares its own (the app's `Controls`)."""

    def __init__(self, settings):
        self.rng = random.Random(getattr(settings, "seed", 0))
        rate = getattr(settings, "rate_limit", None)
        self.limiter = control.RateLimiter(rate) if rate else None


class PlainEndpoint:
    """One operation of a spec without `x-mock`: validate, then serve it as its plan says."""

    error_media_type = PROBLEM  # for the app's 404/405 answers near this operation's path

    def __init__(self, op: Operation, world, settings, journal, plan: Plan | None = None,
                 collections: dict | None = None, controls=None):
        self.op, self.world, self.settings, self.journal = op, world, settings, journal
        self.controls = controls if controls is not None else _Controls(settings)
        self.name = f"{op.spec.name}:{op.operation_id}"
        self.validator = RequestValidator(op)
        self.dialect = ProblemDetails()
        self.path_names = {safe_name(p): p for p in op.path_params}
        self.plan = plan or plan_spec(op.spec)[op.operation_id]
        self.answer = self.plan.answer
        compiler = SchemaCompiler(op.spec.entities)
        schema = self.answer[2] if self.answer else None
        self.response_schema = generatable(schema) if schema else None
        self.generate = compiler.compile(self.response_schema) if self.response_schema else None
        self.collection: PlainCollection | None = None
        owner = self.plan.list_op if self.plan.list_op is not None else op
        if self.plan.kind in ("collection", "item", "create"):
            collections = collections if collections is not None else {}
            key = f"{owner.spec.name}:{owner.operation_id}"
            if key not in collections:
                collections[key] = PlainCollection(owner, self.plan.shape, self.plan.paging, self.plan.identity, world)
            self.collection = collections[key]
        list_params = _params_of(owner.path)
        self.key_params = _params_of(op.path)[:len(list_params)]
        self.body_validator, self.body_error = None, ""
        if self.plan.body is not None:
            try:
                self.body_validator = jsonschema_rs.validator_for(json_schema(self.plan.body, request=True),
                                                                  validate_formats=True)
            except Exception as exc:  # noqa: BLE001 - a schema jsonschema-rs cannot compile
                self.plan.body_note = f"body not validated: its schema does not compile ({str(exc).splitlines()[0][:80]})"
                self.plan.body = None
        request_props = _merge_all_of(self.plan.body).get("properties") or {} if isinstance(self.plan.body, dict) else {}
        id_prop = request_props.get(self.plan.identity) if self.plan.identity else None
        self.client_identity = isinstance(id_prop, dict) and not id_prop.get("readOnly")  # a VIN, not a server id
        self.field_checks: dict = {}
        self.int_formats = {p.name: (*INT_FORMATS[p.schema["format"]], p.schema["format"]) for p in op.parameters
                            if p.location in ("query", "path") and p.schema.get("format") in INT_FORMATS}
        documented = {int(s) for s in op.responses if s.isdigit()}
        self.body_status = 400 if 400 in documented and 422 not in documented else 422
        body = op.raw.get("requestBody")
        self.body_required = isinstance(body, dict) and bool(body.get("required"))

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        path_params = {self.path_names.get(k, k): v for k, v in request.path_params.items()}
        violations: list[str] = []  # what the client did wrong, for the journal and `mockserver verify`
        requested = False
        try:
            prefer_headers = request.headers.getlist("prefer")
            prefer = control.parse_prefer(prefer_headers) if prefer_headers else control.NO_PREFERENCES
            requested = True  # a fault or a Prefer: code answer is what the client asked for
            await self.admit(prefer)
            requested = False
            self.validator.check_auth(request.headers.get("authorization"), self.settings.token,
                                      headers=request.headers, query=request.query_params, cookies=request.cookies)
            query_items = request.query_params.multi_items()
            values = self.validator.parse(request.url.query, query_items, path_params)
            self.check_formats(values)
            unknown = [Problem(f"'{name}' is not a documented parameter", name)
                       for name in self.validator.unknown_parameters(query_items)]
            if unknown and self.settings.strict:
                raise RequestError(400, unknown)
            violations += [p.message for p in unknown]
            posted = await self.read_body(request) if self.plan.body is not None else None
            requested = bool(prefer.code or prefer.example)
            response = self.preferred(prefer, path_params) if requested else None
            requested = False
            if response is None:
                response = self.success(request, path_params, values, posted, prefer.scenario)
        except RequestError as error:
            headers = dict(error.headers)
            if error.status == 401:
                headers["WWW-Authenticate"] = self.validator.challenge
            if not requested and error.status < 500:
                violations = [p.message for p in error.problems] + violations
            response = Response(_dumps(self.dialect.error_body(error)), error.status, headers=headers,
                                media_type=PROBLEM)
        self.journal.add(request.method, request.url.path, request.url.query, self.name, response.status_code,
                         {k: request.query_params.getlist(k) for k in request.query_params}, violations)
        await response(scope, receive, send)

    async def admit(self, prefer: control.Preferences) -> None:
        """The server's and the request's latency, rate limit and error rate, as for every spec."""
        controls = self.controls
        delay = control.pick_latency(self.settings.latency, prefer, controls.rng)
        if delay:
            await asyncio.sleep(delay)
        if controls.limiter is not None:
            wait = controls.limiter.retry_after()
            if wait is not None:
                raise control.too_many_requests(wait)
        error_rate = prefer.error_rate if prefer.error_rate is not None else self.settings.error_rate
        if error_rate and controls.rng.random() < error_rate:
            raise control.injected_error()

    def preferred(self, prefer: control.Preferences, path_params: dict) -> Response | None:
        """`Prefer: code=` / `example=`: a documented status or a named example, never anything else."""
        status = prefer.code or (self.answer[0] if self.answer else 204)
        documented = sorted(int(s) for s in self.op.responses if s.isdigit())
        if status not in documented:
            raise RequestError(400, [Problem(f"Prefer: code={status} is not documented for this operation "
                                             f"(documented: {', '.join(map(str, documented)) or 'none'})", "Prefer", "header")])
        content = (self.op.responses.get(str(status)) or {}).get("content") or {}
        media = next((m for m in content if _is_json(m)), None)
        if prefer.example:
            examples = (content.get(media) or {}).get("examples") or {} if media else {}
            if prefer.example not in examples:
                raise RequestError(400, [Problem(f"Prefer: no example {prefer.example!r} for status {status} "
                                                 f"(examples: {', '.join(examples) or 'none'})", "Prefer", "header")])
            value = examples[prefer.example]
            return Response(_dumps(value.get("value") if isinstance(value, dict) else value), status, media_type=media)
        if self.answer is not None and status == self.answer[0]:
            return None  # the operation's own answer
        if status >= 400:
            headers = {"Retry-After": "1"} if status == 429 else {}
            raise RequestError(status, [Problem(f"answered with {status} as requested (Prefer: code={status})")],
                               headers=headers)
        if media is None:
            return self.bodiless(status)
        entry = content[media] or {}
        example = entry.get("example", (entry.get("schema") or {}).get("example"))
        if example is None and entry.get("schema"):
            generate = SchemaCompiler(self.op.spec.entities).compile(generatable(entry["schema"]))
            example = generate(Ctx(rng=rng_for(self.world.seed, self.name, status, *sorted(path_params.items())),
                                   index=0, size=0, params=path_params, now_ms=self.world.now_ms,
                                   seed=self.world.seed, world=self.world))
        return Response(_dumps(example), status, media_type=media)

    def bodiless(self, status: int, headers: dict | None = None) -> Response:
        """A 2xx whose documented body is not JSON (a file, text): its example, or empty, in its media type."""
        content = (self.op.responses.get(str(status)) or {}).get("content") or {}
        media = next(iter(content), None)
        if media is None or status in (204, 304):
            return Response(status_code=status, headers=headers)
        entry = content[media] or {}
        example = entry.get("example", (entry.get("schema") or {}).get("example"))
        body = example.encode() if isinstance(example, str) else b""
        return Response(body, status, headers=headers, media_type=media)

    def merge(self, base: Any, posted: Any, schema: Any) -> Any:
        """The posted fields over an answer, where the answer's schema admits each value (merge-patch's
        null removes a field the answer may not hold as null)."""
        if not isinstance(base, dict) or not isinstance(posted, dict):
            return base
        schema = _merge_all_of(schema) if isinstance(schema, dict) else {}
        props, required = schema.get("properties") or {}, set(schema.get("required") or [])
        merged = dict(base)
        for name, value in posted.items():
            if props and name not in props:
                continue
            if name in props and not self.admits(props[name], value):
                if value is None and name not in required:
                    merged.pop(name, None)
                continue
            merged[name] = value
        return merged

    def admits(self, schema: dict, value: Any) -> bool:
        check = self.field_checks.get(id(schema))
        if check is None:
            try:
                check = jsonschema_rs.validator_for(json_schema(schema, request=False), validate_formats=True).is_valid
            except Exception:  # noqa: BLE001 - a schema jsonschema-rs cannot compile admits anything
                check = lambda v: True  # noqa: E731
            self.field_checks[id(schema)] = check  # the schemas live as long as the plan
        return check(value)

    def check_formats(self, values: dict) -> None:
        """`format: int32` / `int64` bound integer parameters as OpenAPI defines them (JSON Schema does not)."""
        problems = []
        for name, (low, high, fmt) in self.int_formats.items():
            value = values.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
                location = self.op.path_params[name].location if name in self.op.path_params else "query"
                problems.append(Problem(f"'{name}': {value} is outside {fmt} ({low} to {high})", name, location))
        if problems:
            raise RequestError(400, problems)

    # -------------------------------------------------------------------------------- bodies
    def body_problem(self, message: str, pointer: str | None = "") -> RequestError:
        return RequestError(self.body_status, [Problem(message, pointer, "body")])

    async def read_body(self, request: Request) -> Any:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise RequestError(413, [Problem(f"the body is {length} bytes; the limit is {MAX_BODY_BYTES}", "", "body")])
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise RequestError(413, [Problem(f"the body is over {MAX_BODY_BYTES} bytes", "", "body")])
        if not raw.strip():
            if self.body_required:
                raise self.body_problem("a JSON body is required")
            return None
        media = request.headers.get("content-type", "")
        if media and not _is_json(media):
            raise RequestError(415, [Problem(f"the body is {media.split(';')[0]!r}; send application/json", "", "body")])
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise self.body_problem(f"the body is not valid JSON ({exc})") from None
        try:
            errors = list(islice(self.body_validator.iter_errors(body), 20))
        except ValueError:  # jsonschema-rs: "Recursion limit reached"
            raise self.body_problem("the body nests too deeply to validate; send at most a few hundred levels") from None
        if errors:
            raise RequestError(self.body_status, [
                Problem(e.message if len(e.message) <= 200 else e.message[:197] + "...",
                        "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in e.instance_path), "body")
                for e in errors])
        return body

    # -------------------------------------------------------------------------------- answers
    def key(self, path_params: dict) -> tuple:
        return tuple(str(path_params.get(name, "")) for name in self.key_params)

    def generated(self, params: dict, *salt: Any) -> Any:
        ctx = Ctx(rng=rng_for(self.world.seed, self.name, *salt), index=0, size=0, params=params,
                  now_ms=self.world.now_ms, seed=self.world.seed, world=self.world)
        return self.generate(ctx)

    def as_response(self, item: Any, params: dict, item_seed: tuple) -> Any:
        """The item in this operation's response schema: as is, wrapped, or with shared fields copied."""
        schema = self.answer[2] if self.answer else None
        if not schema or _same(schema, self.plan.shape.item_schema):
            return item
        props = (_merge_all_of(schema).get("properties") or {})
        wrapper = [n for n, s in props.items() if _same(s, self.plan.shape.item_schema)]
        body = self.generated(params, *item_seed)
        if wrapper and isinstance(body, dict):
            body[wrapper[0]] = item
        elif isinstance(body, dict) and isinstance(item, dict):
            body.update({k: v for k, v in item.items() if k in props})
        return body

    def success(self, request: Request, path_params: dict, values: dict, posted: Any, scenario: str = "") -> Response:
        if self.answer is None:
            return Response(status_code=204)
        kind = self.plan.kind
        if kind == "collection":
            return self.list_page(request, path_params, values, scenario)
        status, media, _, example = self.answer
        headers: dict[str, str] = {}
        body: Any = example
        if kind == "item":
            key = self.key(path_params)
            wanted = str(path_params.get(self.plan.item_param, ""))
            index = self.collection.index_of(key, wanted)
            if index is None:
                raise RequestError(404, [Problem(f"no item with {self.plan.identity} {wanted!r} in {self.plan.list_op.operation_id}"
                                                 f"{self.collection.span(key)}", self.plan.item_param, "path")])
            if not media:
                return self.bodiless(status)
            item = copy.deepcopy(self.collection.item(key, index))
            if isinstance(posted, dict):
                item = self.merge(item, {k: v for k, v in posted.items() if k != self.plan.identity}, self.collection.item_schema)
            body = self.as_response(item, path_params, (*key, index))
        elif kind == "create":
            key = self.key(path_params)
            index = self.collection.size(key)  # the next position: an identity the collection does not have
            item = copy.deepcopy(self.collection.item(key, index))
            if isinstance(item, dict) and isinstance(posted, dict):
                item = self.merge(item, {k: v for k, v in posted.items() if k != self.plan.identity}, self.collection.item_schema)
                given = posted.get(self.plan.identity) if self.plan.identity and self.client_identity else None
                if given is not None and not isinstance(given, (dict, list)):  # a client-chosen identity (a VIN)
                    if self.collection.index_of(key, str(given)) is not None:
                        raise RequestError(409, [Problem(f"{self.plan.list_op.operation_id} already has an item with "
                                                         f"{self.plan.identity} {given!r}", f"/{self.plan.identity}", "body")])
                    item[self.plan.identity] = given
            if self.plan.identity and isinstance(item, dict):
                headers["Location"] = _ascii(f"{request.url.path.rstrip('/')}/{item.get(self.plan.identity)}")
            if not media:
                return self.bodiless(status, headers)
            body = self.as_response(item, path_params, (*key, "created", index))
        elif not media:
            return self.bodiless(status)
        elif example is None and self.generate is not None:
            salt = [*sorted(path_params.items())]
            if posted is not None:
                salt.append(hashlib.blake2b(orjson.dumps(posted, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest())
            body = self.generated(path_params, *salt)
        if isinstance(body, dict) and isinstance(posted, dict) and kind not in ("item", "create"):
            body = self.merge(body, posted, self.answer[2])
        return Response(_dumps(body), status, media_type=media, headers=headers)

    def list_page(self, request: Request, path_params: dict, values: dict, scenario: str = "") -> Response:
        paging, collection = self.plan.paging, self.collection
        key = self.key(path_params)
        total = SCENARIO_SIZES.get(scenario, collection.size(key))
        size = values.get(paging.limit) if paging.limit else None
        size = paging.default_size if size is None else int(size)
        if paging.max_size is not None:
            size = min(size, paging.max_size)
        size = max(size, 0)
        offset, page_number = 0, paging.page_base
        if paging.style == "offset":
            offset = max(int(values.get(paging.offset) or 0), 0)
        elif paging.style == "page":
            page_number = int(values.get(paging.page, paging.page_base))
            if page_number < paging.page_base:
                raise RequestError(400, [Problem(f"'{paging.page}' must be at least {paging.page_base}", paging.page)])
            offset = (page_number - paging.page_base) * size
        elif paging.style == "cursor" and values.get(paging.cursor) not in (None, ""):
            decoded = decode_cursor(str(values[paging.cursor]))
            if decoded is None:
                raise RequestError(400, [Problem(f"'{paging.cursor}': {str(values[paging.cursor])[:40]!r} is not a cursor "
                                                 "this API handed out; use the one in the last page's next link",
                                                 paging.cursor)])
            offset = decoded
        if not paging.style:
            size = total
        end = min(offset + size, total) if offset < total else offset
        items = [collection.item(key, i, scenario == "edge") for i in range(offset, end)]
        urls = self.links(request, paging, offset, size, total) if paging.style else {}
        if self.plan.shape.items_at is None:
            body: Any = items
        else:
            body = self.generated(path_params, *key, "envelope")
            if not isinstance(body, dict):
                body = {}
            body[self.plan.shape.items_at] = items
            facts = {"items_at": self.plan.shape.items_at, "total": total, "count": len(items), "limit": size,
                     "offset": offset, "page": page_number if paging.style == "page" else (offset // size if size else 0) + 1,
                     "pages": -(-total // size) if size else 0}
            _fill_paging(body, _merge_all_of(self.plan.shape.response_schema), facts, urls, paging)
        headers = {}
        links = [f'<{urls[rel]}>; rel="{rel}"' for rel in ("first", "prev", "next", "last") if urls.get(rel)]
        if links:
            headers["Link"] = ", ".join(links)
        if paging.style:
            headers["X-Total-Count"] = str(total)
        return Response(_dumps(body), self.answer[0], media_type=self.answer[1], headers=headers)

    def links(self, request: Request, paging: Paging, offset: int, size: int, total: int) -> dict:
        url = request.url
        urls: dict[str, Any] = {}
        has_next = size > 0 and offset + size < total
        has_prev = offset > 0 and size > 0

        def at(new_offset: int) -> str:
            if paging.style == "offset":
                return _ascii(str(url.include_query_params(**{paging.offset: new_offset})))
            if paging.style == "page":
                return _ascii(str(url.include_query_params(**{paging.page: new_offset // size + paging.page_base})))
            return _ascii(str(url.include_query_params(**{paging.cursor: encode_cursor(new_offset)})))

        if paging.style == "limit" or size <= 0:
            return {}
        last = max(((total - 1) // size) * size, 0) if size else 0
        if paging.style != "cursor":
            urls["first"], urls["last"] = at(0), at(last)
        if has_next:
            urls["next"], urls["next_cursor"] = at(offset + size), encode_cursor(offset + size)
            urls["next_number"] = (offset + size) // size + paging.page_base if paging.style == "page" else offset + size
        if has_prev:
            prev = max(offset - size, 0)
            urls["prev"], urls["prev_cursor"] = at(prev), encode_cursor(prev)
            urls["prev_number"] = prev // size + paging.page_base if paging.style == "page" else prev
        return urls

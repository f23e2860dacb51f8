"""Where each expectation comes from: an operation's `x-contract` block.

The mock serves one reading of every open point; a real API may take another. So every claim a
check makes has a *basis*, declared next to the operation it is about:

    x-contract:
      read: {items: "data[].data.codes[]", total: meta.results.total, identity: code}
      documented:                     # the vendor page says so: the sentence, quoted
        paging.max-limit: "You can set this value up to 100."
      implied:                        # follows from what the page says, though not in so many words
        paging.walk: "pages of one list hold each code once"
      readings:                       # the page is silent or ambiguous: ours, and what else an API may do
        paging.over-max:
          ours: "a `page[limit]` above 100 is rejected with a 400"
          alternatives: {clamp: "clamps `page[limit]` above 100 to 100 instead of rejecting it"}

A claim id is `<group>.<what>`; a declaration of a shorter prefix (`filter`) covers every claim
under it (`filter.customers`). A broken documented or implied claim is a FAIL; a reading the API
does not share is a WARN that names the alternative it took. A claim no declaration covers is
graded as a reading and listed as undeclared, so a spec cannot silently promote our choices.

`documented_view` turns a spec into what the vendor pages alone promise (`x-documented` keyword
overrides on schemas and parameters; error responses without `x-source` become "any JSON 4xx"),
which is what Schemathesis checks against.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

DOCUMENTED, IMPLIED, READING = "documented", "implied", "reading"
ANY_ERROR = {
    "description": "Any error the API chooses (the vendor page documents none): a 4xx with a JSON body.",
    "content": {"application/json": {"schema": {}}, "application/problem+json": {"schema": {}}},  # RFC 9457 is JSON too
}


@dataclass(frozen=True)
class Basis:
    claim: str
    kind: str  # documented | implied | reading
    text: str  # the quoted sentence, why it follows, or our reading in words
    alternatives: dict[str, str] = field(default_factory=dict)
    declared: bool = True

    @property
    def is_reading(self) -> bool:
        return self.kind == READING

    def took(self, alternative: str | None, observed: str = "") -> str:
        """The WARN line: which other reading the API took."""
        if alternative and alternative in self.alternatives:
            return self.alternatives[alternative]
        return f"takes another reading: {observed}" if observed else "takes another reading"

    def label(self) -> str:
        if self.kind == DOCUMENTED:
            return f'documented: "{self.text}"'
        if self.kind == IMPLIED:
            return f"implied: {self.text}"
        return f"our reading: {self.text}" if self.declared else "our reading (undeclared in the spec)"


@dataclass(frozen=True)
class Reader:
    """Where a response keeps its items, its total and each item's identity (`x-contract.read`)."""

    items: str = "data"
    total: str | None = None
    identity: str = "id"
    has_more: str | None = None  # cursor lists: whether another page follows (Stripe's `has_more`)
    count: str | None = None  # where a page reports how many items it holds (commercetools' `count`)

    def items_of(self, body: Any) -> list:
        """The items: the list at `items` (spread: `data` is the list under `data`)."""
        path = self.items if self.items.endswith("[]") else self.items + "[]"
        found = select(body, path)
        if not found and not select(body, path.split("[]", 1)[0]):
            raise KeyError(self.items)  # no list where the (outermost) items belong
        return list(found)

    def total_of(self, body: Any) -> int | None:
        """The reported total, or None when the response does not carry one."""
        if self.total is None:
            return None
        found = list(select(body, self.total))
        return found[0] if found else None

    def count_of(self, body: Any) -> Any:
        """The item count a page reports, or None when the spec declares none."""
        if self.count is None:
            return None
        found = list(select(body, self.count))
        return found[0] if found else None

    def has_more_of(self, body: Any) -> bool | None:
        """Whether the response says another page follows, or None when it does not say."""
        if self.has_more is None:
            return None
        found = list(select(body, self.has_more))
        return found[0] if found else None


def select(obj: Any, path: str):
    """Values at a path of dotted keys, where `name[]` walks every element (`data[].data.codes[]`).
    A missing key yields nothing; a non-list under `[]` raises TypeError (a malformed envelope)."""
    current = [obj]
    for part in path.split("."):
        spread = part.endswith("[]")
        key = part[:-2] if spread else part
        nxt = []
        for value in current:
            if key:
                if not isinstance(value, dict):
                    raise TypeError(f"expected an object at `{key}`")
                if key not in value:
                    continue
                value = value[key]
            if spread:
                if not isinstance(value, list):
                    raise TypeError(f"expected a list at `{key}`")
                nxt.extend(value)
            else:
                nxt.append(value)
        current = nxt
    return current


# What holds for any HTTP API, whatever its vendor; a spec's `x-contract` may override each entry.
GENERIC: dict = {
    "implied": {
        "conformance": "an answer has a status, content type and body the vendor page documents "
                       "(the spec's documented view)",
        "paging.walk": "the pages of one list hold each item once, every page but the last full",
        "paging.sizes-agree": "the same list walked at two page sizes holds the same items",
        "paging.links-follow": "a link leads to the page it names",
        "paging.page-number": "page N of size S is the window at offset (N-1)*S",
        "errors.json": "a JSON API answers its errors in JSON",
        "server-error": "a valid request never gets a 5xx",
        "filter.partition": "the values of an enumerated filter split the list: each item has exactly one",
        "paging.has-more": "a page that says whether more follow says so truthfully",
        "paging.count": "a page that reports how many items it holds counts them right",
        "paging.with-total": "a parameter that turns the total off leaves the items as they are",
        "paging.cursor": "a cursor before a page's first item gives back the page before it",
    },
    "readings": {
        "conformance.negative_data_rejection": {
            "ours": "a value outside the documented schema is refused with a 4xx",
            "alternatives": {"blank-is-absent": "reads a blank parameter (`name=`) as if it were absent",
                             "accepts": "accepts a value outside the documented schema (clamps, coerces or "
                                        "ignores it) instead of refusing it"}},
        "conformance.unsupported_method": {
            "ours": "an undocumented method gets 405",
            "alternatives": {"other-status": "answers an undocumented method with another status than 405"}},
        "conformance.blank-values": {
            "ours": "a blank value (`name=`) that the parameter's schema allows is accepted",
            "alternatives": {"refuses-blank": "refuses a blank value (`name=`) that the schema allows, as Stripe "
                                              "does (\"You passed an empty string for ...\")"}},
        "conformance.reading-values": {
            "ours": "every value of our reading of a parameter is accepted",
            "alternatives": {"refuses": "refuses a value that only our reading of the page allows"}},
        "errors.rejects": {
            "ours": "an invalid parameter is refused with a 4xx",
            "alternatives": {"accepts": "accepts an invalid parameter (ignores or coerces it)"}},
        "errors.blank": {
            "ours": "a blank value (`name=`) of an enumerated parameter is refused",
            "alternatives": {"blank-is-absent": "reads a blank parameter (`name=`) as if it were absent"}},
        "schema.ours": {
            "ours": "a page matches the spec's full schema, our readings included",
            "alternatives": {"other-shape": "answers in a shape the vendor page allows but our schema does not"}},
        "errors.envelope": {
            "ours": "errors come in the envelope of the spec's error schema",
            "alternatives": {"other-envelope": "answers errors in another JSON shape"}},
    },
}


class Contract:
    """The `x-contract` declarations of one operation, over its spec's and the generic ones."""

    def __init__(self, raw_operation: dict, spec_block: dict | None = None):
        self.bases: dict[str, Basis] = {}
        block: dict = {}
        for layer in (GENERIC, spec_block or {}, raw_operation.get("x-contract") or {}):
            self._add(layer)
            block.update({k: v for k, v in layer.items() if k in ("read", "arrays")})
        read = block.get("read") or {}
        self.reader = Reader(items=read.get("items", "data"), total=read.get("total"),
                             identity=read.get("identity", "id"), has_more=read.get("has_more"),
                             count=read.get("count"))
        self.arrays: dict = block.get("arrays") or {}
        self.undeclared: set[str] = set()

    def _add(self, block: dict) -> None:
        for kind in (DOCUMENTED, IMPLIED):
            for claim, text in (block.get(kind) or {}).items():
                self.bases[claim] = Basis(claim, kind, str(text))
        for claim, reading in (block.get("readings") or {}).items():
            self.bases[claim] = Basis(claim, READING, str(reading.get("ours", "")),
                                      dict(reading.get("alternatives") or {}))

    def declared(self, claim: str) -> Basis | None:
        """The basis of a claim, or None when nothing declares it (without listing it as undeclared)."""
        parts = claim.split(".")
        return next((self.bases[".".join(parts[:n])] for n in range(len(parts), 0, -1)
                     if ".".join(parts[:n]) in self.bases), None)

    def basis(self, claim: str) -> Basis:
        """The declaration a claim rests on; an undeclared claim is a reading, and is listed."""
        found = self.declared(claim)
        if found is None:
            self.undeclared.add(claim)
            return Basis(claim, READING, "", declared=False)
        return found


# ------------------------------------------------------------------------- documented view

def apply_documented(node: Any) -> Any:
    """A copy of a spec fragment with every `x-documented` override applied (a null value removes
    the keyword): what the vendor page promises, without the constraints we chose."""
    if isinstance(node, list):
        return [apply_documented(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: apply_documented(v) for k, v in node.items() if k != "x-documented"}
    for key, value in (node.get("x-documented") or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def plain_schema(node: Any) -> Any:
    """A schema without OpenAPI's `x-` keys, for a JSON Schema validator."""
    if isinstance(node, dict):
        return {k: plain_schema(v) for k, v in node.items() if not k.startswith("x-")}
    if isinstance(node, list):
        return [plain_schema(v) for v in node]
    return node


def documented_view(raw: dict, *, parameters: bool = True) -> dict:
    """The spec as the vendor documents it. Error responses keep their schema only when they carry
    `x-source` (the page documents them); the others become one `4XX` range with any JSON body, so
    Schemathesis checks errors are JSON without holding an API to the envelope we chose.
    `parameters=False` keeps our (narrower) parameter schemas, for positive data every reading accepts,
    and leaves out cursor parameters (an id from an earlier page is not a value a schema can generate);
    long strings are kept short there, so that positive data never overflows a URL."""
    view = apply_documented(raw)
    for path, item in (view.get("paths") or {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            if not parameters:
                # Cursors name an item of an earlier page: no generator can make a valid one, so
                # positive data leaves them out (the paging checks walk them).
                cursors = set(((op.get("x-mock") or {}).get("paging") or {}).get("cursor", {}).values())
                op["parameters"] = [_short(p) for p in copy.deepcopy(raw["paths"][path][method].get("parameters", []))
                                    if _resolve(raw, p).get("name") not in cursors]
            responses = {}
            for status, response in op["responses"].items():
                resolved = _resolve(view, response)
                if str(status).startswith("2") or resolved.get("x-source"):
                    responses[status] = response
            responses.setdefault("4XX", copy.deepcopy(ANY_ERROR))
            op["responses"] = responses
    if not parameters:
        view["components"] = {**view.get("components", {}),
                              "parameters": copy.deepcopy((raw.get("components") or {}).get("parameters", {}))}
    return view


POSITIVE_MAX_LENGTH = 200  # a few such values keep a URL under the 8 KB front ends accept (conformance.LONG_URL)


def _short(parameter: dict) -> dict:
    """A query string parameter whose documented maximum length is long enough for a handful of
    them to overflow a URL, generated at most POSITIVE_MAX_LENGTH long in positive data."""
    schema = parameter.get("schema") if isinstance(parameter, dict) else None
    if isinstance(schema, dict) and parameter.get("in") == "query" and (schema.get("maxLength") or 0) > POSITIVE_MAX_LENGTH:
        schema["maxLength"] = POSITIVE_MAX_LENGTH
    return parameter


def _resolve(spec: dict, node: dict) -> dict:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not ref:
        return node
    target: Any = spec
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return target


# ------------------------------------------------------------------------------ the language

_TEXT = {"type": "string", "minLength": 1}
_CLAIMS = {"type": "object", "propertyNames": {"pattern": r"^[a-z][\w-]*(\.[\w:-]+)*$"}, "additionalProperties": _TEXT}
SCHEMA: dict = {
    "$comment": "x-contract: where each expectation of `contracts` comes from (contracts/README.md)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "read": {"type": "object", "additionalProperties": False,
                 "properties": {"items": _TEXT, "total": _TEXT, "identity": _TEXT, "has_more": _TEXT, "count": _TEXT}},
        "arrays": {"type": "object", "additionalProperties": False,
                   "properties": {"form": {"enum": ["repeat", "comma", "brackets"]}}},
        "documented": _CLAIMS,
        "implied": _CLAIMS,
        "readings": {"type": "object", "propertyNames": _CLAIMS["propertyNames"], "additionalProperties": {
            "type": "object", "required": ["ours"], "additionalProperties": False,
            "properties": {"ours": _TEXT, "alternatives": {"type": "object", "additionalProperties": _TEXT}}}},
    },
}


def problems(spec_raw: dict, source: str) -> list[str]:
    """Every `x-contract` block of a spec checked against `SCHEMA`: `file: path: problem` lines."""
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(SCHEMA)
    blocks = [("x-contract", spec_raw.get("x-contract"))]
    for path, item in (spec_raw.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if isinstance(op, dict) and "x-contract" in op:
                blocks.append((f"paths.{path}.{method}.x-contract", op["x-contract"]))
    out = []
    for where, block in blocks:
        if block is None:
            continue
        for error in validator.iter_errors(block):
            inner = ".".join(str(p) for p in error.instance_path)
            out.append(f"{source}: {where}{'.' + inner if inner else ''}: {error.message}")
    return out

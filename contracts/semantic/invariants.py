"""Data invariants the documents imply, checked on every item the paging walk already fetched.

Spec-driven, from what the mock itself generates by:
- path-bound fields: an item field generated as `x-faker: {path: P}` equals the path parameter P
  (Elastic Path usages' `code` is the code name in the URL; ops' `promotionalId`);
- included resources: `x-mock.included` means `included` holds exactly the resources the page's
  items reference (NuWeb's currencies);
- relations between fields, from `x-mock.invariants`:
  `a <= b`, `a == b - c ± 0.01`, with nulls meaning "not applicable";
- relations between operations, from `vendor_rules.CROSS_CHECKS`.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from mockserver.pipeline import dig

from ..results import Recorder, SkipCheck
from .target import ListTarget
from .values import compare
from .vendor_rules import CROSS_CHECKS, invariants

_RELATION = re.compile(r"^\s*([\w.]+)\s*(==|!=|<=|>=|<|>)\s*([\w.]+)\s*(?:([-+])\s*([\w.]+))?\s*(?:(?:±|\+/-)\s*([\d.]+))?\s*$")
_OPS = {"==": "eq", "!=": "ne", "<=": "le", ">=": "ge", "<": "lt", ">": "gt"}


def check_invariants(t: ListTarget, rec: Recorder, child_target: Callable[[str], Any] | None = None) -> None:
    bound = path_bound_fields(t)
    if bound:
        with rec.check("invariant.path-bound") as c:
            items = _items(t)
            for field, param in bound.items():
                wrong = [i for i in items if str(dig(i, field)) != str(t.path_values[param])]
                c.expect(not wrong, f"every item's `{field}` is the path's `{param}`",
                         expected=t.path_values[param], actual=f"{len(wrong)} items differ, e.g. {dig(wrong[0], field)!r}" if wrong else "",
                         response=t.collection().pages[0].response)
    if t.op.mock.get("included"):
        with rec.check("invariant.included") as c:
            _items(t)
            for page in t.collection().pages:
                check_included(t, page, c)
    relations = invariants(t.op)
    if relations:
        with rec.check("invariant.fields") as c:
            items = _items(t)
            for text in relations:
                check_relation(text, items, c, t.collection().pages[0].response)
    cross = CROSS_CHECKS.get(t.op.operation_id)
    if cross is not None and child_target is not None:
        with rec.check(f"invariant.{cross.__name__.replace('_', '-')}") as c:
            _items(t)
            cross(t, c, child_target)


def has_invariants(op) -> bool:
    return bool(_bound_in(op, set(op.path_params)) or op.mock.get("included") or invariants(op)
                or op.operation_id in CROSS_CHECKS)


def _items(t: ListTarget) -> list:
    items = t.collection().items
    if not items:
        raise SkipCheck("the collection is empty")
    return items


def path_bound_fields(t: ListTarget) -> dict[str, str]:
    """{item field: path parameter} for fields the spec generates from a path parameter."""
    return _bound_in(t.op, set(t.path_values))


def _bound_in(op, params: set[str]) -> dict[str, str]:
    schema = op.spec.schema(op.mock["collection"]["item"])
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        faker = prop.get("x-faker") if isinstance(prop, dict) else None
        if isinstance(faker, dict) and faker.get("path") in params and set(faker) == {"path"}:
            out[name] = faker["path"]
    return out


def check_included(t: ListTarget, page, c) -> None:
    referenced = set()
    for item in page.items:
        for relation in t.op.mock["included"]:
            rel = (item.get("relationships") or {}).get(relation) if isinstance(item, dict) else None
            refs = rel.get("data", rel) if isinstance(rel, dict) else rel
            for ref in refs if isinstance(refs, list) else [refs] if refs else []:
                referenced.add((ref.get("type"), ref.get("id")))
    included = {(r.get("type"), r.get("id")) for r in (page.body.get("included") or [])}
    c.expect(included == referenced, "`included` holds exactly the resources this page's items reference",
             expected=sorted(referenced, key=repr), actual=f"{sorted(included, key=repr)}; missing {sorted(referenced - included, key=repr)}, "
             f"extra {sorted(included - referenced, key=repr)}", response=page.response)


def parse_relation(text: str) -> tuple[str, str, str, str | None, str | None, float]:
    m = _RELATION.match(text)
    if not m:
        raise ValueError(f"cannot read invariant {text!r}; write `a <= b` or `a == b - c ± 0.01`")
    left, op, right, sign, other, tolerance = m.groups()
    return left, _OPS[op], right, sign, other, float(tolerance or 0)


def check_relation(text: str, items: list, c, response) -> None:
    left, op, right, sign, other, tolerance = parse_relation(text)
    broken = []
    for item in items:
        a, b = dig(item, left), dig(item, right)
        c_value = dig(item, other) if other else 0
        if a is None or b is None or c_value is None:
            continue  # null: the relation does not apply (a usage not reversed has no reversedAt)
        if other:
            target = b - c_value if sign == "-" else b + c_value
            ok = abs(a - target) <= tolerance + 1e-9 if op == "eq" else compare(a, op, target)
        elif tolerance and op == "eq":
            ok = abs(a - b) <= tolerance + 1e-9
        else:
            ok = compare(a, op, b)
        if ok is False:
            broken.append(item)
    sample = broken[0] if broken else {}
    shown = {k: dig(sample, k) for k in (left, right, other) if k}
    c.expect(not broken, f"on every item: {text}", expected=text,
             actual=f"{len(broken)} of {len(items)} items break it, e.g. {shown}", response=response)

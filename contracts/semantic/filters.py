"""Filters: every returned item satisfies the filter, and the filter narrows the total as it should.

Driven by `x-mock.filters` (one parameter per field: `in`, `eq`, ranges, null tests, named
timeframes) and Elastic Path's `x-mock.filter` language (`eq(code,X):gt(used_on,DATE)`). Values are
drawn from the data itself, so a filter must match something; when the whole collection was walked,
the filtered total must equal the number of matching items exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from mockserver.dotted import has_path
from mockserver.pipeline import dig

from ..results import Recorder, SkipCheck, UnexpectedResponse, describe_response
from .target import ListTarget, Walk, serialize
from .values import comparable, compare

NO_SUCH_VALUE = "zz-contracts-no-such-value"


@dataclass
class FilterCase:
    params: dict
    described: str
    field: str
    holds: Callable[[Any], bool | None]  # item -> satisfied? (None: the item does not show the field)
    from_data: bool = False  # the value came from the data, so something must match
    expected_total: int | None = None  # exact, when the whole collection is known
    may_widen: bool = False  # documented to include more than the default (`withTrashed=true`)
    max_span: timedelta | None = None  # a named timeframe: every match lies within this span
    basis: str | None = None  # the declaration the request itself rests on (a chained expression)
    refused: str | None = None  # the alternative an API takes when it refuses this request


def check_filters(t: ListTarget, rec: Recorder) -> None:
    simple = t.filter_cfg or {}
    language = t.op.mock.get("filter") or {}
    if not simple and not language:
        return
    check_array_forms(t, rec, simple)
    for name, rule in simple.items():
        if name not in t.op.query_params:
            continue
        with rec.check(f"filter.{name}") as c:
            base = _base(t)
            for case in simple_cases(t, name, rule, base, c):
                run_case(t, case, base, c)
    for field, rule in (language.get("fields") or {}).items():
        param = language.get("param", "filter")
        with rec.check(f"filter.{param}:{field}") as c:
            base = _base(t)
            for case in language_cases(param, field, rule, base):
                run_case(t, case, base, c)


def _base(t: ListTarget) -> Walk:
    base = t.collection()
    if not base.items:
        raise SkipCheck("the collection is empty: no value to filter by")
    return base


def run_case(t: ListTarget, case: FilterCase, base: Walk, c) -> None:
    try:
        page = t.fetch(case.params, offset=0, limit=t.max_limit)
    except UnexpectedResponse as bad:
        if case.basis is None and case.refused is None:
            raise
        c.fail(f"`{case.described}` is answered with a page", expected=bad.expected,
               actual=describe_response(bad.response), response=bad.response, basis=case.basis,
               took=case.refused if 400 <= bad.response.status_code < 500 else None)
        return
    base_total = base.total
    unmet = [item for item in page.items if case.holds(item) is False]
    c.expect(not unmet, f"`{case.described}`: every item returned satisfies the filter",
             expected=f"every `{case.field}` to match", actual=f"{len(unmet)} of {len(page.items)} do not, e.g. "
             f"`{case.field}` = {dig(unmet[0], case.field)!r}" if unmet else "", response=page.response)
    if case.max_span is not None and page.items:
        times = sorted(comparable(dig(i, case.field)) for i in page.items if dig(i, case.field) is not None)
        if times and hasattr(times[0], "year"):
            c.expect(times[-1] - times[0] <= case.max_span, f"`{case.described}`: the matches lie within the named period",
                     expected=f"within {case.max_span.days} days", actual=f"from {times[0]} to {times[-1]}",
                     response=page.response)
    if page.total is None or base_total is None:  # no totals reported: count the first page instead
        if case.expected_total is not None and base.complete:
            want = min(case.expected_total, t.max_limit)
            c.expect(len(page.items) == want, f"`{case.described}`: the first page holds the matching items",
                     expected=want, actual=len(page.items), response=page.response)
        return
    if not case.may_widen:
        c.expect(page.total <= base_total, f"`{case.described}` does not widen the total",
                 expected=f"<= {base_total} (unfiltered)", actual=page.total, response=page.response)
    else:
        c.expect(page.total >= base_total, f"`{case.described}` includes at least the default results",
                 expected=f">= {base_total}", actual=page.total, response=page.response)
    if case.from_data:
        c.expect(page.total >= 1, f"`{case.described}`: a value taken from the data matches something",
                 expected=">= 1", actual=page.total, response=page.response)
    if case.expected_total is not None and base.complete:
        c.expect(page.total == case.expected_total,
                 f"`{case.described}`: the total equals the number of matching items in the whole collection",
                 expected=case.expected_total, actual=page.total, response=page.response)


# --------------------------------------------------------------------------- array forms

ARRAY_FORMS = ("repeat", "comma", "brackets")


def check_array_forms(t: ListTarget, rec: Recorder, simple: dict) -> None:
    """How the API reads a list in the query: `a=1&a=2`, `a=1,2` or `a[]=1&a[]=2`. The form the
    spec declares (`x-contract.arrays.form`) is sent by every other check; if the API does not read
    it but reads another, that is reported and the other checks send the form it reads."""
    param = next((n for n, r in simple.items() if r.get("op") == "in" and n in t.op.query_params
                  and t.op.query_params[n].is_array), None)
    if param is None:
        return
    with rec.check("filter.array-forms") as c:
        base = _base(t)
        field = simple[param]["field"]
        values = sendable(t.op.query_params[param],
                          dict.fromkeys(_key(dig(i, field)) for i in base.items if dig(i, field) is not None))[:2]
        if len(values) < 2:
            raise SkipCheck(f"fewer than two `{field}` values to send as a list")
        want = sum(1 for i in base.items if _key(dig(i, field)) in set(values))
        accepted, responses = [], {}
        declared = t.array_form
        for form in ARRAY_FORMS:
            t.array_form = form
            responses[form] = response = t.send({param: values, **t.window(0, t.max_limit)})
            if accepted_list(t, response, field, set(values), want if base.complete else None):
                accepted.append(form)
        t.array_form = declared
        response = responses[declared]
        c.note(f"`{param}` lists are read as: {', '.join(accepted) or 'none of ' + ', '.join(ARRAY_FORMS)}")
        if c.expect(declared in accepted, f"`{param}` sent as a list in the `{declared}` form (`{_shown(param, values, declared)}`) selects either value",
                    expected=f"the {want} items with `{field}` in {values}", actual=f"forms read: {accepted or 'none'}",
                    response=response, basis="arrays.form", took=accepted[0] if accepted else None) is False and accepted:
            t.array_form = accepted[0]


def sendable(param, values) -> list:
    """The values a filter parameter may be sent (its enum, where it has one): a row's `use_type` may
    be `unknown`, which `use_types` does not take."""
    schema = param.schema.get("items", param.schema) if param.is_array else param.schema
    allowed = schema.get("enum")
    return [v for v in values if allowed is None or v in allowed]


def accepted_list(t: ListTarget, response, field: str, wanted: set, expected_total: int | None) -> bool:
    if not 200 <= response.status_code < 300:
        return False
    try:
        page = t.read(response)
    except UnexpectedResponse:
        return False
    if any(_key(dig(i, field)) not in wanted for i in page.items if has_path(i, field)):
        return False
    shown = {_key(dig(i, field)) for i in page.items}
    if expected_total is not None and page.total is not None and page.total != expected_total:
        return False
    return len(shown & wanted) == len(wanted) or len(page.items) >= t.max_limit


def _shown(param: str, values: list, form: str) -> str:
    return "&".join(f"{k}={v}" for k, v in serialize(param, values, form))


# ------------------------------------------------------------------------- x-mock.filters

def simple_cases(t: ListTarget, name: str, rule: dict, base: Walk, c) -> list[FilterCase]:
    field = rule["field"]
    items = base.items
    param = t.op.query_params[name]
    present = [i for i in items if dig(i, field) is not None]

    if "values" in rule:
        return value_cases(t, name, rule, base, c)
    if rule.get("timeframe"):
        names = (param.schema.get("enum") or [])
        return [FilterCase({name: n}, f"{name}={n}", field, lambda i: None, max_span=timeframe_span(n),
                           refused="other-names") for n in names]
    if not present:
        c.note(f"items do not show `{field}`, so only the total is checked")
        value = param.schema.get("minimum", 0)
        return [FilterCase({name: value}, f"{name}={value}", field, lambda i: None)]

    op = rule.get("op", "eq")
    if op in ("in", "eq"):
        values = sendable(param, dict.fromkeys(_key(dig(i, field)) for i in present))[:2]
        if not values:
            raise SkipCheck(f"no `{field}` value in the data is one `{name}` accepts")
        cases = []
        for chosen in ([values[0]], values[:2]) if len(values) > 1 and param.is_array else ([values[0]],):
            wanted = set(chosen)
            sent = chosen if param.is_array else chosen[0]
            cases.append(FilterCase(
                {name: sent}, f"{name}={','.join(map(str, chosen))}", field,
                holds=lambda i, w=wanted: _key(dig(i, field)) in w if has_path(i, field) else None,
                from_data=True, expected_total=sum(1 for i in items if _key(dig(i, field)) in wanted)))
        return cases
    if op == "ieq":  # "this case-insensitive code": sent in another case than the data prints it
        value = next((v for v in (dig(i, field) for i in present) if isinstance(v, str) and v.swapcase() != v), None)
        if value is None:
            raise SkipCheck(f"no `{field}` value has letters to change the case of")
        wanted = value.casefold()
        return [FilterCase({name: value.swapcase()}, f"{name}={value.swapcase()}", field,
                           holds=lambda i: None if dig(i, field) is None else str(dig(i, field)).casefold() == wanted,
                           from_data=True,
                           expected_total=sum(1 for i in present if str(dig(i, field)).casefold() == wanted))]
    if op in ("gt", "ge", "lt", "le"):
        value = _middle(present, field)
        return [FilterCase({name: value}, f"{name}={value}", field,
                           holds=lambda i, v=value: None if dig(i, field) is None else compare(dig(i, field), op, v),
                           from_data=op in ("ge", "le"),
                           expected_total=sum(1 for i in present if compare(dig(i, field), op, value)))]
    c.note(f"`{name}` uses operator {op!r}, which the checks do not know")
    return []


def value_cases(t: ListTarget, name: str, rule: dict, base: Walk, c) -> list[FilterCase]:
    """Parameters with named values: `status=APPLIED` means `reversedAt` is null, and so on."""
    field = rule["field"]
    default = t.op.query_params[name].default
    default_op = rule["values"].get(str(default).lower() if isinstance(default, bool) else default) if default is not None else None
    if default_op and default_op != "any":
        unmet = [i for i in base.items if not _null_test(default_op, i, field)]
        c.expect(not unmet, f"without `{name}` the documented default `{name}={default}` applies ({field} {default_op})",
                 expected=f"every `{field}` {default_op}", actual=f"{len(unmet)} items where it is not, e.g. {dig(unmet[0], field)!r}" if unmet else "",
                 response=base.pages[0].response)
    if "any" not in rule["values"].values() and len(rule["values"]) > 1:
        check_partition(t, name, rule, base, c)
    cases = []
    for value, op in rule["values"].items():
        matching = None
        if default_op is None or value == str(default):
            matching = sum(1 for i in base.items if op == "any" or _null_test(op, i, field))
        cases.append(FilterCase(
            {name: value}, f"{name}={value}", field,
            holds=(lambda i: None) if op == "any" else (lambda i, o=op: _null_test(o, i, field)),
            expected_total=matching, may_widen=op == "any" and default_op not in (None, "any")))
    return cases


def check_partition(t: ListTarget, name: str, rule: dict, base: Walk, c) -> None:
    """Whatever each value means, the values of an enumerated filter split the list: no item under
    two values, and together they hold every item."""
    seen: dict = {}
    for value in rule["values"]:
        walk = t.walk(t.max_limit, params={name: value})
        seen[value] = {t.identity(i) for i in walk.items}
    union = set().union(*seen.values())
    overlap = sum(len(ids) for ids in seen.values()) - len(union)
    everything = {t.identity(i) for i in base.items}
    c.expect(overlap == 0 and (union == everything or not base.complete),
             f"`{name}` = {' / '.join(rule['values'])} split the list: each item under exactly one value",
             expected=f"{len(everything)} items in all, none twice",
             actual=f"{len(union)} items, {overlap} under two values", response=base.pages[0].response,
             basis="filter.partition")


def _null_test(op: str, item: Any, field: str) -> bool:
    value = dig(item, field)
    return value is None if op == "is_null" else value is not None if op == "not_null" else True


_DAYS = re.compile(r"(\d+)_days?")


def timeframe_span(name: str) -> timedelta | None:
    """The longest span a named period covers (`last_7_days` -> 7 days); None when unknown."""
    m = _DAYS.search(name)
    if m:
        return timedelta(days=int(m.group(1)))
    for word, days in (("today", 1), ("yesterday", 1), ("week", 7), ("month", 31), ("year", 366)):
        if word in name:
            return timedelta(days=days)
    return None


# ------------------------------------------------------------------------ x-mock.filter (EP)

def language_cases(param: str, field: str, rule: dict, base: Walk) -> list[FilterCase]:
    path = rule.get("path", field)
    items = base.items
    usable = r"[^(),]+" if rule.get("time") else r"[^(),:]+"  # times keep their colons inside the parentheses
    present = [i for i in items if dig(i, path) is not None and re.fullmatch(usable, str(dig(i, path)))]
    if not present:
        raise SkipCheck(f"no item has a usable `{path}` value")
    cases = []
    for op in rule.get("ops", []):
        if op == "eq":
            value = str(dig(present[0], path))
            cases.append(FilterCase({param: f"eq({field},{value})"}, f"{param}=eq({field},{value})", path,
                                    holds=lambda i, v=value: str(dig(i, path)) == v, from_data=True,
                                    expected_total=sum(1 for i in items if str(dig(i, path)) == value)))
            cases.append(FilterCase({param: f"eq({field},{NO_SUCH_VALUE})"}, f"{param}=eq({field},{NO_SUCH_VALUE})",
                                    path, holds=lambda i: str(dig(i, path)) == NO_SUCH_VALUE, expected_total=0))
        else:
            value = _middle(present, path)
            cases.append(FilterCase({param: f"{op}({field},{value})"}, f"{param}={op}({field},{value})", path,
                                    holds=lambda i, v=value, o=op: compare(dig(i, path), o, v),
                                    from_data=op in ("ge", "le"),
                                    expected_total=sum(1 for i in present if compare(dig(i, path), op, value))))
    ranges = [op for op in rule.get("ops", []) if op in ("ge", "gt")] and [op for op in rule.get("ops", []) if op in ("le", "lt")]
    if ranges and len(present) >= 3:
        ordered = sorted(present, key=lambda i: comparable(dig(i, path)))
        low, high = dig(ordered[len(ordered) // 4], path), dig(ordered[3 * len(ordered) // 4], path)
        expression = f"ge({field},{low}):le({field},{high})"
        cases.append(FilterCase({param: expression}, f"{param}={expression}", path,
                                holds=lambda i: compare(dig(i, path), "ge", low) and compare(dig(i, path), "le", high),
                                from_data=True, basis=f"filter.{param}", refused="one-expression",  # chaining is ours
                                expected_total=sum(1 for i in present if compare(dig(i, path), "ge", low) and compare(dig(i, path), "le", high))))
    return cases


def _middle(items: list, path: str) -> Any:
    ordered = sorted((dig(i, path) for i in items), key=comparable)
    return ordered[len(ordered) // 2]


def _key(value: Any) -> Any:
    return repr(value) if isinstance(value, (dict, list)) else value

"""A filter language of calls: `filter=eq(code,10OFF):gt(used_on,2023-07-11)`.

Terms are `op(attribute,value)`, chained with `:` (each term must hold). A spec selects it with
`x-mock.filter`, naming the filterable attributes, the operators each allows and, for times, the
precision the items print (so that `gt(used_on,2023-07-11)` compares as the items are written):

    filter: {param: filter, fields: {code: {path: code, ops: [eq]}, used_on: {path: used_on, ops: [gt, lt], time: ms}}}
"""

from __future__ import annotations

import re

from ..errors import bad_request
from ..query import Condition

_TERM = re.compile(r"^(?P<op>[a-z_]+)\((?P<field>[A-Za-z0-9_.\-]+),(?P<value>.*)\)$", re.DOTALL)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def split_terms(expression: str) -> list[str]:
    """Split `a(..):b(..)` at the colons outside parentheses (values may hold times with colons)."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(expression):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ":" and depth == 0:
            terms.append(expression[start:i])
            start = i + 1
    terms.append(expression[start:])
    return terms


def pad_time(value: str, style: str = "ms", op: str = "gt") -> str:
    """A date or UTC date-time as the items print it, by string padding (no calendar check, so a
    pattern-valid `2023-02-30` compares sensibly instead of failing).

    Digits finer than the items carry are rounded so that the comparison stays exact: items are
    whole units, so `gt`/`le` v equal `gt`/`le` floor(v), and `ge`/`lt` v equal `ge`/`lt` ceil(v).
    """
    if _DATE_ONLY.match(value):
        value += "T00:00:00Z"
    body = value.rstrip("Zz")
    if len(body) == 16:  # YYYY-MM-DDTHH:MM
        body += ":00"
    whole, _, frac = body.partition(".")
    whole = whole[:10] + "T" + whole[11:]
    places = {"ms": 3, "us": 6}.get(style, 0)
    kept, dropped = (frac + "0" * places)[:places], frac[places:]
    padded = f"{whole}.{kept}" if places else whole
    if dropped.strip("0") and op in ("ge", "lt"):
        padded = _increment(padded)
    return padded + "Z"


def _increment(text: str) -> str:
    """Add one unit in the last digit, carrying through the digits (`:59.999` -> `:60.000`): the
    result is not always a real time, but it sorts exactly where the next real one would."""
    chars = list(text)
    for i in range(len(chars) - 1, -1, -1):
        if not chars[i].isdigit():
            continue
        if chars[i] != "9":
            chars[i] = str(int(chars[i]) + 1)
            return "".join(chars)
        chars[i] = "0"
    return "".join(chars)


def conditions(cfg: dict, values: dict) -> list[Condition]:
    """The conditions a filter expression asks for; a term that cannot be read is a 400 naming it."""
    param = cfg.get("param", "filter")
    expression = values.get(param)
    if not expression:
        return []
    out = []
    for term in split_terms(expression):
        m = _TERM.match(term)
        if not m:
            raise bad_request(f"'{param}': cannot read {term!r}; expected op(attribute,value), e.g. eq(code,10OFF)", param)
        op, field, value = m.group("op"), m.group("field"), m.group("value")
        rule = cfg["fields"].get(field)
        if rule is None:
            raise bad_request(f"'{param}': cannot filter on {field!r}; filterable: {', '.join(cfg['fields'])}", param)
        if op not in rule["ops"]:
            raise bad_request(f"'{param}': {field!r} supports {', '.join(rule['ops'])}, not {op!r}", param)
        if "time" in rule:
            value = pad_time(value, rule["time"], op)
        out.append(Condition(rule.get("path", field), op, value))
    return out

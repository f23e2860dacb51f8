"""Fault scripts: what the server does to a client that cannot ask for it (`--script FILE`, `/__mock/scripts`).

    rules:
      - operation: getPromotionCodes       # operationId; required
        params: {page[offset]: 50}         # path or query parameters that must match (optional)
        after: 0                           # let this many matching requests through first
        times: 2                           # then fire on this many (default 1; with `every`, unlimited)
        every: 5                           # fire on every 5th matching request instead of consecutive ones
        respond: {status: 503, headers: {Retry-After: "2"}}   # a status in the vendor's error envelope
        # or: respond: {status: 429, retry_after: 2}  (requests before the 2 s are up get it again)
        # or: delay_ms: 1500 | drop: true | truncate: 40 | insert: {at: 0, records: [{}]} | delete: {at: 0}

A client's retry, back-off and resume logic is tested by what the server does, so the rules fire in
order and by request count only (no randomness): the first rule whose count has come answers, and
the journal names it. A data change pins the collection as it is now with the records inserted or
deleted, so every invariant and the response cache follow (see fixtures.py).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import fixtures, served
from .dotted import dig, has_path
from .errors import Problem, RequestError
from .times import format_time, parse_time_ms


class ScriptError(ValueError):
    """A bad rule: one line naming the field (`rules[0].respond.status: ...`)."""


ACTIONS = ("respond", "delay_ms", "drop", "truncate", "insert", "delete")
KNOWN = {"name", "operation", "params", "after", "times", "every", *ACTIONS}


@dataclass
class Rule:
    number: int
    operation: str
    raw: dict
    name: str = ""
    params: dict = field(default_factory=dict)
    after: int = 0
    times: int | None = 1  # None: no limit (with `every`)
    every: int | None = None
    status: int | None = None
    headers: dict = field(default_factory=dict)
    retry_after: int | None = None
    delay: float = 0.0
    cut: int | None = None  # bytes of the body sent before the connection closes (0: drop)
    insert: dict | None = None
    delete: dict | None = None
    seen: int = 0
    fired: int = 0
    held_until: float = 0.0
    refused: str = ""  # why a data change could not be made

    @property
    def label(self) -> str:
        return self.name or f"rule {self.number}"

    def matches(self, operation: str, params: dict[str, list[str]]) -> bool:
        return operation == self.operation and all(value in params.get(name, ()) for name, value in self.params.items())

    def due(self) -> bool:
        """Whether this (already counted) matching request is one the rule fires on."""
        n = self.seen - self.after
        if n <= 0 or (self.times is not None and self.fired >= self.times):
            return False
        return n % self.every == 0 if self.every else True

    def describe(self) -> dict:
        described = {**self.raw, "rule": self.label, "seen": self.seen, "fired": self.fired}
        return described | ({"refused": self.refused} if self.refused else {})


# ------------------------------------------------------------------------------ parsing

def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _count(where: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScriptError(f"{where}: must be an integer >= {low}, got {value!r}")
    return value


def parse_rule(raw: Any, number: int, position: int) -> Rule:
    at = f"rules[{position}]"
    if not isinstance(raw, dict):
        raise ScriptError(f"{at}: must be an object such as {{operation: getPromotionCodes, respond: {{status: 503}}}}")
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise ScriptError(f"{at}.{unknown[0]}: unknown field; known: {', '.join(sorted(KNOWN))}")
    operation = raw.get("operation")
    if not isinstance(operation, str) or not operation:
        raise ScriptError(f"{at}.operation: required, an operationId such as getPromotionCodes")
    rule = Rule(number, operation.split(":")[-1], raw, name=_text(raw.get("name", "")))
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ScriptError(f"{at}.params: must be an object of parameter names and values")
    rule.params = {str(k): _text(v) for k, v in params.items()}
    rule.after = _count(f"{at}.after", raw.get("after", 0), 0)
    if "every" in raw:
        rule.every = _count(f"{at}.every", raw["every"], 1)
    rule.times = _count(f"{at}.times", raw["times"], 1) if "times" in raw else (None if rule.every else 1)
    actions = [a for a in ACTIONS if a in raw]
    if not actions:
        raise ScriptError(f"{at}: needs an action: one of {', '.join(ACTIONS)}")
    if len([a for a in actions if a != "delay_ms"]) > 1:
        raise ScriptError(f"{at}: one action per rule (got {', '.join(actions)}); use two rules")
    if "delay_ms" in raw:
        delay = raw["delay_ms"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 60_000:
            raise ScriptError(f"{at}.delay_ms: must be milliseconds between 0 and 60000, got {delay!r}")
        rule.delay = delay / 1000
    if "respond" in raw:
        _respond(rule, raw["respond"], f"{at}.respond")
    if "drop" in raw:
        if raw["drop"] is not True:
            raise ScriptError(f"{at}.drop: must be true (the connection closes before the body)")
        rule.cut = 0
    if "truncate" in raw:
        rule.cut = _count(f"{at}.truncate", raw["truncate"], 0)
    if "insert" in raw:
        rule.insert = _change(raw["insert"], f"{at}.insert", records=True)
    if "delete" in raw:
        rule.delete = _change(raw["delete"], f"{at}.delete", records=False)
    return rule


def _respond(rule: Rule, raw: Any, at: str) -> None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = {"status": raw}
    if not isinstance(raw, dict):
        raise ScriptError(f"{at}: must be an object such as {{status: 503}}")
    unknown = sorted(set(raw) - {"status", "headers", "retry_after"})
    if unknown:
        raise ScriptError(f"{at}.{unknown[0]}: unknown field; known: headers, retry_after, status")
    status = raw.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ScriptError(f"{at}.status: must be an error status 400-599, got {status!r}")
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in headers.values()):
        raise ScriptError(f"{at}.headers: must be an object of header names and string values")
    rule.status, rule.headers = status, {str(k): str(v) for k, v in headers.items()}
    if "retry_after" in raw:
        rule.retry_after = _count(f"{at}.retry_after", raw["retry_after"], 0)
        rule.headers["Retry-After"] = str(rule.retry_after)
    elif status == 429 and not any(k.lower() == "retry-after" for k in rule.headers):
        rule.headers["Retry-After"] = "1"  # as `Prefer: code=429` and the rate limiter answer


def _change(raw: Any, at: str, records: bool) -> dict:
    if not isinstance(raw, dict):
        raise ScriptError(f"{at}: must be an object such as {{at: 0{', records: [{}]' if records else ', count: 1'}}}")
    known = {"at", "records"} if records else {"at", "count"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScriptError(f"{at}.{unknown[0]}: unknown field; known: {', '.join(sorted(known))}")
    change = {"at": _count(f"{at}.at", raw.get("at", 0), 0)}
    if records:
        given = raw.get("records", [{}])
        if not isinstance(given, list) or not given or not all(isinstance(r, dict) for r in given):
            raise ScriptError(f"{at}.records: must be a non-empty list of objects (fields the generator completes)")
        change["records"] = given
    else:
        change["count"] = _count(f"{at}.count", raw.get("count", 1), 1)
    return change


def parse(document: Any, operations: set[str] | None = None, first: int = 1) -> list[Rule]:
    """Rules from `{rules: [...]}`, a list of rules or one rule; `operations` are the known operationIds."""
    if isinstance(document, dict) and "rules" in document:
        document = document["rules"]
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise ScriptError("rules: must be a list of rules, e.g. {rules: [{operation: getPromotionCodes, respond: {status: 503}}]}")
    rules = [parse_rule(raw, first + i, i) for i, raw in enumerate(document)]
    for rule in rules:
        if operations is not None and rule.operation not in operations:
            raise ScriptError(f"rules[{rule.number - first}].operation: unknown operation {rule.operation!r}; "
                              f"known: {', '.join(sorted(operations))}")
    return rules


def load_file(path: str) -> list[dict]:
    """The raw rules of a YAML or JSON file, checked (one line naming the file and the field)."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = yaml.safe_load(fh)
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScriptError(f"{path}: not valid YAML{where}; README: Fault scripts shows the form") from None
    raws = document.get("rules") if isinstance(document, dict) and "rules" in document else document
    try:
        parse(raws)
    except ScriptError as exc:
        raise ScriptError(f"{path}: {exc}") from None
    return raws if isinstance(raws, list) else [raws]


def options(value: Any) -> list[dict]:
    """The `scripts=` of a pytest marker or `Settings`: rules, `{rules: [...]}` or a file path."""
    if isinstance(value, str):
        return load_file(value)
    if isinstance(value, dict) and "rules" in value:
        value = value["rules"]
    value = value if isinstance(value, list) else [value]
    parse(value)
    return value


# ------------------------------------------------------------------------------ firing

@dataclass
class Firing:
    rule: Rule
    label: str
    answer: bool  # a scripted status instead of the operation's answer


class Script:
    """The rules of one app, their counters, and the pins to restore when they are removed."""

    def __init__(self, world, operations: set[str], rules: list[dict] | None = None):
        self.world = world
        self.operations = operations
        self.rules: list[Rule] = []
        self.saved_pins: dict | None = None  # pins before the first data change
        if rules:
            self.add(rules)

    def add(self, document: Any) -> list[Rule]:
        rules = parse(document, self.operations, first=len(self.rules) + 1)
        for position, rule in enumerate(rules):
            if rule.insert and self.world is not None:  # the given fields must fit the item schema
                try:
                    fixtures._check_given(self.world.by_operation_id[rule.operation], rule.insert["records"])
                except fixtures.FixtureError as exc:
                    raise ScriptError(f"rules[{position}].insert.records: {exc}") from None
        self.rules += rules
        return rules

    def clear(self) -> None:
        """Remove every rule and undo their data changes."""
        self.rules = []
        if self.saved_pins is not None:
            self.world.pins.clear()
            self.world.pins.update(self.saved_pins)
            self.world.clear_caches()
            self.saved_pins = None

    def describe(self) -> dict:
        return {"rules": [r.describe() for r in self.rules]}

    def fire(self, endpoint, request: Request) -> Firing | None:
        """Count this request against every matching rule; the first one due answers."""
        params: dict[str, list[str]] = {}
        for name, value in request.query_params.multi_items():
            params.setdefault(name, []).append(value)
        path_params = {endpoint.path_names[k]: v for k, v in request.path_params.items()}
        for name, value in path_params.items():
            params.setdefault(name, []).append(value)
        now = time.monotonic()
        chosen = None
        for rule in self.rules:
            if not rule.matches(endpoint.op.operation_id, params):
                continue
            if rule.held_until > now:  # back before Retry-After was up: the same answer, not counted
                chosen = chosen or Firing(rule, f"{rule.label} (before Retry-After)", True)
                continue
            rule.seen += 1
            if chosen is None and rule.due():
                rule.fired += 1
                chosen = Firing(rule, rule.label, rule.status is not None)
                if rule.retry_after:
                    rule.held_until = now + rule.retry_after
        if chosen is not None and chosen.label == chosen.rule.label and (chosen.rule.insert or chosen.rule.delete):
            try:
                self.change(endpoint, path_params, chosen.rule)
            except fixtures.FixtureError as exc:  # the records cannot be completed here: nothing changes
                chosen.rule.refused = str(exc).splitlines()[0][:300]
        return chosen

    def change(self, endpoint, path_params: dict, rule: Rule) -> None:
        """Pin the collection as it is now, with records inserted or deleted at a default-order position."""
        order = served.in_default_order(endpoint, path_params, filtered=False)
        if rule.insert:
            at = min(rule.insert["at"], len(order))
            new = copy.deepcopy(rule.insert["records"])  # placing them sets fields; the rule keeps its own
            _place(endpoint, order, at, new)
            order[at:at] = new
        else:
            del order[rule.delete["at"]:rule.delete["at"] + rule.delete["count"]]
        if self.saved_pins is None:
            self.saved_pins = dict(self.world.pins)
        params = {name: path_params.get(name, "") for name in endpoint.recipe.key_params}
        fixtures.apply(self.world, [{"operation": endpoint.op.operation_id, "params": params,
                                     "replace": True, "records": order}])

    async def serve(self, endpoint, scope, receive, send) -> None:
        """Answer one request as the rules say, else as the operation does (`endpoint.serve`)."""
        request = Request(scope, receive)
        firing = self.fire(endpoint, request)
        if firing is None:
            return await endpoint.serve(scope, receive, send)
        rule = firing.rule
        if rule.delay:
            await asyncio.sleep(rule.delay)
        if firing.answer:
            response = error_response(endpoint, rule)
            parameters: dict[str, list[str]] = {}
            for name, value in request.query_params.multi_items():
                parameters.setdefault(name, []).append(value)
            endpoint.journal.add(request.method, request.url.path, request.url.query, endpoint.name,
                                 rule.status, parameters, [], rule=firing.label)
            return await response(scope, receive, send)
        if rule.cut is not None:
            send = _cut(send, rule.cut)
        await endpoint.serve(scope, receive, send, rule=firing.label)


def error_response(endpoint, rule: Rule) -> Response:
    """The scripted status in the operation's own error envelope (never cached, never remapped)."""
    error = RequestError(rule.status, [Problem(f"scripted answer ({rule.label}: {rule.status})")], headers=dict(rule.headers))
    headers = dict(rule.headers)
    if rule.status == 401:
        headers.setdefault("WWW-Authenticate", endpoint.validator.challenge)
    return Response(orjson.dumps(endpoint.dialect.error_body(error)), status_code=rule.status,
                    media_type="application/json", headers=headers)


def _place(endpoint, order: list[dict], at: int, new: list[dict]) -> None:
    """Give inserted records a value of the ordering field that puts them at `at` (where there is room)."""
    ordered_by = endpoint.recipe.ordered_by
    if not ordered_by:
        return
    name = ordered_by[0]
    before = dig(order[at - 1], name) if at > 0 else None
    after = dig(order[at], name) if at < len(order) else None
    if any(has_path(r, name) for r in new) or (before is None and after is None):
        return
    descending = len(order) > 1 and _key(dig(order[0], name)) > _key(dig(order[-1], name))
    value = _between(before, after, descending, endpoint.world.now_ms, _style(endpoint.recipe.item_schema, name))
    if value is None or (name == endpoint.recipe.identity and value in (before, after)):
        return
    for record in new:
        _set(record, name, value)


def _between(before, after, descending: bool, now_ms: int, style: str):
    if isinstance(before or after, str):
        low, high = (parse_time_ms(v) if isinstance(v, str) else None for v in (before, after))
        if low is None and high is None:
            return None
        step = -60_000 if descending else 60_000  # one minute past the neighbour, in the order's direction
        ms = (low + high) // 2 if low is not None and high is not None else (low + step if low is not None else high - step)
        return format_time(min(ms, now_ms), style)
    if isinstance(before, int) and isinstance(after, int):
        return (before + after) // 2
    return None


def _key(value):
    return parse_time_ms(value) if isinstance(value, str) else value or 0


def _style(schema: dict, dotted: str) -> str:
    for part in dotted.split("."):
        schema = (schema.get("properties") or {}).get(part) or {}
    hint = schema.get("x-faker")
    return hint.get("style", "ms") if isinstance(hint, dict) else "ms"


def _set(record: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


# ------------------------------------------------------------------------ cut bodies

class _QuietCuts(logging.Filter):
    """uvicorn logs a body we cut on purpose as an error; those lines are expected, the rest are not.
    A cut in-process logs nothing, so a cut only excuses a line that follows it within seconds."""

    cuts: deque = deque(maxlen=1000)  # monotonic times of cuts not yet logged

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        while self.cuts and now - self.cuts[0] > 5:
            self.cuts.popleft()
        if self.cuts and "without completing response" in record.getMessage():
            self.cuts.popleft()
            return False
        return True


logging.getLogger("uvicorn.error").addFilter(_QuietCuts())


def _cut(send, limit: int):
    """Send the headers (full Content-Length) and `limit` body bytes, then end without completing."""
    state = {"sent": 0, "counted": False}

    async def cut_send(message: dict) -> None:
        if message["type"] != "http.response.body":
            return await send(message)
        if not state["counted"]:
            state["counted"] = True
            _QuietCuts.cuts.append(time.monotonic())
        body = message.get("body", b"")[: max(limit - state["sent"], 0)]
        state["sent"] += len(body)
        await send({"type": "http.response.body", "body": body, "more_body": True})

    return cut_send


def raise_on_short_body(response) -> None:
    """httpx response hook: a body shorter than its Content-Length is a broken connection, as over TCP
    (the in-process transport would hand it over silently)."""
    response.read()
    expected = response.headers.get("content-length")
    if expected and expected.isdigit() and response.num_bytes_downloaded < int(expected):
        import httpx

        raise httpx.RemoteProtocolError(f"peer closed connection without sending complete message body (received "
                                        f"{response.num_bytes_downloaded} of {expected} bytes)", request=response.request)


# ------------------------------------------------------------------------ admin

def admin_routes(script: Script, json_response) -> list[Route]:
    async def scripts(request: Request) -> Response:
        if request.method == "DELETE":
            script.clear()
            return Response(status_code=204)
        if request.method == "GET":
            return json_response(script.describe())
        try:
            document = yaml.safe_load(await request.body())
            added = script.add(document)
        except yaml.YAMLError:
            return json_response({"detail": "body: not valid JSON or YAML; send {\"rules\": [...]}"}, 400)
        except ScriptError as exc:
            return json_response({"detail": str(exc).splitlines()[0][:500]}, 400)
        return json_response({"added": len(added), **script.describe()}, 201)

    return [Route("/__mock/scripts", scripts, methods=["GET", "POST", "DELETE"])]

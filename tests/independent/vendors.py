"""An independent implementation of two vendor list endpoints, written from the public vendor
references only (not from this repository's mock or its specs' `x-mock` blocks):

* Stripe          GET /v1/promotion_codes              ("List all promotion codes", pagination guide)
* commercetools   GET /{projectKey}/discount-codes     ("Query DiscountCodes", PagedQueryResponse)

Every reading taken where the references are silent is in VENDORS_CHOICES.md.

``create_app(bugs=..., seed=..., token=...)`` builds the Starlette app; ``BUGS`` lists the planted
defects, each off unless named. ``python -m tests.independent.vendors --port N`` serves it.
"""

from __future__ import annotations

import base64
import random
import re
import string
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

UTC = timezone.utc
NOW = datetime(2025, 11, 30, 9, 30, 0, tzinfo=UTC)  # the fixed clock; nothing is created after it
NOW_S = int(NOW.timestamp())

BUGS: dict[str, str] = {
    "stripe-has-more-always-true": "Stripe: `has_more` is true even on the last page",
    "stripe-starting-after-inclusive": "Stripe: `starting_after` includes the cursor item (it repeats)",
    "stripe-ending-before-wrong-window": "Stripe: `ending_before` returns the newest items, not those just before the cursor",
    "stripe-code-case-sensitive": "Stripe: the `code` filter compares case-sensitively",
    "stripe-auth-not-enforced": "Stripe: requests without an API key are served",
    "stripe-created-gte-as-gt": "Stripe: `created[gte]` excludes codes created exactly at the bound",
    "stripe-oldest-first": "Stripe: the list is oldest first instead of newest first",
    "ct-total-is-count": "commercetools: `total` is the size of the page, not of the whole result",
    "ct-offset-off-by-one": "commercetools: `offset=N` skips N+1 results",
    "ct-sort-desc-ignored": "commercetools: `desc` sorts ascending",
    "ct-count-wrong": "commercetools: `count` is the requested `limit`, even on a short last page",
    "ct-withtotal-ignored": "commercetools: `total` is present with `withTotal=false`",
    "ct-second-sort-ignored": "commercetools: only the first `sort` parameter is applied",
    "ct-auth-not-enforced": "commercetools: requests without a bearer token are served",
}


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # a str seed hashes with SHA-512: stable


def _token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_INT = re.compile(r"-?\d{1,18}")


class Unauthorized(Exception):
    pass


# =========================================================================== Stripe


class StripeError(Exception):
    def __init__(self, message: str, param: str | None = None, status: int = 400, code: str | None = None):
        super().__init__(message)
        self.message, self.param, self.status, self.code = message, param, status, code

    def response(self) -> Response:
        error: dict = {"type": "invalid_request_error", "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return JSONResponse({"error": error}, status_code=self.status)


STRIPE_PARAMS = {"active", "code", "coupon", "customer", "created", "created[gt]", "created[gte]", "created[lt]",
                 "created[lte]", "ending_before", "starting_after", "limit", "expand", "expand[]"}
PREFIXES = ["SPRING", "SUMMER", "FALL", "WINTER", "WELCOME", "VIP", "FRIENDS", "FLASH", "LOYAL", "BLACKFRIDAY"]


@lru_cache(maxsize=16)
def stripe_data(seed: int) -> tuple[dict, ...]:
    """Promotion codes in creation order (oldest first); the list serves them newest first."""
    rng = _rng("stripe", seed)
    coupons = []
    for i in range(8):
        percent = rng.choice([None, 10.0, 15.0, 25.0, 50.0])
        duration = rng.choice(["forever", "once", "repeating"])
        coupons.append({
            "id": _token(rng, 8), "object": "coupon",
            "amount_off": None if percent is not None else rng.choice([500, 1000, 2000]),
            "created": NOW_S - 400 * 86400 + i * 86400, "currency": None if percent is not None else "usd",
            "duration": duration, "duration_in_months": rng.choice([3, 6, 12]) if duration == "repeating" else None,
            "livemode": False, "max_redemptions": rng.choice([None, 100, 1000]), "metadata": {},
            "name": rng.choice([None, "Seasonal", "Loyalty", "Launch"]), "percent_off": percent,
            "redeem_by": None, "times_redeemed": rng.randint(0, 90), "valid": True,
        })
    customers = ["cus_" + _token(rng, 14) for _ in range(6)]
    n = rng.randint(70, 130)
    created = NOW_S - n * 5400 - 600
    items, codes = [], set()
    for i in range(n):
        # Every ninth code shares its second with the one before: Stripe's clock is in seconds.
        created += 0 if i % 9 == 8 else rng.randint(600, 9000)
        while True:
            code = f"{rng.choice(PREFIXES)}{rng.randint(5, 60)}{_token(rng, 3, string.ascii_uppercase)}"
            if code.lower() not in codes:
                codes.add(code.lower())
                break
        max_red = rng.choice([None, None, 10, 50, 100, 500])
        expires = rng.choice([None, None, None, created + rng.randint(86400, 200 * 86400)])
        minimum = rng.choice([None, None, None, 1000, 2500, 5000])
        active = rng.random() < 0.8 and (expires is None or expires > NOW_S)
        items.append({
            "id": "promo_" + _token(rng, 24), "object": "promotion_code", "active": active, "code": code,
            "coupon": coupons[rng.randrange(len(coupons))], "created": created,
            "customer": rng.choice([None, None, None, None, *customers]), "expires_at": expires,
            "livemode": False, "max_redemptions": max_red,
            "metadata": rng.choice([{}, {}, {"campaign": rng.choice(PREFIXES).lower()}]),
            "restrictions": {"first_time_transaction": rng.random() < 0.25, "minimum_amount": minimum,
                             "minimum_amount_currency": None if minimum is None else "usd"},
            "times_redeemed": rng.randint(0, max_red if max_red is not None else 40),
        })
    assert created < NOW_S
    return tuple(items)


def check_stripe_auth(request: Request, token: str | None) -> None:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized("You did not provide an API key. You need to provide your API key in the Authorization "
                           "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized("Invalid API Key provided.") from None
    elif scheme.lower() == "bearer":
        key = value
    else:
        raise Unauthorized("Invalid Authorization header: use Basic or Bearer auth.")
    if not key or any(c.isspace() for c in key) or (token is not None and key != token):
        raise Unauthorized("Invalid API Key provided.")


def _stripe_int(name: str, raw: str) -> int:
    if not _INT.fullmatch(raw.strip()):
        raise StripeError(f"Invalid integer: {raw}", name, code="parameter_invalid_integer")
    return int(raw)


def stripe_list(app: "VendorsApp", request: Request) -> Response:
    bugs = app.bugs
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in STRIPE_PARAMS:
            raise StripeError(f"Received unknown parameter: {name}", name, code="parameter_unknown")
        if name in ("expand", "expand[]"):
            continue  # `coupon` is always the full object; nothing else on a promotion code expands
        if value == "":
            raise StripeError(f"You passed an empty string for '{name}'. We assume empty values are an attempt to "
                              f"unset a parameter; however '{name}' cannot be unset. You should remove '{name}' "
                              f"from your request or supply a non-empty value.", name,
                              code="parameter_invalid_empty")
        query[name] = value  # a repeated scalar: the last one wins

    limit = 10
    if "limit" in query:
        limit = _stripe_int("limit", query["limit"])
        if limit < 1:
            raise StripeError("This value must be greater than or equal to 1.", "limit")
        limit = min(limit, 100)  # a reading: clamped, not refused (VENDORS_CHOICES.md)

    items = list(stripe_data(app.seed))
    if "stripe-oldest-first" not in bugs:
        items.reverse()  # newest first; codes sharing a second: the later-created first

    if "starting_after" in query and "ending_before" in query:
        raise StripeError("You may only specify one of these parameters: ending_before, starting_after.",
                          "ending_before")
    cursor_name = "starting_after" if "starting_after" in query else "ending_before" if "ending_before" in query else None
    cursor_pos = None
    if cursor_name:
        ids = [item["id"] for item in items]
        cursor = query[cursor_name]
        if cursor not in ids:
            raise StripeError(f"No such promotion_code: '{cursor}'", cursor_name, status=404, code="resource_missing")
        cursor_pos = ids.index(cursor)

    keep = [True] * len(items)

    def narrow(test) -> None:
        for i, item in enumerate(items):
            keep[i] = keep[i] and test(item)

    if "active" in query:
        if query["active"] not in ("true", "false"):
            raise StripeError(f"Invalid boolean: {query['active']}", "active")
        wanted = query["active"] == "true"
        narrow(lambda item: item["active"] is wanted)
    if "code" in query:
        code = query["code"]
        if "stripe-code-case-sensitive" in bugs:
            narrow(lambda item: item["code"] == code)
        else:
            narrow(lambda item: item["code"].lower() == code.lower())
    if "coupon" in query:
        narrow(lambda item: item["coupon"]["id"] == query["coupon"])
    if "customer" in query:
        narrow(lambda item: item["customer"] == query["customer"])
    if "created" in query:
        at = _stripe_int("created", query["created"])
        narrow(lambda item: item["created"] == at)
    for op, test in (("gt", int.__gt__), ("gte", int.__ge__), ("lt", int.__lt__), ("lte", int.__le__)):
        name = f"created[{op}]"
        if name in query:
            bound = _stripe_int(name, query[name])
            if op == "gte" and "stripe-created-gte-as-gt" in bugs:
                test = int.__gt__
            narrow(lambda item, test=test, bound=bound: test(item["created"], bound))

    if cursor_name == "starting_after":
        start = cursor_pos if "stripe-starting-after-inclusive" in bugs else cursor_pos + 1
        after = [item for i, item in enumerate(items) if keep[i] and i >= start]
        page, has_more = after[:limit], len(after) > limit
    elif cursor_name == "ending_before":
        before = [item for i, item in enumerate(items) if keep[i] and i < cursor_pos]
        page = before[:limit] if "stripe-ending-before-wrong-window" in bugs else before[-limit:]
        has_more = len(before) > limit
    else:
        matching = [item for i, item in enumerate(items) if keep[i]]
        page, has_more = matching[:limit], len(matching) > limit
    if "stripe-has-more-always-true" in bugs:
        has_more = True
    return JSONResponse({"object": "list", "url": "/v1/promotion_codes", "has_more": has_more, "data": page})


# =========================================================================== commercetools


class CtError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        body = {"statusCode": self.status, "message": self.message,
                "errors": [{"code": self.code, "message": self.message}]}
        return JSONResponse(body, status_code=self.status)


CT_SORT_FIELDS = ("createdAt", "lastModifiedAt", "code", "id")
_CT_SORT = re.compile(r"\s*(\w+)\s+(\w+)\s*")


@lru_cache(maxsize=32)
def ct_data(seed: int, project: str) -> tuple[dict, ...]:
    rng = _rng("commercetools", seed, project)
    cart_discounts = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(7)]
    n = rng.randint(60, 150)
    start = NOW - timedelta(days=700)
    items, codes = [], set()
    moments = sorted({rng.randint(0, 690 * 86400 * 1000) for _ in range(n * 2)})
    moments = sorted(rng.sample(moments, n))
    for i in range(n):
        created = start + timedelta(milliseconds=moments[i])
        modified = created + timedelta(milliseconds=rng.randint(0, 20 * 86400 * 1000))
        modified = min(modified, NOW)
        while True:
            code = f"{rng.choice(PREFIXES)}-{_token(rng, 5, string.ascii_uppercase + string.digits)}"
            if code not in codes:
                codes.add(code)
                break
        item: dict = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "version": rng.randint(1, 9),
            "createdAt": _iso(created),
            "lastModifiedAt": _iso(modified),
            "lastModifiedBy": {"clientId": "merchant-center"},
            "createdBy": {"clientId": "merchant-center"},
            "code": code,
            "name": {"en": code.split("-")[0].title() + " discount"},
            "cartDiscounts": [{"typeId": "cart-discount", "id": cd}
                              for cd in rng.sample(cart_discounts, rng.choice([1, 1, 2]))],
            "isActive": rng.random() < 0.85,
            "references": [],
            "groups": rng.choice([[], [], ["newsletter"], ["partners", "q4"]]),
        }
        if rng.random() < 0.6:
            item["key"] = f"dc-{i + 1}"
        if rng.random() < 0.5:
            item["name"]["de"] = code.split("-")[0].title() + " Rabatt"
        if rng.random() < 0.5:
            item["cartPredicate"] = rng.choice(["1 = 1", 'totalPrice > "10.00 EUR"', "lineItemCount(1 = 1) > 1"])
        if rng.random() < 0.6:
            item["maxApplications"] = rng.randint(10, 1000)
        if rng.random() < 0.4:
            item["maxApplicationsPerCustomer"] = rng.randint(1, 5)
        if rng.random() < 0.5:
            valid_from = created + timedelta(hours=rng.randint(0, 240))
            item["validFrom"] = _iso(valid_from)
            if rng.random() < 0.7:
                item["validUntil"] = _iso(valid_from + timedelta(days=rng.randint(1, 365)))
        if rng.random() < 0.3:
            item["applicationVersion"] = rng.randint(1, 3)
        items.append(item)
    return tuple(items)


def check_ct_auth(request: Request, token: str | None) -> None:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized("This endpoint requires an access token. You can get one from the authorization server.")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or any(c.isspace() for c in value):
        raise Unauthorized("invalid_token")
    if token is not None and value != token:
        raise Unauthorized("invalid_token")


def _ct_int(name: str, raw: str, lo: int, hi: int) -> int:
    if not _INT.fullmatch(raw.strip()):
        raise CtError(400, "InvalidInput", f"Malformed parameter: {name}: Invalid int.")
    value = int(raw)
    if value < lo or value > hi:
        raise CtError(400, "InvalidInput", f"Malformed parameter: {name}: must be between {lo} and {hi}.")
    return value


def ct_query(app: "VendorsApp", request: Request) -> Response:
    bugs = app.bugs
    params = request.query_params
    last = {name: params.getlist(name)[-1] for name in ("limit", "offset", "withTotal") if name in params}
    limit = _ct_int("limit", last["limit"], 0, 500) if "limit" in last else 20
    offset = _ct_int("offset", last["offset"], 0, 10000) if "offset" in last else 0
    with_total = True
    if "withTotal" in last:
        if last["withTotal"] not in ("true", "false"):
            raise CtError(400, "InvalidInput", "Malformed parameter: withTotal: Invalid boolean.")
        with_total = last["withTotal"] == "true"

    keys: list[tuple[str, bool]] = []
    for raw in params.getlist("sort"):
        match = _CT_SORT.fullmatch(raw)
        if not match or match[1] not in CT_SORT_FIELDS or match[2].lower() not in ("asc", "desc"):
            raise CtError(400, "InvalidInput", f"Malformed parameter: sort: Invalid sort expression '{raw}'.")
        keys.append((match[1], match[2].lower() == "desc"))
    if "ct-second-sort-ignored" in bugs:
        keys = keys[:1]

    items = sorted(ct_data(app.seed, request.path_params["projectKey"]), key=lambda item: item["id"])
    for field, descending in reversed(keys):  # stable sorts, lowest priority first; ties stay in id order
        if "ct-sort-desc-ignored" in bugs:
            descending = False
        items.sort(key=lambda item: item[field], reverse=descending)
    # createdAt / lastModifiedAt are all in one format (UTC, milliseconds): string order is time order.

    skip = offset + 1 if "ct-offset-off-by-one" in bugs and offset > 0 else offset
    page = items[skip:skip + limit]
    body: dict = {"limit": limit, "offset": offset,
                  "count": limit if "ct-count-wrong" in bugs else len(page)}
    if with_total or "ct-withtotal-ignored" in bugs:
        body["total"] = len(page) if "ct-total-is-count" in bugs else len(items)
    body["results"] = page
    return JSONResponse(body)


# =========================================================================== the app


class VendorsApp:
    def __init__(self, bugs, seed: int, token: str | None):
        unknown = set(bugs) - set(BUGS)
        if unknown:
            raise ValueError(f"unknown bug(s): {', '.join(sorted(unknown))}")
        self.bugs, self.seed, self.token = frozenset(bugs), seed, token

    def stripe_route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            try:
                if not ("authorization" not in request.headers and "stripe-auth-not-enforced" in self.bugs):
                    check_stripe_auth(request, self.token)
                return stripe_list(self, request)
            except Unauthorized as exc:
                body = {"error": {"type": "invalid_request_error", "message": str(exc)}}
                return JSONResponse(body, 401, {"WWW-Authenticate": 'Basic realm="Stripe"'})
            except StripeError as exc:
                return exc.response()

        return Route("/v1/promotion_codes", endpoint, methods=["GET"])

    def ct_route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            try:
                if not ("authorization" not in request.headers and "ct-auth-not-enforced" in self.bugs):
                    check_ct_auth(request, self.token)
                return ct_query(self, request)
            except Unauthorized as exc:
                body = {"statusCode": 401, "message": str(exc),
                        "errors": [{"code": "invalid_token", "message": str(exc)}],
                        "error": "invalid_token", "error_description": str(exc)}
                return JSONResponse(body, 401, {"WWW-Authenticate": 'Bearer realm="commercetools"'})
            except CtError as exc:
                return exc.response()

        return Route("/{projectKey}/discount-codes", endpoint, methods=["GET"])


async def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if request.url.path.startswith("/v1/"):
        message = ("Unrecognized request URL" if exc.status_code == 404 else
                   f"Method {request.method} is not allowed on {request.url.path}")
        body = {"error": {"type": "invalid_request_error", "message": message}}
    else:
        code = {404: "ResourceNotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "General")
        message = str(exc.detail)
        body = {"statusCode": exc.status_code, "message": message, "errors": [{"code": code, "message": message}]}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/v1/"):
        return JSONResponse({"error": {"type": "api_error", "message": "An unknown error occurred"}}, 500)
    body = {"statusCode": 500, "message": "Internal error", "errors": [{"code": "General", "message": "Internal error"}]}
    return JSONResponse(body, status_code=500)


def create_app(bugs: frozenset[str] | set[str] = frozenset(), seed: int = 1, token: str | None = None) -> Starlette:
    app = VendorsApp(bugs, seed, token)
    starlette = Starlette(routes=[app.stripe_route(), app.ct_route()],
                          exception_handlers={HTTPException: _http_error, Exception: _server_error})
    starlette.state.bugs, starlette.state.seed = app.bugs, seed
    return starlette


def main(argv: list[str] | None = None) -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m tests.independent.vendors", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bug", action="append", default=[], choices=sorted(BUGS), metavar="NAME")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", default=None, help="accept only this key/token (default: any non-empty one)")
    args = parser.parse_args(argv)
    uvicorn.run(create_app(frozenset(args.bug), args.seed, args.token), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()

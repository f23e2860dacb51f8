"""One request, read from the ASGI scope once: what the pipeline, the journal and links need.

Starlette's `Request` builds a `URL` (a string put together, then split again), `QueryParams`
(the query parsed) and `Headers` lazily, but the endpoint asked for them several times, so one
request parsed its query three times and split its URL eight times. Here each part is read once,
with exactly Starlette's rules (`URL(scope=...)` for the parts of the URL, `parse_qsl` with blank
values kept for the parameters), so journal entries and links are the same strings as before.
A `Request` is still made, only when a spec's apiKey scheme needs header/query/cookie lookup.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

try:  # how Starlette's own URL(scope=...) reads a Host (recent releases)
    from starlette._utils import parse_host_header
except ImportError:  # an older Starlette: its URL reads every Host that is not plain
    def parse_host_header(host):  # noqa: ANN001 - the fallback's answer is "let URL decide"
        return None
from starlette.datastructures import URL
from starlette.requests import Request

_SERVE_HEADERS = frozenset((b"authorization", b"host", b"accept", b"accept-encoding", b"if-none-match"))
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_PLAIN_HOST = re.compile(r"[a-z0-9.-]+(?::([0-9]{1,5}))?", re.IGNORECASE)  # a subset of Starlette's _HOST_RE
_URL_SPECIAL = frozenset("\t\r\n#/?@[]\\")  # where urlsplit would read a URL differently than it was built


def request_headers(raw: list) -> tuple[dict, list[str]]:
    """The request headers an operation reads (the first of each, as Starlette's `Headers.get`), and
    every `Prefer` header."""
    found: dict[str, str] = {}
    prefer: list[str] = []
    for key, value in raw:
        if key == b"prefer":
            prefer.append(value.decode("latin-1"))
        elif key in _SERVE_HEADERS:
            found.setdefault(key.decode("latin-1"), value.decode("latin-1"))
    return found, prefer


def url_parts(scope) -> tuple[str, str, str, str]:
    """(scheme, netloc, path, query) as Starlette's `Request.url` reads them, without building and
    re-splitting the URL string when nothing in it could make the split differ (a plain host, no
    tab, newline or `#`); anything unusual goes through `URL` itself."""
    scheme = scope.get("scheme", "http")
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string", b"").decode()
    host = None
    for key, value in scope["headers"]:
        if key == b"host":
            host = value.decode("latin-1")
            break
    plain = _PLAIN_HOST.fullmatch(host) if host is not None else None
    if plain is not None and (plain[1] is None or int(plain[1]) <= 65535):
        netloc = host  # what parse_host_header's authority is for a name or IPv4 address and a port
    else:
        parsed = parse_host_header(host)
        netloc = parsed.authority if parsed is not None and parsed.is_valid_port else None  # else URL decides
    if (netloc and path.startswith("/") and scheme in _DEFAULT_PORTS and netloc.isascii()
            and _URL_SPECIAL.isdisjoint(netloc) and "#" not in query
            and "\t" not in path and "\r" not in path and "\n" not in path
            and "\t" not in query and "\r" not in query and "\n" not in query):
        return scheme, netloc, path, query
    url = URL(scope=scope)
    return url.scheme, url.netloc, url.path, url.query


def query_items(query: str) -> list[tuple[str, str]]:
    """Starlette's `QueryParams` list: `parse_qsl(query, keep_blank_values=True)` of the raw bytes as
    latin-1. Without `%` or `+` nothing is unquoted, so splitting is all it does (`a` is `("a", "")`,
    empty pieces are skipped, a value keeps any further `=`)."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    items = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            items.append((name, value))
    return items


class Incoming:
    """The parts of one request the operation endpoint reads, each computed once."""

    __slots__ = ("scope", "method", "headers", "prefer", "scheme", "netloc", "path", "query", "items", "_request")

    def __init__(self, scope):
        self.scope = scope
        self.method: str = scope["method"]
        self.headers, self.prefer = request_headers(scope["headers"])  # one pass, not a scan per header
        self.scheme, self.netloc, self.path, self.query = url_parts(scope)
        self.items: list[tuple[str, str]] = query_items(scope["query_string"].decode("latin-1"))
        self._request: Request | None = None

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def path_params(self) -> dict[str, Any]:
        return self.scope.get("path_params", {})

    @property
    def request(self) -> Request:
        """A Starlette `Request`, for the rare reader of cookies or arbitrary headers."""
        if self._request is None:
            self._request = Request(self.scope)
        return self._request

    def parameters(self) -> dict[str, list[str]]:
        """The query's parameters, for the journal: every value under its name, in order."""
        out: dict[str, list[str]] = {}
        for name, value in self.items:
            out.setdefault(name, []).append(value)
        return out

"""The one exception the request path raises; each dialect renders it in its vendor's envelope."""

from __future__ import annotations

from dataclasses import dataclass, field

TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
          406: "Not Acceptable", 422: "Unprocessable Entity", 429: "Too Many Requests",
          500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Problem:
    message: str
    parameter: str | None = None
    location: str = "query"


@dataclass
class RequestError(Exception):
    status: int
    problems: list[Problem] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLES.get(self.status, "Error")

    def __str__(self) -> str:
        return "; ".join(p.message for p in self.problems) or self.title


def bad_request(message: str, parameter: str | None = None, status: int = 400) -> RequestError:
    return RequestError(status, [Problem(message, parameter)])

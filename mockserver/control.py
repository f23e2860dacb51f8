"""Per-request and per-server control: the `Prefer` header, latency, error rate and rate limit.

`Prefer` follows RFC 7240 and Prism's vocabulary, plus our own scenarios:

    Prefer: code=404                 the documented response for that status
    Prefer: example=documented       a named example from the spec
    Prefer: scenario=empty|large|edge
    Prefer: latency=150  /  latency=20..200   (milliseconds)
    Prefer: error-rate=0.5
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass

from .errors import Problem, RequestError

SCENARIOS = ("empty", "large", "edge")
_PAIR = re.compile(r'\s*([A-Za-z][\w-]*)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,;]*))?')


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    scenario: str = ""
    latency: tuple[float, float] | None = None
    error_rate: float | None = None

    @property
    def any(self) -> bool:
        return self != NO_PREFERENCES


NO_PREFERENCES = Preferences()


def parse_range(text: str, name: str) -> tuple[float, float]:
    """`150` or `20..200` (milliseconds) -> (low, high) in seconds."""
    low, _, high = text.partition("..")
    try:
        lo, hi = float(low), float(high or low)
    except ValueError:
        raise ValueError(f"{name} must be milliseconds like 150 or 20..200, got {text!r}") from None
    if lo < 0 or hi < lo or hi > 60_000:
        raise ValueError(f"{name} must be 0 <= low <= high <= 60000 ms, got {text!r}")
    return lo / 1000, hi / 1000


def parse_prefer(values: list[str]) -> Preferences:
    """Read every `Prefer` header; unknown preferences are ignored, as RFC 7240 asks."""
    found: dict[str, str] = {}
    for header in values:
        for part in re.split(r"[,;]", header):
            m = _PAIR.match(part)
            if m and m.group(1):
                found[m.group(1).lower()] = (m.group(2) or "").strip().strip('"')
    if not found:
        return NO_PREFERENCES
    try:
        code = int(found["code"]) if "code" in found else None
        scenario = found.get("scenario", "")
        if scenario and scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
        latency = parse_range(found["latency"], "latency") if "latency" in found else None
        error_rate = float(found["error-rate"]) if "error-rate" in found else None
        if error_rate is not None and not 0 <= error_rate <= 1:
            raise ValueError("error-rate must be between 0 and 1")
    except ValueError as exc:
        raise RequestError(400, [Problem(f"Prefer: {exc}".replace("invalid literal for int() with base 10", "code must be a number"), "Prefer", "header")]) from None
    return Preferences(code, found.get("example") or None, scenario, latency, error_rate)


class RateLimiter:
    """A token bucket: `rate` requests per second with a burst of one second's worth."""

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def retry_after(self) -> int | None:
        """None when the request may go ahead; otherwise whole seconds to wait."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, math.ceil((1 - self.tokens) / self.rate))


def parse_rate(text: str) -> float:
    """`10/s`, `600/m` or `10` -> requests per second."""
    number, _, unit = text.partition("/")
    per = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}.get(unit.strip().lower())
    try:
        if per is None:
            raise ValueError
        rate = float(number) / per
    except ValueError:
        raise ValueError(f"rate limit must look like 10/s or 600/m, got {text!r}") from None
    if rate <= 0:
        raise ValueError("rate limit must be positive")
    return rate


def pick_latency(server: tuple[float, float] | None, prefer: Preferences, rng: random.Random) -> float:
    span = prefer.latency or server
    if not span:
        return 0.0
    return rng.uniform(*span)


def too_many_requests(seconds: int) -> RequestError:
    return RequestError(429, [Problem(f"rate limit exceeded; retry after {seconds} s")], headers={"Retry-After": str(seconds)})


def injected_error(status: int = 500) -> RequestError:
    return RequestError(status, [Problem("injected server error (mock error rate)")])

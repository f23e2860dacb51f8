"""Settings from the loosely typed options of `@pytest.mark.mock(...)` and `mock_options`.

Every bad value becomes one `OptionError` line that names the option and shows a valid form, so a
typo in a marker reads as a usage error instead of a TypeError deep in the app.
"""

from __future__ import annotations

import os
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

from . import control, routing
from .app import Settings
from .cors import parse_origins
from .times import parse_time


class OptionError(ValueError):
    pass


def _number(name: str, value: Any, low: float, high: float | None = None, integer: bool = False) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise OptionError(f"{name}={value!r}: must be {'an integer' if integer else 'a number'} {span}")
    return value


def _rate(value: Any) -> float:
    if isinstance(value, str):
        try:
            return control.parse_rate(value)
        except ValueError as exc:
            raise OptionError(f"rate_limit={value!r}: {exc} (or a number of requests per second)") from None
    return float(_number("rate_limit", value, 0.001))


def _latency(value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        try:
            return control.parse_range(value, "latency")
        except ValueError as exc:
            raise OptionError(f"latency={value!r}: {exc} (or a (low_s, high_s) pair in seconds)") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (value, value)
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) or not 0 <= value[0] <= value[1] <= 60):
        raise OptionError(f"latency={value!r}: must be (low_s, high_s) seconds with 0 <= low <= high <= 60, e.g. (0.02, 0.2), or '20..200' ms")
    return float(value[0]), float(value[1])


def _now(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        return parse_time(str(value))
    except ValueError:
        raise OptionError(f"now={value!r}: must be an RFC 3339 time such as '2026-01-01T00:00:00Z' (or a datetime)") from None


def _paths(name: str, value: Any, files: bool) -> list[str]:
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise OptionError(f"{name}={value!r}: must be a list of {'file paths' if files else 'spec files or bundled names'}")
    out = [os.fspath(v) for v in value]
    if files:
        for path in out:
            if not os.path.isfile(path):
                raise OptionError(f"{name}: no such file {path!r} (paths are relative to where pytest runs: {os.getcwd()})")
    return out


CHECKS = {
    "seed": lambda v: _number("seed", v, 0, integer=True),
    "size": lambda v: None if v is None else _number("size", v, 0, 10_000_000, integer=True),
    "error_rate": lambda v: float(_number("error_rate", v, 0, 1)),
    "rate_limit": lambda v: None if v is None else _rate(v),
    "latency": lambda v: None if v is None else _latency(v),
    "now": _now,
    "fixtures": lambda v: _paths("fixtures", v, files=True),
    "specs": lambda v: None if v is None else _paths("specs", v, files=False),
    "cors": lambda v: None if v is None else (parse_origins(v) if isinstance(v, str) else tuple(v)),
    "mounts": lambda v: routing.normalise(v),
}
BOOLEANS = ("strict", "admin", "access_log")


def settings_from(options: dict) -> Settings:
    known = [f.name for f in fields(Settings)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise OptionError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
    values = {}
    for name, value in options.items():
        if name in CHECKS:
            try:
                value = CHECKS[name](value)
            except OptionError:
                raise
            except ValueError as exc:
                raise OptionError(f"{name}={value!r}: {exc}") from None
        elif name in BOOLEANS and not isinstance(value, bool):
            raise OptionError(f"{name}={value!r}: must be True or False")
        elif name == "token" and value is not None and (not isinstance(value, str) or not value.strip()):
            raise OptionError(f"token={value!r}: must be a non-empty string")
        values[name] = value
    return Settings(**values)

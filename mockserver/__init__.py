"""A spec-driven mock server for discount-code and promotion-usage APIs."""

from typing import Any

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    """`create_app` and `Settings` on first use: tools that only read specs skip starlette and faker."""
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)

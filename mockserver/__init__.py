"""A spec-driven mock server for discount-code and promotion-usage APIs."""

from .app import Settings, create_app

__all__ = ["Settings", "create_app"]

"""Schemathesis, positive and negative data, every check, against the in-process app.

The mock runs with a pinned token so that Schemathesis' "invalid credentials are rejected" check
has something to reject.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mockserver import create_app
from mockserver.dialects.jsonapi import fieldsets_clash
from mockserver.spec import bundled_spec_paths

TOKEN = "schemathesis-token"
APP = create_app(seed=3, token=TOKEN)


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"Bearer {TOKEN}"},
        "generation": {"mode": "all", "max-examples": 40},
        "checks": {"enabled": True},
    })


def _schema(path):
    schema = schemathesis.openapi.from_path(path, config=_config())
    schema.app = APP
    return schema


teamup = _schema(bundled_spec_paths()[[p.stem for p in bundled_spec_paths()].index("teamup")])
elasticpath = _schema(next(p for p in bundled_spec_paths() if p.stem == "elasticpath-promotions"))
ops = _schema(next(p for p in bundled_spec_paths() if p.stem == "ops-promotions"))
nuweb = _schema(next(p for p in bundled_spec_paths() if p.stem == "nuweb"))


@nuweb.hook("filter_query")
def _skip_documented_clash(context, query):
    return not fieldsets_clash(query or {}, "discountCodes")  # documented as a 422


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@teamup.parametrize()
@SETTINGS
def test_teamup(case):
    case.call_and_validate()


@elasticpath.parametrize()
@SETTINGS
def test_elasticpath(case):
    case.call_and_validate()


@ops.parametrize()
@SETTINGS
def test_ops(case):
    case.call_and_validate()


@nuweb.parametrize()
@SETTINGS
def test_nuweb(case):
    case.call_and_validate()

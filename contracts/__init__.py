"""Contract checks for discount-code and promotion-usage APIs: `contracts run --base-url URL`.

Schemathesis checks that every answer conforms to the spec; the semantic checks (paging, sort,
filters, fieldsets, invariants) check that the answers mean what the spec's `x-mock` blocks say,
using the same dialects the mock renders with. See `contracts.runner` for the run, `contracts.cli`
for the command line and `contracts.pytest_plugin` for `pytest --contracts-base-url URL`.

Nothing is imported here eagerly: the pytest plugin lives in this package and is loaded by every
pytest run, which must not pay for the checks it does not run.
"""

__all__ = ["RunOptions", "RunResult", "Session", "UsageError", "run_contracts"]


def __getattr__(name: str):
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")

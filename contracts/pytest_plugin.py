"""`pytest --contracts-base-url URL`: the checks of `contracts run`, one test per operation and group.

Registered through the `pytest11` entry point, so it is loaded in every pytest run: without
`--contracts-base-url` it adds options and nothing else (no imports of Schemathesis, no network).

    pytest --contracts-base-url http://127.0.0.1:8000 -m contracts
    pytest --contracts-base-url https://api.example --contracts-spec ops-promotions --contracts-token-env OPS_TOKEN

Every item it adds carries the `contracts` marker, so `-m contracts` selects them and nothing else,
even inside a project whose own test names contain "contracts".
"""

from __future__ import annotations

import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

_SESSION = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "contract checks against a running API (the `contracts run` checks)")
    group.addoption("--contracts-base-url", metavar="URL", default=None,
                    help="Run the contract checks against this API; without it the plugin does nothing.")
    group.addoption("--contracts-spec", action="append", default=[], metavar="FILE|NAME",
                    help="A bundled spec's short name or a spec file (repeatable; default: every spec served).")
    group.addoption("--contracts-header", action="append", default=[], metavar="'Name: value'",
                    help="A header sent with every request (repeatable).")
    group.addoption("--contracts-token-env", metavar="VAR", default=None, help="Environment variable holding the token.")
    group.addoption("--contracts-max-examples", type=int, default=None, metavar="N",
                    help="Schemathesis examples per operation and data mode.")
    group.addoption("--contracts-seed", type=int, default=None, metavar="N")
    group.addoption("--contracts-no-coverage", action="store_true", default=False,
                    help="Skip Schemathesis' coverage phase (most of a run's requests).")
    group.addoption("--contracts-rate-limit", default=None, metavar="N/s")
    group.addoption("--contracts-strict-readings", action="store_true", default=False,
                    help="Fail a test also when the API takes another reading of an open point (a WARN).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contracts: a contract check added by --contracts-base-url")


def _options(config: pytest.Config):
    from .cli import parse_headers, parse_rate
    from .runner import DEFAULT_MAX_EXAMPLES, RunOptions

    return RunOptions(
        base_url=config.getoption("contracts_base_url"),
        specs=list(config.getoption("contracts_spec")),
        headers=parse_headers(tuple(config.getoption("contracts_header"))),
        token_env=config.getoption("contracts_token_env"),
        max_examples=config.getoption("contracts_max_examples") or DEFAULT_MAX_EXAMPLES,
        seed=config.getoption("contracts_seed"),
        rate_limit=parse_rate(config.getoption("contracts_rate_limit")),
        coverage=not config.getoption("contracts_no_coverage"),
        strict_readings=config.getoption("contracts_strict_readings"),
    )


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect, so they apply to these items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    if not config.getoption("contracts_base_url"):
        return
    from .runner import Session, UsageError

    try:
        contracts = Session(_options(config), progress=None)
        contracts.discover()
    except UsageError as exc:
        raise pytest.UsageError(f"contracts: {exc}") from None
    config.stash[_SESSION] = contracts
    for spec in contracts.specs:
        for op in contracts.operations(spec):
            for group in contracts.groups_for(op):
                items.append(ContractItem.from_parent(session, name=f"contracts[{spec.name}:{op.operation_id}:{group}]",
                                                      op=op, group=group))
    items.append(RunItem.from_parent(session, name="contracts[run]"))
    for item in items:
        if isinstance(item, (ContractItem, RunItem)):
            item.add_marker("contracts")


def pytest_unconfigure(config: pytest.Config) -> None:
    contracts = config.stash.get(_SESSION, None)
    if contracts is not None:
        contracts.close()


class ContractFailure(Exception):
    """The failed checks of one item, already redacted."""


class ContractReadingWarning(UserWarning):
    """The API took another reading of a point the vendor page leaves open (a WARN of `contracts run`)."""


class ContractItem(pytest.Item):
    def __init__(self, *, op, group: str, **kwargs):
        super().__init__(**kwargs)
        self.op, self.group = op, group

    def runtest(self) -> None:
        from .client import BudgetExhausted
        from .report import WARN, failure_lines, finding_lines

        contracts = self.config.stash[_SESSION]
        if contracts.result.problems:
            pytest.skip(f"the run stopped: {contracts.result.problems[0]}")
        out, err = contracts.redactor.stream(sys.stdout), contracts.redactor.stream(sys.stderr)
        try:
            with redirect_stdout(out), redirect_stderr(err):  # whatever a library prints, pytest shows redacted
                result = contracts.run_group(self.op, self.group)
        except BudgetExhausted as exc:
            contracts.result.problems.append(f"stopped early: {exc}")
            pytest.fail(str(exc), pytrace=False)
        finally:
            out.flush()
            err.flush()
        mine = [c for name, c in result.checks.items() if name.startswith(f"{self.group}.")]
        failed = [c for c in mine if c.status in ("failed", "error")]
        warned = [c for c in mine if c.warnings]
        if warned and contracts.options.strict_readings:
            failed += [c for c in warned if c not in failed]
        if failed:
            raise ContractFailure(contracts.redactor("\n".join(failure_lines(result, failed)
                                                                + finding_lines(result, warned, WARN)[1:])))
        if warned:  # shown in pytest's warnings summary; the test passes
            import warnings

            warnings.warn(ContractReadingWarning(contracts.redactor("\n".join(finding_lines(result, warned, WARN)))))
        if not mine or all(c.status == "skipped" for c in mine):
            reasons = sorted({c.skipped for c in mine if c.skipped}) or ["nothing to check"]
            pytest.skip("; ".join(reasons))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ContractFailure):
            return str(excinfo.value)
        contracts = self.config.stash.get(_SESSION, None)
        text = str(super().repr_failure(excinfo, style))
        return contracts.redactor(text) if contracts is not None else text

    def reportinfo(self):
        return self.path, None, self.name


class RunItem(pytest.Item):
    """Last: a run in which no request got a 2xx checked nothing, and must not pass."""

    def runtest(self) -> None:
        contracts = self.config.stash[_SESSION]
        result = contracts.finish()
        if result.problems:
            raise ContractFailure(contracts.redactor("; ".join(result.problems)))

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value) if isinstance(excinfo.value, ContractFailure) else super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, self.name

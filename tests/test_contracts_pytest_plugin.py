"""`pytest --contracts-base-url URL` runs the contract checks as tests; without it the plugin
(loaded in every pytest run through its entry point) adds nothing.

The run against a (broken) mock is a real pytest process in a scratch project; the option-less and
unreachable cases call the plugin's hook directly.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from contracts import pytest_plugin as plugin
from mockserver.app import Settings
from mockserver.pytest_plugin import BackgroundServer

OPS = "ops-promotions"
OP = f"{OPS}:listPromotionUsageHistory"


def pytest_run(where, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CONTRACTS_TOKEN"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=where,
                          capture_output=True, text=True, timeout=180, env=env)


def contract_args(url: str) -> list[str]:
    return ["--contracts-base-url", url, "--contracts-spec", OPS, "--contracts-max-examples", "2",
            "--contracts-no-coverage", "--contracts-seed", "4", "-v"]


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory) -> subprocess.CompletedProcess:
    """One pytest process against a mock that ignores filters, next to an ordinary test."""
    project = tmp_path_factory.mktemp("project")
    (project / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    with BackgroundServer(Settings(seed=5, misbehave=("ignore-filter",))) as broken:
        return pytest_run(project, *contract_args(broken.url))


class FakeConfig:
    """Just enough of a pytest Config for the collection hook."""

    def __init__(self, **options):
        self.options = options
        self.stash = pytest.Stash()

    def getoption(self, name):
        return self.options.get(name)


def test_without_the_option_the_plugin_adds_nothing(request):
    """This very run loads the plugin without the option: the hook leaves the items alone."""
    assert request.config.getoption("contracts_base_url") is None
    items = []
    plugin.pytest_collection_modifyitems(request.session, request.config, items)
    assert items == []
    assert plugin._SESSION not in request.config.stash


def test_an_unreachable_api_is_a_usage_error(request):
    config = FakeConfig(contracts_base_url="http://127.0.0.1:9", contracts_spec=[], contracts_header=[])
    with pytest.raises(pytest.UsageError, match="contracts: cannot reach http://127.0.0.1:9"):
        plugin.pytest_collection_modifyitems(request.session, config, [])


def test_each_operation_and_group_is_a_test_and_the_broken_one_fails(broken_run):
    out = broken_run.stdout
    assert broken_run.returncode == 1, out + broken_run.stderr
    assert f"FAILED ::contracts[{OP}:filter]" in out
    for group in ("conformance", "paging", "sort", "fieldset", "invariant"):
        assert f"contracts[{OP}:{group}] PASSED" in out
    assert "contracts[run] PASSED" in out and "test_plain.py::test_plain PASSED" in out


def test_the_failure_names_the_check_and_the_request(broken_run):
    out = broken_run.stdout
    assert "filter.status" in out and "split the list: each item under exactly one value" in out
    assert "curl -X GET -H 'Authorization: Bearer ***'" in out


@pytest.mark.parametrize("strict", [False, True])
def test_another_reading_is_a_pytest_warning_or_with_strict_readings_a_failure(tmp_path, strict):
    with BackgroundServer(Settings(seed=5, readings=("blank-is-absent",))) as server:
        args = contract_args(server.url) + (["--contracts-strict-readings"] if strict else [])
        proc = pytest_run(tmp_path, *args)
    out = proc.stdout
    assert "reads a blank parameter (`name=`) as if it were absent" in out
    if strict:
        assert proc.returncode == 1 and f"FAILED ::contracts[{OP}:errors]" in out
    else:
        assert proc.returncode == 0, out
        assert "ContractReadingWarning" in out and f"::contracts[{OP}:errors] PASSED" in out


def test_the_readme_command_selects_only_the_contract_checks_even_beside_tests_named_contracts(tmp_path):
    """`pytest --contracts-base-url URL -m contracts`, inside a project with its own `test_contracts_*`."""
    (tmp_path / "test_contracts_mine.py").write_text("def test_contracts_of_mine():\n    assert False\n")
    with BackgroundServer(Settings(seed=5)) as server:
        proc = pytest_run(tmp_path, *contract_args(server.url), "-m", "contracts")
    assert proc.returncode == 0, proc.stdout
    assert "test_contracts_of_mine" not in proc.stdout.split("short test summary")[0].replace("deselected", "")
    assert f"::contracts[{OP}:paging] PASSED" in proc.stdout and "1 deselected" in proc.stdout

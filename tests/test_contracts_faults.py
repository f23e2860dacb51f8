"""Proof that the contract checks work: the mock started with each deliberate fault makes
`contracts run` fail and name the right check; the healthy mock passes.

Every run is the real command line (`python -m contracts run ... --junit`), in parallel, and the
assertions read its JUnit file, so the exit code, the check names and the report are all tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockserver.app import Settings
from mockserver.misbehave import FAULTS
from mockserver.pytest_plugin import BackgroundServer

CODES = "elasticpath-promotions:getPromotionCodes"
USAGES = "elasticpath-promotions:getPromotionCodeUsages"
NUWEB = "nuweb:listDiscountCodes"
OPS = "ops-promotions:listPromotionUsageHistory"
TEAMUP = "teamup:getDiscountCodeUsesReportData"
ALL = (CODES, USAGES, NUWEB, OPS, TEAMUP)
STRIPE = "stripe-promotion-codes:listPromotionCodes"

# fault -> the (operation, check-name prefix) pairs that must fail.
MUST_FAIL: dict[str, set[tuple[str, str]]] = {
    # Elastic Path's usages page documents no total: a wrong one is a WARN there (MUST_WARN), and the
    # skipped first item shows in the documented filters instead.
    "offset-off-by-one": {(op, "paging.walk") for op in ALL if op != USAGES} | {(USAGES, "filter.filter:")},
    "wrong-total": {(op, "paging.walk") for op in ALL if op != USAGES} | {(USAGES, "filter.filter:")},
    "ignore-sort": {(TEAMUP, "sort.options"), (USAGES, "sort.options"), (OPS, "sort.default"), (OPS, "sort.options")},
    "ignore-filter": {(TEAMUP, "filter.customers"), (TEAMUP, "filter.use_types"), (USAGES, "filter.filter:used_on"),
                      (OPS, "filter.status"), (NUWEB, "filter.types"), (NUWEB, "filter.withTrashed")},
    "ignore-fields": {(TEAMUP, "fieldset.columns"), (OPS, "fieldset.fields"), (NUWEB, "fieldset.only"),
                      (NUWEB, "fieldset.except")},
    "next-on-last-page": {(CODES, "paging.links"), (USAGES, "paging.links"), (NUWEB, "paging.links")},
    # Dropping the codes' required `code` leaves no code to look up usages under, so usages show nothing.
    "drop-required": {(CODES, "conformance.response_schema_conformance"),
                      (NUWEB, "conformance.response_schema_conformance")},
    "server-error": {(op, "paging.max-limit") for op in ALL} | {(op, "conformance.not_a_server_error") for op in ALL},
    "links-drop-params": {(USAGES, "paging.links-follow"), (NUWEB, "paging.links-follow")},
    "more-on-last-page": {(STRIPE, "paging.has-more")},
}

# Faults that break one of our readings, not a documented claim, where the page is silent: a WARN.
MUST_WARN: dict[str, set[tuple[str, str]]] = {
    "wrong-total": {(USAGES, "paging.walk")},
}

# Faults that touch one concern only: every failure must belong to it (no collateral noise).
ONLY_FAILS: dict[str, tuple[str, ...]] = {
    "ignore-sort": ("sort.",),
    "ignore-filter": ("filter.",),
    "ignore-fields": ("fieldset.",),
    "next-on-last-page": ("paging.links",),
    "more-on-last-page": ("paging.has-more",),
}


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    failed: set[tuple[str, str]]  # (operation, check) from the JUnit file
    passed: set[tuple[str, str]]
    report: str
    warned: set[tuple[str, str]] = frozenset()


def contracts_env() -> dict:
    """The environment of a developer without a token (so the placeholder is used)."""
    return {k: v for k, v in os.environ.items() if k != "CONTRACTS_TOKEN"}


def run_cli(url: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "contracts", "run", "--base-url", url, "--max-examples", "5", "--seed", "7",
         "--junit", str(out / "junit.xml"), "--report", str(out / "report.md"), *extra],
        capture_output=True, text=True, timeout=240, env=contracts_env())


def read_junit(path: Path) -> tuple[set, set, set]:
    """(failed, passed, warned) as (operation, check); a warned check is a passing case marked so."""
    failed, passed, warned = set(), set(), set()
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            bad = case.find("failure") is not None or case.find("error") is not None
            key = (suite.get("name"), case.get("name"))
            (failed if bad else passed).add(key)
            if any(p.get("name") == "outcome" and p.get("value") == "warn" for p in case.iter("property")):
                warned.add(key)
    return failed, passed, warned


# Runs whose expected failures include Schemathesis checks keep its coverage phase (boundary values
# such as the maximum page size, the request without any paging); the others skip it, which makes
# them several times cheaper. The healthy run keeps the defaults, to prove they raise no false alarm.
WITH_COVERAGE = {None, "drop-required", "server-error"}
# drop-required can only show where an item schema lists required fields (Elastic Path, NuWeb); a
# cursor list's `has_more` is Stripe's. The other faults run on the five vendor-page specs (the two
# spec-only vendors prove their faults in test_cursor_paging.py and test_template_dialect.py); the
# healthy run checks all seven.
FIVE = ("elasticpath-promotions", "nuweb", "ops-promotions", "teamup")
SPECS = {"drop-required": ("elasticpath-promotions", "nuweb"), "more-on-last-page": ("stripe-promotion-codes",)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str | None, Run]:
    """One run per fault and one healthy run, three at a time."""
    names = [None, *FAULTS]
    outs = {fault: tmp_path_factory.mktemp(fault or "healthy") for fault in names}  # not from threads: mktemp races

    def one(fault: str | None) -> Run:
        out = outs[fault]
        with BackgroundServer(Settings(seed=5, misbehave=(fault,) if fault else ())) as server:
            options = [] if fault in WITH_COVERAGE else ["--no-coverage"]
            for spec in SPECS.get(fault, FIVE if fault else ()):
                options += ["--spec", spec]
            proc = run_cli(server.url, out, "--quiet", *options)
        failed, passed, warned = read_junit(out / "junit.xml")
        return Run(proc.returncode, proc.stdout, proc.stderr, failed, passed, (out / "report.md").read_text(), warned)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(names, pool.map(one, names)))


def test_every_fault_has_an_expectation():
    assert set(MUST_FAIL) == set(FAULTS), "a new fault in mockserver/misbehave.py needs its expected failures here"


def test_the_healthy_mock_passes(runs):
    run = runs[None]
    assert run.exit_code == 0, run.stdout + run.stderr
    assert not run.failed and not run.warned  # our own mock takes every one of our readings
    assert "OK: 0 failed checks, 0 warned checks" in run.stdout
    assert "UNDECLARED" not in run.stdout  # every claim the checks make has a basis in x-contract
    # Every group ran somewhere, so "passes" is not "checked nothing".
    names = {check for _, check in run.passed}
    for prefix in ("conformance.response_schema_conformance", "paging.walk", "paging.links", "sort.options",
                   "filter.", "fieldset.", "invariant.fields", "invariant.included", "invariant.path-bound",
                   "invariant.elasticpath-remaining-uses"):
        assert any(n.startswith(prefix) for n in names), prefix


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_the_run_and_names_the_check(runs, fault):
    run = runs[fault]
    assert run.exit_code == 1, f"{fault}: exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    missing = {(op, prefix) for op, prefix in MUST_FAIL[fault]
               if not any(o == op and check.startswith(prefix) for o, check in run.failed)}
    assert not missing, f"{fault}: expected failures not reported: {sorted(missing)}; got {sorted(run.failed)}"
    for op, prefix in MUST_FAIL[fault]:
        assert f"{op}  GET" in run.stdout  # the summary names the operation...
    assert "FAILURES" in run.stdout and "request:  curl -X GET" in run.stdout  # ...and the request as curl
    unwarned = {(op, prefix) for op, prefix in MUST_WARN.get(fault, ())
                if not any(o == op and check.startswith(prefix) for o, check in run.warned)}
    assert not unwarned, f"{fault}: expected warnings not reported: {sorted(unwarned)}; got {sorted(run.warned)}"
    if fault in ONLY_FAILS:
        stray = {(op, c) for op, c in run.failed if not c.startswith(ONLY_FAILS[fault])}
        assert not stray, f"{fault} should fail only {ONLY_FAILS[fault]}, also failed: {sorted(stray)}"


def test_a_failure_says_what_was_expected_and_what_came_back(runs):
    report = runs["wrong-total"].report
    section = report.split("### `paging.walk`", 1)[1]
    assert "walking every page gives as many items as the reported total" in section
    assert "expected: `" in section and "(the reported total)" in section
    assert "got: `" in section and "items over" in section
    assert "curl -X GET -H 'Authorization: Bearer ***'" in section

"""Proof that the contract checks hold for the two spec-only vendors (Stripe promotion codes,
commercetools discount codes) against an implementation they did not grow up with:
`tests/independent/vendors.py`, written from the public vendor references alone, with other
readings where they are silent (`tests/independent/VENDORS_CHOICES.md`).

- The clean implementation, both specs, with the coverage phase: no FAIL (but the one known false
  failure below); a WARN only where it took one of its recorded readings, naming it.
- Each planted bug: the run fails and names the check that catches it. A Stripe bug and a
  commercetools bug share one run (checks are per operation, so each names its own), which halves
  the runs. Bugs no check catches yet are strict xfails: a gap in `contracts`, reported, not hidden.

Every run is the real command line with `--junit`, three at a time, as in `test_contracts_readings.py`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest

import pytest

from tests.independent.vendors import BUGS, create_app
from tests.test_contracts_faults import Run, read_junit, run_cli
from tests.test_contracts_readings import contracts_against

STRIPE = "stripe-promotion-codes:listPromotionCodes"
CT = "commercetools-discount-codes:queryDiscountCodes"
SPEC_OF = {STRIPE: "stripe-promotion-codes", CT: "commercetools-discount-codes"}

# The readings the implementation took (VENDORS_CHOICES.md) -> (operation, check): words of the WARN.
EXPECTED_WARNS: dict[tuple[str, str], str] = {
    (STRIPE, "paging.max-limit"): "clamps `limit` above 100 to 100",               # S1: limit > 100 clamped
    (STRIPE, "conformance.negative_data_rejection"): "accepts a value outside",    # S1: limit=101 is a 200
    (CT, "conformance.negative_data_rejection"): "accepts a value outside",        # C1: limit=0 is served
    (CT, "sort.default"): "takes another reading",                                 # C4: no sort -> id asc
    # S3: Stripe refuses an empty string (`code=`) with 400 parameter_invalid_empty, as the real API
    # does; the reference never says an empty value is valid. Once a false FAIL, now a reading, asked
    # every run by errors.blank-allowed.
    (STRIPE, "errors.blank-allowed"): "refuses a blank value",
}
# WARNs that depend on what Hypothesis generates (the same seed draws other cases under another
# Hypothesis release): when one is reported it must be this reading, but it need not be reported.
MAY_WARN: dict[tuple[str, str], str] = {
    (STRIPE, "conformance.positive_data_acceptance"): "refuses a blank value",
}

# FAILs on the clean implementation that are the checks' fault, not the implementation's (reported;
# the fix is in contracts/, not ours to make): check -> words the failure must carry.
KNOWN_FALSE_FAILURES: dict[tuple[str, str], str] = {}

# planted bug -> the check that must fail
MUST_CATCH: dict[str, tuple[str, str]] = {
    "stripe-has-more-always-true": (STRIPE, "paging.has-more"),
    "stripe-starting-after-inclusive": (STRIPE, "paging.walk"),
    "stripe-ending-before-wrong-window": (STRIPE, "paging.cursor"),
    "stripe-auth-not-enforced": (STRIPE, "errors.auth"),
    # These two were only WARNs until the spec's x-contract quoted the pages (commit 348f1a9).
    "stripe-created-gte-as-gt": (STRIPE, "filter.created[gte]"),
    "stripe-oldest-first": (STRIPE, "sort.default"),
    "ct-total-is-count": (CT, "paging.walk"),
    "ct-offset-off-by-one": (CT, "paging.walk"),
    "ct-sort-desc-ignored": (CT, "sort.options"),
    "ct-auth-not-enforced": (CT, "errors.auth"),
    # The gaps this file found, closed in contracts: a case-insensitive filter is sent in another
    # case, `count` is read and checked, `withTotal=false` is sent.
    "stripe-code-case-sensitive": (STRIPE, "filter.code"),
    "ct-count-wrong": (CT, "paging.count"),
    "ct-withtotal-ignored": (CT, "paging.with-total"),
}

# Planted bugs no check catches (gaps in contracts, reported): bug -> why not.
NOT_CAUGHT: dict[str, str] = {
    "ct-second-sort-ignored": "sort.multi-key needs a sortable field with repeated values; createdAt, "
                              "lastModifiedAt, code and id are all distinct, so later keys never decide",
}


def op_of(bug: str) -> str:
    return STRIPE if bug.startswith("stripe-") else CT


def bug_pairs() -> list[tuple[str, ...]]:
    """Each run carries at most one Stripe bug and one commercetools bug."""
    stripe = sorted(b for b in BUGS if op_of(b) == STRIPE)
    ct = sorted(b for b in BUGS if op_of(b) == CT)
    return [tuple(b for b in pair if b) for pair in zip_longest(stripe, ct)]


def clean_run(out) -> Run:
    """Both specs, with the coverage phase and the default examples: the proof of no false alarm."""
    from mockserver.pytest_plugin import BackgroundServer

    with BackgroundServer(app=create_app()) as server:
        proc = run_cli(server.url, out, "--quiet", "--spec", SPEC_OF[STRIPE], "--spec", SPEC_OF[CT])
    failed, passed, warned = read_junit(out / "junit.xml")
    return Run(proc.returncode, proc.stdout, proc.stderr, failed, passed, (out / "report.md").read_text(), warned)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, ...], Run]:
    names = [(), *bug_pairs()]
    outs = {pair: tmp_path_factory.mktemp("-".join(pair) or "clean") for pair in names}  # not from threads

    def one(pair: tuple[str, ...]) -> Run:
        if not pair:
            try:
                return clean_run(outs[pair])
            except (RuntimeError, OSError):  # a server slow to start on a loaded machine: once more
                return clean_run(outs[pair])
        specs = sorted({SPEC_OF[op_of(bug)] for bug in pair})
        return contracts_against(create_app(bugs=set(pair)), outs[pair], specs)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(names, pool.map(one, names)))


def run_with(runs: dict, bug: str) -> Run:
    return next(run for pair, run in runs.items() if bug in pair)


def test_every_bug_has_an_expectation():
    assert set(MUST_CATCH) | set(NOT_CAUGHT) == set(BUGS)
    assert not set(MUST_CATCH) & set(NOT_CAUGHT)


def test_the_clean_implementation_fails_nothing_and_warns_only_on_its_readings(runs):
    run = runs[()]
    unexpected = run.failed - set(KNOWN_FALSE_FAILURES)
    assert not unexpected, f"false failures: {sorted(unexpected)}\n{run.stdout}"
    for (op, check), words in KNOWN_FALSE_FAILURES.items():
        if (op, check) in run.failed:
            assert words in run.stdout.split("FAILURES", 1)[1], run.stdout
    assert run.exit_code == (1 if run.failed else 0), f"exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    allowed = set(EXPECTED_WARNS) | set(MAY_WARN)
    assert run.warned <= allowed, f"WARNs outside the recorded readings: {sorted(run.warned - allowed)}"
    assert run.warned >= set(EXPECTED_WARNS), f"recorded readings not reported: {sorted(set(EXPECTED_WARNS) - run.warned)}"
    for (op, check), words in {**EXPECTED_WARNS, **MAY_WARN}.items():
        if (op, check) not in run.warned:
            continue
        section = run.stdout.split(f"{op}  GET", 1)[1].split("\n  " + check + ": WARN", 1)[1]
        assert words in section.split("\n  ")[1], f"the WARN on {check} should say {words!r}: {section[:400]}"
    assert "UNDECLARED" not in run.stdout
    # Every group ran on both operations, so "no FAIL" is not "checked nothing".
    checks = {(op, check.split(".")[0]) for op, check in run.passed | run.failed}
    for op in (STRIPE, CT):
        for group in ("conformance", "paging", "sort", "errors", "invariant"):
            assert (op, group) in checks, (op, group)
    assert (STRIPE, "filter") in checks


@pytest.mark.parametrize("bug", sorted(MUST_CATCH))
def test_each_planted_bug_fails_the_run_and_names_the_check(runs, bug):
    run = run_with(runs, bug)
    assert run.exit_code == 1, f"{bug}: exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    assert MUST_CATCH[bug] in run.failed, f"{bug}: {MUST_CATCH[bug]} did not fail; failed: {sorted(run.failed)}"
    assert "basis:    documented: " in run.stdout or "basis:    implied: " in run.stdout  # a FAIL says why


@pytest.mark.parametrize("bug", sorted(NOT_CAUGHT))
def test_the_bugs_no_check_catches_yet(runs, bug):
    """A gap in contracts: when a check starts catching it, move the bug to MUST_CATCH."""
    run = run_with(runs, bug)
    caught = {check for op, check in run.failed if op == op_of(bug)}
    if caught:
        pytest.fail(f"{bug} is caught now ({sorted(caught)}): move it to MUST_CATCH")
    pytest.xfail(f"not caught by contracts: {NOT_CAUGHT[bug]}")

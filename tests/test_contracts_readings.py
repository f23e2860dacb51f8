"""Proof that the contract checks hold against APIs they did not grow up with.

- The mock with each alternative reading (`--reading NAME`): exit 0, the reading reported as a WARN
  on the checks that meet it, naming the alternative it took; `--strict-readings` makes it exit 1.
- An implementation of the five endpoints written from the vendor pages alone, by someone who did
  not see the mock (`tests/independent/`), with other readings everywhere: exit 0, no FAIL.
- The same implementation with each of its planted bugs: exit 1, naming the check that catches it.

Every run is the real command line with `--junit`, in parallel, as in `test_contracts_faults.py`.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from mockserver.app import Settings, create_app
from mockserver.pytest_plugin import BackgroundServer
from mockserver.readings import READINGS
from tests.independent.app import BUGS, create_app as independent_app
from tests.test_contracts_faults import CODES, NUWEB, OPS, TEAMUP, USAGES, Run, read_junit, run_cli

SPEC_OF = {CODES: "elasticpath-promotions", USAGES: "elasticpath-promotions", NUWEB: "nuweb",
           OPS: "ops-promotions", TEAMUP: "teamup"}

# reading -> {(operation, check): words of the WARN that names the alternative taken}
MUST_WARN: dict[str, dict[tuple[str, str], str]] = {
    "clamp-page-size": {(op, "paging.max-limit"): "clamps" for op in (TEAMUP, CODES, NUWEB)},
    "validation-422": {(TEAMUP, "errors.invalid"): "with 422 instead of 400",
                       (NUWEB, "errors.invalid"): "with 400 instead of 422"},
    "reverse-default-order": {(TEAMUP, "sort.default"): "sorts newest first"},
    "other-default-page-size": {(CODES, "paging.default-limit"): "another default page size",
                                (USAGES, "paging.default-limit"): "another default page size"},
    "data-only": {(USAGES, "paging.envelope"): "answers with only `data`"},
    "blank-is-absent": {(OPS, "errors.blank"): "reads a blank parameter", (USAGES, "errors.blank"): "reads a blank"},
    "offset-wins": {(TEAMUP, "paging.precedence"): "uses `offset` when both"},
    "comma-arrays": {(TEAMUP, "filter.array-forms"): "only as comma-separated lists"},
    "strict-timeframes": {(TEAMUP, "filter.used_at_timeframe"): "names its periods differently"},
    "dot-only-fieldsets": {(NUWEB, "fieldset.only"): "refuses bare names"},
    # Latitude the pages give in so many words: nothing to warn about, nothing may fail.
    "one-wrapper": {},
    "user-arrays": {},
    "no-deleted-at": {},
}
SPECS_FOR = {"one-wrapper": [CODES], "user-arrays": [CODES], "no-deleted-at": [NUWEB]}

# planted bug -> the check that must fail
MUST_CATCH: dict[str, tuple[str, str]] = {
    "teamup-total-unfiltered": (TEAMUP, "filter.customers"),
    "teamup-second-sort-key-ignored": (TEAMUP, "sort.multi-key"),
    "teamup-column-headers-stale": (TEAMUP, "fieldset.columns"),
    "teamup-json-default": (TEAMUP, "format.default"),
    "ep-codes-last-link-single-page": (CODES, "paging.links"),
    "ep-codes-uses-not-remaining": (CODES, "invariant.elasticpath-remaining-uses"),
    "ep-usages-ge-as-gt": (USAGES, "filter.filter:used_on"),
    "ep-usages-wrong-code": (USAGES, "invariant.path-bound"),
    "ops-updated-before-created": (OPS, "invariant.fields"),
    "ops-total-pages-off": (OPS, "paging.meta"),
    "ops-auth-not-enforced": (OPS, "errors.auth"),
    "ops-sort-asc-ignored": (OPS, "sort.options"),
    "nuweb-page-wins-over-offset": (NUWEB, "paging.precedence"),
    "nuweb-included-incomplete": (NUWEB, "invariant.included"),
    "nuweb-page-overlap": (NUWEB, "paging.page-number"),
    "nuweb-comma-types-ignored": (NUWEB, "filter.array-forms"),
    "nuweb-limit-uncapped": (NUWEB, "paging.max-limit"),
}

# What the independent implementation chose differently (its CHOICES.md), each a WARN here.
INDEPENDENT_WARNS = {
    (TEAMUP, "sort.default"), (TEAMUP, "paging.precedence"), (TEAMUP, "filter.used_at_timeframe"),
    (CODES, "paging.default-limit"), (USAGES, "paging.envelope"), (USAGES, "filter.filter:used_on"),
    (NUWEB, "fieldset.only"), (OPS, "errors.blank"),
    *((op, "paging.max-limit") for op in (TEAMUP, CODES, NUWEB, OPS)),
    *((op, "errors.invalid") for op in SPEC_OF),
}


def contracts_against(app, out, specs: list[str], *extra: str) -> Run:
    """One real `contracts run` against the app on a port. A run that could not happen at all (a
    server slow to start on a loaded machine, a timeout) is tried once more before it counts."""
    try:
        return _contracts_against(app, out, specs, *extra)
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ET.ParseError):
        return _contracts_against(app, out, specs, *extra)


def _contracts_against(app, out, specs: list[str], *extra: str) -> Run:
    with BackgroundServer(app=app) as server:
        options = [item for spec in sorted(set(specs)) for item in ("--spec", spec)]
        proc = run_cli(server.url, out, "--quiet", "--no-coverage", "--max-examples", "2", *options, *extra)
    failed, passed, warned = read_junit(out / "junit.xml")
    return Run(proc.returncode, proc.stdout, proc.stderr, failed, passed, (out / "report.md").read_text(), warned)


@pytest.fixture(scope="module")
def reading_runs(tmp_path_factory) -> dict[str, Run]:
    outs = {reading: tmp_path_factory.mktemp(reading) for reading in READINGS}  # not from threads: mktemp races

    def one(reading: str) -> Run:
        ops = SPECS_FOR.get(reading) or [op for op, _ in MUST_WARN[reading]]
        app = create_app(Settings(seed=5, readings=(reading,)))
        return contracts_against(app, outs[reading], [SPEC_OF[op] for op in ops])

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(READINGS, pool.map(one, READINGS)))


@pytest.fixture(scope="module")
def bug_runs(tmp_path_factory) -> dict[str | None, Run]:
    names = [None, *BUGS]
    outs = {bug: tmp_path_factory.mktemp(bug or "independent") for bug in names}

    def one(bug: str | None) -> Run:
        app = independent_app(bugs={bug} if bug else set())
        specs = [SPEC_OF[MUST_CATCH[bug][0]]] if bug else list(set(SPEC_OF.values()))
        return contracts_against(app, outs[bug], specs)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(names, pool.map(one, names)))


def test_every_reading_and_bug_has_an_expectation():
    assert set(MUST_WARN) == set(READINGS), "a new reading in mockserver/readings.py needs its expected WARNs here"
    assert set(MUST_CATCH) == set(BUGS), "a new planted bug needs the check that catches it here"


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_another_reading_warns_and_names_it_but_never_fails(reading_runs, reading):
    run = reading_runs[reading]
    assert run.exit_code == 0, f"{reading}: exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    assert not run.failed, f"{reading} must not fail any check: {sorted(run.failed)}\n{run.stdout}"
    expected = MUST_WARN[reading]
    missing = set(expected) - run.warned
    assert not missing, f"{reading}: expected WARNs not reported: {sorted(missing)}; got {sorted(run.warned)}"
    for (op, check), words in expected.items():
        section = run.stdout.split(f"{op}  GET", 1)[1].split("\n  " + check + ": WARN", 1)[1]
        assert words in section.split("\n  ")[1], f"{reading}: the WARN on {check} should say {words!r}"
    if not expected:
        assert not run.warned and "0 warned checks" in run.stdout, run.stdout
    if expected:
        assert "WARNINGS (another reading of a point the vendor page leaves open)" in run.stdout
        assert "basis:    our reading:" in run.stdout  # the WARN says what we chose


def test_strict_readings_turns_a_warning_into_exit_1(tmp_path):
    app = create_app(Settings(seed=5, readings=("reverse-default-order",)))
    run = contracts_against(app, tmp_path, ["teamup"], "--strict-readings")
    assert run.exit_code == 1, run.stdout
    assert (TEAMUP, "sort.default") in run.failed  # JUnit marks it failed under --strict-readings
    assert "took another reading (--strict-readings): sort.default" in run.stderr


def test_an_independent_implementation_gets_warnings_and_no_failure(bug_runs):
    run = bug_runs[None]
    assert run.exit_code == 0, f"exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    assert not run.failed, sorted(run.failed)
    missing = INDEPENDENT_WARNS - run.warned
    assert not missing, f"readings of the independent implementation not reported: {sorted(missing)}"
    assert "UNDECLARED" not in run.stdout  # every claim that met it has a declared basis
    # One cause, one line: the readings it took, each with every operation and check that met it.
    readings = run.stdout.split("READINGS THIS API TOOK", 1)[1].split("\nWARNINGS", 1)[0]
    clamps = next(line for line in readings.splitlines() if line.startswith("- clamps `limit` above 100"))
    assert all(op in clamps for op in ("getDiscountCodeUsesReportData", "listDiscountCodes", "listPromotionUsageHistory"))
    assert "## Readings this API took" in run.report


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_planted_bug_fails_the_run_and_names_the_check(bug_runs, bug):
    run = bug_runs[bug]
    assert run.exit_code == 1, f"{bug}: exit {run.exit_code}\n{run.stdout}\n{run.stderr}"
    assert MUST_CATCH[bug] in run.failed, f"{bug}: {MUST_CATCH[bug]} did not fail; failed: {sorted(run.failed)}"
    assert "basis:    documented: " in run.stdout or "basis:    implied: " in run.stdout  # a FAIL says why

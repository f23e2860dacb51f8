"""`contracts run` as a user meets it: exit codes with one-line reasons, read-only runs, a bounded
request count, runs that never got a 2xx, and a token that never shows anywhere."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from click.testing import CliRunner

from contracts.cli import execute, main
from contracts.client import SAFE_METHODS, Politeness
from contracts.runner import RunOptions, Session, run_contracts
from contracts.semantic import GROUPS
from mockserver.app import Settings
from mockserver.pytest_plugin import BackgroundServer, free_port

from .test_contracts_client import StubServer

SECRET = "s3cr3t-T0ken/for+tests"
OPS = "ops-promotions"


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch):
    monkeypatch.delenv("CONTRACTS_TOKEN", raising=False)


@pytest.fixture(scope="module")
def healthy():
    with BackgroundServer(Settings(seed=5)) as server:
        yield server


@pytest.fixture(scope="module")
def pinned_and_faulty():
    """Accepts only SECRET, and ignores sort orders, so failures (with their curl lines) get printed."""
    with BackgroundServer(Settings(seed=5, token=SECRET, misbehave=("ignore-sort",))) as server:
        yield server


def invoke(*args: str):
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


# ------------------------------------------------------------------------------ exit codes

def test_an_unreachable_api_exits_2_with_one_line():
    result = invoke("--base-url", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("contracts: cannot reach http://127.0.0.1:")


def test_a_base_url_that_serves_no_spec_exits_2(healthy):
    result = invoke("--base-url", f"{healthy.url}/not-here", "--quiet")
    assert result.exit_code == 2
    assert "no bundled spec's paths exist under" in result.output


def test_absent_specs_are_skipped_when_none_is_named(monkeypatch, tmp_path):
    with BackgroundServer(Settings(seed=5, specs=[OPS])) as only_ops:
        result = run_contracts(RunOptions(base_url=only_ops.url, max_examples=2, seed=1, coverage=False), progress=None)
    assert result.specs == [OPS]
    assert sorted(result.absent_specs) == ["commercetools-discount-codes", "elasticpath-promotions", "nuweb",
                                           "stripe-promotion-codes", "teamup"]
    assert result.exit_code == 0


@pytest.mark.parametrize("args, reason", [
    (("--spec", "no-such-spec"), "no spec file or bundled spec named 'no-such-spec'"),
    (("--token-env", "CONTRACTS_TEST_UNSET_VAR"), "CONTRACTS_TEST_UNSET_VAR: the environment variable is not set"),
    (("--rate-limit", "fast"), "expected N/s or N/m"),
    (("--header", "no colon here"), "expected 'Name: value'"),
])
def test_usage_errors_exit_2(healthy, args, reason):
    result = invoke("--base-url", healthy.url, *args)
    assert result.exit_code == 2
    assert reason in result.output


def test_a_refused_token_exits_2_and_says_so(pinned_and_faulty):
    result = invoke("--base-url", pinned_and_faulty.url, "--quiet")
    assert result.exit_code == 2
    assert "every probe was refused" in result.output and "no token was given" in result.output


def test_a_run_without_any_2xx_fails_loudly():
    """An API that answers everything with 500 is "present" but nothing could be checked."""
    with StubServer([(500, {}, {"error": "down"})]) as stub:
        result = invoke("--base-url", stub.url, "--spec", OPS, "--max-examples", "2", "--no-coverage", "--quiet")
    assert result.exit_code == 1
    assert "no request got a 2xx answer" in result.output


def test_a_healthy_run_exits_0_and_prints_the_summary_table(healthy):
    result = invoke("--base-url", healthy.url, "--spec", OPS, "--max-examples", "3", "--no-coverage", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "sending a placeholder token" in result.output  # said, not hidden
    assert f"  {OPS}:listPromotionUsageHistory paging" in result.output  # progress while it runs
    assert "OPERATION" in result.output and "ASSERTIONS" in result.output and "REQUESTS" in result.output
    assert "SKIP conformance.ignored_auth" in result.output and "placeholder token" in result.output


# ----------------------------------------------------------------------- polite and bounded

def test_a_read_only_run_sends_safe_methods_only(healthy, monkeypatch):
    sent = []
    admit = Politeness.admit
    monkeypatch.setattr(Politeness, "admit", lambda self, method: (sent.append(method.upper()), admit(self, method))[1])
    result = run_contracts(RunOptions(base_url=healthy.url, specs=[OPS], max_examples=2, seed=1), progress=None)
    assert sent and set(sent) <= SAFE_METHODS
    notes = result.operations[0].checks["conformance.generation"].notes
    assert any("unsafe methods not sent" in n for n in notes)  # Schemathesis did generate them


def test_the_request_budget_stops_the_run_and_fails_it(healthy):
    result = run_contracts(RunOptions(base_url=healthy.url, specs=[OPS], max_requests=40, seed=1), progress=None)
    assert result.requests == 40
    assert result.exit_code == 1
    assert any("request budget of 40" in p for p in result.problems)


# ------------------------------------------------------------------------------- redaction

def _everything(capsys, tmp_path) -> dict[str, str]:
    out, err = capsys.readouterr()
    return {"stdout": out, "stderr": err, "report": (tmp_path / "r.md").read_text(),
            "junit": (tmp_path / "j.xml").read_text()}


@pytest.mark.parametrize("delivery", ["env", "header"])
def test_the_token_never_appears_in_output_reports_junit_or_tracebacks(pinned_and_faulty, tmp_path, capsys,
                                                                       monkeypatch, delivery):
    monkeypatch.setenv("MY_API_TOKEN", SECRET)

    def crashing_check(target, recorder, context):  # a check that dies holding the token
        with recorder.check("fieldset.crash"):
            raise RuntimeError(f"boom while sending Bearer {SECRET}")

    monkeypatch.setitem(GROUPS, "fieldset", crashing_check)
    options = RunOptions(base_url=pinned_and_faulty.url, specs=[OPS], max_examples=3, seed=2, coverage=False,
                         **({"token_env": "MY_API_TOKEN"} if delivery == "env" else
                            {"headers": {"Authorization": f"Bearer {SECRET}"}}))
    code = execute(options, junit=str(tmp_path / "j.xml"), report_path=str(tmp_path / "r.md"))
    outputs = _everything(capsys, tmp_path)

    assert code == 1
    for name, text in outputs.items():
        for form in (SECRET, quote(SECRET, safe=""), "s3cr3t-T0ken"):
            assert form not in text, f"the token leaked into {name}"
    # The places that would have shown it show the mask instead.
    assert "Authorization: Bearer ***" in outputs["stdout"]  # curl line of a sort failure
    masked = "Bearer ***" if delivery == "env" else "***"  # a whole credential header value is a secret too
    assert f"boom while sending {masked}" in outputs["junit"]
    assert "Traceback (most recent call last)" in outputs["report"]
    assert f"RuntimeError: boom while sending {masked}" in outputs["report"]
    # The real token did reach the API: the pinned mock accepted it and ran the auth check.
    assert "conformance.ignored_auth` | PASS" in outputs["report"]


def test_a_crash_prints_a_redacted_traceback_and_exits_2(pinned_and_faulty, capsys, monkeypatch):
    monkeypatch.setenv("MY_API_TOKEN", SECRET)

    def crash(self):
        raise ValueError(f"crashed holding {SECRET}")

    monkeypatch.setattr(Session, "run", crash)
    code = execute(RunOptions(base_url=pinned_and_faulty.url, specs=[OPS], token_env="MY_API_TOKEN"))
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback (most recent call last)" in err and "ValueError: crashed holding ***" in err
    assert SECRET not in out + err
